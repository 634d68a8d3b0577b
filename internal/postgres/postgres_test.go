package postgres_test

import (
	"testing"

	"github.com/idpool/idpool/internal/identity"
	"github.com/idpool/idpool/internal/pgtest"
	"github.com/idpool/idpool/internal/storetest"
)

// Each test opens its own fresh schema (pgtest.FreshSchema), so parallel
// packages never collide; without IDPOOL_TEST_POSTGRES everything skips.
func TestConformance(t *testing.T) {
	pgtest.DSN(t)
	storetest.Run(t, func(t *testing.T) identity.Store { return open(t, pgtest.FreshSchema(t)) },
		storetest.WithReopen(func(t *testing.T) func() identity.Store {
			dsn := pgtest.FreshSchema(t)
			return func() identity.Store { return open(t, dsn) }
		}))
}

func BenchmarkCreateIdentity(b *testing.B) {
	storetest.BenchCreateIdentity(b, open(b, pgtest.FreshSchema(b)))
}

func BenchmarkGetIdentity(b *testing.B) {
	storetest.BenchGetIdentity(b, open(b, pgtest.FreshSchema(b)), 10000)
}
