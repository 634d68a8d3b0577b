package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	citypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/idpool/idpool/internal/iam/iamtest"
	"github.com/idpool/idpool/internal/testserver"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binOut  []byte
)

// idpoolBinary builds cmd/idpool once per test run and returns its path:
// the stack commands are tested as a user runs them.
func idpoolBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "idpool-e2e-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "idpool")
		binOut, binErr = exec.Command("go", "build", "-o", binPath, "../cmd/idpool").CombinedOutput()
	})
	if binErr != nil {
		t.Fatalf("go build ../cmd/idpool: %v\n%s", binErr, binOut)
	}
	return binPath
}

// idpoolCmd runs the idpool binary against srv (its endpoint and data
// directory, so the generated credentials are found as a user's would be)
// with a clean environment. It returns stdout, stderr and the exit code.
func idpoolCmd(t *testing.T, srv *testserver.Server, args ...string) (string, string, int) {
	t.Helper()
	args = append(args, "--endpoint-url", srv.URL, "--data-dir", srv.DataDir)
	cmd := exec.Command(idpoolBinary(t), args...)
	cmd.Env = cleanEnviron()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("idpool %s: %v", strings.Join(args, " "), err)
	}
	return stdout.String(), stderr.String(), code
}

// mustIdpool runs the binary and fails the test unless it exits 0.
func mustIdpool(t *testing.T, srv *testserver.Server, args ...string) string {
	t.Helper()
	stdout, stderr, code := idpoolCmd(t, srv, args...)
	if code != 0 {
		t.Fatalf("idpool %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout
}

var outputRE = regexp.MustCompile(`(?m)^  (\w+) = (.*)$`)

// outputs parses the "Outputs:" lines an apply prints.
func outputs(stdout string) map[string]string {
	out := map[string]string{}
	for _, m := range outputRE.FindAllStringSubmatch(stdout, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func iamClient(t *testing.T, srv *testserver.Server) *awsiam.Client {
	t.Helper()
	return awsiam.NewFromConfig(dpConfig(t, srv, credentials.NewStaticCredentialsProvider(srv.AccessKeyID, srv.SecretAccessKey, ""), nil))
}

// wantSummary checks the last line of an apply or delete.
func wantSummary(t *testing.T, stdout, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if got := lines[len(lines)-1]; got != want {
		t.Errorf("summary line %q, want %q\nfull output:\n%s", got, want, stdout)
	}
}

const applyTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Description: hand-written identity pool stack
Parameters:
  Env:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Oidc:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: https://login.example.com
      ClientIdList: [web-app]
  Saml:
    Type: AWS::IAM::SAMLProvider
    Properties:
      Name: corp
      SamlMetadataDocument: |
%s
  AuthRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub "${AWS::StackName}-auth"
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Federated: cognito-identity.amazonaws.com}
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              StringEquals: {"cognito-identity.amazonaws.com:aud": !Ref Pool}
              "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": authenticated}
  GuestRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub "${AWS::StackName}-guest"
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Federated: cognito-identity.amazonaws.com}
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              StringEquals: {"cognito-identity.amazonaws.com:aud": !Ref Pool}
              "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": unauthenticated}
  Pool:
    Type: AWS::Cognito::IdentityPool
    Properties:
      IdentityPoolName: !Sub "${AWS::StackName}-${Env}"
      AllowUnauthenticatedIdentities: !If [IsProd, false, true]
      DeveloperProviderName: login.mycompany
      OpenIdConnectProviderARNs: [!GetAtt Oidc.Arn]
      SamlProviderARNs: [!Ref Saml]
      IdentityPoolTags:
        - {Key: env, Value: !Ref Env}
      PushSync: {ApplicationArns: ["arn:aws:sns:us-east-1:000000000000:app/GCM/app"], RoleArn: !Sub "arn:aws:iam::${AWS::AccountId}:role/push"}
  Roles:
    Type: AWS::Cognito::IdentityPoolRoleAttachment
    Properties:
      IdentityPoolId: !Ref Pool
      Roles:
        authenticated: !GetAtt AuthRole.Arn
        unauthenticated: !GetAtt GuestRole.Arn
      RoleMappings:
        oidc:
          IdentityProvider: login.example.com
          Type: Rules
          AmbiguousRoleResolution: AuthenticatedRole
          RulesConfiguration:
            Rules:
              - {Claim: group, MatchType: Equals, Value: admin, RoleARN: !GetAtt AuthRole.Arn}
  Tags:
    Type: AWS::Cognito::IdentityPoolPrincipalTag
    Properties:
      IdentityPoolId: !Ref Pool
      IdentityProviderName: login.example.com
      PrincipalTags: {team: group}
  Bucket:
    Type: AWS::S3::Bucket
