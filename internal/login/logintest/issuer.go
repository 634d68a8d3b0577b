// Package logintest holds hermetic identity providers for tests that drive
// idpool's login verification from the outside: an OpenID Connect issuer
// (discovery and a rotating JWKS) that also serves as a Cognito user
// pool's JWKS host, a SAML identity provider with its own key, certificate
// and metadata, fake Facebook / Login with Amazon / Twitter APIs, and a
// fake cognito-idp AdminGetUser endpoint for ServerSideTokenCheck. Every
// provider runs on net/http/httptest on a loopback port and counts the
// requests it serves, so tests can assert what idpool fetched.
//
// The token and assertion builders produce both valid logins and the
// forged ones of the attack table (alg none, HS256 keyed with the RSA
// public key, unknown or path-like kids, truncated signatures, unsigned or
// wrapped SAML assertions).
package logintest

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Issuer is an OpenID Connect issuer on httptest. It serves its discovery
// document at /.well-known/openid-configuration (jwks_uri = URL+"/keys")
// and its JWKS at /keys and /.well-known/jwks.json, both with the
// Cache-Control header set by SetCacheControl (default "public,
// max-age=3600"), and counts the fetches of each.
//
// For a user pool (NewUserPool) the tokens' iss is the user pool's
// https://cognito-idp.<region>.amazonaws.com/<pool id> while the keys are
// served from URL, which is what idpool's --user-pool-jwks points at.
type Issuer struct {
	// URL is the server's base URL, http://127.0.0.1:<port>.
	URL string
	// Iss is the iss claim of the tokens it signs (URL for an OIDC issuer).
	Iss string

	srv *httptest.Server

	mu           sync.Mutex
	keys         []*signingKey // published; keys[0] signs
	cacheControl string

	down             atomic.Bool
	jwksFetches      atomic.Int64
	discoveryFetches atomic.Int64
}

type signingKey struct {
	kid string
	key *rsa.PrivateKey
}

// NewIssuer starts an OIDC issuer with one fresh RSA-2048 signing key.
// tb.Cleanup stops it.
func NewIssuer(tb testing.TB) *Issuer {
	tb.Helper()
	i := &Issuer{cacheControl: "public, max-age=3600"}
	i.srv = httptest.NewServer(http.HandlerFunc(i.serve))
	tb.Cleanup(i.srv.Close)
	i.URL = i.srv.URL
	i.Iss = i.URL
	i.keys = []*signingKey{newSigningKey(tb)}
	return i
}

var kidSeq atomic.Int64

func newSigningKey(tb testing.TB) *signingKey {
	tb.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	return &signingKey{kid: fmt.Sprintf("key-%d", kidSeq.Add(1)), key: k}
}

func (i *Issuer) serve(w http.ResponseWriter, r *http.Request) {
	if i.down.Load() {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	i.mu.Lock()
	cc := i.cacheControl
	set := jose.JSONWebKeySet{}
	for _, k := range i.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.key.Public(), KeyID: k.kid, Algorithm: "RS256", Use: "sig"})
	}
	i.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		i.discoveryFetches.Add(1)
		w.Header().Set("Cache-Control", cc)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": i.Iss, "jwks_uri": i.URL + "/keys",
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	case "/keys", "/.well-known/jwks.json":
		i.jwksFetches.Add(1)
		w.Header().Set("Cache-Control", cc)
		_ = json.NewEncoder(w).Encode(set)
	default:
		http.NotFound(w, r)
	}
}

// Host is the issuer URL without its scheme: the Logins key of an IAM OIDC
// provider registered with URL.
func (i *Issuer) Host() string { return i.URL[len("http://"):] }

// JWKSURL is where the keys are served.
func (i *Issuer) JWKSURL() string { return i.URL + "/.well-known/jwks.json" }

// KID is the key ID of the current signing key.
func (i *Issuer) KID() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.keys[0].kid
}

// PublicKey is the current signing key's public key.
func (i *Issuer) PublicKey() *rsa.PublicKey {
	i.mu.Lock()
	defer i.mu.Unlock()
	return &i.keys[0].key.PublicKey
}

// Rotate makes a fresh key the signing key. With keepOld the previous keys
// stay published (a provider's usual overlap); without, only the new key is
// published.
func (i *Issuer) Rotate(tb testing.TB, keepOld bool) {
	tb.Helper()
	k := newSigningKey(tb)
	i.mu.Lock()
	defer i.mu.Unlock()
	if keepOld {
		i.keys = append([]*signingKey{k}, i.keys...)
	} else {
		i.keys = []*signingKey{k}
	}
}

