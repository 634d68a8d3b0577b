package resources

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/idpool/idpool/internal/awsmodel"
	"github.com/idpool/idpool/internal/cfn"
	"github.com/idpool/idpool/internal/iam"
	"github.com/idpool/idpool/internal/identity"
)

// Handler manages the resources of one type. Create, Update and Delete are
// the cfn.Provider methods the template engine calls; Read and List serve
// Cloud Control.
type Handler interface {
	cfn.Provider
	// Read returns the current properties of the resource with the given
	// primary identifier: read-only ones included, write-only ones too
	// (callers that answer clients drop them, see TypeInfo.WriteOnly). A
	// missing resource is an *Error with code NotFound.
	Read(ctx context.Context, id string) (map[string]any, error)
	// List returns the primary identifiers of the existing resources,
	// sorted. model carries the properties the type's list handler
	// requires (IdentityPoolId for role attachments, both identifiers for
	// principal tags); a missing one is an InvalidRequest *Error.
	List(ctx context.Context, model map[string]any) ([]string, error)
}

// Handler error codes: Cloud Control's HandlerErrorCode values.
const (
	CodeNotFound             = "NotFound"
	CodeAlreadyExists        = "AlreadyExists"
	CodeInvalidRequest       = "InvalidRequest"
	CodeNotUpdatable         = "NotUpdatable"
	CodeResourceConflict     = "ResourceConflict"
	CodeServiceLimitExceeded = "ServiceLimitExceeded"
	CodeThrottling           = "Throttling"
	CodeAccessDenied         = "AccessDenied"
	CodeGeneralService       = "GeneralServiceException"
	CodeInternalFailure      = "InternalFailure"
)

// Error is a handler refusal: a Cloud Control handler error code and the
// message the client sees. Err keeps the cause for logs.
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error returns "<Code>: <Message>".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes a NotFound error match cfn.ErrNotFound, so that the template
// engine treats deleting a resource that is already gone as done.
func (e *Error) Is(target error) bool { return target == cfn.ErrNotFound && e.Code == CodeNotFound }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsError returns err as an *Error: itself if it is one, a classification
// of a domain, IAM, model or template error by its code otherwise, and
// InternalFailure (message "Internal Failure", the cause kept in Err) for
// anything else.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var re *Error
	if errors.As(err, &re) {
		return re
	}
	var ie *identity.Error
	if errors.As(err, &ie) {
		return &Error{Code: identityCode(ie.Code), Message: ie.Message, Err: err}
	}
	var me *iam.Error
	if errors.As(err, &me) {
		return &Error{Code: iamCode(me.Code), Message: me.Message, Err: err}
	}
	var ve *awsmodel.ValidationError
	if errors.As(err, &ve) {
		return &Error{Code: CodeInvalidRequest, Message: ve.Message(), Err: err}
	}
	var se *awsmodel.SerializationError
	if errors.As(err, &se) {
		return &Error{Code: CodeInvalidRequest, Message: se.Message(), Err: err}
	}
	var ce *cfn.Error
	if errors.As(err, &ce) {
		return &Error{Code: CodeInvalidRequest, Message: ce.Error(), Err: err}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: CodeGeneralService, Message: "The operation was cancelled.", Err: err}
	}
	return &Error{Code: CodeInternalFailure, Message: "Internal Failure", Err: err}
}

func identityCode(c identity.Code) string {
	switch c {
	case identity.CodeResourceNotFound:
		return CodeNotFound
	case identity.CodeInvalidParameter:
		return CodeInvalidRequest
	case identity.CodeLimitExceeded:
		return CodeServiceLimitExceeded
	case identity.CodeResourceConflict, identity.CodeConcurrentModification:
		return CodeResourceConflict
	case identity.CodeTooManyRequests:
		return CodeThrottling
	case identity.CodeNotAuthorized:
		return CodeAccessDenied
	case identity.CodeExternalService:
		return CodeGeneralService
	}
	return CodeInternalFailure
}

func iamCode(c iam.Code) string {
	switch c {
	case iam.CodeNoSuchEntity:
		return CodeNotFound
	case iam.CodeEntityAlreadyExists:
		return CodeAlreadyExists
	case iam.CodeInvalidInput, iam.CodeValidation, iam.CodeMalformedPolicyDocument:
		return CodeInvalidRequest
	case iam.CodeLimitExceeded:
		return CodeServiceLimitExceeded
	case iam.CodeDeleteConflict, iam.CodeConcurrentModification:
		return CodeResourceConflict
	}
	return CodeInternalFailure
}

// fail classifies err (see AsError); nil stays nil.
func fail(err error) error {
	if err == nil {
		return nil
	}
	return AsError(err)
}

// Set is the handlers of every supported type.
type Set struct {
	handlers map[string]Handler
	types    map[string]cfn.TypeInfo
}

// Config wires the handlers to the domain.
type Config struct {
	Identity *identity.Service
	IAM      *iam.Service
	// Store keeps the per-pool documents described in the package doc.
	Store iam.ValueStore
}

