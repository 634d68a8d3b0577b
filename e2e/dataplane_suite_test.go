package e2e

import (
	"testing"

	"github.com/idpool/idpool/internal/testserver"
)

// TestDataplane drives the identity data plane of a real idpool server
// with real clients: one server per backend (SQLite always, PostgreSQL when
// IDPOOL_TEST_POSTGRES is set), and every flow as a concurrent subtest on its
// own pools (all at once, see dpGroup). On PostgreSQL a second node shares
// the database, and every flow's credentials are also checked there;
// TestDataplaneTwoNodes has the other cross-node checks.
func TestDataplane(t *testing.T) {
	t.Parallel()
	dpBackends(t, func(t *testing.T, backend []testserver.Option) {
		e := startDP(t, backend...)
		if len(backend) > 0 {
			// PostgreSQL: a second node on the same database; every flow
			// checks that its credentials work there too.
			e.peer = testserver.Start(t, testserver.SharingStoreWith(e.srv))
		}
		g := dpGo(t)
		defer g.Wait()
		for _, tc := range []struct {
			name string
			fn   func(*testing.T, *dpEnv)
		}{
			{"go/guest", dataplaneGuestGoSDK},
			{"go/developer", dataplaneDeveloperGoSDK},
			{"go/classic", dataplaneClassicGoSDK},
			{"go/tokens", dataplaneTokens},
			{"go/errors", dataplaneErrors},
			{"go/concurrent-developer-login", dataplaneConcurrentDeveloperLogin},
			{"boto3", dataplaneBoto3},
			{"cli", dataplaneCLI},
			{"js", dataplaneJS},
		} {
			g.Run(tc.name, func(t *testing.T) {
				tc.fn(t, e)
			})
		}
	})
}
