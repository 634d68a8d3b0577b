package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/idpool/idpool/internal/iam/iamtest"
	"github.com/idpool/idpool/internal/testserver"
)

// ccCLI is `aws cloudcontrol` against srv with the server's profile.
func ccCLI(t *testing.T, srv *testserver.Server) *cliClient {
	t.Helper()
	c := newCLI(t, srv)
	c.service = "cloudcontrol"
	return c
}

func ccJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ccModel decodes a ResourceModel or Properties string.
func ccModel(t *testing.T, s any) obj {
	t.Helper()
	str, ok := s.(string)
	if !ok {
		t.Fatalf("model is %T, not a JSON string", s)
	}
	var m obj
	if err := json.Unmarshal([]byte(str), &m); err != nil {
		t.Fatalf("model %q: %v", str, err)
	}
	return m
}

// ccEvent runs a mutating command and returns its ProgressEvent.
func ccEvent(t *testing.T, c *cliClient, op string, params obj) obj {
	t.Helper()
	out := mustOK(t, c, op, params)
	ev, ok := out["ProgressEvent"].(obj)
	if !ok {
		t.Fatalf("%s: no ProgressEvent in %v", op, out)
	}
	for _, k := range []string{"RequestToken", "EventTime", "Operation", "OperationStatus", "TypeName"} {
		if ev[k] == nil || ev[k] == "" {
			t.Errorf("%s: ProgressEvent lacks %s: %v", op, k, ev)
		}
	}
	return ev
}

// ccSucceeded checks a SUCCESS event and returns its identifier and model.
func ccSucceeded(t *testing.T, ev obj, typ, op string) (string, obj) {
	t.Helper()
	if ev["OperationStatus"] != "SUCCESS" || ev["Operation"] != op || ev["TypeName"] != typ {
		t.Fatalf("event %v, want %s %s SUCCESS", ev, typ, op)
	}
	id, _ := ev["Identifier"].(string)
	if id == "" {
		t.Fatalf("event without Identifier: %v", ev)
	}
	if ev["ResourceModel"] == nil {
		return id, nil
	}
	return id, ccModel(t, ev["ResourceModel"])
}

func ccGet(t *testing.T, c *cliClient, typ, id string) obj {
	t.Helper()
	return ccGetAs(t, c, typ, id, id)
}

// ccGetAs reads a resource by id and checks that Cloud Control reports it
// under the primary identifier want.
func ccGetAs(t *testing.T, c *cliClient, typ, id, want string) obj {
	t.Helper()
	out := mustOK(t, c, "GetResource", obj{"TypeName": typ, "Identifier": id})
	if out["TypeName"] != typ {
		t.Errorf("GetResource TypeName %v, want %s", out["TypeName"], typ)
	}
	d := out["ResourceDescription"].(obj)
	if d["Identifier"] != want {
		t.Errorf("GetResource Identifier %v, want %s", d["Identifier"], want)
	}
	return ccModel(t, d["Properties"])
}

