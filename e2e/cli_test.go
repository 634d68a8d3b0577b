package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/idpool/idpool/internal/testserver"
)

// cliStep runs one real /usr/bin/aws command and checks its outcome: the
// JSON it prints (want, nil for no output check) or the exact error line on
// stderr with exit code 254.
func cliStep(t *testing.T, c *cliClient, op string, args []string, want any) obj {
	t.Helper()
	stdout, stderr, code := c.run(t, append([]string{kebab(op)}, args...)...)
	out, e := c.result(t, op, stdout, stderr, code)
	if e != nil {
		t.Fatalf("aws cognito-identity %s: exit %d: %s", kebab(op), code, e.Raw)
	}
	if want != nil {
		wantResult(t, "aws cognito-identity "+kebab(op), out, want)
	}
	return out
}

// cliFails runs one real /usr/bin/aws command that must fail with exit code
// 254 and exactly AWS's error line on stderr.
func cliFails(t *testing.T, c *cliClient, op string, args []string, code, msg string) {
	t.Helper()
	stdout, stderr, rc := c.run(t, append([]string{kebab(op)}, args...)...)
	if rc != 254 {
		t.Errorf("aws cognito-identity %s: exit code %d, want 254\nstdout: %s\nstderr: %s", kebab(op), rc, stdout, stderr)
	}
	if stdout != "" {
		t.Errorf("aws cognito-identity %s: stdout %q, want none", kebab(op), stdout)
	}
	want := fmt.Sprintf("\nAn error occurred (%s) when calling the %s operation: %s\n", code, op, msg)
	if stderr != want {
		t.Errorf("aws cognito-identity %s: stderr\n got: %q\nwant: %q", kebab(op), stderr, want)
	}
}

