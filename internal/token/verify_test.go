package token

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

var enc = base64.RawURLEncoding

// forge builds a compact JWS from a raw header and payload, signed by sign.
func forge(header, payload string, sign func(input []byte) []byte) string {
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	return input + "." + enc.EncodeToString(sign([]byte(input)))
}

func rsaSigner(t *testing.T, key *rsa.PrivateKey, h crypto.Hash) func([]byte) []byte {
	return func(in []byte) []byte {
		hh := h.New()
		hh.Write(in)
		sig, err := rsa.SignPKCS1v15(nil, key, h, hh.Sum(nil))
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
}

func TestVerifyRefusesForgeries(t *testing.T) {
	clk := newFakeClock(t0)
	m := newTestManager(t, testConfig(newMemStore(), clk))
	kid, key := signingKey(m)
	nextKid := m.keys.Load().kids[1]
	good := mustIssue(t, m, sampleClaims(clk.Now(), time.Hour))
	parts := strings.Split(good, ".")
	payload := string(decodeSegment(t, good, 1))
	hdr := func(alg, kid string) string {
		return `{"kid":"` + kid + `","typ":"JWS","alg":"` + alg + `"}`
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	pubJWK, _ := json.Marshal(jose.JSONWebKey{Key: &key.PublicKey, KeyID: kid, Algorithm: "RS512", Use: "sig"})
	hs := func(secret []byte) func([]byte) []byte {
		return func(in []byte) []byte {
			mac := hmac.New(sha512.New, secret)
			mac.Write(in)
			return mac.Sum(nil)
		}
	}
	hs256 := func(secret []byte) func([]byte) []byte {
		return func(in []byte) []byte {
			mac := hmac.New(sha256.New, secret)
			mac.Write(in)
			return mac.Sum(nil)
		}
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	none := func([]byte) []byte { return nil }
	pss := func(in []byte) []byte {
		d := sha512.Sum512(in)
		sig, err := rsa.SignPSS(rand.Reader, key, crypto.SHA512, d[:], nil)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	tamperedPayload := strings.Replace(payload, testID, "us-east-1:99999999-2222-3333-4444-555555555555", 1)

	cases := []struct {
		name string
		tok  string
		want error
	}{
		{"alg none", forge(hdr("none", kid), payload, none), ErrInvalidSignature},
		{"alg none, no kid", forge(`{"alg":"none"}`, payload, none), ErrInvalidSignature},
		{"alg None", forge(hdr("None", kid), payload, none), ErrInvalidSignature},
		{"HS512 with public key PEM", forge(hdr("HS512", kid), payload, hs(pubPEM)), ErrInvalidSignature},
		{"HS512 with public key DER", forge(hdr("HS512", kid), payload, hs(pubDER)), ErrInvalidSignature},
		{"HS512 with public JWK", forge(hdr("HS512", kid), payload, hs(pubJWK)), ErrInvalidSignature},
		{"HS512 with modulus", forge(hdr("HS512", kid), payload, hs(key.N.Bytes())), ErrInvalidSignature},
		{"HS256 with public key PEM", forge(hdr("HS256", kid), payload, hs256(pubPEM)), ErrInvalidSignature},
		{"RS256 with our key", forge(hdr("RS256", kid), payload, rsaSigner(t, key, crypto.SHA256)), ErrInvalidSignature},
		{"RS384 with our key", forge(hdr("RS384", kid), payload, rsaSigner(t, key, crypto.SHA384)), ErrInvalidSignature},
		{"PS512 with our key", forge(hdr("PS512", kid), payload, pss), ErrInvalidSignature},
		{"ES512 claimed", forge(hdr("ES512", kid), payload, rsaSigner(t, key, crypto.SHA512)), ErrInvalidSignature},
		{"unknown kid", forge(hdr("RS512", "us-east-199"), payload, rsaSigner(t, key, crypto.SHA512)), ErrInvalidSignature},
		{"empty kid", forge(hdr("RS512", ""), payload, rsaSigner(t, key, crypto.SHA512)), ErrInvalidSignature},
		{"no kid", forge(`{"typ":"JWS","alg":"RS512"}`, payload, rsaSigner(t, key, crypto.SHA512)), ErrInvalidSignature},
		{"kid path ../../x", forge(hdr("RS512", "../../x"), payload, rsaSigner(t, key, crypto.SHA512)), ErrInvalidSignature},
		{"kid path with region", forge(hdr("RS512", kid+"/../"+kid), payload, rsaSigner(t, key, crypto.SHA512)), ErrInvalidSignature},
		{"kid with NUL", forge(`{"kid":"`+kid+`\u0000","alg":"RS512"}`, payload, rsaSigner(t, key, crypto.SHA512)), ErrInvalidSignature},
		{"kid of the next key", forge(hdr("RS512", nextKid), payload, rsaSigner(t, key, crypto.SHA512)), ErrInvalidSignature},
		{"foreign RSA key", forge(hdr("RS512", kid), payload, rsaSigner(t, other, crypto.SHA512)), ErrInvalidSignature},
		{"embedded jwk of a foreign key", forge(`{"kid":"`+kid+`","alg":"RS512","jwk":`+mustJSON(t, jose.JSONWebKey{Key: &other.PublicKey})+`}`, payload, rsaSigner(t, other, crypto.SHA512)), ErrInvalidSignature},
		{"tampered payload", parts[0] + "." + enc.EncodeToString([]byte(tamperedPayload)) + "." + parts[2], ErrInvalidSignature},
		{"truncated signature", parts[0] + "." + parts[1] + "." + enc.EncodeToString(decodeSegment(t, good, 2)[:255]), ErrInvalidSignature},
		// 342 base64url characters carry the 256-byte signature; 341 (length 1 mod 4) is never valid.
		{"signature cut mid-character", parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-1], ErrMalformed},
		{"signature one byte longer", parts[0] + "." + parts[1] + "." + enc.EncodeToString(append(decodeSegment(t, good, 2), 0)), ErrInvalidSignature},
		{"empty signature", parts[0] + "." + parts[1] + ".", ErrInvalidSignature},
		{"signature of zeros", parts[0] + "." + parts[1] + "." + enc.EncodeToString(make([]byte, 256)), ErrInvalidSignature},
		{"crit header", forge(`{"kid":"`+kid+`","alg":"RS512","crit":["exp"],"exp":1}`, payload, rsaSigner(t, key, crypto.SHA512)), ErrInvalidSignature},
		{"two parts", parts[0] + "." + parts[1], ErrMalformed},
		{"four parts", good + ".x", ErrMalformed},
		{"empty", "", ErrMalformed},
		{"dots", "..", ErrInvalidSignature}, // an empty header has no alg,
		{"non-canonical trailing bits", parts[0] + "." + parts[1] + "." + flipLowBits(parts[2]), ErrMalformed},
		{"padded base64", parts[0] + "=." + parts[1] + "." + parts[2], ErrMalformed},
		{"std base64 chars", strings.NewReplacer("-", "+", "_", "/").Replace(parts[0]+"."+parts[1]) + "." + strings.NewReplacer("-", "+", "_", "/").Replace(parts[2]) + "+", ErrMalformed},
		{"JSON serialization", `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`, ErrMalformed},
		{"header not JSON", enc.EncodeToString([]byte("kid")) + "." + parts[1] + "." + parts[2], ErrMalformed},
		{"huge", strings.Repeat("a", maxTokenBytes+1), ErrMalformed},
		{"claims not JSON", forge(hdr("RS512", kid), "not json", rsaSigner(t, key, crypto.SHA512)), ErrMalformed},
		{"aud array", forge(hdr("RS512", kid), strings.Replace(payload, `"aud":"`+testPool+`"`, `"aud":["`+testPool+`"]`, 1), rsaSigner(t, key, crypto.SHA512)), ErrMalformed},
		{"no exp", forge(hdr("RS512", kid), `{"sub":"s","aud":"a","amr":[],"iss":"`+testIssuer+`","iat":1}`, rsaSigner(t, key, crypto.SHA512)), ErrInvalidClaims},
		{"two tag values", forge(hdr("RS512", kid), strings.Replace(payload, `["blue"]`, `["blue","red"]`, 1), rsaSigner(t, key, crypto.SHA512)), ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := m.Verify(tc.tok)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
	// Sanity: the forging helper produces tokens we accept.
	if _, err := m.Verify(forge(hdr("RS512", kid), payload, rsaSigner(t, key, crypto.SHA512))); err != nil {
		t.Fatalf("well-formed forged-by-us token: %v", err)
	}
	if _, err := m.Verify(good); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// FuzzVerify: Verify never panics and accepts nothing but our own tokens.
func FuzzVerify(f *testing.F) {
	clk := newFakeClock(t0)
	m := newTestManager(f, testConfig(newMemStore(), clk))
	good := mustIssue(f, m, sampleClaims(clk.Now(), time.Hour))
	f.Add(good)
	f.Add("")
	f.Add("a.b.c")
	f.Add(good[:len(good)-1])
	f.Fuzz(func(t *testing.T, s string) {
		c, err := m.Verify(s)
		if err == nil && s != good {
			// Another encoding of the same signed bytes is impossible
			// with strict base64url, so anything else accepted is a bug.
			t.Fatalf("accepted %q as %+v", s, c)
		}
	})
}

// flipLowBits changes the unused low bits of the last character, which a
// lenient decoder maps to the same bytes.
func flipLowBits(seg string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, seg[len(seg)-1])
	return seg[:len(seg)-1] + string(alphabet[i|1])
}

func TestCanonicalB64(t *testing.T) {
	for n := range 40 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(0xff - i)
		}
		s := enc.EncodeToString(b)
		if !canonicalB64(s) {
			t.Fatalf("%d bytes: %q refused", n, s)
		}
		if n%3 != 0 {
			if bad := flipLowBits(s); canonicalB64(bad) {
				t.Fatalf("%d bytes: %q accepted", n, bad)
			}
		}
	}
}
