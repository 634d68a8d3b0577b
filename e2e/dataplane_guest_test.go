package e2e

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/idpool/idpool/internal/config"
	"github.com/idpool/idpool/internal/testserver"
)

// dataplaneGuestGoSDK is the enhanced flow of an unauthenticated
// user with aws-sdk-go-v2: GetId and GetCredentialsForIdentity unsigned,
// then an STS client configured with the returned credentials calls
// GetCallerIdentity on the same server and is the unauthenticated role's
// session "CognitoIdentityCredentials".
func dataplaneGuestGoSDK(t *testing.T, e *dpEnv) {
	srv := e.srv
	unauthRole, authRole := dpName("GuestRole"), dpName("MemberRole")
	pool := e.createPool(t, cognitoidentity.CreateIdentityPoolInput{AllowUnauthenticatedIdentities: true})
	e.setRoles(t, pool, dpRoleARN(srv, unauthRole), dpRoleARN(srv, authRole), nil)

	id := e.getID(t, pool)
	if !strings.HasPrefix(id, srv.Region+":") {
		t.Errorf("IdentityId %q does not start with the region %s:", id, srv.Region)
	}
	out, err := e.public.GetCredentialsForIdentity(t.Context(), &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetCredentialsForIdentity: %v", err)
	}
	if got := aws.ToString(out.IdentityId); got != id {
		t.Errorf("GetCredentialsForIdentity IdentityId = %q, want %q", got, id)
	}
	c := out.Credentials
	checkTempCredentials(t, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretKey), aws.ToString(c.SessionToken), aws.ToTime(c.Expiration), time.Hour)
	e.rec.assertUnsigned(t, "GetId")
	e.rec.assertUnsigned(t, "GetCredentialsForIdentity")

	who := dpCallerIdentity(t, srv, c)
	e.onPeer(t, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretKey), aws.ToString(c.SessionToken), dpAssumedRoleARN(srv, unauthRole, "CognitoIdentityCredentials"))
	if got, want := aws.ToString(who.Arn), dpAssumedRoleARN(srv, unauthRole, "CognitoIdentityCredentials"); got != want {
		t.Errorf("GetCallerIdentity Arn = %q, want %q", got, want)
	}
	if got := aws.ToString(who.Account); got != srv.AccountID {
		t.Errorf("GetCallerIdentity Account = %q, want %q", got, srv.AccountID)
	}
	if got := aws.ToString(who.UserId); !strings.HasPrefix(got, "AROA") || !strings.HasSuffix(got, ":CognitoIdentityCredentials") {
		t.Errorf("GetCallerIdentity UserId = %q, want AROA…:CognitoIdentityCredentials", got)
	}

	// A returning guest: the same identity gets fresh credentials.
	again, err := e.public.GetCredentialsForIdentity(t.Context(), &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetCredentialsForIdentity (returning guest): %v", err)
	}
	if aws.ToString(again.Credentials.AccessKeyId) == aws.ToString(c.AccessKeyId) {
		t.Errorf("a second GetCredentialsForIdentity returned the same access key ID %s", aws.ToString(c.AccessKeyId))
	}
	if got := aws.ToString(dpCallerIdentity(t, srv, again.Credentials).Arn); got != dpAssumedRoleARN(srv, unauthRole, "CognitoIdentityCredentials") {
		t.Errorf("returning guest: GetCallerIdentity Arn = %q", got)
	}

	// Each GetId without logins is a new guest identity.
	if id2 := e.getID(t, pool); id2 == id {
		t.Errorf("two GetId calls without logins returned the same IdentityId %s", id)
	}
}

