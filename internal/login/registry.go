package login

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/idpool/idpool/internal/identity"
)

// Verifier verifies the login tokens of one kind of provider. provider is
// the Logins key and pool the pool it is presented to; the Registry only
// calls a Verifier for a provider of its kind.
type Verifier interface {
	Verify(ctx context.Context, pool *identity.Pool, provider, token string) (identity.VerifiedLogin, error)
}

// Config configures a Registry. With the zero value every provider is
// verified against its real, public endpoints, and OIDC and SAML logins are
// refused as not supported (they need OIDC.Providers and SAML.Providers).
type Config struct {
	// HTTPClient makes every outgoing call (discovery, JWKS, social APIs).
	// Default: a client with a 10-second timeout.
	HTTPClient *http.Client
	// Now returns the current time (default time.Now).
	Now func() time.Time
	// Rand is the randomness for OAuth 1.0a nonces (default crypto/rand).
	Rand io.Reader
	// Logger receives configuration warnings and refusals (at debug
	// level; tokens are never logged). Default slog.Default().
	Logger *slog.Logger

	// Cache bounds the caching of discovery documents and JWKS.
	Cache CacheConfig

	// UserPools configures Cognito user pool providers.
	UserPools UserPoolConfig
	// OIDC configures IAM OpenID Connect providers.
	OIDC OIDCConfig
	// Google and Apple configure Sign in with Google / Apple.
	Google, Apple IDTokenProviderConfig
	// Facebook, Amazon, Twitter and Digits configure the providers whose
	// access tokens are checked against their APIs.
	Facebook, Amazon, Twitter, Digits APIProviderConfig
	// SAML configures IAM SAML providers.
	SAML SAMLConfig
}

// Registry implements identity.LoginVerifier: it picks the Verifier for a
// Logins key from the pool's configuration and returns its answer. It is
// safe for concurrent use; its caches (discovery documents, JWKS, parsed
// SAML metadata, seen assertion IDs) are per process and safe to lose.
type Registry struct {
	log       *slog.Logger
	userPools *userPoolVerifier
	oidc      *oidcVerifier
	saml      *samlVerifier
	social    map[string]Verifier
}

var _ identity.LoginVerifier = (*Registry)(nil)

