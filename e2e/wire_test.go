package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/idpool/idpool/internal/testserver"
)

// rawSign says how a raw request is signed.
type rawSign struct {
	unsigned  bool
	accessKey string        // default: the admin key
	secretKey string        // default: the admin secret
	shift     time.Duration // signing clock offset
}

// rawResponse is an HTTP answer as received.
type rawResponse struct {
	status    int
	header    http.Header
	body      []byte
	signedAt  time.Time
	signedFor string // X-Amz-Date sent
}

// rawCall POSTs body to / with X-Amz-Target target (no target header when
// target is ""), signed with aws-sdk-go-v2's SigV4 signer as sign says.
func rawCall(t testing.TB, s *testserver.Server, target, body string, sign rawSign) rawResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	var r rawResponse
	if !sign.unsigned {
		ak, sk := s.AccessKeyID, s.SecretAccessKey
		if sign.accessKey != "" {
			ak = sign.accessKey
		}
		if sign.secretKey != "" {
			sk = sign.secretKey
		}
		sum := sha256.Sum256([]byte(body))
		r.signedAt = time.Now().UTC().Add(sign.shift)
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk},
			req, hex.EncodeToString(sum[:]), "cognito-identity", "us-east-1", r.signedAt)
		if err != nil {
			t.Fatal(err)
		}
		r.signedFor = req.Header.Get("X-Amz-Date")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", target, err)
	}
	defer resp.Body.Close()
	r.status, r.header = resp.StatusCode, resp.Header
	if r.body, err = io.ReadAll(resp.Body); err != nil {
		t.Fatal(err)
	}
	return r
}

var requestIDRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// wantWireError checks an AWS JSON 1.1 error answer: status 400, a request
// ID, x-amzn-ErrorType "<Type>:", the JSON content type and a body that is
// exactly {"__type": typ, "message": msg} — or exactly {"__type": typ} when
// msg is "" (Coral framework errors carry no message). msgRE, if set,
// replaces the exact message comparison. It returns the message.
func wantWireError(t testing.TB, r rawResponse, typ, msg string, msgRE *regexp.Regexp) string {
	t.Helper()
	if r.status != http.StatusBadRequest {
		t.Errorf("status %d, want 400 (body %s)", r.status, r.body)
	}
	if id := r.header.Get("x-amzn-RequestId"); !requestIDRE.MatchString(id) {
		t.Errorf("x-amzn-RequestId = %q, want a UUID", id)
	}
	if got := r.header.Get("x-amzn-ErrorType"); got != typ+":" {
		t.Errorf("x-amzn-ErrorType = %q, want %q", got, typ+":")
	}
	if ct := r.header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("Content-Type = %q, want application/x-amz-json-1.1", ct)
	}
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin = %q on an error answer, want *", got)
	}
	var body map[string]any
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("body %q is not JSON: %v", r.body, err)
	}
	if body["__type"] != typ {
		t.Errorf("__type = %v, want %s (body %s)", body["__type"], typ, r.body)
	}
	wantKeys := 2
	if msg == "" && msgRE == nil {
		wantKeys = 1
	}
	if len(body) != wantKeys {
		t.Errorf("body %s: want exactly __type%s", r.body, map[bool]string{true: " and message", false: ""}[wantKeys == 2])
	}
	got, _ := body["message"].(string)
	switch {
	case msgRE != nil:
		if !msgRE.MatchString(got) {
			t.Errorf("message = %q, want /%s/", got, msgRE)
		}
	case got != msg:
		t.Errorf("message:\n got: %q\nwant: %q", got, msg)
	}
	if got != "" {
		if h := r.header.Get("x-amzn-ErrorMessage"); h != got {
			t.Errorf("x-amzn-ErrorMessage = %q, want the message %q", h, got)
		}
	}
	return got
}

const target = "AWSCognitoIdentityService."

