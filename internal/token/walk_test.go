package token

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestTenRotations walks a fake clock across ten rotations of a real
// Manager. At every step it checks the exact JWKS, and that every token
// issued so far verifies (with the Manager and with go-jose against the
// published JWKS) until it expires, including tokens signed at the last
// moment before a rotation with the longest lifetime.
func TestTenRotations(t *testing.T) {
	clk := newFakeClock(t0)
	store := newMemStore()
	cfg := testConfig(store, clk) // period 1h, max lifetime 3h, grace 7m
	m := newTestManager(t, cfg)
	// A second node that only reads: it must see the same JWKS.
	reader := newTestManager(t, cfg)
	retain := cfg.MaxTokenLifetime + m.grace

	type issued struct {
		tok string
		kid string
		exp time.Time
	}
	var toks []issued
	issue := func(life time.Duration) {
		t.Helper()
		c := sampleClaims(clk.Now(), life)
		kid, _ := signingKey(m)
		toks = append(toks, issued{mustIssue(t, m, c), kid, c.ExpiresAt.Truncate(time.Second)})
	}
	kid := func(n int) string { return testRegion + strconv.Itoa(n) }
	retiredAt := map[string]time.Time{}

	check := func(step int) {
		t.Helper()
		now := clk.Now()
		// Expected JWKS: signing, next, then retired newest first while
		// retiredAt+retain is in the future.
		want := []string{kid(step + 1), kid(step + 2)}
		for j := step; j >= 1; j-- {
			if now.Before(retiredAt[kid(j)].Add(retain)) {
				want = append(want, kid(j))
			}
		}
		if got := jwksKids(t, m.JWKS()); !slices.Equal(got, want) {
			t.Fatalf("step %d at %s: JWKS %v, want %v", step, now.Sub(t0), got, want)
		}
		if err := reader.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		if string(reader.JWKS()) != string(m.JWKS()) {
			t.Fatalf("step %d: nodes disagree on the JWKS", step)
		}
		for i, it := range toks {
			_, err := m.Verify(it.tok)
			_, stdErr := verifyWithGoJose(t, m.JWKS(), it.tok, now)
			if now.Before(it.exp) {
				if err != nil || stdErr != nil {
					t.Fatalf("step %d: token %d (kid %s, exp in %s) rejected: %v / go-jose: %v", step, i, it.kid, it.exp.Sub(now), err, stdErr)
				}
				continue
			}
			// go-jose treats exp as inclusive (rejects only now > exp); we
			// follow RFC 7519 and Cognito ("now >= exp" is expired).
			if err == nil || (stdErr == nil && now.After(it.exp)) {
				t.Fatalf("step %d: token %d expired %s ago but accepted: %v / go-jose: %v", step, i, now.Sub(it.exp), err, stdErr)
			}
			if !errors.Is(err, ErrExpired) && !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("step %d: token %d: %v", step, i, err)
			}
		}
	}

	issue(cfg.MaxTokenLifetime)
	check(0)
	for step := 1; step <= 10; step++ {
		// Just past the rotation time, before any refresh: the old key still
		// signs (within grace) the longest-lived token it can.
		clk.Set(t0.Add(time.Duration(step)*time.Hour + 90*time.Second))
		issue(cfg.MaxTokenLifetime)
		issue(10 * time.Minute)
		if err := m.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		retiredAt[kid(step)] = clk.Now()
		if k, _ := signingKey(m); k != kid(step+1) {
			t.Fatalf("step %d: signing %s", step, k)
		}
		issue(cfg.MaxTokenLifetime)
		check(step)
		// Walk through the period in 10-minute steps, refreshing as Run
		// would; the JWKS shrinks exactly when retired keys expire.
		for k := 1; k < 6; k++ {
			clk.Add(10 * time.Minute)
			if err := m.Refresh(context.Background()); err != nil {
				t.Fatal(err)
			}
			check(step)
		}
	}
	// Long after: one more rotation (a single one, however late), and only
	// the key it just retired is left of the old ones.
	clk.Add(24 * time.Hour)
	if err := m.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := jwksKids(t, m.JWKS()); !slices.Equal(got, []string{kid(12), kid(13), kid(11)}) {
		t.Fatalf("final JWKS %v", got)
	}
	if st := store.state(t); len(st.Retired) != 1 || st.Retired[0].KID != kid(11) {
		t.Fatalf("final retired %+v", st.Retired)
	}
}
