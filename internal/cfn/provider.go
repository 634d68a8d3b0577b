package cfn

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Provider creates, updates and deletes the resources of one type. The
// engine calls it sequentially, in dependency order, never concurrently for
// one stack.
//
// Properties are fully resolved (no intrinsic functions), validated against
// the type's schema and made of plain JSON values: map[string]any, []any,
// string, float64, bool. DecodeProps converts them into a typed struct. The
// maps belong to the provider for the duration of the call; the engine keeps
// its own copies.
//
// The physical ID is what Ref returns (for example the identity pool ID,
// the role name, or "poolId|providerName" for a principal-tag mapping).
// Attrs holds the Fn::GetAtt values by attribute name ("Arn", "Id"); values
// must be JSON-serialisable.
type Provider interface {
	// Create creates a resource and returns its physical ID and attributes.
	// RequestFrom(ctx) gives the stack and logical ID, which providers use
	// to generate a name when the template gives none.
	Create(ctx context.Context, props map[string]any) (physicalID string, attrs map[string]any, err error)
	// Update changes a resource in place. oldProps are the properties the
	// resource was last created or updated with. It returns the physical
	// ID ("" or the same one if unchanged) and the full set of attributes
	// (nil keeps the previous ones). The engine calls Update only when no
	// create-only property changed; the engine also calls it during
	// rollback, with oldProps and newProps swapped.
	Update(ctx context.Context, physicalID string, oldProps, newProps map[string]any) (newPhysicalID string, attrs map[string]any, err error)
	// Delete deletes a resource. A resource that is already gone is
	// reported by returning an error that wraps ErrNotFound (or nil).
	Delete(ctx context.Context, physicalID string, props map[string]any) error
}

// RequestInfo describes the stack operation a provider call is part of.
type RequestInfo struct {
	StackName    string
	StackID      string
	LogicalID    string
	ResourceType string
	Region       string
	AccountID    string
	Partition    string
	// Rollback is true when the call undoes an earlier call of the same
	// failed apply.
	Rollback bool
}

// PhysicalName returns a CloudFormation-style generated name,
// "<stack>-<logicalID>-<suffix>", shortened to at most maxLen characters
// by trimming the stack name and logical ID. suffix should be random (for
// example 12 upper-case letters and digits) so that a replacement gets a
// new name.
func (ri RequestInfo) PhysicalName(suffix string, maxLen int) string {
	stack, logical := ri.StackName, ri.LogicalID
	for len(stack)+len(logical)+len(suffix)+2 > maxLen && (len(stack) > 0 || len(logical) > 0) {
		if len(stack) >= len(logical) {
			stack = stack[:len(stack)-1]
		} else {
			logical = logical[:len(logical)-1]
		}
	}
	parts := make([]string, 0, 3)
	for _, p := range []string{stack, logical, suffix} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	name := strings.Join(parts, "-")
	if len(name) > maxLen {
		name = name[:maxLen]
	}
	return name
}

type requestKey struct{}

// RequestFrom returns the RequestInfo of a provider call.
func RequestFrom(ctx context.Context) (RequestInfo, bool) {
	ri, ok := ctx.Value(requestKey{}).(RequestInfo)
	return ri, ok
}

func withRequest(ctx context.Context, ri RequestInfo) context.Context {
	return context.WithValue(ctx, requestKey{}, ri)
}

// Registry maps resource types to their TypeInfo and Provider. It is safe
// for concurrent use.
type Registry struct {
	mu    sync.RWMutex
	types map[string]registration
}

type registration struct {
	info TypeInfo
	p    Provider
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{types: map[string]registration{}} }

// Register adds a provider for info.TypeName. Registering a type twice is an
// error.
func (r *Registry) Register(info TypeInfo, p Provider) error {
	if info.TypeName == "" || p == nil {
		return fmt.Errorf("cfn: Register needs a type name and a provider")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.types[info.TypeName]; dup {
		return fmt.Errorf("cfn: type %s registered twice", info.TypeName)
	}
	r.types[info.TypeName] = registration{info: info, p: p}
	return nil
}

// RegisterBuiltin adds a provider for a type whose schema is embedded (see
// BuiltinTypes).
func (r *Registry) RegisterBuiltin(typeName string, p Provider) error {
	info, err := BuiltinTypeInfo(typeName)
	if err != nil {
		return err
	}
	return r.Register(info, p)
}

// Lookup returns the registration of a type.
func (r *Registry) Lookup(typeName string) (TypeInfo, Provider, bool) {
	if r == nil {
		return TypeInfo{}, nil, false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	reg, ok := r.types[typeName]
	return reg.info, reg.p, ok
}

// Types lists the registered types, sorted.
func (r *Registry) Types() []string {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.types))
	for t := range r.types {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
