package cfn

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Template limits, the same as CloudFormation's.
const (
	MaxTemplateSize = 1 << 20 // bytes
	MaxResources    = 500
	MaxParameters   = 200
	MaxOutputs      = 200
)

// Template is a parsed CloudFormation template. Property values are kept
// unevaluated: intrinsic functions are resolved by Plan and Apply.
type Template struct {
	FormatVersion string
	Description   string
	Parameters    map[string]*Parameter
	Mappings      map[string]map[string]map[string]any
	Conditions    map[string]any // condition name → condition expression
	Resources     map[string]*Resource
	Outputs       map[string]*OutputDecl
	// Hash is the hex SHA-256 of the template bytes, recorded in the state.
	Hash string
	// Skipped lists known CDK boilerplate that Parse dropped (the
	// BootstrapVersion parameter and the CheckBootstrapVersion rule).
	Skipped []Skipped

	skippedParams map[string]string // name → reason
}

// Parameter is a declared template parameter.
type Parameter struct {
	Name                  string
	Type                  string // String, Number, CommaDelimitedList or List<Number>
	Default               *string
	AllowedValues         []string
	AllowedPattern        string
	ConstraintDescription string
	Description           string
	MinLength, MaxLength  *int
	MinValue, MaxValue    *float64
	NoEcho                bool
}

// Resource is a declared resource with its properties unevaluated.
type Resource struct {
	LogicalID           string
	Type                string
	Properties          map[string]any
	DependsOn           []string
	Condition           string
	DeletionPolicy      string // Delete (default), Retain or RetainExceptOnCreate
	UpdateReplacePolicy string // Delete (default), Retain or RetainExceptOnCreate
	Metadata            any
}

// OutputDecl is a declared output with its value unevaluated.
type OutputDecl struct {
	Name        string
	Description string
	Value       any
	Condition   string
	ExportName  any // nil when not exported
}

// SkipKind says why something in a template is not acted upon.
type SkipKind string

// Reasons for skipping.
const (
	SkipUnsupportedType SkipKind = "unsupported-type" // no provider for the resource type
	SkipCDKBoilerplate  SkipKind = "cdk-boilerplate"  // CDKMetadata, BootstrapVersion, CheckBootstrapVersion
	SkipCondition       SkipKind = "condition-false"  // the resource's Condition is false
)

// Skipped is a part of a template that is not created, with the reason.
type Skipped struct {
	Section string // "Resources", "Parameters" or "Rules"
	Name    string // logical ID or name
	Type    string // resource or parameter type, if any
	Kind    SkipKind
	Reason  string
}

var logicalIDRe = regexp.MustCompile(`^[A-Za-z0-9]{1,255}$`)

// Parse reads a template in JSON or YAML. A document whose first
// non-blank character is '{' is read as JSON (or, if that fails, as a YAML
// flow mapping), anything else as YAML. Parse
// checks the structure of every section and refuses features idpool does not
// implement (see the package documentation); it does not evaluate intrinsic
// functions, which needs parameters and resource state.
func Parse(data []byte) (*Template, error) {
	if len(data) > MaxTemplateSize {
		return nil, errorf("", "template is %d bytes; the limit is %d", len(data), MaxTemplateSize)
	}
	sum := sha256.Sum256(data)
	body := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	var root any
	var err error
	if len(trimmed) > 0 && trimmed[0] == '{' {
		root, err = decodeJSON(body)
		if err != nil {
			// A YAML document may start with a flow mapping; keep the
			// JSON error if it is not YAML either.
			if y, yerr := decodeYAML(body); yerr == nil {
				root, err = y, nil
			}
		}
	} else {
		root, err = decodeYAML(body)
	}
	if err != nil {
		var te *Error
		if errors.As(err, &te) {
			return nil, te
		}
		return nil, &Error{Msg: "cannot parse template", Err: err}
	}
	m, ok := root.(map[string]any)
	if !ok {
		return nil, errorf("", "a template must be an object with sections such as Resources, not %s", kindOf(root))
	}
	t, err := parseSections(m)
	if err != nil {
		return nil, err
	}
	t.Hash = hex.EncodeToString(sum[:])
	return t, nil
}

