package token

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func decodeSegment(t *testing.T, tok string, i int) []byte {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatalf("segment %d: %v", i, err)
	}
	return b
}

func TestIssueVerifyRoundTrip(t *testing.T) {
	clk := newFakeClock(t0)
	m := newTestManager(t, testConfig(newMemStore(), clk))
	in := sampleClaims(clk.Now(), 10*time.Minute)
	tok := mustIssue(t, m, in)

	got, err := m.Verify(tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := in
	want.Issuer = testIssuer
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Verify claims\n got %+v\nwant %+v", got, want)
	}

	// Guest token: no tags, no ARN, amr present.
	g := Claims{Subject: testID, Audience: testPool, AMR: []string{"unauthenticated"}, ExpiresAt: clk.Now().Add(600 * time.Second)}
	got, err = m.Verify(mustIssue(t, m, g))
	if err != nil {
		t.Fatal(err)
	}
	if got.PrincipalTags != nil || got.PoolARN != "" || !got.IssuedAt.Equal(clk.Now()) || got.AMR[0] != "unauthenticated" {
		t.Fatalf("guest claims: %+v", got)
	}
}

func TestTokenShape(t *testing.T) {
	clk := newFakeClock(t0)
	m := newTestManager(t, testConfig(newMemStore(), clk))
	tok := mustIssue(t, m, sampleClaims(clk.Now(), 15*time.Minute))

	if got, want := string(decodeSegment(t, tok, 0)), `{"kid":"us-east-11","typ":"JWS","alg":"RS512"}`; got != want {
		t.Fatalf("header\n got %s\nwant %s", got, want)
	}
	iat, exp := t0.Unix(), t0.Add(15*time.Minute).Unix()
	want := `{"sub":"` + testID + `","aud":"` + testPool + `",` +
		`"amr":["authenticated","login.example.com","login.example.com:OIDC:user-1"],` +
		`"https://aws.amazon.com/tags":{"principal_tags":{"cost-center":["42"],"team":["blue"]}},` +
		`"iss":"` + testIssuer + `",` +
		`"https://cognito-identity.amazonaws.com/identity-pool-arn":"` + testPoolARN + `",` +
		`"exp":` + itoa64(exp) + `,"iat":` + itoa64(iat) + `}`
	if got := string(decodeSegment(t, tok, 1)); got != want {
		t.Fatalf("payload\n got %s\nwant %s", got, want)
	}
	if sig := decodeSegment(t, tok, 2); len(sig) != 256 {
		t.Fatalf("signature is %d bytes, want 256", len(sig))
	}

	// Without tags or ARN, and with nil AMR: those claims are left out, amr is [].
	tok = mustIssue(t, m, Claims{Subject: "s", Audience: "a", ExpiresAt: t0.Add(time.Minute)})
	if got, want := string(decodeSegment(t, tok, 1)), `{"sub":"s","aud":"a","amr":[],"iss":"`+testIssuer+`","exp":`+itoa64(t0.Add(time.Minute).Unix())+`,"iat":`+itoa64(iat)+`}`; got != want {
		t.Fatalf("minimal payload\n got %s\nwant %s", got, want)
	}
}

func itoa64(n int64) string { return big.NewInt(n).String() }

func TestJWKSShape(t *testing.T) {
	clk := newFakeClock(t0)
	m := newTestManager(t, testConfig(newMemStore(), clk))
	doc := m.JWKS()
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 2 {
		t.Fatalf("JWKS has %d keys, want signing+next: %s", len(set.Keys), doc)
	}
	_, priv := signingKey(m)
	n := base64.RawURLEncoding.EncodeToString(priv.N.Bytes())
	if got, want := string(set.Keys[0]), `{"kty":"RSA","alg":"RS512","use":"sig","kid":"us-east-11","n":"`+n+`","e":"AQAB"}`; got != want {
		t.Fatalf("first JWK\n got %s\nwant %s", got, want)
	}
	if !strings.Contains(string(set.Keys[1]), `"kid":"us-east-12"`) {
		t.Fatalf("second JWK is not the next key: %s", set.Keys[1])
	}
	// A copy each time: callers cannot corrupt the cache.
	doc[0] = 'X'
	if m.JWKS()[0] != '{' {
		t.Fatal("JWKS returned the cached slice")
	}
	// go-jose reads it as a standard JWKS.
	var ks jose.JSONWebKeySet
	if err := json.Unmarshal(m.JWKS(), &ks); err != nil {
		t.Fatalf("go-jose JWKS: %v", err)
	}
	if k := ks.Key("us-east-11"); len(k) != 1 || !k[0].Key.(*rsa.PublicKey).Equal(&priv.PublicKey) || k[0].Algorithm != "RS512" || k[0].Use != "sig" {
		t.Fatalf("go-jose key: %+v", k)
	}
}

