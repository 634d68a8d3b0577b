package stackapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/idpool/idpool/internal/awswire"
	"github.com/idpool/idpool/internal/cfn"
	"github.com/idpool/idpool/internal/metrics"
	"github.com/idpool/idpool/internal/resources"
	"github.com/idpool/idpool/internal/sigv4"
)

const (
	jsonVersion = "1.0"
	surface     = "stacks"
	// maxTemplateBytes bounds TemplateBody (CloudFormation's limit for a
	// template given in the request is 51,200 bytes; S3-hosted ones may be
	// 1 MB, and the request body is bounded by awswire.MaxBodyBytes).
	maxTemplateBytes = 1 << 20
)

// Config wires a Server.
type Config struct {
	Engine   *cfn.Engine
	Stacks   *resources.StackStore
	Verifier *sigv4.Verifier
	// Authorize, if set, is asked after a signature verified; it returns
	// an *awswire.Error to refuse.
	Authorize func(creds sigv4.Credentials, op string) error
	Logger    *slog.Logger
	Metrics   *metrics.Metrics
}

// Server serves the stack operations.
type Server struct{ cfg Config }

// New returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Engine == nil || cfg.Stacks == nil || cfg.Verifier == nil {
		return nil, errors.New("stackapi: New needs an engine, a stack store and a verifier")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Server{cfg: cfg}, nil
}

// IsTarget reports whether an X-Amz-Target value belongs to this surface.
func IsTarget(target string) bool { return strings.HasPrefix(target, TargetPrefix) }

// ServeHTTP handles one request: the body is read (bounded), the signature
// verified, the operation run. Streaming operations write their lines as
// the engine reports progress.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := awswire.NewRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	ctx := awswire.WithRequestID(r.Context(), reqID)
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
	errType := s.serve(ctx, w, r, op)
	switch op {
	case "ApplyStack", "DeleteStack", "DescribeStack", "ListStacks":
	default:
		op = "unknown"
	}
	d := time.Since(start)
	s.cfg.Metrics.Observe(surface, op, errType, d)
	s.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "request",
		slog.String("surface", surface), slog.String("op", op), slog.String("request_id", reqID),
		slog.String("error", errType), slog.Duration("duration", d))
}

// serve runs the request and returns the error type sent, or "".
func (s *Server) serve(ctx context.Context, w http.ResponseWriter, r *http.Request, op string) string {
	fail := func(e *awswire.Error) string {
		awswire.WriteJSONError(w, jsonVersion, e)
		return e.Type
	}
	body, err := awswire.ReadBody(r)
	if errors.Is(err, awswire.ErrBodyTooLarge) {
		return fail(&awswire.Error{Type: "SerializationException", Message: "Request body is too large.", Status: http.StatusRequestEntityTooLarge})
	}
	if err != nil {
		return fail(&awswire.Error{Type: "SerializationException", Message: "Could not read the request body.", Status: http.StatusBadRequest})
	}
	if r.Method != http.MethodPost {
		return fail(&awswire.Error{Type: "UnknownOperationException", Status: http.StatusBadRequest})
	}
	switch op {
	case "ApplyStack", "DeleteStack", "DescribeStack", "ListStacks":
	default:
		return fail(&awswire.Error{Type: "UnknownOperationException", Status: http.StatusBadRequest})
	}
	creds, err := s.cfg.Verifier.Verify(ctx, r, body, SigningName)
	if err != nil {
		var se *sigv4.Error
		if errors.As(err, &se) {
			return fail(&awswire.Error{Type: se.JSONType(), Message: se.Message, Status: se.JSONStatus()})
		}
		s.cfg.Logger.ErrorContext(ctx, "verify signature", "err", err)
		return fail(&awswire.Error{Type: "InternalFailure", Message: "An internal error occurred.", Status: http.StatusInternalServerError})
	}
	if s.cfg.Authorize != nil {
		if err := s.cfg.Authorize(creds, op); err != nil {
			var we *awswire.Error
			if errors.As(err, &we) {
				return fail(we)
			}
			return fail(&awswire.Error{Type: "AccessDeniedException", Message: err.Error(), Status: http.StatusBadRequest, CapitalMessage: true})
		}
	}
	decode := func(v any) *awswire.Error {
		if len(body) == 0 {
			body = []byte("{}")
		}
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return &awswire.Error{Type: "SerializationException", Message: err.Error(), Status: http.StatusBadRequest}
		}
		return nil
	}
	switch op {
	case "ApplyStack":
		var in ApplyInput
		if e := decode(&in); e != nil {
			return fail(e)
		}
		if e := checkStackName(in.StackName); e != nil {
			return fail(e)
		}
		if strings.TrimSpace(in.TemplateBody) == "" {
			return fail(validation("TemplateBody is required."))
		}
		if len(in.TemplateBody) > maxTemplateBytes {
			return fail(validation(fmt.Sprintf("TemplateBody is larger than %d bytes.", maxTemplateBytes)))
		}
		return s.apply(ctx, w, in)
	case "DeleteStack":
		var in StackNameInput
		if e := decode(&in); e != nil {
			return fail(e)
		}
		if e := checkStackName(in.StackName); e != nil {
			return fail(e)
		}
		return s.deleteStack(ctx, w, in.StackName)
	case "DescribeStack":
		var in StackNameInput
		if e := decode(&in); e != nil {
			return fail(e)
		}
		if e := checkStackName(in.StackName); e != nil {
			return fail(e)
		}
		st, err := s.cfg.Stacks.Get(ctx, in.StackName)
		if err != nil {
			return fail(s.wireError(ctx, err))
		}
		if err := awswire.WriteJSON(w, jsonVersion, DescribeOutput{Stack: describe(st)}); err != nil {
			s.cfg.Logger.ErrorContext(ctx, "write response", "err", err)
		}
		return ""
	default: // ListStacks
		var in struct{}
		if e := decode(&in); e != nil {
			return fail(e)
		}
		names, err := s.cfg.Stacks.Names(ctx)
		if err != nil {
			return fail(s.wireError(ctx, err))
		}
		if names == nil {
			names = []string{}
		}
		if err := awswire.WriteJSON(w, jsonVersion, ListOutput{StackNames: names}); err != nil {
			s.cfg.Logger.ErrorContext(ctx, "write response", "err", err)
		}
		return ""
	}
}

