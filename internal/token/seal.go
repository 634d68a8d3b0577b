package token

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
)

// Sealed blob layout (format 1), stored base64 in the document:
//
//	[0]      format (1)
//	[1:9]    seal-key id: HMAC-SHA256(SealKey, "idpool/token seal-key id v1")[:8]
//	[9:21]   AES-GCM nonce (12 random bytes from Config.Rand)
//	[21:]    AES-256-GCM ciphertext of the PKCS#8 DER private key, then the 16-byte tag
//
// The associated data is blob[0:9] followed by the kid, so a blob cannot be
// moved to another kid, and its header cannot be edited, without failing
// authentication.
const (
	sealFormat    = 1
	sealIDLen     = 8
	sealHeaderLen = 1 + sealIDLen
	sealNonceLen  = 12
	sealTagLen    = 16
)

var (
	// ErrWrongSealKey: the document's private keys were sealed under a
	// different SealKey than the one configured.
	ErrWrongSealKey = errors.New("token: private keys were sealed with a different seal key")
	// ErrSealedKeyCorrupt: a sealed private key failed authentication or
	// parsing: corrupted, tampered with, or moved to another kid.
	ErrSealedKeyCorrupt = errors.New("token: sealed private key is corrupt or was tampered with")
)

type sealer struct {
	aead cipher.AEAD
	id   [sealIDLen]byte
	rand io.Reader
}

func newSealer(key []byte, rand io.Reader) (*sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("token: SealKey must be 32 bytes (AES-256), got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("token: seal key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("token: seal key: %w", err)
	}
	s := &sealer{aead: aead, rand: rand}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("idpool/token seal-key id v1"))
	copy(s.id[:], mac.Sum(nil))
	return s, nil
}

func sealAAD(header []byte, kid string) []byte {
	aad := make([]byte, 0, len(header)+len(kid))
	return append(append(aad, header...), kid...)
}

// seal encrypts plaintext for kid.
func (s *sealer) seal(plaintext []byte, kid string) ([]byte, error) {
	blob := make([]byte, sealHeaderLen+sealNonceLen, sealHeaderLen+sealNonceLen+len(plaintext)+sealTagLen)
	blob[0] = sealFormat
	copy(blob[1:sealHeaderLen], s.id[:])
	nonce := blob[sealHeaderLen:]
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return nil, fmt.Errorf("token: seal nonce: %w", err)
	}
	return s.aead.Seal(blob, nonce, plaintext, sealAAD(blob[:sealHeaderLen], kid)), nil
}

// open decrypts the blob sealed for kid.
func (s *sealer) open(blob []byte, kid string) ([]byte, error) {
	if len(blob) < sealHeaderLen+sealNonceLen+sealTagLen {
		return nil, fmt.Errorf("%w: key %s: sealed blob is %d bytes, too short", ErrSealedKeyCorrupt, kid, len(blob))
	}
	if blob[0] != sealFormat {
		return nil, fmt.Errorf("%w: key %s: unknown sealed-blob format %d", ErrSealedKeyCorrupt, kid, blob[0])
	}
	if !hmac.Equal(blob[1:sealHeaderLen], s.id[:]) {
		return nil, fmt.Errorf("%w: key %s was sealed under seal-key id %x, but the configured SealKey has id %x; "+
			"start every node with the seal key the signing keys were created with", ErrWrongSealKey, kid, blob[1:sealHeaderLen], s.id[:])
	}
	nonce := blob[sealHeaderLen : sealHeaderLen+sealNonceLen]
	pt, err := s.aead.Open(nil, nonce, blob[sealHeaderLen+sealNonceLen:], sealAAD(blob[:sealHeaderLen], kid))
	if err != nil {
		return nil, fmt.Errorf("%w: key %s: authentication failed", ErrSealedKeyCorrupt, kid)
	}
	return pt, nil
}
