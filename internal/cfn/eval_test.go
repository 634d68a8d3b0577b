package cfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// intrinsicBase is a template with one resource, Subject, whose property V
// is the expression under test (%s).
const intrinsicBase = `
AWSTemplateFormatVersion: 2010-09-09
Parameters:
  Env: {Type: String, Default: prod, AllowedValues: [dev, prod]}
  Count: {Type: Number, Default: 3}
  Names: {Type: CommaDelimitedList, Default: "x,y,z"}
  Nums: {Type: "List<Number>", Default: "1,2"}
  AttrName: {Type: String, Default: Name}
Mappings:
  RegionMap:
    us-east-1: {Short: use1, Zones: [a, b]}
    eu-west-1: {Short: euw1}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Equals [!Ref "AWS::Region", us-east-1]]
  Either: !Or [!Condition IsDev, !Equals [!Ref Count, 3]]
  Neither: !Not [{"Fn::Or": [{"Condition": "IsDev"}, {"Fn::Equals": ["a", "b"]}]}]
Resources:
  Other:
    Type: Test::Res::Thing
    Properties: {Name: other-name}
  Unsupported:
    Type: AWS::S3::Bucket
  DevOnly:
    Type: Test::Res::Thing
    Condition: IsDev
  Subject:
    Type: Test::Res::Thing
    Properties:
      V: %s
`

const absent = "<absent>"

