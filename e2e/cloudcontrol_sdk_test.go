package e2e

// End-to-end tests of the Cloud Control API surface (X-Amz-Target
// CloudApiService.*, SigV4 service "cloudcontrolapi") with aws-sdk-go-v2's
// service/cloudcontrol: every supported resource type is created, read,
// updated, listed and deleted through Cloud Control, and each result is
// checked through the cognito-identity and IAM APIs as well.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	cctypes "github.com/aws/aws-sdk-go-v2/service/cloudcontrol/types"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	citypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/idpool/idpool/internal/iam/iamtest"
	"github.com/idpool/idpool/internal/testserver"
)

// The resource types of Cloud Control that idpool serves.
const (
	ccSDKTypePool         = "AWS::Cognito::IdentityPool"
	ccSDKTypeAttachment   = "AWS::Cognito::IdentityPoolRoleAttachment"
	ccSDKTypePrincipalTag = "AWS::Cognito::IdentityPoolPrincipalTag"
	ccSDKTypeOIDC         = "AWS::IAM::OIDCProvider"
	ccSDKTypeSAML         = "AWS::IAM::SAMLProvider"
	ccSDKTypeRole         = "AWS::IAM::Role"

	ccSDKOIDCURL  = "https://login.example.com"
	ccSDKOIDCHost = "login.example.com"
)

// ccSDKTokenRE matches a request token (a lower-case UUID v4).
const ccSDKTokenRE = `[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`

// ccSDKClient returns a Cloud Control client signing with the server's
// admin key pair, without retries.
func ccSDKClient(t *testing.T, srv *testserver.Server) *cloudcontrol.Client {
	t.Helper()
	return cloudcontrol.NewFromConfig(dpConfig(t, srv, credentials.NewStaticCredentialsProvider(srv.AccessKeyID, srv.SecretAccessKey, ""), nil))
}

