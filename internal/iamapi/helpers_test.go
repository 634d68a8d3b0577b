package iamapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
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

const (
	accountID = "123456789012"
	accessKey = "AKIAIDPOOLTEST000001"
	secretKey = "c2VjcmV0LWtleS1mb3ItdGhlLWlhbS1zdXJmYWNlLXRlc3Q"
	region    = "us-east-1"
)

// staticSource knows one key pair.
type staticSource struct{}

func (staticSource) LookupCredentials(_ context.Context, akid, token string) (sigv4.Credentials, error) {
	if akid != accessKey || token != "" {
		return sigv4.Credentials{}, sigv4.ErrUnknownAccessKey
	}
	return sigv4.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey}, nil
}

type harness struct {
	srv *httptest.Server
	svc *iam.Service
}

// newHarness serves the IAM surface on httptest with an in-memory store
// and a verifier that knows the test key pair.
func newHarness(t testing.TB, authorize func(sigv4.Credentials, string) error) *harness {
	t.Helper()
	svc, err := iam.New(iam.Config{Store: iamtest.NewMemStore(), Account: accountID})
	if err != nil {
		t.Fatal(err)
	}
	h, err := iamapi.New(iamapi.Config{
		Service:   svc,
		Verifier:  &sigv4.Verifier{Region: region, Source: staticSource{}},
		Authorize: authorize,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &harness{srv: srv, svc: svc}
}

// post sends a form POST, signed for service (none when service is "").
func (h *harness) post(t testing.TB, form url.Values, service string) (*http.Response, []byte) {
	t.Helper()
	body := form.Encode()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if service != "" {
		sum := sha256.Sum256([]byte(body))
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey},
			req, hex.EncodeToString(sum[:]), service, region, time.Now())
		if err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

type errorResponse struct {
	XMLName xml.Name `xml:"https://iam.amazonaws.com/doc/2010-05-08/ ErrorResponse"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// wantError checks an <ErrorResponse>.
func wantError(t testing.TB, resp *http.Response, body []byte, status int, code, msg string) {
	t.Helper()
	var e errorResponse
	if err := xml.Unmarshal(body, &e); err != nil {
		t.Fatalf("not an ErrorResponse (%v): %s", err, body)
	}
	if resp.StatusCode != status || e.Error.Code != code || (msg != "" && e.Error.Message != msg) || e.Error.Type != "Sender" {
		t.Fatalf("got %d %s %s: %s\nwant %d %s: %s", resp.StatusCode, e.Error.Type, e.Error.Code, e.Error.Message, status, code, msg)
	}
	if e.RequestID == "" || e.RequestID != resp.Header.Get("x-amzn-RequestId") {
		t.Fatalf("request IDs: body %q header %q", e.RequestID, resp.Header.Get("x-amzn-RequestId"))
	}
}

func form(kv ...string) url.Values {
	v := url.Values{"Version": {iamapi.APIVersion}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}
