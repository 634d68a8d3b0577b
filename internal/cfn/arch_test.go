package cfn_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports keeps the template engine pure: no transport, no storage, no
// dependency on the packages that use it (DESIGN.md, rules 1 and 2).
func TestImports(t *testing.T) {
	forbidden := map[string]string{
		"net/http":     "the engine knows nothing of HTTP; a surface or cmd/idpool drives it",
		"database/sql": "stack state is persisted through the StateStore port",
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/idpool/idpool/internal/cfn").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if why, bad := forbidden[dep]; bad {
			t.Errorf("internal/cfn depends on %s: %s", dep, why)
		}
		if strings.HasPrefix(dep, "github.com/idpool/idpool/") && dep != "github.com/idpool/idpool/internal/cfn" {
			t.Errorf("internal/cfn depends on %s: providers depend on the engine, never the reverse", dep)
		}
	}
}
