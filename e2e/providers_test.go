package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	citypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/idpool/idpool/internal/config"
	"github.com/idpool/idpool/internal/login/logintest"
	"github.com/idpool/idpool/internal/testserver"
)

// Messages of the login refusals (see internal/login/errors.go).
const (
	msgCouldntVerify = "Invalid login token. Couldn't verify signed token."
	msgNotOIDCToken  = "Invalid login token. Not a valid OpenId Connect identity token."
	msgIssuerMatch   = "Invalid login token. Issuer doesn't match providerName"
	msgUnsupported   = "Token is not from a supported provider of this identity pool."
	msgMissingAud    = "Invalid login token. Missing a required claim: aud"
	msgUserPoolUser  = "Invalid login token. The user pool does not recognize the token's user."
)

// providersEnv is a real server with hermetic identity providers: a
// user-pool-shaped issuer (its JWKS via --user-pool-jwks), a second user
// pool whose app client has ServerSideTokenCheck on (answered by a fake
// cognito-idp AdminGetUser endpoint via --user-pool-endpoint), an OIDC
// issuer and a SAML IdP registered through the IAM API, and one identity
// pool that trusts all of them.
type providersEnv struct {
	*dpEnv
	up, checked *logintest.UserPool
	api         *logintest.UserPoolAPI
	oidc        *logintest.Issuer
	saml        *logintest.SAMLIdP
	samlARN     string
	oidcARN     string
	pool        string
	// Roles: authenticated default, the rules-mapped role of the user pool
	// (claim custom:dept = "eng"), and the two SAML roles.
	authRole, engRole, samlRoleA, samlRoleB string
}

const (
	upClientID      = "upclient0123456789abcdef"
	upOtherClientID = "upother0123456789abcdefg"
	checkedClientID = "checked0123456789abcdefg"
	oidcClientID    = "oidc-client"
)

func startProviders(t *testing.T, backend []testserver.Option) *providersEnv {
	t.Helper()
	p := &providersEnv{
		up:      logintest.NewUserPool(t, "us-east-1", "us-east-1_Prov"+strings.ToUpper(rand.Text()[:6])),
		checked: logintest.NewUserPool(t, "eu-west-1", "eu-west-1_Chk"+strings.ToUpper(rand.Text()[:6])),
		api:     logintest.NewUserPoolAPI(t),
		oidc:    logintest.NewIssuer(t),
	}
	p.saml = logintest.NewSAMLIdP(t, "https://idp.example.test/"+dpName("saml"))
	opts := append(slices.Clone(backend), testserver.WithConfig(func(c *config.Config) {
		c.UserPoolJWKS = []string{p.up.JWKSFlag(), p.checked.JWKSFlag()}
		c.UserPoolEndpoints = []string{p.checked.Iss + "=" + p.api.URL}
		c.UserPoolAccessKeyID, c.UserPoolSecretKey = "AKIAUSERPOOLCHECKER1", "user-pool-checker-secret-key"
	}))
	p.dpEnv = startDP(t, opts...)
	srv := p.srv

	iamc := iam.NewFromConfig(dpConfig(t, srv, credentials.NewStaticCredentialsProvider(srv.AccessKeyID, srv.SecretAccessKey, ""), nil),
		func(o *iam.Options) { o.Region = "us-east-1" })
	op, err := iamc.CreateOpenIDConnectProvider(t.Context(), &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String(p.oidc.URL), ClientIDList: []string{oidcClientID},
		ThumbprintList: []string{strings.Repeat("0", 40)},
	})
	if err != nil {
		t.Fatalf("iam CreateOpenIDConnectProvider: %v", err)
	}
	sp, err := iamc.CreateSAMLProvider(t.Context(), &iam.CreateSAMLProviderInput{
		Name: aws.String(dpName("corp")), SAMLMetadataDocument: aws.String(p.saml.Metadata),
	})
	if err != nil {
		t.Fatalf("iam CreateSAMLProvider: %v", err)
	}
	p.samlARN = aws.ToString(sp.SAMLProviderArn)

	p.oidcARN = aws.ToString(op.OpenIDConnectProviderArn)
	p.authRole, p.engRole = dpName("Member"), dpName("Engineer")
	p.samlRoleA, p.samlRoleB = dpName("SamlA"), dpName("SamlB")
	return p
}

