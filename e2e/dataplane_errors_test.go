package e2e

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	citypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// dataplaneErrors asserts the data plane's refusals with aws-sdk-go-v2:
// the typed exception and AWS's message, verbatim.
func dataplaneErrors(t *testing.T, e *dpEnv) {
	srv := e.srv
	ctx := t.Context()
	dev := "login.errors.test"
	unauthRole, authRole := dpName("GuestRole"), dpName("MemberRole")
	// open: guests and developer users, both roles.
	open := e.createPool(t, cognitoidentity.CreateIdentityPoolInput{AllowUnauthenticatedIdentities: true, DeveloperProviderName: aws.String(dev)})
	e.setRoles(t, open, dpRoleARN(srv, unauthRole), dpRoleARN(srv, authRole), nil)
	// closed: developer users only.
	closed := e.createPool(t, cognitoidentity.CreateIdentityPoolInput{DeveloperProviderName: aws.String(dev + ".closed")})
	e.setRoles(t, closed, dpRoleARN(srv, unauthRole), dpRoleARN(srv, authRole), nil)
	// noroles: guests allowed, but no roles assigned.
	noroles := e.createPool(t, cognitoidentity.CreateIdentityPoolInput{AllowUnauthenticatedIdentities: true, DeveloperProviderName: aws.String(dev + ".noroles")})

	g := dpGo(t)
	defer g.Wait()
	notAuthorized := func(t *testing.T, err error, msg string) {
		t.Helper()
		wantCognitoError[*citypes.NotAuthorizedException](t, err, msg)
	}
	getCreds := func(id string, logins map[string]string) error {
		_, err := e.public.GetCredentialsForIdentity(ctx, &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: aws.String(id), Logins: logins})
		return err
	}

	g.Run("guests not allowed", func(t *testing.T) {
		_, err := e.public.GetId(ctx, &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(closed)})
		notAuthorized(t, err, "Unauthenticated access is not supported for this identity pool.")
	})
	g.Run("unknown pool", func(t *testing.T) {
		missing := srv.Region + ":00000000-0000-4000-8000-000000000000"
		_, err := e.public.GetId(ctx, &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(missing)})
		wantCognitoError[*citypes.ResourceNotFoundException](t, err, "IdentityPool '"+missing+"' not found.")
		_, err = e.admin.GetOpenIdTokenForDeveloperIdentity(ctx, &cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
			IdentityPoolId: aws.String(missing), Logins: map[string]string{dev: "x"},
		})
		wantCognitoError[*citypes.ResourceNotFoundException](t, err, "IdentityPool '"+missing+"' not found.")
		_, err = e.admin.ListIdentities(ctx, &cognitoidentity.ListIdentitiesInput{IdentityPoolId: aws.String(missing), MaxResults: aws.Int32(10)})
		wantCognitoError[*citypes.ResourceNotFoundException](t, err, "IdentityPool '"+missing+"' not found.")
	})
	g.Run("authenticated identity without logins", func(t *testing.T) {
		id, _ := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
			IdentityPoolId: aws.String(open), Logins: map[string]string{dev: dpName("user")},
		})
		notAuthorized(t, getCreds(id, nil), "Access to Identity '"+id+"' is forbidden.")
		_, err := e.public.GetOpenIdToken(ctx, &cognitoidentity.GetOpenIdTokenInput{IdentityId: aws.String(id)})
		notAuthorized(t, err, "Access to Identity '"+id+"' is forbidden.")
	})
	g.Run("disabled (merged) identity", func(t *testing.T) {
		src, dst := dpName("src"), dpName("dst")
		srcID, srcTok := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: aws.String(open), Logins: map[string]string{dev: src}})
		e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: aws.String(open), Logins: map[string]string{dev: dst}})
		if _, err := e.admin.MergeDeveloperIdentities(ctx, &cognitoidentity.MergeDeveloperIdentitiesInput{
			IdentityPoolId: aws.String(open), DeveloperProviderName: aws.String(dev),
			SourceUserIdentifier: aws.String(src), DestinationUserIdentifier: aws.String(dst),
		}); err != nil {
			t.Fatalf("MergeDeveloperIdentities: %v", err)
		}
		notAuthorized(t, getCreds(srcID, nil), "Access to Identity '"+srcID+"' is forbidden.")
		// Its old (still unexpired) token no longer opens it either.
		if err := getCreds(srcID, map[string]string{cognitoLogin: srcTok}); err == nil {
			t.Errorf("GetCredentialsForIdentity(disabled identity, its old token) succeeded")
		}
	})
	g.Run("guest identity after it was made authenticated", func(t *testing.T) {
		gid := e.getID(t, open)
		if err := getCreds(gid, nil); err != nil {
			t.Fatalf("guest credentials: %v", err)
		}
		// Linking a developer user to the guest identity authenticates it.
		e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
			IdentityPoolId: aws.String(open), IdentityId: aws.String(gid), Logins: map[string]string{dev: dpName("linked")},
		})
		notAuthorized(t, getCreds(gid, nil), "Access to Identity '"+gid+"' is forbidden.")
	})
	g.Run("token of another identity", func(t *testing.T) {
		idA, _ := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: aws.String(open), Logins: map[string]string{dev: dpName("a")}})
		_, tokB := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: aws.String(open), Logins: map[string]string{dev: dpName("b")}})
		notAuthorized(t, getCreds(idA, map[string]string{cognitoLogin: tokB}),
			"Logins don't match. Please include at least one valid login for this identity or identity pool.")
		// A guest identity presenting someone else's token.
		gid := e.getID(t, open)
		notAuthorized(t, getCreds(gid, map[string]string{cognitoLogin: tokB}),
			"Logins don't match. Please include at least one valid login for this identity or identity pool.")
	})
	g.Run("no roles", func(t *testing.T) {
		gid := e.getID(t, noroles)
		wantCognitoError[*citypes.InvalidIdentityPoolConfigurationException](t, getCreds(gid, nil),
			"Invalid identity pool configuration. Check assigned IAM roles for this pool.")
		// Authenticated: no authenticated role either.
		id, tok := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: aws.String(noroles), Logins: map[string]string{dev + ".noroles": "u"}})
		wantCognitoError[*citypes.InvalidIdentityPoolConfigurationException](t, getCreds(id, map[string]string{cognitoLogin: tok}),
			"Invalid identity pool configuration. Check assigned IAM roles for this pool.")
		// Only the unauthenticated role: authenticated users are refused.
		e.setRoles(t, noroles, dpRoleARN(srv, unauthRole), "", nil)
		if err := getCreds(gid, nil); err != nil {
			t.Errorf("guest with the unauthenticated role set: %v", err)
		}
		wantCognitoError[*citypes.InvalidIdentityPoolConfigurationException](t, getCreds(id, map[string]string{cognitoLogin: tok}),
			"Invalid identity pool configuration. Check assigned IAM roles for this pool.")
	})
	g.Run("unconfigured provider", func(t *testing.T) {
		for _, provider := range []string{"graph.facebook.com", "accounts.google.com", "login.unknown.example"} {
			_, err := e.public.GetId(ctx, &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(open), Logins: map[string]string{provider: "some-token"}})
			notAuthorized(t, err, "Token is not from a supported provider of this identity pool.")
		}
		gid := e.getID(t, open)
		notAuthorized(t, getCreds(gid, map[string]string{"graph.facebook.com": "some-token"}), "Token is not from a supported provider of this identity pool.")
	})
	g.Run("developer user already registered", func(t *testing.T) {
		user := dpName("taken")
		e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: aws.String(open), Logins: map[string]string{dev: user}})
		other, _ := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: aws.String(open), Logins: map[string]string{dev: dpName("other")}})
		_, err := e.admin.GetOpenIdTokenForDeveloperIdentity(ctx, &cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
			IdentityPoolId: aws.String(open), IdentityId: aws.String(other), Logins: map[string]string{dev: user},
		})
		wantCognitoError[*citypes.DeveloperUserAlreadyRegisteredException](t, err,
			"The provided developer user identifier is already registered with Cognito under a different identity ID.")
	})
	g.Run("tampered and malformed cognito tokens", func(t *testing.T) {
		id, tok := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: aws.String(open), Logins: map[string]string{dev: dpName("tamper")}})
		parts := strings.Split(tok, ".")
		// Flip one character of the signature.
		sig := []byte(parts[2])
		sig[10] = flipB64(sig[10])
		notAuthorized(t, getCreds(id, map[string]string{cognitoLogin: parts[0] + "." + parts[1] + "." + string(sig)}),
			"Invalid login token. Couldn't verify signed token.")
		// Change the payload (another sub) and keep the signature.
		payload := []byte(parts[1])
		payload[len(payload)/2] = flipB64(payload[len(payload)/2])
		err := getCreds(id, map[string]string{cognitoLogin: parts[0] + "." + string(payload) + "." + parts[2]})
		var na *citypes.NotAuthorizedException
		if !errors.As(err, &na) || !strings.HasPrefix(na.ErrorMessage(), "Invalid login token. ") {
			t.Errorf("tampered payload: got %v, want NotAuthorizedException \"Invalid login token. …\"", err)
		}
		// Not a JWT at all.
		err = getCreds(id, map[string]string{cognitoLogin: "not-a-token"})
		if !errors.As(err, &na) || !strings.HasPrefix(na.ErrorMessage(), "Invalid login token. ") {
			t.Errorf("garbage token: got %v, want NotAuthorizedException \"Invalid login token. …\"", err)
		}
	})
	g.Run("foreign cognito token", func(t *testing.T) {
		// A token from another deployment (its own signing keys): refused.
		other := startDP(t)
		op := other.createPool(t, cognitoidentity.CreateIdentityPoolInput{DeveloperProviderName: aws.String(dev)})
		_, foreign := other.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: aws.String(op), Logins: map[string]string{dev: "x"}})
		id, _ := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: aws.String(open), Logins: map[string]string{dev: dpName("victim")}})
		err := getCreds(id, map[string]string{cognitoLogin: foreign})
		var na *citypes.NotAuthorizedException
		if !errors.As(err, &na) || !strings.HasPrefix(na.ErrorMessage(), "Invalid login token. ") {
			t.Errorf("token of another deployment: got %v, want NotAuthorizedException \"Invalid login token. …\"", err)
		}
	})
	g.Run("expired cognito token", func(t *testing.T) {
		id, tok := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
			IdentityPoolId: aws.String(open), Logins: map[string]string{dev: dpName("expiring")}, TokenDuration: aws.Int64(1),
		})
		time.Sleep(2100 * time.Millisecond)
		err := getCreds(id, map[string]string{cognitoLogin: tok})
		var na *citypes.NotAuthorizedException
		if !errors.As(err, &na) {
			t.Fatalf("expired token: got %v, want NotAuthorizedException", err)
		}
		// "Invalid login token. Token expired: <now> >= <exp>" (seconds).
		if !expiredRE.MatchString(na.ErrorMessage()) {
			t.Errorf("expired token message = %q, want %s", na.ErrorMessage(), expiredRE)
		}
		// STS refuses it too.
		_, err = publicSTS(t, srv).AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
			RoleArn: aws.String(dpRoleARN(srv, "ClassicRole")), RoleSessionName: aws.String("expired"), WebIdentityToken: aws.String(tok),
		})
		var et *ststypes.ExpiredTokenException
		if !errors.As(err, &et) {
			t.Errorf("AssumeRoleWithWebIdentity with an expired token: got %v, want ExpiredTokenException", err)
		}
	})
	g.Run("STS with invalid session tokens", func(t *testing.T) {
		gid := e.getID(t, open)
		out, err := e.public.GetCredentialsForIdentity(ctx, &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: aws.String(gid)})
		if err != nil {
			t.Fatal(err)
		}
		c := out.Credentials
		akid, secret, session := aws.ToString(c.AccessKeyId), aws.ToString(c.SecretKey), aws.ToString(c.SessionToken)
		const invalid = "The security token included in the request is invalid."
		call := func(akid, secret, session string) error {
			_, err := stsFor(t, srv, akid, secret, session).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}
		// Tampered session token (one character changed in the middle).
		b := []byte(session)
		b[len(b)/2] = flipB64(b[len(b)/2])
		wantAWSError(t, call(akid, secret, string(b)), "InvalidClientTokenId", invalid)
		// A valid session token presented with another access key ID.
		other, err := e.public.GetCredentialsForIdentity(ctx, &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: aws.String(gid)})
		if err != nil {
			t.Fatal(err)
		}
		wantAWSError(t, call(aws.ToString(other.Credentials.AccessKeyId), aws.ToString(other.Credentials.SecretKey), session), "InvalidClientTokenId", invalid)
		// Credentials of another deployment.
		o := startDP(t)
		op := o.createPool(t, cognitoidentity.CreateIdentityPoolInput{AllowUnauthenticatedIdentities: true})
		o.setRoles(t, op, dpRoleARN(o.srv, "GuestRole"), "", nil)
		fo, err := o.public.GetCredentialsForIdentity(ctx, &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: aws.String(o.getID(t, op))})
		if err != nil {
			t.Fatal(err)
		}
		fc := fo.Credentials
		wantAWSError(t, call(aws.ToString(fc.AccessKeyId), aws.ToString(fc.SecretKey), aws.ToString(fc.SessionToken)), "InvalidClientTokenId", invalid)
		// The genuine ones still work, and a wrong secret is a signature error.
		if got := aws.ToString(dpCallerIdentity(t, srv, c).Arn); got != dpAssumedRoleARN(srv, unauthRole, "CognitoIdentityCredentials") {
			t.Errorf("genuine credentials: Arn = %q", got)
		}
		wantAWSError(t, call(akid, strings.Repeat("x", 40), session), "SignatureDoesNotMatch", `The request signature we calculated does not match the signature you provided\..*`)
	})
	g.Run("temporary credentials on an admin operation", func(t *testing.T) {
		gid := e.getID(t, open)
		out, err := e.public.GetCredentialsForIdentity(ctx, &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: aws.String(gid)})
		if err != nil {
			t.Fatal(err)
		}
		c := out.Credentials
		temp := cognitoidentity.NewFromConfig(dpConfig(t, srv, dpStaticCreds(c), nil))
		who := dpAssumedRoleARN(srv, unauthRole, "CognitoIdentityCredentials")
		_, err = temp.ListIdentityPools(ctx, &cognitoidentity.ListIdentityPoolsInput{MaxResults: aws.Int32(10)})
		wantAWSError(t, err, "AccessDeniedException", `User: `+regexp.QuoteMeta(who)+` is not authorized to perform: cognito-identity:ListIdentityPools on resource: .*`)
		_, err = temp.GetOpenIdTokenForDeveloperIdentity(ctx, &cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
			IdentityPoolId: aws.String(open), Logins: map[string]string{dev: "escalate"},
		})
		wantAWSError(t, err, "AccessDeniedException", `User: `+regexp.QuoteMeta(who)+` is not authorized to perform: cognito-identity:GetOpenIdTokenForDeveloperIdentity on resource: .*`)
	})
}

// expiredRE is Cognito's message for an expired login token.
var expiredRE = regexp.MustCompile(`^Invalid login token\. Token expired: \d+ >= \d+$`)

// flipB64 returns another base64url character than c.
func flipB64(c byte) byte {
	if c == 'A' {
		return 'B'
	}
	return 'A'
}

// dpStaticCreds is a provider of the temporary credentials c.
func dpStaticCreds(c *citypes.Credentials) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretKey), aws.ToString(c.SessionToken))
}
