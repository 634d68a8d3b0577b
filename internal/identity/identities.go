package identity

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// CognitoIdentityProvider is the Logins key for an idpool-issued OpenID
// token, accepted by GetCredentialsForIdentity.
const CognitoIdentityProvider = "cognito-identity.amazonaws.com"

// Token lifetimes and the credential duration Cognito uses.
const (
	OpenIDTokenLifetime    = 10 * time.Minute
	DeveloperTokenLifetime = 15 * time.Minute
	CredentialDuration     = time.Hour
	CredentialsSessionName = "CognitoIdentityCredentials"
	maxIdentityTxAttempts  = 8
)

func identityNotFound(id string) *Error {
	return Errorf(CodeResourceNotFound, "Identity '%s' not found.", id)
}

func identityForbidden(id string) *Error {
	return Errorf(CodeNotAuthorized, "Access to Identity '%s' is forbidden.", id)
}

var (
	errUnauthNotSupported = &Error{Code: CodeNotAuthorized, Message: "Unauthenticated access is not supported for this identity pool."}
	errLoginsDontMatch    = &Error{Code: CodeNotAuthorized, Message: "Logins don't match. Please include at least one valid login for this identity or identity pool."}
	errUnsupportedToken   = &Error{Code: CodeNotAuthorized, Message: "Token is not from a supported provider of this identity pool."}
	errNoRole             = &Error{Code: CodeInvalidIdentityPoolConfig, Message: "Invalid identity pool configuration. Check assigned IAM roles for this pool."}
)

// dataPool returns a pool for the data plane, from the cache.
func (s *Service) dataPool(ctx context.Context, id string) (Pool, error) {
	p, err := s.pools.get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Pool{}, poolNotFound(id)
	}
	if err != nil {
		return Pool{}, fmt.Errorf("identity: load pool %s: %w", id, err)
	}
	return p, nil
}

// loadIdentity returns an identity and its pool.
func (s *Service) loadIdentity(ctx context.Context, id string) (Identity, Pool, error) {
	ident, err := s.store.GetIdentity(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Identity{}, Pool{}, identityNotFound(id)
	}
	if err != nil {
		return Identity{}, Pool{}, fmt.Errorf("identity: load identity %s: %w", id, err)
	}
	p, err := s.dataPool(ctx, ident.PoolID)
	if err != nil {
		return Identity{}, Pool{}, err
	}
	return ident, p, nil
}

// verifyLogins verifies every entry of a Logins map (in key order). The
// developer provider and cognito-identity.amazonaws.com are refused here:
// they are only valid in GetOpenIdTokenForDeveloperIdentity and
// GetCredentialsForIdentity respectively, which handle them first.
func (s *Service) verifyLogins(ctx context.Context, p *Pool, logins map[string]string) ([]VerifiedLogin, error) {
	out := make([]VerifiedLogin, 0, len(logins))
	for _, provider := range slices.Sorted(maps.Keys(logins)) {
		if provider == CognitoIdentityProvider || (p.DeveloperProviderName != "" && provider == p.DeveloperProviderName) {
			return nil, errUnsupportedToken
		}
		if !p.hasProvider(provider) || s.cfg.Logins == nil {
			return nil, errUnsupportedToken
		}
		vl, err := s.cfg.Logins.VerifyLogin(ctx, p, provider, logins[provider])
		if err != nil {
			return nil, err
		}
		if err := s.serverSideTokenCheck(ctx, p, vl); err != nil {
			return nil, err
		}
		out = append(out, vl)
	}
	return out, nil
}

// serverSideTokenCheck asks the user pool about a user-pool login whose
// app client has ServerSideTokenCheck set.
func (s *Service) serverSideTokenCheck(ctx context.Context, p *Pool, vl VerifiedLogin) error {
	if s.cfg.UserPools == nil {
		return nil
	}
	for _, cp := range p.CognitoIdentityProviders {
		if cp.ServerSideTokenCheck == nil || !*cp.ServerSideTokenCheck || cp.ProviderName != vl.Provider {
			continue
		}
		if vl.RoleKey == cp.ProviderName+":"+cp.ClientID {
			return s.cfg.UserPools.CheckUser(ctx, cp.ProviderName, cp.ClientID, vl.Claims)
		}
	}
	return nil
}

