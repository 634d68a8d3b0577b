package iam

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Store keys of the three collections.
const (
	KeyOIDCProviders = "iam/oidc-providers"
	KeySAMLProviders = "iam/saml-providers"
	KeyRoles         = "iam/roles"
)

// DefaultCacheTTL is how stale a snapshot may be before a read refetches it.
const DefaultCacheTTL = 2 * time.Second

// Account quotas (IAM and STS quotas page; all adjustable on AWS).
const (
	MaxRoles         = 1000
	MaxOIDCProviders = 100
	MaxSAMLProviders = 100
	maxClientIDs     = 100
	maxThumbprints   = 5
	maxTags          = 50
	maxAttached      = 10
	maxTrustSize     = 2048  // characters without white space
	maxInlineSize    = 10240 // all inline policies of a role, without white space
	defaultMaxItems  = 100
)

// Config configures a Service.
type Config struct {
	// Store keeps the three collection documents. Required.
	Store ValueStore
	// Account is the 12-digit account ID in every ARN. Required.
	Account string
	// CacheTTL bounds the staleness of reads (changes made through another
	// node). 0 means DefaultCacheTTL; a negative value disables the cache.
	CacheTTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the randomness for role IDs and SAML provider UUIDs; nil
	// means crypto/rand.
	Rand io.Reader
}

// Service manages OIDC providers, SAML providers and roles. It is safe for
// concurrent use, and several Services (on several nodes) may share one
// store.
type Service struct {
	account string
	now     func() time.Time
	rand    io.Reader

	oidc  *collection[oidcDoc, *oidcDoc]
	saml  *collection[samlDoc, *samlDoc]
	roles *collection[roleDoc, *roleDoc]
}

var accountRE = regexp.MustCompile(`^\d{12}$`)

// New returns a Service. It does no I/O.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("iam: Config.Store is required")
	}
	if !accountRE.MatchString(cfg.Account) {
		return nil, fmt.Errorf("iam: account %q is not 12 digits", cfg.Account)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	switch {
	case cfg.CacheTTL == 0:
		cfg.CacheTTL = DefaultCacheTTL
	case cfg.CacheTTL < 0:
		cfg.CacheTTL = 0
	}
	s := &Service{account: cfg.Account, now: cfg.Now, rand: cfg.Rand}
	s.oidc = &collection[oidcDoc, *oidcDoc]{key: KeyOIDCProviders, store: cfg.Store, ttl: cfg.CacheTTL, now: cfg.Now}
	s.saml = &collection[samlDoc, *samlDoc]{key: KeySAMLProviders, store: cfg.Store, ttl: cfg.CacheTTL, now: cfg.Now}
	s.roles = &collection[roleDoc, *roleDoc]{key: KeyRoles, store: cfg.Store, ttl: cfg.CacheTTL, now: cfg.Now}
	return s, nil
}

// Account returns the account ID of the ARNs.
func (s *Service) Account() string { return s.account }

// Tag is a key-value pair attached to a resource.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func cloneTags(t []Tag) []Tag {
	if t == nil {
		return nil
	}
	return append([]Tag(nil), t...)
}

// checkTags refuses more than 50 tags and duplicate keys (case-insensitive).
func checkTags(tags []Tag) error {
	if len(tags) > maxTags {
		return errTooManyTags
	}
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		k := strings.ToLower(t.Key)
		if seen[k] {
			return errDuplicateTags
		}
		seen[k] = true
	}
	return nil
}

// Page is one page of a list: the items, and the marker of the next page
// when the list was truncated.
type Page[T any] struct {
	Items       []T
	IsTruncated bool
	Marker      string
}

// paginate returns up to maxItems of the sorted keys after the position the
// marker names. Markers are opaque: base64 of the last key returned.
func paginate(keys []string, marker string, maxItems int) (start, end int, next string, err error) {
	if maxItems <= 0 {
		maxItems = defaultMaxItems
	}
	if marker != "" {
		after, derr := base64.RawURLEncoding.DecodeString(marker)
		if derr != nil {
			// inferred: IAM's text for a marker it did not issue was not found.
			return 0, 0, "", errorf(CodeValidation, "Invalid Marker")
		}
		start = sort.SearchStrings(keys, string(after)+"\x00")
	}
	end = start + maxItems
	if end >= len(keys) {
		return start, len(keys), "", nil
	}
	return start, end, base64.RawURLEncoding.EncodeToString([]byte(keys[end-1])), nil
}

// randomString returns n characters of alphabet from the configured
// randomness.
func (s *Service) randomString(n int, alphabet string) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", fmt.Errorf("iam: randomness: %w", err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}

const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

func (s *Service) arnPrefix() string { return "arn:aws:iam::" + s.account + ":" }

// parseARN splits arn:<partition>:iam::<account>:<resource> and returns the
// account and the resource ("role/path/name", "oidc-provider/host", …).
func parseARN(arn string) (account, resource string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "iam" || parts[3] != "" {
		return "", "", false
	}
	return parts[4], parts[5], true
}

// countNonSpace counts the characters of s that are not white space, the
// way IAM measures policy sizes.
func countNonSpace(s string) int {
	n := 0
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r':
		default:
			n++
		}
	}
	return n
}
