package identity

import (
	"context"
	"time"
)

// LoginVerifier checks one entry of a Logins map (provider name → token)
// against a pool's configuration and returns the verified login. It returns
// an *Error with Cognito's message when the token is refused
// (NotAuthorizedException) or the provider cannot be reached
// (ExternalServiceException). The developer provider and
// cognito-identity.amazonaws.com are handled by the Service itself and
// never reach a LoginVerifier.
type LoginVerifier interface {
	VerifyLogin(ctx context.Context, pool *Pool, provider, token string) (VerifiedLogin, error)
}

// VerifiedLogin is a login whose token was verified.
type VerifiedLogin struct {
	Login
	// AMR holds the provider's entries of the OpenID token's amr claim,
	// e.g. ["graph.facebook.com", "graph.facebook.com:12345"].
	AMR []string
	// Claims are the token's claims (or SAML attributes), used by role
	// mappings and principal tags.
	Claims map[string]any
	// RoleKey is the role-mapping key of this login (user pools:
	// "<provider>:<client id>"); empty means the provider name.
	RoleKey string
}

// TokenRequest asks for an OpenID token.
type TokenRequest struct {
	IdentityID    string
	PoolID        string
	PoolARN       string
	AMR           []string
	PrincipalTags map[string]string
	Lifetime      time.Duration
}

// TokenClaims are the verified claims of an idpool-issued OpenID token.
type TokenClaims struct {
	IdentityID    string
	PoolID        string
	AMR           []string
	PrincipalTags map[string]string
	ExpiresAt     time.Time
}

// Tokens issues and verifies the OpenID tokens of this deployment. Verify
// returns an *Error (NotAuthorizedException with Cognito's "Invalid login
// token. …" messages) for a token it refuses.
type Tokens interface {
	Issue(ctx context.Context, req TokenRequest) (string, error)
	Verify(ctx context.Context, raw string) (TokenClaims, error)
}

// CredentialRequest asks for temporary AWS credentials for a role.
type CredentialRequest struct {
	RoleARN       string
	SessionName   string
	IdentityID    string
	PoolID        string
	AMR           []string
	PrincipalTags map[string]string
	Duration      time.Duration
}

// Credentials are temporary AWS credentials.
type Credentials struct {
	AccessKeyID  string
	SecretKey    string
	SessionToken string
	Expiration   time.Time
}

// CredentialMinter mints temporary credentials for an assumed role. It may
// refuse with an *Error (e.g. InvalidIdentityPoolConfigurationException when
// the role's trust policy does not allow the identity).
type CredentialMinter interface {
	Mint(ctx context.Context, req CredentialRequest) (Credentials, error)
}

// ProviderRegistry tells whether IAM OIDC and SAML provider ARNs are
// registered. CreatePool and UpdatePool refuse ARNs it does not know.
type ProviderRegistry interface {
	OIDCProviderExists(ctx context.Context, arn string) (bool, error)
	SAMLProviderExists(ctx context.Context, arn string) (bool, error)
}

// UserPoolChecker asks a Cognito user pool whether the user behind a
// verified ID token still exists and is enabled (ServerSideTokenCheck). It
// returns an *Error (NotAuthorizedException) to refuse the login, or an
// ExternalServiceException when the user pool cannot be asked.
type UserPoolChecker interface {
	CheckUser(ctx context.Context, providerName, clientID string, claims map[string]any) error
}
