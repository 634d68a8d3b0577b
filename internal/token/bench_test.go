package token

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha512"
	"encoding/json"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Compare BenchmarkIssue with BenchmarkGoJoseSign (a bare go-jose RS512
// sign of the same payload with a signer built once) and BenchmarkRSASign
// (the PKCS#1 v1.5 signature alone, the floor).

func benchManager(b *testing.B) (*Manager, Claims) {
	clk := newFakeClock(t0)
	m := newTestManager(b, testConfig(newMemStore(), clk))
	return m, sampleClaims(clk.Now(), 10*time.Minute)
}

func BenchmarkIssue(b *testing.B) {
	m, c := benchManager(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Issue(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIssueParallel(b *testing.B) {
	m, c := benchManager(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := m.Issue(c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func benchPayload(b *testing.B, m *Manager, c Claims) []byte {
	w, err := m.toWire(&c, m.now())
	if err != nil {
		b.Fatal(err)
	}
	p, err := json.Marshal(&w)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func BenchmarkGoJoseSign(b *testing.B) {
	m, c := benchManager(b)
	kid, key := signingKey(m)
	payload := benchPayload(b, m, c)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS512, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWS"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		obj, err := signer.Sign(payload)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := obj.CompactSerialize(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRSASign(b *testing.B) {
	m, c := benchManager(b)
	_, key := signingKey(m)
	payload := benchPayload(b, m, c)
	b.ReportAllocs()
	for b.Loop() {
		d := sha512.Sum512(payload)
		if _, err := rsa.SignPKCS1v15(nil, key, crypto.SHA512, d[:]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	m, c := benchManager(b)
	tok, err := m.Issue(c)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyParallel(b *testing.B) {
	m, c := benchManager(b)
	tok, err := m.Issue(c)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := m.Verify(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}