// withPool returns p with a fresh identity pool that trusts every
// provider of p: the subtests run at once, and those that count
// identities need a pool of their own.
func (p *providersEnv) withPool(t *testing.T) *providersEnv {
	t.Helper()
	q := *p
	srv := p.srv
	q.pool = q.createPool(t, cognitoidentity.CreateIdentityPoolInput{
		CognitoIdentityProviders: []citypes.CognitoIdentityProvider{
			{ProviderName: aws.String(p.up.ProviderName), ClientId: aws.String(upClientID)},
			{ProviderName: aws.String(p.up.ProviderName), ClientId: aws.String(upOtherClientID)},
			{ProviderName: aws.String(p.checked.ProviderName), ClientId: aws.String(checkedClientID), ServerSideTokenCheck: aws.Bool(true)},
		},
		OpenIdConnectProviderARNs: []string{p.oidcARN},
		SamlProviderARNs:          []string{p.samlARN},
	})
	q.setRoles(t, q.pool, "", dpRoleARN(srv, p.authRole), map[string]citypes.RoleMapping{
		p.up.ProviderName + ":" + upClientID: {
			Type:                    citypes.RoleMappingTypeRules,
			AmbiguousRoleResolution: citypes.AmbiguousRoleResolutionTypeAuthenticatedRole,
			RulesConfiguration: &citypes.RulesConfigurationType{Rules: []citypes.MappingRule{{
				Claim: aws.String("custom:dept"), MatchType: citypes.MappingRuleMatchTypeEquals,
				Value: aws.String("eng"), RoleARN: aws.String(dpRoleARN(srv, p.engRole)),
			}}},
		},
	})
	return &q
}

// TestLoginProviders drives logins from every verified provider kind
// through a real server with aws-sdk-go-v2 and boto3, on every backend.
func TestLoginProviders(t *testing.T) {
	t.Parallel()
	dpBackends(t, func(t *testing.T, backend []testserver.Option) {
		p := startProviders(t, backend)
		g := dpGo(t)
		defer g.Wait()
		g.Run("user-pool-rules-role", func(t *testing.T) { p.withPool(t).userPoolRulesRole(t) })
		g.Run("oidc", func(t *testing.T) { p.withPool(t).oidcLogin(t) })
		g.Run("saml", func(t *testing.T) { p.withPool(t).samlLogin(t) })
		g.Run("link", func(t *testing.T) { p.withPool(t).linkProviders(t) })
		g.Run("merge", func(t *testing.T) { p.withPool(t).mergeIdentities(t) })
		g.Run("attacks", func(t *testing.T) { p.withPool(t).attacks(t) })
		g.Run("server-side-token-check", func(t *testing.T) { p.withPool(t).serverSideTokenCheck(t) })
		g.Run("principal-tags", func(t *testing.T) { p.withPool(t).principalTags(t) })
		g.Run("boto3", func(t *testing.T) { p.withPool(t).boto3UserPool(t) })
	})
}

// login runs GetId then GetCredentialsForIdentity with logins and returns
// the identity and the assumed-role ARN STS reports for the credentials.
func (p *providersEnv) login(t *testing.T, logins map[string]string, customRole string) (id, assumed string) {
	t.Helper()
	out, err := p.public.GetId(t.Context(), &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(p.pool), Logins: logins})
	if err != nil {
		t.Fatalf("GetId(%v): %v", slices.Sorted(maps.Keys(logins)), err)
	}
	id = aws.ToString(out.IdentityId)
	in := &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: aws.String(id), Logins: logins}
	if customRole != "" {
		in.CustomRoleArn = aws.String(customRole)
	}
	c, err := p.public.GetCredentialsForIdentity(t.Context(), in)
	if err != nil {
		t.Fatalf("GetCredentialsForIdentity(%s): %v", id, err)
	}
	if got := aws.ToString(c.IdentityId); got != id {
		t.Errorf("GetCredentialsForIdentity IdentityId = %q, want %q", got, id)
	}
	who := dpCallerIdentity(t, p.srv, c.Credentials)
	return id, aws.ToString(who.Arn)
}

