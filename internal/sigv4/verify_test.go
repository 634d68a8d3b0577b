package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	testRegion = "us-east-1"
	testAKID   = "AKIDEXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	sessAKID   = "ASIAEXAMPLESESSION01"
	sessSecret = "sessionsecretsessionsecretsessionsecret0"
	sessToken  = "FwoGZXIvYXdzEXAMPLETOKEN//////////+with/slashes=="
	expAKID    = "ASIAEXPIREDSESSION01"
	brokenAKID = "AKIABROKENSTORE00001"

	cognitoService = "cognito-identity"
	jsonBody       = `{"MaxResults":10}`
	stsBody        = "Action=GetCallerIdentity&Version=2011-06-15"
)

// t0 is the server clock in most tests: midday, far from a day boundary.
var t0 = time.Date(2023, 1, 1, 12, 0, 0, 0, time.UTC)

type fakeKey struct {
	secret, token string
	expired       bool
}

type fakeSource map[string]fakeKey

var errStoreDown = errors.New("store down")

func (s fakeSource) LookupCredentials(_ context.Context, akid, token string) (Credentials, error) {
	if akid == brokenAKID {
		return Credentials{}, errStoreDown
	}
	k, ok := s[akid]
	if !ok || k.token != token {
		return Credentials{}, fmt.Errorf("lookup %s: %w", akid, ErrUnknownAccessKey)
	}
	if k.expired {
		// Wrapping both sentinels must still read as expired.
		return Credentials{}, fmt.Errorf("lookup %s: %w (%w)", akid, ErrExpiredToken, ErrUnknownAccessKey)
	}
	return Credentials{AccessKeyID: akid, SecretAccessKey: k.secret, SessionToken: token, Subject: "subject:" + akid}, nil
}

var source = fakeSource{
	testAKID: {secret: testSecret},
	sessAKID: {secret: sessSecret, token: sessToken},
	expAKID:  {secret: sessSecret, token: sessToken, expired: true},
}

func newVerifier(now time.Time) *Verifier {
	return &Verifier{Region: testRegion, Source: source, Now: func() time.Time { return now }}
}

var (
	longTermCreds = aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	sessionCreds  = aws.Credentials{AccessKeyID: sessAKID, SecretAccessKey: sessSecret, SessionToken: sessToken}
)

// harness is an in-process server: requests go over a real connection so the
// verifier sees what net/http gives a handler (Host, ContentLength, header
// canonicalisation, escaped paths).
type harness struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	v       *Verifier
	service string
	creds   Credentials
	err     error
}

func newHarness(t *testing.T, v *Verifier, service string) *harness {
	t.Helper()
	h := &harness{t: t, v: v, service: service}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading body: %v", err)
		}
		h.mu.Lock()
		h.creds, h.err = h.v.Verify(r.Context(), r, body, h.service)
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *harness) newRequest(method, pathAndQuery string, body []byte) *http.Request {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, h.srv.URL+pathAndQuery, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	return req
}

func (h *harness) send(req *http.Request) (Credentials, error) {
	h.t.Helper()
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.creds, h.err
}

func hashHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// sign signs req with the SDK signer (the oracle). omitContentLength mimics
// botocore, which does not sign content-length: the oracle signs it whenever
// ContentLength > 0, so it is hidden during signing and restored afterwards.
func sign(t testing.TB, req *http.Request, body []byte, creds aws.Credentials, service, region string, at time.Time, omitContentLength bool) {
	t.Helper()
	if omitContentLength {
		req.ContentLength = 0
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hashHex(body), service, region, at); err != nil {
		t.Fatal(err)
	}
	if omitContentLength {
		req.ContentLength = int64(len(body))
	}
}

func signedHeadersOf(req *http.Request) string {
	auth := req.Header.Get("Authorization")
	_, rest, _ := strings.Cut(auth, "SignedHeaders=")
	sh, _, _ := strings.Cut(rest, ",")
	return sh
}

// setBody replaces the body the client sends (after signing).
func setBody(req *http.Request, body []byte) {
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	req.ContentLength = int64(len(body))
}

