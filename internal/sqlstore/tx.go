package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/idpool/idpool/internal/identity"
)

// UpdateIdentities runs fn in one transaction on the writer database and
// commits if fn returns nil.
//
// On SQLite the transaction begins with BEGIN IMMEDIATE on the single
// writer connection, so it runs alone. On PostgreSQL it is a READ COMMITTED
// transaction whose identity reads (GetIdentity, IdentityByLogin and the
// existence checks of the other methods) lock the identity rows they touch
// until the end, so concurrent transactions on one identity serialise.
//
// If fn returns an error the transaction is rolled back and that error is
// returned unchanged. A login or ID already taken is reported to fn by
// AddLogin/InsertIdentity as an error wrapping identity.ErrConflict while
// the transaction stays usable, so fn may react to it. Any other statement
// failure is sticky: that method and every later one return it, and if fn
// swallows it and returns nil, UpdateIdentities rolls back anyway and
// returns it, wrapping identity.ErrConflict for a deadlock or unique
// violation (the caller may retry) and identity.ErrNotFound for a reference
// to a missing row (such as an identity of a deleted pool).
// fn must do its reads and writes through tx only, and not keep tx after it
// returns: calling the Store itself from fn would wait for the connection
// (SQLite) or the row locks (PostgreSQL) that the transaction holds. fn runs
// once; retrying after ErrConflict is the caller's decision.
func (s *Store) UpdateIdentities(ctx context.Context, fn func(tx identity.IdentityTx) error) error {
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(err, "update identities: begin")
	}
	defer sqlTx.Rollback() //nolint:errcheck // no-op after Commit
	t := &identityTx{s: s, ctx: ctx, tx: sqlTx}
	if err := fn(t); err != nil {
		return err
	}
	if t.failed != nil {
		return t.failed
	}
	if err := sqlTx.Commit(); err != nil {
		return s.wrap(err, "update identities: commit")
	}
	return nil
}

// identityTx implements identity.IdentityTx on one *sql.Tx.
type identityTx struct {
	s      *Store
	ctx    context.Context
	tx     *sql.Tx
	failed error // first statement failure; the transaction is dead after it
}

var _ identity.IdentityTx = (*identityTx)(nil)

// fail records a statement failure (wrapped with context) and returns it.
func (t *identityTx) fail(err error, format string, args ...any) error {
	err = t.s.wrap(err, "update identities: "+format, args...)
	if t.failed == nil {
		t.failed = err
	}
	return err
}

// GetIdentity returns the identity as the transaction sees it (its own
// writes included), or an error wrapping identity.ErrNotFound.
func (t *identityTx) GetIdentity(id string) (identity.Identity, error) {
	if t.failed != nil {
		return identity.Identity{}, t.failed
	}
	rows, err := t.s.getIdentityTx.txQuery(t.ctx, t.tx, id)
	if err != nil {
		return identity.Identity{}, t.fail(err, "get identity %s", id)
	}
	out, err := scanOneIdentity(rows)
	if errors.Is(err, identity.ErrNotFound) {
		return identity.Identity{}, fmt.Errorf("sqlstore: update identities: get identity %s: %w", id, err)
	}
	if err != nil {
		return identity.Identity{}, t.fail(err, "get identity %s", id)
	}
	return out, nil
}

// IdentityByLogin returns the identity l is linked to in the pool, as the
// transaction sees it, or an error wrapping identity.ErrNotFound.
func (t *identityTx) IdentityByLogin(poolID string, l identity.Login) (identity.Identity, error) {
	if t.failed != nil {
		return identity.Identity{}, t.failed
	}
	rows, err := t.s.identityByLoginTx.txQuery(t.ctx, t.tx, poolID, l.Provider, l.Subject)
	if err != nil {
		return identity.Identity{}, t.fail(err, "identity by login %s %s", poolID, loginKey(l))
	}
	out, err := scanOneIdentity(rows)
	if errors.Is(err, identity.ErrNotFound) {
		return identity.Identity{}, fmt.Errorf("sqlstore: update identities: identity by login %s %s: %w", poolID, loginKey(l), err)
	}
	if err != nil {
		return identity.Identity{}, t.fail(err, "identity by login %s %s", poolID, loginKey(l))
	}
	return out, nil
}

// InsertIdentity inserts the identity with its logins. If the ID or a login
// is taken it returns an error wrapping identity.ErrConflict and leaves
// nothing of id behind (the transaction stays usable); if the pool does not
// exist, an error wrapping identity.ErrNotFound (the transaction is dead).
func (t *identityTx) InsertIdentity(id identity.Identity) error {
	if t.failed != nil {
		return t.failed
	}
	err := t.s.insertIdentityTx(t.ctx, t.tx, id)
	if err == nil {
		return nil
	}
	if !errors.Is(err, identity.ErrConflict) {
		return t.fail(err, "insert identity %s", id.ID)
	}
	// A taken login after the identity row went in: remove what this call
	// wrote (its logins go by cascade). A taken ID wrote nothing.
	if !errors.Is(err, errIDTaken) {
		if _, derr := t.s.deleteIdentity.txExec(t.ctx, t.tx, id.ID); derr != nil {
			return t.fail(derr, "insert identity %s: undo", id.ID)
		}
	}
	return fmt.Errorf("sqlstore: update identities: insert identity %s: %w", id.ID, err)
}

