// Package e2e drives a real idpool server, booted in-process by
// internal/testserver, with real AWS clients: aws-sdk-go-v2, the AWS CLI v2
// (/usr/bin/aws, Debian awscli) and boto3 (/usr/bin/python3, Debian
// python3-boto3). Every test runs against SQLite, and against PostgreSQL too
// when IDPOOL_TEST_POSTGRES holds a DSN.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/idpool/idpool/internal/iam/iamtest"
	"github.com/idpool/idpool/internal/testserver"
)

// obj is a JSON object: request parameters and normalized results.
type obj = map[string]any

// backend is a storage backend the suite runs against.
type backend struct {
	name string
	opts []testserver.Option
}

// backends returns SQLite, and PostgreSQL when IDPOOL_TEST_POSTGRES is set.
func backends() []backend {
	bs := []backend{{name: "sqlite"}}
	if os.Getenv(testserver.EnvPostgres) != "" {
		bs = append(bs, backend{name: "postgres", opts: []testserver.Option{testserver.WithPostgres()}})
	}
	return bs
}

// forEachBackend runs fn as a parallel subtest per backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Helper()
	if os.Getenv(testserver.EnvPostgres) == "" {
		t.Logf("%s is not set: PostgreSQL backend not tested", testserver.EnvPostgres)
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

// start boots a server on backend b.
func (b backend) start(t *testing.T, opts ...testserver.Option) *testserver.Server {
	t.Helper()
	return testserver.Start(t, append(append([]testserver.Option(nil), b.opts...), opts...)...)
}

// ---------------------------------------------------------------------------
// aws-sdk-go-v2

// newSDK returns a cognito-identity client with the server's admin key pair
// as static credentials, region us-east-1, no retries.
func newSDK(t testing.TB, s *testserver.Server, optFns ...func(*cognitoidentity.Options)) *cognitoidentity.Client {
	t.Helper()
	return newSDKWith(t, s, credentials.NewStaticCredentialsProvider(s.AccessKeyID, s.SecretAccessKey, ""), optFns...)
}

func newSDKWith(t testing.TB, s *testserver.Server, creds aws.CredentialsProvider, optFns ...func(*cognitoidentity.Options)) *cognitoidentity.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(t.Context(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(creds),
		config.WithBaseEndpoint(s.URL),
		config.WithRetryMaxAttempts(1),
		// Hermetic: nothing from ~/.aws or the environment's profile.
		config.WithSharedConfigFiles([]string{filepath.Join(t.TempDir(), "none")}),
		config.WithSharedCredentialsFiles([]string{filepath.Join(t.TempDir(), "none")}),
	)
	if err != nil {
		t.Fatalf("LoadDefaultConfig: %v", err)
	}
	return cognitoidentity.NewFromConfig(cfg, optFns...)
}

// ---------------------------------------------------------------------------
// One interface over the three clients, so that every scenario runs with
// each of them and their results can be compared as plain JSON.

// apiErr is an error answer as a client reports it.
type apiErr struct {
	Code    string
	Message string
	Status  int    // HTTP status; 0 when the client does not expose it (CLI)
	Raw     string // client-specific rendering (CLI stderr)
}

func (e *apiErr) String() string {
	if e == nil {
		return "<no error>"
	}
	return fmt.Sprintf("%s (HTTP %d): %s", e.Code, e.Status, e.Message)
}

// adminClient calls a cognito-identity operation by its API name with
// parameters in the API's JSON shape and returns the result normalized to
// JSON (response metadata removed, null members dropped).
type adminClient interface {
	Name() string
	Call(t testing.TB, op string, params obj) (obj, *apiErr)
}

// sdkClient is aws-sdk-go-v2: params are decoded into the operation's Input
// struct, the Output struct is encoded back to JSON.
type sdkClient struct {
	c *cognitoidentity.Client
}

func (sdkClient) Name() string { return "sdk" }

func (s sdkClient) Call(t testing.TB, op string, params obj) (obj, *apiErr) {
	t.Helper()
	fn, ok := sdkOps(s.c)[op]
	if !ok {
		t.Fatalf("sdk: no operation %s", op)
	}
	raw, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	out, err := fn(t.Context(), raw)
	if err != nil {
		return nil, sdkError(t, err)
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	var m obj
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "ResultMetadata")
	return dropNulls(m).(obj), nil
}

type sdkFunc func(ctx context.Context, raw []byte) (any, error)

func sdkOp[In, Out any](fn func(context.Context, *In, ...func(*cognitoidentity.Options)) (*Out, error)) sdkFunc {
	return func(ctx context.Context, raw []byte) (any, error) {
		in := new(In)
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(in); err != nil {
			return nil, fmt.Errorf("test bug: params do not fit %T: %w", in, err)
		}
		return fn(ctx, in)
	}
}

func sdkOps(c *cognitoidentity.Client) map[string]sdkFunc {
	return map[string]sdkFunc{
		"CreateIdentityPool":          sdkOp(c.CreateIdentityPool),
		"DescribeIdentityPool":        sdkOp(c.DescribeIdentityPool),
		"UpdateIdentityPool":          sdkOp(c.UpdateIdentityPool),
		"DeleteIdentityPool":          sdkOp(c.DeleteIdentityPool),
		"ListIdentityPools":           sdkOp(c.ListIdentityPools),
		"SetIdentityPoolRoles":        sdkOp(c.SetIdentityPoolRoles),
		"GetIdentityPoolRoles":        sdkOp(c.GetIdentityPoolRoles),
		"SetPrincipalTagAttributeMap": sdkOp(c.SetPrincipalTagAttributeMap),
		"GetPrincipalTagAttributeMap": sdkOp(c.GetPrincipalTagAttributeMap),
		"TagResource":                 sdkOp(c.TagResource),
		"UntagResource":               sdkOp(c.UntagResource),
		"ListTagsForResource":         sdkOp(c.ListTagsForResource),
	}
}

// sdkError converts an SDK error to an apiErr; anything that is not an API
// error (transport failure, test bug) fails the test.
func sdkError(t testing.TB, err error) *apiErr {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("sdk: not an API error: %v", err)
	}
	e := &apiErr{Code: ae.ErrorCode(), Message: ae.ErrorMessage(), Raw: err.Error()}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		e.Status = re.HTTPStatusCode()
	}
	return e
}

