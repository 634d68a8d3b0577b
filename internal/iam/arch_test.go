package iam_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDomainImports keeps the domain free of transport and storage
// packages (DESIGN.md, rule 1).
func TestDomainImports(t *testing.T) {
	forbidden := map[string]string{
		"net/http":     "the domain knows nothing of HTTP; internal/iamapi translates",
		"database/sql": "collections are stored through the ValueStore port",
		"github.com/idpool/idpool/internal/iamapi":   "surfaces depend on the domain, never the reverse",
		"github.com/idpool/idpool/internal/sqlite":   "backends depend on the domain, never the reverse",
		"github.com/idpool/idpool/internal/postgres": "backends depend on the domain, never the reverse",
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/idpool/idpool/internal/iam").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if why, bad := forbidden[dep]; bad {
			t.Errorf("internal/iam depends on %s: %s", dep, why)
		}
	}
}
