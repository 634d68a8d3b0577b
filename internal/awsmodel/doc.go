// Package awsmodel loads botocore service models (service-2.json) and checks
// AWS JSON (awsJson1.0/1.1) request bodies against them the way the live AWS
// front end (Coral) does, down to the text of its error messages.
//
// # What Check does, in order
//
//  1. An empty (or all-whitespace) body is read as {}.
//  2. The body is parsed as strict JSON (RFC 8259, valid UTF-8, no trailing
//     data, nesting at most MaxDepth). Anything else is a *SerializationError
//     without a message; a top-level array is "Start of list found where not
//     expected"; any other non-object top level has no message.
//  3. The document is type-checked against the operation's input shape in
//     document order; the first mismatch is a *SerializationError whose
//     message is the Coral text ("STRING_VALUE can not be converted to a
//     Boolean", "Start of structure or map found where not expected.", ...).
//     Member names are matched case-sensitively: "identitypoolid" is an
//     unknown member, not IdentityPoolId. Unknown members are ignored, JSON
//     null is the same as an absent member, and null list elements and map
//     values are dropped (as the live service does).
//  4. Every model constraint is checked (required, length of strings, lists,
//     maps and blobs in UTF-16 code units / elements / bytes, Java regex
//     patterns matched against the whole value, numeric ranges, enums, the
//     constraints of map keys, map values and list elements). Violations
//     become a *ValidationError whose Message is the Coral text.
//
// For example, GetId with {"IdentityPoolId":"abc"} fails with
//
//	1 validation error detected: Value 'abc' at 'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+:[0-9a-f-]+
//
// Check never modifies the body and never panics on any input (it is fuzzed).
// Decode runs Check and then fills a Go value from the members AWS would
// read; use it rather than json.Unmarshal, which matches member names
// case-insensitively and rejects 1.5 for an integer member that AWS truncates.
//
// # Wire format of the errors
//
// Both errors are HTTP 400. A SerializationError is
// {"__type":"SerializationException","Message":"..."} with a capital
// "Message" (it is a framework error; Cognito user pools, DynamoDB and Athena
// all answer so) and with no "Message" at all when Message() is "". A
// ValidationError is {"__type":"ValidationException","message":"..."}.
//
// # How violations are rendered and ordered
//
// Paths are the member names with the first letter lower-cased, joined with
// dots; list elements are "name.N.member" (1-based) and map entries
// "name.KEY.member". Values are rendered like Java's toString: strings as is,
// lists "[a, b]", maps "{k=v, k2=v2}". The value of a member whose shape is
// marked sensitive is left out ("Value at 'password' ..."); sensitive values
// nested in a rendered map or list are shown as "***" (an empty one as "").
//
// At most MaxViolations (10) violations are reported and the count in the
// message is the number reported. Violations of the constraints of list
// elements and of map keys and values ("Member must satisfy constraint:
// [...]", "Map keys must satisfy constraint: [...]", "Map value must satisfy
// constraint: [...]") come first; then the others, walking the input depth
// first. Members of a structure, and entries of a map, are visited in the
// iteration order of a java.util.HashMap keyed by the lower-camel member name
// (by the key); the several violations of one value are listed in the
// iteration order of a java.util.HashSet of their message texts. See
// order.go for the evidence behind this and what is still a guess.
package awsmodel