func validation(msg string) *awswire.Error {
	return &awswire.Error{Type: "ValidationError", Message: msg, Status: http.StatusBadRequest, CapitalMessage: true}
}

func checkStackName(name string) *awswire.Error {
	if name == "" {
		return validation("StackName is required.")
	}
	return nil
}

// stream writes NDJSON lines, flushing each; the header is written with
// the first line.
type stream struct {
	w       http.ResponseWriter
	started bool
	log     *slog.Logger
	ctx     context.Context
}

func (st *stream) line(l Line) {
	if !st.started {
		st.w.Header().Set("Content-Type", "application/x-ndjson")
		st.w.WriteHeader(http.StatusOK)
		st.started = true
	}
	b, err := json.Marshal(l)
	if err != nil {
		st.log.ErrorContext(st.ctx, "encode stream line", "err", err)
		return
	}
	b = append(b, '\n')
	if _, err := st.w.Write(b); err != nil {
		return // the client went away; the operation goes on
	}
	if f, ok := st.w.(http.Flusher); ok {
		f.Flush()
	}
}

func (st *stream) event(ev cfn.Event) {
	e := &Event{
		LogicalID: ev.LogicalID, Type: ev.Type, PhysicalID: ev.PhysicalID, Action: string(ev.Action),
		Status: string(ev.Status), Rollback: ev.Rollback, Message: ev.Message, Text: ev.String(),
	}
	if ev.Err != nil {
		if e.Message != "" {
			e.Message += ": "
		}
		e.Message += ev.Err.Error()
	}
	st.line(Line{Event: e})
}

