package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/idpool/idpool/internal/identity"
)

// ErrorKind is what a driver error means to the store. A backend supplies a
// Config.Classify function that maps its driver's errors to these kinds, so
// that this package needs no driver import.
type ErrorKind int

// Error kinds.
const (
	// KindOther is any failure the store cannot interpret: it is returned
	// wrapped, as an infrastructure error.
	KindOther ErrorKind = iota
	// KindUnique: a primary-key or unique constraint rejected a write.
	// Returned wrapping identity.ErrConflict.
	KindUnique
	// KindForeignKey: a write referenced a row that does not exist (for
	// example an identity of a pool that was deleted). Returned wrapping
	// identity.ErrNotFound.
	KindForeignKey
	// KindRetry: the engine aborted the transaction to resolve a deadlock
	// or a serialisation failure; running it again may succeed. Returned
	// wrapping identity.ErrConflict.
	KindRetry
)

// Config is what a backend hands to New.
type Config struct {
	// Dialect selects placeholders and engine-specific SQL.
	Dialect Dialect
	// Writer runs every write and every transaction. For SQLite it must be
	// a one-connection pool (SetMaxOpenConns(1)) whose transactions begin
	// with BEGIN IMMEDIATE, so that writers queue in Go instead of failing
	// with SQLITE_BUSY.
	Writer *sql.DB
	// Reader runs single-statement reads. If nil, Writer is used.
	Reader *sql.DB
	// Classify interprets driver errors. If nil, every error is KindOther.
	Classify func(error) ErrorKind
	// Prepare makes New prepare the hot-path statements (GetPool,
	// GetIdentity, IdentityByLogin and CreateIdentity's inserts) with
	// database/sql. Leave it false when the driver already prepares and
	// caches statements per connection (pgx does) and database/sql keeps no
	// idle connections (stdlib.OpenDBFromPool), where a *sql.Stmt would be
	// re-prepared and deallocated on every call.
	Prepare bool
	// GroupCommit makes concurrent CreateIdentity calls share transactions
	// (see groupCommit). Worth it where a commit is expensive and writes are
	// serialised anyway: SQLite with synchronous=FULL.
	GroupCommit bool
	// Now stamps kv rows' modification time; defaults to time.Now.
	Now func() time.Time
	// OnClose, if non-nil, runs at the end of Store.Close, after both
	// *sql.DB have been closed (for example to close a pgxpool.Pool).
	OnClose func()
}

// Store implements identity.Store over database/sql. It is safe for
// concurrent use. Create it with New (normally through a backend's Open).
type Store struct {
	d        Dialect
	w, r     *sql.DB
	classify func(error) ErrorKind
	now      func() time.Time
	onClose  func()

	group *groupCommit

	closeOnce sync.Once
	closeErr  error
	prepared  []*sql.Stmt

	getPool, listPools, countPools                                *stmt
	insertPool, casPool, deletePool, lockPoolQuota                *stmt
	getIdentity, identityByLogin, listIdentities, listEnabledIDs  *stmt
	loginsByProvider, insertIdentity, insertLogin, deleteIdentity *stmt
	getIdentityTx, identityByLoginTx, identityPoolTx              *stmt
	removeLogin, moveLogins, setIdentityState                     *stmt
	getValue, insertValue, casValue                               *stmt
}

var _ identity.Store = (*Store)(nil)

// stmt is one statement in the store's dialect, bound to the *sql.DB it runs
// on outside transactions and, when prepared, its *sql.Stmt.
type stmt struct {
	text string
	db   *sql.DB
	prep *sql.Stmt
}

// New prepares the store's statements on the given databases and returns
// the Store, which from then on owns cfg.Writer and cfg.Reader: Store.Close
// closes them. New does not create or migrate the schema; the backend must
// have done so. If New fails, it closes whatever it prepared but not the
// databases.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Writer == nil {
		return nil, errors.New("sqlstore: new: Config.Writer is nil")
	}
	if _, ok := dialectSQL[cfg.Dialect]; !ok {
		return nil, fmt.Errorf("sqlstore: new: unknown dialect %q", cfg.Dialect)
	}
	s := &Store{
		d:        cfg.Dialect,
		w:        cfg.Writer,
		r:        cfg.Reader,
		classify: cfg.Classify,
		now:      cfg.Now,
		onClose:  cfg.OnClose,
	}
	if s.r == nil {
		s.r = s.w
	}
	if s.classify == nil {
		s.classify = func(error) ErrorKind { return KindOther }
	}
	if s.now == nil {
		s.now = time.Now
	}

	var err error
	mk := func(text string, db *sql.DB, hot bool) *stmt {
		st := &stmt{text: prepareSQL(s.d, text), db: db}
		if hot && cfg.Prepare && err == nil {
			st.prep, err = db.PrepareContext(ctx, st.text)
			if err == nil {
				s.prepared = append(s.prepared, st.prep)
			} else {
				err = fmt.Errorf("sqlstore: new: prepare %q: %w", text, err)
			}
		}
		return st
	}
	s.getPool = mk(qGetPool, s.r, true)
	s.listPools = mk(qListPools, s.r, false)
	s.countPools = mk(qCountPools, s.r, false)
	s.insertPool = mk(qInsertPool, s.w, false)
	s.lockPoolQuota = mk(qLockPoolQuota, s.w, false)
	s.casPool = mk(qCASPool, s.w, false)
	s.deletePool = mk(qDeletePool, s.w, false)

	s.getIdentity = mk(qGetIdentity, s.r, true)
	s.identityByLogin = mk(qIdentityByLogin, s.r, true)
	s.listIdentities = mk(qListIdentities, s.r, false)
	s.listEnabledIDs = mk(qListEnabledIdentities, s.r, false)
	s.loginsByProvider = mk(qLoginsByProvider, s.r, false)
	s.insertIdentity = mk(qInsertIdentity, s.w, true)
	s.insertLogin = mk(qInsertLogin, s.w, true)
	s.deleteIdentity = mk(qDeleteIdentity, s.w, false)

	s.getIdentityTx = mk(qGetIdentityTx, s.w, false)
	s.identityByLoginTx = mk(qIdentityByLoginTx, s.w, false)
	s.identityPoolTx = mk(qIdentityPoolTx, s.w, false)
	s.removeLogin = mk(qRemoveLogin, s.w, false)
	s.moveLogins = mk(qMoveLogins, s.w, false)
	s.setIdentityState = mk(qSetIdentityState, s.w, false)

	s.getValue = mk(qGetValue, s.r, false)
	s.insertValue = mk(qInsertValue, s.w, false)
	s.casValue = mk(qCASValue, s.w, false)
	if err != nil {
		s.closeStmts()
		return nil, err
	}
	if cfg.GroupCommit {
		s.group = newGroupCommit(s)
	}
	return s, nil
}

