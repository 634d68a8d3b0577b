package identity

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// DeveloperTokenRequest is the input of GetOpenIdTokenForDeveloperIdentity.
type DeveloperTokenRequest struct {
	PoolID        string
	IdentityID    string // optional: link to this identity
	Logins        map[string]string
	PrincipalTags map[string]string
	TokenDuration time.Duration // 0: 15 minutes
}

func (s *Service) developerPool(ctx context.Context, poolID, provider string) (Pool, error) {
	p, err := s.dataPool(ctx, poolID)
	if err != nil {
		return Pool{}, err
	}
	if p.DeveloperProviderName == "" || provider != p.DeveloperProviderName {
		return Pool{}, Errorf(CodeNotAuthorized, "This identity pool does not support the specified developer provider")
	}
	return p, nil
}

// GetOpenIDTokenForDeveloperIdentity registers (or finds) the identity of a
// developer user — and of any other verified logins given with it — and
// returns it with an OpenID token. With IdentityID, the logins are linked to
// that identity; a developer user already linked to a different identity is
// refused with DeveloperUserAlreadyRegisteredException.
func (s *Service) GetOpenIDTokenForDeveloperIdentity(ctx context.Context, req DeveloperTokenRequest) (string, string, error) {
	p, err := s.dataPool(ctx, req.PoolID)
	if err != nil {
		return "", "", err
	}
	var dev *VerifiedLogin
	others := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(req.Logins)) {
		if p.DeveloperProviderName != "" && k == p.DeveloperProviderName {
			dev = &VerifiedLogin{
				Login: Login{Provider: k, Subject: req.Logins[k]},
				AMR:   []string{k, k + ":" + p.ID + ":" + req.Logins[k]},
			}
			continue
		}
		if !p.hasProvider(k) {
			return "", "", Errorf(CodeNotAuthorized, "This identity pool does not support the specified developer provider")
		}
		others[k] = req.Logins[k]
	}
	if dev == nil && len(others) == 0 {
		return "", "", Errorf(CodeNotAuthorized, "This identity pool does not support the specified developer provider")
	}
	vls, err := s.verifyLogins(ctx, &p, others)
	if err != nil {
		return "", "", err
	}
	if dev != nil {
		vls = append([]VerifiedLogin{*dev}, vls...)
	}
	if req.IdentityID != "" && dev != nil {
		owner, err := s.store.IdentityByLogin(ctx, p.ID, dev.Login)
		if err == nil && owner.ID != req.IdentityID {
			return "", "", Errorf(CodeDeveloperUserAlreadyRegistered, "The provided developer user identifier is already registered with Cognito under a different identity ID.")
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			return "", "", fmt.Errorf("identity: developer login: %w", err)
		}
		target, err := s.store.GetIdentity(ctx, req.IdentityID)
		if errors.Is(err, ErrNotFound) || (err == nil && target.PoolID != p.ID) {
			return "", "", identityNotFound(req.IdentityID)
		}
		if err != nil {
			return "", "", fmt.Errorf("identity: load identity: %w", err)
		}
		if target.IsAuthenticated() && !ownsAny(target, vls) && !hasProviderLogin(target, p.DeveloperProviderName) {
			return "", "", errLoginsDontMatch
		}
	}
	ident, err := s.resolve(ctx, &p, req.IdentityID, vls)
	if err != nil {
		return "", "", err
	}
	lifetime := req.TokenDuration
	if lifetime == 0 {
		lifetime = DeveloperTokenLifetime
	}
	amr := []string{"authenticated"}
	for _, vl := range vls {
		amr = append(amr, vl.AMR...)
	}
	tags := principalTags(&p, vls[boolToInt(dev != nil):])
	if len(req.PrincipalTags) > 0 {
		if tags == nil {
			tags = map[string]string{}
		}
		maps.Copy(tags, req.PrincipalTags)
	}
	tok, err := s.cfg.Tokens.Issue(ctx, TokenRequest{
		IdentityID: ident.ID, PoolID: p.ID, PoolARN: s.PoolARN(p.ID), AMR: amr, PrincipalTags: tags, Lifetime: lifetime,
	})
	if err != nil {
		return "", "", fmt.Errorf("identity: issue token: %w", err)
	}
	return ident.ID, tok, nil
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func hasProviderLogin(ident Identity, provider string) bool {
	for _, l := range ident.Logins {
		if l.Provider == provider {
			return true
		}
	}
	return false
}

// DeveloperLookup is the result of LookupDeveloperIdentity.
type DeveloperLookup struct {
	IdentityID string
	UserIDs    []string
	NextToken  string
}