// identities lists the pool's identities (all pages), disabled ones too.
func (p *providersEnv) identities(t *testing.T, hideDisabled bool) map[string]citypes.IdentityDescription {
	t.Helper()
	out := map[string]citypes.IdentityDescription{}
	var next *string
	for {
		page, err := p.admin.ListIdentities(t.Context(), &cognitoidentity.ListIdentitiesInput{
			IdentityPoolId: aws.String(p.pool), MaxResults: aws.Int32(60), NextToken: next, HideDisabled: hideDisabled,
		})
		if err != nil {
			t.Fatalf("ListIdentities: %v", err)
		}
		for _, d := range page.Identities {
			out[aws.ToString(d.IdentityId)] = d
		}
		if next = page.NextToken; next == nil {
			return out
		}
	}
}

// userPoolRulesRole: a user-pool ID token gets an identity, and the rules
// mapping picks the engineer role for custom:dept = eng, the default
// authenticated role otherwise.
func (p *providersEnv) userPoolRulesRole(t *testing.T) {
	srv := p.srv
	eng := dpName("eng-user")
	id, assumed := p.login(t, map[string]string{p.up.ProviderName: p.up.IDToken(t, eng, upClientID, logintest.Claims{"custom:dept": "eng"})}, "")
	if want := dpAssumedRoleARN(srv, p.engRole, "CognitoIdentityCredentials"); assumed != want {
		t.Errorf("rules-mapped login: assumed %q, want %q", assumed, want)
	}
	// The same user again (a fresh token) is the same identity.
	again, _ := p.login(t, map[string]string{p.up.ProviderName: p.up.IDToken(t, eng, upClientID, logintest.Claims{"custom:dept": "eng"})}, "")
	if again != id {
		t.Errorf("second login of %s: identity %s, want %s", eng, again, id)
	}
	_, assumed = p.login(t, map[string]string{p.up.ProviderName: p.up.IDToken(t, dpName("sales-user"), upClientID, logintest.Claims{"custom:dept": "sales"})}, "")
	if want := dpAssumedRoleARN(srv, p.authRole, "CognitoIdentityCredentials"); assumed != want {
		t.Errorf("login matching no rule: assumed %q, want %q", assumed, want)
	}
	d, err := p.admin.DescribeIdentity(t.Context(), &cognitoidentity.DescribeIdentityInput{IdentityId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Logins, []string{p.up.ProviderName}) {
		t.Errorf("DescribeIdentity Logins = %q, want [%s]", d.Logins, p.up.ProviderName)
	}
}

// oidcLogin: an ID token of the IAM-registered OIDC provider, keyed by the
// issuer's host, gets an identity and the authenticated role.
func (p *providersEnv) oidcLogin(t *testing.T) {
	key := p.oidc.Host()
	sub := dpName("oidc-user")
	id, assumed := p.login(t, map[string]string{key: p.oidc.Token(t, logintest.Claims{"sub": sub, "aud": oidcClientID})}, "")
	if want := dpAssumedRoleARN(p.srv, p.authRole, "CognitoIdentityCredentials"); assumed != want {
		t.Errorf("OIDC login: assumed %q, want %q", assumed, want)
	}
	// A fresh token of the same subject is the same identity. (Key
	// rotation and the rate-limited refetch are in internal/login's tests,
	// with a fake clock.)
	again, _ := p.login(t, map[string]string{key: p.oidc.Token(t, logintest.Claims{"sub": sub, "aud": oidcClientID})}, "")
	if again != id {
		t.Errorf("second OIDC login: identity %s, want %s", again, id)
	}
}

// samlLogin: a signed SAML response of the registered provider; the role
// comes from its Role attribute, and CustomRoleArn picks among several.
func (p *providersEnv) samlLogin(t *testing.T) {
	srv := p.srv
	name := dpName("carol") + "@corp.example"
	one := p.saml.Response(t, p.saml.Assertion(name, logintest.RoleAttribute(p.samlARN, dpRoleARN(srv, p.samlRoleA))))
	id, assumed := p.login(t, map[string]string{p.samlARN: one}, "")
	if want := dpAssumedRoleARN(srv, p.samlRoleA, "CognitoIdentityCredentials"); assumed != want {
		t.Errorf("SAML login: assumed %q, want %q", assumed, want)
	}
	two := p.saml.Response(t, p.saml.Assertion(name, logintest.RoleAttribute(p.samlARN, dpRoleARN(srv, p.samlRoleA), dpRoleARN(srv, p.samlRoleB))))
	again, assumed := p.login(t, map[string]string{p.samlARN: two}, dpRoleARN(srv, p.samlRoleB))
	if again != id {
		t.Errorf("second SAML login of %s: identity %s, want %s", name, again, id)
	}
	if want := dpAssumedRoleARN(srv, p.samlRoleB, "CognitoIdentityCredentials"); assumed != want {
		t.Errorf("SAML login with CustomRoleArn: assumed %q, want %q", assumed, want)
	}
}

// linkProviders: GetId with a user-pool login and an OIDC login links the
// new OIDC login to the user's existing identity.
func (p *providersEnv) linkProviders(t *testing.T) {
	user := dpName("dave")
	upLogin := func() map[string]string {
		return map[string]string{p.up.ProviderName: p.up.IDToken(t, user, upClientID, nil)}
	}
	id, _ := p.login(t, upLogin(), "")
	both := upLogin()
	both[p.oidc.Host()] = p.oidc.Token(t, logintest.Claims{"sub": user + "-oidc", "aud": oidcClientID})
	linked, _ := p.login(t, both, "")
	if linked != id {
		t.Fatalf("GetId with both logins: identity %s, want the existing %s", linked, id)
	}
	viaOIDC, _ := p.login(t, map[string]string{p.oidc.Host(): p.oidc.Token(t, logintest.Claims{"sub": user + "-oidc", "aud": oidcClientID})}, "")
	if viaOIDC != id {
		t.Errorf("OIDC login after linking: identity %s, want %s", viaOIDC, id)
	}
	d, err := p.admin.DescribeIdentity(t.Context(), &cognitoidentity.DescribeIdentityInput{IdentityId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{p.oidc.Host(), p.up.ProviderName}; !slices.Equal(slices.Sorted(slices.Values(d.Logins)), slices.Sorted(slices.Values(want))) {
		t.Errorf("DescribeIdentity Logins = %q, want %q", d.Logins, want)
	}
}

// mergeIdentities: two identities, one per provider, merge when one GetId
// presents both logins; the survivor has both logins, the other is
// disabled (hidden by HideDisabled, refused on use).
func (p *providersEnv) mergeIdentities(t *testing.T) {
	user := dpName("erin")
	upLogin := func() map[string]string {
		return map[string]string{p.up.ProviderName: p.up.IDToken(t, user, upClientID, nil)}
	}
	oidcLogin := func() string { return p.oidc.Token(t, logintest.Claims{"sub": user + "-oidc", "aud": oidcClientID}) }
	a, _ := p.login(t, upLogin(), "")
	b, _ := p.login(t, map[string]string{p.oidc.Host(): oidcLogin()}, "")
	if a == b {
		t.Fatalf("two providers' logins share identity %s before the merge", a)
	}
	both := upLogin()
	both[p.oidc.Host()] = oidcLogin()
	survivor, _ := p.login(t, both, "")
	if survivor != a && survivor != b {
		t.Fatalf("merged identity %s is neither %s nor %s", survivor, a, b)
	}
	loser := a
	if survivor == a {
		loser = b
	}
	for _, logins := range []map[string]string{upLogin(), {p.oidc.Host(): oidcLogin()}} {
		if got, _ := p.login(t, logins, ""); got != survivor {
			t.Errorf("login after the merge: identity %s, want the survivor %s", got, survivor)
		}
	}
	if _, visible := p.identities(t, true)[loser]; visible {
		t.Errorf("merged-away identity %s is listed with HideDisabled", loser)
	}
	if _, listed := p.identities(t, false)[loser]; !listed {
		t.Errorf("merged-away identity %s is not listed without HideDisabled", loser)
	}
	_, err := p.public.GetCredentialsForIdentity(t.Context(), &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: aws.String(loser)})
	wantCognitoError[*citypes.NotAuthorizedException](t, err, "Access to Identity '"+loser+"' is forbidden.")
}

// attacks: forged, stale and misdirected logins are refused with Cognito's
// message, by GetId and by GetCredentialsForIdentity, and write nothing.
func (p *providersEnv) attacks(t *testing.T) {
	srv := p.srv
	now := time.Now().Unix()
	victim := dpName("victim")
	upClaims := func(mod logintest.Claims) logintest.Claims {
		c := p.up.WithDefaults(logintest.Claims{"sub": victim, "aud": upClientID, "token_use": "id", "cognito:username": victim})
		for k, v := range mod {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return c
	}
	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	good := p.up.IDToken(t, victim, upClientID, nil)
	parts := strings.Split(good, ".")
	other := p.up.IDToken(t, "someone-else", upClientID, nil)
	exp := now - 10

	samlName := dpName("mallory") + "@corp.example"
	role := logintest.RoleAttribute(p.samlARN, dpRoleARN(srv, p.samlRoleA))
	assertion := func(mod func(*logintest.Assertion)) logintest.Assertion {
		a := p.saml.Assertion(samlName, role)
		if mod != nil {
			mod(&a)
		}
		return a
	}
	replayed := p.saml.Response(t, assertion(nil))
	forgedIdP := logintest.NewSAMLIdP(t, p.saml.EntityID)

	type attack struct {
		name, key, token string
		code, msg        string // code "" means NotAuthorizedException
		msgPrefix        bool
	}
	up, oidc := p.up.ProviderName, p.oidc.Host()
	cases := []attack{
		{name: "alg none", key: up, token: logintest.AlgNone(t, p.up.KID(), upClaims(nil)), msg: msgCouldntVerify},
		{name: "HS256 keyed with the RSA public key", key: up, token: logintest.HS256WithPublicKey(t, p.up.PublicKey(), p.up.KID(), upClaims(nil)), msg: msgCouldntVerify},
		{name: "unknown kid", key: up, token: p.up.TokenWithKid(t, "kid-nobody-has", upClaims(nil)), msg: msgCouldntVerify},
		{name: "kid path traversal", key: up, token: p.up.TokenWithKid(t, "../../../etc/passwd", upClaims(nil)), msg: msgCouldntVerify},
		{name: "attacker key with the real kid", key: up, token: logintest.Sign(t, attacker, jose.RS256, p.up.KID(), upClaims(nil)), msg: msgCouldntVerify},
		{name: "truncated signature", key: up, token: logintest.Truncated(good, 6), msg: msgCouldntVerify},
		{name: "payload swapped after signing", key: up, token: strings.Split(other, ".")[0] + "." + strings.Split(other, ".")[1] + "." + parts[2], msg: msgCouldntVerify},
		{name: "expired", key: up, token: p.up.Token(t, upClaims(logintest.Claims{"exp": exp})), msg: "Invalid login token. Token expired: ", msgPrefix: true},
		{name: "nbf in the future", key: up, token: p.up.Token(t, upClaims(logintest.Claims{"nbf": now + 3600})), msg: "Invalid login token. Token is not yet valid: ", msgPrefix: true},
		{name: "wrong iss", key: up, token: p.up.Token(t, upClaims(logintest.Claims{"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"})), msg: msgIssuerMatch},
		{name: "wrong aud", key: up, token: p.up.Token(t, upClaims(logintest.Claims{"aud": "not-a-client-of-this-pool"})), msg: msgUnsupported},
		{name: "token for another pool's client", key: up, token: p.up.IDToken(t, victim, "client-of-another-identity-pool", nil), msg: msgUnsupported},
		{name: "access token instead of ID token", key: up, token: p.up.AccessToken(t, victim, upClientID), msg: msgMissingAud},
		{name: "not a JWT", key: up, token: "EAAGm0PX4ZCpsBAKZCZAZD", msg: msgNotOIDCToken},
		{name: "user-pool token under the OIDC key", key: oidc, token: good, msg: msgIssuerMatch},
		{name: "OIDC token for another client", key: oidc, token: p.oidc.Token(t, logintest.Claims{"sub": victim, "aud": "someone-else"}), msg: msgUnsupported},
		{name: "OIDC alg none", key: oidc, token: logintest.AlgNone(t, p.oidc.KID(), p.oidc.WithDefaults(logintest.Claims{"sub": victim, "aud": oidcClientID})), msg: msgCouldntVerify},
		{name: "unconfigured provider", key: "accounts.google.com", token: good, msg: msgUnsupported},
		{name: "unsigned SAML assertion", key: p.samlARN, token: p.saml.UnsignedResponse(t, assertion(nil)), msg: msgCouldntVerify},
		{name: "SAML signature wrapping", key: p.samlARN, token: p.saml.WrappedResponse(t, assertion(nil), assertion(func(a *logintest.Assertion) { a.NameID = "admin@corp.example" })), msg: msgCouldntVerify},
		{name: "SAML signed by another key", key: p.samlARN, token: forgedIdP.Response(t, assertion(nil)), msg: msgCouldntVerify},
		{name: "SAML tampered NameID", key: p.samlARN, token: p.saml.TamperedResponse(t, assertion(nil), "admin@corp.example"), msg: msgCouldntVerify},
		{name: "SAML expired assertion", key: p.samlARN, token: p.saml.Response(t, assertion(func(a *logintest.Assertion) {
			a.NotBefore, a.NotOnOrAfter, a.ConfirmationNotOnOrAfter = time.Now().Add(-time.Hour), time.Now().Add(-30*time.Minute), time.Now().Add(-30*time.Minute)
		})), msg: "Invalid login token. Token expired: ", msgPrefix: true},
		{name: "SAML wrong audience", key: p.samlARN, token: p.saml.Response(t, assertion(func(a *logintest.Assertion) {
			a.Audiences = [][]string{{"urn:example:someone-else"}}
		})), msg: msgUnsupported},
		{name: "not a SAML response", key: p.samlARN, token: "%not base64%", msg: "Invalid login token. Not a valid SAML response."},
	}
	// The replayed assertion: its two permitted uses, then refused. The
	// identity they give is the one GetCredentialsForIdentity is asked for.
	var victimID string
	for range 2 {
		out, err := p.public.GetId(t.Context(), &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(p.pool), Logins: map[string]string{p.samlARN: replayed}})
		if err != nil {
			t.Fatalf("SAML response, permitted use: %v", err)
		}
		victimID = aws.ToString(out.IdentityId)
	}
	describe := func() *cognitoidentity.DescribeIdentityOutput {
		t.Helper()
		d, err := p.admin.DescribeIdentity(t.Context(), &cognitoidentity.DescribeIdentityInput{IdentityId: aws.String(victimID)})
		if err != nil {
			t.Fatalf("DescribeIdentity(%s): %v", victimID, err)
		}
		return d
	}
	victimBefore := describe()
	cases = append(cases, attack{name: "SAML replayed assertion ID", key: p.samlARN, token: replayed, msg: "Invalid login token. The SAML assertion has already been used."})

	before := p.identities(t, false)
	for _, a := range cases {
		t.Run(a.name, func(t *testing.T) {
			logins := map[string]string{a.key: a.token}
			_, err := p.public.GetId(t.Context(), &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(p.pool), Logins: logins})
			checkRefusal(t, "GetId", err, a.msg, a.msgPrefix)
			_, err = p.public.GetCredentialsForIdentity(t.Context(), &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: aws.String(victimID), Logins: logins})
			checkRefusal(t, "GetCredentialsForIdentity", err, a.msg, a.msgPrefix)
		})
	}
	if v := describe(); !slices.Equal(v.Logins, victimBefore.Logins) || !aws.ToTime(v.LastModifiedDate).Equal(aws.ToTime(victimBefore.LastModifiedDate)) {
		t.Errorf("refused logins changed identity %s: logins %q → %q, modified %v → %v", victimID,
			victimBefore.Logins, v.Logins, aws.ToTime(victimBefore.LastModifiedDate), aws.ToTime(v.LastModifiedDate))
	}
	after := p.identities(t, false)
	if len(after) != len(before) {
		t.Errorf("refused logins changed the pool: %d identities before, %d after", len(before), len(after))
	}
}

