// Package pgtest gives tests an isolated PostgreSQL schema on the server
// named by IDPOOL_TEST_POSTGRES, so that tests and packages running in
// parallel never share tables. Without the variable, tests skip with a
// message saying how to run them.
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// EnvDSN names the environment variable holding the DSN of a PostgreSQL
// server the tests may create schemas in.
const EnvDSN = "IDPOOL_TEST_POSTGRES"

// DSN returns the test server's DSN, or skips the test when
// IDPOOL_TEST_POSTGRES is not set.
func DSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		tb.Skipf("%s is not set: skipping PostgreSQL tests (to run them: %s='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable')", EnvDSN, EnvDSN)
	}
	return dsn
}

// FreshSchema creates a uniquely named, empty schema, drops it (with
// everything in it) when the test ends, and returns a DSN whose search_path
// selects it.
func FreshSchema(tb testing.TB) string {
	tb.Helper()
	base := DSN(tb)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open %s: %v", EnvDSN, err)
	}
	schema := "idpool_test_" + strings.ToLower(rand.Text()[:16])
	if _, err := admin.ExecContext(tb.Context(), "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return WithSearchPath(tb, base, schema)
}

// WithSearchPath returns dsn (URL or key=value form) with search_path set.
func WithSearchPath(tb testing.TB, dsn, schema string) string {
	tb.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatalf("parse %s: %v", EnvDSN, err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}
