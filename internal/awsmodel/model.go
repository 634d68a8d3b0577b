package awsmodel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Shape types as they appear in botocore models.
const (
	TypeStructure  = "structure"
	TypeList       = "list"
	TypeMap        = "map"
	TypeString     = "string"
	TypeInteger    = "integer"
	TypeLong       = "long"
	TypeBoolean    = "boolean"
	TypeFloat      = "float"
	TypeDouble     = "double"
	TypeTimestamp  = "timestamp"
	TypeBlob       = "blob"
	TypeBigInteger = "biginteger"
	TypeBigDecimal = "bigdecimal"
)

// Service is a parsed botocore service model. It is immutable after Load and
// safe for concurrent use.
type Service struct {
	// Metadata is the model's "metadata" object.
	Metadata Metadata

	ops       map[string]*Operation
	opNames   []string
	shapes    map[string]*Shape
	unchecked []string
}

// Metadata is the subset of a model's metadata that servers need.
type Metadata struct {
	APIVersion       string   `json:"apiVersion"`
	EndpointPrefix   string   `json:"endpointPrefix"`
	JSONVersion      string   `json:"jsonVersion"`
	Protocol         string   `json:"protocol"`
	Protocols        []string `json:"protocols"`
	ServiceFullName  string   `json:"serviceFullName"`
	ServiceID        string   `json:"serviceId"`
	SignatureVersion string   `json:"signatureVersion"`
	SigningName      string   `json:"signingName"`
	TargetPrefix     string   `json:"targetPrefix"`
	UID              string   `json:"uid"`
}

// Operation is one operation of a service.
type Operation struct {
	// Name is the operation name, e.g. "GetId".
	Name string
	// InputShape and OutputShape are nil when the operation has none.
	InputShape  *Shape
	OutputShape *Shape
	// AuthNone is true when the operation may be called unsigned: the model
	// has "authtype": "none" or lists "smithy.api#noAuth" in "auth".
	AuthNone bool
	// Errors are the names of the modeled error shapes, in model order.
	Errors []string
}

// Shape is one shape of a model. Constraint fields are zero when the model
// does not set them.
type Shape struct {
	Name string
	// Type is one of the Type* constants (or another botocore type name,
	// which Check accepts without looking at the value).
	Type string
	// Members of a structure, in model order.
	Members []*Member
	// Key and Value are the shapes of a map; Elem is the element of a list.
	Key, Value, Elem *Shape
	// Min and Max bound the length of a string (UTF-16 code units), list,
	// map or blob, or the value of a number.
	Min, Max *Bound
	// Pattern is the Java regular expression a string must match entirely,
	// verbatim from the model.
	Pattern string
	// Enum lists the allowed values of a string, in model order.
	Enum []string
	// Sensitive marks shapes whose values are never echoed in messages.
	Sensitive bool
	// Exception marks error shapes.
	Exception bool

	re        *regexp.Regexp // nil when Pattern is empty or not supported
	byWire    map[string]*Member
	hashOrder []int // member visiting order, see order.go
	checks    []string
}

// Bound is a min or max of a shape, kept both as a number and as the text
// of the model so messages print it exactly as AWS does.
type Bound struct {
	Value float64
	Text  string
}

// Member is a member of a structure.
type Member struct {
	// Name is the member name in the model, e.g. "IdentityPoolId".
	Name string
	// WireName is the JSON key: the member's locationName if it has one,
	// otherwise Name.
	WireName string
	// Path is the name used in validation messages: LowerFirst(Name).
	Path     string
	Shape    *Shape
	Required bool
	// Sensitive is true when the member or its shape is sensitive.
	Sensitive bool
}

// Operation returns the named operation.
func (s *Service) Operation(name string) (*Operation, bool) {
	op, ok := s.ops[name]
	return op, ok
}

// Operations returns the names of all operations, sorted.
func (s *Service) Operations() []string { return slices.Clone(s.opNames) }

// Shape returns the named shape.
func (s *Service) Shape(name string) (*Shape, bool) {
	sh, ok := s.shapes[name]
	return sh, ok
}

