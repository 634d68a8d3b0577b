package cfn

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
)

// call is one recorded provider call.
type call struct {
	Op         string // Create, Update, Delete
	Type       string
	LogicalID  string
	PhysicalID string
	Props      map[string]any
	OldProps   map[string]any
	Rollback   bool
}

func (c call) String() string {
	s := c.Op + " " + c.LogicalID
	if c.Rollback {
		s = "rollback " + s
	}
	return s
}

// fakeCloud is an in-memory cloud shared by the fake providers: it records
// every call, holds the live resources, and fails calls on demand.
type fakeCloud struct {
	mu    sync.Mutex
	calls []call
	live  map[string]map[string]any // physical ID → props
	seq   int
	// fail, if set, is consulted before each call; a non-nil error fails it.
	fail func(c call) error
}

func newFakeCloud() *fakeCloud { return &fakeCloud{live: map[string]map[string]any{}} }

func (fc *fakeCloud) record(ctx context.Context, c call) error {
	ri, _ := RequestFrom(ctx)
	c.LogicalID, c.Rollback = ri.LogicalID, ri.Rollback
	fc.mu.Lock()
	defer fc.mu.Unlock()
	fc.calls = append(fc.calls, c)
	if fc.fail != nil {
		return fc.fail(c)
	}
	return nil
}

func (fc *fakeCloud) Calls() []call {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return append([]call(nil), fc.calls...)
}

// Trace renders the calls as "Create A, Update B, rollback Delete A".
func (fc *fakeCloud) Trace() string {
	var s []string
	for _, c := range fc.Calls() {
		s = append(s, c.String())
	}
	return strings.Join(s, ", ")
}

func (fc *fakeCloud) Reset() {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	fc.calls = nil
}

