package cfn

import (
	"errors"
	"strings"
	"testing"
)

// TestYAMLShortForms checks that every supported short form becomes the
// same value as its JSON long form.
func TestYAMLShortForms(t *testing.T) {
	yamlSrc := `
AWSTemplateFormatVersion: 2010-09-09
Conditions:
  C1: !Equals [!Ref "AWS::Region", us-east-1]
  C2: !Not [!Condition C1]
  C3: !And [!Condition C1, !Or [!Condition C2, !Equals [a, a]]]
Resources:
  R:
    Type: Test::Res::Thing
    Properties:
      Ref: !Ref AWS::Region
      GetAttDotted: !GetAtt Other.Nested.Deep
      GetAttList: !GetAtt [Other, Arn]
      Sub: !Sub "${AWS::Region}"
      SubList: !Sub
        - "${X}"
        - X: !Ref AWS::Region
      Join: !Join [",", [a, b]]
      Select: !Select [0, [a]]
      Split: !Split [",", "a,b"]
      If: !If [C1, a, b]
      FindInMap: !FindInMap [M, a, b]
      Base64: !Base64 x
      Number: 12
      Float: 1.50
      Bool: true
      Null: null
      Date: 2012-10-17
      Hex: 0x1F
      Block: |
        line1
        line2
  Other: {Type: Test::Res::Thing}
Mappings:
  M: {a: {b: c}}
`
	jsonSrc := `{
"AWSTemplateFormatVersion": "2010-09-09",
"Conditions": {
  "C1": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]},
  "C2": {"Fn::Not": [{"Condition": "C1"}]},
  "C3": {"Fn::And": [{"Condition": "C1"}, {"Fn::Or": [{"Condition": "C2"}, {"Fn::Equals": ["a", "a"]}]}]}
},
"Resources": {
  "R": {"Type": "Test::Res::Thing", "Properties": {
    "Ref": {"Ref": "AWS::Region"},
    "GetAttDotted": {"Fn::GetAtt": "Other.Nested.Deep"},
    "GetAttList": {"Fn::GetAtt": ["Other", "Arn"]},
    "Sub": {"Fn::Sub": "${AWS::Region}"},
    "SubList": {"Fn::Sub": ["${X}", {"X": {"Ref": "AWS::Region"}}]},
    "Join": {"Fn::Join": [",", ["a", "b"]]},
    "Select": {"Fn::Select": ["0", ["a"]]},
    "Split": {"Fn::Split": [",", "a,b"]},
    "If": {"Fn::If": ["C1", "a", "b"]},
    "FindInMap": {"Fn::FindInMap": ["M", "a", "b"]},
    "Base64": {"Fn::Base64": "x"},
    "Number": 12,
    "Float": 1.50,
    "Bool": true,
    "Null": null,
    "Date": "2012-10-17",
    "Hex": 31,
    "Block": "line1\nline2\n"
  }},
  "Other": {"Type": "Test::Res::Thing"}
},
"Mappings": {"M": {"a": {"b": "c"}}}
}`
	y := mustParse(t, yamlSrc)
	j := mustParse(t, jsonSrc)
	// Select's index is "0" in JSON and 0 in YAML; both mean the same.
	yp := y.Resources["R"].Properties
	yp["Select"] = map[string]any{"Fn::Select": []any{"0", []any{"a"}}}
	if !equal(yp, j.Resources["R"].Properties) {
		t.Errorf("YAML properties\n%#v\ndiffer from JSON\n%#v", yp, j.Resources["R"].Properties)
	}
	if !equal(y.Conditions, j.Conditions) {
		t.Errorf("YAML conditions %#v differ from JSON %#v", y.Conditions, j.Conditions)
	}
	if y.FormatVersion != "2010-09-09" {
		t.Errorf("FormatVersion = %q", y.FormatVersion)
	}
	if y.Hash == j.Hash || len(y.Hash) != 64 {
		t.Errorf("hashes %q %q", y.Hash, j.Hash)
	}
	// Both evaluate the same way.
	e1, _, s1 := newTestEngine(t)
	e2, _, s2 := newTestEngine(t)
	mustApplyT(t, e1, y)
	mustApplyT(t, e2, j)
	p1 := stored(t, s1, "test").Resources["R"].Props
	p2 := stored(t, s2, "test").Resources["R"].Props
	if !equal(p1, p2) {
		t.Errorf("resolved YAML %v != JSON %v", p1, p2)
	}
	if p1["Number"] != 12.0 || p1["Float"] != 1.5 || p1["Hex"] != 31.0 || p1["SubList"] != "us-east-1" {
		t.Errorf("resolved values: %v", p1)
	}
}

