package login

import (
	"context"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/idpool/idpool/internal/identity"
)

// jwtEnv is a user-pool-shaped issuer and an OIDC issuer with a pool that
// trusts both.
type jwtEnv struct {
	clk     *fakeClock
	up      *fakeIdP
	op      *fakeIdP
	oidcARN string
	reg     *Registry
	pool    *identity.Pool
	rsa     []*rsa.PrivateKey
	ec      *ecdsa.PrivateKey
}

func newJWTEnv(t testing.TB, mod func(*Config)) *jwtEnv {
	t.Helper()
	keys, ec := testKeys(t)
	e := &jwtEnv{clk: newClock(), rsa: keys, ec: ec}
	e.up = newFakeIdP(t, pub(keys[0], "up-kid-1", "RS256"))
	e.op = newFakeIdP(t, pub(keys[1], "oidc-kid-1", "RS256"), pub(ec, "oidc-ec-1", ""))
	e.oidcARN = "arn:aws:iam::" + account + ":oidc-provider/" + e.op.host()
	providers := &MemoryOIDCProviders{}
	providers.Put(e.oidcARN, OIDCProviderInfo{URL: e.op.issuer, ClientIDs: []string{oidcClient, "oidc-client-2"}})
	e.reg = newRegistry(t, e.clk, func(c *Config) {
		c.UserPools.JWKSURLs = map[string]string{upIssuer: e.up.issuer + "/.well-known/jwks.json"}
		c.OIDC.Providers = providers
		if mod != nil {
			mod(c)
		}
	})
	e.pool = &identity.Pool{
		ID: "us-east-1:11111111-2222-3333-4444-555555555555",
		CognitoIdentityProviders: []identity.CognitoProvider{
			{ProviderName: upProvider, ClientID: upClient},
			{ProviderName: upProvider, ClientID: upClient2},
		},
		OpenIDConnectProviderARNs: []string{e.oidcARN},
	}
	return e
}

func (e *jwtEnv) now() int64 { return e.clk.Now().Unix() }

func (e *jwtEnv) upClaims() map[string]any {
	n := e.now()
	return map[string]any{
		"sub": "5b7e1f2a-user-sub", "aud": upClient, "iss": upIssuer, "token_use": "id",
		"email": "alice@example.com", "cognito:username": "alice", "cognito:groups": []string{"admins", "dev"},
		"cognito:roles": []string{"arn:aws:iam::123456789012:role/Admin"},
		"auth_time":     n - 10, "iat": n - 10, "exp": n + 3600,
	}
}

func (e *jwtEnv) upToken(t testing.TB, mod func(map[string]any)) string {
	c := e.upClaims()
	if mod != nil {
		mod(c)
	}
	return signJWT(t, e.rsa[0], jose.RS256, "up-kid-1", c)
}

func (e *jwtEnv) oidcClaims() map[string]any {
	n := e.now()
	return map[string]any{
		"iss": e.op.issuer, "aud": oidcClient, "sub": "repo:org/repo:environment:dev",
		"repository": "org/repo", "iat": n - 5, "nbf": n - 5, "exp": n + 600,
	}
}

func (e *jwtEnv) oidcToken(t testing.TB, mod func(map[string]any)) string {
	c := e.oidcClaims()
	if mod != nil {
		mod(c)
	}
	return signJWT(t, e.rsa[1], jose.RS256, "oidc-kid-1", c)
}

