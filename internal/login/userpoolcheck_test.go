package login

import (
	"strings"
	"testing"
)

func TestNewUserPoolCheckerConfig(t *testing.T) {
	const iss = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc"
	if c, err := NewUserPoolChecker(UserPoolCheckConfig{}); c != nil || err != nil {
		t.Errorf("no endpoints: %v, %v; want nil, nil", c, err)
	}
	for name, cfg := range map[string]UserPoolCheckConfig{
		"no credentials": {Endpoints: map[string]string{iss: "http://127.0.0.1:1"}},
		"not an issuer":  {Endpoints: map[string]string{"cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc": "http://127.0.0.1:1"}, AccessKeyID: "a", SecretAccessKey: "b"},
		"not a URL":      {Endpoints: map[string]string{iss: "127.0.0.1:1"}, AccessKeyID: "a", SecretAccessKey: "b"},
		"foreign issuer": {Endpoints: map[string]string{"https://accounts.google.com/x": "http://127.0.0.1:1"}, AccessKeyID: "a", SecretAccessKey: "b"},
	} {
		if _, err := NewUserPoolChecker(cfg); err == nil || !strings.Contains(err.Error(), "login:") {
			t.Errorf("%s: error %v, want a login: configuration error", name, err)
		}
	}
	c, err := NewUserPoolChecker(UserPoolCheckConfig{Endpoints: map[string]string{iss: "http://127.0.0.1:1"}, AccessKeyID: "a", SecretAccessKey: "b"})
	if err != nil || c == nil || c.pools["cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc"].id != "eu-west-1_Abc" {
		t.Fatalf("valid config: %v, %v", c, err)
	}
	// A user pool without an endpoint is not asked.
	if err := c.CheckUser(t.Context(), "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other", "client", nil); err != nil {
		t.Errorf("unlisted user pool: %v, want nil", err)
	}
}
