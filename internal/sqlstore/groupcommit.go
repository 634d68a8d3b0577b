package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/idpool/idpool/internal/identity"
)

// maxGroup bounds how many CreateIdentity calls share one transaction.
const maxGroup = 256

// groupCommit batches concurrent CreateIdentity calls into one transaction,
// so that many new identities share one commit (one fsync on SQLite with
// synchronous=FULL) instead of paying one each. There is no waiting window:
// calls that arrive while a commit is in progress form the next batch.
//
// Each call runs inside its own SAVEPOINT, so one call's conflict (a taken
// ID or login) rolls back only that call. A call returns only after the
// transaction holding it committed: what is acknowledged is durable.
type groupCommit struct {
	s    *Store
	q    chan createReq
	stop chan struct{}
	done sync.WaitGroup
}

type createReq struct {
	ctx context.Context
	id  identity.Identity
	res chan error
}

var errStoreClosed = errors.New("sqlstore: store closed")

func newGroupCommit(s *Store) *groupCommit {
	g := &groupCommit{s: s, q: make(chan createReq, maxGroup), stop: make(chan struct{})}
	g.done.Add(1)
	go g.loop()
	return g
}

// create queues one CreateIdentity and waits for its transaction.
func (g *groupCommit) create(ctx context.Context, id identity.Identity) error {
	r := createReq{ctx: ctx, id: id, res: make(chan error, 1)}
	select {
	case g.q <- r:
	case <-g.stop:
		return errStoreClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued the call is answered even if ctx ends: the caller must
	// not be told "failed" about an identity that is then committed.
	return <-r.res
}

func (g *groupCommit) close() {
	close(g.stop)
	g.done.Wait()
}

func (g *groupCommit) loop() {
	defer g.done.Done()
	batch := make([]createReq, 0, maxGroup)
	for {
		select {
		case r := <-g.q:
			batch = append(batch[:0], r)
		case <-g.stop:
			for {
				select {
				case r := <-g.q:
					r.res <- errStoreClosed
				default:
					return
				}
			}
		}
	fill:
		for len(batch) < maxGroup {
			select {
			case r := <-g.q:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		g.run(batch)
	}
}

// run executes one batch in one transaction and answers every call.
func (g *groupCommit) run(batch []createReq) {
	s := g.s
	errs := make([]error, len(batch))
	fail := func(err error) {
		for _, r := range batch {
			r.res <- err
		}
	}
	ctx := context.Background()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		fail(s.wrap(err, "create identity: begin"))
		return
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT gc"); err != nil {
			fail(s.wrap(err, "create identity: savepoint"))
			return
		}
		if err := s.insertIdentityTx(ctx, tx, r.id); err != nil {
			errs[i] = s.wrap(err, "create identity %s", r.id.ID)
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT gc"); err != nil {
				fail(s.wrap(err, "create identity: rollback to savepoint"))
				return
			}
		}
		if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT gc"); err != nil {
			fail(s.wrap(err, "create identity: release savepoint"))
			return
		}
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("sqlstore: create identity: commit: %w", err))
		return
	}
	for i, r := range batch {
		r.res <- errs[i]
	}
}