// jsonClaims is what a verifier returns as Claims for claims c.
func jsonClaims(t testing.TB, c map[string]any) map[string]any {
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestUserPoolHappyPath(t *testing.T) {
	e := newJWTEnv(t, nil)
	claims := e.upClaims()
	claims["aud"] = upClient2
	tok := signJWT(t, e.rsa[0], jose.RS256, "up-kid-1", claims)
	got, err := e.reg.VerifyLogin(context.Background(), e.pool, upProvider, tok)
	if err != nil {
		t.Fatal(err)
	}
	want := identity.VerifiedLogin{
		Login: identity.Login{Provider: upProvider, Subject: "5b7e1f2a-user-sub"},
		AMR: []string{
			"cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1",
			"cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1:CognitoSignIn:5b7e1f2a-user-sub",
		},
		Claims:  jsonClaims(t, claims),
		RoleKey: "cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1:" + upClient2,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %#v\nwant %#v", got, want)
	}
	if n := e.up.jwksFetches.Load(); n != 1 {
		t.Fatalf("JWKS fetches = %d, want 1", n)
	}
	// Cached: a hundred more logins fetch nothing.
	for range 100 {
		if _, err := e.reg.VerifyLogin(context.Background(), e.pool, upProvider, tok); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.up.jwksFetches.Load(); n != 1 {
		t.Fatalf("JWKS fetches after 100 logins = %d, want 1", n)
	}
}

func TestUserPoolDefaultJWKSLocation(t *testing.T) {
	// Without a JWKSURLs entry the JWKS is <issuer>/.well-known/jwks.json,
	// here a real-looking https URL that this test's transport records.
	e := newJWTEnv(t, nil)
	var got string
	reg := newRegistry(t, e.clk, func(c *Config) {
		c.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			got = r.URL.String()
			return nil, fmt.Errorf("offline")
		})}
	})
	_, err := reg.VerifyLogin(context.Background(), e.pool, upProvider, e.upToken(t, nil))
	wantRefusal(t, err, identity.CodeExternalService, "Error contacting the identity provider.")
	if want := upIssuer + "/.well-known/jwks.json"; got != want {
		t.Fatalf("fetched %q, want %q", got, want)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestOIDCHappyPath(t *testing.T) {
	e := newJWTEnv(t, nil)
	ctx := context.Background()
	cases := []struct {
		name string
		tok  func() string
	}{
		{"RS256 aud string", func() string { return e.oidcToken(t, nil) }},
		{"aud array", func() string {
			return e.oidcToken(t, func(c map[string]any) { c["aud"] = []string{"someone-else", "oidc-client-2"} })
		}},
		{"azp wins over aud", func() string {
			return e.oidcToken(t, func(c map[string]any) { c["aud"] = "someone-else"; c["azp"] = oidcClient })
		}},
		{"ES256 key", func() string { return signJWT(t, e.ec, jose.ES256, "oidc-ec-1", e.oidcClaims()) }},
		{"no kid: every key of the set is tried", func() string { return signJWT(t, e.rsa[1], jose.RS256, "", e.oidcClaims()) }},
		{"expired within 5 min leeway", func() string {
			return e.oidcToken(t, func(c map[string]any) { c["exp"] = e.now() - 299 })
		}},
		{"nbf within 5 min leeway", func() string {
			return e.oidcToken(t, func(c map[string]any) { c["nbf"] = e.now() + 299; c["iat"] = e.now() + 299 })
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.reg.VerifyLogin(ctx, e.pool, e.op.host(), tc.tok())
			if err != nil {
				t.Fatal(err)
			}
			sub := "repo:org/repo:environment:dev"
			if got.Provider != e.op.host() || got.Subject != sub || got.RoleKey != "" {
				t.Fatalf("login = %+v", got)
			}
			wantAMR := []string{e.op.host(), e.oidcARN + ":OIDC:" + sub}
			if !reflect.DeepEqual(got.AMR, wantAMR) {
				t.Fatalf("AMR = %q, want %q", got.AMR, wantAMR)
			}
			if got.Claims["repository"] != "org/repo" {
				t.Fatalf("claims = %v", got.Claims)
			}
		})
	}
	// The ARN itself is accepted as the Logins key too.
	if _, err := e.reg.VerifyLogin(ctx, e.pool, e.oidcARN, e.oidcToken(t, nil)); err != nil {
		t.Fatal(err)
	}
	if d, j := e.op.discoveryFetchs.Load(), e.op.jwksFetches.Load(); d != 1 || j != 1 {
		t.Fatalf("discovery fetches = %d, JWKS fetches = %d, want 1 and 1", d, j)
	}
}

// TestJWTAttacks is the attack table for JWT providers: every token must be
// refused with Cognito's exception and message.
func TestJWTAttacks(t *testing.T) {
	const (
		msgSig      = "Invalid login token. Couldn't verify signed token."
		msgNotOIDC  = "Invalid login token. Not a valid OpenId Connect identity token."
		msgIssuer   = "Invalid login token. Issuer doesn't match providerName"
		msgUnsupp   = "Token is not from a supported provider of this identity pool."
		msgMissAud  = "Invalid login token. Missing a required claim: aud"
		userPool    = "user pool"
		oidcProv    = "oidc"
		forgedClaim = "admin"
	)
	hs256 := func(e *jwtEnv, kid string, secret []byte, claims map[string]any) string {
		h, _ := json.Marshal(map[string]any{"alg": "HS256", "kid": kid, "typ": "JWT"})
		c, _ := json.Marshal(claims)
		enc := base64.RawURLEncoding.EncodeToString
		in := enc(h) + "." + enc(c)
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(in))
		return in + "." + enc(m.Sum(nil))
	}
	type tc struct {
		name string
		kind string
		tok  func(t *testing.T, e *jwtEnv) string
		msg  func(e *jwtEnv) string
	}
	fixed := func(m string) func(*jwtEnv) string { return func(*jwtEnv) string { return m } }
	var cases []tc
	for _, kind := range []string{userPool, oidcProv} {
		claims := func(e *jwtEnv) map[string]any {
			if kind == userPool {
				return e.upClaims()
			}
			return e.oidcClaims()
		}
		kid := func() string {
			if kind == userPool {
				return "up-kid-1"
			}
			return "oidc-kid-1"
		}
		key := func(e *jwtEnv) *rsa.PrivateKey {
			if kind == userPool {
				return e.rsa[0]
			}
			return e.rsa[1]
		}
		sign := func(t *testing.T, e *jwtEnv, mod func(map[string]any)) string {
			c := claims(e)
			if mod != nil {
				mod(c)
			}
			return signJWT(t, key(e), jose.RS256, kid(), c)
		}
		cases = append(cases,
			tc{"alg none", kind, func(t *testing.T, e *jwtEnv) string {
				return rawJWT(t, map[string]any{"alg": "none", "kid": kid()}, claims(e), nil)
			}, fixed(msgSig)},
			tc{"alg NoNe", kind, func(t *testing.T, e *jwtEnv) string {
				return rawJWT(t, map[string]any{"alg": "NoNe"}, claims(e), nil)
			}, fixed(msgSig)},
			tc{"unknown kid", kind, func(t *testing.T, e *jwtEnv) string {
				return signJWT(t, key(e), jose.RS256, "kid-nobody-has", claims(e))
			}, fixed(msgSig)},
			tc{"kid path traversal", kind, func(t *testing.T, e *jwtEnv) string {
				return signJWT(t, key(e), jose.RS256, "../../etc/passwd", claims(e))
			}, fixed(msgSig)},
			tc{"kid URL", kind, func(t *testing.T, e *jwtEnv) string {
				return signJWT(t, key(e), jose.RS256, e.op.issuer+"/keys?x=../../", claims(e))
			}, fixed(msgSig)},
			tc{"kid oversized", kind, func(t *testing.T, e *jwtEnv) string {
				return signJWT(t, key(e), jose.RS256, strings.Repeat("A", 5000), claims(e))
			}, fixed(msgSig)},
			tc{"no kid", kind, func(t *testing.T, e *jwtEnv) string {
				// Tried against every key of the set: the signature is by a
				// key the set does not hold.
				return signJWT(t, e.rsa[3], jose.RS256, "", claims(e))
			}, fixed(msgSig)},
			tc{"signed by attacker key with the real kid", kind, func(t *testing.T, e *jwtEnv) string {
				return signJWT(t, e.rsa[3], jose.RS256, kid(), claims(e))
			}, fixed(msgSig)},
			tc{"ES256 header with RSA key's kid", kind, func(t *testing.T, e *jwtEnv) string {
				return signJWT(t, e.ec, jose.ES256, kid(), claims(e))
			}, fixed(msgSig)},
			tc{"RS512 with an RS256 key", kind, func(t *testing.T, e *jwtEnv) string {
				return signJWT(t, key(e), jose.RS512, kid(), claims(e))
			}, fixed(msgSig)},
			tc{"truncated signature", kind, func(t *testing.T, e *jwtEnv) string {
				s := sign(t, e, nil)
				return s[:len(s)-4]
			}, fixed(msgSig)},
			tc{"payload swapped after signing", kind, func(t *testing.T, e *jwtEnv) string {
				good := strings.Split(sign(t, e, nil), ".")
				forged := strings.Split(sign(t, e, func(c map[string]any) { c["sub"] = forgedClaim }), ".")
				return good[0] + "." + forged[1] + "." + good[2]
			}, fixed(msgSig)},
			tc{"expired", kind, func(t *testing.T, e *jwtEnv) string {
				return sign(t, e, func(c map[string]any) {
					if kind == userPool {
						c["exp"] = e.now() - 1
					} else {
						c["exp"] = e.now() - 301
					}
				})
			}, func(e *jwtEnv) string {
				exp := e.now() - 1
				if kind == oidcProv {
					exp = e.now() - 301
				}
				return fmt.Sprintf("Invalid login token. Token expired: %d >= %d", e.now(), exp)
			}},
			tc{"nbf in the future beyond leeway", kind, func(t *testing.T, e *jwtEnv) string {
				return sign(t, e, func(c map[string]any) { c["nbf"] = e.now() + 301 })
			}, func(e *jwtEnv) string {
				return fmt.Sprintf("Invalid login token. Token is not yet valid: %d < %d", e.now(), e.now()+301)
			}},
			tc{"iat in the future beyond leeway", kind, func(t *testing.T, e *jwtEnv) string {
				return sign(t, e, func(c map[string]any) { c["iat"] = e.now() + 3600 })
			}, func(e *jwtEnv) string {
				return fmt.Sprintf("Invalid login token. Token is not yet valid: %d < %d", e.now(), e.now()+3600)
			}},
			tc{"no exp", kind, func(t *testing.T, e *jwtEnv) string {
				return sign(t, e, func(c map[string]any) { delete(c, "exp") })
			}, fixed("Invalid login token. Missing a required claim: exp")},
			tc{"wrong iss", kind, func(t *testing.T, e *jwtEnv) string {
				return sign(t, e, func(c map[string]any) { c["iss"] = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other" })
			}, fixed(msgIssuer)},
			tc{"iss with http instead of https", kind, func(t *testing.T, e *jwtEnv) string {
				return sign(t, e, func(c map[string]any) {
					c["iss"] = strings.Replace(c["iss"].(string), "https://", "http://", 1)
					if kind == oidcProv {
						c["iss"] = "https://" + e.op.host()
					}
				})
			}, fixed(msgIssuer)},
			tc{"wrong aud", kind, func(t *testing.T, e *jwtEnv) string {
				return sign(t, e, func(c map[string]any) { c["aud"] = "someone-else" })
			}, fixed(msgUnsupp)},
			tc{"no aud", kind, func(t *testing.T, e *jwtEnv) string {
				return sign(t, e, func(c map[string]any) { delete(c, "aud") })
			}, fixed(msgMissAud)},
			tc{"not a JWT", kind, func(t *testing.T, e *jwtEnv) string { return "EAAGm0PX4ZCpsBAKZCZAZD" }, fixed(msgNotOIDC)},
			tc{"two parts", kind, func(t *testing.T, e *jwtEnv) string { return "eyJhbGciOiJSUzI1NiJ9.e30" }, fixed(msgNotOIDC)},
			tc{"JWE (five parts)", kind, func(t *testing.T, e *jwtEnv) string { return "a.b.c.d.e" }, fixed(msgNotOIDC)},
			tc{"bad base64", kind, func(t *testing.T, e *jwtEnv) string { return "!!!.@@@.###" }, fixed(msgNotOIDC)},
			tc{"header not JSON", kind, func(t *testing.T, e *jwtEnv) string {
				s := strings.Split(sign(t, e, nil), ".")
				return base64.RawURLEncoding.EncodeToString([]byte("alg=RS256")) + "." + s[1] + "." + s[2]
			}, fixed(msgNotOIDC)},
			tc{"claims not an object", kind, func(t *testing.T, e *jwtEnv) string {
				s := strings.Split(sign(t, e, nil), ".")
				return s[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`["a"]`)) + "." + s[2]
			}, fixed(msgNotOIDC)},
			tc{"iss of the wrong type", kind, func(t *testing.T, e *jwtEnv) string {
				return sign(t, e, func(c map[string]any) { c["iss"] = 42 })
			}, fixed(msgNotOIDC)},
		)
		for i, name := range []string{"PEM", "DER", "JWK", "modulus"} {
			cases = append(cases, tc{"HS256 with the RSA public key as secret (" + name + ")", kind, func(t *testing.T, e *jwtEnv) string {
				return hs256(e, kid(), secretsFrom(t, &key(e).PublicKey)[i], claims(e))
			}, fixed(msgSig)})
		}
	}
	cases = append(cases,
		tc{"token for another pool's client", userPool, func(t *testing.T, e *jwtEnv) string {
			return e.upToken(t, func(c map[string]any) { c["aud"] = otherClient })
		}, fixed(msgUnsupp)},
		tc{"access token instead of ID token", userPool, func(t *testing.T, e *jwtEnv) string {
			n := e.now()
			return signJWT(t, e.rsa[0], jose.RS256, "up-kid-1", map[string]any{
				"sub": "5b7e1f2a-user-sub", "iss": upIssuer, "client_id": upClient, "token_use": "access",
				"scope": "aws.cognito.signin.user.admin", "username": "alice", "iat": n - 10, "exp": n + 3600,
			})
		}, fixed(msgMissAud)},
		tc{"token_use access with an aud", userPool, func(t *testing.T, e *jwtEnv) string {
			return e.upToken(t, func(c map[string]any) { c["token_use"] = "access" })
		}, fixed(msgNotOIDC)},
		tc{"ES256 token for a user pool (RS256 only)", userPool, func(t *testing.T, e *jwtEnv) string {
			return signJWT(t, e.ec, jose.ES256, "up-kid-1", e.upClaims())
		}, fixed(msgSig)},
		tc{"azp not a client ID (aud is)", oidcProv, func(t *testing.T, e *jwtEnv) string {
			return e.oidcToken(t, func(c map[string]any) { c["azp"] = "someone-else" })
		}, fixed(msgUnsupp)},
		tc{"RSA token with the EC key's kid", oidcProv, func(t *testing.T, e *jwtEnv) string {
			return signJWT(t, e.rsa[1], jose.RS256, "oidc-ec-1", e.oidcClaims())
		}, fixed(msgSig)},
		tc{"token of another issuer's key", oidcProv, func(t *testing.T, e *jwtEnv) string {
			return signJWT(t, e.rsa[0], jose.RS256, "up-kid-1", e.oidcClaims())
		}, fixed(msgSig)},
	)

	for _, c := range cases {
		t.Run(c.kind+"/"+c.name, func(t *testing.T) {
			e := newJWTEnv(t, nil)
			provider := upProvider
			if c.kind == oidcProv {
				provider = e.op.host()
			}
			_, err := e.reg.VerifyLogin(context.Background(), e.pool, provider, c.tok(t, e))
			t.Log(err)
			notAuthorized(t, err, c.msg(e))
			// kid values never reach a URL: only the fixed paths are fetched.
			for _, host := range []*fakeIdP{e.up, e.op} {
				for _, p := range host.requestPaths() {
					if p != "/keys" && p != "/.well-known/jwks.json" && p != "/.well-known/openid-configuration" {
						t.Fatalf("unexpected request path %q", p)
					}
				}
			}
		})
	}
}

// TestKeyRotationAndRefetchLimit: a new kid causes one refetch; a flood of
// unknown kids causes none until RefreshInterval has passed, then one.
func TestKeyRotationAndRefetchLimit(t *testing.T) {
	e := newJWTEnv(t, func(c *Config) {
		c.Cache.RefreshInterval = 30 * time.Second
		c.Cache.NegativeTTL = 60 * time.Second
	})
	ctx := context.Background()
	provider := e.op.host()
	verify := func(tok string) error {
		_, err := e.reg.VerifyLogin(ctx, e.pool, provider, tok)
		return err
	}
	if err := verify(e.oidcToken(t, nil)); err != nil {
		t.Fatal(err)
	}
	if n := e.op.jwksFetches.Load(); n != 1 {
		t.Fatalf("fetches = %d, want 1", n)
	}

	// The IdP rotates: a new kid appears.
	e.op.setKeys(pub(e.rsa[1], "oidc-kid-1", "RS256"), pub(e.rsa[2], "oidc-kid-2", "RS256"))
	rotated := signJWT(t, e.rsa[2], jose.RS256, "oidc-kid-2", e.oidcClaims())
	if err := verify(rotated); err != nil {
		t.Fatal(err)
	}
	if n := e.op.jwksFetches.Load(); n != 2 {
		t.Fatalf("fetches after rotation = %d, want 2", n)
	}

	// A flood of tokens with random unknown kids: refused, no fetch.
	for i := range 200 {
		tok := signJWT(t, e.rsa[3], jose.RS256, fmt.Sprintf("random-kid-%d", i), e.oidcClaims())
		notAuthorized(t, verify(tok), "Invalid login token. Couldn't verify signed token.")
	}
	if n := e.op.jwksFetches.Load(); n != 2 {
		t.Fatalf("fetches after 200 unknown kids = %d, want 2", n)
	}
	// The known kids keep working meanwhile, with no fetch.
	if err := verify(rotated); err != nil {
		t.Fatal(err)
	}

	// After RefreshInterval, one unknown kid may refetch once.
	e.clk.Advance(31 * time.Second)
	unknown := signJWT(t, e.rsa[3], jose.RS256, "late-kid", e.oidcClaims())
	notAuthorized(t, verify(unknown), "Invalid login token. Couldn't verify signed token.")
	if n := e.op.jwksFetches.Load(); n != 3 {
		t.Fatalf("fetches = %d, want 3", n)
	}
	// The same kid is now negatively cached: even with the limiter
	// refilled it causes no fetch...
	e.clk.Advance(31 * time.Second)
	notAuthorized(t, verify(unknown), "Invalid login token. Couldn't verify signed token.")
	if n := e.op.jwksFetches.Load(); n != 3 {
		t.Fatalf("fetches = %d, want 3 (negative cache)", n)
	}
	// ...but if the IdP publishes it later, it is found after NegativeTTL.
	e.op.setKeys(pub(e.rsa[1], "oidc-kid-1", "RS256"), pub(e.rsa[2], "oidc-kid-2", "RS256"), pub(e.rsa[3], "late-kid", "RS256"))
	e.clk.Advance(30 * time.Second)
	fresh := signJWT(t, e.rsa[3], jose.RS256, "late-kid", e.oidcClaims())
	if err := verify(fresh); err != nil {
		t.Fatal(err)
	}
	if n := e.op.jwksFetches.Load(); n != 4 {
		t.Fatalf("fetches = %d, want 4", n)
	}
	if n := e.op.discoveryFetchs.Load(); n != 1 {
		t.Fatalf("discovery fetches = %d, want 1", n)
	}
}

// TestConcurrentUnknownKids: many goroutines with unknown kids at once
// still cause at most one refetch.
func TestConcurrentUnknownKids(t *testing.T) {
	e := newJWTEnv(t, nil)
	ctx := context.Background()
	if _, err := e.reg.VerifyLogin(ctx, e.pool, upProvider, e.upToken(t, nil)); err != nil {
		t.Fatal(err)
	}
	toks := make([]string, 64)
	for i := range toks {
		toks[i] = signJWT(t, e.rsa[3], jose.RS256, fmt.Sprintf("k%d", i), e.upClaims())
	}
	good := e.upToken(t, nil)
	var wg sync.WaitGroup
	for i := range toks {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := e.reg.VerifyLogin(ctx, e.pool, upProvider, toks[i])
			if err == nil {
				t.Error("unknown kid accepted")
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := e.reg.VerifyLogin(ctx, e.pool, upProvider, good); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := e.up.jwksFetches.Load(); n > 2 {
		t.Fatalf("fetches = %d, want at most 2", n)
	}
}

func TestCacheControlTTL(t *testing.T) {
	cfg := CacheConfig{MinTTL: time.Minute, MaxTTL: time.Hour, DefaultTTL: 10 * time.Minute}
	for _, tc := range []struct {
		cc   string
		want time.Duration
	}{
		{"", 10 * time.Minute},
		{"public, max-age=120", 2 * time.Minute},
		{"max-age=5", time.Minute},
		{"max-age=99999999999999999", time.Hour},
		{"no-store", time.Minute},
		{"no-cache, max-age=600", 10 * time.Minute},
		{"max-age=junk", 10 * time.Minute},
	} {
		h := http.Header{}
		if tc.cc != "" {
			h.Set("Cache-Control", tc.cc)
		}
		if got := cfg.ttl(h); got != tc.want {
			t.Errorf("ttl(%q) = %v, want %v", tc.cc, got, tc.want)
		}
	}

	// End to end: the JWKS is refetched once its max-age has passed.
	e := newJWTEnv(t, nil)
	e.up.setCacheControl("max-age=120")
	ctx := context.Background()
	verify := func() {
		t.Helper()
		if _, err := e.reg.VerifyLogin(ctx, e.pool, upProvider, e.upToken(t, nil)); err != nil {
			t.Fatal(err)
		}
	}
	verify()
	e.clk.Advance(119 * time.Second)
	verify()
	if n := e.up.jwksFetches.Load(); n != 1 {
		t.Fatalf("fetches = %d, want 1", n)
	}
	e.clk.Advance(2 * time.Second)
	verify()
	if n := e.up.jwksFetches.Load(); n != 2 {
		t.Fatalf("fetches = %d, want 2", n)
	}
}

func TestProviderUnreachable(t *testing.T) {
	e := newJWTEnv(t, func(c *Config) { c.Cache.ErrorBackoff = 5 * time.Second })
	ctx := context.Background()
	e.op.failing.Store(true)
	_, err := e.reg.VerifyLogin(ctx, e.pool, e.op.host(), e.oidcToken(t, nil))
	wantRefusal(t, err, identity.CodeExternalService, "Error contacting the identity provider.")
	// Within ErrorBackoff the failure is remembered: no new request.
	before := len(e.op.requestPaths())
	_, err = e.reg.VerifyLogin(ctx, e.pool, e.op.host(), e.oidcToken(t, nil))
	wantRefusal(t, err, identity.CodeExternalService, "Error contacting the identity provider.")
	if after := len(e.op.requestPaths()); after != before {
		t.Fatalf("requests during backoff: %d → %d", before, after)
	}
	// The provider comes back.
	e.op.failing.Store(false)
	e.clk.Advance(6 * time.Second)
	if _, err := e.reg.VerifyLogin(ctx, e.pool, e.op.host(), e.oidcToken(t, nil)); err != nil {
		t.Fatal(err)
	}

	// A server that is gone.
	e.up.srv.Close()
	_, err = e.reg.VerifyLogin(ctx, e.pool, upProvider, e.upToken(t, nil))
	wantRefusal(t, err, identity.CodeExternalService, "Error contacting the identity provider.")
}

func TestStaleKeysServedWhileProviderDown(t *testing.T) {
	e := newJWTEnv(t, func(c *Config) { c.Cache.StaleIfError = time.Hour })
	ctx := context.Background()
	e.up.setCacheControl("max-age=60")
	if _, err := e.reg.VerifyLogin(ctx, e.pool, upProvider, e.upToken(t, nil)); err != nil {
		t.Fatal(err)
	}
	e.up.failing.Store(true)
	e.clk.Advance(2 * time.Minute)
	if _, err := e.reg.VerifyLogin(ctx, e.pool, upProvider, e.upToken(t, nil)); err != nil {
		t.Fatalf("stale keys not used: %v", err)
	}
	e.clk.Advance(2 * time.Hour)
	_, err := e.reg.VerifyLogin(ctx, e.pool, upProvider, e.upToken(t, nil))
	wantRefusal(t, err, identity.CodeExternalService, "Error contacting the identity provider.")
}

func TestDiscoveryIssuerMismatch(t *testing.T) {
	e := newJWTEnv(t, nil)
	e.op.mu.Lock()
	e.op.discoIssuer = "https://evil.example.com"
	e.op.mu.Unlock()
	_, err := e.reg.VerifyLogin(context.Background(), e.pool, e.op.host(), e.oidcToken(t, nil))
	wantRefusal(t, err, identity.CodeExternalService, "Error contacting the identity provider.")
}

func TestOIDCIssuerSchemePolicy(t *testing.T) {
	keys, _ := testKeys(t)
	arn := "arn:aws:iam::" + account + ":oidc-provider/idp.example.com"
	providers := &MemoryOIDCProviders{}
	providers.Put(arn, OIDCProviderInfo{URL: "http://idp.example.com", ClientIDs: []string{oidcClient}})
	pool := &identity.Pool{ID: "p", OpenIDConnectProviderARNs: []string{arn}}
	clk := newClock()
	n := clk.Now().Unix()
	tok := signJWT(t, keys[1], jose.RS256, "k", map[string]any{"iss": "http://idp.example.com", "aud": oidcClient, "sub": "s", "exp": n + 60})

	// http on a non-loopback host: refused before any request.
	reg := newRegistry(t, clk, func(c *Config) {
		c.OIDC.Providers = providers
		c.HTTPClient = &http.Client{Transport: noNetwork{t}}
	})
	_, err := reg.VerifyLogin(context.Background(), pool, "idp.example.com", tok)
	notAuthorized(t, err, "Token is not from a supported provider of this identity pool.")

	// AllowInsecureIssuers lets it through to discovery.
	var asked string
	reg = newRegistry(t, clk, func(c *Config) {
		c.OIDC.Providers = providers
		c.OIDC.AllowInsecureIssuers = true
		c.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			asked = r.URL.String()
			return nil, fmt.Errorf("offline")
		})}
	})
	_, err = reg.VerifyLogin(context.Background(), pool, "idp.example.com", tok)
	wantRefusal(t, err, identity.CodeExternalService, "Error contacting the identity provider.")
	if asked != "http://idp.example.com/.well-known/openid-configuration" {
		t.Fatalf("asked %q", asked)
	}

	// A provider deleted from IAM, or a registered URL that does not match
	// the ARN, is not supported.
	providers.Put(arn, OIDCProviderInfo{URL: "https://other.example.com", ClientIDs: []string{oidcClient}})
	_, err = reg.VerifyLogin(context.Background(), pool, "idp.example.com", tok)
	notAuthorized(t, err, "Token is not from a supported provider of this identity pool.")
	providers.Delete(arn)
	_, err = reg.VerifyLogin(context.Background(), pool, "idp.example.com", tok)
	notAuthorized(t, err, "Token is not from a supported provider of this identity pool.")
}

