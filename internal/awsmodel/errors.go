package awsmodel

import (
	"strconv"
	"strings"
)

// MaxViolations is how many violations a ValidationError reports at most;
// the live service stops at ten and counts only those it lists ("10
// validation errors detected: ..." for a request with hundreds).
const MaxViolations = 10

// SerializationError is a body that is not JSON or does not fit the shapes
// of the model. On the wire it is
//
//	{"__type":"SerializationException","Message":"<Message>"}
//
// with a capital "Message" (a framework error, unlike the lower-case
// "message" of the modeled Cognito errors), and without "Message" at all
// when Message is empty: malformed JSON gets no message from AWS.
type SerializationError struct {
	msg string
}

// Type returns "SerializationException".
func (e *SerializationError) Type() string { return "SerializationException" }

// Message returns the AWS message, "" when AWS sends none.
func (e *SerializationError) Message() string { return e.msg }

// Error returns "SerializationException" or "SerializationException: <message>".
func (e *SerializationError) Error() string {
	if e.msg == "" {
		return "SerializationException"
	}
	return "SerializationException: " + e.msg
}

// ValueKind says how a Violation renders its value.
type ValueKind uint8

const (
	// ValueShown renders "Value '<Value>' at ...".
	ValueShown ValueKind = iota
	// ValueNull renders "Value null at ..." (a missing required member).
	ValueNull
	// ValueHidden renders "Value at ..." (a sensitive member).
	ValueHidden
)

// Violation is one failed constraint.
type Violation struct {
	// Path is the member path, e.g. "cognitoIdentityProviders.1.member.clientId".
	Path string
	// Kind and Value are the offending value as rendered in the message.
	Kind  ValueKind
	Value string
	// Constraint is the text after "failed to satisfy constraint: ",
	// e.g. "Member must have length less than or equal to 128".
	Constraint string
}

// String renders the violation the way AWS does, e.g.
// "Value 'x' at 'identityPoolId' failed to satisfy constraint: Member must ...".
func (v Violation) String() string {
	var b strings.Builder
	v.writeTo(&b)
	return b.String()
}

func (v Violation) writeTo(b *strings.Builder) {
	switch v.Kind {
	case ValueNull:
		b.WriteString("Value null at '")
	case ValueHidden:
		b.WriteString("Value at '")
	default:
		b.WriteString("Value '")
		b.WriteString(v.Value)
		b.WriteString("' at '")
	}
	b.WriteString(v.Path)
	b.WriteString("' failed to satisfy constraint: ")
	b.WriteString(v.Constraint)
}

// ValidationError is a request that breaks model constraints. On the wire it
// is a ValidationException (HTTP 400) whose message is Message().
type ValidationError struct {
	// Violations are the reported violations in AWS order, at most
	// MaxViolations.
	Violations []Violation
}

// Type returns "ValidationException".
func (e *ValidationError) Type() string { return "ValidationException" }

// Message returns the AWS text: "1 validation error detected: <v>" or
// "N validation errors detected: <v1>; <v2>; ...".
func (e *ValidationError) Message() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(len(e.Violations)))
	if len(e.Violations) == 1 {
		b.WriteString(" validation error detected: ")
	} else {
		b.WriteString(" validation errors detected: ")
	}
	for i, v := range e.Violations {
		if i > 0 {
			b.WriteString("; ")
		}
		v.writeTo(&b)
	}
	return b.String()
}

// Error returns "ValidationException: " followed by Message().
func (e *ValidationError) Error() string { return "ValidationException: " + e.Message() }
