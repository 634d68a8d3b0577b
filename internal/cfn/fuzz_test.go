package cfn

import (
	"context"
	"os"
	"testing"
)

func fuzzSeeds(f *testing.F) {
	for _, name := range []string{"cdk-identitypool.template.json", "identitypool.yaml"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"", "{", "[]", "null", "Resources: {R: {Type: A::B::C}}",
		"Resources:\n  R: {Type: Test::Res::Thing, Properties: {V: !Sub '${A.B}'}}\n",
		"Resources:\n  R: {Type: Test::Res::Thing, Properties: {V: !GetAtt [R, !Ref X]}}\n",
		"a: &a [*a]\nResources: {}",
		"Conditions: {A: !Condition A}\nResources: {R: {Type: Test::Res::Thing, Condition: A}}",
		poolTemplate, thingChain, intrinsicBase,
		`{"Resources": {"R": {"Type": "Test::Res::Thing", "Properties": {"V": {"Fn::Select": ["-1", []]}}}}}`,
		"Resources:\n  R: {Type: Test::Res::Thing, Properties: {V: !If [C, !Ref AWS::NoValue, [!Ref AWS::NoValue]]}}\nConditions: {C: !Equals [1, 1.0]}\n",
	} {
		f.Add([]byte(s))
	}
}

// FuzzParse checks that the parser never panics.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		tmpl, err := Parse(data)
		if err == nil && tmpl == nil {
			t.Fatal("nil template without error")
		}
	})
}

// FuzzPlanApply checks that planning and applying whatever parses never
// panics and that a second apply of an applied template is a no-op.
func FuzzPlanApply(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		tmpl, err := Parse(data)
		if err != nil {
			return
		}
		e, fc, _ := newTestEngine(t)
		in := Input{StackName: "fuzz"}
		if _, err := e.PlanFrom(tmpl, in, nil); err != nil {
			return
		}
		if _, err := e.Apply(context.Background(), tmpl, in); err != nil {
			return
		}
		fc.Reset()
		if _, err := e.Apply(context.Background(), tmpl, in); err != nil {
			t.Fatalf("second apply failed: %v", err)
		}
		if n := len(fc.Calls()); n != 0 {
			t.Fatalf("second apply made %d calls: %s", n, fc.Trace())
		}
	})
}
