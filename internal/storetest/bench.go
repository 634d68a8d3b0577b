package storetest

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idpool/idpool/internal/identity"
)

// benchPool is the pool the benchmarks create their identities in.
const benchPool = "us-east-1:bench"

func benchSetup(b *testing.B, s identity.Store) {
	b.Helper()
	p := identity.Pool{ID: benchPool, Name: "bench", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := s.CreatePool(b.Context(), p); err != nil && !errors.Is(err, identity.ErrConflict) {
		b.Fatalf("CreatePool: %v", err)
	}
}

// BenchCreateIdentity measures CreateIdentity of a new identity with one
// login (GetId for a first-time authenticated user), serially and from
// parallel goroutines (b.RunParallel, GOMAXPROCS×SetParallelism).
func BenchCreateIdentity(b *testing.B, s identity.Store) {
	benchSetup(b, s)
	var seq atomic.Int64
	create := func() error {
		n := seq.Add(1)
		now := time.Now()
		return s.CreateIdentity(b.Context(), identity.Identity{
			ID:        fmt.Sprintf("us-east-1:%012d-0000-4000-8000-000000000000", n),
			PoolID:    benchPool,
			Logins:    []identity.Login{{Provider: "graph.facebook.com", Subject: fmt.Sprintf("user-%d", n)}},
			CreatedAt: now,
			UpdatedAt: now,
		})
	}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if err := create(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := create(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchGetIdentity measures GetIdentity of existing identities with one
// login each (GetCredentialsForIdentity for a returning user), serially and
// from parallel goroutines, over a table of identities identities.
func BenchGetIdentity(b *testing.B, s identity.Store, identities int) {
	benchSetup(b, s)
	now := time.Now()
	ids := make([]string, identities)
	for i := range ids {
		ids[i] = fmt.Sprintf("us-east-1:%012d-0000-4000-8000-00000000beef", i)
		err := s.CreateIdentity(b.Context(), identity.Identity{
			ID: ids[i], PoolID: benchPool, CreatedAt: now, UpdatedAt: now,
			Logins: []identity.Login{{Provider: "accounts.google.com", Subject: fmt.Sprintf("get-%d", i)}},
		})
		if err != nil && !errors.Is(err, identity.ErrConflict) {
			b.Fatalf("CreateIdentity: %v", err)
		}
	}
	var seq atomic.Int64
	get := func() error {
		id := ids[int(seq.Add(1)*7919)%len(ids)]
		got, err := s.GetIdentity(b.Context(), id)
		if err == nil && len(got.Logins) != 1 {
			err = fmt.Errorf("identity %s has %d logins", id, len(got.Logins))
		}
		return err
	}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if err := get(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := get(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
