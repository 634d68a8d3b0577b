package login

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/idpool/idpool/internal/identity"
)

// fakeSocial fakes the Facebook Graph API, Login with Amazon and Twitter.
type fakeSocial struct {
	srv   *httptest.Server
	calls atomic.Int32
	// fbTokens: access token → (app id, user id); amzTokens: token →
	// tokeninfo answer.
	fbTokens  map[string][2]string
	amzTokens map[string]map[string]any
	twitter   map[string]string // oauth token → secret
	twUsers   map[string]string // oauth token → id_str
	twKey     string
	twSecret  string
	down      atomic.Bool
}

func newFakeSocial(t *testing.T) *fakeSocial {
	f := &fakeSocial{
		fbTokens: map[string][2]string{
			"EAAfbtoken-alice": {"fb-app-1", "10158000000000001"},
			"EAAfbtoken-other": {"fb-app-2", "10158000000000002"},
		},
		amzTokens: map[string]map[string]any{
			"Atza|alice": {"aud": "amzn1.application-oa2-client.abc", "app_id": "amzn1.application.xyz", "user_id": "amzn1.account.ALICE", "iss": "https://www.amazon.com", "exp": 3597},
			"Atza|noid":  {"aud": "amzn1.application-oa2-client.abc", "app_id": "amzn1.application.xyz"},
			"Atza|other": {"aud": "amzn1.application-oa2-client.zzz", "app_id": "amzn1.application.zzz", "user_id": "amzn1.account.BOB"},
		},
		twitter:  map[string]string{"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb": "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"},
		twUsers:  map[string]string{"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb": "370773112"},
		twKey:    "xvz1evFS4wEEPTGEFPHBog",
		twSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSocial) serve(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	if f.down.Load() {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fbErr := func() {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}}`))
	}
	tok := r.URL.Query().Get("access_token")
	switch r.URL.Path {
	case "/app":
		e, ok := f.fbTokens[tok]
		if !ok {
			fbErr()
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"id": e[0], "name": "app"})
	case "/me":
		e, ok := f.fbTokens[tok]
		if !ok || r.URL.Query().Get("fields") != "id" {
			fbErr()
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"id": e[1]})
	case "/auth/o2/tokeninfo":
		info, ok := f.amzTokens[tok]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"invalid_token","error_description":"The request has an invalid parameter : access_token"}`))
			return
		}
		json.NewEncoder(w).Encode(info)
	case "/user/profile":
		if r.Header.Get("Authorization") != "Bearer Atza|noid" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"user_id": "amzn1.account.NOID", "name": "N"})
	case "/1.1/account/verify_credentials.json", "/1.1/sdk/account.json":
		id, ok := f.checkOAuth(r)
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"errors":[{"code":32,"message":"Could not authenticate you."}]}`))
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"id": 370773112, "id_str": id, "screen_name": "alice"})
	default:
		http.NotFound(w, r)
	}
}

// checkOAuth verifies an OAuth 1.0a Authorization header the way Twitter
// does, with the signature recomputed from the received parameters.
func (f *fakeSocial) checkOAuth(r *http.Request) (string, bool) {
	h, ok := strings.CutPrefix(r.Header.Get("Authorization"), "OAuth ")
	if !ok {
		return "", false
	}
	params := url.Values{}
	for _, part := range strings.Split(h, ", ") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return "", false
		}
		v, err := url.PathUnescape(strings.Trim(v, `"`))
		if err != nil {
			return "", false
		}
		params.Set(k, v)
	}
	secret, ok := f.twitter[params.Get("oauth_token")]
	if !ok || params.Get("oauth_consumer_key") != f.twKey || params.Get("oauth_timestamp") == "" || params.Get("oauth_nonce") == "" {
		return "", false
	}
	endpoint := "http://" + r.Host + r.URL.Path
	if oauth1Signature(r.Method, endpoint, params, f.twSecret, secret) != params.Get("oauth_signature") {
		return "", false
	}
	return f.twUsers[params.Get("oauth_token")], true
}

