// Package sqlstore implements identity.Store once, over database/sql, for
// every SQL backend idpool supports (SQLite and PostgreSQL).
//
// The SQL is hand-written once with PostgreSQL's $1..$N placeholders; for
// SQLite each statement is rewritten mechanically to ?1..?N, which every
// SQLite driver binds by number. The few statements that differ
// between engines live in one small table (dialectSQL). The schema itself is
// not created here: each backend package (internal/sqlite,
// internal/postgres) opens its database, applies its own embedded
// migrations, and hands the resulting *sql.DB handles to New.
//
// Data layout (identical in both backends):
//
//	pools       id PK, name, doc (the whole identity.Pool as JSON), version,
//	            created_ms, updated_ms
//	identities  id PK, pool_id → pools ON DELETE CASCADE, disabled,
//	            created_ms, updated_ms; UNIQUE (pool_id, id)
//	logins      PRIMARY KEY (pool_id, provider, subject), identity_id;
//	            (pool_id, identity_id) → identities ON DELETE CASCADE
//	kv          name PK, value, version, updated_ms
//
// Times are stored as BIGINT milliseconds since the Unix epoch and come back
// in UTC, so any time.Time given to the store round-trips at millisecond
// precision. "One login belongs to one identity" is the logins primary key,
// not a check in Go, so it holds across goroutines, processes and nodes.
//
// Errors are wrapped with the operation and the key ("sqlstore: get pool
// p1: ...") and wrap identity.ErrNotFound or identity.ErrConflict where the
// identity.Store contract asks for them; anything else is an infrastructure
// failure and wraps the driver's error.
package sqlstore
