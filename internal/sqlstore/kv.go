package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/idpool/idpool/internal/identity"
)

// GetValue returns the value stored under key and its version (1 after the
// first PutValue, incremented by each later one), or an error wrapping
// identity.ErrNotFound. A stored empty value comes back as an empty,
// non-nil slice.
func (s *Store) GetValue(ctx context.Context, key string) ([]byte, int64, error) {
	var (
		value   []byte
		version int64
	)
	err := s.getValue.queryRow(ctx, key).Scan(&value, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, fmt.Errorf("sqlstore: get value %q: %w", key, identity.ErrNotFound)
	}
	if err != nil {
		return nil, 0, s.wrap(err, "get value %q", key)
	}
	if value == nil {
		value = []byte{}
	}
	return value, version, nil
}

// PutValue stores value under key if the stored version equals
// expectVersion, where 0 means "key absent" (insert only), and returns the
// new version. It is a single compare-and-swap statement: of concurrent
// writers expecting the same version exactly one succeeds. Otherwise
// (stale version, key already present for 0, key absent for a non-zero
// version) it writes nothing and returns an error wrapping
// identity.ErrConflict. A negative expectVersion is an error.
func (s *Store) PutValue(ctx context.Context, key string, value []byte, expectVersion int64) (int64, error) {
	if expectVersion < 0 {
		return 0, fmt.Errorf("sqlstore: put value %q: negative version %d", key, expectVersion)
	}
	if value == nil {
		value = []byte{} // NOT NULL column; nil and empty are the same value
	}
	now := ms(s.now())
	var (
		res sql.Result
		err error
	)
	if expectVersion == 0 {
		res, err = s.insertValue.exec(ctx, key, value, now)
	} else {
		res, err = s.casValue.exec(ctx, key, value, now, expectVersion)
	}
	if err != nil {
		return 0, s.wrap(err, "put value %q", key)
	}
	n, err := rowsAffected(res)
	if err != nil {
		return 0, s.wrap(err, "put value %q", key)
	}
	if n == 0 {
		return 0, fmt.Errorf("sqlstore: put value %q: version is not %d: %w", key, expectVersion, identity.ErrConflict)
	}
	return expectVersion + 1, nil
}
