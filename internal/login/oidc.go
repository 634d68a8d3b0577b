package login

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/idpool/idpool/internal/identity"
)

// ErrProviderNotFound is returned (wrapped) by an OIDCProviderSource or a
// SAMLProviderSource for an ARN that names no registered provider.
// identity.ErrNotFound is accepted as well.
var ErrProviderNotFound = errors.New("login: provider not found")

// OIDCProviderInfo is what IAM stores about an OpenID Connect provider.
type OIDCProviderInfo struct {
	// URL is the issuer URL as registered, e.g.
	// "https://token.actions.githubusercontent.com". A URL without scheme
	// means https.
	URL string
	// ClientIDs is the provider's audience list.
	ClientIDs []string
	// Thumbprints are the registered certificate thumbprints. They are not
	// checked: TLS to the provider is verified against the system roots
	// (as AWS now does for providers with publicly trusted certificates).
	Thumbprints []string
}

// OIDCProviderSource looks up IAM OpenID Connect providers by ARN
// (arn:aws:iam::<account>:oidc-provider/<host/path>). It is called once per
// verified token, so an implementation over a database should cache.
type OIDCProviderSource interface {
	OIDCProvider(ctx context.Context, arn string) (OIDCProviderInfo, error)
}

// OIDCConfig configures the verification of IAM OIDC provider tokens.
type OIDCConfig struct {
	// Providers looks up the IAM OIDC providers the pools name. Nil refuses
	// every OIDC login as not supported.
	Providers OIDCProviderSource
	// AllowInsecureIssuers allows http:// issuers on any host. Without it,
	// http is allowed only for loopback hosts (localhost, 127.0.0.0/8, ::1).
	AllowInsecureIssuers bool
	// ClockSkew is the leeway on exp, nbf and iat (default 5 minutes, as
	// Cognito documents for OIDC providers). It also applies to Google
	// and Apple ID tokens.
	ClockSkew time.Duration
}

// oidcVerifier verifies ID tokens from IAM OIDC providers.
type oidcVerifier struct {
	src           OIDCProviderSource
	allowInsecure bool
	times         timePolicy
	client        *http.Client
	cfg           *CacheConfig
	now           func() time.Time
	log           *slog.Logger

	mu      sync.Mutex
	issuers map[string]*issuerState
}

// issuerState is one issuer's discovery document and key set.
type issuerState struct {
	discovery cachedDoc[string] // jwks_uri

	mu   sync.Mutex
	keys *keySet
}