// ccSDKJSON renders v as JSON text (a DesiredState, a ResourceModel, a
// patch document).
func ccSDKJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ccSDKParse decodes a JSON object given as a string (ResourceModel,
// Properties).
func ccSDKParse(t testing.TB, what string, s *string) obj {
	t.Helper()
	if s == nil {
		t.Fatalf("%s: no JSON object", what)
	}
	var m obj
	if err := json.Unmarshal([]byte(*s), &m); err != nil {
		t.Fatalf("%s: %q is not a JSON object: %v", what, *s, err)
	}
	return m
}

// ccSDKWantEvent checks a final ProgressEvent: type, operation, status,
// identifier (when id is not ""), a request token and an event time. It
// returns the event's resource model (nil when it has none).
func ccSDKWantEvent(t testing.TB, what string, ev *cctypes.ProgressEvent, typeName string, op cctypes.Operation, status cctypes.OperationStatus, id string) obj {
	t.Helper()
	if ev == nil {
		t.Fatalf("%s: no ProgressEvent", what)
	}
	if got := aws.ToString(ev.TypeName); got != typeName {
		t.Errorf("%s: TypeName %q, want %q", what, got, typeName)
	}
	if ev.Operation != op {
		t.Errorf("%s: Operation %q, want %q", what, ev.Operation, op)
	}
	if ev.OperationStatus != status {
		t.Errorf("%s: OperationStatus %q, want %q (ErrorCode %q, StatusMessage %q)", what, ev.OperationStatus, status, ev.ErrorCode, aws.ToString(ev.StatusMessage))
	}
	if id != "" && aws.ToString(ev.Identifier) != id {
		t.Errorf("%s: Identifier %q, want %q", what, aws.ToString(ev.Identifier), id)
	}
	if !regexp.MustCompile(`^` + ccSDKTokenRE + `$`).MatchString(aws.ToString(ev.RequestToken)) {
		t.Errorf("%s: RequestToken %q is not a UUID", what, aws.ToString(ev.RequestToken))
	}
	if ev.EventTime == nil || time.Since(*ev.EventTime) > time.Minute || time.Until(*ev.EventTime) > time.Minute {
		t.Errorf("%s: EventTime %v is not now", what, ev.EventTime)
	}
	if ev.ResourceModel == nil {
		return nil
	}
	return ccSDKParse(t, what+" ResourceModel", ev.ResourceModel)
}

// ccSDKCreate creates a resource and requires a SUCCESS event; it returns
// the event and its resource model.
func ccSDKCreate(t testing.TB, c *cloudcontrol.Client, typeName string, desired any) (*cctypes.ProgressEvent, obj) {
	t.Helper()
	out, err := c.CreateResource(t.Context(), &cloudcontrol.CreateResourceInput{
		TypeName: aws.String(typeName), DesiredState: aws.String(ccSDKJSON(t, desired)),
	})
	if err != nil {
		t.Fatalf("CreateResource %s: %v", typeName, err)
	}
	model := ccSDKWantEvent(t, "CreateResource "+typeName, out.ProgressEvent, typeName, cctypes.OperationCreate, cctypes.OperationStatusSuccess, "")
	if t.Failed() {
		t.FailNow()
	}
	if model == nil {
		t.Fatalf("CreateResource %s: SUCCESS without a ResourceModel", typeName)
	}
	return out.ProgressEvent, model
}

// ccSDKUpdate patches a resource and requires a SUCCESS event; it returns
// the event's resource model.
func ccSDKUpdate(t testing.TB, c *cloudcontrol.Client, typeName, id, patch string) obj {
	t.Helper()
	out, err := c.UpdateResource(t.Context(), &cloudcontrol.UpdateResourceInput{
		TypeName: aws.String(typeName), Identifier: aws.String(id), PatchDocument: aws.String(patch),
	})
	if err != nil {
		t.Fatalf("UpdateResource %s %s: %v", typeName, id, err)
	}
	model := ccSDKWantEvent(t, "UpdateResource "+typeName, out.ProgressEvent, typeName, cctypes.OperationUpdate, cctypes.OperationStatusSuccess, id)
	if model == nil {
		t.Fatalf("UpdateResource %s: SUCCESS without a ResourceModel", typeName)
	}
	return model
}

// ccSDKGet reads a resource and checks that the answer names the type and
// the identifier wantID; it returns the resource's properties.
func ccSDKGet(t testing.TB, c *cloudcontrol.Client, typeName, id, wantID string) obj {
	t.Helper()
	out, err := c.GetResource(t.Context(), &cloudcontrol.GetResourceInput{TypeName: aws.String(typeName), Identifier: aws.String(id)})
	if err != nil {
		t.Fatalf("GetResource %s %s: %v", typeName, id, err)
	}
	if got := aws.ToString(out.TypeName); got != typeName {
		t.Errorf("GetResource %s: TypeName %q", typeName, got)
	}
	if out.ResourceDescription == nil {
		t.Fatalf("GetResource %s: no ResourceDescription", typeName)
	}
	if got := aws.ToString(out.ResourceDescription.Identifier); got != wantID {
		t.Errorf("GetResource %s %s: Identifier %q, want %q", typeName, id, got, wantID)
	}
	return ccSDKParse(t, "GetResource "+typeName, out.ResourceDescription.Properties)
}

// ccSDKDelete deletes a resource, requires a SUCCESS event, and checks
// that GetResource then answers ResourceNotFoundException with the
// handler's message notFound.
func ccSDKDelete(t testing.TB, c *cloudcontrol.Client, typeName, id, notFound string) {
	t.Helper()
	out, err := c.DeleteResource(t.Context(), &cloudcontrol.DeleteResourceInput{TypeName: aws.String(typeName), Identifier: aws.String(id)})
	if err != nil {
		t.Fatalf("DeleteResource %s %s: %v", typeName, id, err)
	}
	if m := ccSDKWantEvent(t, "DeleteResource "+typeName, out.ProgressEvent, typeName, cctypes.OperationDelete, cctypes.OperationStatusSuccess, id); m != nil {
		t.Errorf("DeleteResource %s: ResourceModel %s, want none", typeName, canon(t, m))
	}
	_, err = c.GetResource(t.Context(), &cloudcontrol.GetResourceInput{TypeName: aws.String(typeName), Identifier: aws.String(id)})
	ccSDKWantErr[*cctypes.ResourceNotFoundException](t, "GetResource deleted "+typeName, err, 404, ccSDKHandlerRE(typeName, notFound, "NotFound"))
}

// ccSDKHandlerRE is the message of a synchronous refusal that comes from a
// handler error: "<type> Handler returned status FAILED: <message>
// (HandlerErrorCode: <code>, RequestToken: <uuid>)".
func ccSDKHandlerRE(typeName, msg, code string) string {
	return `^` + regexp.QuoteMeta(fmt.Sprintf("%s Handler returned status FAILED: %s (HandlerErrorCode: %s, RequestToken: ", typeName, msg, code)) + ccSDKTokenRE + `\)$`
}

// ccSDKExact is a message regexp matching exactly msg.
func ccSDKExact(msg string) string { return `^` + regexp.QuoteMeta(msg) + `$` }

// ccSDKWantErr requires err to be the typed SDK error E with the HTTP
// status and a message matching msgRE; it returns the error.
func ccSDKWantErr[E smithy.APIError](t testing.TB, what string, err error, status int, msgRE string) E {
	t.Helper()
	var target E
	if err == nil {
		t.Fatalf("%s: succeeded, want %T", what, target)
	}
	if !errors.As(err, &target) {
		t.Fatalf("%s: error %v (%T), want %T", what, err, err, target)
	}
	if !regexp.MustCompile(msgRE).MatchString(target.ErrorMessage()) {
		t.Errorf("%s: %s message\n got: %q\nwant: /%s/", what, target.ErrorCode(), target.ErrorMessage(), msgRE)
	}
	if e := sdkError(t, err); e.Status != status {
		t.Errorf("%s: HTTP status %d, want %d", what, e.Status, status)
	}
	return target
}

// ccSDKTrust is a trust policy for authenticated Cognito identities.
func ccSDKTrust() obj {
	return obj{
		"Version": "2012-10-17",
		"Statement": []any{obj{
			"Effect":    "Allow",
			"Principal": obj{"Federated": "cognito-identity.amazonaws.com"},
			"Action":    "sts:AssumeRoleWithWebIdentity",
		}},
	}
}

// ccSDKIAMPolicy decodes the URL-encoded policy document IAM returns.
func ccSDKIAMPolicy(t testing.TB, doc *string) obj {
	t.Helper()
	text, err := url.QueryUnescape(aws.ToString(doc))
	if err != nil {
		t.Fatalf("policy document %q is not URL-encoded: %v", aws.ToString(doc), err)
	}
	return ccSDKParse(t, "policy document", &text)
}

// TestCloudControlSDKResources round-trips every supported type through
// Cloud Control (create, get, update, list, delete) and checks each step
// with the cognito-identity and IAM APIs.
func TestCloudControlSDKResources(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		srv := b.start(t)
		cc := ccSDKClient(t, srv)
		ci := sdkClient{newSDK(t, srv)}
		ia := iamClient(t, srv)
		ctx := t.Context()

		// AWS::IAM::OIDCProvider
		oidcARN := fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", srv.AccountID, ccSDKOIDCHost)
		ev, model := ccSDKCreate(t, cc, ccSDKTypeOIDC, obj{"Url": ccSDKOIDCURL, "ClientIdList": []string{"web-app"}})
		if got := aws.ToString(ev.Identifier); got != oidcARN {
			t.Fatalf("OIDC provider identifier %q, want %q", got, oidcARN)
		}
		wantOIDC := obj{"Arn": oidcARN, "Url": ccSDKOIDCURL, "ClientIdList": []any{"web-app"}}
		wantResult(t, "OIDC provider created model", model, wantOIDC)
		wantResult(t, "OIDC provider GetResource", ccSDKGet(t, cc, ccSDKTypeOIDC, oidcARN, oidcARN), wantOIDC)

		model = ccSDKUpdate(t, cc, ccSDKTypeOIDC, oidcARN, `[{"op":"add","path":"/ClientIdList/-","value":"mobile"}]`)
		wantOIDC["ClientIdList"] = []any{"web-app", "mobile"}
		wantResult(t, "OIDC provider updated model", model, wantOIDC)
		wantResult(t, "OIDC provider GetResource after update", ccSDKGet(t, cc, ccSDKTypeOIDC, oidcARN, oidcARN), wantOIDC)
		gotOIDC, err := ia.GetOpenIDConnectProvider(ctx, &awsiam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(oidcARN)})
		if err != nil {
			t.Fatalf("IAM GetOpenIDConnectProvider: %v", err)
		}
		if got := aws.ToString(gotOIDC.Url); got != ccSDKOIDCHost {
			t.Errorf("IAM OIDC Url %q, want %q", got, ccSDKOIDCHost)
		}
		if got := gotOIDC.ClientIDList; !slices.Equal(got, []string{"web-app", "mobile"}) {
			t.Errorf("IAM OIDC ClientIDList %q, want [web-app mobile]", got)
		}

		dup, err := cc.CreateResource(ctx, &cloudcontrol.CreateResourceInput{
			TypeName: aws.String(ccSDKTypeOIDC), DesiredState: aws.String(`{"Url":"` + ccSDKOIDCURL + `","ClientIdList":["other"]}`),
		})
		if err != nil {
			t.Fatalf("CreateResource duplicate OIDC provider: %v", err)
		}
		if m := ccSDKWantEvent(t, "duplicate OIDC provider", dup.ProgressEvent, ccSDKTypeOIDC, cctypes.OperationCreate, cctypes.OperationStatusFailed, ""); m != nil {
			t.Errorf("FAILED create has ResourceModel %s", canon(t, m))
		}
		if dup.ProgressEvent.ErrorCode != cctypes.HandlerErrorCodeAlreadyExists {
			t.Errorf("duplicate OIDC provider: ErrorCode %q, want AlreadyExists", dup.ProgressEvent.ErrorCode)
		}
		if got, want := aws.ToString(dup.ProgressEvent.StatusMessage), "Provider with url "+ccSDKOIDCURL+" already exists."; got != want {
			t.Errorf("duplicate OIDC provider: StatusMessage %q, want %q", got, want)
		}
		_, err = cc.UpdateResource(ctx, &cloudcontrol.UpdateResourceInput{
			TypeName: aws.String(ccSDKTypeOIDC), Identifier: aws.String(oidcARN),
			PatchDocument: aws.String(`[{"op":"replace","path":"/Url","value":"https://other.example.com"}]`),
		})
		ccSDKWantErr[*cctypes.NotUpdatableException](t, "patch OIDC Url", err, 400,
			ccSDKExact("Invalid patch update: createOnlyProperties [/properties/Url] cannot be updated"))

		// AWS::IAM::SAMLProvider
		metadata := iamtest.SAMLMetadata(t, "https://idp.example.com")
		samlARN := fmt.Sprintf("arn:aws:iam::%s:saml-provider/corp", srv.AccountID)
		ev, model = ccSDKCreate(t, cc, ccSDKTypeSAML, obj{"Name": "corp", "SamlMetadataDocument": metadata})
		if got := aws.ToString(ev.Identifier); got != samlARN {
			t.Fatalf("SAML provider identifier %q, want %q", got, samlARN)
		}
		uuid, _ := model["SamlProviderUUID"].(string)
		if !regexp.MustCompile(`^[A-Z0-9]{22,64}$`).MatchString(uuid) {
			t.Errorf("SAML provider SamlProviderUUID %q", uuid)
		}
		wantSAML := obj{"Arn": samlARN, "Name": "corp", "SamlMetadataDocument": metadata, "SamlProviderUUID": uuid, "AssertionEncryptionMode": "Allowed"}
		wantResult(t, "SAML provider created model", model, wantSAML)
		wantResult(t, "SAML provider GetResource", ccSDKGet(t, cc, ccSDKTypeSAML, samlARN, samlARN), wantSAML)
		gotSAML, err := ia.GetSAMLProvider(ctx, &awsiam.GetSAMLProviderInput{SAMLProviderArn: aws.String(samlARN)})
		if err != nil {
			t.Fatalf("IAM GetSAMLProvider: %v", err)
		}
		if aws.ToString(gotSAML.SAMLMetadataDocument) != metadata || aws.ToString(gotSAML.SAMLProviderUUID) != uuid {
			t.Errorf("IAM GetSAMLProvider: metadata equal %v, UUID %q, want %q",
				aws.ToString(gotSAML.SAMLMetadataDocument) == metadata, aws.ToString(gotSAML.SAMLProviderUUID), uuid)
		}

		// AWS::IAM::Role
		roleARN := fmt.Sprintf("arn:aws:iam::%s:role/cc-authenticated", srv.AccountID)
		ev, model = ccSDKCreate(t, cc, ccSDKTypeRole, obj{"RoleName": "cc-authenticated", "AssumeRolePolicyDocument": ccSDKTrust()})
		if got := aws.ToString(ev.Identifier); got != "cc-authenticated" {
			t.Fatalf("role identifier %q, want cc-authenticated", got)
		}
		roleID, _ := model["RoleId"].(string)
		if !regexp.MustCompile(`^AROA[A-Z0-9]{17}$`).MatchString(roleID) {
			t.Errorf("role RoleId %q", roleID)
		}
		wantRole := obj{
			"Arn": roleARN, "RoleId": roleID, "RoleName": "cc-authenticated", "Path": "/",
			"AssumeRolePolicyDocument": ccSDKTrust(), "MaxSessionDuration": 3600,
		}
		wantResult(t, "role created model", model, wantRole)
		wantResult(t, "role GetResource", ccSDKGet(t, cc, ccSDKTypeRole, "cc-authenticated", "cc-authenticated"), wantRole)
		gotRole, err := ia.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("cc-authenticated")})
		if err != nil {
			t.Fatalf("IAM GetRole: %v", err)
		}
		if aws.ToString(gotRole.Role.Arn) != roleARN || aws.ToString(gotRole.Role.RoleId) != roleID {
			t.Errorf("IAM GetRole: Arn %q RoleId %q, want %q %q", aws.ToString(gotRole.Role.Arn), aws.ToString(gotRole.Role.RoleId), roleARN, roleID)
		}
		wantResult(t, "IAM GetRole trust policy", ccSDKIAMPolicy(t, gotRole.Role.AssumeRolePolicyDocument), ccSDKTrust())

		// AWS::Cognito::IdentityPool
		ev, model = ccSDKCreate(t, cc, ccSDKTypePool, obj{
			"AllowUnauthenticatedIdentities": false,
			"IdentityPoolName":               "cc_pool",
			"OpenIdConnectProviderARNs":      []string{oidcARN},
			"SamlProviderARNs":               []string{samlARN},
			"DeveloperProviderName":          "login.cc.dev",
		})
		poolID := wantPoolID(t, aws.ToString(ev.Identifier))
		wantPool := obj{
			"Id": poolID, "Name": "cc_pool", "IdentityPoolName": "cc_pool", "AllowUnauthenticatedIdentities": false,
			"OpenIdConnectProviderARNs": []any{oidcARN}, "SamlProviderARNs": []any{samlARN}, "DeveloperProviderName": "login.cc.dev",
		}
		wantResult(t, "pool created model", model, wantPool)
		wantResult(t, "pool GetResource", ccSDKGet(t, cc, ccSDKTypePool, poolID, poolID), wantPool)
		wantDescribe := obj{
			"IdentityPoolId": poolID, "IdentityPoolName": "cc_pool", "AllowUnauthenticatedIdentities": false,
			"OpenIdConnectProviderARNs": []any{oidcARN}, "SamlProviderARNs": []any{samlARN}, "DeveloperProviderName": "login.cc.dev",
		}
		wantResult(t, "DescribeIdentityPool", mustOK(t, ci, "DescribeIdentityPool", obj{"IdentityPoolId": poolID}), wantDescribe)

		model = ccSDKUpdate(t, cc, ccSDKTypePool, poolID, `[{"op":"replace","path":"/AllowUnauthenticatedIdentities","value":true}]`)
		wantPool["AllowUnauthenticatedIdentities"] = true
		wantDescribe["AllowUnauthenticatedIdentities"] = true
		wantResult(t, "pool updated model", model, wantPool)
		wantResult(t, "pool GetResource after update", ccSDKGet(t, cc, ccSDKTypePool, poolID, poolID), wantPool)
		wantResult(t, "DescribeIdentityPool after update", mustOK(t, ci, "DescribeIdentityPool", obj{"IdentityPoolId": poolID}), wantDescribe)

		// AWS::Cognito::IdentityPoolRoleAttachment
		mappings := obj{ccSDKOIDCHost: obj{
			"Type": "Rules", "AmbiguousRoleResolution": "Deny",
			"RulesConfiguration": obj{"Rules": []any{obj{"Claim": "aud", "MatchType": "Equals", "Value": "web-app", "RoleARN": roleARN}}},
		}}
		attachment := obj{"IdentityPoolId": poolID, "Roles": obj{"authenticated": roleARN}, "RoleMappings": mappings}
		ev, model = ccSDKCreate(t, cc, ccSDKTypeAttachment, attachment)
		if got := aws.ToString(ev.Identifier); got != poolID {
			t.Errorf("role attachment identifier %q, want %q", got, poolID)
		}
		wantAttachment := with(attachment, "Id", poolID)
		wantResult(t, "role attachment created model", model, wantAttachment)
		wantResult(t, "role attachment GetResource", ccSDKGet(t, cc, ccSDKTypeAttachment, poolID, poolID), wantAttachment)
		wantRoles := obj{"IdentityPoolId": poolID, "Roles": obj{"authenticated": roleARN}, "RoleMappings": mappings}
		wantResult(t, "GetIdentityPoolRoles", mustOK(t, ci, "GetIdentityPoolRoles", obj{"IdentityPoolId": poolID}), wantRoles)

		list, err := cc.ListResources(ctx, &cloudcontrol.ListResourcesInput{
			TypeName: aws.String(ccSDKTypeAttachment), ResourceModel: aws.String(ccSDKJSON(t, obj{"IdentityPoolId": poolID})),
		})
		if err != nil {
			t.Fatalf("ListResources role attachments: %v", err)
		}
		if len(list.ResourceDescriptions) != 1 || aws.ToString(list.ResourceDescriptions[0].Identifier) != poolID || list.NextToken != nil {
			t.Fatalf("ListResources role attachments: %d descriptions, next %v", len(list.ResourceDescriptions), list.NextToken)
		}
		wantResult(t, "ListResources role attachment", ccSDKParse(t, "Properties", list.ResourceDescriptions[0].Properties), wantAttachment)
		_, err = cc.ListResources(ctx, &cloudcontrol.ListResourcesInput{TypeName: aws.String(ccSDKTypeAttachment)})
		ccSDKWantErr[*cctypes.InvalidRequestException](t, "ListResources role attachments without a model", err, 400,
			ccSDKHandlerRE(ccSDKTypeAttachment, "Listing "+ccSDKTypeAttachment+" requires IdentityPoolId in the resource model.", "InvalidRequest"))
		model = ccSDKUpdate(t, cc, ccSDKTypeAttachment, poolID, `[{"op":"remove","path":"/RoleMappings"}]`)
		wantAttachment = without(wantAttachment, "RoleMappings")
		wantResult(t, "role attachment updated model", model, wantAttachment)
		wantResult(t, "GetIdentityPoolRoles after update",
			mustOK(t, ci, "GetIdentityPoolRoles", obj{"IdentityPoolId": poolID}), without(wantRoles, "RoleMappings"))
		_, err = cc.UpdateResource(ctx, &cloudcontrol.UpdateResourceInput{
			TypeName: aws.String(ccSDKTypeAttachment), Identifier: aws.String(poolID),
			PatchDocument: aws.String(`[{"op":"replace","path":"/IdentityPoolId","value":"us-east-1:00000000-0000-4000-8000-000000000000"}]`),
		})
		ccSDKWantErr[*cctypes.NotUpdatableException](t, "patch role attachment IdentityPoolId", err, 400,
			ccSDKExact("Invalid patch update: createOnlyProperties [/properties/IdentityPoolId] cannot be updated"))

		// AWS::Cognito::IdentityPoolPrincipalTag
		tagID := poolID + "|" + ccSDKOIDCHost
		ev, model = ccSDKCreate(t, cc, ccSDKTypePrincipalTag, obj{
			"IdentityPoolId": poolID, "IdentityProviderName": ccSDKOIDCHost, "PrincipalTags": obj{"team": "group"},
		})
		if got := aws.ToString(ev.Identifier); got != tagID {
			t.Errorf("principal tag identifier %q, want %q", got, tagID)
		}
		wantTag := obj{"IdentityPoolId": poolID, "IdentityProviderName": ccSDKOIDCHost, "UseDefaults": false, "PrincipalTags": obj{"team": "group"}}
		wantResult(t, "principal tag created model", model, wantTag)
		wantResult(t, "principal tag GetResource", ccSDKGet(t, cc, ccSDKTypePrincipalTag, tagID, tagID), wantTag)
		jsonID := ccSDKJSON(t, obj{"IdentityPoolId": poolID, "IdentityProviderName": ccSDKOIDCHost})
		wantResult(t, "principal tag GetResource by JSON identifier", ccSDKGet(t, cc, ccSDKTypePrincipalTag, jsonID, tagID), wantTag)
		wantResult(t, "GetPrincipalTagAttributeMap",
			mustOK(t, ci, "GetPrincipalTagAttributeMap", obj{"IdentityPoolId": poolID, "IdentityProviderName": ccSDKOIDCHost}), wantTag)

		// An update by the JSON identifier reports the "|"-joined one.
		upd, err := cc.UpdateResource(ctx, &cloudcontrol.UpdateResourceInput{
			TypeName: aws.String(ccSDKTypePrincipalTag), Identifier: aws.String(jsonID),
			PatchDocument: aws.String(`[{"op":"add","path":"/PrincipalTags/dept","value":"department"}]`),
		})
		if err != nil {
			t.Fatalf("UpdateResource principal tag by JSON identifier: %v", err)
		}
		model = ccSDKWantEvent(t, "UpdateResource principal tag", upd.ProgressEvent, ccSDKTypePrincipalTag, cctypes.OperationUpdate, cctypes.OperationStatusSuccess, tagID)
		wantTag["PrincipalTags"] = obj{"team": "group", "dept": "department"}
		wantResult(t, "principal tag updated model", model, wantTag)
		wantResult(t, "GetPrincipalTagAttributeMap after update",
			mustOK(t, ci, "GetPrincipalTagAttributeMap", obj{"IdentityPoolId": poolID, "IdentityProviderName": ccSDKOIDCHost}), wantTag)
		_, err = cc.UpdateResource(ctx, &cloudcontrol.UpdateResourceInput{
			TypeName: aws.String(ccSDKTypePrincipalTag), Identifier: aws.String(tagID),
			PatchDocument: aws.String(`[{"op":"replace","path":"/IdentityPoolId","value":"us-east-1:00000000-0000-4000-8000-000000000000"}]`),
		})
		ccSDKWantErr[*cctypes.NotUpdatableException](t, "patch principal tag IdentityPoolId", err, 400,
			ccSDKExact("Invalid patch update: createOnlyProperties [/properties/IdentityPoolId] cannot be updated"))
		wantResult(t, "GetPrincipalTagAttributeMap after refused patch",
			mustOK(t, ci, "GetPrincipalTagAttributeMap", obj{"IdentityPoolId": poolID, "IdentityProviderName": ccSDKOIDCHost}), wantTag)

		// Delete everything, dependents first.
		ccSDKDelete(t, cc, ccSDKTypePrincipalTag, tagID,
			fmt.Sprintf("Resource of type '%s' with identifier '%s' was not found.", ccSDKTypePrincipalTag, tagID))
		wantResult(t, "GetPrincipalTagAttributeMap after delete",
			mustOK(t, ci, "GetPrincipalTagAttributeMap", obj{"IdentityPoolId": poolID, "IdentityProviderName": ccSDKOIDCHost}),
			obj{"IdentityPoolId": poolID, "IdentityProviderName": ccSDKOIDCHost, "UseDefaults": false})

		ccSDKDelete(t, cc, ccSDKTypeAttachment, poolID,
			fmt.Sprintf("Resource of type '%s' with identifier '%s' was not found.", ccSDKTypeAttachment, poolID))
		roles := mustOK(t, ci, "GetIdentityPoolRoles", obj{"IdentityPoolId": poolID})
		if roles["IdentityPoolId"] != poolID || len(asObj(roles["Roles"])) != 0 || len(asObj(roles["RoleMappings"])) != 0 {
			t.Errorf("GetIdentityPoolRoles after delete: %s", canon(t, roles))
		}
		list, err = cc.ListResources(ctx, &cloudcontrol.ListResourcesInput{
			TypeName: aws.String(ccSDKTypeAttachment), ResourceModel: aws.String(ccSDKJSON(t, obj{"IdentityPoolId": poolID})),
		})
		if err != nil {
			t.Fatalf("ListResources role attachments after delete: %v", err)
		}
		if len(list.ResourceDescriptions) != 0 {
			t.Errorf("ListResources role attachments after delete: %d descriptions", len(list.ResourceDescriptions))
		}

		poolGone := fmt.Sprintf("IdentityPool '%s' not found.", poolID)
		ccSDKDelete(t, cc, ccSDKTypePool, poolID, poolGone)
		_, err = cc.UpdateResource(ctx, &cloudcontrol.UpdateResourceInput{
			TypeName: aws.String(ccSDKTypePool), Identifier: aws.String(poolID),
			PatchDocument: aws.String(`[{"op":"replace","path":"/AllowUnauthenticatedIdentities","value":false}]`),
		})
		ccSDKWantErr[*cctypes.ResourceNotFoundException](t, "UpdateResource deleted pool", err, 404,
			ccSDKHandlerRE(ccSDKTypePool, poolGone, "NotFound"))
		_, err = ci.c.DescribeIdentityPool(ctx, &cognitoidentity.DescribeIdentityPoolInput{IdentityPoolId: aws.String(poolID)})
		var rnf *citypes.ResourceNotFoundException
		if !errors.As(err, &rnf) {
			t.Errorf("DescribeIdentityPool deleted pool: %v, want ResourceNotFoundException", err)
		}

		ccSDKDelete(t, cc, ccSDKTypeRole, "cc-authenticated", "The role with name cc-authenticated cannot be found.")
		_, err = ia.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("cc-authenticated")})
		var nse *iamtypes.NoSuchEntityException
		if !errors.As(err, &nse) {
			t.Errorf("IAM GetRole deleted role: %v, want NoSuchEntityException", err)
		}

		ccSDKDelete(t, cc, ccSDKTypeSAML, samlARN, "Manifest not found for arn "+samlARN)
		_, err = ia.GetSAMLProvider(ctx, &awsiam.GetSAMLProviderInput{SAMLProviderArn: aws.String(samlARN)})
		if !errors.As(err, &nse) {
			t.Errorf("IAM GetSAMLProvider deleted provider: %v, want NoSuchEntityException", err)
		}

		ccSDKDelete(t, cc, ccSDKTypeOIDC, oidcARN, "OpenIDConnect Provider not found for arn "+oidcARN)
		_, err = ia.GetOpenIDConnectProvider(ctx, &awsiam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(oidcARN)})
		if !errors.As(err, &nse) {
			t.Errorf("IAM GetOpenIDConnectProvider deleted provider: %v, want NoSuchEntityException", err)
		}

		// Nothing is left of any type.
		for _, typ := range []string{ccSDKTypePool, ccSDKTypeOIDC, ccSDKTypeSAML, ccSDKTypeRole} {
			out, err := cc.ListResources(ctx, &cloudcontrol.ListResourcesInput{TypeName: aws.String(typ)})
			if err != nil {
				t.Fatalf("ListResources %s: %v", typ, err)
			}
			if len(out.ResourceDescriptions) != 0 {
				t.Errorf("ListResources %s after delete: %d descriptions", typ, len(out.ResourceDescriptions))
			}
		}
	})
}

