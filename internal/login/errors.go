package login

import (
	"errors"
	"fmt"

	"github.com/idpool/idpool/internal/identity"
)

// Cognito's refusal messages. The ones marked "observed" are quoted verbatim
// from real service responses (see shared/reference/cognito-identity-behavior.md
// §9 and §12); the ones marked "inferred" have no public sample and are our
// wording, kept in Cognito's "Invalid login token. …" style so that clients
// treat them alike.
var (
	// observed: unconfigured provider, wrong aud/app id, token for another
	// client of the pool.
	errUnsupported = &identity.Error{Code: identity.CodeNotAuthorized, Message: "Token is not from a supported provider of this identity pool."}
	// observed: not a JWT where one is expected.
	errNotOIDC = &identity.Error{Code: identity.CodeNotAuthorized, Message: "Invalid login token. Not a valid OpenId Connect identity token."}
	// observed: iss is not https:// + the Logins key.
	errIssuer = &identity.Error{Code: identity.CodeNotAuthorized, Message: "Invalid login token. Issuer doesn't match providerName"}
	// observed: a user-pool access token (it has no aud).
	errMissingAud = &identity.Error{Code: identity.CodeNotAuthorized, Message: "Invalid login token. Missing a required claim: aud"}
	// observed: bad signature. Also used for an unknown kid, a refused
	// algorithm and a key of the wrong type (inferred: same failure class).
	errSignature = &identity.Error{Code: identity.CodeNotAuthorized, Message: "Invalid login token. Couldn't verify signed token."}
	// inferred: a required claim other than aud is missing.
	errMissingSub = &identity.Error{Code: identity.CodeNotAuthorized, Message: "Invalid login token. Missing a required claim: sub"}
	errMissingExp = &identity.Error{Code: identity.CodeNotAuthorized, Message: "Invalid login token. Missing a required claim: exp"}
	// inferred: the social provider's API refused the access token.
	errProviderRefused = &identity.Error{Code: identity.CodeNotAuthorized, Message: "Invalid login token. The identity provider refused the token."}
	// inferred: not a base64 SAML response.
	errNotSAML = &identity.Error{Code: identity.CodeNotAuthorized, Message: "Invalid login token. Not a valid SAML response."}
	// inferred: an assertion presented more often than allowed.
	errReplay = &identity.Error{Code: identity.CodeNotAuthorized, Message: "Invalid login token. The SAML assertion has already been used."}
	// inferred: Cognito documents ExternalServiceException for an
	// unreachable provider but no public sample shows its message.
	errExternal = &identity.Error{Code: identity.CodeExternalService, Message: "Error contacting the identity provider."}
)

// errExpired is Cognito's expiry message (observed): now and exp in the
// token's own unit (seconds for JWTs, milliseconds for SAML).
func errExpired(now, exp int64) *identity.Error {
	return identity.Errorf(identity.CodeNotAuthorized, "Invalid login token. Token expired: %d >= %d", now, exp)
}

// errNotYetValid refuses a token whose nbf/iat (or SAML NotBefore) lies in
// the future beyond the allowed skew. Inferred wording, modelled on the
// expiry message.
func errNotYetValid(now, notBefore int64) *identity.Error {
	return identity.Errorf(identity.CodeNotAuthorized, "Invalid login token. Token is not yet valid: %d < %d", now, notBefore)
}

// refuse wraps a Cognito error with the reason, for logs and tests. The
// client only ever sees the *identity.Error's message.
func refuse(e *identity.Error, format string, args ...any) error {
	return fmt.Errorf("login: "+format+": %w", append(args, e)...)
}

// external wraps a failure to reach a provider as ExternalServiceException.
func external(format string, args ...any) error {
	return fmt.Errorf("login: "+format+": %w", append(args, errExternal)...)
}

// isRefusal reports whether err carries a Cognito error (as opposed to an
// internal failure).
func isRefusal(err error) bool {
	var e *identity.Error
	return errors.As(err, &e)
}
