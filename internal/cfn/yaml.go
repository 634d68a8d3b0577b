package cfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Limits that keep hostile templates (deep nesting, YAML alias bombs) cheap.
const (
	maxDepth      = 128     // nesting of maps and lists
	maxYAMLValues = 500_000 // values produced after alias expansion
)

// yamlTags maps the CloudFormation YAML short forms to their long form. Tags
// for functions idpool refuses are still translated, so that the refusal
// names the function and the property path rather than the YAML line.
var yamlTags = map[string]string{
	"!Ref":              "Ref",
	"!Condition":        "Condition",
	"!Base64":           "Fn::Base64",
	"!Cidr":             "Fn::Cidr",
	"!FindInMap":        "Fn::FindInMap",
	"!GetAtt":           "Fn::GetAtt",
	"!GetAZs":           "Fn::GetAZs",
	"!ImportValue":      "Fn::ImportValue",
	"!Join":             "Fn::Join",
	"!Select":           "Fn::Select",
	"!Split":            "Fn::Split",
	"!Sub":              "Fn::Sub",
	"!Transform":        "Fn::Transform",
	"!And":              "Fn::And",
	"!Equals":           "Fn::Equals",
	"!If":               "Fn::If",
	"!Not":              "Fn::Not",
	"!Or":               "Fn::Or",
	"!Contains":         "Fn::Contains",
	"!EachMemberEquals": "Fn::EachMemberEquals",
	"!EachMemberIn":     "Fn::EachMemberIn",
	"!RefAll":           "Fn::RefAll",
	"!ValueOf":          "Fn::ValueOf",
	"!ValueOfAll":       "Fn::ValueOfAll",
	"!Length":           "Fn::Length",
	"!ToJsonString":     "Fn::ToJsonString",
}

// decodeYAML converts a YAML document into template values, translating the
// short-form tags (!Ref, !GetAtt a.b, !Sub ...) into their long form.
func decodeYAML(data []byte) (v any, err error) {
	defer func() {
		// The YAML library is third-party code: never let a malformed
		// document crash the caller.
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("YAML: malformed document (%v)", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("template is empty")
		}
		return nil, fmt.Errorf("YAML: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, fmt.Errorf("YAML: %w", err)
		}
		return nil, fmt.Errorf("YAML: line %d: a template is a single YAML document; found a second one", extra.Line)
	}
	c := &yamlConv{}
	return c.conv(&doc, 0)
}

type yamlConv struct{ values int }

func (c *yamlConv) conv(n *yaml.Node, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("YAML: line %d: nesting deeper than %d levels", n.Line, maxDepth)
	}
	c.values++
	if c.values > maxYAMLValues {
		return nil, fmt.Errorf("YAML: more than %d values (alias expansion?)", maxYAMLValues)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.conv(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, fmt.Errorf("YAML: line %d: unresolved alias", n.Line)
		}
		return c.conv(n.Alias, depth+1)
	}

	if fn, ok := c.customTag(n); ok {
		inner, err := c.untagged(n, depth, true)
		if err != nil {
			return nil, err
		}
		return map[string]any{fn: inner}, nil
	} else if n.Tag != "" && n.Tag[0] == '!' && (len(n.Tag) < 2 || n.Tag[1] != '!') {
		return nil, unsupportedf("", "YAML: line %d: unknown tag %s (supported short forms: !Ref, !GetAtt, !Sub, !Join, !Select, !Split, !If, !Equals, !Not, !And, !Or, !Condition, !FindInMap, !Base64)", n.Line, n.Tag)
	}
	return c.untagged(n, depth, false)
}

func (c *yamlConv) customTag(n *yaml.Node) (string, bool) {
	fn, ok := yamlTags[n.Tag]
	return fn, ok
}

// untagged converts n ignoring a custom tag. Scalars under a custom tag are
// always strings (`!Ref 123` refers to "123").
func (c *yamlConv) untagged(n *yaml.Node, depth int, tagged bool) (any, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if tagged {
			return n.Value, nil
		}
		return scalarValue(n)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			v, err := c.conv(e, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, vn := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("YAML: line %d: map keys must be scalars", k.Line)
			}
			if k.ShortTag() == "!!merge" {
				return nil, unsupportedf("", "YAML: line %d: merge keys (<<) are not supported by CloudFormation", k.Line)
			}
			if _, dup := out[k.Value]; dup {
				return nil, fmt.Errorf("YAML: line %d: duplicate key %q", k.Line, k.Value)
			}
			v, err := c.conv(vn, depth+1)
			if err != nil {
				return nil, err
			}
			out[k.Value] = v
		}
		return out, nil
	case yaml.AliasNode, yaml.DocumentNode:
		return c.conv(n, depth+1)
	}
	return nil, fmt.Errorf("YAML: line %d: unexpected node", n.Line)
}

// scalarValue resolves an untagged (or standard-tagged) scalar. Timestamps
// such as an unquoted AWSTemplateFormatVersion stay strings; numbers keep
// their literal text when it is a valid JSON number.
func scalarValue(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("YAML: line %d: %v", n.Line, err)
		}
		return b, nil
	case "!!int", "!!float":
		if isJSONNumber(n.Value) {
			return json.Number(n.Value), nil
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("YAML: line %d: %v", n.Line, err)
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("YAML: line %d: number %q is not supported", n.Line, n.Value)
		}
		return json.Number(strconv.FormatFloat(f, 'f', -1, 64)), nil
	default: // !!str, !!timestamp, !!binary and anything else: the text
		return n.Value, nil
	}
}

func isJSONNumber(s string) bool {
	if s == "" || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) {
		return false
	}
	return json.Valid([]byte(s)) && !bytes.ContainsAny([]byte(s), "\" \t\n")
}
