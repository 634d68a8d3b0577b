// Package config defines idpool's settings, reads them from command-line
// flags and their IDPOOL_* environment twins, and validates them strictly at
// start: every bad value is reported with the flag, the environment
// variable and what is expected. A flag given on the command line wins over
// its environment variable; unknown IDPOOL_* variables are errors too, so a
// typo never silently falls back to a default.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Config is the complete configuration of `idpool serve`.
type Config struct {
	Addr      string // listen address, host:port
	DataDir   string // directory for the SQLite file, generated keys and the credentials file
	Store     string // "" or "sqlite" for the embedded default, or a postgres:// DSN
	Region    string
	AccountID string
	PublicURL string // base URL clients use; default http://<addr>
	Issuer    string // iss of issued OpenID tokens; default PublicURL

	RootAccessKeyID     string
	RootSecretAccessKey string
	// AcceptAnySignature is the emulator switch: any well-formed SigV4
	// signature is accepted, as LocalStack and moto do. Off by default.
	AcceptAnySignature bool

	SealKey string // base64 32-byte key sealing private keys at rest; default: <data-dir>/seal.key

	// Login providers.
	UserPoolJWKS         []string // issuer=jwks-url pairs for Cognito user pools
	UserPoolEndpoints    []string // issuer=cognito-idp-endpoint pairs for ServerSideTokenCheck
	UserPoolAccessKeyID  string   // signs AdminGetUser calls for ServerSideTokenCheck
	UserPoolSecretKey    string
	GoogleJWKSURL        string
	AppleJWKSURL         string
	FacebookURL          string
	AmazonURL            string
	TwitterURL           string
	DigitsURL            string
	TrustUnverified      []string // providers whose access tokens are accepted unverified (emulation)
	AllowInsecureIssuers bool     // http OIDC issuers beyond loopback
	// StrictRoles refuses role ARNs that were never registered with IAM
	// CreateRole (by default they are accepted without a trust check).
	StrictRoles       bool
	KeyRotationPeriod time.Duration
	PoolCacheTTL      time.Duration
	MaxPools          int
	ShutdownTimeout   time.Duration
	LogLevel          string
	LogFormat         string
}

// Defaults returns the default configuration.
func Defaults() Config {
	return Config{
		Addr:              "127.0.0.1:4747",
		DataDir:           "./idpool-data",
		Region:            "us-east-1",
		AccountID:         "000000000000",
		KeyRotationPeriod: 24 * time.Hour,
		PoolCacheTTL:      2 * time.Second,
		MaxPools:          1000,
		ShutdownTimeout:   15 * time.Second,
		LogLevel:          "info",
		LogFormat:         "json",
	}
}

// Bind registers the serve flags on fs, writing into c.
func (c *Config) Bind(fs *pflag.FlagSet) {
	d := Defaults()
	fs.StringVar(&c.Addr, "addr", d.Addr, "listen address (host:port)")
	fs.StringVar(&c.DataDir, "data-dir", d.DataDir, "data directory (SQLite database, generated keys, credentials file)")
	fs.StringVar(&c.Store, "store", "", "storage: empty for embedded SQLite in the data directory, or a postgres:// DSN")
	fs.StringVar(&c.Region, "region", d.Region, "AWS region served; pool and identity IDs start with it")
	fs.StringVar(&c.AccountID, "account-id", d.AccountID, "12-digit AWS account ID that owns the pools")
	fs.StringVar(&c.PublicURL, "public-url", "", "base URL clients reach this server at (default http://<addr>)")
	fs.StringVar(&c.Issuer, "issuer", "", "iss claim of issued OpenID tokens (default: the public URL)")
	fs.StringVar(&c.RootAccessKeyID, "root-access-key-id", "", "admin access key ID (default: generated on first start)")
	fs.StringVar(&c.RootSecretAccessKey, "root-secret-access-key", "", "admin secret access key (default: generated on first start)")
	fs.BoolVar(&c.AcceptAnySignature, "accept-any-signature", false, "EMULATOR MODE: accept any well-formed SigV4 signature, like LocalStack/moto")
	fs.StringVar(&c.SealKey, "seal-key", "", "base64 32-byte key that seals private keys at rest (default: <data-dir>/seal.key, created on first start)")
	fs.StringSliceVar(&c.UserPoolJWKS, "user-pool-jwks", nil, "JWKS location of a Cognito user pool issuer, as issuer=url (repeatable, comma-separated); default <issuer>/.well-known/jwks.json")
	fs.StringSliceVar(&c.UserPoolEndpoints, "user-pool-endpoint", nil, "cognito-idp endpoint of a Cognito user pool issuer, as issuer=url (repeatable, comma-separated): enforces ServerSideTokenCheck for that user pool with AdminGetUser")
	fs.StringVar(&c.UserPoolAccessKeyID, "user-pool-access-key-id", "", "access key ID that signs AdminGetUser calls to --user-pool-endpoint")
	fs.StringVar(&c.UserPoolSecretKey, "user-pool-secret-access-key", "", "secret access key that signs AdminGetUser calls to --user-pool-endpoint")
	fs.StringVar(&c.GoogleJWKSURL, "google-jwks-url", "", "JWKS of accounts.google.com (default Google's)")
	fs.StringVar(&c.AppleJWKSURL, "apple-jwks-url", "", "JWKS of appleid.apple.com (default Apple's)")
	fs.StringVar(&c.FacebookURL, "facebook-url", "", "Graph API base URL used to check Facebook access tokens")
	fs.StringVar(&c.AmazonURL, "amazon-url", "", "Login with Amazon API base URL used to check access tokens")
	fs.StringVar(&c.TwitterURL, "twitter-url", "", "Twitter API base URL used to check OAuth 1.0a tokens")
	fs.StringVar(&c.DigitsURL, "digits-url", "", "Digits API base URL")
	fs.StringSliceVar(&c.TrustUnverified, "trust-unverified", nil, "EMULATION: providers (graph.facebook.com, www.amazon.com, api.twitter.com, www.digits.com) whose tokens are accepted without asking the provider")
	fs.BoolVar(&c.StrictRoles, "strict-roles", false, "refuse roles never registered with IAM CreateRole (default: accept them without a trust-policy check)")
	fs.BoolVar(&c.AllowInsecureIssuers, "allow-insecure-issuers", false, "allow http:// OIDC issuers on non-loopback hosts")
	fs.DurationVar(&c.KeyRotationPeriod, "key-rotation-period", d.KeyRotationPeriod, "how often the OpenID token signing key rotates")
	fs.DurationVar(&c.PoolCacheTTL, "pool-cache-ttl", d.PoolCacheTTL, "how long a node may serve a pool configuration changed through another node")
	fs.IntVar(&c.MaxPools, "max-pools", d.MaxPools, "maximum number of identity pools (0: no limit)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", d.ShutdownTimeout, "how long in-flight requests may run after SIGINT/SIGTERM")
	fs.StringVar(&c.LogLevel, "log-level", d.LogLevel, "log level: debug, info, warn, error")
	fs.StringVar(&c.LogFormat, "log-format", d.LogFormat, "log format: json or text")
}

