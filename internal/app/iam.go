package app

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/idpool/idpool/internal/iam"
	"github.com/idpool/idpool/internal/identity"
	"github.com/idpool/idpool/internal/login"
	"github.com/idpool/idpool/internal/stsapi"
)

// iamProviders presents the IAM service's providers to the login verifiers
// and to the pool checks.
type iamProviders struct{ svc *iam.Service }

// OIDCProvider implements login.OIDCProviderSource.
func (p iamProviders) OIDCProvider(ctx context.Context, arn string) (login.OIDCProviderInfo, error) {
	o, err := p.svc.OIDCProviderByARN(ctx, arn)
	if iam.IsNoSuchEntity(err) {
		return login.OIDCProviderInfo{}, login.ErrProviderNotFound
	}
	if err != nil {
		return login.OIDCProviderInfo{}, err
	}
	return login.OIDCProviderInfo{URL: o.URL, ClientIDs: o.ClientIDs, Thumbprints: o.Thumbprints}, nil
}

// SAMLProvider implements login.SAMLProviderSource.
func (p iamProviders) SAMLProvider(ctx context.Context, arn string) ([]byte, error) {
	s, err := p.svc.SAMLProviderByARN(ctx, arn)
	if iam.IsNoSuchEntity(err) {
		return nil, login.ErrProviderNotFound
	}
	if err != nil {
		return nil, err
	}
	return []byte(s.Metadata), nil
}

// OIDCProviderExists implements identity.ProviderRegistry.
func (p iamProviders) OIDCProviderExists(ctx context.Context, arn string) (bool, error) {
	_, err := p.svc.OIDCProviderByARN(ctx, arn)
	return exists(err)
}

// SAMLProviderExists implements identity.ProviderRegistry.
func (p iamProviders) SAMLProviderExists(ctx context.Context, arn string) (bool, error) {
	_, err := p.svc.SAMLProviderByARN(ctx, arn)
	return exists(err)
}

// exists interprets a lookup error: found, absent (NoSuchEntity, or an ARN
// of the wrong shape), or a failure.
func exists(err error) (bool, error) {
	switch {
	case err == nil:
		return true, nil
	case iam.ErrorCode(err) != "" && (iam.IsNoSuchEntity(err) || iam.ErrorCode(err) == iam.CodeInvalidInput):
		return false, nil
	}
	return false, err
}

// trustChecker evaluates a registered role's trust policy for a web
// identity, as STS does. A role ARN that was never registered passes unless
// strict is set.
type trustChecker struct {
	svc    *iam.Service
	strict bool
	log    *slog.Logger
}

// check returns nil when the role may be assumed, or a description of why
// not (which is logged, never sent).
func (t trustChecker) check(ctx context.Context, roleARN, poolID, subject string, amr []string, tags map[string]string) (bool, error) {
	role, err := t.svc.RoleByARN(ctx, roleARN)
	registered, err := exists(err)
	if err != nil {
		return false, fmt.Errorf("app: look up role %s: %w", roleARN, err)
	}
	if !registered {
		if t.strict {
			t.log.WarnContext(ctx, "role refused: not registered (--strict-roles)", "role", roleARN)
			return false, nil
		}
		return true, nil
	}
	c := map[string][]string{
		"cognito-identity.amazonaws.com:aud": {poolID},
		"cognito-identity.amazonaws.com:sub": {subject},
		"cognito-identity.amazonaws.com:amr": amr,
		"aws:FederatedProvider":              {"cognito-identity.amazonaws.com"},
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		c["aws:RequestTag/"+k] = []string{tags[k]}
	}
	ok, reason := iam.EvaluateTrust(role.AssumeRolePolicyDocument, iam.TrustRequest{
		Actions:   iam.WebIdentityActions(len(tags) > 0),
		Principal: iam.TrustPrincipal{Federated: "cognito-identity.amazonaws.com"},
		Context:   c,
	})
	if !ok {
		t.log.WarnContext(ctx, "role trust policy refused the identity", "role", roleARN, "pool", poolID, "identity", subject, "reason", reason)
	}
	return ok, nil
}

// trustedMinter checks the role's trust policy before minting, and answers
// a refusal as Cognito does.
type trustedMinter struct {
	next  identity.CredentialMinter
	trust trustChecker
}

// Mint implements identity.CredentialMinter.
func (m trustedMinter) Mint(ctx context.Context, r identity.CredentialRequest) (identity.Credentials, error) {
	ok, err := m.trust.check(ctx, r.RoleARN, r.PoolID, r.IdentityID, r.AMR, r.PrincipalTags)
	if err != nil {
		return identity.Credentials{}, err
	}
	if !ok {
		return identity.Credentials{}, &identity.Error{Code: identity.CodeInvalidIdentityPoolConfig,
			Message: "Invalid identity pool configuration. Check assigned IAM roles for this pool."}
	}
	return m.next.Mint(ctx, r)
}

// checkSTSRole is stsapi's CheckRole: a registered role's trust policy must
// allow the web identity and its MaxSessionDuration bound the duration.
func (t trustChecker) checkSTSRole(ctx context.Context, roleARN string, wi stsapi.WebIdentity, d time.Duration) error {
	role, err := t.svc.RoleByARN(ctx, roleARN)
	if err == nil && d > time.Duration(role.MaxSessionDuration)*time.Second {
		return &stsapi.Error{Code: "ValidationError", Status: http.StatusBadRequest,
			Message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."}
	}
	ok, err := t.check(ctx, roleARN, wi.Audience, wi.Subject, wi.AMR, wi.Tags)
	if err != nil {
		return err
	}
	if !ok {
		return &stsapi.Error{Code: "AccessDenied", Status: http.StatusForbidden,
			Message: "Not authorized to perform sts:AssumeRoleWithWebIdentity"}
	}
	return nil
}
