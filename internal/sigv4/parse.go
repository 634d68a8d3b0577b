package sigv4

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	algorithm   = "AWS4-HMAC-SHA256"
	terminator  = "aws4_request"
	amzDateFmt  = "20060102T150405Z"
	scopeDayFmt = "20060102"

	hdrAuthorization = "Authorization"
	hdrAmzDate       = "X-Amz-Date"
	hdrDate          = "Date"
	hdrSecurityToken = "X-Amz-Security-Token"
	hdrContentSHA256 = "X-Amz-Content-Sha256"

	qAlgorithm     = "X-Amz-Algorithm"
	qCredential    = "X-Amz-Credential"
	qDate          = "X-Amz-Date"
	qSignedHeaders = "X-Amz-SignedHeaders"
	qSignature     = "X-Amz-Signature"
	qSecurityToken = "X-Amz-Security-Token"
)

// authInfo is what the request says about its own signature, before any
// check of its content.
type authInfo struct {
	presigned     bool
	credential    string // AKID/date/region/service/aws4_request
	signedHeaders string // as sent, e.g. "content-type;host;x-amz-date"
	signature     string
	rawDate       string // the date value as sent
	dateHeader    string // lower-case name of the signed date header ("x-amz-date" or "date"); "" for presigned
	token         string // session token, "" if none
	tokenInHeader bool
	query         []queryPair // the URL query, decoded (presigned: without X-Amz-Signature)
}

type queryPair struct{ key, value string }

// HasAuth reports whether r carries SigV4 authentication: an Authorization
// header or an X-Amz-Signature query parameter. Surfaces use it for optional-
// auth operations: verify when present, skip when absent.
func HasAuth(r *http.Request) bool {
	if r.Header.Get(hdrAuthorization) != "" {
		return true
	}
	return strings.Contains(r.URL.RawQuery, qSignature+"=")
}

// parseQuery splits a raw query string into decoded pairs. A component whose
// escapes are malformed is kept raw: the signature then simply will not match.
func parseQuery(raw string) []queryPair {
	if raw == "" {
		return nil
	}
	pairs := make([]queryPair, 0, strings.Count(raw, "&")+1)
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		pairs = append(pairs, queryPair{key: unescapeQuery(k), value: unescapeQuery(v)})
	}
	return pairs
}

