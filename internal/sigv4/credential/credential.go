// Package credential is the contract between the SigV4 verifier and whatever
// knows access keys: the Credentials a lookup returns, the Source interface
// and the two sentinel errors a source reports.
//
// It imports only context and errors, so that domain packages (such as
// internal/sts) can implement a Source without depending on net/http or on
// the verifier. Package sigv4 re-exports every name here under its own
// (sigv4.Credentials, sigv4.CredentialSource, sigv4.ErrUnknownAccessKey,
// sigv4.ErrExpiredToken); the types are identical, not copies.
package credential

import (
	"context"
	"errors"
)

// Credentials are the caller's credentials as the Source knows them.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// Subject is opaque caller information the source attaches (for
	// example the assumed-role session). The verifier returns it untouched.
	Subject any
}

// Source finds the secret of an access key.
type Source interface {
	// LookupCredentials returns the credentials for an access key.
	// sessionToken is the X-Amz-Security-Token the request carried ("" if
	// none). It returns ErrUnknownAccessKey if the key (or key and token
	// pair) is not valid, ErrExpiredToken if the session has expired, and
	// any other error for infrastructure failures.
	LookupCredentials(ctx context.Context, accessKeyID, sessionToken string) (Credentials, error)
}

// ErrUnknownAccessKey is what a Source returns (possibly wrapped) when it does
// not know the access key, or when the key and the session token do not
// belong together. The verifier reports it as UnrecognizedClient ("The
// security token included in the request is invalid.").
var ErrUnknownAccessKey = errors.New("sigv4: unknown access key or security token")

// ErrExpiredToken is what a Source returns (possibly wrapped) when the access
// key and session token are genuine but the session has expired. The
// verifier reports it as ExpiredToken ("The security token included in the
// request is expired"). It takes precedence when an error wraps both
// sentinels, so a source may wrap both and callers that only test for
// ErrUnknownAccessKey still treat the token as unusable.
var ErrExpiredToken = errors.New("sigv4: security token expired")
