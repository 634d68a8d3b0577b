package e2e

// Shared helpers of the identity data-plane tests (dataplane_*_test.go):
// a real idpool server from internal/testserver, real aws-sdk-go-v2 clients
// pointed at it, and assertions on AWS error types and messages.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	citypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/idpool/idpool/internal/testserver"
)

// dpBackends runs fn as two concurrent subtests: "sqlite" (always) and
// "postgres" (a fresh schema on IDPOOL_TEST_POSTGRES; skipped with a
// message when the variable is not set). fn receives the options that
// select the backend for testserver.Start.
func dpBackends(t *testing.T, fn func(t *testing.T, backend []testserver.Option)) {
	t.Helper()
	g := dpGo(t)
	defer g.Wait()
	g.Run("sqlite", func(t *testing.T) {
		fn(t, nil)
	})
	g.Run("postgres", func(t *testing.T) {
		if os.Getenv(testserver.EnvPostgres) == "" {
			t.Skipf("%s is not set: skipping the PostgreSQL run", testserver.EnvPostgres)
		}
		fn(t, []testserver.Option{testserver.WithPostgres()})
	})
}

// dpGroup runs subtests all at once. The data-plane subtests mostly wait
// for the server and for client processes, so they do not use t.Parallel,
// which would cap them at -parallel (GOMAXPROCS, 2 on the CI box); t.Run
// may be called from several goroutines, as long as every call returns
// before the parent test does: defer Wait right after dpGo.
type dpGroup struct {
	t  *testing.T
	wg sync.WaitGroup
}

func dpGo(t *testing.T) *dpGroup { return &dpGroup{t: t} }

// Run starts fn as the subtest name and returns at once.
func (g *dpGroup) Run(name string, fn func(t *testing.T)) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		g.t.Run(name, fn)
	}()
}

// Wait waits for every subtest started by Run.
func (g *dpGroup) Wait() { g.wg.Wait() }

// dpEnv is a running server with Go SDK clients for it.
type dpEnv struct {
	srv *testserver.Server
	// admin signs with the server's admin key pair.
	admin *cognitoidentity.Client
	// public sends unsigned requests (anonymous credentials); rec sees
	// every request it sends.
	public *cognitoidentity.Client
	rec    *requestRecorder
	// peer, when set, is another node of the same deployment: the flows
	// check that the credentials they get work there too.
	peer *testserver.Server
}

func newDPEnv(t *testing.T, srv *testserver.Server) *dpEnv {
	t.Helper()
	rec := &requestRecorder{}
	return &dpEnv{
		srv:    srv,
		admin:  cognitoidentity.NewFromConfig(dpConfig(t, srv, credentials.NewStaticCredentialsProvider(srv.AccessKeyID, srv.SecretAccessKey, ""), nil)),
		public: cognitoidentity.NewFromConfig(dpConfig(t, srv, aws.AnonymousCredentials{}, rec)),
		rec:    rec,
	}
}

// startDP boots a server with opts and returns its environment.
func startDP(t *testing.T, opts ...testserver.Option) *dpEnv {
	t.Helper()
	return newDPEnv(t, testserver.Start(t, opts...))
}

// dpConfig is an aws.Config for srv: its region and URL, the given
// credentials, no retries (a server fault must fail the test, not be
// retried away) and its own HTTP transport, recording requests in rec when
// rec is not nil. The transport's idle connections are closed when the test
// ends, before the server stops: http.Server.Shutdown waits up to 5 s for
// connections a client dialed but never used.
func dpConfig(t *testing.T, srv *testserver.Server, creds aws.CredentialsProvider, rec *requestRecorder) aws.Config {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 100
	t.Cleanup(tr.CloseIdleConnections)
	var rt http.RoundTripper = tr
	if rec != nil {
		rec.next = tr
		rt = rec
	}
	return aws.Config{
		Region:       srv.Region,
		Credentials:  creds,
		BaseEndpoint: aws.String(srv.URL),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:   &http.Client{Transport: rt, Timeout: time.Minute},
	}
}

