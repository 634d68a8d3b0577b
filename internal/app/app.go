// Package app wires idpool together: it opens the store, prepares the
// admin credentials and keys, builds the domain service and every HTTP
// surface, and serves them on one listener until its context ends, then
// shuts down gracefully (in-flight requests finish, then the store closes).
//
// cmd/idpool calls it; end-to-end tests boot it in-process on port 0.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/idpool/idpool/internal/cfn"
	"github.com/idpool/idpool/internal/cloudcontrol"
	"github.com/idpool/idpool/internal/cloudcontrolapi"
	"github.com/idpool/idpool/internal/cognitoapi"
	"github.com/idpool/idpool/internal/config"
	"github.com/idpool/idpool/internal/iam"
	"github.com/idpool/idpool/internal/iamapi"
	"github.com/idpool/idpool/internal/identity"
	"github.com/idpool/idpool/internal/metrics"
	"github.com/idpool/idpool/internal/postgres"
	"github.com/idpool/idpool/internal/resources"
	"github.com/idpool/idpool/internal/sigv4"
	"github.com/idpool/idpool/internal/sqlite"
	"github.com/idpool/idpool/internal/stackapi"
	"github.com/idpool/idpool/internal/sts"
	"github.com/idpool/idpool/internal/stsapi"
	"github.com/idpool/idpool/internal/token"
)

// App is a configured idpool server.
type App struct {
	cfg     config.Config
	log     *slog.Logger
	store   identity.Store
	service *identity.Service
	metrics *metrics.Metrics
	tokens  *token.Manager
	minter  *sts.Minter
	iam     *iam.Service
	// resources holds the CloudFormation resource handlers shared by the
	// stack and Cloud Control surfaces.
	resources *resources.Set
	handler   http.Handler
	listener  net.Listener
	// Admin is the admin key pair in force (configured or generated).
	Admin AdminCredentials
}

// New opens the store and builds every component. out receives the one-time
// notice with generated admin credentials (os.Stdout in the binary).
func New(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("app: create data directory: %w", err)
	}
	a := &App{cfg: cfg, log: log, metrics: metrics.New()}
	var err error
	if cfg.IsPostgres() {
		a.store, err = postgres.Open(ctx, cfg.Store)
	} else {
		a.store, err = sqlite.Open(ctx, cfg.DataDir)
	}
	if err != nil {
		return nil, fmt.Errorf("app: open store: %w", err)
	}
	if err := a.init(ctx, out); err != nil {
		a.store.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) init(ctx context.Context, out io.Writer) error {
	admin, err := loadAdminCredentials(ctx, a.cfg, a.store, out)
	if err != nil {
		return err
	}
	a.Admin = admin
	if a.cfg.AcceptAnySignature {
		a.log.Warn("EMULATOR MODE: any well-formed SigV4 signature is accepted (--accept-any-signature); never use this in production")
	}
	sealKey, err := loadSealKey(a.cfg.SealKey, a.cfg.DataDir)
	if err != nil {
		return err
	}
	a.tokens, err = token.NewManager(ctx, token.Config{
		Store: a.store, SealKey: sealKey, Issuer: a.cfg.Issuer, Region: a.cfg.Region,
		RotationPeriod: a.cfg.KeyRotationPeriod, Logger: a.log,
	})
	if err != nil {
		return fmt.Errorf("app: token keys: %w", err)
	}
	minter, err := sts.NewMinter(ctx, sts.Config{Store: a.store, SealKey: sealKey})
	a.minter = minter
	if err != nil {
		return fmt.Errorf("app: credential keys: %w", err)
	}
	iamTTL := a.cfg.PoolCacheTTL
	if iamTTL == 0 {
		iamTTL = -1 // no cache, as for pools
	}
	a.iam, err = iam.New(iam.Config{Store: a.store, Account: a.cfg.AccountID, CacheTTL: iamTTL})
	if err != nil {
		return fmt.Errorf("app: iam: %w", err)
	}
	providers := iamProviders{a.iam}
	logins, err := newLogins(a.cfg, a.log, providers, providers)
	if err != nil {
		return fmt.Errorf("app: login providers: %w", err)
	}
	userPools, err := newUserPoolChecker(a.cfg, a.log)
	if err != nil {
		return fmt.Errorf("app: ServerSideTokenCheck: %w", err)
	}
	trust := trustChecker{svc: a.iam, strict: a.cfg.StrictRoles, log: a.log}
	a.service = identity.NewService(a.store, identity.Config{
		Region: a.cfg.Region, AccountID: a.cfg.AccountID, MaxPools: a.cfg.MaxPools, PoolCacheTTL: a.cfg.PoolCacheTTL,
		Tokens: tokens{m: a.tokens, now: time.Now}, Minter: trustedMinter{next: minter.ForIdentity(), trust: trust},
		Logins: logins, Providers: providers, UserPools: userPools,
	})
	creds := &credentialSource{admin: admin, anyone: a.cfg.AcceptAnySignature, temporary: minter}
	verifier := &sigv4.Verifier{
		Region:             a.cfg.Region,
		Source:             creds,
		Now:                time.Now,
		MaxSkew:            15 * time.Minute,
		AcceptAnySignature: a.cfg.AcceptAnySignature,
	}
	// IAM is global: clients sign it for us-east-1 whatever region we serve.
	iamVerifier := &sigv4.Verifier{
		Region: "us-east-1", Source: creds, Now: time.Now, MaxSkew: 15 * time.Minute, AcceptAnySignature: a.cfg.AcceptAnySignature,
	}
	cognito := cognitoapi.New(cognitoapi.Config{
		Service: a.service, Verifier: verifier, Authorize: creds.authorizeAdmin, Logger: a.log, Metrics: a.metrics,
	})
	stsSrv, err := stsapi.New(stsapi.Config{
		Account: a.cfg.AccountID, Verifier: verifier, Minter: minter, Tokens: webIdentities{a.tokens},
		CheckRole: trust.checkSTSRole, AdminAccessKeyID: admin.AccessKeyID, Logger: a.log, Metrics: a.metrics,
	})
	if err != nil {
		return err
	}
	iamSrv, err := iamapi.New(iamapi.Config{
		Service: a.iam, Verifier: iamVerifier, Authorize: creds.authorizeAdmin, Logger: a.log, Metrics: a.metrics,
	})
	if err != nil {
		return err
	}
	stacks, err := a.stackSurface(verifier, creds)
	if err != nil {
		return err
	}
	ccService, err := cloudcontrol.New(cloudcontrol.Config{Resources: a.resources, Store: a.store})
	if err != nil {
		return fmt.Errorf("app: cloud control: %w", err)
	}
	cc, err := cloudcontrolapi.New(cloudcontrolapi.Config{
		Service: ccService, Verifier: verifier, Authorize: creds.authorizeAdminFor("cloudformation"), Logger: a.log, Metrics: a.metrics,
	})
	if err != nil {
		return err
	}
	a.handler = a.routes(cognito, stsSrv, iamSrv, stacks, cc)
	return nil
}