Outputs:
  PoolId:
    Value: !Ref Pool
  PoolName:
    Value: !GetAtt Pool.Name
  GuestRoleArn:
    Value: !GetAtt GuestRole.Arn
`

// TestApplyYAMLTemplate converges a server to a hand-written YAML template
// with `idpool apply` and checks the result through the cognito-identity
// and IAM APIs: dry run, create, idempotent re-apply, an update with a
// parameter and a removed resource, a failed apply that rolls back, working
// credentials for the stack's guest role, and delete-stack.
func TestApplyYAMLTemplate(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		srv := b.start(t)
		ctx := t.Context()
		ci := newSDK(t, srv)
		im := iamClient(t, srv)
		md := iamtest.SAMLMetadata(t, "https://idp.example.com")
		indented := "        " + strings.ReplaceAll(strings.TrimSpace(md), "\n", "\n        ")
		file := writeFile(t, "stack.yaml", strings.Replace(applyTemplate, "%s", indented, 1))

		// Dry run: the plan, and nothing created.
		plan := mustIdpool(t, srv, "apply", "-f", file, "--stack-name", "app", "--dry-run")
		for _, want := range []string{"(new stack)", "Create Pool (AWS::Cognito::IdentityPool)", "Create Roles (AWS::Cognito::IdentityPoolRoleAttachment)",
			"Resources Bucket (AWS::S3::Bucket): no provider for AWS::S3::Bucket"} {
			if !strings.Contains(plan, want) {
				t.Errorf("dry run output lacks %q:\n%s", want, plan)
			}
		}
		if n := len(listAllPools(t, ci)); n != 0 {
			t.Fatalf("dry run created %d pools", n)
		}

		// Apply.
		out := mustIdpool(t, srv, "apply", "-f", file, "--stack-name", "app")
		wantSummary(t, out, "Stack app applied: 7 created, 0 updated, 0 replaced, 0 deleted, 0 unchanged.")
		if !strings.Contains(out, "Create COMPLETE Pool (AWS::Cognito::IdentityPool) [") {
			t.Errorf("no per-resource progress:\n%s", out)
		}
		o := outputs(out)
		poolID := wantPoolID(t, o["PoolId"])
		if o["PoolName"] != "app-dev" {
			t.Errorf("output PoolName = %q", o["PoolName"])
		}
		pool, err := ci.DescribeIdentityPool(ctx, &cognitoidentity.DescribeIdentityPoolInput{IdentityPoolId: aws.String(poolID)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(pool.IdentityPoolName) != "app-dev" || !pool.AllowUnauthenticatedIdentities || aws.ToString(pool.DeveloperProviderName) != "login.mycompany" ||
			strings.Join(pool.OpenIdConnectProviderARNs, ",") != "arn:aws:iam::"+srv.AccountID+":oidc-provider/login.example.com" ||
			strings.Join(pool.SamlProviderARNs, ",") != "arn:aws:iam::"+srv.AccountID+":saml-provider/corp" || pool.IdentityPoolTags["env"] != "dev" {
			t.Errorf("pool as applied: %+v", pool)
		}
		roles, err := ci.GetIdentityPoolRoles(ctx, &cognitoidentity.GetIdentityPoolRolesInput{IdentityPoolId: aws.String(poolID)})
		if err != nil {
			t.Fatal(err)
		}
		authARN := "arn:aws:iam::" + srv.AccountID + ":role/app-auth"
		guestARN := "arn:aws:iam::" + srv.AccountID + ":role/app-guest"
		if roles.Roles["authenticated"] != authARN || roles.Roles["unauthenticated"] != guestARN || o["GuestRoleArn"] != guestARN {
			t.Errorf("roles %v, output %q", roles.Roles, o["GuestRoleArn"])
		}
		m, ok := roles.RoleMappings["login.example.com"]
		if !ok || m.Type != citypes.RoleMappingTypeRules || m.AmbiguousRoleResolution != citypes.AmbiguousRoleResolutionTypeAuthenticatedRole ||
			len(m.RulesConfiguration.Rules) != 1 || aws.ToString(m.RulesConfiguration.Rules[0].Claim) != "group" || aws.ToString(m.RulesConfiguration.Rules[0].RoleARN) != authARN {
			t.Errorf("role mappings %+v", roles.RoleMappings)
		}
		tags, err := ci.GetPrincipalTagAttributeMap(ctx, &cognitoidentity.GetPrincipalTagAttributeMapInput{IdentityPoolId: aws.String(poolID), IdentityProviderName: aws.String("login.example.com")})
		if err != nil || tags.PrincipalTags["team"] != "group" {
			t.Errorf("principal tags %+v, %v", tags, err)
		}
		if _, err := im.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("app-auth")}); err != nil {
			t.Errorf("IAM GetRole app-auth: %v", err)
		}

		// The stack's guest role really works: its trust policy names the
		// pool the same stack created.
		guest, err := ci.GetId(ctx, &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(poolID)})
		if err != nil {
			t.Fatal(err)
		}
		creds, err := ci.GetCredentialsForIdentity(ctx, &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: guest.IdentityId})
		if err != nil {
			t.Fatalf("GetCredentialsForIdentity with the stack's guest role: %v", err)
		}
		c := creds.Credentials
		who, err := stsFor(t, srv, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretKey), aws.ToString(c.SessionToken)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if want := "arn:aws:sts::" + srv.AccountID + ":assumed-role/app-guest/CognitoIdentityCredentials"; aws.ToString(who.Arn) != want {
			t.Errorf("GetCallerIdentity Arn %q, want %q", aws.ToString(who.Arn), want)
		}

		// Re-applying the same template changes nothing.
		before := poolState(t, ci, "arn:aws:cognito-identity:"+srv.Region+":"+srv.AccountID+":identitypool/"+poolID, poolID)
		out = mustIdpool(t, srv, "apply", "-f", file, "--stack-name", "app")
		wantSummary(t, out, "Stack app applied: 0 created, 0 updated, 0 replaced, 0 deleted, 7 unchanged.")
		if after := poolState(t, ci, "arn:aws:cognito-identity:"+srv.Region+":"+srv.AccountID+":identitypool/"+poolID, poolID); after != before {
			t.Errorf("re-apply changed the pool:\nbefore %s\nafter  %s", before, after)
		}

		// A failed apply rolls back: the pool update is undone when the
		// next resource is refused.
		bad := strings.Replace(strings.Replace(applyTemplate, "%s", indented, 1), "IdentityProviderName: login.example.com", "IdentityProviderName: not-configured.example.com", 1)
		stdout, stderr, code := idpoolCmd(t, srv, "apply", "-f", writeFile(t, "bad.yaml", bad), "--stack-name", "app", "--parameter", "Env=prod")
		if code == 0 || !strings.Contains(stderr, "ApplyFailed") || !strings.Contains(stderr, "(not-configured.example.com) is not a configured provider of this identity pool.") {
			t.Errorf("bad apply: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		if !strings.Contains(stdout, "ROLLBACK Update") {
			t.Errorf("bad apply shows no rollback:\n%s", stdout)
		}
		if after := poolState(t, ci, "arn:aws:cognito-identity:"+srv.Region+":"+srv.AccountID+":identitypool/"+poolID, poolID); after != before {
			t.Errorf("a failed apply left changes:\nbefore %s\nafter  %s", before, after)
		}

		// An update: a parameter and a removed resource.
		noTags := strings.Replace(applyTemplate, "%s", indented, 1)
		i, j := strings.Index(noTags, "  Tags:\n"), strings.Index(noTags, "  Bucket:\n")
		noTags = noTags[:i] + noTags[j:]
		out = mustIdpool(t, srv, "apply", "-f", writeFile(t, "v2.yaml", noTags), "--stack-name", "app", "--parameter", "Env=prod")
		wantSummary(t, out, "Stack app applied: 0 created, 1 updated, 0 replaced, 1 deleted, 5 unchanged.")
		pool, err = ci.DescribeIdentityPool(ctx, &cognitoidentity.DescribeIdentityPoolInput{IdentityPoolId: aws.String(poolID)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(pool.IdentityPoolName) != "app-prod" || pool.AllowUnauthenticatedIdentities || pool.IdentityPoolTags["env"] != "prod" {
			t.Errorf("pool after update: %+v", pool)
		}
		tags, err = ci.GetPrincipalTagAttributeMap(ctx, &cognitoidentity.GetPrincipalTagAttributeMapInput{IdentityPoolId: aws.String(poolID), IdentityProviderName: aws.String("login.example.com")})
		if err != nil || len(tags.PrincipalTags) != 0 {
			t.Errorf("principal tags after their resource was removed: %+v, %v", tags, err)
		}

		// describe-stack and list-stacks.
		desc := mustIdpool(t, srv, "describe-stack", "app")
		if !strings.Contains(desc, "Pool (AWS::Cognito::IdentityPool) ["+poolID+"]") || strings.Contains(desc, "Tags (") {
			t.Errorf("describe-stack:\n%s", desc)
		}
		if got := mustIdpool(t, srv, "list-stacks"); got != "app\n" {
			t.Errorf("list-stacks: %q", got)
		}

		// delete-stack removes everything it created.
		out = mustIdpool(t, srv, "delete-stack", "app")
		wantSummary(t, out, "Stack app deleted: 0 created, 0 updated, 0 replaced, 6 deleted, 0 unchanged.")
		if n := len(listAllPools(t, ci)); n != 0 {
			t.Errorf("%d pools left after delete-stack", n)
		}
		rs, err := im.ListRoles(ctx, &awsiam.ListRolesInput{})
		if err != nil || len(rs.Roles) != 0 {
			t.Errorf("roles left after delete-stack: %+v, %v", rs, err)
		}
		if _, stderr, code := idpoolCmd(t, srv, "describe-stack", "app"); code == 0 || !strings.Contains(stderr, "StackNotFound") {
			t.Errorf("describe-stack of a deleted stack: exit %d, %s", code, stderr)
		}
		if got := mustIdpool(t, srv, "list-stacks"); got != "" {
			t.Errorf("list-stacks after delete: %q", got)
		}
	})
}

// TestApplyRefusals checks what apply refuses before touching anything:
// template errors with their location, unsupported features, bad
// parameters, and requests without the admin credentials.
func TestApplyRefusals(t *testing.T) {
	t.Parallel()
	srv := testserver.Start(t)
	ci := newSDK(t, srv)
	cases := []struct {
		name, template string
		args           []string
		want           string
	}{
		{"unknown attribute", `Resources:
  Pool:
    Type: AWS::Cognito::IdentityPool
    Properties: {AllowUnauthenticatedIdentities: true}
