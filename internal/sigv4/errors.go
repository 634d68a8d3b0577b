package sigv4

import (
	"fmt"
	"net/http"
	"time"

	"github.com/idpool/idpool/internal/sigv4/credential"
)

// ErrUnknownAccessKey is what a CredentialSource returns (possibly wrapped)
// when it does not know the access key, or when the key and the session token
// do not belong together. Verify turns it into an *Error of kind
// UnrecognizedClient.
var ErrUnknownAccessKey = credential.ErrUnknownAccessKey

// ErrExpiredToken is what a CredentialSource returns (possibly wrapped) when
// the access key and session token are genuine but the session has expired.
// Verify turns it into an *Error of kind ExpiredToken, also when the error
// wraps ErrUnknownAccessKey too. A source that cannot tell expired from
// invalid returns ErrUnknownAccessKey.
var ErrExpiredToken = credential.ErrExpiredToken

// ErrorKind classifies why a request failed authentication. Each surface maps
// a kind to its protocol's error code with (*Error).JSONType or
// (*Error).QueryCode.
type ErrorKind int

// The kinds of authentication failure, in the order Verify checks for them.
const (
	// MissingAuth: no Authorization header and no X-Amz-Signature query
	// parameter.
	MissingAuth ErrorKind = iota + 1
	// IncompleteSignature: the Authorization header or the presigned query
	// is malformed (unknown algorithm, missing parameter, bad date format,
	// credential without five parts).
	IncompleteSignature
	// InvalidSignature: the signature does not match, a required header is
	// not signed, or X-Amz-Content-Sha256 disagrees with the body.
	InvalidSignature
	// SignatureExpired: the request date is more than MaxSkew away from
	// now, in either direction.
	SignatureExpired
	// InvalidScope: the credential scope names another region, service,
	// terminator or date.
	InvalidScope
	// UnrecognizedClient: the access key (or the key and token pair) is not
	// known.
	UnrecognizedClient
	// ExpiredToken: the session token is genuine but expired.
	ExpiredToken
)

var kindNames = [...]string{
	MissingAuth:         "MissingAuth",
	IncompleteSignature: "IncompleteSignature",
	InvalidSignature:    "InvalidSignature",
	SignatureExpired:    "SignatureExpired",
	InvalidScope:        "InvalidScope",
	UnrecognizedClient:  "UnrecognizedClient",
	ExpiredToken:        "ExpiredToken",
}