// GetID returns the identity for a set of logins, creating it if needed, or
// a new unauthenticated identity when logins is empty. Several logins that
// belong to different identities merge them (the oldest survives).
func (s *Service) GetID(ctx context.Context, poolID string, logins map[string]string) (string, error) {
	p, err := s.dataPool(ctx, poolID)
	if err != nil {
		return "", err
	}
	if len(logins) == 0 {
		if !p.AllowUnauthenticated {
			return "", errUnauthNotSupported
		}
		return s.createGuest(ctx, poolID)
	}
	vls, err := s.verifyLogins(ctx, &p, logins)
	if err != nil {
		return "", err
	}
	ident, err := s.resolve(ctx, &p, "", vls)
	if err != nil {
		return "", err
	}
	return ident.ID, nil
}

// createGuest inserts a new identity without logins: one write.
func (s *Service) createGuest(ctx context.Context, poolID string) (string, error) {
	id, err := s.newID()
	if err != nil {
		return "", err
	}
	now := s.now()
	if err := s.store.CreateIdentity(ctx, Identity{ID: id, PoolID: poolID, CreatedAt: now, UpdatedAt: now}); err != nil {
		return "", fmt.Errorf("identity: create identity: %w", err)
	}
	return id, nil
}

// resolve finds or creates the identity owning logins, atomically:
//   - logins owned by nobody are linked to the target identity (targetID, or
//     the owner of the other logins, or a new identity);
//   - logins owned by different identities merge them: the owner of a
//     pre-existing login survives (the oldest if several), the others are
//     disabled and their logins move to the survivor;
//   - one identity has at most one login per provider (else
//     ResourceConflictException) and at most 20 logins.
//
// The whole resolution runs in one store transaction and is retried when a
// concurrent request linked the same login first (the database's uniqueness
// constraint makes that visible as ErrConflict).
func (s *Service) resolve(ctx context.Context, p *Pool, targetID string, vls []VerifiedLogin) (Identity, error) {
	var result Identity
	for attempt := 0; ; attempt++ {
		newID, err := s.newID()
		if err != nil {
			return Identity{}, err
		}
		now := s.now()
		err = s.store.UpdateIdentities(ctx, func(tx IdentityTx) error {
			r, err := resolveTx(tx, p.ID, p.DeveloperProviderName, targetID, newID, vls, now)
			result = r
			return err
		})
		if errors.Is(err, ErrConflict) && attempt < maxIdentityTxAttempts {
			continue
		}
		if err != nil {
			return Identity{}, wrapStoreErr("resolve logins", err)
		}
		return result, nil
	}
}

func resolveTx(tx IdentityTx, poolID, devProvider, targetID, newID string, vls []VerifiedLogin, now time.Time) (Identity, error) {
	// Collect the distinct identities that own the logins.
	owners := map[string]Identity{}
	var unowned []Login
	for _, vl := range vls {
		o, err := tx.IdentityByLogin(poolID, vl.Login)
		switch {
		case errors.Is(err, ErrNotFound):
			unowned = append(unowned, vl.Login)
		case err != nil:
			return Identity{}, err
		default:
			owners[o.ID] = o
		}
	}
	var target *Identity
	if targetID != "" {
		t, err := tx.GetIdentity(targetID)
		if errors.Is(err, ErrNotFound) {
			return Identity{}, identityNotFound(targetID)
		}
		if err != nil {
			return Identity{}, err
		}
		if t.PoolID != poolID {
			return Identity{}, identityNotFound(targetID)
		}
		if t.Disabled {
			return Identity{}, identityForbidden(targetID)
		}
		target = &t
	}
	// Choose the survivor: the oldest owner of a pre-existing login, else
	// the target, else a new identity.
	var survivor Identity
	if len(owners) > 0 {
		ids := slices.SortedFunc(maps.Keys(owners), func(a, b string) int {
			if c := owners[a].CreatedAt.Compare(owners[b].CreatedAt); c != 0 {
				return c
			}
			if a < b {
				return -1
			}
			return 1
		})
		survivor = owners[ids[0]]
	} else if target != nil {
		survivor = *target
	} else {
		ident := Identity{ID: newID, PoolID: poolID, Logins: unowned, CreatedAt: now, UpdatedAt: now}
		if err := checkLoginSet(ident.Logins, devProvider); err != nil {
			return Identity{}, err
		}
		if err := tx.InsertIdentity(ident); err != nil {
			return Identity{}, err
		}
		return ident, nil
	}
	// Identities to fold into the survivor.
	var losers []Identity
	for id, o := range owners {
		if id != survivor.ID {
			losers = append(losers, o)
		}
	}
	if target != nil && target.ID != survivor.ID {
		if _, owner := owners[target.ID]; !owner {
			losers = append(losers, *target)
		}
	}
	slices.SortFunc(losers, func(a, b Identity) int {
		if a.ID < b.ID {
			return -1
		}
		return 1
	})
	all := slices.Clone(survivor.Logins)
	for _, l := range losers {
		all = append(all, l.Logins...)
	}
	all = append(all, unowned...)
	if err := checkLoginSet(all, devProvider); err != nil {
		return Identity{}, err
	}
	changed := false
	for _, l := range losers {
		if len(l.Logins) > 0 {
			if err := tx.MoveLogins(l.ID, survivor.ID); err != nil {
				return Identity{}, err
			}
		}
		if err := tx.SetIdentityState(l.ID, true, now); err != nil {
			return Identity{}, err
		}
		changed = true
	}
	for _, l := range unowned {
		if err := tx.AddLogin(survivor.ID, poolID, l); err != nil {
			return Identity{}, err
		}
		changed = true
	}
	if changed {
		if err := tx.SetIdentityState(survivor.ID, false, now); err != nil {
			return Identity{}, err
		}
		survivor.Logins = all
		survivor.UpdatedAt = now
	}
	return survivor, nil
}