Outputs:
  X: {Value: !GetAtt Pool.Arn}
`, nil, `Outputs.X.Value: Fn::GetAtt: unknown attribute "Arn" of resource "Pool" (AWS::Cognito::IdentityPool has Id, Name)`},
		{"missing required property", `Resources:
  Pool:
    Type: AWS::Cognito::IdentityPool
    Properties: {IdentityPoolName: x}
`, nil, `Resources.Pool.Properties: required property "AllowUnauthenticatedIdentities" is missing`},
		{"transform", `Transform: AWS::Serverless-2016-10-31
Resources:
  Pool:
    Type: AWS::Cognito::IdentityPool
    Properties: {AllowUnauthenticatedIdentities: true}
`, nil, "Transform"},
		{"import value", `Resources:
  Pool:
    Type: AWS::Cognito::IdentityPool
    Properties:
      AllowUnauthenticatedIdentities: true
      IdentityPoolName: !ImportValue shared-name
`, nil, "Fn::ImportValue"},
		{"parameter not allowed", `Parameters:
  Env: {Type: String, AllowedValues: [dev, prod]}
Resources:
  Pool:
    Type: AWS::Cognito::IdentityPool
    Properties: {AllowUnauthenticatedIdentities: true, IdentityPoolName: !Ref Env}