// TestCloudControlSDKRequests covers the request records: the
// ResourceRequestSuccess waiter, GetResourceRequestStatus, the
// ListResources paginator, ListResourceRequests with a filter,
// CancelResourceRequest and ClientToken idempotency.
func TestCloudControlSDKRequests(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		srv := b.start(t)
		cc := ccSDKClient(t, srv)
		ci := newSDK(t, srv)
		ctx := t.Context()

		var ids, created []string // sorted pool IDs, request tokens in order
		events := map[string]*cctypes.ProgressEvent{}
		for _, name := range []string{"cc_one", "cc_two", "cc_three"} {
			ev, _ := ccSDKCreate(t, cc, ccSDKTypePool, obj{"AllowUnauthenticatedIdentities": true, "IdentityPoolName": name})
			id := wantPoolID(t, aws.ToString(ev.Identifier))
			ids = append(ids, id)
			created = append(created, aws.ToString(ev.RequestToken))
			events[id] = ev
		}
		sort.Strings(ids)

		// The waiter's first poll finds SUCCESS: no 5 s delay.
		first := events[ids[0]]
		start := time.Now()
		got, err := cloudcontrol.NewResourceRequestSuccessWaiter(cc).WaitForOutput(ctx,
			&cloudcontrol.GetResourceRequestStatusInput{RequestToken: first.RequestToken}, 30*time.Second)
		if err != nil {
			t.Fatalf("ResourceRequestSuccess waiter: %v", err)
		}
		if d := time.Since(start); d > 4*time.Second {
			t.Errorf("ResourceRequestSuccess waiter took %v: the first poll did not find SUCCESS", d)
		}
		wantResult(t, "GetResourceRequestStatus event", got.ProgressEvent, first)

		// The paginator with one resource per page.
		var pages [][]string
		p := cloudcontrol.NewListResourcesPaginator(cc, &cloudcontrol.ListResourcesInput{TypeName: aws.String(ccSDKTypePool), MaxResults: aws.Int32(1)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListResources page %d: %v", len(pages)+1, err)
			}
			if aws.ToString(page.TypeName) != ccSDKTypePool {
				t.Errorf("ListResources TypeName %q", aws.ToString(page.TypeName))
			}
			var pageIDs []string
			for _, d := range page.ResourceDescriptions {
				id := aws.ToString(d.Identifier)
				pageIDs = append(pageIDs, id)
				props := ccSDKParse(t, "ListResources Properties", d.Properties)
				if props["Id"] != id {
					t.Errorf("ListResources %s: Properties Id %v", id, props["Id"])
				}
				wantResult(t, "ListResources "+id, props, ccSDKParse(t, "created model", events[id].ResourceModel))
			}
			pages = append(pages, pageIDs)
			if len(pages) > 10 {
				t.Fatalf("ListResources paginator does not end: %v", pages)
			}
		}
		wantResult(t, "ListResources pages", pages, [][]string{{ids[0]}, {ids[1]}, {ids[2]}})

		// One failed CREATE (a duplicate OIDC provider), one failed DELETE
		// (a pool that is gone): the filter selects the CREATE alone.
		oidcURL := `{"Url":"` + ccSDKOIDCURL + `"}`
		ccSDKCreate(t, cc, ccSDKTypeOIDC, json.RawMessage(oidcURL))
		dup, err := cc.CreateResource(ctx, &cloudcontrol.CreateResourceInput{TypeName: aws.String(ccSDKTypeOIDC), DesiredState: aws.String(oidcURL)})
		if err != nil {
			t.Fatalf("CreateResource duplicate OIDC provider: %v", err)
		}
		ccSDKWantEvent(t, "duplicate OIDC provider", dup.ProgressEvent, ccSDKTypeOIDC, cctypes.OperationCreate, cctypes.OperationStatusFailed, "")
		ccSDKDelete(t, cc, ccSDKTypePool, ids[2], fmt.Sprintf("IdentityPool '%s' not found.", ids[2]))
		del, err := cc.DeleteResource(ctx, &cloudcontrol.DeleteResourceInput{TypeName: aws.String(ccSDKTypePool), Identifier: aws.String(ids[2])})
		if err != nil {
			t.Fatalf("DeleteResource deleted pool: %v", err)
		}
		ccSDKWantEvent(t, "DeleteResource deleted pool", del.ProgressEvent, ccSDKTypePool, cctypes.OperationDelete, cctypes.OperationStatusFailed, ids[2])
		if del.ProgressEvent.ErrorCode != cctypes.HandlerErrorCodeNotFound {
			t.Errorf("DeleteResource deleted pool: ErrorCode %q, want NotFound", del.ProgressEvent.ErrorCode)
		}

		status, err := cc.GetResourceRequestStatus(ctx, &cloudcontrol.GetResourceRequestStatusInput{RequestToken: dup.ProgressEvent.RequestToken})
		if err != nil {
			t.Fatalf("GetResourceRequestStatus FAILED request: %v", err)
		}
		wantResult(t, "GetResourceRequestStatus FAILED request", status.ProgressEvent, dup.ProgressEvent)

		// The waiter stops at once on a FAILED request too.
		err = cloudcontrol.NewResourceRequestSuccessWaiter(cc).Wait(ctx,
			&cloudcontrol.GetResourceRequestStatusInput{RequestToken: dup.ProgressEvent.RequestToken}, 30*time.Second)
		if err == nil || err.Error() != "waiter state transitioned to Failure" {
			t.Errorf("ResourceRequestSuccess waiter on a FAILED request: %v", err)
		}

		reqs, err := cc.ListResourceRequests(ctx, &cloudcontrol.ListResourceRequestsInput{
			ResourceRequestStatusFilter: &cctypes.ResourceRequestStatusFilter{
				Operations:        []cctypes.Operation{cctypes.OperationCreate},
				OperationStatuses: []cctypes.OperationStatus{cctypes.OperationStatusFailed},
			},
		})
		if err != nil {
			t.Fatalf("ListResourceRequests: %v", err)
		}
		if reqs.NextToken != nil {
			t.Errorf("ListResourceRequests: NextToken %q", aws.ToString(reqs.NextToken))
		}
		wantSummary := *dup.ProgressEvent
		wantSummary.ResourceModel = nil // summaries carry no models
		wantResult(t, "ListResourceRequests CREATE/FAILED", reqs.ResourceRequestStatusSummaries, []cctypes.ProgressEvent{wantSummary})

		// Every request, newest first, through the paginator.
		var tokens []string
		rp := cloudcontrol.NewListResourceRequestsPaginator(cc, &cloudcontrol.ListResourceRequestsInput{MaxResults: aws.Int32(2)})
		for rp.HasMorePages() {
			page, err := rp.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListResourceRequests page: %v", err)
			}
			for _, ev := range page.ResourceRequestStatusSummaries {
				tokens = append(tokens, aws.ToString(ev.RequestToken))
			}
			if len(tokens) > 20 {
				t.Fatalf("ListResourceRequests paginator does not end")
			}
		}
		// Newest first: the failed delete, the delete, the duplicate, the
		// OIDC provider, the pools in reverse order of creation.
		if len(tokens) != 7 || tokens[0] != aws.ToString(del.ProgressEvent.RequestToken) ||
			tokens[2] != aws.ToString(dup.ProgressEvent.RequestToken) ||
			!slices.Equal(tokens[4:], []string{created[2], created[1], created[0]}) {
			t.Errorf("ListResourceRequests: %d requests %q (pools created %q, duplicate %s, failed delete %s)",
				len(tokens), tokens, created, aws.ToString(dup.ProgressEvent.RequestToken), aws.ToString(del.ProgressEvent.RequestToken))
		}

		// CancelResourceRequest on a completed request.
		_, err = cc.CancelResourceRequest(ctx, &cloudcontrol.CancelResourceRequestInput{RequestToken: first.RequestToken})
		ccSDKWantErr[*cctypes.ConcurrentModificationException](t, "CancelResourceRequest completed", err, 500,
			ccSDKExact(fmt.Sprintf("Resource request %s has already completed with status SUCCESS and cannot be cancelled.", aws.ToString(first.RequestToken))))
		_, err = cc.CancelResourceRequest(ctx, &cloudcontrol.CancelResourceRequestInput{RequestToken: dup.ProgressEvent.RequestToken})
		ccSDKWantErr[*cctypes.ConcurrentModificationException](t, "CancelResourceRequest failed", err, 500,
			ccSDKExact(fmt.Sprintf("Resource request %s has already completed with status FAILED and cannot be cancelled.", aws.ToString(dup.ProgressEvent.RequestToken))))

		// Unknown request tokens.
		const unknown = "11111111-2222-4333-8444-555555555555"
		_, err = cc.GetResourceRequestStatus(ctx, &cloudcontrol.GetResourceRequestStatusInput{RequestToken: aws.String(unknown)})
		ccSDKWantErr[*cctypes.RequestTokenNotFoundException](t, "GetResourceRequestStatus unknown", err, 404,
			ccSDKExact("Request with token "+unknown+" was not found."))
		_, err = cc.CancelResourceRequest(ctx, &cloudcontrol.CancelResourceRequestInput{RequestToken: aws.String(unknown)})
		ccSDKWantErr[*cctypes.RequestTokenNotFoundException](t, "CancelResourceRequest unknown", err, 404,
			ccSDKExact("Request with token "+unknown+" was not found."))

		// ClientToken idempotency: the same request gets its event back and
		// creates nothing; a different request with the token is refused.
		poolsBefore := listAllPools(t, ci)
		desired := `{"AllowUnauthenticatedIdentities":false,"IdentityPoolName":"cc_idempotent"}`
		create := func(desired string) (*cloudcontrol.CreateResourceOutput, error) {
			return cc.CreateResource(ctx, &cloudcontrol.CreateResourceInput{
				TypeName: aws.String(ccSDKTypePool), DesiredState: aws.String(desired), ClientToken: aws.String("cc-sdk-token-1"),
			})
		}
		one, err := create(desired)
		if err != nil {
			t.Fatalf("CreateResource with a client token: %v", err)
		}
		ccSDKWantEvent(t, "CreateResource with a client token", one.ProgressEvent, ccSDKTypePool, cctypes.OperationCreate, cctypes.OperationStatusSuccess, "")
		idemID := wantPoolID(t, aws.ToString(one.ProgressEvent.Identifier))
		again, err := create(desired)
		if err != nil {
			t.Fatalf("CreateResource with the client token again: %v", err)
		}
		wantResult(t, "replayed event", again.ProgressEvent, one.ProgressEvent)
		_, err = create(`{"AllowUnauthenticatedIdentities":true,"IdentityPoolName":"cc_idempotent"}`)
		ccSDKWantErr[*cctypes.ClientTokenConflictException](t, "CreateResource reused client token", err, 409,
			ccSDKExact(fmt.Sprintf("The client token cc-sdk-token-1 was already used with a different request (request token %s).", aws.ToString(one.ProgressEvent.RequestToken))))
		_, err = cc.DeleteResource(ctx, &cloudcontrol.DeleteResourceInput{
			TypeName: aws.String(ccSDKTypePool), Identifier: aws.String(idemID), ClientToken: aws.String("cc-sdk-token-1"),
		})
		ccSDKWantErr[*cctypes.ClientTokenConflictException](t, "DeleteResource reused client token", err, 409,
			ccSDKExact(fmt.Sprintf("The client token cc-sdk-token-1 was already used with a different request (request token %s).", aws.ToString(one.ProgressEvent.RequestToken))))
		// The same for an update.
		patch := func(doc string) (*cloudcontrol.UpdateResourceOutput, error) {
			return cc.UpdateResource(ctx, &cloudcontrol.UpdateResourceInput{
				TypeName: aws.String(ccSDKTypePool), Identifier: aws.String(idemID), PatchDocument: aws.String(doc), ClientToken: aws.String("cc-sdk-token-2"),
			})
		}
		rename := `[{"op":"replace","path":"/IdentityPoolName","value":"cc_renamed"}]`
		u1, err := patch(rename)
		if err != nil {
			t.Fatalf("UpdateResource with a client token: %v", err)
		}
		ccSDKWantEvent(t, "UpdateResource with a client token", u1.ProgressEvent, ccSDKTypePool, cctypes.OperationUpdate, cctypes.OperationStatusSuccess, idemID)
		u2, err := patch(rename)
		if err != nil {
			t.Fatalf("UpdateResource with the client token again: %v", err)
		}
		wantResult(t, "replayed update event", u2.ProgressEvent, u1.ProgressEvent)
		_, err = patch(`[{"op":"replace","path":"/IdentityPoolName","value":"cc_other"}]`)
		ccSDKWantErr[*cctypes.ClientTokenConflictException](t, "UpdateResource reused client token", err, 409,
			ccSDKExact(fmt.Sprintf("The client token cc-sdk-token-2 was already used with a different request (request token %s).", aws.ToString(u1.ProgressEvent.RequestToken))))
		poolsAfter := listAllPools(t, ci)
		wantPools := with(obj{}, idemID, "cc_renamed")
		for id, name := range poolsBefore {
			wantPools[id] = name
		}
		wantResult(t, "pools after idempotent creates", poolsAfter, wantPools)
		d, err := ci.DescribeIdentityPool(ctx, &cognitoidentity.DescribeIdentityPoolInput{IdentityPoolId: aws.String(idemID)})
		if err != nil {
			t.Fatalf("DescribeIdentityPool: %v", err)
		}
		if d.AllowUnauthenticatedIdentities {
			t.Errorf("the conflicting request changed the pool: AllowUnauthenticatedIdentities true")
		}
	})
}

