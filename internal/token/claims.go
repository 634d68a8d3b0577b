package token

import (
	"errors"
	"fmt"
	"time"
)

// Claim names that are not registered JWT names.
const (
	// ClaimTags holds {"principal_tags": {"<key>": ["<value>"]}}.
	ClaimTags = "https://aws.amazon.com/tags"
	// ClaimPoolARN holds the identity pool's ARN.
	ClaimPoolARN = "https://cognito-identity.amazonaws.com/identity-pool-arn"
)

// Claims is the content of an OpenID token.
type Claims struct {
	// Subject is the IdentityId (claim "sub").
	Subject string
	// Audience is the IdentityPoolId (claim "aud", a string).
	Audience string
	// AMR is the authentication-methods claim, e.g. ["unauthenticated"] or
	// ["authenticated", "<provider>", "<provider>:<qualifier>"]. A nil AMR
	// is issued as [].
	AMR []string
	// PrincipalTags become {"principal_tags": {k: [v]}} under
	// https://aws.amazon.com/tags; the claim is left out when empty.
	PrincipalTags map[string]string
	// PoolARN is the identity pool ARN; the claim is left out when empty.
	PoolARN string
	// IssuedAt is "iat"; Issue uses the Manager's clock when it is zero.
	IssuedAt time.Time
	// ExpiresAt is "exp". Issue requires it to be in the future and no more
	// than Config.MaxTokenLifetime away.
	ExpiresAt time.Time
	// Issuer is "iss". Issue always writes Config.Issuer and refuses a
	// different non-empty value; Verify fills it in.
	Issuer string
}

// wireClaims is the JSON payload. Field order is the claim order Cognito
// emits; encoding/json keeps struct field order.
type wireClaims struct {
	Subject  string    `json:"sub"`
	Audience string    `json:"aud"`
	AMR      []string  `json:"amr"`
	Tags     *wireTags `json:"https://aws.amazon.com/tags,omitempty"`
	Issuer   string    `json:"iss"`
	PoolARN  string    `json:"https://cognito-identity.amazonaws.com/identity-pool-arn,omitempty"`
	Expiry   int64     `json:"exp"`
	IssuedAt int64     `json:"iat"`
}

type wireTags struct {
	PrincipalTags map[string][]string `json:"principal_tags"`
}

// Errors returned by Verify, and by Issue for claims it refuses. Verify's
// errors wrap exactly one of ErrMalformed, ErrInvalidSignature, ErrExpired
// (as *ExpiredError) or ErrInvalidClaims.
var (
	// ErrMalformed: not a compact JWS, bad base64 or JSON, or too large.
	ErrMalformed = errors.New("token: malformed token")
	// ErrInvalidSignature: the algorithm is not RS512, the kid is not one of
	// ours (or no longer published), or the signature does not verify.
	ErrInvalidSignature = errors.New("token: invalid signature")
	// ErrExpired: the token's exp is not after now. Verify returns it as an
	// *ExpiredError.
	ErrExpired = errors.New("token: token expired")
	// ErrInvalidClaims: wrong issuer or a required claim missing (Verify), or
	// claims Issue will not sign.
	ErrInvalidClaims = errors.New("token: invalid claims")
	// ErrStaleKeys: Issue refused to sign because the signing key is overdue
	// for rotation by more than the grace period, which means Refresh has not
	// succeeded for that long.
	ErrStaleKeys = errors.New("token: signing keys are stale")
)

// ExpiredError is what Verify returns for an expired token. errors.Is(err,
// ErrExpired) holds for it. Its message is Cognito's, without the "Invalid
// login token. " prefix: "Token expired: <now> >= <exp>" in Unix seconds.
type ExpiredError struct {
	Now       time.Time // the verifier's clock
	ExpiresAt time.Time // the token's exp
}

func (e *ExpiredError) Error() string {
	return fmt.Sprintf("Token expired: %d >= %d", e.Now.Unix(), e.ExpiresAt.Unix())
}

// Is reports whether target is ErrExpired.
func (e *ExpiredError) Is(target error) bool { return target == ErrExpired }

// toWire checks c and converts it; now is the signing time.
func (m *Manager) toWire(c *Claims, now time.Time) (wireClaims, error) {
	switch {
	case c.Subject == "":
		return wireClaims{}, fmt.Errorf("%w: empty subject", ErrInvalidClaims)
	case c.Audience == "":
		return wireClaims{}, fmt.Errorf("%w: empty audience", ErrInvalidClaims)
	case c.Issuer != "" && c.Issuer != m.issuer:
		return wireClaims{}, fmt.Errorf("%w: issuer %q is not the configured %q", ErrInvalidClaims, c.Issuer, m.issuer)
	case !c.ExpiresAt.After(now):
		return wireClaims{}, fmt.Errorf("%w: expiry %s is not after now %s", ErrInvalidClaims, c.ExpiresAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case c.ExpiresAt.Sub(now) > m.maxLifetime:
		// The retirement schedule only covers tokens that live at most
		// MaxTokenLifetime from the moment they are signed.
		return wireClaims{}, fmt.Errorf("%w: lifetime %s exceeds MaxTokenLifetime %s", ErrInvalidClaims, c.ExpiresAt.Sub(now).Round(time.Second), m.maxLifetime)
	}
	iat := c.IssuedAt
	if iat.IsZero() {
		iat = now
	}
	amr := c.AMR
	if amr == nil {
		amr = []string{}
	}
	w := wireClaims{
		Subject:  c.Subject,
		Audience: c.Audience,
		AMR:      amr,
		Issuer:   m.issuer,
		PoolARN:  c.PoolARN,
		Expiry:   c.ExpiresAt.Unix(),
		IssuedAt: iat.Unix(),
	}
	if len(c.PrincipalTags) > 0 {
		t := make(map[string][]string, len(c.PrincipalTags))
		for k, v := range c.PrincipalTags {
			t[k] = []string{v}
		}
		w.Tags = &wireTags{PrincipalTags: t}
	}
	return w, nil
}

// fromWire converts verified claims; it checks nothing but shape.
func fromWire(w *wireClaims) (Claims, error) {
	c := Claims{
		Subject:   w.Subject,
		Audience:  w.Audience,
		AMR:       w.AMR,
		PoolARN:   w.PoolARN,
		IssuedAt:  time.Unix(w.IssuedAt, 0).UTC(),
		ExpiresAt: time.Unix(w.Expiry, 0).UTC(),
		Issuer:    w.Issuer,
	}
	if w.Tags != nil && len(w.Tags.PrincipalTags) > 0 {
		c.PrincipalTags = make(map[string]string, len(w.Tags.PrincipalTags))
		for k, v := range w.Tags.PrincipalTags {
			if len(v) != 1 {
				return Claims{}, fmt.Errorf("%w: principal tag %q has %d values, want 1", ErrMalformed, k, len(v))
			}
			c.PrincipalTags[k] = v[0]
		}
	}
	return c, nil
}
