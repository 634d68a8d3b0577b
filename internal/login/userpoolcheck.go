package login

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/idpool/idpool/internal/identity"
)

// UserPoolCheckConfig configures ServerSideTokenCheck: which user pools
// idpool may ask about their users, and with which credentials.
type UserPoolCheckConfig struct {
	// Endpoints maps a user pool issuer
	// ("https://cognito-idp.<region>.amazonaws.com/<poolId>") to the
	// cognito-idp endpoint that answers AdminGetUser for it: the real
	// service's https://cognito-idp.<region>.amazonaws.com, or a local
	// user-pool emulator. ServerSideTokenCheck is enforced only for the
	// user pools listed here.
	Endpoints map[string]string
	// AccessKeyID and SecretAccessKey sign the AdminGetUser calls (the
	// principal needs cognito-idp:AdminGetUser on those user pools).
	AccessKeyID, SecretAccessKey string
	// HTTPClient makes the calls; nil means a client with a 5 s timeout.
	HTTPClient *http.Client
	// Logger receives one line per refusal and per unreachable user pool.
	Logger *slog.Logger
}

// UserPoolChecker enforces ServerSideTokenCheck by asking the user pool
// about the user behind an already verified ID token, with the user pools'
// own AdminGetUser API (aws-sdk-go-v2). It implements
// identity.UserPoolChecker.
//
// A login is refused (NotAuthorizedException) when the token has no
// cognito:username, when the user pool no longer has that user
// (UserNotFoundException), when the user is disabled, or when the user now
// there has another sub (deleted and created again under the same name).
// It does not see global sign-out or revoked refresh tokens: an ID token
// stays usable until it expires, because AdminGetUser does not tell which
// tokens were revoked. A user pool that cannot be asked (network, 5xx,
// throttling, refused credentials) gives ExternalServiceException.
type UserPoolChecker struct {
	pools map[string]checkedPool // by provider name cognito-idp.<region>.amazonaws.com/<poolId>
	log   *slog.Logger
}

// checkedPool is one user pool that ServerSideTokenCheck asks.
type checkedPool struct {
	id     string // the user pool ID
	client *cip.Client
}

var _ identity.UserPoolChecker = (*UserPoolChecker)(nil)

// Inferred wording (no public sample): the user pool no longer vouches for
// the token's user.
var errUserPoolUser = &identity.Error{Code: identity.CodeNotAuthorized, Message: "Invalid login token. The user pool does not recognize the token's user."}

// NewUserPoolChecker builds a checker for the configured user pools. It
// returns nil, nil when no endpoint is configured.
func NewUserPoolChecker(cfg UserPoolCheckConfig) (*UserPoolChecker, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, nil
	}
	if cfg.AccessKeyID == "" || cfg.SecretAccessKey == "" {
		return nil, errors.New("login: ServerSideTokenCheck endpoints need an access key ID and a secret access key")
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 5 * time.Second}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	creds := credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, "")
	c := &UserPoolChecker{pools: map[string]checkedPool{}, log: log}
	for issuer, endpoint := range cfg.Endpoints {
		provider := strings.TrimPrefix(issuer, "https://")
		region, poolID, ok := identity.UserPoolProviderParts(provider)
		if !ok || provider == issuer {
			return nil, fmt.Errorf("login: ServerSideTokenCheck: %q is not https://cognito-idp.<region>.amazonaws.com/<pool id>", issuer)
		}
		if err := checkURL("UserPoolCheck.Endpoints["+issuer+"]", endpoint); err != nil {
			return nil, err
		}
		c.pools[provider] = checkedPool{id: poolID, client: cip.New(cip.Options{
			Region:       region,
			BaseEndpoint: aws.String(endpoint),
			Credentials:  aws.NewCredentialsCache(creds),
			HTTPClient:   httpClient,
			// One attempt: the caller is waiting, and a failure is
			// reported as ExternalServiceException for the client to retry.
			RetryMaxAttempts: 1,
		})}
	}
	return c, nil
}

// CheckUser asks the user pool of providerName about the token's user; see
// UserPoolChecker. User pools without a configured endpoint are not asked.
func (c *UserPoolChecker) CheckUser(ctx context.Context, providerName, clientID string, claims map[string]any) error {
	pool, ok := c.pools[providerName]
	if !ok {
		return nil
	}
	username, _ := claims["cognito:username"].(string)
	if username == "" {
		c.log.InfoContext(ctx, "login refused: ServerSideTokenCheck: the ID token has no cognito:username",
			"provider", providerName, "client_id", clientID)
		return errUserPoolUser
	}
	out, err := pool.client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool.id), Username: aws.String(username)})
	var notFound *ciptypes.UserNotFoundException
	switch {
	case errors.As(err, &notFound):
		c.log.InfoContext(ctx, "login refused: ServerSideTokenCheck: the user pool has no such user",
			"provider", providerName, "username", username)
		return errUserPoolUser
	case err != nil:
		c.log.WarnContext(ctx, "ServerSideTokenCheck: the user pool cannot be asked",
			"provider", providerName, "error", err)
		return fmt.Errorf("login: %s: AdminGetUser: %v: %w", providerName, err, errExternal)
	case !out.Enabled:
		c.log.InfoContext(ctx, "login refused: ServerSideTokenCheck: the user is disabled",
			"provider", providerName, "username", username)
		return errUserPoolUser
	}
	sub, _ := claims["sub"].(string)
	for _, a := range out.UserAttributes {
		if aws.ToString(a.Name) == "sub" && aws.ToString(a.Value) != sub {
			c.log.InfoContext(ctx, "login refused: ServerSideTokenCheck: the user was replaced (another sub)",
				"provider", providerName, "username", username)
			return errUserPoolUser
		}
	}
	return nil
}
