// Package postgres opens idpool's PostgreSQL store, the one to use when
// several idpool nodes serve the same pools: every node opens the same
// database and no node keeps state the others need. The store is the shared
// sqlstore implementation over a pgx/v5 connection pool (pgxpool, bridged to
// database/sql by stdlib.OpenDBFromPool).
//
// The schema is created and upgraded by numbered SQL migrations embedded in
// the binary (migrations/*.sql), applied by goose when Open runs, each in
// its own transaction and recorded in the goose_db_version table. Open
// holds a PostgreSQL session advisory lock while migrating, so any number of
// nodes may start at once: one migrates, the others wait and then find
// nothing to do. The lock is scoped to the schema being migrated (the first
// schema of search_path), so separate idpool deployments in separate schemas
// of one database do not wait for each other.
//
// Tables live in the connection's current schema: choose it with
// search_path in the DSN (for example "...?search_path=idpool"); the schema
// must exist. Durability is PostgreSQL's: a write is acknowledged after its
// commit returns, which with the default synchronous_commit=on means it is
// flushed to the WAL.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/idpool/idpool/internal/sqlstore"
)

// DefaultConnectTimeout bounds each connection attempt when the DSN sets no
// connect_timeout, so that an unreachable server gives a fast error instead
// of a hang.
const DefaultConnectTimeout = 5 * time.Second

//go:embed migrations/*.sql
var embedded embed.FS

// Open connects to the PostgreSQL database named by dsn (a URL
// "postgres://..." or key=value string as accepted by pgx), checks that it
// answers, applies pending migrations to the current schema under an
// advisory lock, and returns the store; the caller must Close it, which also
// closes the connection pool. Pool size and other pool settings come from
// the DSN (pool_max_conns, pool_max_conn_lifetime, ...; see pgxpool). Open
// leaves nothing open when it fails. It does not create the database or the
// schema.
func Open(ctx context.Context, dsn string) (*sqlstore.Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	fail := func(err error) (*sqlstore.Store, error) {
		db.Close()
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := migrate(ctx, db); err != nil {
		return fail(err)
	}
	s, err := sqlstore.New(ctx, sqlstore.Config{
		Dialect:  sqlstore.Postgres,
		Writer:   db,
		Reader:   db,
		Classify: classify,
		// pgx prepares and caches every statement per connection already
		// (QueryExecModeCacheStatement); a *sql.Stmt on top would be
		// re-prepared and deallocated on each call, because OpenDBFromPool
		// keeps no idle connections in database/sql.
		Prepare: false,
		OnClose: pool.Close,
	})
	if err != nil {
		return fail(err)
	}
	return s, nil
}

// migrate applies the embedded migrations db has not seen, holding a
// session advisory lock derived from the current schema's name.
func migrate(ctx context.Context, db *sql.DB) error {
	var schema sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return fmt.Errorf("current schema: %w", err)
	}
	if !schema.Valid {
		return errors.New("no current schema: the schemas in search_path do not exist")
	}
	h := fnv.New64a()
	h.Write([]byte("idpool migrations\x00" + schema.String))
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(int64(h.Sum64())),
		lock.WithLockTimeout(1, 600), // poll every second for up to 10 minutes
	)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	fsys, err := fs.Sub(embedded, "migrations")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	// p.Close would close db, which the store goes on using.
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate schema %s: %w", schema.String, err)
	}
	return nil
}

// classify maps PostgreSQL SQLSTATEs to what they mean to the store.
func classify(err error) sqlstore.ErrorKind {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return sqlstore.KindOther
	}
	switch pgErr.Code {
	case "23505": // unique_violation
		return sqlstore.KindUnique
	case "23503": // foreign_key_violation
		return sqlstore.KindForeignKey
	case "40001", "40P01": // serialization_failure, deadlock_detected
		return sqlstore.KindRetry
	}
	return sqlstore.KindOther
}
