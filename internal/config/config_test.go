package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// newFlags returns a serve flag set bound to a fresh Config.
func newFlags() (*Config, *pflag.FlagSet) {
	var c Config
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	c.Bind(fs)
	return &c, fs
}

// load parses args, applies environ and validates, as `idpool serve` does.
func load(t *testing.T, args []string, environ ...string) (*Config, error) {
	t.Helper()
	c, fs := newFlags()
	if err := fs.Parse(args); err != nil {
		return c, FlagError(err)
	}
	if err := ApplyEnv(fs, environ); err != nil {
		return c, err
	}
	return c, c.Validate()
}

func TestDefaultsAreValid(t *testing.T) {
	c, err := load(t, nil)
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	want := Defaults()
	want.PublicURL, want.Issuer = "http://127.0.0.1:4747", "http://127.0.0.1:4747"
	if c.Addr != want.Addr || c.DataDir != want.DataDir || c.Region != want.Region || c.AccountID != want.AccountID ||
		c.PublicURL != want.PublicURL || c.Issuer != want.Issuer || c.MaxPools != 1000 ||
		c.ShutdownTimeout != 15*time.Second || c.KeyRotationPeriod != 24*time.Hour || c.PoolCacheTTL != 2*time.Second ||
		c.LogLevel != "info" || c.LogFormat != "json" || c.Store != "" || c.AcceptAnySignature || c.StrictRoles {
		t.Errorf("defaults = %+v", *c)
	}
	c, err = load(t, []string{"--addr", "0.0.0.0:8080"})
	if err != nil || c.PublicURL != "http://127.0.0.1:8080" {
		t.Errorf("--addr 0.0.0.0:8080: public URL %q, %v", c.PublicURL, err)
	}
}

// sampleValues are valid, non-default values for every flag, by name.
var sampleValues = map[string]string{
	"addr":                        "127.0.0.1:9999",
	"data-dir":                    "/tmp/idpool-config-test",
	"store":                       "postgres://u@db:5432/x?sslmode=disable",
	"region":                      "eu-west-1",
	"account-id":                  "123456789012",
	"public-url":                  "https://idp.example.com",
	"issuer":                      "https://issuer.example.com",
	"root-access-key-id":          "AKIAEXAMPLEEXAMPLE12",
	"root-secret-access-key":      "secretsecretsecretsecret",
	"accept-any-signature":        "true",
	"seal-key":                    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	"user-pool-jwks":              "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc=http://127.0.0.1:1/jwks.json",
	"user-pool-endpoint":          "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc=http://127.0.0.1:1/",
	"user-pool-access-key-id":     "AKIAUSERPOOLCHECK123",
	"user-pool-secret-access-key": "userpoolsecretuserpoolsecret",
	"google-jwks-url":             "http://127.0.0.1:1/google",
	"apple-jwks-url":              "http://127.0.0.1:1/apple",
	"facebook-url":                "http://127.0.0.1:1/facebook",
	"amazon-url":                  "http://127.0.0.1:1/amazon",
	"twitter-url":                 "http://127.0.0.1:1/twitter",
	"digits-url":                  "http://127.0.0.1:1/digits",
	"trust-unverified":            "graph.facebook.com,www.amazon.com",
	"strict-roles":                "true",
	"allow-insecure-issuers":      "true",
	"key-rotation-period":         "2h",
	"pool-cache-ttl":              "5s",
	"max-pools":                   "7",
	"shutdown-timeout":            "3s",
	"log-level":                   "debug",
	"log-format":                  "text",
}

