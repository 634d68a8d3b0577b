package token

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/idpool/idpool/internal/identity"
)

// ValueStore keeps small named documents shared by every node; the
// identity.Store of every backend implements it. GetValue returns
// identity.ErrNotFound for a missing key. PutValue writes only if the stored
// version equals expectVersion (0: the key must not exist yet), returns the
// new version, and returns identity.ErrConflict otherwise.
type ValueStore interface {
	GetValue(ctx context.Context, key string) (value []byte, version int64, err error)
	PutValue(ctx context.Context, key string, value []byte, expectVersion int64) (int64, error)
}

// Defaults and fixed allowances.
const (
	// DefaultStoreKey is the ValueStore key of the signing-key document.
	DefaultStoreKey = "signing-keys"
	// DefaultRotationPeriod: each key signs for a day, and is published for a
	// day before that as the next key.
	DefaultRotationPeriod = 24 * time.Hour
	// DefaultMaxTokenLifetime is the longest TokenDuration Cognito allows
	// (86400 s).
	DefaultMaxTokenLifetime = 86400 * time.Second
	// DefaultRefreshInterval is how often Run re-reads the document.
	DefaultRefreshInterval = time.Minute
	// DefaultKeyBits is the RSA modulus size of new keys.
	DefaultKeyBits = 2048
	// ClockSkew is the clock difference between nodes (and relying parties)
	// that the retirement schedule tolerates.
	ClockSkew = 5 * time.Minute
	// maxCacheMaxAge caps CacheMaxAge.
	maxCacheMaxAge = time.Hour
	// maxRefreshAttempts bounds the read-rotate-write loop of Refresh.
	maxRefreshAttempts = 5
	// maxTokenBytes bounds what Verify parses.
	maxTokenBytes = 64 << 10
	// minKickInterval rate-limits refreshes that Issue asks for.
	minKickInterval = time.Second
)

var regionRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Config configures a Manager. Zero durations take the defaults above.
type Config struct {
	// Store holds the signing-key document. Required.
	Store ValueStore
	// StoreKey is the document's key; DefaultStoreKey if empty.
	StoreKey string
	// SealKey is the 32-byte AES-256 key that seals private keys at rest.
	// Every node sharing Store needs the same one. Required.
	SealKey []byte
	// Issuer is the "iss" of issued tokens and the one Verify accepts, e.g.
	// the server's base URL or https://cognito-identity.amazonaws.com.
	// Required.
	Issuer string
	// Region prefixes key ids ("us-east-1" gives us-east-11, us-east-12, ...):
	// lower-case letters, digits and single hyphens. Required.
	Region string
	// RotationPeriod is how long a key signs; it is also how long a key is
	// published before it signs. At least 2×(2×RefreshInterval+ClockSkew).
	RotationPeriod time.Duration
	// MaxTokenLifetime is the longest lifetime Issue signs; a retired key is
	// published for this long (plus the grace period) after its retirement.
	MaxTokenLifetime time.Duration
	// RefreshInterval is the period of Run's Refresh. Less than
	// RotationPeriod/4.
	RefreshInterval time.Duration
	// KeyBits is the RSA modulus size of new keys (at least 2048).
	KeyBits int
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// Rand feeds the AES-GCM nonces; crypto/rand.Reader if nil.
	Rand io.Reader
	// Logger receives rotation events and Run's refresh failures;
	// slog.Default() if nil.
	Logger *slog.Logger
}

// Manager issues and verifies tokens and keeps the signing keys fresh. It is
// safe for concurrent use. See the package documentation for the order of
// events.
type Manager struct {
	store           ValueStore
	storeKey        string
	issuer          string
	region          string
	period          time.Duration
	maxLifetime     time.Duration
	refreshInterval time.Duration
	grace           time.Duration
	cacheMaxAge     time.Duration
	keyBits         int
	now             func() time.Time
	sealer          *sealer
	log             *slog.Logger
	genKey          func(bits int) (*rsa.PrivateKey, error)

	keys atomic.Pointer[keySet]
	kick chan struct{}

	refreshMu sync.Mutex
	// spares are keys generated for a write that lost a race; the next
	// rotation uses them before generating more. Guarded by refreshMu.
	spares []*rsa.PrivateKey
}