func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(data, se.Offset)
			return nil, fmt.Errorf("JSON: line %d column %d: %v", line, col, se)
		}
		return nil, fmt.Errorf("JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("JSON: unexpected data after the template object")
	}
	if err := checkDepth(v, 0); err != nil {
		return nil, err
	}
	return v, nil
}

func checkDepth(v any, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("JSON: nesting deeper than %d levels", maxDepth)
	}
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			if err := checkDepth(e, depth+1); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range x {
			if err := checkDepth(e, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func parseSections(m map[string]any) (*Template, error) {
	t := &Template{
		Parameters:    map[string]*Parameter{},
		Mappings:      map[string]map[string]map[string]any{},
		Conditions:    map[string]any{},
		Resources:     map[string]*Resource{},
		Outputs:       map[string]*OutputDecl{},
		skippedParams: map[string]string{},
	}
	for _, k := range sortedKeys(m) {
		switch k {
		case "AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Mappings",
			"Conditions", "Resources", "Outputs", "Rules":
		case "Transform":
			return nil, unsupportedf("Transform", "%s is not supported: idpool does not run CloudFormation transforms or macros (such as AWS::Serverless or AWS::LanguageExtensions); deploy the processed template instead", describeTransform(m[k]))
		case "Hooks":
			return nil, unsupportedf("Hooks", "template hooks are not supported")
		default:
			return nil, errorf(k, "unknown template section")
		}
	}
	if v, ok := m["AWSTemplateFormatVersion"]; ok {
		s, ok := v.(string)
		if !ok || s != "2010-09-09" {
			return nil, errorf("AWSTemplateFormatVersion", "must be \"2010-09-09\", got %v", v)
		}
		t.FormatVersion = s
	}
	if v, ok := m["Description"]; ok && v != nil {
		s, ok := v.(string)
		if !ok {
			return nil, errorf("Description", "must be a string, not %s", kindOf(v))
		}
		t.Description = s
	}
	if err := t.parseParameters(m["Parameters"]); err != nil {
		return nil, err
	}
	if err := t.parseRules(m["Rules"]); err != nil {
		return nil, err
	}
	if err := t.parseMappings(m["Mappings"]); err != nil {
		return nil, err
	}
	if err := t.parseConditions(m["Conditions"]); err != nil {
		return nil, err
	}
	if err := t.parseResources(m["Resources"]); err != nil {
		return nil, err
	}
	if err := t.parseOutputs(m["Outputs"]); err != nil {
		return nil, err
	}
	return t, nil
}

func describeTransform(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case []any:
		var names []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				names = append(names, strconv.Quote(s))
			} else if mm, ok := e.(map[string]any); ok {
				if s, ok := mm["Name"].(string); ok {
					names = append(names, strconv.Quote(s))
				}
			}
		}
		if len(names) > 0 {
			return strings.Join(names, ", ")
		}
	case map[string]any:
		if s, ok := x["Name"].(string); ok {
			return strconv.Quote(s)
		}
	}
	return "Transform"
}

func sectionMap(name string, v any) (map[string]any, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errorf(name, "must be an object, not %s", kindOf(v))
	}
	return m, nil
}

const cdkBootstrapReason = "CDK bootstrap version check: idpool needs no CDK bootstrap stack"