// Verify checks an ID token for the OIDC provider whose issuer host/path is
// provider (the Logins key; the provider's ARN is accepted too), in this
// order:
//  1. the pool lists an OIDC provider ARN for that host/path, and IAM
//     (OIDCProviderSource) knows it; its URL must be https, or http for a
//     loopback host or with AllowInsecureIssuers;
//  2. the token is a compact JWS (else "Not a valid OpenId Connect identity
//     token.");
//  3. iss equals the issuer URL, i.e. https:// + the Logins key, with or
//     without a trailing slash ("Issuer doesn't match providerName"); for
//     accounts.google.com the bare form Google also issues is accepted;
//  4. azp, when present, else aud (string or array), is one of the
//     provider's client IDs ("Token is not from a supported provider of
//     this identity pool.");
//  5. the signature (see verifySignature) with a key from the jwks_uri of
//     the issuer's discovery document, both cached and refreshed as
//     described on keySet and CacheConfig;
//  6. exp, nbf and iat with ClockSkew of leeway; sub is present.
//
// The provider's certificate thumbprints are not checked (see
// OIDCProviderInfo). The amr entries are "<host/path>" and
// "<provider ARN>:OIDC:<sub>", as Cognito issues them.
func (v *oidcVerifier) Verify(ctx context.Context, pool *identity.Pool, provider, token string) (identity.VerifiedLogin, error) {
	arn := oidcARN(pool, provider)
	if arn == "" || v.src == nil {
		return identity.VerifiedLogin{}, refuse(errUnsupported, "no OIDC provider %q in pool", provider)
	}
	host := identity.OIDCProviderHost(arn)
	info, err := v.src.OIDCProvider(ctx, arn)
	if errors.Is(err, ErrProviderNotFound) || errors.Is(err, identity.ErrNotFound) {
		return identity.VerifiedLogin{}, refuse(errUnsupported, "OIDC provider %s is not registered", arn)
	}
	if err != nil {
		return identity.VerifiedLogin{}, fmt.Errorf("login: look up OIDC provider %s: %w", arn, err)
	}
	issuer, err := v.issuerURL(info.URL, host)
	if err != nil {
		v.log.WarnContext(ctx, "refusing OIDC login: provider misconfigured", "arn", arn, "err", err)
		return identity.VerifiedLogin{}, refuse(errUnsupported, "OIDC provider %s: %v", arn, err)
	}

	t, err := parseJWT(token)
	if err != nil {
		return identity.VerifiedLogin{}, err
	}
	if !issuerMatches(t.reg.Iss, issuer) && !(host == googleProvider && t.reg.Iss == googleProvider) {
		return identity.VerifiedLogin{}, refuse(errIssuer, "iss %q is not %q", t.reg.Iss, issuer)
	}
	if t.reg.Azp != "" {
		if !slices.Contains(info.ClientIDs, t.reg.Azp) {
			return identity.VerifiedLogin{}, refuse(errUnsupported, "azp %q is not a client ID of %s", t.reg.Azp, arn)
		}
	} else if !slices.ContainsFunc(t.reg.Aud, func(a string) bool { return slices.Contains(info.ClientIDs, a) }) {
		if len(t.reg.Aud) == 0 {
			return identity.VerifiedLogin{}, refuse(errMissingAud, "no aud")
		}
		return identity.VerifiedLogin{}, refuse(errUnsupported, "aud %q has no client ID of %s", []string(t.reg.Aud), arn)
	}
	keys, err := v.keys(ctx, issuer)
	if err != nil {
		return identity.VerifiedLogin{}, err
	}
	if err := verifySignature(ctx, t, keys, oidcAlgs); err != nil {
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
		AMR:    []string{host, arn + ":OIDC:" + t.reg.Sub},
		Claims: t.claims,
	}, nil
}

// oidcARN returns the pool's OIDC provider ARN for a Logins key (issuer
// host/path, or the ARN itself), or "".
func oidcARN(pool *identity.Pool, provider string) string {
	for _, arn := range pool.OpenIDConnectProviderARNs {
		if h := identity.OIDCProviderHost(arn); h != "" && (h == provider || arn == provider) {
			return arn
		}
	}
	return ""
}

// issuerURL returns the issuer URL for a registered provider URL, checking
// that it names host (the ARN's host/path) and that its scheme is allowed.
func (v *oidcVerifier) issuerURL(registered, host string) (string, error) {
	if registered == "" {
		registered = host
	}
	if !strings.Contains(registered, "://") {
		registered = "https://" + registered
	}
	u, err := url.Parse(registered)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("provider URL %q is not an issuer URL", registered)
	}
	issuer := strings.TrimSuffix(registered, "/")
	if got := strings.TrimPrefix(strings.TrimPrefix(issuer, "https://"), "http://"); got != host {
		return "", fmt.Errorf("provider URL %q does not match ARN host %q", registered, host)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !v.allowInsecure && !isLoopback(u.Hostname()) {
			return "", fmt.Errorf("http issuer %q is not a loopback host (AllowInsecureIssuers is off)", registered)
		}
	default:
		return "", fmt.Errorf("provider URL %q has scheme %q", registered, u.Scheme)
	}
	return issuer, nil
}

