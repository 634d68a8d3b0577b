package app

import (
	"log/slog"
	"slices"
	"strings"

	"github.com/idpool/idpool/internal/config"
	"github.com/idpool/idpool/internal/identity"
	"github.com/idpool/idpool/internal/login"
)

// newLogins builds the login-token verifiers from the configuration; the
// IAM OIDC and SAML providers come from oidc and saml.
func newLogins(cfg config.Config, log *slog.Logger, oidc login.OIDCProviderSource, saml login.SAMLProviderSource) (*login.Registry, error) {
	jwks := issuerURLs(cfg.UserPoolJWKS)
	api := func(baseURL, provider string) login.APIProviderConfig {
		return login.APIProviderConfig{BaseURL: baseURL, TrustUnverified: slices.Contains(cfg.TrustUnverified, provider)}
	}
	return login.New(login.Config{
		Logger:    log,
		UserPools: login.UserPoolConfig{JWKSURLs: jwks},
		OIDC:      login.OIDCConfig{Providers: oidc, AllowInsecureIssuers: cfg.AllowInsecureIssuers},
		Google:    login.IDTokenProviderConfig{JWKSURL: cfg.GoogleJWKSURL},
		Apple:     login.IDTokenProviderConfig{JWKSURL: cfg.AppleJWKSURL},
		Facebook:  api(cfg.FacebookURL, "graph.facebook.com"),
		Amazon:    api(cfg.AmazonURL, "www.amazon.com"),
		Twitter:   api(cfg.TwitterURL, "api.twitter.com"),
		Digits:    api(cfg.DigitsURL, "www.digits.com"),
		SAML:      login.SAMLConfig{Providers: saml},
	})
}

// newUserPoolChecker builds the ServerSideTokenCheck enforcer; nil when no
// user pool endpoint is configured.
func newUserPoolChecker(cfg config.Config, log *slog.Logger) (identity.UserPoolChecker, error) {
	c, err := login.NewUserPoolChecker(login.UserPoolCheckConfig{
		Endpoints: issuerURLs(cfg.UserPoolEndpoints), AccessKeyID: cfg.UserPoolAccessKeyID, SecretAccessKey: cfg.UserPoolSecretKey, Logger: log,
	})
	if err != nil || c == nil {
		return nil, err // a nil *UserPoolChecker must not become a non-nil interface
	}
	return c, nil
}

// issuerURLs maps the issuer=url pairs of a validated flag (--user-pool-jwks,
// --user-pool-endpoint) from issuer to URL.
func issuerURLs(pairs []string) map[string]string {
	m := make(map[string]string, len(pairs))
	for _, kv := range pairs {
		iss, u, _ := strings.Cut(kv, "=")
		m[iss] = u
	}
	return m
}
