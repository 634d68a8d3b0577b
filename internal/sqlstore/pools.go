package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/idpool/idpool/internal/identity"
)

// maxPoolUpdateAttempts bounds UpdatePool's compare-and-swap loop. Each lost
// race means another writer succeeded, so with N concurrent writers of one
// pool every one of them finishes within N attempts.
const maxPoolUpdateAttempts = 64

// Pool documents are identity.Pool encoded by encoding/json with its Go
// field names as keys: renaming a field of identity.Pool (or of the types it
// contains) changes the storage format and needs a data migration. Adding a
// field does not. CreatedAt and UpdatedAt live in their own columns and are
// zeroed in the document.
func encodePool(p identity.Pool) (string, error) {
	p.CreatedAt, p.UpdatedAt = time.Time{}, time.Time{}
	b, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("encode pool document: %w", err)
	}
	return string(b), nil
}

func decodePool(doc string, createdMS, updatedMS int64) (identity.Pool, error) {
	var p identity.Pool
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return identity.Pool{}, fmt.Errorf("decode pool document: %w", err)
	}
	p.CreatedAt, p.UpdatedAt = fromMS(createdMS), fromMS(updatedMS)
	return p, nil
}

// CreatePool inserts p with version 1. Its times are stored at millisecond
// precision. It returns an error wrapping identity.ErrConflict if a pool
// with p.ID exists; nothing is changed then. An empty ID is rejected.
func (s *Store) CreatePool(ctx context.Context, p identity.Pool) error {
	if p.ID == "" {
		return errors.New("sqlstore: create pool: empty ID")
	}
	doc, err := encodePool(p)
	if err != nil {
		return s.wrap(err, "create pool %s", p.ID)
	}
	res, err := s.insertPool.exec(ctx, p.ID, p.Name, doc, ms(p.CreatedAt), ms(p.UpdatedAt))
	if err != nil {
		return s.wrap(err, "create pool %s", p.ID)
	}
	n, err := rowsAffected(res)
	if err != nil {
		return s.wrap(err, "create pool %s", p.ID)
	}
	if n == 0 {
		return fmt.Errorf("sqlstore: create pool %s: %w", p.ID, identity.ErrConflict)
	}
	return nil
}

