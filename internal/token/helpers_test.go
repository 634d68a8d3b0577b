package token

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idpool/idpool/internal/identity"
)

// memStore is an in-memory ValueStore with the compare-and-swap semantics of
// identity.Store.
type memStore struct {
	mu      sync.Mutex
	values  map[string][]byte
	version map[string]int64
	puts    atomic.Int64 // successful writes
	lost    atomic.Int64 // writes refused with ErrConflict
}

func newMemStore() *memStore {
	return &memStore{values: map[string][]byte{}, version: map[string]int64{}}
}

func (s *memStore) GetValue(_ context.Context, key string) ([]byte, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.values[key]
	if !ok {
		return nil, 0, identity.ErrNotFound
	}
	return bytes.Clone(v), s.version[key], nil
}

func (s *memStore) PutValue(_ context.Context, key string, value []byte, expect int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.version[key] != expect {
		s.lost.Add(1)
		return 0, identity.ErrConflict
	}
	s.values[key] = bytes.Clone(value)
	s.version[key]++
	s.puts.Add(1)
	return s.version[key], nil
}

// state decodes the stored document.
func (s *memStore) state(t testing.TB) keyState {
	t.Helper()
	raw, _, err := s.GetValue(context.Background(), DefaultStoreKey)
	if err != nil {
		t.Fatal(err)
	}
	st, err := decodeState(raw)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// edit rewrites the stored document with fn, bumping its version.
func (s *memStore) edit(t testing.TB, fn func(*keyState)) {
	t.Helper()
	st := s.state(t)
	fn(&st)
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.values[DefaultStoreKey] = raw
	s.version[DefaultStoreKey]++
	s.mu.Unlock()
}

// fakeClock is a settable clock safe for concurrent use.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(t.UnixNano())
	return c
}
func (c *fakeClock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Add(d time.Duration) { c.ns.Add(int64(d)) }
func (c *fakeClock) Set(t time.Time)     { c.ns.Store(t.UnixNano()) }

var (
	t0       = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	sealKeyA = bytes.Repeat([]byte{0xA5}, 32)
	sealKeyB = bytes.Repeat([]byte{0x5A}, 32)
)

const (
	testIssuer  = "https://idpool.example.test"
	testRegion  = "us-east-1"
	testPool    = "us-east-1:0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
	testPoolARN = "arn:aws:cognito-identity:us-east-1:123456789012:identitypool/" + testPool
	testID      = "us-east-1:11111111-2222-3333-4444-555555555555"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func testConfig(store ValueStore, clk *fakeClock) Config {
	return Config{
		Store:            store,
		SealKey:          sealKeyA,
		Issuer:           testIssuer,
		Region:           testRegion,
		RotationPeriod:   time.Hour,
		MaxTokenLifetime: 3 * time.Hour,
		RefreshInterval:  time.Minute,
		Now:              clk.Now,
		Logger:           discardLogger(),
	}
}

func newTestManager(t testing.TB, cfg Config) *Manager {
	t.Helper()
	m, err := NewManager(context.Background(), cfg)
	if err != nil {
		t.Fatalf("NewManager: %v", err)
	}
	return m
}

func sampleClaims(now time.Time, life time.Duration) Claims {
	return Claims{
		Subject:       testID,
		Audience:      testPool,
		AMR:           []string{"authenticated", "login.example.com", "login.example.com:OIDC:user-1"},
		PrincipalTags: map[string]string{"team": "blue", "cost-center": "42"},
		PoolARN:       testPoolARN,
		IssuedAt:      now,
		ExpiresAt:     now.Add(life),
	}
}

func mustIssue(t testing.TB, m *Manager, c Claims) string {
	t.Helper()
	tok, err := m.Issue(c)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	return tok
}

// signingKey returns the Manager's current private signing key (tests only).
func signingKey(m *Manager) (string, *rsa.PrivateKey) {
	s := m.keys.Load().signer
	return s.kid, s.key
}

func jwksKids(t testing.TB, doc []byte) []string {
	t.Helper()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil {
		t.Fatalf("JWKS: %v", err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.Kid)
	}
	return kids
}