// Client shapes from reference/libraries.md §5.
type shape struct {
	name          string
	omitLength    bool
	headers       map[string]string
	signedJSON    string // expected SignedHeaders for cognito-identity, without token
	signedJSONTok string
	signedSTS     string
	signedSTSTok  string
}

var shapes = []shape{
	{
		name:       "botocore",
		omitLength: true,
		signedJSON: "content-type;host;x-amz-date;x-amz-target",
		// botocore signs the token as well when it has one.
		signedJSONTok: "content-type;host;x-amz-date;x-amz-security-token;x-amz-target",
		signedSTS:     "content-type;host;x-amz-date",
		signedSTSTok:  "content-type;host;x-amz-date;x-amz-security-token",
	},
	{
		name: "go-sdk",
		headers: map[string]string{
			"Amz-Sdk-Invocation-Id": "3b9cb1b5-3e0b-4d4a-8f3e-6c2b5b6f9a01",
			"Amz-Sdk-Request":       "attempt=1;  max=3",
		},
		signedJSON:    "amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target",
		signedJSONTok: "amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-security-token;x-amz-target",
		signedSTS:     "amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date",
		signedSTSTok:  "amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-security-token",
	},
	{
		name: "js-sdk",
		headers: map[string]string{
			"Amz-Sdk-Invocation-Id": "0c8f3d4e-1111-4222-8333-944455556666",
			"Amz-Sdk-Request":       "attempt=1; max=3",
			"X-Amz-User-Agent":      "aws-sdk-js/3.1164.0",
			"X-Amz-Content-Sha256":  "", // filled with the body hash
		},
		signedJSON:    "amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target;x-amz-user-agent",
		signedJSONTok: "amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-target;x-amz-user-agent",
		signedSTS:     "amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-user-agent",
		signedSTSTok:  "amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-user-agent",
	},
}

func (s shape) apply(req *http.Request, body []byte) {
	for k, v := range s.headers {
		if k == "X-Amz-Content-Sha256" {
			v = hashHex(body)
		}
		req.Header.Set(k, v)
	}
}

// jsonRequest builds and signs a cognito-identity JSON 1.1 POST.
func jsonRequest(t *testing.T, h *harness, s shape, creds aws.Credentials, at time.Time) *http.Request {
	t.Helper()
	body := []byte(jsonBody)
	req := h.newRequest("POST", "/", body)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityService.ListIdentityPools")
	s.apply(req, body)
	sign(t, req, body, creds, cognitoService, testRegion, at, s.omitLength)
	return req
}

// stsRequest builds and signs an STS form POST.
func stsRequest(t *testing.T, h *harness, s shape, creds aws.Credentials, at time.Time) *http.Request {
	t.Helper()
	body := []byte(stsBody)
	req := h.newRequest("POST", "/", body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	s.apply(req, body)
	sign(t, req, body, creds, "sts", testRegion, at, s.omitLength)
	return req
}

func TestClientShapesVerify(t *testing.T) {
	for _, s := range shapes {
		for _, withToken := range []bool{false, true} {
			creds, wantAKID := longTermCreds, testAKID
			if withToken {
				creds, wantAKID = sessionCreds, sessAKID
			}
			name := fmt.Sprintf("%s/token=%v", s.name, withToken)
			t.Run("json/"+name, func(t *testing.T) {
				h := newHarness(t, newVerifier(t0), cognitoService)
				req := jsonRequest(t, h, s, creds, t0)
				want := s.signedJSON
				if withToken {
					want = s.signedJSONTok
				}
				if got := signedHeadersOf(req); got != want {
					t.Fatalf("client shape signs %q, want %q", got, want)
				}
				got, err := h.send(req)
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if got.AccessKeyID != wantAKID || got.Subject != "subject:"+wantAKID {
					t.Fatalf("Verify returned %+v", got)
				}
			})
			t.Run("sts/"+name, func(t *testing.T) {
				h := newHarness(t, newVerifier(t0), "sts")
				req := stsRequest(t, h, s, creds, t0)
				want := s.signedSTS
				if withToken {
					want = s.signedSTSTok
				}
				if got := signedHeadersOf(req); got != want {
					t.Fatalf("client shape signs %q, want %q", got, want)
				}
				got, err := h.send(req)
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if got.AccessKeyID != wantAKID || got.SessionToken != creds.SessionToken {
					t.Fatalf("Verify returned %+v", got)
				}
			})
		}
	}
}

// presign builds an STS GetCallerIdentity presigned URL the way
// aws-iam-authenticator and Vault do (GET, query auth, extra signed header).
func presign(t *testing.T, h *harness, creds aws.Credentials, at time.Time) (*http.Request, string) {
	t.Helper()
	req := h.newRequest("GET", "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60", nil)
	req.Header.Set("X-K8s-Aws-Id", "my-cluster")
	u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, hashHex(nil), "sts", testRegion, at)
	if err != nil {
		t.Fatal(err)
	}
	out := h.newRequest("GET", u[len(h.srv.URL):], nil)
	for k, vs := range hdr {
		if !strings.EqualFold(k, "host") {
			out.Header[k] = vs
		}
	}
	return out, u
}

