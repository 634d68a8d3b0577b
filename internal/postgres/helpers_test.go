package postgres_test

import (
	"testing"

	"github.com/idpool/idpool/internal/postgres"
	"github.com/idpool/idpool/internal/sqlstore"
)

// open opens the store on dsn and closes it when the test ends (closing
// twice is harmless).
func open(tb testing.TB, dsn string) *sqlstore.Store {
	tb.Helper()
	s, err := postgres.Open(tb.Context(), dsn)
	if err != nil {
		tb.Fatalf("postgres.Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}
