// Package testserver boots the real idpool server in-process for tests:
// the same app.New → Listen → Serve path as `idpool serve`, on a free
// loopback port, with a temporary data directory and an embedded SQLite
// store, or a fresh PostgreSQL schema when asked (WithPostgres).
//
// Start returns once the server accepts connections; t.Cleanup stops it
// gracefully (in-flight requests finish, the store closes) and fails the
// test if shutdown reports an error. The server's logs are kept in memory
// and printed only when the test fails.
//
// RequireClient and RequirePythonModule guard tests that drive external
// clients (the AWS CLI, boto3): a missing client skips the test with a
// visible message, or fails it when IDPOOL_E2E_REQUIRED=1, as CI sets.
package testserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/idpool/idpool/internal/app"
	"github.com/idpool/idpool/internal/config"
	"github.com/idpool/idpool/internal/pgtest"
)

// EnvPostgres names the variable holding the DSN of a PostgreSQL server
// tests may create schemas in (see internal/pgtest).
const EnvPostgres = pgtest.EnvDSN

// Server is a running idpool server.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234 (no trailing slash).
	URL string
	// Region and AccountID are the region served and the account that
	// owns the pools.
	Region    string
	AccountID string
	// AccessKeyID and SecretAccessKey are the admin key pair.
	AccessKeyID     string
	SecretAccessKey string
	// DataDir is the data directory; CredentialsFile is the AWS
	// credentials file the server wrote there, with the profile
	// ProfileName.
	DataDir         string
	CredentialsFile string
	// Store is "" for SQLite, or the PostgreSQL DSN (with its search_path).
	Store string
	// SealKey is the base64 key sealing private keys at rest when set
	// explicitly (always for PostgreSQL, so that other nodes can share it).
	SealKey string
	// Output is what the server printed at start (the one-time notice with
	// generated admin credentials, or nothing).
	Output string
	// App is the running application.
	App *app.App

	tb       testing.TB
	cancel   context.CancelFunc
	done     chan error
	stopOnce sync.Once
	stopErr  error
	logs     *lockedBuffer
}

// ProfileName is the profile of the generated credentials file.
const ProfileName = app.ProfileName

// Option configures Start.
type Option func(*options)

type options struct {
	postgres bool
	store    string
	dataDir  string
	sealKey  string
	mutate   []func(*config.Config)
}

// WithPostgres stores data in PostgreSQL: a fresh schema on the server
// named by IDPOOL_TEST_POSTGRES, created for the test and dropped (after
// the server stopped) when it ends. Without the variable the test is
// skipped.
func WithPostgres() Option { return func(o *options) { o.postgres = true } }

// WithStore uses an existing store DSN (as in --store), for example the
// Store of another Server, so that two nodes share one database.
func WithStore(dsn string) Option { return func(o *options) { o.store = dsn } }

// WithDataDir uses dir as the data directory instead of a fresh temporary
// one, for example the DataDir of a stopped Server to test a restart.
func WithDataDir(dir string) Option { return func(o *options) { o.dataDir = dir } }

// WithSealKey sets the base64 seal key (--seal-key).
func WithSealKey(key string) Option { return func(o *options) { o.sealKey = key } }

// SharingStoreWith makes the new server a second node of other's
// PostgreSQL store: the same DSN and seal key, its own data directory.
func SharingStoreWith(other *Server) Option {
	return func(o *options) {
		o.store = other.Store
		o.sealKey = other.SealKey
	}
}

// WithConfig lets the caller change any other setting before start.
func WithConfig(fn func(*config.Config)) Option {
	return func(o *options) { o.mutate = append(o.mutate, fn) }
}

// Start boots a server and registers its graceful stop with tb.Cleanup.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	var o options
	for _, fn := range opts {
		fn(&o)
	}
	cfg := config.Defaults()
	cfg.DataDir = o.dataDir
	if cfg.DataDir == "" {
		cfg.DataDir = tb.TempDir()
	}
	cfg.Store = o.store
	if o.postgres && cfg.Store == "" {
		cfg.Store = pgtest.FreshSchema(tb)
	}
	cfg.SealKey = o.sealKey
	if cfg.SealKey == "" && cfg.IsPostgres() {
		cfg.SealKey = newSealKey(tb)
	}
	cfg.ShutdownTimeout = 10 * time.Second
	cfg.LogLevel = "debug"
	cfg.LogFormat = "text"
	for _, fn := range o.mutate {
		fn(&cfg)
	}

	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var out bytes.Buffer

	// The public URL (and so the token issuer) must name the real port, so
	// the port is chosen before app.New: reserve a free one, release it and
	// bind it again; if something took it meanwhile, try another.
	var (
		a   *app.App
		err error
	)
	for attempt := 0; ; attempt++ {
		c := cfg
		if c.Addr == config.Defaults().Addr {
			c.Addr = freeLoopbackAddr(tb)
		}
		a, err = app.New(context.Background(), c, logger, &out)
		if err != nil {
			tb.Fatalf("testserver: app.New: %v\n%s", err, logs.String())
		}
		_, err = a.Listen()
		if err == nil {
			cfg = c
			break
		}
		_ = a.Close()
		if !errors.Is(err, syscall.EADDRINUSE) || attempt == 4 {
			tb.Fatalf("testserver: listen: %v", err)
		}
	}
	_ = cfg.Validate() // fills PublicURL as app.New did on its copy

	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		URL:             cfg.PublicURL,
		Region:          cfg.Region,
		AccountID:       cfg.AccountID,
		AccessKeyID:     a.Admin.AccessKeyID,
		SecretAccessKey: a.Admin.SecretAccessKey,
		DataDir:         cfg.DataDir,
		CredentialsFile: filepath.Join(cfg.DataDir, "credentials"),
		Store:           cfg.Store,
		SealKey:         cfg.SealKey,
		Output:          out.String(),
		App:             a,
		tb:              tb,
		cancel:          cancel,
		done:            make(chan error, 1),
		logs:            logs,
	}
	go func() { s.done <- a.Serve(ctx) }()
	tb.Cleanup(func() {
		if err := s.Stop(); err != nil {
			tb.Errorf("testserver: graceful stop: %v", err)
		}
		if tb.Failed() {
			tb.Logf("testserver %s logs (%s):\n%s", s.URL, logHint, tail(s.logs.String(), logTail()))
		}
	})
	s.waitReady(tb)
	return s
}

