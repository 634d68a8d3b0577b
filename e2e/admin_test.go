package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"

	"github.com/idpool/idpool/internal/testserver"
)

// Providers the scenarios configure on their pools.
const (
	userPool       = "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"
	userPoolClient = "clientid"
	// userPoolKey is how a role mapping names a user-pool provider.
	userPoolKey = userPool + ":" + userPoolClient
	oidcARN     = "arn:aws:iam::000000000000:oidc-provider/issuer.example.com"
	samlARN     = "arn:aws:iam::000000000000:saml-provider/corp"
	authRole    = "arn:aws:iam::000000000000:role/idpool-auth"
	unauthRole  = "arn:aws:iam::000000000000:role/idpool-unauth"
	adminRole   = "arn:aws:iam::000000000000:role/idpool-admin"
	// unknownPool is well-formed but never exists.
	unknownPool = "us-east-1:00000000-0000-4000-8000-000000000000"
)

// scenarioEnv is what a scenario works with: the server, an SDK client for
// independent checks, the client under test and a prefix that makes its pool
// names unique on the shared server.
type scenarioEnv struct {
	s      *testserver.Server
	sdk    *cognitoidentity.Client
	c      adminClient
	prefix string
}

func (e scenarioEnv) name(s string) string { return e.prefix + "-" + s }

func (e scenarioEnv) state(t testing.TB, poolID string) string {
	t.Helper()
	return poolState(t, e.sdk, e.s.PoolARN(poolID), poolID)
}

// wantUnchanged fails if the pool's observable state differs from before.
func (e scenarioEnv) wantUnchanged(t testing.TB, poolID, before, after string) {
	t.Helper()
	if now := e.state(t, poolID); now != before {
		t.Errorf("%s: a rejected %s changed the pool\nbefore: %s\n after: %s", e.c.Name(), after, before, now)
	}
}

var scenarios = []struct {
	name string
	fn   func(t *testing.T, e scenarioEnv)
}{
	{"PoolLifecycle", scenarioPoolLifecycle},
	{"UpdateIsFullReplacement", scenarioUpdate},
	{"DeveloperProviderNameImmutable", scenarioDeveloperProviderName},
	{"Validation", scenarioValidation},
	{"Roles", scenarioRoles},
	{"PrincipalTags", scenarioPrincipalTags},
	{"Tags", scenarioTags},
}

// TestAdminAPI runs every admin scenario with aws-sdk-go-v2, the AWS CLI and
// boto3, on every backend. The scenarios of one backend share a server and
// run in parallel; each works on pools of its own.
func TestAdminAPI(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.startWithProviders(t)
		sdk := newSDK(t, s)
		for _, cf := range allClients {
			t.Run(cf.name, func(t *testing.T) {
				t.Parallel()
				c := cf.new(t, s)
				for _, sc := range scenarios {
					t.Run(sc.name, func(t *testing.T) {
						t.Parallel()
						sc.fn(t, scenarioEnv{s: s, sdk: sdk, c: c, prefix: cf.name + "-" + sc.name})
					})
				}
			})
		}
	})
}

// fullPool is a CreateIdentityPool input that sets every member.
func fullPool(name string) obj {
	return obj{
		"IdentityPoolName":               name,
		"AllowUnauthenticatedIdentities": true,
		"AllowClassicFlow":               true,
		"SupportedLoginProviders": obj{
			"graph.facebook.com":  "1234567890",
			"accounts.google.com": "123-abc.apps.googleusercontent.com",
		},
		"DeveloperProviderName":     "login.example.dev",
		"OpenIdConnectProviderARNs": []string{oidcARN},
		"CognitoIdentityProviders": []obj{
			{"ProviderName": userPool, "ClientId": userPoolClient, "ServerSideTokenCheck": true},
		},
		"SamlProviderARNs": []string{samlARN},
		"IdentityPoolTags": obj{"team": "identity", "env": "test"},
	}
}

// normalizeClassicFlow drops AllowClassicFlow when it is false: whether the
// live service omits an unset AllowClassicFlow or reports false is not
// known (reference §16.4), so both are accepted.
func normalizeClassicFlow(m obj) obj {
	if v, ok := m["AllowClassicFlow"]; ok && v == false {
		return without(m, "AllowClassicFlow")
	}
	return m
}

