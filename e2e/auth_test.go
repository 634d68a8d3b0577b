package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	"github.com/aws/smithy-go"

	"github.com/idpool/idpool/internal/testserver"
)

const (
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgInvalidToken      = "The security token included in the request is invalid."
	msgMissingAuth       = "Missing Authentication Token"
)

// adminCalls is one call of every admin operation against pool id, each a
// write or read that must be refused as a whole.
func adminCalls(s *testserver.Server, id, newName string) []struct {
	op     string
	params obj
} {
	arn := s.PoolARN(id)
	return []struct {
		op     string
		params obj
	}{
		{"CreateIdentityPool", obj{"IdentityPoolName": newName, "AllowUnauthenticatedIdentities": true}},
		{"DescribeIdentityPool", obj{"IdentityPoolId": id}},
		{"UpdateIdentityPool", obj{"IdentityPoolId": id, "IdentityPoolName": newName, "AllowUnauthenticatedIdentities": false}},
		{"DeleteIdentityPool", obj{"IdentityPoolId": id}},
		{"ListIdentityPools", obj{"MaxResults": 10}},
		{"SetIdentityPoolRoles", obj{"IdentityPoolId": id, "Roles": obj{"authenticated": adminRole}}},
		{"GetIdentityPoolRoles", obj{"IdentityPoolId": id}},
		{"SetPrincipalTagAttributeMap", obj{"IdentityPoolId": id, "IdentityProviderName": userPool, "PrincipalTags": obj{"x": "y"}}},
		{"GetPrincipalTagAttributeMap", obj{"IdentityPoolId": id, "IdentityProviderName": userPool}},
		{"TagResource", obj{"ResourceArn": arn, "Tags": obj{"x": "y"}}},
		{"UntagResource", obj{"ResourceArn": arn, "TagKeys": []string{"team"}}},
		{"ListTagsForResource", obj{"ResourceArn": arn}},
	}
}

// TestAuthErrors calls every admin operation unsigned, with a wrong secret
// and with an unknown access key, from each client, and checks the error
// and that nothing changed.
func TestAuthErrors(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.startWithProviders(t)
		sdk := newSDK(t, s)
		id := wantPoolID(t, mustOK(t, sdkClient{sdk}, "CreateIdentityPool", fullPool("auth"))["IdentityPoolId"])
		mustOK(t, sdkClient{sdk}, "SetIdentityPoolRoles", obj{"IdentityPoolId": id, "Roles": obj{"authenticated": authRole}})
		before := poolState(t, sdk, s.PoolARN(id), id)
		badSecret := wrongSecret(s.SecretAccessKey)
		unknownKey := "AKIAIDPOOLUNKNOWN000"

		modes := []struct {
			name, code, msg string
			sdk             aws.CredentialsProvider
			boto            botoConfig
			cli             cliAuth
		}{
			{"unsigned", "MissingAuthenticationTokenException", msgMissingAuth,
				aws.AnonymousCredentials{}, botoConfig{Region: "us-east-1", Unsigned: true}, cliAuth{noSign: true}},
			{"wrong secret", "InvalidSignatureException", msgSignatureMismatch,
				credentials.NewStaticCredentialsProvider(s.AccessKeyID, badSecret, ""),
				botoConfig{Region: "us-east-1", AccessKey: s.AccessKeyID, SecretKey: badSecret},
				cliAuth{accessKey: s.AccessKeyID, secretKey: badSecret}},
			{"unknown access key", "UnrecognizedClientException", msgInvalidToken,
				credentials.NewStaticCredentialsProvider(unknownKey, s.SecretAccessKey, ""),
				botoConfig{Region: "us-east-1", AccessKey: unknownKey, SecretKey: s.SecretAccessKey},
				cliAuth{accessKey: unknownKey, secretKey: s.SecretAccessKey}},
		}
		for _, m := range modes {
			clients := []func(t *testing.T) adminClient{
				func(t *testing.T) adminClient { return sdkClient{newSDKWith(t, s, m.sdk)} },
				func(t *testing.T) adminClient { return newBoto3With(t, s, m.boto) },
				func(t *testing.T) adminClient { return newCLIInProcess(t, s, m.cli) },
			}
			for i, newClient := range clients {
				t.Run(fmt.Sprintf("%s/%s", m.name, []string{"sdk", "boto3", "cli"}[i]), func(t *testing.T) {
					t.Parallel()
					c := newClient(t)
					name := fmt.Sprintf("auth-%s-%d", regexp.MustCompile(`\W`).ReplaceAllString(m.name, "-"), i)
					for _, call := range adminCalls(s, id, name) {
						wantErr(t, c, call.op, call.params, m.code, m.msg)
					}
					if now := poolState(t, sdk, s.PoolARN(id), id); now != before {
						t.Errorf("refused calls changed the pool\nbefore: %s\n after: %s", before, now)
					}
					if poolNamed(t, sdk, name) {
						t.Errorf("a refused CreateIdentityPool created %q", name)
					}
				})
			}
		}
	})
}

