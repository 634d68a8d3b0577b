package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/idpool/idpool/internal/sigv4/credential"
)

// DefaultMaxSkew is the clock skew AWS tolerates between the request date and
// its own clock.
const DefaultMaxSkew = 15 * time.Minute

// Credentials are the caller's credentials as the CredentialSource knows
// them: AccessKeyID, SecretAccessKey, SessionToken and Subject, opaque caller
// information the source attaches (for example the assumed-role session),
// which Verify returns untouched. It is credential.Credentials.
type Credentials = credential.Credentials

// CredentialSource finds the secret of an access key: LookupCredentials(ctx,
// accessKeyID, sessionToken) returns the Credentials, ErrUnknownAccessKey if
// the key (or key and token pair) is not valid, ErrExpiredToken if the
// session expired, or another error for infrastructure failures. It is
// credential.Source, which domain packages implement without importing
// net/http.
type CredentialSource = credential.Source

// Verifier verifies SigV4 signatures for one region. Set the fields before
// the first Verify and do not change or copy the Verifier afterwards; Verify
// is safe for concurrent use.
type Verifier struct {
	// Region is the one region served. Credential scopes must name it. An
	// empty Region accepts any region.
	Region string
	// Source looks up the secret of each access key.
	Source CredentialSource
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSkew is the tolerated difference between the request date and
	// Now, either way; 0 means DefaultMaxSkew (15 minutes).
	MaxSkew time.Duration
	// AcceptAnySignature is an emulator switch: any well-formed signature
	// is accepted, without skew, scope or signature checks, and unknown
	// access keys are accepted too. Off by default.
	AcceptAnySignature bool
	// TrustForwardedHost takes the signed host from the first
	// X-Forwarded-Host header instead of r.Host. Enable it only behind a
	// proxy that sets that header.
	TrustForwardedHost bool

	keys keyCache
}

// queryServices are the Query-protocol services whose error wording differs
// from the JSON services'.
func isQueryService(service string) bool { return service == "sts" || service == "iam" }