func scenarioPoolLifecycle(t *testing.T, e scenarioEnv) {
	in := fullPool(e.name("full"))
	created := mustOK(t, e.c, "CreateIdentityPool", in)
	id := wantPoolID(t, created["IdentityPoolId"])
	wantResult(t, "CreateIdentityPool result", created, with(in, "IdentityPoolId", id))

	desc := mustOK(t, e.c, "DescribeIdentityPool", obj{"IdentityPoolId": id})
	wantResult(t, "DescribeIdentityPool after create", desc, created)
	// What this client wrote, the SDK reads back identically.
	sdkDesc := mustOK(t, sdkClient{e.sdk}, "DescribeIdentityPool", obj{"IdentityPoolId": id})
	wantResult(t, "DescribeIdentityPool through the SDK", sdkDesc, created)

	// A minimal pool: only the required members come back (and maybe
	// AllowClassicFlow false).
	minIn := obj{"IdentityPoolName": e.name("min"), "AllowUnauthenticatedIdentities": false}
	minOut := mustOK(t, e.c, "CreateIdentityPool", minIn)
	minID := wantPoolID(t, minOut["IdentityPoolId"])
	wantResult(t, "CreateIdentityPool (minimal) result", normalizeClassicFlow(minOut), with(minIn, "IdentityPoolId", minID))
	if minID == id {
		t.Fatalf("two pools got the same ID %s", id)
	}

	// Both are listed with their names.
	all := listAllPools(t, e.sdk)
	if all[id] != in["IdentityPoolName"] || all[minID] != minIn["IdentityPoolName"] {
		t.Errorf("ListIdentityPools lacks the new pools: %v", all)
	}

	// Delete: empty result; then every operation on it is
	// ResourceNotFoundException, and the other pool is untouched.
	minBefore := e.state(t, minID)
	wantResult(t, "DeleteIdentityPool result", mustOK(t, e.c, "DeleteIdentityPool", obj{"IdentityPoolId": id}), obj{})
	notFound := fmt.Sprintf("IdentityPool '%s' not found.", id)
	wantErr(t, e.c, "DescribeIdentityPool", obj{"IdentityPoolId": id}, "ResourceNotFoundException", notFound)
	wantErr(t, e.c, "DeleteIdentityPool", obj{"IdentityPoolId": id}, "ResourceNotFoundException", notFound)
	if _, ok := listAllPools(t, e.sdk)[id]; ok {
		t.Errorf("deleted pool %s is still listed", id)
	}
	if now := e.state(t, minID); now != minBefore {
		t.Errorf("deleting %s changed %s", id, minID)
	}
	// The SDK agrees it is gone.
	wantErr(t, sdkClient{e.sdk}, "GetIdentityPoolRoles", obj{"IdentityPoolId": id}, "ResourceNotFoundException", notFound)
}

func scenarioUpdate(t *testing.T, e scenarioEnv) {
	in := fullPool(e.name("upd"))
	created := mustOK(t, e.c, "CreateIdentityPool", in)
	id := wantPoolID(t, created["IdentityPoolId"])

	// Full replacement: only the required members are sent, so every
	// optional member reverts to its default — except DeveloperProviderName,
	// which can never change once set, and the tags, which UpdateIdentityPool
	// only replaces when IdentityPoolTags is given (Terraform and
	// CloudFormation rely on that: they tag through TagResource).
	upd := obj{"IdentityPoolId": id, "IdentityPoolName": e.name("upd-renamed"), "AllowUnauthenticatedIdentities": false}
	out := mustOK(t, e.c, "UpdateIdentityPool", upd)
	want := with(upd, "DeveloperProviderName", in["DeveloperProviderName"], "IdentityPoolTags", in["IdentityPoolTags"])
	wantResult(t, "UpdateIdentityPool (minimal) result", normalizeClassicFlow(out), want)
	desc := mustOK(t, e.c, "DescribeIdentityPool", obj{"IdentityPoolId": id})
	wantResult(t, "DescribeIdentityPool after minimal update", normalizeClassicFlow(desc), want)
	if listAllPools(t, e.sdk)[id] != upd["IdentityPoolName"] {
		t.Errorf("ListIdentityPools does not show the new name")
	}

	// Put everything back, with other tags: the result is the full input.
	back := with(fullPool(e.name("upd-again")), "IdentityPoolId", id, "IdentityPoolTags", obj{"only": "this"})
	out = mustOK(t, e.c, "UpdateIdentityPool", back)
	wantResult(t, "UpdateIdentityPool (full) result", out, back)
	wantResult(t, "DescribeIdentityPool after full update", mustOK(t, e.c, "DescribeIdentityPool", obj{"IdentityPoolId": id}), back)
	wantResult(t, "ListTagsForResource after update with tags",
		mustOK(t, e.c, "ListTagsForResource", obj{"ResourceArn": e.s.PoolARN(id)}), obj{"Tags": obj{"only": "this"}})

	// Rejected updates change nothing.
	before := e.state(t, id)
	long := strings.Repeat("n", 129)
	wantErr(t, e.c, "UpdateIdentityPool", with(back, "IdentityPoolName", long), "ValidationException",
		"1 validation error detected: Value '"+long+"' at 'identityPoolName' failed to satisfy constraint: Member must have length less than or equal to 128")
	e.wantUnchanged(t, id, before, "UpdateIdentityPool with a 129-character name")
	wantErr(t, e.c, "UpdateIdentityPool", with(back, "IdentityPoolTags", manyTags(51)), "InvalidParameterException",
		"An identity pool can have as many as 50 tags.")
	e.wantUnchanged(t, id, before, "UpdateIdentityPool with 51 tags")
	wantErr(t, e.c, "UpdateIdentityPool", with(back, "CognitoIdentityProviders", []obj{{"ProviderName": "not-a-user-pool", "ClientId": "x"}}),
		"InvalidParameterException", "Invalid Cognito Identity Provider")
	e.wantUnchanged(t, id, before, "UpdateIdentityPool with an invalid user pool provider")

	// Unknown pool.
	wantErr(t, e.c, "UpdateIdentityPool", with(back, "IdentityPoolId", unknownPool), "ResourceNotFoundException",
		fmt.Sprintf("IdentityPool '%s' not found.", unknownPool))
}

