package app

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/idpool/idpool/internal/awswire"
	"github.com/idpool/idpool/internal/config"
	"github.com/idpool/idpool/internal/identity"
	"github.com/idpool/idpool/internal/sigv4"
)

// AdminCredentials is the key pair that may call the admin operations.
type AdminCredentials struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
	// Generated is true when the pair was generated (not configured).
	Generated bool `json:"-"`
}

// ProfileName is the profile written to <data-dir>/credentials.
const ProfileName = "idpool"

const adminCredentialsKey = "admin-credentials"

// loadAdminCredentials returns the configured admin key pair, or the one
// stored in the store, generating and storing it on the very first start
// (insert-only, so nodes starting together agree on one pair). A generated
// pair is printed to out once, when it is created, and written as an AWS
// credentials-file profile into the data directory.
func loadAdminCredentials(ctx context.Context, cfg config.Config, st identity.Store, out io.Writer) (AdminCredentials, error) {
	if cfg.RootAccessKeyID != "" {
		return AdminCredentials{AccessKeyID: cfg.RootAccessKeyID, SecretAccessKey: cfg.RootSecretAccessKey}, nil
	}
	created := false
	var c AdminCredentials
	for {
		b, _, err := st.GetValue(ctx, adminCredentialsKey)
		if err == nil {
			if err := json.Unmarshal(b, &c); err != nil {
				return c, fmt.Errorf("app: decode stored admin credentials: %w", err)
			}
			break
		}
		if !errors.Is(err, identity.ErrNotFound) {
			return c, fmt.Errorf("app: read admin credentials: %w", err)
		}
		c = AdminCredentials{AccessKeyID: "AKIA" + randomString(16, upperAlnum), SecretAccessKey: randomString(40, secretAlphabet)}
		b, _ = json.Marshal(c)
		_, err = st.PutValue(ctx, adminCredentialsKey, b, 0)
		if errors.Is(err, identity.ErrConflict) {
			continue // another node created them first: use theirs
		}
		if err != nil {
			return c, fmt.Errorf("app: store admin credentials: %w", err)
		}
		created = true
		break
	}
	c.Generated = true
	path := filepath.Join(cfg.DataDir, "credentials")
	if _, err := os.Stat(path); created || errors.Is(err, os.ErrNotExist) {
		if err := writeCredentialsFile(path, cfg.Region, c); err != nil {
			return c, err
		}
	}
	if created {
		fmt.Fprintf(out, `idpool generated admin credentials (shown once; also written to %s as profile [%s]):
  AWS_ACCESS_KEY_ID=%s
  AWS_SECRET_ACCESS_KEY=%s
Use them with: AWS_SHARED_CREDENTIALS_FILE=%s aws --profile %s --endpoint-url %s cognito-identity list-identity-pools --max-results 10
`, path, ProfileName, c.AccessKeyID, c.SecretAccessKey, path, ProfileName, cfg.PublicURL)
	}
	return c, nil
}

func writeCredentialsFile(path, region string, c AdminCredentials) error {
	body := fmt.Sprintf("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\nregion = %s\n", ProfileName, c.AccessKeyID, c.SecretAccessKey, region)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		return fmt.Errorf("app: write credentials file: %w", err)
	}
	return nil
}

const (
	upperAlnum     = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// randomString returns n characters drawn uniformly from alphabet, whose
// length must divide 256.
func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	var sb strings.Builder
	for _, x := range b {
		sb.WriteByte(alphabet[int(x)%len(alphabet)])
	}
	return sb.String()
}

// credentialSource resolves access keys for SigV4: the admin pair, and
// (once wired) temporary credentials minted by the STS surface.
type credentialSource struct {
	admin AdminCredentials
	// anyone authorizes every caller (emulator mode).
	anyone bool
	// temporary resolves temporary credentials (requests with a session
	// token).
	temporary sigv4.CredentialSource
}

// LookupCredentials implements sigv4.CredentialSource.
func (c *credentialSource) LookupCredentials(ctx context.Context, accessKeyID, sessionToken string) (sigv4.Credentials, error) {
	if sessionToken != "" && c.temporary != nil {
		return c.temporary.LookupCredentials(ctx, accessKeyID, sessionToken)
	}
	if accessKeyID == c.admin.AccessKeyID && sessionToken == "" {
		return sigv4.Credentials{AccessKeyID: accessKeyID, SecretAccessKey: c.admin.SecretAccessKey}, nil
	}
	return sigv4.Credentials{}, sigv4.ErrUnknownAccessKey
}

// authorizeAdmin lets only the admin pair call admin operations.
func (c *credentialSource) authorizeAdmin(creds sigv4.Credentials, op string) error {
	return c.authorizeAdminFor("cognito-identity")(creds, op)
}

// authorizeAdminFor returns the admin check of one service: the refusal
// names the IAM action "<service>:<op>".
func (c *credentialSource) authorizeAdminFor(service string) func(sigv4.Credentials, string) error {
	return func(creds sigv4.Credentials, op string) error {
		if c.anyone || (creds.AccessKeyID == c.admin.AccessKeyID && creds.SessionToken == "") {
			return nil
		}
		who := "anonymous"
		if s, ok := creds.Subject.(interface{ AssumedRoleARN() string }); ok {
			who = s.AssumedRoleARN()
		}
		return &awswire.Error{
			Type:           "AccessDeniedException",
			Message:        fmt.Sprintf("User: %s is not authorized to perform: %s:%s on resource: *", who, service, op),
			Status:         http.StatusBadRequest,
			CapitalMessage: true,
		}
	}
}
