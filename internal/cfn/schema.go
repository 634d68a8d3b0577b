package cfn

import (
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

//go:embed schemas/*.json
var schemaFS embed.FS

// TypeInfo is what the engine needs to know about a resource type.
type TypeInfo struct {
	// TypeName is the CloudFormation type, such as AWS::Cognito::IdentityPool.
	TypeName string
	// CreateOnly lists the property paths whose change forces replacement,
	// relative to Properties, "/"-separated when nested ("IdentityPoolId",
	// "Config/Name"). A "*" segment stands for every list element.
	CreateOnly []string
	// Attributes lists the valid Fn::GetAtt names ("Arn", "Id", nested ones
	// dotted). Nil accepts any name; the provider must then return it.
	Attributes []string
	// ReadOnly lists the properties a template may not set (they are
	// attributes), as top-level names or "/"-separated paths.
	ReadOnly []string
	// WriteOnly lists properties that the service does not return.
	WriteOnly []string
	// Required lists required top-level properties.
	Required []string
	// PrimaryIdentifier lists the properties that make up the physical ID,
	// in order; a compound ID is joined with "|".
	PrimaryIdentifier []string

	schema *propSchema // property validation and coercion; nil = none
}

// HasAttribute reports whether name is a valid Fn::GetAtt attribute.
func (ti TypeInfo) HasAttribute(name string) bool {
	if ti.Attributes == nil {
		return true
	}
	for _, a := range ti.Attributes {
		if a == name {
			return true
		}
	}
	return false
}

// BuiltinTypes lists the resource types whose registry schemas are embedded
// in the package, sorted.
func BuiltinTypes() []string {
	entries, _ := schemaFS.ReadDir("schemas")
	var out []string
	for _, e := range entries {
		out = append(out, strings.ReplaceAll(strings.TrimSuffix(e.Name(), ".json"), "_", "::"))
	}
	sort.Strings(out)
	return out
}

// BuiltinSchema returns the embedded CloudFormation registry schema of a
// type, as JSON.
func BuiltinSchema(typeName string) ([]byte, bool) {
	b, err := schemaFS.ReadFile(path.Join("schemas", strings.ReplaceAll(typeName, "::", "_")+".json"))
	return b, err == nil
}

// BuiltinTypeInfo derives TypeInfo from the embedded schema of a type.
func BuiltinTypeInfo(typeName string) (TypeInfo, error) {
	b, ok := BuiltinSchema(typeName)
	if !ok {
		return TypeInfo{}, fmt.Errorf("cfn: no embedded schema for %s (have %s)", typeName, strings.Join(BuiltinTypes(), ", "))
	}
	return TypeInfoFromSchema(b)
}

// TypeInfoFromSchema derives TypeInfo from a CloudFormation resource
// provider schema (the registry format): createOnlyProperties become
// CreateOnly, readOnlyProperties become Attributes (the Fn::GetAtt names)
// and ReadOnly, primaryIdentifier becomes PrimaryIdentifier. The property
// definitions are kept to validate and coerce resolved properties the way
// CloudFormation does: "true" becomes true for a boolean, 3 becomes "3" for
// a string, unknown properties and missing required ones are errors.
func TypeInfoFromSchema(schemaJSON []byte) (TypeInfo, error) {
	var raw struct {
		TypeName          string                     `json:"typeName"`
		Properties        map[string]json.RawMessage `json:"properties"`
		Definitions       map[string]json.RawMessage `json:"definitions"`
		Required          []string                   `json:"required"`
		Additional        *bool                      `json:"additionalProperties"`
		CreateOnly        []string                   `json:"createOnlyProperties"`
		ReadOnly          []string                   `json:"readOnlyProperties"`
		WriteOnly         []string                   `json:"writeOnlyProperties"`
		PrimaryIdentifier []string                   `json:"primaryIdentifier"`
	}
	if err := json.Unmarshal(schemaJSON, &raw); err != nil {
		return TypeInfo{}, fmt.Errorf("cfn: resource schema: %w", err)
	}
	if raw.TypeName == "" {
		return TypeInfo{}, fmt.Errorf("cfn: resource schema has no typeName")
	}
	ti := TypeInfo{TypeName: raw.TypeName, Required: raw.Required, Attributes: []string{}}
	for _, p := range raw.CreateOnly {
		ti.CreateOnly = append(ti.CreateOnly, propPath(p))
	}
	for _, p := range raw.ReadOnly {
		pp := propPath(p)
		ti.ReadOnly = append(ti.ReadOnly, pp)
		if !strings.Contains(pp, "*") {
			ti.Attributes = append(ti.Attributes, strings.ReplaceAll(pp, "/", "."))
		}
	}
	for _, p := range raw.WriteOnly {
		ti.WriteOnly = append(ti.WriteOnly, propPath(p))
	}
	for _, p := range raw.PrimaryIdentifier {
		ti.PrimaryIdentifier = append(ti.PrimaryIdentifier, propPath(p))
	}
	b := &schemaBuilder{defs: raw.Definitions, built: map[string]*propSchema{}}
	top := &propSchema{types: []string{"object"}, props: map[string]*propSchema{}, required: raw.Required, additional: raw.Additional}
	for name, rm := range raw.Properties {
		s, err := b.build(rm)
		if err != nil {
			return TypeInfo{}, fmt.Errorf("cfn: resource schema %s: property %s: %w", raw.TypeName, name, err)
		}
		top.props[name] = s
	}
	ti.schema = top
	return ti, nil
}

func propPath(p string) string { return strings.TrimPrefix(p, "/properties/") }

// propSchema is the subset of JSON Schema that resource schemas use and that
// the engine checks: types, nested properties, items, required, enum.
type propSchema struct {
	types      []string
	props      map[string]*propSchema
	patterns   []patternSchema
	additional *bool
	items      *propSchema
	required   []string
	enum       []string
	opaque     bool // oneOf/anyOf/allOf: not checked below this point
}

type patternSchema struct {
	re *regexp.Regexp
	s  *propSchema
}

type schemaBuilder struct {
	defs  map[string]json.RawMessage
	built map[string]*propSchema
}

func (b *schemaBuilder) build(rm json.RawMessage) (*propSchema, error) {
	var raw struct {
		Ref        string                     `json:"$ref"`
		Type       json.RawMessage            `json:"type"`
		Properties map[string]json.RawMessage `json:"properties"`
		Patterns   map[string]json.RawMessage `json:"patternProperties"`
		Additional json.RawMessage            `json:"additionalProperties"`
		Items      json.RawMessage            `json:"items"`
		Required   []string                   `json:"required"`
		Enum       []any                      `json:"enum"`
		OneOf      json.RawMessage            `json:"oneOf"`
		AnyOf      json.RawMessage            `json:"anyOf"`
		AllOf      json.RawMessage            `json:"allOf"`
	}
	if err := json.Unmarshal(rm, &raw); err != nil {
		return nil, err
	}
	if raw.Ref != "" {
		name, ok := strings.CutPrefix(raw.Ref, "#/definitions/")
		if !ok {
			return &propSchema{opaque: true}, nil
		}
		if s, ok := b.built[name]; ok {
			return s, nil
		}
		def, ok := b.defs[name]
		if !ok {
			return nil, fmt.Errorf("unknown definition %q", name)
		}
		s := &propSchema{}
		b.built[name] = s // placeholder first: definitions may be recursive
		built, err := b.build(def)
		if err != nil {
			return nil, err
		}
		*s = *built
		return s, nil
	}
	s := &propSchema{required: raw.Required}
	if len(raw.OneOf) > 0 || len(raw.AnyOf) > 0 || len(raw.AllOf) > 0 {
		s.opaque = true
	}
	if len(raw.Type) > 0 {
		var one string
		if err := json.Unmarshal(raw.Type, &one); err == nil {
			s.types = []string{one}
		} else if err := json.Unmarshal(raw.Type, &s.types); err != nil {
			return nil, fmt.Errorf("bad type: %s", raw.Type)
		}
	}
	if len(raw.Properties) > 0 {
		s.props = map[string]*propSchema{}
		for k, v := range raw.Properties {
			ps, err := b.build(v)
			if err != nil {
				return nil, err
			}
			s.props[k] = ps
		}
	}
	for _, pat := range sortedKeys(raw.Patterns) {
		re, err := regexp.Compile(pat)
		if err != nil {
			s.opaque = true
			continue
		}
		ps, err := b.build(raw.Patterns[pat])
		if err != nil {
			return nil, err
		}
		s.patterns = append(s.patterns, patternSchema{re: re, s: ps})
	}
	if len(raw.Additional) > 0 {
		var ab bool
		if err := json.Unmarshal(raw.Additional, &ab); err == nil {
			s.additional = &ab
		}
	}
	if len(raw.Items) > 0 && raw.Items[0] == '{' {
		is, err := b.build(raw.Items)
		if err != nil {
			return nil, err
		}
		s.items = is
	}
	for _, e := range raw.Enum {
		if es, ok := scalarString(e); ok {
			s.enum = append(s.enum, es)
		}
	}
	return s, nil
}

// checkProperties validates and coerces resolved properties against the
// type's schema. path is "Resources.<ID>.Properties". Unknown values (plan
// mode) pass unchecked.
func (ti TypeInfo) checkProperties(path string, props map[string]any) (map[string]any, error) {
	for _, ro := range ti.ReadOnly {
		if strings.Contains(ro, "/") {
			continue
		}
		if _, ok := props[ro]; ok {
			return nil, errorf(joinPath(path, ro), "%s is a read-only property of %s; read it with Fn::GetAtt instead of setting it", ro, ti.TypeName)
		}
	}
	return ti.validate(path, props)
}

func (s *propSchema) hasType(t string) bool {
	for _, x := range s.types {
		if x == t {
			return true
		}
	}
	return false
}

func (s *propSchema) coerce(path string, v any, typeName string) (any, error) {
	if s == nil || s.opaque || isUnknown(v) {
		return v, nil
	}
	types := s.types
	if len(types) == 0 && (s.props != nil || s.patterns != nil) {
		types = []string{"object"}
	}
	var out any = v
	switch {
	case len(types) == 1:
		var err error
		out, err = coerceType(path, types[0], v)
		if err != nil {
			return nil, err
		}
	case len(types) > 1:
		matched := false
		for _, t := range types {
			if typeMatches(t, v) {
				matched = true
				break
			}
		}
		if !matched {
			if s.hasType("string") {
				if str, ok := scalarString(v); ok {
					out, matched = str, true
				}
			}
			if !matched {
				return nil, errorf(path, "expected %s, got %s", strings.Join(types, " or "), kindOf(v))
			}
		}
	}
	if len(s.enum) > 0 {
		if str, ok := scalarString(out); ok {
			found := false
			for _, e := range s.enum {
				if e == str {
					found = true
					break
				}
			}
			if !found {
				return nil, errorf(path, "value %q is not one of [%s]", str, strings.Join(s.enum, ", "))
			}
		}
	}
	switch x := out.(type) {
	case map[string]any:
		if s.props == nil && s.patterns == nil && s.required == nil && (s.additional == nil || *s.additional) {
			return x, nil // a free-form JSON object
		}
		res := make(map[string]any, len(x))
		for _, k := range sortedKeys(x) {
			kp := joinPath(path, k)
			sub, ok := s.props[k]
			if !ok {
				for _, p := range s.patterns {
					if p.re.MatchString(k) {
						sub, ok = p.s, true
						break
					}
				}
			}
			if !ok && s.additional != nil && !*s.additional {
				return nil, errorf(path, "unsupported property %q%s", k, suggest(k, s.props, typeName))
			}
			cv, err := sub.coerce(kp, x[k], typeName)
			if err != nil {
				return nil, err
			}
			res[k] = cv
		}
		for _, r := range s.required {
			if _, ok := res[r]; !ok {
				return nil, errorf(path, "required property %q is missing", r)
			}
		}
		return res, nil
	case []any:
		if s.items == nil {
			return x, nil
		}
		res := make([]any, len(x))
		for i, e := range x {
			cv, err := s.items.coerce(fmt.Sprintf("%s[%d]", path, i), e, typeName)
			if err != nil {
				return nil, err
			}
			res[i] = cv
		}
		return res, nil
	}
	return out, nil
}

func suggest(k string, props map[string]*propSchema, typeName string) string {
	for name := range props {
		if strings.EqualFold(name, k) {
			return fmt.Sprintf(" (did you mean %q?)", name)
		}
	}
	if typeName != "" && props != nil {
		return " for " + typeName
	}
	return ""
}

func typeMatches(t string, v any) bool {
	switch t {
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "integer", "number":
		if _, ok := v.(string); ok {
			return false
		}
		_, ok := scalarString(v)
		_, isBool := v.(bool)
		return ok && !isBool
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "null":
		return v == nil
	}
	return true
}

// coerceType converts v to the schema type t the way CloudFormation does
// for values that arrive as strings (parameters, Fn::Sub) or as numbers.
func coerceType(path, t string, v any) (any, error) {
	switch t {
	case "string":
		if s, ok := scalarString(v); ok {
			return s, nil
		}
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			switch strings.ToLower(x) {
			case "true":
				return true, nil
			case "false":
				return false, nil
			}
		}
	case "integer", "number":
		if _, isBool := v.(bool); !isBool {
			if s, ok := scalarString(v); ok {
				f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
				if err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) && (t == "number" || f == math.Trunc(f)) {
					return f, nil
				}
			}
		}
	case "object":
		if _, ok := v.(map[string]any); ok {
			return v, nil
		}
	case "array":
		if _, ok := v.([]any); ok {
			return v, nil
		}
	default:
		return v, nil
	}
	want := map[string]string{"string": "a string", "boolean": "a boolean", "integer": "an integer", "number": "a number", "object": "an object", "array": "a list"}[t]
	if s, ok := v.(string); ok {
		return nil, errorf(path, "expected %s, got %q", want, s)
	}
	return nil, errorf(path, "expected %s, got %s", want, kindOf(v))
}

// ValidateModel validates and coerces a resource model given outside a
// template (Cloud Control's DesiredState, or a patched model): the checks
// applied to a template's Properties, with paths rooted at "#". Read-only
// properties must have been removed by the caller.
func (ti TypeInfo) ValidateModel(props map[string]any) (map[string]any, error) {
	return ti.validate("#", props)
}

func (ti TypeInfo) validate(path string, props map[string]any) (map[string]any, error) {
	if ti.schema == nil {
		for _, r := range ti.Required {
			if _, ok := props[r]; !ok {
				return nil, errorf(path, "required property %q is missing", r)
			}
		}
		return props, nil
	}
	out, err := ti.schema.coerce(path, props, ti.TypeName)
	if err != nil {
		return nil, err
	}
	m, _ := out.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}
