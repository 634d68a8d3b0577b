// Package sigv4 verifies AWS Signature Version 4 on incoming requests, the
// way AWS services do, and reports failures with AWS's own error texts.
//
// It is a pure package: it reads an *http.Request and a body the caller has
// already read, and calls one interface, CredentialSource, to find the secret
// of an access key. It writes no responses, keeps no database, and imports
// nothing beyond the standard library. CredentialSource, Credentials and the
// sentinel errors are defined in the leaf package sigv4/credential (aliases
// here), so that domain packages can implement a source without importing
// net/http.
//
// # What Verify does, in order
//
// Verify accepts the Authorization-header form and the presigned query form
// (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders,
// X-Amz-Signature and optionally X-Amz-Security-Token in the URL query). The
// header wins when both are present. The first failing check decides the
// error, and the order follows AWS's:
//
//  1. No Authorization header and no signature query parameters: MissingAuth.
//  2. Parse. An algorithm other than AWS4-HMAC-SHA256, a token without "=",
//     or a missing Credential, Signature, SignedHeaders or date (X-Amz-Date,
//     else Date) is IncompleteSignature, with every missing part listed in
//     one message the way AWS lists them.
//  3. SignedHeaders must contain host, the date header in use, and
//     x-amz-security-token when that header is sent (a token in the presigned
//     query is signed as part of the query). Otherwise InvalidSignature.
//  4. The date must be ISO 8601 basic format (IncompleteSignature) and within
//     MaxSkew of Now, either way (SignatureExpired, with AWS's "Signature
//     expired" / "Signature not yet current" texts). Presigned requests get
//     the same ±MaxSkew window and X-Amz-Expires is ignored, as STS does.
//  5. The credential must have five slash-separated parts
//     (IncompleteSignature); its region, service, terminator and date must be
//     Region, the service passed in, "aws4_request" and the request's date.
//     All scope mismatches are reported together (InvalidScope).
//  6. Source.LookupCredentials with the access key and the session token.
//     ErrExpiredToken gives ExpiredToken (even if the error also wraps
//     ErrUnknownAccessKey), ErrUnknownAccessKey gives UnrecognizedClient;
//     any other error is returned wrapped, not as *Error, and should become
//     an internal error on the wire.
//  7. When X-Amz-Content-Sha256 is sent it must equal the body's SHA-256
//     (InvalidSignature).
//  8. The canonical request is rebuilt from the signed headers only: host
//     from r.Host (or the first X-Forwarded-Host when TrustForwardedHost),
//     default ports 80 and 443 dropped; content-length from r.ContentLength;
//     other values trimmed, runs of spaces collapsed, repeated headers
//     joined with ",". The canonical query is the URL query only, never a
//     form body; names and values are RFC 3986 encoded and then sorted. The
//     path is the escaped path, encoded once more (non-S3 rules). The
//     payload hash is the SHA-256 of body. The signing key comes from a
//     small per key/date/region/service cache, and the signatures are
//     compared in constant time. A mismatch is InvalidSignature.
//
// With AcceptAnySignature (an emulator switch, like LocalStack and moto),
// steps 1, 2 and the date and credential format checks still run, but skew,
// scope and signature are not checked, and an access key the source does not
// know (or whose token expired) is accepted: Verify then returns Credentials
// with only AccessKeyID and SessionToken set and a nil Subject.
//
// # Messages and protocols
//
// Error.Message is AWS's verbatim text (sources are cited next to each
// constant). Two texts differ between the JSON services (cognito-identity,
// cloudcontrolapi) and the Query services (sts, iam), so Verify picks them
// from the service name: MissingAuth is "Missing Authentication Token" for
// JSON and "Request is missing Authentication Token" for Query, and STS's
// wrong-region text omits the region. Surfaces map the kind to their wire
// code with JSONType/QueryCode and to a status with JSONStatus/QueryStatus.
//
// # What Verify does not do
//
// It does not read the body (the caller reads it, under a size limit, and
// restores it for the handler), does not decide which operations need a
// signature (Cognito's GetId, GetCredentialsForIdentity, GetOpenIdToken,
// UnlinkIdentity and STS AssumeRoleWithWebIdentity are unsigned; see
// reference/libraries.md §5), does not evaluate IAM policy, and does not
// support S3's chunked or UNSIGNED-PAYLOAD modes or SigV4a.
package sigv4
