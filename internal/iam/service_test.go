package iam_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idpool/idpool/internal/iam"
	"github.com/idpool/idpool/internal/iam/iamtest"
)

const account = "123456789012"

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newService(t testing.TB, store iam.ValueStore, clk *clock) *iam.Service {
	t.Helper()
	if clk == nil {
		clk = &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	}
	s, err := iam.New(iam.Config{Store: store, Account: account, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// wantErr checks that err is an *iam.Error with the code and message.
func wantErr(t *testing.T, err error, code iam.Code, msg string) {
	t.Helper()
	var e *iam.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want %s: %s", err, code, msg)
	}
	if e.Code != code || e.Message != msg {
		t.Fatalf("got %s: %s\nwant %s: %s", e.Code, e.Message, code, msg)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	if _, err := iam.New(iam.Config{Account: account}); err == nil {
		t.Fatal("no store accepted")
	}
	if _, err := iam.New(iam.Config{Store: iamtest.NewMemStore(), Account: "12"}); err == nil {
		t.Fatal("short account accepted")
	}
}

func TestOIDCProviderLifecycle(t *testing.T) {
	ctx := context.Background()
	s := newService(t, iamtest.NewMemStore(), nil)
	tp := strings.Repeat("a", 40)
	p, err := s.CreateOpenIDConnectProvider(ctx, iam.CreateOIDCProviderInput{
		URL: "https://login.example.com/realms/main", ClientIDs: []string{"app", "app", "cli"},
		Thumbprints: []string{tp}, Tags: []iam.Tag{{Key: "team", Value: "id"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:iam::123456789012:oidc-provider/login.example.com/realms/main"
	if p.ARN != arn || p.HostPath() != "login.example.com/realms/main" {
		t.Fatalf("ARN %s host/path %s", p.ARN, p.HostPath())
	}
	if got := strings.Join(p.ClientIDs, ","); got != "app,cli" {
		t.Fatalf("client IDs not deduplicated: %s", got)
	}
	_, err = s.CreateOpenIDConnectProvider(ctx, iam.CreateOIDCProviderInput{URL: "https://login.example.com/realms/main"})
	wantErr(t, err, iam.CodeEntityAlreadyExists, "Provider with url https://login.example.com/realms/main already exists.")

	if err := s.AddClientIDToOpenIDConnectProvider(ctx, arn, "web"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddClientIDToOpenIDConnectProvider(ctx, arn, "web"); err != nil {
		t.Fatal("adding twice is idempotent:", err)
	}
	if err := s.RemoveClientIDFromOpenIDConnectProvider(ctx, arn, "app"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveClientIDFromOpenIDConnectProvider(ctx, arn, "nope"); err != nil {
		t.Fatal("removing a missing client ID is idempotent:", err)
	}
	tp2 := strings.Repeat("0123456789", 4)
	if err := s.UpdateOpenIDConnectProviderThumbprint(ctx, arn, []string{tp2}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetOpenIDConnectProvider(ctx, arn)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.ClientIDs, ",") != "cli,web" || strings.Join(got.Thumbprints, ",") != tp2 || len(got.Tags) != 1 {
		t.Fatalf("provider after updates: %+v", got)
	}
	list, err := s.ListOpenIDConnectProviders(ctx)
	if err != nil || len(list) != 1 || list[0].ARN != arn {
		t.Fatalf("list: %v %+v", err, list)
	}
	if err := s.DeleteOpenIDConnectProvider(ctx, arn); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetOpenIDConnectProvider(ctx, arn)
	wantErr(t, err, iam.CodeNoSuchEntity, "OpenIDConnect Provider not found for arn "+arn)
	wantErr(t, s.DeleteOpenIDConnectProvider(ctx, arn), iam.CodeNoSuchEntity, "OpenId connect Provider "+arn+" cannot be found.")
	wantErr(t, s.AddClientIDToOpenIDConnectProvider(ctx, arn, "x"), iam.CodeNoSuchEntity, "OpenIDConnect Provider not found for arn "+arn)
}

func TestOIDCProviderValidation(t *testing.T) {
	ctx := context.Background()
	s := newService(t, iamtest.NewMemStore(), nil)
	for _, u := range []string{
		"example.org", "http://example.org", "https://", "https://example.org/?x=1", "https://example.org/#f",
		"ftp://example.org", "https://user@example.org",
	} {
		_, err := s.CreateOpenIDConnectProvider(ctx, iam.CreateOIDCProviderInput{URL: u})
		wantErr(t, err, iam.CodeValidation, "Invalid Open ID Connect Provider URL")
	}
	for _, u := range []string{"http://127.0.0.1:9000", "http://localhost:8080/realms/x", "http://[::1]:1234", "https://idp.example.com:8443/x"} {
		p, err := s.CreateOpenIDConnectProvider(ctx, iam.CreateOIDCProviderInput{URL: u})
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if p.URL != u || p.ARN != "arn:aws:iam::123456789012:oidc-provider/"+strings.SplitN(u, "://", 2)[1] {
			t.Fatalf("%s: %+v", u, p)
		}
	}
	six := make([]string, 6)
	for i := range six {
		six[i] = strings.Repeat(fmt.Sprint(i), 40)
	}
	_, err := s.CreateOpenIDConnectProvider(ctx, iam.CreateOIDCProviderInput{URL: "https://a.example.com", Thumbprints: six})
	wantErr(t, err, iam.CodeInvalidInput, "Thumbprint list must contain fewer than 5 entries.")
	_, err = s.CreateOpenIDConnectProvider(ctx, iam.CreateOIDCProviderInput{URL: "https://a.example.com", Thumbprints: six[:5]})
	if err != nil {
		t.Fatal("five thumbprints are allowed:", err)
	}
	_, err = s.CreateOpenIDConnectProvider(ctx, iam.CreateOIDCProviderInput{URL: "https://b.example.com", Thumbprints: []string{strings.Repeat("g", 40)}})
	if iam.ErrorCode(err) != iam.CodeInvalidInput {
		t.Fatalf("non-hex thumbprint: %v", err)
	}
	ids := make([]string, 101)
	for i := range ids {
		ids[i] = fmt.Sprint(i)
	}
	_, err = s.CreateOpenIDConnectProvider(ctx, iam.CreateOIDCProviderInput{URL: "https://c.example.com", ClientIDs: ids})
	wantErr(t, err, iam.CodeLimitExceeded, "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100")
	p, err := s.CreateOpenIDConnectProvider(ctx, iam.CreateOIDCProviderInput{URL: "https://c.example.com", ClientIDs: ids[:100]})
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.AddClientIDToOpenIDConnectProvider(ctx, p.ARN, "one-more"), iam.CodeLimitExceeded, "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100")
	_, err = s.CreateOpenIDConnectProvider(ctx, iam.CreateOIDCProviderInput{URL: "https://d.example.com",
		Tags: []iam.Tag{{Key: "k", Value: "1"}, {Key: "K", Value: "2"}}})
	wantErr(t, err, iam.CodeInvalidInput, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
	_, err = s.GetOpenIDConnectProvider(ctx, "not-an-arn")
	wantErr(t, err, iam.CodeInvalidInput, "ARN not-an-arn is not valid.")
}

func TestSAMLProviderLifecycle(t *testing.T) {
	ctx := context.Background()
	s := newService(t, iamtest.NewMemStore(), nil)
	md := iamtest.SAMLMetadata(t, "https://idp.example.com")
	p, err := s.CreateSAMLProvider(ctx, iam.CreateSAMLProviderInput{Name: "Corp_IdP", Metadata: md})
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:iam::123456789012:saml-provider/Corp_IdP"
	if p.ARN != arn || p.AssertionEncryptionMode != "Allowed" || len(p.UUID) < 22 || !p.ValidUntil.After(p.CreateDate) {
		t.Fatalf("created %+v", p)
	}
	_, err = s.CreateSAMLProvider(ctx, iam.CreateSAMLProviderInput{Name: "Corp_IdP", Metadata: md})
	wantErr(t, err, iam.CodeEntityAlreadyExists, "Provider with name Corp_IdP already exists.")

	got, err := s.SAMLProviderByARN(ctx, arn)
	if err != nil || got.Metadata != md {
		t.Fatalf("lookup: %v", err)
	}
	parsed, err := got.Parse()
	if err != nil || parsed.EntityID != "https://idp.example.com" || len(parsed.SigningCertificates) != 1 || len(parsed.SSOURLs) != 2 {
		t.Fatalf("parse: %v %+v", err, parsed)
	}
	md2 := iamtest.SAMLMetadata(t, "https://idp2.example.com")
	up, err := s.UpdateSAMLProvider(ctx, iam.UpdateSAMLProviderInput{ARN: arn, Metadata: md2})
	if err != nil || up.Metadata != md2 {
		t.Fatalf("update: %v", err)
	}
	list, err := s.ListSAMLProviders(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %v %d", err, len(list))
	}
	if err := s.DeleteSAMLProvider(ctx, arn); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetSAMLProvider(ctx, arn)
	wantErr(t, err, iam.CodeNoSuchEntity, "Manifest not found for arn "+arn)
	wantErr(t, s.DeleteSAMLProvider(ctx, arn), iam.CodeNoSuchEntity, "Manifest not found for arn "+arn)
}

func TestSAMLMetadataRefused(t *testing.T) {
	ctx := context.Background()
	s := newService(t, iamtest.NewMemStore(), nil)
	good := iamtest.SAMLMetadata(t, "https://idp.example.com")
	pad := "<!--" + strings.Repeat("x", 1000) + "-->"
	for name, doc := range map[string]string{
		"not xml":        strings.Repeat("x", 1200),
		"no certs":       `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="e"><md:IDPSSODescriptor/></md:EntityDescriptor>` + pad,
		"sp only":        strings.ReplaceAll(good, "IDPSSODescriptor", "SPSSODescriptor"),
		"bad cert":       strings.Replace(good, "<ds:X509Certificate>", "<ds:X509Certificate>AAAA", 1),
		"wrong ns":       strings.ReplaceAll(good, "urn:oasis:names:tc:SAML:2.0:metadata", "urn:example"),
		"doctype":        `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>` + good,
		"encryption key": strings.Replace(good, `use="signing"`, `use="encryption"`, 1),
	} {
		_, err := s.CreateSAMLProvider(ctx, iam.CreateSAMLProviderInput{Name: "x", Metadata: doc})
		if iam.ErrorCode(err) != iam.CodeInvalidInput {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err := s.CreateSAMLProvider(ctx, iam.CreateSAMLProviderInput{Name: "x", Metadata: "<x/>"})
	if iam.ErrorCode(err) != iam.CodeValidation {
		t.Errorf("short metadata: %v", err)
	}
	// EntitiesDescriptor wrapping one EntityDescriptor is accepted.
	inner := good[strings.Index(good, "<md:EntityDescriptor"):]
	wrapped := `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" validUntil="2030-01-02T03:04:05Z">` + inner + `</md:EntitiesDescriptor>`
	p, err := s.CreateSAMLProvider(ctx, iam.CreateSAMLProviderInput{Name: "wrapped", Metadata: wrapped})
	if err != nil {
		t.Fatal(err)
	}
	if !p.ValidUntil.Equal(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("validUntil %v", p.ValidUntil)
	}
}

const cognitoTrust = `{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"Federated": "cognito-identity.amazonaws.com"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {
      "StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:11111111-2222-3333-4444-555555555555"},
      "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}
    }
  }]
}`

func TestRoleLifecycle(t *testing.T) {
	ctx := context.Background()
	s := newService(t, iamtest.NewMemStore(), nil)
	r, err := s.CreateRole(ctx, iam.CreateRoleInput{
		RoleName: "Cognito_PoolAuth_Role", Path: "/cognito/", AssumeRolePolicyDocument: url.QueryEscape(cognitoTrust),
		Description: "authenticated users", Tags: []iam.Tag{{Key: "env", Value: "dev"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.ARN != "arn:aws:iam::123456789012:role/cognito/Cognito_PoolAuth_Role" || !strings.HasPrefix(r.RoleID, "AROA") || len(r.RoleID) != 21 {
		t.Fatalf("role %+v", r)
	}
	if r.AssumeRolePolicyDocument != cognitoTrust || r.MaxSessionDuration != 3600 {
		t.Fatalf("URL-encoded trust policy not decoded, or default duration wrong: %+v", r)
	}
	_, err = s.CreateRole(ctx, iam.CreateRoleInput{RoleName: "cognito_poolauth_role", AssumeRolePolicyDocument: cognitoTrust})
	wantErr(t, err, iam.CodeEntityAlreadyExists, "Role with name cognito_poolauth_role already exists.")

	got, err := s.GetRole(ctx, "COGNITO_POOLAUTH_ROLE")
	if err != nil || got.RoleID != r.RoleID {
		t.Fatalf("case-insensitive get: %v", err)
	}
	byARN, err := s.RoleByARN(ctx, r.ARN)
	if err != nil || byARN.RoleID != r.RoleID {
		t.Fatalf("RoleByARN: %v", err)
	}
	_, err = s.RoleByARN(ctx, "arn:aws:iam::999999999999:role/cognito/Cognito_PoolAuth_Role")
	wantErr(t, err, iam.CodeNoSuchEntity, "The role with name Cognito_PoolAuth_Role cannot be found.")
	_, err = s.GetRole(ctx, "nope")
	wantErr(t, err, iam.CodeNoSuchEntity, "The role with name nope cannot be found.")

	wantErr(t, s.UpdateAssumeRolePolicy(ctx, r.RoleName, "not valid json"), iam.CodeMalformedPolicyDocument, "This policy contains invalid Json")
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"cognito-identity.amazonaws.com:sub":["` +
		strings.Repeat("x", 2000) + `"]}}}]}`
	wantErr(t, s.UpdateAssumeRolePolicy(ctx, r.RoleName, big), iam.CodeLimitExceeded, "Cannot exceed quota for ACLSizePerRole: 2048")
	spaced := strings.ReplaceAll(cognitoTrust, "\n", "\n"+strings.Repeat(" ", 200))
	if err := s.UpdateAssumeRolePolicy(ctx, r.RoleName, spaced); err != nil {
		t.Fatal("white space must not count against the quota:", err)
	}

	desc, dur := "changed", 7200
	up, err := s.UpdateRole(ctx, iam.UpdateRoleInput{RoleName: r.RoleName, Description: &desc, MaxSessionDuration: &dur})
	if err != nil || up.Description != desc || up.MaxSessionDuration != dur {
		t.Fatalf("update role: %v %+v", err, up)
	}

	perm := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}}`
	if err := s.PutRolePolicy(ctx, r.RoleName, "read", perm); err != nil {
		t.Fatal(err)
	}
	if err := s.AttachRolePolicy(ctx, r.RoleName, "arn:aws:iam::aws:policy/ReadOnlyAccess"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.DeleteRole(ctx, r.RoleName), iam.CodeDeleteConflict, "Cannot delete entity, must delete policies first.")
	if err := s.DeleteRolePolicy(ctx, r.RoleName, "read"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.DeleteRole(ctx, r.RoleName), iam.CodeDeleteConflict, "Cannot delete entity, must detach all policies first.")
	if err := s.DetachRolePolicy(ctx, r.RoleName, "arn:aws:iam::aws:policy/ReadOnlyAccess"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRole(ctx, r.RoleName); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.DeleteRole(ctx, r.RoleName), iam.CodeNoSuchEntity, "The role with name Cognito_PoolAuth_Role cannot be found.")
}

func TestCreateRoleValidation(t *testing.T) {
	ctx := context.Background()
	s := newService(t, iamtest.NewMemStore(), nil)
	cases := []struct {
		in   iam.CreateRoleInput
		code iam.Code
		msg  string
	}{
		{iam.CreateRoleInput{RoleName: "bad name", AssumeRolePolicyDocument: cognitoTrust}, iam.CodeValidation,
			`1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
		{iam.CreateRoleInput{RoleName: "r", Path: "nopath", AssumeRolePolicyDocument: cognitoTrust}, iam.CodeValidation,
			`1 validation error detected: Value 'nopath' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`},
		{iam.CreateRoleInput{RoleName: "r", MaxSessionDuration: 60, AssumeRolePolicyDocument: cognitoTrust}, iam.CodeValidation,
			`1 validation error detected: Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600`},
		{iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: `{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:InvalidAction"}]}`},
			iam.CodeMalformedPolicyDocument, "AssumeRole policy may only specify STS AssumeRole actions."},
		{iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: `{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]}`},
			iam.CodeMalformedPolicyDocument, "Has prohibited field Resource"},
		{iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: `{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`},
			iam.CodeMalformedPolicyDocument, "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!"},
		{iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: `{"Statement":[{"Effect":"Allow","Principal":{"Federated":"not a domain"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`},
			iam.CodeMalformedPolicyDocument, "Federated principals must be valid domain names or SAML metadata ARNs"},
		{iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: `{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"sts:AssumeRole"}]}`},
			iam.CodeMalformedPolicyDocument, "Syntax errors in policy."},
		{iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: `{"Statement":[]}`},
			iam.CodeMalformedPolicyDocument, "Syntax errors in policy."},
		{iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: `[1]`},
			iam.CodeMalformedPolicyDocument, "Syntax errors in policy."},
		{iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: cognitoTrust, PermissionsBoundary: "arn:aws:iam::123456789012:not_a_policy/invalid"},
			iam.CodeInvalidInput, "ARN arn:aws:iam::123456789012:not_a_policy/invalid is not valid."},
	}
	for _, c := range cases {
		_, err := s.CreateRole(ctx, c.in)
		wantErr(t, err, c.code, c.msg)
	}
	// Wildcard STS actions and OIDC/SAML provider ARNs are accepted.
	for i, doc := range []string{
		`{"Statement":{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/login.example.com"},"Action":"sts:*"}}`,
		`{"Statement":{"Effect":"Allow","Principal":{"Federated":["arn:aws:iam::123456789012:saml-provider/Corp"]},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"]}}`,
		`{"Version":"2008-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*"}}`,
	} {
		if _, err := s.CreateRole(ctx, iam.CreateRoleInput{RoleName: fmt.Sprint("ok", i), AssumeRolePolicyDocument: doc}); err != nil {
			t.Errorf("%d: %v", i, err)
		}
	}
}

func TestListRolesPaging(t *testing.T) {
	ctx := context.Background()
	s := newService(t, iamtest.NewMemStore(), nil)
	for i := range 7 {
		path := "/"
		if i%2 == 1 {
			path = "/odd/"
		}
		if _, err := s.CreateRole(ctx, iam.CreateRoleInput{RoleName: fmt.Sprintf("Role%d", i), Path: path, AssumeRolePolicyDocument: cognitoTrust}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	marker := ""
	pages := 0
	for {
		p, err := s.ListRoles(ctx, iam.ListRolesInput{Marker: marker, MaxItems: 3})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range p.Items {
			names = append(names, r.RoleName)
		}
		if !p.IsTruncated {
			if p.Marker != "" {
				t.Fatal("marker on the last page")
			}
			break
		}
		marker = p.Marker
	}
	if pages != 3 || strings.Join(names, ",") != "Role0,Role1,Role2,Role3,Role4,Role5,Role6" {
		t.Fatalf("%d pages: %v", pages, names)
	}
	odd, err := s.ListRoles(ctx, iam.ListRolesInput{PathPrefix: "/odd/"})
	if err != nil || len(odd.Items) != 3 || odd.IsTruncated {
		t.Fatalf("path prefix: %v %+v", err, odd)
	}
	_, err = s.ListRoles(ctx, iam.ListRolesInput{Marker: "%%%"})
	if iam.ErrorCode(err) != iam.CodeValidation {
		t.Fatalf("bad marker: %v", err)
	}
}

func TestInlineAndAttachedPolicies(t *testing.T) {
	ctx := context.Background()
	s := newService(t, iamtest.NewMemStore(), nil)
	if _, err := s.CreateRole(ctx, iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: cognitoTrust}); err != nil {
		t.Fatal(err)
	}
	perm := func(action string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"*"}]}`
	}
	for _, n := range []string{"b", "a", "c"} {
		if err := s.PutRolePolicy(ctx, "r", n, perm("s3:Get*")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutRolePolicy(ctx, "r", "a", perm("s3:Put*")); err != nil {
		t.Fatal(err)
	}
	p, err := s.GetRolePolicy(ctx, "r", "a")
	if err != nil || !strings.Contains(p.Document, "s3:Put*") {
		t.Fatalf("get: %v %+v", err, p)
	}
	page, err := s.ListRolePolicies(ctx, "r", "", 2)
	if err != nil || strings.Join(page.Items, ",") != "a,b" || !page.IsTruncated {
		t.Fatalf("page 1: %v %+v", err, page)
	}
	page, err = s.ListRolePolicies(ctx, "r", page.Marker, 2)
	if err != nil || strings.Join(page.Items, ",") != "c" || page.IsTruncated {
		t.Fatalf("page 2: %v %+v", err, page)
	}
	_, err = s.GetRolePolicy(ctx, "r", "zz")
	wantErr(t, err, iam.CodeNoSuchEntity, "The role policy with name zz cannot be found.")
	_, err = s.GetRolePolicy(ctx, "nobody", "zz")
	wantErr(t, err, iam.CodeNoSuchEntity, "The role with name nobody cannot be found.")
	wantErr(t, s.PutRolePolicy(ctx, "r", "p", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}`),
		iam.CodeMalformedPolicyDocument, "Policy document should not specify a principal.")
	wantErr(t, s.PutRolePolicy(ctx, "r", "p", `{"Statement":{"Effect":"Allow","Action":"s3:*"}}`),
		iam.CodeMalformedPolicyDocument, "Policy statement must contain resources.")
	huge := `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":["` + strings.Repeat("a", 10300) + `"]}}`
	wantErr(t, s.PutRolePolicy(ctx, "r", "huge", huge), iam.CodeLimitExceeded, "Maximum policy size of 10240 bytes exceeded for role r")

	wantErr(t, s.AttachRolePolicy(ctx, "r", "longpolicynamebutnoarn"), iam.CodeValidation, "ARN longpolicynamebutnoarn is not valid.")
	for i := range 10 {
		if err := s.AttachRolePolicy(ctx, "r", fmt.Sprintf("arn:aws:iam::123456789012:policy/team/P%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AttachRolePolicy(ctx, "r", "arn:aws:iam::123456789012:policy/team/P3"); err != nil {
		t.Fatal("attaching twice is idempotent:", err)
	}
	wantErr(t, s.AttachRolePolicy(ctx, "r", "arn:aws:iam::aws:policy/ReadOnlyAccess"), iam.CodeLimitExceeded, "Cannot exceed quota for PoliciesPerRole: 10")
	wantErr(t, s.DetachRolePolicy(ctx, "r", "arn:aws:iam::aws:policy/ReadOnlyAccess"), iam.CodeNoSuchEntity, "Policy arn:aws:iam::aws:policy/ReadOnlyAccess was not found.")
	att, err := s.ListAttachedRolePolicies(ctx, "r", "/team/", "", 4)
	if err != nil || len(att.Items) != 4 || att.Items[0].Name != "P0" || !att.IsTruncated {
		t.Fatalf("attached: %v %+v", err, att)
	}
	none, err := s.ListAttachedRolePolicies(ctx, "r", "/other/", "", 0)
	if err != nil || len(none.Items) != 0 {
		t.Fatalf("prefix: %v %+v", err, none)
	}
}

// TestConcurrentCreateOneWins creates the same role from many goroutines
// on two services sharing a store: exactly one succeeds.
func TestConcurrentCreateOneWins(t *testing.T) {
	ctx := context.Background()
	store := iamtest.NewMemStore()
	nodes := []*iam.Service{newService(t, store, nil), newService(t, store, nil)}
	const n = 40
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = nodes[i%2].CreateRole(ctx, iam.CreateRoleInput{RoleName: "Same", AssumeRolePolicyDocument: cognitoTrust})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case iam.ErrorCode(err) == iam.CodeEntityAlreadyExists:
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d creates succeeded, want 1", ok)
	}
	// The same for OIDC providers, and different names all succeed.
	errs = make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = nodes[i%2].CreateOpenIDConnectProvider(ctx, iam.CreateOIDCProviderInput{URL: "https://same.example.com"})
			if _, err := nodes[i%2].CreateRole(ctx, iam.CreateRoleInput{RoleName: fmt.Sprint("R", i), AssumeRolePolicyDocument: cognitoTrust}); err != nil {
				t.Errorf("distinct role %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	ok = 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if iam.ErrorCode(err) != iam.CodeEntityAlreadyExists {
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d provider creates succeeded, want 1", ok)
	}
	// A fresh node (empty cache) sees every write.
	page, err := newService(t, store, nil).ListRoles(ctx, iam.ListRolesInput{MaxItems: 1000})
	if err != nil || len(page.Items) != n+1 {
		t.Fatalf("roles: %v %d", err, len(page.Items))
	}
}

// TestSnapshotCache shows that lookups do no I/O while the snapshot is
// fresh, that a node reads its own writes at once, and that another node's
// writes are seen after the TTL.
func TestSnapshotCache(t *testing.T) {
	ctx := context.Background()
	store := iamtest.NewMemStore()
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	a, b := newService(t, store, clk), newService(t, store, clk)
	r, err := a.CreateRole(ctx, iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: cognitoTrust})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.RoleByARN(ctx, r.ARN); err != nil {
		t.Fatal("own write not visible:", err)
	}
	if _, err := b.RoleByARN(ctx, "arn:aws:iam::123456789012:role/missing"); !iam.IsNoSuchEntity(err) {
		t.Fatal(err)
	}
	gets := store.Gets.Load()
	for range 1000 {
		if _, err := a.RoleByARN(ctx, r.ARN); err != nil {
			t.Fatal(err)
		}
		if _, err := b.RoleByARN(ctx, r.ARN); err != nil {
			t.Fatal(err)
		}
	}
	if d := store.Gets.Load() - gets; d != 0 {
		t.Fatalf("%d store reads for cached lookups", d)
	}
	if err := a.UpdateAssumeRolePolicy(ctx, "r", strings.Replace(cognitoTrust, "authenticated", "unauthenticated", 1)); err != nil {
		t.Fatal(err)
	}
	got, _ := b.GetRole(ctx, "r")
	if strings.Contains(got.AssumeRolePolicyDocument, "unauthenticated") {
		t.Fatal("node b saw the change before its TTL")
	}
	clk.advance(iam.DefaultCacheTTL)
	got, _ = b.GetRole(ctx, "r")
	if !strings.Contains(got.AssumeRolePolicyDocument, "unauthenticated") {
		t.Fatal("node b did not see the change after its TTL")
	}
	// Returned values are copies: mutating them does not reach the cache.
	got.Tags = append(got.Tags, iam.Tag{Key: "x"})
	got.RoleName = "changed"
	again, _ := b.GetRole(ctx, "r")
	if again.RoleName != "r" || len(again.Tags) != 0 {
		t.Fatal("cache was mutated through a returned value")
	}
}

// failingStore fails every call.
type failingStore struct{}

func (failingStore) GetValue(context.Context, string) ([]byte, int64, error) {
	return nil, 0, errors.New("disk on fire")
}

func (failingStore) PutValue(context.Context, string, []byte, int64) (int64, error) {
	return 0, errors.New("disk on fire")
}

func TestStoreFailuresAreNotIAMErrors(t *testing.T) {
	s := newService(t, failingStore{}, nil)
	_, err := s.GetRole(context.Background(), "r")
	if err == nil || iam.ErrorCode(err) != "" || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("got %v", err)
	}
	_, err = s.CreateRole(context.Background(), iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: cognitoTrust})
	if err == nil || iam.ErrorCode(err) != "" {
		t.Fatalf("got %v", err)
	}
}
