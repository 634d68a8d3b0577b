package login

import (
	"context"
	"slices"
	"time"

	"github.com/idpool/idpool/internal/identity"
)

// Provider names of the built-in social providers (Logins keys).
const (
	googleProvider   = "accounts.google.com"
	appleProvider    = "appleid.apple.com"
	facebookProvider = "graph.facebook.com"
	amazonProvider   = "www.amazon.com"
	twitterProvider  = "api.twitter.com"
	digitsProvider   = "www.digits.com"
)

// Default JWKS locations of Google and Apple.
const (
	googleJWKSURL = "https://www.googleapis.com/oauth2/v3/certs"
	appleJWKSURL  = "https://appleid.apple.com/auth/keys"
)

// IDTokenProviderConfig configures Google or Apple sign-in.
type IDTokenProviderConfig struct {
	// JWKSURL overrides the provider's JWKS location (Google:
	// https://www.googleapis.com/oauth2/v3/certs, Apple:
	// https://appleid.apple.com/auth/keys), e.g. for an offline emulator.
	// The issuer checked stays the real one.
	JWKSURL string
}

// idTokenVerifier verifies the OIDC ID tokens of Google or Apple, whose
// client ID is the pool's SupportedLoginProviders value.
type idTokenVerifier struct {
	provider string
	issuers  []string
	jwksURL  string
	keySets  *keySets
	times    timePolicy
	now      func() time.Time
}

// Verify checks a Google or Apple ID token, in this order:
//  1. the pool's SupportedLoginProviders has a client ID for the provider;
//  2. the token is a compact JWS ("Not a valid OpenId Connect identity
//     token.");
//  3. iss is the provider's (Google: "accounts.google.com" or
//     "https://accounts.google.com"; Apple: "https://appleid.apple.com")
//     ("Issuer doesn't match providerName");
//  4. aud contains the configured client ID exactly ("Token is not from a
//     supported provider of this identity pool."). One ID only: Cognito
//     tells apps with several client IDs to register the provider as an
//     IAM OIDC provider instead, and then the OIDC verifier applies;
//  5. the RS256 signature with a key from the provider's JWKS;
//  6. exp, nbf and iat with the OIDC clock skew; sub is present.
//
// The Subject is sub; amr entries are "<provider>" and "<provider>:<sub>"
// (inferred by analogy: no public sample shows them).
func (v *idTokenVerifier) Verify(ctx context.Context, pool *identity.Pool, provider, token string) (identity.VerifiedLogin, error) {
	clientID := pool.SupportedLoginProviders[v.provider]
	if provider != v.provider || clientID == "" {
		return identity.VerifiedLogin{}, refuse(errUnsupported, "%s not configured in pool", provider)
	}
	t, err := parseJWT(token)
	if err != nil {
		return identity.VerifiedLogin{}, err
	}
	if !slices.Contains(v.issuers, t.reg.Iss) {
		return identity.VerifiedLogin{}, refuse(errIssuer, "iss %q is not %s's", t.reg.Iss, provider)
	}
	if len(t.reg.Aud) == 0 {
		return identity.VerifiedLogin{}, refuse(errMissingAud, "no aud")
	}
	if !slices.Contains(t.reg.Aud, clientID) {
		return identity.VerifiedLogin{}, refuse(errUnsupported, "aud %q is not the pool's client ID for %s", []string(t.reg.Aud), provider)
	}
	if err := verifySignature(ctx, t, v.keySets.get(v.jwksURL), rs256Only); err != nil {
		return identity.VerifiedLogin{}, err
	}
	if err := checkTimes(t.reg, v.now(), v.times); err != nil {
		return identity.VerifiedLogin{}, err
	}
	if t.reg.Sub == "" {
		return identity.VerifiedLogin{}, refuse(errMissingSub, "no sub")
	}
	return identity.VerifiedLogin{
		Login:  identity.Login{Provider: provider, Subject: t.reg.Sub},
		AMR:    []string{provider, provider + ":" + t.reg.Sub},
		Claims: t.claims,
	}, nil
}