// NewManager validates cfg, then loads (creating or rotating as needed) the
// signing keys with one Refresh. It returns an error if cfg is invalid or
// that Refresh fails (for example with ErrWrongSealKey).
func NewManager(ctx context.Context, cfg Config) (*Manager, error) {
	m, err := newManager(cfg)
	if err != nil {
		return nil, err
	}
	if err := m.Refresh(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

func newManager(cfg Config) (*Manager, error) {
	if cfg.Store == nil {
		return nil, errors.New("token: Config.Store is required")
	}
	if cfg.Issuer == "" {
		return nil, errors.New("token: Config.Issuer is required")
	}
	if !regionRE.MatchString(cfg.Region) || len(cfg.Region) > 64 {
		return nil, fmt.Errorf("token: Config.Region %q must be lower-case letters, digits and single hyphens", cfg.Region)
	}
	m := &Manager{
		store:           cfg.Store,
		storeKey:        cfg.StoreKey,
		issuer:          cfg.Issuer,
		region:          cfg.Region,
		period:          cfg.RotationPeriod,
		maxLifetime:     cfg.MaxTokenLifetime,
		refreshInterval: cfg.RefreshInterval,
		keyBits:         cfg.KeyBits,
		now:             cfg.Now,
		log:             cfg.Logger,
		kick:            make(chan struct{}, 1),
		genKey: func(bits int) (*rsa.PrivateKey, error) {
			return rsa.GenerateKey(rand.Reader, bits)
		},
	}
	if m.storeKey == "" {
		m.storeKey = DefaultStoreKey
	}
	if m.period == 0 {
		m.period = DefaultRotationPeriod
	}
	if m.maxLifetime == 0 {
		m.maxLifetime = DefaultMaxTokenLifetime
	}
	if m.refreshInterval == 0 {
		m.refreshInterval = DefaultRefreshInterval
	}
	if m.keyBits == 0 {
		m.keyBits = DefaultKeyBits
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.log == nil {
		m.log = slog.Default()
	}
	rnd := cfg.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	switch {
	case m.period < 0 || m.maxLifetime < 0 || m.refreshInterval < 0:
		return nil, errors.New("token: durations must not be negative")
	case m.keyBits < 2048:
		return nil, fmt.Errorf("token: KeyBits %d is below 2048", m.keyBits)
	case m.refreshInterval > m.period/4:
		return nil, fmt.Errorf("token: RefreshInterval %s must be at most RotationPeriod/4 (%s)", m.refreshInterval, m.period/4)
	}
	// A node notices a rotation made elsewhere within 2 refresh intervals
	// (one for the rotation to happen, one to see it); clocks may disagree by
	// ClockSkew.
	m.grace = 2*m.refreshInterval + ClockSkew
	if m.period < 2*m.grace {
		return nil, fmt.Errorf("token: RotationPeriod %s must be at least %s (2×(2×RefreshInterval+ClockSkew))", m.period, 2*m.grace)
	}
	// A relying party caching the JWKS for max-age must still find the next
	// key once it signs: it is published RotationPeriod earlier, and a node's
	// own view may be grace behind.
	m.cacheMaxAge = min((m.period-m.grace)/2, maxCacheMaxAge)
	var err error
	if m.sealer, err = newSealer(cfg.SealKey, rnd); err != nil {
		return nil, err
	}
	return m, nil
}

// Issue signs c as a compact JWS with the current signing key. It does no
// I/O. Claims are refused (ErrInvalidClaims) when Subject or Audience is
// empty, Issuer differs from Config.Issuer, or ExpiresAt is not in
// (now, now+MaxTokenLifetime]. When the signing key is due for rotation Issue
// asks Run for an early Refresh and still signs, until the key is overdue by
// the grace period; then it returns ErrStaleKeys.
func (m *Manager) Issue(c Claims) (string, error) {
	ks := m.keys.Load()
	s := ks.signer
	now := m.now()
	if !now.Before(s.rotateAt) {
		select {
		case m.kick <- struct{}{}:
		default:
		}
		if !now.Before(s.refuseAt) {
			return "", fmt.Errorf("%w: key %s was due for rotation at %s and no Refresh has succeeded since",
				ErrStaleKeys, s.kid, s.rotateAt.UTC().Format(time.RFC3339))
		}
	}
	w, err := m.toWire(&c, now)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(&w)
	if err != nil {
		return "", fmt.Errorf("token: encode claims: %w", err)
	}
	return s.sign(payload)
}

var allowedAlgs = []jose.SignatureAlgorithm{jose.RS512}

// Verify checks a token this Manager (or another node sharing its store)
// issued and returns its claims. In order: the size and the compact-JWS
// shape (ErrMalformed); the alg, which must be RS512, and the kid, which must
// be in the current JWKS (ErrInvalidSignature); the signature
// (ErrInvalidSignature); the claims' JSON (ErrMalformed); iss, and the
// presence of sub, aud and exp (ErrInvalidClaims); exp against now
// (*ExpiredError). It does no I/O and never refreshes keys.
func (m *Manager) Verify(raw string) (Claims, error) {
	if len(raw) > maxTokenBytes {
		return Claims{}, fmt.Errorf("%w: %d bytes", ErrMalformed, len(raw))
	}
	if strings.Count(raw, ".") != 2 {
		return Claims{}, fmt.Errorf("%w: not a compact JWS", ErrMalformed)
	}
	for seg := range strings.SplitSeq(raw, ".") {
		if !canonicalB64(seg) {
			// Refuse other spellings of the same bytes, so a token has
			// exactly one string form.
			return Claims{}, fmt.Errorf("%w: non-canonical base64url", ErrMalformed)
		}
	}
	jws, err := jose.ParseSignedCompact(raw, allowedAlgs)
	if err != nil {
		var algErr *jose.ErrUnexpectedSignatureAlgorithm
		if errors.As(err, &algErr) {
			return Claims{}, fmt.Errorf("%w: %v", ErrInvalidSignature, err)
		}
		return Claims{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(jws.Signatures) != 1 {
		return Claims{}, fmt.Errorf("%w: %d signatures", ErrMalformed, len(jws.Signatures))
	}
	kid := jws.Signatures[0].Header.KeyID
	pub, ok := m.keys.Load().verify[kid]
	if !ok {
		if len(kid) > 64 {
			kid = kid[:64] + "…"
		}
		return Claims{}, fmt.Errorf("%w: unknown key id %q", ErrInvalidSignature, kid)
	}
	payload, err := jws.Verify(pub)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrInvalidSignature, err)
	}
	var w wireClaims
	if err := json.Unmarshal(payload, &w); err != nil {
		return Claims{}, fmt.Errorf("%w: claims: %v", ErrMalformed, err)
	}
	switch {
	case w.Issuer != m.issuer:
		return Claims{}, fmt.Errorf("%w: issuer %q is not %q", ErrInvalidClaims, w.Issuer, m.issuer)
	case w.Subject == "" || w.Audience == "" || w.Expiry == 0:
		return Claims{}, fmt.Errorf("%w: sub, aud and exp are required", ErrInvalidClaims)
	}
	c, err := fromWire(&w)
	if err != nil {
		return Claims{}, err
	}
	if now := m.now(); !now.Before(c.ExpiresAt) {
		return Claims{}, &ExpiredError{Now: now, ExpiresAt: c.ExpiresAt}
	}
	return c, nil
}

// JWKS returns the JSON Web Key Set of every key a valid token can carry:
// the signing key, the next key and the retired keys still published, in
// that order (retired newest first). n and e are base64url without padding.
// The document is built at Refresh; each call returns a fresh copy.
func (m *Manager) JWKS() []byte {
	return append([]byte(nil), m.keys.Load().jwks...)
}

// CacheMaxAge is how long a relying party may cache JWKS():
// min((RotationPeriod − grace)/2, 1h), where grace is
// 2×RefreshInterval + ClockSkew. That is shorter than the time a key is
// published before it signs, so a cached JWKS always holds the key of a
// fresh token.
func (m *Manager) CacheMaxAge() time.Duration { return m.cacheMaxAge }

// Refresh loads the signing-key document, rotates it if due, writes the
// result back with a version compare-and-swap and swaps the in-memory keys.
// See the package documentation for the steps. It writes nothing when it
// cannot unseal the stored keys. On a lost race it re-reads and adopts the
// winner's state; after repeated conflicts it returns an error wrapping
// identity.ErrConflict. Refresh calls on one Manager are serialized.
func (m *Manager) Refresh(ctx context.Context) error {
	m.refreshMu.Lock()
	defer m.refreshMu.Unlock()

	pol := rotationPolicy{region: m.region, period: m.period, retain: m.maxLifetime + m.grace}
	for range maxRefreshAttempts {
		state, version, err := m.read(ctx)
		if err != nil {
			return err
		}
		now := m.now()
		prev := m.keys.Load()
		if state.Signing != nil {
			// Check that the stored keys open with our seal key before
			// writing anything next to them.
			if prev, err = m.buildKeySet(state, version, now, prev); err != nil {
				return err
			}
		}
		var minted []*rsa.PrivateKey
		next, changed, err := rotate(state, now, pol, m.minter(&minted))
		if err != nil {
			m.spares = append(m.spares, minted...)
			return err
		}
		if changed {
			raw, err := encodeState(next)
			if err != nil {
				return err
			}
			newVersion, err := m.store.PutValue(ctx, m.storeKey, raw, version)
			if err != nil {
				m.spares = append(m.spares, minted...)
				if errors.Is(err, identity.ErrConflict) {
					continue // another node wrote first: adopt its state
				}
				return fmt.Errorf("token: write %q: %w", m.storeKey, err)
			}
			m.logRotation(state, next)
			state, version = next, newVersion
		}
		ks := prev
		if changed || state.Signing == nil {
			if ks, err = m.buildKeySet(state, version, now, prev); err != nil {
				return err
			}
		}
		m.keys.Store(ks)
		return nil
	}
	return fmt.Errorf("token: write %q: gave up after %d attempts: %w", m.storeKey, maxRefreshAttempts, identity.ErrConflict)
}

func (m *Manager) read(ctx context.Context) (keyState, int64, error) {
	raw, version, err := m.store.GetValue(ctx, m.storeKey)
	if errors.Is(err, identity.ErrNotFound) {
		return keyState{}, 0, nil
	}
	if err != nil {
		return keyState{}, 0, fmt.Errorf("token: read %q: %w", m.storeKey, err)
	}
	s, err := decodeState(raw)
	return s, version, err
}

// minter returns the mintFunc of one rotate call; it records the private
// keys it hands out in *minted so a lost write can return them to spares.
func (m *Manager) minter(minted *[]*rsa.PrivateKey) mintFunc {
	return func(kid string) (storedKey, error) {
		var priv *rsa.PrivateKey
		if n := len(m.spares); n > 0 {
			priv, m.spares = m.spares[n-1], m.spares[:n-1]
		} else {
			var err error
			if priv, err = m.genKey(m.keyBits); err != nil {
				return storedKey{}, fmt.Errorf("token: generate key: %w", err)
			}
		}
		*minted = append(*minted, priv)
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return storedKey{}, fmt.Errorf("token: encode key: %w", err)
		}
		sealed, err := m.sealer.seal(der, kid)
		clear(der)
		if err != nil {
			return storedKey{}, err
		}
		n, e := publicFields(&priv.PublicKey)
		return storedKey{KID: kid, N: n, E: e, Sealed: sealed}, nil
	}
}

func (m *Manager) logRotation(old, cur keyState) {
	kidOf := func(k *storedKey) string {
		if k == nil {
			return ""
		}
		return k.KID
	}
	m.log.Info("token: signing keys updated",
		"signing", kidOf(cur.Signing), "next", kidOf(cur.Next),
		"previous_signing", kidOf(old.Signing), "retired", len(cur.Retired))
}

// Run calls Refresh every RefreshInterval (wall-clock ticker) and, at most
// once a second, when Issue finds the signing key due for rotation, until
// ctx is done. Each Refresh gets a RefreshInterval timeout; failures are
// logged and retried at the next tick, while Issue keeps signing with the
// keys it has (see ErrStaleKeys).
func (m *Manager) Run(ctx context.Context) {
	t := time.NewTicker(m.refreshInterval)
	defer t.Stop()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-m.kick:
			if time.Since(last) < minKickInterval {
				continue
			}
		}
		last = time.Now()
		rctx, cancel := context.WithTimeout(ctx, m.refreshInterval)
		err := m.Refresh(rctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			m.log.Error("token: refresh signing keys", "err", err)
		}
	}
}

// canonicalB64 reports whether s could be the unpadded base64url encoding of
// some bytes with its unused trailing bits zero. The alphabet itself is left
// to the decoder.
func canonicalB64(s string) bool {
	if len(s) == 0 {
		return true
	}
	var v byte
	switch c := s[len(s)-1]; {
	case c >= 'A' && c <= 'Z':
		v = c - 'A'
	case c >= 'a' && c <= 'z':
		v = c - 'a' + 26
	case c >= '0' && c <= '9':
		v = c - '0' + 52
	case c == '-':
		v = 62
	case c == '_':
		v = 63
	default:
		return false
	}
	switch len(s) % 4 {
	case 1:
		return false
	case 2:
		return v&0x0f == 0
	case 3:
		return v&0x03 == 0
	}
	return true
}
