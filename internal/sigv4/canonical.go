package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const upperHex = "0123456789ABCDEF"

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// appendEscaped appends s with every byte outside the RFC 3986 unreserved set
// (and '/', if keepSlash) percent-encoded in upper-case hex.
func appendEscaped(b []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || keepSlash && c == '/' {
			b = append(b, c)
			continue
		}
		b = append(b, '%', upperHex[c>>4], upperHex[c&15])
	}
	return b
}

// requestHost is the host the client signed: r.Host (or the first
// X-Forwarded-Host when trusted) without a default port.
func requestHost(r *http.Request, trustForwarded bool) string {
	host := r.Host
	if trustForwarded {
		if fh := r.Header.Get("X-Forwarded-Host"); fh != "" {
			fh, _, _ = strings.Cut(fh, ",")
			host = strings.TrimSpace(fh)
		}
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		name, port := host[:i], host[i+1:]
		bracketed := strings.HasSuffix(name, "]")
		if (port == "80" || port == "443") && (bracketed || !strings.Contains(name, ":")) {
			host = name
		}
	}
	if host == "" {
		host = r.URL.Host
	}
	return host
}

// appendTrimmed appends v with leading/trailing white space removed and runs
// of spaces collapsed to one, as the SDK signers do.
func appendTrimmed(b []byte, v string) []byte {
	v = strings.TrimSpace(v)
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b = append(b, c)
	}
	return b
}

// canonicalRequest builds the SigV4 canonical request for r.
func canonicalRequest(r *http.Request, a *authInfo, host, payloadHash string) []byte {
	b := make([]byte, 0, 512+len(r.URL.RawQuery)+len(a.token))
	b = append(b, r.Method...)
	b = append(b, '\n')

	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	b = appendEscaped(b, path, true)
	b = append(b, '\n')

	if len(a.query) > 0 {
		type enc struct{ k, v string }
		params := make([]enc, len(a.query))
		for i, p := range a.query {
			params[i] = enc{string(appendEscaped(nil, p.key, false)), string(appendEscaped(nil, p.value, false))}
		}
		// Sort after encoding, as the specification says.
		slices.SortFunc(params, func(x, y enc) int {
			if c := strings.Compare(x.k, y.k); c != 0 {
				return c
			}
			return strings.Compare(x.v, y.v)
		})
		for i, p := range params {
			if i > 0 {
				b = append(b, '&')
			}
			b = append(b, p.k...)
			b = append(b, '=')
			b = append(b, p.v...)
		}
	}
	b = append(b, '\n')

	for name := range strings.SplitSeq(a.signedHeaders, ";") {
		lname := strings.ToLower(name)
		b = append(b, lname...)
		b = append(b, ':')
		switch lname {
		case "host":
			b = appendTrimmed(b, host)
		case "content-length":
			if r.ContentLength >= 0 {
				b = strconv.AppendInt(b, r.ContentLength, 10)
			} else {
				b = appendTrimmed(b, r.Header.Get("Content-Length"))
			}
		default:
			for i, v := range r.Header.Values(lname) {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendTrimmed(b, v)
			}
		}
		b = append(b, '\n')
	}
	b = append(b, '\n')
	b = append(b, a.signedHeaders...)
	b = append(b, '\n')
	b = append(b, payloadHash...)
	return b
}

// stringToSign builds "AWS4-HMAC-SHA256\n<date>\n<scope>\n<hex(sha256(canonical))>".
func stringToSign(t time.Time, scope string, canonical []byte) []byte {
	sum := sha256.Sum256(canonical)
	b := make([]byte, 0, len(algorithm)+1+16+1+len(scope)+1+64)
	b = append(b, algorithm...)
	b = append(b, '\n')
	b = t.AppendFormat(b, amzDateFmt)
	b = append(b, '\n')
	b = append(b, scope...)
	b = append(b, '\n')
	return hex.AppendEncode(b, sum[:])
}

func hmacSHA256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}

// deriveSigningKey runs AWS4+secret → date → region → service → aws4_request.
func deriveSigningKey(secret, day, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), []byte(day))
	k = hmacSHA256(k, []byte(region))
	k = hmacSHA256(k, []byte(service))
	return hmacSHA256(k, []byte(terminator))
}