// issuerMatches reports whether an iss value names issuer (a trailing
// slash, as some providers add, is ignored).
func issuerMatches(iss, issuer string) bool {
	return iss == issuer || iss == issuer+"/"
}

// isLoopback reports whether host is localhost or a loopback IP.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// keys returns the key set of issuer, discovering its jwks_uri.
func (v *oidcVerifier) keys(ctx context.Context, issuer string) (keySource, error) {
	st := v.issuer(issuer)
	jwksURI, err := st.discovery.get(ctx)
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.keys == nil || st.keys.url != jwksURI {
		st.keys = newKeySet(jwksURI, v.client, v.cfg, v.now)
	}
	return st.keys, nil
}

// issuer returns the state of one issuer, creating it. Issuers come from
// IAM provider registrations, so the map is bounded by the configuration.
func (v *oidcVerifier) issuer(issuer string) *issuerState {
	v.mu.Lock()
	defer v.mu.Unlock()
	if st, ok := v.issuers[issuer]; ok {
		return st
	}
	if v.issuers == nil {
		v.issuers = map[string]*issuerState{}
	}
	st := &issuerState{}
	st.discovery = cachedDoc[string]{
		cfg:  v.cfg,
		now:  v.now,
		load: func(ctx context.Context) (string, time.Duration, error) { return v.discover(ctx, issuer) },
	}
	v.issuers[issuer] = st
	return st
}

// discover fetches issuer/.well-known/openid-configuration and returns its
// jwks_uri. The document's issuer must equal issuer (OpenID Connect
// Discovery §4.3) and jwks_uri must be https (http only when the issuer
// itself may be http).
func (v *oidcVerifier) discover(ctx context.Context, issuer string) (string, time.Duration, error) {
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	h, err := getJSON(ctx, v.client, issuer+"/.well-known/openid-configuration", &doc)
	if err != nil {
		return "", 0, err
	}
	if !issuerMatches(doc.Issuer, issuer) {
		return "", 0, external("discovery for %s names issuer %q", issuer, doc.Issuer)
	}
	u, err := url.Parse(doc.JWKSURI)
	if err != nil || u.Host == "" {
		return "", 0, external("discovery for %s: bad jwks_uri %q", issuer, doc.JWKSURI)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !v.allowInsecure && !isLoopback(u.Hostname()) {
			return "", 0, external("discovery for %s: http jwks_uri %q on a non-loopback host", issuer, doc.JWKSURI)
		}
	default:
		return "", 0, external("discovery for %s: jwks_uri scheme %q", issuer, u.Scheme)
	}
	return doc.JWKSURI, v.cfg.ttl(h), nil
}

// MemoryOIDCProviders is an in-memory OIDCProviderSource keyed by ARN, for
// tests and static configuration. It is safe for concurrent use.
type MemoryOIDCProviders struct {
	mu        sync.RWMutex
	providers map[string]OIDCProviderInfo
}

// Put registers (or replaces) the provider with the given ARN.
func (m *MemoryOIDCProviders) Put(arn string, info OIDCProviderInfo) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.providers == nil {
		m.providers = map[string]OIDCProviderInfo{}
	}
	info.ClientIDs = slices.Clone(info.ClientIDs)
	info.Thumbprints = slices.Clone(info.Thumbprints)
	m.providers[arn] = info
}

// Delete removes a provider.
func (m *MemoryOIDCProviders) Delete(arn string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.providers, arn)
}

// OIDCProvider implements OIDCProviderSource.
func (m *MemoryOIDCProviders) OIDCProvider(_ context.Context, arn string) (OIDCProviderInfo, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	info, ok := m.providers[arn]
	if !ok {
		return OIDCProviderInfo{}, fmt.Errorf("OIDC provider %s: %w", arn, ErrProviderNotFound)
	}
	info.ClientIDs = slices.Clone(info.ClientIDs)
	info.Thumbprints = slices.Clone(info.Thumbprints)
	return info, nil
}
