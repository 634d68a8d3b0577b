package iamapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/idpool/idpool/internal/iam/iamtest"
)

const awsCLI = "/usr/bin/aws"

// requireCLI skips the test when the AWS CLI is missing, or fails it when
// IDPOOL_E2E_REQUIRED=1 (as CI sets).
func requireCLI(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(awsCLI); err == nil {
		return
	}
	msg := awsCLI + " not found: install the AWS CLI v2 (Debian package awscli) to run the IAM CLI test"
	if os.Getenv("IDPOOL_E2E_REQUIRED") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

type cli struct {
	t    *testing.T
	url  string
	env  []string
	dir  string
	last string
}

func newCLI(t *testing.T, h *harness) *cli {
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials")
	if err := os.WriteFile(creds, []byte("[iamtest]\naws_access_key_id = "+accessKey+"\naws_secret_access_key = "+secretKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || k == "PAGER" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "AWS_SHARED_CREDENTIALS_FILE="+creds, "AWS_PROFILE=iamtest", "AWS_DEFAULT_REGION="+region,
		"AWS_CONFIG_FILE="+filepath.Join(dir, "no-config"), "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true")
	return &cli{t: t, url: h.srv.URL, env: env, dir: dir}
}

// run runs aws --endpoint-url URL --output json iam args… and returns
// stdout, stderr and the exit code.
func (c *cli) run(args ...string) (string, string, int) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, awsCLI, append([]string{"--endpoint-url", c.url, "--output", "json", "iam"}, args...)...)
	cmd.Env = c.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			c.t.Fatalf("run %s: %v", awsCLI, err)
		}
		code = ee.ExitCode()
	}
	return stdout.String(), stderr.String(), code
}