func scenarioDeveloperProviderName(t *testing.T, e scenarioEnv) {
	// Set at create: a different name is refused, the same one and an
	// omitted one are fine and keep it.
	in := fullPool(e.name("dev"))
	id := wantPoolID(t, mustOK(t, e.c, "CreateIdentityPool", in)["IdentityPoolId"])
	before := e.state(t, id)
	e1 := wantErrCode(t, e.c, "UpdateIdentityPool", with(in, "IdentityPoolId", id, "DeveloperProviderName", "other.dev"), "InvalidParameterException")
	t.Logf("%s: changing DeveloperProviderName: %s", e.c.Name(), e1)
	e.wantUnchanged(t, id, before, "UpdateIdentityPool changing DeveloperProviderName")
	out := mustOK(t, e.c, "UpdateIdentityPool", with(in, "IdentityPoolId", id))
	wantResult(t, "UpdateIdentityPool with the same DeveloperProviderName", out, with(in, "IdentityPoolId", id))

	// Unset at create: it can be set once by an update, then not changed.
	minIn := obj{"IdentityPoolName": e.name("dev-later"), "AllowUnauthenticatedIdentities": false}
	minID := wantPoolID(t, mustOK(t, e.c, "CreateIdentityPool", minIn)["IdentityPoolId"])
	set := with(minIn, "IdentityPoolId", minID, "DeveloperProviderName", "first.dev")
	wantResult(t, "UpdateIdentityPool setting DeveloperProviderName", normalizeClassicFlow(mustOK(t, e.c, "UpdateIdentityPool", set)), set)
	before = e.state(t, minID)
	wantErrCode(t, e.c, "UpdateIdentityPool", with(set, "DeveloperProviderName", "second.dev"), "InvalidParameterException")
	e.wantUnchanged(t, minID, before, "UpdateIdentityPool changing DeveloperProviderName")
	desc := mustOK(t, e.c, "DescribeIdentityPool", obj{"IdentityPoolId": minID})
	if desc["DeveloperProviderName"] != "first.dev" {
		t.Errorf("DeveloperProviderName = %v, want first.dev", desc["DeveloperProviderName"])
	}
}

