package sigv4

import (
	"crypto/subtle"
	"sync"
	"sync/atomic"
)

// keyCacheLimit bounds the signing-key cache. When it is full the whole map is
// dropped and refilled: entries are cheap to recompute (four HMACs) and only
// live for a day anyway.
const keyCacheLimit = 4096

// keyCache maps access key + day + region + service to the derived signing
// key. The secret is stored next to the key and compared on every hit, so a
// key whose secret changed is recomputed, never served stale. The zero value
// is ready to use and safe for concurrent use; it takes no lock on hits.
type keyCache struct {
	m atomic.Pointer[sync.Map]
	n atomic.Int64
}

type keyCacheEntry struct {
	secret string
	key    []byte
}

func (c *keyCache) get(akid, secret, day, region, service string) []byte {
	m := c.m.Load()
	if m == nil {
		m = new(sync.Map)
		if !c.m.CompareAndSwap(nil, m) {
			m = c.m.Load()
		}
	}
	id := akid + "\x00" + day + "\x00" + region + "\x00" + service
	if v, ok := m.Load(id); ok {
		e := v.(*keyCacheEntry)
		if len(e.secret) == len(secret) && subtle.ConstantTimeCompare([]byte(e.secret), []byte(secret)) == 1 {
			return e.key
		}
	}
	key := deriveSigningKey(secret, day, region, service)
	if c.n.Add(1) > keyCacheLimit {
		fresh := new(sync.Map)
		if c.m.CompareAndSwap(m, fresh) {
			c.n.Store(1)
		}
		m = c.m.Load()
	}
	m.Store(id, &keyCacheEntry{secret: secret, key: key})
	return key
}
