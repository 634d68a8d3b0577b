// Package cloudcontrol is the domain of idpool's Cloud Control API, the
// generic resource API that Pulumi's aws-native provider and
// `aws cloudcontrol` drive. It runs CreateResource, GetResource,
// UpdateResource, DeleteResource and ListResources on the resource handlers
// of internal/resources (the same ones `idpool apply` uses), and records
// every mutating request as a ProgressEvent so that
// GetResourceRequestStatus, ListResourceRequests, CancelResourceRequest and
// ClientToken idempotency work on every node that shares the store. It does
// no HTTP: internal/cloudcontrolapi is its wire surface.
//
// # Types and identifiers
//
// The supported types are those of resources.Set: AWS::Cognito::IdentityPool,
// ::IdentityPoolRoleAttachment, ::IdentityPoolPrincipalTag and
// AWS::IAM::OIDCProvider, ::SAMLProvider, ::Role. Any other type is a
// TypeNotFoundException. An identifier is the primary identifier of the
// type's schema; a compound one is its values joined with "|" in schema
// order ("<pool ID>|<provider name>"), or the JSON object form
// {"IdentityPoolId": ..., "IdentityProviderName": ...}.
//
// # Synchronous refusals and failed requests
//
// As in Cloud Control, what is wrong with the request itself is refused
// synchronously with an exception: an unknown type, a DesiredState that
// fails the schema ("Model validation failed (...)"), an invalid patch
// document, a patch that changes a create-only property
// (NotUpdatableException) or a read-only one, an update of a missing
// resource (ResourceNotFoundException), a reused ClientToken with a
// different request (ClientTokenConflictException). Once accepted, a
// request runs to its end before the call returns: the ProgressEvent in the
// response is already SUCCESS or FAILED (FAILED carries the handler error
// code, such as AlreadyExists or NotFound, and its message). Clients that
// poll GetResourceRequestStatus, like the ResourceRequestSuccess waiter,
// find the final status on the first poll. Because no request is ever
// PENDING or IN_PROGRESS when a client sees its token, CancelResourceRequest
// always finds the request complete and refuses with
// ConcurrentModificationException.
//
// # Models
//
// GetResource, ListResources and the ResourceModel of a successful event
// return the handler's Read model without the schema's write-only
// properties. ListResources returns full models, sorted by identifier.
//
// # Request records
//
// Each request is one document in the store's value space
// ("cloudcontrol/request/<token>"), and an index document
// ("cloudcontrol/requests", compare-and-swap) lists the requests of the last
// seven days, newest first, at most MaxRecords of them, without their
// resource models. Requests older than seven days are forgotten, as Cloud
// Control forgets them; a ClientToken is honoured for 36 hours.
package cloudcontrol
