package token

import (
	"slices"
	"strconv"
	"testing"
	"time"
)

// fakeMint mints placeholder keys; rotate never looks inside them.
func fakeMint(calls *[]string) mintFunc {
	return func(kid string) (storedKey, error) {
		*calls = append(*calls, kid)
		return storedKey{N: "n-" + kid, E: "AQAB", Sealed: []byte("sealed-" + kid)}, nil
	}
}

func stateKids(s keyState) (signing, next string, retired []string) {
	if s.Signing != nil {
		signing = s.Signing.KID
	}
	if s.Next != nil {
		next = s.Next.KID
	}
	for _, k := range s.Retired {
		retired = append(retired, k.KID)
	}
	return
}

func TestRotateInitial(t *testing.T) {
	pol := rotationPolicy{region: "us-east-1", period: time.Hour, retain: 3 * time.Hour}
	var minted []string
	s, changed, err := rotate(keyState{}, t0, pol, fakeMint(&minted))
	if err != nil || !changed {
		t.Fatalf("rotate(empty) = changed %v, err %v", changed, err)
	}
	sg, nx, ret := stateKids(s)
	if sg != "us-east-11" || nx != "us-east-12" || len(ret) != 0 || s.LastSerial != 2 || s.Format != docFormat {
		t.Fatalf("initial state: signing %q next %q retired %v serial %d", sg, nx, ret, s.LastSerial)
	}
	if !s.Signing.Activated.Equal(t0) || !s.Signing.Created.Equal(t0) || !s.Next.Activated.IsZero() {
		t.Fatalf("times: %+v %+v", s.Signing, s.Next)
	}
	if !slices.Equal(minted, []string{"us-east-11", "us-east-12"}) {
		t.Fatalf("minted %v", minted)
	}

	// Nothing to do until the period is over; the input is never modified.
	before := s.clone()
	s2, changed, err := rotate(s, t0.Add(time.Hour-time.Nanosecond), pol, fakeMint(&minted))
	if err != nil || changed {
		t.Fatalf("early rotate: changed %v err %v", changed, err)
	}
	if s2.Signing.KID != "us-east-11" || len(minted) != 2 {
		t.Fatalf("early rotate changed keys")
	}
	s3, changed, _ := rotate(s, t0.Add(time.Hour), pol, fakeMint(&minted))
	if !changed || s3.Signing.KID != "us-east-12" || s3.Next.KID != "us-east-13" {
		t.Fatalf("rotate at period: %v %v", changed, s3.Signing.KID)
	}
	if s.Signing.KID != before.Signing.KID || len(s.Retired) != len(before.Retired) {
		t.Fatal("rotate modified its input")
	}
	r := s3.Retired[0]
	if r.KID != "us-east-11" || r.Sealed != nil || !r.Expires.Equal(t0.Add(4*time.Hour)) || !r.Retired.Equal(t0.Add(time.Hour)) {
		t.Fatalf("retired key: %+v", r)
	}
}

// TestRotateTenRotations walks a fake clock across ten rotations and checks
// the exact key sets at each step.
func TestRotateTenRotations(t *testing.T) {
	const period = time.Hour
	retain := 3*time.Hour + 7*time.Minute
	pol := rotationPolicy{region: "eu-west-1", period: period, retain: retain}
	var minted []string
	s, _, err := rotate(keyState{}, t0, pol, fakeMint(&minted))
	if err != nil {
		t.Fatal(err)
	}
	retiredAt := map[string]time.Time{}
	for i := 1; i <= 10; i++ {
		now := t0.Add(time.Duration(i) * period)
		var changed bool
		s, changed, err = rotate(s, now, pol, fakeMint(&minted))
		if err != nil || !changed {
			t.Fatalf("step %d: changed %v err %v", i, changed, err)
		}
		retiredAt[kidN("eu-west-1", i)] = now
		sg, nx, ret := stateKids(s)
		if want := kidN("eu-west-1", i+1); sg != want {
			t.Fatalf("step %d: signing %q, want %q", i, sg, want)
		}
		if want := kidN("eu-west-1", i+2); nx != want {
			t.Fatalf("step %d: next %q, want %q", i, nx, want)
		}
		var wantRet []string
		for j := i; j >= 1; j-- {
			kid := kidN("eu-west-1", j)
			if now.Before(retiredAt[kid].Add(retain)) {
				wantRet = append(wantRet, kid)
			}
		}
		if !slices.Equal(ret, wantRet) {
			t.Fatalf("step %d: retired %v, want %v", i, ret, wantRet)
		}
		// Half a period later nothing is due except, possibly, a drop.
		mid := now.Add(period / 2)
		s2, _, _ := rotate(s, mid, pol, fakeMint(&minted))
		if s2.Signing.KID != sg {
			t.Fatalf("step %d: rotated mid-period", i)
		}
	}
	if len(minted) != 12 {
		t.Fatalf("minted %d keys, want 12: %v", len(minted), minted)
	}
	// Long after: every retired key is dropped, and one call rotates once.
	s, _, _ = rotate(s, t0.Add(100*period), pol, fakeMint(&minted))
	if sg, nx, ret := stateKids(s); sg != "eu-west-112" || nx != "eu-west-113" || len(ret) != 1 || ret[0] != "eu-west-111" {
		t.Fatalf("after a long pause: %q %q %v", sg, nx, ret)
	}
}

func kidN(region string, n int) string { return region + strconv.Itoa(n) }

func TestRotateKidUniqueAfterRegionChange(t *testing.T) {
	var minted []string
	s, _, _ := rotate(keyState{}, t0, rotationPolicy{region: "us-east-11", period: time.Hour, retain: time.Hour}, fakeMint(&minted))
	// us-east-111 and us-east-112 exist. With Region "us-east-1", serials 11
	// and 12 would give the same kids again: they must be skipped.
	s.LastSerial = 10
	s, _, _ = rotate(s, t0.Add(time.Hour), rotationPolicy{region: "us-east-1", period: time.Hour, retain: time.Hour}, fakeMint(&minted))
	if s.Next.KID != "us-east-113" || s.LastSerial != 13 {
		t.Fatalf("next kid %q (serial %d), want us-east-113 (13)", s.Next.KID, s.LastSerial)
	}
	seen := map[string]bool{}
	for _, k := range append([]storedKey{*s.Signing, *s.Next}, s.Retired...) {
		if seen[k.KID] {
			t.Fatalf("duplicate kid %q", k.KID)
		}
		seen[k.KID] = true
	}
}
