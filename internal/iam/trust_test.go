package iam_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/idpool/idpool/internal/iam"
)

const (
	poolID    = "us-east-1:11111111-2222-3333-4444-555555555555"
	otherPool = "us-east-1:99999999-8888-7777-6666-555555555555"
	cognito   = "cognito-identity.amazonaws.com"
)

// The trust policies the Cognito console writes for a pool's roles
// (DG/role-trust-and-permissions; the newer console also allows
// sts:TagSession).
const (
	consoleAuth = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Federated": "cognito-identity.amazonaws.com"
      },
      "Action": [
        "sts:AssumeRoleWithWebIdentity",
        "sts:TagSession"
      ],
      "Condition": {
        "StringEquals": {
          "cognito-identity.amazonaws.com:aud": "` + poolID + `"
        },
        "ForAnyValue:StringLike": {
          "cognito-identity.amazonaws.com:amr": "authenticated"
        }
      }
    }
  ]
}`
	consoleUnauth = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"Federated": "cognito-identity.amazonaws.com"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {"cognito-identity.amazonaws.com:aud": "` + poolID + `"},
        "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "unauthenticated"}
      }
    }
  ]
}`
)

func cognitoReq(aud string, amr []string, tags bool) iam.TrustRequest {
	return iam.TrustRequest{
		Actions:   iam.WebIdentityActions(tags),
		Principal: iam.TrustPrincipal{Federated: cognito},
		Context: map[string][]string{
			"cognito-identity.amazonaws.com:aud": {aud},
			"cognito-identity.amazonaws.com:amr": amr,
			"cognito-identity.amazonaws.com:sub": {"us-east-1:abcd"},
			"aws:FederatedProvider":              {cognito},
		},
	}
}

var (
	authAMR   = []string{"authenticated", "graph.facebook.com", "graph.facebook.com:123:456"}
	unauthAMR = []string{"unauthenticated"}
)

func stmt(body string) string {
	return `{"Version":"2012-10-17","Statement":` + body + `}`
}