// Stop shuts the server down gracefully and waits until it has stopped and
// closed its store. It is idempotent; Start's cleanup calls it too.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		s.cancel()
		select {
		case s.stopErr = <-s.done:
		case <-time.After(30 * time.Second):
			s.stopErr = errors.New("server did not stop within 30s")
		}
	})
	return s.stopErr
}

// EnvLogLines names the variable that sets how many of the last log lines
// of a server are printed when its test fails (default 40; "all" for all).
const EnvLogLines = "IDPOOL_TEST_LOG_LINES"

var logHint = "last lines; set " + EnvLogLines + "=all for all"

func logTail() int {
	v := os.Getenv(EnvLogLines)
	if v == "all" {
		return -1
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return n
	}
	return 40
}

// tail returns the last n lines of s (all of s when n < 0).
func tail(s string, n int) string {
	if n < 0 {
		return s
	}
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n+1 {
		lines = lines[len(lines)-n-1:]
	}
	return strings.Join(lines, "")
}

// Logs returns what the server has logged so far.
func (s *Server) Logs() string { return s.logs.String() }

// PoolARN returns the ARN of an identity pool of this server.
func (s *Server) PoolARN(poolID string) string {
	return fmt.Sprintf("arn:aws:cognito-identity:%s:%s:identitypool/%s", s.Region, s.AccountID, poolID)
}

// waitReady returns once GET /healthz answers 200 (Serve runs in a
// goroutine, but the listener is already bound, so this is normally the
// first try).
func (s *Server) waitReady(tb testing.TB) {
	tb.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := client.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = fmt.Errorf("GET /healthz: %s", resp.Status)
		}
		if time.Now().After(deadline) {
			tb.Fatalf("testserver: %s not ready: %v\n%s", s.URL, err, s.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func freeLoopbackAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("testserver: find a free port: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func newSealKey(tb testing.TB) string {
	tb.Helper()
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		tb.Fatalf("testserver: seal key: %v", err)
	}
	return base64.StdEncoding.EncodeToString(k)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// EnvRequired names the variable that turns a missing client from a skip
// into a failure (CI sets it to 1).
const EnvRequired = "IDPOOL_E2E_REQUIRED"

// Paths of the real clients the end-to-end tests use: the Debian packages
// awscli and python3-boto3, which a fresh machine gets from apt. Other
// copies on PATH (pyenv shims) are deliberately not used.
const (
	AWSCLI  = "/usr/bin/aws"
	Python3 = "/usr/bin/python3"
)

var (
	probeMu sync.Mutex
	probes  = map[string]error{}
)

// RequireClient skips tb (or fails it when IDPOOL_E2E_REQUIRED=1) unless
// path is an executable file.
func RequireClient(tb testing.TB, path string) {
	tb.Helper()
	if err := probe(path, func() error {
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		if fi.IsDir() || fi.Mode()&0o111 == 0 {
			return fmt.Errorf("%s is not an executable file", path)
		}
		return nil
	}); err != nil {
		missing(tb, fmt.Sprintf("client %s is not available (%v)", path, err))
	}
}

// RequirePythonModule is RequireClient(python) plus a check that python
// can import module (e.g. "boto3").
func RequirePythonModule(tb testing.TB, python, module string) {
	tb.Helper()
	RequireClient(tb, python)
	if err := probe(python+" import "+module, func() error {
		out, err := runQuiet(python, "-c", "import "+module)
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	}); err != nil {
		missing(tb, fmt.Sprintf("python module %s is not importable by %s (%v)", module, python, err))
	}
}

func probe(key string, check func() error) error {
	probeMu.Lock()
	defer probeMu.Unlock()
	if err, ok := probes[key]; ok {
		return err
	}
	err := check()
	probes[key] = err
	return err
}

func missing(tb testing.TB, what string) {
	tb.Helper()
	hint := "install it: apt-get install -y awscli python3-boto3"
	if os.Getenv(EnvRequired) == "1" {
		tb.Fatalf("%s; %s=1 requires every client: %s", what, EnvRequired, hint)
	}
	tb.Skipf("SKIPPING: %s; %s (set %s=1 to make this a failure)", what, hint, EnvRequired)
}

func runQuiet(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, name, args...).CombinedOutput()
}
