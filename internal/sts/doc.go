// Package sts mints AWS-style temporary credentials (access key ID, secret
// access key, session token) without writing anything per mint, and verifies
// them again on any node that shares the deployment's keyring.
//
// # API
//
//	m, err := sts.NewMinter(ctx, sts.Config{Store: store})  // loads or creates the keyring
//	c, err := m.Mint(sts.MintRequest{RoleARN: …, RoleSessionName: …, Subject: …, Duration: time.Hour})
//	// c.AccessKeyID, c.SecretAccessKey, c.SessionToken, c.Expiration,
//	// c.AssumedRoleARN(), c.AssumedRoleID(), c.Account()
//	s, err := m.Lookup(accessKeyID, sessionToken)           // the Session back, secret included
//	v := &sigv4.Verifier{Source: m, …}                      // Minter is a sigv4.CredentialSource; Subject is the sts.Session
//	identitySvc := identity.Config{Minter: m.ForIdentity(), …}
//	m.Reload(ctx); m.Rotate(ctx)                            // keyring maintenance
//
// Helpers for the wire: AssumedRoleARN(account, roleARN, session) gives
// "arn:aws:sts::<account>:assumed-role/<role name>/<session>", RoleID and
// AssumedRoleID give "AROA" + 17 stable characters (+ ":" + session).
//
// # What a mint does
//
// Mint draws 22 random bytes: 10 for the access key ID ("ASIA" + 16 base32
// characters, like AWS's) and 12 for the AES-GCM nonce. The secret access key
// is not random: it is HMAC-SHA256(secret subkey, access key ID), 30 bytes in
// standard base64 (40 characters). The session token is
//
//	base64url( 0x01 | key id | nonce | AES-256-GCM(session) )
//
// sealed with the access key ID as additional data, where the session is a
// compact binary record of RoleARN, RoleSessionName, Subject, Provider,
// Audience, AMR, SessionTags, SourceIdentity, IssuedAt and Expiration. The
// token carries neither the access key ID nor the secret: Lookup gets the
// first from the request and re-derives the second. Mint does no I/O and
// takes no lock.
//
// Lookup decodes the token, picks the key named by its key id, opens it with
// the presented access key ID as additional data and checks the expiration.
// A token that does not open (a flipped byte, another access key, another
// deployment's key, a key rotated out) is ErrInvalidToken; an expired one is
// ErrExpiredToken. These wrap sigv4.ErrUnknownAccessKey and
// sigv4.ErrExpiredToken, so the verifier answers as AWS does:
// InvalidClientTokenId / UnrecognizedClientException "The security token
// included in the request is invalid." for the first, ExpiredToken /
// ExpiredTokenException "The security token included in the request is
// expired" for the second. AWS too reports very old tokens as invalid rather
// than expired (observed in jrl84/amazon-sp-api#57), which matches what
// happens here once a token's key has been rotated out.
//
// Sessions cannot be revoked before they expire: there is no per-session
// state to delete. Rotating twice revokes every outstanding token.
//
// # Keys
//
// The keyring lives in the ValueStore under DefaultKeyName as a small JSON
// document: the current key and at most one previous key, 32 random bytes
// each, with ids 1..255. Each key yields two subkeys by HMAC-SHA256 with fixed
// labels: the AES-256-GCM key and the secret-derivation key. NewMinter reads
// the keyring, or creates it with an insert-only PutValue (expectVersion 0);
// when two nodes race, the loser gets identity.ErrConflict and re-reads, so
// every node ends with the same key. Rotate (manual for now) writes a new
// current key by compare-and-swap and keeps the old one for verification;
// other nodes learn it on Reload (call it on a timer) and, for verification,
// as soon as they meet a token with an unknown key id (at most one reload per
// second). Rotate more rarely than the longest session lives (12 hours), or
// live tokens lose their key.
//
// Keys are stored unencrypted: whoever can read the store can mint. Random
// 96-bit nonces keep AES-GCM within its safety margin for about 2^32 tokens
// per key; rotate well before that (at 1000 mints a second, every month).
//
// # What this package does not do
//
// It does not validate role ARNs, session names, durations or policies, does
// not evaluate trust policies (ForIdentity mints unconditionally), and knows
// nothing of HTTP: the STS wire surface (internal/stsapi) does all that and
// calls Mint and, through sigv4, LookupCredentials.
package sts