func TestPresigned(t *testing.T) {
	for _, creds := range []aws.Credentials{longTermCreds, sessionCreds} {
		t.Run(creds.AccessKeyID, func(t *testing.T) {
			h := newHarness(t, newVerifier(t0), "sts")
			req, u := presign(t, h, creds, t0)
			if !strings.Contains(u, "X-Amz-Signature=") || !strings.Contains(u, "x-k8s-aws-id") {
				t.Fatalf("unexpected presigned URL %s", u)
			}
			if !HasAuth(req) {
				t.Fatal("HasAuth = false for a presigned URL")
			}
			got, err := h.send(req)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got.AccessKeyID != creds.AccessKeyID || got.SessionToken != creds.SessionToken {
				t.Fatalf("Verify returned %+v", got)
			}

			// X-Amz-Expires=60 is ignored: 14 minutes later it still verifies.
			h.v = newVerifier(t0.Add(14 * time.Minute))
			if _, err := h.send(req); err != nil {
				t.Fatalf("Verify 14 min later: %v", err)
			}
			// Tampering with a signed query parameter breaks it.
			bad := h.newRequest("GET", strings.Replace(u[len(h.srv.URL):], "GetCallerIdentity", "GetSessionToken", 1), nil)
			bad.Header.Set("X-K8s-Aws-Id", "my-cluster")
			wantErr(t, h, bad, InvalidSignature, msgSignatureMismatch)
			// So does changing the signed extra header.
			req.Header.Set("X-K8s-Aws-Id", "other-cluster")
			wantErr(t, h, req, InvalidSignature, msgSignatureMismatch)
		})
	}
}

func wantErr(t *testing.T, h *harness, req *http.Request, kind ErrorKind, msg string) {
	t.Helper()
	_, err := h.send(req)
	checkErr(t, err, kind, msg)
}

func checkErr(t *testing.T, err error, kind ErrorKind, msg string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v, want *Error %v", err, kind)
	}
	if e.Kind != kind || e.Message != msg {
		t.Fatalf("got %v %q\nwant %v %q", e.Kind, e.Message, kind, msg)
	}
}