func socialPool() *identity.Pool {
	return &identity.Pool{ID: "p", SupportedLoginProviders: map[string]string{
		"graph.facebook.com": "fb-app-1",
		"www.amazon.com":     "amzn1.application.xyz",
		"api.twitter.com":    "xvz1evFS4wEEPTGEFPHBog;kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
		"www.digits.com":     "xvz1evFS4wEEPTGEFPHBog;kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
	}}
}

func TestSocialAPIProviders(t *testing.T) {
	f := newFakeSocial(t)
	clk := newClock()
	reg := newRegistry(t, clk, func(c *Config) {
		c.Facebook.BaseURL = f.srv.URL
		c.Amazon.BaseURL = f.srv.URL + "/"
		c.Twitter.BaseURL = f.srv.URL
		c.Digits.BaseURL = f.srv.URL
	})
	pool := socialPool()
	ctx := context.Background()
	const twTok = "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb;LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"

	happy := []struct {
		provider, token string
		want            identity.VerifiedLogin
	}{
		{"graph.facebook.com", "EAAfbtoken-alice", identity.VerifiedLogin{
			Login:  identity.Login{Provider: "graph.facebook.com", Subject: "10158000000000001"},
			AMR:    []string{"graph.facebook.com", "graph.facebook.com:10158000000000001"},
			Claims: map[string]any{"iss": "graph.facebook.com", "aud": "fb-app-1", "sub": "10158000000000001"},
		}},
		{"www.amazon.com", "Atza|alice", identity.VerifiedLogin{
			Login:  identity.Login{Provider: "www.amazon.com", Subject: "amzn1.account.ALICE"},
			AMR:    []string{"www.amazon.com", "www.amazon.com:amzn1.account.ALICE"},
			Claims: map[string]any{"iss": "www.amazon.com", "aud": "amzn1.application.xyz", "sub": "amzn1.account.ALICE", "user_id": "amzn1.account.ALICE"},
		}},
		{"www.amazon.com", "Atza|noid", identity.VerifiedLogin{
			Login:  identity.Login{Provider: "www.amazon.com", Subject: "amzn1.account.NOID"},
			AMR:    []string{"www.amazon.com", "www.amazon.com:amzn1.account.NOID"},
			Claims: map[string]any{"iss": "www.amazon.com", "aud": "amzn1.application.xyz", "sub": "amzn1.account.NOID", "user_id": "amzn1.account.NOID"},
		}},
		{"api.twitter.com", twTok, identity.VerifiedLogin{
			Login:  identity.Login{Provider: "api.twitter.com", Subject: "370773112"},
			AMR:    []string{"api.twitter.com", "api.twitter.com:370773112"},
			Claims: map[string]any{"iss": "api.twitter.com", "aud": "xvz1evFS4wEEPTGEFPHBog", "sub": "370773112"},
		}},
		{"www.digits.com", twTok, identity.VerifiedLogin{
			Login:  identity.Login{Provider: "www.digits.com", Subject: "370773112"},
			AMR:    []string{"www.digits.com", "www.digits.com:370773112"},
			Claims: map[string]any{"iss": "www.digits.com", "aud": "xvz1evFS4wEEPTGEFPHBog", "sub": "370773112"},
		}},
	}
	for _, tc := range happy {
		got, err := reg.VerifyLogin(ctx, pool, tc.provider, tc.token)
		if err != nil {
			t.Fatalf("%s: %v", tc.provider, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Fatalf("%s:\n got %#v\nwant %#v", tc.provider, got, tc.want)
		}
	}

	// Amazon: the client ID is accepted as the configured value too.
	pool2 := socialPool()
	pool2.SupportedLoginProviders["www.amazon.com"] = "amzn1.application-oa2-client.abc"
	if _, err := reg.VerifyLogin(ctx, pool2, "www.amazon.com", "Atza|alice"); err != nil {
		t.Fatal(err)
	}

	const (
		unsupported = "Token is not from a supported provider of this identity pool."
		refused     = "Invalid login token. The identity provider refused the token."
	)
	for _, tc := range []struct{ provider, token, msg string }{
		{"graph.facebook.com", "EAAfbtoken-other", unsupported}, // issued to another app
		{"graph.facebook.com", "EAAforged", refused},
		{"www.amazon.com", "Atza|other", unsupported},
		{"www.amazon.com", "Atza|forged", refused},
		{"api.twitter.com", "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb;wrong-secret", refused},
		{"api.twitter.com", "no-secret-part", refused},
	} {
		_, err := reg.VerifyLogin(ctx, pool, tc.provider, tc.token)
		notAuthorized(t, err, tc.msg)
	}

	f.down.Store(true)
	for _, p := range []string{"graph.facebook.com", "www.amazon.com", "api.twitter.com"} {
		_, err := reg.VerifyLogin(ctx, pool, p, twTok)
		wantRefusal(t, err, identity.CodeExternalService, "Error contacting the identity provider.")
		if strings.Contains(err.Error(), "GmHx") {
			t.Fatalf("error leaks the token: %v", err)
		}
	}
}

// TestOAuth1Signature checks the signer against Twitter's documented example
// ("Creating a signature").
func TestOAuth1Signature(t *testing.T) {
	params := url.Values{
		"status":                 {"Hello Ladies + Gentlemen, a signed OAuth request!"},
		"include_entities":       {"true"},
		"oauth_consumer_key":     {"xvz1evFS4wEEPTGEFPHBog"},
		"oauth_nonce":            {"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"},
		"oauth_signature_method": {"HMAC-SHA1"},
		"oauth_timestamp":        {"1318622958"},
		"oauth_token":            {"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"},
		"oauth_version":          {"1.0"},
	}
	got := oauth1Signature("POST", "https://api.twitter.com/1.1/statuses/update.json", params,
		"kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw", "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE")
	if want := "hCtSmYh+iHYCEqBWrE7C7hYmtUk="; got != want {
		t.Fatalf("signature = %q, want %q", got, want)
	}
}

func TestTrustUnverified(t *testing.T) {
	var logs bytes.Buffer
	clk := newClock()
	reg := newRegistry(t, clk, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		c.Facebook.TrustUnverified = true
		c.Twitter.TrustUnverified = true
		c.HTTPClient = &http.Client{Transport: noNetwork{t}}
	})
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "graph.facebook.com") ||
		!strings.Contains(logs.String(), "api.twitter.com") || strings.Contains(logs.String(), "www.amazon.com") {
		t.Fatalf("warning log = %q", logs.String())
	}
	pool := socialPool()
	ctx := context.Background()
	got, err := reg.VerifyLogin(ctx, pool, "graph.facebook.com", "user:alice")
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "alice" || got.Claims["aud"] != "fb-app-1" {
		t.Fatalf("login = %+v", got)
	}
	got, err = reg.VerifyLogin(ctx, pool, "graph.facebook.com", "EAA-opaque")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("EAA-opaque"))
	if want := hex.EncodeToString(sum[:]); got.Subject != want {
		t.Fatalf("subject = %q, want %q", got.Subject, want)
	}
	again, _ := reg.VerifyLogin(ctx, pool, "graph.facebook.com", "EAA-opaque")
	if again.Subject != got.Subject {
		t.Fatal("hashed subject not stable")
	}
	got, err = reg.VerifyLogin(ctx, pool, "api.twitter.com", "user:42")
	if err != nil || got.Subject != "42" || got.Claims["aud"] != "xvz1evFS4wEEPTGEFPHBog" {
		t.Fatalf("twitter login = %+v, %v", got, err)
	}
	// Still only for providers the pool configures.
	delete(pool.SupportedLoginProviders, "graph.facebook.com")
	_, err = reg.VerifyLogin(ctx, pool, "graph.facebook.com", "user:alice")
	notAuthorized(t, err, "Token is not from a supported provider of this identity pool.")
}

