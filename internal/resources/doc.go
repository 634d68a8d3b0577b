// Package resources holds idpool's CloudFormation resource handlers: one
// typed Handler per supported resource type, shared by the template engine
// (internal/cfn, through `idpool apply`) and the Cloud Control API
// (internal/cloudcontrolapi, for Pulumi and `aws cloudcontrol`).
//
// # Types
//
//	AWS::Cognito::IdentityPool               identifier: the pool ID
//	AWS::Cognito::IdentityPoolRoleAttachment identifier: the pool ID
//	AWS::Cognito::IdentityPoolPrincipalTag   identifier: "<pool ID>|<provider name>"
//	AWS::IAM::OIDCProvider                   identifier: the provider ARN
//	AWS::IAM::SAMLProvider                   identifier: the provider ARN
//	AWS::IAM::Role                           identifier: the role name
//
// Each Handler implements cfn.Provider (Create, Update, Delete) and adds
// Read and List, which Cloud Control needs. Handlers call the domain
// services (*identity.Service, *iam.Service) exactly as the cognito-identity
// and IAM surfaces do, so every business rule (registered OIDC/SAML ARNs,
// role-mapping providers, trust-policy validation, quotas) applies
// unchanged; the constraints that the wire surfaces check against the
// botocore models (name patterns, lengths, enums) are checked here against
// the same model, with the same messages.
//
// # What is stored beside the domain
//
// The Cognito Sync settings of a pool (PushSync, CognitoStreams,
// CognitoEvents, write-only in the schema) and the original map keys of
// role mappings declared with IdentityProvider have no place in
// identity.Pool. They are kept in one small document per pool in the
// store's key-value space ("resources/identitypool/<pool ID>"), written with
// compare-and-swap, and returned by Read. Deleting the pool through the
// handler empties the document; a pool deleted through the cognito-identity
// API leaves it behind, harmlessly (it is ignored once the pool is gone).
//
// # Errors
//
// Every refusal is an *Error carrying a Cloud Control handler error code
// (NotFound, AlreadyExists, InvalidRequest, NotUpdatable, ...) and a
// message; domain errors are classified by their code (identity
// ResourceNotFoundException → NotFound, IAM EntityAlreadyExists →
// AlreadyExists, ...). An *Error with code NotFound matches
// errors.Is(err, cfn.ErrNotFound), so the template engine treats deleting
// a resource that is already gone as done.
//
// # What is refused
//
// idpool's IAM subset has no tagging operations and no permissions-boundary
// updates: changing Tags of an existing OIDC provider, SAML provider or
// role, or a role's PermissionsBoundary, fails with NotUpdatable and says
// so (tags given at create are stored). SAML private keys (AddPrivateKey,
// RemovePrivateKey, PrivateKeyList) are refused with InvalidRequest.
//
// The package does no HTTP and no SQL.
package resources
