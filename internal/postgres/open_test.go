package postgres_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/idpool/idpool/internal/pgtest"
	"github.com/idpool/idpool/internal/postgres"
)

// TestConcurrentOpen starts several "nodes" at once on an empty schema: the
// advisory lock must let exactly one of them migrate and all of them open.
func TestConcurrentOpen(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	const nodes = 5
	var wg sync.WaitGroup
	errs := make([]error, nodes)
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := postgres.Open(t.Context(), dsn)
			if err == nil {
				err = s.Ping(t.Context())
				s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: %v", i, err)
		}
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM goose_db_version WHERE version_id = 1").Scan(&n); err != nil {
		t.Fatalf("goose_db_version: %v", err)
	}
	if n != 1 {
		t.Errorf("migration 1 recorded %d times, want 1", n)
	}
}

// TestOpenMissingSchema: a search_path naming no existing schema is an
// error, not tables created somewhere unexpected.
func TestOpenMissingSchema(t *testing.T) {
	base := pgtest.DSN(t)
	s, err := postgres.Open(t.Context(), pgtest.WithSearchPath(t, base, "idpool_no_such_schema"))
	if err == nil {
		s.Close()
		t.Fatal("Open with a missing schema succeeded")
	}
}

// TestOpenUnreachable: no server gives an error quickly, not a hang.
func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	start := time.Now()
	s, err := postgres.Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable")
	if err == nil {
		s.Close()
		t.Fatal("Open of an unreachable server succeeded")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Open took %v to fail", d)
	}
}