// SetCacheControl sets the Cache-Control header of later responses.
func (i *Issuer) SetCacheControl(v string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.cacheControl = v
}

// SetDown makes the issuer answer 503 to everything (true) or serve again.
func (i *Issuer) SetDown(down bool) { i.down.Store(down) }

// JWKSFetches and DiscoveryFetches count the documents served so far.
func (i *Issuer) JWKSFetches() int64      { return i.jwksFetches.Load() }
func (i *Issuer) DiscoveryFetches() int64 { return i.discoveryFetches.Load() }

// Claims are the claims of a token to sign.
type Claims = map[string]any

// Token signs claims with the current key (RS256, header kid), after
// filling iss (Iss), iat (now) and exp (now + 1h) where claims has none.
func (i *Issuer) Token(tb testing.TB, claims Claims) string {
	tb.Helper()
	i.mu.Lock()
	k := i.keys[0]
	i.mu.Unlock()
	return Sign(tb, k.key, jose.RS256, k.kid, i.withDefaults(claims))
}

// TokenWithKid signs like Token but puts kid in the header (the signature
// is still the current key's).
func (i *Issuer) TokenWithKid(tb testing.TB, kid string, claims Claims) string {
	tb.Helper()
	i.mu.Lock()
	k := i.keys[0]
	i.mu.Unlock()
	return Sign(tb, k.key, jose.RS256, kid, i.withDefaults(claims))
}

