package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/idpool/idpool/internal/identity"
	"github.com/idpool/idpool/internal/token"
)

// tokens adapts the token manager to the domain's Tokens port, turning
// verification failures into Cognito's NotAuthorizedException messages.
type tokens struct {
	m   *token.Manager
	now func() time.Time
}

// Issue implements identity.Tokens.
func (t tokens) Issue(_ context.Context, req identity.TokenRequest) (string, error) {
	now := t.now()
	return t.m.Issue(token.Claims{
		Subject: req.IdentityID, Audience: req.PoolID, AMR: req.AMR, PrincipalTags: req.PrincipalTags,
		PoolARN: req.PoolARN, IssuedAt: now, ExpiresAt: now.Add(req.Lifetime),
	})
}

// Verify implements identity.Tokens.
func (t tokens) Verify(_ context.Context, raw string) (identity.TokenClaims, error) {
	c, err := t.m.Verify(raw)
	if err != nil {
		return identity.TokenClaims{}, tokenError(err)
	}
	return identity.TokenClaims{IdentityID: c.Subject, PoolID: c.Audience, AMR: c.AMR, PrincipalTags: c.PrincipalTags, ExpiresAt: c.ExpiresAt}, nil
}

// tokenError maps a token verification error to Cognito's message.
func tokenError(err error) error {
	var exp *token.ExpiredError
	switch {
	case errors.As(err, &exp):
		return identity.Errorf(identity.CodeNotAuthorized, "Invalid login token. %s", exp.Error())
	case errors.Is(err, token.ErrInvalidSignature):
		return identity.Errorf(identity.CodeNotAuthorized, "Invalid login token. Couldn't verify signed token.")
	case errors.Is(err, token.ErrMalformed):
		return identity.Errorf(identity.CodeNotAuthorized, "Invalid login token. Not a valid OpenId Connect identity token.")
	case errors.Is(err, token.ErrInvalidClaims):
		return identity.Errorf(identity.CodeNotAuthorized, "Invalid login token. Not a Cognito token.")
	}
	return err
}

// loadSealKey returns the configured seal key, or the one in
// <data-dir>/seal.key, creating that file (0600) on the first start.
func loadSealKey(seal, dataDir string) ([]byte, error) {
	if seal != "" {
		return base64.StdEncoding.DecodeString(seal)
	}
	path := filepath.Join(dataDir, "seal.key")
	b, err := os.ReadFile(path)
	if err == nil {
		k, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if derr != nil || len(k) != 32 {
			return nil, fmt.Errorf("app: %s does not hold a base64 32-byte key", path)
		}
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("app: read seal key: %w", err)
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("app: generate seal key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("app: create seal key: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n"); err != nil {
		return nil, fmt.Errorf("app: write seal key: %w", err)
	}
	if err := f.Sync(); err != nil {
		return nil, fmt.Errorf("app: sync seal key: %w", err)
	}
	return k, nil
}