// stsFor returns an STS client for srv signing with the given (temporary)
// credentials.
func stsFor(t *testing.T, srv *testserver.Server, akid, secret, session string) *sts.Client {
	return sts.NewFromConfig(dpConfig(t, srv, credentials.NewStaticCredentialsProvider(akid, secret, session), nil))
}

// publicSTS returns an STS client that sends unsigned requests
// (AssumeRoleWithWebIdentity).
func publicSTS(t *testing.T, srv *testserver.Server) *sts.Client {
	return sts.NewFromConfig(dpConfig(t, srv, aws.AnonymousCredentials{}, nil))
}

// dpCallerIdentity calls STS GetCallerIdentity on srv with the credentials.
func dpCallerIdentity(t *testing.T, srv *testserver.Server, c *citypes.Credentials) *sts.GetCallerIdentityOutput {
	t.Helper()
	out, err := stsFor(t, srv, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretKey), aws.ToString(c.SessionToken)).
		GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity on %s with credentials %s: %v", srv.URL, aws.ToString(c.AccessKeyId), err)
	}
	return out
}

// onPeer asserts that the peer node, if any, accepts the temporary
// credentials as the same assumed role (GetCallerIdentity there).
func (e *dpEnv) onPeer(t *testing.T, akid, secret, session, wantARN string) {
	t.Helper()
	if e.peer == nil {
		return
	}
	out, err := stsFor(t, e.peer, akid, secret, session).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Errorf("GetCallerIdentity on the second node %s: %v", e.peer.URL, err)
		return
	}
	if got := aws.ToString(out.Arn); got != wantARN {
		t.Errorf("GetCallerIdentity on the second node: Arn = %q, want %q", got, wantARN)
	}
}

// peerEnv is IDPOOL_OTHER_URL=<peer URL> for the script clients, or nothing.
func (e *dpEnv) peerEnv() []string {
	if e.peer == nil {
		return nil
	}
	return []string{"IDPOOL_OTHER_URL=" + e.peer.URL}
}

// requestRecorder is an http.RoundTripper that remembers, per operation
// (X-Amz-Target), whether the request carried an Authorization header.
type requestRecorder struct {
	next   http.RoundTripper
	mu     sync.Mutex
	signed map[string][]bool
}

func (r *requestRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	op := req.Header.Get("X-Amz-Target")
	r.mu.Lock()
	if r.signed == nil {
		r.signed = map[string][]bool{}
	}
	r.signed[op] = append(r.signed[op], req.Header.Get("Authorization") != "" || req.URL.Query().Get("X-Amz-Signature") != "")
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

// assertUnsigned fails unless at least one request for the operation was
// seen and none of them was signed.
func (r *requestRecorder) assertUnsigned(t *testing.T, op string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := r.signed["AWSCognitoIdentityService."+op]
	if len(seen) == 0 {
		t.Errorf("no %s request was sent through the unsigned client", op)
	}
	for _, s := range seen {
		if s {
			t.Errorf("%s request carried a signature; it must work unsigned", op)
		}
	}
}

// dpRoleARN is an IAM role ARN of srv's account.
func dpRoleARN(srv *testserver.Server, name string) string {
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", srv.AccountID, name)
}

// dpAssumedRoleARN is what STS reports for a session of the role.
func dpAssumedRoleARN(srv *testserver.Server, role, session string) string {
	return fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", srv.AccountID, role, session)
}

// dpName returns prefix plus a random suffix, valid as a pool name,
// role name and developer user identifier.
func dpName(prefix string) string {
	return prefix + "_" + strings.ToLower(rand.Text()[:10])
}

// createPool creates an identity pool and returns its ID.
func (e *dpEnv) createPool(t *testing.T, in cognitoidentity.CreateIdentityPoolInput) string {
	t.Helper()
	if in.IdentityPoolName == nil {
		in.IdentityPoolName = aws.String(dpName("dataplane"))
	}
	out, err := e.admin.CreateIdentityPool(t.Context(), &in)
	if err != nil {
		t.Fatalf("CreateIdentityPool: %v", err)
	}
	return aws.ToString(out.IdentityPoolId)
}

// setRoles sets the pool's default roles; an empty ARN leaves that role out.
func (e *dpEnv) setRoles(t *testing.T, pool, unauthARN, authARN string, mappings map[string]citypes.RoleMapping) {
	t.Helper()
	roles := map[string]string{}
	if unauthARN != "" {
		roles["unauthenticated"] = unauthARN
	}
	if authARN != "" {
		roles["authenticated"] = authARN
	}
	if _, err := e.admin.SetIdentityPoolRoles(t.Context(), &cognitoidentity.SetIdentityPoolRolesInput{
		IdentityPoolId: aws.String(pool), Roles: roles, RoleMappings: mappings,
	}); err != nil {
		t.Fatalf("SetIdentityPoolRoles: %v", err)
	}
}

// getID calls GetId (unsigned) without logins.
func (e *dpEnv) getID(t *testing.T, pool string) string {
	t.Helper()
	out, err := e.public.GetId(t.Context(), &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(pool)})
	if err != nil {
		t.Fatalf("GetId(%s): %v", pool, err)
	}
	return aws.ToString(out.IdentityId)
}