func scenarioValidation(t *testing.T, e scenarioEnv) {
	// Bad ID pattern, on every operation that takes a pool ID.
	badID := "1 validation error detected: Value 'x y' at 'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+"
	for _, op := range []string{"DescribeIdentityPool", "DeleteIdentityPool", "GetIdentityPoolRoles"} {
		wantErr(t, e.c, op, obj{"IdentityPoolId": "x y"}, "ValidationException", badID)
	}
	wantErr(t, e.c, "GetPrincipalTagAttributeMap", obj{"IdentityPoolId": "x y", "IdentityProviderName": userPool}, "ValidationException", badID)
	wantErr(t, e.c, "UpdateIdentityPool", obj{"IdentityPoolId": "x y", "IdentityPoolName": "n", "AllowUnauthenticatedIdentities": false}, "ValidationException", badID)
	wantErr(t, e.c, "SetIdentityPoolRoles", obj{"IdentityPoolId": "x y", "Roles": obj{}}, "ValidationException", badID)

	// Unknown pool, on every operation that takes a pool ID or ARN.
	notFound := fmt.Sprintf("IdentityPool '%s' not found.", unknownPool)
	for _, op := range []string{"DescribeIdentityPool", "DeleteIdentityPool", "GetIdentityPoolRoles"} {
		wantErr(t, e.c, op, obj{"IdentityPoolId": unknownPool}, "ResourceNotFoundException", notFound)
	}
	wantErr(t, e.c, "SetIdentityPoolRoles", obj{"IdentityPoolId": unknownPool, "Roles": obj{"authenticated": authRole}}, "ResourceNotFoundException", notFound)
	wantErr(t, e.c, "GetPrincipalTagAttributeMap", obj{"IdentityPoolId": unknownPool, "IdentityProviderName": userPool}, "ResourceNotFoundException", notFound)
	wantErr(t, e.c, "SetPrincipalTagAttributeMap", obj{"IdentityPoolId": unknownPool, "IdentityProviderName": userPool, "PrincipalTags": obj{"a": "b"}}, "ResourceNotFoundException", notFound)
	arn := e.s.PoolARN(unknownPool)
	wantErr(t, e.c, "ListTagsForResource", obj{"ResourceArn": arn}, "ResourceNotFoundException", notFound)
	wantErr(t, e.c, "TagResource", obj{"ResourceArn": arn, "Tags": obj{"a": "b"}}, "ResourceNotFoundException", notFound)
	wantErr(t, e.c, "UntagResource", obj{"ResourceArn": arn, "TagKeys": []string{"a"}}, "ResourceNotFoundException", notFound)

	// Rejected creates create nothing.
	long := e.name(strings.Repeat("n", 129-len(e.name(""))))
	wantErr(t, e.c, "CreateIdentityPool", obj{"IdentityPoolName": long, "AllowUnauthenticatedIdentities": true}, "ValidationException",
		"1 validation error detected: Value '"+long+"' at 'identityPoolName' failed to satisfy constraint: Member must have length less than or equal to 128")
	badName := e.name("bad/name")
	wantErr(t, e.c, "CreateIdentityPool", obj{"IdentityPoolName": badName, "AllowUnauthenticatedIdentities": true}, "ValidationException",
		"1 validation error detected: Value '"+badName+"' at 'identityPoolName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+")
	manyName := e.name("many-tags")
	wantErr(t, e.c, "CreateIdentityPool", obj{"IdentityPoolName": manyName, "AllowUnauthenticatedIdentities": true, "IdentityPoolTags": manyTags(51)},
		"InvalidParameterException", "An identity pool can have as many as 50 tags.")
	badProvider := e.name("bad-provider")
	wantErr(t, e.c, "CreateIdentityPool", obj{"IdentityPoolName": badProvider, "AllowUnauthenticatedIdentities": true,
		"CognitoIdentityProviders": []obj{{"ProviderName": "cognito-idp.us-east-1.amazonaws.com/nope", "ClientId": "c"}}},
		"InvalidParameterException", "Invalid Cognito Identity Provider")
	// OIDC and SAML providers must be registered in IAM (the message is
	// not documented by AWS).
	unregOIDC, unregSAML := e.name("unregistered-oidc"), e.name("unregistered-saml")
	wantErrCode(t, e.c, "CreateIdentityPool", obj{"IdentityPoolName": unregOIDC, "AllowUnauthenticatedIdentities": true,
		"OpenIdConnectProviderARNs": []string{"arn:aws:iam::000000000000:oidc-provider/unregistered.example.com"}}, "InvalidParameterException")
	wantErrCode(t, e.c, "CreateIdentityPool", obj{"IdentityPoolName": unregSAML, "AllowUnauthenticatedIdentities": true,
		"SamlProviderARNs": []string{"arn:aws:iam::000000000000:saml-provider/unregistered"}}, "InvalidParameterException")
	for _, n := range []string{long, badName, manyName, badProvider, unregOIDC, unregSAML} {
		if poolNamed(t, e.sdk, n) {
			t.Errorf("a rejected CreateIdentityPool created pool %q", n)
		}
	}
	// Exactly 128 characters and 50 tags are fine.
	ok128 := e.name(strings.Repeat("m", 128-len(e.name(""))))
	out := mustOK(t, e.c, "CreateIdentityPool", obj{"IdentityPoolName": ok128, "AllowUnauthenticatedIdentities": true, "IdentityPoolTags": manyTags(50)})
	if out["IdentityPoolName"] != ok128 || len(out["IdentityPoolTags"].(obj)) != 50 {
		t.Errorf("128-character name with 50 tags: got %s", canon(t, out))
	}

	// ListIdentityPools MaxResults bounds (botocore checks the minimum
	// itself, so 0 only reaches the server from the SDK).
	wantErr(t, e.c, "ListIdentityPools", obj{"MaxResults": 61}, "ValidationException",
		"1 validation error detected: Value '61' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 60")
	if _, err := e.c.Call(t, "ListIdentityPools", obj{"MaxResults": 0}); err == nil {
		t.Errorf("ListIdentityPools with MaxResults 0 succeeded")
	} else if e.c.Name() == "sdk" {
		if err.Code != "ValidationException" || err.Message != "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1" {
			t.Errorf("ListIdentityPools MaxResults 0: %s", err)
		}
	} else if err.Code != "ParamValidation" {
		t.Errorf("%s: ListIdentityPools MaxResults 0: %s, want client-side parameter validation", e.c.Name(), err)
	}
	mustOK(t, e.c, "ListIdentityPools", obj{"MaxResults": 60})
}

