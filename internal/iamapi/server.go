// Package iamapi is idpool's IAM-compatible surface: the AWS Query protocol
// (form POSTs to "/", Action=…&Version=2010-05-08, SigV4 service "iam",
// XML responses in the namespace https://iam.amazonaws.com/doc/2010-05-08/)
// for the subset of IAM that identity pools need:
//
//	OpenID Connect providers  CreateOpenIDConnectProvider, GetOpenIDConnectProvider,
//	                          ListOpenIDConnectProviders, DeleteOpenIDConnectProvider,
//	                          AddClientIDToOpenIDConnectProvider,
//	                          RemoveClientIDFromOpenIDConnectProvider,
//	                          UpdateOpenIDConnectProviderThumbprint
//	SAML providers            CreateSAMLProvider, GetSAMLProvider, ListSAMLProviders,
//	                          UpdateSAMLProvider, DeleteSAMLProvider
//	roles                     CreateRole, GetRole, ListRoles, DeleteRole, UpdateRole,
//	                          UpdateAssumeRolePolicy
//	role policies (stored)    PutRolePolicy, GetRolePolicy, DeleteRolePolicy,
//	                          ListRolePolicies, AttachRolePolicy, DetachRolePolicy,
//	                          ListAttachedRolePolicies
//
// For every request, in order: the form (POST body, then URL query) is
// parsed; the Action must be one of the above (InvalidAction "Could not find
// operation X for version V" otherwise, also for a Version other than
// 2010-05-08); the SigV4 signature is verified for service "iam" (every IAM
// operation is signed); Authorize is asked; the parameters are rebuilt as
// the JSON of the operation's input shape and checked against the botocore
// IAM model (ValidationError with the framework's text); the iam.Service
// runs the operation. Errors are written as
// <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>
// with IAM's codes and statuses (NoSuchEntity 404; EntityAlreadyExists,
// LimitExceeded, DeleteConflict 409; the others 400; unknown failures
// ServiceFailure 500, logged and never detailed to the client).
//
// Policy documents in responses (AssumeRolePolicyDocument, PolicyDocument)
// are URL-encoded, as IAM sends them; the AWS CLI and boto3 decode them,
// the Go SDK leaves that to the caller (url.QueryUnescape).
//
// # Telling IAM from STS
//
// IAM and STS requests are both urlencoded form POSTs to "/". IsIAMRequest
// decides: the credential scope's service in the Authorization header (or
// the presigned X-Amz-Credential) wins — ".../iam/aws4_request" is IAM,
// any other service is not; without a signature, Version=2010-05-08 (URL
// query or body) is IAM, and without Version an Action that only IAM has.
package iamapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/idpool/idpool/internal/awsmodel"
	"github.com/idpool/idpool/internal/awswire"
	"github.com/idpool/idpool/internal/iam"
	"github.com/idpool/idpool/internal/metrics"
	"github.com/idpool/idpool/internal/sigv4"
)

const (
	// Namespace is the XML namespace of every IAM response.
	Namespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	// APIVersion is IAM's Version parameter.
	APIVersion  = "2010-05-08"
	surface     = "iam"
	signingName = "iam"
)

// Config wires a Server. Service and Verifier are required.
type Config struct {
	Service *iam.Service
	// Verifier checks SigV4 with service "iam". IAM is a global service
	// that clients sign for us-east-1; give it a Verifier whose Region is
	// "us-east-1" (what AWS accepts) or "" (any region) when idpool serves
	// another region.
	Verifier *sigv4.Verifier
	// Authorize, if set, is asked after the signature verified, with the
	// action name ("CreateRole"); nil lets every verified caller in. A
	// non-nil error refuses the request: an *Error is sent as is, anything
	// else as AccessDenied (403) whose message is the error's text, or, for
	// an *awswire.Error (what the Cognito surface's authorizer returns), its
	// Message with "cognito-identity:" replaced by "iam:".
	Authorize func(creds sigv4.Credentials, action string) error
	Logger    *slog.Logger
	Metrics   *metrics.Metrics
}

// Server serves the IAM Query API. It is safe for concurrent use.
type Server struct {
	cfg   Config
	model *awsmodel.Service
}