// UncheckedPatterns returns the names of shapes whose pattern could not be
// translated to Go's regexp syntax (look-arounds, back-references, ...).
// Check does not enforce those patterns. It is empty for the embedded models.
func (s *Service) UncheckedPatterns() []string { return slices.Clone(s.unchecked) }

// Member returns the member of a structure with the given model name.
func (sh *Shape) Member(name string) (*Member, bool) {
	for _, m := range sh.Members {
		if m.Name == name {
			return m, true
		}
	}
	return nil, false
}

// raw forms of the botocore JSON.
type rawModel struct {
	Metadata   Metadata                   `json:"metadata"`
	Operations map[string]rawOperation    `json:"operations"`
	Shapes     map[string]json.RawMessage `json:"shapes"`
}

type rawRef struct {
	Shape        string `json:"shape"`
	LocationName string `json:"locationName"`
	Sensitive    bool   `json:"sensitive"`
}

type rawOperation struct {
	Name     string   `json:"name"`
	Input    *rawRef  `json:"input"`
	Output   *rawRef  `json:"output"`
	AuthType string   `json:"authtype"`
	Auth     []string `json:"auth"`
	Errors   []rawRef `json:"errors"`
}

type rawShape struct {
	Type      string          `json:"type"`
	Members   json.RawMessage `json:"members"`
	Required  []string        `json:"required"`
	Key       *rawRef         `json:"key"`
	Value     *rawRef         `json:"value"`
	Member    *rawRef         `json:"member"`
	Min       *json.Number    `json:"min"`
	Max       *json.Number    `json:"max"`
	Pattern   string          `json:"pattern"`
	Enum      []string        `json:"enum"`
	Sensitive bool            `json:"sensitive"`
	Exception bool            `json:"exception"`
}

// Load parses a botocore service-2.json model. It checks that every shape
// reference resolves and compiles every pattern (patterns Go cannot express
// are reported by UncheckedPatterns instead of failing the load).
func Load(data []byte) (*Service, error) {
	var rm rawModel
	if err := json.Unmarshal(data, &rm); err != nil {
		return nil, fmt.Errorf("awsmodel: parse model: %w", err)
	}
	if rm.Metadata.APIVersion == "" || len(rm.Shapes) == 0 {
		return nil, errors.New("awsmodel: not a botocore service model (no metadata.apiVersion or shapes)")
	}
	s := &Service{
		Metadata: rm.Metadata,
		ops:      make(map[string]*Operation, len(rm.Operations)),
		shapes:   make(map[string]*Shape, len(rm.Shapes)),
	}
	raws := make(map[string]*rawShape, len(rm.Shapes))
	for name, msg := range rm.Shapes {
		var r rawShape
		if err := json.Unmarshal(msg, &r); err != nil {
			return nil, fmt.Errorf("awsmodel: shape %s: %w", name, err)
		}
		raws[name] = &r
		s.shapes[name] = &Shape{Name: name, Type: r.Type, Pattern: r.Pattern, Enum: r.Enum, Sensitive: r.Sensitive, Exception: r.Exception}
	}
	ref := func(owner string, r *rawRef) (*Shape, error) {
		if r == nil {
			return nil, nil
		}
		sh, ok := s.shapes[r.Shape]
		if !ok {
			return nil, fmt.Errorf("awsmodel: %s refers to unknown shape %q", owner, r.Shape)
		}
		return sh, nil
	}
	names := make([]string, 0, len(raws))
	for name := range raws {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		r, sh := raws[name], s.shapes[name]
		var err error
		if sh.Min, err = bound(r.Min); err != nil {
			return nil, fmt.Errorf("awsmodel: shape %s min: %w", name, err)
		}
		if sh.Max, err = bound(r.Max); err != nil {
			return nil, fmt.Errorf("awsmodel: shape %s max: %w", name, err)
		}
		switch r.Type {
		case TypeStructure:
			if err := s.loadMembers(sh, r, ref); err != nil {
				return nil, err
			}
		case TypeList:
			if sh.Elem, err = ref(name+".member", r.Member); err != nil {
				return nil, err
			}
			if sh.Elem == nil {
				return nil, fmt.Errorf("awsmodel: list shape %s has no member", name)
			}
		case TypeMap:
			if sh.Key, err = ref(name+".key", r.Key); err != nil {
				return nil, err
			}
			if sh.Value, err = ref(name+".value", r.Value); err != nil {
				return nil, err
			}
			if sh.Key == nil || sh.Value == nil {
				return nil, fmt.Errorf("awsmodel: map shape %s lacks key or value", name)
			}
		}
		if r.Pattern != "" {
			re, err := compileJavaRegexp(r.Pattern)
			if err != nil {
				s.unchecked = append(s.unchecked, name)
			} else {
				sh.re = re
			}
		}
		sh.checks = constraintTexts(sh)
	}
	for name, ro := range rm.Operations {
		op := &Operation{Name: name}
		if ro.Name != "" {
			op.Name = ro.Name
		}
		var err error
		if op.InputShape, err = ref(name+" input", ro.Input); err != nil {
			return nil, err
		}
		if op.OutputShape, err = ref(name+" output", ro.Output); err != nil {
			return nil, err
		}
		op.AuthNone = ro.AuthType == "none" || slices.Contains(ro.Auth, "smithy.api#noAuth")
		for _, e := range ro.Errors {
			op.Errors = append(op.Errors, e.Shape)
		}
		s.ops[name] = op
		s.opNames = append(s.opNames, name)
	}
	sort.Strings(s.opNames)
	return s, nil
}

