package sts

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idpool/idpool/internal/identity"
	"github.com/idpool/idpool/internal/sigv4"
)

// memStore is an in-memory ValueStore with identity.Store's semantics.
type memStore struct {
	gets atomic.Int64
	mu   sync.Mutex
	vals map[string][]byte
	vers map[string]int64
	// beforePut, if set, runs before each PutValue (to stage races).
	beforePut func()
}

func newMemStore() *memStore {
	return &memStore{vals: map[string][]byte{}, vers: map[string]int64{}}
}

func (s *memStore) GetValue(_ context.Context, key string) ([]byte, int64, error) {
	s.gets.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.vals[key]
	if !ok {
		return nil, 0, fmt.Errorf("get %q: %w", key, identity.ErrNotFound)
	}
	return append([]byte(nil), v...), s.vers[key], nil
}

func (s *memStore) PutValue(_ context.Context, key string, value []byte, expect int64) (int64, error) {
	if s.beforePut != nil {
		s.beforePut()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.vers[key] != expect {
		return 0, fmt.Errorf("put %q: %w", key, identity.ErrConflict)
	}
	s.vals[key] = append([]byte(nil), value...)
	s.vers[key]++
	return s.vers[key], nil
}

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2023, 1, 1, 12, 0, 0, 0, time.UTC)

// seeded is a deterministic io.Reader for tests.
func seeded(seed byte) *mrand.ChaCha8 {
	var s [32]byte
	s[0] = seed
	return mrand.NewChaCha8(s)
}