// cliAuth says how the CLI authenticates.
type cliAuth struct {
	profile   bool   // --profile idpool from the server's credentials file
	accessKey string // otherwise AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
	secretKey string
	noSign    bool // --no-sign-request
}

// cliClient is the AWS CLI v2 of the Debian awscli package. By default each
// command runs /usr/bin/aws as a new process. An in-process client
// (newCLIInProcess) runs the same entry point /usr/bin/aws calls,
// awscli.clidriver.AWSCLIEntryPoint().main(args), for each command in one
// long-lived /usr/bin/python3 (testdata/awscli_driver.py): the same code,
// output and exit codes, without the ~0.5 s interpreter start per command.
//
// Call passes parameters with --cli-input-json, so the request is exactly
// the API shape; ListIdentityPools gets --no-paginate so that one call is
// one request.
type cliClient struct {
	s      *testserver.Server
	auth   cliAuth
	inproc *pyDriver
	// service is the CLI command ("cognito-identity" when empty).
	service string
}

// newCLI returns a CLI client that runs /usr/bin/aws with the server's
// generated profile.
func newCLI(t testing.TB, s *testserver.Server) *cliClient {
	t.Helper()
	return newCLIWith(t, s, cliAuth{profile: true})
}

func newCLIWith(t testing.TB, s *testserver.Server, auth cliAuth) *cliClient {
	t.Helper()
	testserver.RequireClient(t, testserver.AWSCLI)
	return &cliClient{s: s, auth: auth}
}

// newCLIInProcess returns a CLI client whose commands run in one
// /usr/bin/python3 process through the CLI's own entry point.
func newCLIInProcess(t testing.TB, s *testserver.Server, auth cliAuth) *cliClient {
	t.Helper()
	c := newCLIWith(t, s, auth)
	c.inproc = startPyDriver(t, "awscli_driver.py", c.environ(t))
	var ready struct {
		Ready   bool
		Version string
	}
	c.inproc.read(t, &ready)
	if !ready.Ready {
		t.Fatalf("awscli driver not ready")
	}
	return c
}

func (*cliClient) Name() string { return "cli" }

var camelRE = regexp.MustCompile(`([a-z])([A-Z])`)

func kebab(op string) string { return strings.ToLower(camelRE.ReplaceAllString(op, "$1-$2")) }

