// Package cfn is the CloudFormation template engine behind `idpool apply`:
// it reads a template (JSON or YAML, hand-written or `cdk synth` output),
// plans the changes that converge a named stack to it, and applies them
// through one Provider per resource type. It does no HTTP and no SQL: the
// caller supplies the providers (a Registry) and the persistence of stack
// state (a StateStore).
//
// # Order of operations
//
// Parse reads and checks the structure of every section; it does not
// evaluate anything. Engine.Plan (or PlanFrom, without I/O) and Engine.Apply
// then:
//
//  1. load the previous StackState, resolve parameters (declared defaults,
//     then the given values, validated against AllowedValues,
//     AllowedPattern, MinLength/MaxLength, MinValue/MaxValue) and evaluate
//     every condition;
//  2. classify resources: active, skipped (no registered provider for the
//     type, or CDK boilerplate) or inactive (Condition false). Skipped and
//     inactive resources are listed in Plan.Skipped and Result.Skipped, never
//     silently dropped;
//  3. check every Ref, Fn::GetAtt and Fn::Sub name on every Fn::If branch,
//     compute dependencies (DependsOn plus the references on the selected
//     branches), detect cycles, and order resources topologically (ties by
//     logical ID, so the order is deterministic);
//  4. evaluate each resource's properties in that order and validate them
//     against the type's registry schema (unknown and missing required
//     properties are errors; "true" becomes true for a boolean property,
//     numbers become strings for string properties). Values that only exist
//     after a create are "known after apply" in a plan.
//
// All template errors surface before any provider call. Apply continues:
//
//  5. if the plan has changes, lock the stack: StackState.Lock is stored with
//     a compare-and-swap on the version loaded in 1. A stack locked by
//     another run fails with ErrConflict before any provider call; a lock
//     older than Engine.LockTimeout is taken over (with a note);
//  6. in dependency order, Create new resources, Update changed ones in
//     place, and for a changed create-only property create the replacement
//     (Replace). Unchanged resources are not touched: applying the same
//     template twice takes no lock, makes no provider call and stores
//     nothing;
//  7. evaluate Outputs (Export names are recorded, not shared);
//  8. store the new state (still locked);
//  9. delete, in reverse dependency order, resources removed from the
//     template (or whose Condition became false) and the old copies of
//     replaced ones. DeletionPolicy and UpdateReplacePolicy Retain (and
//     RetainExceptOnCreate) keep the resource and drop it from the state.
//     A delete that fails leaves the resource in StackState.Orphans, retried
//     by the next Apply or DeleteStack; it does not fail the apply. Then
//     store the state again without the lock.
//
// If 6, 7 or 8 fails (including a cancelled context), the provider calls of
// this run are undone newest first — created resources deleted, updated
// ones updated back to their previous properties — and the previous state is
// stored back, which releases the lock. Resources created by
// a failed apply are deleted during rollback whatever their DeletionPolicy
// (CloudFormation's RetainExceptOnCreate behaviour). What could not be undone
// is listed in ApplyError.RollbackErrors.
//
// DeleteStack locks the stack, deletes every resource in reverse dependency
// order (orphans first), honours Retain, and removes the state; if a delete
// fails it stores what is left and stops, so that a retry resumes.
//
// Providers are called sequentially; the engine never reads resources back,
// so drift (a resource changed outside idpool) is not detected.
//
// # Supported template features
//
// Sections: AWSTemplateFormatVersion ("2010-09-09"), Description, Metadata
// (ignored), Parameters, Mappings, Conditions, Resources, Outputs.
// Parameter types: String, Number, CommaDelimitedList, List<Number>, with
// Default, AllowedValues, AllowedPattern, MinLength, MaxLength, MinValue,
// MaxValue, NoEcho (masked in plans, state and errors), Description,
// ConstraintDescription. Resource attributes: Type, Properties, DependsOn
// (string or list), Condition, DeletionPolicy, UpdateReplacePolicy, Metadata;
// CreationPolicy and UpdatePolicy are accepted and ignored.
//
// Intrinsic functions: Ref (parameters, resources, and the pseudo parameters
// AWS::Region, AWS::AccountId, AWS::StackName, AWS::StackId, AWS::Partition,
// AWS::URLSuffix, AWS::NotificationARNs and AWS::NoValue, which removes the
// enclosing property or list element), Fn::GetAtt (list and "Res.Attr"
// forms; the attribute may be a Ref to a parameter), Fn::Sub (string and
// [string, variables] forms, ${Param}, ${Res.Attr}, ${!Literal}), Fn::Join,
// Fn::Select, Fn::Split, Fn::If, Fn::Base64, Fn::FindInMap, and in the
// Conditions section Fn::Equals, Fn::And, Fn::Or, Fn::Not and Condition.
// YAML short forms (!Ref, !GetAtt a.b, !Sub, ...) are the same functions.
// A Ref is the provider's physical ID; Fn::GetAtt names are checked against
// the readOnlyProperties of the type's schema.
//
// Known CDK boilerplate is skipped and reported: the AWS::CDK::Metadata
// resource, the BootstrapVersion parameter (an SSM parameter type) and the
// CheckBootstrapVersion rule.
//
// # Refused, with an error naming the place and the reason
//
// Transform (AWS::Serverless, AWS::LanguageExtensions, macros), Rules other
// than CheckBootstrapVersion, Hooks, AWS::SSM::Parameter::* and other
// AWS-specific parameter types, Fn::ImportValue (no cross-stack imports: pass
// a parameter), Fn::GetAZs (no availability zones), Fn::Cidr, Fn::Transform,
// Fn::Length, Fn::ToJsonString, Fn::ForEach, Fn::FindInMap with a default,
// rule functions, DeletionPolicy Snapshot, intrinsic functions in
// DeletionPolicy, YAML merge keys and unknown YAML tags. These errors match
// errors.Is(err, ErrUnsupported). Changing the Type of an existing logical ID
// is refused, as in CloudFormation. Custom resources, nested stacks and every
// type without a registered provider are skipped, and a Ref or Fn::GetAtt to
// a skipped resource is an error naming it.
//
// Errors carry the template path, for example
//
//	Resources.Pool.Properties.IdentityPoolName: Fn::GetAtt: unknown attribute "Foo" of resource "Other" (AWS::Cognito::IdentityPool has Id, Name)
package cfn
