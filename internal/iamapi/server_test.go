package iamapi_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/idpool/idpool/internal/iamapi"
	"github.com/idpool/idpool/internal/sigv4"
)

func TestWireErrors(t *testing.T) {
	h := newHarness(t, nil)
	resp, body := h.post(t, form("Action", "ListRoles"), "")
	wantError(t, resp, body, 403, "MissingAuthenticationToken", "Request is missing Authentication Token")

	resp, body = h.post(t, form("Action", "ListRoles"), "sts")
	wantError(t, resp, body, 403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'iam'. ")

	resp, body = h.post(t, form("Action", "CreateUser", "UserName", "bob"), "iam")
	wantError(t, resp, body, 400, "InvalidAction", "Could not find operation CreateUser for version 2010-05-08")

	f := form("Action", "ListRoles")
	f.Set("Version", "2011-06-15")
	resp, body = h.post(t, f, "iam")
	wantError(t, resp, body, 400, "InvalidAction", "Could not find operation ListRoles for version 2011-06-15")

	resp, body = h.post(t, form("Action", "GetRole"), "iam")
	wantError(t, resp, body, 400, "ValidationError", "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null")

	resp, body = h.post(t, form("Action", "GetRole", "RoleName", "no/such"), "iam")
	wantError(t, resp, body, 400, "ValidationError",
		`1 validation error detected: Value 'no/such' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`)

	resp, body = h.post(t, form("Action", "GetRole", "RoleName", "nobody"), "iam")
	wantError(t, resp, body, 404, "NoSuchEntity", "The role with name nobody cannot be found.")

	resp, body = h.post(t, form("Action", "ListRoles", "MaxItems", "many"), "iam")
	wantError(t, resp, body, 400, "ValidationError", "")

	// IAM leaves the values of some members out of its messages (AWS
	// recording: 3 errors for a 256-character URL, a 41-character
	// thumbprint and a 256-character client ID).
	resp, body = h.post(t, form("Action", "CreateOpenIDConnectProvider", "Url", strings.Repeat("b", 256),
		"ThumbprintList.member.1", strings.Repeat("b", 41), "ClientIDList.member.1", strings.Repeat("b", 256)), "iam")
	wantError(t, resp, body, 400, "ValidationError", "3 validation errors detected: "+
		"Value at 'clientIDList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 1]; "+
		"Value at 'thumbprintList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 40, Member must have length greater than or equal to 40]; "+
		"Value at 'url' failed to satisfy constraint: Member must have length less than or equal to 255")

	resp, body = h.post(t, form("Action", "CreateRole", "RoleName", "r", "AssumeRolePolicyDocument", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
		"Tags.member.1.Key", "invalid!key", "Tags.member.1.Value", "v"), "iam")
	wantError(t, resp, body, 400, "ValidationError",
		`1 validation error detected: Value at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`)

	resp, body = h.post(t, form("Action", "CreateOpenIDConnectProvider", "Url", "example.org"), "iam")
	wantError(t, resp, body, 400, "ValidationError", "Invalid Open ID Connect Provider URL")
}

func TestAuthorize(t *testing.T) {
	var got []string
	h := newHarness(t, func(c sigv4.Credentials, action string) error {
		got = append(got, c.AccessKeyID+" "+action)
		if action == "DeleteRole" {
			return errors.New("User: arn:aws:iam::123456789012:user/x is not authorized to perform: iam:DeleteRole on resource: *")
		}
		return nil
	})
	resp, body := h.post(t, form("Action", "ListRoles"), "iam")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<ListRolesResult>") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	resp, body = h.post(t, form("Action", "DeleteRole", "RoleName", "x"), "iam")
	wantError(t, resp, body, 403, "AccessDenied", "User: arn:aws:iam::123456789012:user/x is not authorized to perform: iam:DeleteRole on resource: *")
	if strings.Join(got, ",") != accessKey+" ListRoles,"+accessKey+" DeleteRole" {
		t.Fatalf("authorize calls: %v", got)
	}
}

func TestResponseShape(t *testing.T) {
	h := newHarness(t, nil)
	resp, body := h.post(t, form("Action", "DeleteRole", "RoleName", "nobody"), "iam")
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "text/xml" ||
		!strings.HasPrefix(string(body), `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	resp, body = h.post(t, form("Action", "ListOpenIDConnectProviders"), "iam")
	want := `<ListOpenIDConnectProvidersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListOpenIDConnectProvidersResult><OpenIDConnectProviderList></OpenIDConnectProviderList></ListOpenIDConnectProvidersResult><ResponseMetadata><RequestId>` +
		resp.Header.Get("x-amzn-RequestId") + `</RequestId></ResponseMetadata></ListOpenIDConnectProvidersResponse>`
	if resp.StatusCode != 200 || string(body) != want {
		t.Fatalf("%d\n%s\nwant\n%s", resp.StatusCode, body, want)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`
	resp, body = h.post(t, form("Action", "CreateRole", "RoleName", "r", "AssumeRolePolicyDocument", trust, "Description", "d"), "iam")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C") ||
		strings.Contains(string(body), "<Description>") || strings.Contains(string(body), "<MaxSessionDuration>") {
		t.Fatalf("CreateRole: %d %s", resp.StatusCode, body)
	}
	resp, body = h.post(t, form("Action", "DeleteRole", "RoleName", "r"), "iam")
	if resp.StatusCode != 200 || strings.Contains(string(body), "Result") || !strings.HasPrefix(string(body), "<DeleteRoleResponse ") {
		t.Fatalf("DeleteRole: %d %s", resp.StatusCode, body)
	}
}

func TestIsIAMRequest(t *testing.T) {
	auth := func(svc string) string {
		return "AWS4-HMAC-SHA256 Credential=AKID/20260301/us-east-1/" + svc + "/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"
	}
	cases := []struct {
		name   string
		auth   string
		query  string
		body   string
		expect bool
	}{
		{"iam scope", auth("iam"), "", "Action=AssumeRoleWithWebIdentity&Version=2011-06-15", true},
		{"sts scope", auth("sts"), "", "Action=ListRoles&Version=2010-05-08", false},
		{"presigned iam", "", "Action=ListRoles&X-Amz-Credential=AKID%2F20260301%2Fus-east-1%2Fiam%2Faws4_request", "", true},
		{"presigned sts", "", "Action=GetCallerIdentity&X-Amz-Credential=AKID%2F20260301%2Fus-east-1%2Fsts%2Faws4_request", "", false},
		{"unsigned IAM version", "", "", "Action=ListRoles&Version=2010-05-08", true},
		{"unsigned STS version", "", "", "Action=AssumeRoleWithWebIdentity&Version=2011-06-15", false},
		{"version in the URL", "", "Version=2010-05-08", "Action=ListRoles", true},
		{"no version, IAM action", "", "", "Action=CreateRole", true},
		{"no version, STS action", "", "", "Action=AssumeRoleWithWebIdentity", false},
		{"nothing", "", "", "", false},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodPost, "/?"+c.query, strings.NewReader(c.body))
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		if got := iamapi.IsIAMRequest(r, []byte(c.body)); got != c.expect {
			t.Errorf("%s: got %v", c.name, got)
		}
		if c.auth != "" || strings.Contains(c.query, "Credential") {
			if got := iamapi.IsIAMRequest(r, nil); got != c.expect {
				t.Errorf("%s without body: got %v", c.name, got)
			}
		}
	}
}