func scenarioRoles(t *testing.T, e scenarioEnv) {
	in := fullPool(e.name("roles"))
	id := wantPoolID(t, mustOK(t, e.c, "CreateIdentityPool", in)["IdentityPoolId"])

	// A new pool has no roles.
	got := mustOK(t, e.c, "GetIdentityPoolRoles", obj{"IdentityPoolId": id})
	if got["IdentityPoolId"] != id || len(asObj(got["Roles"])) != 0 || len(asObj(got["RoleMappings"])) != 0 {
		t.Errorf("GetIdentityPoolRoles of a new pool: %s", canon(t, got))
	}

	roles := obj{"authenticated": authRole, "unauthenticated": unauthRole}
	mappings := obj{
		userPoolKey: obj{"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"},
		"graph.facebook.com": obj{
			"Type": "Rules", "AmbiguousRoleResolution": "Deny",
			"RulesConfiguration": obj{"Rules": []obj{
				{"Claim": "isAdmin", "MatchType": "Equals", "Value": "yes", "RoleARN": adminRole},
				{"Claim": "email", "MatchType": "Contains", "Value": "@example.com", "RoleARN": authRole},
			}},
		},
	}
	wantResult(t, "SetIdentityPoolRoles result", mustOK(t, e.c, "SetIdentityPoolRoles", obj{"IdentityPoolId": id, "Roles": roles, "RoleMappings": mappings}), obj{})
	want := obj{"IdentityPoolId": id, "Roles": roles, "RoleMappings": mappings}
	wantResult(t, "GetIdentityPoolRoles", mustOK(t, e.c, "GetIdentityPoolRoles", obj{"IdentityPoolId": id}), want)
	wantResult(t, "GetIdentityPoolRoles through the SDK", mustOK(t, sdkClient{e.sdk}, "GetIdentityPoolRoles", obj{"IdentityPoolId": id}), want)

	// Rejected writes change nothing.
	before := e.state(t, id)
	for _, key := range []string{
		"cognito-idp.us-east-1.amazonaws.com/us-east-1_zzz:clientid", // not configured
		userPool, // a user pool is keyed with its client ID
		userPool + ":otherclient",
		"accounts.example.com",
	} {
		wantErr(t, e.c, "SetIdentityPoolRoles", obj{"IdentityPoolId": id, "Roles": roles,
			"RoleMappings": obj{key: obj{"Type": "Token", "AmbiguousRoleResolution": "Deny"}}},
			"InvalidParameterException", fmt.Sprintf("(%s) is not a valid RoleMapping ProviderName or is not a configured provider.", key))
		e.wantUnchanged(t, id, before, "SetIdentityPoolRoles with role mapping key "+key)
	}
	notARN := "not-an-arn-but-long-enough"
	wantErr(t, e.c, "SetIdentityPoolRoles", obj{"IdentityPoolId": id, "Roles": obj{"authenticated": notARN}},
		"NotAuthorizedException", fmt.Sprintf("Access to Role '%s' is forbidden.", notARN))
	e.wantUnchanged(t, id, before, "SetIdentityPoolRoles with a role that is not an ARN")
	wantErr(t, e.c, "SetIdentityPoolRoles", obj{"IdentityPoolId": id, "Roles": roles, "RoleMappings": obj{
		"graph.facebook.com": obj{"Type": "Rules", "AmbiguousRoleResolution": "Deny", "RulesConfiguration": obj{"Rules": []obj{
			{"Claim": "c", "MatchType": "Equals", "Value": "v", "RoleARN": notARN},
		}}},
	}}, "NotAuthorizedException", fmt.Sprintf("Access to Role '%s' is forbidden.", notARN))
	e.wantUnchanged(t, id, before, "SetIdentityPoolRoles with a rule role that is not an ARN")
	wantErrCode(t, e.c, "SetIdentityPoolRoles", obj{"IdentityPoolId": id, "Roles": roles,
		"RoleMappings": obj{userPoolKey: obj{"Type": "Token"}}}, "InvalidParameterException")
	e.wantUnchanged(t, id, before, "SetIdentityPoolRoles without AmbiguousRoleResolution")
	wantErrCode(t, e.c, "SetIdentityPoolRoles", obj{"IdentityPoolId": id, "Roles": roles,
		"RoleMappings": obj{userPoolKey: obj{"Type": "Rules", "AmbiguousRoleResolution": "Deny"}}}, "InvalidParameterException")
	e.wantUnchanged(t, id, before, "SetIdentityPoolRoles with a Rules mapping without rules")
	wantErrCode(t, e.c, "SetIdentityPoolRoles", obj{"IdentityPoolId": id, "Roles": roles,
		"RoleMappings": obj{userPoolKey: obj{"Type": "Rules", "AmbiguousRoleResolution": "Deny", "RulesConfiguration": obj{"Rules": rules(26)}}}},
		"InvalidParameterException")
	e.wantUnchanged(t, id, before, "SetIdentityPoolRoles with 26 rules")
	wantErr(t, e.c, "SetIdentityPoolRoles", obj{"IdentityPoolId": id, "Roles": obj{"admin": authRole}}, "ValidationException",
		"1 validation error detected: Value '{admin="+authRole+"}' at 'roles' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: (un)?authenticated]")
	e.wantUnchanged(t, id, before, "SetIdentityPoolRoles with a bad role type")

	// 25 rules are fine.
	rm25 := obj{userPoolKey: obj{"Type": "Rules", "AmbiguousRoleResolution": "AuthenticatedRole", "RulesConfiguration": obj{"Rules": rules(25)}}}
	mustOK(t, e.c, "SetIdentityPoolRoles", obj{"IdentityPoolId": id, "Roles": roles, "RoleMappings": rm25})
	wantResult(t, "GetIdentityPoolRoles with 25 rules", mustOK(t, e.c, "GetIdentityPoolRoles", obj{"IdentityPoolId": id}),
		obj{"IdentityPoolId": id, "Roles": roles, "RoleMappings": rm25})

	// Removing the provider a mapping uses is refused while the mapping exists.
	before = e.state(t, id)
	wantErr(t, e.c, "UpdateIdentityPool", with(in, "IdentityPoolId", id, "CognitoIdentityProviders", []obj{}), "InvalidParameterException",
		fmt.Sprintf("(%s) is not a valid RoleMapping ProviderName or is not a configured provider.", userPoolKey))
	e.wantUnchanged(t, id, before, "UpdateIdentityPool removing a mapped provider")

	// Terraform clears an attachment with empty maps.
	mustOK(t, e.c, "SetIdentityPoolRoles", obj{"IdentityPoolId": id, "Roles": obj{}, "RoleMappings": obj{}})
	got = mustOK(t, e.c, "GetIdentityPoolRoles", obj{"IdentityPoolId": id})
	if got["IdentityPoolId"] != id || len(asObj(got["Roles"])) != 0 || len(asObj(got["RoleMappings"])) != 0 {
		t.Errorf("GetIdentityPoolRoles after clearing: %s", canon(t, got))
	}
}