// skewedSigner signs like the SDK's own signer, with a clock shifted by
// offset, and remembers the X-Amz-Date it sent.
type skewedSigner struct {
	offset time.Duration
	mu     sync.Mutex
	sent   []string
}

func (s *skewedSigner) SignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, signingTime time.Time, optFns ...func(*v4.SignerOptions)) error {
	err := v4.NewSigner().SignHTTP(ctx, creds, r, payloadHash, service, region, signingTime.Add(s.offset), optFns...)
	s.mu.Lock()
	s.sent = append(s.sent, r.Header.Get("X-Amz-Date"))
	s.mu.Unlock()
	return err
}

func (s *skewedSigner) last() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent[len(s.sent)-1]
}

// TestSDKErrors checks the SDK's view of errors: modeled exceptions as their
// types with errors.As, the unmodeled ones (ValidationException, the
// authentication errors) through smithy.APIError, and requests signed with a
// clock 20 minutes off.
func TestSDKErrors(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.start(t)
		c := newSDK(t, s)
		ctx := t.Context()
		out, err := c.CreateIdentityPool(ctx, &cognitoidentity.CreateIdentityPoolInput{
			IdentityPoolName:               aws.String("sdk-errors"),
			AllowUnauthenticatedIdentities: true,
			CognitoIdentityProviders: []types.CognitoIdentityProvider{
				{ProviderName: aws.String(userPool), ClientId: aws.String(userPoolClient)},
			},
			IdentityPoolTags: map[string]string{"team": "identity"},
		})
		if err != nil {
			t.Fatal(err)
		}
		id := aws.ToString(out.IdentityPoolId)
		before := poolState(t, c, s.PoolARN(id), id)
		unchanged := func(t *testing.T, what string) {
			t.Helper()
			if now := poolState(t, c, s.PoolARN(id), id); now != before {
				t.Errorf("%s changed the pool\nbefore: %s\n after: %s", what, before, now)
			}
		}

		t.Run("ResourceNotFoundException", func(t *testing.T) {
			_, err := c.DescribeIdentityPool(ctx, &cognitoidentity.DescribeIdentityPoolInput{IdentityPoolId: aws.String(unknownPool)})
			var rnf *types.ResourceNotFoundException
			if !errors.As(err, &rnf) {
				t.Fatalf("err = %v (%T), want *types.ResourceNotFoundException", err, err)
			}
			if got, want := rnf.ErrorMessage(), "IdentityPool '"+unknownPool+"' not found."; got != want {
				t.Errorf("message = %q, want %q", got, want)
			}
			if rnf.ErrorFault() != smithy.FaultClient {
				t.Errorf("fault = %v, want client", rnf.ErrorFault())
			}
			wantHTTPStatus(t, err, 400)
		})
		t.Run("InvalidParameterException", func(t *testing.T) {
			key := "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc:otherclient"
			_, err := c.SetIdentityPoolRoles(ctx, &cognitoidentity.SetIdentityPoolRolesInput{
				IdentityPoolId: aws.String(id),
				Roles:          map[string]string{"authenticated": authRole},
				RoleMappings: map[string]types.RoleMapping{key: {
					Type: types.RoleMappingTypeToken, AmbiguousRoleResolution: types.AmbiguousRoleResolutionTypeDeny,
				}},
			})
			var ipe *types.InvalidParameterException
			if !errors.As(err, &ipe) {
				t.Fatalf("err = %v (%T), want *types.InvalidParameterException", err, err)
			}
			if got, want := ipe.ErrorMessage(), "("+key+") is not a valid RoleMapping ProviderName or is not a configured provider."; got != want {
				t.Errorf("message = %q, want %q", got, want)
			}
			wantHTTPStatus(t, err, 400)
			unchanged(t, "SetIdentityPoolRoles with an unconfigured provider")
		})
		t.Run("NotAuthorizedException", func(t *testing.T) {
			_, err := c.SetIdentityPoolRoles(ctx, &cognitoidentity.SetIdentityPoolRolesInput{
				IdentityPoolId: aws.String(id),
				Roles:          map[string]string{"unauthenticated": "role/without/arn/prefix"},
			})
			var nae *types.NotAuthorizedException
			if !errors.As(err, &nae) {
				t.Fatalf("err = %v (%T), want *types.NotAuthorizedException", err, err)
			}
			if got, want := nae.ErrorMessage(), "Access to Role 'role/without/arn/prefix' is forbidden."; got != want {
				t.Errorf("message = %q, want %q", got, want)
			}
			wantHTTPStatus(t, err, 400)
			unchanged(t, "SetIdentityPoolRoles with a non-ARN role")
		})
		t.Run("ValidationException", func(t *testing.T) {
			_, err := c.UpdateIdentityPool(ctx, &cognitoidentity.UpdateIdentityPoolInput{
				IdentityPoolId: aws.String("x y"), IdentityPoolName: aws.String("n"), AllowUnauthenticatedIdentities: true,
			})
			wantAPIError(t, err, "ValidationException",
				`1 validation error detected: Value 'x y' at 'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+:[0-9a-f-]+`)
			var rnf *types.ResourceNotFoundException
			if errors.As(err, &rnf) {
				t.Errorf("a ValidationException must not decode as a modeled exception")
			}
			_, err = c.ListIdentityPools(ctx, &cognitoidentity.ListIdentityPoolsInput{MaxResults: aws.Int32(0)})
			wantAPIError(t, err, "ValidationException",
				"1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1")
			// Two violations in one request.
			_, err = c.UpdateIdentityPool(ctx, &cognitoidentity.UpdateIdentityPoolInput{
				IdentityPoolId: aws.String(id), IdentityPoolName: aws.String("bad/name"), AllowUnauthenticatedIdentities: true,
				DeveloperProviderName: aws.String("bad name"),
			})
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" || !regexp.MustCompile(`^2 validation errors detected: `).MatchString(ae.ErrorMessage()) {
				t.Errorf("two violations: %v, want \"2 validation errors detected: …\"", err)
			}
			unchanged(t, "invalid UpdateIdentityPool calls")
		})

		for _, tc := range []struct {
			name   string
			offset time.Duration
			ok     bool
			re     *regexp.Regexp
		}{
			{"clock 20 minutes slow", -20 * time.Minute, false, skewRE(false)},
			{"clock 20 minutes fast", 20 * time.Minute, false, skewRE(true)},
			{"clock 14 minutes slow", -14 * time.Minute, true, nil},
			{"clock 14 minutes fast", 14 * time.Minute, true, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				signer := &skewedSigner{offset: tc.offset}
				sc := newSDK(t, s, func(o *cognitoidentity.Options) { o.HTTPSignerV4 = signer })
				_, err := sc.DescribeIdentityPool(ctx, &cognitoidentity.DescribeIdentityPoolInput{IdentityPoolId: aws.String(id)})
				if tc.ok {
					if err != nil {
						t.Fatalf("DescribeIdentityPool with the clock %v off: %v", tc.offset, err)
					}
					return
				}
				msg := wantAPIErrorRE(t, err, "InvalidSignatureException", tc.re)
				checkSkewMessage(t, msg, rawResponse{signedFor: signer.last()})
				// Writes are refused the same way and change nothing.
				_, err = sc.UpdateIdentityPool(ctx, &cognitoidentity.UpdateIdentityPoolInput{
					IdentityPoolId: aws.String(id), IdentityPoolName: aws.String("skewed"), AllowUnauthenticatedIdentities: false,
				})
				wantAPIErrorRE(t, err, "InvalidSignatureException", tc.re)
				_, err = sc.DeleteIdentityPool(ctx, &cognitoidentity.DeleteIdentityPoolInput{IdentityPoolId: aws.String(id)})
				wantAPIErrorRE(t, err, "InvalidSignatureException", tc.re)
				_, err = sc.CreateIdentityPool(ctx, &cognitoidentity.CreateIdentityPoolInput{
					IdentityPoolName: aws.String("skewed"), AllowUnauthenticatedIdentities: false,
				})
				wantAPIErrorRE(t, err, "InvalidSignatureException", tc.re)
				unchanged(t, "skewed calls")
				if poolNamed(t, c, "skewed") {
					t.Errorf("a skewed CreateIdentityPool created a pool")
				}
			})
		}
	})
}