// TestWireErrors checks error answers byte by byte with net/http, and that
// rejected writes change nothing.
func TestWireErrors(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.startWithProviders(t)
		sdk := newSDK(t, s)
		sc := sdkClient{sdk}
		id := wantPoolID(t, mustOK(t, sc, "CreateIdentityPool", fullPool("wire"))["IdentityPoolId"])
		before := poolState(t, sdk, s.PoolARN(id), id)
		update := func(name string) string {
			b, _ := json.Marshal(obj{"IdentityPoolId": id, "IdentityPoolName": name, "AllowUnauthenticatedIdentities": false})
			return string(b)
		}

		sigMismatch := "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
		tooLong := strings.Repeat("a", 129)
		many, _ := json.Marshal(obj{"IdentityPoolName": "wire-many", "AllowUnauthenticatedIdentities": true, "IdentityPoolTags": manyTags(51)})
		cases := []struct {
			name, target, body string
			sign               rawSign
			typ, msg           string
			msgRE              *regexp.Regexp
			write              bool // a rejected write: the pool must be unchanged and no pool "wire-*" created
		}{
			{name: "unknown pool", target: "DescribeIdentityPool", body: `{"IdentityPoolId":"` + unknownPool + `"}`,
				typ: "ResourceNotFoundException", msg: "IdentityPool '" + unknownPool + "' not found."},
			{name: "bad pool ID", target: "DescribeIdentityPool", body: `{"IdentityPoolId":"x y"}`,
				typ: "ValidationException", msg: `1 validation error detected: Value 'x y' at 'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+:[0-9a-f-]+`},
			{name: "name too long", target: "CreateIdentityPool", body: `{"IdentityPoolName":"` + tooLong + `","AllowUnauthenticatedIdentities":true}`,
				typ: "ValidationException", msg: "1 validation error detected: Value '" + tooLong + "' at 'identityPoolName' failed to satisfy constraint: Member must have length less than or equal to 128", write: true},
			{name: "update name too long", target: "UpdateIdentityPool", body: update(tooLong),
				typ: "ValidationException", msg: "1 validation error detected: Value '" + tooLong + "' at 'identityPoolName' failed to satisfy constraint: Member must have length less than or equal to 128", write: true},
			{name: "too many tags", target: "CreateIdentityPool", body: string(many),
				typ: "InvalidParameterException", msg: "An identity pool can have as many as 50 tags.", write: true},
			{name: "unsigned read", target: "ListIdentityPools", body: `{"MaxResults":10}`, sign: rawSign{unsigned: true},
				typ: "MissingAuthenticationTokenException", msg: "Missing Authentication Token"},
			{name: "unsigned create", target: "CreateIdentityPool", body: `{"IdentityPoolName":"wire-unsigned","AllowUnauthenticatedIdentities":true}`, sign: rawSign{unsigned: true},
				typ: "MissingAuthenticationTokenException", msg: "Missing Authentication Token", write: true},
			{name: "unsigned update", target: "UpdateIdentityPool", body: update("wire-unsigned"), sign: rawSign{unsigned: true},
				typ: "MissingAuthenticationTokenException", msg: "Missing Authentication Token", write: true},
			{name: "unsigned delete", target: "DeleteIdentityPool", body: `{"IdentityPoolId":"` + id + `"}`, sign: rawSign{unsigned: true},
				typ: "MissingAuthenticationTokenException", msg: "Missing Authentication Token", write: true},
			{name: "wrong secret", target: "UpdateIdentityPool", body: update("wire-wrong-secret"), sign: rawSign{secretKey: "wrong" + s.SecretAccessKey[5:]},
				typ: "InvalidSignatureException", msg: sigMismatch, write: true},
			{name: "wrong secret delete", target: "DeleteIdentityPool", body: `{"IdentityPoolId":"` + id + `"}`, sign: rawSign{secretKey: "wrong" + s.SecretAccessKey[5:]},
				typ: "InvalidSignatureException", msg: sigMismatch, write: true},
			{name: "unknown access key", target: "DeleteIdentityPool", body: `{"IdentityPoolId":"` + id + `"}`, sign: rawSign{accessKey: "AKIAUNKNOWNUNKNOWN00"},
				typ: "UnrecognizedClientException", msg: "The security token included in the request is invalid.", write: true},
			{name: "clock 20 minutes slow", target: "DeleteIdentityPool", body: `{"IdentityPoolId":"` + id + `"}`, sign: rawSign{shift: -20 * time.Minute},
				typ: "InvalidSignatureException", msgRE: skewRE(false), write: true},
			{name: "clock 20 minutes fast", target: "UpdateIdentityPool", body: update("wire-fast"), sign: rawSign{shift: 20 * time.Minute},
				typ: "InvalidSignatureException", msgRE: skewRE(true), write: true},
			{name: "malformed JSON", target: "UpdateIdentityPool", body: `{"IdentityPoolId":`,
				typ: "SerializationException", write: true},
			{name: "unknown operation", target: "NoSuchOperation", body: `{}`,
				typ: "UnknownOperationException"},
			{name: "unsigned unknown operation", target: "NoSuchOperation", body: `{}`, sign: rawSign{unsigned: true},
				typ: "UnknownOperationException"},
			{name: "MaxResults 0", target: "ListIdentityPools", body: `{"MaxResults":0}`,
				typ: "ValidationException", msg: "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"},
			{name: "MaxResults 61", target: "ListIdentityPools", body: `{"MaxResults":61}`,
				typ: "ValidationException", msg: "1 validation error detected: Value '61' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 60"},
			{name: "MaxResults missing", target: "ListIdentityPools", body: `{}`,
				typ: "ValidationException", msg: "1 validation error detected: Value null at 'maxResults' failed to satisfy constraint: Member must not be null"},
			{name: "NextToken with a space", target: "ListIdentityPools", body: `{"MaxResults":5,"NextToken":"a b"}`,
				typ: "ValidationException", msg: `1 validation error detected: Value 'a b' at 'nextToken' failed to satisfy constraint: Member must satisfy regular expression pattern: [\S]+`},
			{name: "NextToken not ours", target: "ListIdentityPools", body: `{"MaxResults":5,"NextToken":"bm90LWEtdG9rZW4"}`,
				typ: "InvalidParameterException", msg: "Invalid pagination token."},
			{name: "aws: tag on create", target: "CreateIdentityPool", body: `{"IdentityPoolName":"wire-aws-tag","AllowUnauthenticatedIdentities":true,"IdentityPoolTags":{"aws:k":"v"}}`,
				typ: "InvalidParameterException", msg: "Tag keys with the prefix 'aws:' are reserved for AWS use: aws:k", write: true},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := rawCall(t, s, target+tc.target, tc.body, tc.sign)
				msg := wantWireError(t, r, tc.typ, tc.msg, tc.msgRE)
				if tc.msgRE != nil {
					checkSkewMessage(t, msg, r)
				}
				if tc.write {
					if now := poolState(t, sdk, s.PoolARN(id), id); now != before {
						t.Errorf("rejected %s changed the pool\nbefore: %s\n after: %s", tc.target, before, now)
					}
					for _, n := range listAllPools(t, sdk) {
						if n != "wire" {
							t.Errorf("rejected %s left a pool named %q", tc.target, n)
						}
					}
				}
			})
		}

		// A body over the bound is refused before anything else, signed or
		// not, and creates nothing.
		t.Run("oversize body", func(t *testing.T) {
			big, _ := json.Marshal(obj{"IdentityPoolName": "wire-big", "AllowUnauthenticatedIdentities": true,
				"SupportedLoginProviders": obj{"graph.facebook.com": strings.Repeat("x", 2<<20)}})
			for _, sign := range []rawSign{{}, {unsigned: true}} {
				r := rawCall(t, s, target+"CreateIdentityPool", string(big), sign)
				if r.status != http.StatusRequestEntityTooLarge {
					t.Errorf("status %d, want 413", r.status)
				}
				r.status = http.StatusBadRequest // the rest of the envelope is the usual one
				wantWireError(t, r, "SerializationException", "Request body is too large.", nil)
			}
			if poolNamed(t, sdk, "wire-big") {
				t.Errorf("an oversize CreateIdentityPool created a pool")
			}
		})

		t.Run("other target prefix", func(t *testing.T) {
			r := rawCall(t, s, "DynamoDB_20120810.ListTables", `{}`, rawSign{})
			wantWireError(t, r, "UnknownOperationException", "", nil)
		})

		// The skew window is ±15 minutes: 14 minutes either way is fine.
		for _, shift := range []time.Duration{-14 * time.Minute, 14 * time.Minute} {
			t.Run(fmt.Sprintf("clock %v off is accepted", shift), func(t *testing.T) {
				r := rawCall(t, s, target+"DescribeIdentityPool", `{"IdentityPoolId":"`+id+`"}`, rawSign{shift: shift})
				if r.status != 200 {
					t.Errorf("status %d: %s", r.status, r.body)
				}
			})
		}

		t.Run("success envelope", func(t *testing.T) {
			r := rawCall(t, s, target+"DescribeIdentityPool", `{"IdentityPoolId":"`+id+`"}`, rawSign{})
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
				t.Errorf("Content-Type = %q", ct)
			}
			if id := r.header.Get("x-amzn-RequestId"); !requestIDRE.MatchString(id) {
				t.Errorf("x-amzn-RequestId = %q, want a UUID", id)
			}
			if r.header.Get("x-amzn-ErrorType") != "" {
				t.Errorf("success carries x-amzn-ErrorType %q", r.header.Get("x-amzn-ErrorType"))
			}
			if got := r.header.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("Access-Control-Allow-Origin = %q, want *", got)
			}
			if got := r.header.Get("Access-Control-Expose-Headers"); !strings.Contains(got, "x-amzn-RequestId") || !strings.Contains(got, "x-amzn-ErrorType") {
				t.Errorf("Access-Control-Expose-Headers = %q, want x-amzn-RequestId and x-amzn-ErrorType", got)
			}
			var got obj
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatal(err)
			}
			wantResult(t, "raw DescribeIdentityPool", got, with(fullPool("wire"), "IdentityPoolId", id))
			// Empty outputs are an empty JSON object.
			r = rawCall(t, s, target+"TagResource", `{"ResourceArn":"`+s.PoolARN(id)+`","Tags":{}}`, rawSign{})
			if r.status != 200 || string(r.body) != "{}" {
				t.Errorf("TagResource: %d %q, want 200 {}", r.status, r.body)
			}
		})
	})
}

