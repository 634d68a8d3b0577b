package testserver_test

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/idpool/idpool/internal/testserver"
)

func TestStartServesAndStops(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []testserver.Option
	}{
		{"sqlite", nil},
		{"postgres", []testserver.Option{testserver.WithPostgres()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testserver.Start(t, tc.opts...)
			if !strings.HasPrefix(s.URL, "http://127.0.0.1:") || strings.HasSuffix(s.URL, ":0") {
				t.Errorf("URL = %q, want http://127.0.0.1:<port>", s.URL)
			}
			if s.Region != "us-east-1" || s.AccountID != "000000000000" {
				t.Errorf("Region, AccountID = %q, %q", s.Region, s.AccountID)
			}
			if !strings.HasPrefix(s.AccessKeyID, "AKIA") || len(s.SecretAccessKey) != 40 {
				t.Errorf("admin key pair = %q / %d chars, want generated AKIA… / 40 chars", s.AccessKeyID, len(s.SecretAccessKey))
			}
			cred, err := os.ReadFile(s.CredentialsFile)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"[" + testserver.ProfileName + "]", "aws_access_key_id = " + s.AccessKeyID, "aws_secret_access_key = " + s.SecretAccessKey, "region = us-east-1"} {
				if !strings.Contains(string(cred), want) {
					t.Errorf("credentials file lacks %q:\n%s", want, cred)
				}
			}
			if !strings.Contains(s.Output, s.AccessKeyID) {
				t.Errorf("start output does not show the generated key: %q", s.Output)
			}
			if (tc.name == "postgres") != (s.Store != "") {
				t.Errorf("Store = %q", s.Store)
			}
			resp, err := http.Get(s.URL + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(body) != "ok\n" {
				t.Errorf("GET /healthz = %d %q", resp.StatusCode, body)
			}
			if err := s.Stop(); err != nil {
				t.Fatalf("Stop: %v", err)
			}
			if err := s.Stop(); err != nil {
				t.Fatalf("second Stop: %v", err)
			}
			if _, err := http.Get(s.URL + "/healthz"); err == nil {
				t.Errorf("server still answers after Stop")
			}
		})
	}
}

func TestRestartKeepsAdminCredentials(t *testing.T) {
	a := testserver.Start(t)
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	b := testserver.Start(t, testserver.WithDataDir(a.DataDir))
	if b.AccessKeyID != a.AccessKeyID || b.SecretAccessKey != a.SecretAccessKey {
		t.Errorf("restart changed the admin key pair: %s → %s", a.AccessKeyID, b.AccessKeyID)
	}
	if b.Output != "" {
		t.Errorf("restart printed the credentials notice again: %q", b.Output)
	}
}

func TestRequireClientSkipsMissing(t *testing.T) {
	if os.Getenv(testserver.EnvRequired) == "1" {
		t.Skip("with " + testserver.EnvRequired + "=1 a missing client fails; that path is what this test cannot exercise")
	}
	ran := false
	t.Run("missing", func(t *testing.T) {
		testserver.RequireClient(t, "/nonexistent/aws")
		ran = true
	})
	if ran {
		t.Errorf("RequireClient did not stop the test for a missing binary")
	}
	ran = false
	t.Run("module", func(t *testing.T) {
		testserver.RequirePythonModule(t, testserver.Python3, "no_such_module_idpool")
		ran = true
	})
	if ran {
		t.Errorf("RequirePythonModule did not stop the test for a missing module")
	}
}
