package awsmodel

import (
	"errors"
	"strings"
	"testing"
)

func checkMsg(t *testing.T, s *Service, op, body string) (string, error) {
	t.Helper()
	err := s.Check(op, []byte(body))
	var ve *ValidationError
	var se *SerializationError
	switch {
	case err == nil:
		return "", nil
	case errors.As(err, &ve):
		return ve.Message(), err
	case errors.As(err, &se):
		return "", err
	}
	t.Fatalf("%s %s: unexpected error %T %v", op, body, err, err)
	return "", nil
}

// TestObservedMessages reproduces, byte for byte, ValidationException
// messages captured from the live Cognito Identity service.
func TestObservedMessages(t *testing.T) {
	s := CognitoIdentity()
	for _, tc := range []struct {
		source, op, body, want string
	}{
		{
			"aws/aws-sdk-cpp#1085 (2019)", "GetCredentialsForIdentity",
			`{"IdentityId":"","Logins":{"xx.xx.xx/xx-xx-xx-xx-xx":""}}`,
			`3 validation errors detected: Value '{xx.xx.xx/xx-xx-xx-xx-xx=}' at 'logins' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 50000, Member must have length greater than or equal to 1]; Value '' at 'identityId' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'identityId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+:[0-9a-f-]+`,
		},
		{
			"aws-amplify/amplify-js#7845 (2021)", "GetId",
			`{"IdentityPoolId":"us-east-1:0123abcd-0000-4000-8000-0123456789ab","Logins":{"cognito-idp.us-east-1.amazonaws.com/us-east-1_5AO0qbaSS":""}}`,
			`1 validation error detected: Value '{cognito-idp.us-east-1.amazonaws.com/us-east-1_5AO0qbaSS=}' at 'logins' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 50000, Member must have length greater than or equal to 1]`,
		},
		{
			"aws-amplify/amplify-swift#2864, moto", "GetId",
			`{"IdentityPoolId":"us-east-2:mock"}`,
			`1 validation error detected: Value 'us-east-2:mock' at 'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+:[0-9a-f-]+`,
		},
		{
			"getmoto/moto#4415 (verified against AWS)", "CreateIdentityPool",
			`{"IdentityPoolName":"pool#name","AllowUnauthenticatedIdentities":false}`,
			`1 validation error detected: Value 'pool#name' at 'identityPoolName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w\s+=,.@-]+`,
		},
	} {
		got, _ := checkMsg(t, s, tc.op, tc.body)
		if got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.source, got, tc.want)
		}
	}
	// A fragment quoted from a live response (serverless-stack notes):
	// the ARN also breaks the pattern, so AWS must have listed two errors.
	got, _ := checkMsg(t, s, "GetId", `{"IdentityPoolId":"arn:aws:cognito-idp:us-east-1:100641718971:userpool/us-east-1_y3LHvvlPG"}`)
	if !strings.Contains(got, `Value 'arn:aws:cognito-idp:us-east-1:100641718971:userpool/us-east-1_y3LHvvlPG' at 'identityPoolId' failed to satisfy constraint: Member must have length less than or equal to 55`) {
		t.Errorf("ARN as pool id: %s", got)
	}
}

