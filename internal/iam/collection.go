package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

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

// maxAttempts bounds the compare-and-swap retries of one change.
const maxAttempts = 32

// document is what a collection stores: it rebuilds its lookup indexes
// after decoding.
type document interface {
	reindex()
}

// snapshot is one decoded version of a collection document. It is never
// modified after it is published.
type snapshot[D any] struct {
	doc     *D
	version int64
	fetched time.Time
}

// collection is one JSON document in the ValueStore with a read-through
// snapshot cache.
type collection[D any, PD interface {
	*D
	document
}] struct {
	key   string
	store ValueStore
	ttl   time.Duration
	now   func() time.Time

	snap      atomic.Pointer[snapshot[D]]
	refreshMu sync.Mutex
}

// read returns the snapshot, fetching the document when the cached one is
// older than the TTL (one fetch at a time; concurrent readers wait for it).
func (c *collection[D, PD]) read(ctx context.Context) (*D, error) {
	if s := c.snap.Load(); s != nil && c.now().Sub(s.fetched) < c.ttl {
		return s.doc, nil
	}
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	if s := c.snap.Load(); s != nil && c.now().Sub(s.fetched) < c.ttl {
		return s.doc, nil
	}
	s, err := c.fetch(ctx)
	if err != nil {
		return nil, err
	}
	return s.doc, nil
}

// fetch reads and decodes the stored document and publishes it.
func (c *collection[D, PD]) fetch(ctx context.Context) (*snapshot[D], error) {
	b, v, err := c.store.GetValue(ctx, c.key)
	switch {
	case errors.Is(err, identity.ErrNotFound):
		b, v = nil, 0
	case err != nil:
		return nil, fmt.Errorf("iam: read %s: %w", c.key, err)
	}
	d, err := c.decode(b)
	if err != nil {
		return nil, err
	}
	s := &snapshot[D]{doc: d, version: v, fetched: c.now()}
	c.publish(s)
	return s, nil
}

func (c *collection[D, PD]) decode(b []byte) (*D, error) {
	d := new(D)
	if len(b) > 0 {
		if err := json.Unmarshal(b, d); err != nil {
			return nil, fmt.Errorf("iam: decode %s: %w", c.key, err)
		}
	}
	PD(d).reindex()
	return d, nil
}

// publish replaces the cached snapshot unless a newer version is cached.
func (c *collection[D, PD]) publish(s *snapshot[D]) {
	for {
		cur := c.snap.Load()
		if cur != nil && cur.version > s.version {
			return
		}
		if c.snap.CompareAndSwap(cur, s) {
			return
		}
	}
}

// update applies fn to a fresh copy of the stored document and writes it
// back with compare-and-swap, re-reading and re-applying fn when another
// writer got there first. fn must be deterministic in what it validates; if
// it returns an error nothing is written and the error is returned as is.
// The returned document is a private copy of what was written.
func (c *collection[D, PD]) update(ctx context.Context, fn func(d *D) error) (*D, error) {
	for attempt := 0; ; attempt++ {
		b, v, err := c.store.GetValue(ctx, c.key)
		switch {
		case errors.Is(err, identity.ErrNotFound):
			b, v = nil, 0
		case err != nil:
			return nil, fmt.Errorf("iam: read %s: %w", c.key, err)
		}
		d, err := c.decode(b)
		if err != nil {
			return nil, err
		}
		if err := fn(d); err != nil {
			// What fn saw is the latest: publish it so reads catch up.
			if cur, derr := c.decode(b); derr == nil {
				c.publish(&snapshot[D]{doc: cur, version: v, fetched: c.now()})
			}
			return nil, err
		}
		nb, err := json.Marshal(d)
		if err != nil {
			return nil, fmt.Errorf("iam: encode %s: %w", c.key, err)
		}
		nv, err := c.store.PutValue(ctx, c.key, nb, v)
		if errors.Is(err, identity.ErrConflict) {
			if attempt+1 >= maxAttempts {
				return nil, errConcurrent
			}
			if err := backoff(ctx, attempt); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("iam: write %s: %w", c.key, err)
		}
		pub, err := c.decode(nb)
		if err != nil {
			return nil, err
		}
		c.publish(&snapshot[D]{doc: pub, version: nv, fetched: c.now()})
		PD(d).reindex()
		return d, nil
	}
}

// backoff sleeps a little longer after each lost race.
func backoff(ctx context.Context, attempt int) error {
	d := time.Duration(attempt+1) * time.Millisecond
	if d > 20*time.Millisecond {
		d = 20 * time.Millisecond
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("iam: %w", ctx.Err())
	case <-t.C:
		return nil
	}
}
