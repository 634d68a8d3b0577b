package login

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/idpool/idpool/internal/identity"
)

// t0 is the pinned "now" of every test.
var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// fakeClock is an injectable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Test keys, generated once per test binary (RSA generation is slow).
var (
	keysOnce sync.Once
	rsaKeys  []*rsa.PrivateKey
	ecKey    *ecdsa.PrivateKey
)

func testKeys(t testing.TB) ([]*rsa.PrivateKey, *ecdsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		for range 4 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			rsaKeys = append(rsaKeys, k)
		}
		var err error
		ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
	})
	return rsaKeys, ecKey
}

// pub returns the public JWK of a private key.
func pub(key crypto.Signer, kid, alg string) jose.JSONWebKey {
	return jose.JSONWebKey{Key: key.Public(), KeyID: kid, Algorithm: alg, Use: "sig"}
}

// signJWT signs claims as a compact JWS with the given key, alg and kid
// ("" = no kid header).
func signJWT(t testing.TB, key crypto.Signer, alg jose.SignatureAlgorithm, kid string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	sk := jose.SigningKey{Algorithm: alg, Key: key}
	if kid != "" {
		sk.Key = jose.JSONWebKey{Key: key, KeyID: kid}
	}
	signer, err := jose.NewSigner(sk, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rawJWT assembles a compact JWS from parts (for forged tokens).
func rawJWT(t testing.TB, header, claims map[string]any, sig []byte) string {
	t.Helper()
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(h) + "." + enc.EncodeToString(c) + "." + enc.EncodeToString(sig)
}

// fakeIdP is an OIDC issuer / user-pool-shaped JWKS host on httptest. It
// serves discovery at /.well-known/openid-configuration, the JWKS at /keys
// and /.well-known/jwks.json, and counts the fetches.
type fakeIdP struct {
	srv    *httptest.Server
	issuer string

	mu           sync.Mutex
	keys         []jose.JSONWebKey
	cacheControl string
	discoIssuer  string // issuer in the discovery doc ("" = issuer)
	paths        []string

	failing         atomic.Bool
	jwksFetches     atomic.Int32
	discoveryFetchs atomic.Int32
}

func newFakeIdP(t testing.TB, keys ...jose.JSONWebKey) *fakeIdP {
	t.Helper()
	f := &fakeIdP{keys: keys, cacheControl: "public, max-age=3600"}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	f.issuer = f.srv.URL
	return f
}

func (f *fakeIdP) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.paths = append(f.paths, r.URL.RequestURI())
	keys := slices.Clone(f.keys)
	cc := f.cacheControl
	disco := f.discoIssuer
	f.mu.Unlock()
	if f.failing.Load() {
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		f.discoveryFetchs.Add(1)
		if disco == "" {
			disco = f.issuer
		}
		w.Header().Set("Cache-Control", cc)
		json.NewEncoder(w).Encode(map[string]any{"issuer": disco, "jwks_uri": f.issuer + "/keys"})
	case "/keys", "/.well-known/jwks.json":
		f.jwksFetches.Add(1)
		w.Header().Set("Cache-Control", cc)
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: keys})
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeIdP) setKeys(keys ...jose.JSONWebKey) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys = keys
}

func (f *fakeIdP) setCacheControl(cc string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cacheControl = cc
}

func (f *fakeIdP) requestPaths() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.paths)
}

// host is the issuer's host/path, the OIDC Logins key.
func (f *fakeIdP) host() string { return strings.TrimPrefix(f.issuer, "http://") }

// Fixture names.
const (
	account     = "123456789012"
	upProvider  = "cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1"
	upIssuer    = "https://" + upProvider
	upClient    = "7abcdefghijklmnopqrstuvwxy"
	upClient2   = "8zyxwvutsrqponmlkjihgfedcb"
	otherClient = "9otherpoolclient0000000000"
	oidcClient  = "oidc-client-1"
)

// discardLogger drops every record.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newRegistry returns a Registry on clk with cfg adjusted by mod.
func newRegistry(t testing.TB, clk *fakeClock, mod func(*Config)) *Registry {
	t.Helper()
	cfg := Config{
		HTTPClient: &http.Client{Timeout: 5 * time.Second},
		Now:        clk.Now,
		Logger:     discardLogger(),
	}
	if mod != nil {
		mod(&cfg)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wantRefusal checks that err carries a Cognito error with code and message.
func wantRefusal(t testing.TB, err error, code identity.Code, msg string) {
	t.Helper()
	var e *identity.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want %s: %q", err, err, code, msg)
	}
	if e.Code != code || e.Message != msg {
		t.Fatalf("error = %s: %q (%v), want %s: %q", e.Code, e.Message, err, code, msg)
	}
}

func notAuthorized(t testing.TB, err error, msg string) {
	t.Helper()
	wantRefusal(t, err, identity.CodeNotAuthorized, msg)
}

// noNetwork is a transport that fails the test if it is used.
type noNetwork struct{ t testing.TB }

func (n noNetwork) RoundTrip(r *http.Request) (*http.Response, error) {
	n.t.Errorf("unexpected request to %s", r.URL.Redacted())
	return nil, errors.New("no network in this test")
}

// secretsFrom returns renderings of an RSA public key an attacker might use
// as an HMAC secret (PEM, DER, JWK JSON, raw modulus).
func secretsFrom(t testing.TB, k *rsa.PublicKey) [][]byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	jwk, err := json.Marshal(jose.JSONWebKey{Key: k})
	if err != nil {
		t.Fatal(err)
	}
	return [][]byte{pemBytes, der, jwk, k.N.Bytes()}
}
