package login

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/idpool/idpool/internal/identity"
)

// APIProviderConfig configures a provider whose access tokens are checked by
// calling the provider's API (Facebook, Login with Amazon, Twitter, Digits).
type APIProviderConfig struct {
	// BaseURL overrides the API's base URL (Facebook
	// https://graph.facebook.com, Amazon https://api.amazon.com, Twitter
	// https://api.twitter.com, Digits https://api.digits.com), e.g. for an
	// offline fake of the API.
	BaseURL string
	// TrustUnverified accepts every token without asking the provider, for
	// offline emulation only: the login's subject is the text after
	// "user:" when the token looks like "user:<id>", else the hex SHA-256
	// of the token. Anyone can then log in as anyone with this provider.
	// Off by default; New logs a warning for each provider that has it on.
	TrustUnverified bool
}

// Default API base URLs.
const (
	facebookBaseURL = "https://graph.facebook.com"
	amazonBaseURL   = "https://api.amazon.com"
	twitterBaseURL  = "https://api.twitter.com"
	digitsBaseURL   = "https://api.digits.com"
)

// maxAPIResponseBytes bounds a provider API response.
const maxAPIResponseBytes = 64 << 10

// apiGet calls a provider API and decodes a JSON answer into v. A 2xx
// answer is decoded; a 4xx answer means the provider refused the token
// (errProviderRefused); anything else, or a network failure, is
// errExternal. The URL may carry the token, so it is never put in errors.
func apiGet(ctx context.Context, client *http.Client, provider, rawURL string, header http.Header, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return fmt.Errorf("login: %s: build request: %w", provider, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		if ue, ok := err.(*url.Error); ok {
			err = ue.Err // drop the URL: it may hold the token
		}
		return external("%s API: %v", provider, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIResponseBytes))
	if err != nil {
		return external("%s API: read body: %v", provider, err)
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests:
		return refuse(errProviderRefused, "%s API answered %d", provider, resp.StatusCode)
	default:
		return external("%s API answered %d", provider, resp.StatusCode)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return external("%s API: decode answer: %v", provider, err)
	}
	return nil
}

// facebookVerifier checks Facebook user access tokens with the Graph API.
type facebookVerifier struct {
	baseURL string
	client  *http.Client
}

// Verify checks a Facebook access token: GET /app?access_token=<token>
// names the app the token was issued to, which must be the pool's
// SupportedLoginProviders value ("Token is not from a supported
// provider…"); GET /me?fields=id&access_token=<token> gives the user id,
// the Subject. A token the Graph API refuses (4xx) is "Invalid login token.
// The identity provider refused the token." (inferred message); an
// unreachable or failing API is ExternalServiceException. Cognito holds no
// app secret, so debug_token (which needs an app token) is not used; this
// is the pair of calls Parse Server's Facebook adapter makes. Claims are
// iss "graph.facebook.com", aud (app id) and sub (user id); amr entries
// are "graph.facebook.com" and "graph.facebook.com:<user id>" (inferred).
func (v *facebookVerifier) Verify(ctx context.Context, pool *identity.Pool, provider, token string) (identity.VerifiedLogin, error) {
	appID := pool.SupportedLoginProviders[facebookProvider]
	if provider != facebookProvider || appID == "" {
		return identity.VerifiedLogin{}, refuse(errUnsupported, "facebook not configured in pool")
	}
	if token == "" || len(token) > maxTokenBytes {
		return identity.VerifiedLogin{}, refuse(errProviderRefused, "empty or oversized token")
	}
	var app struct {
		ID string `json:"id"`
	}
	q := url.Values{"access_token": {token}}
	if err := apiGet(ctx, v.client, provider, v.baseURL+"/app?"+q.Encode(), nil, &app); err != nil {
		return identity.VerifiedLogin{}, err
	}
	if app.ID != appID {
		return identity.VerifiedLogin{}, refuse(errUnsupported, "token is for facebook app %q, pool wants %q", app.ID, appID)
	}
	var me struct {
		ID string `json:"id"`
	}
	q.Set("fields", "id")
	if err := apiGet(ctx, v.client, provider, v.baseURL+"/me?"+q.Encode(), nil, &me); err != nil {
		return identity.VerifiedLogin{}, err
	}
	if me.ID == "" {
		return identity.VerifiedLogin{}, external("facebook /me answered no id")
	}
	return socialLogin(provider, appID, me.ID, nil), nil
}