// checkRefusal asserts a NotAuthorizedException with message msg (or a
// message starting with msg).
func checkRefusal(t *testing.T, op string, err error, msg string, prefix bool) {
	t.Helper()
	if !prefix {
		wantCognitoError[*citypes.NotAuthorizedException](t, err, msg)
		return
	}
	var e *citypes.NotAuthorizedException
	if !errors.As(err, &e) {
		t.Errorf("%s: got %v, want NotAuthorizedException %q…", op, err, msg)
	} else if !strings.HasPrefix(e.ErrorMessage(), msg) {
		t.Errorf("%s: message %q, want it to start with %q", op, e.ErrorMessage(), msg)
	}
}

// serverSideTokenCheck: logins of the user pool whose app client has
// ServerSideTokenCheck are accepted only while AdminGetUser finds the user
// enabled and with the token's sub; an unreachable user pool is
// ExternalServiceException; a refusal writes nothing.
func (p *providersEnv) serverSideTokenCheck(t *testing.T) {
	user := dpName("frank")
	sub := "sub-" + user
	tok := func() map[string]string {
		return map[string]string{p.checked.ProviderName: p.checked.IDToken(t, sub, checkedClientID, logintest.Claims{"cognito:username": user})}
	}
	getID := func() error {
		_, err := p.public.GetId(t.Context(), &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(p.pool), Logins: tok()})
		return err
	}
	before := len(p.identities(t, false))
	wantCognitoError[*citypes.NotAuthorizedException](t, getID(), msgUserPoolUser) // no such user yet
	if n := len(p.identities(t, false)); n != before {
		t.Errorf("a refused login created an identity (%d → %d)", before, n)
	}
	p.api.SetUser(p.checked.PoolID, user, sub, true)
	id, _ := p.login(t, tok(), "")
	if calls := p.api.Calls(); !slices.Contains(calls, p.checked.PoolID+"/"+user) {
		t.Errorf("AdminGetUser calls %q, want one for %s/%s", calls, p.checked.PoolID, user)
	}
	p.api.SetUser(p.checked.PoolID, user, sub, false)
	wantCognitoError[*citypes.NotAuthorizedException](t, getID(), msgUserPoolUser)
	_, err := p.public.GetCredentialsForIdentity(t.Context(), &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: aws.String(id), Logins: tok()})
	wantCognitoError[*citypes.NotAuthorizedException](t, err, msgUserPoolUser)
	p.api.SetUser(p.checked.PoolID, user, "another-sub", true) // deleted and signed up again
	wantCognitoError[*citypes.NotAuthorizedException](t, getID(), msgUserPoolUser)
	p.api.DeleteUser(p.checked.PoolID, user)
	wantCognitoError[*citypes.NotAuthorizedException](t, getID(), msgUserPoolUser)
	p.api.SetUser(p.checked.PoolID, user, sub, true)
	p.api.SetDown(true)
	wantCognitoError[*citypes.ExternalServiceException](t, getID(), "Error contacting the identity provider.")
	p.api.SetDown(false)
	if again, _ := p.login(t, tok(), ""); again != id {
		t.Errorf("login after the user pool came back: identity %s, want %s", again, id)
	}
	// The unchecked user pool is never asked.
	for _, c := range p.api.Calls() {
		if strings.HasPrefix(c, p.up.PoolID+"/") {
			t.Errorf("AdminGetUser called for the unchecked user pool: %s", c)
		}
	}
}