func newTestMinter(t testing.TB, store ValueStore, c *clock, seed byte) *Minter {
	t.Helper()
	m, err := NewMinter(context.Background(), Config{Store: store, Now: c.Now, Rand: seeded(seed)})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const roleARN = "arn:aws:iam::123456789012:role/service-role/Cognito_PoolAuth_Role"

var fullRequest = MintRequest{
	RoleARN:         roleARN,
	RoleSessionName: "CognitoIdentityCredentials",
	Subject:         "us-east-1:0d01f4d7-1305-4916-b3e4-ab1b2b2ec9b2",
	Provider:        CognitoProvider,
	Audience:        "us-east-1:6b5e1ed0-7f33-4bd5-b4c5-6b0b4b7c3c1a",
	AMR:             []string{"authenticated", "accounts.google.com", "accounts.google.com:1234"},
	SessionTags:     map[string]string{"client": "app", "username": "alice", "empty": ""},
	SourceIdentity:  "alice",
	Duration:        time.Hour,
}

var (
	akidRE   = regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`)
	secretRE = regexp.MustCompile(`^[A-Za-z0-9+/]{40}$`)
	roleIDRE = regexp.MustCompile(`^AROA[A-Z2-7]{17}$`)
)

func TestMintLookupRoundTrip(t *testing.T) {
	c := &clock{t: t0.Add(123 * time.Millisecond)}
	m := newTestMinter(t, newMemStore(), c, 1)
	cr, err := m.Mint(fullRequest)
	if err != nil {
		t.Fatal(err)
	}
	if !akidRE.MatchString(cr.AccessKeyID) || !secretRE.MatchString(cr.SecretAccessKey) {
		t.Fatalf("bad credentials %q / %q", cr.AccessKeyID, cr.SecretAccessKey)
	}
	if !cr.IssuedAt.Equal(t0) || !cr.Expiration.Equal(t0.Add(time.Hour)) {
		t.Fatalf("issued %v expires %v", cr.IssuedAt, cr.Expiration)
	}
	if strings.ContainsAny(cr.SessionToken, "+/=") {
		t.Fatalf("token is not base64url: %s", cr.SessionToken)
	}
	t.Logf("token: %d chars", len(cr.SessionToken))

	c.Add(59 * time.Minute)
	s, err := m.Lookup(cr.AccessKeyID, cr.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, cr.Session) {
		t.Fatalf("lookup:\n got %+v\nwant %+v", s, cr.Session)
	}
	if got := s.AssumedRoleARN(); got != "arn:aws:sts::123456789012:assumed-role/Cognito_PoolAuth_Role/CognitoIdentityCredentials" {
		t.Fatalf("AssumedRoleARN = %s", got)
	}
	if s.Account() != "123456789012" {
		t.Fatalf("Account = %s", s.Account())
	}

	// A minimal request round-trips too (empty strings, nil collections).
	cr, err = m.Mint(MintRequest{RoleARN: roleARN, RoleSessionName: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := m.Lookup(cr.AccessKeyID, cr.SessionToken); err != nil || !reflect.DeepEqual(s, cr.Session) {
		t.Fatalf("minimal: %+v %v", s, err)
	}
	if !cr.Expiration.Equal(cr.IssuedAt.Add(DefaultDuration)) {
		t.Fatalf("default duration: %v", cr.Expiration.Sub(cr.IssuedAt))
	}
}

func TestMintValidation(t *testing.T) {
	m := newTestMinter(t, newMemStore(), &clock{t: t0}, 1)
	for _, r := range []MintRequest{{RoleSessionName: "s"}, {RoleARN: roleARN}, {RoleARN: roleARN, RoleSessionName: "s", Duration: -time.Second}} {
		if _, err := m.Mint(r); err == nil {
			t.Errorf("Mint(%+v) succeeded", r)
		}
	}
	broken, err := NewMinter(context.Background(), Config{Store: newMemStore(), Rand: strings.NewReader(strings.Repeat("k", 32))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := broken.Mint(fullRequest); err == nil {
		t.Error("Mint succeeded with exhausted randomness")
	}
}

func wantInvalid(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrInvalidToken) || !errors.Is(err, sigv4.ErrUnknownAccessKey) || errors.Is(err, sigv4.ErrExpiredToken) {
		t.Fatalf("got %v, want ErrInvalidToken", err)
	}
}

func TestTamperedTokens(t *testing.T) {
	m := newTestMinter(t, newMemStore(), &clock{t: t0}, 1)
	cr, err := m.Mint(fullRequest)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(cr.SessionToken)
	// Every single flipped bit, anywhere in the token, is refused.
	for i := range raw {
		for bit := range 8 {
			b := append([]byte(nil), raw...)
			b[i] ^= 1 << bit
			_, err := m.Lookup(cr.AccessKeyID, base64.RawURLEncoding.EncodeToString(b))
			wantInvalid(t, err)
		}
	}
	other, _ := m.Mint(fullRequest)
	for name, tc := range map[string][2]string{
		"empty":            {cr.AccessKeyID, ""},
		"not base64":       {cr.AccessKeyID, "!!!" + cr.SessionToken},
		"padded":           {cr.AccessKeyID, cr.SessionToken + "="},
		"truncated":        {cr.AccessKeyID, cr.SessionToken[:len(cr.SessionToken)-4]},
		"too short":        {cr.AccessKeyID, "AQE"},
		"other access key": {other.AccessKeyID, cr.SessionToken},
		"swapped tokens":   {cr.AccessKeyID, other.SessionToken},
		"lower-case akid":  {strings.ToLower(cr.AccessKeyID), cr.SessionToken},
		"huge":             {cr.AccessKeyID, strings.Repeat("A", 70000)},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := m.Lookup(tc[0], tc[1])
			wantInvalid(t, err)
		})
	}
}

func TestExpiredToken(t *testing.T) {
	c := &clock{t: t0}
	m := newTestMinter(t, newMemStore(), c, 1)
	cr, err := m.Mint(MintRequest{RoleARN: roleARN, RoleSessionName: "s", Duration: 15 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	c.Add(15*time.Minute - time.Nanosecond)
	if _, err := m.Lookup(cr.AccessKeyID, cr.SessionToken); err != nil {
		t.Fatalf("just before expiry: %v", err)
	}
	c.Add(time.Nanosecond)
	_, err = m.Lookup(cr.AccessKeyID, cr.SessionToken)
	if !errors.Is(err, ErrExpiredToken) || !errors.Is(err, sigv4.ErrExpiredToken) || !errors.Is(err, sigv4.ErrUnknownAccessKey) || errors.Is(err, ErrInvalidToken) {
		t.Fatalf("at expiry: got %v, want ErrExpiredToken", err)
	}
}

func TestForeignDeployment(t *testing.T) {
	c := &clock{t: t0}
	a := newTestMinter(t, newMemStore(), c, 1)
	b := newTestMinter(t, newMemStore(), c, 2)
	cr, err := a.Mint(fullRequest)
	if err != nil {
		t.Fatal(err)
	}
	// Same key id (1) in both keyrings, different key: refused, no reload loop.
	_, err = b.LookupCredentials(context.Background(), cr.AccessKeyID, cr.SessionToken)
	wantInvalid(t, err)
}

func TestTwoNodesShareOneKeyring(t *testing.T) {
	store := newMemStore()
	c := &clock{t: t0}
	// Both nodes start at the same moment: each sees no keyring and tries
	// to create one; exactly one insert wins.
	var wg sync.WaitGroup
	gate := make(chan struct{})
	arrived := 0
	var mu sync.Mutex
	store.beforePut = func() {
		mu.Lock()
		arrived++
		if arrived == 2 {
			close(gate)
		}
		mu.Unlock()
		<-gate
	}
	nodes := make([]*Minter, 2)
	for i := range nodes {
		wg.Go(func() {
			m, err := NewMinter(context.Background(), Config{Store: store, Now: c.Now, Rand: seeded(byte(10 + i))})
			if err != nil {
				t.Error(err)
			}
			nodes[i] = m
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	store.beforePut = nil
	if store.vers[DefaultKeyName] != 1 {
		t.Fatalf("keyring written %d times", store.vers[DefaultKeyName])
	}
	for i, minter := range nodes {
		cr, err := minter.Mint(fullRequest)
		if err != nil {
			t.Fatal(err)
		}
		for j, verifier := range nodes {
			if _, err := verifier.Lookup(cr.AccessKeyID, cr.SessionToken); err != nil {
				t.Fatalf("node %d cannot verify node %d's token: %v", j, i, err)
			}
		}
	}
}

func TestRotation(t *testing.T) {
	store := newMemStore()
	c := &clock{t: t0}
	a := newTestMinter(t, store, c, 1)
	b := newTestMinter(t, store, c, 2)
	ctx := context.Background()

	t1, _ := a.Mint(fullRequest)
	if err := a.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	t2, _ := a.Mint(fullRequest)
	if keyID(t2) == keyID(t1) {
		t.Fatal("rotation did not change the key id")
	}
	// a knows both keys.
	for _, cr := range []Credentials{t1, t2} {
		if _, err := a.Lookup(cr.AccessKeyID, cr.SessionToken); err != nil {
			t.Fatalf("a: %v", err)
		}
	}
	// b has not reloaded: Lookup alone refuses the new key id, while
	// LookupCredentials reloads and accepts it.
	if _, err := b.Lookup(t2.AccessKeyID, t2.SessionToken); err == nil {
		t.Fatal("b verified a key it never loaded")
	}
	got, err := b.LookupCredentials(ctx, t2.AccessKeyID, t2.SessionToken)
	if err != nil {
		t.Fatalf("b after on-demand reload: %v", err)
	}
	if got.Subject.(Session).AccessKeyID != t2.AccessKeyID || got.SecretAccessKey != t2.SecretAccessKey {
		t.Fatalf("b: %+v", got)
	}
	// b now mints with the new key too.
	t3, _ := b.Mint(fullRequest)
	if keyID(t3) != keyID(t2) {
		t.Fatal("b still mints with the old key")
	}

	// A second rotation drops the first key: t1 is now invalid, t2 still valid.
	if err := b.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = a.Lookup(t1.AccessKeyID, t1.SessionToken)
	wantInvalid(t, err)
	if _, err := a.Lookup(t2.AccessKeyID, t2.SessionToken); err != nil {
		t.Fatalf("t2 after second rotation: %v", err)
	}

	// The on-demand reload is rate-limited: an unknown key id within a
	// second of the last reload does not touch the store again.
	before := store.gets.Load()
	_, err = b.LookupCredentials(ctx, t1.AccessKeyID, t1.SessionToken)
	wantInvalid(t, err)
	if store.gets.Load() != before {
		t.Fatal("store read again within a second of the last reload")
	}
	c.Add(time.Second)
	_, err = b.LookupCredentials(ctx, t1.AccessKeyID, t1.SessionToken)
	wantInvalid(t, err)
	if store.gets.Load() != before+1 {
		t.Fatal("no reload a second later")
	}
}

// keyID is the key id byte of a minted token.
func keyID(c Credentials) byte {
	raw, _ := base64.RawURLEncoding.DecodeString(c.SessionToken)
	return raw[1]
}

func TestConcurrentRotate(t *testing.T) {
	store := newMemStore()
	c := &clock{t: t0}
	a := newTestMinter(t, store, c, 1)
	b := newTestMinter(t, store, c, 2)
	var wg sync.WaitGroup
	gate := make(chan struct{})
	arrived := 0
	var mu sync.Mutex
	store.beforePut = func() {
		mu.Lock()
		arrived++
		if arrived == 2 {
			close(gate)
		}
		mu.Unlock()
		<-gate
	}
	for _, m := range []*Minter{a, b} {
		wg.Go(func() {
			if err := m.Rotate(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	store.beforePut = nil
	if store.vers[DefaultKeyName] != 2 {
		t.Fatalf("keyring version %d, want one rotation (2)", store.vers[DefaultKeyName])
	}
	ta, _ := a.Mint(fullRequest)
	tb, _ := b.Mint(fullRequest)
	if keyID(ta) != keyID(tb) {
		t.Fatal("nodes disagree on the current key after racing rotations")
	}
}

func TestStoreErrors(t *testing.T) {
	boom := errors.New("connection refused")
	_, err := NewMinter(context.Background(), Config{Store: failingStore{boom}})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	if _, err := NewMinter(context.Background(), Config{}); err == nil {
		t.Fatal("nil store accepted")
	}
	store := newMemStore()
	store.vals[DefaultKeyName] = []byte(`{"version":1,"current":3,"keys":[]}`)
	store.vers[DefaultKeyName] = 1
	if _, err := NewMinter(context.Background(), Config{Store: store}); err == nil {
		t.Fatal("keyring without its current key accepted")
	}
}

type failingStore struct{ err error }

func (f failingStore) GetValue(context.Context, string) ([]byte, int64, error) { return nil, 0, f.err }
func (f failingStore) PutValue(context.Context, string, []byte, int64) (int64, error) {
	return 0, f.err
}

func TestARNs(t *testing.T) {
	cases := []struct{ account, role, session, want string }{
		{"123456789012", "arn:aws:iam::123456789012:role/MyRole", "sess", "arn:aws:sts::123456789012:assumed-role/MyRole/sess"},
		{"123456789012", "arn:aws:iam::123456789012:role/path/to/MyRole", "s@x", "arn:aws:sts::123456789012:assumed-role/MyRole/s@x"},
		{"210987654321", "arn:aws-cn:iam::210987654321:role/R", "s", "arn:aws-cn:sts::210987654321:assumed-role/R/s"},
	}
	for _, tc := range cases {
		if got := AssumedRoleARN(tc.account, tc.role, tc.session); got != tc.want {
			t.Errorf("AssumedRoleARN(%q) = %q, want %q", tc.role, got, tc.want)
		}
	}
	id := RoleID(roleARN)
	if !roleIDRE.MatchString(id) || id != RoleID(roleARN) || id == RoleID(roleARN+"2") {
		t.Fatalf("RoleID %q not stable or not distinct", id)
	}
	if got := AssumedRoleID(roleARN, "CognitoIdentityCredentials"); got != id+":CognitoIdentityCredentials" {
		t.Fatalf("AssumedRoleID = %q", got)
	}
}

func TestForIdentity(t *testing.T) {
	c := &clock{t: t0}
	m := newTestMinter(t, newMemStore(), c, 1)
	var cm identity.CredentialMinter = m.ForIdentity()
	got, err := cm.Mint(context.Background(), identity.CredentialRequest{
		RoleARN: roleARN, SessionName: "CognitoIdentityCredentials", IdentityID: "us-east-1:abc",
		PoolID: "us-east-1:pool", AMR: []string{"unauthenticated"}, PrincipalTags: map[string]string{"k": "v"},
		Duration: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Lookup(got.AccessKeyID, got.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	if s.Subject != "us-east-1:abc" || s.Audience != "us-east-1:pool" || s.Provider != CognitoProvider ||
		s.SecretAccessKey != got.SecretKey || !s.Expiration.Equal(got.Expiration) || s.SessionTags["k"] != "v" {
		t.Fatalf("session %+v from %+v", s, got)
	}
}

func FuzzLookup(f *testing.F) {
	c := &clock{t: t0}
	m := newTestMinter(f, newMemStore(), c, 1)
	cr, err := m.Mint(fullRequest)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(cr.AccessKeyID, cr.SessionToken)
	f.Add("ASIA", "AQ")
	genuine, _ := base64.RawURLEncoding.DecodeString(cr.SessionToken)
	f.Fuzz(func(t *testing.T, akid, token string) {
		if _, err := m.Lookup(akid, token); err == nil {
			// Only the genuine pair may open: GCM makes forgery infeasible.
			got, _ := base64.RawURLEncoding.DecodeString(token)
			if akid != cr.AccessKeyID || string(got) != string(genuine) {
				t.Fatalf("forged token accepted: %q %q", akid, token)
			}
		}
	})
}

func FuzzDecodeSession(f *testing.F) {
	f.Add(encodeSession(&Session{RoleARN: roleARN, SessionTags: map[string]string{"a": "b"}, AMR: []string{"x"}, IssuedAt: t0, Expiration: t0.Add(time.Hour)}))
	f.Add([]byte{0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Session
		if decodeSession(b, &s) == nil {
			if got := encodeSession(&s); len(got) > len(b) {
				t.Fatalf("re-encoding grew from %d to %d bytes", len(b), len(got))
			}
		}
	})
}

func BenchmarkMint(b *testing.B) {
	m := newTestMinter(b, newMemStore(), &clock{t: t0}, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Mint(fullRequest); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMintCryptoRand(b *testing.B) {
	m, err := NewMinter(context.Background(), Config{Store: newMemStore()})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Mint(fullRequest); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	m := newTestMinter(b, newMemStore(), &clock{t: t0}, 1)
	cr, err := m.Mint(fullRequest)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Lookup(cr.AccessKeyID, cr.SessionToken); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSealedKeyring: with a seal key the stored keyring does not hold the
// keys in the clear; a node with the same seal key verifies the first
// node's credentials, and a node with another seal key refuses to start.
func TestSealedKeyring(t *testing.T) {
	store := newMemStore()
	seal := bytes.Repeat([]byte{7}, 32)
	a, err := NewMinter(t.Context(), Config{Store: store, SealKey: seal})
	if err != nil {
		t.Fatal(err)
	}
	raw, _, err := store.GetValue(t.Context(), DefaultKeyName)
	if err != nil {
		t.Fatal(err)
	}
	var doc keyringDoc
	if err := json.Unmarshal(raw, &doc); err != nil || len(doc.Keys) != 1 || !doc.Keys[0].Sealed || len(doc.Keys[0].Key) == keyLen {
		t.Fatalf("stored keyring %s: want one sealed key", raw)
	}
	c, err := a.Mint(MintRequest{RoleARN: "arn:aws:iam::123456789012:role/R", RoleSessionName: "s", Subject: "x"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewMinter(t.Context(), Config{Store: store, SealKey: seal})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Lookup(c.AccessKeyID, c.SessionToken); err != nil {
		t.Fatalf("second node with the same seal key: %v", err)
	}
	if _, err := NewMinter(t.Context(), Config{Store: store, SealKey: bytes.Repeat([]byte{8}, 32)}); err == nil {
		t.Fatal("a node with another seal key started")
	}
	if _, err := NewMinter(t.Context(), Config{Store: store}); err == nil {
		t.Fatal("a node without a seal key started on a sealed keyring")
	}
}
