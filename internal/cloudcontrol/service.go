package cloudcontrol

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/idpool/idpool/internal/cfn"
	"github.com/idpool/idpool/internal/iam"
	"github.com/idpool/idpool/internal/resources"
)

// Operations and statuses of a ProgressEvent.
const (
	OpCreate = "CREATE"
	OpUpdate = "UPDATE"
	OpDelete = "DELETE"

	StatusSuccess = "SUCCESS"
	StatusFailed  = "FAILED"
)

// ProgressEvent is the state of one resource request.
type ProgressEvent struct {
	TypeName        string    `json:"TypeName"`
	Identifier      string    `json:"Identifier,omitempty"`
	RequestToken    string    `json:"RequestToken"`
	Operation       string    `json:"Operation"`
	OperationStatus string    `json:"OperationStatus"`
	EventTime       time.Time `json:"EventTime"`
	// ResourceModel is the resource's model as a JSON object, "" if none.
	ResourceModel string `json:"ResourceModel,omitempty"`
	StatusMessage string `json:"StatusMessage,omitempty"`
	// ErrorCode is the handler error code of a FAILED request.
	ErrorCode string `json:"ErrorCode,omitempty"`
}

// ResourceDescription is one resource: its identifier and its model as a
// JSON object.
type ResourceDescription struct {
	Identifier string
	Properties string
}

// Error is a synchronous refusal: Type is the Cloud Control exception name
// ("ResourceNotFoundException", "InvalidRequestException", ...).
type Error struct {
	Type    string
	Message string
	Err     error // cause, for logs
}