func TestTamper(t *testing.T) {
	goSDK := shapes[1]
	js := shapes[2]
	cases := []struct {
		name    string
		shape   shape
		creds   aws.Credentials
		service string // signing service; default cognito-identity
		region  string // signing region; default testRegion
		tamper  func(req *http.Request)
		kind    ErrorKind
		msg     string
	}{
		{name: "body", shape: goSDK, tamper: func(r *http.Request) { setBody(r, []byte(`{"MaxResults":60}`)) },
			kind: InvalidSignature, msg: msgSignatureMismatch},
		{name: "body with x-amz-content-sha256", shape: js, tamper: func(r *http.Request) { setBody(r, []byte(`{"MaxResults":60}`)) },
			kind: InvalidSignature, msg: msgSignatureMismatch},
		{name: "x-amz-content-sha256 header", shape: js, tamper: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", hashHex([]byte("x"))) },
			kind: InvalidSignature, msg: msgSignatureMismatch},
		{name: "signed header", shape: goSDK, tamper: func(r *http.Request) {
			r.Header.Set("X-Amz-Target", "AWSCognitoIdentityService.DeleteIdentityPool")
		}, kind: InvalidSignature, msg: msgSignatureMismatch},
		{name: "signed header removed", shape: goSDK, tamper: func(r *http.Request) { r.Header.Del("Amz-Sdk-Request") },
			kind: InvalidSignature, msg: msgSignatureMismatch},
		{name: "path", shape: goSDK, tamper: func(r *http.Request) { r.URL.Path = "/other" },
			kind: InvalidSignature, msg: msgSignatureMismatch},
		{name: "query", shape: goSDK, tamper: func(r *http.Request) { r.URL.RawQuery = "a=b" },
			kind: InvalidSignature, msg: msgSignatureMismatch},
		{name: "method", shape: goSDK, tamper: func(r *http.Request) { r.Method = "PUT" },
			kind: InvalidSignature, msg: msgSignatureMismatch},
		{name: "date within skew", shape: goSDK, tamper: func(r *http.Request) {
			r.Header.Set("X-Amz-Date", t0.Add(time.Second).Format(amzDateFmt))
		}, kind: InvalidSignature, msg: msgSignatureMismatch},
		{name: "date unparseable", shape: goSDK, tamper: func(r *http.Request) { r.Header.Set("X-Amz-Date", "2023-01-01T12:00:00Z") },
			kind: IncompleteSignature, msg: "Date must be in ISO-8601 'basic format'. Got '2023-01-01T12:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "region", shape: goSDK, region: "us-west-2",
			kind: InvalidScope, msg: "Credential should be scoped to a valid region, not 'us-west-2'. "},
		{name: "service", shape: goSDK, service: "sts",
			kind: InvalidScope, msg: "Credential should be scoped to correct service: 'cognito-identity'. "},
		{name: "region and service", shape: goSDK, service: "sts", region: "eu-west-1",
			kind: InvalidScope, msg: "Credential should be scoped to a valid region, not 'eu-west-1'. Credential should be scoped to correct service: 'cognito-identity'. "},
		{name: "secret", shape: goSDK, creds: aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: "wrong"},
			kind: InvalidSignature, msg: msgSignatureMismatch},
		{name: "unknown key", shape: goSDK, creds: aws.Credentials{AccessKeyID: "AKIAUNKNOWN000000000", SecretAccessKey: testSecret},
			kind: UnrecognizedClient, msg: "The security token included in the request is invalid."},
		{name: "token of another key", shape: goSDK, creds: aws.Credentials{AccessKeyID: sessAKID, SecretAccessKey: sessSecret, SessionToken: "forged"},
			kind: UnrecognizedClient, msg: "The security token included in the request is invalid."},
		{name: "token stripped", shape: goSDK, creds: sessionCreds, tamper: func(r *http.Request) { r.Header.Del("X-Amz-Security-Token") },
			kind: UnrecognizedClient, msg: "The security token included in the request is invalid."},
		{name: "token replaced", shape: goSDK, creds: sessionCreds, tamper: func(r *http.Request) { r.Header.Set("X-Amz-Security-Token", "other") },
			kind: UnrecognizedClient, msg: "The security token included in the request is invalid."},
		{name: "token added unsigned", shape: goSDK, creds: longTermCreds, tamper: func(r *http.Request) { r.Header.Set("X-Amz-Security-Token", sessToken) },
			kind: InvalidSignature, msg: "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "expired token", shape: goSDK, creds: aws.Credentials{AccessKeyID: expAKID, SecretAccessKey: sessSecret, SessionToken: sessToken},
			kind: ExpiredToken, msg: "The security token included in the request is expired"},
		{name: "signature truncated", shape: goSDK, tamper: func(r *http.Request) {
			r.Header.Set("Authorization", r.Header.Get("Authorization")[:len(r.Header.Get("Authorization"))-1])
		}, kind: InvalidSignature, msg: msgSignatureMismatch},
		{name: "signature upper case", shape: goSDK, tamper: func(r *http.Request) {
			a := r.Header.Get("Authorization")
			i := strings.Index(a, "Signature=") + len("Signature=")
			r.Header.Set("Authorization", a[:i]+strings.ToUpper(a[i:]))
		}, kind: InvalidSignature, msg: msgSignatureMismatch},
		{name: "host not signed", shape: goSDK, tamper: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), ";host;", ";", 1))
		}, kind: InvalidSignature, msg: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "date not signed", shape: goSDK, tamper: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), ";x-amz-date;", ";", 1))
		}, kind: InvalidSignature, msg: "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "host", shape: goSDK, tamper: func(r *http.Request) { r.Host = "example.com" },
			kind: InvalidSignature, msg: msgSignatureMismatch},
		{name: "broken store", shape: goSDK, creds: aws.Credentials{AccessKeyID: brokenAKID, SecretAccessKey: "x"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			creds := tc.creds
			if creds.AccessKeyID == "" {
				creds = longTermCreds
			}
			service, region := cognitoService, testRegion
			if tc.service != "" {
				service = tc.service
			}
			if tc.region != "" {
				region = tc.region
			}
			h := newHarness(t, newVerifier(t0), cognitoService)
			body := []byte(jsonBody)
			req := h.newRequest("POST", "/", body)
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			req.Header.Set("X-Amz-Target", "AWSCognitoIdentityService.ListIdentityPools")
			tc.shape.apply(req, body)
			sign(t, req, body, creds, service, region, t0, tc.shape.omitLength)
			if tc.tamper != nil {
				tc.tamper(req)
			}
			_, err := h.send(req)
			if tc.kind == 0 {
				var e *Error
				if errors.As(err, &e) || !errors.Is(err, errStoreDown) {
					t.Fatalf("store failure: got %v, want a wrapped store error", err)
				}
				return
			}
			checkErr(t, err, tc.kind, tc.msg)
		})
	}
}

