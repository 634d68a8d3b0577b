// Package stsapi is idpool's STS-compatible surface (AWS Query protocol,
// XML responses) on the same port as the Cognito Identity API:
//
//   - AssumeRoleWithWebIdentity (unsigned): exchanges an OpenID token issued
//     by this deployment (the classic flow) for temporary credentials;
//   - GetCallerIdentity (SigV4, service "sts"): tells who signed the request,
//     admin key or temporary credentials.
//
// For every request, in order: the form (POST body or URL query) is parsed,
// the Action resolved (InvalidAction otherwise), the signature verified when
// the action needs one, the parameters checked against the botocore STS
// model (ValidationError), and the action run. Errors are written as STS's
// <ErrorResponse> with the Query error codes (InvalidIdentityToken,
// ExpiredTokenException, SignatureDoesNotMatch, …) and their HTTP statuses.
package stsapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/idpool/idpool/internal/awsmodel"
	"github.com/idpool/idpool/internal/awswire"
	"github.com/idpool/idpool/internal/metrics"
	"github.com/idpool/idpool/internal/sigv4"
	"github.com/idpool/idpool/internal/sts"
)

const (
	xmlns       = "https://sts.amazonaws.com/doc/2011-06-15/"
	apiVersion  = "2011-06-15"
	surface     = "sts"
	signingName = "sts"
)

// WebIdentity is a verified web identity token.
type WebIdentity struct {
	Subject  string   // sub
	Audience string   // aud
	Provider string   // the issuer as STS reports it
	AMR      []string // amr
	Tags     map[string]string
}

// TokenVerifier verifies web identity tokens. It returns a *Error
// (InvalidIdentityToken, ExpiredTokenException, …) for a refused token.
type TokenVerifier interface {
	VerifyWebIdentity(ctx context.Context, token string) (WebIdentity, error)
}

// Config wires a Server.
type Config struct {
	Account  string
	Verifier *sigv4.Verifier
	Minter   *sts.Minter
	Tokens   TokenVerifier
	// CheckRole, if set, decides whether the web identity may assume the
	// role for duration (trust policy, MaxSessionDuration); it returns an
	// *Error (AccessDenied, ValidationError) to refuse.
	CheckRole func(ctx context.Context, roleARN string, wi WebIdentity, duration time.Duration) error
	// AdminAccessKeyID identifies the admin key pair, reported as the
	// account root by GetCallerIdentity.
	AdminAccessKeyID string
	Logger           *slog.Logger
	Metrics          *metrics.Metrics
	Now              func() time.Time
}

// Server serves the STS API.
type Server struct {
	cfg   Config
	model *awsmodel.Service
}

// New returns a Server.
func New(cfg Config) (*Server, error) {
	m, err := awsmodel.Embedded("sts-2011-06-15.json")
	if err != nil {
		return nil, fmt.Errorf("stsapi: %w", err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Server{cfg: cfg, model: m}, nil
}

// Error is an STS error as the Query protocol sends it.
type Error = awswire.QueryError

// IsRequest reports whether r looks like a Query-protocol request: a POST of
// an urlencoded form (or a GET with an Action query parameter) without
// X-Amz-Target.
func IsRequest(r *http.Request) bool {
	if r.Header.Get("X-Amz-Target") != "" {
		return false
	}
	if r.Method == http.MethodGet {
		return r.URL.Query().Get("Action") != ""
	}
	return r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
}

// ServeHTTP handles one STS request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := awswire.NewRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	ctx := awswire.WithRequestID(r.Context(), reqID)
	action, result, err := s.serve(ctx, r)
	errCode := ""
	if err != nil {
		e := s.toError(ctx, action, err)
		errCode = e.Code
		writeError(w, reqID, e)
	} else {
		writeResult(w, reqID, action, result)
	}
	if action != "AssumeRoleWithWebIdentity" && action != "GetCallerIdentity" {
		action = "unknown"
	}
	d := time.Since(start)
	s.cfg.Metrics.Observe(surface, action, errCode, d)
	s.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("surface", surface), slog.String("op", action),
		slog.String("request_id", reqID), slog.String("error", errCode), slog.Duration("duration", d))
}

