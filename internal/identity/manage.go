package identity

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// UnlinkIdentity removes the logins of the named providers from an
// identity, given proof (logins) that includes at least one login of the
// identity. Removing the last login disables the identity; the unlinked
// logins become new identities the next time they are seen.
func (s *Service) UnlinkIdentity(ctx context.Context, identityID string, logins map[string]string, providers []string) error {
	ident, p, err := s.loadIdentity(ctx, identityID)
	if err != nil {
		return err
	}
	if ident.Disabled {
		return identityForbidden(ident.ID)
	}
	vls, err := s.verifyLogins(ctx, &p, logins)
	if err != nil {
		return err
	}
	if !ownsAny(ident, vls) {
		return errLoginsDontMatch
	}
	return s.unlink(ctx, ident.ID, func(l Login) bool { return slices.Contains(providers, l.Provider) })
}

// unlink removes the identity's logins selected by drop in one transaction
// and disables the identity when none is left.
func (s *Service) unlink(ctx context.Context, identityID string, drop func(Login) bool) error {
	now := s.now()
	err := s.store.UpdateIdentities(ctx, func(tx IdentityTx) error {
		ident, err := tx.GetIdentity(identityID)
		if err != nil {
			return err
		}
		left := 0
		for _, l := range ident.Logins {
			if !drop(l) {
				left++
				continue
			}
			if err := tx.RemoveLogin(ident.ID, l); err != nil {
				return err
			}
		}
		return tx.SetIdentityState(ident.ID, left == 0 && len(ident.Logins) > 0 || ident.Disabled, now)
	})
	if errors.Is(err, ErrNotFound) {
		return identityNotFound(identityID)
	}
	return wrapStoreErrNil("unlink", err)
}

func wrapStoreErrNil(op string, err error) error {
	if err == nil {
		return nil
	}
	return wrapStoreErr(op, err)
}

// DescribeIdentity returns an identity with its logins.
func (s *Service) DescribeIdentity(ctx context.Context, identityID string) (Identity, error) {
	ident, err := s.store.GetIdentity(ctx, identityID)
	if errors.Is(err, ErrNotFound) {
		return Identity{}, identityNotFound(identityID)
	}
	if err != nil {
		return Identity{}, fmt.Errorf("identity: describe identity: %w", err)
	}
	return ident, nil
}

// ListIdentities returns one page of a pool's identities (ordered by ID)
// and the token of the next page.
func (s *Service) ListIdentities(ctx context.Context, poolID string, maxResults int, nextToken string, hideDisabled bool) ([]Identity, string, error) {
	if _, err := s.loadPool(ctx, poolID); err != nil {
		return nil, "", err
	}
	after, err := decodePageToken(nextToken)
	if err != nil {
		return nil, "", err
	}
	ids, err := s.store.ListIdentities(ctx, poolID, after, maxResults+1, hideDisabled)
	if err != nil {
		return nil, "", fmt.Errorf("identity: list identities: %w", err)
	}
	next := ""
	if len(ids) > maxResults {
		ids = ids[:maxResults]
		next = encodePageToken(ids[len(ids)-1].ID)
	}
	return ids, next, nil
}

// UnprocessedIdentity is an identity DeleteIdentities could not delete.
type UnprocessedIdentity struct {
	IdentityID string
	ErrorCode  string // AccessDenied or InternalServerError
}

// DeleteIdentities deletes identities; unknown IDs count as deleted. Those
// that failed are returned with InternalServerError.
func (s *Service) DeleteIdentities(ctx context.Context, ids []string) []UnprocessedIdentity {
	var out []UnprocessedIdentity
	for _, id := range ids {
		err := s.store.DeleteIdentity(ctx, id)
		if err != nil && !errors.Is(err, ErrNotFound) {
			out = append(out, UnprocessedIdentity{IdentityID: id, ErrorCode: "InternalServerError"})
		}
	}
	return out
}
