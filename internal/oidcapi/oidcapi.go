// Package oidcapi serves idpool's OpenID Connect discovery document and the
// JSON Web Key Set that verifies the OpenID tokens it issues:
//
//	GET /.well-known/openid-configuration
//	GET /.well-known/jwks_uri   (Cognito's path)
//	GET /.well-known/jwks.json  (the conventional path)
//
// The key set comes from a KeySource (the token manager), which keeps the
// document prepared; the handlers only copy bytes. Cache-Control max-age is
// the source's CacheMaxAge, never longer than the rotation overlap, so
// verifiers pick up a new key before any token signed with it can appear
// in their hands for long.
package oidcapi

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Handler serves the discovery document and the key set.
type Handler struct {
	jwks      func() []byte
	maxAge    func() int
	discovery []byte
}

// New returns a Handler for issuer. jwks returns the current key set
// document; maxAgeSeconds its cache lifetime.
func New(issuer string, jwks func() []byte, maxAgeSeconds func() int) *Handler {
	doc := map[string]any{
		"issuer":                                issuer,
		"jwks_uri":                              issuer + "/.well-known/jwks_uri",
		"response_types_supported":              []string{"code", "id_token", "token id_token", "none"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS512"},
		"claims_supported":                      []string{"sub", "aud", "amr", "iss", "exp", "iat", "https://cognito-identity.amazonaws.com/identity-pool-arn", "https://aws.amazon.com/tags"},
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return &Handler{jwks: jwks, maxAge: maxAgeSeconds, discovery: b}
}

// Register adds the routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /.well-known/openid-configuration", h.serveDiscovery)
	mux.HandleFunc("GET /.well-known/jwks_uri", h.serveJWKS)
	mux.HandleFunc("GET /.well-known/jwks.json", h.serveJWKS)
}

func (h *Handler) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(h.maxAge()))
	_, _ = w.Write(h.discovery)
}

func (h *Handler) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	b := h.jwks()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(h.maxAge()))
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}
