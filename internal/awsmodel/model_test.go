package awsmodel

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCognitoIdentityModel(t *testing.T) {
	s := CognitoIdentity()
	if s != CognitoIdentity() {
		t.Fatal("CognitoIdentity is not parsed once")
	}
	if got := s.Metadata.TargetPrefix; got != "AWSCognitoIdentityService" {
		t.Errorf("TargetPrefix = %q", got)
	}
	if got := s.Metadata.JSONVersion; got != "1.1" {
		t.Errorf("JSONVersion = %q", got)
	}
	if n := len(s.Operations()); n != 23 {
		t.Errorf("%d operations, want 23", n)
	}
	if u := s.UncheckedPatterns(); len(u) != 0 {
		t.Errorf("unchecked patterns %v", u)
	}
	unsigned := []string{"GetCredentialsForIdentity", "GetId", "GetOpenIdToken", "UnlinkIdentity"}
	for _, name := range s.Operations() {
		op, ok := s.Operation(name)
		if !ok || op.Name != name {
			t.Fatalf("Operation(%q) = %v, %v", name, op, ok)
		}
		if want := slices.Contains(unsigned, name); op.AuthNone != want {
			t.Errorf("%s AuthNone = %v, want %v", name, op.AuthNone, want)
		}
		if op.InputShape == nil {
			t.Errorf("%s has no input shape", name)
		}
	}
	op, _ := s.Operation("GetId")
	if op.InputShape.Name != "GetIdInput" || op.OutputShape.Name != "GetIdResponse" {
		t.Errorf("GetId shapes %s → %s", op.InputShape.Name, op.OutputShape.Name)
	}
	if !slices.Contains(op.Errors, "NotAuthorizedException") {
		t.Errorf("GetId errors %v", op.Errors)
	}
	if _, ok := s.Operation("getid"); ok {
		t.Error("operation lookup is case-insensitive")
	}
	in := op.InputShape
	var names []string
	for _, m := range in.Members {
		names = append(names, m.Name)
	}
	if got := strings.Join(names, ","); got != "AccountId,IdentityPoolId,Logins" {
		t.Errorf("GetIdInput members in order %s", got)
	}
	m, _ := in.Member("IdentityPoolId")
	if !m.Required || m.Path != "identityPoolId" || m.Shape.Pattern != `[\w-]+:[0-9a-f-]+` || m.Shape.Max.Text != "55" {
		t.Errorf("IdentityPoolId member %+v shape %+v", m, m.Shape)
	}
	logins, _ := in.Member("Logins")
	if logins.Shape.Type != TypeMap || !logins.Shape.Value.Sensitive || logins.Sensitive {
		t.Errorf("Logins %+v", logins.Shape)
	}
	if names := EmbeddedNames(); !slices.Contains(names, "cognito-identity-2014-06-30.json") {
		t.Errorf("EmbeddedNames() = %v", names)
	}
}

