package identity

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Limits enforced by the service beyond the model's shape constraints.
const (
	maxTagsPerPool          = 50
	maxCognitoProviders     = 50
	maxRulesPerRoleMapping  = 25
	maxLinkedLoginsPerIdent = 20
)

var (
	// userPoolProviderRE matches a Cognito user pool provider name:
	// cognito-idp.<region>.amazonaws.com/<region>_<id>.
	userPoolProviderRE = regexp.MustCompile(`^cognito-idp\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com/([a-z]{2}(?:-[a-z]+)+-\d)_[0-9A-Za-z]+$`)
	// roleARNRE matches an IAM role ARN.
	roleARNRE = regexp.MustCompile(`^arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+$`)
	// tagRE is the character set AWS allows in tag keys and values.
	tagRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

// UserPoolProviderParts splits a Cognito user pool provider name,
// "cognito-idp.<region>.amazonaws.com/<region>_<id>", into the region of
// its host and the user pool ID; ok is false for any other string.
func UserPoolProviderParts(name string) (region, poolID string, ok bool) {
	m := userPoolProviderRE.FindStringSubmatch(name)
	if m == nil {
		return "", "", false
	}
	return m[1], name[strings.IndexByte(name, '/')+1:], true
}

// CreatePool creates an identity pool from in (ID, CreatedAt and UpdatedAt
// are ignored and assigned). It checks the user-pool provider format and
// the tag rules, then stores the pool unless the pool quota (Config.MaxPools)
// is reached, which the store checks atomically with the insert, and
// returns the stored pool.
func (s *Service) CreatePool(ctx context.Context, in Pool) (Pool, error) {
	if err := s.checkPoolConfig(ctx, in); err != nil {
		return Pool{}, err
	}
	if err := checkTags(in.Tags, 0); err != nil {
		return Pool{}, err
	}
	id, err := s.newID()
	if err != nil {
		return Pool{}, err
	}
	now := s.now()
	p := in
	p.ID = id
	p.Roles, p.RoleMappings, p.PrincipalTagMaps = nil, nil, nil
	p.CreatedAt, p.UpdatedAt = now, now
	err = s.store.CreatePoolWithin(ctx, p, s.cfg.MaxPools)
	if errors.Is(err, ErrLimitExceeded) {
		return Pool{}, Errorf(CodeLimitExceeded, "The number of identity pools for this account has exceeded the limit of %d.", s.cfg.MaxPools)
	}
	if err != nil {
		return Pool{}, fmt.Errorf("identity: create pool: %w", err)
	}
	return p, nil
}

// DescribePool returns a pool.
func (s *Service) DescribePool(ctx context.Context, id string) (Pool, error) {
	return s.loadPool(ctx, id)
}

// UpdatePool replaces the configuration of an existing pool with in. As in
// Cognito, omitted optional fields revert to their defaults, except:
// DeveloperProviderName, which can never change once set (omitting it keeps
// it; a different value is refused), and IdentityPoolTags, which are kept
// when in.Tags is nil and replaced otherwise. Roles, role mappings and
// principal tag maps are not part of the pool shape and are kept.
func (s *Service) UpdatePool(ctx context.Context, in Pool) (Pool, error) {
	if err := s.checkPoolConfig(ctx, in); err != nil {
		return Pool{}, err
	}
	if in.Tags != nil {
		if err := checkTags(in.Tags, 0); err != nil {
			return Pool{}, err
		}
	}
	p, err := s.store.UpdatePool(ctx, in.ID, func(p *Pool) error {
		if p.DeveloperProviderName != "" && in.DeveloperProviderName != "" && in.DeveloperProviderName != p.DeveloperProviderName {
			// Inferred message: Cognito documents that the name cannot change
			// but not the exact error text.
			return Errorf(CodeInvalidParameter, "Developer provider name cannot be changed once set.")
		}
		if err := checkMappingsStillValid(in, p.RoleMappings); err != nil {
			return err
		}
		dev := p.DeveloperProviderName
		if dev == "" {
			dev = in.DeveloperProviderName
		}
		tags := p.Tags
		if in.Tags != nil {
			tags = in.Tags
		}
		p.Name = in.Name
		p.AllowUnauthenticated = in.AllowUnauthenticated
		p.AllowClassicFlow = in.AllowClassicFlow
		p.SupportedLoginProviders = in.SupportedLoginProviders
		p.DeveloperProviderName = dev
		p.OpenIDConnectProviderARNs = in.OpenIDConnectProviderARNs
		p.CognitoIdentityProviders = in.CognitoIdentityProviders
		p.SAMLProviderARNs = in.SAMLProviderARNs
		p.Tags = tags
		p.UpdatedAt = s.now()
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return Pool{}, poolNotFound(in.ID)
	}
	if err != nil {
		return Pool{}, wrapStoreErr("update pool", err)
	}
	s.pools.forget(in.ID)
	return p, nil
}

// DeletePool deletes a pool and every identity in it.
func (s *Service) DeletePool(ctx context.Context, id string) error {
	err := s.store.DeletePool(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return poolNotFound(id)
	}
	if err != nil {
		return fmt.Errorf("identity: delete pool %s: %w", id, err)
	}
	s.pools.forget(id)
	return nil
}

// ListPools returns one page of pools in a stable order (by ID) and the
// opaque token for the next page ("" when there is none).
func (s *Service) ListPools(ctx context.Context, maxResults int, nextToken string) ([]Pool, string, error) {
	after, err := decodePageToken(nextToken)
	if err != nil {
		return nil, "", err
	}
	pools, err := s.store.ListPools(ctx, after, maxResults+1)
	if err != nil {
		return nil, "", fmt.Errorf("identity: list pools: %w", err)
	}
	next := ""
	if len(pools) > maxResults {
		pools = pools[:maxResults]
		next = encodePageToken(pools[len(pools)-1].ID)
	}
	return pools, next, nil
}

// SetRoles sets the pool's default roles and role mappings (replacing
// both). Role ARNs must be IAM role ARNs; role mapping keys must name a
// provider configured on the pool; each mapping needs an
// AmbiguousRoleResolution, and Rules mappings need 1–25 rules.
func (s *Service) SetRoles(ctx context.Context, poolID string, roles map[string]string, mappings map[string]RoleMapping) error {
	for _, k := range slices.Sorted(maps.Keys(roles)) {
		if !roleARNRE.MatchString(roles[k]) {
			return Errorf(CodeNotAuthorized, "Access to Role '%s' is forbidden.", roles[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(mappings)) {
		if err := checkRoleMapping(k, mappings[k]); err != nil {
			return err
		}
	}
	_, err := s.store.UpdatePool(ctx, poolID, func(p *Pool) error {
		for _, k := range slices.Sorted(maps.Keys(mappings)) {
			if !p.hasRoleMappingProvider(k) {
				return Errorf(CodeInvalidParameter, "(%s) is not a valid RoleMapping ProviderName or is not a configured provider.", k)
			}
		}
		p.Roles = roles
		p.RoleMappings = mappings
		p.UpdatedAt = s.now()
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return poolNotFound(poolID)
	}
	if err != nil {
		return wrapStoreErr("set roles", err)
	}
	s.pools.forget(poolID)
	return nil
}

func checkRoleMapping(key string, m RoleMapping) error {
	if m.AmbiguousRoleResolution == "" {
		// Inferred message (the service requires the field for both types).
		return Errorf(CodeInvalidParameter, "AmbiguousRoleResolution must be specified for RoleMapping (%s).", key)
	}
	switch m.Type {
	case "Rules":
		if len(m.Rules) == 0 {
			return Errorf(CodeInvalidParameter, "RulesConfiguration must be specified for a Rules type RoleMapping (%s).", key)
		}
		if len(m.Rules) > maxRulesPerRoleMapping {
			return Errorf(CodeInvalidParameter, "The number of rules for RoleMapping (%s) exceeds the limit of %d.", key, maxRulesPerRoleMapping)
		}
		for _, r := range m.Rules {
			if !roleARNRE.MatchString(r.RoleARN) {
				return Errorf(CodeNotAuthorized, "Access to Role '%s' is forbidden.", r.RoleARN)
			}
		}
	case "Token":
		if m.HasRulesConfiguration {
			return Errorf(CodeInvalidParameter, "RulesConfiguration is not allowed for a Token type RoleMapping (%s).", key)
		}
	}
	return nil
}

// GetRoles returns the pool's roles and role mappings.
func (s *Service) GetRoles(ctx context.Context, poolID string) (Pool, error) {
	return s.loadPool(ctx, poolID)
}

// SetPrincipalTagMap sets the principal tag mapping for one provider of
// the pool and returns it. The provider must be configured on the pool.
func (s *Service) SetPrincipalTagMap(ctx context.Context, poolID, provider string, m PrincipalTagMap) (PrincipalTagMap, error) {
	_, err := s.store.UpdatePool(ctx, poolID, func(p *Pool) error {
		if !p.hasProvider(provider) {
			return Errorf(CodeInvalidParameter, "(%s) is not a configured provider of this identity pool.", provider)
		}
		if p.PrincipalTagMaps == nil {
			p.PrincipalTagMaps = make(map[string]PrincipalTagMap)
		}
		p.PrincipalTagMaps[provider] = m
		p.UpdatedAt = s.now()
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return PrincipalTagMap{}, poolNotFound(poolID)
	}
	if err != nil {
		return PrincipalTagMap{}, wrapStoreErr("set principal tag map", err)
	}
	s.pools.forget(poolID)
	return m, nil
}

// DeletePrincipalTagMap removes the principal tag mapping of one provider,
// so that the provider is back to never having been configured. It reports
// whether there was one to remove; a provider no longer configured on the
// pool has none.
func (s *Service) DeletePrincipalTagMap(ctx context.Context, poolID, provider string) (bool, error) {
	removed := false
	_, err := s.store.UpdatePool(ctx, poolID, func(p *Pool) error {
		if _, ok := p.PrincipalTagMaps[provider]; !ok {
			return errNothingToDo
		}
		delete(p.PrincipalTagMaps, provider)
		p.UpdatedAt = s.now()
		removed = true
		return nil
	})
	switch {
	case errors.Is(err, errNothingToDo):
		return false, nil
	case errors.Is(err, ErrNotFound):
		return false, poolNotFound(poolID)
	case err != nil:
		return false, wrapStoreErr("delete principal tag map", err)
	}
	s.pools.forget(poolID)
	return removed, nil
}

// errNothingToDo aborts an UpdatePool whose change would be a no-op.
var errNothingToDo = errors.New("identity: nothing to change")

// GetPrincipalTagMap returns the principal tag mapping of one provider. A
// provider that was never configured has UseDefaults false and no tags.
func (s *Service) GetPrincipalTagMap(ctx context.Context, poolID, provider string) (PrincipalTagMap, error) {
	p, err := s.loadPool(ctx, poolID)
	if err != nil {
		return PrincipalTagMap{}, err
	}
	if !p.hasProvider(provider) {
		return PrincipalTagMap{}, Errorf(CodeInvalidParameter, "(%s) is not a configured provider of this identity pool.", provider)
	}
	return p.PrincipalTagMaps[provider], nil
}

// TagResource adds or overwrites tags on the pool named by arn.
func (s *Service) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	id, err := s.poolIDFromARN(arn)
	if err != nil {
		return err
	}
	_, err = s.store.UpdatePool(ctx, id, func(p *Pool) error {
		merged := maps.Clone(p.Tags)
		if merged == nil {
			merged = make(map[string]string)
		}
		maps.Copy(merged, tags)
		if err := checkTags(tags, len(merged)-len(tags)); err != nil {
			return err
		}
		p.Tags = merged
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return poolNotFound(id)
	}
	if err != nil {
		return wrapStoreErr("tag resource", err)
	}
	s.pools.forget(id)
	return nil
}

// UntagResource removes tag keys from the pool named by arn; absent keys
// are ignored.
func (s *Service) UntagResource(ctx context.Context, arn string, keys []string) error {
	id, err := s.poolIDFromARN(arn)
	if err != nil {
		return err
	}
	_, err = s.store.UpdatePool(ctx, id, func(p *Pool) error {
		p.Tags = maps.Clone(p.Tags)
		for _, k := range keys {
			delete(p.Tags, k)
		}
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return poolNotFound(id)
	}
	if err != nil {
		return wrapStoreErr("untag resource", err)
	}
	s.pools.forget(id)
	return nil
}

// ListTags returns the tags of the pool named by arn.
func (s *Service) ListTags(ctx context.Context, arn string) (map[string]string, error) {
	id, err := s.poolIDFromARN(arn)
	if err != nil {
		return nil, err
	}
	p, err := s.loadPool(ctx, id)
	if err != nil {
		return nil, err
	}
	return p.Tags, nil
}

// poolIDFromARN extracts the pool ID from
// arn:aws:cognito-identity:<region>:<account>:identitypool/<id>.
func (s *Service) poolIDFromARN(arn string) (string, error) {
	prefix := fmt.Sprintf("arn:aws:cognito-identity:%s:%s:identitypool/", s.cfg.Region, s.cfg.AccountID)
	id, ok := strings.CutPrefix(arn, prefix)
	if !ok || id == "" {
		return "", Errorf(CodeInvalidParameter, "Invalid ResourceArn: %s", arn)
	}
	return id, nil
}

// checkPoolConfig checks the parts of a pool configuration that the model
// cannot express: the user-pool provider format and limit, and that OIDC
// and SAML provider ARNs are registered in IAM.
func (s *Service) checkPoolConfig(ctx context.Context, p Pool) error {
	if s.cfg.Providers != nil {
		for _, arn := range p.OpenIDConnectProviderARNs {
			ok, err := s.cfg.Providers.OIDCProviderExists(ctx, arn)
			if err != nil {
				return fmt.Errorf("identity: look up OIDC provider: %w", err)
			}
			if !ok {
				// Inferred message: Cognito refuses unregistered providers
				// with InvalidParameterException.
				return Errorf(CodeInvalidParameter, "Invalid OpenIdConnectProviderARN: %s is not a registered OpenID Connect provider.", arn)
			}
		}
		for _, arn := range p.SAMLProviderARNs {
			ok, err := s.cfg.Providers.SAMLProviderExists(ctx, arn)
			if err != nil {
				return fmt.Errorf("identity: look up SAML provider: %w", err)
			}
			if !ok {
				return Errorf(CodeInvalidParameter, "Invalid SamlProviderARN: %s is not a registered SAML provider.", arn)
			}
		}
	}
	if len(p.CognitoIdentityProviders) > maxCognitoProviders {
		return Errorf(CodeLimitExceeded, "The number of Cognito Identity Providers exceeds the limit of %d.", maxCognitoProviders)
	}
	seen := make(map[string]bool)
	for _, cp := range p.CognitoIdentityProviders {
		if !userPoolProviderRE.MatchString(cp.ProviderName) || cp.ClientID == "" {
			return Errorf(CodeInvalidParameter, "Invalid Cognito Identity Provider")
		}
		k := cp.ProviderName + ":" + cp.ClientID
		if seen[k] {
			return Errorf(CodeInvalidParameter, "Invalid Cognito Identity Provider")
		}
		seen[k] = true
	}
	return nil
}

// checkMappingsStillValid refuses a pool update that would leave a role
// mapping or principal tag map pointing at a provider no longer configured.
func checkMappingsStillValid(next Pool, rm map[string]RoleMapping) error {
	for _, k := range slices.Sorted(maps.Keys(rm)) {
		if !next.hasRoleMappingProvider(k) {
			return Errorf(CodeInvalidParameter, "(%s) is not a valid RoleMapping ProviderName or is not a configured provider.", k)
		}
	}
	return nil
}

// checkTags checks tag keys and values and that existing+len(tags) stays
// within the per-pool limit.
func checkTags(tags map[string]string, existing int) error {
	if existing+len(tags) > maxTagsPerPool {
		return Errorf(CodeInvalidParameter, "An identity pool can have as many as %d tags.", maxTagsPerPool)
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return Errorf(CodeInvalidParameter, "Tag keys with the prefix 'aws:' are reserved for AWS use: %s", k)
		}
		if !tagRE.MatchString(k) || !tagRE.MatchString(tags[k]) {
			return Errorf(CodeInvalidParameter, "Invalid tag: %s", k)
		}
	}
	return nil
}

// hasProvider reports whether name is a login provider configured on the
// pool: a supported social provider, a user pool (provider name), an OIDC
// provider (issuer host/path or ARN), a SAML provider ARN or the developer
// provider.
func (p *Pool) hasProvider(name string) bool {
	if _, ok := p.SupportedLoginProviders[name]; ok {
		return true
	}
	for _, cp := range p.CognitoIdentityProviders {
		if cp.ProviderName == name {
			return true
		}
	}
	for _, arn := range p.OpenIDConnectProviderARNs {
		if arn == name || OIDCProviderHost(arn) == name {
			return true
		}
	}
	if slices.Contains(p.SAMLProviderARNs, name) {
		return true
	}
	return p.DeveloperProviderName != "" && p.DeveloperProviderName == name
}

// hasRoleMappingProvider reports whether key may name a role mapping: user
// pools are keyed "<provider name>:<client id>", others as in hasProvider.
func (p *Pool) hasRoleMappingProvider(key string) bool {
	for _, cp := range p.CognitoIdentityProviders {
		if cp.ProviderName+":"+cp.ClientID == key {
			return true
		}
	}
	if _, ok := p.SupportedLoginProviders[key]; ok {
		return true
	}
	for _, arn := range p.OpenIDConnectProviderARNs {
		if arn == key || OIDCProviderHost(arn) == key {
			return true
		}
	}
	return slices.Contains(p.SAMLProviderARNs, key)
}

// OIDCProviderHost returns the issuer host/path of an IAM OIDC provider ARN
// (arn:aws:iam::<account>:oidc-provider/<host/path>), or "" if arn is not one.
func OIDCProviderHost(arn string) string {
	_, rest, ok := strings.Cut(arn, ":oidc-provider/")
	if !ok || !strings.HasPrefix(arn, "arn:aws") {
		return ""
	}
	return rest
}

func encodePageToken(afterID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1|" + afterID))
}

func decodePageToken(tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), "v1|") {
		return "", Errorf(CodeInvalidParameter, "Invalid pagination token.")
	}
	return strings.TrimPrefix(string(b), "v1|"), nil
}

// wrapStoreErr passes domain errors through and wraps the rest.
func wrapStoreErr(op string, err error) error {
	var de *Error
	if errors.As(err, &de) {
		return de
	}
	return fmt.Errorf("identity: %s: %w", op, err)
}