func scenarioPrincipalTags(t *testing.T, e scenarioEnv) {
	id := wantPoolID(t, mustOK(t, e.c, "CreateIdentityPool", fullPool(e.name("ptags")))["IdentityPoolId"])
	key := obj{"IdentityPoolId": id, "IdentityProviderName": userPool}

	// Never set: the pool and provider are echoed (the rest of the answer
	// for a never-configured provider is not known from AWS, §16.5).
	got := mustOK(t, e.c, "GetPrincipalTagAttributeMap", key)
	if got["IdentityPoolId"] != id || got["IdentityProviderName"] != userPool {
		t.Errorf("GetPrincipalTagAttributeMap before any set: %s", canon(t, got))
	}

	set := with(key, "UseDefaults", false, "PrincipalTags", obj{"tenant": "custom:tenant", "dept": "custom:dept"})
	wantResult(t, "SetPrincipalTagAttributeMap result", mustOK(t, e.c, "SetPrincipalTagAttributeMap", set), set)
	wantResult(t, "GetPrincipalTagAttributeMap", mustOK(t, e.c, "GetPrincipalTagAttributeMap", key), set)
	wantResult(t, "GetPrincipalTagAttributeMap through the SDK", mustOK(t, sdkClient{e.sdk}, "GetPrincipalTagAttributeMap", key), set)

	// Another provider of the same pool is independent.
	fb := obj{"IdentityPoolId": id, "IdentityProviderName": "graph.facebook.com", "UseDefaults": true}
	wantResult(t, "SetPrincipalTagAttributeMap (facebook, defaults)", mustOK(t, e.c, "SetPrincipalTagAttributeMap", fb), fb)
	wantResult(t, "GetPrincipalTagAttributeMap (user pool) after facebook set", mustOK(t, e.c, "GetPrincipalTagAttributeMap", key), set)
	wantResult(t, "GetPrincipalTagAttributeMap (facebook)", mustOK(t, e.c, "GetPrincipalTagAttributeMap",
		obj{"IdentityPoolId": id, "IdentityProviderName": "graph.facebook.com"}), fb)

	// Terraform's delete: defaults, no tags.
	reset := with(key, "UseDefaults", true, "PrincipalTags", obj{})
	out := mustOK(t, e.c, "SetPrincipalTagAttributeMap", reset)
	if out["UseDefaults"] != true || len(asObj(out["PrincipalTags"])) != 0 {
		t.Errorf("SetPrincipalTagAttributeMap reset result: %s", canon(t, out))
	}
	got = mustOK(t, e.c, "GetPrincipalTagAttributeMap", key)
	if got["UseDefaults"] != true || len(asObj(got["PrincipalTags"])) != 0 {
		t.Errorf("GetPrincipalTagAttributeMap after reset: %s", canon(t, got))
	}

	// A provider the pool does not have is refused and changes nothing.
	before := e.state(t, id)
	wantErrCode(t, e.c, "SetPrincipalTagAttributeMap", obj{"IdentityPoolId": id, "IdentityProviderName": "accounts.example.com", "PrincipalTags": obj{"a": "b"}},
		"InvalidParameterException")
	e.wantUnchanged(t, id, before, "SetPrincipalTagAttributeMap for an unconfigured provider")
	// The map is rendered in request order, which the Go SDK randomizes.
	wantErrMatch(t, e.c, "SetPrincipalTagAttributeMap", with(key, "PrincipalTags", manyTags(51)), "ValidationException",
		`^1 validation error detected: Value '\{(tag\d\d=value\d\d, ){50}tag\d\d=value\d\d\}' at 'principalTags' failed to satisfy constraint: Member must have length less than or equal to 50$`)
	e.wantUnchanged(t, id, before, "SetPrincipalTagAttributeMap with 51 tags")
}