// stackSurface builds the template engine behind `idpool apply` on the
// resource handlers, and its signed surface.
func (a *App) stackSurface(verifier *sigv4.Verifier, creds *credentialSource) (http.Handler, error) {
	set, err := resources.New(resources.Config{Identity: a.service, IAM: a.iam, Store: a.store})
	if err != nil {
		return nil, fmt.Errorf("app: resources: %w", err)
	}
	reg, err := set.Registry()
	if err != nil {
		return nil, fmt.Errorf("app: resources: %w", err)
	}
	a.resources = set
	stackStore := resources.NewStackStore(a.store)
	engine := &cfn.Engine{Registry: reg, Store: stackStore, Region: a.cfg.Region, AccountID: a.cfg.AccountID}
	return stackapi.New(stackapi.Config{
		Engine: engine, Stacks: stackStore, Verifier: verifier, Authorize: creds.authorizeAdminFor("idpool"),
		Logger: a.log, Metrics: a.metrics,
	})
}

// Handler returns the HTTP handler serving every surface.
func (a *App) Handler() http.Handler { return a.handler }

// Listen binds the configured address (use "127.0.0.1:0" for a free port).
func (a *App) Listen() (net.Addr, error) {
	l, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("app: listen on %s: %w", a.cfg.Addr, err)
	}
	a.listener = l
	return l.Addr(), nil
}

// Serve serves on the listener from Listen (binding it first if needed)
// until ctx is done, then shuts down: it stops accepting, lets in-flight
// requests finish for up to ShutdownTimeout, and closes the store.
func (a *App) Serve(ctx context.Context) error {
	if a.listener == nil {
		if _, err := a.Listen(); err != nil {
			return err
		}
	}
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	bg, stopBG := context.WithCancel(context.Background())
	defer stopBG()
	go a.tokens.Run(bg)
	go a.reloadCredentialKeys(bg)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(a.listener) }()
	a.log.Info("idpool listening", "addr", a.listener.Addr().String(), "region", a.cfg.Region, "store", a.storeKind())
	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
		a.log.Info("shutting down", "timeout", a.cfg.ShutdownTimeout.String())
		sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
		defer cancel()
		serveErr = srv.Shutdown(sctx)
		<-errc
	}
	stopBG()
	if err := a.Close(); err != nil && serveErr == nil {
		serveErr = err
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	return serveErr
}

// Close closes the store. Serve calls it on shutdown.
func (a *App) Close() error {
	if a.store == nil {
		return nil
	}
	err := a.store.Close()
	a.store = nil
	if err != nil {
		return fmt.Errorf("app: close store: %w", err)
	}
	a.log.Info("store closed")
	return nil
}

func (a *App) storeKind() string {
	if a.cfg.IsPostgres() {
		return "postgres"
	}
	return "sqlite"
}

// reloadCredentialKeys re-reads the credential keyring every minute so a
// rotation made through another node is adopted before its previous key is
// dropped.
func (a *App) reloadCredentialKeys(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.minter.Reload(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("reload credential keys", "err", err)
			}
		}
	}
}
