// Package archtest enforces the architecture rules of DESIGN.md with tests.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

// forbidden lists, per domain package, the imports it must never have
// (directly or transitively), with the reason.
var forbidden = map[string]map[string]string{
	"github.com/idpool/idpool/internal/identity": {
		"net/http":     "the domain knows nothing of HTTP; surfaces translate",
		"database/sql": "the domain knows nothing of SQL; backends implement Store",
		"github.com/idpool/idpool/internal/cognitoapi": "surfaces depend on the domain, never the reverse",
		"github.com/idpool/idpool/internal/sqlstore":   "backends depend on the domain, never the reverse",
		"github.com/idpool/idpool/internal/sqlite":     "backends depend on the domain, never the reverse",
		"github.com/idpool/idpool/internal/postgres":   "backends depend on the domain, never the reverse",
	},
	"github.com/idpool/idpool/internal/resources": {
		"net/http":     "resource handlers serve the template engine and Cloud Control alike; surfaces translate",
		"database/sql": "handlers keep their documents through the ValueStore port",
		"github.com/idpool/idpool/internal/cognitoapi": "handlers call the domain, never a surface",
	},
	"github.com/idpool/idpool/internal/token": {
		"database/sql": "keys are stored through the ValueStore port",
		"net/http":     "publishing the JWKS is oidcapi's job",
	},
}

func TestDomainImports(t *testing.T) {
	for pkg, rules := range forbidden {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		deps := map[string]bool{}
		for _, d := range strings.Fields(string(out)) {
			deps[d] = true
		}
		for imp, why := range rules {
			if deps[imp] {
				t.Errorf("%s depends on %s: %s", pkg, imp, why)
			}
		}
	}
}
