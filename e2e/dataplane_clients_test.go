package e2e

// The three data-plane flows with boto3 (e2e/testdata/dataplane_flows.py)
// and the AWS CLI, both the Debian packages (/usr/bin/python3,
// /usr/bin/aws). Pools are prepared with the Go SDK; the client under test
// makes every data-plane call, and its output is asserted here.

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"

	"github.com/idpool/idpool/internal/testserver"
)

// dpClientEnv is a minimal environment for an external client: nothing from
// the developer's AWS configuration leaks in; extra variables are appended.
func dpClientEnv(t *testing.T, extra ...string) []string {
	home := t.TempDir()
	env := []string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"HOME=" + home,
		"LANG=C.UTF-8",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "no-credentials"),
		"AWS_PAGER=",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_RETRY_MODE=standard",
		"AWS_MAX_ATTEMPTS=1",
	}
	return append(env, extra...)
}

// dpAdminProfileEnv selects the admin profile of the credentials file the
// server wrote.
func dpAdminProfileEnv(srv *testserver.Server) []string {
	return []string{"AWS_SHARED_CREDENTIALS_FILE=" + srv.CredentialsFile, "AWS_PROFILE=" + testserver.ProfileName}
}

// dpTempCredsEnv passes temporary credentials in the standard variables.
func dpTempCredsEnv(akid, secret, session string) []string {
	return []string{"AWS_ACCESS_KEY_ID=" + akid, "AWS_SECRET_ACCESS_KEY=" + secret, "AWS_SESSION_TOKEN=" + session}
}

// dpRun runs a client and returns stdout, stderr and the exit code; it fails
// the test if the process could not start or ran longer than a minute.
func dpRun(t *testing.T, env []string, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.CommandContext(dpTimeout(t, time.Minute), name, args...)
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, e.String())
		}
	}
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}

// dpCLI runs /usr/bin/aws against srv with JSON output and decodes the
// result into out (if not nil); a non-zero exit fails the test.
func dpCLI(t *testing.T, srv *testserver.Server, env []string, out any, args ...string) {
	t.Helper()
	args = append(args, "--endpoint-url", srv.URL, "--region", srv.Region, "--output", "json")
	stdout, stderr, code := dpRun(t, env, testserver.AWSCLI, args...)
	if code != 0 {
		t.Fatalf("aws %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(stdout), out); err != nil {
			t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, stdout)
		}
	}
}

// dpCLIError runs /usr/bin/aws, expects it to fail and returns stderr.
func dpCLIError(t *testing.T, srv *testserver.Server, env []string, args ...string) string {
	t.Helper()
	args = append(args, "--endpoint-url", srv.URL, "--region", srv.Region, "--output", "json")
	stdout, stderr, code := dpRun(t, env, testserver.AWSCLI, args...)
	if code == 0 {
		t.Fatalf("aws %s succeeded, want an error:\n%s", strings.Join(args, " "), stdout)
	}
	return stderr
}

