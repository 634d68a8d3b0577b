// Package token issues and verifies the OpenID tokens that GetOpenIdToken and
// GetOpenIdTokenForDeveloperIdentity return, rotates the RSA keys that sign
// them, and publishes the public halves as a JWKS document.
//
// # Token shape
//
// A token is an RS512 (RSASSA-PKCS1-v1_5 with SHA-512) compact JWS shaped like
// Amazon Cognito's. The protected header is exactly
//
//	{"kid":"<region><n>","typ":"JWS","alg":"RS512"}
//
// and the claims come in Cognito's order: sub, aud (a string), amr (an array),
// https://aws.amazon.com/tags (only when there are principal tags; each value a
// one-element array), iss, https://cognito-identity.amazonaws.com/identity-pool-arn,
// exp, iat.
//
// # Where the keys live
//
// All key state is one JSON document under one key (DefaultStoreKey) of a
// ValueStore that every node shares: the signing key, the next key, and the
// retired keys with the time at which each leaves the JWKS. The private halves
// of the signing and next keys are sealed with AES-256-GCM under
// Config.SealKey; the associated data binds each blob to its seal-key id and to
// its kid. Retired keys keep only their public half. Nothing a node holds in
// memory is the only copy of anything.
//
// # What happens, in order
//
// NewManager validates the Config and calls Refresh once; it fails if that
// Refresh fails, so a Manager that exists always holds a signing key.
//
// Refresh (1) reads the document; (2) unseals every private key it has not
// unsealed before and checks it against its published public key; a node whose
// SealKey is wrong, or whose document was tampered with, stops here, returns the
// error and writes nothing; (3) applies the rotation rules (rotate) at the
// current time; (4) if they changed anything, writes the new document with a
// version compare-and-swap; a node that loses the race re-reads (step 1) and
// adopts the winner's state, so two nodes rotating at once produce one new key;
// (5) swaps the in-memory key set with one atomic pointer store. Issue and
// Verify in flight keep the key set they loaded.
//
// The rotation rules: a missing signing or next key is created; when the
// signing key has signed for RotationPeriod it is retired (its private half is
// dropped) and the next key, already published in the JWKS for a whole
// RotationPeriod, becomes the signing key; a new next key is created. A retired
// key stays in the JWKS until MaxTokenLifetime plus a grace period
// (2×RefreshInterval + ClockSkew) after its retirement, which outlives every
// token it can have signed, including tokens signed by nodes that had not yet
// noticed the rotation. Retired keys past that point are dropped. Key ids are
// "<Region><n>" with n counting up from 1 and never reused (us-east-11,
// us-east-12, ...).
//
// Run calls Refresh every RefreshInterval, and early when Issue notices that
// the signing key is due for rotation.
//
// Issue does no I/O and no key parsing: it encodes the claims, hashes and makes
// one RSA signature with the key and header prepared at Refresh. Verify does no
// I/O either: it refuses non-canonical base64url (so a token has one spelling),
// parses the compact JWS with go-jose, allowing RS512 only, looks
// the kid up among the keys of the current JWKS, checks the signature, then
// iss and exp.
//
// # What does not happen
//
// Verify never fetches keys for an unknown kid, so forged kids cannot make a
// node hammer its store; every node already knows the next key a whole
// RotationPeriod before it signs anything. Issue never signs with a key that
// may leave the JWKS before the token expires: if Refresh has failed for so
// long that the signing key is overdue for rotation by more than the grace
// period, Issue returns ErrStaleKeys. The seal key itself is not rotated by
// this package. Config.Rand feeds AES-GCM nonces only; since Go 1.26,
// crypto/rsa ignores caller-supplied randomness when generating keys (tests
// that need reproducible keys use testing/cryptotest.SetGlobalRandom).
package token