func scenarioTags(t *testing.T, e scenarioEnv) {
	id := wantPoolID(t, mustOK(t, e.c, "CreateIdentityPool", obj{
		"IdentityPoolName": e.name("tags"), "AllowUnauthenticatedIdentities": false, "IdentityPoolTags": obj{"a": "1"},
	})["IdentityPoolId"])
	arn := e.s.PoolARN(id)
	if want := "arn:aws:cognito-identity:us-east-1:000000000000:identitypool/" + id; arn != want {
		t.Fatalf("PoolARN = %s, want %s", arn, want)
	}
	wantResult(t, "ListTagsForResource after create", mustOK(t, e.c, "ListTagsForResource", obj{"ResourceArn": arn}), obj{"Tags": obj{"a": "1"}})

	wantResult(t, "TagResource result", mustOK(t, e.c, "TagResource", obj{"ResourceArn": arn, "Tags": obj{"b": "2", "a": "overwritten", "empty": ""}}), obj{})
	wantTags := obj{"a": "overwritten", "b": "2", "empty": ""}
	wantResult(t, "ListTagsForResource after TagResource", mustOK(t, e.c, "ListTagsForResource", obj{"ResourceArn": arn}), obj{"Tags": wantTags})
	desc := mustOK(t, e.c, "DescribeIdentityPool", obj{"IdentityPoolId": id})
	wantResult(t, "IdentityPoolTags after TagResource", desc["IdentityPoolTags"], wantTags)

	wantResult(t, "UntagResource result", mustOK(t, e.c, "UntagResource", obj{"ResourceArn": arn, "TagKeys": []string{"a", "not-there"}}), obj{})
	wantResult(t, "ListTagsForResource after UntagResource", mustOK(t, e.c, "ListTagsForResource", obj{"ResourceArn": arn}), obj{"Tags": obj{"b": "2", "empty": ""}})

	// Up to 50 tags in all: 2 + 48 is fine, one more is not, and the
	// rejected TagResource adds none of its tags.
	mustOK(t, e.c, "TagResource", obj{"ResourceArn": arn, "Tags": manyTags(48)})
	tags := asObj(mustOK(t, e.c, "ListTagsForResource", obj{"ResourceArn": arn})["Tags"])
	if len(tags) != 50 {
		t.Fatalf("%d tags, want 50", len(tags))
	}
	before := e.state(t, id)
	wantErr(t, e.c, "TagResource", obj{"ResourceArn": arn, "Tags": obj{"one-more": "x", "b": "changed"}}, "InvalidParameterException",
		"An identity pool can have as many as 50 tags.")
	e.wantUnchanged(t, id, before, "TagResource beyond 50 tags")
	// Overwriting existing keys at the limit is fine.
	mustOK(t, e.c, "TagResource", obj{"ResourceArn": arn, "Tags": obj{"b": "3"}})
	if v := asObj(mustOK(t, e.c, "ListTagsForResource", obj{"ResourceArn": arn})["Tags"])["b"]; v != "3" {
		t.Errorf("tag b = %v after overwrite at the limit, want 3", v)
	}

	before = e.state(t, id)
	wantErrCode(t, e.c, "TagResource", obj{"ResourceArn": arn, "Tags": obj{"aws:reserved": "x"}}, "InvalidParameterException")
	e.wantUnchanged(t, id, before, "TagResource with an aws: key")
	wantErr(t, e.c, "TagResource", obj{"ResourceArn": arn, "Tags": obj{strings.Repeat("k", 129): "v"}}, "ValidationException",
		"1 validation error detected: Value '{"+strings.Repeat("k", 129)+"=v}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]")
	e.wantUnchanged(t, id, before, "TagResource with a 129-character key")
	// A pool ID is not an ARN.
	wantErrCode(t, e.c, "ListTagsForResource", obj{"ResourceArn": id}, "InvalidParameterException")
	wantErrCode(t, e.c, "TagResource", obj{"ResourceArn": id, "Tags": obj{"x": "y"}}, "InvalidParameterException")
	e.wantUnchanged(t, id, before, "TagResource with a pool ID as ARN")

	// The aws: prefix is reserved in any case and wherever tags are given:
	// a create with one creates nothing, an update with one changes nothing.
	wantErrCode(t, e.c, "TagResource", obj{"ResourceArn": arn, "Tags": obj{"AWS:Reserved": "x"}}, "InvalidParameterException")
	e.wantUnchanged(t, id, before, "TagResource with an AWS: key")
	reserved := e.name("reserved-tag")
	wantErrCode(t, e.c, "CreateIdentityPool", obj{"IdentityPoolName": reserved, "AllowUnauthenticatedIdentities": false,
		"IdentityPoolTags": obj{"aws:cloudformation:stack-name": "x"}}, "InvalidParameterException")
	if poolNamed(t, e.sdk, reserved) {
		t.Errorf("%s: a CreateIdentityPool with an aws: tag created %s", e.c.Name(), reserved)
	}
	update := obj{"IdentityPoolId": id, "IdentityPoolName": e.name("tags-renamed"), "AllowUnauthenticatedIdentities": true}
	wantErrCode(t, e.c, "UpdateIdentityPool", with(update, "IdentityPoolTags", obj{"aws:x": "y"}), "InvalidParameterException")
	e.wantUnchanged(t, id, before, "UpdateIdentityPool with an aws: tag")
	wantErr(t, e.c, "UpdateIdentityPool", with(update, "IdentityPoolTags", manyTags(51)), "InvalidParameterException",
		"An identity pool can have as many as 50 tags.")
	e.wantUnchanged(t, id, before, "UpdateIdentityPool with 51 tags")
}

