package e2e

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	citypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
)

// dataplaneDeveloperGoSDK is the developer-authenticated enhanced
// flow with aws-sdk-go-v2: the backend gets an OpenID token for its user
// (signed GetOpenIdTokenForDeveloperIdentity with principal tags and a token
// duration), the client exchanges it unsigned with GetCredentialsForIdentity
// (Logins {"cognito-identity.amazonaws.com": token}), and the credentials are
// the authenticated role's. Then the developer-identity lifecycle: lookup,
// merge, unlink, describe, list (HideDisabled) and delete.
func dataplaneDeveloperGoSDK(t *testing.T, e *dpEnv) {
	srv := e.srv
	ctx := t.Context()
	dev := "login.dataplane.test"
	unauthRole, authRole := dpName("GuestRole"), dpName("MemberRole")
	pool := e.createPool(t, cognitoidentity.CreateIdentityPoolInput{DeveloperProviderName: aws.String(dev)})
	e.setRoles(t, pool, dpRoleARN(srv, unauthRole), dpRoleARN(srv, authRole), nil)

	start := time.Now()
	// 1. A new developer user: a new identity and a token with the
	// principal tags and the requested lifetime.
	id1, tok := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
		IdentityPoolId: aws.String(pool),
		Logins:         map[string]string{dev: "user-1"},
		PrincipalTags:  map[string]string{"team": "blue", "tier": "gold"},
		TokenDuration:  aws.Int64(3600),
	})
	c := verifyToken(t, srv, tok)
	if c.Sub != id1 || c.Aud != pool {
		t.Errorf("token sub, aud = %q, %q; want %q, %q", c.Sub, c.Aud, id1, pool)
	}
	if want := []string{"authenticated", dev, dev + ":" + pool + ":user-1"}; !slices.Equal(c.AMR, want) {
		t.Errorf("token amr = %q, want %q", c.AMR, want)
	}
	if c.Exp-c.Iat != 3600 {
		t.Errorf("token exp-iat = %d, want 3600 (TokenDuration)", c.Exp-c.Iat)
	}
	if c.Tags == nil || !slices.Equal(c.Tags.PrincipalTags["team"], []string{"blue"}) || !slices.Equal(c.Tags.PrincipalTags["tier"], []string{"gold"}) || len(c.Tags.PrincipalTags) != 2 {
		t.Errorf("token https://aws.amazon.com/tags = %+v, want principal_tags {team:[blue], tier:[gold]}", c.Tags)
	}

	// The same user again: the same identity; default lifetime 900 s.
	again, tok2 := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
		IdentityPoolId: aws.String(pool), Logins: map[string]string{dev: "user-1"},
	})
	if again != id1 {
		t.Errorf("second GetOpenIdTokenForDeveloperIdentity for user-1 = %s, want %s", again, id1)
	}
	if c2 := verifyToken(t, srv, tok2); c2.Exp-c2.Iat != 900 || c2.Tags != nil {
		t.Errorf("default token: exp-iat = %d (want 900), tags = %+v (want none)", c2.Exp-c2.Iat, c2.Tags)
	}

	// 2. The client's half: unsigned GetCredentialsForIdentity with the token.
	out := e.credentialsWithToken(t, id1, tok)
	if got := aws.ToString(out.IdentityId); got != id1 {
		t.Errorf("GetCredentialsForIdentity IdentityId = %q, want %q", got, id1)
	}
	cr := out.Credentials
	checkTempCredentials(t, aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretKey), aws.ToString(cr.SessionToken), aws.ToTime(cr.Expiration), time.Hour)
	if got, want := aws.ToString(dpCallerIdentity(t, srv, cr).Arn), dpAssumedRoleARN(srv, authRole, "CognitoIdentityCredentials"); got != want {
		t.Errorf("GetCallerIdentity Arn = %q, want %q (the authenticated role)", got, want)
	}
	e.onPeer(t, aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretKey), aws.ToString(cr.SessionToken), dpAssumedRoleARN(srv, authRole, "CognitoIdentityCredentials"))
	e.rec.assertUnsigned(t, "GetCredentialsForIdentity")

	// 3. LookupDeveloperIdentity: by identity, by user, both.
	lk, err := e.admin.LookupDeveloperIdentity(ctx, &cognitoidentity.LookupDeveloperIdentityInput{
		IdentityPoolId: aws.String(pool), IdentityId: aws.String(id1), MaxResults: aws.Int32(10),
	})
	if err != nil {
		t.Fatalf("LookupDeveloperIdentity by IdentityId: %v", err)
	}
	if aws.ToString(lk.IdentityId) != id1 || !slices.Equal(lk.DeveloperUserIdentifierList, []string{"user-1"}) {
		t.Errorf("LookupDeveloperIdentity by IdentityId = %s %q, want %s [user-1]", aws.ToString(lk.IdentityId), lk.DeveloperUserIdentifierList, id1)
	}
	lk, err = e.admin.LookupDeveloperIdentity(ctx, &cognitoidentity.LookupDeveloperIdentityInput{
		IdentityPoolId: aws.String(pool), DeveloperUserIdentifier: aws.String("user-1"),
	})
	if err != nil {
		t.Fatalf("LookupDeveloperIdentity by DeveloperUserIdentifier: %v", err)
	}
	if aws.ToString(lk.IdentityId) != id1 {
		t.Errorf("LookupDeveloperIdentity by DeveloperUserIdentifier = %s, want %s", aws.ToString(lk.IdentityId), id1)
	}

	// 4. A second user, then MergeDeveloperIdentities(user-2 → user-1):
	// user-2's identity is disabled, user-1's identity carries both users.
	id2, _ := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
		IdentityPoolId: aws.String(pool), Logins: map[string]string{dev: "user-2"},
	})
	if id2 == id1 {
		t.Fatalf("user-2 got user-1's identity %s", id1)
	}
	_, err = e.admin.LookupDeveloperIdentity(ctx, &cognitoidentity.LookupDeveloperIdentityInput{
		IdentityPoolId: aws.String(pool), IdentityId: aws.String(id1), DeveloperUserIdentifier: aws.String("user-2"),
	})
	var conflict *citypes.ResourceConflictException
	if !errors.As(err, &conflict) {
		t.Errorf("LookupDeveloperIdentity(identity of user-1, user-2) = %v, want ResourceConflictException", err)
	}
	before := dpDescribeIdentity(t, e, id1)
	time.Sleep(1100 * time.Millisecond) // LastModifiedDate must visibly move
	mg, err := e.admin.MergeDeveloperIdentities(ctx, &cognitoidentity.MergeDeveloperIdentitiesInput{
		IdentityPoolId: aws.String(pool), DeveloperProviderName: aws.String(dev),
		SourceUserIdentifier: aws.String("user-2"), DestinationUserIdentifier: aws.String("user-1"),
	})
	if err != nil {
		t.Fatalf("MergeDeveloperIdentities: %v", err)
	}
	if got := aws.ToString(mg.IdentityId); got != id1 {
		t.Errorf("MergeDeveloperIdentities IdentityId = %q, want the destination %q", got, id1)
	}
	lk, err = e.admin.LookupDeveloperIdentity(ctx, &cognitoidentity.LookupDeveloperIdentityInput{
		IdentityPoolId: aws.String(pool), IdentityId: aws.String(id1),
	})
	if err != nil {
		t.Fatalf("LookupDeveloperIdentity after merge: %v", err)
	}
	if got := slices.Sorted(slices.Values(lk.DeveloperUserIdentifierList)); !slices.Equal(got, []string{"user-1", "user-2"}) {
		t.Errorf("after merge, identity %s has developer users %q, want [user-1 user-2]", id1, got)
	}
	// Paginated lookup: one user per page.
	var pages []string
	var next *string
	for i := 0; i < 5; i++ {
		p, err := e.admin.LookupDeveloperIdentity(ctx, &cognitoidentity.LookupDeveloperIdentityInput{
			IdentityPoolId: aws.String(pool), IdentityId: aws.String(id1), MaxResults: aws.Int32(1), NextToken: next,
		})
		if err != nil {
			t.Fatalf("LookupDeveloperIdentity page %d: %v", i+1, err)
		}
		pages = append(pages, p.DeveloperUserIdentifierList...)
		if next = p.NextToken; next == nil {
			break
		}
	}
	if slices.Sort(pages); !slices.Equal(pages, []string{"user-1", "user-2"}) {
		t.Errorf("paginated LookupDeveloperIdentity (MaxResults 1) returned %q, want [user-1 user-2]", pages)
	}
	// user-2 now authenticates into identity 1.
	if got, _ := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
		IdentityPoolId: aws.String(pool), Logins: map[string]string{dev: "user-2"},
	}); got != id1 {
		t.Errorf("after merge, user-2 authenticates as %s, want %s", got, id1)
	}
	// The merged-away identity is disabled.
	_, err = e.public.GetCredentialsForIdentity(ctx, &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: aws.String(id2)})
	wantCognitoError[*citypes.NotAuthorizedException](t, err, "Access to Identity '"+id2+"' is forbidden.")

	// 5. DescribeIdentity: the developer provider in Logins, dates.
	if !slices.Equal(before.Logins, []string{dev}) {
		t.Errorf("DescribeIdentity Logins = %q, want [%s]", before.Logins, dev)
	}
	d := dpDescribeIdentity(t, e, id1)
	// With two developer users the provider is still the only one. (idpool
	// lists the name once per developer user; AWS's exact output for
	// merged developer users is unverified, so only the set is checked.)
	if got := slices.Compact(slices.Sorted(slices.Values(d.Logins))); !slices.Equal(got, []string{dev}) {
		t.Errorf("after merge, DescribeIdentity Logins = %q, want only %s", d.Logins, dev)
	}
	created, modified := aws.ToTime(d.CreationDate), aws.ToTime(d.LastModifiedDate)
	if created.Before(start.Add(-2*time.Second)) || created.After(time.Now().Add(2*time.Second)) {
		t.Errorf("CreationDate = %v, want between %v and now", created, start)
	}
	if !aws.ToTime(before.CreationDate).Equal(created) {
		t.Errorf("CreationDate changed from %v to %v", aws.ToTime(before.CreationDate), created)
	}
	if !modified.After(aws.ToTime(before.LastModifiedDate)) {
		t.Errorf("LastModifiedDate did not move with the merge: %v, then %v", aws.ToTime(before.LastModifiedDate), modified)
	}

	// 6. ListIdentities: the disabled identity is listed unless HideDisabled.
	all := dpListIdentityIDs(t, e, pool, false)
	visible := dpListIdentityIDs(t, e, pool, true)
	if !slices.Contains(all, id1) || !slices.Contains(all, id2) {
		t.Errorf("ListIdentities = %q, want both %s and the disabled %s", all, id1, id2)
	}
	if !slices.Contains(visible, id1) || slices.Contains(visible, id2) {
		t.Errorf("ListIdentities(HideDisabled) = %q, want %s but not the disabled %s", visible, id1, id2)
	}

	// 7. UnlinkDeveloperIdentity(user-2): user-2 becomes a new identity.
	if _, err := e.admin.UnlinkDeveloperIdentity(ctx, &cognitoidentity.UnlinkDeveloperIdentityInput{
		IdentityPoolId: aws.String(pool), IdentityId: aws.String(id1), DeveloperProviderName: aws.String(dev),
		DeveloperUserIdentifier: aws.String("user-2"),
	}); err != nil {
		t.Fatalf("UnlinkDeveloperIdentity: %v", err)
	}
	lk, err = e.admin.LookupDeveloperIdentity(ctx, &cognitoidentity.LookupDeveloperIdentityInput{
		IdentityPoolId: aws.String(pool), IdentityId: aws.String(id1),
	})
	if err != nil || !slices.Equal(lk.DeveloperUserIdentifierList, []string{"user-1"}) {
		t.Errorf("after unlink, LookupDeveloperIdentity = %v, %v; want [user-1]", lk, err)
	}
	id3, _ := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
		IdentityPoolId: aws.String(pool), Logins: map[string]string{dev: "user-2"},
	})
	if id3 == id1 || id3 == id2 {
		t.Errorf("after unlink, user-2 got identity %s, want a new one (not %s or %s)", id3, id1, id2)
	}

	// 8. A developer user already bound to another identity cannot be
	// linked to this one.
	_, err = e.admin.GetOpenIdTokenForDeveloperIdentity(ctx, &cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
		IdentityPoolId: aws.String(pool), IdentityId: aws.String(id3), Logins: map[string]string{dev: "user-1"},
	})
	wantCognitoError[*citypes.DeveloperUserAlreadyRegisteredException](t, err,
		"The provided developer user identifier is already registered with Cognito under a different identity ID.")

	// Linking a new developer user to an existing identity works.
	if got, _ := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
		IdentityPoolId: aws.String(pool), IdentityId: aws.String(id3), Logins: map[string]string{dev: "user-3"},
	}); got != id3 {
		t.Errorf("GetOpenIdTokenForDeveloperIdentity(IdentityId %s, new user-3) = %s", id3, got)
	}

	// 9. DeleteIdentities: gone from Describe and List; its user is new again.
	del, err := e.admin.DeleteIdentities(ctx, &cognitoidentity.DeleteIdentitiesInput{IdentityIdsToDelete: []string{id3}})
	if err != nil {
		t.Fatalf("DeleteIdentities: %v", err)
	}
	if len(del.UnprocessedIdentityIds) != 0 {
		t.Errorf("DeleteIdentities UnprocessedIdentityIds = %+v, want none", del.UnprocessedIdentityIds)
	}
	_, err = e.admin.DescribeIdentity(ctx, &cognitoidentity.DescribeIdentityInput{IdentityId: aws.String(id3)})
	var nf *citypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("DescribeIdentity of a deleted identity = %v, want ResourceNotFoundException", err)
	}
	if slices.Contains(dpListIdentityIDs(t, e, pool, false), id3) {
		t.Errorf("deleted identity %s is still listed", id3)
	}
	if id4, _ := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
		IdentityPoolId: aws.String(pool), Logins: map[string]string{dev: "user-2"},
	}); id4 == id3 {
		t.Errorf("after DeleteIdentities, user-2 still maps to the deleted identity %s", id3)
	}
}