// LookupDeveloperIdentity finds the identity of a developer user, or the
// developer users of an identity (paginated), or checks that both match
// (ResourceConflictException when they do not).
func (s *Service) LookupDeveloperIdentity(ctx context.Context, poolID, identityID, userID string, maxResults int, nextToken string) (DeveloperLookup, error) {
	p, err := s.loadPool(ctx, poolID)
	if err != nil {
		return DeveloperLookup{}, err
	}
	if identityID == "" && userID == "" {
		return DeveloperLookup{}, Errorf(CodeInvalidParameter, "One of IdentityId or DeveloperUserIdentifier must be specified.")
	}
	if maxResults <= 0 {
		maxResults = 60
	}
	if userID != "" {
		owner, err := s.store.IdentityByLogin(ctx, p.ID, Login{Provider: p.DeveloperProviderName, Subject: userID})
		if errors.Is(err, ErrNotFound) || p.DeveloperProviderName == "" {
			return DeveloperLookup{}, Errorf(CodeResourceNotFound, "Developer user identifier '%s' not found.", userID)
		}
		if err != nil {
			return DeveloperLookup{}, fmt.Errorf("identity: lookup developer user: %w", err)
		}
		if identityID != "" && owner.ID != identityID {
			return DeveloperLookup{}, Errorf(CodeResourceConflict, "The developer user identifier is not associated with the given identity ID.")
		}
		identityID = owner.ID
	}
	ident, err := s.store.GetIdentity(ctx, identityID)
	if errors.Is(err, ErrNotFound) || (err == nil && ident.PoolID != p.ID) {
		return DeveloperLookup{}, identityNotFound(identityID)
	}
	if err != nil {
		return DeveloperLookup{}, fmt.Errorf("identity: lookup identity: %w", err)
	}
	after, err := decodePageToken(nextToken)
	if err != nil {
		return DeveloperLookup{}, err
	}
	out := DeveloperLookup{IdentityID: ident.ID}
	if p.DeveloperProviderName == "" {
		return out, nil
	}
	users, err := s.store.LoginsByProvider(ctx, ident.ID, p.DeveloperProviderName, after, maxResults+1)
	if err != nil {
		return DeveloperLookup{}, fmt.Errorf("identity: developer users: %w", err)
	}
	if len(users) > maxResults {
		users = users[:maxResults]
		out.NextToken = encodePageToken(users[len(users)-1])
	}
	out.UserIDs = users
	return out, nil
}

// MergeDeveloperIdentities moves every login of the source developer
// user's identity to the destination user's identity and disables the
// source identity. It returns the destination identity ID.
func (s *Service) MergeDeveloperIdentities(ctx context.Context, poolID, provider, sourceUser, destUser string) (string, error) {
	p, err := s.loadPool(ctx, poolID)
	if err != nil {
		return "", err
	}
	if p.DeveloperProviderName == "" || provider != p.DeveloperProviderName {
		return "", Errorf(CodeNotAuthorized, "This identity pool does not support the specified developer provider")
	}
	var destID string
	now := s.now()
	err = s.store.UpdateIdentities(ctx, func(tx IdentityTx) error {
		src, err := tx.IdentityByLogin(p.ID, Login{Provider: provider, Subject: sourceUser})
		if errors.Is(err, ErrNotFound) {
			return Errorf(CodeResourceNotFound, "Developer user identifier '%s' not found.", sourceUser)
		}
		if err != nil {
			return err
		}
		dst, err := tx.IdentityByLogin(p.ID, Login{Provider: provider, Subject: destUser})
		if errors.Is(err, ErrNotFound) {
			return Errorf(CodeResourceNotFound, "Developer user identifier '%s' not found.", destUser)
		}
		if err != nil {
			return err
		}
		destID = dst.ID
		if src.ID == dst.ID {
			return nil
		}
		for _, a := range src.Logins {
			for _, b := range dst.Logins {
				if a.Provider == b.Provider && a.Provider != provider && a.Subject != b.Subject {
					return Errorf(CodeResourceConflict, "Identities have different logins for provider %s and cannot be merged.", a.Provider)
				}
			}
		}
		if err := checkLoginSet(append(slices.Clone(dst.Logins), src.Logins...), provider); err != nil && ErrorCode(err) == CodeLimitExceeded {
			return Errorf(CodeInvalidParameter, "An identity can have at most %d linked logins.", maxLinkedLoginsPerIdent)
		}
		if err := tx.MoveLogins(src.ID, dst.ID); err != nil {
			return err
		}
		if err := tx.SetIdentityState(src.ID, true, now); err != nil {
			return err
		}
		return tx.SetIdentityState(dst.ID, false, now)
	})
	if err != nil {
		return "", wrapStoreErr("merge developer identities", err)
	}
	return destID, nil
}

// UnlinkDeveloperIdentity unlinks a developer user from an identity; the
// identity is disabled when no login is left.
func (s *Service) UnlinkDeveloperIdentity(ctx context.Context, poolID, identityID, provider, userID string) error {
	p, err := s.loadPool(ctx, poolID)
	if err != nil {
		return err
	}
	if p.DeveloperProviderName == "" || provider != p.DeveloperProviderName {
		return Errorf(CodeNotAuthorized, "This identity pool does not support the specified developer provider")
	}
	ident, err := s.store.GetIdentity(ctx, identityID)
	if errors.Is(err, ErrNotFound) || (err == nil && ident.PoolID != p.ID) {
		return identityNotFound(identityID)
	}
	if err != nil {
		return fmt.Errorf("identity: load identity: %w", err)
	}
	l := Login{Provider: provider, Subject: userID}
	if !slices.Contains(ident.Logins, l) {
		return Errorf(CodeResourceConflict, "The developer user identifier is not linked to identity '%s'.", identityID)
	}
	return s.unlink(ctx, ident.ID, func(x Login) bool { return x == l })
}
