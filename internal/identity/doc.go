// Package identity is the domain core of idpool: identity pools, identities,
// linked logins, developer identities and merges, with the business rules of
// Amazon Cognito Identity.
//
// The package knows nothing of HTTP, JSON wire formats or SQL. Surfaces (such
// as cognitoapi) decode requests, call a Service method and map the returned
// *Error's Code to the wire; storage backends implement Store. Errors carry a
// Code named after the Cognito exception they become, never an HTTP status.
package identity
