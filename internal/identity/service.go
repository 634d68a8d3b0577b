package identity

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
)

// Config configures a Service.
type Config struct {
	// Region is the region served; pool and identity IDs start with it.
	Region string
	// AccountID is the 12-digit account that owns every pool.
	AccountID string
	// MaxPools caps the number of pools (Cognito: 1,000 per account and
	// region). Zero means no limit.
	MaxPools int
	// PoolCacheTTL bounds how long a pool read for the data plane may be
	// served from memory (changes through this node are seen at once).
	PoolCacheTTL time.Duration
	// Logins verifies external provider tokens; nil refuses every external
	// provider as not supported.
	Logins LoginVerifier
	// Tokens issues and verifies OpenID tokens.
	Tokens Tokens
	// Minter mints temporary credentials.
	Minter CredentialMinter
	// Providers knows the registered IAM OIDC and SAML providers; nil
	// accepts any ARN.
	Providers ProviderRegistry
	// UserPools enforces ServerSideTokenCheck; nil skips the check.
	UserPools UserPoolChecker
	// Now returns the current time; defaults to time.Now.
	Now func() time.Time
	// Rand is the randomness for new IDs; defaults to crypto/rand.
	Rand io.Reader
}

// Service implements the Cognito Identity operations on top of a Store.
// Its methods validate business rules (the wire surface has already checked
// the model's shape constraints), call the Store and return *Error values
// carrying Cognito's exception names and messages.
type Service struct {
	store Store
	cfg   Config
	pools *poolCache
}

// NewService returns a Service over store.
func NewService(store Store, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{store: store, cfg: cfg, pools: newPoolCache(store, cfg.PoolCacheTTL, cfg.Now)}
}

// Region returns the region the service answers for.
func (s *Service) Region() string { return s.cfg.Region }

// AccountID returns the account that owns every pool.
func (s *Service) AccountID() string { return s.cfg.AccountID }

// PoolARN returns the ARN of a pool.
func (s *Service) PoolARN(poolID string) string {
	return fmt.Sprintf("arn:aws:cognito-identity:%s:%s:identitypool/%s", s.cfg.Region, s.cfg.AccountID, poolID)
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// newID returns "<region>:<lower-case uuid v4>".
func (s *Service) newID() (string, error) {
	var u uuid.UUID
	var err error
	if s.cfg.Rand != nil {
		u, err = uuid.NewRandomFromReader(s.cfg.Rand)
	} else {
		u, err = uuid.NewRandom()
	}
	if err != nil {
		return "", fmt.Errorf("identity: new id: %w", err)
	}
	return s.cfg.Region + ":" + u.String(), nil
}

// loadPool returns a pool by ID, mapping absence to Cognito's error.
func (s *Service) loadPool(ctx context.Context, id string) (Pool, error) {
	p, err := s.store.GetPool(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Pool{}, poolNotFound(id)
	}
	if err != nil {
		return Pool{}, fmt.Errorf("identity: load pool %s: %w", id, err)
	}
	return p, nil
}