func TestRegistryDispatch(t *testing.T) {
	keys, _ := testKeys(t)
	clk := newClock()
	reg := newRegistry(t, clk, func(c *Config) { c.HTTPClient = &http.Client{Transport: noNetwork{t}} })
	pool := &identity.Pool{
		ID:                      "p",
		DeveloperProviderName:   "login.example.dev",
		SupportedLoginProviders: map[string]string{"graph.facebook.com": "fb", "unknown.example.com": "x"},
		CognitoIdentityProviders: []identity.CognitoProvider{
			{ProviderName: upProvider, ClientID: upClient},
		},
	}
	n := clk.Now().Unix()
	tok := signJWT(t, keys[0], jose.RS256, "k", map[string]any{"iss": upIssuer, "aud": upClient, "token_use": "id", "sub": "s", "exp": n + 60})
	for _, provider := range []string{
		"Facebook", "login.example.dev", "cognito-identity.amazonaws.com", "unknown.example.com",
		"cognito-idp.us-east-1.amazonaws.com/us-east-1_NotInPool", "accounts.google.com",
		"arn:aws:iam::123456789012:saml-provider/NotInPool", "arn:aws:iam::123456789012:oidc-provider/not.in.pool",
	} {
		_, err := reg.VerifyLogin(context.Background(), pool, provider, tok)
		notAuthorized(t, err, "Token is not from a supported provider of this identity pool.")
	}
	// OIDC and SAML without sources configured are not supported either.
	pool.OpenIDConnectProviderARNs = []string{"arn:aws:iam::123456789012:oidc-provider/idp.example.com"}
	pool.SAMLProviderARNs = []string{"arn:aws:iam::123456789012:saml-provider/Corp"}
	for _, provider := range []string{"idp.example.com", "arn:aws:iam::123456789012:saml-provider/Corp"} {
		_, err := reg.VerifyLogin(context.Background(), pool, provider, tok)
		notAuthorized(t, err, "Token is not from a supported provider of this identity pool.")
	}
}