func (t *Template) parseParameters(v any) error {
	m, err := sectionMap("Parameters", v)
	if err != nil {
		return err
	}
	if len(m) > MaxParameters {
		return errorf("Parameters", "%d parameters; the limit is %d", len(m), MaxParameters)
	}
	for _, name := range sortedKeys(m) {
		path := "Parameters." + name
		if !logicalIDRe.MatchString(name) {
			return errorf(path, "parameter names must be alphanumeric")
		}
		pm, ok := m[name].(map[string]any)
		if !ok {
			return errorf(path, "must be an object, not %s", kindOf(m[name]))
		}
		p := &Parameter{Name: name}
		for _, k := range sortedKeys(pm) {
			val := pm[k]
			kp := path + "." + k
			switch k {
			case "Type":
				s, ok := val.(string)
				if !ok {
					return errorf(kp, "must be a string")
				}
				p.Type = s
			case "Default":
				s, ok := scalarString(val)
				if !ok {
					if l, isList := val.([]any); isList {
						parts := make([]string, 0, len(l))
						for _, e := range l {
							es, ok := scalarString(e)
							if !ok {
								return errorf(kp, "must be a string, not %s", kindOf(val))
							}
							parts = append(parts, es)
						}
						s = strings.Join(parts, ",")
					} else {
						return errorf(kp, "must be a string, not %s", kindOf(val))
					}
				}
				p.Default = &s
			case "AllowedValues":
				l, ok := val.([]any)
				if !ok {
					return errorf(kp, "must be a list, not %s", kindOf(val))
				}
				for i, e := range l {
					s, ok := scalarString(e)
					if !ok {
						return errorf(fmt.Sprintf("%s[%d]", kp, i), "must be a string, not %s", kindOf(e))
					}
					p.AllowedValues = append(p.AllowedValues, s)
				}
			case "AllowedPattern":
				s, ok := val.(string)
				if !ok {
					return errorf(kp, "must be a string")
				}
				if _, err := regexp.Compile(s); err != nil {
					return errorf(kp, "invalid pattern: %v", err)
				}
				p.AllowedPattern = s
			case "ConstraintDescription", "Description":
				s, ok := scalarString(val)
				if !ok {
					return errorf(kp, "must be a string")
				}
				if k == "Description" {
					p.Description = s
				} else {
					p.ConstraintDescription = s
				}
			case "MinLength", "MaxLength":
				n, err := intAttr(kp, val)
				if err != nil {
					return err
				}
				if k == "MinLength" {
					p.MinLength = &n
				} else {
					p.MaxLength = &n
				}
			case "MinValue", "MaxValue":
				f, err := floatAttr(kp, val)
				if err != nil {
					return err
				}
				if k == "MinValue" {
					p.MinValue = &f
				} else {
					p.MaxValue = &f
				}
			case "NoEcho":
				b, err := boolAttr(kp, val)
				if err != nil {
					return err
				}
				p.NoEcho = b
			default:
				return errorf(kp, "unknown parameter attribute")
			}
		}
		if p.Type == "" {
			return errorf(path+".Type", "is required")
		}
		switch {
		case p.Type == "String", p.Type == "Number", p.Type == "CommaDelimitedList", p.Type == "List<Number>":
		case name == "BootstrapVersion" && strings.HasPrefix(p.Type, "AWS::SSM::Parameter::Value<"):
			t.skippedParams[name] = cdkBootstrapReason
			t.Skipped = append(t.Skipped, Skipped{Section: "Parameters", Name: name, Type: p.Type, Kind: SkipCDKBoilerplate, Reason: cdkBootstrapReason})
			continue
		case strings.HasPrefix(p.Type, "AWS::SSM::Parameter::"):
			return unsupportedf(path+".Type", "%q is not supported: idpool has no SSM Parameter Store; declare the parameter with Type String and pass its value", p.Type)
		case strings.HasPrefix(p.Type, "AWS::") || strings.HasPrefix(p.Type, "List<AWS::"):
			return unsupportedf(path+".Type", "AWS-specific parameter type %q is not supported; use String, Number, CommaDelimitedList or List<Number>", p.Type)
		default:
			return errorf(path+".Type", "unknown parameter type %q (supported: String, Number, CommaDelimitedList, List<Number>)", p.Type)
		}
		if p.Default != nil {
			if _, err := p.validate(*p.Default); err != nil {
				return errorf(path+".Default", "%v", err)
			}
		}
		t.Parameters[name] = p
	}
	return nil
}