func TestEvaluateTrust(t *testing.T) {
	cases := []struct {
		name   string
		policy string
		req    iam.TrustRequest
		allow  bool
		reason string // substring of the reason
	}{
		{"console authenticated role, authenticated identity", consoleAuth, cognitoReq(poolID, authAMR, false), true, "allowed by statement 0"},
		{"console authenticated role, with session tags", consoleAuth, cognitoReq(poolID, authAMR, true), true, "sts:TagSession allowed by statement 0"},
		{"console authenticated role, guest identity", consoleAuth, cognitoReq(poolID, unauthAMR, false), false,
			"statement 0: condition ForAnyValue:StringLike cognito-identity.amazonaws.com:amr = authenticated did not match unauthenticated"},
		{"console unauthenticated role, guest identity", consoleUnauth, cognitoReq(poolID, unauthAMR, false), true, "allowed"},
		{"console unauthenticated role, authenticated identity", consoleUnauth, cognitoReq(poolID, authAMR, false), false,
			"amr = unauthenticated did not match [authenticated, graph.facebook.com, graph.facebook.com:123:456]"},
		{"wrong aud", consoleAuth, cognitoReq(otherPool, authAMR, false), false,
			"statement 0: condition StringEquals cognito-identity.amazonaws.com:aud = " + poolID + " did not match " + otherPool},
		{"TagSession not allowed", consoleUnauth, cognitoReq(poolID, unauthAMR, true), false,
			"statement 0: action sts:TagSession is not allowed"},
		{"URL-encoded policy", url.QueryEscape(consoleAuth), cognitoReq(poolID, authAMR, false), true, ""},
		{"another federated principal", strings.Replace(consoleAuth, cognito+`"`, `accounts.google.com"`, 1), cognitoReq(poolID, authAMR, false), false,
			"statement 0: principal does not match Federated cognito-identity.amazonaws.com"},
		{"explicit deny wins", stmt(`[
			{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"},
			{"Sid":"NoBadUser","Effect":"Deny","Principal":"*","Action":"sts:*","Condition":{"StringEquals":{"cognito-identity.amazonaws.com:sub":"us-east-1:abcd"}}}]`),
			cognitoReq(poolID, authAMR, false), false, `statement 1 (NoBadUser): explicit Deny of sts:AssumeRoleWithWebIdentity`},
		{"deny that does not apply", stmt(`[
			{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"},
			{"Effect":"Deny","Principal":"*","Action":"sts:*","Condition":{"StringEquals":{"cognito-identity.amazonaws.com:sub":"us-east-1:other"}}}]`),
			cognitoReq(poolID, authAMR, false), true, ""},
		{"deny of TagSession only", stmt(`[
			{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:*"},
			{"Effect":"Deny","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:TagSession"}]`),
			cognitoReq(poolID, authAMR, true), false, "explicit Deny of sts:TagSession"},
		{"statement as an object, action *", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"*"}`),
			cognitoReq(poolID, authAMR, true), true, ""},
		{"action wildcard sts:AssumeRole*", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRole*"}`),
			cognitoReq(poolID, authAMR, false), true, ""},
		{"action wildcard does not cover TagSession", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRole*"}`),
			cognitoReq(poolID, authAMR, true), false, "action sts:TagSession is not allowed"},
		{"actions are case insensitive", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"STS:assumerolewithwebidentity"}`),
			cognitoReq(poolID, authAMR, false), true, ""},
		{"NotAction", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"NotAction":"sts:TagSession"}`),
			cognitoReq(poolID, authAMR, false), true, ""},
		{"principal *", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRoleWithWebIdentity"}`),
			cognitoReq(poolID, authAMR, false), true, ""},
		{"principal AWS *", stmt(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			cognitoReq(poolID, authAMR, false), true, ""},
		{"service principal only", stmt(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`),
			cognitoReq(poolID, authAMR, false), false, "principal does not match"},
		{"federated list", stmt(`{"Effect":"Allow","Principal":{"Federated":["accounts.google.com","cognito-identity.amazonaws.com"]},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			cognitoReq(poolID, authAMR, false), true, ""},
		{"NotPrincipal excluding someone else", stmt(`{"Effect":"Allow","NotPrincipal":{"Federated":"accounts.google.com"},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			cognitoReq(poolID, authAMR, false), true, ""},
		{"several aud values are alternatives", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":["` + otherPool + `","` + poolID + `"]}}}`),
			cognitoReq(poolID, authAMR, false), true, ""},
		{"condition keys are case insensitive", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"StringEquals":{"Cognito-Identity.AmazonAWS.com:AUD":"` + poolID + `"}}}`),
			cognitoReq(poolID, authAMR, false), true, ""},
		{"condition values are case sensitive", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"` + strings.ToUpper(poolID) + `"}}}`),
			cognitoReq(poolID, authAMR, false), false, "did not match"},
		{"StringEqualsIgnoreCase", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"StringEqualsIgnoreCase":{"cognito-identity.amazonaws.com:aud":"` + strings.ToUpper(poolID) + `"}}}`),
			cognitoReq(poolID, authAMR, false), true, ""},
		{"StringLike with ? and *", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"StringLike":{"cognito-identity.amazonaws.com:aud":"us-east-?:1111*"}}}`),
			cognitoReq(poolID, authAMR, false), true, ""},
		{"StringNotEquals on the aud", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"StringNotEquals":{"cognito-identity.amazonaws.com:aud":"` + poolID + `"}}}`),
			cognitoReq(poolID, authAMR, false), false, "condition StringNotEquals"},
		{"StringNotEquals with the key absent holds", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"StringNotEquals":{"aws:RequestTag/team":"blocked"}}}`),
			cognitoReq(poolID, authAMR, false), true, ""},
		{"StringNotLike on a multi-valued key", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"StringNotLike":{"cognito-identity.amazonaws.com:amr":"unauth*"}}}`),
			cognitoReq(poolID, authAMR, false), true, ""},
		{"StringEquals on an absent key fails", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"StringEquals":{"aws:RequestTag/team":"blue"}}}`),
			cognitoReq(poolID, authAMR, false), false, "aws:RequestTag/team = blue did not match (absent)"},
		{"IfExists with the key absent holds", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"StringEqualsIfExists":{"aws:RequestTag/team":"blue"}}}`),
			cognitoReq(poolID, authAMR, false), true, ""},
		{"Null true with the key absent", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"Null":{"aws:RequestTag/team":"true"}}}`),
			cognitoReq(poolID, authAMR, false), true, ""},
		{"Null false with the key absent", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"Null":{"aws:RequestTag/team":false}}}`),
			cognitoReq(poolID, authAMR, false), false, "condition Null aws:RequestTag/team = false did not match (absent)"},
		{"ForAllValues: every amr value in the list", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"ForAllValues:StringLike":{"cognito-identity.amazonaws.com:amr":["authenticated","graph.facebook.com*"]}}}`),
			cognitoReq(poolID, authAMR, false), true, ""},
		{"ForAllValues: one amr value outside the list", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"ForAllValues:StringEquals":{"cognito-identity.amazonaws.com:amr":["authenticated","graph.facebook.com"]}}}`),
			cognitoReq(poolID, authAMR, false), false, "ForAllValues:StringEquals"},
		{"ForAllValues with the key absent holds", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}}`),
			cognitoReq(poolID, authAMR, false), true, ""},
		{"ForAnyValue with the key absent fails", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["team"]}}}`),
			cognitoReq(poolID, authAMR, false), false, "did not match (absent)"},
		{"ForAnyValue:StringNotLike", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"ForAnyValue:StringNotLike":{"cognito-identity.amazonaws.com:amr":"unauthenticated"}}}`),
			cognitoReq(poolID, unauthAMR, false), false, "ForAnyValue:StringNotLike"},
		{"operators and keys are ANDed", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"` + poolID + `","cognito-identity.amazonaws.com:sub":"us-east-1:zzz"}}}`),
			cognitoReq(poolID, authAMR, false), false, "cognito-identity.amazonaws.com:sub = us-east-1:zzz did not match us-east-1:abcd"},
		{"policy variable", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"StringEquals":{"aws:RequestTag/owner":"${cognito-identity.amazonaws.com:sub}"}}}`),
			withContext(cognitoReq(poolID, authAMR, false), "aws:RequestTag/owner", "us-east-1:abcd"), true, ""},
		{"Bool", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"Bool":{"aws:SecureTransport":true}}}`),
			withContext(cognitoReq(poolID, authAMR, false), "aws:SecureTransport", "TRUE"), true, ""},
		{"unsupported operator fails an Allow", stmt(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`),
			withContext(cognitoReq(poolID, authAMR, false), "aws:SourceIp", "10.1.2.3"), false, "operator not supported"},
		{"unsupported operator makes a Deny apply", stmt(`[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:*"},
			{"Effect":"Deny","Principal":"*","Action":"sts:*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]`),
			withContext(cognitoReq(poolID, authAMR, false), "aws:SourceIp", "10.1.2.3"), false, "explicit Deny"},
		{"OIDC provider role", stmt(`{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/login.example.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"StringEquals":{"login.example.com:aud":"app","login.example.com:sub":"user-1"}}}`),
			iam.TrustRequest{Actions: iam.WebIdentityActions(false),
				Principal: iam.TrustPrincipal{Federated: "arn:aws:iam::123456789012:oidc-provider/login.example.com"},
				Context:   map[string][]string{"login.example.com:aud": {"app"}, "login.example.com:sub": {"user-1"}}}, true, ""},
		{"malformed JSON", `{"Statement": [`, cognitoReq(poolID, authAMR, false), false, "malformed trust policy: This policy contains invalid Json"},
		{"no statements", `{"Statement": []}`, cognitoReq(poolID, authAMR, false), false, "malformed trust policy: Syntax errors in policy."},
		{"bad effect", stmt(`{"Effect":"allow","Principal":"*","Action":"*"}`), cognitoReq(poolID, authAMR, false), false, "malformed trust policy"},
		{"bad condition body", stmt(`{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEquals":"x"}}`), cognitoReq(poolID, authAMR, false), false, "malformed"},
		{"no action requested", consoleAuth, iam.TrustRequest{Principal: iam.TrustPrincipal{Federated: cognito}}, false, "no action requested"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			allow, reason := iam.EvaluateTrust(c.policy, c.req)
			if allow != c.allow || !strings.Contains(reason, c.reason) {
				t.Fatalf("got (%v, %q), want (%v, …%q…)", allow, reason, c.allow, c.reason)
			}
			if reason == "" {
				t.Fatal("empty reason")
			}
		})
	}
}

func withContext(r iam.TrustRequest, k string, v ...string) iam.TrustRequest {
	ctx := map[string][]string{k: v}
	for kk, vv := range r.Context {
		ctx[kk] = vv
	}
	r.Context = ctx
	return r
}

// The policies a role accepts at creation are the ones EvaluateTrust reads.
func FuzzEvaluateTrust(f *testing.F) {
	f.Add(consoleAuth, "authenticated")
	f.Add(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringLike":{"a":"*?*"}}}}`, "x")
	f.Fuzz(func(t *testing.T, policy, amr string) {
		req := cognitoReq(poolID, []string{amr}, true)
		req.Context["a"] = []string{amr}
		allow, reason := iam.EvaluateTrust(policy, req)
		if reason == "" {
			t.Fatal("empty reason")
		}
		_ = allow
	})
}