func (s *Service) loadMembers(sh *Shape, r *rawShape, ref func(string, *rawRef) (*Shape, error)) error {
	keys, vals, err := orderedObject(r.Members)
	if err != nil {
		return fmt.Errorf("awsmodel: shape %s members: %w", sh.Name, err)
	}
	sh.byWire = make(map[string]*Member, len(keys))
	paths := make([]string, 0, len(keys))
	for i, k := range keys {
		var rr rawRef
		if err := json.Unmarshal(vals[i], &rr); err != nil {
			return fmt.Errorf("awsmodel: shape %s member %s: %w", sh.Name, k, err)
		}
		msh, err := ref(sh.Name+"."+k, &rr)
		if err != nil {
			return err
		}
		m := &Member{Name: k, WireName: k, Path: LowerFirst(k), Shape: msh, Sensitive: rr.Sensitive || msh.Sensitive}
		if rr.LocationName != "" {
			m.WireName = rr.LocationName
		}
		m.Required = slices.Contains(r.Required, k)
		sh.Members = append(sh.Members, m)
		sh.byWire[m.WireName] = m
		paths = append(paths, m.Path)
	}
	for _, req := range r.Required {
		if _, ok := sh.Member(req); !ok {
			return fmt.Errorf("awsmodel: shape %s requires unknown member %q", sh.Name, req)
		}
	}
	sh.hashOrder = javaHashOrder(paths)
	return nil
}

func bound(n *json.Number) (*Bound, error) {
	if n == nil {
		return nil, nil
	}
	f, err := strconv.ParseFloat(n.String(), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("bad number %q", n.String())
	}
	return &Bound{Value: f, Text: n.String()}, nil
}

// orderedObject returns the keys and raw values of a JSON object in
// document order (encoding/json maps lose the order, and member order
// matters).
func orderedObject(raw json.RawMessage) ([]string, []json.RawMessage, error) {
	if len(raw) == 0 {
		return nil, nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	t, err := dec.Token()
	if err != nil {
		return nil, nil, err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, nil, errors.New("not an object")
	}
	var keys []string
	var vals []json.RawMessage
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		keys = append(keys, k)
		vals = append(vals, v)
	}
	return keys, vals, nil
}

// LowerFirst returns s with its first character lower-cased, the way Coral
// names members in validation messages: "IdentityPoolId" → "identityPoolId",
// "AWSAccountId" → "aWSAccountId".
func LowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	lr := unicode.ToLower(r)
	if lr == r {
		return s
	}
	return string(lr) + s[n:]
}