func intAttr(path string, v any) (int, error) {
	s, ok := scalarString(v)
	if ok {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, errorf(path, "must be a non-negative integer, not %v", v)
}

func floatAttr(path string, v any) (float64, error) {
	s, ok := scalarString(v)
	if ok {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f, nil
		}
	}
	return 0, errorf(path, "must be a number, not %v", v)
}

func boolAttr(path string, v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		if b, err := strconv.ParseBool(x); err == nil {
			return b, nil
		}
	}
	return false, errorf(path, "must be true or false, not %v", v)
}

func (t *Template) parseRules(v any) error {
	m, err := sectionMap("Rules", v)
	if err != nil {
		return err
	}
	for _, name := range sortedKeys(m) {
		if name == "CheckBootstrapVersion" {
			t.Skipped = append(t.Skipped, Skipped{Section: "Rules", Name: name, Kind: SkipCDKBoilerplate, Reason: cdkBootstrapReason})
			continue
		}
		return unsupportedf("Rules."+name, "template rules are not supported (idpool only skips the CDK rule CheckBootstrapVersion); validate parameters with AllowedValues or AllowedPattern instead")
	}
	return nil
}

func (t *Template) parseMappings(v any) error {
	m, err := sectionMap("Mappings", v)
	if err != nil {
		return err
	}
	for _, name := range sortedKeys(m) {
		path := "Mappings." + name
		if !logicalIDRe.MatchString(name) {
			return errorf(path, "mapping names must be alphanumeric")
		}
		top, ok := m[name].(map[string]any)
		if !ok {
			return errorf(path, "must be an object, not %s", kindOf(m[name]))
		}
		mm := map[string]map[string]any{}
		for _, tk := range sortedKeys(top) {
			second, ok := top[tk].(map[string]any)
			if !ok {
				return errorf(path+"."+tk, "must be an object, not %s", kindOf(top[tk]))
			}
			for sk, sv := range second {
				if _, ok := sv.(map[string]any); ok {
					return errorf(path+"."+tk+"."+sk, "mapping values must be strings or lists, not objects")
				}
			}
			mm[tk] = second
		}
		t.Mappings[name] = mm
	}
	return nil
}

func (t *Template) parseConditions(v any) error {
	m, err := sectionMap("Conditions", v)
	if err != nil {
		return err
	}
	for _, name := range sortedKeys(m) {
		if !logicalIDRe.MatchString(name) {
			return errorf("Conditions."+name, "condition names must be alphanumeric")
		}
		t.Conditions[name] = m[name]
	}
	return nil
}

var deletionPolicies = map[string]bool{"Delete": true, "Retain": true, "RetainExceptOnCreate": true}