func dpDescribeIdentity(t *testing.T, e *dpEnv, id string) *cognitoidentity.DescribeIdentityOutput {
	t.Helper()
	d, err := e.admin.DescribeIdentity(t.Context(), &cognitoidentity.DescribeIdentityInput{IdentityId: aws.String(id)})
	if err != nil {
		t.Fatalf("DescribeIdentity(%s): %v", id, err)
	}
	if aws.ToString(d.IdentityId) != id {
		t.Errorf("DescribeIdentity IdentityId = %q, want %q", aws.ToString(d.IdentityId), id)
	}
	return d
}

// dpListIdentityIDs pages through ListIdentities (two per page, so that
// NextToken is exercised) and returns every IdentityId.
func dpListIdentityIDs(t *testing.T, e *dpEnv, pool string, hideDisabled bool) []string {
	t.Helper()
	var ids []string
	var next *string
	for page := 0; ; page++ {
		if page > 100 {
			t.Fatalf("ListIdentities: more than 100 pages")
		}
		in := &cognitoidentity.ListIdentitiesInput{IdentityPoolId: aws.String(pool), MaxResults: aws.Int32(2), NextToken: next}
		if hideDisabled {
			in.HideDisabled = true
		}
		out, err := e.admin.ListIdentities(t.Context(), in)
		if err != nil {
			t.Fatalf("ListIdentities(HideDisabled=%v): %v", hideDisabled, err)
		}
		if aws.ToString(out.IdentityPoolId) != pool {
			t.Errorf("ListIdentities IdentityPoolId = %q, want %q", aws.ToString(out.IdentityPoolId), pool)
		}
		for _, d := range out.Identities {
			if !strings.HasPrefix(aws.ToString(d.IdentityId), e.srv.Region+":") {
				t.Errorf("listed IdentityId %q", aws.ToString(d.IdentityId))
			}
			ids = append(ids, aws.ToString(d.IdentityId))
		}
		if next = out.NextToken; next == nil {
			return ids
		}
	}
}
