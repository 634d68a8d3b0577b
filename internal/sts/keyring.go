package sts

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/idpool/idpool/internal/identity"
)

// ValueStore keeps small named documents shared by every node. It is the
// GetValue/PutValue pair of identity.Store, which satisfies it.
//
// GetValue returns the value and its version, or identity.ErrNotFound.
// PutValue writes value if the stored version equals expectVersion (0: the
// key must not exist yet) and returns the new version, or
// identity.ErrConflict.
type ValueStore interface {
	GetValue(ctx context.Context, key string) ([]byte, int64, error)
	PutValue(ctx context.Context, key string, value []byte, expectVersion int64) (int64, error)
}

// DefaultKeyName is the ValueStore key of the token keyring.
const DefaultKeyName = "sts/token-keys"

const keyLen = 32

// keyringDoc is the stored keyring: the current key and at most one previous
// key, each sealed under Config.SealKey when one is configured.
type keyringDoc struct {
	Version int      `json:"version"`
	Current byte     `json:"current"`
	Keys    []keyDoc `json:"keys"`
}

type keyDoc struct {
	ID  byte   `json:"id"`
	Key []byte `json:"key"`
	// Sealed is set when Key is sealed under the configured seal key:
	// nonce | AES-256-GCM(key), with the key id as additional data.
	Sealed  bool      `json:"sealed,omitempty"`
	Created time.Time `json:"created"`
}

// tokenKey is one keyring key, ready to use: the AEAD that seals tokens and
// the HMAC key that derives secrets, both derived from the stored key.
type tokenKey struct {
	id        byte
	aead      cipher.AEAD
	secretKey []byte
}

// keyring is the in-memory view of keyringDoc at one store version.
type keyring struct {
	version int64
	current *tokenKey
	byID    [256]*tokenKey
}

func deriveSubkey(master []byte, label string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte(label))
	return m.Sum(nil)
}

func newTokenKey(id byte, master []byte) (*tokenKey, error) {
	if len(master) != keyLen {
		return nil, fmt.Errorf("sts: key %d is %d bytes, want %d", id, len(master), keyLen)
	}
	block, err := aes.NewCipher(deriveSubkey(master, "idpool/sts/token-aead/v1"))
	if err != nil {
		return nil, fmt.Errorf("sts: key %d: %w", id, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sts: key %d: %w", id, err)
	}
	return &tokenKey{id: id, aead: aead, secretKey: deriveSubkey(master, "idpool/sts/secret/v1")}, nil
}

// secretFor derives the secret access key of an access key ID: 40 characters
// of standard base64, like AWS's.
func (k *tokenKey) secretFor(accessKeyID string) string {
	m := hmac.New(sha256.New, k.secretKey)
	m.Write([]byte(accessKeyID))
	sum := m.Sum(nil)
	return base64.StdEncoding.EncodeToString(sum[:30])
}

func (m *Minter) parseKeyring(raw []byte, version int64) (*keyring, error) {
	var doc keyringDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("sts: decoding keyring: %w", err)
	}
	if doc.Version != 1 {
		return nil, fmt.Errorf("sts: keyring version %d not supported", doc.Version)
	}
	r := &keyring{version: version}
	for _, kd := range doc.Keys {
		master, err := m.openKey(kd)
		if err != nil {
			return nil, err
		}
		k, err := newTokenKey(kd.ID, master)
		if err != nil {
			return nil, err
		}
		r.byID[kd.ID] = k
	}
	r.current = r.byID[doc.Current]
	if r.current == nil {
		return nil, fmt.Errorf("sts: keyring has no key %d (the current key)", doc.Current)
	}
	return r, nil
}

func (m *Minter) newKeyDoc(id byte) (keyDoc, error) {
	key := make([]byte, keyLen)
	if _, err := io.ReadFull(m.rand, key); err != nil {
		return keyDoc{}, fmt.Errorf("sts: generating key: %w", err)
	}
	kd := keyDoc{ID: id, Key: key, Created: m.now().UTC()}
	if m.seal == nil {
		return kd, nil
	}
	nonce := make([]byte, m.seal.NonceSize())
	if _, err := io.ReadFull(m.rand, nonce); err != nil {
		return keyDoc{}, fmt.Errorf("sts: generating nonce: %w", err)
	}
	kd.Key = m.seal.Seal(nonce, nonce, key, sealAD(id))
	kd.Sealed = true
	return kd, nil
}

func sealAD(id byte) []byte { return []byte{'i', 'd', 'p', 'o', 'o', 'l', '/', 's', 't', 's', '/', id} }

// openKey returns a stored key in the clear.
func (m *Minter) openKey(kd keyDoc) ([]byte, error) {
	if !kd.Sealed {
		return kd.Key, nil
	}
	if m.seal == nil {
		return nil, fmt.Errorf("sts: key %d is sealed and no seal key is configured", kd.ID)
	}
	n := m.seal.NonceSize()
	if len(kd.Key) < n {
		return nil, fmt.Errorf("sts: sealed key %d is truncated", kd.ID)
	}
	key, err := m.seal.Open(nil, kd.Key[:n], kd.Key[n:], sealAD(kd.ID))
	if err != nil {
		return nil, fmt.Errorf("sts: key %d does not open with the configured seal key (every node needs the same one): %w", kd.ID, err)
	}
	return key, nil
}

