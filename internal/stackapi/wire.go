// Package stackapi is the HTTP surface behind `idpool apply` and `idpool
// delete-stack`: the server runs the CloudFormation template engine
// (internal/cfn) with the resource handlers (internal/resources), so that
// every node sharing the store sees one set of stacks and one lock per
// stack, and the command line is a thin, signed client.
//
// # Protocol
//
// POST / with X-Amz-Target IdpoolStackService.<Op>, a JSON body, SigV4
// signed for service "idpool" with the admin credentials (temporary
// credentials are refused, as on the admin operations of cognito-identity).
// Operations:
//
//	ApplyStack    {StackName, TemplateBody, Parameters, DryRun}
//	DeleteStack   {StackName}
//	DescribeStack {StackName}  → {Stack}
//	ListStacks    {}           → {StackNames}
//
// ApplyStack and DeleteStack answer 200 with application/x-ndjson: one
// JSON object a line, flushed as it happens — {"Event": …} for every
// resource operation, then exactly one of {"Plan": …} (dry run), {"Result":
// …} or {"Error": …}. Requests refused before the engine runs (bad
// signature, malformed JSON, a missing StackName or template) get the AWS
// JSON error envelope with status 400 instead, like DescribeStack and
// ListStacks do for every error.
//
// Error types: ValidationError (the template or the parameters are wrong;
// nothing was called), ApplyFailed (a resource operation failed; the run was
// rolled back, see RollbackErrors), StackNotFound, StackBusy (another apply
// or delete holds the stack's lock), InternalFailure.
package stackapi

import "time"

// TargetPrefix is the X-Amz-Target prefix of the surface.
const TargetPrefix = "IdpoolStackService."

// SigningName is the SigV4 service name requests are signed for.
const SigningName = "idpool"

// ApplyInput is ApplyStack's body.
type ApplyInput struct {
	StackName    string            `json:"StackName"`
	TemplateBody string            `json:"TemplateBody"`
	Parameters   map[string]string `json:"Parameters,omitempty"`
	DryRun       bool              `json:"DryRun,omitempty"`
}

// StackNameInput is the body of DeleteStack and DescribeStack.
type StackNameInput struct {
	StackName string `json:"StackName"`
}

// Line is one line of an ApplyStack or DeleteStack stream.
type Line struct {
	Event  *Event  `json:"Event,omitempty"`
	Plan   *Plan   `json:"Plan,omitempty"`
	Result *Result `json:"Result,omitempty"`
	Error  *Error  `json:"Error,omitempty"`
}

// Event reports one resource operation.
type Event struct {
	LogicalID  string `json:"LogicalId"`
	Type       string `json:"Type"`
	PhysicalID string `json:"PhysicalId,omitempty"`
	Action     string `json:"Action"`
	Status     string `json:"Status"`
	Rollback   bool   `json:"Rollback,omitempty"`
	Message    string `json:"Message,omitempty"`
	// Text is the event as one line, for display.
	Text string `json:"Text"`
}

// Change is one planned or performed resource operation.
type Change struct {
	Action     string   `json:"Action"`
	LogicalID  string   `json:"LogicalId"`
	Type       string   `json:"Type"`
	PhysicalID string   `json:"PhysicalId,omitempty"`
	Paths      []string `json:"Paths,omitempty"`
	Dynamic    []string `json:"Dynamic,omitempty"`
	Reason     string   `json:"Reason,omitempty"`
	Retain     bool     `json:"Retain,omitempty"`
	// Text is the change as one line, for display.
	Text string `json:"Text"`
}

// Skipped is a template element that is not applied, with the reason.
type Skipped struct {
	Section string `json:"Section"`
	Name    string `json:"Name"`
	Type    string `json:"Type,omitempty"`
	Reason  string `json:"Reason"`
}

// Output is an evaluated template output.
type Output struct {
	Name        string `json:"Name"`
	Value       string `json:"Value"`
	Description string `json:"Description,omitempty"`
	ExportName  string `json:"ExportName,omitempty"`
}

// Plan is a dry run's predicted changes.
type Plan struct {
	StackName  string            `json:"StackName"`
	StackID    string            `json:"StackId,omitempty"`
	New        bool              `json:"New"`
	HasChanges bool              `json:"HasChanges"`
	Changes    []Change          `json:"Changes"`
	Skipped    []Skipped         `json:"Skipped,omitempty"`
	Notes      []string          `json:"Notes,omitempty"`
	Parameters map[string]string `json:"Parameters,omitempty"`
}

// Result is what a successful apply or delete did.
type Result struct {
	StackName     string    `json:"StackName"`
	StackID       string    `json:"StackId"`
	Changes       []Change  `json:"Changes"`
	Skipped       []Skipped `json:"Skipped,omitempty"`
	Notes         []string  `json:"Notes,omitempty"`
	Outputs       []Output  `json:"Outputs,omitempty"`
	Orphans       []string  `json:"Orphans,omitempty"`
	CleanupErrors []string  `json:"CleanupErrors,omitempty"`
}

// Error is a refusal or failure.
type Error struct {
	Type           string   `json:"Type"`
	Message        string   `json:"Message"`
	RollbackErrors []string `json:"RollbackErrors,omitempty"`
}

// Error returns "<Type>: <Message>".
func (e *Error) Error() string { return e.Type + ": " + e.Message }

// Stack is DescribeStack's answer.
type Stack struct {
	StackName  string            `json:"StackName"`
	StackID    string            `json:"StackId"`
	Parameters map[string]string `json:"Parameters,omitempty"`
	Resources  []StackResource   `json:"Resources"`
	Outputs    []Output          `json:"Outputs,omitempty"`
	UpdatedAt  time.Time         `json:"UpdatedAt"`
}

// StackResource is one resource of a stack.
type StackResource struct {
	LogicalID  string `json:"LogicalId"`
	Type       string `json:"Type"`
	PhysicalID string `json:"PhysicalId"`
}

// DescribeOutput is DescribeStack's body.
type DescribeOutput struct {
	Stack Stack `json:"Stack"`
}

// ListOutput is ListStacks' body.
type ListOutput struct {
	StackNames []string `json:"StackNames"`
}