func mustApplyT(t *testing.T, e *Engine, tmpl *Template) {
	t.Helper()
	if _, err := e.Apply(t.Context(), tmpl, Input{StackName: "test"}); err != nil {
		t.Fatal(err)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, src, wantErr string
		unsupported        bool
	}{
		{"empty", ``, "template is empty", false},
		{"not an object", `[1, 2]`, "a template must be an object", false},
		{"json syntax", "{\n \"Resources\": {,}\n}", "JSON: line 2 column", false},
		{"json syntax not yaml either", "{\n \"Resources\": {\"R\": [}\n}", "JSON: line 2 column", false},
		{"json trailing", `{"Resources": {"R": {"Type": "A::B::C"}}} {}`, "unexpected data after the template", false},
		{"yaml syntax", "Resources:\n  R: [\n", "YAML", false},
		{"two documents", "Resources: {R: {Type: A::B::C}}\n---\nResources: {}\n", "single YAML document", false},
		{"duplicate key", "Resources:\n  R: {Type: A::B::C}\n  R: {Type: A::B::C}\n", `duplicate key "R"`, false},
		{"merge key", "Base: &b {Type: A::B::C}\nResources:\n  R:\n    <<: *b\n", "merge keys (<<) are not supported", true},
		{"unknown tag", "Resources:\n  R:\n    Type: A::B::C\n    Properties: {X: !Bogus y}\n", "unknown tag !Bogus", true},
		{"no resources", "Description: x\n", "Resources: the Resources section is required", false},
		{"unknown section", "Resources: {R: {Type: A::B::C}}\nFoo: 1\n", "Foo: unknown template section", false},
		{"bad version", "AWSTemplateFormatVersion: 2011-01-01\nResources: {R: {Type: A::B::C}}\n", "must be \"2010-09-09\"", false},
		{"transform", "Transform: AWS::Serverless-2016-10-31\nResources: {R: {Type: A::B::C}}\n", `Transform: "AWS::Serverless-2016-10-31" is not supported: idpool does not run CloudFormation transforms or macros`, true},
		{"transform list", "Transform: [AWS::LanguageExtensions]\nResources: {R: {Type: A::B::C}}\n", `"AWS::LanguageExtensions" is not supported`, true},
		{"hooks", "Hooks: {}\nResources: {R: {Type: A::B::C}}\n", "Hooks: template hooks are not supported", true},
		{"rules", "Rules: {MyRule: {Assertions: []}}\nResources: {R: {Type: A::B::C}}\n", "Rules.MyRule: template rules are not supported", true},
		{"ssm parameter", "Parameters: {P: {Type: 'AWS::SSM::Parameter::Value<String>', Default: /x}}\nResources: {R: {Type: A::B::C}}\n", `Parameters.P.Type: "AWS::SSM::Parameter::Value<String>" is not supported: idpool has no SSM Parameter Store`, true},
		{"aws parameter type", "Parameters: {P: {Type: 'AWS::EC2::KeyPair::KeyName'}}\nResources: {R: {Type: A::B::C}}\n", `AWS-specific parameter type "AWS::EC2::KeyPair::KeyName" is not supported`, true},
		{"unknown parameter type", "Parameters: {P: {Type: Strung}}\nResources: {R: {Type: A::B::C}}\n", `unknown parameter type "Strung"`, false},
		{"parameter without type", "Parameters: {P: {Default: x}}\nResources: {R: {Type: A::B::C}}\n", "Parameters.P.Type: is required", false},
		{"parameter attribute", "Parameters: {P: {Type: String, Foo: 1}}\nResources: {R: {Type: A::B::C}}\n", "Parameters.P.Foo: unknown parameter attribute", false},
		{"bad default", "Parameters: {P: {Type: String, Default: c, AllowedValues: [a, b]}}\nResources: {R: {Type: A::B::C}}\n", `Parameters.P.Default: value "c" is not one of the allowed values [a, b]`, false},
		{"bad pattern", "Parameters: {P: {Type: String, AllowedPattern: '('}}\nResources: {R: {Type: A::B::C}}\n", "invalid pattern", false},
		{"bad logical id", "Resources: {my-res: {Type: A::B::C}}\n", "Resources.my-res: logical IDs must be alphanumeric", false},
		{"no type", "Resources: {R: {Properties: {}}}\n", "Resources.R.Type: is required", false},
		{"bad properties", "Resources: {R: {Type: A::B::C, Properties: [1]}}\n", "Resources.R.Properties: must be an object, not a list", false},
		{"bad depends on", "Resources: {R: {Type: A::B::C, DependsOn: {a: b}}}\n", "Resources.R.DependsOn: must be a logical ID or a list of them", false},
		{"unknown condition", "Resources: {R: {Type: A::B::C, Condition: Nope}}\n", `Resources.R.Condition: unknown condition "Nope"`, false},
		{"snapshot", "Resources: {R: {Type: A::B::C, DeletionPolicy: Snapshot}}\n", "Resources.R.DeletionPolicy: Snapshot is not supported", true},
		{"bad policy", "Resources: {R: {Type: A::B::C, UpdateReplacePolicy: Keep}}\n", `unknown policy "Keep"`, false},
		{"intrinsic policy", "Resources: {R: {Type: A::B::C, DeletionPolicy: !Ref P}}\n", "must be a literal string", true},
		{"resource attribute", "Resources: {R: {Type: A::B::C, Foo: 1}}\n", "Resources.R.Foo: unknown resource attribute", false},
		{"param and resource clash", "Parameters: {R: {Type: String}}\nResources: {R: {Type: A::B::C}}\n", `logical ID "R" is also a parameter name`, false},
		{"output without value", "Resources: {R: {Type: A::B::C}}\nOutputs: {O: {Description: x}}\n", "Outputs.O.Value: is required", false},
		{"output bad export", "Resources: {R: {Type: A::B::C}}\nOutputs: {O: {Value: x, Export: y}}\n", "Outputs.O.Export: must be an object with Name", false},
		{"mapping object value", "Mappings: {M: {a: {b: {c: d}}}}\nResources: {R: {Type: A::B::C}}\n", "Mappings.M.a.b: mapping values must be strings or lists", false},
		{"too deep", "Resources: {R: {Type: A::B::C, Properties: {X: " + strings.Repeat("[", 200) + strings.Repeat("]", 200) + "}}}\n", "nesting deeper than", false},
		{"too deep json", `{"Resources": {"R": {"Type": "A::B::C", "Properties": {"X": ` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}}}}`, "nesting deeper than", false},
		{"too large", "Description: " + strings.Repeat("x", MaxTemplateSize) + "\nResources: {R: {Type: A::B::C}}\n", "the limit is", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.src))
			if err == nil {
				t.Fatalf("no error, want %q", c.wantErr)
			}
			if !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %q does not contain %q", err, c.wantErr)
			}
			if got := errors.Is(err, ErrUnsupported); got != c.unsupported {
				t.Errorf("errors.Is(err, ErrUnsupported) = %v, want %v", got, c.unsupported)
			}
		})
	}
}

func TestYAMLFlowMapping(t *testing.T) {
	tmpl := mustParse(t, "{Resources: {R: {Type: A::B::C, Properties: {X: !Ref AWS::Region}}}}")
	if !equal(tmpl.Resources["R"].Properties, map[string]any{"X": map[string]any{"Ref": "AWS::Region"}}) {
		t.Errorf("properties %v", tmpl.Resources["R"].Properties)
	}
}

func TestYAMLAliasBomb(t *testing.T) {
	src := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for i := 0; i < 9; i++ {
		name := string(rune('b' + i))
		src += name + ": &" + name + " [" + strings.Repeat("*"+prev+", ", 9) + "*" + prev + "]\n"
		prev = name
	}
	src += "Resources: {R: {Type: A::B::C}}\n"
	_, err := Parse([]byte(src))
	if err == nil || !strings.Contains(err.Error(), "alias expansion") {
		t.Fatalf("error %v, want the alias-expansion limit", err)
	}
}

func TestParseSections(t *testing.T) {
	tmpl := mustParse(t, `
