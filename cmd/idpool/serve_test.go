package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/spf13/pflag"

	"github.com/idpool/idpool/internal/config"
)

// readmeRow is one row of the README's configuration table.
type readmeRow struct {
	flags, envs []string
	def         string // the default column, verbatim
}

var (
	backticked = regexp.MustCompile("`([^`]*)`")
	flagName   = regexp.MustCompile(`^--[a-z0-9-]+$`)
)

// readmeConfigTable parses the flag table of README.md.
func readmeConfigTable(t *testing.T) []readmeRow {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []readmeRow
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "| `--") {
			continue
		}
		cols := strings.Split(strings.Trim(line, "|"), "|")
		if len(cols) != 4 {
			t.Fatalf("README table row with %d columns: %s", len(cols), line)
		}
		var r readmeRow
		for _, m := range backticked.FindAllStringSubmatch(cols[0], -1) {
			if !flagName.MatchString(m[1]) {
				t.Errorf("README flag column holds %q", m[1])
			}
			r.flags = append(r.flags, strings.TrimPrefix(m[1], "--"))
		}
		for _, m := range backticked.FindAllStringSubmatch(cols[1], -1) {
			r.envs = append(r.envs, m[1])
		}
		r.def = strings.TrimSpace(cols[2])
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		t.Fatal("no configuration table in README.md")
	}
	return rows
}

// TestREADMEConfigTableMatchesServe checks the README's flag table against
// the flags `idpool serve` really has: the same flags, each environment
// variable named as config.EnvName names it, literal defaults equal to the
// flags' defaults, and every flag shown by `idpool serve --help`.
func TestREADMEConfigTableMatchesServe(t *testing.T) {
	serve := newServeCmd()
	documented := map[string]bool{}
	for _, r := range readmeConfigTable(t) {
		for i, name := range r.flags {
			documented[name] = true
			f := serve.Flags().Lookup(name)
			if f == nil {
				t.Errorf("README documents --%s, which idpool serve does not have", name)
				continue
			}
			// The env column lists the twins in the flags' order, possibly
			// ending with "…" for the rest.
			if i < len(r.envs) && r.envs[i] != config.EnvName(name) {
				t.Errorf("README names the variable of --%s %s, want %s", name, r.envs[i], config.EnvName(name))
			}
			// Literal defaults must be the flag's; <placeholders> describe
			// derived ones.
			def := strings.Trim(r.def, "`")
			if len(r.flags) == 1 && strings.HasPrefix(r.def, "`") && !strings.Contains(def, "<") && !sameDefault(f, def) {
				t.Errorf("README default of --%s is %q, idpool serve's is %q", name, def, f.DefValue)
			}
		}
		if len(r.envs) == 0 {
			t.Errorf("README row %v names no environment variable", r.flags)
		}
	}
	var help bytes.Buffer
	root := newRootCmd()
	root.SetOut(&help)
	root.SetArgs([]string{"serve", "--help"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	serve.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" {
			return
		}
		if !documented[f.Name] {
			t.Errorf("--%s is not in the README's configuration table", f.Name)
		}
		if !strings.Contains(help.String(), "--"+f.Name+" ") {
			t.Errorf("idpool serve --help does not show --%s", f.Name)
		}
	})
}

// sameDefault reports whether the README's default text means f's default.
func sameDefault(f *pflag.Flag, def string) bool {
	if f.Value.Type() == "duration" {
		a, errA := time.ParseDuration(def)
		b, errB := time.ParseDuration(f.DefValue)
		return errA == nil && errB == nil && a == b
	}
	return def == f.DefValue
}

// TestServeRefusesBadConfiguration runs `idpool serve` in-process with bad
// flags and variables: it must stop before starting anything, with the
// message the README promises (flag, variable, what is expected).
func TestServeRefusesBadConfiguration(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		environ []string
		want    string
	}{
		{"flag of the wrong type", []string{"--max-pools", "abc"}, nil,
			"invalid configuration:\n  --max-pools (IDPOOL_MAX_POOLS): \"abc\" is not an integer"},
		{"variable of the wrong type", nil, []string{"IDPOOL_SHUTDOWN_TIMEOUT=soon"},
			"invalid configuration:\n  --shutdown-timeout (IDPOOL_SHUTDOWN_TIMEOUT): \"soon\" is not a duration such as 30s, 15m or 24h"},
		{"unknown variable", nil, []string{"IDPOOL_MAXPOOLS=3"},
			"invalid configuration:\n  unknown environment variable IDPOOL_MAXPOOLS"},
		{"port out of range", []string{"--addr", "127.0.0.1:99999"}, nil,
			"invalid configuration:\n  --addr (IDPOOL_ADDR): port \"99999\" is not a number from 0 to 65535"},
		{"several bad values", []string{"--region", "Mars"}, []string{"IDPOOL_LOG_FORMAT=xml"},
			"invalid configuration:\n  --region (IDPOOL_REGION): \"Mars\" is not a region name like us-east-1\n  --log-format (IDPOOL_LOG_FORMAT): \"xml\" is not json or text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			restore := config.Environ
			config.Environ = func() []string { return tc.environ }
			defer func() { config.Environ = restore }()
			var out bytes.Buffer
			root := newRootCmd()
			root.SetOut(&out)
			root.SetErr(&out)
			root.SetArgs(append([]string{"serve", "--data-dir", filepath.Join(dir, "data")}, tc.args...))
			err := root.Execute()
			if err == nil || err.Error() != tc.want {
				t.Errorf("error:\n%v\nwant:\n%s", err, tc.want)
			}
			if _, statErr := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(statErr) {
				t.Errorf("a refused configuration created the data directory (%v)", statErr)
			}
		})
	}
}