// newSealer returns the AEAD that seals keyring keys, or nil without a key.
func newSealer(sealKey []byte) (cipher.AEAD, error) {
	if sealKey == nil {
		return nil, nil
	}
	if len(sealKey) != keyLen {
		return nil, fmt.Errorf("sts: seal key is %d bytes, want %d", len(sealKey), keyLen)
	}
	block, err := aes.NewCipher(deriveSubkey(sealKey, "idpool/sts/keyring-seal/v1"))
	if err != nil {
		return nil, fmt.Errorf("sts: seal key: %w", err)
	}
	return cipher.NewGCM(block)
}

// loadOrCreate returns the stored keyring, creating it if there is none. Two
// nodes racing to create it both end with the one that was written first:
// the insert is insert-only (expectVersion 0) and the loser re-reads.
func (m *Minter) loadOrCreate(ctx context.Context) (*keyring, error) {
	for range 3 {
		raw, ver, err := m.store.GetValue(ctx, m.keyName)
		if err == nil {
			return m.parseKeyring(raw, ver)
		}
		if !errors.Is(err, identity.ErrNotFound) {
			return nil, fmt.Errorf("sts: reading keyring %q: %w", m.keyName, err)
		}
		kd, err := m.newKeyDoc(1)
		if err != nil {
			return nil, err
		}
		raw, err = json.Marshal(keyringDoc{Version: 1, Current: kd.ID, Keys: []keyDoc{kd}})
		if err != nil {
			return nil, fmt.Errorf("sts: encoding keyring: %w", err)
		}
		ver, err = m.store.PutValue(ctx, m.keyName, raw, 0)
		if err == nil {
			return m.parseKeyring(raw, ver)
		}
		if !errors.Is(err, identity.ErrConflict) {
			return nil, fmt.Errorf("sts: creating keyring %q: %w", m.keyName, err)
		}
		// Another node created it first: read theirs.
	}
	return nil, fmt.Errorf("sts: creating keyring %q: %w", m.keyName, identity.ErrConflict)
}

// install makes r the keyring in use unless a newer one already is.
func (m *Minter) install(r *keyring) {
	for {
		old := m.ring.Load()
		if old != nil && old.version > r.version {
			return
		}
		if m.ring.CompareAndSwap(old, r) {
			return
		}
	}
}

// Reload reads the keyring from the store and uses it. Nodes call it on a
// timer (every minute is plenty) so that all of them mint with the current
// key soon after a rotation; verification also reloads on its own when it
// meets a key id it does not know.
func (m *Minter) Reload(ctx context.Context) error {
	raw, ver, err := m.store.GetValue(ctx, m.keyName)
	if err != nil {
		return fmt.Errorf("sts: reading keyring %q: %w", m.keyName, err)
	}
	r, err := m.parseKeyring(raw, ver)
	if err != nil {
		return err
	}
	m.install(r)
	return nil
}

// Rotate adds a new key, makes it current, keeps the previous current key for
// verification and drops any older key: tokens sealed with a dropped key stop
// verifying. Rotate at intervals longer than the longest session (12 hours
// for AssumeRoleWithWebIdentity) so no live token loses its key.
//
// The update is a compare-and-swap on the stored keyring. If another node
// changes the keyring at the same moment, Rotate adopts that keyring instead
// of rotating a second time, and returns nil.
func (m *Minter) Rotate(ctx context.Context) error {
	raw, ver, err := m.store.GetValue(ctx, m.keyName)
	if err != nil {
		return fmt.Errorf("sts: reading keyring %q: %w", m.keyName, err)
	}
	var doc keyringDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("sts: decoding keyring: %w", err)
	}
	var cur *keyDoc
	for i := range doc.Keys {
		if doc.Keys[i].ID == doc.Current {
			cur = &doc.Keys[i]
		}
	}
	if cur == nil {
		return fmt.Errorf("sts: keyring has no key %d (the current key)", doc.Current)
	}
	// Key ids cycle through 1..255; with two keys kept the next one is free.
	next := doc.Current%255 + 1
	kd, err := m.newKeyDoc(next)
	if err != nil {
		return err
	}
	doc.Keys = []keyDoc{kd, *cur}
	doc.Current = next
	out, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("sts: encoding keyring: %w", err)
	}
	newVer, err := m.store.PutValue(ctx, m.keyName, out, ver)
	if errors.Is(err, identity.ErrConflict) {
		return m.Reload(ctx)
	}
	if err != nil {
		return fmt.Errorf("sts: writing keyring %q: %w", m.keyName, err)
	}
	r, err := m.parseKeyring(out, newVer)
	if err != nil {
		return err
	}
	m.install(r)
	return nil
}
