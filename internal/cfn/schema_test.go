package cfn

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"testing"
)

func TestBuiltinTypeInfo(t *testing.T) {
	want := map[string]struct {
		createOnly, attrs, primary []string
	}{
		"AWS::Cognito::IdentityPool":               {nil, []string{"Id", "Name"}, []string{"Id"}},
		"AWS::Cognito::IdentityPoolRoleAttachment": {[]string{"IdentityPoolId"}, []string{"Id"}, []string{"Id"}},
		"AWS::Cognito::IdentityPoolPrincipalTag":   {[]string{"IdentityPoolId", "IdentityProviderName"}, []string{}, []string{"IdentityPoolId", "IdentityProviderName"}},
		"AWS::IAM::OIDCProvider":                   {[]string{"Url"}, []string{"Arn"}, []string{"Arn"}},
		"AWS::IAM::SAMLProvider":                   {[]string{"Name", "AddPrivateKey", "RemovePrivateKey"}, []string{"Arn", "SamlProviderUUID"}, []string{"Arn"}},
		"AWS::IAM::Role":                           {[]string{"Path", "RoleName"}, []string{"Arn", "RoleId"}, []string{"RoleName"}},
	}
	var names []string
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	if got := BuiltinTypes(); !reflect.DeepEqual(got, names) {
		t.Fatalf("BuiltinTypes %v, want %v", got, names)
	}
	for name, w := range want {
		ti, err := BuiltinTypeInfo(name)
		if err != nil {
			t.Fatal(err)
		}
		if ti.TypeName != name || !reflect.DeepEqual(ti.CreateOnly, w.createOnly) || !reflect.DeepEqual(ti.Attributes, w.attrs) || !reflect.DeepEqual(ti.PrimaryIdentifier, w.primary) {
			t.Errorf("%s: %+v", name, ti)
		}
		if ti.schema == nil {
			t.Errorf("%s: no schema", name)
		}
	}
	if _, err := BuiltinTypeInfo("AWS::S3::Bucket"); err == nil {
		t.Error("no error for a type without schema")
	}
}

func TestTypeInfoFromSchema(t *testing.T) {
	schema := `{
  "typeName": "Test::Nested::Thing",
  "definitions": {
    "Node": {"type": "object", "additionalProperties": false,
             "properties": {"Name": {"type": "string"}, "Child": {"$ref": "#/definitions/Node"}}},
    "Mode": {"type": "string", "enum": ["A", "B"]}
  },
  "properties": {
    "Tree": {"$ref": "#/definitions/Node"},
    "Mode": {"$ref": "#/definitions/Mode"},
    "Count": {"type": "integer"},
    "Ratio": {"type": "number"},
    "Any": {"oneOf": [{"type": "string"}, {"type": "object"}]},
    "Out": {"type": "object", "properties": {"Host": {"type": "string"}}},
    "Items": {"type": "array", "items": {"type": "object", "properties": {"K": {"type": "string"}}}}
  },
  "additionalProperties": false,
  "required": ["Mode"],
  "readOnlyProperties": ["/properties/Out/Host", "/properties/Items/*/K"],
  "createOnlyProperties": ["/properties/Tree/Name", "/properties/Items/*/K"],
  "primaryIdentifier": ["/properties/Mode"]
}`
	ti, err := TypeInfoFromSchema([]byte(schema))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ti.Attributes, []string{"Out.Host"}) || !reflect.DeepEqual(ti.CreateOnly, []string{"Tree/Name", "Items/*/K"}) {
		t.Fatalf("info %+v", ti)
	}
	cases := []struct {
		props   string
		wantErr string
		want    string
	}{
		{`{"Mode": "A", "Count": "3", "Ratio": "0.5", "Tree": {"Name": 1, "Child": {"Name": "c"}}, "Any": [1]}`, "", `{"Mode":"A","Count":3,"Ratio":0.5,"Tree":{"Name":"1","Child":{"Name":"c"}},"Any":[1]}`},
		{`{"Mode": "C"}`, `P.Mode: value "C" is not one of [A, B]`, ""},
		{`{"Mode": "A", "Count": "3.5"}`, `P.Count: expected an integer, got "3.5"`, ""},
		{`{"Mode": "A", "Count": true}`, `P.Count: expected an integer, got a boolean`, ""},
		{`{"Mode": "A", "Tree": {"Child": {"name": "x"}}}`, `P.Tree.Child: unsupported property "name" (did you mean "Name"?)`, ""},
		{`{}`, `P: required property "Mode" is missing`, ""},
		{`{"Mode": "A", "Tree": "x"}`, `P.Tree: expected an object, got "x"`, ""},
		{`{"Mode": "A", "Items": {}}`, `P.Items: expected a list, got an object`, ""},
	}
	for _, c := range cases {
		var props map[string]any
		if err := json.Unmarshal([]byte(c.props), &props); err != nil {
			t.Fatal(err)
		}
		got, err := ti.checkProperties("P", props)
		if c.wantErr != "" {
			if err == nil || err.Error() != c.wantErr {
				t.Errorf("%s: error %v, want %q", c.props, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.props, err)
			continue
		}
		var want any
		_ = json.Unmarshal([]byte(c.want), &want)
		if !equal(got, want) {
			t.Errorf("%s: got %v, want %s", c.props, got, c.want)
		}
	}

	// Create-only paths inside lists compare the whole list.
	old := map[string]any{"Mode": "A", "Items": []any{map[string]any{"K": "a"}}, "Tree": map[string]any{"Name": "n"}}
	d := decide(ti, old, map[string]any{"Mode": "A", "Items": []any{map[string]any{"K": "b"}}, "Tree": map[string]any{"Name": "n"}})
	if d.action != ActionReplace || !reflect.DeepEqual(d.createOnly, []string{"Items.*.K"}) {
		t.Errorf("decision %+v", d)
	}
	d = decide(ti, old, map[string]any{"Mode": "B", "Items": []any{map[string]any{"K": "a"}}, "Tree": map[string]any{"Name": "n"}})
	if d.action != ActionUpdate || !reflect.DeepEqual(d.paths, []string{"Mode"}) {
		t.Errorf("decision %+v", d)
	}
	d = decide(ti, old, map[string]any{"Mode": "A", "Items": []any{map[string]any{"K": "a"}}, "Tree": map[string]any{"Name": &unknown{"x"}}})
	if d.action != ActionReplace || !d.conditional || !reflect.DeepEqual(d.dynamic, []string{"Tree.Name"}) {
		t.Errorf("decision %+v", d)
	}

	for _, bad := range []string{`{`, `{"properties": {}}`, `{"typeName": "X::Y::Z", "properties": {"A": {"$ref": "#/definitions/Missing"}}}`} {
		if _, err := TypeInfoFromSchema([]byte(bad)); err == nil {
			t.Errorf("TypeInfoFromSchema(%s): no error", bad)
		}
	}
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	p := &fakeProvider{}
	if err := r.RegisterBuiltin("AWS::IAM::Role", p); err != nil {
		t.Fatal(err)
	}
	if err := r.RegisterBuiltin("AWS::IAM::Role", p); err == nil {
		t.Error("registered twice")
	}
	if err := r.Register(TypeInfo{}, p); err == nil {
		t.Error("registered without a name")
	}
	if err := r.RegisterBuiltin("AWS::S3::Bucket", p); err == nil {
		t.Error("registered a type without a schema")
	}
	if _, got, ok := r.Lookup("AWS::IAM::Role"); !ok || got != p {
		t.Error("Lookup")
	}
	if !reflect.DeepEqual(r.Types(), []string{"AWS::IAM::Role"}) {
		t.Errorf("Types %v", r.Types())
	}
}

