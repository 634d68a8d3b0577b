// Package awswire holds what every AWS-protocol surface of idpool shares:
// request IDs, the AWS JSON (1.0/1.1) error envelope and response writer,
// epoch-seconds timestamps, bounded body reading and CORS for browser SDKs.
//
// It knows no operation and no domain type: surfaces (cognitoapi, stsapi,
// …) decide which error type and message to send, awswire only writes them
// exactly as AWS does.
package awswire

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxBodyBytes bounds every request body. Cognito's largest legal request
// (ten 50,000-character login tokens) is well below it.
const MaxBodyBytes = 1 << 20

// ErrBodyTooLarge is returned by ReadBody for a body over MaxBodyBytes.
var ErrBodyTooLarge = errors.New("request body too large")

// ReadBody reads the whole request body, at most MaxBodyBytes.
func ReadBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("awswire: read body: %w", err)
	}
	if len(b) > MaxBodyBytes {
		return nil, ErrBodyTooLarge
	}
	return b, nil
}

// NewRequestID returns a random UUID-shaped request ID as AWS sends in
// x-amzn-RequestId.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

type ctxKey struct{}

// WithRequestID returns a context carrying the request ID.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// RequestID returns the request ID carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// Error is an error as the AWS JSON protocols put it on the wire.
type Error struct {
	Type    string // __type, e.g. "NotAuthorizedException"
	Message string
	Status  int
	// CapitalMessage writes "Message" instead of "message" (Cloud Control,
	// AccessDeniedException and a few Coral framework errors use it).
	CapitalMessage bool
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

// JSONContentType returns the AWS JSON content type for version "1.0" or
// "1.1".
func JSONContentType(version string) string { return "application/x-amz-json-" + version }

// WriteJSON writes a 200 response with body v in the AWS JSON content type.
// A nil v writes "{}".
func WriteJSON(w http.ResponseWriter, version string, v any) error {
	var b []byte
	if v == nil {
		b = []byte("{}")
	} else {
		var err error
		if b, err = json.Marshal(v); err != nil {
			return fmt.Errorf("awswire: marshal response: %w", err)
		}
	}
	h := w.Header()
	h.Set("Content-Type", JSONContentType(version))
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b)
	return err
}

// WriteJSONError writes e as AWS JSON services do: status e.Status, headers
// x-amzn-ErrorType ("<Type>:") and x-amzn-ErrorMessage, body
// {"__type":"<Type>","message":"<Message>"} (no message member when the
// message is empty).
func WriteJSONError(w http.ResponseWriter, version string, e *Error) {
	body := map[string]string{"__type": e.Type}
	switch {
	case e.Message == "":
		// Coral framework errors such as a malformed-JSON
		// SerializationException carry no message at all.
	case e.CapitalMessage:
		body["Message"] = e.Message
	default:
		body["message"] = e.Message
	}
	b, _ := json.Marshal(body)
	h := w.Header()
	h.Set("Content-Type", JSONContentType(version))
	h.Set("x-amzn-ErrorType", e.Type+":")
	if e.Message != "" && !strings.ContainsAny(e.Message, "\r\n") {
		h.Set("x-amzn-ErrorMessage", e.Message)
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// EpochTime marshals as AWS JSON timestamps do: epoch seconds as a JSON
// number, with millisecond precision.
type EpochTime time.Time

// MarshalJSON writes seconds since the epoch, e.g. 1700000000.123.
func (t EpochTime) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

// UnmarshalJSON reads epoch seconds (integer or fractional).
func (t *EpochTime) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("awswire: timestamp %s: %w", b, err)
	}
	*t = EpochTime(time.UnixMilli(int64(f * 1000)).UTC())
	return nil
}

// CORS headers browsers need to call AWS APIs and read their errors.
const (
	corsExposeHeaders = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"
	corsAllowMethods  = "GET,POST,OPTIONS"
	corsDefaultAllow  = "authorization,content-type,x-amz-content-sha256,x-amz-date,x-amz-security-token,x-amz-target,x-amz-user-agent,x-amz-api-version,amz-sdk-invocation-id,amz-sdk-request"
)

// CORS wraps h so that every response carries Access-Control-Allow-Origin
// and the exposed AWS headers, and answers OPTIONS preflight requests itself
// (200, no body), allowing the headers the browser asks for.
func CORS(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", "*")
		hd.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			allow := r.Header.Get("Access-Control-Request-Headers")
			if allow == "" {
				allow = corsDefaultAllow
			}
			hd.Set("Access-Control-Allow-Methods", corsAllowMethods)
			hd.Set("Access-Control-Allow-Headers", allow)
			hd.Set("Access-Control-Max-Age", "86400")
			hd.Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
			return
		}
		h.ServeHTTP(w, r)
	})
}
