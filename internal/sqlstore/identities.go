package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/idpool/idpool/internal/identity"
)

// CreateIdentity inserts the identity and its logins in one transaction.
// Logins listed twice are linked once. It returns an error wrapping
// identity.ErrConflict if the ID is taken or any login is already linked to
// an identity of the pool (the logins primary key decides, so of any number
// of concurrent calls for one login exactly one succeeds), and one wrapping
// identity.ErrNotFound if the pool does not exist. On any error nothing is
// written. Times are stored at millisecond precision.
func (s *Store) CreateIdentity(ctx context.Context, id identity.Identity) error {
	if s.group != nil {
		return s.group.create(ctx, id)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(err, "create identity %s", id.ID)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if err := s.insertIdentityTx(ctx, tx, id); err != nil {
		return s.wrap(err, "create identity %s", id.ID)
	}
	if err := tx.Commit(); err != nil {
		return s.wrap(err, "create identity %s: commit", id.ID)
	}
	return nil
}

// errIDTaken reports that an identity ID is already in use.
var errIDTaken = fmt.Errorf("identity ID taken: %w", identity.ErrConflict)

// insertIdentityTx inserts id and its logins within tx. Taken IDs and logins
// are reported as errors wrapping identity.ErrConflict without failing tx
// (ON CONFLICT DO NOTHING), so tx stays usable.
func (s *Store) insertIdentityTx(ctx context.Context, tx *sql.Tx, id identity.Identity) error {
	if id.ID == "" || id.PoolID == "" {
		return errors.New("empty identity or pool ID")
	}
	res, err := s.insertIdentity.txExec(ctx, tx, id.ID, id.PoolID, id.Disabled, ms(id.CreatedAt), ms(id.UpdatedAt))
	if err != nil {
		return err
	}
	n, err := rowsAffected(res)
	if err != nil {
		return err
	}
	if n == 0 {
		return errIDTaken
	}
	for i, l := range id.Logins {
		if slices.Contains(id.Logins[:i], l) {
			continue
		}
		taken, err := s.addLoginTx(ctx, tx, id.ID, id.PoolID, l)
		if err != nil {
			return err
		}
		if taken {
			return fmt.Errorf("login %s already linked: %w", loginKey(l), identity.ErrConflict)
		}
	}
	return nil
}

// addLoginTx links l to identityID; taken reports that the login was already
// linked (to any identity of the pool) and nothing changed.
func (s *Store) addLoginTx(ctx context.Context, tx *sql.Tx, identityID, poolID string, l identity.Login) (taken bool, err error) {
	res, err := s.insertLogin.txExec(ctx, tx, poolID, l.Provider, l.Subject, identityID)
	if err != nil {
		return false, err
	}
	n, err := rowsAffected(res)
	if err != nil {
		return false, err
	}
	return n == 0, nil
}

// GetIdentity returns the identity with its logins sorted by provider then
// subject, or an error wrapping identity.ErrNotFound. The identity and its
// logins are read by one statement, hence consistently.
func (s *Store) GetIdentity(ctx context.Context, id string) (identity.Identity, error) {
	rows, err := s.getIdentity.query(ctx, id)
	if err != nil {
		return identity.Identity{}, s.wrap(err, "get identity %s", id)
	}
	out, err := scanOneIdentity(rows)
	if err != nil {
		return identity.Identity{}, s.wrap(err, "get identity %s", id)
	}
	return out, nil
}

// IdentityByLogin returns the identity that login l is linked to in the
// pool, with all of its logins, or an error wrapping identity.ErrNotFound.
func (s *Store) IdentityByLogin(ctx context.Context, poolID string, l identity.Login) (identity.Identity, error) {
	rows, err := s.identityByLogin.query(ctx, poolID, l.Provider, l.Subject)
	if err != nil {
		return identity.Identity{}, s.wrap(err, "identity by login %s %s/%s", poolID, l.Provider, l.Subject)
	}
	out, err := scanOneIdentity(rows)
	if err != nil {
		return identity.Identity{}, s.wrap(err, "identity by login %s %s/%s", poolID, l.Provider, l.Subject)
	}
	return out, nil
}

// ListIdentities returns up to limit identities of the pool with IDs
// greater than afterID ("" for the first page), ordered by ID in byte
// order, each with its logins; disabled identities are skipped (and do not
// count towards limit) when hideDisabled. limit must be positive. An unknown
// pool gives an empty list, not an error.
func (s *Store) ListIdentities(ctx context.Context, poolID, afterID string, limit int, hideDisabled bool) ([]identity.Identity, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("sqlstore: list identities of %s: limit %d is not positive", poolID, limit)
	}
	st := s.listIdentities
	if hideDisabled {
		st = s.listEnabledIDs
	}
	rows, err := st.query(ctx, poolID, afterID, limit)
	if err != nil {
		return nil, s.wrap(err, "list identities of %s after %q", poolID, afterID)
	}
	out, err := scanIdentities(rows)
	if err != nil {
		return nil, s.wrap(err, "list identities of %s after %q", poolID, afterID)
	}
	return out, nil
}