// ok runs a command that must succeed and decodes its JSON output.
func (c *cli) ok(args ...string) map[string]any {
	c.t.Helper()
	out, errOut, code := c.run(args...)
	if code != 0 {
		c.t.Fatalf("aws iam %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	m := map[string]any{}
	if strings.TrimSpace(out) != "" {
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			c.t.Fatalf("aws iam %s: %v\n%s", args[0], err, out)
		}
	}
	return m
}

// fails runs a command that must fail with the error line the CLI prints.
func (c *cli) fails(want string, args ...string) {
	c.t.Helper()
	_, errOut, code := c.run(args...)
	if code == 0 || !strings.Contains(errOut, want) {
		c.t.Fatalf("aws iam %s: exit %d\n%s\nwant %s", args[0], code, errOut, want)
	}
}

func (c *cli) file(name, content string) string {
	p := filepath.Join(c.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		c.t.Fatal(err)
	}
	return "file://" + p
}

func TestAWSCLI(t *testing.T) {
	requireCLI(t)
	h := newHarness(t, nil)
	c := newCLI(t, h)

	// OpenID Connect providers. (CLI 2.9's model still requires
	// --thumbprint-list; the current model makes it optional.)
	tp := "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
	out := c.ok("create-open-id-connect-provider", "--url", "https://login.example.com/realms/main",
		"--client-id-list", "app", "web", "--thumbprint-list", tp, "--tags", "Key=team,Value=id")
	arn, _ := out["OpenIDConnectProviderArn"].(string)
	if arn != "arn:aws:iam::123456789012:oidc-provider/login.example.com/realms/main" {
		t.Fatalf("create: %v", out)
	}
	c.fails("An error occurred (EntityAlreadyExists) when calling the CreateOpenIDConnectProvider operation: Provider with url https://login.example.com/realms/main already exists.",
		"create-open-id-connect-provider", "--url", "https://login.example.com/realms/main", "--thumbprint-list", tp)
	out = c.ok("get-open-id-connect-provider", "--open-id-connect-provider-arn", arn)
	if out["Url"] != "login.example.com/realms/main" || len(out["ClientIDList"].([]any)) != 2 || out["ThumbprintList"].([]any)[0] != tp {
		t.Fatalf("get: %v", out)
	}
	c.ok("add-client-id-to-open-id-connect-provider", "--open-id-connect-provider-arn", arn, "--client-id", "cli")
	c.ok("remove-client-id-from-open-id-connect-provider", "--open-id-connect-provider-arn", arn, "--client-id", "app")
	c.ok("update-open-id-connect-provider-thumbprint", "--open-id-connect-provider-arn", arn, "--thumbprint-list", strings.Repeat("b", 40))
	out = c.ok("list-open-id-connect-providers")
	if l, _ := out["OpenIDConnectProviderList"].([]any); len(l) != 1 || l[0].(map[string]any)["Arn"] != arn {
		t.Fatalf("list: %v", out)
	}
	c.ok("delete-open-id-connect-provider", "--open-id-connect-provider-arn", arn)
	c.fails("An error occurred (NoSuchEntity) when calling the GetOpenIDConnectProvider operation: OpenIDConnect Provider not found for arn "+arn,
		"get-open-id-connect-provider", "--open-id-connect-provider-arn", arn)
	c.fails("An error occurred (ValidationError) when calling the CreateOpenIDConnectProvider operation: Invalid Open ID Connect Provider URL",
		"create-open-id-connect-provider", "--url", "http://login.example.com", "--thumbprint-list", tp)

	// SAML providers.
	md := c.file("metadata.xml", iamtest.SAMLMetadata(t, "https://idp.example.com"))
	out = c.ok("create-saml-provider", "--name", "Corp", "--saml-metadata-document", md)
	samlARN, _ := out["SAMLProviderArn"].(string)
	if samlARN != "arn:aws:iam::123456789012:saml-provider/Corp" {
		t.Fatalf("create saml: %v", out)
	}
	out = c.ok("get-saml-provider", "--saml-provider-arn", samlARN)
	if !strings.Contains(out["SAMLMetadataDocument"].(string), "https://idp.example.com") || out["ValidUntil"] == nil {
		t.Fatalf("get saml: %v", out)
	}
	out = c.ok("list-saml-providers")
	if l, _ := out["SAMLProviderList"].([]any); len(l) != 1 {
		t.Fatalf("list saml: %v", out)
	}
	c.ok("update-saml-provider", "--saml-provider-arn", samlARN, "--saml-metadata-document", c.file("md2.xml", iamtest.SAMLMetadata(t, "https://idp2.example.com")))
	c.ok("delete-saml-provider", "--saml-provider-arn", samlARN)
	c.fails("An error occurred (NoSuchEntity) when calling the GetSAMLProvider operation: Manifest not found for arn "+samlARN,
		"get-saml-provider", "--saml-provider-arn", samlARN)

	// Roles: the CLI decodes the URL-encoded policy documents.
	trust := c.file("trust.json", consoleTrust)
	out = c.ok("create-role", "--role-name", "Cognito_Auth_Role", "--path", "/cognito/", "--assume-role-policy-document", trust,
		"--description", "authenticated users", "--max-session-duration", "7200")
	role := out["Role"].(map[string]any)
	doc, _ := role["AssumeRolePolicyDocument"].(map[string]any)
	if role["Arn"] != "arn:aws:iam::123456789012:role/cognito/Cognito_Auth_Role" || doc["Version"] != "2012-10-17" || doc["Statement"] == nil {
		t.Fatalf("create role: %v", out)
	}
	c.fails("An error occurred (EntityAlreadyExists) when calling the CreateRole operation: Role with name Cognito_Auth_Role already exists.",
		"create-role", "--role-name", "Cognito_Auth_Role", "--assume-role-policy-document", trust)
	c.fails("An error occurred (MalformedPolicyDocument) when calling the CreateRole operation: This policy contains invalid Json",
		"create-role", "--role-name", "broken", "--assume-role-policy-document", "{not json")
	out = c.ok("get-role", "--role-name", "Cognito_Auth_Role")
	role = out["Role"].(map[string]any)
	if role["MaxSessionDuration"] != float64(7200) || role["Description"] != "authenticated users" {
		t.Fatalf("get role: %v", out)
	}
	out = c.ok("list-roles", "--path-prefix", "/cognito/")
	if l, _ := out["Roles"].([]any); len(l) != 1 {
		t.Fatalf("list roles: %v", out)
	}
	c.ok("update-assume-role-policy", "--role-name", "Cognito_Auth_Role", "--policy-document", trust)
	c.ok("put-role-policy", "--role-name", "Cognito_Auth_Role", "--policy-name", "sync",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cognito-sync:*"],"Resource":["*"]}]}`)
	out = c.ok("get-role-policy", "--role-name", "Cognito_Auth_Role", "--policy-name", "sync")
	if pd, _ := out["PolicyDocument"].(map[string]any); pd["Version"] != "2012-10-17" {
		t.Fatalf("get role policy: %v", out)
	}
	c.fails("An error occurred (DeleteConflict) when calling the DeleteRole operation: Cannot delete entity, must delete policies first.",
		"delete-role", "--role-name", "Cognito_Auth_Role")
	c.ok("delete-role-policy", "--role-name", "Cognito_Auth_Role", "--policy-name", "sync")
	c.ok("delete-role", "--role-name", "Cognito_Auth_Role")
	c.fails("An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name Cognito_Auth_Role cannot be found.",
		"get-role", "--role-name", "Cognito_Auth_Role")
}

const consoleTrust = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"Federated": "cognito-identity.amazonaws.com"},
      "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
      "Condition": {
        "StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:11111111-2222-3333-4444-555555555555"},
        "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}
      }
    }
  ]
}`