// dpWantCLIError asserts the CLI's error line for an AWS error: "An error
// occurred (<code>) when calling the <op> operation[ (reached max retries:
// N)]: <msg>".
func dpWantCLIError(t *testing.T, stderr, code, op, msg string) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^An error occurred \(` + regexp.QuoteMeta(code) + `\) when calling the ` + op +
		` operation(?: \(reached max retries: \d+\))?: ` + regexp.QuoteMeta(msg) + `$`)
	if !re.MatchString(stderr) {
		t.Errorf("aws CLI stderr:\n%s\nwant the line: An error occurred (%s) when calling the %s operation: %s", stderr, code, op, msg)
	}
}

// cliCredentials is the Credentials member as the CLI prints it (both
// Cognito's SecretKey and STS's SecretAccessKey).
type cliCredentials struct {
	AccessKeyId     string
	SecretKey       string
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

func (c cliCredentials) secret() string { return c.SecretKey + c.SecretAccessKey }

// expiration parses the CLI's timestamp (ISO 8601 in CLI v2, epoch
// seconds in v1).
func (c cliCredentials) expiration(t *testing.T) time.Time {
	t.Helper()
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-07:00", "2006-01-02T15:04:05Z0700"} {
		if ts, err := time.Parse(layout, c.Expiration); err == nil {
			return ts
		}
	}
	t.Fatalf("unparsable Expiration %q", c.Expiration)
	return time.Time{}
}

type cliCaller struct{ Arn, UserId, Account string }

func cliCallerIdentity(t *testing.T, srv *testserver.Server, c cliCredentials) cliCaller {
	t.Helper()
	var who cliCaller
	dpCLI(t, srv, dpClientEnv(t, dpTempCredsEnv(c.AccessKeyId, c.secret(), c.SessionToken)...), &who, "sts", "get-caller-identity")
	return who
}

// cliOnPeer runs sts get-caller-identity on the peer node, if any.
func (e *dpEnv) cliOnPeer(t *testing.T, c cliCredentials, wantARN string) {
	t.Helper()
	if e.peer == nil {
		return
	}
	if got := cliCallerIdentity(t, e.peer, c).Arn; got != wantARN {
		t.Errorf("sts get-caller-identity on the second node: Arn = %q, want %q", got, wantARN)
	}
}

func dpJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// dataplaneCLI runs the guest, developer and classic flows with the AWS CLI
// as concurrent subtests.
func dataplaneCLI(t *testing.T, e *dpEnv) {
	testserver.RequireClient(t, testserver.AWSCLI)
	srv := e.srv
	guestRole, memberRole := dpName("CliGuest"), dpName("CliMember")
	dev := "login.cli.test"
	pool := e.createPool(t, cognitoidentity.CreateIdentityPoolInput{AllowUnauthenticatedIdentities: true, DeveloperProviderName: aws.String(dev)})
	e.setRoles(t, pool, dpRoleARN(srv, guestRole), dpRoleARN(srv, memberRole), nil)
	closed := e.createPool(t, cognitoidentity.CreateIdentityPoolInput{})
	noClassic := e.createPool(t, cognitoidentity.CreateIdentityPoolInput{AllowUnauthenticatedIdentities: true, AllowClassicFlow: aws.Bool(false)})
	unsigned := dpClientEnv(t) // no credentials at all: --no-sign-request must suffice
	g := dpGo(t)
	defer g.Wait()

	g.Run("guest", func(t *testing.T) {
		var id struct{ IdentityId string }
		dpCLI(t, srv, unsigned, &id, "cognito-identity", "get-id", "--identity-pool-id", pool, "--no-sign-request")
		var out struct {
			IdentityId  string
			Credentials cliCredentials
		}
		dpCLI(t, srv, unsigned, &out, "cognito-identity", "get-credentials-for-identity", "--identity-id", id.IdentityId, "--no-sign-request")
		if out.IdentityId != id.IdentityId {
			t.Errorf("IdentityId = %q, want %q", out.IdentityId, id.IdentityId)
		}
		c := out.Credentials
		checkTempCredentials(t, c.AccessKeyId, c.secret(), c.SessionToken, c.expiration(t), time.Hour)
		if got, want := cliCallerIdentity(t, srv, c).Arn, dpAssumedRoleARN(srv, guestRole, "CognitoIdentityCredentials"); got != want {
			t.Errorf("sts get-caller-identity Arn = %q, want %q", got, want)
		}
		e.cliOnPeer(t, c, dpAssumedRoleARN(srv, guestRole, "CognitoIdentityCredentials"))
		dpWantCLIError(t, dpCLIError(t, srv, unsigned, "cognito-identity", "get-id", "--identity-pool-id", closed, "--no-sign-request"),
			"NotAuthorizedException", "GetId", "Unauthenticated access is not supported for this identity pool.")
	})
	g.Run("developer", func(t *testing.T) {
		admin := dpClientEnv(t, dpAdminProfileEnv(srv)...)
		user := dpName("cli-user")
		var tok struct{ IdentityId, Token string }
		dpCLI(t, srv, admin, &tok, "cognito-identity", "get-open-id-token-for-developer-identity",
			"--identity-pool-id", pool, "--logins", dpJSON(map[string]string{dev: user}),
			"--principal-tags", dpJSON(map[string]string{"team": "blue"}), "--token-duration", "1800")
		c := verifyToken(t, srv, tok.Token)
		if c.Sub != tok.IdentityId || c.Exp-c.Iat != 1800 || c.Tags == nil || !slices.Equal(c.Tags.PrincipalTags["team"], []string{"blue"}) {
			t.Errorf("developer token: sub=%q exp-iat=%d tags=%+v", c.Sub, c.Exp-c.Iat, c.Tags)
		}
		var out struct {
			IdentityId  string
			Credentials cliCredentials
		}
		dpCLI(t, srv, unsigned, &out, "cognito-identity", "get-credentials-for-identity", "--identity-id", tok.IdentityId,
			"--logins", dpJSON(map[string]string{cognitoLogin: tok.Token}), "--no-sign-request")
		cr := out.Credentials
		checkTempCredentials(t, cr.AccessKeyId, cr.secret(), cr.SessionToken, cr.expiration(t), time.Hour)
		if got, want := cliCallerIdentity(t, srv, cr).Arn, dpAssumedRoleARN(srv, memberRole, "CognitoIdentityCredentials"); got != want {
			t.Errorf("sts get-caller-identity Arn = %q, want %q", got, want)
		}
		e.cliOnPeer(t, cr, dpAssumedRoleARN(srv, memberRole, "CognitoIdentityCredentials"))
		// Without the token the identity is forbidden.
		dpWantCLIError(t, dpCLIError(t, srv, unsigned, "cognito-identity", "get-credentials-for-identity", "--identity-id", tok.IdentityId, "--no-sign-request"),
			"NotAuthorizedException", "GetCredentialsForIdentity", "Access to Identity '"+tok.IdentityId+"' is forbidden.")
	})
	g.Run("classic", func(t *testing.T) {
		var id struct{ IdentityId string }
		dpCLI(t, srv, unsigned, &id, "cognito-identity", "get-id", "--identity-pool-id", pool, "--no-sign-request")
		var tok struct{ IdentityId, Token string }
		dpCLI(t, srv, unsigned, &tok, "cognito-identity", "get-open-id-token", "--identity-id", id.IdentityId, "--no-sign-request")
		role, session := dpName("CliClassic"), "cli-session"
		var ar struct {
			Credentials                 cliCredentials
			SubjectFromWebIdentityToken string
			AssumedRoleUser             struct{ Arn, AssumedRoleId string }
			Provider, Audience          string
		}
		dpCLI(t, srv, unsigned, &ar, "sts", "assume-role-with-web-identity", "--role-arn", dpRoleARN(srv, role),
			"--role-session-name", session, "--web-identity-token", tok.Token, "--duration-seconds", "900", "--no-sign-request")
		wantARN := dpAssumedRoleARN(srv, role, session)
		if ar.SubjectFromWebIdentityToken != id.IdentityId || ar.Audience != pool || ar.Provider != cognitoLogin || ar.AssumedRoleUser.Arn != wantARN {
			t.Errorf("assume-role-with-web-identity: Subject=%q Audience=%q Provider=%q Arn=%q; want %q %q %q %q",
				ar.SubjectFromWebIdentityToken, ar.Audience, ar.Provider, ar.AssumedRoleUser.Arn, id.IdentityId, pool, cognitoLogin, wantARN)
		}
		checkTempCredentials(t, ar.Credentials.AccessKeyId, ar.Credentials.secret(), ar.Credentials.SessionToken, ar.Credentials.expiration(t), 900*time.Second)
		if got := cliCallerIdentity(t, srv, ar.Credentials).Arn; got != wantARN {
			t.Errorf("sts get-caller-identity Arn = %q, want %q", got, wantARN)
		}
		e.cliOnPeer(t, ar.Credentials, wantARN)
		dpWantCLIError(t, dpCLIError(t, srv, unsigned, "cognito-identity", "get-open-id-token", "--identity-id", e.getID(t, noClassic), "--no-sign-request"),
			"InvalidParameterException", "GetOpenIdToken", "Basic (classic) flow is not enabled, please use enhanced flow.")
	})
}

// boto3Flow runs testdata/dataplane_flows.py <flow> with /usr/bin/python3
// and decodes its JSON output.
func boto3Flow(t *testing.T, srv *testserver.Server, flow string, out any, env ...string) {
	t.Helper()
	env = append(dpClientEnv(t, env...), "IDPOOL_URL="+srv.URL, "IDPOOL_REGION="+srv.Region)
	stdout, stderr, code := dpRun(t, env, testserver.Python3, filepath.Join("testdata", "dataplane_flows.py"), flow)
	if code != 0 {
		t.Fatalf("dataplane_flows.py %s: exit %d\n%s", flow, code, stderr)
	}
	if err := json.Unmarshal([]byte(stdout), out); err != nil {
		t.Fatalf("dataplane_flows.py %s: output is not JSON: %v\n%s", flow, err, stdout)
	}
}

type botoCreds struct {
	AccessKeyId     string
	HasSecret       bool
	HasSessionToken bool
	Expiration      float64
}

func (c botoCreds) check(t *testing.T, lifetime time.Duration) {
	t.Helper()
	if !c.HasSecret || !c.HasSessionToken {
		t.Errorf("credentials without secret (%v) or session token (%v)", c.HasSecret, c.HasSessionToken)
	}
	checkTempCredentials(t, c.AccessKeyId, strings.Repeat("s", 40), "token", time.Unix(int64(c.Expiration), 0), lifetime)
}

type botoError struct {
	Code, Message string
	Status        int
	Unexpected    any
}

func (b botoError) check(t *testing.T, what, code, msg string) {
	t.Helper()
	if b.Code != code || b.Message != msg || b.Status != 400 {
		t.Errorf("%s: got %+v, want %s %q (HTTP 400)", what, b, code, msg)
	}
}

// dataplaneBoto3 runs the guest, developer and classic flows with boto3 as
// concurrent subtests.
func dataplaneBoto3(t *testing.T, e *dpEnv) {
	testserver.RequirePythonModule(t, testserver.Python3, "boto3")
	srv := e.srv
	guestRole, memberRole := dpName("BotoGuest"), dpName("BotoMember")
	dev := "login.boto3.test"
	pool := e.createPool(t, cognitoidentity.CreateIdentityPoolInput{AllowUnauthenticatedIdentities: true, DeveloperProviderName: aws.String(dev)})
	e.setRoles(t, pool, dpRoleARN(srv, guestRole), dpRoleARN(srv, memberRole), nil)
	closed := e.createPool(t, cognitoidentity.CreateIdentityPoolInput{})
	noClassic := e.createPool(t, cognitoidentity.CreateIdentityPoolInput{AllowUnauthenticatedIdentities: true, AllowClassicFlow: aws.Bool(false)})
	g := dpGo(t)
	defer g.Wait()

	g.Run("guest", func(t *testing.T) {
		var r struct {
			IdentityId, ResponseIdentityId, AgainIdentityId, AgainAccessKeyId string
			Credentials                                                       botoCreds
			Caller, OtherCaller                                               cliCaller
			Closed                                                            botoError
		}
		boto3Flow(t, srv, "guest", &r, append(e.peerEnv(), "IDPOOL_POOL_ID="+pool, "IDPOOL_CLOSED_POOL_ID="+closed)...)
		if !strings.HasPrefix(r.IdentityId, srv.Region+":") || r.ResponseIdentityId != r.IdentityId || r.AgainIdentityId != r.IdentityId {
			t.Errorf("identity IDs: %q, %q, %q", r.IdentityId, r.ResponseIdentityId, r.AgainIdentityId)
		}
		r.Credentials.check(t, time.Hour)
		if r.AgainAccessKeyId == r.Credentials.AccessKeyId {
			t.Errorf("the returning guest got the same access key %s", r.AgainAccessKeyId)
		}
		if want := dpAssumedRoleARN(srv, guestRole, "CognitoIdentityCredentials"); r.Caller.Arn != want || r.Caller.Account != srv.AccountID {
			t.Errorf("get_caller_identity = %+v, want Arn %q", r.Caller, want)
		}
		e.checkOtherCaller(t, r.OtherCaller, r.Caller)
		r.Closed.check(t, "get_id on a pool without guest access", "NotAuthorizedException", "Unauthenticated access is not supported for this identity pool.")
	})
	g.Run("developer", func(t *testing.T) {
		user := dpName("boto-user")
		var r struct {
			IdentityId, Token, AgainIdentityId, AgainToken, CredentialsIdentityId string
			Lookup                                                                struct {
				IdentityId                  string
				DeveloperUserIdentifierList []string
			}
			Credentials         botoCreds
			Caller, OtherCaller cliCaller
		}
		boto3Flow(t, srv, "developer", &r, append(append(dpAdminProfileEnv(srv), e.peerEnv()...),
			"IDPOOL_POOL_ID="+pool, "IDPOOL_DEVELOPER_PROVIDER="+dev, "IDPOOL_DEVELOPER_USER="+user)...)
		if r.AgainIdentityId != r.IdentityId || r.CredentialsIdentityId != r.IdentityId {
			t.Errorf("identity IDs: %q, again %q, credentials %q", r.IdentityId, r.AgainIdentityId, r.CredentialsIdentityId)
		}
		if r.Lookup.IdentityId != r.IdentityId || !slices.Equal(r.Lookup.DeveloperUserIdentifierList, []string{user}) {
			t.Errorf("lookup_developer_identity = %+v", r.Lookup)
		}
		c := verifyToken(t, srv, r.Token)
		if c.Exp-c.Iat != 1800 || c.Tags == nil || !slices.Equal(c.Tags.PrincipalTags["team"], []string{"blue"}) ||
			!slices.Equal(c.AMR, []string{"authenticated", dev, dev + ":" + pool + ":" + user}) {
			t.Errorf("developer token: exp-iat=%d amr=%q tags=%+v", c.Exp-c.Iat, c.AMR, c.Tags)
		}
		if c2 := verifyToken(t, srv, r.AgainToken); c2.Exp-c2.Iat != 900 {
			t.Errorf("default developer token lifetime %d, want 900", c2.Exp-c2.Iat)
		}
		r.Credentials.check(t, time.Hour)
		if want := dpAssumedRoleARN(srv, memberRole, "CognitoIdentityCredentials"); r.Caller.Arn != want {
			t.Errorf("get_caller_identity Arn = %q, want %q", r.Caller.Arn, want)
		}
		e.checkOtherCaller(t, r.OtherCaller, r.Caller)
	})
	g.Run("classic", func(t *testing.T) {
		role, session := dpName("BotoClassic"), "boto3-session"
		var r struct {
			IdentityId, TokenIdentityId, Token              string
			SubjectFromWebIdentityToken, Audience, Provider string
			AssumedRoleUser                                 struct{ Arn, AssumedRoleId string }
			Credentials                                     botoCreds
			Caller, OtherCaller                             cliCaller
			NoClassic                                       botoError
		}
		boto3Flow(t, srv, "classic", &r, append(e.peerEnv(), "IDPOOL_POOL_ID="+pool, "IDPOOL_ROLE_ARN="+dpRoleARN(srv, role),
			"IDPOOL_SESSION_NAME="+session, "IDPOOL_NOCLASSIC_POOL_ID="+noClassic)...)
		wantARN := dpAssumedRoleARN(srv, role, session)
		if r.TokenIdentityId != r.IdentityId || r.SubjectFromWebIdentityToken != r.IdentityId || r.Audience != pool ||
			r.Provider != cognitoLogin || r.AssumedRoleUser.Arn != wantARN || !strings.HasSuffix(r.AssumedRoleUser.AssumedRoleId, ":"+session) {
			t.Errorf("classic flow: %+v; want subject %s, audience %s, provider %s, Arn %s", r, r.IdentityId, pool, cognitoLogin, wantARN)
		}
		if c := verifyToken(t, srv, r.Token); c.Exp-c.Iat != 600 || !slices.Equal(c.AMR, []string{"unauthenticated"}) {
			t.Errorf("GetOpenIdToken token: exp-iat=%d amr=%q", c.Exp-c.Iat, c.AMR)
		}
		r.Credentials.check(t, 900*time.Second)
		if r.Caller.Arn != wantARN {
			t.Errorf("get_caller_identity Arn = %q, want %q", r.Caller.Arn, wantARN)
		}
		e.checkOtherCaller(t, r.OtherCaller, r.Caller)
		r.NoClassic.check(t, "get_open_id_token with AllowClassicFlow=false", "InvalidParameterException", "Basic (classic) flow is not enabled, please use enhanced flow.")
	})
}

// checkOtherCaller asserts that a script client's GetCallerIdentity on the
// peer node (IDPOOL_OTHER_URL) saw the same caller as on the first node.
func (e *dpEnv) checkOtherCaller(t *testing.T, other, want cliCaller) {
	t.Helper()
	if e.peer != nil && (other != want || want.Arn == "") {
		t.Errorf("GetCallerIdentity on the second node = %+v, want %+v", other, want)
	}
}

// requireJS skips (or, with IDPOOL_E2E_REQUIRED=1, fails) when node or
// e2e/js/node_modules is missing, and returns node's path.
func requireJS(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		if _, err = os.Stat(filepath.Join("js", "node_modules", "@aws-sdk", "credential-providers")); err != nil {
			err = &os.PathError{Op: "stat", Path: "e2e/js/node_modules (run: cd e2e/js && npm ci)", Err: err}
		}
	}
	if err != nil {
		msg := "JavaScript SDK tests need node and e2e/js/node_modules: " + err.Error()
		if os.Getenv(testserver.EnvRequired) == "1" {
			t.Fatalf("%s; %s=1 requires every client", msg, testserver.EnvRequired)
		}
		t.Skipf("SKIPPING: %s (set %s=1 to make this a failure)", msg, testserver.EnvRequired)
	}
	return node
}

// nodeScript runs e2e/js/<script> with node and decodes its JSON output.
func nodeScript(t *testing.T, node string, srv *testserver.Server, script string, out any, env ...string) {
	t.Helper()
	env = append(dpClientEnv(t, env...), "PATH="+filepath.Dir(node)+":/usr/bin:/bin", "IDPOOL_URL="+srv.URL, "IDPOOL_REGION="+srv.Region)
	stdout, stderr, code := dpRun(t, env, node, filepath.Join("js", script))
	if code != 0 {
		t.Fatalf("node js/%s: exit %d\n%s", script, code, stderr)
	}
	if err := json.Unmarshal([]byte(stdout), out); err != nil {
		t.Fatalf("node js/%s: output is not JSON: %v\n%s", script, err, stdout)
	}
}

type jsCreds struct {
	IdentityId      string `json:"identityId"`
	AccessKeyId     string `json:"accessKeyId"`
	HasSecret       bool   `json:"hasSecret"`
	HasSessionToken bool   `json:"hasSessionToken"`
	Expiration      string `json:"expiration"`
}

func (c jsCreds) check(t *testing.T) {
	t.Helper()
	exp, err := time.Parse(time.RFC3339Nano, c.Expiration)
	if err != nil {
		t.Errorf("expiration %q: %v", c.Expiration, err)
	}
	if !c.HasSecret || !c.HasSessionToken {
		t.Errorf("credentials without secret (%v) or session token (%v)", c.HasSecret, c.HasSessionToken)
	}
	checkTempCredentials(t, c.AccessKeyId, strings.Repeat("s", 40), "token", exp, time.Hour)
}

type jsError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}

// dataplaneJS runs the guest and developer flows with the AWS SDK for
// JavaScript v3 (e2e/js/guest.mjs, e2e/js/developer.mjs).
func dataplaneJS(t *testing.T, e *dpEnv) {
	node := requireJS(t)
	srv := e.srv
	guestRole, memberRole := dpName("JsGuest"), dpName("JsMember")
	dev := "login.js.test"
	pool := e.createPool(t, cognitoidentity.CreateIdentityPoolInput{AllowUnauthenticatedIdentities: true, DeveloperProviderName: aws.String(dev)})
	e.setRoles(t, pool, dpRoleARN(srv, guestRole), dpRoleARN(srv, memberRole), nil)
	closed := e.createPool(t, cognitoidentity.CreateIdentityPoolInput{})
	guestARN := dpAssumedRoleARN(srv, guestRole, "CognitoIdentityCredentials")
	g := dpGo(t)
	defer g.Wait()

	g.Run("guest", func(t *testing.T) {
		var r struct {
			Provider struct {
				jsCreds
				Caller      cliCaller `json:"caller"`
				OtherCaller cliCaller `json:"otherCaller"`
			} `json:"provider"`
			Direct struct {
				IdentityId         string    `json:"identityId"`
				ResponseIdentityId string    `json:"responseIdentityId"`
				AccessKeyId        string    `json:"accessKeyId"`
				Expiration         string    `json:"expiration"`
				Caller             cliCaller `json:"caller"`
				OtherCaller        cliCaller `json:"otherCaller"`
			} `json:"direct"`
			Closed jsError `json:"closed"`
		}
		nodeScript(t, node, srv, "guest.mjs", &r, append(e.peerEnv(), "IDPOOL_POOL_ID="+pool, "IDPOOL_CLOSED_POOL_ID="+closed)...)
		if !strings.HasPrefix(r.Provider.IdentityId, srv.Region+":") {
			t.Errorf("fromCognitoIdentityPool identityId = %q", r.Provider.IdentityId)
		}
		r.Provider.check(t)
		if r.Provider.Caller.Arn != guestARN {
			t.Errorf("fromCognitoIdentityPool → GetCallerIdentity Arn = %q, want %q", r.Provider.Caller.Arn, guestARN)
		}
		e.checkOtherCaller(t, r.Provider.OtherCaller, r.Provider.Caller)
		d := r.Direct
		if d.IdentityId == "" || d.ResponseIdentityId != d.IdentityId || d.IdentityId == r.Provider.IdentityId {
			t.Errorf("direct GetId/GetCredentialsForIdentity identity IDs %q, %q (provider's %q)", d.IdentityId, d.ResponseIdentityId, r.Provider.IdentityId)
		}
		jsCreds{AccessKeyId: d.AccessKeyId, Expiration: d.Expiration, HasSecret: true, HasSessionToken: true}.check(t)
		if d.Caller.Arn != guestARN {
			t.Errorf("direct → GetCallerIdentity Arn = %q, want %q", d.Caller.Arn, guestARN)
		}
		e.checkOtherCaller(t, d.OtherCaller, d.Caller)
		if c := r.Closed; c.Name != "NotAuthorizedException" || c.Message != "Unauthenticated access is not supported for this identity pool." || c.Status != 400 {
			t.Errorf("GetId on a pool without guest access: %+v", c)
		}
	})
	g.Run("developer", func(t *testing.T) {
		id, tok := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
			IdentityPoolId: aws.String(pool), Logins: map[string]string{dev: dpName("js-user")},
		})
		_, other := e.developerToken(t, cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
			IdentityPoolId: aws.String(pool), Logins: map[string]string{dev: dpName("js-other")},
		})
		var r struct {
			Credentials jsCreds   `json:"credentials"`
			Caller      cliCaller `json:"caller"`
			OtherCaller cliCaller `json:"otherCaller"`
			Mismatch    jsError   `json:"mismatch"`
		}
		nodeScript(t, node, srv, "developer.mjs", &r, append(e.peerEnv(), "IDPOOL_IDENTITY_ID="+id, "IDPOOL_TOKEN="+tok, "IDPOOL_OTHER_TOKEN="+other)...)
		if r.Credentials.IdentityId != id {
			t.Errorf("fromCognitoIdentity identityId = %q, want %q", r.Credentials.IdentityId, id)
		}
		r.Credentials.check(t)
		if want := dpAssumedRoleARN(srv, memberRole, "CognitoIdentityCredentials"); r.Caller.Arn != want {
			t.Errorf("GetCallerIdentity Arn = %q, want %q", r.Caller.Arn, want)
		}
		e.checkOtherCaller(t, r.OtherCaller, r.Caller)
		if m := r.Mismatch; m.Name != "NotAuthorizedException" || m.Message != "Logins don't match. Please include at least one valid login for this identity or identity pool." {
			t.Errorf("fromCognitoIdentity with another identity's token: %+v", m)
		}
	})
}