func (c *cliClient) Call(t testing.TB, op string, params obj) (obj, *apiErr) {
	t.Helper()
	in, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{kebab(op), "--cli-input-json", string(in)}
	if op == "ListIdentityPools" {
		args = append(args, "--no-paginate")
	}
	stdout, stderr, code := c.run(t, args...)
	return c.result(t, op, stdout, stderr, code)
}

// result interprets a command's outcome: exit code 0 with JSON (or
// nothing) on stdout, 254 with AWS's one-line error report on stderr, or
// 252 for client-side parameter validation.
func (c *cliClient) result(t testing.TB, op, stdout, stderr string, code int) (obj, *apiErr) {
	t.Helper()
	switch code {
	case 0:
		if stderr != "" {
			t.Errorf("cli %s: succeeded with stderr %q", op, stderr)
		}
		if strings.TrimSpace(stdout) == "" {
			return obj{}, nil
		}
		var m obj
		if err := json.Unmarshal([]byte(stdout), &m); err != nil {
			t.Fatalf("cli %s: stdout is not JSON: %v\n%s", op, err, stdout)
		}
		return dropNulls(m).(obj), nil
	case 254:
		if stdout != "" {
			t.Errorf("cli %s: failed with stdout %q", op, stdout)
		}
		return nil, parseCLIError(t, op, stderr)
	case 252:
		return nil, &apiErr{Code: "ParamValidation", Message: strings.TrimSpace(stderr), Raw: stderr}
	default:
		t.Fatalf("cli %s: exit code %d\nstdout: %s\nstderr: %s", op, code, stdout, stderr)
		return nil, nil
	}
}

// The CLI retries throttling-like errors (LimitExceededException is one of
// botocore's) and then says so: "operation (reached max retries: 2): …".
var cliErrRE = regexp.MustCompile(`^\nAn error occurred \(([A-Za-z]+)\) when calling the ([A-Za-z]+) operation(?: \(reached max retries: \d+\))?: (.*)\n$`)

// parseCLIError parses the CLI's one-line error report; its exact shape is
// part of what is tested.
func parseCLIError(t testing.TB, op, stderr string) *apiErr {
	t.Helper()
	m := cliErrRE.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("cli %s: stderr is not an AWS error report: %q", op, stderr)
	}
	if m[2] != op {
		t.Errorf("cli: error names operation %s, want %s", m[2], op)
	}
	return &apiErr{Code: m[1], Message: m[3], Raw: stderr}
}

// run runs `aws --endpoint-url URL --output json [auth] <service>
// args…` and returns stdout, stderr and the exit code.
func (c *cliClient) run(t testing.TB, args ...string) (string, string, int) {
	t.Helper()
	full := []string{"--endpoint-url", c.s.URL, "--output", "json"}
	if c.auth.profile {
		full = append(full, "--profile", testserver.ProfileName)
	}
	if c.auth.noSign {
		full = append(full, "--no-sign-request")
	}
	service := c.service
	if service == "" {
		service = "cognito-identity"
	}
	full = append(full, service)
	full = append(full, args...)
	if c.inproc != nil {
		var r struct {
			RC     int    `json:"rc"`
			Stdout string `json:"stdout"`
			Stderr string `json:"stderr"`
		}
		c.inproc.roundTrip(t, obj{"args": full}, &r)
		return r.Stdout, r.Stderr, r.RC
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, testserver.AWSCLI, full...)
	cmd.Env = c.environ(t)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("run %s: %v", testserver.AWSCLI, err)
		}
		code = ee.ExitCode()
	}
	return stdout.String(), stderr.String(), code
}

// environ is the CLI's environment: no pager, no instance metadata, no
// config file; the server's credentials file for the profile, or the
// explicit key pair and region.
func (c *cliClient) environ(t testing.TB) []string {
	t.Helper()
	env := append(cleanEnviron(), "PAGER=cat", "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE="+filepath.Join(t.TempDir(), "no-config"))
	if c.auth.profile {
		return append(env, "AWS_SHARED_CREDENTIALS_FILE="+c.s.CredentialsFile)
	}
	env = append(env, "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(t.TempDir(), "no-credentials"),
		"AWS_DEFAULT_REGION=us-east-1")
	if !c.auth.noSign {
		env = append(env, "AWS_ACCESS_KEY_ID="+c.auth.accessKey, "AWS_SECRET_ACCESS_KEY="+c.auth.secretKey)
	}
	return env
}