func unescapeQuery(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

func firstQuery(pairs []queryPair, key string) (string, bool) {
	for _, p := range pairs {
		if p.key == key {
			return p.value, true
		}
	}
	return "", false
}

// parseRequest extracts authInfo from r. It returns MissingAuth when r has no
// signature at all and IncompleteSignature when the signature is malformed.
// queryService selects the Query-protocol wording of MissingAuth.
func parseRequest(r *http.Request, queryService bool) (authInfo, *Error) {
	if h := r.Header.Get(hdrAuthorization); h != "" {
		return parseHeaderAuth(r, h)
	}
	pairs := parseQuery(r.URL.RawQuery)
	for _, p := range pairs {
		switch p.key {
		case qAlgorithm, qCredential, qSignature:
			return parsePresigned(r, pairs)
		}
	}
	if queryService {
		return authInfo{}, newError(MissingAuth, msgMissingAuthQuery)
	}
	return authInfo{}, newError(MissingAuth, msgMissingAuthJSON)
}

// parseHeaderAuth parses "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
// Signature=…". Like AWS, it splits the parameters on commas and spaces, so
// a stray space inside a value is reported as a token without "=".
func parseHeaderAuth(r *http.Request, header string) (authInfo, *Error) {
	var a authInfo
	scheme, rest, _ := strings.Cut(header, " ")
	var haveCred, haveSig, haveSH bool
	switch {
	case scheme == algorithm:
		for tok := range strings.FieldsFuncSeq(rest, func(c rune) bool { return c == ',' || c == ' ' }) {
			k, v, ok := strings.Cut(tok, "=")
			if !ok {
				return a, newError(IncompleteSignature, sprintf(fmtMissingEqual, tok, header))
			}
			switch k {
			case "Credential":
				a.credential, haveCred = v, true
			case "SignedHeaders":
				a.signedHeaders, haveSH = v, true
			case "Signature":
				a.signature, haveSig = v, true
			}
		}
	case strings.HasPrefix(scheme, "AWS4-"):
		return a, newError(IncompleteSignature, sprintf(fmtUnsupportedAlgorithm, scheme))
	}
	// Any other scheme ("AWS key:sig", "Bearer …") has none of the parameters:
	// AWS answers with the full list (aws/aws-sdk-js#4285).

	a.rawDate = r.Header.Get(hdrAmzDate)
	a.dateHeader = "x-amz-date"
	if a.rawDate == "" {
		a.rawDate = r.Header.Get(hdrDate)
		a.dateHeader = "date"
	}
	if !haveCred || !haveSig || !haveSH || a.rawDate == "" {
		var b strings.Builder
		if !haveCred {
			b.WriteString(msgReqCredential)
		}
		if !haveSig {
			b.WriteString(msgReqSignature)
		}
		if !haveSH {
			b.WriteString(msgReqSignedHeaders)
		}
		if a.rawDate == "" {
			b.WriteString(msgReqDate)
		}
		b.WriteString("Authorization=")
		b.WriteString(header)
		return a, newError(IncompleteSignature, b.String())
	}
	if vals := r.Header.Values(hdrSecurityToken); len(vals) > 0 {
		a.token, a.tokenInHeader = vals[0], true
	}
	a.query = parseQuery(r.URL.RawQuery)
	return a, nil
}

// parsePresigned reads the query-string form. X-Amz-Expires is not read: STS
// honours a fixed ±15 minute window whatever its value (aws-iam-authenticator
// pkg/token/token.go: "presigned STS urls are valid for 15 minutes after
// timestamp in x-amz-date", X-Amz-Expires "IS IGNORED").
func parsePresigned(r *http.Request, pairs []queryPair) (authInfo, *Error) {
	a := authInfo{presigned: true}
	alg, haveAlg := firstQuery(pairs, qAlgorithm)
	if haveAlg && alg != algorithm {
		return a, newError(IncompleteSignature, sprintf(fmtUnsupportedAlgorithm, alg))
	}
	var haveCred, haveSig, haveSH, haveDate bool
	a.credential, haveCred = firstQuery(pairs, qCredential)
	a.signature, haveSig = firstQuery(pairs, qSignature)
	a.signedHeaders, haveSH = firstQuery(pairs, qSignedHeaders)
	a.rawDate, haveDate = firstQuery(pairs, qDate)
	if !haveAlg || !haveCred || !haveSig || !haveSH || !haveDate {
		var b strings.Builder
		if !haveAlg {
			b.WriteString(msgQueryReqAlgorithm)
		}
		if !haveCred {
			b.WriteString(msgQueryReqCredential)
		}
		if !haveSig {
			b.WriteString(msgQueryReqSignature)
		}
		if !haveSH {
			b.WriteString(msgQueryReqSignedHeaders)
		}
		if !haveDate {
			b.WriteString(msgQueryReqDate)
		}
		b.WriteString(msgQueryReexamine)
		return a, newError(IncompleteSignature, b.String())
	}
	if tok, ok := firstQuery(pairs, qSecurityToken); ok {
		a.token = tok
	} else if vals := r.Header.Values(hdrSecurityToken); len(vals) > 0 {
		a.token, a.tokenInHeader = vals[0], true
	}
	// The signature itself is not part of the canonical query.
	q := make([]queryPair, 0, len(pairs))
	for _, p := range pairs {
		if p.key != qSignature {
			q = append(q, p)
		}
	}
	a.query = q
	return a, nil
}

// parseDate parses the request date: ISO 8601 basic format, or for the Date
// header also an HTTP date.
func parseDate(raw string, httpDateOK bool) (time.Time, bool) {
	if t, err := time.Parse(amzDateFmt, raw); err == nil {
		return t, true
	}
	if httpDateOK {
		if t, err := http.ParseTime(raw); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// signedHeaderSet reports whether the semicolon-separated list contains name
// (lower case), ignoring case in the list.
func hasSignedHeader(list, name string) bool {
	for h := range strings.SplitSeq(list, ";") {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}