// developerToken calls GetOpenIdTokenForDeveloperIdentity (signed).
func (e *dpEnv) developerToken(t *testing.T, in cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput) (identityID, token string) {
	t.Helper()
	out, err := e.admin.GetOpenIdTokenForDeveloperIdentity(t.Context(), &in)
	if err != nil {
		t.Fatalf("GetOpenIdTokenForDeveloperIdentity(%v): %v", in.Logins, err)
	}
	return aws.ToString(out.IdentityId), aws.ToString(out.Token)
}

// credentialsWithToken calls GetCredentialsForIdentity with a
// cognito-identity.amazonaws.com login.
func (e *dpEnv) credentialsWithToken(t *testing.T, identityID, token string) *cognitoidentity.GetCredentialsForIdentityOutput {
	t.Helper()
	out, err := e.public.GetCredentialsForIdentity(t.Context(), &cognitoidentity.GetCredentialsForIdentityInput{
		IdentityId: aws.String(identityID), Logins: map[string]string{cognitoLogin: token},
	})
	if err != nil {
		t.Fatalf("GetCredentialsForIdentity(%s, cognito token): %v", identityID, err)
	}
	return out
}

// cognitoLogin is the Logins key of idpool-issued OpenID tokens.
const cognitoLogin = "cognito-identity.amazonaws.com"