func (k ErrorKind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// Error is an authentication failure. Message is the text AWS sends for it,
// verbatim; Verify already picks the JSON or Query wording from the service
// name where the two differ (see the package documentation).
type Error struct {
	Kind    ErrorKind
	Message string
}

func (e *Error) Error() string { return "sigv4: " + e.Kind.String() + ": " + e.Message }

// JSONType is the error's __type (and x-amzn-ErrorType) for the AWS JSON
// protocols (cognito-identity, cloudcontrolapi).
func (e *Error) JSONType() string {
	switch e.Kind {
	case MissingAuth:
		return "MissingAuthenticationTokenException"
	case IncompleteSignature:
		return "IncompleteSignatureException"
	case InvalidSignature, SignatureExpired, InvalidScope:
		// Skew: aws/aws-sdk-js#254 ("Signature expired: … (… - 15 min.)",
		// code InvalidSignatureException). Scope: aws/aws-sdk-js#4545,
		// fsouza/s3-upload-proxy#241 (InvalidSignatureException: Credential
		// should be scoped to a valid region…).
		return "InvalidSignatureException"
	case UnrecognizedClient:
		return "UnrecognizedClientException"
	case ExpiredToken:
		return "ExpiredTokenException"
	}
	return "InternalFailure"
}

// QueryCode is the error's <Code> for the AWS Query protocol (sts, iam).
func (e *Error) QueryCode() string {
	switch e.Kind {
	case MissingAuth:
		return "MissingAuthenticationToken"
	case IncompleteSignature:
		return "IncompleteSignature"
	case InvalidSignature, SignatureExpired, InvalidScope:
		// Skew on STS: aws/aws-cli#6676 (SignatureDoesNotMatch … Signature
		// expired). Scope on STS: cognitect-labs/aws-api#27.
		return "SignatureDoesNotMatch"
	case UnrecognizedClient:
		return "InvalidClientTokenId"
	case ExpiredToken:
		return "ExpiredToken"
	}
	return "InternalFailure"
}

// JSONStatus is the HTTP status for the JSON protocols: 400 for every kind.
// Observed: InvalidSignatureException 400 (aws/aws-sdk-js#254), cognito-idp
// UnrecognizedClientException and InvalidSignatureException 400
// (ArranJacques/laravel-aws-cognito-auth#18 and #25); Cognito answers 400 for
// client errors in general (reference/cognito-identity-behavior.md §1.4).
func (e *Error) JSONStatus() int { return http.StatusBadRequest }

// QueryStatus is the HTTP status for the Query protocol: 400 for
// IncompleteSignature (STS "Status Code: 400; Error Code: IncompleteSignature" in
// apache/hadoop hadoop-aws assumed_roles.md), 403 otherwise
// (InvalidClientTokenId 403: aws-azure-login#251; MissingAuthenticationToken
// 403: cert-manager/aws-privateca-issuer#40; SignatureDoesNotMatch 403:
// hashicorp/terraform-provider-aws#34865; ExpiredToken "Forbidden":
// miasma-rb/miasma#23).
func (e *Error) QueryStatus() int {
	if e.Kind == IncompleteSignature {
		return http.StatusBadRequest
	}
	return http.StatusForbidden
}

// Verbatim AWS messages. Each cites where it was observed.
const (
	// JSON services (cognito-idp, same front end as cognito-identity):
	// x-amzn-ErrorType MissingAuthenticationTokenException,
	// x-amzn-ErrorMessage "Missing Authentication Token"
	// (awslabs/aws-sdk-ios-samples#108).
	msgMissingAuthJSON = "Missing Authentication Token"
	// Query services: "api error MissingAuthenticationToken: Request is
	// missing Authentication Token" from STS GetCallerIdentity
	// (cert-manager/aws-privateca-issuer#40).
	msgMissingAuthQuery = "Request is missing Authentication Token"

	// cognito-idp body {"__type":"InvalidSignatureException","message":"…"}
	// with no canonical string appended (ArranJacques/laravel-aws-cognito-auth#18,
	// ellaisys/aws-cognito#24); STS SignatureDoesNotMatch, same text, no
	// canonical string (apancutt/deploy-aws-s3-cloudfront#25). REST services
	// such as API Gateway append "\n\nThe Canonical String …"; the JSON 1.1
	// and Query services do not.
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

	// {"__type":"UnrecognizedClientException","message":"The security token
	// included in the request is invalid."} (cognito-idp,
	// ArranJacques/laravel-aws-cognito-auth#25); STS InvalidClientTokenId
	// with the same text and period (jrl84/amazon-sp-api#218).
	msgInvalidToken = "The security token included in the request is invalid."

	// ExpiredToken / ExpiredTokenException: "The security token included in
	// the request is expired", no final period (vaulted#107 for STS
	// GetCallerIdentity, MitocGroup/deep-framework#592 for a JSON service).
	msgExpiredToken = "The security token included in the request is expired"

	// "'Host' or ':authority' must be a 'SignedHeader' in the AWS
	// Authorization." — AWS error-ordering tests of
	// dacut/scratchstack-aws-signature (src/signature.rs tests, case 8).
	msgHostNotSigned = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	// The same template applied to the date and the session token is our
	// inference; AWS's text for those cases was not found.
	msgDateNotSigned  = "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization."
	msgDate2NotSigned = "'Date' must be a 'SignedHeader' in the AWS Authorization."
	msgTokenNotSigned = "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization."

	// Header-form missing parameters, each ending ". ", then
	// "Authorization=<header>": "Authorization header requires 'Credential'
	// parameter. Authorization header requires 'Signature' parameter.
	// Authorization header requires 'SignedHeaders' parameter. Authorization
	// header requires existence of either a 'X-Amz-Date' or a 'Date' header.
	// Authorization=…" (aws/aws-sdk-ruby#317, aws/aws-sdk-js#4285,
	// brendanhay/amazonka#316).
	msgReqCredential    = "Authorization header requires 'Credential' parameter. "
	msgReqSignature     = "Authorization header requires 'Signature' parameter. "
	msgReqSignedHeaders = "Authorization header requires 'SignedHeaders' parameter. "
	msgReqDate          = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "

	// Presigned-form missing parameters (dacut/scratchstack-aws-signature
	// src/constants.rs); the 'X-Amz-Algorithm' variant is our inference.
	msgQueryReqAlgorithm     = "AWS query-string parameters must include 'X-Amz-Algorithm'. "
	msgQueryReqCredential    = "AWS query-string parameters must include 'X-Amz-Credential'. "
	msgQueryReqSignature     = "AWS query-string parameters must include 'X-Amz-Signature'. "
	msgQueryReqSignedHeaders = "AWS query-string parameters must include 'X-Amz-SignedHeaders'. "
	msgQueryReqDate          = "AWS query-string parameters must include 'X-Amz-Date'. "
	msgQueryReexamine        = "Re-examine the query-string parameters."

	// "Credential should be scoped to correct service: 'batch'. " with the
	// trailing space (cllunsford/aws-signing-proxy#25).
	fmtScopeService = "Credential should be scoped to correct service: '%s'. "
	// "Credential should be scoped to a valid region, not 'eu-west-1'. "
	// (joona/aws-es-curl#15; IAM: JuliaCloud/AWS.jl#565).
	fmtScopeRegion = "Credential should be scoped to a valid region, not '%s'. "
	// STS today omits the region: <Message>Credential should be scoped to a
	// valid region. </Message> (namecheap/node-vault-client#25, 2022;
	// hashicorp/terraform-provider-aws#34865, 2023). In 2018 it still said
	// "not 'ap-southeast-2'. " (cognitect-labs/aws-api#27).
	msgScopeRegionSTS = "Credential should be scoped to a valid region. "
	// Terminator and date wording: dacut/scratchstack-aws-signature
	// src/signature.rs (prevalidate); the date prefix is also in the
	// Amazon Keyspaces troubleshooting guide and apache/apisix tests.
	fmtScopeTerminator = "Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. "
	fmtScopeDate       = "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'. "

	// "Signature expired: 20140325T143453Z is now earlier than
	// 20140325T143751Z (20140325T145251Z - 15 min.)" (aws/aws-sdk-js#254);
	// "Signature not yet current: 20131120T113529Z is still later than
	// 20131120T104538Z (20131120T104038Z + 5 min.)" (basak/glacier-cli#36).
	fmtSignatureExpired    = "Signature expired: %s is now earlier than %s (%s - %s.)"
	fmtSignatureNotCurrent = "Signature not yet current: %s is still later than %s (%s + %s.)"

	// "Unsupported AWS 'algorithm': 'AWS5-HMAC-SHA256'." and "Date must be in
	// ISO-8601 'basic format'. Got '…'. See http://en.wikipedia.org/wiki/ISO_8601"
	// (dacut/scratchstack-aws-signature error-ordering tests).
	fmtUnsupportedAlgorithm = "Unsupported AWS 'algorithm': '%s'."
	fmtBadDate              = "Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601"
	// "'valid/20180109/us-east-1/sts/aws4_request' not a valid key=value pair
	// (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256
	// Credential=not valid/…'." (STS, IncompleteSignature, apache/hadoop
	// hadoop-aws assumed_roles.md; jenkinsci/aws-credentials-plugin#72).
	fmtMissingEqual = "'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'."
	// dacut/scratchstack-aws-signature src/signature.rs.
	fmtCredentialParts = "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'"
)

func newError(k ErrorKind, msg string) *Error { return &Error{Kind: k, Message: msg} }

// formatSkew renders a duration the way AWS does in the skew messages
// ("15 min."). Whole minutes are "N min"; anything else "N sec" (inferred).
func formatSkew(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min", int64(d/time.Minute))
	}
	return fmt.Sprintf("%d sec", int64(d/time.Second))
}

var sprintf = fmt.Sprintf
