package iamapi_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/idpool/idpool/internal/iam"
	"github.com/idpool/idpool/internal/iam/iamtest"
)

func sdkClient(h *harness) *awsiam.Client {
	return awsiam.New(awsiam.Options{
		Region:           region,
		BaseEndpoint:     aws.String(h.srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		RetryMaxAttempts: 1,
	})
}

// wantAPIError checks the code, message and status of an SDK error.
func wantAPIError(t *testing.T, err error, status int, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want %s", err, code)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("status: %v, want %d", err, status)
	}
	if ae.ErrorCode() != code || ae.ErrorMessage() != msg {
		t.Fatalf("got %s: %s\nwant %s: %s", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

const sdkTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},` +
	`"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"],"Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-1:11111111-2222-3333-4444-555555555555"},` +
	`"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}}]}`

func TestSDKOpenIDConnectProviders(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, nil)
	c := sdkClient(h)
	tp := "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
	out, err := c.CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://login.example.com"), ClientIDList: []string{"app"}, ThumbprintList: []string{tp},
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("id")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.OpenIDConnectProviderArn)
	if arn != "arn:aws:iam::123456789012:oidc-provider/login.example.com" || len(out.Tags) != 1 {
		t.Fatalf("create: %s %+v", arn, out.Tags)
	}
	_, err = c.CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{Url: aws.String("https://login.example.com")})
	wantAPIError(t, err, 409, "EntityAlreadyExists", "Provider with url https://login.example.com already exists.")
	var exists *types.EntityAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("not modeled as EntityAlreadyExistsException: %T", err)
	}

	if _, err := c.AddClientIDToOpenIDConnectProvider(ctx, &awsiam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: &arn, ClientID: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RemoveClientIDFromOpenIDConnectProvider(ctx, &awsiam.RemoveClientIDFromOpenIDConnectProviderInput{OpenIDConnectProviderArn: &arn, ClientID: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	tp2 := strings.Repeat("a", 40)
	if _, err := c.UpdateOpenIDConnectProviderThumbprint(ctx, &awsiam.UpdateOpenIDConnectProviderThumbprintInput{OpenIDConnectProviderArn: &arn, ThumbprintList: []string{tp2}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetOpenIDConnectProvider(ctx, &awsiam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Url) != "login.example.com" || strings.Join(got.ClientIDList, ",") != "web" ||
		strings.Join(got.ThumbprintList, ",") != tp2 || got.CreateDate == nil || len(got.Tags) != 1 {
		t.Fatalf("get: %+v", got)
	}
	list, err := c.ListOpenIDConnectProviders(ctx, &awsiam.ListOpenIDConnectProvidersInput{})
	if err != nil || len(list.OpenIDConnectProviderList) != 1 || aws.ToString(list.OpenIDConnectProviderList[0].Arn) != arn {
		t.Fatalf("list: %v %+v", err, list)
	}
	if _, err := c.DeleteOpenIDConnectProvider(ctx, &awsiam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: &arn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetOpenIDConnectProvider(ctx, &awsiam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: &arn})
	wantAPIError(t, err, 404, "NoSuchEntity", "OpenIDConnect Provider not found for arn "+arn)
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("not modeled as NoSuchEntityException: %T", err)
	}

	// The domain sees what the surface created.
	if _, err := h.svc.OIDCProviderByARN(ctx, arn); !iam.IsNoSuchEntity(err) {
		t.Fatal(err)
	}
}

func TestSDKSAMLProviders(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, nil)
	c := sdkClient(h)
	md := iamtest.SAMLMetadata(t, "https://idp.example.com")
	out, err := c.CreateSAMLProvider(ctx, &awsiam.CreateSAMLProviderInput{Name: aws.String("Corp"), SAMLMetadataDocument: aws.String(md)})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.SAMLProviderArn)
	if arn != "arn:aws:iam::123456789012:saml-provider/Corp" {
		t.Fatal(arn)
	}
	got, err := c.GetSAMLProvider(ctx, &awsiam.GetSAMLProviderInput{SAMLProviderArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.SAMLMetadataDocument) != md || got.AssertionEncryptionMode != types.AssertionEncryptionModeTypeAllowed ||
		len(aws.ToString(got.SAMLProviderUUID)) < 22 || got.ValidUntil == nil || got.CreateDate == nil {
		t.Fatalf("get: %+v", got)
	}
	_, err = c.CreateSAMLProvider(ctx, &awsiam.CreateSAMLProviderInput{Name: aws.String("Bad"), SAMLMetadataDocument: aws.String(strings.Repeat("x", 1000))})
	wantAPIError(t, err, 400, "InvalidInput", "Could not parse metadata")
	md2 := iamtest.SAMLMetadata(t, "https://idp2.example.com")
	up, err := c.UpdateSAMLProvider(ctx, &awsiam.UpdateSAMLProviderInput{SAMLProviderArn: &arn, SAMLMetadataDocument: aws.String(md2)})
	if err != nil || aws.ToString(up.SAMLProviderArn) != arn {
		t.Fatalf("update: %v", err)
	}
	list, err := c.ListSAMLProviders(ctx, &awsiam.ListSAMLProvidersInput{})
	if err != nil || len(list.SAMLProviderList) != 1 || list.SAMLProviderList[0].ValidUntil == nil {
		t.Fatalf("list: %v %+v", err, list)
	}
	if _, err := c.DeleteSAMLProvider(ctx, &awsiam.DeleteSAMLProviderInput{SAMLProviderArn: &arn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteSAMLProvider(ctx, &awsiam.DeleteSAMLProviderInput{SAMLProviderArn: &arn})
	wantAPIError(t, err, 404, "NoSuchEntity", "Manifest not found for arn "+arn)
}

func TestSDKRoles(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, nil)
	c := sdkClient(h)
	out, err := c.CreateRole(ctx, &awsiam.CreateRoleInput{
		RoleName: aws.String("Cognito_Auth"), Path: aws.String("/idpool/"), AssumeRolePolicyDocument: aws.String(sdkTrust),
		Description: aws.String("authenticated"), MaxSessionDuration: aws.Int32(7200),
		Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Role
	if aws.ToString(r.Arn) != "arn:aws:iam::123456789012:role/idpool/Cognito_Auth" || !strings.HasPrefix(aws.ToString(r.RoleId), "AROA") || len(r.Tags) != 1 {
		t.Fatalf("create: %+v", r)
	}
	if doc, err := url.QueryUnescape(aws.ToString(r.AssumeRolePolicyDocument)); err != nil || doc != sdkTrust {
		t.Fatalf("trust policy round trip: %v %q", err, doc)
	}
	_, err = c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("cognito_auth"), AssumeRolePolicyDocument: aws.String(sdkTrust)})
	wantAPIError(t, err, 409, "EntityAlreadyExists", "Role with name cognito_auth already exists.")
	_, err = c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("bad"), AssumeRolePolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"s3:GetObject"}]}`)})
	wantAPIError(t, err, 400, "MalformedPolicyDocument", "AssumeRole policy may only specify STS AssumeRole actions.")
	_, err = c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("bad"), AssumeRolePolicyDocument: aws.String(sdkTrust), MaxSessionDuration: aws.Int32(100)})
	wantAPIError(t, err, 400, "ValidationError", "1 validation error detected: Value '100' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600")

	g, err := c.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("Cognito_Auth")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(g.Role.MaxSessionDuration) != 7200 || aws.ToString(g.Role.Description) != "authenticated" || g.Role.RoleLastUsed == nil || len(g.Role.Tags) != 1 {
		t.Fatalf("get: %+v", g.Role)
	}

	for _, n := range []string{"b", "c", "d"} {
		if _, err := c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String(n), AssumeRolePolicyDocument: aws.String(sdkTrust)}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	p := awsiam.NewListRolesPaginator(c, &awsiam.ListRolesInput{MaxItems: aws.Int32(3)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range page.Roles {
			names = append(names, aws.ToString(r.RoleName))
		}
	}
	if pages != 2 || strings.Join(names, ",") != "b,c,Cognito_Auth,d" {
		t.Fatalf("%d pages: %v", pages, names)
	}
	lp, err := c.ListRoles(ctx, &awsiam.ListRolesInput{PathPrefix: aws.String("/idpool/")})
	if err != nil || len(lp.Roles) != 1 || lp.IsTruncated {
		t.Fatalf("path prefix: %v %+v", err, lp)
	}

	unauth := strings.Replace(sdkTrust, `"authenticated"`, `"unauthenticated"`, 1)
	if _, err := c.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("Cognito_Auth"), PolicyDocument: aws.String(unauth)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("Cognito_Auth"), PolicyDocument: aws.String("not valid json")})
	wantAPIError(t, err, 400, "MalformedPolicyDocument", "This policy contains invalid Json")
	role, err := h.svc.RoleByARN(ctx, "arn:aws:iam::123456789012:role/idpool/Cognito_Auth")
	if err != nil || role.AssumeRolePolicyDocument != unauth {
		t.Fatalf("domain lookup: %v", err)
	}
	if _, err := c.UpdateRole(ctx, &awsiam.UpdateRoleInput{RoleName: aws.String("Cognito_Auth"), MaxSessionDuration: aws.Int32(3600)}); err != nil {
		t.Fatal(err)
	}

	perm := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"cognito-sync:*","Resource":"*"}}`
	if _, err := c.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("Cognito_Auth"), PolicyName: aws.String("sync"), PolicyDocument: aws.String(perm)}); err != nil {
		t.Fatal(err)
	}
	gp, err := c.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String("Cognito_Auth"), PolicyName: aws.String("sync")})
	if err != nil {
		t.Fatal(err)
	}
	if doc, _ := url.QueryUnescape(aws.ToString(gp.PolicyDocument)); doc != perm {
		t.Fatalf("policy round trip: %q", doc)
	}
	rp, err := c.ListRolePolicies(ctx, &awsiam.ListRolePoliciesInput{RoleName: aws.String("Cognito_Auth")})
	if err != nil || strings.Join(rp.PolicyNames, ",") != "sync" {
		t.Fatalf("list role policies: %v %+v", err, rp)
	}
	policyARN := "arn:aws:iam::aws:policy/service-role/AmazonCognitoSyncServiceRole"
	if _, err := c.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("Cognito_Auth"), PolicyArn: &policyARN}); err != nil {
		t.Fatal(err)
	}
	ap, err := c.ListAttachedRolePolicies(ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: aws.String("Cognito_Auth"), PathPrefix: aws.String("/service-role/")})
	if err != nil || len(ap.AttachedPolicies) != 1 || aws.ToString(ap.AttachedPolicies[0].PolicyName) != "AmazonCognitoSyncServiceRole" {
		t.Fatalf("attached: %v %+v", err, ap)
	}
	_, err = c.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("Cognito_Auth")})
	wantAPIError(t, err, 409, "DeleteConflict", "Cannot delete entity, must delete policies first.")
	if _, err := c.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: aws.String("Cognito_Auth"), PolicyName: aws.String("sync")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: aws.String("Cognito_Auth"), PolicyArn: &policyARN}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("Cognito_Auth")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("Cognito_Auth")})
	wantAPIError(t, err, 404, "NoSuchEntity", "The role with name Cognito_Auth cannot be found.")
}