// verifyWithGoJose verifies tok the way a relying party would: only the
// published JWKS, go-jose's JWT parser with an RS512 allow-list, and the
// standard claim checks.
func verifyWithGoJose(t *testing.T, jwks []byte, tok string, now time.Time) (jwt.Claims, error) {
	t.Helper()
	var ks jose.JSONWebKeySet
	if err := json.Unmarshal(jwks, &ks); err != nil {
		t.Fatalf("JWKS: %v", err)
	}
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS512})
	if err != nil {
		return jwt.Claims{}, err
	}
	var std jwt.Claims
	var extra struct {
		AMR     []string `json:"amr"`
		PoolARN string   `json:"https://cognito-identity.amazonaws.com/identity-pool-arn"`
	}
	if err := parsed.Claims(&ks, &std, &extra); err != nil {
		return jwt.Claims{}, err
	}
	if err := std.ValidateWithLeeway(jwt.Expected{Issuer: testIssuer, AnyAudience: jwt.Audience{testPool}, Time: now}, 0); err != nil {
		return jwt.Claims{}, err
	}
	if len(extra.AMR) == 0 {
		return jwt.Claims{}, errors.New("no amr")
	}
	return std, nil
}

func TestStandardLibraryVerifiesWithJWKS(t *testing.T) {
	clk := newFakeClock(t0)
	m := newTestManager(t, testConfig(newMemStore(), clk))
	tok := mustIssue(t, m, sampleClaims(clk.Now(), time.Hour))
	std, err := verifyWithGoJose(t, m.JWKS(), tok, clk.Now())
	if err != nil {
		t.Fatalf("go-jose verify: %v", err)
	}
	if std.Subject != testID || len(std.Audience) != 1 || std.Audience[0] != testPool {
		t.Fatalf("claims: %+v", std)
	}
	// And go-jose rejects it once expired, as we do.
	if _, err := verifyWithGoJose(t, m.JWKS(), tok, clk.Now().Add(time.Hour+time.Second)); !errors.Is(err, jwt.ErrExpired) {
		t.Fatalf("go-jose after exp: %v", err)
	}
}

func TestVerifyExpired(t *testing.T) {
	clk := newFakeClock(t0)
	m := newTestManager(t, testConfig(newMemStore(), clk))
	tok := mustIssue(t, m, sampleClaims(clk.Now(), 600*time.Second))
	clk.Add(599 * time.Second)
	if _, err := m.Verify(tok); err != nil {
		t.Fatalf("1s before exp: %v", err)
	}
	clk.Add(time.Second)
	_, err := m.Verify(tok)
	var ee *ExpiredError
	if !errors.Is(err, ErrExpired) || !errors.As(err, &ee) {
		t.Fatalf("at exp: %v", err)
	}
	exp := t0.Add(600 * time.Second).Unix()
	if want := "Token expired: " + itoa64(exp) + " >= " + itoa64(exp); err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
	if !ee.ExpiresAt.Equal(time.Unix(exp, 0)) || !ee.Now.Equal(clk.Now()) {
		t.Fatalf("ExpiredError %+v", ee)
	}
}

func TestVerifyWrongIssuer(t *testing.T) {
	clk := newFakeClock(t0)
	store := newMemStore()
	m := newTestManager(t, testConfig(store, clk))
	cfg := testConfig(store, clk)
	cfg.Issuer = "https://cognito-identity.amazonaws.com"
	other := newTestManager(t, cfg) // same keys, other issuer
	tok := mustIssue(t, other, sampleClaims(clk.Now(), time.Minute))
	if _, err := other.Verify(tok); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Verify(tok); !errors.Is(err, ErrInvalidClaims) {
		t.Fatalf("wrong issuer: %v", err)
	}
}