// TestLoadSharedModels loads the other botocore models of the project (when
// the shared directory is around) to keep the package generic.
func TestLoadSharedModels(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/models/*-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9].json")
	if len(files) == 0 {
		t.Skip("no shared models")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Load(data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(s.Operations()) == 0 {
			t.Errorf("%s: no operations", f)
		}
		t.Logf("%s: %d operations, unchecked patterns %v", filepath.Base(f), len(s.Operations()), s.UncheckedPatterns())
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct{ name, model string }{
		{"not json", `{`},
		{"no metadata", `{"shapes":{"S":{"type":"string"}}}`},
		{"dangling member", `{"metadata":{"apiVersion":"1"},"shapes":{"S":{"type":"structure","members":{"A":{"shape":"Nope"}}}}}`},
		{"dangling input", `{"metadata":{"apiVersion":"1"},"operations":{"Op":{"input":{"shape":"Nope"}}},"shapes":{"S":{"type":"string"}}}`},
		{"list without member", `{"metadata":{"apiVersion":"1"},"shapes":{"L":{"type":"list"}}}`},
		{"map without value", `{"metadata":{"apiVersion":"1"},"shapes":{"S":{"type":"string"},"M":{"type":"map","key":{"shape":"S"}}}}`},
		{"unknown required", `{"metadata":{"apiVersion":"1"},"shapes":{"S":{"type":"structure","required":["X"],"members":{}}}}`},
		{"bad min", `{"metadata":{"apiVersion":"1"},"shapes":{"S":{"type":"string","min":"x"}}}`},
	} {
		if _, err := Load([]byte(tc.model)); err == nil {
			t.Errorf("%s: Load succeeded", tc.name)
		}
	}
	if _, err := Embedded("nope.json"); err == nil {
		t.Error("Embedded(nope.json) succeeded")
	}
	err := CognitoIdentity().Check("NoSuchOperation", []byte(`{}`))
	if !errors.Is(err, ErrUnknownOperation) {
		t.Errorf("unknown operation: %v", err)
	}
}

func TestUncheckedPattern(t *testing.T) {
	s, err := Load([]byte(`{"metadata":{"apiVersion":"1"},"operations":{"Op":{"input":{"shape":"In"}}},"shapes":{
		"In":{"type":"structure","members":{"A":{"shape":"S"}}},
		"S":{"type":"string","pattern":"^(?!aws:).*$"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.UncheckedPatterns(); !slices.Equal(got, []string{"S"}) {
		t.Errorf("UncheckedPatterns() = %v", got)
	}
	if err := s.Check("Op", []byte(`{"A":"aws:x"}`)); err != nil {
		t.Errorf("unchecked pattern enforced: %v", err)
	}
}

func TestLowerFirst(t *testing.T) {
	for in, want := range map[string]string{
		"IdentityPoolId":            "identityPoolId",
		"OpenIdConnectProviderARNs": "openIdConnectProviderARNs",
		"AWSAccountId":              "aWSAccountId",
		"SSESpecification":          "sSESpecification",
		"roleARN":                   "roleARN",
		"":                          "",
		"Ärger":                     "ärger",
		"1x":                        "1x",
	} {
		if got := LowerFirst(in); got != want {
			t.Errorf("LowerFirst(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJavaRegexp(t *testing.T) {
	for _, tc := range []struct {
		pat, in string
		want    bool
	}{
		{`[\w-]+:[0-9a-f-]+`, "us-east-1:0123abcd-ef", true},
		{`[\w-]+:[0-9a-f-]+`, "us-east-1:mock", false},
		{`[\w-]+:[0-9a-f-]+`, "x:ab\n", false}, // whole value must match
		{`\d+`, "123", true},
		{`\d+`, "١٢٣", false}, // Java \d is ASCII
		{`[\w\s+=,.@-]+`, "my pool\x0B", true},
		{`[\S]+`, "a\x0Bb", false},
		{`[\S]+`, "héllo😀", true},
		{`\S+`, "a\x0B", false},
		{`\s`, "\x0B", true},
		{`[\s\S]*`, "anything\n\x00", true},
		{`.+`, "a\rb", false},
		{`.+`, "a\u2028", false},
		{`.+`, "a\tb", true},
		{`[\u0020-\u00FF]+`, "abc\u00e9", true},
		{`[\u0020-\u00FF]+`, "\u0100", false},
		{`\u002F[\u0021-\u007F]*`, "/path/", true},
		{`[\p{L}\p{M}\p{S}\p{N}\p{P}]+`, "claim:ä😀", true},
		{`[\p{L}\p{M}\p{S}\p{N}\p{P}]+`, "a b", false},
		{`(un)?authenticated`, "unauthenticated", true},
		{`(un)?authenticated`, "authenticatedx", false},
		{`[\w+=,.@\:-]*`, "a:b", true},
		{`^[a-zA-Z0-9:_.-]+$`, "a.b", true},
	} {
		re, err := compileJavaRegexp(tc.pat)
		if err != nil {
			t.Errorf("%s: %v", tc.pat, err)
			continue
		}
		if got := re.MatchString(tc.in); got != tc.want {
			t.Errorf("%s matches %q = %v, want %v", tc.pat, tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{`^(?!aws:).*`, `a\`, `\u12`, `\uZZZZ`, `a*+`} {
		if _, err := compileJavaRegexp(bad); err == nil {
			t.Errorf("%s compiled", bad)
		}
	}
}

func TestJavaHash(t *testing.T) {
	// Values of java.lang.String.hashCode.
	for s, want := range map[string]int32{
		"":                   0,
		"a":                  97,
		"hello":              99162322,
		"Aa":                 2112,
		"BB":                 2112,
		"😀":                  1772899, // 31*0xD83D + 0xDE00
		"polygenelubricants": -2147483648,
	} {
		if got := javaStringHash(s); got != want {
			t.Errorf("hash(%q) = %d, want %d", s, got, want)
		}
	}
	for n, want := range map[int]int{0: 16, 12: 16, 13: 32, 24: 32, 25: 64} {
		if got := javaTableSize(n); got != want {
			t.Errorf("javaTableSize(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestJavaHashOrder pins HashMap iteration orders seen in AWS output.
func TestJavaHashOrder(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		// EventBridge rendered inputPathsMap sent in this order as
		// {de onde?=…, Quem foi?=…, o que?=…}.
		{[]string{"Quem foi?", "o que?", "de onde?"}, []string{"de onde?", "Quem foi?", "o que?"}},
		// DynamoDB: attributeType before attributeName, writeCapacityUnits
		// before readCapacityUnits, attributeName before keyType.
		{[]string{"attributeName", "attributeType"}, []string{"attributeType", "attributeName"}},
		{[]string{"readCapacityUnits", "writeCapacityUnits"}, []string{"writeCapacityUnits", "readCapacityUnits"}},
		{[]string{"attributeName", "keyType"}, []string{"attributeName", "keyType"}},
		// SNS AddPermission: aWSAccountId, label, actionName.
		{[]string{"topicArn", "label", "aWSAccountId", "actionName"}, []string{"aWSAccountId", "label", "topicArn", "actionName"}},
		// Colliding keys keep insertion order.
		{[]string{"BB", "Aa"}, []string{"BB", "Aa"}},
		{nil, nil},
	} {
		var got []string
		for _, i := range javaHashOrder(tc.in) {
			got = append(got, tc.in[i])
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("order(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestUTF16Len(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "é": 1, "😀": 2, "a😀b": 4, "\xff": 1} {
		if got := utf16Len(s); got != want {
			t.Errorf("utf16Len(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestJavaDouble(t *testing.T) {
	for f, want := range map[float64]string{
		0: "0.0", 1: "1.0", 0.5: "0.5", -2.25: "-2.25", 1e7: "1.0E7", 1.5e10: "1.5E10",
		0.001: "0.001", 0.0001: "1.0E-4", 123456.789: "123456.789",
	} {
		if got := javaDouble(f); got != want {
			t.Errorf("javaDouble(%v) = %q, want %q", f, got, want)
		}
	}
}

// TestEmbeddedModelsAreVerbatim keeps the embedded copies equal to the
// shared botocore models they were copied from.
func TestEmbeddedModelsAreVerbatim(t *testing.T) {
	for _, name := range EmbeddedNames() {
		shared, err := os.ReadFile(filepath.Join("../../../shared/models", name))
		if err != nil {
			t.Skipf("shared model %s: %v", name, err)
		}
		embedded, _ := models.ReadFile("models/" + name)
		if string(shared) != string(embedded) {
			t.Errorf("models/%s differs from shared/models/%s", name, name)
		}
	}
}
