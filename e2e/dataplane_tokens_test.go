package e2e

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	jose "github.com/go-jose/go-jose/v4"
)

// dataplaneTokens checks the OpenID tokens as a relying party sees them:
// the discovery document and JWKS, Cognito's JWS header, the go-jose
// verification against the published keys, and every claim of a
// GetOpenIdToken token and of developer tokens (default and custom
// lifetimes, principal tags).
func dataplaneTokens(t *testing.T, e *dpEnv) {
	srv := e.srv

	// Discovery.
	var disc struct {
		Issuer  string   `json:"issuer"`
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
		Subject []string `json:"subject_types_supported"`
	}
	if err := json.Unmarshal(dpGet(t, srv.URL+"/.well-known/openid-configuration"), &disc); err != nil {
		t.Fatalf("openid-configuration: %v", err)
	}
	if disc.Issuer != srv.URL {
		t.Errorf("discovery issuer = %q, want the server URL %q (the default issuer)", disc.Issuer, srv.URL)
	}
	if disc.JWKSURI != srv.URL+"/.well-known/jwks_uri" {
		t.Errorf("discovery jwks_uri = %q, want %q", disc.JWKSURI, srv.URL+"/.well-known/jwks_uri")
	}
	if !slices.Equal(disc.Algs, []string{"RS512"}) {
		t.Errorf("id_token_signing_alg_values_supported = %q, want [RS512]", disc.Algs)
	}
	// The JWKS: public RSA signing keys only.
	for _, k := range fetchJWKS(t, srv).Keys {
		if !k.Valid() || !k.IsPublic() || k.Use != "sig" || k.Algorithm != string(jose.RS512) || k.KeyID == "" {
			t.Errorf("JWKS key kid=%q alg=%q use=%q public=%v valid=%v; want a valid public RS512 signing key with a kid", k.KeyID, k.Algorithm, k.Use, k.IsPublic(), k.Valid())
		}
	}
	if jwks2 := dpGet(t, srv.URL+"/.well-known/jwks.json"); string(jwks2) != string(dpGet(t, srv.URL+"/.well-known/jwks_uri")) {
		t.Errorf("/.well-known/jwks.json differs from /.well-known/jwks_uri")
	}

	dev := "login.tokens.test"
	pool := e.createPool(t, cognitoidentity.CreateIdentityPoolInput{AllowUnauthenticatedIdentities: true, DeveloperProviderName: aws.String(dev)})
	poolARN := "arn:aws:cognito-identity:" + srv.Region + ":" + srv.AccountID + ":identitypool/" + pool

	check := func(t *testing.T, name, tok, sub string, amr []string, lifetime int64, tags map[string][]string) {
		t.Helper()
		before := time.Now().Unix()
		c := verifyToken(t, srv, tok)
		if c.Sub != sub {
			t.Errorf("%s: sub = %q, want %q", name, c.Sub, sub)
		}
		if c.Aud != pool {
			t.Errorf("%s: aud = %q, want %q", name, c.Aud, pool)
		}
		if string(c.Raw["aud"]) != strconv.Quote(pool) {
			t.Errorf("%s: aud is %s, want a JSON string", name, c.Raw["aud"])
		}
		if !slices.Equal(c.AMR, amr) {
			t.Errorf("%s: amr = %q, want %q", name, c.AMR, amr)
		}
		if c.Iss != srv.URL {
			t.Errorf("%s: iss = %q, want %q", name, c.Iss, srv.URL)
		}
		if c.Exp-c.Iat != lifetime {
			t.Errorf("%s: exp-iat = %d, want %d", name, c.Exp-c.Iat, lifetime)
		}
		if c.Iat < before-60 || c.Iat > before+5 {
			t.Errorf("%s: iat = %d, want about now (%d)", name, c.Iat, before)
		}
		if c.PoolARN != poolARN {
			t.Errorf("%s: identity-pool-arn = %q, want %q", name, c.PoolARN, poolARN)
		}
		switch {
		case tags == nil && c.Tags != nil:
			t.Errorf("%s: https://aws.amazon.com/tags = %+v, want no such claim", name, c.Tags)
		case tags != nil && c.Tags == nil:
			t.Errorf("%s: no https://aws.amazon.com/tags claim, want principal_tags %v", name, tags)
		case tags != nil:
			got, _ := json.Marshal(c.Tags.PrincipalTags)
			want, _ := json.Marshal(tags)
			if string(got) != string(want) {
				t.Errorf("%s: principal_tags = %s, want %s", name, got, want)
			}
		}
		known := []string{"sub", "aud", "amr", "iss", "exp", "iat", "https://cognito-identity.amazonaws.com/identity-pool-arn", "https://aws.amazon.com/tags"}
		for k := range c.Raw {
			if !slices.Contains(known, k) {
				t.Errorf("%s: unexpected claim %q", name, k)
			}
		}
	}

	t.Run("GetOpenIdToken", func(t *testing.T) {
		id := e.getID(t, pool)
		out, err := e.public.GetOpenIdToken(t.Context(), &cognitoidentity.GetOpenIdTokenInput{IdentityId: aws.String(id)})
		if err != nil {
			t.Fatalf("GetOpenIdToken: %v", err)
		}
		check(t, "GetOpenIdToken", aws.ToString(out.Token), id, []string{"unauthenticated"}, 600, nil)
	})
	t.Run("developer default", func(t *testing.T) {
		id, tok := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
			IdentityPoolId: aws.String(pool), Logins: map[string]string{dev: "alice"},
		})
		check(t, "developer", tok, id, []string{"authenticated", dev, dev + ":" + pool + ":alice"}, 900, nil)
	})
	t.Run("developer TokenDuration and PrincipalTags", func(t *testing.T) {
		for _, d := range []int64{1, 86400} {
			id, tok := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
				IdentityPoolId: aws.String(pool), Logins: map[string]string{dev: "bob"},
				TokenDuration: aws.Int64(d), PrincipalTags: map[string]string{"department": "eng", "level": "7"},
			})
			if d == 1 {
				// A one-second token may already be expired when verified;
				// check its lifetime without go-jose's time validation.
				parts := strings.Split(tok, ".")
				var raw tokenClaims
				if b, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS512}); err != nil {
					t.Fatalf("parse: %v", err)
				} else if payload, err := b.Verify(fetchJWKS(t, srv)); err != nil {
					t.Fatalf("verify: %v", err)
				} else if err := json.Unmarshal(payload, &raw); err != nil || len(parts) != 3 {
					t.Fatalf("claims: %v", err)
				}
				if raw.Exp-raw.Iat != 1 || raw.Sub != id {
					t.Errorf("TokenDuration 1: exp-iat = %d, sub = %q", raw.Exp-raw.Iat, raw.Sub)
				}
				continue
			}
			check(t, "developer 86400", tok, id, []string{"authenticated", dev, dev + ":" + pool + ":bob"}, d,
				map[string][]string{"department": {"eng"}, "level": {"7"}})
		}
	})
}