// TestSDKProfile loads the generated credentials file the way the README
// shows (shared config profile "idpool"), so region and keys come from it.
func TestSDKProfile(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.start(t)
		cfg, err := config.LoadDefaultConfig(t.Context(),
			config.WithSharedConfigProfile(testserver.ProfileName),
			config.WithSharedCredentialsFiles([]string{s.CredentialsFile}),
			config.WithSharedConfigFiles([]string{filepath.Join(t.TempDir(), "none")}),
			config.WithBaseEndpoint(s.URL),
		)
		if err != nil {
			t.Fatal(err)
		}
		if env := os.Getenv("AWS_REGION") + os.Getenv("AWS_DEFAULT_REGION"); env != "" {
			t.Logf("AWS_REGION/AWS_DEFAULT_REGION is set in the environment; the region may not come from the profile")
		} else if cfg.Region != "us-east-1" {
			t.Errorf("region from the generated profile = %q, want us-east-1", cfg.Region)
		}
		creds, err := cfg.Credentials.Retrieve(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if creds.AccessKeyID != s.AccessKeyID || creds.SecretAccessKey != s.SecretAccessKey {
			t.Errorf("profile credentials %s differ from the server's admin key %s", creds.AccessKeyID, s.AccessKeyID)
		}
		c := cognitoidentity.NewFromConfig(cfg)
		out, err := c.CreateIdentityPool(t.Context(), &cognitoidentity.CreateIdentityPoolInput{
			IdentityPoolName: aws.String("from-profile"), AllowUnauthenticatedIdentities: true,
		})
		if err != nil {
			t.Fatalf("CreateIdentityPool with the generated profile: %v", err)
		}
		wantPoolID(t, aws.ToString(out.IdentityPoolId))
	})
}

func wantHTTPStatus(t testing.TB, err error, status int) {
	t.Helper()
	if e := sdkError(t, err); e.Status != status {
		t.Errorf("HTTP status %d, want %d", e.Status, status)
	}
}

// wantAPIError checks an error's code and message through smithy.APIError.
func wantAPIError(t testing.TB, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code || ae.ErrorMessage() != msg {
		t.Errorf("error\n got: %s: %s\nwant: %s: %s", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
	wantHTTPStatus(t, err, 400)
}

func wantAPIErrorRE(t testing.TB, err error, code string, re *regexp.Regexp) string {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code || !re.MatchString(ae.ErrorMessage()) {
		t.Errorf("error\n got: %s: %s\nwant: %s: /%s/", ae.ErrorCode(), ae.ErrorMessage(), code, re)
	}
	wantHTTPStatus(t, err, 400)
	return ae.ErrorMessage()
}
