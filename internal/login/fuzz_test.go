package login

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/idpool/idpool/internal/identity"
)

// FuzzParseJWT: the JWT shape parser never panics and refuses with a
// Cognito error.
func FuzzParseJWT(f *testing.F) {
	for _, s := range []string{
		"", ".", "..", "a.b.c", "eyJhbGciOiJub25lIn0.e30.",
		"eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.eyJleHAiOjF9.c2ln",
		"eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOlsxLDJdfQ.c2ln",
		"eyJhbGciOiJSUzI1NiJ9.eyJleHAiOiIxIn0.c2ln",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := parseJWT(s); err != nil && !isRefusal(err) {
			t.Fatalf("non-Cognito error %v", err)
		}
	})
}

// FuzzSAMLResponse: arbitrary bytes as a SAMLResponse never panic and are
// never accepted.
func FuzzSAMLResponse(f *testing.F) {
	e := newSAMLEnv(f, nil)
	f.Add([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`))
	f.Add([]byte(`<Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion"><Subject><SubjectConfirmation><SubjectConfirmationData Recipient="https://signin.aws.amazon.com/saml"/></SubjectConfirmation></Subject></Assertion>`))
	f.Add([]byte("\x00\x01"))
	pool := &identity.Pool{ID: "p", SAMLProviderARNs: []string{samlARN}}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := e.reg.VerifyLogin(context.Background(), pool, samlARN, base64.StdEncoding.EncodeToString(b))
		if err == nil {
			t.Fatal("accepted")
		}
	})
}