// Verify checks the SigV4 signature of r for service (the signing name, e.g.
// "cognito-identity", "sts", "iam", "cloudcontrolapi"). body is the request
// body, already read by the caller; Verify does not touch r.Body.
//
// On success it returns the caller's Credentials from the source. On an
// authentication failure it returns an *Error; on a failure of the source
// other than ErrUnknownAccessKey/ErrExpiredToken it returns that error
// wrapped. The checks and their order are in the package documentation.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte, service string) (Credentials, error) {
	queryService := isQueryService(service)
	a, perr := parseRequest(r, queryService)
	if perr != nil {
		return Credentials{}, perr
	}

	if !v.AcceptAnySignature {
		if !hasSignedHeader(a.signedHeaders, "host") {
			return Credentials{}, newError(InvalidSignature, msgHostNotSigned)
		}
		if a.dateHeader != "" && !hasSignedHeader(a.signedHeaders, a.dateHeader) {
			if a.dateHeader == "date" {
				return Credentials{}, newError(InvalidSignature, msgDate2NotSigned)
			}
			return Credentials{}, newError(InvalidSignature, msgDateNotSigned)
		}
		if a.tokenInHeader && !hasSignedHeader(a.signedHeaders, "x-amz-security-token") {
			return Credentials{}, newError(InvalidSignature, msgTokenNotSigned)
		}
	}

	date, ok := parseDate(a.rawDate, a.dateHeader == "date")
	if !ok {
		return Credentials{}, newError(IncompleteSignature, sprintf(fmtBadDate, a.rawDate))
	}

	if !v.AcceptAnySignature {
		if err := v.checkSkew(date); err != nil {
			return Credentials{}, err
		}
	}

	parts := strings.Split(a.credential, "/")
	if len(parts) != 5 {
		return Credentials{}, newError(IncompleteSignature, sprintf(fmtCredentialParts, a.credential))
	}
	akid, day, region, scopeService, term := parts[0], parts[1], parts[2], parts[3], parts[4]

	if !v.AcceptAnySignature {
		if err := v.checkScope(date, day, region, scopeService, term, service); err != nil {
			return Credentials{}, err
		}
	}

	creds, err := v.Source.LookupCredentials(ctx, akid, a.token)
	switch {
	case err == nil:
	case v.AcceptAnySignature && (errors.Is(err, ErrUnknownAccessKey) || errors.Is(err, ErrExpiredToken)):
		return Credentials{AccessKeyID: akid, SessionToken: a.token}, nil
	case errors.Is(err, ErrExpiredToken): // before ErrUnknownAccessKey: a source may wrap both
		return Credentials{}, newError(ExpiredToken, msgExpiredToken)
	case errors.Is(err, ErrUnknownAccessKey):
		return Credentials{}, newError(UnrecognizedClient, msgInvalidToken)
	default:
		return Credentials{}, fmt.Errorf("sigv4: looking up access key %s: %w", akid, err)
	}
	if v.AcceptAnySignature {
		return creds, nil
	}

	sum := sha256.Sum256(body)
	var payloadHash [64]byte
	hex.Encode(payloadHash[:], sum[:])
	if sent := r.Header.Get(hdrContentSHA256); sent != "" && !strings.EqualFold(sent, string(payloadHash[:])) {
		return Credentials{}, newError(InvalidSignature, msgSignatureMismatch)
	}

	host := requestHost(r, v.TrustForwardedHost)
	canonical := canonicalRequest(r, &a, host, string(payloadHash[:]))
	sts := stringToSign(date, a.credential[len(akid)+1:], canonical)
	key := v.keys.get(akid, creds.SecretAccessKey, day, region, scopeService)
	want := hex.AppendEncode(make([]byte, 0, 64), hmacSHA256(key, sts))
	if !hmac.Equal(want, []byte(a.signature)) {
		return Credentials{}, newError(InvalidSignature, msgSignatureMismatch)
	}
	if creds.AccessKeyID == "" {
		creds.AccessKeyID = akid
	}
	return creds, nil
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) maxSkew() time.Duration {
	if v.MaxSkew > 0 {
		return v.MaxSkew
	}
	return DefaultMaxSkew
}

// checkSkew rejects a date more than MaxSkew before or after now. The
// boundaries themselves are accepted. now is truncated to the second, the
// precision of the messages.
func (v *Verifier) checkSkew(date time.Time) *Error {
	now := v.now().UTC().Truncate(time.Second)
	skew := v.maxSkew()
	if lo := now.Add(-skew); date.Before(lo) {
		return newError(SignatureExpired, sprintf(fmtSignatureExpired,
			date.Format(amzDateFmt), lo.Format(amzDateFmt), now.Format(amzDateFmt), formatSkew(skew)))
	}
	if hi := now.Add(skew); date.After(hi) {
		return newError(SignatureExpired, sprintf(fmtSignatureNotCurrent,
			date.Format(amzDateFmt), hi.Format(amzDateFmt), now.Format(amzDateFmt), formatSkew(skew)))
	}
	return nil
}

// checkScope compares the credential scope with what this server serves and
// reports every mismatch in one message, region first, as AWS does.
func (v *Verifier) checkScope(date time.Time, day, region, scopeService, term, service string) *Error {
	var b strings.Builder
	if v.Region != "" && region != v.Region {
		if service == "sts" {
			b.WriteString(msgScopeRegionSTS)
		} else {
			fmt.Fprintf(&b, fmtScopeRegion, region)
		}
	}
	if scopeService != service {
		fmt.Fprintf(&b, fmtScopeService, service)
	}
	if term != terminator {
		fmt.Fprintf(&b, fmtScopeTerminator, term)
	}
	if want := date.Format(scopeDayFmt); day != want {
		fmt.Fprintf(&b, fmtScopeDate, day, want, date.Format(amzDateFmt))
	}
	if b.Len() == 0 {
		return nil
	}
	return newError(InvalidScope, b.String())
}