// boto3UserPool: the user-pool flow with boto3 (get_id and
// get_credentials_for_identity with Logins), and a forged login refused
// with the same error.
func (p *providersEnv) boto3UserPool(t *testing.T) {
	b := newBoto3(t, p.srv)
	user := dpName("grace")
	logins := obj{p.up.ProviderName: p.up.IDToken(t, user, upClientID, logintest.Claims{"custom:dept": "eng"})}
	got, e := b.Call(t, "GetId", obj{"IdentityPoolId": p.pool, "Logins": logins})
	if e != nil {
		t.Fatalf("boto3 get_id: %v", e)
	}
	id, _ := got["IdentityId"].(string)
	creds, e := b.Call(t, "GetCredentialsForIdentity", obj{"IdentityId": id, "Logins": logins})
	if e != nil {
		t.Fatalf("boto3 get_credentials_for_identity: %v", e)
	}
	c, _ := creds["Credentials"].(obj)
	akid, _ := c["AccessKeyId"].(string)
	secret, _ := c["SecretKey"].(string)
	session, _ := c["SessionToken"].(string)
	who, err := stsFor(t, p.srv, akid, secret, session).GetCallerIdentity(context.Background(), nil)
	if err != nil {
		t.Fatalf("GetCallerIdentity with boto3's credentials: %v", err)
	}
	if want := dpAssumedRoleARN(p.srv, p.engRole, "CognitoIdentityCredentials"); aws.ToString(who.Arn) != want {
		t.Errorf("boto3 user-pool login: assumed %q, want %q", aws.ToString(who.Arn), want)
	}
	if again, _ := p.login(t, map[string]string{p.up.ProviderName: p.up.IDToken(t, user, upClientID, nil)}, ""); again != id {
		t.Errorf("Go SDK login of the boto3 user: identity %s, want %s", again, id)
	}
	_, e = b.Call(t, "GetId", obj{"IdentityPoolId": p.pool, "Logins": obj{p.up.ProviderName: logintest.AlgNone(t, p.up.KID(), p.up.WithDefaults(logintest.Claims{"sub": user, "aud": upClientID, "token_use": "id"}))}})
	if e == nil || e.Code != "NotAuthorizedException" || e.Message != msgCouldntVerify || e.Status != 400 {
		t.Errorf("boto3 get_id with alg none: %v, want NotAuthorizedException (HTTP 400): %s", e, msgCouldntVerify)
	}
}