func TestValidation(t *testing.T) {
	s := CognitoIdentity()
	const pool = "us-east-1:0123abcd-0000-4000-8000-0123456789ab"
	const arn = "arn:aws:iam::123456789012:role/r"
	z56 := strings.Repeat("z", 56)
	for _, tc := range []struct {
		name, op, body, want string
	}{
		{"valid GetId", "GetId", `{"IdentityPoolId":"` + pool + `","AccountId":"123456789012","Logins":{"graph.facebook.com":"tok"}}`, ""},
		{"empty body is {}", "GetId", ``,
			`1 validation error detected: Value null at 'identityPoolId' failed to satisfy constraint: Member must not be null`},
		{"whitespace body is {}", "GetId", " \n\t",
			`1 validation error detected: Value null at 'identityPoolId' failed to satisfy constraint: Member must not be null`},
		{"null is absent", "GetId", `{"IdentityPoolId":null}`,
			`1 validation error detected: Value null at 'identityPoolId' failed to satisfy constraint: Member must not be null`},
		{"member names are case-sensitive", "GetId", `{"identitypoolid":"` + pool + `"}`,
			`1 validation error detected: Value null at 'identityPoolId' failed to satisfy constraint: Member must not be null`},
		{"unknown members are ignored, whatever their type", "GetId", `{"IdentityPoolId":"` + pool + `","identityPoolId":5,"Foo":{"x":[1,{"y":null}]}}`, ""},
		{"duplicate key: last wins", "GetId", `{"IdentityPoolId":"bad","IdentityPoolId":"` + pool + `"}`, ""},
		{"optional null members", "GetId", `{"IdentityPoolId":"` + pool + `","Logins":null,"AccountId":null}`, ""},
		{"two required members, HashMap order", "CreateIdentityPool", `{}`,
			`2 validation errors detected: Value null at 'identityPoolName' failed to satisfy constraint: Member must not be null; Value null at 'allowUnauthenticatedIdentities' failed to satisfy constraint: Member must not be null`},
		{"four required members, HashMap order", "UnlinkDeveloperIdentity", `{}`,
			`4 validation errors detected: Value null at 'developerUserIdentifier' failed to satisfy constraint: Member must not be null; Value null at 'identityId' failed to satisfy constraint: Member must not be null; Value null at 'developerProviderName' failed to satisfy constraint: Member must not be null; Value null at 'identityPoolId' failed to satisfy constraint: Member must not be null`},
		{"two violations of one value, HashSet order", "DescribeIdentity", `{"IdentityId":"` + z56 + `"}`,
			`2 validation errors detected: Value '` + z56 + `' at 'identityId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+:[0-9a-f-]+; Value '` + z56 + `' at 'identityId' failed to satisfy constraint: Member must have length less than or equal to 55`},
		{"integer below min", "ListIdentityPools", `{"MaxResults":0}`,
			`1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1`},
		{"integer above max", "ListIdentityPools", `{"MaxResults":61}`,
			`1 validation error detected: Value '61' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 60`},
		{"fraction truncated", "ListIdentityPools", `{"MaxResults":60.9}`, ""},
		{"fraction truncated then checked", "ListIdentityPools", `{"MaxResults":0.5}`,
			`1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1`},
		{"exponent", "ListIdentityPools", `{"MaxResults":6e1}`, ""},
		{"long above max", "GetOpenIdTokenForDeveloperIdentity", `{"IdentityPoolId":"` + pool + `","Logins":{"login.dev":"u1"},"TokenDuration":86401}`,
			`1 validation error detected: Value '86401' at 'tokenDuration' failed to satisfy constraint: Member must have value less than or equal to 86400`},
		{"pagination key pattern", "ListIdentityPools", `{"MaxResults":1,"NextToken":"a b"}`,
			`1 validation error detected: Value 'a b' at 'nextToken' failed to satisfy constraint: Member must satisfy regular expression pattern: [\S]+`},
		{"length in UTF-16 units: 512 emoji = 1024", "LookupDeveloperIdentity", `{"IdentityPoolId":"` + pool + `","DeveloperUserIdentifier":"` + strings.Repeat("😀", 512) + `"}`, ""},
		{"length in UTF-16 units: 513 emoji = 1026", "LookupDeveloperIdentity", `{"IdentityPoolId":"` + pool + `","DeveloperUserIdentifier":"` + strings.Repeat("😀", 513) + `"}`,
			`1 validation error detected: Value '` + strings.Repeat("😀", 513) + `' at 'developerUserIdentifier' failed to satisfy constraint: Member must have length less than or equal to 1024`},
		{"list of strings: element summary", "CreateIdentityPool", `{"IdentityPoolName":"p","AllowUnauthenticatedIdentities":true,"OpenIdConnectProviderARNs":["short",null,"` + arn + `"]}`,
			`1 validation error detected: Value '[short, ` + arn + `]' at 'openIdConnectProviderARNs' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 2048, Member must have length greater than or equal to 20]`},
		{"list of structures: nested path", "CreateIdentityPool", `{"IdentityPoolName":"p","AllowUnauthenticatedIdentities":true,"CognitoIdentityProviders":[{"ProviderName":"cognito-idp.us-east-1.amazonaws.com/us-east-1_abc","ClientId":"abc"},{"ProviderName":"bad name","ClientId":"x"}]}`,
			`1 validation error detected: Value 'bad name' at 'cognitoIdentityProviders.2.member.providerName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w._:/-]+`},
		{"null list elements are dropped before numbering", "CreateIdentityPool", `{"IdentityPoolName":"p","AllowUnauthenticatedIdentities":true,"CognitoIdentityProviders":[null,{"ClientId":"a b"}]}`,
			`1 validation error detected: Value 'a b' at 'cognitoIdentityProviders.1.member.clientId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w_]+`},
		{"list length after dropping nulls", "DeleteIdentities", `{"IdentityIdsToDelete":[null]}`,
			`1 validation error detected: Value '[]' at 'identityIdsToDelete' failed to satisfy constraint: Member must have length greater than or equal to 1`},
		{"map keys summary", "SetIdentityPoolRoles", `{"IdentityPoolId":"` + pool + `","Roles":{"admin":"` + arn + `"}}`,
			`1 validation error detected: Value '{admin=` + arn + `}' at 'roles' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: (un)?authenticated]`},
		{"map keys and values summaries", "SetIdentityPoolRoles", `{"IdentityPoolId":"` + pool + `","Roles":{"admin":"short"}}`,
			`2 validation errors detected: Value '{admin=short}' at 'roles' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: (un)?authenticated]; Value '{admin=short}' at 'roles' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 2048, Member must have length greater than or equal to 20]`},
		{"map size", "SetIdentityPoolRoles", `{"IdentityPoolId":"` + pool + `","Roles":{"authenticated":"` + arn + `","unauthenticated":"` + arn + `","authenticatedx":"` + arn + `"}}`,
			`2 validation errors detected: Value '{authenticated=` + arn + `, unauthenticated=` + arn + `, authenticatedx=` + arn + `}' at 'roles' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: (un)?authenticated]; Value '{authenticated=` + arn + `, unauthenticated=` + arn + `, authenticatedx=` + arn + `}' at 'roles' failed to satisfy constraint: Member must have length less than or equal to 2`},
		{"map of structures: enum at nested path", "SetIdentityPoolRoles", `{"IdentityPoolId":"` + pool + `","Roles":{},"RoleMappings":{"graph.facebook.com":{"Type":"Bogus"}}}`,
			`1 validation error detected: Value 'Bogus' at 'roleMappings.graph.facebook.com.member.type' failed to satisfy constraint: Member must satisfy enum value set: [Token, Rules]`},
		{"deep nesting: empty rule list", "SetIdentityPoolRoles", `{"IdentityPoolId":"` + pool + `","Roles":{},"RoleMappings":{"p":{"Type":"Rules","RulesConfiguration":{"Rules":[]}}}}`,
			`1 validation error detected: Value '[]' at 'roleMappings.p.member.rulesConfiguration.rules' failed to satisfy constraint: Member must have length greater than or equal to 1`},
		{"deep nesting: required members of a rule", "SetIdentityPoolRoles", `{"IdentityPoolId":"` + pool + `","Roles":{},"RoleMappings":{"p":{"Type":"Rules","RulesConfiguration":{"Rules":[{}]}}}}`,
			`4 validation errors detected: Value null at 'roleMappings.p.member.rulesConfiguration.rules.1.member.matchType' failed to satisfy constraint: Member must not be null; Value null at 'roleMappings.p.member.rulesConfiguration.rules.1.member.roleARN' failed to satisfy constraint: Member must not be null; Value null at 'roleMappings.p.member.rulesConfiguration.rules.1.member.claim' failed to satisfy constraint: Member must not be null; Value null at 'roleMappings.p.member.rulesConfiguration.rules.1.member.value' failed to satisfy constraint: Member must not be null`},
		{"sensitive map values are masked", "GetId", `{"IdentityPoolId":"` + pool + `","Logins":{"a1":"t","a2":"t","a3":"t","a4":"t","a5":"t","a6":"t","a7":"t","a8":"t","a9":"t","b1":"t","b2":"t"}}`,
			`1 validation error detected: Value '{a1=***, b2=***, a2=***, a3=***, a4=***, a5=***, a6=***, a7=***, a8=***, a9=***, b1=***}' at 'logins' failed to satisfy constraint: Member must have length less than or equal to 10`},
		{"summaries first (loginsToRemove before logins in HashMap order), then others", "UnlinkIdentity", `{"Logins":{"":"t"},"LoginsToRemove":["` + strings.Repeat("p", 129) + `"]}`,
			`3 validation errors detected: Value '[` + strings.Repeat("p", 129) + `]' at 'loginsToRemove' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]; Value '{=***}' at 'logins' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]; Value null at 'identityId' failed to satisfy constraint: Member must not be null`},
		{"tag values may be empty (min 0)", "TagResource", `{"ResourceArn":"` + arn + `","Tags":{"k":""}}`, ""},
		{"tag key too long", "TagResource", `{"ResourceArn":"` + arn + `","Tags":{"` + strings.Repeat("k", 129) + `":"v"}}`,
			`1 validation error detected: Value '{` + strings.Repeat("k", 129) + `=v}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]`},
	} {
		got, err := checkMsg(t, s, tc.op, tc.body)
		if err != nil && got == "" {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func TestValidationCap(t *testing.T) {
	s := CognitoIdentity()
	var providers []string
	for range 12 {
		providers = append(providers, `{"ClientId":"a b"}`)
	}
	body := `{"IdentityPoolName":"p","AllowUnauthenticatedIdentities":true,"CognitoIdentityProviders":[` + strings.Join(providers, ",") + `]}`
	err := s.Check("CreateIdentityPool", []byte(body))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
	if len(ve.Violations) != MaxViolations {
		t.Fatalf("%d violations", len(ve.Violations))
	}
	msg := ve.Message()
	if !strings.HasPrefix(msg, "10 validation errors detected: Value 'a b' at 'cognitoIdentityProviders.1.member.clientId'") ||
		!strings.HasSuffix(msg, "Value 'a b' at 'cognitoIdentityProviders.10.member.clientId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w_]+") {
		t.Errorf("message %s", msg)
	}
	if v := ve.Violations[0]; v.Path != "cognitoIdentityProviders.1.member.clientId" || v.Kind != ValueShown || v.Value != "a b" || v.Constraint != `Member must satisfy regular expression pattern: [\w_]+` {
		t.Errorf("violation %+v", v)
	}
	if ve.Type() != "ValidationException" || !strings.HasPrefix(ve.Error(), "ValidationException: 10 validation errors") {
		t.Errorf("Type %q Error %q", ve.Type(), ve.Error())
	}
}

// sensitiveModel has a sensitive top-level member, which Cognito Identity
// lacks (its only sensitive input is the value of the Logins map).
const sensitiveModel = `{"metadata":{"apiVersion":"2016-04-18","protocol":"json"},
 "operations":{"SignUp":{"name":"SignUp","input":{"shape":"SignUpRequest"}}},
 "shapes":{
  "SignUpRequest":{"type":"structure","required":["Username","Password","GroupName"],"members":{
    "Username":{"shape":"UsernameType"},"Password":{"shape":"PasswordType"},"GroupName":{"shape":"GroupNameType"},
    "Secret":{"shape":"GroupNameType","sensitive":true},
    "Ratio":{"shape":"Ratio"},"Data":{"shape":"Data"},"Items":{"shape":"Items"}}},
  "UsernameType":{"type":"string","max":128,"min":1,"pattern":"[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+","sensitive":true},
  "PasswordType":{"type":"string","max":256,"min":6,"pattern":"[\\S]+","sensitive":true},
  "GroupNameType":{"type":"string","max":128,"min":1},
  "Ratio":{"type":"double","max":1.0,"min":0.0},
  "Data":{"type":"blob","max":4},
  "Items":{"type":"list","member":{"shape":"Item"},"max":1},
  "Item":{"type":"structure","members":{"Ratio":{"shape":"Ratio"},"Name":{"shape":"GroupNameType"}}}
 }}`

func TestSensitiveAndOtherTypes(t *testing.T) {
	s, err := Load([]byte(sensitiveModel))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, body, want string }{
		// Cognito user pools: "Value at 'password' failed to satisfy
		// constraint: Member must have length greater than or equal to 6".
		{"sensitive value is left out", `{"Username":"u","GroupName":"g","Password":"abc"}`,
			`1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length greater than or equal to 6`},
		// Cognito user pools: "Value null at 'groupName' ...; Value at
		// 'username' failed to satisfy constraint: Member must not be null".
		{"sensitive null is left out too", `{"Password":"abcdefg"}`,
			`2 validation errors detected: Value null at 'groupName' failed to satisfy constraint: Member must not be null; Value at 'username' failed to satisfy constraint: Member must not be null`},
		{"member-level sensitive", `{"Username":"u","GroupName":"g","Password":"abcdefg","Secret":""}`,
			`1 validation error detected: Value at 'secret' failed to satisfy constraint: Member must have length greater than or equal to 1`},
		{"double range", `{"Username":"u","GroupName":"g","Password":"abcdefg","Ratio":1.5}`,
			`1 validation error detected: Value '1.5' at 'ratio' failed to satisfy constraint: Member must have value less than or equal to 1.0`},
		{"double in range", `{"Username":"u","GroupName":"g","Password":"abcdefg","Ratio":0.5}`, ``},
		{"double NaN string", `{"Username":"u","GroupName":"g","Password":"abcdefg","Ratio":"NaN"}`, ``},
		{"blob length in bytes", `{"Username":"u","GroupName":"g","Password":"abcdefg","Data":"AAAAAAA="}`,
			`1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=5 cap=5]' at 'data' failed to satisfy constraint: Member must have length less than or equal to 4`},
		{"list of structures rendered", `{"Username":"u","GroupName":"g","Password":"abcdefg","Items":[{"Name":"a","Ratio":1},{}]}`,
			`1 validation error detected: Value '[{Name=a, Ratio=1.0}, {}]' at 'items' failed to satisfy constraint: Member must have length less than or equal to 1`},
	} {
		got, err := checkMsg(t, s, "SignUp", tc.body)
		if err != nil && got == "" {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
	for _, body := range []string{
		`{"Username":"u","GroupName":"g","Password":"abcdefg","Data":"!!!"}`,
		`{"Username":"u","GroupName":"g","Password":"abcdefg","Ratio":"1"}`,
	} {
		if err := s.Check("SignUp", []byte(body)); !isSerialization(err) {
			t.Errorf("%s: %v", body, err)
		}
	}
}

func isSerialization(err error) bool {
	var se *SerializationError
	return errors.As(err, &se)
}

func TestSerializationErrors(t *testing.T) {
	s := CognitoIdentity()
	const pool = `"IdentityPoolId":"us-east-1:0123abcd-0000-4000-8000-0123456789ab"`
	for _, tc := range []struct {
		op, body, want string
	}{
		// Malformed JSON and non-object top levels: no message.
		{"GetId", `{`, ""},
		{"GetId", `{"IdentityPoolId":}`, ""},
		{"GetId", `{"IdentityPoolId":"x",}`, ""},
		{"GetId", `{"IdentityPoolId" "x"}`, ""},
		{"GetId", `{"IdentityPoolId":"x"} {}`, ""},
		{"GetId", `{"IdentityPoolId":"x"}x`, ""},
		{"GetId", `{'IdentityPoolId':'x'}`, ""},
		{"GetId", `{"IdentityPoolId":"\x"}`, ""},
		{"GetId", "{\"IdentityPoolId\":\"\xff\"}", ""},
		{"GetId", `nul`, ""},
		{"GetId", `null`, ""},
		{"GetId", `"x"`, ""},
		{"GetId", `1`, ""},
		{"GetId", `true`, ""},
		{"GetId", `{"A":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}`, ""},
		{"GetId", `[]`, "Start of list found where not expected"},
		{"GetId", `[{"IdentityPoolId":"x"}]`, "Start of list found where not expected"},
		// Wrong JSON type for a member.
		{"GetId", `{"IdentityPoolId":1}`, "NUMBER_VALUE can not be converted to a String"},
		{"GetId", `{"IdentityPoolId":1.5}`, "NUMBER_VALUE can not be converted to a String"},
		{"GetId", `{"IdentityPoolId":true}`, "TRUE_VALUE can not be converted to a String"},
		{"GetId", `{"IdentityPoolId":false}`, "FALSE_VALUE can not be converted to a String"},
		{"GetId", `{"IdentityPoolId":["x"]}`, "Start of list found where not expected"},
		{"GetId", `{"IdentityPoolId":{"a":1}}`, "Start of structure or map found where not expected."},
		{"GetId", `{` + pool + `,"Logins":"x"}`, "Expected map or null"},
		{"GetId", `{` + pool + `,"Logins":[]}`, "Start of list found where not expected"},
		{"GetId", `{` + pool + `,"Logins":{"a":1}}`, "NUMBER_VALUE can not be converted to a String"},
		{"CreateIdentityPool", `{"AllowUnauthenticatedIdentities":"true"}`, "STRING_VALUE can not be converted to a Boolean"},
		{"CreateIdentityPool", `{"AllowUnauthenticatedIdentities":1}`, "NUMBER_VALUE can not be converted to a Boolean"},
		{"CreateIdentityPool", `{"AllowUnauthenticatedIdentities":{}}`, "Start of structure or map found where not expected."},
		{"CreateIdentityPool", `{"OpenIdConnectProviderARNs":"x"}`, "Expected list or null"},
		{"CreateIdentityPool", `{"OpenIdConnectProviderARNs":true}`, "Expected list or null"},
		{"CreateIdentityPool", `{"OpenIdConnectProviderARNs":{}}`, "Start of structure or map found where not expected."},
		{"CreateIdentityPool", `{"OpenIdConnectProviderARNs":[["a"]]}`, "Start of list found where not expected"},
		{"CreateIdentityPool", `{"CognitoIdentityProviders":["x"]}`, "Expected null"},
		{"CreateIdentityPool", `{"CognitoIdentityProviders":[1]}`, "Expected null"},
		{"CreateIdentityPool", `{"CognitoIdentityProviders":[[]]}`, "Start of list found where not expected"},
		{"CreateIdentityPool", `{"CognitoIdentityProviders":[{"ServerSideTokenCheck":"no"}]}`, "STRING_VALUE can not be converted to a Boolean"},
		{"ListIdentityPools", `{"MaxResults":"1"}`, "STRING_VALUE can not be converted to an Integer"},
		{"ListIdentityPools", `{"MaxResults":true}`, "TRUE_VALUE can not be converted to an Integer"},
		{"ListIdentityPools", `{"MaxResults":false}`, "FALSE_VALUE can not be converted to an Integer"},
		{"ListIdentityPools", `{"MaxResults":[1]}`, "Start of list found where not expected"},
		{"ListIdentityPools", `{"MaxResults":1e20}`, ""},
		{"ListIdentityPools", `{"MaxResults":2147483648}`, ""},
		{"GetOpenIdTokenForDeveloperIdentity", `{"TokenDuration":"5"}`, "STRING_VALUE can not be converted to a Long"},
		// The first type error in document order wins, before any
		// constraint is looked at.
		{"GetId", `{"Logins":"x","IdentityPoolId":1}`, "Expected map or null"},
		{"GetId", `{"IdentityPoolId":"bad","AccountId":5}`, "NUMBER_VALUE can not be converted to a String"},
	} {
		err := s.Check(tc.op, []byte(tc.body))
		var se *SerializationError
		if !errors.As(err, &se) {
			t.Errorf("%s %s: err = %v, want SerializationException", tc.op, tc.body, err)
			continue
		}
		if se.Message() != tc.want || se.Type() != "SerializationException" {
			t.Errorf("%s %s: %s %q, want %q", tc.op, tc.body, se.Type(), se.Message(), tc.want)
		}
	}
	if got := (&SerializationError{}).Error(); got != "SerializationException" {
		t.Errorf("Error() = %q", got)
	}
	if got := (&SerializationError{msg: "x"}).Error(); got != "SerializationException: x" {
		t.Errorf("Error() = %q", got)
	}
}

func TestDecode(t *testing.T) {
	s := CognitoIdentity()
	type in struct {
		IdentityPoolId string
		MaxResults     int
		Logins         map[string]string
	}
	var v in
	err := s.Decode("ListIdentities", []byte(`{"identitypoolid":"x","IdentityPoolId":"us-east-1:0a","IDENTITYPOOLID":"y","MaxResults":7.9,"HideDisabled":null}`), &v)
	if err != nil || v.IdentityPoolId != "us-east-1:0a" || v.MaxResults != 7 {
		t.Errorf("Decode = %+v, %v", v, err)
	}
	var g in
	err = s.Decode("GetId", []byte(`{"IdentityPoolId":"us-east-1:0a","Logins":{"a":"t","b":null}}`), &g)
	if err != nil || len(g.Logins) != 1 || g.Logins["a"] != "t" {
		t.Errorf("Decode = %+v, %v", g, err)
	}
	if err := s.Decode("GetId", []byte(`{}`), &g); err == nil {
		t.Error("Decode of an invalid body succeeded")
	}
	var anyv map[string]any
	if err := s.Decode("CreateIdentityPool", []byte(`{"IdentityPoolName":"p","AllowUnauthenticatedIdentities":true,"Foo":1,"CognitoIdentityProviders":[null,{"ClientId":"c"}],"IdentityPoolTags":{"k":"\u00e9\"\\"}}`), &anyv); err != nil {
		t.Fatal(err)
	}
	if _, ok := anyv["Foo"]; ok || len(anyv["CognitoIdentityProviders"].([]any)) != 1 || anyv["IdentityPoolTags"].(map[string]any)["k"] != "é\"\\" {
		t.Errorf("Decode = %v", anyv)
	}
}