// EnvName returns the environment twin of a flag: --data-dir → IDPOOL_DATA_DIR.
func EnvName(flag string) string {
	return "IDPOOL_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// ApplyEnv sets every flag of fs that was not given on the command line
// from its IDPOOL_* environment variable. environ is os.Environ()-shaped.
// IDPOOL_* variables that name no flag are reported as errors, except the
// ones listed in ignore (variables read by other parts, such as tests).
func ApplyEnv(fs *pflag.FlagSet, environ []string, ignore ...string) error {
	known := map[string]*pflag.Flag{}
	fs.VisitAll(func(f *pflag.Flag) { known[EnvName(f.Name)] = f })
	var errs []error
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "IDPOOL_") {
			continue
		}
		f, ok := known[k]
		if !ok {
			if !contains(ignore, k) && !strings.HasPrefix(k, "IDPOOL_TEST_") && k != "IDPOOL_E2E_REQUIRED" {
				errs = append(errs, fmt.Errorf("unknown environment variable %s", k))
			}
			continue
		}
		if f.Changed {
			continue
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, fmt.Errorf("--%s (%s): %q is not %s", f.Name, k, v, expected(f)))
		}
	}
	return errors.Join(errs...)
}

// FlagError rewrites a command-line flag parsing error (an invalid value)
// into the same form as the other configuration errors: the flag, its
// environment twin, the value and what is expected. Other errors are
// returned unchanged.
func FlagError(err error) error {
	var ive *pflag.InvalidValueError
	if !errors.As(err, &ive) {
		return err
	}
	f := ive.GetFlag()
	return fmt.Errorf("--%s (%s): %q is not %s", f.Name, EnvName(f.Name), ive.GetValue(), expected(f))
}

// expected describes the values a flag accepts, by its type.
func expected(f *pflag.Flag) string {
	switch f.Value.Type() {
	case "bool":
		return "true or false"
	case "int":
		return "an integer"
	case "duration":
		return "a duration such as 30s, 15m or 24h"
	}
	return "a valid " + f.Value.Type()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var (
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
	accountRE = regexp.MustCompile(`^\d{12}$`)
	akidRE    = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)
)

