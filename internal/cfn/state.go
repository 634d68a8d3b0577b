package cfn

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// StackState is what the engine remembers about a stack between applies. It
// is JSON-serialisable; a StateStore persists it.
type StackState struct {
	Name    string `json:"name"`
	StackID string `json:"stackId"`
	// Version is maintained by the StateStore for compare-and-swap: 0 for a
	// stack never stored, then 1, 2, ...
	Version      int64                    `json:"version"`
	TemplateHash string                   `json:"templateHash"`
	Parameters   map[string]string        `json:"parameters,omitempty"` // NoEcho values masked
	Resources    map[string]ResourceState `json:"resources"`
	Outputs      []Output                 `json:"outputs,omitempty"`
	// Orphans are resources that a stack update removed or replaced but
	// could not delete; the next Apply or DeleteStack retries them.
	Orphans []ResourceState `json:"orphans,omitempty"`
	// Lock is set while an Apply or DeleteStack works on the stack.
	Lock      *Lock     `json:"lock,omitempty"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Lock marks a stack that an apply or a delete is changing. It is stored
// with a compare-and-swap before the first provider call and removed when
// the operation ends, so that two processes never change one stack at the
// same time (the second fails with ErrConflict instead of undoing the
// first one's work during its rollback). A lock older than
// Engine.LockTimeout is taken to be left by a crashed process and is taken
// over.
type Lock struct {
	ID        string    `json:"id"`
	Operation string    `json:"operation"` // "apply" or "delete"
	StartedAt time.Time `json:"startedAt"`
}

// ResourceState is one resource as last created or updated.
type ResourceState struct {
	LogicalID  string         `json:"logicalId"`
	Type       string         `json:"type"`
	PhysicalID string         `json:"physicalId"`
	Props      map[string]any `json:"props,omitempty"` // resolved properties
	Attrs      map[string]any `json:"attrs,omitempty"` // Fn::GetAtt values
	// DependsOn lists the logical IDs this resource depended on when it
	// was applied, so that deletes run in reverse order without the
	// template.
	DependsOn           []string `json:"dependsOn,omitempty"`
	DeletionPolicy      string   `json:"deletionPolicy,omitempty"`
	UpdateReplacePolicy string   `json:"updateReplacePolicy,omitempty"`
}

// Output is an evaluated template output.
type Output struct {
	Name        string `json:"name"`
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
	ExportName  string `json:"exportName,omitempty"`
}

// StateStore persists stack states. Implementations must be safe for
// concurrent use.
type StateStore interface {
	// Get returns the state of a stack, or an error wrapping
	// ErrStackNotFound.
	Get(ctx context.Context, name string) (*StackState, error)
	// Put stores st if the stored version equals expectedVersion (0: the
	// stack must not exist yet), then sets st.Version to
	// expectedVersion+1. A mismatch returns an error wrapping ErrConflict
	// and stores nothing.
	Put(ctx context.Context, st *StackState, expectedVersion int64) error
	// Delete removes a stack's state if its version equals
	// expectedVersion; a mismatch returns an error wrapping ErrConflict.
	Delete(ctx context.Context, name string, expectedVersion int64) error
}

// MemStore is an in-memory StateStore. It stores JSON encodings, so what it
// returns never aliases what it was given, exactly like a database.
type MemStore struct {
	mu     sync.Mutex
	stacks map[string][]byte
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{stacks: map[string][]byte{}} }

// Get implements StateStore.
func (m *MemStore) Get(_ context.Context, name string) (*StackState, error) {
	m.mu.Lock()
	b, ok := m.stacks[name]
	m.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("stack %q: %w", name, ErrStackNotFound)
	}
	var st StackState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// Put implements StateStore.
func (m *MemStore) Put(_ context.Context, st *StackState, expectedVersion int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var cur int64
	if b, ok := m.stacks[st.Name]; ok {
		var old StackState
		if err := json.Unmarshal(b, &old); err != nil {
			return err
		}
		cur = old.Version
	}
	if cur != expectedVersion {
		return fmt.Errorf("stack %q: version %d, expected %d: %w", st.Name, cur, expectedVersion, ErrConflict)
	}
	cp := *st
	cp.Version = expectedVersion + 1
	b, err := json.Marshal(&cp)
	if err != nil {
		return fmt.Errorf("stack %q: state is not JSON-serialisable: %w", st.Name, err)
	}
	m.stacks[st.Name] = b
	st.Version = cp.Version
	return nil
}

// Delete implements StateStore.
func (m *MemStore) Delete(_ context.Context, name string, expectedVersion int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.stacks[name]
	if !ok {
		return fmt.Errorf("stack %q: %w", name, ErrStackNotFound)
	}
	var old StackState
	if err := json.Unmarshal(b, &old); err != nil {
		return err
	}
	if old.Version != expectedVersion {
		return fmt.Errorf("stack %q: version %d, expected %d: %w", name, old.Version, expectedVersion, ErrConflict)
	}
	delete(m.stacks, name)
	return nil
}

// Names lists the stored stacks (unsorted).
func (m *MemStore) Names() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.stacks))
	for n := range m.stacks {
		out = append(out, n)
	}
	return out
}

// normalizeState makes a loaded state comparable with freshly evaluated
// values whatever JSON decoder the store used.
func normalizeState(st *StackState) {
	if st.Resources == nil {
		st.Resources = map[string]ResourceState{}
	}
	for id, r := range st.Resources {
		r.LogicalID = id
		r.Props = normalizeMap(r.Props)
		r.Attrs = normalizeMap(r.Attrs)
		st.Resources[id] = r
	}
	for i := range st.Orphans {
		st.Orphans[i].Props = normalizeMap(st.Orphans[i].Props)
		st.Orphans[i].Attrs = normalizeMap(st.Orphans[i].Attrs)
	}
}

// DecodeProps converts resolved properties (or attributes) into a typed
// value, through JSON, so that providers can declare a struct with json tags
// instead of walking maps.
func DecodeProps(props map[string]any, v any) error {
	b, err := json.Marshal(props)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
