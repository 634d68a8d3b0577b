package cfn

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Test with errors.Is.
var (
	// ErrUnsupported marks a template feature idpool refuses on purpose
	// (Transform, Rules, Fn::ImportValue, SSM parameter types, ...). The
	// error message says what was refused and what to do instead.
	ErrUnsupported = errors.New("cfn: unsupported template feature")

	// ErrNotFound is returned (wrapped) by a Provider whose resource no
	// longer exists. Delete treats it as success, as CloudFormation does.
	ErrNotFound = errors.New("cfn: resource not found")

	// ErrStackNotFound is returned by a StateStore (and by DeleteStack) for
	// a stack that has no state.
	ErrStackNotFound = errors.New("cfn: stack not found")

	// ErrConflict is returned by a StateStore whose compare-and-swap failed
	// because another apply changed the stack first.
	ErrConflict = errors.New("cfn: stack state changed concurrently")
)

// Error is a template error located at a path such as
// "Resources.Pool.Properties.IdentityPoolName". Msg names the intrinsic
// function or section at fault, for example
// `Fn::GetAtt: unknown attribute "Foo" of resource "Other"`.
type Error struct {
	Path        string // dotted location in the template; "" for the whole template
	Msg         string
	Unsupported bool  // the feature is refused on purpose; errors.Is(err, ErrUnsupported)
	Err         error // optional cause (a provider error, for example)
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Err != nil {
		if e.Msg != "" {
			b.WriteString(": ")
		}
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether the error is ErrUnsupported for refused features.
func (e *Error) Is(target error) bool { return target == ErrUnsupported && e.Unsupported }

func errorf(path, format string, args ...any) *Error {
	return &Error{Path: path, Msg: fmt.Sprintf(format, args...)}
}

func unsupportedf(path, format string, args ...any) *Error {
	return &Error{Path: path, Msg: fmt.Sprintf(format, args...), Unsupported: true}
}

// ApplyError is returned by Apply when the stack could not be converged. The
// changes made in the failed run were rolled back and the stored state was not
// changed. RollbackErrors lists what could not be undone; each entry names the
// logical and physical ID of a resource an operator may have to clean up.
type ApplyError struct {
	StackName      string
	LogicalID      string // the resource whose operation failed; "" if the failure was elsewhere
	Err            error
	RolledBack     int // number of operations undone
	RollbackErrors []error
}

func (e *ApplyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "apply stack %q: %v", e.StackName, e.Err)
	if e.RolledBack > 0 {
		fmt.Fprintf(&b, " (rolled back %d change(s))", e.RolledBack)
	}
	if len(e.RollbackErrors) > 0 {
		fmt.Fprintf(&b, "; rollback incomplete, %d resource(s) need manual attention:", len(e.RollbackErrors))
		for _, re := range e.RollbackErrors {
			b.WriteString(" ")
			b.WriteString(re.Error())
			b.WriteString(";")
		}
	}
	return b.String()
}

// Unwrap returns the cause of the failure.
func (e *ApplyError) Unwrap() error { return e.Err }