Description: A pool
Metadata: {AWS::CloudFormation::Interface: {}}
Parameters:
  Name: {Type: String, Default: pool, MinLength: 1, MaxLength: "20", Description: the name, NoEcho: "true"}
  Size: {Type: Number, MinValue: 1, MaxValue: 10.5, Default: 2}
Resources:
  A:
    Type: Test::Res::Thing
    DependsOn: B
    DeletionPolicy: Retain
    UpdateReplacePolicy: RetainExceptOnCreate
    Metadata: {aws:cdk:path: Stack/A}
    CreationPolicy: {}
  B:
    Type: Test::Res::Thing
    DependsOn: [C]
    Properties: null
  C: {Type: Test::Res::Thing}
Outputs:
  Out:
    Description: the output
    Value: !Ref A
    Export: {Name: !Sub "${AWS::StackName}-out"}
`)
	if tmpl.Description != "A pool" {
		t.Errorf("Description %q", tmpl.Description)
	}
	p := tmpl.Parameters["Name"]
	if p.Type != "String" || *p.Default != "pool" || *p.MinLength != 1 || *p.MaxLength != 20 || !p.NoEcho {
		t.Errorf("parameter Name: %+v", p)
	}
	if s := tmpl.Parameters["Size"]; *s.MinValue != 1 || *s.MaxValue != 10.5 {
		t.Errorf("parameter Size: %+v", s)
	}
	a := tmpl.Resources["A"]
	if a.DeletionPolicy != "Retain" || a.UpdateReplacePolicy != "RetainExceptOnCreate" || len(a.DependsOn) != 1 || a.DependsOn[0] != "B" {
		t.Errorf("resource A: %+v", a)
	}
	if tmpl.Resources["B"].Properties != nil || tmpl.Resources["B"].DependsOn[0] != "C" {
		t.Errorf("resource B: %+v", tmpl.Resources["B"])
	}
	if o := tmpl.Outputs["Out"]; o.Description != "the output" || o.ExportName == nil {
		t.Errorf("output: %+v", o)
	}
}