// checkLoginSet enforces one login per provider (the developer provider
// excepted: merged developer identities keep every developer user) and at
// most 20 logins.
func checkLoginSet(logins []Login, devProvider string) error {
	seen := map[string]string{}
	n := 0
	for _, l := range logins {
		if subj, ok := seen[l.Provider]; ok && l.Provider != devProvider {
			if subj != l.Subject {
				return Errorf(CodeResourceConflict, "Identity already has a login for provider %s.", l.Provider)
			}
			continue
		}
		seen[l.Provider] = l.Subject
		n++
	}
	if n > maxLinkedLoginsPerIdent {
		return Errorf(CodeLimitExceeded, "An identity can have at most %d linked logins.", maxLinkedLoginsPerIdent)
	}
	return nil
}

// authorize establishes who is calling for an identity: with no logins the
// identity must be an unauthenticated one in a pool that allows them; with
// logins, they are verified and linked (or merged) into the identity, and
// at least one must already belong to it if it is authenticated. It
// returns the (possibly merged) identity and the verified logins.
func (s *Service) authorize(ctx context.Context, ident Identity, p *Pool, logins map[string]string) (Identity, []VerifiedLogin, error) {
	if ident.Disabled {
		return Identity{}, nil, identityForbidden(ident.ID)
	}
	if len(logins) == 0 {
		if ident.IsAuthenticated() {
			return Identity{}, nil, identityForbidden(ident.ID)
		}
		if !p.AllowUnauthenticated {
			return Identity{}, nil, errUnauthNotSupported
		}
		return ident, nil, nil
	}
	vls, err := s.verifyLogins(ctx, p, logins)
	if err != nil {
		return Identity{}, nil, err
	}
	if ident.IsAuthenticated() && !ownsAny(ident, vls) {
		// A login owned by another identity merges the two; a login owned
		// by nobody can only be added with proof of one of ours.
		if !anyOwnedElsewhere(ctx, s.store, p.ID, ident.ID, vls) {
			return Identity{}, nil, errLoginsDontMatch
		}
	}
	if ownsAll(ident, vls) {
		return ident, vls, nil
	}
	merged, err := s.resolve(ctx, p, ident.ID, vls)
	if err != nil {
		return Identity{}, nil, err
	}
	return merged, vls, nil
}

func ownsAny(ident Identity, vls []VerifiedLogin) bool {
	for _, vl := range vls {
		if slices.Contains(ident.Logins, vl.Login) {
			return true
		}
	}
	return false
}

func ownsAll(ident Identity, vls []VerifiedLogin) bool {
	for _, vl := range vls {
		if !slices.Contains(ident.Logins, vl.Login) {
			return false
		}
	}
	return true
}

func anyOwnedElsewhere(ctx context.Context, st Store, poolID, identID string, vls []VerifiedLogin) bool {
	for _, vl := range vls {
		o, err := st.IdentityByLogin(ctx, poolID, vl.Login)
		if err == nil && o.ID != identID {
			return true
		}
	}
	return false
}