// buildBinary builds cmd/idpool into a temporary directory of t.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "idpool")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is a running `idpool serve`.
type process struct {
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	url    string
	done   chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startServe runs bin as the README says (`idpool serve`, data in
// ./idpool-data of dir) on addr and waits for /healthz.
func startServe(t *testing.T, bin, dir, addr string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, "serve", "--addr", addr), url: "http://" + addr, done: make(chan error, 1)}
	p.cmd.Dir = dir
	p.cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "IDPOOL_") })
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		select {
		case err := <-p.done:
			t.Fatalf("idpool serve exited before it was ready: %v\n%s", err, p.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("idpool serve not ready after 30s:\n%s", p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wait waits for the process to exit and returns its exit error.
func (p *process) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("idpool serve did not exit 30s after the signal:\n%s", p.stderr.String())
		return nil
	}
}

// TestServeBinary runs the real binary the README's way in an empty
// directory: the first start writes ./idpool-data/credentials (profile
// idpool) and prints the key once, the profile works with aws-sdk-go-v2,
// SIGTERM and SIGINT stop it gracefully — a request in flight when the
// signal arrives is answered, new connections are refused, the store is
// closed and the exit status is 0 — and a restart finds the pool again
// without printing the key again.
func TestServeBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	p := startServe(t, bin, dir, addr)
	credFile := filepath.Join(dir, "idpool-data", "credentials")
	cred, err := os.ReadFile(credFile)
	if err != nil {
		t.Fatalf("first start wrote no ./idpool-data/credentials: %v", err)
	}
	if !strings.Contains(string(cred), "[idpool]") {
		t.Errorf("credentials file has no [idpool] profile:\n%s", cred)
	}
	keyID := regexp.MustCompile(`aws_access_key_id = (\S+)`).FindStringSubmatch(string(cred))
	if keyID == nil || !strings.Contains(p.stdout.String(), keyID[1]) {
		t.Errorf("first start did not print the generated key:\n%s", p.stdout.String())
	}

	sdk := cognitoidentity.NewFromConfig(profileConfig(t, dir, p.url))
	created, err := sdk.CreateIdentityPool(t.Context(), &cognitoidentity.CreateIdentityPoolInput{
		IdentityPoolName: aws.String("binary"), AllowUnauthenticatedIdentities: true,
	})
	if err != nil {
		t.Fatalf("CreateIdentityPool with the generated profile: %v", err)
	}
	poolID := aws.ToString(created.IdentityPoolId)

	answer := inFlightRequest(t, addr, poolID)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitRefused(t, addr)
	got := answer()
	if !strings.HasPrefix(got, "HTTP/1.1 200 ") || !strings.Contains(got, `"IdentityId":"us-east-1:`) {
		t.Errorf("request in flight at SIGTERM got:\n%s", got)
	}
	if err := p.wait(t); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, p.stderr.String())
	}
	wantLogged(t, p.stderr.String(), "shutting down", "store closed")

	p = startServe(t, bin, dir, addr)
	if strings.Contains(p.stdout.String(), keyID[1]) {
		t.Errorf("restart printed the admin key again:\n%s", p.stdout.String())
	}
	desc, err := sdk.DescribeIdentityPool(t.Context(), &cognitoidentity.DescribeIdentityPoolInput{IdentityPoolId: aws.String(poolID)})
	if err != nil || aws.ToString(desc.IdentityPoolName) != "binary" {
		t.Fatalf("pool after restart: %+v, %v", desc, err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t); err != nil {
		t.Errorf("exit after SIGINT: %v\n%s", err, p.stderr.String())
	}
	wantLogged(t, p.stderr.String(), "shutting down", "store closed")
}

