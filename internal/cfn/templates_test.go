package cfn

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCDKSynthTemplate applies a template shaped like `cdk synth` output for
// CfnIdentityPool + CfnIdentityPoolRoleAttachment + iam.Role: hashed logical
// IDs, CDKMetadata, BootstrapVersion, CheckBootstrapVersion, aws:cdk:path
// metadata, Fn::Join-built ARNs and an AWS::IAM::Policy idpool skips.
func TestCDKSynthTemplate(t *testing.T) {
	src := readTestdata(t, "cdk-identitypool.template.json")
	e, fc, store := newTestEngine(t)
	in := Input{StackName: "IdpStack"}
	tmpl := mustParse(t, src)

	plan, err := e.Plan(t.Context(), tmpl, in)
	if err != nil {
		t.Fatal(err)
	}
	wantOrder := "Create OidcProviderE2A5C0B3, Create IdentityPoolE4A0D3B4, Create AdminRole38563C57, " +
		"Create IdentityPoolAuthenticatedRoleB074B49D, Create IdentityPoolUnauthenticatedRoleE61CAC70, " +
		"Create IdentityPoolDefaultRoleAttachment6BCAB114, Create PrincipalTags2B4C9D1E"
	if got := actions(plan.Changes); got != wantOrder {
		t.Fatalf("plan\n%s\nwant\n%s", got, wantOrder)
	}
	var skipped []string
	for _, s := range plan.Skipped {
		skipped = append(skipped, s.Section+"."+s.Name+":"+string(s.Kind))
	}
	wantSkipped := []string{
		"Parameters.BootstrapVersion:cdk-boilerplate",
		"Rules.CheckBootstrapVersion:cdk-boilerplate",
		"Resources.CDKMetadata:cdk-boilerplate",
		"Resources.IdentityPoolAuthenticatedRoleDefaultPolicy6CE2F0D8:unsupported-type",
	}
	if !reflect.DeepEqual(skipped, wantSkipped) {
		t.Errorf("skipped %v, want %v", skipped, wantSkipped)
	}
	if len(plan.Notes) != 1 || !strings.Contains(plan.Notes[0], "IdentityPoolAuthenticatedRoleDefaultPolicy6CE2F0D8") {
		t.Errorf("notes %v", plan.Notes)
	}

	res, err := e.Apply(t.Context(), tmpl, in)
	if err != nil {
		t.Fatal(err)
	}
	st := stored(t, store, "IdpStack")
	pool := st.Resources["IdentityPoolE4A0D3B4"].Props
	cip := pool["CognitoIdentityProviders"].([]any)[0].(map[string]any)
	if cip["ProviderName"] != "cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI" {
		t.Errorf("ProviderName %v", cip["ProviderName"])
	}
	if arns := pool["OpenIdConnectProviderARNs"].([]any); arns[0] != "arn:aws:iam::123456789012:oidc-provider/login.example.com" {
		t.Errorf("OpenIdConnectProviderARNs %v", arns)
	}
	auth := st.Resources["IdentityPoolAuthenticatedRoleB074B49D"].Props
	if auth["Description"] != "Default Authenticated Role for Identity Pool IdpStackIdentityPool3F1B2A9C" ||
		auth["ManagedPolicyArns"].([]any)[0] != "arn:aws:iam::aws:policy/ReadOnlyAccess" {
		t.Errorf("authenticated role %v", auth)
	}
	att := st.Resources["IdentityPoolDefaultRoleAttachment6BCAB114"].Props
	m := att["RoleMappings"].(map[string]any)["mapping1"].(map[string]any)
	rule := m["RulesConfiguration"].(map[string]any)["Rules"].([]any)[0].(map[string]any)
	if m["IdentityProvider"] != "cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI:1example23456789" ||
		rule["RoleARN"] != "arn:aws:iam::123456789012:role/idp-admin" {
		t.Errorf("role mapping %v", m)
	}
	if got := st.Resources["PrincipalTags2B4C9D1E"].PhysicalID; got != "us-east-1:pool-2|cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI" {
		t.Errorf("principal tag physical ID %q", got)
	}
	if len(res.Outputs) != 2 || res.Outputs[1].Name != "IdentityPoolId" || res.Outputs[1].ExportName != "IdpStack:IdentityPoolId" {
		t.Errorf("outputs %+v", res.Outputs)
	}

	// Re-applying the same synth output is a no-op.
	fc.Reset()
	if _, err := e.Apply(t.Context(), mustParse(t, src), in); err != nil {
		t.Fatal(err)
	}
	if len(fc.Calls()) != 0 {
		t.Fatalf("re-apply called %s", fc.Trace())
	}

	// Editing the app (guests off) updates the pool only. The roles'
	// descriptions read the pool's Name, so the plan marks them as
	// possibly changing; apply finds them unchanged.
	fc.Reset()
	edited := mustParse(t, strings.Replace(src, `"AllowUnauthenticatedIdentities": true`, `"AllowUnauthenticatedIdentities": false`, 1))
	plan, err = e.Plan(t.Context(), edited, in)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Changes[1].Action != ActionUpdate || !reflect.DeepEqual(plan.Changes[1].Paths, []string{"AllowUnauthenticatedIdentities"}) {
		t.Errorf("pool change %+v", plan.Changes[1])
	}
	if c := plan.Changes[3]; c.Action != ActionUpdate || !reflect.DeepEqual(c.Dynamic, []string{"Description"}) {
		t.Errorf("dependent role change %+v", c)
	}
	res, err = e.Apply(t.Context(), edited, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := fc.Trace(); got != "Update IdentityPoolE4A0D3B4" {
		t.Fatalf("calls %q", got)
	}
	if got := actions(res.Changes); strings.Count(got, "NoOp") != 6 {
		t.Errorf("changes %s", got)
	}
}

func TestHandWrittenYAMLTemplate(t *testing.T) {
	src := readTestdata(t, "identitypool.yaml")
	e, fc, store := newTestEngine(t)
	res := mustApply(t, e, src, nil)
	if got := fc.Trace(); got != "Create Saml, Create Pool, Create GuestRole, Create Tags, Create UserRole, Create Roles" {
		t.Fatalf("calls %q", got)
	}
	st := stored(t, store, "test")
	pool := st.Resources["Pool"].Props
	if pool["IdentityPoolName"] != "test_dev" || pool["AllowUnauthenticatedIdentities"] != true || pool["DeveloperProviderName"] != "login.dev.example" {
		t.Errorf("pool %v", pool)
	}
	if cips := pool["CognitoIdentityProviders"].([]any); len(cips) != 2 || cips[0].(map[string]any)["ServerSideTokenCheck"] != false {
		t.Errorf("providers %v", cips)
	}
	if guest := st.Resources["GuestRole"].Props; guest["MaxSessionDuration"] != 2.0 {
		t.Errorf("MaxSessionDuration %#v", guest["MaxSessionDuration"])
	}
	if saml := st.Resources["Saml"].Props["SamlMetadataDocument"].(string); !strings.Contains(saml, `entityID="https://idp.example.com/dev"`) {
		t.Errorf("saml %q", saml)
	}
	rm := st.Resources["Roles"].Props["RoleMappings"].(map[string]any)["userpool"].(map[string]any)
	if rm["IdentityProvider"] != "cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI:${Select}" {
		t.Errorf("IdentityProvider %v", rm["IdentityProvider"])
	}
	wantOut := []Output{
		{Name: "IdentityPoolId", Value: "us-east-1:pool-2", ExportName: "test-IdentityPoolId"},
		{Name: "IdentityPoolName", Value: "test_dev"},
		{Name: "PrincipalTagId", Value: "us-east-1:pool-2|cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI"},
	}
	if !reflect.DeepEqual(res.Outputs, wantOut) {
		t.Errorf("outputs %+v", res.Outputs)
	}

	// prod: the pool changes in place, its name too; the principal-tag
	// mapping keeps its create-only properties.
	fc.Reset()
	res = mustApply(t, e, src, map[string]string{"Stage": "prod", "AppClientIds": "1example23456789,"})
	if got := fc.Trace(); got != "Update Saml, Update Pool" {
		t.Fatalf("calls %q", got)
	}
	pool = fc.Calls()[1].Props
	if _, ok := pool["DeveloperProviderName"]; ok || pool["IdentityPoolName"] != "test_prod" || len(pool["CognitoIdentityProviders"].([]any)) != 1 {
		t.Errorf("prod pool %v", pool)
	}
	if len(res.Outputs) != 4 || res.Outputs[3].Name != "ProdOnly" || res.Outputs[1].Value != "test_prod" {
		t.Errorf("outputs %+v", res.Outputs)
	}

	// Deleting the stack keeps the retained role.
	fc.Reset()
	if _, err := e.DeleteStack(t.Context(), "test", nil); err != nil {
		t.Fatal(err)
	}
	if got := fc.Trace(); got != "Delete Roles, Delete Tags, Delete GuestRole, Delete Pool, Delete Saml" {
		t.Fatalf("calls %q", got)
	}
	if live := fc.Live(); !reflect.DeepEqual(live, []string{"test-users"}) {
		t.Errorf("live %v", live)
	}
}