// Dialect reports the store's SQL dialect.
func (s *Store) Dialect() Dialect { return s.d }

// Ping checks that the writer and (if distinct) the reader database answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlstore: ping: %w", err)
	}
	if s.r != s.w {
		if err := s.r.PingContext(ctx); err != nil {
			return fmt.Errorf("sqlstore: ping reader: %w", err)
		}
	}
	return nil
}

// Close closes the prepared statements, then the reader and writer
// databases (waiting, as sql.DB.Close does, for queries in flight to
// finish), then runs Config.OnClose. Later calls return the first call's
// result. Using the Store after Close returns errors; it does not panic.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.group != nil {
			s.group.close()
		}
		s.closeStmts()
		var errs []error
		if s.r != s.w {
			errs = append(errs, s.r.Close())
		}
		errs = append(errs, s.w.Close())
		if s.onClose != nil {
			s.onClose()
		}
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("sqlstore: close: %w", err)
		}
	})
	return s.closeErr
}

func (s *Store) closeStmts() {
	for _, p := range s.prepared {
		_ = p.Close()
	}
	s.prepared = nil
}

// query runs a read outside any transaction.
func (st *stmt) query(ctx context.Context, args ...any) (*sql.Rows, error) {
	if st.prep != nil {
		return st.prep.QueryContext(ctx, args...)
	}
	return st.db.QueryContext(ctx, st.text, args...)
}

func (st *stmt) queryRow(ctx context.Context, args ...any) *sql.Row {
	if st.prep != nil {
		return st.prep.QueryRowContext(ctx, args...)
	}
	return st.db.QueryRowContext(ctx, st.text, args...)
}

func (st *stmt) exec(ctx context.Context, args ...any) (sql.Result, error) {
	if st.prep != nil {
		return st.prep.ExecContext(ctx, args...)
	}
	return st.db.ExecContext(ctx, st.text, args...)
}

// txStmt returns the prepared statement bound to tx when st was prepared on
// the transaction's database, nil otherwise.
func (st *stmt) txStmt(ctx context.Context, tx *sql.Tx) *sql.Stmt {
	if st.prep == nil {
		return nil
	}
	return tx.StmtContext(ctx, st.prep)
}

func (st *stmt) txQuery(ctx context.Context, tx *sql.Tx, args ...any) (*sql.Rows, error) {
	if p := st.txStmt(ctx, tx); p != nil {
		return p.QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, st.text, args...)
}

func (st *stmt) txQueryRow(ctx context.Context, tx *sql.Tx, args ...any) *sql.Row {
	if p := st.txStmt(ctx, tx); p != nil {
		return p.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, st.text, args...)
}

func (st *stmt) txExec(ctx context.Context, tx *sql.Tx, args ...any) (sql.Result, error) {
	if p := st.txStmt(ctx, tx); p != nil {
		return p.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, st.text, args...)
}

// wrap gives err the store's context and, by its kind, the identity sentinel
// the Store contract asks for. The driver error stays in the chain.
func (s *Store) wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	msg := fmt.Sprintf("sqlstore: "+format, args...)
	if errors.Is(err, identity.ErrNotFound) || errors.Is(err, identity.ErrConflict) {
		return fmt.Errorf("%s: %w", msg, err)
	}
	switch s.classify(err) {
	case KindUnique, KindRetry:
		return fmt.Errorf("%s: %w: %w", msg, identity.ErrConflict, err)
	case KindForeignKey:
		return fmt.Errorf("%s: %w: %w", msg, identity.ErrNotFound, err)
	}
	return fmt.Errorf("%s: %w", msg, err)
}

// rowsAffected returns how many rows a write changed.
func rowsAffected(res sql.Result) (int64, error) {
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("rows affected: %w", err)
	}
	return n, nil
}

// ms converts a time to the stored form: milliseconds since the Unix epoch.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts a stored time back, in UTC.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// normTime is what a time becomes after a round trip through the store.
func normTime(t time.Time) time.Time { return fromMS(ms(t)) }
