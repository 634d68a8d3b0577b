package identity

import "testing"

func TestEvaluateRoleMapping(t *testing.T) {
	const (
		admin  = "arn:aws:iam::123456789012:role/Admin"
		reader = "arn:aws:iam::123456789012:role/Reader"
		other  = "arn:aws:iam::123456789012:role/Other"
	)
	rules := RoleMapping{Type: "Rules", Rules: []MappingRule{
		{Claim: "custom:dept", MatchType: "Equals", Value: "eng", RoleARN: admin},
		{Claim: "email", MatchType: "Contains", Value: "@example.com", RoleARN: reader},
		{Claim: "sub", MatchType: "StartsWith", Value: "svc-", RoleARN: other},
		{Claim: "custom:tier", MatchType: "NotEqual", Value: "free", RoleARN: other},
	}}
	token := RoleMapping{Type: "Token"}
	tests := []struct {
		name   string
		m      RoleMapping
		claims map[string]any
		custom string
		want   string
	}{
		{"rules: first match wins", rules, map[string]any{"custom:dept": "eng", "email": "a@example.com"}, "", admin},
		{"rules: later rule", rules, map[string]any{"custom:dept": "ops", "email": "a@example.com"}, "", reader},
		{"rules: StartsWith", rules, map[string]any{"sub": "svc-42"}, "", other},
		{"rules: NotEqual with the claim present", rules, map[string]any{"custom:tier": "pro"}, "", other},
		{"rules: NotEqual skipped when the claim is absent", rules, map[string]any{"sub": "u1"}, "", ""},
		{"rules: NotEqual does not match an equal value", rules, map[string]any{"custom:tier": "free"}, "", ""},
		{"rules: Equals is exact", rules, map[string]any{"custom:dept": "engineering"}, "", ""},
		{"rules: array claims match any element", rules, map[string]any{"custom:dept": []any{"ops", "eng"}}, "", admin},
		{"rules: CustomRoleArn picks a matching rule", rules, map[string]any{"custom:dept": "eng", "email": "a@example.com"}, reader, reader},
		{"rules: CustomRoleArn of no matching rule falls back to the first match", rules, map[string]any{"custom:dept": "eng"}, reader, admin},
		{"token: preferred role", token, map[string]any{"cognito:roles": []any{admin, reader}, "cognito:preferred_role": reader}, "", reader},
		{"token: single role", token, map[string]any{"cognito:roles": []any{admin}}, "", admin},
		{"token: several roles without preference is ambiguous", token, map[string]any{"cognito:roles": []any{admin, reader}}, "", ""},
		{"token: CustomRoleArn among the roles", token, map[string]any{"cognito:roles": []any{admin, reader}, "cognito:preferred_role": admin}, reader, reader},
		{"token: CustomRoleArn not among the roles", token, map[string]any{"cognito:roles": []any{admin}}, other, ""},
		{"token: no roles", token, map[string]any{"sub": "x"}, "", ""},
		{"token: comma-separated roles claim", token, map[string]any{"cognito:roles": admin}, "", admin},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := EvaluateRoleMapping(tc.m, tc.claims, tc.custom); got != tc.want {
				t.Fatalf("EvaluateRoleMapping = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestChooseRole(t *testing.T) {
	const (
		auth   = "arn:aws:iam::123456789012:role/Auth"
		unauth = "arn:aws:iam::123456789012:role/Unauth"
		mapped = "arn:aws:iam::123456789012:role/Mapped"
		saml1  = "arn:aws:iam::123456789012:role/Saml1"
		saml2  = "arn:aws:iam::123456789012:role/Saml2"
		up     = "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"
		sp     = "arn:aws:iam::123456789012:saml-provider/idp"
	)
	pool := &Pool{
		AllowUnauthenticated: true,
		Roles:                map[string]string{"authenticated": auth, "unauthenticated": unauth},
		RoleMappings: map[string]RoleMapping{
			up + ":client": {Type: "Rules", AmbiguousRoleResolution: "AuthenticatedRole", Rules: []MappingRule{{Claim: "group", MatchType: "Equals", Value: "x", RoleARN: mapped}}},
			up + ":deny":   {Type: "Rules", AmbiguousRoleResolution: "Deny", Rules: []MappingRule{{Claim: "group", MatchType: "Equals", Value: "x", RoleARN: mapped}}},
		},
	}
	login := func(key string, claims map[string]any) []VerifiedLogin {
		return []VerifiedLogin{{Login: Login{Provider: up, Subject: "s"}, RoleKey: key, Claims: claims}}
	}
	samlLogin := func(pairs ...any) []VerifiedLogin {
		return []VerifiedLogin{{Login: Login{Provider: sp, Subject: "n"}, Claims: map[string]any{samlRoleAttribute: pairs}}}
	}
	tests := []struct {
		name     string
		auth     bool
		vls      []VerifiedLogin
		custom   string
		want     string
		wantCode Code
	}{
		{"guest", false, nil, "", unauth, ""},
		{"authenticated without mapping", true, login(up+":other", nil), "", auth, ""},
		{"rules match", true, login(up+":client", map[string]any{"group": "x"}), "", mapped, ""},
		{"ambiguous → authenticated role", true, login(up+":client", map[string]any{"group": "y"}), "", auth, ""},
		{"ambiguous → deny", true, login(up+":deny", map[string]any{"group": "y"}), "", "", CodeNotAuthorized},
		{"saml single role", true, samlLogin(saml1 + "," + sp), "", saml1, ""},
		{"saml several roles, custom picks", true, samlLogin(saml1+","+sp, sp+","+saml2), saml2, saml2, ""},
		{"saml several roles, no choice", true, samlLogin(saml1+","+sp, saml2+","+sp), "", "", CodeInvalidParameter},
		{"saml custom role not granted", true, samlLogin(saml1 + "," + sp), saml2, "", CodeNotAuthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := chooseRole(pool, tc.auth, tc.vls, tc.custom)
			if tc.wantCode != "" {
				if ErrorCode(err) != tc.wantCode {
					t.Fatalf("chooseRole error = %v, want %s", err, tc.wantCode)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("chooseRole = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	noRoles := &Pool{AllowUnauthenticated: true}
	if _, err := chooseRole(noRoles, false, nil, ""); ErrorCode(err) != CodeInvalidIdentityPoolConfig {
		t.Fatalf("no unauthenticated role: %v, want InvalidIdentityPoolConfigurationException", err)
	}
}