`, []string{"--parameter", "Env=test"}, "Env"},
		{"ref to a skipped resource", `Resources:
  Bucket: {Type: AWS::S3::Bucket}
  Pool:
    Type: AWS::Cognito::IdentityPool
    Properties: {AllowUnauthenticatedIdentities: true, IdentityPoolName: !Ref Bucket}
`, nil, `Bucket`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"apply", "-f", writeFile(t, "t.yaml", tc.template), "--stack-name", "refused"}, tc.args...)
			stdout, stderr, code := idpoolCmd(t, srv, args...)
			if code == 0 || !strings.Contains(stderr, "ValidationError") || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s\nwant ValidationError containing %q", code, stdout, stderr, tc.want)
			}
		})
	}
	if n := len(listAllPools(t, ci)); n != 0 {
		t.Errorf("refused templates created %d pools", n)
	}

	t.Run("wrong credentials", func(t *testing.T) {
		cmd := exec.Command(idpoolBinary(t), "apply", "-f", writeFile(t, "t.yaml", "Resources: {}\n"), "--stack-name", "s", "--endpoint-url", srv.URL)
		cmd.Env = append(cleanEnviron(), "AWS_ACCESS_KEY_ID="+srv.AccessKeyID, "AWS_SECRET_ACCESS_KEY=wrong"+srv.SecretAccessKey[5:])
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "InvalidSignatureException") {
			t.Errorf("apply with a wrong secret: %v\n%s", err, out)
		}
	})
}

// requireCDK returns node when the CDK app's dependencies are installed
// (cd e2e/cdk && npm ci), and skips or fails the test otherwise.
func requireCDK(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		if _, err = os.Stat(filepath.Join("cdk", "node_modules", "aws-cdk-lib", "aws-cognito-identitypool")); err != nil {
			err = &os.PathError{Op: "stat", Path: "e2e/cdk/node_modules (run: cd e2e/cdk && npm ci)", Err: err}
		}
	}
	if err != nil {
		msg := "CDK tests need node and e2e/cdk/node_modules: " + err.Error()
		if os.Getenv(testserver.EnvRequired) == "1" {
			t.Fatalf("%s; %s=1 requires every client", msg, testserver.EnvRequired)
		}
		t.Skipf("SKIPPING: %s (set %s=1 to make this a failure)", msg, testserver.EnvRequired)
	}
	return node
}

// synthCDK synthesizes e2e/cdk/app.js (variant "1" or "2") with node and
// returns the template path.
func synthCDK(t *testing.T, node, variant string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "cdk.out")
	cmd := exec.Command(node, "app.js", out)
	cmd.Dir = "cdk"
	cmd.Env = append(cleanEnviron(), "IDPOOL_CDK_VARIANT="+variant, "CDK_DISABLE_VERSION_CHECK=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node app.js (variant %s): %v\n%s", variant, err, b)
	}
	return filepath.Join(out, "IdpoolCdkStack.template.json")
}

// TestApplyCDKApp synthesizes a CDK app (aws-cdk-lib's IdentityPool
// construct with a user-pool client and an OIDC provider, default roles and
// a Rules role mapping), applies cdk.out/IdpoolCdkStack.template.json with
// `idpool apply`, and checks the pool, roles and mappings through the
// cognito-identity API; re-applying is a no-op; the edited app updates the
// pool in place, and its guest role then gives working credentials.
func TestApplyCDKApp(t *testing.T) {
	t.Parallel()
	node := requireCDK(t)
	v1, v2 := synthCDK(t, node, "1"), synthCDK(t, node, "2")
	forEachBackend(t, func(t *testing.T, b backend) {
		srv := b.start(t)
		ctx := t.Context()
		ci := newSDK(t, srv)

		out := mustIdpool(t, srv, "apply", "-f", v1)
		if !strings.Contains(out, "to stack IdpoolCdkStack") {
			t.Errorf("stack name not taken from the file name:\n%s", out)
		}
		wantSummary(t, out, "Stack IdpoolCdkStack applied: 7 created, 0 updated, 0 replaced, 0 deleted, 0 unchanged.")
		for _, want := range []string{"Parameters BootstrapVersion", "Rules CheckBootstrapVersion"} {
			if !strings.Contains(out, want) {
				t.Errorf("CDK boilerplate %q not reported as skipped:\n%s", want, out)
			}
		}
		o := outputs(out)
		poolID := wantPoolID(t, o["PoolId"])
		pool, err := ci.DescribeIdentityPool(ctx, &cognitoidentity.DescribeIdentityPoolInput{IdentityPoolId: aws.String(poolID)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(pool.IdentityPoolName) != "cdk-pool" || pool.AllowUnauthenticatedIdentities ||
			len(pool.CognitoIdentityProviders) != 1 ||
			aws.ToString(pool.CognitoIdentityProviders[0].ProviderName) != "cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1" ||
			aws.ToString(pool.CognitoIdentityProviders[0].ClientId) != "exampleclient1234567890" ||
			!aws.ToBool(pool.CognitoIdentityProviders[0].ServerSideTokenCheck) ||
			strings.Join(pool.OpenIdConnectProviderARNs, ",") != "arn:aws:iam::"+srv.AccountID+":oidc-provider/login.example.com" {
			t.Errorf("pool from the CDK app: %+v", pool)
		}
		roles := cdkRoles(t, ci, poolID)
		if roles.Roles["authenticated"] != o["AuthenticatedRoleArn"] || !strings.Contains(roles.Roles["unauthenticated"], ":role/IdpoolCdkStack-PoolUnauthenticatedRole") {
			t.Errorf("default roles %v (output %q)", roles.Roles, o["AuthenticatedRoleArn"])
		}
		const key = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1:exampleclient1234567890"
		m, ok := roles.RoleMappings[key]
		if !ok || m.Type != citypes.RoleMappingTypeRules || m.AmbiguousRoleResolution != citypes.AmbiguousRoleResolutionTypeDeny ||
			ruleSummary(m) != "custom:group Equals admin → AdminRole" {
			t.Errorf("role mapping %s: %+v (rules %q)", key, roles.RoleMappings, ruleSummary(m))
		}

		before := poolState(t, ci, "arn:aws:cognito-identity:"+srv.Region+":"+srv.AccountID+":identitypool/"+poolID, poolID)
		out = mustIdpool(t, srv, "apply", "-f", v1)
		wantSummary(t, out, "Stack IdpoolCdkStack applied: 0 created, 0 updated, 0 replaced, 0 deleted, 7 unchanged.")
		if after := poolState(t, ci, "arn:aws:cognito-identity:"+srv.Region+":"+srv.AccountID+":identitypool/"+poolID, poolID); after != before {
			t.Errorf("re-apply changed the pool:\nbefore %s\nafter  %s", before, after)
		}

		out = mustIdpool(t, srv, "apply", "-f", v2)
		wantSummary(t, out, "Stack IdpoolCdkStack applied: 0 created, 4 updated, 0 replaced, 0 deleted, 3 unchanged.")
		if got := wantPoolID(t, outputs(out)["PoolId"]); got != poolID {
			t.Errorf("the edited app replaced the pool: %s → %s", poolID, got)
		}
		pool, err = ci.DescribeIdentityPool(ctx, &cognitoidentity.DescribeIdentityPoolInput{IdentityPoolId: aws.String(poolID)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(pool.IdentityPoolName) != "cdk-pool-v2" || !pool.AllowUnauthenticatedIdentities {
			t.Errorf("pool after the edited app: %+v", pool)
		}
		roles = cdkRoles(t, ci, poolID)
		if got := ruleSummary(roles.RoleMappings[key]); got != "custom:group Equals admin → AdminRole; custom:group StartsWith edit → EditorRole" {
			t.Errorf("rules after the edited app: %q", got)
		}

		// The CDK default guest role's trust policy (aud = this pool, amr
		// unauthenticated) is evaluated and passes.
		guest, err := ci.GetId(ctx, &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(poolID)})
		if err != nil {
			t.Fatal(err)
		}
		creds, err := ci.GetCredentialsForIdentity(ctx, &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: guest.IdentityId})
		if err != nil {
			t.Fatalf("GetCredentialsForIdentity with the CDK guest role: %v", err)
		}
		c := creds.Credentials
		who, err := stsFor(t, srv, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretKey), aws.ToString(c.SessionToken)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		unauthName := roles.Roles["unauthenticated"][strings.LastIndex(roles.Roles["unauthenticated"], "/")+1:]
		if want := "arn:aws:sts::" + srv.AccountID + ":assumed-role/" + unauthName + "/CognitoIdentityCredentials"; aws.ToString(who.Arn) != want {
			t.Errorf("GetCallerIdentity Arn %q, want %q", aws.ToString(who.Arn), want)
		}
	})
}

func cdkRoles(t *testing.T, ci *cognitoidentity.Client, poolID string) *cognitoidentity.GetIdentityPoolRolesOutput {
	t.Helper()
	roles, err := ci.GetIdentityPoolRoles(context.Background(), &cognitoidentity.GetIdentityPoolRolesInput{IdentityPoolId: aws.String(poolID)})
	if err != nil {
		t.Fatal(err)
	}
	return roles
}

// ruleSummary renders a Rules mapping as "claim MatchType value → role",
// the role shortened to the logical-ID prefix CDK gave its name.
func ruleSummary(m citypes.RoleMapping) string {
	if m.RulesConfiguration == nil {
		return ""
	}
	var parts []string
	for _, r := range m.RulesConfiguration.Rules {
		role := aws.ToString(r.RoleARN)
		role = role[strings.LastIndex(role, "/")+1:]
		role = strings.TrimPrefix(role, "IdpoolCdkStack-")
		if i := strings.Index(role, "Role"); i >= 0 {
			role = role[:i+4]
		}
		parts = append(parts, aws.ToString(r.Claim)+" "+string(r.MatchType)+" "+aws.ToString(r.Value)+" → "+role)
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}
