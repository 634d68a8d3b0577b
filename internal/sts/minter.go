package sts

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/idpool/idpool/internal/identity"
	"github.com/idpool/idpool/internal/sigv4/credential"
)

// DefaultDuration is the session length when MintRequest.Duration is zero
// (STS's default DurationSeconds, 3600).
const DefaultDuration = time.Hour

// CognitoProvider is the Provider of sessions minted for Cognito identities,
// as STS reports it for Cognito-issued web identity tokens.
const CognitoProvider = "cognito-identity.amazonaws.com"

// reloadGap bounds how often verification reloads the keyring on meeting an
// unknown key id, so a flood of forged tokens cannot hammer the store.
const reloadGap = time.Second

// tokenError is a token refusal. It wraps the credential sentinels so that
// errors.Is works for both ErrInvalidToken/ErrExpiredToken and the
// sigv4 sentinels.
type tokenError struct {
	msg  string
	errs []error
}

func (e *tokenError) Error() string   { return e.msg }
func (e *tokenError) Unwrap() []error { return e.errs }

var (
	// ErrInvalidToken: the access key and token do not open (tampered,
	// truncated, minted for another access key, sealed by another deployment
	// or by a key rotated out of the keyring). It wraps
	// sigv4.ErrUnknownAccessKey; AWS answers InvalidClientTokenId /
	// UnrecognizedClientException "The security token included in the
	// request is invalid."
	ErrInvalidToken error = &tokenError{"sts: invalid security token", []error{credential.ErrUnknownAccessKey}}
	// ErrExpiredToken: the token is genuine but past its expiration. It
	// wraps sigv4.ErrExpiredToken and sigv4.ErrUnknownAccessKey; AWS
	// answers ExpiredToken / ExpiredTokenException "The security token
	// included in the request is expired".
	ErrExpiredToken error = &tokenError{"sts: security token expired", []error{credential.ErrExpiredToken, credential.ErrUnknownAccessKey}}
)

// errUnknownKeyID is a refusal because the token names a key the keyring in
// memory does not hold; LookupCredentials reloads and tries again.
var errUnknownKeyID error = &tokenError{"sts: invalid security token (unknown key)", []error{ErrInvalidToken, credential.ErrUnknownAccessKey}}

// Session is what a set of temporary credentials stands for. Mint returns it
// (inside Credentials) and Lookup recovers it from the token.
type Session struct {
	AccessKeyID     string
	SecretAccessKey string
	RoleARN         string
	RoleSessionName string
	// Subject is the caller's identity: the Cognito identity ID, or the
	// web identity token's sub (SubjectFromWebIdentityToken).
	Subject string
	// Provider is the issuer, e.g. CognitoProvider.
	Provider string
	// Audience is the token's audience, e.g. the identity pool ID.
	Audience       string
	AMR            []string
	SessionTags    map[string]string
	SourceIdentity string
	IssuedAt       time.Time
	Expiration     time.Time
}

// Account is the account of the role ARN.
func (s Session) Account() string {
	_, acct, _, _ := arnParts(s.RoleARN)
	return acct
}

// AssumedRoleARN is AssumedRoleARN(s.Account(), s.RoleARN, s.RoleSessionName).
func (s Session) AssumedRoleARN() string {
	return AssumedRoleARN(s.Account(), s.RoleARN, s.RoleSessionName)
}

// AssumedRoleID is AssumedRoleID(s.RoleARN, s.RoleSessionName).
func (s Session) AssumedRoleID() string { return AssumedRoleID(s.RoleARN, s.RoleSessionName) }

// Credentials are freshly minted temporary credentials: the Session (with
// AccessKeyID, SecretAccessKey and Expiration) and its SessionToken.
type Credentials struct {
	Session
	SessionToken string
}

// MintRequest describes the session to mint. The caller has already
// validated it (ARN and session-name syntax, duration bounds, trust policy).
// The returned Session shares AMR and SessionTags with the request: do not
// modify them afterwards.
type MintRequest struct {
	RoleARN         string
	RoleSessionName string
	Subject         string
	Provider        string
	Audience        string
	AMR             []string
	SessionTags     map[string]string
	SourceIdentity  string
	// Duration of the session; 0 means DefaultDuration. It is rounded
	// down to whole seconds.
	Duration time.Duration
}