func TestIssueRefusesBadClaims(t *testing.T) {
	clk := newFakeClock(t0)
	m := newTestManager(t, testConfig(newMemStore(), clk))
	now := clk.Now()
	for name, c := range map[string]Claims{
		"no subject":     {Audience: "a", ExpiresAt: now.Add(time.Minute)},
		"no audience":    {Subject: "s", ExpiresAt: now.Add(time.Minute)},
		"no expiry":      {Subject: "s", Audience: "a"},
		"expired":        {Subject: "s", Audience: "a", ExpiresAt: now},
		"too long":       {Subject: "s", Audience: "a", ExpiresAt: now.Add(3*time.Hour + time.Second)},
		"foreign issuer": {Subject: "s", Audience: "a", ExpiresAt: now.Add(time.Minute), Issuer: "https://evil"},
	} {
		if _, err := m.Issue(c); !errors.Is(err, ErrInvalidClaims) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := m.Issue(Claims{Subject: "s", Audience: "a", ExpiresAt: now.Add(3 * time.Hour), Issuer: testIssuer}); err != nil {
		t.Errorf("max lifetime: %v", err)
	}
}

func TestStoredDocument(t *testing.T) {
	clk := newFakeClock(t0)
	store := newMemStore()
	m := newTestManager(t, testConfig(store, clk))
	raw, version, err := store.GetValue(context.Background(), DefaultStoreKey)
	if err != nil || version != 1 {
		t.Fatalf("stored: version %d err %v", version, err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"format", "last_serial", "signing", "next", "retired"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("document lacks %q: %s", k, raw)
		}
	}
	// No private key material in the clear.
	_, priv := signingKey(m)
	for _, secret := range [][]byte{priv.D.Bytes(), priv.Primes[0].Bytes()} {
		enc := [][]byte{secret, []byte(base64.StdEncoding.EncodeToString(secret)), []byte(base64.RawURLEncoding.EncodeToString(secret))}
		for _, e := range enc {
			if bytes.Contains(raw, e[:32]) {
				t.Fatal("private key material stored in the clear")
			}
		}
	}
	st := store.state(t)
	if st.Signing.KID != "us-east-11" || st.Next.KID != "us-east-12" || len(st.Signing.Sealed) < 1000 || st.Signing.Sealed[0] != sealFormat {
		t.Fatalf("state: %+v", st)
	}
	// A second Manager adopts the document without writing.
	newTestManager(t, testConfig(store, clk))
	if store.puts.Load() != 1 {
		t.Fatalf("%d writes, want 1", store.puts.Load())
	}
}

func TestConfigValidation(t *testing.T) {
	clk := newFakeClock(t0)
	base := testConfig(newMemStore(), clk)
	for name, edit := range map[string]func(*Config){
		"no store":          func(c *Config) { c.Store = nil },
		"no issuer":         func(c *Config) { c.Issuer = "" },
		"bad region":        func(c *Config) { c.Region = "US East/1" },
		"empty region":      func(c *Config) { c.Region = "" },
		"short seal key":    func(c *Config) { c.SealKey = make([]byte, 31) },
		"no seal key":       func(c *Config) { c.SealKey = nil },
		"small keys":        func(c *Config) { c.KeyBits = 1024 },
		"short period":      func(c *Config) { c.RotationPeriod = 10 * time.Minute },
		"slow refresh":      func(c *Config) { c.RefreshInterval = 20 * time.Minute },
		"negative lifetime": func(c *Config) { c.MaxTokenLifetime = -time.Second },
	} {
		cfg := base
		edit(&cfg)
		if _, err := NewManager(context.Background(), cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := NewManager(context.Background(), Config{Store: newMemStore(), SealKey: sealKeyA, Issuer: "x", Region: "local", Logger: discardLogger()}); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

func TestCacheMaxAge(t *testing.T) {
	clk := newFakeClock(t0)
	m := newTestManager(t, testConfig(newMemStore(), clk))
	// grace = 2×1m + 5m = 7m; (60m−7m)/2 = 26m30s.
	if got := m.CacheMaxAge(); got != 26*time.Minute+30*time.Second {
		t.Fatalf("CacheMaxAge %s", got)
	}
	cfg := testConfig(newMemStore(), clk)
	cfg.RotationPeriod = 0
	cfg.RefreshInterval = 0
	m = newTestManager(t, cfg)
	if got := m.CacheMaxAge(); got != time.Hour || got > m.period-m.grace {
		t.Fatalf("default CacheMaxAge %s", got)
	}
}

func TestIssueRefusesStaleKeys(t *testing.T) {
	clk := newFakeClock(t0)
	m := newTestManager(t, testConfig(newMemStore(), clk))
	// Due for rotation, no refresh yet: still signs within the grace period.
	clk.Set(t0.Add(time.Hour + 6*time.Minute))
	if _, err := m.Issue(sampleClaims(clk.Now(), 3*time.Hour)); err != nil {
		t.Fatalf("within grace: %v", err)
	}
	select {
	case <-m.kick:
	default:
		t.Fatal("Issue did not ask for a refresh")
	}
	clk.Set(t0.Add(time.Hour + 7*time.Minute))
	if _, err := m.Issue(sampleClaims(clk.Now(), time.Minute)); !errors.Is(err, ErrStaleKeys) {
		t.Fatalf("past grace: %v", err)
	}
	if err := m.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	tok := mustIssue(t, m, sampleClaims(clk.Now(), time.Minute))
	if h := string(decodeSegment(t, tok, 0)); !strings.Contains(h, `"us-east-12"`) {
		t.Fatalf("after refresh: %s", h)
	}
}

func TestRunRefreshesOnKick(t *testing.T) {
	clk := newFakeClock(t0)
	cfg := testConfig(newMemStore(), clk)
	m := newTestManager(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	clk.Add(time.Hour) // due; the ticker (1 min of real time) will not fire in this test
	if _, err := m.Issue(sampleClaims(clk.Now(), time.Minute)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for m.keys.Load().signer.kid != "us-east-12" {
		if time.Now().After(deadline) {
			t.Fatal("Run did not rotate after Issue asked")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