// TestEveryFlagHasEnvTwin sets every flag through its IDPOOL_* variable
// and checks that the variable took effect, and that the same flag given on
// the command line wins over it.
func TestEveryFlagHasEnvTwin(t *testing.T) {
	_, fs := newFlags()
	fs.VisitAll(func(f *pflag.Flag) {
		t.Run(f.Name, func(t *testing.T) {
			v, ok := sampleValues[f.Name]
			if !ok {
				t.Fatalf("no sample value for --%s: add one", f.Name)
			}
			env := EnvName(f.Name)
			if want := "IDPOOL_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_")); env != want {
				t.Fatalf("EnvName(%s) = %s, want %s", f.Name, env, want)
			}
			_, fs := newFlags()
			if err := ApplyEnv(fs, []string{env + "=" + v}); err != nil {
				t.Fatalf("%s=%s: %v", env, v, err)
			}
			got := fs.Lookup(f.Name).Value.String()
			if got == f.DefValue || !strings.Contains(got, strings.Split(v, ",")[0]) {
				t.Errorf("%s=%s: --%s = %q", env, v, f.Name, got)
			}

			_, fs = newFlags()
			if err := fs.Parse([]string{"--" + f.Name + "=" + v}); err != nil {
				t.Fatal(err)
			}
			fromFlag := fs.Lookup(f.Name).Value.String()
			other := f.DefValue
			if f.Value.Type() == "bool" {
				other = "false"
			}
			if err := ApplyEnv(fs, []string{env + "=" + other}); err != nil {
				t.Fatal(err)
			}
			if now := fs.Lookup(f.Name).Value.String(); now != fromFlag {
				t.Errorf("--%s=%s then %s=%s: %q, want the flag's %q", f.Name, v, env, other, now, fromFlag)
			}
		})
	})
	c, fs := newFlags()
	var environ []string
	for name, v := range sampleValues {
		if fs.Lookup(name) == nil {
			t.Errorf("sample value for unknown flag --%s", name)
		}
		environ = append(environ, EnvName(name)+"="+v)
	}
	if err := ApplyEnv(fs, environ); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("every sample value together: %v", err)
	}
}

func TestUnknownEnvironmentVariables(t *testing.T) {
	_, err := load(t, nil, "IDPOOL_MAXPOOLS=3", "IDPOOL_TEST_POSTGRES=x", "IDPOOL_E2E_REQUIRED=1", "HOME=/root", "IDPOOL_ADRR=x")
	if err == nil {
		t.Fatal("unknown IDPOOL_ variables accepted")
	}
	want := "unknown environment variable IDPOOL_MAXPOOLS\nunknown environment variable IDPOOL_ADRR"
	if err.Error() != want {
		t.Errorf("error:\n%s\nwant:\n%s", err, want)
	}
	_, fs := newFlags()
	if err := ApplyEnv(fs, []string{"IDPOOL_EXTRA=1"}, "IDPOOL_EXTRA"); err != nil {
		t.Errorf("ignored variable reported: %v", err)
	}
}

