package iam

import (
	"context"
	"encoding/hex"
	"net"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
)

// OIDCProvider is an IAM OpenID Connect provider.
type OIDCProvider struct {
	// ARN is arn:aws:iam::<account>:oidc-provider/<host/path>.
	ARN string `json:"arn"`
	// URL is the issuer as registered, with its scheme
	// ("https://login.example.com/realm"). IAM reports it without the
	// scheme (see HostPath); the scheme is kept so that an http issuer on a
	// loopback host can be reached.
	URL string `json:"url"`
	// ClientIDs are the audiences tokens may be issued for.
	ClientIDs []string `json:"clientIds,omitempty"`
	// Thumbprints are hex SHA-1 fingerprints of the issuer's certificates.
	Thumbprints []string  `json:"thumbprints,omitempty"`
	Tags        []Tag     `json:"tags,omitempty"`
	CreateDate  time.Time `json:"createDate"`
}

// HostPath is the URL without its scheme: the provider name in the ARN, in
// GetOpenIDConnectProvider's Url, and as a Cognito Logins key.
func (p OIDCProvider) HostPath() string { return stripScheme(p.URL) }

func (p OIDCProvider) clone() OIDCProvider {
	p.ClientIDs = slices.Clone(p.ClientIDs)
	p.Thumbprints = slices.Clone(p.Thumbprints)
	p.Tags = cloneTags(p.Tags)
	return p
}

type oidcDoc struct {
	Providers []OIDCProvider `json:"providers"`
	byARN     map[string]int
}

func (d *oidcDoc) reindex() {
	sort.Slice(d.Providers, func(i, j int) bool { return d.Providers[i].ARN < d.Providers[j].ARN })
	d.byARN = make(map[string]int, len(d.Providers))
	for i, p := range d.Providers {
		d.byARN[p.ARN] = i
	}
}

func (d *oidcDoc) find(arn string) (int, bool) {
	i, ok := d.byARN[arn]
	return i, ok
}

// CreateOIDCProviderInput is CreateOpenIDConnectProvider's input.
type CreateOIDCProviderInput struct {
	URL         string
	ClientIDs   []string
	Thumbprints []string
	Tags        []Tag
}

func stripScheme(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		return u[i+3:]
	}
	return u
}

// checkOIDCURL accepts https URLs, and http URLs whose host is a loopback
// address or localhost, with a host, without user info, query or fragment.
func checkOIDCURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
		return errOIDCURL
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
	}
	return errOIDCURL
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkThumbprints(tps []string) error {
	if len(tps) > maxThumbprints {
		return errTooManyThumbprints
	}
	for _, tp := range tps {
		if _, err := hex.DecodeString(tp); err != nil || len(tp) != 40 {
			return errThumbprint(tp)
		}
	}
	return nil
}

