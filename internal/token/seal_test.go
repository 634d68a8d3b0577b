package token

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSealRoundTrip(t *testing.T) {
	s, err := newSealer(sealKeyA, bytes.NewReader(bytes.Repeat([]byte{7}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	blob, err := s.seal([]byte("secret"), "us-east-11")
	if err != nil {
		t.Fatal(err)
	}
	if blob[0] != sealFormat || len(blob) != sealHeaderLen+sealNonceLen+len("secret")+sealTagLen {
		t.Fatalf("blob layout: %x", blob)
	}
	if pt, err := s.open(blob, "us-east-11"); err != nil || string(pt) != "secret" {
		t.Fatalf("open: %q %v", pt, err)
	}
	// Bound to the kid.
	if _, err := s.open(blob, "us-east-12"); !errors.Is(err, ErrSealedKeyCorrupt) {
		t.Fatalf("other kid: %v", err)
	}
	// Every single-bit flip outside the key id is caught as corruption.
	for i := range blob {
		if i >= 1 && i < sealHeaderLen {
			continue
		}
		bad := bytes.Clone(blob)
		bad[i] ^= 0x01
		if _, err := s.open(bad, "us-east-11"); !errors.Is(err, ErrSealedKeyCorrupt) {
			t.Fatalf("flip at %d: %v", i, err)
		}
	}
	// Flips in the key id read as a wrong seal key; truncation as corrupt.
	bad := bytes.Clone(blob)
	bad[3] ^= 0x80
	if _, err := s.open(bad, "us-east-11"); !errors.Is(err, ErrWrongSealKey) {
		t.Fatalf("id flip: %v", err)
	}
	if _, err := s.open(blob[:20], "us-east-11"); !errors.Is(err, ErrSealedKeyCorrupt) {
		t.Fatalf("truncated: %v", err)
	}
}

func TestTamperedSealedKeyFailsLoad(t *testing.T) {
	clk := newFakeClock(t0)
	store := newMemStore()
	cfg := testConfig(store, clk)
	newTestManager(t, cfg)

	for name, tamper := range map[string]func(*keyState){
		"ciphertext byte": func(s *keyState) { s.Signing.Sealed[40] ^= 1 },
		"tag byte":        func(s *keyState) { s.Next.Sealed[len(s.Next.Sealed)-1] ^= 1 },
		"swapped blobs":   func(s *keyState) { s.Signing.Sealed, s.Next.Sealed = s.Next.Sealed, s.Signing.Sealed },
		"truncated":       func(s *keyState) { s.Signing.Sealed = s.Signing.Sealed[:30] },
		"missing":         func(s *keyState) { s.Signing.Sealed = nil },
		"public key swap": func(s *keyState) { s.Signing.N = s.Next.N },
	} {
		t.Run(name, func(t *testing.T) {
			good := store.state(t)
			defer store.edit(t, func(s *keyState) { *s = good })
			store.edit(t, func(s *keyState) {
				s.Signing.Sealed = bytes.Clone(s.Signing.Sealed)
				s.Next.Sealed = bytes.Clone(s.Next.Sealed)
				tamper(s)
			})
			_, err := NewManager(context.Background(), cfg)
			if !errors.Is(err, ErrSealedKeyCorrupt) {
				t.Fatalf("NewManager: %v", err)
			}
		})
	}
	if _, err := NewManager(context.Background(), cfg); err != nil {
		t.Fatalf("restored document: %v", err)
	}
}

func TestWrongSealKey(t *testing.T) {
	clk := newFakeClock(t0)
	store := newMemStore()
	cfg := testConfig(store, clk)
	m := newTestManager(t, cfg)

	// Due for rotation: a node with the wrong seal key must not write.
	clk.Add(2 * time.Hour)
	wrong := cfg
	wrong.SealKey = sealKeyB
	puts := store.puts.Load()
	_, err := NewManager(context.Background(), wrong)
	if !errors.Is(err, ErrWrongSealKey) {
		t.Fatalf("NewManager with the wrong seal key: %v", err)
	}
	for _, want := range []string{"us-east-11", "seal-key id", "configured SealKey"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	if store.puts.Load() != puts {
		t.Fatal("a node with the wrong seal key wrote the document")
	}
	// The right node is unaffected.
	if err := m.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestDocumentFormat(t *testing.T) {
	clk := newFakeClock(t0)
	store := newMemStore()
	cfg := testConfig(store, clk)
	newTestManager(t, cfg)
	store.edit(t, func(s *keyState) { s.Format = docFormat + 1 })
	puts := store.puts.Load()
	if _, err := NewManager(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "format") {
		t.Fatalf("newer format: %v", err)
	}
	if store.puts.Load() != puts {
		t.Fatal("overwrote a newer document")
	}
	store.mu.Lock()
	store.values[DefaultStoreKey] = []byte("{not json")
	store.mu.Unlock()
	if _, err := NewManager(context.Background(), cfg); err == nil {
		t.Fatal("accepted garbage")
	}
}
