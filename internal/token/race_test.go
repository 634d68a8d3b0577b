package token

import (
	"context"
	"crypto/rsa"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConcurrentRotation: two Managers over one store, many goroutines
// refreshing both at once when a rotation is due. Exactly one new key is
// written, and both nodes end up with the same keys.
func TestConcurrentRotation(t *testing.T) {
	for round := range 5 {
		clk := newFakeClock(t0)
		store := newMemStore()
		cfg := testConfig(store, clk)
		var generated atomic.Int64
		mk := func() *Manager {
			m, err := newManager(cfg)
			if err != nil {
				t.Fatal(err)
			}
			gen := m.genKey
			m.genKey = func(bits int) (*rsa.PrivateKey, error) {
				generated.Add(1)
				return gen(bits)
			}
			return m
		}
		a, b := mk(), mk()

		// Race for the very first document too.
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		refreshAll := func() {
			start := make(chan struct{})
			for i := range 32 {
				m := a
				if i%2 == 1 {
					m = b
				}
				wg.Go(func() {
					<-start
					if err := m.Refresh(context.Background()); err != nil {
						errs <- err
					}
				})
			}
			close(start)
			wg.Wait()
			select {
			case err := <-errs:
				t.Fatalf("round %d: Refresh: %v", round, err)
			default:
			}
		}
		refreshAll()
		if st := store.state(t); st.Signing.KID != "us-east-11" || st.Next.KID != "us-east-12" || st.LastSerial != 2 {
			t.Fatalf("round %d: initial %+v", round, st)
		}
		if p := store.puts.Load(); p != 1 {
			t.Fatalf("round %d: %d initial writes", round, p)
		}

		clk.Add(time.Hour)
		putsBefore := store.puts.Load()
		refreshAll()
		if p := store.puts.Load() - putsBefore; p != 1 {
			t.Fatalf("round %d: %d writes for one rotation", round, p)
		}
		st := store.state(t)
		if st.Signing.KID != "us-east-12" || st.Next.KID != "us-east-13" || st.LastSerial != 3 ||
			len(st.Retired) != 1 || st.Retired[0].KID != "us-east-11" {
			t.Fatalf("round %d: after rotation signing %s next %s serial %d retired %d",
				round, st.Signing.KID, st.Next.KID, st.LastSerial, len(st.Retired))
		}
		want := []string{"us-east-12", "us-east-13", "us-east-11"}
		for _, m := range []*Manager{a, b} {
			if got := jwksKids(t, m.JWKS()); !slices.Equal(got, want) {
				t.Fatalf("round %d: JWKS %v, want %v", round, got, want)
			}
		}
		if string(a.JWKS()) != string(b.JWKS()) {
			t.Fatalf("round %d: nodes disagree", round)
		}
		// Tokens from either node verify on the other.
		for _, pair := range [][2]*Manager{{a, b}, {b, a}} {
			tok := mustIssue(t, pair[0], sampleClaims(clk.Now(), time.Minute))
			if _, err := pair[1].Verify(tok); err != nil {
				t.Fatalf("round %d: cross-verify: %v", round, err)
			}
		}
		// A loser's generated keys are kept as spares for its next write: 2
		// wasted at most by the initial race, none by the rotation.
		if g := generated.Load(); g > 3+2 {
			t.Fatalf("round %d: generated %d keys for 3 stored", round, g)
		}
		t.Logf("round %d: %d keys generated, %d writes lost", round, generated.Load(), store.lost.Load())
	}
}

// TestLaggingNodeTokensOutliveRetirement: node A rotates; node B has not
// refreshed yet and signs a longest-lived token with the retired key just
// before it would refuse to. The key stays published until that token
// expires.
func TestLaggingNodeTokensOutliveRetirement(t *testing.T) {
	clk := newFakeClock(t0)
	store := newMemStore()
	cfg := testConfig(store, clk)
	a := newTestManager(t, cfg)
	b := newTestManager(t, cfg)

	clk.Set(t0.Add(time.Hour + time.Minute))
	if err := a.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	clk.Set(b.keys.Load().signer.refuseAt.Add(-time.Second))
	tok := mustIssue(t, b, sampleClaims(clk.Now(), cfg.MaxTokenLifetime))
	if k, _ := signingKey(b); k != "us-east-11" {
		t.Fatalf("b signs with %s", k)
	}
	exp := clk.Now().Add(cfg.MaxTokenLifetime).Truncate(time.Second)
	for {
		if err := a.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Verify(tok); err != nil {
			t.Fatalf("%s before exp: %v", exp.Sub(clk.Now()), err)
		}
		if _, err := verifyWithGoJose(t, a.JWKS(), tok, clk.Now()); err != nil {
			t.Fatalf("%s before exp, go-jose: %v", exp.Sub(clk.Now()), err)
		}
		if !clk.Now().Before(exp.Add(-time.Second)) {
			break
		}
		next := clk.Now().Add(10 * time.Minute)
		if next.After(exp.Add(-time.Second)) {
			next = exp.Add(-time.Second)
		}
		clk.Set(next)
	}
	// And once the token has expired, the key goes within the grace period.
	clk.Set(exp.Add(a.grace))
	if err := a.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := jwksKids(t, a.JWKS()); slices.Contains(got, "us-east-11") {
		t.Fatalf("retired key still published %s after its last token expired: %v", a.grace, got)
	}
}