// Config configures a Minter.
type Config struct {
	// Store holds the keyring; required.
	Store ValueStore
	// KeyName is the store key of the keyring; "" means DefaultKeyName.
	KeyName string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the randomness for keys, access key IDs and nonces; nil
	// means crypto/rand.Reader.
	Rand io.Reader
	// SealKey, 32 bytes, seals the keyring's keys at rest, so that reading
	// the store is not enough to mint credentials. Every node needs the
	// same one. Nil stores the keys in the clear.
	SealKey []byte
}

// Minter mints and verifies temporary credentials. It is safe for concurrent
// use; Mint and Lookup take no lock and do no I/O.
type Minter struct {
	store   ValueStore
	keyName string
	now     func() time.Time
	rand    io.Reader
	seal    cipher.AEAD

	ring       atomic.Pointer[keyring]
	lastReload atomic.Int64 // unix nanoseconds of the last on-demand reload
}

// NewMinter loads the keyring from cfg.Store, creating it on first use, and
// returns a Minter using it.
func NewMinter(ctx context.Context, cfg Config) (*Minter, error) {
	if cfg.Store == nil {
		return nil, errors.New("sts: Config.Store is nil")
	}
	m := &Minter{store: cfg.Store, keyName: cfg.KeyName, now: cfg.Now, rand: cfg.Rand}
	if m.keyName == "" {
		m.keyName = DefaultKeyName
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.rand == nil {
		m.rand = rand.Reader
	}
	var err error
	if m.seal, err = newSealer(cfg.SealKey); err != nil {
		return nil, err
	}
	r, err := m.loadOrCreate(ctx)
	if err != nil {
		return nil, err
	}
	m.install(r)
	return m, nil
}

var (
	akidEncoding  = base32.StdEncoding.WithPadding(base32.NoPadding)
	tokenEncoding = base64.RawURLEncoding.Strict()
)

// Mint issues credentials for req: an access key ID "ASIA" + 16 characters of
// [A-Z2-7], a 40-character secret derived from it, and a session token that
// carries the whole Session sealed under the current key. Nothing is written
// anywhere. It fails only on an invalid request or when Rand fails.
func (m *Minter) Mint(req MintRequest) (Credentials, error) {
	if req.RoleARN == "" || req.RoleSessionName == "" {
		return Credentials{}, errors.New("sts: mint: RoleARN and RoleSessionName are required")
	}
	d := req.Duration
	if d < 0 {
		return Credentials{}, fmt.Errorf("sts: mint: negative duration %v", d)
	}
	if d == 0 {
		d = DefaultDuration
	}
	var rnd [10 + nonceLen]byte
	if _, err := io.ReadFull(m.rand, rnd[:]); err != nil {
		return Credentials{}, fmt.Errorf("sts: mint: reading randomness: %w", err)
	}
	k := m.ring.Load().current
	akid := "ASIA" + akidEncoding.EncodeToString(rnd[:10])
	issued := m.now().UTC().Truncate(time.Second)
	s := Session{
		AccessKeyID:     akid,
		SecretAccessKey: k.secretFor(akid),
		RoleARN:         req.RoleARN,
		RoleSessionName: req.RoleSessionName,
		Subject:         req.Subject,
		Provider:        req.Provider,
		Audience:        req.Audience,
		AMR:             req.AMR,
		SessionTags:     req.SessionTags,
		SourceIdentity:  req.SourceIdentity,
		IssuedAt:        issued,
		Expiration:      issued.Add(d.Truncate(time.Second)),
	}
	plain := encodeSession(&s)
	sealed := make([]byte, headerLen+nonceLen, headerLen+nonceLen+len(plain)+tagLen)
	sealed[0], sealed[1] = tokenVersion, k.id
	copy(sealed[headerLen:], rnd[10:])
	sealed = k.aead.Seal(sealed, rnd[10:], plain, additionalData(sealed[:headerLen], akid))
	return Credentials{Session: s, SessionToken: tokenEncoding.EncodeToString(sealed)}, nil
}

func additionalData(header []byte, akid string) []byte {
	ad := make([]byte, 0, headerLen+len(akid))
	ad = append(ad, header...)
	return append(ad, akid...)
}

// Lookup opens sessionToken for accessKeyID and returns its Session, secret
// included. It fails with ErrInvalidToken when the token does not open for
// that access key under a key of the keyring in memory (tampered, foreign,
// or its key rotated out), and with ErrExpiredToken when it opens but has
// expired (expiration is exclusive: at Expiration the token is expired). It
// does no I/O; LookupCredentials also reloads the keyring once when a token
// names a key it does not know.
func (m *Minter) Lookup(accessKeyID, sessionToken string) (Session, error) {
	return m.lookup(m.ring.Load(), accessKeyID, sessionToken)
}

func (m *Minter) lookup(r *keyring, akid, token string) (Session, error) {
	if token == "" || len(token) > 64<<10 {
		return Session{}, ErrInvalidToken
	}
	raw, err := tokenEncoding.DecodeString(token)
	if err != nil || len(raw) < headerLen+nonceLen+tagLen || raw[0] != tokenVersion {
		return Session{}, ErrInvalidToken
	}
	k := r.byID[raw[1]]
	if k == nil {
		return Session{}, errUnknownKeyID
	}
	nonce := raw[headerLen : headerLen+nonceLen]
	plain, err := k.aead.Open(nil, nonce, raw[headerLen+nonceLen:], additionalData(raw[:headerLen], akid))
	if err != nil {
		return Session{}, ErrInvalidToken
	}
	var s Session
	if err := decodeSession(plain, &s); err != nil {
		return Session{}, ErrInvalidToken
	}
	if !m.now().Before(s.Expiration) {
		return Session{}, ErrExpiredToken
	}
	s.AccessKeyID = akid
	s.SecretAccessKey = k.secretFor(akid)
	return s, nil
}

// LookupCredentials implements sigv4.CredentialSource: it looks the token up
// (reloading the keyring first if the token names a key this node does not
// know yet, at most once per second) and returns the credentials with the
// Session as Subject. A request without a session token is refused with
// ErrInvalidToken: this Minter only knows temporary credentials.
func (m *Minter) LookupCredentials(ctx context.Context, accessKeyID, sessionToken string) (credential.Credentials, error) {
	s, err := m.Lookup(accessKeyID, sessionToken)
	if errors.Is(err, errUnknownKeyID) && m.reloadDue() {
		if rerr := m.Reload(ctx); rerr != nil {
			return credential.Credentials{}, rerr
		}
		s, err = m.Lookup(accessKeyID, sessionToken)
	}
	if err != nil {
		return credential.Credentials{}, err
	}
	return credential.Credentials{
		AccessKeyID:     s.AccessKeyID,
		SecretAccessKey: s.SecretAccessKey,
		SessionToken:    sessionToken,
		Subject:         s,
	}, nil
}

func (m *Minter) reloadDue() bool {
	now := m.now().UnixNano()
	last := m.lastReload.Load()
	if now-last < int64(reloadGap) && now >= last {
		return false
	}
	return m.lastReload.CompareAndSwap(last, now)
}

// ForIdentity returns m as the identity.CredentialMinter the Cognito domain
// calls from GetCredentialsForIdentity: Subject is the identity ID, Provider
// CognitoProvider, Audience the pool ID, session tags the principal tags. It
// mints without checking the role's trust policy.
func (m *Minter) ForIdentity() identity.CredentialMinter { return identityMinter{m} }

type identityMinter struct{ m *Minter }

func (a identityMinter) Mint(_ context.Context, r identity.CredentialRequest) (identity.Credentials, error) {
	c, err := a.m.Mint(MintRequest{
		RoleARN:         r.RoleARN,
		RoleSessionName: r.SessionName,
		Subject:         r.IdentityID,
		Provider:        CognitoProvider,
		Audience:        r.PoolID,
		AMR:             r.AMR,
		SessionTags:     r.PrincipalTags,
		Duration:        r.Duration,
	})
	if err != nil {
		return identity.Credentials{}, err
	}
	return identity.Credentials{
		AccessKeyID:  c.AccessKeyID,
		SecretKey:    c.SecretAccessKey,
		SessionToken: c.SessionToken,
		Expiration:   c.Expiration,
	}, nil
}