// DeleteIdentity deletes the identity and (by cascade, in the same
// statement) its logins, which become free to link again. It returns an
// error wrapping identity.ErrNotFound if there was no such identity.
func (s *Store) DeleteIdentity(ctx context.Context, id string) error {
	res, err := s.deleteIdentity.exec(ctx, id)
	if err != nil {
		return s.wrap(err, "delete identity %s", id)
	}
	n, err := rowsAffected(res)
	if err != nil {
		return s.wrap(err, "delete identity %s", id)
	}
	if n == 0 {
		return fmt.Errorf("sqlstore: delete identity %s: %w", id, identity.ErrNotFound)
	}
	return nil
}

// LoginsByProvider returns up to limit subjects of the given provider linked
// to the identity, greater than afterSubject ("" for the first page), in
// byte order. An unknown identity gives an empty list, not an error. limit
// must be positive.
func (s *Store) LoginsByProvider(ctx context.Context, identityID, provider, afterSubject string, limit int) ([]string, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("sqlstore: logins of %s for %s: limit %d is not positive", identityID, provider, limit)
	}
	rows, err := s.loginsByProvider.query(ctx, identityID, provider, afterSubject, limit)
	if err != nil {
		return nil, s.wrap(err, "logins of %s for %s", identityID, provider)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var sub string
		if err := rows.Scan(&sub); err != nil {
			return nil, s.wrap(err, "logins of %s for %s", identityID, provider)
		}
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "logins of %s for %s", identityID, provider)
	}
	return out, nil
}

// scanOneIdentity reads the rows of one identity (see identityCols) and
// closes rows; no rows means identity.ErrNotFound.
func scanOneIdentity(rows *sql.Rows) (identity.Identity, error) {
	ids, err := scanIdentities(rows)
	if err != nil {
		return identity.Identity{}, err
	}
	if len(ids) == 0 {
		return identity.Identity{}, identity.ErrNotFound
	}
	return ids[0], nil
}

// scanIdentities reads rows of identityCols, ordered by identity, into
// identities with their logins, and closes rows.
func scanIdentities(rows *sql.Rows) ([]identity.Identity, error) {
	defer rows.Close()
	var out []identity.Identity
	for rows.Next() {
		var (
			id                   identity.Identity
			createdMS, updatedMS int64
			provider, subject    sql.NullString
		)
		if err := rows.Scan(&id.ID, &id.PoolID, &id.Disabled, &createdMS, &updatedMS, &provider, &subject); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].ID != id.ID {
			id.CreatedAt, id.UpdatedAt = fromMS(createdMS), fromMS(updatedMS)
			out = append(out, id)
		}
		if provider.Valid {
			last := &out[len(out)-1]
			last.Logins = append(last.Logins, identity.Login{Provider: provider.String, Subject: subject.String})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// loginKey names a login in error messages.
func loginKey(l identity.Login) string { return l.Provider + "/" + l.Subject }
