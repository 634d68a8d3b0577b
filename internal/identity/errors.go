package identity

import (
	"errors"
	"fmt"
)

// Code names a domain error. Codes are named after the Amazon Cognito
// Identity exception they become on the wire; each surface owns the table
// that maps a Code to its envelope.
type Code string

// Error codes, one per Cognito Identity exception.
const (
	CodeInvalidParameter               Code = "InvalidParameterException"
	CodeNotAuthorized                  Code = "NotAuthorizedException"
	CodeResourceNotFound               Code = "ResourceNotFoundException"
	CodeResourceConflict               Code = "ResourceConflictException"
	CodeTooManyRequests                Code = "TooManyRequestsException"
	CodeLimitExceeded                  Code = "LimitExceededException"
	CodeInvalidIdentityPoolConfig      Code = "InvalidIdentityPoolConfigurationException"
	CodeDeveloperUserAlreadyRegistered Code = "DeveloperUserAlreadyRegisteredException"
	CodeConcurrentModification         Code = "ConcurrentModificationException"
	CodeExternalService                Code = "ExternalServiceException"
	CodeInternal                       Code = "InternalErrorException"
)

// Error is a domain error: a Code and the message the client sees.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the Code of err if it is (or wraps) an *Error, and
// CodeInternal otherwise.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// Storage sentinel errors. Store implementations return these (possibly
// wrapped); the domain turns them into *Error values with Cognito's messages.
var (
	// ErrNotFound: the row asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a uniqueness constraint or compare-and-swap check failed;
	// the caller may re-read and retry.
	ErrConflict = errors.New("conflict")
	// ErrLimitExceeded: a write was refused because it would exceed a
	// quota the caller passed (CreatePoolWithin).
	ErrLimitExceeded = errors.New("limit exceeded")
)

// Messages used verbatim by several operations.
func poolNotFound(id string) *Error {
	return Errorf(CodeResourceNotFound, "IdentityPool '%s' not found.", id)
}