// Error returns "<Type>: <Message>".
func (e *Error) Error() string { return e.Type + ": " + e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func refuse(typ, format string, args ...any) *Error {
	return &Error{Type: typ, Message: fmt.Sprintf(format, args...)}
}

// Config wires a Service.
type Config struct {
	Resources *resources.Set
	// Store keeps the request records (see the package doc).
	Store iam.ValueStore
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service runs Cloud Control requests.
type Service struct {
	set   *resources.Set
	store iam.ValueStore
	now   func() time.Time
	// mu serialises the mutating requests of this node, so that two of
	// them never interleave on one resource; nodes sharing a store rely on
	// the domain's compare-and-swap writes.
	mu sync.Mutex
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Resources == nil || cfg.Store == nil {
		return nil, errors.New("cloudcontrol: New needs the resource handlers and a value store")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{set: cfg.Resources, store: cfg.Store, now: cfg.Now}, nil
}

// Types lists the supported resource types, sorted.
func (s *Service) Types() []string { return s.set.Types() }

func (s *Service) handler(typeName string) (resources.Handler, cfn.TypeInfo, error) {
	h, info, ok := s.set.Handler(typeName)
	if !ok {
		return nil, cfn.TypeInfo{}, refuse("TypeNotFoundException", "The type '%s' cannot be found.", typeName)
	}
	return h, info, nil
}

// CreateInput is a CreateResource request.
type CreateInput struct {
	TypeName     string
	DesiredState string
	ClientToken  string
}

// CreateResource creates a resource from its desired state.
func (s *Service) CreateResource(ctx context.Context, in CreateInput) (ProgressEvent, error) {
	h, info, err := s.handler(in.TypeName)
	if err != nil {
		return ProgressEvent{}, err
	}
	desired, err := parseModel(in.DesiredState, "DesiredState")
	if err != nil {
		return ProgressEvent{}, err
	}
	for _, ro := range info.ReadOnly {
		if _, ok := lookupPath(desired, ro); ok {
			return ProgressEvent{}, refuse("InvalidRequestException", "Model validation failed (#/%s: %s is a read-only property of %s and cannot be set)", ro, ro, in.TypeName)
		}
	}
	props, err := validate(info, desired)
	if err != nil {
		return ProgressEvent{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ev, done, err := s.replay(ctx, OpCreate, in.TypeName, "", in.ClientToken, in.DesiredState); done || err != nil {
		return ev, err
	}
	return s.run(ctx, OpCreate, in.TypeName, "", in.ClientToken, in.DesiredState, func(ev *ProgressEvent) {
		if id, ok := identifierOf(info, props); ok {
			if _, err := h.Read(ctx, id); err == nil {
				ev.Identifier = id
				failEvent(ev, resources.AsError(&resources.Error{Code: resources.CodeAlreadyExists,
					Message: fmt.Sprintf("Resource of type '%s' with identifier '%s' already exists.", in.TypeName, id)}))
				return
			}
		}
		id, _, err := h.Create(ctx, props)
		if err != nil {
			failEvent(ev, resources.AsError(err))
			return
		}
		ev.Identifier = id
		s.succeed(ctx, ev, h, info)
	})
}

// GetResource returns a resource's current model.
func (s *Service) GetResource(ctx context.Context, typeName, identifier string) (ResourceDescription, error) {
	h, info, err := s.handler(typeName)
	if err != nil {
		return ResourceDescription{}, err
	}
	id, err := normalizeIdentifier(info, identifier)
	if err != nil {
		return ResourceDescription{}, err
	}
	model, err := h.Read(ctx, id)
	if err != nil {
		return ResourceDescription{}, handlerRefusal(typeName, err)
	}
	b, err := encodeModel(info, model)
	if err != nil {
		return ResourceDescription{}, err
	}
	return ResourceDescription{Identifier: id, Properties: b}, nil
}

// UpdateInput is an UpdateResource request.
type UpdateInput struct {
	TypeName      string
	Identifier    string
	PatchDocument string
	ClientToken   string
}

// UpdateResource applies an RFC 6902 patch to a resource's current model
// and updates the resource to the result.
func (s *Service) UpdateResource(ctx context.Context, in UpdateInput) (ProgressEvent, error) {
	h, info, err := s.handler(in.TypeName)
	if err != nil {
		return ProgressEvent{}, err
	}
	id, err := normalizeIdentifier(info, in.Identifier)
	if err != nil {
		return ProgressEvent{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ev, done, err := s.replay(ctx, OpUpdate, in.TypeName, id, in.ClientToken, in.PatchDocument); done || err != nil {
		return ev, err
	}
	current, err := h.Read(ctx, id)
	if err != nil {
		return ProgressEvent{}, handlerRefusal(in.TypeName, err)
	}
	patched, err := applyPatch(current, in.PatchDocument)
	if err != nil {
		return ProgressEvent{}, err
	}
	if changed := changedPaths(info.CreateOnly, current, patched); len(changed) > 0 {
		return ProgressEvent{}, refuse("NotUpdatableException", "Invalid patch update: createOnlyProperties [%s] cannot be updated", schemaPaths(changed))
	}
	if changed := changedPaths(info.ReadOnly, current, patched); len(changed) > 0 {
		return ProgressEvent{}, refuse("InvalidRequestException", "Invalid patch update: readOnlyProperties [%s] cannot be updated", schemaPaths(changed))
	}
	oldProps, newProps := withoutPaths(current, info.ReadOnly), withoutPaths(patched, info.ReadOnly)
	newProps, err = validate(info, newProps)
	if err != nil {
		return ProgressEvent{}, err
	}
	return s.run(ctx, OpUpdate, in.TypeName, id, in.ClientToken, in.PatchDocument, func(ev *ProgressEvent) {
		newID, _, err := h.Update(ctx, id, oldProps, newProps)
		if err != nil {
			failEvent(ev, resources.AsError(err))
			return
		}
		if newID != "" {
			ev.Identifier = newID
		}
		s.succeed(ctx, ev, h, info)
	})
}

// DeleteInput is a DeleteResource request.
type DeleteInput struct {
	TypeName    string
	Identifier  string
	ClientToken string
}

// DeleteResource deletes a resource.
func (s *Service) DeleteResource(ctx context.Context, in DeleteInput) (ProgressEvent, error) {
	h, info, err := s.handler(in.TypeName)
	if err != nil {
		return ProgressEvent{}, err
	}
	id, err := normalizeIdentifier(info, in.Identifier)
	if err != nil {
		return ProgressEvent{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ev, done, err := s.replay(ctx, OpDelete, in.TypeName, id, in.ClientToken, ""); done || err != nil {
		return ev, err
	}
	return s.run(ctx, OpDelete, in.TypeName, id, in.ClientToken, "", func(ev *ProgressEvent) {
		current, err := h.Read(ctx, id)
		if err == nil {
			err = h.Delete(ctx, id, withoutPaths(current, info.ReadOnly))
		}
		if err != nil {
			failEvent(ev, resources.AsError(err))
			return
		}
		ev.OperationStatus = StatusSuccess
	})
}

// ListInput is a ListResources request.
type ListInput struct {
	TypeName string
	// ResourceModel carries the properties the type's list handler needs
	// (IdentityPoolId for role attachments), as a JSON object; "" if none.
	ResourceModel string
	NextToken     string
	MaxResults    int // 0: DefaultMaxResults
}

// DefaultMaxResults is the page size when a list request gives none.
const DefaultMaxResults = 20

// ListResources lists the resources of a type, sorted by identifier.
func (s *Service) ListResources(ctx context.Context, in ListInput) ([]ResourceDescription, string, error) {
	h, info, err := s.handler(in.TypeName)
	if err != nil {
		return nil, "", err
	}
	model := map[string]any{}
	if in.ResourceModel != "" {
		if model, err = parseModel(in.ResourceModel, "ResourceModel"); err != nil {
			return nil, "", err
		}
	}
	ids, err := h.List(ctx, model)
	if err != nil {
		return nil, "", handlerRefusal(in.TypeName, err)
	}
	sort.Strings(ids)
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, "", err
	}
	limit := in.MaxResults
	if limit <= 0 {
		limit = DefaultMaxResults
	}
	start := sort.SearchStrings(ids, after)
	for start < len(ids) && after != "" && ids[start] <= after {
		start++
	}
	var out []ResourceDescription
	next := ""
	for i := start; i < len(ids); i++ {
		if len(out) == limit {
			next = encodeToken(out[len(out)-1].Identifier)
			break
		}
		m, err := h.Read(ctx, ids[i])
		if err != nil {
			if resources.AsError(err).Code == resources.CodeNotFound {
				continue // deleted since it was listed
			}
			return nil, "", handlerRefusal(in.TypeName, err)
		}
		b, err := encodeModel(info, m)
		if err != nil {
			return nil, "", err
		}
		out = append(out, ResourceDescription{Identifier: ids[i], Properties: b})
	}
	return out, next, nil
}

// run runs a mutating request that replay did not find: do fills a fresh
// event, which is then stored.
func (s *Service) run(ctx context.Context, op, typeName, id, clientToken, payload string, do func(ev *ProgressEvent)) (ProgressEvent, error) {
	token, err := newToken()
	if err != nil {
		return ProgressEvent{}, err
	}
	ev := ProgressEvent{TypeName: typeName, Identifier: id, RequestToken: token, Operation: op}
	do(&ev)
	ev.EventTime = s.now().UTC().Truncate(time.Millisecond)
	rec := record{Event: ev, ClientToken: clientToken, Digest: digest(op, typeName, id, payload)}
	if err := s.save(ctx, rec); err != nil {
		return ProgressEvent{}, err
	}
	return ev, nil
}

// succeed marks ev SUCCESS with the resource's model as read back.
func (s *Service) succeed(ctx context.Context, ev *ProgressEvent, h resources.Handler, info cfn.TypeInfo) {
	ev.OperationStatus = StatusSuccess
	m, err := h.Read(ctx, ev.Identifier)
	if err != nil {
		return
	}
	if b, err := encodeModel(info, m); err == nil {
		ev.ResourceModel = b
	}
}

func failEvent(ev *ProgressEvent, e *resources.Error) {
	ev.OperationStatus = StatusFailed
	ev.ErrorCode = e.Code
	ev.StatusMessage = e.Message
}

// handlerRefusal turns a handler error met before a request is accepted
// into the exception Cloud Control raises for its code, with Cloud
// Control's message format.
func handlerRefusal(typeName string, err error) error {
	he := resources.AsError(err)
	token, terr := newToken()
	if terr != nil {
		return terr
	}
	typ, ok := exceptionOf[he.Code]
	if !ok {
		typ = "HandlerInternalFailureException"
	}
	return &Error{Type: typ, Err: err, Message: fmt.Sprintf("%s Handler returned status FAILED: %s (HandlerErrorCode: %s, RequestToken: %s)",
		typeName, he.Message, he.Code, token)}
}

// exceptionOf maps handler error codes to Cloud Control exceptions.
var exceptionOf = map[string]string{
	resources.CodeNotFound:             "ResourceNotFoundException",
	resources.CodeAlreadyExists:        "AlreadyExistsException",
	resources.CodeInvalidRequest:       "InvalidRequestException",
	resources.CodeNotUpdatable:         "NotUpdatableException",
	resources.CodeResourceConflict:     "ResourceConflictException",
	resources.CodeServiceLimitExceeded: "ServiceLimitExceededException",
	resources.CodeThrottling:           "ThrottlingException",
	resources.CodeGeneralService:       "GeneralServiceException",
	resources.CodeAccessDenied:         "GeneralServiceException",
	resources.CodeInternalFailure:      "HandlerInternalFailureException",
}

// parseModel decodes a JSON object given as a string.
func parseModel(text, member string) (map[string]any, error) {
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return nil, refuse("InvalidRequestException", "%s is not valid JSON: %v", member, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, refuse("InvalidRequestException", "Model validation failed (#: expected type: JSONObject, found: %s)", jsonKind(v))
	}
	return m, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "Null"
	case []any:
		return "JSONArray"
	case string:
		return "String"
	case float64:
		return "Number"
	case bool:
		return "Boolean"
	}
	return "JSONObject"
}

// validate checks a model against the type's schema.
func validate(info cfn.TypeInfo, m map[string]any) (map[string]any, error) {
	out, err := info.ValidateModel(m)
	if err != nil {
		msg := err.Error()
		var ce *cfn.Error
		if errors.As(err, &ce) {
			msg = strings.ReplaceAll(ce.Path, ".", "/") + ": " + ce.Msg
		}
		return nil, &Error{Type: "InvalidRequestException", Message: "Model validation failed (" + msg + ")", Err: err}
	}
	return out, nil
}

// encodeModel renders a model without the write-only properties.
func encodeModel(info cfn.TypeInfo, m map[string]any) (string, error) {
	b, err := json.Marshal(withoutPaths(m, info.WriteOnly))
	if err != nil {
		return "", fmt.Errorf("cloudcontrol: encode model: %w", err)
	}
	return string(b), nil
}

// identifierOf returns the primary identifier a model names, if every
// part of it is set (and none is read-only, which a desired state cannot
// hold).
func identifierOf(info cfn.TypeInfo, m map[string]any) (string, bool) {
	parts := make([]string, 0, len(info.PrimaryIdentifier))
	for _, p := range info.PrimaryIdentifier {
		v, ok := lookupPath(m, p)
		str, isStr := v.(string)
		if !ok || !isStr || str == "" {
			return "", false
		}
		parts = append(parts, str)
	}
	return strings.Join(parts, "|"), len(parts) > 0
}

// normalizeIdentifier accepts the "|"-joined form and the JSON object form
// of a primary identifier.
func normalizeIdentifier(info cfn.TypeInfo, id string) (string, error) {
	if !strings.HasPrefix(strings.TrimSpace(id), "{") {
		return id, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(id), &m); err != nil {
		return "", refuse("InvalidRequestException", "Identifier %s is not a valid JSON object: %v", id, err)
	}
	joined, ok := identifierOf(info, m)
	if !ok {
		return "", refuse("InvalidRequestException", "Identifier %s does not give the primary identifier [%s] of %s", id, schemaPaths(info.PrimaryIdentifier), info.TypeName)
	}
	return joined, nil
}

// lookupPath returns the value at a "/"-separated property path.
func lookupPath(m map[string]any, path string) (any, bool) {
	var cur any = m
	for _, seg := range strings.Split(path, "/") {
		if seg == "*" {
			return cur, true
		}
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[seg]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// changedPaths lists the paths whose value differs between a and b.
func changedPaths(paths []string, a, b map[string]any) []string {
	var out []string
	for _, p := range paths {
		va, oka := lookupPath(a, p)
		vb, okb := lookupPath(b, p)
		if oka != okb || !reflect.DeepEqual(va, vb) {
			out = append(out, p)
		}
	}
	return out
}

// withoutPaths returns a copy of m without the given paths (nested paths
// are removed from copies of their parents).
func withoutPaths(m map[string]any, paths []string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for _, p := range paths {
		segs := strings.Split(p, "/")
		removePath(out, segs)
	}
	return out
}

func removePath(m map[string]any, segs []string) {
	if len(segs) == 1 {
		delete(m, segs[0])
		return
	}
	child, ok := m[segs[0]].(map[string]any)
	if !ok || segs[1] == "*" {
		return
	}
	cp := make(map[string]any, len(child))
	for k, v := range child {
		cp[k] = v
	}
	removePath(cp, segs[1:])
	m[segs[0]] = cp
}

func schemaPaths(paths []string) string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = "/properties/" + p
	}
	return strings.Join(out, ", ")
}

func newToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("cloudcontrol: request token: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// encodeToken and decodeToken make opaque pagination tokens.
func encodeToken(after string) string {
	return base64.StdEncoding.EncodeToString([]byte("v1|" + after))
}

func decodeToken(tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.StdEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), "v1|") {
		return "", refuse("InvalidRequestException", "Invalid NextToken.")
	}
	return strings.TrimPrefix(string(b), "v1|"), nil
}
