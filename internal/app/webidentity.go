package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/idpool/idpool/internal/stsapi"
	"github.com/idpool/idpool/internal/token"
)

// cognitoProvider is the Provider STS reports for idpool-issued tokens.
const cognitoProvider = "cognito-identity.amazonaws.com"

// webIdentities verifies web identity tokens for AssumeRoleWithWebIdentity:
// the OpenID tokens this deployment issued (the classic flow).
type webIdentities struct{ m *token.Manager }

// VerifyWebIdentity implements stsapi.TokenVerifier.
func (w webIdentities) VerifyWebIdentity(_ context.Context, raw string) (stsapi.WebIdentity, error) {
	c, err := w.m.Verify(raw)
	var exp *token.ExpiredError
	switch {
	case errors.As(err, &exp):
		// STS's text, e.g. "Token expired: current date/time 1731098245 must
		// be before the expiration date/time 1731095240".
		return stsapi.WebIdentity{}, &stsapi.Error{Code: "ExpiredTokenException", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Token expired: current date/time %d must be before the expiration date/time %d", exp.Now.Unix(), exp.ExpiresAt.Unix())}
	case err != nil:
		return stsapi.WebIdentity{}, &stsapi.Error{Code: "InvalidIdentityToken", Status: http.StatusBadRequest,
			Message: "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request."}
	}
	return stsapi.WebIdentity{Subject: c.Subject, Audience: c.Audience, Provider: cognitoProvider, AMR: c.AMR, Tags: c.PrincipalTags}, nil
}