func TestOIDCProviderWinsForGoogleHost(t *testing.T) {
	// A pool that registers accounts.google.com as an IAM OIDC provider
	// (Cognito's advice for several Google client IDs) verifies Google
	// tokens against the IAM client-ID list.
	keys, _ := testKeys(t)
	clk := newClock()
	arn := "arn:aws:iam::" + account + ":oidc-provider/accounts.google.com"
	providers := &MemoryOIDCProviders{}
	providers.Put(arn, OIDCProviderInfo{URL: "https://accounts.google.com", ClientIDs: []string{"web-id", "ios-id"}})
	var asked []string
	reg := newRegistry(t, clk, func(c *Config) {
		c.OIDC.Providers = providers
		c.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			asked = append(asked, r.URL.String())
			return nil, context.Canceled
		})}
	})
	pool := &identity.Pool{ID: "p", OpenIDConnectProviderARNs: []string{arn},
		SupportedLoginProviders: map[string]string{"accounts.google.com": "web-id"}}
	n := clk.Now().Unix()
	tok := signJWT(t, keys[0], jose.RS256, "g", map[string]any{"iss": "accounts.google.com", "aud": "ios-id", "sub": "1", "exp": n + 60})
	_, err := reg.VerifyLogin(context.Background(), pool, "accounts.google.com", tok)
	wantRefusal(t, err, identity.CodeExternalService, "Error contacting the identity provider.")
	if len(asked) != 1 || asked[0] != "https://accounts.google.com/.well-known/openid-configuration" {
		t.Fatalf("asked %q, want Google's discovery document", asked)
	}
}