// TestCloudControlCLI round-trips every supported type through
// `aws cloudcontrol` (create, get, update with a JSON patch, list, delete)
// and checks the result through the cognito-identity and IAM APIs, then the
// request records and the errors Cloud Control raises.
func TestCloudControlCLI(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		srv := b.start(t)
		ctx := t.Context()
		cc := ccCLI(t, srv)
		ci := newSDK(t, srv)
		im := iamClient(t, srv)

		// AWS::IAM::OIDCProvider
		const oidcType = "AWS::IAM::OIDCProvider"
		ev := ccEvent(t, cc, "CreateResource", obj{"TypeName": oidcType,
			"DesiredState": ccJSON(t, obj{"Url": "https://login.example.com", "ClientIdList": []string{"web-app"}})})
		oidcARN, m := ccSucceeded(t, ev, oidcType, "CREATE")
		if want := fmt.Sprintf("arn:aws:iam::%s:oidc-provider/login.example.com", srv.AccountID); oidcARN != want || m["Arn"] != want {
			t.Fatalf("OIDC provider identifier %s, model Arn %v, want %s", oidcARN, m["Arn"], want)
		}
		ccEvent(t, cc, "UpdateResource", obj{"TypeName": oidcType, "Identifier": oidcARN,
			"PatchDocument": `[{"op":"add","path":"/ClientIdList/-","value":"mobile"}]`})
		op, err := im.GetOpenIDConnectProvider(ctx, &awsiam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(oidcARN)})
		if err != nil {
			t.Fatal(err)
		}
		if got := op.ClientIDList; !slices.Equal(got, []string{"web-app", "mobile"}) {
			t.Errorf("IAM ClientIDList after patch %v", got)
		}
		if got := ccGet(t, cc, oidcType, oidcARN)["ClientIdList"]; canon(t, got) != canon(t, []any{"web-app", "mobile"}) {
			t.Errorf("GetResource ClientIdList %v", got)
		}
		// The same URL again: accepted, then FAILED with AlreadyExists.
		ev = ccEvent(t, cc, "CreateResource", obj{"TypeName": oidcType, "DesiredState": ccJSON(t, obj{"Url": "https://login.example.com"})})
		if ev["OperationStatus"] != "FAILED" || ev["ErrorCode"] != "AlreadyExists" || ev["StatusMessage"] == nil {
			t.Errorf("duplicate OIDC provider: %v", ev)
		}
		failedToken := ev["RequestToken"].(string)
		// Url is create-only.
		ccWantErr(t, cc, "UpdateResource", obj{"TypeName": oidcType, "Identifier": oidcARN,
			"PatchDocument": `[{"op":"replace","path":"/Url","value":"https://other.example.com"}]`},
			"NotUpdatableException", "Invalid patch update: createOnlyProperties [/properties/Url] cannot be updated")

		// AWS::IAM::SAMLProvider
		const samlType = "AWS::IAM::SAMLProvider"
		ev = ccEvent(t, cc, "CreateResource", obj{"TypeName": samlType,
			"DesiredState": ccJSON(t, obj{"Name": "corp", "SamlMetadataDocument": iamtest.SAMLMetadata(t, "https://idp.example.com")})})
		samlARN, _ := ccSucceeded(t, ev, samlType, "CREATE")
		if want := fmt.Sprintf("arn:aws:iam::%s:saml-provider/corp", srv.AccountID); samlARN != want {
			t.Errorf("SAML provider identifier %s, want %s", samlARN, want)
		}

		// AWS::IAM::Role
		const roleType = "AWS::IAM::Role"
		trust := obj{"Version": "2012-10-17", "Statement": []obj{{"Effect": "Allow",
			"Principal": obj{"Federated": "cognito-identity.amazonaws.com"}, "Action": "sts:AssumeRoleWithWebIdentity"}}}
		ev = ccEvent(t, cc, "CreateResource", obj{"TypeName": roleType,
			"DesiredState": ccJSON(t, obj{"RoleName": "cc-auth", "AssumeRolePolicyDocument": trust})})
		roleName, m := ccSucceeded(t, ev, roleType, "CREATE")
		roleARN := fmt.Sprintf("arn:aws:iam::%s:role/cc-auth", srv.AccountID)
		if roleName != "cc-auth" || m["Arn"] != roleARN {
			t.Errorf("role identifier %s, Arn %v", roleName, m["Arn"])
		}
		if _, err := im.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("cc-auth")}); err != nil {
			t.Errorf("IAM GetRole: %v", err)
		}

		// AWS::Cognito::IdentityPool
		const poolType = "AWS::Cognito::IdentityPool"
		ev = ccEvent(t, cc, "CreateResource", obj{"TypeName": poolType, "DesiredState": ccJSON(t, obj{
			"IdentityPoolName": "cc_pool", "AllowUnauthenticatedIdentities": true, "DeveloperProviderName": "login.mycompany",
			"OpenIdConnectProviderARNs": []string{oidcARN}, "SamlProviderARNs": []string{samlARN},
			"IdentityPoolTags": []obj{{"Key": "env", "Value": "dev"}},
		})})
		poolID, m := ccSucceeded(t, ev, poolType, "CREATE")
		if !strings.HasPrefix(poolID, srv.Region+":") || m["Id"] != poolID || m["Name"] != "cc_pool" {
			t.Fatalf("pool identifier %s, model %v", poolID, m)
		}
		ccEvent(t, cc, "UpdateResource", obj{"TypeName": poolType, "Identifier": poolID,
			"PatchDocument": `[{"op":"replace","path":"/AllowUnauthenticatedIdentities","value":false},{"op":"test","path":"/IdentityPoolName","value":"cc_pool"}]`})
		pool, err := ci.DescribeIdentityPool(ctx, &cognitoidentity.DescribeIdentityPoolInput{IdentityPoolId: aws.String(poolID)})
		if err != nil {
			t.Fatal(err)
		}
		if pool.AllowUnauthenticatedIdentities || aws.ToString(pool.DeveloperProviderName) != "login.mycompany" ||
			!slices.Equal(pool.OpenIdConnectProviderARNs, []string{oidcARN}) || pool.IdentityPoolTags["env"] != "dev" {
			t.Errorf("pool after update: %+v", pool)
		}
		// A failing "test" changes nothing.
		ccWantErr(t, cc, "UpdateResource", obj{"TypeName": poolType, "Identifier": poolID,
			"PatchDocument": `[{"op":"replace","path":"/AllowUnauthenticatedIdentities","value":true},{"op":"test","path":"/IdentityPoolName","value":"other"}]`},
			"InvalidRequestException", "")
		if got := ccGet(t, cc, poolType, poolID)["AllowUnauthenticatedIdentities"]; got != false {
			t.Errorf("failed patch changed the pool: AllowUnauthenticatedIdentities %v", got)
		}
		ccWantErr(t, cc, "UpdateResource", obj{"TypeName": poolType, "Identifier": poolID,
			"PatchDocument": `[{"op":"replace","path":"/Id","value":"x"}]`},
			"InvalidRequestException", "Invalid patch update: readOnlyProperties [/properties/Id] cannot be updated")

		// AWS::Cognito::IdentityPoolRoleAttachment
		const attType = "AWS::Cognito::IdentityPoolRoleAttachment"
		ev = ccEvent(t, cc, "CreateResource", obj{"TypeName": attType, "DesiredState": ccJSON(t, obj{
			"IdentityPoolId": poolID, "Roles": obj{"authenticated": roleARN},
			"RoleMappings": obj{"oidc": obj{"IdentityProvider": "login.example.com", "Type": "Rules", "AmbiguousRoleResolution": "Deny",
				"RulesConfiguration": obj{"Rules": []obj{{"Claim": "group", "MatchType": "Equals", "Value": "admin", "RoleARN": roleARN}}}}},
		})})
		attID, _ := ccSucceeded(t, ev, attType, "CREATE")
		if attID != poolID {
			t.Errorf("role attachment identifier %s, want the pool ID %s", attID, poolID)
		}
		roles, err := ci.GetIdentityPoolRoles(ctx, &cognitoidentity.GetIdentityPoolRolesInput{IdentityPoolId: aws.String(poolID)})
		if err != nil {
			t.Fatal(err)
		}
		if roles.Roles["authenticated"] != roleARN || len(roles.RoleMappings) != 1 || roles.RoleMappings["login.example.com"].Type != "Rules" {
			t.Errorf("roles after attachment: %+v", roles)
		}
		ccEvent(t, cc, "UpdateResource", obj{"TypeName": attType, "Identifier": attID,
			"PatchDocument": ccJSON(t, []obj{{"op": "add", "path": "/Roles/unauthenticated", "value": roleARN}})})
		if got := ccGet(t, cc, attType, attID)["Roles"]; canon(t, got) != canon(t, obj{"authenticated": roleARN, "unauthenticated": roleARN}) {
			t.Errorf("attachment Roles after patch: %v", got)
		}
		out := mustOK(t, cc, "ListResources", obj{"TypeName": attType, "ResourceModel": ccJSON(t, obj{"IdentityPoolId": poolID})})
		if ds := out["ResourceDescriptions"].([]any); len(ds) != 1 || ds[0].(obj)["Identifier"] != poolID {
			t.Errorf("ListResources role attachments: %v", out)
		}
		ccWantErr(t, cc, "ListResources", obj{"TypeName": attType}, "InvalidRequestException", "")

		// AWS::Cognito::IdentityPoolPrincipalTag
		const tagType = "AWS::Cognito::IdentityPoolPrincipalTag"
		ev = ccEvent(t, cc, "CreateResource", obj{"TypeName": tagType, "DesiredState": ccJSON(t, obj{
			"IdentityPoolId": poolID, "IdentityProviderName": "login.example.com", "PrincipalTags": obj{"team": "group"}, "UseDefaults": false,
		})})
		tagID, _ := ccSucceeded(t, ev, tagType, "CREATE")
		if tagID != poolID+"|login.example.com" {
			t.Errorf("principal tag identifier %s", tagID)
		}
		byJSON := ccGetAs(t, cc, tagType, ccJSON(t, obj{"IdentityPoolId": poolID, "IdentityProviderName": "login.example.com"}), tagID)
		if canon(t, byJSON["PrincipalTags"]) != canon(t, obj{"team": "group"}) {
			t.Errorf("principal tag by JSON identifier: %v", byJSON)
		}
		ptm, err := ci.GetPrincipalTagAttributeMap(ctx, &cognitoidentity.GetPrincipalTagAttributeMapInput{
			IdentityPoolId: aws.String(poolID), IdentityProviderName: aws.String("login.example.com")})
		if err != nil {
			t.Fatal(err)
		}
		if ptm.PrincipalTags["team"] != "group" || aws.ToBool(ptm.UseDefaults) {
			t.Errorf("principal tag map: %+v", ptm)
		}
		ccWantErr(t, cc, "UpdateResource", obj{"TypeName": tagType, "Identifier": tagID,
			"PatchDocument": `[{"op":"replace","path":"/IdentityProviderName","value":"other.example.com"}]`},
			"NotUpdatableException", "Invalid patch update: createOnlyProperties [/properties/IdentityProviderName] cannot be updated")

		// Request records.
		st := mustOK(t, cc, "GetResourceRequestStatus", obj{"RequestToken": failedToken})["ProgressEvent"].(obj)
		if st["OperationStatus"] != "FAILED" || st["ErrorCode"] != "AlreadyExists" || st["TypeName"] != oidcType {
			t.Errorf("status of the failed request: %v", st)
		}
		reqs := mustOK(t, cc, "ListResourceRequests", obj{"ResourceRequestStatusFilter": obj{"Operations": []string{"CREATE"}, "OperationStatuses": []string{"FAILED"}}})
		if s := reqs["ResourceRequestStatusSummaries"].([]any); len(s) != 1 || s[0].(obj)["RequestToken"] != failedToken {
			t.Errorf("failed creates: %v", reqs)
		}
		ccWantErr(t, cc, "CancelResourceRequest", obj{"RequestToken": failedToken}, "ConcurrentModificationException", "")
		ccWantErr(t, cc, "GetResourceRequestStatus", obj{"RequestToken": "00000000-0000-4000-8000-000000000000"}, "RequestTokenNotFoundException",
			"Request with token 00000000-0000-4000-8000-000000000000 was not found.")

		// ClientToken idempotency.
		desired := ccJSON(t, obj{"AllowUnauthenticatedIdentities": true, "IdentityPoolName": "idem"})
		first := ccEvent(t, cc, "CreateResource", obj{"TypeName": poolType, "DesiredState": desired, "ClientToken": "tok-1"})
		again := ccEvent(t, cc, "CreateResource", obj{"TypeName": poolType, "DesiredState": desired, "ClientToken": "tok-1"})
		if again["RequestToken"] != first["RequestToken"] || again["Identifier"] != first["Identifier"] {
			t.Errorf("replayed create %v, first %v", again, first)
		}
		ccWantErr(t, cc, "CreateResource", obj{"TypeName": poolType, "ClientToken": "tok-1",
			"DesiredState": ccJSON(t, obj{"AllowUnauthenticatedIdentities": false, "IdentityPoolName": "idem"})}, "ClientTokenConflictException", "")
		if n := len(listAllPools(t, ci)); n != 2 {
			t.Errorf("%d pools after the idempotent creates, want 2", n)
		}

		// Validation errors.
		ccWantErr(t, cc, "CreateResource", obj{"TypeName": "AWS::S3::Bucket", "DesiredState": "{}"}, "TypeNotFoundException", "The type 'AWS::S3::Bucket' cannot be found.")
		ccWantErr(t, cc, "CreateResource", obj{"TypeName": poolType, "DesiredState": `{"IdentityPoolName":"x"}`}, "InvalidRequestException",
			`Model validation failed (#: required property "AllowUnauthenticatedIdentities" is missing)`)
		ccWantErr(t, cc, "CreateResource", obj{"TypeName": poolType, "DesiredState": `{"AllowUnauthenticatedIdentities":true,"Id":"x"}`}, "InvalidRequestException",
			"Model validation failed (#/Id: Id is a read-only property of AWS::Cognito::IdentityPool and cannot be set)")

		// Delete in dependency order; everything is gone afterwards.
		for _, r := range []struct{ typ, id string }{{tagType, tagID}, {attType, attID}, {poolType, poolID}, {roleType, roleName}, {samlType, samlARN}, {oidcType, oidcARN}} {
			ev := ccEvent(t, cc, "DeleteResource", obj{"TypeName": r.typ, "Identifier": r.id})
			if ev["OperationStatus"] != "SUCCESS" || ev["Operation"] != "DELETE" {
				t.Errorf("delete %s %s: %v", r.typ, r.id, ev)
			}
			ccWantErr(t, cc, "GetResource", obj{"TypeName": r.typ, "Identifier": r.id}, "ResourceNotFoundException", "")
			ev = ccEvent(t, cc, "DeleteResource", obj{"TypeName": r.typ, "Identifier": r.id})
			if ev["OperationStatus"] != "FAILED" || ev["ErrorCode"] != "NotFound" {
				t.Errorf("second delete %s %s: %v", r.typ, r.id, ev)
			}
		}
		if _, err := ci.DescribeIdentityPool(ctx, &cognitoidentity.DescribeIdentityPoolInput{IdentityPoolId: aws.String(poolID)}); err == nil {
			t.Errorf("pool %s still exists", poolID)
		}
		if _, err := im.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("cc-auth")}); err == nil {
			t.Errorf("role cc-auth still exists")
		}
		ccWantErr(t, cc, "UpdateResource", obj{"TypeName": poolType, "Identifier": poolID, "PatchDocument": `[{"op":"remove","path":"/DeveloperProviderName"}]`},
			"ResourceNotFoundException", "")
		list := mustOK(t, cc, "ListResources", obj{"TypeName": oidcType})
		if ds := list["ResourceDescriptions"].([]any); len(ds) != 0 {
			t.Errorf("OIDC providers left: %v", ds)
		}
	})
}

// ccWantErr calls op and fails unless it answers the error code and, when
// message is not empty, exactly that message.
func ccWantErr(t *testing.T, c *cliClient, op string, params obj, code, message string) {
	t.Helper()
	out, e := c.Call(t, op, params)
	if e == nil {
		t.Errorf("%s: succeeded with %s, want %s", op, canon(t, out), code)
		return
	}
	if e.Code != code || (message != "" && e.Message != message) {
		t.Errorf("%s: error\n got: %s: %s\nwant: %s: %s", op, e.Code, e.Message, code, message)
	}
	if e.Message == "" {
		t.Errorf("%s: %s without a message", op, e.Code)
	}
}