func (fc *fakeCloud) Live() []string {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	var out []string
	for id := range fc.live {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// failOn fails the first call matching op and logical ID (op "" matches any).
func failOn(op, logicalID string) func(call) error {
	return func(c call) error {
		if (op == "" || c.Op == op) && c.LogicalID == logicalID && !c.Rollback {
			return fmt.Errorf("injected %s failure", strings.ToLower(c.Op))
		}
		return nil
	}
}

// fakeProvider implements Provider for one type.
type fakeProvider struct {
	fc  *fakeCloud
	typ string
	// phys computes the physical ID for a new resource; attrs the
	// attributes.
	phys  func(ctx context.Context, n int, props map[string]any) string
	attrs func(phys string, props map[string]any) map[string]any
}

func (p *fakeProvider) Create(ctx context.Context, props map[string]any) (string, map[string]any, error) {
	if err := p.fc.record(ctx, call{Op: "Create", Type: p.typ, Props: props}); err != nil {
		return "", nil, err
	}
	p.fc.mu.Lock()
	p.fc.seq++
	n := p.fc.seq
	p.fc.mu.Unlock()
	id := p.phys(ctx, n, props)
	p.fc.mu.Lock()
	p.fc.live[id] = copyMap(props)
	p.fc.mu.Unlock()
	return id, p.attrs(id, props), nil
}

func (p *fakeProvider) Update(ctx context.Context, phys string, oldProps, newProps map[string]any) (string, map[string]any, error) {
	if err := p.fc.record(ctx, call{Op: "Update", Type: p.typ, PhysicalID: phys, Props: newProps, OldProps: oldProps}); err != nil {
		return "", nil, err
	}
	p.fc.mu.Lock()
	defer p.fc.mu.Unlock()
	if _, ok := p.fc.live[phys]; !ok {
		return "", nil, fmt.Errorf("update %s: %w", phys, ErrNotFound)
	}
	p.fc.live[phys] = copyMap(newProps)
	return phys, p.attrs(phys, newProps), nil
}

func (p *fakeProvider) Delete(ctx context.Context, phys string, props map[string]any) error {
	if err := p.fc.record(ctx, call{Op: "Delete", Type: p.typ, PhysicalID: phys, Props: props}); err != nil {
		return err
	}
	p.fc.mu.Lock()
	defer p.fc.mu.Unlock()
	if _, ok := p.fc.live[phys]; !ok {
		return fmt.Errorf("delete %s: %w", phys, ErrNotFound)
	}
	delete(p.fc.live, phys)
	return nil
}

func str(props map[string]any, k string) string {
	s, _ := props[k].(string)
	return s
}

// testThing is a schema-less test type: Key is create-only; attributes
// Arn, Name, List and Nested.Deep.
const testThing = "Test::Res::Thing"

// newTestEngine returns an engine with fake providers for the built-in types
// and for Test::Res::Thing, an in-memory store and fixed IDs.
func newTestEngine(t testing.TB) (*Engine, *fakeCloud, *MemStore) {
	t.Helper()
	fc := newFakeCloud()
	reg := NewRegistry()
	gen := func(prefix string) func(context.Context, int, map[string]any) string {
		return func(_ context.Context, n int, _ map[string]any) string { return fmt.Sprintf("%s%d", prefix, n) }
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(reg.RegisterBuiltin("AWS::Cognito::IdentityPool", &fakeProvider{fc: fc, typ: "AWS::Cognito::IdentityPool",
		phys: gen("us-east-1:pool-"),
		attrs: func(phys string, props map[string]any) map[string]any {
			name := str(props, "IdentityPoolName")
			if name == "" {
				name = "generated-" + strings.TrimPrefix(phys, "us-east-1:")
			}
			return map[string]any{"Id": phys, "Name": name}
		}}))
	must(reg.RegisterBuiltin("AWS::Cognito::IdentityPoolRoleAttachment", &fakeProvider{fc: fc, typ: "AWS::Cognito::IdentityPoolRoleAttachment",
		phys:  func(_ context.Context, _ int, props map[string]any) string { return str(props, "IdentityPoolId") },
		attrs: func(phys string, _ map[string]any) map[string]any { return map[string]any{"Id": phys} }}))
	must(reg.RegisterBuiltin("AWS::Cognito::IdentityPoolPrincipalTag", &fakeProvider{fc: fc, typ: "AWS::Cognito::IdentityPoolPrincipalTag",
		phys: func(_ context.Context, _ int, props map[string]any) string {
			return str(props, "IdentityPoolId") + "|" + str(props, "IdentityProviderName")
		},
		attrs: func(string, map[string]any) map[string]any { return nil }}))
	must(reg.RegisterBuiltin("AWS::IAM::Role", &fakeProvider{fc: fc, typ: "AWS::IAM::Role",
		phys: func(ctx context.Context, n int, props map[string]any) string {
			if name := str(props, "RoleName"); name != "" {
				return name
			}
			ri, _ := RequestFrom(ctx)
			return ri.PhysicalName(fmt.Sprintf("R%011d", n), 64)
		},
		attrs: func(phys string, props map[string]any) map[string]any {
			path := str(props, "Path")
			if path == "" {
				path = "/"
			}
			return map[string]any{"Arn": "arn:aws:iam::123456789012:role" + path + phys, "RoleId": "AROA" + strings.ToUpper(phys)}
		}}))
	must(reg.RegisterBuiltin("AWS::IAM::OIDCProvider", &fakeProvider{fc: fc, typ: "AWS::IAM::OIDCProvider",
		phys: func(_ context.Context, _ int, props map[string]any) string {
			return "arn:aws:iam::123456789012:oidc-provider/" + strings.TrimPrefix(str(props, "Url"), "https://")
		},
		attrs: func(phys string, _ map[string]any) map[string]any { return map[string]any{"Arn": phys} }}))
	must(reg.RegisterBuiltin("AWS::IAM::SAMLProvider", &fakeProvider{fc: fc, typ: "AWS::IAM::SAMLProvider",
		phys: func(_ context.Context, _ int, props map[string]any) string {
			return "arn:aws:iam::123456789012:saml-provider/" + str(props, "Name")
		},
		attrs: func(phys string, _ map[string]any) map[string]any {
			return map[string]any{"Arn": phys, "SamlProviderUUID": "ABCDEFGHIJKLMNOPQRSTUVWX"}
		}}))
	must(reg.Register(TypeInfo{TypeName: testThing, CreateOnly: []string{"Key"}, Attributes: []string{"Arn", "Name", "List", "Nested.Deep"}},
		&fakeProvider{fc: fc, typ: testThing, phys: gen("thing-"),
			attrs: func(phys string, props map[string]any) map[string]any {
				name := str(props, "Name")
				if name == "" {
					name = phys
				}
				return map[string]any{"Arn": "arn:aws:test:::thing/" + phys, "Name": name, "List": []any{"a", "b", "c"}, "Nested.Deep": "deep"}
			}}))
	store := NewMemStore()
	e := &Engine{Registry: reg, Store: store, Region: "us-east-1", AccountID: "123456789012",
		NewID: func() string { return "00000000-0000-4000-8000-000000000001" }}
	return e, fc, store
}

func mustParse(t testing.TB, src string) *Template {
	t.Helper()
	tmpl, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, src)
	}
	return tmpl
}

func mustApply(t testing.TB, e *Engine, src string, params map[string]string) *Result {
	t.Helper()
	res, err := e.Apply(context.Background(), mustParse(t, src), Input{StackName: "test", Parameters: params})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return res
}

func stored(t testing.TB, s *MemStore, name string) *StackState {
	t.Helper()
	st, err := s.Get(context.Background(), name)
	if err != nil {
		t.Fatalf("Get %s: %v", name, err)
	}
	return st
}
