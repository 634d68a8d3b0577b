package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/idpool/idpool/internal/identity"
)

// TestPragmas checks that the connection strings give the settings the
// package documents, as SQLite reports them.
func TestPragmas(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(t.Context(), dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	for _, tc := range []struct {
		name string
		dsn  string
		want map[string]string
	}{
		{"writer", writerDSN(path), map[string]string{
			"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1",
			"busy_timeout": fmt.Sprint(BusyTimeoutMS), "query_only": "0",
		}},
		{"reader", readerDSN(path), map[string]string{
			"journal_mode": "wal", "foreign_keys": "1",
			"busy_timeout": fmt.Sprint(BusyTimeoutMS), "query_only": "1",
		}},
	} {
		db, err := sql.Open("sqlite", tc.dsn)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for pragma, want := range tc.want {
			var got string
			if err := db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
				t.Fatalf("%s: PRAGMA %s: %v", tc.name, pragma, err)
			}
			if got != want {
				t.Errorf("%s: PRAGMA %s = %s, want %s", tc.name, pragma, got, want)
			}
		}
		db.Close()
	}
}

// TestMigrationsRecorded checks that Open records the applied migrations
// and that opening again applies nothing twice.
func TestMigrationsRecorded(t *testing.T) {
	dir := t.TempDir()
	for range 2 {
		s, err := Open(t.Context(), dir)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		s.Close()
	}
	db, err := sql.Open("sqlite", readerDSN(filepath.Join(dir, FileName)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, maxVersion int
	if err := db.QueryRow("SELECT COUNT(*), MAX(version_id) FROM goose_db_version WHERE version_id > 0").Scan(&n, &maxVersion); err != nil {
		t.Fatalf("goose_db_version: %v", err)
	}
	if n != 1 || maxVersion != 1 {
		t.Errorf("applied migrations: %d rows, max version %d; want 1, 1", n, maxVersion)
	}
}

// TestTwoProcesses opens the same database twice, as two idpool processes
// would, and races them for one login: the database constraint (and
// busy_timeout between the two writers) must let exactly one win.
func TestTwoProcesses(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	a, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.CreatePool(ctx, identity.Pool{ID: "p", Name: "p"}); err != nil {
		t.Fatal(err)
	}
	const n = 50
	errs := make(chan error, n)
	for i := range n {
		s := a
		if i%2 == 1 {
			s = b
		}
		go func() {
			errs <- s.CreateIdentity(ctx, identity.Identity{
				ID: fmt.Sprintf("id-%d", i), PoolID: "p",
				Logins: []identity.Login{{Provider: "dev", Subject: "same"}},
			})
		}()
	}
	wins := 0
	for range n {
		err := <-errs
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, identity.ErrConflict):
			t.Errorf("CreateIdentity: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d CreateIdentity calls won, want 1", wins)
	}
	// Each process sees the other's write.
	x, err := a.IdentityByLogin(ctx, "p", identity.Login{Provider: "dev", Subject: "same"})
	if err != nil {
		t.Fatal(err)
	}
	y, err := b.GetIdentity(ctx, x.ID)
	if err != nil || y.ID != x.ID {
		t.Fatalf("second store: GetIdentity(%s) = %v, %v", x.ID, y.ID, err)
	}
}

// TestOpenErrors checks Open's failures leave nothing behind.
func TestOpenErrors(t *testing.T) {
	if _, err := Open(t.Context(), ""); err == nil {
		t.Errorf("Open(\"\") succeeded")
	}
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(t.Context(), file); err == nil {
		t.Errorf("Open(a file) succeeded")
	}
	// A directory whose name needs escaping in a URI works.
	odd := filepath.Join(t.TempDir(), "a dir?with#odd%chars")
	s, err := Open(t.Context(), odd)
	if err != nil {
		t.Fatalf("Open(%q): %v", odd, err)
	}
	s.Close()
	if _, err := os.Stat(filepath.Join(odd, FileName)); err != nil {
		t.Errorf("database not created inside %q: %v", odd, err)
	}
}
