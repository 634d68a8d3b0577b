package sigv4

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary Authorization headers, dates and query strings
// to the parser and the verifier: they must never panic, and every failure
// must be an *Error with a known kind and a non-empty message.
func FuzzVerify(f *testing.F) {
	seeds := []struct{ auth, date, query string }{
		{"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20230101/us-east-1/cognito-identity/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc", "20230101T120000Z", ""},
		{"AWS4-HMAC-SHA256 Credential=a/b/c/d/e,SignedHeaders=,Signature=", "", "a=b&c"},
		{"AWS4-HMAC-SHA256 ,,, = ==", "20230101T120000Z", "%zz=%"},
		{"AWS4-X", "x", ""},
		{"Bearer token", "", ""},
		{"", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20230101%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20230101T120000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00"},
		{"", "", "X-Amz-Signature=&X-Amz-Credential=////"},
		{"AWS4-HMAC-SHA256 Credential=" + testAKID + "/20230101/us-east-1/cognito-identity/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=00", "20230101T120000Z", ""},
	}
	for _, s := range seeds {
		f.Add(s.auth, s.date, s.query)
	}
	v := newVerifier(t0)
	lax := newVerifier(t0)
	lax.AcceptAnySignature = true
	f.Fuzz(func(t *testing.T, auth, date, query string) {
		r := &http.Request{
			Method: "POST",
			URL:    &url.URL{Path: "/", RawQuery: query},
			Header: http.Header{},
			Host:   "cognito-identity.us-east-1.amazonaws.com",
		}
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		if date != "" {
			r.Header.Set("X-Amz-Date", date)
		}
		if strings.Contains(auth, "token") {
			r.Header.Set("X-Amz-Security-Token", sessToken)
		}
		for _, ver := range []*Verifier{v, lax} {
			_, err := ver.Verify(context.Background(), r, []byte(auth), cognitoService)
			if err == nil {
				continue
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("non-*Error %v", err)
			}
			if e.Kind < MissingAuth || e.Kind > ExpiredToken || e.Message == "" {
				t.Fatalf("bad error %#v", e)
			}
		}
	})
}

// BenchmarkVerify measures one Verify of a Go-SDK-shaped cognito-identity
// request with a session token (the signing-key cache warm).
func BenchmarkVerify(b *testing.B) {
	body := []byte(jsonBody)
	req, err := http.NewRequest("POST", "https://cognito-identity.us-east-1.amazonaws.com/", strings.NewReader(jsonBody))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityService.ListIdentityPools")
	shapes[1].apply(req, body)
	sign(b, req, body, sessionCreds, cognitoService, testRegion, t0, false)
	req.Host = "cognito-identity.us-east-1.amazonaws.com"
	v := newVerifier(t0.Add(time.Minute))
	ctx := context.Background()
	if _, err := v.Verify(ctx, req, body, cognitoService); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, req, body, cognitoService); err != nil {
			b.Fatal(err)
		}
	}
}