func (s *Server) serve(ctx context.Context, r *http.Request) (string, any, error) {
	body, err := awswire.ReadBody(r)
	if err != nil {
		return "", nil, &Error{Code: "RequestEntityTooLarge", Message: "Request body is too large.", Status: http.StatusRequestEntityTooLarge}
	}
	form := r.URL.Query()
	if r.Method == http.MethodPost {
		f, err := url.ParseQuery(string(body))
		if err != nil {
			return "", nil, &Error{Code: "MalformedQueryString", Message: "The request body is not a valid form.", Status: http.StatusBadRequest}
		}
		for k, v := range f {
			form[k] = v
		}
	}
	action := form.Get("Action")
	switch action {
	case "AssumeRoleWithWebIdentity":
		if v := form.Get("Version"); v != "" && v != apiVersion {
			return action, nil, invalidAction(action, v)
		}
		res, err := s.assumeRoleWithWebIdentity(ctx, form)
		return action, res, err
	case "GetCallerIdentity":
		if v := form.Get("Version"); v != "" && v != apiVersion {
			return action, nil, invalidAction(action, v)
		}
		creds, err := s.cfg.Verifier.Verify(ctx, r, body, signingName)
		if err != nil {
			return action, nil, err
		}
		return action, s.getCallerIdentity(creds), nil
	case "":
		return action, nil, &Error{Code: "MissingAction", Message: "Missing Action", Status: http.StatusBadRequest}
	default:
		return action, nil, invalidAction(action, form.Get("Version"))
	}
}

func invalidAction(action, version string) *Error {
	if version == "" {
		version = apiVersion
	}
	return &Error{Code: "InvalidAction", Message: fmt.Sprintf("Could not find operation %s for version %s", action, version), Status: http.StatusBadRequest}
}

// check validates the scalar parameters of op against the STS model by
// rebuilding them as a JSON object of the input shape.
func (s *Server) check(op string, form url.Values) error {
	o, ok := s.model.Operation(op)
	if !ok || o.InputShape == nil {
		return nil
	}
	obj := map[string]any{}
	for _, m := range o.InputShape.Members {
		v, present := form[m.Name]
		if !present || len(v) == 0 {
			continue
		}
		switch m.Shape.Type {
		case awsmodel.TypeInteger, awsmodel.TypeLong:
			n, err := strconv.ParseInt(v[0], 10, 64)
			if err != nil {
				return &Error{Code: "ValidationError", Message: fmt.Sprintf("Value '%s' for parameter %s is invalid. Must be an integer.", v[0], m.Name), Status: http.StatusBadRequest}
			}
			obj[m.Name] = n
		case awsmodel.TypeString:
			obj[m.Name] = v[0]
		}
	}
	b, _ := json.Marshal(obj)
	return s.model.Check(op, b)
}

func (s *Server) toError(ctx context.Context, action string, err error) *Error {
	var (
		e  *Error
		se *sigv4.Error
		ve *awsmodel.ValidationError
	)
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &se):
		return &Error{Code: se.QueryCode(), Message: se.Message, Status: se.QueryStatus()}
	case errors.As(err, &ve):
		return &Error{Code: "ValidationError", Message: ve.Message(), Status: http.StatusBadRequest}
	}
	s.cfg.Logger.ErrorContext(ctx, "internal error", "request_id", awswire.RequestID(ctx), "op", action, "err", err)
	return &Error{Code: "InternalFailure", Message: "An internal error occurred.", Status: http.StatusInternalServerError, Type: "Receiver"}
}

func writeError(w http.ResponseWriter, reqID string, e *Error) {
	awswire.WriteQueryError(w, xmlns, reqID, e)
}

func writeResult(w http.ResponseWriter, reqID, action string, result any) {
	awswire.WriteQueryResult(w, xmlns, reqID, action, result)
}