// CreatePoolWithin inserts p as CreatePool does, unless maxPools > 0 and
// at least maxPools pools exist: then it inserts nothing and returns an
// error wrapping identity.ErrLimitExceeded. The count and the insert run in
// one transaction on the writer that first takes the quota lock (on SQLite
// the writer connection's BEGIN IMMEDIATE already excludes other writers; on
// PostgreSQL a transaction advisory lock scoped to the schema), so creations
// racing on any number of nodes never exceed maxPools.
func (s *Store) CreatePoolWithin(ctx context.Context, p identity.Pool, maxPools int) error {
	if maxPools <= 0 {
		return s.CreatePool(ctx, p)
	}
	if p.ID == "" {
		return errors.New("sqlstore: create pool: empty ID")
	}
	doc, err := encodePool(p)
	if err != nil {
		return s.wrap(err, "create pool %s", p.ID)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(err, "create pool %s: begin", p.ID)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if _, err := s.lockPoolQuota.txExec(ctx, tx); err != nil {
		return s.wrap(err, "create pool %s: lock the pool quota", p.ID)
	}
	var n int
	if err := s.countPools.txQueryRow(ctx, tx).Scan(&n); err != nil {
		return s.wrap(err, "create pool %s: count pools", p.ID)
	}
	if n >= maxPools {
		return fmt.Errorf("sqlstore: create pool %s: %d pools exist, the limit is %d: %w", p.ID, n, maxPools, identity.ErrLimitExceeded)
	}
	res, err := s.insertPool.txExec(ctx, tx, p.ID, p.Name, doc, ms(p.CreatedAt), ms(p.UpdatedAt))
	if err != nil {
		return s.wrap(err, "create pool %s", p.ID)
	}
	if n, err := rowsAffected(res); err != nil {
		return s.wrap(err, "create pool %s", p.ID)
	} else if n == 0 {
		return fmt.Errorf("sqlstore: create pool %s: %w", p.ID, identity.ErrConflict)
	}
	if err := tx.Commit(); err != nil {
		return s.wrap(err, "create pool %s: commit", p.ID)
	}
	return nil
}

// GetPool returns the pool with the given ID, or an error wrapping
// identity.ErrNotFound. Every call decodes a fresh copy: the caller may
// modify the result.
func (s *Store) GetPool(ctx context.Context, id string) (identity.Pool, error) {
	p, _, err := s.readPool(ctx, id)
	if err != nil {
		return identity.Pool{}, s.wrap(err, "get pool %s", id)
	}
	return p, nil
}

func (s *Store) readPool(ctx context.Context, id string) (identity.Pool, int64, error) {
	var (
		doc                  string
		version              int64
		createdMS, updatedMS int64
	)
	err := s.getPool.queryRow(ctx, id).Scan(&doc, &version, &createdMS, &updatedMS)
	if errors.Is(err, sql.ErrNoRows) {
		return identity.Pool{}, 0, identity.ErrNotFound
	}
	if err != nil {
		return identity.Pool{}, 0, err
	}
	p, err := decodePool(doc, createdMS, updatedMS)
	return p, version, err
}

// UpdatePool reads the pool, calls fn on a copy and writes the result back
// if the pool's version is still the one read (compare-and-swap). When
// another writer got there first it re-reads and calls fn again, up to
// maxPoolUpdateAttempts times with a short randomised pause between tries,
// then gives up with an error wrapping identity.ErrConflict. fn must
// therefore be safe to call more than once.
//
// If fn returns an error, nothing is written and that error is returned
// unchanged (not wrapped). If the pool does not exist (or is deleted while
// retrying) the error wraps identity.ErrNotFound and fn is not called again.
// fn cannot rename the pool: the ID it leaves is ignored. The returned Pool
// is what was stored, times at millisecond precision in UTC.
func (s *Store) UpdatePool(ctx context.Context, id string, fn func(*identity.Pool) error) (identity.Pool, error) {
	for attempt := 1; ; attempt++ {
		p, version, err := s.readPool(ctx, id)
		if err != nil {
			return identity.Pool{}, s.wrap(err, "update pool %s", id)
		}
		if err := fn(&p); err != nil {
			return identity.Pool{}, err
		}
		p.ID = id
		p.CreatedAt, p.UpdatedAt = normTime(p.CreatedAt), normTime(p.UpdatedAt)
		doc, err := encodePool(p)
		if err != nil {
			return identity.Pool{}, s.wrap(err, "update pool %s", id)
		}
		res, err := s.casPool.exec(ctx, p.Name, doc, ms(p.CreatedAt), ms(p.UpdatedAt), id, version)
		if err != nil {
			return identity.Pool{}, s.wrap(err, "update pool %s", id)
		}
		n, err := rowsAffected(res)
		if err != nil {
			return identity.Pool{}, s.wrap(err, "update pool %s", id)
		}
		if n == 1 {
			return p, nil
		}
		if attempt == maxPoolUpdateAttempts {
			return identity.Pool{}, fmt.Errorf("sqlstore: update pool %s: version changed %d times in a row: %w",
				id, attempt, identity.ErrConflict)
		}
		if err := pause(ctx, attempt); err != nil {
			return identity.Pool{}, s.wrap(err, "update pool %s", id)
		}
	}
}

// pause waits a random time that grows with attempt (capped at ~20ms), or
// until ctx is done.
func pause(ctx context.Context, attempt int) error {
	maxWait := time.Duration(min(attempt, 20)) * time.Millisecond
	t := time.NewTimer(rand.N(maxWait) + time.Millisecond/4)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// DeletePool deletes the pool, and with it (by ON DELETE CASCADE, in the
// same statement) every identity of the pool and every login linked to
// them, so those logins can be linked again. It returns an error wrapping
// identity.ErrNotFound if there was no such pool.
func (s *Store) DeletePool(ctx context.Context, id string) error {
	res, err := s.deletePool.exec(ctx, id)
	if err != nil {
		return s.wrap(err, "delete pool %s", id)
	}
	n, err := rowsAffected(res)
	if err != nil {
		return s.wrap(err, "delete pool %s", id)
	}
	if n == 0 {
		return fmt.Errorf("sqlstore: delete pool %s: %w", id, identity.ErrNotFound)
	}
	return nil
}

// ListPools returns up to limit pools with IDs greater than afterID (""
// for the first page), ordered by ID in byte order. limit must be positive.
func (s *Store) ListPools(ctx context.Context, afterID string, limit int) ([]identity.Pool, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("sqlstore: list pools: limit %d is not positive", limit)
	}
	rows, err := s.listPools.query(ctx, afterID, limit)
	if err != nil {
		return nil, s.wrap(err, "list pools after %q", afterID)
	}
	defer rows.Close()
	var out []identity.Pool
	for rows.Next() {
		var (
			doc                           string
			version, createdMS, updatedMS int64
		)
		if err := rows.Scan(&doc, &version, &createdMS, &updatedMS); err != nil {
			return nil, s.wrap(err, "list pools after %q", afterID)
		}
		p, err := decodePool(doc, createdMS, updatedMS)
		if err != nil {
			return nil, s.wrap(err, "list pools after %q", afterID)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "list pools after %q", afterID)
	}
	return out, nil
}

// CountPools returns how many pools exist.
func (s *Store) CountPools(ctx context.Context) (int, error) {
	var n int
	if err := s.countPools.queryRow(ctx).Scan(&n); err != nil {
		return 0, s.wrap(err, "count pools")
	}
	return n, nil
}
