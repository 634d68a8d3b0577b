// Package storetest is the one conformance suite for identity.Store: every
// storage backend runs Run against a real database from its own test file,
// and must pass all of it. The suite needs nothing but the identity.Store
// interface, so what it checks is the contract the domain relies on, not an
// implementation.
//
// Each subtest gets a fresh, empty store from the backend's constructor, so
// subtests do not see each other's data. Concurrency subtests (many
// goroutines creating one login, updating one pool, linking one login) are
// part of the contract and are meant to be run with -race.
//
// The package also holds the store benchmarks (BenchCreateIdentity,
// BenchGetIdentity) that each backend wraps in its own Benchmark functions.
package storetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/idpool/idpool/internal/identity"
)

// Option adjusts what Run checks.
type Option func(*config)

type config struct {
	reopen func(t *testing.T) func() identity.Store
}

// WithReopen enables the durability subtest for backends that can open the
// same database again. open is called once per test; it prepares a fresh
// database and returns a function that opens a store on that database each
// time it is called (the suite closes each store it gets before opening the
// next one, and the last one too).
func WithReopen(open func(t *testing.T) func() identity.Store) Option {
	return func(c *config) { c.reopen = open }
}

// Run runs the conformance suite as subtests of t. newStore must return a
// store over a fresh, empty database and arrange (t.Cleanup) for it to be
// closed and discarded; it is called once per subtest.
func Run(t *testing.T, newStore func(t *testing.T) identity.Store, opts ...Option) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, s identity.Store)
	}{
		{"Ping", testPing},
		{"Pool/CreateGet", testPoolCreateGet},
		{"Pool/CreateDuplicate", testPoolCreateDuplicate},
		{"Pool/Update", testPoolUpdate},
		{"Pool/UpdateFnError", testPoolUpdateFnError},
		{"Pool/UpdateMissing", testPoolUpdateMissing},
		{"Pool/UpdateConcurrent", testPoolUpdateConcurrent},
		{"Pool/Delete", testPoolDelete},
		{"Pool/ListCount", testPoolListCount},
		{"Pool/Quota", testPoolQuota},
		{"Pool/QuotaConcurrent", testPoolQuotaConcurrent},
		{"Identity/CreateGet", testIdentityCreateGet},
		{"Identity/CreateConflict", testIdentityCreateConflict},
		{"Identity/CreateUnknownPool", testIdentityCreateUnknownPool},
		{"Identity/LoginScopedToPool", testIdentityLoginScopedToPool},
		{"Identity/CreateConcurrentSameLogin", testIdentityCreateConcurrentSameLogin},
		{"Identity/List", testIdentityList},
		{"Identity/Delete", testIdentityDelete},
		{"Identity/LoginsByProvider", testLoginsByProvider},
		{"Tx/AddRemoveLogin", testTxAddRemoveLogin},
		{"Tx/MoveLogins", testTxMoveLogins},
		{"Tx/SetIdentityState", testTxSetIdentityState},
		{"Tx/InsertReadsOwnWrites", testTxInsertReadsOwnWrites},
		{"Tx/Rollback", testTxRollback},
		{"Tx/LoginTaken", testTxLoginTaken},
		{"Tx/InsertConflictLeavesNothing", testTxInsertConflictLeavesNothing},
		{"Tx/InsertUnknownPool", testTxInsertUnknownPool},
		{"Tx/ConcurrentLinkSameLogin", testTxConcurrentLinkSameLogin},
		{"Tx/ConcurrentOpposingMoves", testTxConcurrentOpposingMoves},
		{"KV/CompareAndSwap", testKVCompareAndSwap},
		{"KV/Concurrent", testKVConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
	t.Run("Reopen", func(t *testing.T) {
		if cfg.reopen == nil {
			t.Skip("backend cannot reopen a database (no WithReopen)")
		}
		testReopen(t, cfg.reopen(t))
	})
}

// Fixtures.

var (
	// t0 has nanoseconds and a non-UTC zone: stores keep milliseconds, UTC.
	t0 = time.Date(2026, 3, 4, 5, 6, 7, 891_234_567, time.FixedZone("X", 5*3600+1800))
	t1 = time.Date(2026, 5, 6, 7, 8, 9, 123_999_999, time.FixedZone("Y", -7*3600))

	errBoom = errors.New("boom")
)

// norm is what a time becomes after a round trip through a store.
func norm(t time.Time) time.Time { return time.UnixMilli(t.UnixMilli()).UTC() }

func ptr[T any](v T) *T { return &v }

// fullPool returns a pool with every field set.
func fullPool(id string) identity.Pool {
	return identity.Pool{
		ID:                        id,
		Name:                      "pool " + id,
		AllowUnauthenticated:      true,
		AllowClassicFlow:          ptr(false),
		SupportedLoginProviders:   map[string]string{"graph.facebook.com": "1234", "accounts.google.com": "abc.apps"},
		DeveloperProviderName:     "login.example.dev",
		OpenIDConnectProviderARNs: []string{"arn:aws:iam::123456789012:oidc-provider/example.com"},
		CognitoIdentityProviders: []identity.CognitoProvider{
			{ProviderName: "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc", ClientID: "client1", ServerSideTokenCheck: ptr(true)},
			{ProviderName: "cognito-idp.us-east-1.amazonaws.com/us-east-1_def", ClientID: "client2"},
		},
		SAMLProviderARNs: []string{"arn:aws:iam::123456789012:saml-provider/corp"},
		Tags:             map[string]string{"team": "id", "empty": ""},
		Roles: map[string]string{
			"authenticated":   "arn:aws:iam::123456789012:role/auth",
			"unauthenticated": "arn:aws:iam::123456789012:role/unauth",
		},
		RoleMappings: map[string]identity.RoleMapping{
			"graph.facebook.com": {Type: "Token", AmbiguousRoleResolution: "AuthenticatedRole"},
			"accounts.google.com": {
				Type: "Rules", AmbiguousRoleResolution: "Deny", HasRulesConfiguration: true,
				Rules: []identity.MappingRule{{Claim: "hd", MatchType: "Equals", Value: "example.com", RoleARN: "arn:aws:iam::123456789012:role/x"}},
			},
		},
		PrincipalTagMaps: map[string]identity.PrincipalTagMap{
			"accounts.google.com": {UseDefaults: false, Tags: map[string]string{"dept": "hd"}},
		},
		CreatedAt: t0,
		UpdatedAt: t0,
	}
}

// normPool is what a pool becomes after a round trip.
func normPool(p identity.Pool) identity.Pool {
	p.CreatedAt, p.UpdatedAt = norm(p.CreatedAt), norm(p.UpdatedAt)
	return p
}

// normIdentity is what an identity becomes after a round trip: times
// normalised, logins sorted by provider then subject (nil when none).
func normIdentity(id identity.Identity) identity.Identity {
	id.CreatedAt, id.UpdatedAt = norm(id.CreatedAt), norm(id.UpdatedAt)
	id.Logins = sortedLogins(id.Logins)
	return id
}

func sortedLogins(ls []identity.Login) []identity.Login {
	if len(ls) == 0 {
		return nil
	}
	ls = slices.Clone(ls)
	slices.SortFunc(ls, func(a, b identity.Login) int {
		if a.Provider != b.Provider {
			if a.Provider < b.Provider {
				return -1
			}
			return 1
		}
		switch {
		case a.Subject < b.Subject:
			return -1
		case a.Subject > b.Subject:
			return 1
		}
		return 0
	})
	return ls
}

func login(provider, subject string) identity.Login {
	return identity.Login{Provider: provider, Subject: subject}
}

func newIdentity(id, pool string, logins ...identity.Login) identity.Identity {
	return identity.Identity{ID: id, PoolID: pool, Logins: logins, CreatedAt: t0, UpdatedAt: t0}
}

// Assertion helpers.

func mustCreatePool(t *testing.T, s identity.Store, id string) identity.Pool {
	t.Helper()
	p := fullPool(id)
	if err := s.CreatePool(t.Context(), p); err != nil {
		t.Fatalf("CreatePool(%s): %v", id, err)
	}
	return p
}

func mustCreateIdentity(t *testing.T, s identity.Store, id identity.Identity) {
	t.Helper()
	if err := s.CreateIdentity(t.Context(), id); err != nil {
		t.Fatalf("CreateIdentity(%s): %v", id.ID, err)
	}
}

func mustGetIdentity(t *testing.T, s identity.Store, id string) identity.Identity {
	t.Helper()
	got, err := s.GetIdentity(t.Context(), id)
	if err != nil {
		t.Fatalf("GetIdentity(%s): %v", id, err)
	}
	return got
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want one wrapping %v", what, err, target)
	}
}

func wantEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got: %+v\nwant: %+v", what, got, want)
	}
}

func wantIdentity(t *testing.T, s identity.Store, want identity.Identity) {
	t.Helper()
	wantEqual(t, "GetIdentity("+want.ID+")", mustGetIdentity(t, s, want.ID), normIdentity(want))
}

func wantNoIdentity(t *testing.T, s identity.Store, id string) {
	t.Helper()
	_, err := s.GetIdentity(t.Context(), id)
	wantErr(t, "GetIdentity("+id+")", err, identity.ErrNotFound)
}

func wantLoginOwner(t *testing.T, s identity.Store, pool string, l identity.Login, owner string) {
	t.Helper()
	got, err := s.IdentityByLogin(t.Context(), pool, l)
	if owner == "" {
		wantErr(t, fmt.Sprintf("IdentityByLogin(%s, %v)", pool, l), err, identity.ErrNotFound)
		return
	}
	if err != nil {
		t.Fatalf("IdentityByLogin(%s, %v): %v", pool, l, err)
	}
	if got.ID != owner {
		t.Fatalf("IdentityByLogin(%s, %v) = %s, want %s", pool, l, got.ID, owner)
	}
}

// shuffled returns a copy of ids in random order.
func shuffled(ids []string) []string {
	out := slices.Clone(ids)
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// runConcurrently calls fn(i) for i in [0, n) from n goroutines released
// together, and returns the errors by index.
func runConcurrently(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// Ping.

func testPing(t *testing.T, s identity.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// Pools.

func testPoolCreateGet(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:pool-1")
	got, err := s.GetPool(ctx, p.ID)
	if err != nil {
		t.Fatalf("GetPool: %v", err)
	}
	wantEqual(t, "GetPool", got, normPool(p))
	if got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt location = %v, want UTC", got.CreatedAt.Location())
	}

	// A minimal pool: nil maps and slices stay nil, unset pointers nil.
	bare := identity.Pool{ID: "us-east-1:pool-2", Name: "bare", CreatedAt: t1, UpdatedAt: t1}
	if err := s.CreatePool(ctx, bare); err != nil {
		t.Fatalf("CreatePool(bare): %v", err)
	}
	got, err = s.GetPool(ctx, bare.ID)
	if err != nil {
		t.Fatalf("GetPool(bare): %v", err)
	}
	wantEqual(t, "GetPool(bare)", got, normPool(bare))

	// The caller owns what GetPool returns.
	got.Tags = map[string]string{"x": "y"}
	got.Name = "changed"
	again, err := s.GetPool(ctx, bare.ID)
	if err != nil {
		t.Fatalf("GetPool(bare): %v", err)
	}
	wantEqual(t, "GetPool(bare) after modifying a copy", again, normPool(bare))

	_, err = s.GetPool(ctx, "us-east-1:missing")
	wantErr(t, "GetPool(missing)", err, identity.ErrNotFound)
}

func testPoolCreateDuplicate(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:dup")
	other := fullPool(p.ID)
	other.Name = "other"
	wantErr(t, "CreatePool(duplicate)", s.CreatePool(ctx, other), identity.ErrConflict)
	got, err := s.GetPool(ctx, p.ID)
	if err != nil {
		t.Fatalf("GetPool: %v", err)
	}
	wantEqual(t, "pool after duplicate create", got, normPool(p))
}

func testPoolUpdate(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:upd")
	calls := 0
	got, err := s.UpdatePool(ctx, p.ID, func(q *identity.Pool) error {
		calls++
		wantEqual(t, "pool given to fn", *q, normPool(p))
		q.ID = "us-east-1:renamed" // ignored
		q.Name = "renamed"
		q.Tags["new"] = "tag"
		q.AllowClassicFlow = nil
		q.SAMLProviderARNs = nil
		q.UpdatedAt = t1
		return nil
	})
	if err != nil {
		t.Fatalf("UpdatePool: %v", err)
	}
	if calls != 1 {
		t.Errorf("fn called %d times without contention, want 1", calls)
	}
	want := normPool(p)
	want.Name = "renamed"
	want.Tags = map[string]string{"team": "id", "empty": "", "new": "tag"}
	want.AllowClassicFlow = nil
	want.SAMLProviderARNs = nil
	want.UpdatedAt = norm(t1)
	wantEqual(t, "UpdatePool result", got, want)
	stored, err := s.GetPool(ctx, p.ID)
	if err != nil {
		t.Fatalf("GetPool: %v", err)
	}
	wantEqual(t, "GetPool after UpdatePool", stored, want)
	_, err = s.GetPool(ctx, "us-east-1:renamed")
	wantErr(t, "GetPool(ID set by fn)", err, identity.ErrNotFound)

	// A second update sees the first.
	got, err = s.UpdatePool(ctx, p.ID, func(q *identity.Pool) error {
		wantEqual(t, "pool given to second fn", *q, want)
		q.AllowUnauthenticated = false
		return nil
	})
	if err != nil {
		t.Fatalf("UpdatePool #2: %v", err)
	}
	if got.AllowUnauthenticated {
		t.Errorf("AllowUnauthenticated still true")
	}
}

func testPoolUpdateFnError(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:fnerr")
	_, err := s.UpdatePool(ctx, p.ID, func(q *identity.Pool) error {
		q.Name = "should not be stored"
		q.Tags["x"] = "y"
		return errBoom
	})
	if err != errBoom { //nolint:errorlint // must be returned unchanged
		t.Fatalf("UpdatePool with failing fn: got %v, want errBoom unchanged", err)
	}
	got, err := s.GetPool(ctx, p.ID)
	if err != nil {
		t.Fatalf("GetPool: %v", err)
	}
	wantEqual(t, "pool after failed update", got, normPool(p))
}

func testPoolUpdateMissing(t *testing.T, s identity.Store) {
	called := false
	_, err := s.UpdatePool(t.Context(), "us-east-1:missing", func(*identity.Pool) error {
		called = true
		return nil
	})
	wantErr(t, "UpdatePool(missing)", err, identity.ErrNotFound)
	if called {
		t.Errorf("fn called for a missing pool")
	}
}

func testPoolUpdateConcurrent(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:conc")
	const n = 20
	errs := runConcurrently(n, func(i int) error {
		_, err := s.UpdatePool(ctx, p.ID, func(q *identity.Pool) error {
			if q.Tags == nil {
				q.Tags = map[string]string{}
			}
			q.Tags["k"+strconv.Itoa(i)] = strconv.Itoa(i)
			return nil
		})
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("UpdatePool #%d: %v", i, err)
		}
	}
	got, err := s.GetPool(ctx, p.ID)
	if err != nil {
		t.Fatalf("GetPool: %v", err)
	}
	for i := range n {
		if got.Tags["k"+strconv.Itoa(i)] != strconv.Itoa(i) {
			t.Errorf("tag k%d lost (a concurrent update overwrote another)", i)
		}
	}
	if len(got.Tags) != n+len(p.Tags) {
		t.Errorf("got %d tags, want %d", len(got.Tags), n+len(p.Tags))
	}
}

func testPoolDelete(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:del")
	q := mustCreatePool(t, s, "us-east-1:keep")
	l1, l2 := login("graph.facebook.com", "u1"), login("accounts.google.com", "u2")
	mustCreateIdentity(t, s, newIdentity("us-east-1:a", p.ID, l1, l2))
	mustCreateIdentity(t, s, newIdentity("us-east-1:b", p.ID))
	kept := newIdentity("us-east-1:c", q.ID, l1)
	mustCreateIdentity(t, s, kept)

	if err := s.DeletePool(ctx, p.ID); err != nil {
		t.Fatalf("DeletePool: %v", err)
	}
	_, err := s.GetPool(ctx, p.ID)
	wantErr(t, "GetPool(deleted)", err, identity.ErrNotFound)
	wantNoIdentity(t, s, "us-east-1:a")
	wantNoIdentity(t, s, "us-east-1:b")
	wantLoginOwner(t, s, p.ID, l1, "")
	wantLoginOwner(t, s, p.ID, l2, "")
	ids, err := s.ListIdentities(ctx, p.ID, "", 10, false)
	if err != nil || len(ids) != 0 {
		t.Fatalf("ListIdentities(deleted pool) = %v, %v; want none", ids, err)
	}
	// The other pool is untouched.
	wantIdentity(t, s, kept)
	wantLoginOwner(t, s, q.ID, l1, kept.ID)

	wantErr(t, "DeletePool(again)", s.DeletePool(ctx, p.ID), identity.ErrNotFound)

	// The pool's IDs and logins are free again.
	mustCreatePool(t, s, p.ID)
	again := newIdentity("us-east-1:a", p.ID, l1, l2)
	mustCreateIdentity(t, s, again)
	wantIdentity(t, s, again)
	wantLoginOwner(t, s, p.ID, l2, again.ID)
}

// awkwardIDs sort differently bytewise than under most locales'
// collations: paging must follow byte order.
var awkwardIDs = []string{
	"us-east-1:00", "us-east-1:0a", "us-east-1:A1", "us-east-1:B0", "us-east-1:_x",
	"us-east-1:a0", "us-east-1:a_1", "us-east-1:aB", "us-east-1:b0", "us-east-1:é",
}

func testPoolListCount(t *testing.T, s identity.Store) {
	ctx := t.Context()
	n, err := s.CountPools(ctx)
	if err != nil || n != 0 {
		t.Fatalf("CountPools(empty) = %d, %v; want 0", n, err)
	}
	pools, err := s.ListPools(ctx, "", 10)
	if err != nil || len(pools) != 0 {
		t.Fatalf("ListPools(empty) = %v, %v; want none", pools, err)
	}
	want := map[string]identity.Pool{}
	for _, id := range shuffled(awkwardIDs) {
		want[id] = normPool(mustCreatePool(t, s, id))
	}
	n, err = s.CountPools(ctx)
	if err != nil || n != len(awkwardIDs) {
		t.Fatalf("CountPools = %d, %v; want %d", n, err, len(awkwardIDs))
	}
	var got []string
	after := ""
	for page := 0; ; page++ {
		ps, err := s.ListPools(ctx, after, 3)
		if err != nil {
			t.Fatalf("ListPools(%q, 3): %v", after, err)
		}
		if len(ps) > 3 {
			t.Fatalf("ListPools returned %d > limit 3", len(ps))
		}
		if len(ps) == 0 {
			break
		}
		if page > len(awkwardIDs) {
			t.Fatalf("ListPools does not terminate")
		}
		for _, p := range ps {
			wantEqual(t, "listed pool "+p.ID, p, want[p.ID])
			got = append(got, p.ID)
		}
		after = ps[len(ps)-1].ID
	}
	sorted := slices.Clone(awkwardIDs)
	slices.Sort(sorted)
	wantEqual(t, "pool IDs over all pages (byte order)", got, sorted)

	// Starting after an ID that is not a pool works too.
	ps, err := s.ListPools(ctx, "us-east-1:a", 2)
	if err != nil {
		t.Fatalf("ListPools(after non-pool): %v", err)
	}
	i, _ := slices.BinarySearch(sorted, "us-east-1:a")
	wantEqual(t, "pools after us-east-1:a", []string{ps[0].ID, ps[1].ID}, sorted[i:i+2])
}

func testPoolQuota(t *testing.T, s identity.Store) {
	ctx := t.Context()
	for i := range 3 {
		p := fullPool("us-east-1:q" + strconv.Itoa(i))
		if err := s.CreatePoolWithin(ctx, p, 3); err != nil {
			t.Fatalf("CreatePoolWithin(%s, 3) with %d pools: %v", p.ID, i, err)
		}
		got, err := s.GetPool(ctx, p.ID)
		if err != nil {
			t.Fatalf("GetPool(%s): %v", p.ID, err)
		}
		wantEqual(t, "pool created within the quota", got, normPool(p))
	}
	wantErr(t, "CreatePoolWithin(4th, 3)", s.CreatePoolWithin(ctx, fullPool("us-east-1:q3"), 3), identity.ErrLimitExceeded)
	_, err := s.GetPool(ctx, "us-east-1:q3")
	wantErr(t, "GetPool(refused pool)", err, identity.ErrNotFound)
	wantErr(t, "CreatePoolWithin(existing ID, 4)", s.CreatePoolWithin(ctx, fullPool("us-east-1:q0"), 4), identity.ErrConflict)
	if n, err := s.CountPools(ctx); err != nil || n != 3 {
		t.Fatalf("CountPools = %d, %v; want 3", n, err)
	}
	// A deleted pool frees its place; no limit (0 or less) means none.
	if err := s.DeletePool(ctx, "us-east-1:q1"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePoolWithin(ctx, fullPool("us-east-1:q4"), 3); err != nil {
		t.Fatalf("CreatePoolWithin after a delete: %v", err)
	}
	for i, limit := range []int{0, -1} {
		if err := s.CreatePoolWithin(ctx, fullPool("us-east-1:nolimit"+strconv.Itoa(i)), limit); err != nil {
			t.Fatalf("CreatePoolWithin(limit %d): %v", limit, err)
		}
	}
}

// testPoolQuotaConcurrent races more creations than the quota leaves room
// for: exactly the room is used, never more.
func testPoolQuotaConcurrent(t *testing.T, s identity.Store) {
	ctx := t.Context()
	mustCreatePool(t, s, "us-east-1:existing")
	const n, limit = 24, 6
	errs := runConcurrently(n, func(i int) error {
		return s.CreatePoolWithin(ctx, fullPool(fmt.Sprintf("us-east-1:race%02d", i)), limit)
	})
	created := 0
	for i, err := range errs {
		switch {
		case err == nil:
			created++
		case !errors.Is(err, identity.ErrLimitExceeded):
			t.Errorf("CreatePoolWithin #%d: %v, want success or ErrLimitExceeded", i, err)
		}
	}
	if created != limit-1 {
		t.Errorf("%d of %d concurrent creations succeeded with room for %d", created, n, limit-1)
	}
	if c, err := s.CountPools(ctx); err != nil || c != limit {
		t.Errorf("CountPools = %d, %v; want %d", c, err, limit)
	}
}

// Identities.

func testIdentityCreateGet(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:p")
	// Logins given out of order come back sorted by provider, subject.
	id := newIdentity("us-east-1:id-1", p.ID,
		login("graph.facebook.com", "fb-2"), login("accounts.google.com", "g-1"),
		login("graph.facebook.com", "fb-1"), login("accounts.google.com", "g-1"))
	id.UpdatedAt = t1
	mustCreateIdentity(t, s, id)
	want := id
	want.Logins = want.Logins[:3] // a login listed twice is linked once
	wantIdentity(t, s, want)
	got := mustGetIdentity(t, s, id.ID)
	if got.CreatedAt.Location() != time.UTC || got.UpdatedAt.Location() != time.UTC {
		t.Errorf("times not in UTC: %v, %v", got.CreatedAt, got.UpdatedAt)
	}
	for _, l := range id.Logins {
		byLogin, err := s.IdentityByLogin(ctx, p.ID, l)
		if err != nil {
			t.Fatalf("IdentityByLogin(%v): %v", l, err)
		}
		wantEqual(t, fmt.Sprintf("IdentityByLogin(%v)", l), byLogin, normIdentity(want))
	}
	wantLoginOwner(t, s, p.ID, login("graph.facebook.com", "fb-3"), "")
	wantLoginOwner(t, s, p.ID, login("accounts.google.com", "fb-1"), "")

	// An unauthenticated (guest) identity, disabled.
	guest := newIdentity("us-east-1:guest", p.ID)
	guest.Logins = []identity.Login{}
	guest.Disabled = true
	mustCreateIdentity(t, s, guest)
	wantIdentity(t, s, guest)
	if mustGetIdentity(t, s, guest.ID).Logins != nil {
		t.Errorf("identity without logins: Logins not nil")
	}

	wantNoIdentity(t, s, "us-east-1:missing")
}

func testIdentityCreateConflict(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:p")
	l := login("graph.facebook.com", "fb-1")
	first := newIdentity("us-east-1:first", p.ID, l)
	mustCreateIdentity(t, s, first)

	// Same ID.
	dupID := newIdentity(first.ID, p.ID, login("graph.facebook.com", "fb-2"))
	dupID.Disabled = true
	wantErr(t, "CreateIdentity(taken ID)", s.CreateIdentity(ctx, dupID), identity.ErrConflict)
	wantIdentity(t, s, first)
	wantLoginOwner(t, s, p.ID, login("graph.facebook.com", "fb-2"), "")

	// A taken login, listed after a free one: nothing of it is written.
	second := newIdentity("us-east-1:second", p.ID, login("accounts.google.com", "free"), l)
	wantErr(t, "CreateIdentity(taken login)", s.CreateIdentity(ctx, second), identity.ErrConflict)
	wantNoIdentity(t, s, second.ID)
	wantLoginOwner(t, s, p.ID, login("accounts.google.com", "free"), "")
	wantLoginOwner(t, s, p.ID, l, first.ID)
	// ...and the failure left nothing locked: the free login can be used.
	third := newIdentity("us-east-1:third", p.ID, login("accounts.google.com", "free"))
	mustCreateIdentity(t, s, third)
	wantIdentity(t, s, third)
}

func testIdentityCreateUnknownPool(t *testing.T, s identity.Store) {
	err := s.CreateIdentity(t.Context(), newIdentity("us-east-1:orphan", "us-east-1:nopool", login("a", "b")))
	wantErr(t, "CreateIdentity(unknown pool)", err, identity.ErrNotFound)
	wantNoIdentity(t, s, "us-east-1:orphan")
}

func testIdentityLoginScopedToPool(t *testing.T, s identity.Store) {
	p := mustCreatePool(t, s, "us-east-1:p")
	q := mustCreatePool(t, s, "us-east-1:q")
	l := login("graph.facebook.com", "same-user")
	mustCreateIdentity(t, s, newIdentity("us-east-1:in-p", p.ID, l))
	mustCreateIdentity(t, s, newIdentity("us-east-1:in-q", q.ID, l))
	wantLoginOwner(t, s, p.ID, l, "us-east-1:in-p")
	wantLoginOwner(t, s, q.ID, l, "us-east-1:in-q")
	wantLoginOwner(t, s, "us-east-1:other", l, "")
}

func testIdentityCreateConcurrentSameLogin(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:race")
	l := login("graph.facebook.com", "contested")
	const n = 200
	errs := runConcurrently(n, func(i int) error {
		return s.CreateIdentity(ctx, newIdentity(fmt.Sprintf("us-east-1:racer-%03d", i), p.ID, l))
	})
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("CreateIdentity succeeded for racers %d and %d: login linked twice", winner, i)
			}
			winner = i
		case !errors.Is(err, identity.ErrConflict):
			t.Errorf("racer %d: got %v, want an error wrapping ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatalf("no CreateIdentity succeeded")
	}
	wid := fmt.Sprintf("us-east-1:racer-%03d", winner)
	wantLoginOwner(t, s, p.ID, l, wid)
	ids, err := s.ListIdentities(ctx, p.ID, "", n+1, false)
	if err != nil {
		t.Fatalf("ListIdentities: %v", err)
	}
	if len(ids) != 1 || ids[0].ID != wid {
		t.Fatalf("pool holds %d identities, want only the winner %s", len(ids), wid)
	}
}

func testIdentityList(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:p")
	q := mustCreatePool(t, s, "us-east-1:q")
	want := map[string]identity.Identity{}
	var enabled []string
	for i, id := range shuffled(awkwardIDs) {
		ident := newIdentity(id, p.ID)
		if i%3 == 0 {
			ident.Disabled = true
		} else {
			enabled = append(enabled, id)
		}
		if i%2 == 0 {
			ident.Logins = []identity.Login{login("dev", "s-"+id), login("a.example", "s-"+id)}
		}
		mustCreateIdentity(t, s, ident)
		want[id] = normIdentity(ident)
	}
	// Identities of another pool never show up.
	mustCreateIdentity(t, s, newIdentity("us-east-1:0", q.ID, login("dev", "q")))
	mustCreateIdentity(t, s, newIdentity("us-east-1:zz", q.ID))

	all := slices.Clone(awkwardIDs)
	slices.Sort(all)
	slices.Sort(enabled)
	for _, tc := range []struct {
		hide bool
		want []string
	}{{false, all}, {true, enabled}} {
		var got []string
		after := ""
		for range len(all) + 1 {
			page, err := s.ListIdentities(ctx, p.ID, after, 3, tc.hide)
			if err != nil {
				t.Fatalf("ListIdentities(%q, 3, %v): %v", after, tc.hide, err)
			}
			if len(page) > 3 {
				t.Fatalf("ListIdentities returned %d > limit 3", len(page))
			}
			if len(page) == 0 {
				break
			}
			for _, id := range page {
				wantEqual(t, "listed identity "+id.ID, id, want[id.ID])
				got = append(got, id.ID)
			}
			after = page[len(page)-1].ID
		}
		wantEqual(t, fmt.Sprintf("identity IDs over all pages (hideDisabled=%v)", tc.hide), got, tc.want)
	}
	none, err := s.ListIdentities(ctx, "us-east-1:nopool", "", 5, false)
	if err != nil || len(none) != 0 {
		t.Fatalf("ListIdentities(unknown pool) = %v, %v; want none", none, err)
	}
}

func testIdentityDelete(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:p")
	l := login("dev", "user")
	mustCreateIdentity(t, s, newIdentity("us-east-1:gone", p.ID, l, login("dev", "user2")))
	keep := newIdentity("us-east-1:keep", p.ID, login("dev", "other"))
	mustCreateIdentity(t, s, keep)
	if err := s.DeleteIdentity(ctx, "us-east-1:gone"); err != nil {
		t.Fatalf("DeleteIdentity: %v", err)
	}
	wantNoIdentity(t, s, "us-east-1:gone")
	wantLoginOwner(t, s, p.ID, l, "")
	wantIdentity(t, s, keep)
	wantErr(t, "DeleteIdentity(again)", s.DeleteIdentity(ctx, "us-east-1:gone"), identity.ErrNotFound)
	// Its logins are free again.
	mustCreateIdentity(t, s, newIdentity("us-east-1:new", p.ID, l))
	wantLoginOwner(t, s, p.ID, l, "us-east-1:new")
}

func testLoginsByProvider(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:p")
	subjects := []string{"b", "A", "a", "_", "0", "ab"}
	var logins []identity.Login
	for _, sub := range subjects {
		logins = append(logins, login("dev", sub))
	}
	logins = append(logins, login("dev2", "zz"), login("de", "x"))
	mustCreateIdentity(t, s, newIdentity("us-east-1:id", p.ID, logins...))
	mustCreateIdentity(t, s, newIdentity("us-east-1:other", p.ID, login("dev", "c")))

	var got []string
	after := ""
	for range len(subjects) + 1 {
		page, err := s.LoginsByProvider(ctx, "us-east-1:id", "dev", after, 4)
		if err != nil {
			t.Fatalf("LoginsByProvider(%q): %v", after, err)
		}
		if len(page) > 4 {
			t.Fatalf("LoginsByProvider returned %d > limit 4", len(page))
		}
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		after = page[len(page)-1]
	}
	want := slices.Clone(subjects)
	slices.Sort(want)
	wantEqual(t, "subjects over all pages (byte order)", got, want)
	none, err := s.LoginsByProvider(ctx, "us-east-1:missing", "dev", "", 4)
	if err != nil || len(none) != 0 {
		t.Fatalf("LoginsByProvider(unknown identity) = %v, %v; want none", none, err)
	}
}

// UpdateIdentities.

func testTxAddRemoveLogin(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:p")
	a := newIdentity("us-east-1:a", p.ID, login("dev", "old"))
	mustCreateIdentity(t, s, a)
	l := login("graph.facebook.com", "fb")

	err := s.UpdateIdentities(ctx, func(tx identity.IdentityTx) error {
		if err := tx.AddLogin(a.ID, p.ID, l); err != nil {
			return err
		}
		// Reads see the transaction's own writes.
		got, err := tx.GetIdentity(a.ID)
		if err != nil {
			return err
		}
		wantEqual(t, "tx.GetIdentity after AddLogin", got.Logins, sortedLogins([]identity.Login{login("dev", "old"), l}))
		byLogin, err := tx.IdentityByLogin(p.ID, l)
		if err != nil {
			return err
		}
		if byLogin.ID != a.ID {
			t.Errorf("tx.IdentityByLogin = %s, want %s", byLogin.ID, a.ID)
		}
		return tx.RemoveLogin(a.ID, login("dev", "old"))
	})
	if err != nil {
		t.Fatalf("UpdateIdentities: %v", err)
	}
	want := a
	want.Logins = []identity.Login{l}
	wantIdentity(t, s, want)
	wantLoginOwner(t, s, p.ID, l, a.ID)
	wantLoginOwner(t, s, p.ID, login("dev", "old"), "")

	err = s.UpdateIdentities(ctx, func(tx identity.IdentityTx) error {
		wantErr(t, "RemoveLogin(not linked)", tx.RemoveLogin(a.ID, login("dev", "old")), identity.ErrNotFound)
		wantErr(t, "RemoveLogin(missing identity)", tx.RemoveLogin("us-east-1:missing", l), identity.ErrNotFound)
		wantErr(t, "AddLogin(missing identity)", tx.AddLogin("us-east-1:missing", p.ID, login("dev", "n")), identity.ErrNotFound)
		wantErr(t, "AddLogin(already linked here)", tx.AddLogin(a.ID, p.ID, l), identity.ErrConflict)
		_, err := tx.GetIdentity("us-east-1:missing")
		wantErr(t, "tx.GetIdentity(missing)", err, identity.ErrNotFound)
		_, err = tx.IdentityByLogin(p.ID, login("dev", "nobody"))
		wantErr(t, "tx.IdentityByLogin(unlinked)", err, identity.ErrNotFound)
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateIdentities (not-found cases): %v", err)
	}
	wantIdentity(t, s, want)
}

func testTxMoveLogins(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:p")
	q := mustCreatePool(t, s, "us-east-1:q")
	l1, l2, l3 := login("dev", "1"), login("graph.facebook.com", "2"), login("dev", "3")
	a := newIdentity("us-east-1:a", p.ID, l1, l2)
	b := newIdentity("us-east-1:b", p.ID, l3)
	c := newIdentity("us-east-1:c", q.ID)
	for _, id := range []identity.Identity{a, b, c} {
		mustCreateIdentity(t, s, id)
	}
	err := s.UpdateIdentities(ctx, func(tx identity.IdentityTx) error {
		if err := tx.MoveLogins(a.ID, b.ID); err != nil {
			return err
		}
		got, err := tx.GetIdentity(b.ID)
		if err != nil {
			return err
		}
		wantEqual(t, "tx.GetIdentity(b) after move", got.Logins, sortedLogins([]identity.Login{l1, l2, l3}))
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateIdentities(move): %v", err)
	}
	a.Logins, b.Logins = nil, []identity.Login{l1, l2, l3}
	wantIdentity(t, s, a)
	wantIdentity(t, s, b)
	wantLoginOwner(t, s, p.ID, l1, b.ID)

	err = s.UpdateIdentities(ctx, func(tx identity.IdentityTx) error {
		wantErr(t, "MoveLogins(missing from)", tx.MoveLogins("us-east-1:missing", b.ID), identity.ErrNotFound)
		wantErr(t, "MoveLogins(missing to)", tx.MoveLogins(b.ID, "us-east-1:missing"), identity.ErrNotFound)
		if err := tx.MoveLogins(b.ID, c.ID); err == nil {
			t.Errorf("MoveLogins across pools succeeded")
		}
		return tx.MoveLogins(b.ID, b.ID)
	})
	if err != nil {
		t.Fatalf("UpdateIdentities(bad moves): %v", err)
	}
	wantIdentity(t, s, b)
	wantIdentity(t, s, c)
}

func testTxSetIdentityState(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:p")
	a := newIdentity("us-east-1:a", p.ID, login("dev", "x"))
	mustCreateIdentity(t, s, a)
	err := s.UpdateIdentities(ctx, func(tx identity.IdentityTx) error {
		if err := tx.SetIdentityState(a.ID, true, t1); err != nil {
			return err
		}
		wantErr(t, "SetIdentityState(missing)", tx.SetIdentityState("us-east-1:missing", true, t1), identity.ErrNotFound)
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateIdentities: %v", err)
	}
	a.Disabled, a.UpdatedAt = true, t1
	wantIdentity(t, s, a)
	ids, err := s.ListIdentities(ctx, p.ID, "", 10, true)
	if err != nil || len(ids) != 0 {
		t.Fatalf("ListIdentities(hideDisabled) = %v, %v; want none", ids, err)
	}
	if err := s.UpdateIdentities(ctx, func(tx identity.IdentityTx) error {
		return tx.SetIdentityState(a.ID, false, t0)
	}); err != nil {
		t.Fatalf("UpdateIdentities(enable): %v", err)
	}
	a.Disabled, a.UpdatedAt = false, t0
	wantIdentity(t, s, a)
}

func testTxInsertReadsOwnWrites(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:p")
	n := newIdentity("us-east-1:new", p.ID, login("dev", "n1"), login("dev", "n0"))
	err := s.UpdateIdentities(ctx, func(tx identity.IdentityTx) error {
		if err := tx.InsertIdentity(n); err != nil {
			return err
		}
		got, err := tx.GetIdentity(n.ID)
		if err != nil {
			return err
		}
		wantEqual(t, "tx.GetIdentity(inserted)", got, normIdentity(n))
		byLogin, err := tx.IdentityByLogin(p.ID, login("dev", "n0"))
		if err != nil {
			return err
		}
		wantEqual(t, "tx.IdentityByLogin(inserted)", byLogin, normIdentity(n))
		wantErr(t, "InsertIdentity(same ID)", tx.InsertIdentity(newIdentity(n.ID, p.ID)), identity.ErrConflict)
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateIdentities: %v", err)
	}
	wantIdentity(t, s, n)
}

func testTxRollback(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:p")
	a := newIdentity("us-east-1:a", p.ID, login("dev", "a"))
	b := newIdentity("us-east-1:b", p.ID, login("dev", "b"))
	mustCreateIdentity(t, s, a)
	mustCreateIdentity(t, s, b)
	err := s.UpdateIdentities(ctx, func(tx identity.IdentityTx) error {
		steps := []error{
			tx.InsertIdentity(newIdentity("us-east-1:c", p.ID, login("dev", "c"))),
			tx.AddLogin(a.ID, p.ID, login("dev", "a2")),
			tx.RemoveLogin(a.ID, login("dev", "a")),
			tx.MoveLogins(b.ID, a.ID),
			tx.SetIdentityState(b.ID, true, t1),
		}
		for i, err := range steps {
			if err != nil {
				t.Errorf("step %d: %v", i, err)
			}
		}
		return errBoom
	})
	if err != errBoom { //nolint:errorlint // must be returned unchanged
		t.Fatalf("UpdateIdentities: got %v, want errBoom unchanged", err)
	}
	wantIdentity(t, s, a)
	wantIdentity(t, s, b)
	wantNoIdentity(t, s, "us-east-1:c")
	wantLoginOwner(t, s, p.ID, login("dev", "c"), "")
	wantLoginOwner(t, s, p.ID, login("dev", "a2"), "")

	// A panicking fn leaves nothing behind either, and nothing locked.
	func() {
		defer func() {
			if recover() == nil {
				t.Errorf("panic in fn was swallowed")
			}
		}()
		_ = s.UpdateIdentities(ctx, func(tx identity.IdentityTx) error {
			if err := tx.AddLogin(a.ID, p.ID, login("dev", "panic")); err != nil {
				t.Errorf("AddLogin: %v", err)
			}
			panic("fn panics")
		})
	}()
	wantLoginOwner(t, s, p.ID, login("dev", "panic"), "")
	mustCreateIdentity(t, s, newIdentity("us-east-1:after-panic", p.ID, login("dev", "panic")))
}

func testTxLoginTaken(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:p")
	l := login("graph.facebook.com", "taken")
	a := newIdentity("us-east-1:a", p.ID, l)
	b := newIdentity("us-east-1:b", p.ID)
	mustCreateIdentity(t, s, a)
	mustCreateIdentity(t, s, b)

	// fn passes the conflict up: nothing is written, the error says conflict.
	err := s.UpdateIdentities(ctx, func(tx identity.IdentityTx) error {
		if err := tx.SetIdentityState(b.ID, true, t1); err != nil {
			return err
		}
		return tx.AddLogin(b.ID, p.ID, l)
	})
	wantErr(t, "UpdateIdentities(link taken login)", err, identity.ErrConflict)
	wantIdentity(t, s, a)
	wantIdentity(t, s, b)

	// fn handles the conflict and goes on: the transaction is still usable.
	err = s.UpdateIdentities(ctx, func(tx identity.IdentityTx) error {
		if err := tx.AddLogin(b.ID, p.ID, l); !errors.Is(err, identity.ErrConflict) {
			t.Errorf("AddLogin(taken): got %v, want ErrConflict", err)
		}
		owner, err := tx.IdentityByLogin(p.ID, l)
		if err != nil {
			return err
		}
		if owner.ID != a.ID {
			t.Errorf("owner of taken login = %s, want %s", owner.ID, a.ID)
		}
		return tx.AddLogin(b.ID, p.ID, login("graph.facebook.com", "free"))
	})
	if err != nil {
		t.Fatalf("UpdateIdentities(handled conflict): %v", err)
	}
	b.Logins = []identity.Login{login("graph.facebook.com", "free")}
	wantIdentity(t, s, b)
	wantLoginOwner(t, s, p.ID, l, a.ID)
}

func testTxInsertConflictLeavesNothing(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:p")
	l := login("dev", "taken")
	mustCreateIdentity(t, s, newIdentity("us-east-1:a", p.ID, l))
	err := s.UpdateIdentities(ctx, func(tx identity.IdentityTx) error {
		err := tx.InsertIdentity(newIdentity("us-east-1:c", p.ID, login("dev", "free"), l))
		wantErr(t, "InsertIdentity(taken login)", err, identity.ErrConflict)
		_, err = tx.GetIdentity("us-east-1:c")
		wantErr(t, "tx.GetIdentity after failed insert", err, identity.ErrNotFound)
		return nil // commit: the failed insert must have left nothing
	})
	if err != nil {
		t.Fatalf("UpdateIdentities: %v", err)
	}
	wantNoIdentity(t, s, "us-east-1:c")
	wantLoginOwner(t, s, p.ID, login("dev", "free"), "")
}

func testTxInsertUnknownPool(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:p")
	a := newIdentity("us-east-1:a", p.ID)
	mustCreateIdentity(t, s, a)
	err := s.UpdateIdentities(ctx, func(tx identity.IdentityTx) error {
		if err := tx.SetIdentityState(a.ID, true, t1); err != nil {
			return err
		}
		err := tx.InsertIdentity(newIdentity("us-east-1:orphan", "us-east-1:nopool"))
		wantErr(t, "InsertIdentity(unknown pool)", err, identity.ErrNotFound)
		return nil // swallowed: the store must still not commit half a transaction
	})
	if err == nil {
		t.Fatalf("UpdateIdentities committed after a failed statement")
	}
	wantIdentity(t, s, a)
	wantNoIdentity(t, s, "us-east-1:orphan")
}

func testTxConcurrentLinkSameLogin(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:p")
	const n = 20
	for i := range n {
		mustCreateIdentity(t, s, newIdentity(fmt.Sprintf("us-east-1:i%02d", i), p.ID))
	}
	l := login("dev", "contested")
	errs := runConcurrently(n, func(i int) error {
		return s.UpdateIdentities(ctx, func(tx identity.IdentityTx) error {
			id := fmt.Sprintf("us-east-1:i%02d", i)
			if _, err := tx.GetIdentity(id); err != nil {
				return err
			}
			return tx.AddLogin(id, p.ID, l)
		})
	})
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("both %d and %d linked the login", winner, i)
			}
			winner = i
		case !errors.Is(err, identity.ErrConflict):
			t.Errorf("linker %d: got %v, want ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatalf("nobody linked the login")
	}
	wantLoginOwner(t, s, p.ID, l, fmt.Sprintf("us-east-1:i%02d", winner))
}

func testTxConcurrentOpposingMoves(t *testing.T, s identity.Store) {
	ctx := t.Context()
	p := mustCreatePool(t, s, "us-east-1:p")
	a := newIdentity("us-east-1:a", p.ID, login("dev", "a1"), login("dev", "a2"))
	b := newIdentity("us-east-1:b", p.ID, login("dev", "b1"))
	mustCreateIdentity(t, s, a)
	mustCreateIdentity(t, s, b)
	const n = 20
	errs := runConcurrently(n, func(i int) error {
		from, to := a.ID, b.ID
		if i%2 == 1 {
			from, to = to, from
		}
		return s.UpdateIdentities(ctx, func(tx identity.IdentityTx) error {
			return tx.MoveLogins(from, to)
		})
	})
	for i, err := range errs {
		// A backend may abort one side of a deadlock: that is a conflict.
		if err != nil && !errors.Is(err, identity.ErrConflict) {
			t.Errorf("move %d: %v", i, err)
		}
	}
	// Every login is still linked exactly once, all to the same identity.
	ga, gb := mustGetIdentity(t, s, a.ID), mustGetIdentity(t, s, b.ID)
	all := append(slices.Clone(ga.Logins), gb.Logins...)
	wantEqual(t, "logins after opposing moves", sortedLogins(all),
		sortedLogins([]identity.Login{login("dev", "a1"), login("dev", "a2"), login("dev", "b1")}))
	if len(ga.Logins) != 0 && len(gb.Logins) != 0 {
		t.Errorf("logins split between identities: %v / %v", ga.Logins, gb.Logins)
	}
}

// Key-value documents.

func testKVCompareAndSwap(t *testing.T, s identity.Store) {
	ctx := t.Context()
	_, _, err := s.GetValue(ctx, "signing-keys")
	wantErr(t, "GetValue(missing)", err, identity.ErrNotFound)

	v1 := []byte("v1\x00\xff binary")
	ver, err := s.PutValue(ctx, "signing-keys", v1, 0)
	if err != nil || ver != 1 {
		t.Fatalf("PutValue(insert) = %d, %v; want 1", ver, err)
	}
	_, err = s.PutValue(ctx, "signing-keys", []byte("again"), 0)
	wantErr(t, "PutValue(insert existing)", err, identity.ErrConflict)

	got, gotVer, err := s.GetValue(ctx, "signing-keys")
	if err != nil || gotVer != 1 || string(got) != string(v1) {
		t.Fatalf("GetValue = %q, %d, %v; want %q, 1", got, gotVer, err, v1)
	}
	ver, err = s.PutValue(ctx, "signing-keys", []byte("v2"), 1)
	if err != nil || ver != 2 {
		t.Fatalf("PutValue(v1→v2) = %d, %v; want 2", ver, err)
	}
	_, err = s.PutValue(ctx, "signing-keys", []byte("stale"), 1)
	wantErr(t, "PutValue(stale version)", err, identity.ErrConflict)
	_, err = s.PutValue(ctx, "signing-keys", []byte("future"), 3)
	wantErr(t, "PutValue(future version)", err, identity.ErrConflict)
	got, gotVer, err = s.GetValue(ctx, "signing-keys")
	if err != nil || gotVer != 2 || string(got) != "v2" {
		t.Fatalf("GetValue = %q, %d, %v; want v2, 2", got, gotVer, err)
	}

	_, err = s.PutValue(ctx, "absent", []byte("x"), 5)
	wantErr(t, "PutValue(absent key, version 5)", err, identity.ErrConflict)
	_, _, err = s.GetValue(ctx, "absent")
	wantErr(t, "GetValue(absent after failed put)", err, identity.ErrNotFound)

	if _, err := s.PutValue(ctx, "empty", nil, 0); err != nil {
		t.Fatalf("PutValue(empty): %v", err)
	}
	got, gotVer, err = s.GetValue(ctx, "empty")
	if err != nil || gotVer != 1 || len(got) != 0 {
		t.Fatalf("GetValue(empty) = %q, %d, %v; want empty, 1", got, gotVer, err)
	}
}

func testKVConcurrent(t *testing.T, s identity.Store) {
	ctx := t.Context()
	const n = 20
	errs := runConcurrently(n, func(int) error {
		for range 10 * n {
			val, ver, err := s.GetValue(ctx, "counter")
			if errors.Is(err, identity.ErrNotFound) {
				val, ver, err = []byte("0"), 0, nil
			}
			if err != nil {
				return err
			}
			c, err := strconv.Atoi(string(val))
			if err != nil {
				return err
			}
			_, err = s.PutValue(ctx, "counter", []byte(strconv.Itoa(c+1)), ver)
			if errors.Is(err, identity.ErrConflict) {
				continue
			}
			return err
		}
		return errors.New("too many conflicts")
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("incrementer %d: %v", i, err)
		}
	}
	val, ver, err := s.GetValue(ctx, "counter")
	if err != nil || string(val) != strconv.Itoa(n) || ver != n {
		t.Fatalf("counter = %q version %d, %v; want %d version %d (an increment was lost)", val, ver, err, n, n)
	}
}

// Durability across Close and reopen.

func testReopen(t *testing.T, open func() identity.Store) {
	ctx := t.Context()
	s := open()
	p := mustCreatePool(t, s, "us-east-1:durable")
	id := newIdentity("us-east-1:id", p.ID, login("dev", "u"), login("graph.facebook.com", "f"))
	mustCreateIdentity(t, s, id)
	if _, err := s.PutValue(ctx, "k", []byte("v"), 0); err != nil {
		t.Fatalf("PutValue: %v", err)
	}
	updated, err := s.UpdatePool(ctx, p.ID, func(q *identity.Pool) error {
		q.Name = "updated before close"
		return nil
	})
	if err != nil {
		t.Fatalf("UpdatePool: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = open()
	defer func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close (reopened): %v", err)
		}
	}()
	got, err := s.GetPool(ctx, p.ID)
	if err != nil {
		t.Fatalf("GetPool after reopen: %v", err)
	}
	wantEqual(t, "pool after reopen", got, updated)
	wantIdentity(t, s, id)
	wantLoginOwner(t, s, p.ID, login("dev", "u"), id.ID)
	val, ver, err := s.GetValue(ctx, "k")
	if err != nil || string(val) != "v" || ver != 1 {
		t.Fatalf("GetValue after reopen = %q, %d, %v", val, ver, err)
	}
	// The reopened store still enforces the constraints.
	err = s.CreateIdentity(ctx, newIdentity("us-east-1:id2", p.ID, login("dev", "u")))
	wantErr(t, "CreateIdentity(taken login) after reopen", err, identity.ErrConflict)
	if _, err := s.UpdatePool(ctx, p.ID, func(*identity.Pool) error { return nil }); err != nil {
		t.Fatalf("UpdatePool after reopen: %v", err)
	}
}