// checkTempCredentials asserts the shape of temporary credentials: an ASIA
// access key ID, a 40-character secret, a session token and an expiration
// about lifetime from now.
func checkTempCredentials(t *testing.T, akid, secret, session string, exp time.Time, lifetime time.Duration) {
	t.Helper()
	if !regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`).MatchString(akid) {
		t.Errorf("AccessKeyId = %q, want ASIA followed by 16 upper-case characters", akid)
	}
	if len(secret) != 40 {
		t.Errorf("secret access key has %d characters, want 40", len(secret))
	}
	if session == "" {
		t.Errorf("no session token")
	}
	want := time.Now().Add(lifetime)
	if d := exp.Sub(want); d < -2*time.Minute || d > 2*time.Minute {
		t.Errorf("Expiration = %v, want about now+%v (%v)", exp.UTC(), lifetime, want.UTC().Truncate(time.Second))
	}
}

// wantCognitoError asserts that err is (or wraps) the typed Cognito exception E
// and that its message is exactly msg. It returns the exception.
func wantCognitoError[E interface {
	error
	ErrorCode() string
	ErrorMessage() string
}](t *testing.T, err error, msg string) E {
	t.Helper()
	var e E
	if err == nil {
		t.Errorf("got no error, want %T %q", e, msg)
		return e
	}
	if !errors.As(err, &e) {
		t.Errorf("got error %v (%T), want %T %q", err, err, e, msg)
		return e
	}
	if e.ErrorMessage() != msg {
		t.Errorf("%s message:\n got %q\nwant %q", e.ErrorCode(), e.ErrorMessage(), msg)
	}
	// The live service answers every client error with HTTP 400.
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != http.StatusBadRequest {
		t.Errorf("%s: HTTP status %d, want 400", e.ErrorCode(), re.HTTPStatusCode())
	}
	return e
}

// wantAWSError asserts an error code outside the service models
// (AccessDeniedException, InvalidClientTokenId, …) and that the message
// matches the regular expression msgRE (anchored).
func wantAWSError(t *testing.T, err error, code, msgRE string) {
	t.Helper()
	var ae smithy.APIError
	if err == nil {
		t.Errorf("got no error, want %s", code)
		return
	}
	if !errors.As(err, &ae) {
		t.Errorf("got error %v (%T), want API error %s", err, err, code)
		return
	}
	if ae.ErrorCode() != code {
		t.Errorf("error code = %q (message %q), want %q", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if !regexp.MustCompile(`^(?:` + msgRE + `)$`).MatchString(ae.ErrorMessage()) {
		t.Errorf("%s message:\n got %q\nwant (regexp) %s", code, ae.ErrorMessage(), msgRE)
	}
}

// tokenClaims are the claims of an idpool OpenID token.
type tokenClaims struct {
	Sub     string   `json:"sub"`
	Aud     string   `json:"aud"`
	AMR     []string `json:"amr"`
	Iss     string   `json:"iss"`
	Exp     int64    `json:"exp"`
	Iat     int64    `json:"iat"`
	PoolARN string   `json:"https://cognito-identity.amazonaws.com/identity-pool-arn"`
	Tags    *struct {
		PrincipalTags map[string][]string `json:"principal_tags"`
	} `json:"https://aws.amazon.com/tags"`
	// Raw is every claim, to detect unexpected ones.
	Raw map[string]json.RawMessage `json:"-"`
	// Kid is the header's key ID.
	Kid string `json:"-"`
}

var jwsHeaderRE = regexp.MustCompile(`^\{"kid":"([^"]+)","typ":"JWS","alg":"RS512"\}$`)

// verifyToken checks tok like a relying party would: the header is
// Cognito's {"kid","typ":"JWS","alg":"RS512"}, the signature verifies with
// go-jose against the JWKS the server publishes at /.well-known/jwks_uri,
// and the claims decode. It returns the claims.
func verifyToken(t *testing.T, srv *testserver.Server, tok string) tokenClaims {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3 (compact JWS): %q", len(parts), tok)
	}
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		t.Fatalf("token header is not base64url: %v", err)
	}
	m := jwsHeaderRE.FindSubmatch(header)
	if m == nil {
		t.Errorf("token header = %s, want {\"kid\":…,\"typ\":\"JWS\",\"alg\":\"RS512\"}", header)
	}
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS512})
	if err != nil {
		t.Fatalf("jwt.ParseSigned (RS512 only): %v", err)
	}
	jwks := fetchJWKS(t, srv)
	var c tokenClaims
	if err := parsed.Claims(jwks, &c, &c.Raw); err != nil {
		t.Fatalf("token does not verify against %s/.well-known/jwks_uri: %v", srv.URL, err)
	}
	if m != nil {
		c.Kid = string(m[1])
		if len(jwks.Key(c.Kid)) != 1 {
			t.Errorf("kid %q is not exactly once in the JWKS", c.Kid)
		}
	}
	return c
}

// fetchJWKS gets and decodes srv's JWKS (every call: keys may rotate).
func fetchJWKS(t *testing.T, srv *testserver.Server) *jose.JSONWebKeySet {
	t.Helper()
	body := dpGet(t, srv.URL+"/.well-known/jwks_uri")
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatalf("JWKS does not decode as a JSON Web Key Set (go-jose): %v\n%s", err, body)
	}
	if len(set.Keys) == 0 {
		t.Fatalf("JWKS has no keys: %s", body)
	}
	return &set
}

// dpGet GETs url and returns the body of a 200 response.
func dpGet(t *testing.T, url string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, body)
	}
	return body
}

// dpTimeout is t.Context() bounded by d.
func dpTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}