// TestBadValues checks that every bad value stops the configuration with a
// message naming the flag, its variable and what is expected, whether the
// value came from the command line or the environment.
func TestBadValues(t *testing.T) {
	for _, tc := range []struct {
		flag, value, want string
	}{
		{"addr", "nope", `--addr (IDPOOL_ADDR): "nope" is not host:port`},
		{"addr", "127.0.0.1:99999", `--addr (IDPOOL_ADDR): port "99999" is not a number from 0 to 65535`},
		{"addr", "127.0.0.1:http", `--addr (IDPOOL_ADDR): port "http" is not a number from 0 to 65535`},
		{"addr", "example.com:80", `--addr (IDPOOL_ADDR): host "example.com" must be an IP address or localhost`},
		{"data-dir", "", `--data-dir (IDPOOL_DATA_DIR): must not be empty`},
		{"store", "mysql://x", `--store (IDPOOL_STORE): must be empty, "sqlite" or a postgres:// DSN`},
		{"region", "US", `--region (IDPOOL_REGION): "US" is not a region name like us-east-1`},
		{"account-id", "123", `--account-id (IDPOOL_ACCOUNT_ID): "123" is not 12 digits`},
		{"public-url", "foo", `--public-url (IDPOOL_PUBLIC_URL): "foo" is not an http(s) URL`},
		{"issuer", "foo", `--issuer (IDPOOL_ISSUER): "foo" is not an http(s) URL without query or fragment`},
		{"issuer", "https://x.example.com/?a=b", `--issuer (IDPOOL_ISSUER): "https://x.example.com/?a=b" is not an http(s) URL without query or fragment`},
		{"root-access-key-id", "AKIAEXAMPLEEXAMPLE12", `--root-access-key-id (IDPOOL_ROOT_ACCESS_KEY_ID): set both the access key ID and the secret access key, or neither`},
		{"accept-any-signature", "maybe", `--accept-any-signature (IDPOOL_ACCEPT_ANY_SIGNATURE): "maybe" is not true or false`},
		{"seal-key", "abc", `--seal-key (IDPOOL_SEAL_KEY): must be 32 bytes, base64-encoded`},
		{"user-pool-jwks", "foo", `--user-pool-jwks (IDPOOL_USER_POOL_JWKS): "foo" is not https://cognito-idp.<region>.amazonaws.com/<pool id>=<jwks url>`},
		{"user-pool-endpoint", "foo", `--user-pool-endpoint (IDPOOL_USER_POOL_ENDPOINT): "foo" is not https://cognito-idp.<region>.amazonaws.com/<pool id>=<cognito-idp endpoint url>`},
		{"user-pool-endpoint", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc=http://127.0.0.1:1/", `--user-pool-endpoint (IDPOOL_USER_POOL_ENDPOINT): needs --user-pool-access-key-id and --user-pool-secret-access-key to sign AdminGetUser`},
		{"user-pool-access-key-id", "AKIAUSERPOOLCHECK123", `--user-pool-access-key-id (IDPOOL_USER_POOL_ACCESS_KEY_ID): set both the access key ID and the secret access key, or neither`},
		{"google-jwks-url", "ftp://x", `--google-jwks-url (IDPOOL_GOOGLE_JWKS_URL): "ftp://x" is not an http(s) URL`},
		{"trust-unverified", "accounts.google.com", `--trust-unverified (IDPOOL_TRUST_UNVERIFIED): "accounts.google.com" is not one of graph.facebook.com, www.amazon.com, api.twitter.com, www.digits.com`},
		{"strict-roles", "yes please", `--strict-roles (IDPOOL_STRICT_ROLES): "yes please" is not true or false`},
		{"key-rotation-period", "1x", `--key-rotation-period (IDPOOL_KEY_ROTATION_PERIOD): "1x" is not a duration such as 30s, 15m or 24h`},
		{"key-rotation-period", "1m", `--key-rotation-period (IDPOOL_KEY_ROTATION_PERIOD): must be at least 15m`},
		{"pool-cache-ttl", "2m", `--pool-cache-ttl (IDPOOL_POOL_CACHE_TTL): must be between 0 and 1m`},
		{"max-pools", "abc", `--max-pools (IDPOOL_MAX_POOLS): "abc" is not an integer`},
		{"max-pools", "-1", `--max-pools (IDPOOL_MAX_POOLS): must not be negative`},
		{"shutdown-timeout", "0s", `--shutdown-timeout (IDPOOL_SHUTDOWN_TIMEOUT): must be positive`},
		{"log-level", "loud", `--log-level (IDPOOL_LOG_LEVEL): "loud" is not one of debug, info, warn, error`},
		{"log-format", "xml", `--log-format (IDPOOL_LOG_FORMAT): "xml" is not json or text`},
	} {
		t.Run(tc.flag+"="+tc.value, func(t *testing.T) {
			_, err := load(t, []string{"--" + tc.flag + "=" + tc.value})
			if err == nil || err.Error() != tc.want {
				t.Errorf("--%s=%s:\n got: %v\nwant: %s", tc.flag, tc.value, err, tc.want)
			}
			_, err = load(t, nil, EnvName(tc.flag)+"="+tc.value)
			if err == nil || err.Error() != tc.want {
				t.Errorf("%s=%s:\n got: %v\nwant: %s", EnvName(tc.flag), tc.value, err, tc.want)
			}
		})
	}
}

func TestAllProblemsReportedTogether(t *testing.T) {
	_, err := load(t, []string{"--region", "US", "--log-level", "loud"}, "IDPOOL_ACCOUNT_ID=1")
	want := "--region (IDPOOL_REGION): \"US\" is not a region name like us-east-1\n" +
		"--account-id (IDPOOL_ACCOUNT_ID): \"1\" is not 12 digits\n" +
		"--log-level (IDPOOL_LOG_LEVEL): \"loud\" is not one of debug, info, warn, error"
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
}

func TestFlagErrorPassesOtherErrors(t *testing.T) {
	_, fs := newFlags()
	err := fs.Parse([]string{"--no-such-flag"})
	if err == nil || FlagError(err) != err {
		t.Errorf("FlagError(%v) = %v, want it unchanged", err, FlagError(err))
	}
	if FlagError(nil) != nil {
		t.Error("FlagError(nil) != nil")
	}
	if e := errors.New("x"); FlagError(e) != e {
		t.Error("FlagError changed a plain error")
	}
}