// principalTags: the user pool's default attribute map (username ← sub,
// client ← aud) and a custom OIDC map put the login's claims into the
// OpenID token's https://aws.amazon.com/tags claim.
func (p *providersEnv) principalTags(t *testing.T) {
	// GetOpenIdToken is refused on pools with role mappings: drop them.
	p.setRoles(t, p.pool, "", dpRoleARN(p.srv, p.authRole), nil)
	if _, err := p.admin.SetPrincipalTagAttributeMap(t.Context(), &cognitoidentity.SetPrincipalTagAttributeMapInput{
		IdentityPoolId: aws.String(p.pool), IdentityProviderName: aws.String(p.up.ProviderName), UseDefaults: aws.Bool(true),
	}); err != nil {
		t.Fatalf("SetPrincipalTagAttributeMap(user pool, defaults): %v", err)
	}
	if _, err := p.admin.SetPrincipalTagAttributeMap(t.Context(), &cognitoidentity.SetPrincipalTagAttributeMapInput{
		IdentityPoolId: aws.String(p.pool), IdentityProviderName: aws.String(p.oidc.Host()),
		PrincipalTags: map[string]string{"dept": "department"},
	}); err != nil {
		t.Fatalf("SetPrincipalTagAttributeMap(OIDC, custom): %v", err)
	}
	token := func(logins map[string]string) tokenClaims {
		t.Helper()
		id, _ := p.login(t, logins, "")
		out, err := p.public.GetOpenIdToken(t.Context(), &cognitoidentity.GetOpenIdTokenInput{IdentityId: aws.String(id), Logins: logins})
		if err != nil {
			t.Fatalf("GetOpenIdToken: %v", err)
		}
		return verifyToken(t, p.srv, aws.ToString(out.Token))
	}
	sub := dpName("heidi")
	c := token(map[string]string{p.up.ProviderName: p.up.IDToken(t, sub, upClientID, nil)})
	if c.Tags == nil || !slices.Equal(c.Tags.PrincipalTags["username"], []string{sub}) || !slices.Equal(c.Tags.PrincipalTags["client"], []string{upClientID}) {
		t.Errorf("user-pool login: principal tags %+v, want username=%s client=%s", c.Tags, sub, upClientID)
	}
	c = token(map[string]string{p.oidc.Host(): p.oidc.Token(t, logintest.Claims{"sub": sub + "-oidc", "aud": oidcClientID, "department": "research"})})
	if c.Tags == nil || len(c.Tags.PrincipalTags) != 1 || !slices.Equal(c.Tags.PrincipalTags["dept"], []string{"research"}) {
		t.Errorf("OIDC login: principal tags %+v, want dept=research only", c.Tags)
	}
}
