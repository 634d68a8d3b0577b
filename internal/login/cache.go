package login

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxDocBytes bounds a discovery or JWKS document.
const maxDocBytes = 1 << 20

// CacheConfig bounds how provider documents (OIDC discovery documents and
// JWKS) are cached and refreshed. Zero fields take the defaults noted.
type CacheConfig struct {
	// DefaultTTL applies when a response has no Cache-Control max-age
	// (default 1h).
	DefaultTTL time.Duration
	// MinTTL and MaxTTL clamp the TTL taken from Cache-Control
	// (defaults 1m and 24h). no-cache/no-store count as 0, i.e. MinTTL.
	MinTTL, MaxTTL time.Duration
	// RefreshInterval is the minimum time between two JWKS refetches caused
	// by tokens with an unknown kid, per key set (default 30s; burst 1).
	RefreshInterval time.Duration
	// NegativeTTL is how long an unknown kid is remembered as unknown,
	// so that it causes no further refetch (default 30s).
	NegativeTTL time.Duration
	// ErrorBackoff is how long after a failed fetch no new fetch is tried;
	// callers get the failure (or stale data, see StaleIfError) meanwhile
	// (default 5s).
	ErrorBackoff time.Duration
	// StaleIfError is how long past its TTL a document may still be used
	// while refreshing it fails (default 1h). Negative disables.
	StaleIfError time.Duration
}

func (c CacheConfig) withDefaults() CacheConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.DefaultTTL, time.Hour)
	def(&c.MinTTL, time.Minute)
	def(&c.MaxTTL, 24*time.Hour)
	def(&c.RefreshInterval, 30*time.Second)
	def(&c.NegativeTTL, 30*time.Second)
	def(&c.ErrorBackoff, 5*time.Second)
	def(&c.StaleIfError, time.Hour)
	if c.StaleIfError < 0 {
		c.StaleIfError = 0
	}
	return c
}

func (c CacheConfig) validate() error {
	for name, d := range map[string]time.Duration{
		"DefaultTTL": c.DefaultTTL, "MinTTL": c.MinTTL, "MaxTTL": c.MaxTTL,
		"RefreshInterval": c.RefreshInterval, "NegativeTTL": c.NegativeTTL, "ErrorBackoff": c.ErrorBackoff,
	} {
		if d < 0 {
			return fmt.Errorf("login: Cache.%s is negative", name)
		}
	}
	if c.MinTTL > c.MaxTTL {
		return errors.New("login: Cache.MinTTL exceeds Cache.MaxTTL")
	}
	return nil
}

// ttl returns the TTL for a response from its Cache-Control header.
func (c CacheConfig) ttl(h http.Header) time.Duration {
	d := c.DefaultTTL
	for _, v := range h.Values("Cache-Control") {
		for _, dir := range strings.Split(v, ",") {
			dir = strings.ToLower(strings.TrimSpace(dir))
			switch {
			case dir == "no-cache" || dir == "no-store":
				d = 0
			case strings.HasPrefix(dir, "max-age="):
				if n, err := strconv.ParseInt(strings.Trim(dir[len("max-age="):], `"`), 10, 64); err == nil && n >= 0 {
					d = time.Duration(min(n, int64(c.MaxTTL/time.Second)+1)) * time.Second
				}
			}
		}
	}
	return min(max(d, c.MinTTL), c.MaxTTL)
}

// getJSON fetches url and decodes a JSON body into v. Any failure (network,
// non-200 status, oversized or malformed body) is an ExternalService error.
// It returns the response headers.
func getJSON(ctx context.Context, client *http.Client, url string, v any) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, external("fetch %s: %v", url, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, external("fetch %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocBytes+1))
	if err != nil {
		return nil, external("fetch %s: read body: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, external("fetch %s: status %d", url, resp.StatusCode)
	}
	if len(body) > maxDocBytes {
		return nil, external("fetch %s: body exceeds %d bytes", url, maxDocBytes)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err == nil && mt == "text/html" {
			return nil, external("fetch %s: got HTML, not JSON", url)
		}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return nil, external("fetch %s: decode JSON: %v", url, err)
	}
	return resp.Header, nil
}

// cachedDoc holds one remote document of type T with a TTL. Concurrent
// refreshes are collapsed into one fetch; a failed fetch is remembered for
// ErrorBackoff so that an unreachable provider is not hammered; a document
// past its TTL is still served for StaleIfError while refreshing fails. A
// fetch that failed because the caller's context ended changes nothing.
type cachedDoc[T any] struct {
	load func(ctx context.Context) (T, time.Duration, error)
	now  func() time.Time
	cfg  *CacheConfig

	fetchMu sync.Mutex // held while fetching

	mu         sync.Mutex // guards the fields below
	val        T
	have       bool
	expires    time.Time
	staleUntil time.Time
	lastErr    error
	errUntil   time.Time
	gen        uint64 // completed fetches, successful or not
}

// get returns the document, fetching it if it is missing or past its TTL.
func (c *cachedDoc[T]) get(ctx context.Context) (T, error) {
	now := c.now()
	c.mu.Lock()
	if c.have && now.Before(c.expires) {
		v := c.val
		c.mu.Unlock()
		return v, nil
	}
	gen := c.gen
	c.mu.Unlock()
	return c.refresh(ctx, gen)
}

// generation returns the number of completed fetches.
func (c *cachedDoc[T]) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// refresh fetches the document unless a fetch completed since the caller
// saw generation seen (then that fetch's outcome is used).
func (c *cachedDoc[T]) refresh(ctx context.Context, seen uint64) (T, error) {
	c.fetchMu.Lock()
	defer c.fetchMu.Unlock()
	now := c.now()
	c.mu.Lock()
	if c.gen != seen {
		defer c.mu.Unlock()
		if c.lastErr == nil {
			return c.val, nil
		}
		return c.staleOrErr(now)
	}
	if c.lastErr != nil && now.Before(c.errUntil) {
		defer c.mu.Unlock()
		return c.staleOrErr(now)
	}
	c.mu.Unlock()

	v, ttl, err := c.load(ctx)

	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			var zero T
			return zero, err
		}
		c.gen++
		c.lastErr = err
		c.errUntil = now.Add(c.cfg.ErrorBackoff)
		return c.staleOrErr(now)
	}
	c.gen++
	c.val, c.have = v, true
	c.expires = now.Add(ttl)
	c.staleUntil = c.expires.Add(c.cfg.StaleIfError)
	c.lastErr = nil
	return v, nil
}

// staleOrErr returns the stale document if allowed, else the last error.
// c.mu must be held.
func (c *cachedDoc[T]) staleOrErr(now time.Time) (T, error) {
	if c.have && now.Before(c.staleUntil) {
		return c.val, nil
	}
	var zero T
	return zero, c.lastErr
}
