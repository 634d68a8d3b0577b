// Package cognitoapi is the Amazon Cognito Identity surface of idpool: AWS
// JSON 1.1 over POST / with X-Amz-Target AWSCognitoIdentityService.<Op>.
//
// For every request, in order: the body is read (bounded), the target is
// resolved (UnknownOperationException otherwise), SigV4 is verified unless
// the operation is public (GetId, GetOpenIdToken, GetCredentialsForIdentity,
// UnlinkIdentity), the body is checked against the botocore model
// (SerializationException, ValidationException), the operation's handler
// decodes it and calls the identity.Service, and the result or error is
// written with x-amzn-RequestId. Domain error codes map to wire types in one
// table (errors.go); unknown errors become InternalErrorException (500) and
// are logged, never sent.
package cognitoapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/idpool/idpool/internal/awsmodel"
	"github.com/idpool/idpool/internal/awswire"
	"github.com/idpool/idpool/internal/identity"
	"github.com/idpool/idpool/internal/metrics"
	"github.com/idpool/idpool/internal/sigv4"
)

// TargetPrefix is the X-Amz-Target prefix of the service.
const TargetPrefix = "AWSCognitoIdentityService."

const (
	jsonVersion = "1.1"
	surface     = "cognito-identity"
	signingName = "cognito-identity"
)

// Authorizer decides whether verified credentials may call an admin
// operation. It returns an *awswire.Error (AccessDeniedException) to refuse.
type Authorizer func(creds sigv4.Credentials, op string) error

// Config wires a Server.
type Config struct {
	Service  *identity.Service
	Verifier *sigv4.Verifier
	// Authorize, if set, is asked after a signature verified.
	Authorize Authorizer
	Logger    *slog.Logger
	Metrics   *metrics.Metrics
}

// Server serves the Cognito Identity API.
type Server struct {
	cfg   Config
	model *awsmodel.Service
	ops   map[string]handler
}

// handler runs one operation; decode checks the request body against the
// model and unmarshals it into the operation's input.
type handler func(ctx context.Context, decode func(v any) error) (any, error)

// New returns a Server.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, model: awsmodel.CognitoIdentity()}
	s.ops = s.operations()
	return s
}

// IsTarget reports whether an X-Amz-Target header value belongs to this
// surface.
func IsTarget(target string) bool { return strings.HasPrefix(target, TargetPrefix) }

// ServeHTTP handles one API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := awswire.NewRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	ctx := awswire.WithRequestID(r.Context(), reqID)
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)

	out, err := s.serve(ctx, r, op)
	errType := ""
	if err != nil {
		we := s.wireError(ctx, op, err)
		errType = we.Type
		awswire.WriteJSONError(w, jsonVersion, we)
	} else if werr := awswire.WriteJSON(w, jsonVersion, out); werr != nil {
		s.cfg.Logger.ErrorContext(ctx, "write response", "request_id", reqID, "op", op, "err", werr)
	}
	d := time.Since(start)
	if _, known := s.ops[op]; !known {
		op = "unknown"
	}
	s.cfg.Metrics.Observe(surface, op, errType, d)
	s.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "request",
		slog.String("surface", surface), slog.String("op", op), slog.String("request_id", reqID),
		slog.String("error", errType), slog.Duration("duration", d))
}

func (s *Server) serve(ctx context.Context, r *http.Request, op string) (any, error) {
	body, err := awswire.ReadBody(r)
	if errors.Is(err, awswire.ErrBodyTooLarge) {
		return nil, &awswire.Error{Type: "SerializationException", Message: "Request body is too large.", Status: http.StatusRequestEntityTooLarge}
	}
	if err != nil {
		return nil, err
	}
	h, ok := s.ops[op]
	info, inModel := s.model.Operation(op)
	if !ok || !inModel || r.Method != http.MethodPost {
		return nil, &awswire.Error{Type: "UnknownOperationException", Status: http.StatusBadRequest}
	}
	if !info.AuthNone {
		creds, err := s.cfg.Verifier.Verify(ctx, r, body, signingName)
		if err != nil {
			return nil, err
		}
		if s.cfg.Authorize != nil {
			if err := s.cfg.Authorize(creds, op); err != nil {
				return nil, err
			}
		}
	}
	return h(ctx, func(v any) error { return s.model.Decode(op, body, v) })
}

// op adapts a typed operation function to a handler: the body is checked
// and decoded (case-sensitively, as AWS reads it) into In.
func op[In any, Out any](fn func(context.Context, *In) (Out, error)) handler {
	return func(ctx context.Context, decode func(v any) error) (any, error) {
		in := new(In)
		if err := decode(in); err != nil {
			return nil, err
		}
		return fn(ctx, in)
	}
}