// New returns the handlers of the six supported types.
func New(cfg Config) (*Set, error) {
	if cfg.Identity == nil || cfg.IAM == nil || cfg.Store == nil {
		return nil, errors.New("resources: New needs the identity service, the IAM service and a value store")
	}
	side := &sidecars{store: cfg.Store}
	hs := map[string]Handler{
		TypeIdentityPool:   &poolHandler{svc: cfg.Identity, side: side},
		TypeRoleAttachment: &roleAttachmentHandler{svc: cfg.Identity, side: side},
		TypePrincipalTag:   &principalTagHandler{svc: cfg.Identity},
		TypeOIDCProvider:   &oidcHandler{svc: cfg.IAM},
		TypeSAMLProvider:   &samlHandler{svc: cfg.IAM},
		TypeRole:           &roleHandler{svc: cfg.IAM},
	}
	s := &Set{handlers: map[string]Handler{}, types: map[string]cfn.TypeInfo{}}
	for typ, h := range hs {
		info, err := cfn.BuiltinTypeInfo(typ)
		if err != nil {
			return nil, err
		}
		s.handlers[typ] = h
		s.types[typ] = info
	}
	return s, nil
}

// Supported resource types.
const (
	TypeIdentityPool   = "AWS::Cognito::IdentityPool"
	TypeRoleAttachment = "AWS::Cognito::IdentityPoolRoleAttachment"
	TypePrincipalTag   = "AWS::Cognito::IdentityPoolPrincipalTag"
	TypeOIDCProvider   = "AWS::IAM::OIDCProvider"
	TypeSAMLProvider   = "AWS::IAM::SAMLProvider"
	TypeRole           = "AWS::IAM::Role"
)

// Handler returns the handler of a type.
func (s *Set) Handler(typeName string) (Handler, cfn.TypeInfo, bool) {
	h, ok := s.handlers[typeName]
	return h, s.types[typeName], ok
}

// Types lists the supported types, sorted.
func (s *Set) Types() []string {
	out := make([]string, 0, len(s.handlers))
	for t := range s.handlers {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Registry returns a cfn.Registry with every handler, for the template
// engine.
func (s *Set) Registry() (*cfn.Registry, error) {
	reg := cfn.NewRegistry()
	for _, t := range s.Types() {
		if err := reg.Register(s.types[t], s.handlers[t]); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

// decode converts resolved properties into a typed struct; a value of the
// wrong shape is an InvalidRequest naming the type.
func decode(typeName string, props map[string]any, v any) error {
	if err := cfn.DecodeProps(props, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return errorf(CodeInvalidRequest, "%s: property %s: expected %s, got %s", typeName, te.Field, te.Type.String(), te.Value)
		}
		return errorf(CodeInvalidRequest, "%s: invalid properties: %v", typeName, err)
	}
	return nil
}

// toProps converts a typed struct into plain JSON properties.
func toProps(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// checkModel validates a cognito-identity request body against the
// botocore model, giving the service's ValidationException message.
func checkModel(op string, in any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return fail(awsmodel.CognitoIdentity().Check(op, b))
}

// Tag is a CloudFormation Key/Value tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func tagsToMap(tags []Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

func mapToTags(m map[string]string) []Tag {
	out := make([]Tag, 0, len(m))
	for k, v := range m {
		out = append(out, Tag{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func iamTags(tags []Tag) []iam.Tag {
	out := make([]iam.Tag, len(tags))
	for i, t := range tags {
		out[i] = iam.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

func fromIAMTags(tags []iam.Tag) []Tag {
	if len(tags) == 0 {
		return nil
	}
	out := make([]Tag, len(tags))
	for i, t := range tags {
		out[i] = Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

// sameTags compares two tag lists as sets of Key/Value pairs.
func sameTags(a, b []Tag) bool {
	am, bm := tagsToMap(a), tagsToMap(b)
	if len(am) != len(bm) {
		return false
	}
	for k, v := range am {
		if w, ok := bm[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// generatedName returns a CloudFormation-style name for a resource whose
// template gives none: "<stack>-<logicalID>-<12 random characters>" cut to
// maxLen. Outside a stack (Cloud Control) it is "<fallback>-<random>".
func generatedName(ctx context.Context, fallback string, maxLen int) (string, error) {
	suffix, err := randomSuffix(12)
	if err != nil {
		return "", err
	}
	ri, ok := cfn.RequestFrom(ctx)
	if !ok || ri.StackName == "" {
		ri = cfn.RequestInfo{LogicalID: fallback}
	}
	return ri.PhysicalName(suffix, maxLen), nil
}

const suffixAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomSuffix(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("resources: random name: %w", err)
	}
	for i := range b {
		b[i] = suffixAlphabet[int(b[i])%len(suffixAlphabet)]
	}
	return string(b), nil
}

// requireString returns model[key] as a non-empty string.
func requireString(typeName string, model map[string]any, key string) (string, error) {
	v, _ := model[key].(string)
	if v == "" {
		return "", errorf(CodeInvalidRequest, "Listing %s requires %s in the resource model.", typeName, key)
	}
	return v, nil
}