// cleanEnviron is the test process's environment without AWS_* variables
// and pagers, so that nothing from the machine leaks into a client.
func cleanEnviron() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || k == "PAGER" || k == "BOTO_CONFIG" {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// pyDriver is a long-lived /usr/bin/python3 running one of the
// testdata/*_driver.py scripts: one JSON line in, one JSON line out.
type pyDriver struct {
	script string
	mu     sync.Mutex
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *lockedBuffer
}

func startPyDriver(t testing.TB, script string, env []string) *pyDriver {
	t.Helper()
	cmd := exec.Command(testserver.Python3, filepath.Join("testdata", script))
	cmd.Env = env
	d := &pyDriver{script: script, stderr: &lockedBuffer{}}
	cmd.Stderr = d.stderr
	var err error
	if d.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	d.stdout = bufio.NewReader(out)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", script, err)
	}
	t.Cleanup(func() {
		d.stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s: %v\n%s", script, err, d.stderr.String())
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("%s did not exit", script)
		}
	})
	return d
}

// roundTrip sends one line and decodes the one-line answer into out.
func (d *pyDriver) roundTrip(t testing.TB, msg any, out any) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	line, err := json.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.stdin.Write(append(line, '\n')); err != nil {
		t.Fatalf("%s: write: %v\n%s", d.script, err, d.stderr.String())
	}
	d.readLocked(t, out)
}

// read decodes the next answer line without sending anything.
func (d *pyDriver) read(t testing.TB, out any) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.readLocked(t, out)
}