// amazonVerifier checks Login with Amazon access tokens.
type amazonVerifier struct {
	baseURL string
	client  *http.Client
}

// Verify checks a Login with Amazon access token: GET
// /auth/o2/tokeninfo?access_token=<token> must answer an aud (client ID)
// or app_id equal to the pool's SupportedLoginProviders value (Cognito's
// console asks for the app ID; the reference calls it the client ID, so
// both are accepted) ("Token is not from a supported provider…"). The
// Subject is tokeninfo's user_id, or, when absent, /user/profile's (called
// with the token as a bearer token). Refusals and failures map as for
// Facebook. Claims are iss "www.amazon.com", aud, sub and user_id.
func (v *amazonVerifier) Verify(ctx context.Context, pool *identity.Pool, provider, token string) (identity.VerifiedLogin, error) {
	appID := pool.SupportedLoginProviders[amazonProvider]
	if provider != amazonProvider || appID == "" {
		return identity.VerifiedLogin{}, refuse(errUnsupported, "amazon not configured in pool")
	}
	if token == "" || len(token) > maxTokenBytes {
		return identity.VerifiedLogin{}, refuse(errProviderRefused, "empty or oversized token")
	}
	var info struct {
		Aud    string `json:"aud"`
		AppID  string `json:"app_id"`
		UserID string `json:"user_id"`
	}
	q := url.Values{"access_token": {token}}
	if err := apiGet(ctx, v.client, provider, v.baseURL+"/auth/o2/tokeninfo?"+q.Encode(), nil, &info); err != nil {
		return identity.VerifiedLogin{}, err
	}
	if info.Aud != appID && info.AppID != appID {
		return identity.VerifiedLogin{}, refuse(errUnsupported, "token is for amazon client %q / app %q, pool wants %q", info.Aud, info.AppID, appID)
	}
	if info.UserID == "" {
		var profile struct {
			UserID string `json:"user_id"`
		}
		h := http.Header{"Authorization": {"Bearer " + token}}
		if err := apiGet(ctx, v.client, provider, v.baseURL+"/user/profile", h, &profile); err != nil {
			return identity.VerifiedLogin{}, err
		}
		info.UserID = profile.UserID
	}
	if info.UserID == "" {
		return identity.VerifiedLogin{}, external("amazon answered no user_id")
	}
	return socialLogin(provider, appID, info.UserID, map[string]any{"user_id": info.UserID}), nil
}

// twitterVerifier checks Twitter (or Digits) OAuth 1.0a user tokens.
type twitterVerifier struct {
	provider string
	baseURL  string
	path     string
	client   *http.Client
	now      func() time.Time
	rand     io.Reader
}