var amzDate = `(\d{8}T\d{6}Z)`

// skewRE matches AWS's clock-skew messages, e.g. "Signature expired:
// 20140325T143453Z is now earlier than 20140325T143751Z (20140325T145251Z -
// 15 min.)".
func skewRE(future bool) *regexp.Regexp {
	if future {
		return regexp.MustCompile(`^Signature not yet current: ` + amzDate + ` is still later than ` + amzDate + ` \(` + amzDate + ` \+ 15 min\.\)$`)
	}
	return regexp.MustCompile(`^Signature expired: ` + amzDate + ` is now earlier than ` + amzDate + ` \(` + amzDate + ` - 15 min\.\)$`)
}

// checkSkewMessage checks the three times in a skew message: the request's
// X-Amz-Date, the server's now ±15 minutes, and the server's now, which must
// be close to the test's clock.
func checkSkewMessage(t testing.TB, msg string, r rawResponse) {
	t.Helper()
	future := strings.HasPrefix(msg, "Signature not yet current")
	m := skewRE(future).FindStringSubmatch(msg)
	if m == nil {
		return // already reported
	}
	if m[1] != r.signedFor {
		t.Errorf("skew message names %s, the request was signed for %s", m[1], r.signedFor)
	}
	parse := func(s string) time.Time {
		tm, err := time.Parse("20060102T150405Z", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	limit, now := parse(m[2]), parse(m[3])
	want := now.Add(-15 * time.Minute)
	if future {
		want = now.Add(15 * time.Minute)
	}
	if !limit.Equal(want) {
		t.Errorf("skew message limit %s, want %s (server now %s ∓ 15 min)", m[2], want.Format("20060102T150405Z"), m[3])
	}
	if d := time.Since(now); d < -5*time.Second || d > 30*time.Second {
		t.Errorf("server time in the skew message %s is %v away from the test's clock", m[3], d)
	}
}

func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.start(t)
		asked := "amz-sdk-invocation-id,amz-sdk-request,authorization,content-type,x-amz-content-sha256,x-amz-date,x-amz-security-token,x-amz-target,x-amz-user-agent"
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodOptions, s.URL+"/", nil)
		req.Header.Set("Origin", "https://app.example.com")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", asked)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("OPTIONS / = %d %s, want 200", resp.StatusCode, body)
		}
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("Access-Control-Allow-Origin = %q, want *", got)
		}
		if got := strings.ToUpper(resp.Header.Get("Access-Control-Allow-Methods")); !strings.Contains(got, "POST") {
			t.Errorf("Access-Control-Allow-Methods = %q, want POST allowed", got)
		}
		allowed := map[string]bool{}
		for _, h := range strings.Split(resp.Header.Get("Access-Control-Allow-Headers"), ",") {
			allowed[strings.ToLower(strings.TrimSpace(h))] = true
		}
		if !allowed["*"] {
			for _, h := range strings.Split(asked, ",") {
				if !allowed[h] {
					t.Errorf("Access-Control-Allow-Headers %q does not allow %s", resp.Header.Get("Access-Control-Allow-Headers"), h)
				}
			}
		}

		// A browser's actual call after the preflight: an unsigned public
		// operation answers with the CORS headers too (an error here, the
		// pool does not exist, but readable by the page).
		r := rawCall(t, s, target+"GetId", `{"IdentityPoolId":"`+unknownPool+`"}`, rawSign{unsigned: true})
		wantWireError(t, r, "ResourceNotFoundException", "IdentityPool '"+unknownPool+"' not found.", nil)
	})
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.start(t)
		resp, err := http.Get(s.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET /healthz = %d %q, want 200", resp.StatusCode, body)
		}

		sc := sdkClient{newSDK(t, s)}
		for range 3 {
			mustOK(t, sc, "CreateIdentityPool", obj{"IdentityPoolName": "m", "AllowUnauthenticatedIdentities": false})
		}
		mustOK(t, sc, "ListIdentityPools", obj{"MaxResults": 10})
		for range 2 {
			wantErr(t, sc, "DescribeIdentityPool", obj{"IdentityPoolId": unknownPool}, "ResourceNotFoundException", "IdentityPool '"+unknownPool+"' not found.")
		}
		wantErr(t, sc, "DescribeIdentityPool", obj{"IdentityPoolId": "x y"}, "ValidationException",
			`1 validation error detected: Value 'x y' at 'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+:[0-9a-f-]+`)
		rawCall(t, s, target+"ListIdentityPools", `{"MaxResults":1}`, rawSign{unsigned: true})

		resp, err = http.Get(s.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET /metrics = %d", resp.StatusCode)
		}
		counts := requestCounts(t, string(metrics))
		for _, w := range []struct {
			op, err string
			n       float64
		}{
			{"CreateIdentityPool", "", 3},
			{"ListIdentityPools", "", 1},
			{"DescribeIdentityPool", "ResourceNotFoundException", 2},
			{"DescribeIdentityPool", "ValidationException", 1},
			{"ListIdentityPools", "MissingAuthenticationTokenException", 1},
		} {
			key := w.op + "/" + w.err
			if counts[key] != w.n {
				t.Errorf("idpool_requests_total{surface=cognito-identity,operation=%s,error=%q} = %v, want %v", w.op, w.err, counts[key], w.n)
			}
		}
		if !bytes.Contains(metrics, []byte("idpool_request_duration_seconds_bucket{")) {
			t.Errorf("/metrics has no idpool_request_duration_seconds histogram")
		}
	})
}

var metricLineRE = regexp.MustCompile(`^idpool_requests_total\{([^}]*)\} ([0-9.e+]+)$`)
var labelRE = regexp.MustCompile(`(\w+)="([^"]*)"`)

// requestCounts parses idpool_requests_total of the cognito-identity
// surface into "operation/error" → value.
func requestCounts(t testing.TB, text string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	found := false
	for _, line := range strings.Split(text, "\n") {
		m := metricLineRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		found = true
		labels := map[string]string{}
		for _, l := range labelRE.FindAllStringSubmatch(m[1], -1) {
			labels[l[1]] = l[2]
		}
		if labels["surface"] != "cognito-identity" {
			continue
		}
		var v float64
		fmt.Sscan(m[2], &v)
		out[labels["operation"]+"/"+labels["error"]] += v
	}
	if !found {
		t.Fatalf("/metrics has no idpool_requests_total:\n%s", text)
	}
	return out
}