func TestMemStoreCAS(t *testing.T) {
	ctx := context.Background()
	s := NewMemStore()
	if _, err := s.Get(ctx, "x"); !errors.Is(err, ErrStackNotFound) {
		t.Fatalf("Get missing: %v", err)
	}
	st := &StackState{Name: "x", Resources: map[string]ResourceState{"A": {Type: "T", Props: map[string]any{"n": 1}}}}
	if err := s.Put(ctx, st, 1); !errors.Is(err, ErrConflict) {
		t.Fatalf("Put with a wrong version: %v", err)
	}
	if err := s.Put(ctx, st, 0); err != nil || st.Version != 1 {
		t.Fatalf("Put: %v, version %d", err, st.Version)
	}
	if err := s.Put(ctx, st, 0); !errors.Is(err, ErrConflict) {
		t.Fatalf("second create: %v", err)
	}
	got, err := s.Get(ctx, "x")
	if err != nil || got.Version != 1 || got.Resources["A"].Props["n"] != 1.0 {
		t.Fatalf("Get: %+v %v", got, err)
	}
	got.Resources["A"].Props["n"] = 2 // no aliasing
	if again, _ := s.Get(ctx, "x"); again.Resources["A"].Props["n"] != 1.0 {
		t.Error("store aliases returned state")
	}
	if err := s.Put(ctx, &StackState{Name: "x", Resources: map[string]ResourceState{"A": {Props: map[string]any{"f": func() {}}}}}, 1); err == nil {
		t.Error("non-JSON state stored")
	}
	if err := s.Delete(ctx, "x", 2); !errors.Is(err, ErrConflict) {
		t.Fatalf("Delete with a wrong version: %v", err)
	}
	if err := s.Delete(ctx, "x", 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "x", 1); !errors.Is(err, ErrStackNotFound) {
		t.Fatalf("Delete missing: %v", err)
	}
}

// numberStore returns numbers as json.Number, like a store decoding with
// UseNumber: comparisons must not be affected.
type numberStore struct{ *MemStore }

func (n numberStore) Get(ctx context.Context, name string) (*StackState, error) {
	st, err := n.MemStore.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	for id, r := range st.Resources {
		for k, v := range r.Props {
			if f, ok := v.(float64); ok {
				r.Props[k] = json.Number(json.Number(formatFloat(f)))
			}
		}
		st.Resources[id] = r
	}
	return st, nil
}

func formatFloat(f float64) string { s, _ := scalarString(f); return s }

func TestStateNumbersFromAnyDecoder(t *testing.T) {
	e, fc, store := newTestEngine(t)
	e.Store = numberStore{store}
	src := "Resources:\n  R: {Type: AWS::IAM::Role, Properties: {MaxSessionDuration: 3600, AssumeRolePolicyDocument: {}}}\n"
	mustApply(t, e, src, nil)
	fc.Reset()
	mustApply(t, e, src, nil)
	if len(fc.Calls()) != 0 {
		t.Fatalf("json.Number state caused %s", fc.Trace())
	}
}

func TestDecodeProps(t *testing.T) {
	var v struct {
		Name  string `json:"IdentityPoolName"`
		Allow bool   `json:"AllowUnauthenticatedIdentities"`
		Max   int    `json:"MaxSessionDuration"`
	}
	err := DecodeProps(map[string]any{"IdentityPoolName": "p", "AllowUnauthenticatedIdentities": true, "MaxSessionDuration": 3600.0}, &v)
	if err != nil || v.Name != "p" || !v.Allow || v.Max != 3600 {
		t.Fatalf("%+v %v", v, err)
	}
}