func dedupe(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// CreateOpenIDConnectProvider registers an OpenID Connect provider, in this
// order: the URL must be https (http only for loopback hosts) without query
// or fragment (ValidationError "Invalid Open ID Connect Provider URL"), at
// most 5 thumbprints of 40 hex digits (InvalidInput), at most 100 distinct
// client IDs (LimitExceeded), valid tags; then, against the stored
// providers, the URL must be new (EntityAlreadyExists "Provider with url …
// already exists.") and the account below 100 providers. The ARN's name is
// the URL without its scheme; the URL is not normalized, so a trailing slash
// makes a different provider.
func (s *Service) CreateOpenIDConnectProvider(ctx context.Context, in CreateOIDCProviderInput) (OIDCProvider, error) {
	if err := checkOIDCURL(in.URL); err != nil {
		return OIDCProvider{}, err
	}
	if err := checkThumbprints(in.Thumbprints); err != nil {
		return OIDCProvider{}, err
	}
	clientIDs := dedupe(in.ClientIDs)
	if len(clientIDs) > maxClientIDs {
		return OIDCProvider{}, errTooManyClientIDs
	}
	if err := checkTags(in.Tags); err != nil {
		return OIDCProvider{}, err
	}
	p := OIDCProvider{
		ARN: s.arnPrefix() + "oidc-provider/" + stripScheme(in.URL), URL: in.URL,
		ClientIDs: clientIDs, Thumbprints: slices.Clone(in.Thumbprints), Tags: cloneTags(in.Tags),
		CreateDate: s.now().UTC().Truncate(time.Second),
	}
	_, err := s.oidc.update(ctx, func(d *oidcDoc) error {
		if _, ok := d.find(p.ARN); ok {
			return errOIDCExists(in.URL)
		}
		if len(d.Providers) >= MaxOIDCProviders {
			return errTooManyOIDC
		}
		d.Providers = append(d.Providers, p)
		return nil
	})
	if err != nil {
		return OIDCProvider{}, err
	}
	return p.clone(), nil
}

// checkProviderARN refuses strings that are not IAM ARNs.
func checkProviderARN(arn, kind string) error {
	_, res, ok := parseARN(arn)
	if !ok || !strings.HasPrefix(res, kind+"/") {
		return errProviderARN(arn)
	}
	return nil
}

// GetOpenIDConnectProvider returns the provider with the given ARN
// (NoSuchEntity "OpenIDConnect Provider not found for arn …").
func (s *Service) GetOpenIDConnectProvider(ctx context.Context, arn string) (OIDCProvider, error) {
	return s.OIDCProviderByARN(ctx, arn)
}

// OIDCProviderByARN is the lookup for other packages (identity pools,
// login verification): the registered provider with that ARN, from the
// snapshot (no I/O while it is fresh). NoSuchEntity if it is not
// registered.
func (s *Service) OIDCProviderByARN(ctx context.Context, arn string) (OIDCProvider, error) {
	if err := checkProviderARN(arn, "oidc-provider"); err != nil {
		return OIDCProvider{}, err
	}
	d, err := s.oidc.read(ctx)
	if err != nil {
		return OIDCProvider{}, err
	}
	i, ok := d.find(arn)
	if !ok {
		return OIDCProvider{}, errOIDCNotFound(arn)
	}
	return d.Providers[i].clone(), nil
}

// ListOpenIDConnectProviders returns every provider, ordered by ARN.
func (s *Service) ListOpenIDConnectProviders(ctx context.Context) ([]OIDCProvider, error) {
	d, err := s.oidc.read(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]OIDCProvider, len(d.Providers))
	for i, p := range d.Providers {
		out[i] = p.clone()
	}
	return out, nil
}

// DeleteOpenIDConnectProvider deletes the provider (NoSuchEntity "OpenId
// connect Provider … cannot be found." if there is none). Roles and pools
// that name it are not changed.
func (s *Service) DeleteOpenIDConnectProvider(ctx context.Context, arn string) error {
	if err := checkProviderARN(arn, "oidc-provider"); err != nil {
		return err
	}
	_, err := s.oidc.update(ctx, func(d *oidcDoc) error {
		i, ok := d.find(arn)
		if !ok {
			return errOIDCDeleteNotFound(arn)
		}
		d.Providers = slices.Delete(d.Providers, i, i+1)
		return nil
	})
	return err
}

// modifyOIDC applies fn to the stored provider with the given ARN.
func (s *Service) modifyOIDC(ctx context.Context, arn string, fn func(p *OIDCProvider) error) error {
	if err := checkProviderARN(arn, "oidc-provider"); err != nil {
		return err
	}
	_, err := s.oidc.update(ctx, func(d *oidcDoc) error {
		i, ok := d.find(arn)
		if !ok {
			return errOIDCNotFound(arn)
		}
		return fn(&d.Providers[i])
	})
	return err
}

// AddClientIDToOpenIDConnectProvider adds a client ID; adding one that is
// there already changes nothing. LimitExceeded past 100 client IDs.
func (s *Service) AddClientIDToOpenIDConnectProvider(ctx context.Context, arn, clientID string) error {
	return s.modifyOIDC(ctx, arn, func(p *OIDCProvider) error {
		if slices.Contains(p.ClientIDs, clientID) {
			return nil
		}
		if len(p.ClientIDs) >= maxClientIDs {
			return errTooManyClientIDs
		}
		p.ClientIDs = append(p.ClientIDs, clientID)
		return nil
	})
}

// RemoveClientIDFromOpenIDConnectProvider removes a client ID; removing one
// that is not there changes nothing.
func (s *Service) RemoveClientIDFromOpenIDConnectProvider(ctx context.Context, arn, clientID string) error {
	return s.modifyOIDC(ctx, arn, func(p *OIDCProvider) error {
		p.ClientIDs = slices.DeleteFunc(p.ClientIDs, func(c string) bool { return c == clientID })
		return nil
	})
}

// UpdateOpenIDConnectProviderThumbprint replaces the thumbprint list (the
// lists are not merged). The same thumbprint checks as on create apply.
func (s *Service) UpdateOpenIDConnectProviderThumbprint(ctx context.Context, arn string, thumbprints []string) error {
	if err := checkThumbprints(thumbprints); err != nil {
		return err
	}
	return s.modifyOIDC(ctx, arn, func(p *OIDCProvider) error {
		p.Thumbprints = slices.Clone(thumbprints)
		return nil
	})
}