// engineContext detaches the operation from the client's connection: once
// started, an apply or delete runs to its end (or its rollback) even if
// the command line is interrupted, as CloudFormation's do.
func engineContext(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

func (s *Server) apply(ctx context.Context, w http.ResponseWriter, in ApplyInput) string {
	st := &stream{w: w, log: s.cfg.Logger, ctx: ctx}
	finish := func(err error) string {
		e := s.engineError(ctx, err)
		if !st.started {
			awswire.WriteJSONError(w, jsonVersion, &awswire.Error{Type: e.Type, Message: e.Message, Status: statusOf(e.Type), CapitalMessage: true})
			return e.Type
		}
		st.line(Line{Error: e})
		return e.Type
	}
	t, err := cfn.Parse([]byte(in.TemplateBody))
	if err != nil {
		return finish(err)
	}
	ectx := engineContext(ctx)
	input := cfn.Input{StackName: in.StackName, Parameters: in.Parameters, OnEvent: st.event}
	if in.DryRun {
		pl, err := s.cfg.Engine.Plan(ectx, t, input)
		if err != nil {
			return finish(err)
		}
		st.line(Line{Plan: planOf(pl)})
		return ""
	}
	res, err := s.cfg.Engine.Apply(ectx, t, input)
	if err != nil {
		return finish(err)
	}
	st.line(Line{Result: resultOf(res)})
	return ""
}

func (s *Server) deleteStack(ctx context.Context, w http.ResponseWriter, name string) string {
	st := &stream{w: w, log: s.cfg.Logger, ctx: ctx}
	res, err := s.cfg.Engine.DeleteStack(engineContext(ctx), name, st.event)
	if err != nil {
		e := s.engineError(ctx, err)
		if !st.started {
			awswire.WriteJSONError(w, jsonVersion, &awswire.Error{Type: e.Type, Message: e.Message, Status: statusOf(e.Type), CapitalMessage: true})
			return e.Type
		}
		st.line(Line{Error: e})
		return e.Type
	}
	st.line(Line{Result: resultOf(res)})
	return ""
}

func statusOf(typ string) int {
	if typ == "InternalFailure" {
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// engineError classifies an engine error. Internal causes are logged and
// not sent.
func (s *Server) engineError(ctx context.Context, err error) *Error {
	var (
		ae *cfn.ApplyError
		ce *cfn.Error
	)
	switch {
	case errors.Is(err, cfn.ErrStackNotFound):
		return &Error{Type: "StackNotFound", Message: err.Error()}
	case errors.Is(err, cfn.ErrConflict):
		return &Error{Type: "StackBusy", Message: err.Error()}
	case errors.As(err, &ae):
		e := &Error{Type: "ApplyFailed", Message: ae.Error()}
		for _, re := range ae.RollbackErrors {
			e.RollbackErrors = append(e.RollbackErrors, re.Error())
		}
		s.logCause(ctx, ae.Err)
		return e
	case errors.As(err, &ce):
		return &Error{Type: "ValidationError", Message: ce.Error()}
	}
	var re *resources.Error
	if errors.As(err, &re) && re.Code != resources.CodeInternalFailure {
		return &Error{Type: "ApplyFailed", Message: err.Error()}
	}
	s.cfg.Logger.ErrorContext(ctx, "internal error", "request_id", awswire.RequestID(ctx), "err", err)
	return &Error{Type: "InternalFailure", Message: "An internal error occurred."}
}

// logCause logs the internal cause of a failed resource operation (the
// client sees "Internal Failure" only).
func (s *Server) logCause(ctx context.Context, err error) {
	var re *resources.Error
	if errors.As(err, &re) && re.Code == resources.CodeInternalFailure && re.Err != nil {
		s.cfg.Logger.ErrorContext(ctx, "resource operation failed", "request_id", awswire.RequestID(ctx), "err", re.Err)
	}
}

func (s *Server) wireError(ctx context.Context, err error) *awswire.Error {
	e := s.engineError(ctx, err)
	return &awswire.Error{Type: e.Type, Message: e.Message, Status: statusOf(e.Type), CapitalMessage: true}
}

func changesOf(cs []cfn.Change) []Change {
	out := make([]Change, 0, len(cs))
	for _, c := range cs {
		out = append(out, Change{
			Action: string(c.Action), LogicalID: c.LogicalID, Type: c.Type, PhysicalID: c.PhysicalID,
			Paths: c.Paths, Dynamic: c.Dynamic, Reason: c.Reason, Retain: c.Retain, Text: c.String(),
		})
	}
	return out
}

func skippedOf(ss []cfn.Skipped) []Skipped {
	var out []Skipped
	for _, s := range ss {
		out = append(out, Skipped{Section: s.Section, Name: s.Name, Type: s.Type, Reason: s.Reason})
	}
	return out
}

func outputsOf(os []cfn.Output) []Output {
	var out []Output
	for _, o := range os {
		out = append(out, Output{Name: o.Name, Value: o.Value, Description: o.Description, ExportName: o.ExportName})
	}
	return out
}

func planOf(p *cfn.Plan) *Plan {
	return &Plan{
		StackName: p.StackName, StackID: p.StackID, New: p.New, HasChanges: p.HasChanges(),
		Changes: changesOf(p.Changes), Skipped: skippedOf(p.Skipped), Notes: p.Notes, Parameters: p.Parameters,
	}
}

func resultOf(r *cfn.Result) *Result {
	out := &Result{
		StackName: r.StackName, StackID: r.StackID, Changes: changesOf(r.Changes),
		Skipped: skippedOf(r.Skipped), Notes: r.Notes, Outputs: outputsOf(r.Outputs),
	}
	for _, o := range r.Orphans {
		out.Orphans = append(out.Orphans, fmt.Sprintf("%s (%s) [%s]", o.LogicalID, o.Type, o.PhysicalID))
	}
	for _, e := range r.CleanupErrors {
		out.CleanupErrors = append(out.CleanupErrors, e.Error())
	}
	return out
}

func describe(st *cfn.StackState) Stack {
	out := Stack{StackName: st.Name, StackID: st.StackID, Parameters: st.Parameters, Outputs: outputsOf(st.Outputs), UpdatedAt: st.UpdatedAt}
	out.Resources = []StackResource{}
	for _, id := range slices.Sorted(maps.Keys(st.Resources)) {
		r := st.Resources[id]
		out.Resources = append(out.Resources, StackResource{LogicalID: id, Type: r.Type, PhysicalID: r.PhysicalID})
	}
	return out
}
