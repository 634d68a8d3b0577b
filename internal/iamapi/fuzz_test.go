package iamapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/idpool/idpool/internal/iam"
	"github.com/idpool/idpool/internal/iam/iamtest"
	"github.com/idpool/idpool/internal/iamapi"
	"github.com/idpool/idpool/internal/sigv4"
)

// FuzzServeHTTP sends signed arbitrary form bodies: the surface must answer
// with a well-formed response and never panic or fail internally.
func FuzzServeHTTP(f *testing.F) {
	for _, seed := range []string{
		"Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=%7B%7D",
		"Action=CreateOpenIDConnectProvider&Url=https%3A%2F%2Fa.example.com&ClientIDList.member.1=a&ThumbprintList=",
		"Action=CreateRole&RoleName=r&AssumeRolePolicyDocument=x&Tags.member.2.Key=k&Tags.member.1.Value=&Tags.member.x=1",
		"Action=ListRoles&MaxItems=0&Marker=%00",
		"Action=UpdateOpenIDConnectProviderThumbprint&OpenIDConnectProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Aoidc-provider%2Fa&ThumbprintList.member.999999999999=1",
	} {
		f.Add(seed)
	}
	svc, err := iam.New(iam.Config{Store: iamtest.NewMemStore(), Account: accountID})
	if err != nil {
		f.Fatal(err)
	}
	h, err := iamapi.New(iamapi.Config{Service: svc, Verifier: &sigv4.Verifier{Region: region, Source: staticSource{}},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	signer := v4.NewSigner()
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "http://iam.local/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		sum := sha256.Sum256([]byte(body))
		if err := signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey},
			req, hex.EncodeToString(sum[:]), "iam", region, time.Now()); err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 || !strings.HasPrefix(rec.Body.String(), "<") {
			t.Fatalf("%d %s", rec.Code, rec.Body.String())
		}
	})
}