func TestSkewBoundaries(t *testing.T) {
	// The server clock is t0; the client signs at t0+offset.
	cases := []struct {
		offset time.Duration
		msg    string
	}{
		{-15 * time.Minute, ""},
		{-15*time.Minute - time.Second, "Signature expired: 20230101T114459Z is now earlier than 20230101T114500Z (20230101T120000Z - 15 min.)"},
		{15 * time.Minute, ""},
		{15*time.Minute + time.Second, "Signature not yet current: 20230101T121501Z is still later than 20230101T121500Z (20230101T120000Z + 15 min.)"},
		{-24 * time.Hour, "Signature expired: 20221231T120000Z is now earlier than 20230101T114500Z (20230101T120000Z - 15 min.)"},
	}
	for _, tc := range cases {
		t.Run(tc.offset.String(), func(t *testing.T) {
			// A sub-second server clock must not change the outcome.
			h := newHarness(t, newVerifier(t0.Add(400*time.Millisecond)), cognitoService)
			req := jsonRequest(t, h, shapes[0], longTermCreds, t0.Add(tc.offset))
			_, err := h.send(req)
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			checkErr(t, err, SignatureExpired, tc.msg)
			var e *Error
			errors.As(err, &e)
			if e.JSONType() != "InvalidSignatureException" || e.QueryCode() != "SignatureDoesNotMatch" {
				t.Fatalf("skew maps to %s / %s", e.JSONType(), e.QueryCode())
			}
		})
	}
	t.Run("custom skew", func(t *testing.T) {
		v := newVerifier(t0)
		v.MaxSkew = 5 * time.Minute
		h := newHarness(t, v, cognitoService)
		req := jsonRequest(t, h, shapes[0], longTermCreds, t0.Add(-6*time.Minute))
		wantErr(t, h, req, SignatureExpired, "Signature expired: 20230101T115400Z is now earlier than 20230101T115500Z (20230101T120000Z - 5 min.)")
	})
}

