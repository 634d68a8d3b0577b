package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	citypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// dataplaneClassicGoSDK is the basic (classic) flow with
// aws-sdk-go-v2: GetId → GetOpenIdToken → STS AssumeRoleWithWebIdentity
// (unsigned) with any role → credentials that GetCallerIdentity accepts.
// Then the AllowClassicFlow gate: refused when false, refused with role
// mappings, allowed when true or never set.
func dataplaneClassicGoSDK(t *testing.T, e *dpEnv) {
	srv := e.srv
	ctx := t.Context()
	// AllowClassicFlow never set, and no roles: the classic flow needs none.
	pool := e.createPool(t, cognitoidentity.CreateIdentityPoolInput{AllowUnauthenticatedIdentities: true})
	id := e.getID(t, pool)
	ot, err := e.public.GetOpenIdToken(ctx, &cognitoidentity.GetOpenIdTokenInput{IdentityId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetOpenIdToken (AllowClassicFlow never set): %v", err)
	}
	e.rec.assertUnsigned(t, "GetOpenIdToken")
	if got := aws.ToString(ot.IdentityId); got != id {
		t.Errorf("GetOpenIdToken IdentityId = %q, want %q", got, id)
	}
	c := verifyToken(t, srv, aws.ToString(ot.Token))
	if c.Sub != id || c.Aud != pool || !slices.Equal(c.AMR, []string{"unauthenticated"}) || c.Exp-c.Iat != 600 {
		t.Errorf("token claims sub=%q aud=%q amr=%q exp-iat=%d; want %q %q [unauthenticated] 600", c.Sub, c.Aud, c.AMR, c.Exp-c.Iat, id, pool)
	}

	role, session := dpName("ClassicRole"), "classic-session"
	start := time.Now()
	ar, err := publicSTS(t, srv).AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(dpRoleARN(srv, role)), RoleSessionName: aws.String(session),
		WebIdentityToken: ot.Token, DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
	}
	if got := aws.ToString(ar.SubjectFromWebIdentityToken); got != id {
		t.Errorf("SubjectFromWebIdentityToken = %q, want the IdentityId %q", got, id)
	}
	if got := aws.ToString(ar.Audience); got != pool {
		t.Errorf("Audience = %q, want the pool ID %q", got, pool)
	}
	if got := aws.ToString(ar.Provider); got != "cognito-identity.amazonaws.com" {
		t.Errorf("Provider = %q, want cognito-identity.amazonaws.com", got)
	}
	wantARN := dpAssumedRoleARN(srv, role, session)
	if got := aws.ToString(ar.AssumedRoleUser.Arn); got != wantARN {
		t.Errorf("AssumedRoleUser.Arn = %q, want %q", got, wantARN)
	}
	if got := aws.ToString(ar.AssumedRoleUser.AssumedRoleId); !strings.HasPrefix(got, "AROA") || !strings.HasSuffix(got, ":"+session) {
		t.Errorf("AssumedRoleUser.AssumedRoleId = %q, want AROA…:%s", got, session)
	}
	cr := ar.Credentials
	checkTempCredentials(t, aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken), aws.ToTime(cr.Expiration), 900*time.Second)
	if exp := aws.ToTime(cr.Expiration); exp.Before(start.Add(899 * time.Second).Truncate(time.Second)) {
		t.Errorf("Expiration %v is before now+DurationSeconds", exp)
	}
	who, err := stsFor(t, srv, aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken)).
		GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with AssumeRoleWithWebIdentity credentials: %v", err)
	}
	if got := aws.ToString(who.Arn); got != wantARN {
		t.Errorf("GetCallerIdentity Arn = %q, want %q", got, wantARN)
	}
	e.onPeer(t, aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken), wantARN)
	if got := aws.ToString(who.UserId); got != aws.ToString(ar.AssumedRoleUser.AssumedRoleId) {
		t.Errorf("GetCallerIdentity UserId = %q, want the AssumedRoleId %q", got, aws.ToString(ar.AssumedRoleUser.AssumedRoleId))
	}

	// Default duration: one hour.
	ar, err = publicSTS(t, srv).AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(dpRoleARN(srv, role)), RoleSessionName: aws.String(session), WebIdentityToken: ot.Token,
	})
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity without DurationSeconds: %v", err)
	}
	checkTempCredentials(t, aws.ToString(ar.Credentials.AccessKeyId), aws.ToString(ar.Credentials.SecretAccessKey), aws.ToString(ar.Credentials.SessionToken), aws.ToTime(ar.Credentials.Expiration), time.Hour)

	// The developer variant of the classic flow: a developer token works
	// for AssumeRoleWithWebIdentity too, with the developer amr.
	dev := "login.classic.test"
	devPool := e.createPool(t, cognitoidentity.CreateIdentityPoolInput{DeveloperProviderName: aws.String(dev), AllowClassicFlow: aws.Bool(true)})
	devID, devTok := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
		IdentityPoolId: aws.String(devPool), Logins: map[string]string{dev: "classic-user"},
	})
	ar, err = publicSTS(t, srv).AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(dpRoleARN(srv, role)), RoleSessionName: aws.String("dev-session"), WebIdentityToken: aws.String(devTok),
	})
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity with a developer token: %v", err)
	}
	if aws.ToString(ar.SubjectFromWebIdentityToken) != devID || aws.ToString(ar.Audience) != devPool {
		t.Errorf("developer token: Subject, Audience = %q, %q; want %q, %q", aws.ToString(ar.SubjectFromWebIdentityToken), aws.ToString(ar.Audience), devID, devPool)
	}

	// The AllowClassicFlow gate.
	t.Run("AllowClassicFlow", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			allow   *bool
			mapping bool
			wantMsg string // "" = allowed
		}{
			{"true", aws.Bool(true), false, ""},
			{"false", aws.Bool(false), false, "Basic (classic) flow is not enabled, please use enhanced flow."},
			{"true with role mappings", aws.Bool(true), true, "Basic (classic) flow is not supported with RoleMappings, please use enhanced flow."},
			{"never set with role mappings", nil, true, "Basic (classic) flow is not supported with RoleMappings, please use enhanced flow."},
		} {
			p := e.createPool(t, cognitoidentity.CreateIdentityPoolInput{
				AllowUnauthenticatedIdentities: true, AllowClassicFlow: tc.allow,
				SupportedLoginProviders: map[string]string{"graph.facebook.com": "1234567890"},
			})
			var mappings map[string]citypes.RoleMapping
			if tc.mapping {
				mappings = map[string]citypes.RoleMapping{"graph.facebook.com": {
					Type: citypes.RoleMappingTypeToken, AmbiguousRoleResolution: citypes.AmbiguousRoleResolutionTypeAuthenticatedRole,
				}}
			}
			e.setRoles(t, p, dpRoleARN(srv, "GuestRole"), dpRoleARN(srv, "MemberRole"), mappings)
			gid := e.getID(t, p)
			out, err := e.public.GetOpenIdToken(ctx, &cognitoidentity.GetOpenIdTokenInput{IdentityId: aws.String(gid)})
			if tc.wantMsg == "" {
				if err != nil {
					t.Errorf("%s: GetOpenIdToken: %v", tc.name, err)
				} else if aws.ToString(out.Token) == "" {
					t.Errorf("%s: GetOpenIdToken returned no token", tc.name)
				}
				continue
			}
			wantCognitoError[*citypes.InvalidParameterException](t, err, tc.wantMsg)
			// The enhanced flow still works on the same pool.
			if _, err := e.public.GetCredentialsForIdentity(ctx, &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: aws.String(gid)}); err != nil {
				t.Errorf("%s: GetCredentialsForIdentity (enhanced flow) refused: %v", tc.name, err)
			}
		}
	})
}