// New validates cfg, applies defaults and returns a Registry. It logs a
// warning for every provider configured with TrustUnverified.
func New(cfg Config) (*Registry, error) {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cache := cfg.Cache.withDefaults()
	if err := cache.validate(); err != nil {
		return nil, err
	}
	if cfg.OIDC.ClockSkew == 0 {
		cfg.OIDC.ClockSkew = 5 * time.Minute
	}
	if cfg.SAML.ClockSkew == 0 {
		cfg.SAML.ClockSkew = 2 * time.Minute
	}
	if cfg.OIDC.ClockSkew < 0 || cfg.SAML.ClockSkew < 0 {
		return nil, errors.New("login: negative ClockSkew")
	}
	if len(cfg.SAML.Audiences) == 0 {
		cfg.SAML.Audiences = []string{DefaultSAMLAudience}
	}
	if cfg.SAML.ReplayCacheSize == 0 {
		cfg.SAML.ReplayCacheSize = 100_000
	}
	if cfg.SAML.MaxAssertionUses == 0 {
		cfg.SAML.MaxAssertionUses = 2
	}
	if cfg.SAML.ReplayCacheSize < 0 || cfg.SAML.MaxAssertionUses < 0 {
		return nil, errors.New("login: negative SAML replay settings")
	}
	for issuer, u := range cfg.UserPools.JWKSURLs {
		if err := checkURL("UserPools.JWKSURLs["+issuer+"]", u); err != nil {
			return nil, err
		}
	}
	for name, u := range map[string]string{
		"Google.JWKSURL": cfg.Google.JWKSURL, "Apple.JWKSURL": cfg.Apple.JWKSURL,
		"Facebook.BaseURL": cfg.Facebook.BaseURL, "Amazon.BaseURL": cfg.Amazon.BaseURL,
		"Twitter.BaseURL": cfg.Twitter.BaseURL, "Digits.BaseURL": cfg.Digits.BaseURL,
	} {
		if u == "" {
			continue
		}
		if err := checkURL(name, u); err != nil {
			return nil, err
		}
	}

	sets := &keySets{client: cfg.HTTPClient, cfg: &cache, now: cfg.Now}
	oidcTimes := timePolicy{expLeeway: cfg.OIDC.ClockSkew, skew: cfg.OIDC.ClockSkew}
	r := &Registry{
		log: cfg.Logger,
		userPools: &userPoolVerifier{
			jwksURLs: cfg.UserPools.JWKSURLs,
			keySets:  sets,
			times:    timePolicy{expLeeway: 0, skew: cfg.OIDC.ClockSkew},
			now:      cfg.Now,
		},
		oidc: &oidcVerifier{
			src:           cfg.OIDC.Providers,
			allowInsecure: cfg.OIDC.AllowInsecureIssuers,
			times:         oidcTimes,
			client:        cfg.HTTPClient,
			cfg:           &cache,
			now:           cfg.Now,
			log:           cfg.Logger,
		},
		saml: &samlVerifier{
			src:             cfg.SAML.Providers,
			recipients:      slices.Clone(cfg.SAML.Recipients),
			audiences:       slices.Clone(cfg.SAML.Audiences),
			skew:            cfg.SAML.ClockSkew,
			enforceValidity: cfg.SAML.EnforceCertValidity,
			replay:          newReplayCache(cfg.SAML.ReplayCacheSize, cfg.SAML.MaxAssertionUses),
			now:             cfg.Now,
		},
		social: map[string]Verifier{
			googleProvider: &idTokenVerifier{
				provider: googleProvider,
				issuers:  []string{"accounts.google.com", "https://accounts.google.com"},
				jwksURL:  orDefault(cfg.Google.JWKSURL, googleJWKSURL),
				keySets:  sets, times: oidcTimes, now: cfg.Now,
			},
			appleProvider: &idTokenVerifier{
				provider: appleProvider,
				issuers:  []string{"https://appleid.apple.com"},
				jwksURL:  orDefault(cfg.Apple.JWKSURL, appleJWKSURL),
				keySets:  sets, times: oidcTimes, now: cfg.Now,
			},
		},
	}
	api := map[string]struct {
		cfg  APIProviderConfig
		make func(base string) Verifier
		def  string
	}{
		facebookProvider: {cfg.Facebook, func(b string) Verifier { return &facebookVerifier{baseURL: b, client: cfg.HTTPClient} }, facebookBaseURL},
		amazonProvider:   {cfg.Amazon, func(b string) Verifier { return &amazonVerifier{baseURL: b, client: cfg.HTTPClient} }, amazonBaseURL},
		twitterProvider: {cfg.Twitter, func(b string) Verifier {
			return &twitterVerifier{provider: twitterProvider, baseURL: b, path: "/1.1/account/verify_credentials.json", client: cfg.HTTPClient, now: cfg.Now, rand: cfg.Rand}
		}, twitterBaseURL},
		digitsProvider: {cfg.Digits, func(b string) Verifier {
			return &twitterVerifier{provider: digitsProvider, baseURL: b, path: "/1.1/sdk/account.json", client: cfg.HTTPClient, now: cfg.Now, rand: cfg.Rand}
		}, digitsBaseURL},
	}
	for name, p := range api {
		if p.cfg.TrustUnverified {
			cfg.Logger.Warn("login: INSECURE: tokens of this provider are accepted WITHOUT verification; anyone can sign in as anyone (TrustUnverified is for offline emulation only)", "provider", name)
			r.social[name] = &trustingVerifier{provider: name}
			continue
		}
		r.social[name] = p.make(strings.TrimSuffix(orDefault(p.cfg.BaseURL, p.def), "/"))
	}
	return r, nil
}

// VerifyLogin implements identity.LoginVerifier. It picks the verifier by
// the Logins key, in this order: a user pool the pool lists
// (CognitoIdentityProviders), an IAM OIDC provider the pool lists (by
// issuer host/path or ARN; this wins over a Google SupportedLoginProviders
// entry for accounts.google.com), a SAML provider ARN the pool lists, and
// a built-in social provider the pool's SupportedLoginProviders lists.
// Anything else is "Token is not from a supported provider of this
// identity pool." Refusals are *identity.Error values (wrapped with the
// reason), logged at debug level without the token; nothing is cached
// that could make a refused token pass later.
func (r *Registry) VerifyLogin(ctx context.Context, pool *identity.Pool, provider, token string) (identity.VerifiedLogin, error) {
	v := r.verifierFor(pool, provider)
	if v == nil {
		return identity.VerifiedLogin{}, refuse(errUnsupported, "provider %q not configured in pool %s", provider, pool.ID)
	}
	vl, err := v.Verify(ctx, pool, provider, token)
	if err != nil {
		if isRefusal(err) {
			r.log.DebugContext(ctx, "login refused", "pool", pool.ID, "provider", provider, "reason", err.Error())
		}
		return identity.VerifiedLogin{}, err
	}
	return vl, nil
}

// verifierFor returns the Verifier for a Logins key of pool, or nil.
func (r *Registry) verifierFor(pool *identity.Pool, provider string) Verifier {
	if strings.HasPrefix(provider, userPoolPrefix) {
		for _, cp := range pool.CognitoIdentityProviders {
			if cp.ProviderName == provider {
				return r.userPools
			}
		}
	}
	if oidcARN(pool, provider) != "" {
		return r.oidc
	}
	if slices.Contains(pool.SAMLProviderARNs, provider) {
		return r.saml
	}
	if _, ok := pool.SupportedLoginProviders[provider]; ok {
		return r.social[provider]
	}
	return nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func checkURL(name, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("login: " + name + " is not an http(s) URL: " + raw)
	}
	return nil
}