// profileConfig is an SDK configuration for the server at url that signs
// with the [idpool] profile the first start wrote under dir, as the README
// tells users to, plus opts.
func profileConfig(t *testing.T, dir, url string, opts ...func(*awsconfig.LoadOptions) error) aws.Config {
	t.Helper()
	cfg, err := awsconfig.LoadDefaultConfig(t.Context(), append([]func(*awsconfig.LoadOptions) error{
		awsconfig.WithSharedConfigProfile("idpool"),
		awsconfig.WithSharedCredentialsFiles([]string{filepath.Join(dir, "idpool-data", "credentials")}),
		awsconfig.WithSharedConfigFiles([]string{filepath.Join(dir, "no-config")}),
		awsconfig.WithRegion("us-east-1"),
		awsconfig.WithBaseEndpoint(url),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// inFlightRequest starts an unsigned GetId for poolID on a raw connection,
// sending the headers and half the body; the returned function sends the
// rest and returns the raw response.
func inFlightRequest(t *testing.T, addr, poolID string) func() string {
	t.Helper()
	body := `{"IdentityPoolId":"` + poolID + `"}`
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-amz-json-1.1\r\n"+
		"X-Amz-Target: AWSCognitoIdentityService.GetId\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body[:10])
	// Make sure the server has the request before the signal is sent.
	time.Sleep(200 * time.Millisecond)
	return func() string {
		if _, err := io.WriteString(conn, body[10:]); err != nil {
			t.Fatalf("finish the in-flight request: %v", err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("read the in-flight response: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return fmt.Sprintf("HTTP/1.1 %s\n%s", resp.Status, b)
	}
}

// waitRefused waits until addr refuses new connections.
func waitRefused(t *testing.T, addr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s still accepts connections 10s after the signal", addr)
}

func wantLogged(t *testing.T, logs string, msgs ...string) {
	t.Helper()
	for _, m := range msgs {
		if !strings.Contains(logs, `"msg":"`+m+`"`) {
			t.Errorf("log lacks %q:\n%s", m, logs)
		}
	}
}

// TestServeKilledKeepsAcknowledgedWrites: identities created while the
// server is killed with SIGKILL (no graceful shutdown) are all there after
// a restart, as long as the client saw the call succeed. A kill does not
// lose the OS page cache, so this checks that an acknowledged write is
// committed before the answer, not the fsync itself (synchronous=FULL).
func TestServeKilledKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	p := startServe(t, bin, dir, addr)
	cfg := profileConfig(t, dir, p.url, awsconfig.WithRetryMaxAttempts(1))
	sdk := cognitoidentity.NewFromConfig(cfg)
	created, err := sdk.CreateIdentityPool(t.Context(), &cognitoidentity.CreateIdentityPoolInput{
		IdentityPoolName: aws.String("crash"), AllowUnauthenticatedIdentities: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	poolID := aws.ToString(created.IdentityPoolId)

	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				out, err := sdk.GetId(context.Background(), &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(poolID)})
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				acked = append(acked, aws.ToString(out.IdentityId))
				mu.Unlock()
			}
		}()
	}
	time.Sleep(700 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.wait(t)
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no GetId succeeded before the kill")
	}

	p2 := startServe(t, bin, dir, addr)
	// A fresh client, not the one whose pooled connections died with the
	// server, and with the SDK's default retries: aws-sdk-go-v2 now and then
	// fails a read with "use of closed network connection" after a 200
	// (aws/aws-sdk-go-v2#1825, #2737; its retryer retries it).
	sdk = cognitoidentity.NewFromConfig(cfg.Copy(), func(o *cognitoidentity.Options) {
		o.RetryMaxAttempts = 3
		o.HTTPClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	})
	list := map[string]bool{}
	var next *string
	for {
		page, err := sdk.ListIdentities(t.Context(), &cognitoidentity.ListIdentitiesInput{
			IdentityPoolId: aws.String(poolID), MaxResults: aws.Int32(60), NextToken: next,
		})
		if err != nil {
			logs := p2.stderr.String()
			t.Fatalf("ListIdentities after the restart (page after %d): %v\nserver log tail:\n%s", len(list), err, logs[max(0, len(logs)-3000):])
		}
		for _, d := range page.Identities {
			list[aws.ToString(d.IdentityId)] = true
		}
		if next = page.NextToken; next == nil {
			break
		}
	}
	lost := 0
	for _, id := range acked {
		if !list[id] {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged identities are gone after SIGKILL and restart", lost, len(acked))
	}
	t.Logf("%d identities acknowledged before SIGKILL, %d listed after the restart", len(acked), len(list))
}