func TestGoogleAndApple(t *testing.T) {
	keys, _ := testKeys(t)
	clk := newClock()
	g := newFakeIdP(t, pub(keys[0], "g1", "RS256"))
	a := newFakeIdP(t, pub(keys[1], "a1", ""))
	reg := newRegistry(t, clk, func(c *Config) {
		c.Google.JWKSURL = g.issuer + "/keys"
		c.Apple.JWKSURL = a.issuer + "/keys"
	})
	pool := &identity.Pool{ID: "p", SupportedLoginProviders: map[string]string{
		"accounts.google.com": "123-web.apps.googleusercontent.com",
		"appleid.apple.com":   "com.example.app",
	}}
	n := clk.Now().Unix()
	gClaims := func(iss string) map[string]any {
		return map[string]any{"iss": iss, "aud": "123-web.apps.googleusercontent.com", "azp": "123-android.apps.googleusercontent.com",
			"sub": "110169484474386276334", "email": "a@gmail.com", "iat": n, "exp": n + 3600}
	}
	ctx := context.Background()
	for _, iss := range []string{"accounts.google.com", "https://accounts.google.com"} {
		got, err := reg.VerifyLogin(ctx, pool, "accounts.google.com", signJWT(t, keys[0], jose.RS256, "g1", gClaims(iss)))
		if err != nil {
			t.Fatalf("iss %s: %v", iss, err)
		}
		want := identity.VerifiedLogin{
			Login:  identity.Login{Provider: "accounts.google.com", Subject: "110169484474386276334"},
			AMR:    []string{"accounts.google.com", "accounts.google.com:110169484474386276334"},
			Claims: jsonClaims(t, gClaims(iss)),
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %#v\nwant %#v", got, want)
		}
	}
	bad := gClaims("https://accounts.google.com")
	bad["aud"] = "456-other.apps.googleusercontent.com"
	_, err := reg.VerifyLogin(ctx, pool, "accounts.google.com", signJWT(t, keys[0], jose.RS256, "g1", bad))
	notAuthorized(t, err, "Token is not from a supported provider of this identity pool.")
	_, err = reg.VerifyLogin(ctx, pool, "accounts.google.com", signJWT(t, keys[0], jose.RS256, "g1", gClaims("https://evil.example.com")))
	notAuthorized(t, err, "Invalid login token. Issuer doesn't match providerName")
	_, err = reg.VerifyLogin(ctx, pool, "accounts.google.com", signJWT(t, keys[1], jose.RS256, "g1", gClaims("accounts.google.com")))
	notAuthorized(t, err, "Invalid login token. Couldn't verify signed token.")

	aClaims := map[string]any{"iss": "https://appleid.apple.com", "aud": "com.example.app", "sub": "001234.abcdef.1234", "iat": n, "exp": n + 600}
	got, err := reg.VerifyLogin(ctx, pool, "appleid.apple.com", signJWT(t, keys[1], jose.RS256, "a1", aClaims))
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "001234.abcdef.1234" || !reflect.DeepEqual(got.AMR, []string{"appleid.apple.com", "appleid.apple.com:001234.abcdef.1234"}) {
		t.Fatalf("apple login = %+v", got)
	}
	aClaims["iss"] = "accounts.google.com"
	_, err = reg.VerifyLogin(ctx, pool, "appleid.apple.com", signJWT(t, keys[1], jose.RS256, "a1", aClaims))
	notAuthorized(t, err, "Invalid login token. Issuer doesn't match providerName")
}

