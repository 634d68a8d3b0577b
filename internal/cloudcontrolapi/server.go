// Package cloudcontrolapi serves the Cloud Control API (AWS JSON 1.0,
// X-Amz-Target CloudApiService.<Op>, SigV4 service "cloudcontrolapi") on
// top of internal/cloudcontrol: the eight operations CreateResource,
// GetResource, UpdateResource, DeleteResource, ListResources,
// GetResourceRequestStatus, ListResourceRequests and CancelResourceRequest.
// Requests are validated against the embedded botocore model of Cloud
// Control (ValidationException in AWS's format); errors carry Cloud
// Control's "Message" member and the HTTP statuses of its Smithy model.
package cloudcontrolapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/idpool/idpool/internal/awsmodel"
	"github.com/idpool/idpool/internal/awswire"
	"github.com/idpool/idpool/internal/cloudcontrol"
	"github.com/idpool/idpool/internal/metrics"
	"github.com/idpool/idpool/internal/sigv4"
)

const (
	// TargetPrefix is the X-Amz-Target prefix of the surface.
	TargetPrefix = "CloudApiService."
	// SigningName is the SigV4 service name requests are signed for.
	SigningName = "cloudcontrolapi"

	jsonVersion = "1.0"
	surface     = "cloudcontrol"
)

// Config wires a Server.
type Config struct {
	Service  *cloudcontrol.Service
	Verifier *sigv4.Verifier
	// Authorize, if set, is asked after a signature verified; it returns
	// an *awswire.Error to refuse.
	Authorize func(creds sigv4.Credentials, op string) error
	Logger    *slog.Logger
	Metrics   *metrics.Metrics
}

// Server serves the Cloud Control operations.
type Server struct {
	cfg   Config
	model *awsmodel.Service
}

// New returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Service == nil || cfg.Verifier == nil {
		return nil, errors.New("cloudcontrolapi: New needs the service and a verifier")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	model, err := awsmodel.Embedded("cloudcontrol-2021-09-30.json")
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, model: model}, nil
}

// IsTarget reports whether an X-Amz-Target value belongs to this surface.
func IsTarget(target string) bool { return strings.HasPrefix(target, TargetPrefix) }

type handlerFunc func(s *Server, ctx context.Context, decode func(any) error) (any, error)

var operations = map[string]handlerFunc{
	"CreateResource":           (*Server).createResource,
	"GetResource":              (*Server).getResource,
	"UpdateResource":           (*Server).updateResource,
	"DeleteResource":           (*Server).deleteResource,
	"ListResources":            (*Server).listResources,
	"GetResourceRequestStatus": (*Server).getResourceRequestStatus,
	"ListResourceRequests":     (*Server).listResourceRequests,
	"CancelResourceRequest":    (*Server).cancelResourceRequest,
}

// ServeHTTP handles one request: the body is read (bounded), the operation
// looked up, the signature verified, the input validated and the operation
// run.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := awswire.NewRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	ctx := awswire.WithRequestID(r.Context(), reqID)
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
	errType := s.serve(ctx, w, r, op)
	if _, ok := operations[op]; !ok {
		op = "unknown"
	}
	d := time.Since(start)
	s.cfg.Metrics.Observe(surface, op, errType, d)
	s.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "request",
		slog.String("surface", surface), slog.String("op", op), slog.String("request_id", reqID),
		slog.String("error", errType), slog.Duration("duration", d))
}

func (s *Server) serve(ctx context.Context, w http.ResponseWriter, r *http.Request, op string) string {
	fail := func(e *awswire.Error) string {
		awswire.WriteJSONError(w, jsonVersion, e)
		return e.Type
	}
	body, err := awswire.ReadBody(r)
	if errors.Is(err, awswire.ErrBodyTooLarge) {
		return fail(&awswire.Error{Type: "SerializationException", Message: "Request body is too large.", Status: http.StatusRequestEntityTooLarge, CapitalMessage: true})
	}
	if err != nil {
		return fail(&awswire.Error{Type: "SerializationException", Message: "Could not read the request body.", Status: http.StatusBadRequest, CapitalMessage: true})
	}
	h, ok := operations[op]
	if !ok || r.Method != http.MethodPost {
		return fail(&awswire.Error{Type: "UnknownOperationException", Status: http.StatusBadRequest})
	}
	creds, err := s.cfg.Verifier.Verify(ctx, r, body, SigningName)
	if err != nil {
		return fail(s.wireError(ctx, op, err))
	}
	if s.cfg.Authorize != nil {
		if err := s.cfg.Authorize(creds, op); err != nil {
			return fail(s.wireError(ctx, op, err))
		}
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	out, err := h(s, ctx, func(v any) error { return s.model.Decode(op, body, v) })
	if err != nil {
		return fail(s.wireError(ctx, op, err))
	}
	if err := awswire.WriteJSON(w, jsonVersion, out); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "write response", "err", err)
	}
	return ""
}

// statusOf is the HTTP status of each Cloud Control exception (its Smithy
// model's httpError traits).
var statusOf = map[string]int{
	"AlreadyExistsException":          400,
	"ClientTokenConflictException":    409,
	"ConcurrentModificationException": 500,
	"ConcurrentOperationException":    409,
	"GeneralServiceException":         400,
	"HandlerFailureException":         502,
	"HandlerInternalFailureException": 502,
	"InvalidCredentialsException":     401,
	"InvalidRequestException":         400,
	"NetworkFailureException":         502,
	"NotStabilizedException":          400,
	"NotUpdatableException":           400,
	"PrivateTypeException":            400,
	"RequestTokenNotFoundException":   404,
	"ResourceConflictException":       409,
	"ResourceNotFoundException":       404,
	"ServiceInternalErrorException":   502,
	"ServiceLimitExceededException":   400,
	"ThrottlingException":             429,
	"TypeNotFoundException":           404,
	"UnsupportedActionException":      405,
}

// wireError turns any error into the envelope to send; unknown errors are
// logged and sent as ServiceInternalErrorException.
func (s *Server) wireError(ctx context.Context, op string, err error) *awswire.Error {
	var (
		we  *awswire.Error
		ce  *cloudcontrol.Error
		se  *sigv4.Error
		ve  *awsmodel.ValidationError
		sre *awsmodel.SerializationError
	)
	switch {
	case errors.As(err, &we):
		return we
	case errors.As(err, &ce):
		if st, ok := statusOf[ce.Type]; ok {
			if st >= 500 && ce.Err != nil {
				s.cfg.Logger.ErrorContext(ctx, "handler failure", "request_id", awswire.RequestID(ctx), "op", op, "err", ce.Err)
			}
			return &awswire.Error{Type: ce.Type, Message: ce.Message, Status: st, CapitalMessage: true}
		}
	case errors.As(err, &se):
		return &awswire.Error{Type: se.JSONType(), Message: se.Message, Status: se.JSONStatus()}
	case errors.As(err, &ve):
		return &awswire.Error{Type: "ValidationException", Message: ve.Message(), Status: http.StatusBadRequest, CapitalMessage: true}
	case errors.As(err, &sre):
		return &awswire.Error{Type: sre.Type(), Message: sre.Message(), Status: http.StatusBadRequest, CapitalMessage: true}
	}
	s.cfg.Logger.ErrorContext(ctx, "internal error", "request_id", awswire.RequestID(ctx), "op", op, "err", err)
	return &awswire.Error{Type: "ServiceInternalErrorException", Message: "An internal error occurred.", Status: http.StatusBadGateway, CapitalMessage: true}
}