func TestIntrinsics(t *testing.T) {
	stackID := "arn:aws:cloudformation:us-east-1:123456789012:stack/test/00000000-0000-4000-8000-000000000001"
	cases := []struct {
		name, expr string
		want       string // JSON, or absent
		wantErr    string
	}{
		// Ref
		{"ref string param", `!Ref Env`, `"prod"`, ""},
		{"ref long form", `{Ref: Env}`, `"prod"`, ""},
		{"ref number param is a string", `!Ref Count`, `"3"`, ""},
		{"ref comma list", `!Ref Names`, `["x","y","z"]`, ""},
		{"ref number list", `!Ref Nums`, `["1","2"]`, ""},
		{"ref region", `!Ref AWS::Region`, `"us-east-1"`, ""},
		{"ref account", `!Ref AWS::AccountId`, `"123456789012"`, ""},
		{"ref stack name", `!Ref AWS::StackName`, `"test"`, ""},
		{"ref stack id", `!Ref AWS::StackId`, `"` + stackID + `"`, ""},
		{"ref partition", `!Ref AWS::Partition`, `"aws"`, ""},
		{"ref url suffix", `!Ref AWS::URLSuffix`, `"amazonaws.com"`, ""},
		{"ref notification arns", `!Ref AWS::NotificationARNs`, `[]`, ""},
		{"ref novalue removes property", `!Ref AWS::NoValue`, absent, ""},
		{"ref resource", `!Ref Other`, `"thing-1"`, ""},
		{"ref unknown", `!Ref Nope`, "", `Resources.Subject.Properties.V: Ref: unknown parameter or resource "Nope"`},
		{"ref unknown pseudo", `!Ref AWS::Foo`, "", `Ref: unknown pseudo parameter "AWS::Foo"`},
		{"ref non-literal", `{Ref: [a]}`, "", `Ref: the argument must be a literal parameter or resource name, not a list`},
		{"ref skipped resource", `!Ref Unsupported`, "", `Resources.Subject.Properties.V: Ref: resource "Unsupported" (AWS::S3::Bucket) is skipped: no provider for AWS::S3::Bucket`},
		{"ref inactive resource", `!Ref DevOnly`, "", `Ref: resource "DevOnly" is not created because its condition "IsDev" is false`},
		{"ref inactive resource inside if", `!If [IsDev, !Ref DevOnly, none]`, `"none"`, ""},

		// Fn::GetAtt
		{"getatt dotted", `!GetAtt Other.Arn`, `"arn:aws:test:::thing/thing-1"`, ""},
		{"getatt list", `!GetAtt [Other, Name]`, `"other-name"`, ""},
		{"getatt long form", `{"Fn::GetAtt": ["Other", "Nested.Deep"]}`, `"deep"`, ""},
		{"getatt dotted nested attribute", `!GetAtt Other.Nested.Deep`, `"deep"`, ""},
		{"getatt attribute from ref", `!GetAtt [Other, !Ref AttrName]`, `"other-name"`, ""},
		{"getatt list attribute", `!GetAtt Other.List`, `["a","b","c"]`, ""},
		{"getatt unknown attribute", `!GetAtt Other.Foo`, "", `Resources.Subject.Properties.V: Fn::GetAtt: unknown attribute "Foo" of resource "Other"`},
		{"getatt unknown resource", `!GetAtt Nope.Arn`, "", `Fn::GetAtt: unknown resource "Nope"`},
		{"getatt malformed", `!GetAtt Other`, "", `Fn::GetAtt: expected "LogicalID.Attribute", got "Other"`},
		{"getatt skipped", `!GetAtt Unsupported.Arn`, "", `Fn::GetAtt: resource "Unsupported" (AWS::S3::Bucket) is skipped`},
		{"getatt pseudo", `!GetAtt [AWS::Region, Foo]`, "", `is a pseudo parameter, not a resource`},

		// Fn::Sub
		{"sub string", `!Sub "${AWS::Region}-${Env}-${Other}-${Other.Name}"`, `"us-east-1-prod-thing-1-other-name"`, ""},
		{"sub with vars", `!Sub ["${A}/${B}/${Env}", {A: !Ref Count, B: !GetAtt Other.Arn}]`, `"3/arn:aws:test:::thing/thing-1/prod"`, ""},
		{"sub var shadows param", `!Sub ["${Env}", {Env: shadow}]`, `"shadow"`, ""},
		{"sub literal", `!Sub "${!Literal}-${Env}-$${Env}"`, `"${Literal}-prod-$prod"`, ""},
		{"sub nested attribute", `!Sub "${Other.Nested.Deep}"`, `"deep"`, ""},
		{"sub no vars", `!Sub plain text`, `"plain text"`, ""},
		{"sub long form", `{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}`, `"arn:aws:iam::123456789012:root"`, ""},
		{"sub unknown var", `!Sub "${Nope}"`, "", `Fn::Sub: unknown parameter or resource "Nope"`},
		{"sub unknown attribute", `!Sub "${Other.Foo}"`, "", `Fn::Sub: unknown attribute "Foo" of resource "Other"`},
		{"sub unterminated", `!Sub "${Env"`, "", `Fn::Sub: unterminated`},
		{"sub list var", `!Sub ["${A}", {A: [x]}]`, "", `Fn::Sub: ${A} resolves to a list, not a string`},
		{"sub list param", `!Sub "${Names}"`, "", `Fn::Sub: ${Names} resolves to a list`},
		{"sub novalue", `!Sub "${AWS::NoValue}"`, "", `${AWS::NoValue} cannot be substituted`},
		{"sub bad form", `{"Fn::Sub": [a]}`, "", `Fn::Sub: expected a string or [string, {variables}]`},

		// Fn::Join, Fn::Select, Fn::Split
		{"join", `!Join [",", [a, !Ref Env, !Ref Count, 7, true]]`, `"a,prod,3,7,true"`, ""},
		{"join list param", `!Join ["", !Ref Names]`, `"xyz"`, ""},
		{"join skips novalue", `!Join ["-", [a, !If [IsDev, b, !Ref AWS::NoValue], c]]`, `"a-c"`, ""},
		{"join select", `!Join ["-", [!Select [1, !Ref Names], !Select ["0", !GetAtt Other.List]]]`, `"y-a"`, ""},
		{"join not a list", `!Join [",", notalist]`, "", `Fn::Join: the values must be a list, not a string`},
		{"join nested list", `!Join [",", [[a]]]`, "", `Fn::Join: element 0 is a list, not a string`},
		{"join non-literal delimiter", `!Join [!Ref Env, [a]]`, "", `Fn::Join: the delimiter must be a literal string`},
		{"split", `!Split [",", "a,b,,c"]`, `["a","b","","c"]`, ""},
		{"select split arn", `!Select [1, !Split ["/", !GetAtt Other.Arn]]`, `"thing-1"`, ""},
		{"select from param index", `!Select [!Ref Count, [a, b, c, d]]`, `"d"`, ""},
		{"select out of range", `!Select [5, [a]]`, "", `Fn::Select: index 5 is out of range for a list of 1`},
		{"select bad index", `!Select [x, [a]]`, "", `Fn::Select: the index must be an integer`},
		{"split empty delimiter", `!Split ["", x]`, "", `Fn::Split: the delimiter must be a non-empty literal string`},
		{"split non-string", `!Split [",", [a]]`, "", `Fn::Split: the source must be a string`},
		{"deeply nested", `!Join ["", [!Select [0, !Split ["-", !Sub "${Env}-x"]], "!", !Base64 {"Fn::Join": ["", [a, b]]}]]`, `"prod!YWI="`, ""},

		// Conditions and Fn::If
		{"if true", `!If [IsProd, yes-prod, no]`, `"yes-prod"`, ""},
		{"if false novalue", `!If [IsDev, dev, !Ref AWS::NoValue]`, absent, ""},
		{"if and", `!If [Both, both, nope]`, `"both"`, ""},
		{"if or", `!If [Either, e, ne]`, `"e"`, ""},
		{"if not or long forms", `!If [Neither, n, o]`, `"n"`, ""},
		{"if nested", `!If [IsDev, a, !If [IsProd, !Sub "${Env}!", c]]`, `"prod!"`, ""},
		{"if unknown condition", `!If [NoSuchCond, a, b]`, "", `Fn::If: unknown condition "NoSuchCond"`},
		{"if bad form", `!If [IsProd, a]`, "", `Fn::If: expected [condition name, value if true, value if false]`},
		{"error in untaken branch", `!If [IsProd, ok, !Ref Nope]`, "", `Ref: unknown parameter or resource "Nope"`},
		{"equals outside conditions", `!Equals [a, b]`, "", `Fn::Equals can only be used in the Conditions section`},

		// Fn::FindInMap, Fn::Base64
		{"findinmap", `!FindInMap [RegionMap, !Ref "AWS::Region", Short]`, `"use1"`, ""},
		{"findinmap list", `!FindInMap [RegionMap, us-east-1, Zones]`, `["a","b"]`, ""},
		{"findinmap missing key", `!FindInMap [RegionMap, ap-south-1, Short]`, "", `Fn::FindInMap: mapping "RegionMap" has no key "ap-south-1"`},
		{"findinmap missing second key", `!FindInMap [RegionMap, eu-west-1, Zones]`, "", `has no key "Zones" under "eu-west-1"`},
		{"findinmap unknown map", `!FindInMap [Nope, a, b]`, "", `Fn::FindInMap: unknown mapping "Nope"`},
		{"findinmap default", `!FindInMap [RegionMap, a, b, {DefaultValue: x}]`, "", `needs the AWS::LanguageExtensions transform`},
		{"base64", `!Base64 hello`, `"aGVsbG8="`, ""},
		{"base64 of sub", `{"Fn::Base64": {"Fn::Sub": "${Env}"}}`, `"cHJvZA=="`, ""},
		{"base64 list", `!Base64 [a]`, "", `Fn::Base64: the argument must be a string, not a list`},

		// NoValue in structures, plain values
		{"novalue in list", `[a, !If [IsDev, b, !Ref AWS::NoValue], c]`, `["a","c"]`, ""},
		{"novalue in map", `{k1: v, k2: !Ref AWS::NoValue}`, `{"k1":"v"}`, ""},
		{"number literal", `42`, `42`, ""},
		{"quoted number", `"042"`, `"042"`, ""},

		// Refused functions
		{"getazs refused", `!GetAZs ""`, "", `Fn::GetAZs is not supported: idpool has no availability zones`},
		{"importvalue refused", `!ImportValue SharedPoolId`, "", `Fn::ImportValue is not supported`},
		{"cidr refused", `{"Fn::Cidr": ["10.0.0.0/16", 2, 8]}`, "", `Fn::Cidr is not supported`},
		{"transform refused", `{"Fn::Transform": {Name: AWS::Include}}`, "", `Fn::Transform is not supported`},
		{"length refused", `!Length [a]`, "", `Fn::Length is not supported: it needs the AWS::LanguageExtensions transform`},
		{"unknown function", `{"Fn::Bogus": 1}`, "", `unknown intrinsic function "Fn::Bogus"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, fc, store := newTestEngine(t)
			src := fmt.Sprintf(intrinsicBase, c.expr)
			tmpl, err := Parse([]byte(src))
			if err == nil {
				_, err = e.Apply(context.Background(), tmpl, Input{StackName: "test"})
			}
			if c.wantErr != "" {
				if err == nil {
					t.Fatalf("want error %q, got none", c.wantErr)
				}
				if !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %q does not contain %q", err, c.wantErr)
				}
				if len(fc.Calls()) != 0 {
					t.Errorf("template error reached providers: %s", fc.Trace())
				}
				if _, gerr := store.Get(context.Background(), "test"); !errors.Is(gerr, ErrStackNotFound) {
					t.Errorf("state stored after an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			got, ok := stored(t, store, "test").Resources["Subject"].Props["V"]
			if c.want == absent {
				if ok {
					t.Fatalf("V = %#v, want absent", got)
				}
				return
			}
			var want any
			if err := json.Unmarshal([]byte(c.want), &want); err != nil {
				t.Fatal(err)
			}
			if !ok || !equal(got, want) {
				t.Fatalf("V = %#v, want %s", got, c.want)
			}
		})
	}
}

func TestConditionErrors(t *testing.T) {
	cases := []struct{ name, conds, wantErr string }{
		{"ref to resource", `C: !Equals [!Ref R, x]`, `Conditions.C: Ref: conditions cannot refer to resources ("R")`},
		{"circular", "A: !Condition B\n  B: !Condition A", `circular condition reference`},
		{"not boolean", `C: !Ref P`, `Conditions.C: a condition must evaluate to true or false`},
		{"unknown condition", `C: !Condition Nope`, `unknown condition "Nope"`},
		{"and arity", `C: !And [!Equals [a, a]]`, `Fn::And: expected a list of 2 to 10 conditions`},
		{"not arity", `C: !Not [!Equals [a, a], !Equals [a, a]]`, `Fn::Not: expected a list of one condition`},
		{"equals arity", `C: !Equals [a]`, `Fn::Equals: expected a list of two values`},
		{"and of non-condition", `C: !And [x, !Equals [a, a]]`, `Fn::And: expected a condition`},
		{"getatt", `C: !Equals [!GetAtt R.Arn, x]`, `conditions cannot refer to resources`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, _, _ := newTestEngine(t)
			src := "Parameters:\n  P: {Type: String, Default: x}\nConditions:\n  " + c.conds + "\nResources:\n  R: {Type: Test::Res::Thing}\n"
			tmpl, err := Parse([]byte(src))
			if err == nil {
				_, err = e.PlanFrom(tmpl, Input{StackName: "s"}, nil)
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %v, want %q", err, c.wantErr)
			}
		})
	}
}

func TestParseSub(t *testing.T) {
	parts, err := parseSub("a${B}c${!D}${ E.F }")
	if err != nil {
		t.Fatal(err)
	}
	want := []subPart{{lit: "a"}, {name: "B", isVar: true}, {lit: "c${D}"}, {name: "E.F", isVar: true}}
	if fmt.Sprint(parts) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", parts, want)
	}
	for _, bad := range []string{"${", "x${}", "${a"} {
		if _, err := parseSub(bad); err == nil {
			t.Errorf("parseSub(%q): no error", bad)
		}
	}
}

func TestUnsupportedIsMarked(t *testing.T) {
	e, _, _ := newTestEngine(t)
	tmpl := mustParse(t, fmt.Sprintf(intrinsicBase, `!ImportValue X`))
	_, err := e.PlanFrom(tmpl, Input{StackName: "s"}, nil)
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("errors.Is(%v, ErrUnsupported) = false", err)
	}
	tmpl = mustParse(t, fmt.Sprintf(intrinsicBase, `!Ref Nope`))
	_, err = e.PlanFrom(tmpl, Input{StackName: "s"}, nil)
	if err == nil || errors.Is(err, ErrUnsupported) {
		t.Fatalf("plain template error marked unsupported: %v", err)
	}
}
