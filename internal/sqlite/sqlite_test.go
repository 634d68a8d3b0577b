package sqlite_test

import (
	"testing"

	"github.com/idpool/idpool/internal/identity"
	"github.com/idpool/idpool/internal/sqlite"
	"github.com/idpool/idpool/internal/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) identity.Store { return open(t, t.TempDir()) },
		storetest.WithReopen(func(t *testing.T) func() identity.Store {
			dir := t.TempDir()
			return func() identity.Store { return open(t, dir) }
		}))
}

// open opens the store in dir and closes it when the test ends (closing
// twice is harmless).
func open(tb testing.TB, dir string) identity.Store {
	tb.Helper()
	s, err := sqlite.Open(tb.Context(), dir)
	if err != nil {
		tb.Fatalf("sqlite.Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkCreateIdentity(b *testing.B) { storetest.BenchCreateIdentity(b, open(b, b.TempDir())) }
func BenchmarkGetIdentity(b *testing.B)    { storetest.BenchGetIdentity(b, open(b, b.TempDir()), 10000) }
