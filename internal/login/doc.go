// Package login verifies the tokens of a Logins map the way Amazon Cognito
// Identity does, one small Verifier per kind of provider, behind one
// Registry that implements identity.LoginVerifier.
//
// # Dispatch
//
// Registry.VerifyLogin picks the verifier from the pool's configuration:
// a user pool in CognitoIdentityProviders ("cognito-idp.<region>.amazonaws.com/<poolId>"),
// an IAM OIDC provider in OpenIdConnectProviderARNs (Logins key = issuer
// host/path), a SAML provider ARN in SamlProviderARNs, or a built-in social
// provider in SupportedLoginProviders (accounts.google.com,
// appleid.apple.com, graph.facebook.com, www.amazon.com, api.twitter.com,
// www.digits.com). Anything else is refused with "Token is not from a
// supported provider of this identity pool." The developer provider and
// cognito-identity.amazonaws.com never reach this package.
//
// # What is verified, in order
//
// JWT providers (user pools, OIDC, Google, Apple), see each Verify method:
// shape (three base64url parts, JSON header with alg, JSON claims) → iss →
// aud/azp against the configured client IDs (user pools also token_use
// "id") → signature → exp/nbf/iat → sub. The unverified claims are read
// before the signature only to pick the refusal message and to avoid key
// fetches for tokens that are refused anyway; nothing is accepted on them
// alone, and the payload the signature covers must be byte-identical to the
// one read. The signature check is the same for every kind: the header alg
// must be in the kind's allow-list (user pools, Google, Apple: RS256; OIDC:
// RS256/384/512, ES256/384/512; never none or HS*), the kid must name a key
// of the provider's JWKS, the alg must fit the key's type and curve (an RSA
// key verifies only RS*, a P-256 key only ES256, a key's own "alg" is
// honoured, RSA keys under 2048 bits are refused, symmetric keys are never
// loaded), then go-jose verifies with that single alg allowed.
//
// Key sets are cached per JWKS URL (OIDC: per issuer, found through
// /.well-known/openid-configuration, whose issuer must match) for the
// response's Cache-Control max-age clamped to [MinTTL, MaxTTL]. A token with
// an unknown kid refetches the set at most once per RefreshInterval per key
// set, and an unknown kid is remembered for NegativeTTL, so a flood of random
// kids costs one fetch. This replaces go-oidc's RemoteKeySet, which refetches
// on every unknown kid. kid values are never used in URLs or paths. A
// provider that cannot be reached, answers non-200 or sends a malformed
// document yields ExternalServiceException; a failure is remembered for
// ErrorBackoff, and a set past its TTL is still used for StaleIfError while
// refreshing fails.
//
// Access-token providers (Facebook, Amazon, Twitter/Digits) are checked by
// calling the provider's API (base URL configurable): the token must be
// accepted and issued to the pool's app ID. A provider may instead be set to
// TrustUnverified for offline emulation: its tokens are then accepted
// unchecked (logged as a warning at New).
//
// SAML responses are verified with gosaml2 and goxmldsig against the
// metadata IAM holds for the provider; the gaps gosaml2 leaves (audience
// and NotBefore only warn, no clock leeway, one exact Recipient) are closed
// here. See samlVerifier.Verify for the order. Assertion IDs are remembered
// in memory until the assertion expires, and each may be presented at most
// SAMLConfig.MaxAssertionUses times (default 2, because the SDKs present
// the same response to GetId and then to GetCredentialsForIdentity).
//
// # What is not verified
//
// ServerSideTokenCheck (whether a user-pool user signed out or was deleted)
// is not this package's job. IAM OIDC thumbprints are not compared: TLS is
// verified against the system roots instead. SAML replay detection is per
// process: with several nodes a replay to another node passes. Encrypted
// SAML assertions and SHA-1 XML signatures are refused. Nothing is cached
// that could let a refused token pass later: caches hold only provider
// documents, unknown kids (which only refuse) and the IDs of assertions
// that passed every other check.
//
// # Messages
//
// Refusals are *identity.Error values with Cognito's exception and, where
// one was ever observed, its verbatim message (errors.go marks which ones
// are inferred), wrapped with the reason for logs.
package login
