package awsmodel

import (
	"errors"
	"strings"
	"testing"
)

// FuzzCheck feeds arbitrary bodies to every operation: Check must never
// panic, must return only the documented error types, and a body it accepts
// must decode.
func FuzzCheck(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `[]`, `null`, `{"IdentityPoolId":"us-east-1:0123abcd-0000-4000-8000-0123456789ab"}`,
		`{"IdentityPoolId":"x","Logins":{"graph.facebook.com":"t","":null}}`,
		`{"IdentityId":"","Logins":{"xx.xx.xx/xx":""}}`,
		`{"IdentityPoolName":"p","AllowUnauthenticatedIdentities":true,"CognitoIdentityProviders":[{"ProviderName":"a","ClientId":"b","ServerSideTokenCheck":false},null]}`,
		`{"IdentityPoolId":"us-east-1:0a","Roles":{"authenticated":"arn:aws:iam::123456789012:role/r"},"RoleMappings":{"p":{"Type":"Rules","AmbiguousRoleResolution":"Deny","RulesConfiguration":{"Rules":[{"Claim":"c","MatchType":"Equals","Value":"v","RoleARN":"arn:aws:iam::123456789012:role/r"},{}]}}}}`,
		`{"MaxResults":1.5e1,"NextToken":"😀\u0000"}`,
		`{"TokenDuration":-9223372036854775809}`,
		`{"A":[[[[{}]]]]}`, "{\"\xff\":1}", `{"IdentityPoolId":"\ud800"}`,
	} {
		f.Add(seed)
	}
	s := CognitoIdentity()
	ops := s.Operations()
	f.Fuzz(func(t *testing.T, body string) {
		for _, op := range ops {
			err := s.Check(op, []byte(body))
			var ve *ValidationError
			var se *SerializationError
			switch {
			case err == nil:
				var v map[string]any
				if derr := s.Decode(op, []byte(body), &v); derr != nil {
					t.Fatalf("%s: Check accepted %q but Decode failed: %v", op, body, derr)
				}
			case errors.As(err, &ve):
				n := len(ve.Violations)
				if n == 0 || n > MaxViolations || !strings.Contains(ve.Message(), " detected: Value") {
					t.Fatalf("%s %q: bad ValidationError %q", op, body, ve.Message())
				}
			case errors.As(err, &se):
				_ = se.Message()
			default:
				t.Fatalf("%s %q: unexpected error %v", op, body, err)
			}
		}
	})
}