// wantErrCode is wantErr for errors whose message AWS does not document:
// only the code and status are checked.
func wantErrCode(t testing.TB, c adminClient, op string, params obj, code string) *apiErr {
	t.Helper()
	out, e := c.Call(t, op, params)
	if e == nil {
		t.Errorf("%s %s: succeeded with %s, want %s", c.Name(), op, canon(t, out), code)
		return nil
	}
	if e.Code != code || e.Message == "" {
		t.Errorf("%s %s: error %s, want %s with a message", c.Name(), op, e, code)
	}
	if e.Status != 0 && e.Status != 400 {
		t.Errorf("%s %s: HTTP status %d, want 400", c.Name(), op, e.Status)
	}
	return e
}

func manyTags(n int) obj {
	m := obj{}
	for i := range n {
		m[fmt.Sprintf("tag%02d", i)] = fmt.Sprintf("value%02d", i)
	}
	return m
}

func rules(n int) []obj {
	out := make([]obj, n)
	for i := range out {
		out[i] = obj{"Claim": fmt.Sprintf("claim%d", i), "MatchType": "Equals", "Value": "v", "RoleARN": authRole}
	}
	return out
}

func asObj(v any) obj {
	m, _ := v.(obj)
	return m
}

// wantErrMatch is wantErr with a regular expression for the message.
func wantErrMatch(t testing.TB, c adminClient, op string, params obj, code, messageRE string) *apiErr {
	t.Helper()
	out, e := c.Call(t, op, params)
	if e == nil {
		t.Errorf("%s %s: succeeded with %s, want %s", c.Name(), op, canon(t, out), code)
		return nil
	}
	if e.Code != code || !regexp.MustCompile(messageRE).MatchString(e.Message) {
		t.Errorf("%s %s: error\n got: %s: %s\nwant: %s: /%s/", c.Name(), op, e.Code, e.Message, code, messageRE)
	}
	if e.Status != 0 && e.Status != 400 {
		t.Errorf("%s %s: HTTP status %d, want 400", c.Name(), op, e.Status)
	}
	return e
}