// Validate checks every setting and fills derived defaults (PublicURL,
// Issuer). All problems are reported together.
func (c *Config) Validate() error {
	var errs []error
	bad := func(flag, format string, args ...any) {
		errs = append(errs, fmt.Errorf("--%s (%s): %s", flag, EnvName(flag), fmt.Sprintf(format, args...)))
	}
	if host, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		bad("addr", "%q is not host:port", c.Addr)
	} else if host != "" && net.ParseIP(host) == nil && host != "localhost" {
		bad("addr", "host %q must be an IP address or localhost", host)
	} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		bad("addr", "port %q is not a number from 0 to 65535", port)
	}
	if c.DataDir == "" {
		bad("data-dir", "must not be empty")
	}
	if c.Store != "" && c.Store != "sqlite" {
		u, err := url.Parse(c.Store)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			bad("store", "must be empty, \"sqlite\" or a postgres:// DSN")
		}
	}
	if !regionRE.MatchString(c.Region) {
		bad("region", "%q is not a region name like us-east-1", c.Region)
	}
	if !accountRE.MatchString(c.AccountID) {
		bad("account-id", "%q is not 12 digits", c.AccountID)
	}
	if (c.RootAccessKeyID == "") != (c.RootSecretAccessKey == "") {
		bad("root-access-key-id", "set both the access key ID and the secret access key, or neither")
	} else if c.RootAccessKeyID != "" {
		if !akidRE.MatchString(c.RootAccessKeyID) {
			bad("root-access-key-id", "must be 16–128 upper-case letters and digits")
		}
		if len(c.RootSecretAccessKey) < 16 {
			bad("root-secret-access-key", "must be at least 16 characters")
		}
	}
	if c.SealKey != "" {
		if k, err := base64.StdEncoding.DecodeString(c.SealKey); err != nil || len(k) != 32 {
			bad("seal-key", "must be 32 bytes, base64-encoded")
		}
	}
	for _, kv := range c.UserPoolJWKS {
		iss, u, ok := strings.Cut(kv, "=")
		if pu, err := url.Parse(u); !ok || !strings.HasPrefix(iss, "https://cognito-idp.") || err != nil || (pu.Scheme != "http" && pu.Scheme != "https") {
			bad("user-pool-jwks", "%q is not https://cognito-idp.<region>.amazonaws.com/<pool id>=<jwks url>", kv)
		}
	}
	endpointsOK := true
	for _, kv := range c.UserPoolEndpoints {
		iss, u, ok := strings.Cut(kv, "=")
		if pu, err := url.Parse(u); !ok || !strings.HasPrefix(iss, "https://cognito-idp.") || err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			bad("user-pool-endpoint", "%q is not https://cognito-idp.<region>.amazonaws.com/<pool id>=<cognito-idp endpoint url>", kv)
			endpointsOK = false
		}
	}
	if (c.UserPoolAccessKeyID == "") != (c.UserPoolSecretKey == "") {
		bad("user-pool-access-key-id", "set both the access key ID and the secret access key, or neither")
	} else if endpointsOK && len(c.UserPoolEndpoints) > 0 && c.UserPoolAccessKeyID == "" {
		bad("user-pool-endpoint", "needs --user-pool-access-key-id and --user-pool-secret-access-key to sign AdminGetUser")
	}
	for flag, v := range map[string]string{"google-jwks-url": c.GoogleJWKSURL, "apple-jwks-url": c.AppleJWKSURL,
		"facebook-url": c.FacebookURL, "amazon-url": c.AmazonURL, "twitter-url": c.TwitterURL, "digits-url": c.DigitsURL} {
		if v == "" {
			continue
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(flag, "%q is not an http(s) URL", v)
		}
	}
	for _, p := range c.TrustUnverified {
		switch p {
		case "graph.facebook.com", "www.amazon.com", "api.twitter.com", "www.digits.com":
		default:
			bad("trust-unverified", "%q is not one of graph.facebook.com, www.amazon.com, api.twitter.com, www.digits.com", p)
		}
	}
	if c.KeyRotationPeriod < 15*time.Minute {
		bad("key-rotation-period", "must be at least 15m")
	}
	if c.PoolCacheTTL < 0 || c.PoolCacheTTL > time.Minute {
		bad("pool-cache-ttl", "must be between 0 and 1m")
	}
	if c.MaxPools < 0 {
		bad("max-pools", "must not be negative")
	}
	if c.ShutdownTimeout <= 0 {
		bad("shutdown-timeout", "must be positive")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log-level", "%q is not one of debug, info, warn, error", c.LogLevel)
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		bad("log-format", "%q is not json or text", c.LogFormat)
	}
	if c.PublicURL == "" && len(errs) == 0 {
		host, port, _ := net.SplitHostPort(c.Addr)
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		c.PublicURL = "http://" + net.JoinHostPort(host, port)
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("public-url", "%q is not an http(s) URL", c.PublicURL)
		}
		c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	}
	if c.Issuer == "" {
		c.Issuer = c.PublicURL
	} else if u, err := url.Parse(c.Issuer); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" {
		bad("issuer", "%q is not an http(s) URL without query or fragment", c.Issuer)
	}
	return errors.Join(errs...)
}

// IsPostgres reports whether the store is PostgreSQL.
func (c *Config) IsPostgres() bool {
	return strings.HasPrefix(c.Store, "postgres://") || strings.HasPrefix(c.Store, "postgresql://")
}

// Environ is os.Environ, a variable so tests can replace it.
var Environ = os.Environ