func (i *Issuer) withDefaults(claims Claims) Claims {
	out := Claims{}
	now := time.Now().Unix()
	out["iss"], out["iat"], out["exp"] = i.Iss, now, now+3600
	for k, v := range claims {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

// Sign returns claims as a compact JWS signed by key with alg, with kid in
// the header unless kid is "".
func Sign(tb testing.TB, key crypto.Signer, alg jose.SignatureAlgorithm, kid string, claims Claims) string {
	tb.Helper()
	sk := jose.SigningKey{Algorithm: alg, Key: key}
	if kid != "" {
		sk.Key = jose.JSONWebKey{Key: key, KeyID: kid}
	}
	signer, err := jose.NewSigner(sk, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		tb.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		tb.Fatal(err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// AlgNone returns an unsigned token: header {"alg":"none","kid":kid} and
// an empty signature.
func AlgNone(tb testing.TB, kid string, claims Claims) string {
	tb.Helper()
	return rawJWT(tb, map[string]any{"alg": "none", "typ": "JWT", "kid": kid}, claims, nil)
}

// HS256WithPublicKey returns the algorithm-confusion forgery: an HS256
// token whose HMAC key is the PEM encoding of the provider's RSA public
// key, as a verifier that takes the alg from the header would accept.
func HS256WithPublicKey(tb testing.TB, pub *rsa.PublicKey, kid string, claims Claims) string {
	tb.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	h, _ := json.Marshal(map[string]any{"alg": "HS256", "typ": "JWT", "kid": kid})
	c, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

// Truncated drops the last n characters of a token's signature.
func Truncated(tok string, n int) string { return tok[:len(tok)-n] }

func rawJWT(tb testing.TB, header, claims map[string]any, sig []byte) string {
	tb.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		tb.Fatal(err)
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString(h) + "." + enc.EncodeToString(c) + "." + enc.EncodeToString(sig)
}

// WithDefaults returns claims completed as Token would complete them, for
// building forged tokens with AlgNone or HS256WithPublicKey.
func (i *Issuer) WithDefaults(claims Claims) Claims { return i.withDefaults(claims) }

// UserPool is a Cognito user pool's token issuer: its tokens carry iss
// https://cognito-idp.<region>.amazonaws.com/<pool id> and its keys are
// served from the embedded Issuer's URL.
type UserPool struct {
	*Issuer
	// ProviderName is "cognito-idp.<region>.amazonaws.com/<pool id>", the
	// Logins key and CognitoIdentityProviders ProviderName.
	ProviderName string
	// PoolID is the user pool ID, e.g. us-east-1_Abc123.
	PoolID string
}

// NewUserPool starts a user-pool-shaped issuer for pool poolID in region.
func NewUserPool(tb testing.TB, region, poolID string) *UserPool {
	tb.Helper()
	i := NewIssuer(tb)
	up := &UserPool{Issuer: i, PoolID: poolID, ProviderName: "cognito-idp." + region + ".amazonaws.com/" + poolID}
	i.Iss = "https://" + up.ProviderName
	return up
}

// JWKSFlag is the --user-pool-jwks value that points idpool at this pool's
// keys.
func (u *UserPool) JWKSFlag() string { return u.Iss + "=" + u.JWKSURL() }

// IDToken returns an ID token of user sub for app client clientID, with
// cognito:username = sub, token_use "id" and extra claims on top.
func (u *UserPool) IDToken(tb testing.TB, sub, clientID string, extra Claims) string {
	tb.Helper()
	c := Claims{"sub": sub, "aud": clientID, "token_use": "id", "cognito:username": sub,
		"auth_time": time.Now().Unix(), "event_id": fmt.Sprintf("ev-%d", kidSeq.Add(1))}
	for k, v := range extra {
		c[k] = v
	}
	return u.Token(tb, c)
}

// AccessToken returns an access token of user sub for clientID: no aud,
// client_id instead, token_use "access".
func (u *UserPool) AccessToken(tb testing.TB, sub, clientID string) string {
	tb.Helper()
	return u.Token(tb, Claims{"sub": sub, "client_id": clientID, "token_use": "access", "scope": "aws.cognito.signin.user.admin", "username": sub})
}

// Keys lists the published key IDs (for tests that check rotation).
func (i *Issuer) Keys() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	var out []string
	for _, k := range i.keys {
		out = append(out, k.kid)
	}
	return slices.Clone(out)
}

// UserPoolAPI is a fake cognito-idp endpoint answering AdminGetUser (AWS
// JSON 1.1, target AWSCognitoIdentityProviderService.AdminGetUser), what
// idpool's --user-pool-endpoint calls for ServerSideTokenCheck. It does not
// check signatures; it records the pool ID and username of every call.
type UserPoolAPI struct {
	// URL is the endpoint (http://127.0.0.1:port).
	URL string

	mu    sync.Mutex
	users map[string]apiUser // by poolID/username
	calls []string           // poolID/username
	down  atomic.Bool
}

type apiUser struct {
	sub     string
	enabled bool
}

// NewUserPoolAPI starts an empty fake cognito-idp endpoint.
func NewUserPoolAPI(tb testing.TB) *UserPoolAPI {
	tb.Helper()
	a := &UserPoolAPI{users: map[string]apiUser{}}
	srv := httptest.NewServer(http.HandlerFunc(a.serve))
	tb.Cleanup(srv.Close)
	a.URL = srv.URL
	return a
}

// SetUser creates or replaces user username of poolID with the given sub.
func (a *UserPoolAPI) SetUser(poolID, username, sub string, enabled bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.users[poolID+"/"+username] = apiUser{sub: sub, enabled: enabled}
}

// DeleteUser removes a user.
func (a *UserPoolAPI) DeleteUser(poolID, username string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.users, poolID+"/"+username)
}

// SetDown makes every call answer 500 InternalErrorException.
func (a *UserPoolAPI) SetDown(down bool) { a.down.Store(down) }

// Calls returns "poolID/username" of every AdminGetUser call so far.
func (a *UserPoolAPI) Calls() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.calls)
}

func (a *UserPoolAPI) serve(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, typ, msg string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-Errortype", typ)
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
	}
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "AWSCognitoIdentityProviderService.AdminGetUser" {
		fail(http.StatusBadRequest, "UnknownOperationException", "")
		return
	}
	var in struct{ UserPoolId, Username string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fail(http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	a.mu.Lock()
	a.calls = append(a.calls, in.UserPoolId+"/"+in.Username)
	u, ok := a.users[in.UserPoolId+"/"+in.Username]
	a.mu.Unlock()
	switch {
	case a.down.Load():
		fail(http.StatusInternalServerError, "InternalErrorException", "fake user pool is down")
	case !ok:
		fail(http.StatusBadRequest, "UserNotFoundException", "User does not exist.")
	default:
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"Username": in.Username, "Enabled": u.enabled, "UserStatus": "CONFIRMED",
			"UserAttributes": []map[string]string{{"Name": "sub", "Value": u.sub}},
		})
	}
}
