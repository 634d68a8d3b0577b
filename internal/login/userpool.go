package login

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/idpool/idpool/internal/identity"
)

// UserPoolConfig configures the verification of Cognito user pool ID tokens.
type UserPoolConfig struct {
	// JWKSURLs maps a user pool issuer
	// ("https://cognito-idp.<region>.amazonaws.com/<poolId>") to the URL of
	// its JWKS. Issuers not listed use "<issuer>/.well-known/jwks.json", the
	// real user pool's location; list local user-pool emulators here.
	JWKSURLs map[string]string
}

const userPoolPrefix = "cognito-idp."

// userPoolVerifier verifies ID tokens of Cognito user pools.
type userPoolVerifier struct {
	jwksURLs map[string]string
	keySets  *keySets
	times    timePolicy
	now      func() time.Time
}

// Verify checks a user pool ID token for provider
// "cognito-idp.<region>.amazonaws.com/<poolId>", in this order:
//  1. the pool lists the user pool (CognitoIdentityProviders), else "Token
//     is not from a supported provider of this identity pool.";
//  2. the token is a compact JWS ("Not a valid OpenId Connect identity
//     token.");
//  3. iss is "https://" + provider ("Issuer doesn't match providerName");
//  4. aud is present ("Missing a required claim: aud", what an access token
//     gets) and is one of the ClientIds the pool lists for this user pool
//     ("Token is not from a supported provider…", also for a token of
//     another app client);
//  5. token_use is "id" (inferred message: "Not a valid OpenId Connect
//     identity token.");
//  6. the RS256 signature with a key of the user pool's JWKS (see
//     UserPoolConfig.JWKSURLs and keySet) ("Couldn't verify signed
//     token.");
//  7. exp without leeway ("Token expired: <now> >= <exp>", seconds), nbf
//     and iat with the OIDC clock skew; sub is present.
//
// It does not ask whether the user was deleted or disabled since: that is
// ServerSideTokenCheck, done by UserPoolChecker with the user pool's API. The login's Subject is
// sub; its amr entries are "<provider>" and
// "<provider>:CognitoSignIn:<sub>"; its RoleKey is "<provider>:<aud>".
func (v *userPoolVerifier) Verify(ctx context.Context, pool *identity.Pool, provider, token string) (identity.VerifiedLogin, error) {
	var clients []string
	for _, cp := range pool.CognitoIdentityProviders {
		if cp.ProviderName == provider {
			clients = append(clients, cp.ClientID)
		}
	}
	if len(clients) == 0 || !strings.HasPrefix(provider, userPoolPrefix) {
		return identity.VerifiedLogin{}, refuse(errUnsupported, "user pool %q not in pool", provider)
	}
	t, err := parseJWT(token)
	if err != nil {
		return identity.VerifiedLogin{}, err
	}
	issuer := "https://" + provider
	if t.reg.Iss != issuer {
		return identity.VerifiedLogin{}, refuse(errIssuer, "iss %q is not %q", t.reg.Iss, issuer)
	}
	if len(t.reg.Aud) == 0 {
		return identity.VerifiedLogin{}, refuse(errMissingAud, "no aud (token_use %q)", t.reg.TokenUse)
	}
	if len(t.reg.Aud) != 1 || !slices.Contains(clients, t.reg.Aud[0]) {
		return identity.VerifiedLogin{}, refuse(errUnsupported, "aud %q is not a client of %s in this pool", []string(t.reg.Aud), provider)
	}
	if t.reg.TokenUse != "id" {
		return identity.VerifiedLogin{}, refuse(errNotOIDC, "token_use %q is not id", t.reg.TokenUse)
	}
	jwks := v.jwksURLs[issuer]
	if jwks == "" {
		jwks = issuer + "/.well-known/jwks.json"
	}
	if err := verifySignature(ctx, t, v.keySets.get(jwks), rs256Only); err != nil {
		return identity.VerifiedLogin{}, err
	}
	if err := checkTimes(t.reg, v.now(), v.times); err != nil {
		return identity.VerifiedLogin{}, err
	}
	if t.reg.Sub == "" {
		return identity.VerifiedLogin{}, refuse(errMissingSub, "no sub")
	}
	return identity.VerifiedLogin{
		Login:   identity.Login{Provider: provider, Subject: t.reg.Sub},
		AMR:     []string{provider, provider + ":CognitoSignIn:" + t.reg.Sub},
		Claims:  t.claims,
		RoleKey: provider + ":" + t.reg.Aud[0],
	}, nil
}