// New returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Service == nil || cfg.Verifier == nil {
		return nil, errors.New("iamapi: Config.Service and Config.Verifier are required")
	}
	m, err := awsmodel.Embedded("iam-2010-05-08.json")
	if err != nil {
		return nil, fmt.Errorf("iamapi: %w", err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Server{cfg: cfg, model: m}, nil
}

// Error is an IAM error as the Query protocol sends it.
type Error = awswire.QueryError

// IsIAMRequest reports whether a Query-protocol request (an urlencoded form
// POST, or a GET with Action, to "/") is for IAM rather than STS:
//
//  1. If the request is signed, the service of its credential scope decides
//     (Authorization header "Credential=AKID/date/region/iam/aws4_request",
//     or the presigned X-Amz-Credential query parameter): "iam" is IAM,
//     anything else is not.
//  2. Otherwise Version decides (URL query first, then body): 2010-05-08 is
//     IAM, any other value is not.
//  3. Without Version, an Action that IAM has and STS has not is IAM.
//
// body is the request body already read by the caller (the router must put
// it back into r.Body for the handler); it may be nil, and then only the
// headers and URL query are used, which is enough for every signed request.
// IsIAMRequest never reads r.Body.
func IsIAMRequest(r *http.Request, body []byte) bool {
	if svc, ok := scopeService(r); ok {
		return svc == signingName
	}
	q := r.URL.Query()
	var f url.Values
	if len(body) > 0 {
		f, _ = url.ParseQuery(string(body))
	}
	get := func(k string) string {
		if v := q.Get(k); v != "" {
			return v
		}
		return f.Get(k)
	}
	if v := get("Version"); v != "" {
		return v == APIVersion
	}
	_, ok := actions[get("Action")]
	return ok
}

// scopeService returns the service of the request's SigV4 credential scope.
func scopeService(r *http.Request) (string, bool) {
	cred := ""
	if h := r.Header.Get("Authorization"); h != "" {
		i := strings.Index(h, "Credential=")
		if i < 0 {
			return "", false
		}
		cred = h[i+len("Credential="):]
		if j := strings.IndexAny(cred, ", "); j >= 0 {
			cred = cred[:j]
		}
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return "", false
	}
	return parts[3], true
}

// ServeHTTP handles one IAM request.
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
	if _, ok := actions[action]; !ok {
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
			return "", nil, &Error{Code: "MalformedQueryString", Message: "The request body is not a valid form."}
		}
		for k, v := range f {
			form[k] = v
		}
	}
	action := form.Get("Action")
	if action == "" {
		return "", nil, &Error{Code: "MissingAction", Message: "Missing Action"}
	}
	handler, ok := actions[action]
	version := form.Get("Version")
	if !ok || (version != "" && version != APIVersion) {
		if version == "" {
			version = APIVersion
		}
		return action, nil, &Error{Code: "InvalidAction", Message: fmt.Sprintf("Could not find operation %s for version %s", action, version)}
	}
	creds, err := s.cfg.Verifier.Verify(ctx, r, body, signingName)
	if err != nil {
		return action, nil, err
	}
	if s.cfg.Authorize != nil {
		if err := s.cfg.Authorize(creds, action); err != nil {
			var e *Error
			if errors.As(err, &e) {
				return action, nil, e
			}
			return action, nil, &Error{Code: "AccessDenied", Message: accessDeniedMessage(err), Status: http.StatusForbidden}
		}
	}
	in, err := s.check(action, form)
	if err != nil {
		return action, nil, err
	}
	res, err := handler(ctx, s.cfg.Service, in)
	return action, res, err
}

// accessDeniedMessage takes the message of an awswire.Error (what the
// Cognito surface's authorizer returns) or the error's text.
func accessDeniedMessage(err error) string {
	var we *awswire.Error
	if errors.As(err, &we) {
		return strings.ReplaceAll(we.Message, "cognito-identity:", "iam:")
	}
	return err.Error()
}

// codeStatus maps the domain's codes to IAM's HTTP statuses (botocore
// model, error.httpStatusCode).
var codeStatus = map[iam.Code]int{
	iam.CodeNoSuchEntity:            http.StatusNotFound,
	iam.CodeEntityAlreadyExists:     http.StatusConflict,
	iam.CodeLimitExceeded:           http.StatusConflict,
	iam.CodeDeleteConflict:          http.StatusConflict,
	iam.CodeConcurrentModification:  http.StatusConflict,
	iam.CodeInvalidInput:            http.StatusBadRequest,
	iam.CodeMalformedPolicyDocument: http.StatusBadRequest,
	iam.CodeValidation:              http.StatusBadRequest,
}

func (s *Server) toError(ctx context.Context, action string, err error) *Error {
	var (
		e  *Error
		de *iam.Error
		se *sigv4.Error
		ve *awsmodel.ValidationError
	)
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &de):
		if st, ok := codeStatus[de.Code]; ok {
			return &Error{Code: string(de.Code), Message: de.Message, Status: st}
		}
	case errors.As(err, &se):
		return &Error{Code: se.QueryCode(), Message: se.Message, Status: se.QueryStatus()}
	case errors.As(err, &ve):
		return &Error{Code: "ValidationError", Message: iamValidationMessage(ve)}
	}
	s.cfg.Logger.ErrorContext(ctx, "internal error", "request_id", awswire.RequestID(ctx), "op", action, "err", err)
	return &Error{Code: "ServiceFailure", Status: http.StatusInternalServerError, Type: "Receiver",
		Message: "The request processing has failed because of an unknown error, exception or failure."}
}

// hiddenValues are the members whose values IAM leaves out of validation
// messages ("Value at 'url' failed to satisfy constraint: …"), as observed
// for url, clientIDList, thumbprintList (LocalStack's AWS recording
// test_iam_oidc.snapshot.json), tags and tagKeys (test_iam_roles.snapshot.json);
// the metadata document is left out too rather than echoing megabytes.
var hiddenValues = map[string]bool{
	"url": true, "clientIDList": true, "thumbprintList": true, "tags": true, "tagKeys": true,
	"sAMLMetadataDocument": true,
}

func iamValidationMessage(ve *awsmodel.ValidationError) string {
	vs := make([]awsmodel.Violation, len(ve.Violations))
	copy(vs, ve.Violations)
	for i := range vs {
		top, _, _ := strings.Cut(vs[i].Path, ".")
		if hiddenValues[top] && vs[i].Kind == awsmodel.ValueShown {
			vs[i].Kind, vs[i].Value = awsmodel.ValueHidden, ""
		}
	}
	return (&awsmodel.ValidationError{Violations: vs}).Message()
}

func writeError(w http.ResponseWriter, reqID string, e *Error) {
	awswire.WriteQueryError(w, Namespace, reqID, e)
}

func writeResult(w http.ResponseWriter, reqID, action string, result any) {
	awswire.WriteQueryResult(w, Namespace, reqID, action, result)
}
