package login

import (
	"container/heap"
	"sync"
	"time"
)

// replayCache counts the presentations of SAML assertion IDs until each
// assertion expires. It holds at most max entries: when full it drops the
// expired ones, then the ones closest to expiry, so an assertion can be
// replayed only after max newer assertions arrived within its lifetime.
// It lives in one process: on several nodes a replay to another node is
// not detected.
type replayCache struct {
	max     int
	maxUses int

	mu      sync.Mutex
	entries map[string]*replayEntry
	byExp   replayHeap
}

type replayEntry struct {
	id      string
	uses    int
	expires time.Time
	index   int
}

func newReplayCache(max, maxUses int) *replayCache {
	return &replayCache{max: max, maxUses: maxUses, entries: map[string]*replayEntry{}}
}

// use records one presentation of id (valid until expires) and reports
// whether it is within the allowed number of uses.
func (c *replayCache) use(id string, expires, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.byExp) > 0 && !now.Before(c.byExp[0].expires) {
		e := heap.Pop(&c.byExp).(*replayEntry)
		delete(c.entries, e.id)
	}
	if e, ok := c.entries[id]; ok {
		if e.uses >= c.maxUses {
			return false
		}
		e.uses++
		return true
	}
	for len(c.byExp) >= c.max {
		e := heap.Pop(&c.byExp).(*replayEntry)
		delete(c.entries, e.id)
	}
	e := &replayEntry{id: id, uses: 1, expires: expires}
	heap.Push(&c.byExp, e)
	c.entries[id] = e
	return true
}

func (c *replayCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// replayHeap orders entries by expiry (container/heap).
type replayHeap []*replayEntry

func (h replayHeap) Len() int           { return len(h) }
func (h replayHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h replayHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *replayHeap) Push(x any) {
	e := x.(*replayEntry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *replayHeap) Pop() any {
	old := *h
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return e
}
