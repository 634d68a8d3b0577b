package app

import (
	"context"
	"net/http"
	"time"

	"github.com/idpool/idpool/internal/awswire"
	"github.com/idpool/idpool/internal/cloudcontrolapi"
	"github.com/idpool/idpool/internal/cognitoapi"
	"github.com/idpool/idpool/internal/iamapi"
	"github.com/idpool/idpool/internal/oidcapi"
	"github.com/idpool/idpool/internal/stackapi"
	"github.com/idpool/idpool/internal/stsapi"
)

// routes builds the one handler for every surface. POST / is dispatched by
// protocol: X-Amz-Target AWSCognitoIdentityService.* goes to the Cognito
// Identity surface, IdpoolStackService.* to the stack surface,
// CloudApiService.* to Cloud Control, urlencoded forms (the Query protocol) to IAM when signed
// for service "iam" (or carrying IAM's Version) and to STS otherwise; other
// targets get UnknownOperationException.
func (a *App) routes(cognito, stsSrv, iamSrv, stacks, cloudControl http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", a.healthz)
	mux.Handle("GET /metrics", a.metrics.Handler())
	oidcapi.New(a.cfg.Issuer, a.tokens.JWKS, func() int { return int(a.tokens.CacheMaxAge().Seconds()) }).Register(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		target := r.Header.Get("X-Amz-Target")
		switch {
		case cognitoapi.IsTarget(target):
			cognito.ServeHTTP(w, r)
		case stackapi.IsTarget(target):
			stacks.ServeHTTP(w, r)
		case cloudcontrolapi.IsTarget(target):
			cloudControl.ServeHTTP(w, r)
		case r.URL.Path == "/" && stsapi.IsRequest(r) && iamapi.IsIAMRequest(r, nil):
			iamSrv.ServeHTTP(w, r)
		case r.URL.Path == "/" && stsapi.IsRequest(r):
			stsSrv.ServeHTTP(w, r)
		case r.URL.Path == "/" && r.Method == http.MethodPost && target != "":
			w.Header().Set("x-amzn-RequestId", awswire.NewRequestID())
			awswire.WriteJSONError(w, "1.1", &awswire.Error{Type: "UnknownOperationException", Status: http.StatusBadRequest})
		default:
			http.NotFound(w, r)
		}
	})
	return awswire.CORS(mux)
}

// healthz answers 200 "ok" when the store answers within two seconds, and
// 503 otherwise.
func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := a.store.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("store unavailable\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}
