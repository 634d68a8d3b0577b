package login

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

const (
	// maxTokenBytes bounds a login token (Cognito's Logins values are at most
	// 50,000 characters).
	maxTokenBytes = 50000
	// maxKidBytes bounds a key ID; longer ones are refused without a lookup.
	maxKidBytes = 256
	// minRSABits is the smallest RSA modulus we verify with.
	minRSABits = 2048
)

// Signature algorithms. User pools sign with RS256 only; OIDC providers may
// use any of these (the set STS accepts for AssumeRoleWithWebIdentity).
var (
	rs256Only = []jose.SignatureAlgorithm{jose.RS256}
	oidcAlgs  = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512}
)

// jwtHeader is the part of the JOSE header we read.
type jwtHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// audience is the aud claim: a string or an array of strings.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = audience{s}
		return nil
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return err
	}
	*a = l
	return nil
}

// numericDate is a JWT NumericDate (seconds, possibly fractional).
type numericDate struct{ sec int64 }

func (d *numericDate) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e15 {
		return errors.New("NumericDate out of range")
	}
	d.sec = int64(math.Floor(f))
	return nil
}

// registeredClaims are the claims the verifiers check.
type registeredClaims struct {
	Iss      string       `json:"iss"`
	Sub      string       `json:"sub"`
	Aud      audience     `json:"aud"`
	Azp      string       `json:"azp"`
	TokenUse string       `json:"token_use"`
	Exp      *numericDate `json:"exp"`
	Nbf      *numericDate `json:"nbf"`
	Iat      *numericDate `json:"iat"`
}

// jwtToken is a compact JWS split and decoded, not yet verified.
type jwtToken struct {
	raw     string
	header  jwtHeader
	payload []byte
	claims  map[string]any
	reg     registeredClaims
}

// parseJWT splits and decodes a compact JWS. It checks the shape only: three
// base64url parts, a JSON object header with an alg, a JSON object payload
// whose registered claims have the right types. Anything else is
// errNotOIDC. It verifies nothing.
func parseJWT(raw string) (*jwtToken, error) {
	if len(raw) == 0 || len(raw) > maxTokenBytes || strings.Count(raw, ".") != 2 {
		return nil, refuse(errNotOIDC, "not a compact JWS")
	}
	parts := strings.SplitN(raw, ".", 3)
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, refuse(errNotOIDC, "header is not base64url")
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, refuse(errNotOIDC, "payload is not base64url")
	}
	if _, err := base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		return nil, refuse(errNotOIDC, "signature is not base64url")
	}
	t := &jwtToken{raw: raw, payload: pb}
	if !isJSONObject(hb) || json.Unmarshal(hb, &t.header) != nil || t.header.Alg == "" {
		return nil, refuse(errNotOIDC, "header is not a JOSE header")
	}
	if !isJSONObject(pb) || json.Unmarshal(pb, &t.claims) != nil || json.Unmarshal(pb, &t.reg) != nil {
		return nil, refuse(errNotOIDC, "payload is not a JSON claims object")
	}
	return t, nil
}

func isJSONObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 1 && b[0] == '{'
}

// keySource returns the candidate verification keys for a kid ("" = all).
type keySource interface {
	keysFor(ctx context.Context, kid string) ([]jose.JSONWebKey, error)
}

// verifySignature checks the token's signature: the header alg must be in
// allowed, the kid must name a key in the set, and the alg must fit that
// key's type (RSA → RS*, P-256 → ES256, P-384 → ES384, P-521 → ES512; a
// key's own "alg" must match too). Symmetric keys are never used, so an
// HS256 token signed with a public key's bytes cannot verify. Only then is
// the signature checked, by go-jose, with the alg pinned to the one
// accepted. Errors are errSignature unless fetching keys failed
// (errExternal).
func verifySignature(ctx context.Context, t *jwtToken, keys keySource, allowed []jose.SignatureAlgorithm) error {
	alg := jose.SignatureAlgorithm(t.header.Alg)
	if !slices.Contains(allowed, alg) {
		return refuse(errSignature, "algorithm %q not accepted", t.header.Alg)
	}
	if len(t.header.Kid) > maxKidBytes {
		return refuse(errSignature, "kid too long")
	}
	jws, err := jose.ParseSignedCompact(t.raw, []jose.SignatureAlgorithm{alg})
	if err != nil {
		return refuse(errSignature, "parse JWS: %v", err)
	}
	cands, err := keys.keysFor(ctx, t.header.Kid)
	if err != nil {
		return err
	}
	for _, k := range cands {
		if !keyAllows(k, alg) {
			continue
		}
		payload, err := jws.Verify(k.Key)
		if err != nil {
			continue
		}
		if !bytes.Equal(payload, t.payload) {
			return refuse(errSignature, "verified payload differs")
		}
		return nil
	}
	return refuse(errSignature, "no key of the set verifies (kid %q, alg %s)", t.header.Kid, alg)
}

// keyAllows reports whether key may verify a signature made with alg.
func keyAllows(key jose.JSONWebKey, alg jose.SignatureAlgorithm) bool {
	if key.Algorithm != "" && key.Algorithm != string(alg) {
		return false
	}
	switch k := key.Key.(type) {
	case *rsa.PublicKey:
		return k.N.BitLen() >= minRSABits && (alg == jose.RS256 || alg == jose.RS384 || alg == jose.RS512)
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return alg == jose.ES256
		case elliptic.P384():
			return alg == jose.ES384
		case elliptic.P521():
			return alg == jose.ES512
		}
	}
	return false
}

// timePolicy says how much clock skew to allow on each time claim.
type timePolicy struct {
	// expLeeway is added to exp (0 for user pools, whose message
	// "now >= exp" shows no leeway; 5 minutes for OIDC providers).
	expLeeway time.Duration
	// skew is allowed on nbf and iat lying in the future.
	skew time.Duration
}

// checkTimes checks exp (required), nbf and iat (optional) at now.
func checkTimes(reg registeredClaims, now time.Time, p timePolicy) error {
	n := now.Unix()
	if reg.Exp == nil {
		return refuse(errMissingExp, "no exp")
	}
	if n >= reg.Exp.sec+int64(p.expLeeway/time.Second) {
		return refuse(errExpired(n, reg.Exp.sec), "expired")
	}
	skew := int64(p.skew / time.Second)
	if reg.Nbf != nil && n+skew < reg.Nbf.sec {
		return refuse(errNotYetValid(n, reg.Nbf.sec), "nbf in the future")
	}
	if reg.Iat != nil && n+skew < reg.Iat.sec {
		return refuse(errNotYetValid(n, reg.Iat.sec), "iat in the future")
	}
	return nil
}
