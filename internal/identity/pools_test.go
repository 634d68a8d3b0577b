package identity

import "testing"

func TestUserPoolProviderParts(t *testing.T) {
	for _, tc := range []struct {
		in, region, pool string
		ok               bool
	}{
		{"cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc", "eu-west-1", "eu-west-1_Abc", true},
		{"cognito-idp.eu-west-1.amazonaws.com/", "", "", false},
		{"cognito-idp.eu-west-1.amazonaws.com/a/b", "", "", false},
		{"cognito-idp.amazonaws.com/eu-west-1_Abc", "", "", false},
		{"cognito-idp.a.b.amazonaws.com/p", "", "", false},
		{"evil.example.com/eu-west-1_Abc", "", "", false},
		{"cognito-idp.eu-west-1.amazonaws.com/Abc", "", "", false},
		{"cognito-idp.eu-west-1.example.com/p", "", "", false},
	} {
		region, pool, ok := UserPoolProviderParts(tc.in)
		if region != tc.region || pool != tc.pool || ok != tc.ok {
			t.Errorf("UserPoolProviderParts(%q) = %q, %q, %v; want %q, %q, %v", tc.in, region, pool, ok, tc.region, tc.pool, tc.ok)
		}
	}
}
