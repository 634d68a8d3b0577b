package login

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/time/rate"
)

// maxNegativeKids bounds the unknown-kid memory of one key set.
const maxNegativeKids = 1024

// keySet is the JWKS at one URL: cached per Cache-Control (bounded), and
// refetched when a token names a kid it does not hold, at most once per
// RefreshInterval (x/time/rate, burst 1); a kid still unknown after a
// refetch, or refused by the limiter, is remembered for NegativeTTL and
// causes no fetch until then. kid values are only ever map keys: they are
// never put into a URL or a path.
type keySet struct {
	url     string
	doc     cachedDoc[[]jose.JSONWebKey]
	limiter *rate.Limiter
	cfg     *CacheConfig
	now     func() time.Time

	mu       sync.Mutex
	negative map[string]time.Time
}

func newKeySet(url string, client *http.Client, cfg *CacheConfig, now func() time.Time) *keySet {
	ks := &keySet{
		url:      url,
		limiter:  rate.NewLimiter(rate.Every(cfg.RefreshInterval), 1),
		cfg:      cfg,
		now:      now,
		negative: map[string]time.Time{},
	}
	ks.doc = cachedDoc[[]jose.JSONWebKey]{
		cfg: cfg,
		now: now,
		load: func(ctx context.Context) ([]jose.JSONWebKey, time.Duration, error) {
			var raw struct {
				Keys []json.RawMessage `json:"keys"`
			}
			h, err := getJSON(ctx, client, url, &raw)
			if err != nil {
				return nil, 0, err
			}
			return parseJWKS(raw.Keys), cfg.ttl(h), nil
		},
	}
	return ks
}

// parseJWKS keeps the usable public signature keys of a JWKS and skips the
// rest (unknown key types, encryption keys, symmetric keys, keys with
// private parts), as RFC 7517 §5 asks.
func parseJWKS(raw []json.RawMessage) []jose.JSONWebKey {
	keys := make([]jose.JSONWebKey, 0, len(raw))
	for _, r := range raw {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(r); err != nil {
			continue
		}
		if !k.IsPublic() || (k.Use != "" && k.Use != "sig") {
			continue
		}
		keys = append(keys, k)
	}
	return keys
}

// keysFor returns the keys whose kid is kid (every key when kid is ""). It
// fetches the set when it is missing or past its TTL, and refetches it for
// an unknown kid as described on keySet. An unknown kid is errSignature;
// a set that cannot be fetched (and has no usable stale copy) is
// errExternal.
func (s *keySet) keysFor(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	gen := s.doc.generation()
	keys, err := s.doc.get(ctx)
	if err != nil {
		return nil, err
	}
	if m := matchKid(keys, kid); len(m) > 0 {
		return m, nil
	}
	if kid == "" {
		return nil, refuse(errSignature, "key set %s is empty", s.url)
	}
	// The set was just fetched for this call: nothing newer to ask for.
	if s.doc.generation() != gen {
		s.rememberUnknown(kid)
		return nil, refuse(errSignature, "kid %q not in key set %s", kid, s.url)
	}
	now := s.now()
	if s.knownUnknown(kid, now) {
		return nil, refuse(errSignature, "kid %q recently unknown in %s", kid, s.url)
	}
	if !s.limiter.AllowN(now, 1) {
		s.rememberUnknown(kid)
		return nil, refuse(errSignature, "kid %q not in key set %s (refresh rate-limited)", kid, s.url)
	}
	keys, err = s.doc.refresh(ctx, s.doc.generation())
	if err != nil {
		return nil, err
	}
	if m := matchKid(keys, kid); len(m) > 0 {
		return m, nil
	}
	s.rememberUnknown(kid)
	return nil, refuse(errSignature, "kid %q not in key set %s after refresh", kid, s.url)
}

func matchKid(keys []jose.JSONWebKey, kid string) []jose.JSONWebKey {
	if kid == "" {
		return keys
	}
	var out []jose.JSONWebKey
	for _, k := range keys {
		if k.KeyID == kid {
			out = append(out, k)
		}
	}
	return out
}

func (s *keySet) knownUnknown(kid string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	until, ok := s.negative[kid]
	return ok && now.Before(until)
}

func (s *keySet) rememberUnknown(kid string) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.negative) >= maxNegativeKids {
		for k, until := range s.negative {
			if !now.Before(until) {
				delete(s.negative, k)
			}
		}
		if len(s.negative) >= maxNegativeKids {
			clear(s.negative)
		}
	}
	s.negative[kid] = now.Add(s.cfg.NegativeTTL)
}

// keySets holds one keySet per JWKS URL, shared by every pool.
type keySets struct {
	client *http.Client
	cfg    *CacheConfig
	now    func() time.Time

	mu   sync.Mutex
	sets map[string]*keySet
}

func (k *keySets) get(url string) *keySet {
	k.mu.Lock()
	defer k.mu.Unlock()
	if s, ok := k.sets[url]; ok {
		return s
	}
	if k.sets == nil {
		k.sets = map[string]*keySet{}
	}
	s := newKeySet(url, k.client, k.cfg, k.now)
	k.sets[url] = s
	return s
}