func (t *Template) parseResources(v any) error {
	if v == nil {
		return errorf("Resources", "the Resources section is required")
	}
	m, err := sectionMap("Resources", v)
	if err != nil {
		return err
	}
	if len(m) > MaxResources {
		return errorf("Resources", "%d resources; the limit is %d", len(m), MaxResources)
	}
	for _, id := range sortedKeys(m) {
		path := "Resources." + id
		if !logicalIDRe.MatchString(id) {
			return errorf(path, "logical IDs must be alphanumeric (A-Za-z0-9)")
		}
		if _, dup := t.Parameters[id]; dup {
			return errorf(path, "logical ID %q is also a parameter name", id)
		}
		if _, dup := t.skippedParams[id]; dup {
			return errorf(path, "logical ID %q is also a parameter name", id)
		}
		rm, ok := m[id].(map[string]any)
		if !ok {
			return errorf(path, "must be an object, not %s", kindOf(m[id]))
		}
		r := &Resource{LogicalID: id}
		for _, k := range sortedKeys(rm) {
			val := rm[k]
			kp := path + "." + k
			switch k {
			case "Type":
				s, ok := val.(string)
				if !ok || s == "" {
					return errorf(kp, "must be a non-empty string")
				}
				r.Type = s
			case "Properties":
				if val == nil {
					continue
				}
				pm, ok := val.(map[string]any)
				if !ok {
					return errorf(kp, "must be an object, not %s", kindOf(val))
				}
				r.Properties = pm
			case "DependsOn":
				switch d := val.(type) {
				case string:
					r.DependsOn = []string{d}
				case []any:
					for i, e := range d {
						s, ok := e.(string)
						if !ok {
							return errorf(fmt.Sprintf("%s[%d]", kp, i), "must be a logical ID string, not %s", kindOf(e))
						}
						r.DependsOn = append(r.DependsOn, s)
					}
				default:
					return errorf(kp, "must be a logical ID or a list of them, not %s", kindOf(val))
				}
			case "Condition":
				s, ok := val.(string)
				if !ok {
					return errorf(kp, "must be a condition name, not %s", kindOf(val))
				}
				if _, ok := t.Conditions[s]; !ok {
					return errorf(kp, "unknown condition %q", s)
				}
				r.Condition = s
			case "DeletionPolicy", "UpdateReplacePolicy":
				s, ok := val.(string)
				if !ok {
					return unsupportedf(kp, "must be a literal string (intrinsic functions are not supported here)")
				}
				if s == "Snapshot" {
					return unsupportedf(kp, "Snapshot is not supported for idpool resource types; use Delete or Retain")
				}
				if !deletionPolicies[s] {
					return errorf(kp, "unknown policy %q (Delete, Retain or RetainExceptOnCreate)", s)
				}
				if k == "DeletionPolicy" {
					r.DeletionPolicy = s
				} else {
					r.UpdateReplacePolicy = s
				}
			case "Metadata":
				r.Metadata = val
			case "CreationPolicy", "UpdatePolicy", "Version":
				// Meaningful only for resource types idpool does not
				// implement (Auto Scaling, wait conditions, custom
				// resources); accepted and ignored.
			default:
				return errorf(kp, "unknown resource attribute")
			}
		}
		if r.Type == "" {
			return errorf(path+".Type", "is required")
		}
		t.Resources[id] = r
	}
	return nil
}

func (t *Template) parseOutputs(v any) error {
	m, err := sectionMap("Outputs", v)
	if err != nil {
		return err
	}
	if len(m) > MaxOutputs {
		return errorf("Outputs", "%d outputs; the limit is %d", len(m), MaxOutputs)
	}
	for _, name := range sortedKeys(m) {
		path := "Outputs." + name
		if !logicalIDRe.MatchString(name) {
			return errorf(path, "output names must be alphanumeric")
		}
		om, ok := m[name].(map[string]any)
		if !ok {
			return errorf(path, "must be an object, not %s", kindOf(m[name]))
		}
		o := &OutputDecl{Name: name}
		hasValue := false
		for _, k := range sortedKeys(om) {
			val := om[k]
			kp := path + "." + k
			switch k {
			case "Value":
				o.Value, hasValue = val, true
			case "Description":
				s, ok := scalarString(val)
				if !ok {
					return errorf(kp, "must be a literal string")
				}
				o.Description = s
			case "Condition":
				s, ok := val.(string)
				if !ok {
					return errorf(kp, "must be a condition name")
				}
				if _, ok := t.Conditions[s]; !ok {
					return errorf(kp, "unknown condition %q", s)
				}
				o.Condition = s
			case "Export":
				em, ok := val.(map[string]any)
				if !ok {
					return errorf(kp, "must be an object with Name")
				}
				n, ok := em["Name"]
				if !ok || len(em) != 1 {
					return errorf(kp, "must be an object with exactly one key, Name")
				}
				o.ExportName = n
			default:
				return errorf(kp, "unknown output attribute")
			}
		}
		if !hasValue {
			return errorf(path+".Value", "is required")
		}
		t.Outputs[name] = o
	}
	return nil
}