func (d *pyDriver) readLocked(t testing.TB, out any) {
	t.Helper()
	resp, err := d.stdout.ReadBytes('\n')
	if err != nil {
		t.Fatalf("%s: read: %v\n%s", d.script, err, d.stderr.String())
	}
	if err := json.Unmarshal(resp, out); err != nil {
		t.Fatalf("%s: bad answer %q: %v", d.script, resp, err)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// botoClient is boto3 under /usr/bin/python3, through
// testdata/boto3_driver.py.
type botoClient struct {
	d *pyDriver
}

// botoConfig is the boto3 driver's first line.
type botoConfig struct {
	Endpoint  string `json:"endpoint"`
	Profile   string `json:"profile,omitempty"`
	Region    string `json:"region,omitempty"`
	AccessKey string `json:"access_key,omitempty"`
	SecretKey string `json:"secret_key,omitempty"`
	Unsigned  bool   `json:"unsigned,omitempty"`
}

// newBoto3 starts a boto3 client using the server's generated profile.
func newBoto3(t testing.TB, s *testserver.Server) *botoClient {
	t.Helper()
	return newBoto3With(t, s, botoConfig{Profile: testserver.ProfileName})
}

func newBoto3With(t testing.TB, s *testserver.Server, cfg botoConfig) *botoClient {
	t.Helper()
	testserver.RequirePythonModule(t, testserver.Python3, "boto3")
	cfg.Endpoint = s.URL
	env := append(cleanEnviron(), "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE="+filepath.Join(t.TempDir(), "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+s.CredentialsFile)
	b := &botoClient{d: startPyDriver(t, "boto3_driver.py", env)}
	var ready struct {
		Ready    bool   `json:"ready"`
		Boto3    string `json:"boto3"`
		Botocore string `json:"botocore"`
	}
	b.d.roundTrip(t, cfg, &ready)
	if !ready.Ready {
		t.Fatalf("boto3 driver not ready")
	}
	return b
}

func (*botoClient) Name() string { return "boto3" }

type botoAnswer struct {
	Result    obj    `json:"result"`
	Status    int    `json:"status"`
	RequestID string `json:"request_id"`
	Error     *struct {
		Code           string
		Message        string
		HTTPStatusCode int
		RequestId      string
		ErrorType      string
	} `json:"error"`
	Pages []obj `json:"pages"`
	Full  obj   `json:"full"`
}

func (b *botoClient) Call(t testing.TB, op string, params obj) (obj, *apiErr) {
	t.Helper()
	var a botoAnswer
	b.d.roundTrip(t, obj{"op": op, "params": params}, &a)
	if a.Error != nil {
		e := &apiErr{Code: a.Error.Code, Message: a.Error.Message, Status: a.Error.HTTPStatusCode, Raw: fmt.Sprint(*a.Error)}
		if e.Code != "ParamValidation" {
			if a.Error.RequestId == "" {
				t.Errorf("boto3 %s: error without a request ID", op)
			}
			if a.Error.ErrorType != e.Code+":" {
				t.Errorf("boto3 %s: x-amzn-ErrorType = %q, want %q", op, a.Error.ErrorType, e.Code+":")
			}
		}
		return nil, e
	}
	if a.Status != 200 {
		t.Errorf("boto3 %s: HTTP %d, want 200", op, a.Status)
	}
	if a.RequestID == "" {
		t.Errorf("boto3 %s: no request ID", op)
	}
	return dropNulls(a.Result).(obj), nil
}

// paginate runs a boto3 paginator and returns its pages and full result.
func (b *botoClient) paginate(t testing.TB, op string, params, config obj) ([]obj, obj, *apiErr) {
	t.Helper()
	var a botoAnswer
	b.d.roundTrip(t, obj{"paginate": op, "params": params, "config": config}, &a)
	if a.Error != nil {
		return nil, nil, &apiErr{Code: a.Error.Code, Message: a.Error.Message, Status: a.Error.HTTPStatusCode}
	}
	return a.Pages, a.Full, nil
}

// clients returns the three clients for server s (skipping or failing, as
// testserver.RequireClient decides, when the CLI or boto3 is missing —
// which only affects the subtests that use them).
type clientFactory struct {
	name string
	new  func(t testing.TB, s *testserver.Server) adminClient
}

var allClients = []clientFactory{
	{"sdk", func(t testing.TB, s *testserver.Server) adminClient { return sdkClient{newSDK(t, s)} }},
	{"cli", func(t testing.TB, s *testserver.Server) adminClient {
		return newCLIInProcess(t, s, cliAuth{profile: true})
	}},
	{"boto3", func(t testing.TB, s *testserver.Server) adminClient { return newBoto3(t, s) }},
}

// ---------------------------------------------------------------------------
// Assertions

// dropNulls removes null members from objects, recursively.
func dropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if e == nil {
				continue
			}
			out[k] = dropNulls(e)
		}
		return out
	case []any:
		for i := range x {
			x[i] = dropNulls(x[i])
		}
		return x
	}
	return v
}

// canon renders v as canonical JSON (sorted keys), so that values built
// from Go literals and decoded JSON compare equal.
func canon(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatal(err)
	}
	b, err = json.MarshalIndent(x, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// mustOK fails the test if the call failed.
func mustOK(t testing.TB, c adminClient, op string, params obj) obj {
	t.Helper()
	out, e := c.Call(t, op, params)
	if e != nil {
		t.Fatalf("%s %s: unexpected error %s\n%s", c.Name(), op, e, e.Raw)
	}
	return out
}

// wantResult fails unless got equals want as JSON.
func wantResult(t testing.TB, what string, got, want any) {
	t.Helper()
	if g, w := canon(t, got), canon(t, want); g != w {
		t.Errorf("%s:\n got: %s\nwant: %s", what, g, w)
	}
}

// wantErr calls op and fails unless it answers the error code and message
// (with HTTP 400 where the client exposes the status).
func wantErr(t testing.TB, c adminClient, op string, params obj, code, message string) *apiErr {
	t.Helper()
	out, e := c.Call(t, op, params)
	if e == nil {
		t.Errorf("%s %s: succeeded with %s, want %s: %s", c.Name(), op, canon(t, out), code, message)
		return nil
	}
	if e.Code != code || e.Message != message {
		t.Errorf("%s %s: error\n got: %s: %s\nwant: %s: %s", c.Name(), op, e.Code, e.Message, code, message)
	}
	if e.Status != 0 && e.Status != 400 {
		t.Errorf("%s %s: HTTP status %d, want 400", c.Name(), op, e.Status)
	}
	return e
}

// poolState is everything observable about a pool through the admin API,
// read with the SDK: describe, roles, tags and the principal tag maps of
// its user-pool providers. Tests compare it before and after a rejected
// write.
func poolState(t testing.TB, c *cognitoidentity.Client, arn, poolID string) string {
	t.Helper()
	sc := sdkClient{c}
	st := obj{}
	d, e := sc.Call(t, "DescribeIdentityPool", obj{"IdentityPoolId": poolID})
	if e != nil {
		return "describe: " + e.String()
	}
	st["pool"] = d
	st["roles"], e = sc.Call(t, "GetIdentityPoolRoles", obj{"IdentityPoolId": poolID})
	if e != nil {
		t.Fatalf("GetIdentityPoolRoles: %s", e)
	}
	st["tags"], e = sc.Call(t, "ListTagsForResource", obj{"ResourceArn": arn})
	if e != nil {
		t.Fatalf("ListTagsForResource: %s", e)
	}
	var providers []string
	if cps, ok := d["CognitoIdentityProviders"].([]any); ok {
		for _, cp := range cps {
			providers = append(providers, cp.(obj)["ProviderName"].(string))
		}
	}
	sort.Strings(providers)
	ptm := obj{}
	for _, p := range providers {
		ptm[p], e = sc.Call(t, "GetPrincipalTagAttributeMap", obj{"IdentityPoolId": poolID, "IdentityProviderName": p})
		if e != nil {
			t.Fatalf("GetPrincipalTagAttributeMap: %s", e)
		}
	}
	st["principalTags"] = ptm
	return canon(t, st)
}

// listAllPools returns every pool (ID → name) with the SDK paginator.
func listAllPools(t testing.TB, c *cognitoidentity.Client) map[string]string {
	t.Helper()
	out := map[string]string{}
	p := cognitoidentity.NewListIdentityPoolsPaginator(c, &cognitoidentity.ListIdentityPoolsInput{MaxResults: aws.Int32(60)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("ListIdentityPools: %v", err)
		}
		for _, ip := range page.IdentityPools {
			out[aws.ToString(ip.IdentityPoolId)] = aws.ToString(ip.IdentityPoolName)
		}
	}
	return out
}

// poolNamed reports whether a pool with that name exists.
func poolNamed(t testing.TB, c *cognitoidentity.Client, name string) bool {
	t.Helper()
	for _, n := range listAllPools(t, c) {
		if n == name {
			return true
		}
	}
	return false
}

var poolIDRE = regexp.MustCompile(`^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func wantPoolID(t testing.TB, id any) string {
	t.Helper()
	s, _ := id.(string)
	if !poolIDRE.MatchString(s) {
		t.Fatalf("IdentityPoolId %v does not look like us-east-1:<lower-case uuid>", id)
	}
	return s
}

// without returns a copy of m without the keys.
func without(m obj, keys ...string) obj {
	out := obj{}
	for k, v := range m {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

func with(m obj, kv ...any) obj {
	out := without(m)
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// registerProviders registers, through the server's IAM surface and
// aws-sdk-go-v2's IAM client, the OIDC and SAML providers fullPool names:
// as on AWS, a pool may only name providers that exist in IAM.
func registerProviders(t testing.TB, s *testserver.Server) {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(t.Context(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(s.AccessKeyID, s.SecretAccessKey, "")),
		config.WithBaseEndpoint(s.URL),
		config.WithRetryMaxAttempts(1),
		config.WithSharedConfigFiles([]string{filepath.Join(t.TempDir(), "none")}),
		config.WithSharedCredentialsFiles([]string{filepath.Join(t.TempDir(), "none")}),
	)
	if err != nil {
		t.Fatal(err)
	}
	c := awsiam.NewFromConfig(cfg)
	oidc, err := c.CreateOpenIDConnectProvider(t.Context(), &awsiam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://issuer.example.com"), ClientIDList: []string{"app"},
		ThumbprintList: []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"},
	})
	if err != nil {
		t.Fatalf("IAM CreateOpenIDConnectProvider: %v", err)
	}
	if got := aws.ToString(oidc.OpenIDConnectProviderArn); got != oidcARN {
		t.Fatalf("OIDC provider ARN %s, want %s", got, oidcARN)
	}
	saml, err := c.CreateSAMLProvider(t.Context(), &awsiam.CreateSAMLProviderInput{
		Name: aws.String("corp"), SAMLMetadataDocument: aws.String(iamtest.SAMLMetadata(t, "https://idp.example.com")),
	})
	if err != nil {
		t.Fatalf("IAM CreateSAMLProvider: %v", err)
	}
	if got := aws.ToString(saml.SAMLProviderArn); got != samlARN {
		t.Fatalf("SAML provider ARN %s, want %s", got, samlARN)
	}
}

// startWithProviders starts a server on backend b with the providers of
// fullPool registered.
func (b backend) startWithProviders(t *testing.T, opts ...testserver.Option) *testserver.Server {
	t.Helper()
	s := b.start(t, opts...)
	registerProviders(t, s)
	return s
}

// wrongSecret returns a secret that differs from secret in its first
// character, whatever that character is.
func wrongSecret(secret string) string {
	first := "X"
	if strings.HasPrefix(secret, "X") {
		first = "Y"
	}
	return first + secret[1:]
}