// TestCloudControlSDKErrors covers the synchronous refusals as typed SDK
// errors, and checks that a refused request changes nothing.
func TestCloudControlSDKErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		srv := b.start(t)
		cc := ccSDKClient(t, srv)
		ci := newSDK(t, srv)
		ctx := t.Context()

		// An unsupported type.
		const s3 = "AWS::S3::Bucket"
		typeNotFound := ccSDKExact("The type '" + s3 + "' cannot be found.")
		_, err := cc.CreateResource(ctx, &cloudcontrol.CreateResourceInput{TypeName: aws.String(s3), DesiredState: aws.String(`{"BucketName":"b"}`)})
		ccSDKWantErr[*cctypes.TypeNotFoundException](t, "CreateResource S3 bucket", err, 404, typeNotFound)
		_, err = cc.GetResource(ctx, &cloudcontrol.GetResourceInput{TypeName: aws.String(s3), Identifier: aws.String("b")})
		ccSDKWantErr[*cctypes.TypeNotFoundException](t, "GetResource S3 bucket", err, 404, typeNotFound)
		_, err = cc.ListResources(ctx, &cloudcontrol.ListResourcesInput{TypeName: aws.String(s3)})
		ccSDKWantErr[*cctypes.TypeNotFoundException](t, "ListResources S3 bucket", err, 404, typeNotFound)
		_, err = cc.DeleteResource(ctx, &cloudcontrol.DeleteResourceInput{TypeName: aws.String(s3), Identifier: aws.String("b")})
		ccSDKWantErr[*cctypes.TypeNotFoundException](t, "DeleteResource S3 bucket", err, 404, typeNotFound)

		// Desired states the schema refuses.
		for _, c := range []struct{ what, typ, desired, msg string }{
			{"missing required property", ccSDKTypePool, `{"IdentityPoolName":"cc_bad"}`,
				`Model validation failed (#: required property "AllowUnauthenticatedIdentities" is missing)`},
			{"read-only property", ccSDKTypePool, `{"AllowUnauthenticatedIdentities":true,"Id":"us-east-1:00000000-0000-4000-8000-000000000000"}`,
				"Model validation failed (#/Id: Id is a read-only property of AWS::Cognito::IdentityPool and cannot be set)"},
			{"missing required role property", ccSDKTypeRole, `{"RoleName":"cc-bad"}`,
				`Model validation failed (#: required property "AssumeRolePolicyDocument" is missing)`},
			{"not an object", ccSDKTypePool, `[]`, "Model validation failed (#: expected type: JSONObject, found: JSONArray)"},
		} {
			_, err := cc.CreateResource(ctx, &cloudcontrol.CreateResourceInput{TypeName: aws.String(c.typ), DesiredState: aws.String(c.desired)})
			ccSDKWantErr[*cctypes.InvalidRequestException](t, "CreateResource "+c.what, err, 400, ccSDKExact(c.msg))
		}
		if pools := listAllPools(t, ci); len(pools) != 0 {
			t.Errorf("refused creates left pools: %v", pools)
		}
		if _, err := iamClient(t, srv).GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("cc-bad")}); err == nil {
			t.Errorf("refused create left role cc-bad")
		}

		// A pool to patch.
		ev, model := ccSDKCreate(t, cc, ccSDKTypePool, obj{"AllowUnauthenticatedIdentities": true, "IdentityPoolName": "cc_errors"})
		poolID := wantPoolID(t, aws.ToString(ev.Identifier))
		update := func(patch string) error {
			_, err := cc.UpdateResource(ctx, &cloudcontrol.UpdateResourceInput{
				TypeName: aws.String(ccSDKTypePool), Identifier: aws.String(poolID), PatchDocument: aws.String(patch),
			})
			return err
		}
		ccSDKWantErr[*cctypes.InvalidRequestException](t, "patch read-only Id", update(`[{"op":"replace","path":"/Id","value":"x"}]`), 400,
			ccSDKExact("Invalid patch update: readOnlyProperties [/properties/Id] cannot be updated"))
		ccSDKWantErr[*cctypes.InvalidRequestException](t, "empty patch", update(`[]`), 400,
			ccSDKExact("Invalid patch document: the patch has no operations"))
		ccSDKWantErr[*cctypes.InvalidRequestException](t, "failing test op",
			update(`[{"op":"test","path":"/AllowUnauthenticatedIdentities","value":false},{"op":"replace","path":"/IdentityPoolName","value":"cc_renamed"}]`), 400,
			`^Invalid patch document: .+`)
		ccSDKWantErr[*cctypes.InvalidRequestException](t, "patch removing a required property",
			update(`[{"op":"remove","path":"/AllowUnauthenticatedIdentities"}]`), 400,
			ccSDKExact(`Model validation failed (#: required property "AllowUnauthenticatedIdentities" is missing)`))
		wantResult(t, "pool after refused patches", ccSDKGet(t, cc, ccSDKTypePool, poolID, poolID), model)

		// A patch path without its leading "/" is read from the root.
		model = ccSDKUpdate(t, cc, ccSDKTypePool, poolID, `[{"op":"replace","path":"IdentityPoolName","value":"cc_renamed"}]`)
		if model["IdentityPoolName"] != "cc_renamed" {
			t.Errorf("patched IdentityPoolName %v", model["IdentityPoolName"])
		}
		d, err := ci.DescribeIdentityPool(ctx, &cognitoidentity.DescribeIdentityPoolInput{IdentityPoolId: aws.String(poolID)})
		if err != nil {
			t.Fatalf("DescribeIdentityPool: %v", err)
		}
		if aws.ToString(d.IdentityPoolName) != "cc_renamed" {
			t.Errorf("DescribeIdentityPool name %q, want cc_renamed", aws.ToString(d.IdentityPoolName))
		}

		// Unknown resources of a supported type.
		const missingPool = "us-east-1:00000000-0000-4000-8000-000000000000"
		missing := ccSDKHandlerRE(ccSDKTypePool, fmt.Sprintf("IdentityPool '%s' not found.", missingPool), "NotFound")
		_, err = cc.GetResource(ctx, &cloudcontrol.GetResourceInput{TypeName: aws.String(ccSDKTypePool), Identifier: aws.String(missingPool)})
		ccSDKWantErr[*cctypes.ResourceNotFoundException](t, "GetResource unknown pool", err, 404, missing)
		_, err = cc.UpdateResource(ctx, &cloudcontrol.UpdateResourceInput{
			TypeName: aws.String(ccSDKTypePool), Identifier: aws.String(missingPool), PatchDocument: aws.String(`[{"op":"remove","path":"/IdentityPoolName"}]`),
		})
		ccSDKWantErr[*cctypes.ResourceNotFoundException](t, "UpdateResource unknown pool", err, 404, missing)
		_, err = cc.GetResource(ctx, &cloudcontrol.GetResourceInput{TypeName: aws.String(ccSDKTypePrincipalTag), Identifier: aws.String(`{"IdentityPoolId":"` + poolID + `"}`)})
		ccSDKWantErr[*cctypes.InvalidRequestException](t, "GetResource incomplete JSON identifier", err, 400,
			ccSDKExact(`Identifier {"IdentityPoolId":"`+poolID+`"} does not give the primary identifier [/properties/IdentityPoolId, /properties/IdentityProviderName] of `+ccSDKTypePrincipalTag))

		// Delete the pool: it is gone for Cloud Control and cognito-identity.
		gone := fmt.Sprintf("IdentityPool '%s' not found.", poolID)
		ccSDKDelete(t, cc, ccSDKTypePool, poolID, gone)
		ccSDKWantErr[*cctypes.ResourceNotFoundException](t, "UpdateResource deleted pool",
			update(`[{"op":"replace","path":"/AllowUnauthenticatedIdentities","value":false}]`), 404, ccSDKHandlerRE(ccSDKTypePool, gone, "NotFound"))
		_, err = ci.DescribeIdentityPool(ctx, &cognitoidentity.DescribeIdentityPoolInput{IdentityPoolId: aws.String(poolID)})
		var rnf *citypes.ResourceNotFoundException
		if !errors.As(err, &rnf) {
			t.Errorf("DescribeIdentityPool deleted pool: %v, want ResourceNotFoundException", err)
		}
	})
}
