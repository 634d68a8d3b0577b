package identity

import (
	"context"
	"time"
)

// Store is the persistence the domain needs. Every backend (sqlite,
// postgres) implements it and passes the storetest conformance suite.
//
// Methods return ErrNotFound when the addressed row does not exist and
// ErrConflict when a uniqueness or compare-and-swap check fails; other errors
// are infrastructure failures. Implementations must be safe for concurrent
// use by many goroutines and by several processes sharing one database.
type Store interface {
	// CreatePool inserts a new pool. ErrConflict if the ID exists.
	CreatePool(ctx context.Context, p Pool) error
	// CreatePoolWithin inserts a new pool as CreatePool does unless
	// maxPools > 0 and at least maxPools pools exist; then it inserts
	// nothing and returns ErrLimitExceeded. Counting and inserting are one
	// atomic step for every node sharing the store, so concurrent creations
	// never take the count past maxPools. maxPools <= 0 means no limit.
	CreatePoolWithin(ctx context.Context, p Pool, maxPools int) error
	// GetPool returns the pool with the given ID.
	GetPool(ctx context.Context, id string) (Pool, error)
	// UpdatePool reads the pool, calls fn on a copy and writes the result
	// back atomically (compare-and-swap; retried internally on a concurrent
	// write). If fn returns an error nothing is written and that error is
	// returned unchanged.
	UpdatePool(ctx context.Context, id string, fn func(*Pool) error) (Pool, error)
	// DeletePool deletes the pool and all of its identities and logins.
	DeletePool(ctx context.Context, id string) error
	// ListPools returns up to limit pools ordered by ID, starting after the
	// given ID ("" for the first page).
	ListPools(ctx context.Context, afterID string, limit int) ([]Pool, error)
	// CountPools returns how many pools exist.
	CountPools(ctx context.Context) (int, error)

	// CreateIdentity inserts an identity together with its logins in one
	// transaction. ErrConflict if the ID or any login is already taken (one
	// login belongs to at most one identity per pool: a database
	// constraint).
	CreateIdentity(ctx context.Context, id Identity) error
	// GetIdentity returns the identity with its logins.
	GetIdentity(ctx context.Context, id string) (Identity, error)
	// IdentityByLogin returns the identity a login is linked to in a pool.
	IdentityByLogin(ctx context.Context, poolID string, l Login) (Identity, error)
	// ListIdentities returns up to limit identities of a pool ordered by ID,
	// starting after afterID; disabled ones are skipped when hideDisabled.
	ListIdentities(ctx context.Context, poolID, afterID string, limit int, hideDisabled bool) ([]Identity, error)
	// DeleteIdentity deletes an identity and its logins. ErrNotFound if absent.
	DeleteIdentity(ctx context.Context, id string) error
	// LoginsByProvider lists the subjects of one provider linked to an
	// identity, ordered, starting after afterSubject, up to limit.
	LoginsByProvider(ctx context.Context, identityID, provider, afterSubject string, limit int) ([]string, error)

	// UpdateIdentities runs fn in one transaction over the identities it
	// touches. It is how links, unlinks and merges happen atomically. If fn
	// returns an error the transaction is rolled back and the error
	// returned; ErrConflict from a constraint lets the caller retry.
	UpdateIdentities(ctx context.Context, fn func(tx IdentityTx) error) error

	// GetValue and PutValue keep small named documents (signing keys, admin
	// credentials, sealing keys) shared by every node. GetValue returns the
	// value and its version (ErrNotFound if absent). PutValue writes value if
	// the stored version equals expectVersion (0: the key must not exist yet)
	// and returns the new version; ErrConflict otherwise.
	GetValue(ctx context.Context, key string) (value []byte, version int64, err error)
	PutValue(ctx context.Context, key string, value []byte, expectVersion int64) (int64, error)

	// Ping checks that the store is reachable.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}

// IdentityTx is the view of the store inside UpdateIdentities. Reads see the
// transaction's own writes.
type IdentityTx interface {
	GetIdentity(id string) (Identity, error)
	IdentityByLogin(poolID string, l Login) (Identity, error)
	// InsertIdentity inserts an identity (with its logins).
	InsertIdentity(id Identity) error
	// AddLogin links a login to an identity; ErrConflict if already linked.
	AddLogin(identityID, poolID string, l Login) error
	// RemoveLogin unlinks a login; ErrNotFound if it was not linked there.
	RemoveLogin(identityID string, l Login) error
	// MoveLogins moves every login of identity from to identity to.
	MoveLogins(from, to string) error
	// SetIdentityState sets the disabled flag and the modification time.
	SetIdentityState(identityID string, disabled bool, updatedAt time.Time) error
}