// TestCLIBinary drives every admin operation with the real /usr/bin/aws
// process, using its own argument syntax (flags, shorthand, JSON) and the
// profile idpool from the credentials file the server generated — what a
// user types. (TestAdminAPI runs the full scenarios through the same CLI
// code in one process; this proves the binary and the profile.)
func TestCLIBinary(t *testing.T) {
	t.Parallel()
	testserver.RequireClient(t, testserver.AWSCLI)
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.start(t)
		cli := newCLI(t, s)

		t.Run("every operation", func(t *testing.T) {
			t.Parallel()
			created := cliStep(t, cli, "CreateIdentityPool", []string{
				"--identity-pool-name", "cli-bin", "--allow-unauthenticated-identities",
				"--developer-provider-name", "login.cli.dev",
				"--supported-login-providers", "graph.facebook.com=1234567890",
				"--cognito-identity-providers", "ProviderName=" + userPool + ",ClientId=" + userPoolClient + ",ServerSideTokenCheck=true",
				"--identity-pool-tags", "team=identity",
			}, nil)
			id := wantPoolID(t, created["IdentityPoolId"])
			cognitoIDP := []obj{{"ProviderName": userPool, "ClientId": userPoolClient, "ServerSideTokenCheck": true}}
			wantResult(t, "create-identity-pool", created, obj{
				"IdentityPoolId": id, "IdentityPoolName": "cli-bin", "AllowUnauthenticatedIdentities": true,
				"DeveloperProviderName": "login.cli.dev", "SupportedLoginProviders": obj{"graph.facebook.com": "1234567890"},
				"CognitoIdentityProviders": cognitoIDP, "IdentityPoolTags": obj{"team": "identity"},
			})
			cliStep(t, cli, "DescribeIdentityPool", []string{"--identity-pool-id", id}, created)

			// Full replacement: the login providers go, the developer
			// provider name and the tags stay.
			updated := obj{
				"IdentityPoolId": id, "IdentityPoolName": "cli-bin-2", "AllowUnauthenticatedIdentities": false,
				"DeveloperProviderName": "login.cli.dev", "IdentityPoolTags": obj{"team": "identity"},
				"CognitoIdentityProviders": []obj{{"ProviderName": userPool, "ClientId": userPoolClient, "ServerSideTokenCheck": false}},
			}
			out := cliStep(t, cli, "UpdateIdentityPool", []string{"--identity-pool-id", id, "--identity-pool-name", "cli-bin-2",
				"--no-allow-unauthenticated-identities", "--cognito-identity-providers", "ProviderName=" + userPool + ",ClientId=" + userPoolClient}, nil)
			wantResult(t, "update-identity-pool", normalizeClassicFlow(out), updated)

			list := cliStep(t, cli, "ListIdentityPools", []string{"--max-results", "60"}, nil)
			wantResult(t, "list-identity-pools", list, obj{"IdentityPools": []obj{{"IdentityPoolId": id, "IdentityPoolName": "cli-bin-2"}}})

			mappings := obj{userPoolKey: obj{"Type": "Rules", "AmbiguousRoleResolution": "AuthenticatedRole",
				"RulesConfiguration": obj{"Rules": []obj{{"Claim": "cognito:groups", "MatchType": "Contains", "Value": "admins", "RoleARN": adminRole}}}}}
			mj, _ := json.Marshal(mappings)
			cliStep(t, cli, "SetIdentityPoolRoles", []string{"--identity-pool-id", id,
				"--roles", "authenticated=" + authRole + ",unauthenticated=" + unauthRole, "--role-mappings", string(mj)}, obj{})
			roles := obj{"IdentityPoolId": id, "Roles": obj{"authenticated": authRole, "unauthenticated": unauthRole}, "RoleMappings": mappings}
			cliStep(t, cli, "GetIdentityPoolRoles", []string{"--identity-pool-id", id}, roles)
			bad := "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc:notmyclient"
			cliFails(t, cli, "SetIdentityPoolRoles", []string{"--identity-pool-id", id, "--roles", "authenticated=" + authRole,
				"--role-mappings", `{"` + bad + `":{"Type":"Token","AmbiguousRoleResolution":"Deny"}}`},
				"InvalidParameterException", "("+bad+") is not a valid RoleMapping ProviderName or is not a configured provider.")
			cliFails(t, cli, "SetIdentityPoolRoles", []string{"--identity-pool-id", id, "--roles", "authenticated=arn-less-role-name-here"},
				"NotAuthorizedException", "Access to Role 'arn-less-role-name-here' is forbidden.")
			cliStep(t, cli, "GetIdentityPoolRoles", []string{"--identity-pool-id", id}, roles)

			ptm := obj{"IdentityPoolId": id, "IdentityProviderName": userPool, "UseDefaults": false, "PrincipalTags": obj{"tenant": "custom:tenant"}}
			cliStep(t, cli, "SetPrincipalTagAttributeMap", []string{"--identity-pool-id", id, "--identity-provider-name", userPool,
				"--principal-tags", "tenant=custom:tenant", "--no-use-defaults"}, ptm)
			cliStep(t, cli, "GetPrincipalTagAttributeMap", []string{"--identity-pool-id", id, "--identity-provider-name", userPool}, ptm)

			arn := s.PoolARN(id)
			cliStep(t, cli, "TagResource", []string{"--resource-arn", arn, "--tags", "env=test,owner=me"}, obj{})
			cliStep(t, cli, "UntagResource", []string{"--resource-arn", arn, "--tag-keys", "team"}, obj{})
			cliStep(t, cli, "ListTagsForResource", []string{"--resource-arn", arn}, obj{"Tags": obj{"env": "test", "owner": "me"}})

			cliStep(t, cli, "DeleteIdentityPool", []string{"--identity-pool-id", id}, obj{})
			cliFails(t, cli, "DescribeIdentityPool", []string{"--identity-pool-id", id},
				"ResourceNotFoundException", "IdentityPool '"+id+"' not found.")
		})

		errorCases := []struct {
			name     string
			auth     cliAuth
			op       string
			args     []string
			code     string
			msg      string
			nameUsed string // a CreateIdentityPool that must not create this pool
		}{
			{name: "bad pool ID", auth: cliAuth{profile: true}, op: "DescribeIdentityPool", args: []string{"--identity-pool-id", "x y"},
				code: "ValidationException", msg: `1 validation error detected: Value 'x y' at 'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+:[0-9a-f-]+`},
			{name: "name too long", auth: cliAuth{profile: true}, op: "CreateIdentityPool",
				args: []string{"--identity-pool-name", strings.Repeat("c", 129), "--allow-unauthenticated-identities"},
				code: "ValidationException", msg: "1 validation error detected: Value '" + strings.Repeat("c", 129) + "' at 'identityPoolName' failed to satisfy constraint: Member must have length less than or equal to 128",
				nameUsed: strings.Repeat("c", 129)},
			{name: "too many tags", auth: cliAuth{profile: true}, op: "CreateIdentityPool",
				args: []string{"--identity-pool-name", "cli-many-tags", "--allow-unauthenticated-identities", "--identity-pool-tags", tagsShorthand(51)},
				code: "InvalidParameterException", msg: "An identity pool can have as many as 50 tags.", nameUsed: "cli-many-tags"},
			{name: "unsigned", auth: cliAuth{noSign: true}, op: "CreateIdentityPool",
				args: []string{"--identity-pool-name", "cli-unsigned", "--allow-unauthenticated-identities"},
				code: "MissingAuthenticationTokenException", msg: msgMissingAuth, nameUsed: "cli-unsigned"},
			{name: "wrong secret", auth: cliAuth{accessKey: s.AccessKeyID, secretKey: wrongSecret(s.SecretAccessKey)}, op: "CreateIdentityPool",
				args: []string{"--identity-pool-name", "cli-wrong-secret", "--allow-unauthenticated-identities"},
				code: "InvalidSignatureException", msg: msgSignatureMismatch, nameUsed: "cli-wrong-secret"},
			{name: "unknown access key", auth: cliAuth{accessKey: "AKIAIDPOOLUNKNOWN000", secretKey: s.SecretAccessKey}, op: "ListIdentityPools",
				args: []string{"--max-results", "10"}, code: "UnrecognizedClientException", msg: msgInvalidToken},
		}
		for _, tc := range errorCases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				cliFails(t, newCLIWith(t, s, tc.auth), tc.op, tc.args, tc.code, tc.msg)
				if tc.nameUsed != "" && poolNamed(t, newSDK(t, s), tc.nameUsed) {
					t.Errorf("the refused create-identity-pool created %q", tc.nameUsed)
				}
			})
		}
	})
}

// tagsShorthand renders n tags in the CLI's shorthand: k1=v1,k2=v2,…
func tagsShorthand(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("tag%02d=value%02d", i, i)
	}
	return strings.Join(parts, ",")
}
