package identity

import (
	"context"
	"sync"
	"time"
)

// poolCache keeps recently read pools in memory for the data-plane hot path.
// Entries live for ttl, so a change made through another node is seen within
// ttl; changes made through this node invalidate the entry at once. The
// cache is safe to lose: the store holds the only authoritative copy.
type poolCache struct {
	store Store
	ttl   time.Duration
	now   func() time.Time
	mu    sync.RWMutex
	m     map[string]cachedPool
}

type cachedPool struct {
	pool    Pool
	expires time.Time
}

func newPoolCache(store Store, ttl time.Duration, now func() time.Time) *poolCache {
	return &poolCache{store: store, ttl: ttl, now: now, m: make(map[string]cachedPool)}
}

// get returns the pool from the cache or the store. The returned Pool shares
// maps with the cache: callers must not modify it.
func (c *poolCache) get(ctx context.Context, id string) (Pool, error) {
	now := c.now()
	c.mu.RLock()
	e, ok := c.m[id]
	c.mu.RUnlock()
	if ok && now.Before(e.expires) {
		return e.pool, nil
	}
	p, err := c.store.GetPool(ctx, id)
	if err != nil {
		return Pool{}, err
	}
	c.mu.Lock()
	if len(c.m) > 10000 {
		clear(c.m)
	}
	c.m[id] = cachedPool{pool: p, expires: now.Add(c.ttl)}
	c.mu.Unlock()
	return p, nil
}

func (c *poolCache) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}