// Verify checks a Twitter or Digits login. The pool's
// SupportedLoginProviders value is "<consumer key>;<consumer secret>" and
// the token "<oauth token>;<oauth token secret>", as Cognito expects them.
// It signs GET <base>/1.1/account/verify_credentials.json (Digits:
// /1.1/sdk/account.json) with OAuth 1.0a HMAC-SHA1 and takes id_str from
// the answer as the Subject. A malformed token is "Invalid login token. The
// identity provider refused the token." like a refused one. Digits was shut
// down in 2017: without a BaseURL (or TrustUnverified) its logins fail as
// unreachable. Claims are iss, aud (the consumer key only: the secret is
// never exposed to role rules or tags) and sub.
func (v *twitterVerifier) Verify(ctx context.Context, pool *identity.Pool, provider, token string) (identity.VerifiedLogin, error) {
	cfgVal := pool.SupportedLoginProviders[v.provider]
	ck, cs, ok := strings.Cut(cfgVal, ";")
	if provider != v.provider || !ok || ck == "" || cs == "" {
		return identity.VerifiedLogin{}, refuse(errUnsupported, "%s not configured in pool (want key;secret)", provider)
	}
	tok, ts, ok := strings.Cut(token, ";")
	if !ok || tok == "" || ts == "" || len(token) > maxTokenBytes {
		return identity.VerifiedLogin{}, refuse(errProviderRefused, "%s token is not <token>;<secret>", provider)
	}
	nonce := make([]byte, 16)
	if _, err := io.ReadFull(v.rand, nonce); err != nil {
		return identity.VerifiedLogin{}, fmt.Errorf("login: %s: nonce: %w", provider, err)
	}
	endpoint := v.baseURL + v.path
	params := url.Values{
		"oauth_consumer_key":     {ck},
		"oauth_nonce":            {hex.EncodeToString(nonce)},
		"oauth_signature_method": {"HMAC-SHA1"},
		"oauth_timestamp":        {strconv.FormatInt(v.now().Unix(), 10)},
		"oauth_token":            {tok},
		"oauth_version":          {"1.0"},
	}
	params.Set("oauth_signature", oauth1Signature(http.MethodGet, endpoint, params, cs, ts))
	var b strings.Builder
	b.WriteString("OAuth ")
	for i, k := range sortedKeys(params) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `%s="%s"`, oauthEscape(k), oauthEscape(params.Get(k)))
	}
	var user struct {
		IDStr string `json:"id_str"`
	}
	if err := apiGet(ctx, v.client, provider, endpoint, http.Header{"Authorization": {b.String()}}, &user); err != nil {
		return identity.VerifiedLogin{}, err
	}
	if user.IDStr == "" {
		return identity.VerifiedLogin{}, external("%s answered no id_str", provider)
	}
	return socialLogin(provider, ck, user.IDStr, nil), nil
}

// oauth1Signature computes an OAuth 1.0a HMAC-SHA1 signature (RFC 5849
// §3.4) of a request with the given parameters (oauth_* and query/body
// parameters; oauth_signature itself is excluded).
func oauth1Signature(method, endpoint string, params url.Values, consumerSecret, tokenSecret string) string {
	var pairs []string
	for _, k := range sortedKeys(params) {
		if k == "oauth_signature" {
			continue
		}
		vs := append([]string(nil), params[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			pairs = append(pairs, oauthEscape(k)+"="+oauthEscape(v))
		}
	}
	base := strings.ToUpper(method) + "&" + oauthEscape(endpoint) + "&" + oauthEscape(strings.Join(pairs, "&"))
	mac := hmac.New(sha1.New, []byte(oauthEscape(consumerSecret)+"&"+oauthEscape(tokenSecret)))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// oauthEscape percent-encodes everything but RFC 3986 unreserved
// characters (RFC 5849 §3.6).
func oauthEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func sortedKeys(v url.Values) []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// socialLogin builds the verified login of an API-checked provider.
func socialLogin(provider, aud, sub string, extra map[string]any) identity.VerifiedLogin {
	claims := map[string]any{"iss": provider, "aud": aud, "sub": sub}
	for k, v := range extra {
		claims[k] = v
	}
	return identity.VerifiedLogin{
		Login:  identity.Login{Provider: provider, Subject: sub},
		AMR:    []string{provider, provider + ":" + sub},
		Claims: claims,
	}
}

// trustingVerifier accepts tokens unverified (APIProviderConfig.TrustUnverified).
type trustingVerifier struct{ provider string }

// Verify accepts any non-empty token of a configured provider without
// checking it; see APIProviderConfig.TrustUnverified for the subject.
func (v *trustingVerifier) Verify(_ context.Context, pool *identity.Pool, provider, token string) (identity.VerifiedLogin, error) {
	aud := pool.SupportedLoginProviders[v.provider]
	if provider != v.provider || aud == "" {
		return identity.VerifiedLogin{}, refuse(errUnsupported, "%s not configured in pool", provider)
	}
	if token == "" || len(token) > maxTokenBytes {
		return identity.VerifiedLogin{}, refuse(errProviderRefused, "empty or oversized token")
	}
	if k, _, ok := strings.Cut(aud, ";"); ok {
		aud = k // Twitter/Digits: never expose the consumer secret
	}
	return socialLogin(provider, aud, trustedSubject(token), nil), nil
}

// trustedSubject is the subject of an unverified token: "<id>" for
// "user:<id>", else the hex SHA-256 of the token.
func trustedSubject(token string) string {
	if id, ok := strings.CutPrefix(token, "user:"); ok && id != "" {
		return id
	}
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
