package token

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"
)

var b64 = base64.RawURLEncoding

// keySet is the immutable in-memory view of one stored document at one
// moment: parsed keys, the prepared signer and the JWKS bytes. Refresh builds
// a new one and swaps it in; nothing mutates a published keySet.
type keySet struct {
	version int64
	signer  *signer
	// verify holds the public key of every kid in the JWKS.
	verify map[string]*rsa.PublicKey
	// privs caches unsealed private keys by kid, with the blob they came
	// from, so that a later Refresh unseals only keys it has not seen.
	privs map[string]privEntry
	jwks  []byte
	// kids lists the JWKS kids in document order (signing, next, retired).
	kids []string
}

type privEntry struct {
	sealed []byte
	key    *rsa.PrivateKey
}

// signer signs with one key. Everything that does not depend on the claims
// is computed once, here.
type signer struct {
	kid    string
	key    *rsa.PrivateKey
	prefix []byte // base64url(header) + "."
	sigLen int    // base64url length of a signature
	// rotateAt is when the key is due for rotation (Activated + period);
	// refuseAt is when Issue stops signing with it (rotateAt + grace).
	rotateAt, refuseAt time.Time
}

func newSigner(kid string, key *rsa.PrivateKey) (*signer, error) {
	kidJSON, err := json.Marshal(kid)
	if err != nil {
		return nil, err
	}
	header := `{"kid":` + string(kidJSON) + `,"typ":"JWS","alg":"RS512"}`
	prefix := make([]byte, 0, b64.EncodedLen(len(header))+1)
	prefix = b64.AppendEncode(prefix, []byte(header))
	prefix = append(prefix, '.')
	return &signer{kid: kid, key: key, prefix: prefix, sigLen: b64.EncodedLen(key.Size())}, nil
}

// sign returns the compact JWS of payload.
func (s *signer) sign(payload []byte) (string, error) {
	buf := make([]byte, 0, len(s.prefix)+b64.EncodedLen(len(payload))+1+s.sigLen)
	buf = append(buf, s.prefix...)
	buf = b64.AppendEncode(buf, payload)
	digest := sha512.Sum512(buf)
	sig, err := rsa.SignPKCS1v15(nil, s.key, crypto.SHA512, digest[:])
	if err != nil {
		return "", fmt.Errorf("token: sign: %w", err)
	}
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, sig)
	return string(buf), nil
}

// jwk is one JWKS entry, fields in Cognito's order.
type jwk struct {
	Kty string `json:"kty"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

func encodeE(e int) string {
	return b64.EncodeToString(big.NewInt(int64(e)).Bytes())
}

func publicFields(pub *rsa.PublicKey) (n, e string) {
	return b64.EncodeToString(pub.N.Bytes()), encodeE(pub.E)
}

// parsePublic decodes a stored key's n and e.
func parsePublic(k *storedKey) (*rsa.PublicKey, error) {
	nb, err := b64.DecodeString(k.N)
	if err != nil || len(nb) == 0 || nb[0] == 0 {
		return nil, fmt.Errorf("token: key %s: bad modulus", k.KID)
	}
	eb, err := b64.DecodeString(k.E)
	if err != nil || len(eb) == 0 || len(eb) > 4 || eb[0] == 0 {
		return nil, fmt.Errorf("token: key %s: bad exponent", k.KID)
	}
	e := int(new(big.Int).SetBytes(eb).Int64())
	n := new(big.Int).SetBytes(nb)
	if e < 3 || e%2 == 0 || n.BitLen() < 2048 {
		return nil, fmt.Errorf("token: key %s: unacceptable RSA public key (%d bits, e=%d)", k.KID, n.BitLen(), e)
	}
	return &rsa.PublicKey{N: n, E: e}, nil
}

// unsealPrivate returns the private key of a signing or next key, reusing
// prev's cache when the sealed blob is unchanged.
func (m *Manager) unsealPrivate(k *storedKey, prev *keySet) (privEntry, error) {
	if prev != nil {
		if e, ok := prev.privs[k.KID]; ok && bytes.Equal(e.sealed, k.Sealed) {
			return e, nil
		}
	}
	if len(k.Sealed) == 0 {
		return privEntry{}, fmt.Errorf("%w: key %s has no sealed private key", ErrSealedKeyCorrupt, k.KID)
	}
	der, err := m.sealer.open(k.Sealed, k.KID)
	if err != nil {
		return privEntry{}, err
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der) // validates and precomputes
	clear(der)
	if err != nil {
		return privEntry{}, fmt.Errorf("%w: key %s: %v", ErrSealedKeyCorrupt, k.KID, err)
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return privEntry{}, fmt.Errorf("%w: key %s is a %T, not RSA", ErrSealedKeyCorrupt, k.KID, parsed)
	}
	if n, e := publicFields(&priv.PublicKey); n != k.N || e != k.E {
		return privEntry{}, fmt.Errorf("%w: key %s: private key does not match its published public key", ErrSealedKeyCorrupt, k.KID)
	}
	return privEntry{sealed: k.Sealed, key: priv}, nil
}

// buildKeySet turns a stored document into a keySet at now. Retired keys
// whose Expires is not after now are left out even if the document (not yet
// rewritten) still lists them.
func (m *Manager) buildKeySet(s keyState, version int64, now time.Time, prev *keySet) (*keySet, error) {
	if s.Signing == nil {
		return nil, errors.New("token: signing-key document has no signing key")
	}
	ks := &keySet{
		version: version,
		verify:  map[string]*rsa.PublicKey{},
		privs:   map[string]privEntry{},
	}
	var keys []jwk
	add := func(kid string, pub *rsa.PublicKey) error {
		if _, dup := ks.verify[kid]; dup {
			return fmt.Errorf("token: signing-key document lists kid %s twice", kid)
		}
		ks.verify[kid] = pub
		ks.kids = append(ks.kids, kid)
		n, e := publicFields(pub)
		keys = append(keys, jwk{Kty: "RSA", Alg: "RS512", Use: "sig", Kid: kid, N: n, E: e})
		return nil
	}
	for _, k := range []*storedKey{s.Signing, s.Next} {
		if k == nil {
			continue
		}
		e, err := m.unsealPrivate(k, prev)
		if err != nil {
			return nil, err
		}
		ks.privs[k.KID] = e
		if err := add(k.KID, &e.key.PublicKey); err != nil {
			return nil, err
		}
	}
	for i := range s.Retired {
		k := &s.Retired[i]
		if !now.Before(k.Expires) {
			continue
		}
		pub, err := m.cachedPublic(k, prev)
		if err != nil {
			return nil, err
		}
		if err := add(k.KID, pub); err != nil {
			return nil, err
		}
	}

	sg, err := newSigner(s.Signing.KID, ks.privs[s.Signing.KID].key)
	if err != nil {
		return nil, err
	}
	sg.rotateAt = s.Signing.Activated.Add(m.period)
	sg.refuseAt = sg.rotateAt.Add(m.grace)
	ks.signer = sg

	ks.jwks, err = json.Marshal(struct {
		Keys []jwk `json:"keys"`
	}{keys})
	if err != nil {
		return nil, err
	}
	return ks, nil
}

// cachedPublic parses a retired key's public half, reusing prev's parse.
func (m *Manager) cachedPublic(k *storedKey, prev *keySet) (*rsa.PublicKey, error) {
	if prev != nil {
		if pub, ok := prev.verify[k.KID]; ok {
			if n, e := publicFields(pub); n == k.N && e == k.E {
				return pub, nil
			}
		}
	}
	return parsePublic(k)
}