func TestScopeDate(t *testing.T) {
	// Just before midnight: the client signs on day 1, then the date header is
	// moved a few seconds into day 2 (still within skew).
	now := time.Date(2023, 1, 1, 23, 59, 58, 0, time.UTC)
	h := newHarness(t, newVerifier(now), cognitoService)
	req := jsonRequest(t, h, shapes[1], longTermCreds, now)
	req.Header.Set("X-Amz-Date", "20230102T000001Z")
	wantErr(t, h, req, InvalidScope,
		"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20230101' != '20230102', from '20230102T000001Z'. ")
}

func TestSTSRegionWording(t *testing.T) {
	h := newHarness(t, newVerifier(t0), "sts")
	body := []byte(stsBody)
	req := h.newRequest("POST", "/", body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sign(t, req, body, longTermCreds, "sts", "ap-southeast-2", t0, true)
	wantErr(t, h, req, InvalidScope, "Credential should be scoped to a valid region. ")
}

func TestMissingAuth(t *testing.T) {
	for service, msg := range map[string]string{
		cognitoService:    "Missing Authentication Token",
		"cloudcontrolapi": "Missing Authentication Token",
		"sts":             "Request is missing Authentication Token",
		"iam":             "Request is missing Authentication Token",
	} {
		t.Run(service, func(t *testing.T) {
			h := newHarness(t, newVerifier(t0), service)
			req := h.newRequest("POST", "/?Action=GetCallerIdentity", []byte(jsonBody))
			if HasAuth(req) {
				t.Fatal("HasAuth = true without auth")
			}
			wantErr(t, h, req, MissingAuth, msg)
		})
	}
}

// rawRequest is a server-side request built by hand, for malformed input.
func rawRequest(auth, amzDate, rawQuery string) *http.Request {
	r := httptest.NewRequest("POST", "/", strings.NewReader(jsonBody))
	r.URL.RawQuery = rawQuery
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	if amzDate != "" {
		r.Header.Set("X-Amz-Date", amzDate)
	}
	return r
}

func TestMalformed(t *testing.T) {
	const date = "20230101T120000Z"
	const cred = "Credential=AKIDEXAMPLE/20230101/us-east-1/cognito-identity/aws4_request"
	cases := []struct {
		name, auth, date, query string
		kind                    ErrorKind
		msg                     string
	}{
		{name: "unsupported algorithm", auth: "AWS4-HMAC-SHA512 " + cred, date: date,
			kind: IncompleteSignature, msg: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'."},
		{name: "space in credential", date: date,
			auth: "AWS4-HMAC-SHA256 Credential=not valid/20230101/us-east-1/cognito-identity/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
			kind: IncompleteSignature,
			msg:  "'valid/20230101/us-east-1/cognito-identity/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential=not valid/20230101/us-east-1/cognito-identity/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc'."},
		{name: "nothing but the algorithm", auth: "AWS4-HMAC-SHA256", kind: IncompleteSignature,
			msg: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256"},
		{name: "sigv2 style", auth: "AWS AKIDEXAMPLE:c2lnbmF0dXJl", date: date, kind: IncompleteSignature,
			msg: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS AKIDEXAMPLE:c2lnbmF0dXJl"},
		{name: "credential only", auth: "AWS4-HMAC-SHA256 " + cred, date: date, kind: IncompleteSignature,
			msg: "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 " + cred},
		{name: "no date", auth: "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-date, Signature=abc", kind: IncompleteSignature,
			msg: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-date, Signature=abc"},
		{name: "credential parts", auth: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20230101/us-east-1, SignedHeaders=host;x-amz-date, Signature=abc", date: date,
			kind: IncompleteSignature, msg: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20230101/us-east-1'"},
		{name: "terminator", auth: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20230101/us-east-1/cognito-identity/aws5_request, SignedHeaders=host;x-amz-date, Signature=abc", date: date,
			kind: InvalidScope, msg: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "},
		{name: "presigned missing parts", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20230101%2Fus-east-1%2Fsts%2Faws4_request",
			kind: IncompleteSignature, msg: "AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."},
		{name: "presigned algorithm", query: "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Signature=abc",
			kind: IncompleteSignature, msg: "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'."},
		{name: "presigned bad date", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20230101%2Fus-east-1%2Fcognito-identity%2Faws4_request&X-Amz-Date=yesterday&X-Amz-SignedHeaders=host&X-Amz-Signature=abc",
			kind: IncompleteSignature, msg: "Date must be in ISO-8601 'basic format'. Got 'yesterday'. See http://en.wikipedia.org/wiki/ISO_8601"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newVerifier(t0).Verify(context.Background(), rawRequest(tc.auth, tc.date, tc.query), []byte(jsonBody), cognitoService)
			checkErr(t, err, tc.kind, tc.msg)
		})
	}
}

// TestAWSTestSuiteVanilla checks the "get-vanilla" case of the AWS SigV4 test
// suite, independently of the SDK oracle.
func TestAWSTestSuiteVanilla(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Host = "example.amazonaws.com"
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
	v := newVerifier(time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC))
	if _, err := v.Verify(context.Background(), r, nil, "service"); err != nil {
		t.Fatal(err)
	}
}

func TestCanonicalEdgeCases(t *testing.T) {
	h := newHarness(t, newVerifier(t0), cognitoService)
	body := []byte(jsonBody)
	// Escaped path, repeated and space-padded header values, a query needing
	// encoding (sorted after encoding: a/b vs a-b), '+' meaning space.
	req := h.newRequest("POST", "/a%2Fb/c%20d?z=1&a=x%2Fy&a=x-y&sp=a+b&tilde=~&empty=", body)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Add("X-Custom", "  one   two  ")
	req.Header.Add("X-Custom", "three")
	sign(t, req, body, longTermCreds, cognitoService, testRegion, t0, false)
	if _, err := h.send(req); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestDateHeaderInsteadOfXAmzDate(t *testing.T) {
	// Hand-sign a request that carries its date in the Date header.
	r := httptest.NewRequest("POST", "/", strings.NewReader(jsonBody))
	r.Host = "cognito-identity.us-east-1.amazonaws.com"
	r.Header.Set("Date", t0.Format(http.TimeFormat))
	a := authInfo{signedHeaders: "date;host", credential: testAKID + "/20230101/us-east-1/cognito-identity/aws4_request"}
	canon := canonicalRequest(r, &a, r.Host, hashHex([]byte(jsonBody)))
	sig := hex.EncodeToString(hmacSHA256(deriveSigningKey(testSecret, "20230101", testRegion, cognitoService),
		stringToSign(t0, "20230101/us-east-1/cognito-identity/aws4_request", canon)))
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+a.credential+", SignedHeaders=date;host, Signature="+sig)
	if _, err := newVerifier(t0).Verify(context.Background(), r, []byte(jsonBody), cognitoService); err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+a.credential+", SignedHeaders=host, Signature="+sig)
	_, err := newVerifier(t0).Verify(context.Background(), r, []byte(jsonBody), cognitoService)
	checkErr(t, err, InvalidSignature, "'Date' must be a 'SignedHeader' in the AWS Authorization.")
}

func TestForwardedHost(t *testing.T) {
	h := newHarness(t, newVerifier(t0), cognitoService)
	body := []byte(jsonBody)
	req := h.newRequest("POST", "/", body)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Host = "cognito-identity.example.com"
	sign(t, req, body, longTermCreds, cognitoService, testRegion, t0, false)
	// The proxy forwards to us under our own address.
	req.Host = ""
	req.Header.Set("X-Forwarded-Host", "cognito-identity.example.com, inner.proxy")
	wantErr(t, h, req, InvalidSignature, msgSignatureMismatch)

	h.v = newVerifier(t0)
	h.v.TrustForwardedHost = true
	if _, err := h.send(req); err != nil {
		t.Fatalf("Verify with TrustForwardedHost: %v", err)
	}
}

func TestDefaultPortStripped(t *testing.T) {
	for _, host := range []string{"cognito-identity.example.com:443", "cognito-identity.example.com:80", "[::1]:443"} {
		r := httptest.NewRequest("POST", "/", nil)
		r.Host = host
		if got := requestHost(r, false); strings.HasSuffix(got, "443") || strings.HasSuffix(got, "80") {
			t.Errorf("requestHost(%q) = %q", host, got)
		}
	}
	r := httptest.NewRequest("POST", "/", nil)
	r.Host = "127.0.0.1:8443"
	if got := requestHost(r, false); got != "127.0.0.1:8443" {
		t.Errorf("requestHost kept %q", got)
	}
}

func TestAcceptAnySignature(t *testing.T) {
	v := newVerifier(t0)
	v.AcceptAnySignature = true
	h := newHarness(t, v, cognitoService)

	// Wrong secret, unknown key, a day of skew, another region: all accepted.
	unknown := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	req := jsonRequest(t, h, shapes[0], unknown, t0.Add(-24*time.Hour))
	got, err := h.send(req)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.AccessKeyID != "test" || got.Subject != nil {
		t.Fatalf("got %+v", got)
	}
	// A known key still comes back with its subject.
	req = jsonRequest(t, h, shapes[1], aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: "wrong"}, t0)
	if got, err := h.send(req); err != nil || got.Subject != "subject:"+testAKID {
		t.Fatalf("got %+v, %v", got, err)
	}
	// Still no auth at all, or a malformed header: rejected.
	wantErr(t, h, h.newRequest("POST", "/", nil), MissingAuth, msgMissingAuthJSON)
	req = h.newRequest("POST", "/", nil)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
	req.Header.Set("X-Amz-Date", "20230101T120000Z")
	wantErr(t, h, req, IncompleteSignature, "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Credential=x")
}

func TestErrorMappings(t *testing.T) {
	cases := []struct {
		kind              ErrorKind
		jsonType, qcode   string
		jsonStat, qStatus int
	}{
		{MissingAuth, "MissingAuthenticationTokenException", "MissingAuthenticationToken", 400, 403},
		{IncompleteSignature, "IncompleteSignatureException", "IncompleteSignature", 400, 400},
		{InvalidSignature, "InvalidSignatureException", "SignatureDoesNotMatch", 400, 403},
		{SignatureExpired, "InvalidSignatureException", "SignatureDoesNotMatch", 400, 403},
		{InvalidScope, "InvalidSignatureException", "SignatureDoesNotMatch", 400, 403},
		{UnrecognizedClient, "UnrecognizedClientException", "InvalidClientTokenId", 400, 403},
		{ExpiredToken, "ExpiredTokenException", "ExpiredToken", 400, 403},
	}
	for _, tc := range cases {
		e := &Error{Kind: tc.kind}
		if e.JSONType() != tc.jsonType || e.QueryCode() != tc.qcode || e.JSONStatus() != tc.jsonStat || e.QueryStatus() != tc.qStatus {
			t.Errorf("%v: got %s %s %d %d", tc.kind, e.JSONType(), e.QueryCode(), e.JSONStatus(), e.QueryStatus())
		}
		if tc.kind.String() == "" || strings.HasPrefix(tc.kind.String(), "ErrorKind(") {
			t.Errorf("%d has no name", tc.kind)
		}
	}
}

func TestKeyCacheSecretChange(t *testing.T) {
	var c keyCache
	a := c.get("AK", "s1", "20230101", "us-east-1", "sts")
	b := c.get("AK", "s2", "20230101", "us-east-1", "sts")
	if bytes.Equal(a, b) {
		t.Fatal("cache served a key derived from the old secret")
	}
	if !bytes.Equal(b, c.get("AK", "s2", "20230101", "us-east-1", "sts")) {
		t.Fatal("cache miss changed the key")
	}
	for i := range keyCacheLimit + 10 {
		c.get(fmt.Sprint("AK", i), "s", "20230101", "us-east-1", "sts")
	}
	if n := c.n.Load(); n > keyCacheLimit {
		t.Fatalf("cache grew to %d entries", n)
	}
}
