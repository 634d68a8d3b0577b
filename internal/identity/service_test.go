package identity_test

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/idpool/idpool/internal/identity"
	"github.com/idpool/idpool/internal/pgtest"
	"github.com/idpool/idpool/internal/postgres"
	"github.com/idpool/idpool/internal/sqlite"
	"github.com/idpool/idpool/internal/token"
)

// backends runs fn against a Service on every storage backend.
func backends(t *testing.T, fn func(t *testing.T, s *identity.Service)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(t.Context(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, newService(t, st))
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(t.Context(), pgtest.FreshSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, newService(t, st))
	})
}

type tokenAdapter struct{ m *token.Manager }

func (a tokenAdapter) Issue(_ context.Context, r identity.TokenRequest) (string, error) {
	return a.m.Issue(token.Claims{Subject: r.IdentityID, Audience: r.PoolID, AMR: r.AMR, PoolARN: r.PoolARN,
		PrincipalTags: r.PrincipalTags, ExpiresAt: time.Now().Add(r.Lifetime)})
}

func (a tokenAdapter) Verify(_ context.Context, raw string) (identity.TokenClaims, error) {
	c, err := a.m.Verify(raw)
	return identity.TokenClaims{IdentityID: c.Subject, PoolID: c.Audience, AMR: c.AMR}, err
}

func newService(t *testing.T, st identity.Store) *identity.Service {
	key := make([]byte, 32)
	rand.Read(key)
	m, err := token.NewManager(t.Context(), token.Config{Store: st, SealKey: key, Issuer: "http://idpool.test", Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	return identity.NewService(st, identity.Config{Region: "us-east-1", AccountID: "123456789012", Tokens: tokenAdapter{m}})
}

func devPool(t *testing.T, s *identity.Service) identity.Pool {
	p, err := s.CreatePool(t.Context(), identity.Pool{Name: "dev", AllowUnauthenticated: true, DeveloperProviderName: "login.example"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func devToken(t *testing.T, s *identity.Service, poolID, identityID, user string) (string, error) {
	id, _, err := s.GetOpenIDTokenForDeveloperIdentity(t.Context(), identity.DeveloperTokenRequest{
		PoolID: poolID, IdentityID: identityID, Logins: map[string]string{"login.example": user},
	})
	return id, err
}

func wantCode(t *testing.T, err error, code identity.Code, msg string) {
	t.Helper()
	var de *identity.Error
	if !errors.As(err, &de) || de.Code != code || (msg != "" && de.Message != msg) {
		t.Fatalf("error = %v, want %s %q", err, code, msg)
	}
}

// TestConcurrentDeveloperLogin: 200 concurrent first logins of one developer
// user produce exactly one identity (the database's uniqueness constraint,
// not a check-then-insert).
func TestConcurrentDeveloperLogin(t *testing.T) {
	backends(t, func(t *testing.T, s *identity.Service) {
		p := devPool(t, s)
		const n = 200
		ids := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ids[i], errs[i] = devToken(t, s, p.ID, "", "racer")
			}()
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("call %d: %v", i, errs[i])
			}
			if ids[i] != ids[0] {
				t.Fatalf("call %d got identity %s, call 0 got %s", i, ids[i], ids[0])
			}
		}
		list, _, err := s.ListIdentities(t.Context(), p.ID, 60, "", false)
		if err != nil || len(list) != 1 || list[0].ID != ids[0] {
			t.Fatalf("ListIdentities = %v, %v; want exactly %s", list, err, ids[0])
		}
	})
}

func TestDeveloperIdentityLifecycle(t *testing.T) {
	backends(t, func(t *testing.T, s *identity.Service) {
		ctx := t.Context()
		p := devPool(t, s)
		// A guest converts in place when a developer user is linked to it.
		guest, err := s.GetID(ctx, p.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := devToken(t, s, p.ID, guest, "alice")
		if err != nil || got != guest {
			t.Fatalf("link alice to guest: %s, %v; want %s", got, err, guest)
		}
		// alice is now registered under guest: linking her elsewhere is refused.
		other, _ := s.GetID(ctx, p.ID, nil)
		_, err = devToken(t, s, p.ID, other, "alice")
		wantCode(t, err, identity.CodeDeveloperUserAlreadyRegistered, "The provided developer user identifier is already registered with Cognito under a different identity ID.")
		// Without logins the authenticated identity is forbidden.
		_, _, err = s.GetOpenIDToken(ctx, guest, nil)
		wantCode(t, err, identity.CodeNotAuthorized, "Access to Identity '"+guest+"' is forbidden.")

		bob, err := devToken(t, s, p.ID, "", "bob")
		if err != nil {
			t.Fatal(err)
		}
		// Merge bob into alice: alice's identity survives with both users.
		merged, err := s.MergeDeveloperIdentities(ctx, p.ID, "login.example", "bob", "alice")
		if err != nil || merged != guest {
			t.Fatalf("merge: %s, %v; want %s", merged, err, guest)
		}
		look, err := s.LookupDeveloperIdentity(ctx, p.ID, guest, "", 60, "")
		if err != nil || len(look.UserIDs) != 2 {
			t.Fatalf("lookup after merge: %+v, %v", look, err)
		}
		d, err := s.DescribeIdentity(ctx, bob)
		if err != nil || !d.Disabled {
			t.Fatalf("merged-away identity: %+v, %v; want disabled", d, err)
		}
		_, _, err = s.GetOpenIDToken(ctx, bob, nil)
		wantCode(t, err, identity.CodeNotAuthorized, "Access to Identity '"+bob+"' is forbidden.")
		visible, _, err := s.ListIdentities(ctx, p.ID, 60, "", true)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range visible {
			if v.ID == bob {
				t.Fatalf("HideDisabled listed disabled identity %s", bob)
			}
		}
		// Unlinking both users disables the identity.
		for _, u := range []string{"alice", "bob"} {
			if err := s.UnlinkDeveloperIdentity(ctx, p.ID, guest, "login.example", u); err != nil {
				t.Fatalf("unlink %s: %v", u, err)
			}
		}
		if d, _ := s.DescribeIdentity(ctx, guest); !d.Disabled || len(d.Logins) != 0 {
			t.Fatalf("after unlinking every user: %+v; want disabled with no logins", d)
		}
		// alice is a new identity next time.
		again, err := devToken(t, s, p.ID, "", "alice")
		if err != nil || again == guest {
			t.Fatalf("alice after unlink: %s, %v; want a new identity", again, err)
		}
	})
}
