// Package iam is idpool's subset of AWS Identity and Access Management: the
// OpenID Connect and SAML identity providers that identity pools refer to by
// ARN, and roles with their trust policies, as IAM keeps them.
//
// # What it stores
//
// Three collections, each one JSON document in the shared ValueStore (the
// identity.Store of every backend implements it):
//
//	iam/oidc-providers   OpenID Connect providers (URL, client IDs, thumbprints, tags)
//	iam/saml-providers   SAML providers (metadata document as submitted, tags)
//	iam/roles            roles with their trust policy, description, maximum
//	                     session duration, tags, inline and attached policies
//
// Every change reads the document, applies the change to a fresh copy and
// writes it back with compare-and-swap on the document's version; a
// concurrent writer makes the write fail with identity.ErrConflict and the
// change is re-applied to the newer document (a bounded number of times).
// Uniqueness checks (one role per case-insensitive name, one provider per
// URL or name) are made inside that loop, so two nodes creating the same
// role at once end with one role and one EntityAlreadyExists.
//
// Reads go through an in-memory snapshot per collection, refreshed when it
// is older than Config.CacheTTL (2 s by default). A write through this
// Service replaces the snapshot at once, so a node reads its own writes; a
// write made through another node is seen within the TTL. The hot-path
// lookups other packages call (RoleByARN, OIDCProviderByARN,
// SAMLProviderByARN) therefore do no I/O most of the time. Nothing here is
// the only copy of anything: losing the snapshots costs one read each.
//
// # What is evaluated and what is only stored
//
// Trust policies are validated when a role is created or its trust policy
// updated (MalformedPolicyDocument with IAM's texts) and evaluated by
// EvaluateTrust, a pure function STS and Cognito call before minting
// credentials for a registered role. Permission policies (inline policies,
// attached managed policy ARNs, permissions boundaries) are validated for
// shape, stored and returned, never evaluated: idpool's credentials do not
// authorize calls to other AWS services.
//
// # Errors
//
// Every refusal is an *Error carrying IAM's Query error code (NoSuchEntity,
// EntityAlreadyExists, InvalidInput, LimitExceeded, MalformedPolicyDocument,
// DeleteConflict, ValidationError) and IAM's message, verbatim where it was
// observed; sources are cited next to each message in errors.go. The
// surface (internal/iamapi) owns the mapping to HTTP statuses. Storage
// failures are returned wrapped, never as *Error.
//
// The package imports neither net/http nor database/sql.
package iam