// TestDataplaneTwoNodes runs two servers on one PostgreSQL database with
// the same seal key: credentials and OpenID tokens minted on one node are
// accepted by the other. (TestDataplane's PostgreSQL run also checks the
// credentials of every flow and client on a second node.)
func TestDataplaneTwoNodes(t *testing.T) {
	t.Parallel()
	if os.Getenv(testserver.EnvPostgres) == "" {
		t.Skipf("%s is not set: the two-node test needs PostgreSQL", testserver.EnvPostgres)
	}
	// Nodes behind one load balancer share its URL as the token issuer
	// (--public-url or --issuer); by default each node's issuer is its own
	// address and the nodes would refuse each other's OpenID tokens.
	issuer := testserver.WithConfig(func(c *config.Config) { c.Issuer = "https://idpool-lb.example.test" })
	a := startDP(t, testserver.WithPostgres(), issuer)
	b := startDP(t, testserver.SharingStoreWith(a.srv), issuer)
	if a.srv.SealKey == "" || a.srv.SealKey != b.srv.SealKey {
		t.Fatalf("nodes do not share a seal key (%q, %q)", a.srv.SealKey, b.srv.SealKey)
	}
	if a.srv.AccessKeyID != b.srv.AccessKeyID {
		t.Errorf("nodes disagree on the admin key: %s vs %s", a.srv.AccessKeyID, b.srv.AccessKeyID)
	}
	unauthRole, authRole := dpName("GuestRole"), dpName("MemberRole")
	dev := "login.twonodes.test"
	pool := a.createPool(t, cognitoidentity.CreateIdentityPoolInput{AllowUnauthenticatedIdentities: true, DeveloperProviderName: aws.String(dev)})
	a.setRoles(t, pool, dpRoleARN(a.srv, unauthRole), dpRoleARN(a.srv, authRole), nil)

	guestARN := dpAssumedRoleARN(a.srv, unauthRole, "CognitoIdentityCredentials")
	memberARN := dpAssumedRoleARN(a.srv, authRole, "CognitoIdentityCredentials")
	for _, tc := range []struct {
		name         string
		mint, verify *dpEnv
	}{{"A→B", a, b}, {"B→A", b, a}} {
		t.Run(tc.name, func(t *testing.T) {
			// Guest credentials minted on one node, used on the other.
			id := tc.mint.getID(t, pool)
			out, err := tc.mint.public.GetCredentialsForIdentity(t.Context(), &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: aws.String(id)})
			if err != nil {
				t.Fatalf("GetCredentialsForIdentity on the minting node: %v", err)
			}
			if got := aws.ToString(dpCallerIdentity(t, tc.verify.srv, out.Credentials).Arn); got != guestARN {
				t.Errorf("GetCallerIdentity on the other node: Arn = %q, want %q", got, guestARN)
			}
			// The identity is visible on the other node too.
			if _, err := tc.verify.public.GetCredentialsForIdentity(t.Context(), &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: aws.String(id)}); err != nil {
				t.Errorf("GetCredentialsForIdentity for the same identity on the other node: %v", err)
			}

			// A developer OpenID token issued on one node is a valid login on
			// the other (shared signing keys), and its JWKS has the kid.
			devID, tok := tc.mint.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
				IdentityPoolId: aws.String(pool), Logins: map[string]string{dev: dpName("user")},
			})
			claims := verifyToken(t, tc.verify.srv, tok)
			if claims.Sub != devID || claims.Iss != "https://idpool-lb.example.test" {
				t.Errorf("token sub, iss = %q, %q; want %q, the shared issuer", claims.Sub, claims.Iss, devID)
			}
			creds := tc.verify.credentialsWithToken(t, devID, tok)
			if got := aws.ToString(dpCallerIdentity(t, tc.mint.srv, creds.Credentials).Arn); got != memberARN {
				t.Errorf("developer credentials from the other node: Arn = %q, want %q", got, memberARN)
			}

			// Classic flow across nodes: the token from one node is accepted by
			// the other's AssumeRoleWithWebIdentity.
			gid := tc.mint.getID(t, pool)
			ot, err := tc.mint.public.GetOpenIdToken(t.Context(), &cognitoidentity.GetOpenIdTokenInput{IdentityId: aws.String(gid)})
			if err != nil {
				t.Fatalf("GetOpenIdToken: %v", err)
			}
			ar, err := publicSTS(t, tc.verify.srv).AssumeRoleWithWebIdentity(t.Context(), &sts.AssumeRoleWithWebIdentityInput{
				RoleArn: aws.String(dpRoleARN(a.srv, "ClassicRole")), RoleSessionName: aws.String("two-nodes"), WebIdentityToken: ot.Token,
			})
			if err != nil {
				t.Fatalf("AssumeRoleWithWebIdentity on the other node: %v", err)
			}
			if got := aws.ToString(ar.SubjectFromWebIdentityToken); got != gid {
				t.Errorf("SubjectFromWebIdentityToken = %q, want %q", got, gid)
			}
		})
	}
}