// amrFor returns the amr claim for an identity and its verified logins.
func amrFor(ident Identity, vls []VerifiedLogin) []string {
	if len(vls) == 0 && !ident.IsAuthenticated() {
		return []string{"unauthenticated"}
	}
	amr := []string{"authenticated"}
	for _, vl := range vls {
		amr = append(amr, vl.AMR...)
	}
	return amr
}

// GetOpenIDToken returns an OpenID token (valid 10 minutes) for an
// identity, after the same login checks as GetCredentialsForIdentity. It is
// refused when the pool disables the classic flow or has role mappings.
func (s *Service) GetOpenIDToken(ctx context.Context, identityID string, logins map[string]string) (string, string, error) {
	ident, p, err := s.loadIdentity(ctx, identityID)
	if err != nil {
		return "", "", err
	}
	if p.AllowClassicFlow != nil && !*p.AllowClassicFlow {
		return "", "", Errorf(CodeInvalidParameter, "Basic (classic) flow is not enabled, please use enhanced flow.")
	}
	if len(p.RoleMappings) > 0 {
		return "", "", Errorf(CodeInvalidParameter, "Basic (classic) flow is not supported with RoleMappings, please use enhanced flow.")
	}
	ident, vls, err := s.authorize(ctx, ident, &p, logins)
	if err != nil {
		return "", "", err
	}
	tok, err := s.cfg.Tokens.Issue(ctx, TokenRequest{
		IdentityID: ident.ID, PoolID: p.ID, PoolARN: s.PoolARN(p.ID), AMR: amrFor(ident, vls),
		PrincipalTags: principalTags(&p, vls), Lifetime: OpenIDTokenLifetime,
	})
	if err != nil {
		return "", "", fmt.Errorf("identity: issue token: %w", err)
	}
	return ident.ID, tok, nil
}

// GetCredentials returns temporary credentials for an identity's role: the
// unauthenticated role for guests, the authenticated role (or the role a
// role mapping chooses) for authenticated logins. An idpool-issued OpenID
// token under the cognito-identity.amazonaws.com key proves the identity
// instead of provider logins.
func (s *Service) GetCredentials(ctx context.Context, identityID string, logins map[string]string, customRoleARN string) (string, Credentials, error) {
	ident, p, err := s.loadIdentity(ctx, identityID)
	if err != nil {
		return "", Credentials{}, err
	}
	var (
		vls  []VerifiedLogin
		amr  []string
		tags map[string]string
	)
	if raw, ok := logins[CognitoIdentityProvider]; ok {
		if len(logins) > 1 {
			return "", Credentials{}, errUnsupportedToken
		}
		if ident.Disabled {
			return "", Credentials{}, identityForbidden(ident.ID)
		}
		c, err := s.cfg.Tokens.Verify(ctx, raw)
		if err != nil {
			return "", Credentials{}, err
		}
		if c.IdentityID != ident.ID || c.PoolID != p.ID {
			return "", Credentials{}, errLoginsDontMatch
		}
		amr, tags = c.AMR, c.PrincipalTags
	} else {
		ident, vls, err = s.authorize(ctx, ident, &p, logins)
		if err != nil {
			return "", Credentials{}, err
		}
		amr, tags = amrFor(ident, vls), principalTags(&p, vls)
	}
	authenticated := len(amr) > 0 && amr[0] == "authenticated"
	role, err := chooseRole(&p, authenticated, vls, customRoleARN)
	if err != nil {
		return "", Credentials{}, err
	}
	creds, err := s.cfg.Minter.Mint(ctx, CredentialRequest{
		RoleARN: role, SessionName: CredentialsSessionName, IdentityID: ident.ID, PoolID: p.ID,
		AMR: amr, PrincipalTags: tags, Duration: CredentialDuration,
	})
	if err != nil {
		return "", Credentials{}, wrapStoreErr("mint credentials", err)
	}
	return ident.ID, creds, nil
}