func TestParseJWTNumericDates(t *testing.T) {
	tok := rawJWT(t, map[string]any{"alg": "RS256"}, map[string]any{"exp": 1700000000.9, "nbf": 1, "iat": 2}, []byte("x"))
	j, err := parseJWT(tok)
	if err != nil {
		t.Fatal(err)
	}
	if j.reg.Exp.sec != 1700000000 || j.reg.Nbf.sec != 1 || j.reg.Iat.sec != 2 {
		t.Fatalf("dates = %+v", j.reg)
	}
	for _, bad := range []any{"tomorrow", -1, 1e300, []int{1}} {
		tok := rawJWT(t, map[string]any{"alg": "RS256"}, map[string]any{"exp": bad}, []byte("x"))
		if _, err := parseJWT(tok); err == nil {
			t.Errorf("exp %v accepted", bad)
		}
	}
}

// TestKeyTypePinsAlgorithm: independently of the allow-lists, a key only
// verifies the algorithms of its type; an HS256 token made with an RSA
// public key as the HMAC secret never verifies.
func TestKeyTypePinsAlgorithm(t *testing.T) {
	keys, ec := testKeys(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey := pub(keys[0], "r", "")
	for _, tc := range []struct {
		key  jose.JSONWebKey
		alg  jose.SignatureAlgorithm
		want bool
	}{
		{rsaKey, jose.RS256, true},
		{rsaKey, jose.RS512, true},
		{rsaKey, jose.HS256, false},
		{rsaKey, jose.ES256, false},
		{rsaKey, jose.PS256, false},
		{pub(keys[0], "r", "RS256"), jose.RS512, false},
		{pub(ec, "e", ""), jose.ES256, true},
		{pub(ec, "e", ""), jose.ES384, false},
		{pub(ec, "e", ""), jose.RS256, false},
		{pub(small, "s", ""), jose.RS256, false},
		{jose.JSONWebKey{Key: []byte("secret"), KeyID: "h"}, jose.HS256, false},
	} {
		if got := keyAllows(tc.key, tc.alg); got != tc.want {
			t.Errorf("keyAllows(%T %q, %s) = %v, want %v", tc.key.Key, tc.key.Algorithm, tc.alg, got, tc.want)
		}
	}

	// Even with HS256 in the allow-list, the RSA key cannot verify it.
	claims := map[string]any{"iss": "x", "exp": 2000000000}
	for _, secret := range secretsFrom(t, &keys[0].PublicKey) {
		h, _ := json.Marshal(map[string]any{"alg": "HS256", "kid": "r"})
		c, _ := json.Marshal(claims)
		in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(in))
		tok, err := parseJWT(in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)))
		if err != nil {
			t.Fatal(err)
		}
		err = verifySignature(context.Background(), tok, staticKeys{rsaKey}, []jose.SignatureAlgorithm{jose.HS256, jose.RS256})
		notAuthorized(t, err, "Invalid login token. Couldn't verify signed token.")
	}
}

type staticKeys []jose.JSONWebKey

func (s staticKeys) keysFor(_ context.Context, kid string) ([]jose.JSONWebKey, error) {
	return matchKid(s, kid), nil
}

func TestParseJWKSSkipsUnusableKeys(t *testing.T) {
	keys, _ := testKeys(t)
	priv, _ := json.Marshal(jose.JSONWebKey{Key: keys[0], KeyID: "private"})
	good, _ := json.Marshal(pub(keys[1], "good", "RS256"))
	enc, _ := json.Marshal(jose.JSONWebKey{Key: keys[2].Public(), KeyID: "enc", Use: "enc"})
	oct, _ := json.Marshal(jose.JSONWebKey{Key: []byte("0123456789abcdef"), KeyID: "oct"})
	got := parseJWKS([]json.RawMessage{priv, good, enc, oct, json.RawMessage(`{"kty":"XYZ","kid":"odd"}`), json.RawMessage(`"junk"`)})
	if len(got) != 1 || got[0].KeyID != "good" {
		t.Fatalf("kept %d keys: %+v", len(got), got)
	}
}