// lockIdentityPool returns the pool of an identity, locking the identity
// row on PostgreSQL; notFound reports that there is no such identity.
func (t *identityTx) lockIdentityPool(id string) (poolID string, err error) {
	err = t.s.identityPoolTx.txQueryRow(t.ctx, t.tx, id).Scan(&poolID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", identity.ErrNotFound
	}
	return poolID, err
}

// AddLogin links l to the identity, which must belong to poolID. It returns
// an error wrapping identity.ErrNotFound if there is no such identity in
// that pool, and one wrapping identity.ErrConflict if l is already linked to
// any identity of the pool (this one included); in both cases nothing
// changes and the transaction stays usable.
func (t *identityTx) AddLogin(identityID, poolID string, l identity.Login) error {
	if t.failed != nil {
		return t.failed
	}
	owner, err := t.lockIdentityPool(identityID)
	if errors.Is(err, identity.ErrNotFound) || (err == nil && owner != poolID) {
		return fmt.Errorf("sqlstore: update identities: add login %s to %s: identity not in pool %s: %w",
			loginKey(l), identityID, poolID, identity.ErrNotFound)
	}
	if err != nil {
		return t.fail(err, "add login %s to %s", loginKey(l), identityID)
	}
	taken, err := t.s.addLoginTx(t.ctx, t.tx, identityID, poolID, l)
	if err != nil {
		return t.fail(err, "add login %s to %s", loginKey(l), identityID)
	}
	if taken {
		return fmt.Errorf("sqlstore: update identities: add login %s to %s: already linked: %w",
			loginKey(l), identityID, identity.ErrConflict)
	}
	return nil
}

// RemoveLogin unlinks l from the identity. It returns an error wrapping
// identity.ErrNotFound if l was not linked to that identity.
func (t *identityTx) RemoveLogin(identityID string, l identity.Login) error {
	if t.failed != nil {
		return t.failed
	}
	if _, err := t.lockIdentityPool(identityID); err != nil && !errors.Is(err, identity.ErrNotFound) {
		return t.fail(err, "remove login %s from %s", loginKey(l), identityID)
	}
	res, err := t.s.removeLogin.txExec(t.ctx, t.tx, identityID, l.Provider, l.Subject)
	if err != nil {
		return t.fail(err, "remove login %s from %s", loginKey(l), identityID)
	}
	n, err := rowsAffected(res)
	if err != nil {
		return t.fail(err, "remove login %s from %s", loginKey(l), identityID)
	}
	if n == 0 {
		return fmt.Errorf("sqlstore: update identities: remove login %s from %s: %w",
			loginKey(l), identityID, identity.ErrNotFound)
	}
	return nil
}

// MoveLogins relinks every login of identity from to identity to. Both must
// exist (else an error wrapping identity.ErrNotFound) and belong to the same
// pool (else an error); nothing changes on error. from keeps existing, with
// no logins. Moving an identity's logins to itself is a no-op.
func (t *identityTx) MoveLogins(from, to string) error {
	if t.failed != nil {
		return t.failed
	}
	// Lock in ID order so that two opposite moves cannot deadlock.
	first, second := min(from, to), max(from, to)
	pools := map[string]string{}
	for _, id := range []string{first, second} {
		p, err := t.lockIdentityPool(id)
		if errors.Is(err, identity.ErrNotFound) {
			return fmt.Errorf("sqlstore: update identities: move logins %s to %s: identity %s: %w", from, to, id, err)
		}
		if err != nil {
			return t.fail(err, "move logins %s to %s", from, to)
		}
		pools[id] = p
	}
	if pools[from] != pools[to] {
		return fmt.Errorf("sqlstore: update identities: move logins %s to %s: identities of different pools (%s, %s)",
			from, to, pools[from], pools[to])
	}
	if from == to {
		return nil
	}
	if _, err := t.s.moveLogins.txExec(t.ctx, t.tx, from, to); err != nil {
		return t.fail(err, "move logins %s to %s", from, to)
	}
	return nil
}

// SetIdentityState sets the identity's disabled flag and modification time
// (stored at millisecond precision). It returns an error wrapping
// identity.ErrNotFound if there is no such identity.
func (t *identityTx) SetIdentityState(identityID string, disabled bool, updatedAt time.Time) error {
	if t.failed != nil {
		return t.failed
	}
	res, err := t.s.setIdentityState.txExec(t.ctx, t.tx, identityID, disabled, ms(updatedAt))
	if err != nil {
		return t.fail(err, "set state of %s", identityID)
	}
	n, err := rowsAffected(res)
	if err != nil {
		return t.fail(err, "set state of %s", identityID)
	}
	if n == 0 {
		return fmt.Errorf("sqlstore: update identities: set state of %s: %w", identityID, identity.ErrNotFound)
	}
	return nil
}
