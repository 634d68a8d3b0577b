package sqlstore

import (
	"strings"
	"testing"
)

func TestRebind(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SELECT $1, $2", "SELECT ?1, ?2"},
		{"SELECT $2, $1, $10", "SELECT ?2, ?1, ?10"},
		{"WHERE a = $1 AND b = '$2' AND c = $3", "WHERE a = ?1 AND b = '$2' AND c = ?3"},
		{`SELECT "col$1", $1`, `SELECT "col$1", ?1`},
		{"SELECT 'it''s $1', $2", "SELECT 'it''s $1', ?2"},
		{"SELECT $1 -- $2\n, $3", "SELECT ?1 -- $2\n, ?3"},
		{"SELECT $1 /* $2 */ , $3", "SELECT ?1 /* $2 */ , ?3"},
		{"SELECT $a, $ , $", "SELECT $a, $ , $"},
		{"SELECT 'unterminated $1", "SELECT 'unterminated $1"},
		{"SELECT $1 -- trailing $2", "SELECT ?1 -- trailing $2"},
		{"SELECT /* open $1", "SELECT /* open $1"},
		{"", ""},
	} {
		if got := rebind(tc.in); got != tc.want {
			t.Errorf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestPrepareSQL checks that every statement resolves all dialect markers
// and, for SQLite, keeps no $N placeholder.
func TestPrepareSQL(t *testing.T) {
	all := []string{
		qGetPool, qInsertPool, qCASPool, qDeletePool, qListPools, qCountPools,
		qGetIdentity, qGetIdentityTx, qIdentityByLogin, qIdentityByLoginTx,
		qListIdentities, qListEnabledIdentities, qInsertIdentity, qInsertLogin,
		qDeleteIdentity, qLoginsByProvider, qIdentityPoolTx, qRemoveLogin,
		qMoveLogins, qSetIdentityState, qGetValue, qInsertValue, qCASValue,
	}
	for d := range dialectSQL {
		for _, q := range all {
			got := prepareSQL(d, q)
			if strings.Contains(got, "{{") {
				t.Errorf("%s: unresolved marker in %q", d, got)
			}
			if d == SQLite && strings.Contains(got, "$") {
				t.Errorf("%s: $ placeholder left in %q", d, got)
			}
		}
	}
	if got := prepareSQL(Postgres, qGetIdentityTx); !strings.HasSuffix(got, "FOR UPDATE OF i") {
		t.Errorf("postgres transaction read does not lock: %q", got)
	}
}

func FuzzRebind(f *testing.F) {
	f.Add("SELECT $1, '$2', \"$3\" -- $4\n /* $5 */ $6")
	f.Fuzz(func(t *testing.T, q string) {
		got := rebind(q)
		if len(got) != len(q) {
			t.Fatalf("rebind changed the length: %q → %q", q, got)
		}
	})
}