// chooseRole picks the role for a credentials request: the unauthenticated
// role for guests; for authenticated identities the role chosen by the
// first login's role mapping, else the authenticated role.
func chooseRole(p *Pool, authenticated bool, vls []VerifiedLogin, customRoleARN string) (string, error) {
	if !authenticated {
		if !p.AllowUnauthenticated {
			return "", errUnauthNotSupported
		}
		if r := p.Roles["unauthenticated"]; r != "" {
			return r, nil
		}
		return "", errNoRole
	}
	for _, vl := range vls {
		if strings.Contains(vl.Provider, ":saml-provider/") {
			return samlRole(vl, customRoleARN)
		}
		key := vl.RoleKey
		if key == "" {
			key = vl.Provider
		}
		if m, ok := p.RoleMappings[key]; ok {
			return mapRole(p, key, m, vl, customRoleARN)
		}
	}
	if r := p.Roles["authenticated"]; r != "" {
		return r, nil
	}
	return "", errNoRole
}

// samlRoleAttribute is the SAML attribute listing "role ARN,provider ARN"
// pairs the user may assume.
const samlRoleAttribute = "https://aws.amazon.com/SAML/Attributes/Role"

// samlRole picks the role of a SAML login from its Role attribute: the only
// one, or the one CustomRoleArn names when there are several. The pool's
// roles play no part (SAML logins never fall back to them).
func samlRole(vl VerifiedLogin, customRoleARN string) (string, error) {
	var roles []string
	for _, pair := range claimStrings(vl.Claims[samlRoleAttribute]) {
		for _, part := range strings.Split(pair, ",") {
			if part = strings.TrimSpace(part); strings.Contains(part, ":role/") {
				roles = append(roles, part)
			}
		}
	}
	switch {
	case customRoleARN != "":
		if slices.Contains(roles, customRoleARN) {
			return customRoleARN, nil
		}
		// Inferred message: the role is not one the assertion grants.
		return "", Errorf(CodeNotAuthorized, "Role '%s' is not a valid role for this SAML assertion.", customRoleARN)
	case len(roles) == 1:
		return roles[0], nil
	case len(roles) == 0:
		return "", errNoRole
	}
	return "", Errorf(CodeInvalidParameter, "Multiple roles are available in the SAML assertion: CustomRoleArn must choose one.")
}

// mapRole evaluates one role mapping (Token or Rules) for a login.
func mapRole(p *Pool, key string, m RoleMapping, vl VerifiedLogin, customRoleARN string) (string, error) {
	role := EvaluateRoleMapping(m, vl.Claims, customRoleARN)
	if role != "" {
		return role, nil
	}
	if m.AmbiguousRoleResolution == "AuthenticatedRole" {
		if r := p.Roles["authenticated"]; r != "" {
			return r, nil
		}
		return "", errNoRole
	}
	return "", Errorf(CodeNotAuthorized, "The ambiguous role mapping rules for: %s denied this request.", key)
}

// principalTags returns the principal tags for the verified logins from the
// pool's principal tag maps (tag key → claim name), or the provider kind's
// default mapping when UseDefaults is set and no custom tags are; claims
// that are absent produce no tag.
func principalTags(p *Pool, vls []VerifiedLogin) map[string]string {
	var out map[string]string
	for _, vl := range vls {
		m, ok := p.PrincipalTagMaps[vl.Provider]
		if !ok {
			continue
		}
		mapping := m.Tags
		if len(mapping) == 0 && m.UseDefaults {
			mapping = DefaultPrincipalTags(vl.Provider)
		}
		for tag, claim := range mapping {
			if v, ok := claimString(vl.Claims[claim]); ok {
				if out == nil {
					out = map[string]string{}
				}
				out[tag] = v
			}
		}
	}
	return out
}

func claimString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []string:
		if len(x) > 0 {
			return x[0], true
		}
	case []any:
		if len(x) > 0 {
			s, ok := x[0].(string)
			return s, ok
		}
	case float64, bool, int, int64:
		return fmt.Sprint(x), true
	}
	return "", false
}

// SAML claim names of the default principal tag mapping.
const (
	samlNameIdentifier = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier"
	samlName           = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
)

// DefaultPrincipalTags returns the default principal tag mapping of a
// provider kind (Cognito's "username" and "client" tags): for SAML
// providers the name identifier and name attributes, for Amazon the
// client id and user_id, for every other provider the aud and sub claims.
// The tag key names are inferred from public material, not confirmed.
func DefaultPrincipalTags(provider string) map[string]string {
	switch {
	case strings.Contains(provider, ":saml-provider/"):
		return map[string]string{"username": samlNameIdentifier, "client": samlName}
	case provider == "www.amazon.com":
		return map[string]string{"username": "user_id", "client": "aud"}
	}
	return map[string]string{"username": "sub", "client": "aud"}
}
