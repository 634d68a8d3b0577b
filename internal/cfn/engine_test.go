package cfn

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

const poolTemplate = `
Parameters:
  PoolName: {Type: String, Default: pool-one}
  AllowGuests: {Type: String, Default: "true", AllowedValues: ["true", "false"]}
Resources:
  Pool:
    Type: AWS::Cognito::IdentityPool
    Properties:
      IdentityPoolName: !Ref PoolName
      AllowUnauthenticatedIdentities: !Ref AllowGuests
  AuthRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Federated: cognito-identity.amazonaws.com}
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              StringEquals: {"cognito-identity.amazonaws.com:aud": !Ref Pool}
  Attachment:
    Type: AWS::Cognito::IdentityPoolRoleAttachment
    Properties:
      IdentityPoolId: !Ref Pool
      Roles:
        authenticated: !GetAtt AuthRole.Arn
Outputs:
  PoolId:
    Value: !Ref Pool
    Export: {Name: !Sub "${AWS::StackName}-PoolId"}
  PoolName:
    Value: !GetAtt Pool.Name
`

func actions(cs []Change) string {
	var s []string
	for _, c := range cs {
		s = append(s, string(c.Action)+" "+c.LogicalID)
	}
	return strings.Join(s, ", ")
}

func TestApplyCreatesInOrderAndIsIdempotent(t *testing.T) {
	e, fc, store := newTestEngine(t)
	res := mustApply(t, e, poolTemplate, nil)
	if got, want := fc.Trace(), "Create Pool, Create AuthRole, Create Attachment"; got != want {
		t.Fatalf("calls %q, want %q", got, want)
	}
	calls := fc.Calls()
	// Parameters were coerced by the schema: "true" became a boolean.
	if v := calls[0].Props["AllowUnauthenticatedIdentities"]; v != true {
		t.Errorf("AllowUnauthenticatedIdentities = %#v, want true", v)
	}
	// Ref and GetAtt resolved from the resources created before.
	if got := calls[2].Props["IdentityPoolId"]; got != "us-east-1:pool-1" {
		t.Errorf("IdentityPoolId = %v", got)
	}
	roles := calls[2].Props["Roles"].(map[string]any)
	if !strings.HasPrefix(roles["authenticated"].(string), "arn:aws:iam::123456789012:role/test-AuthRole-") {
		t.Errorf("Roles = %v", roles)
	}
	wantOut := []Output{{Name: "PoolId", Value: "us-east-1:pool-1", ExportName: "test-PoolId"}, {Name: "PoolName", Value: "pool-one"}}
	if !reflect.DeepEqual(res.Outputs, wantOut) {
		t.Errorf("outputs %+v, want %+v", res.Outputs, wantOut)
	}
	st := stored(t, store, "test")
	// Version 1 held the lock, version 2 is the result.
	if st.Version != 2 || st.Lock != nil || len(st.Resources) != 3 || !reflect.DeepEqual(st.Outputs, wantOut) {
		t.Fatalf("state %+v", st)
	}
	if got := st.Resources["Attachment"].DependsOn; !reflect.DeepEqual(got, []string{"AuthRole", "Pool"}) {
		t.Errorf("Attachment DependsOn %v", got)
	}

	// Same template again: nothing happens, nothing is stored.
	fc.Reset()
	plan, err := e.Plan(t.Context(), mustParse(t, poolTemplate), Input{StackName: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if plan.HasChanges() || actions(plan.Changes) != "NoOp Pool, NoOp AuthRole, NoOp Attachment" {
		t.Fatalf("plan %s", actions(plan.Changes))
	}
	res = mustApply(t, e, poolTemplate, nil)
	if len(fc.Calls()) != 0 {
		t.Fatalf("second apply called providers: %s", fc.Trace())
	}
	if actions(res.Changes) != "NoOp Pool, NoOp AuthRole, NoOp Attachment" {
		t.Errorf("changes %s", actions(res.Changes))
	}
	if !reflect.DeepEqual(res.Outputs, wantOut) {
		t.Errorf("outputs %+v", res.Outputs)
	}
	if st := stored(t, store, "test"); st.Version != 2 {
		t.Errorf("no-op apply stored a new version %d", st.Version)
	}
}

func TestUpdateInPlace(t *testing.T) {
	e, fc, store := newTestEngine(t)
	mustApply(t, e, poolTemplate, nil)
	fc.Reset()

	plan, err := e.Plan(t.Context(), mustParse(t, poolTemplate), Input{StackName: "test", Parameters: map[string]string{"PoolName": "pool-two"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(plan.Changes); got != "Update Pool, NoOp AuthRole, NoOp Attachment" {
		t.Fatalf("plan %s", got)
	}
	if !reflect.DeepEqual(plan.Changes[0].Paths, []string{"IdentityPoolName"}) || plan.Changes[0].PhysicalID != "us-east-1:pool-1" {
		t.Errorf("change %+v", plan.Changes[0])
	}

	res := mustApply(t, e, poolTemplate, map[string]string{"PoolName": "pool-two"})
	if got := fc.Trace(); got != "Update Pool" {
		t.Fatalf("calls %q", got)
	}
	c := fc.Calls()[0]
	if c.PhysicalID != "us-east-1:pool-1" || c.OldProps["IdentityPoolName"] != "pool-one" || c.Props["IdentityPoolName"] != "pool-two" {
		t.Errorf("update call %+v", c)
	}
	if res.Outputs[1].Value != "pool-two" {
		t.Errorf("GetAtt Name output after update: %+v", res.Outputs)
	}
	st := stored(t, store, "test")
	if st.Version != 4 || st.Resources["Pool"].Props["IdentityPoolName"] != "pool-two" || st.Resources["Pool"].Attrs["Name"] != "pool-two" {
		t.Errorf("state %+v", st.Resources["Pool"])
	}
}

const thingChain = `
Parameters:
  Key: {Type: String, Default: k1}
  Val: {Type: String, Default: v1}
Resources:
  A:
    Type: Test::Res::Thing
    Properties: {Key: !Ref Key, Value: !Ref Val}
  B:
    Type: Test::Res::Thing
    Properties: {Parent: !Ref A, ParentArn: !GetAtt A.Arn}
  C:
    Type: Test::Res::Thing
    Properties: {Unrelated: yes}
`

func TestReplaceCreatesFirstDeletesLast(t *testing.T) {
	e, fc, store := newTestEngine(t)
	mustApply(t, e, thingChain, nil)
	fc.Reset()

	in := Input{StackName: "test", Parameters: map[string]string{"Key": "k2"}}
	plan, err := e.Plan(t.Context(), mustParse(t, thingChain), in)
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(plan.Changes); got != "Replace A, Update B, NoOp C" {
		t.Fatalf("plan %s", got)
	}
	if plan.Changes[0].Reason != "create-only Key changed" {
		t.Errorf("reason %q", plan.Changes[0].Reason)
	}
	if !reflect.DeepEqual(plan.Changes[1].Dynamic, []string{"Parent", "ParentArn"}) {
		t.Errorf("dependent dynamic paths %v", plan.Changes[1].Dynamic)
	}

	res, err := e.Apply(t.Context(), mustParse(t, thingChain), in)
	if err != nil {
		t.Fatal(err)
	}
	if got := fc.Trace(); got != "Create A, Update B, Delete A" {
		t.Fatalf("calls %q", got)
	}
	calls := fc.Calls()
	if calls[2].PhysicalID != "thing-1" || calls[1].Props["Parent"] != "thing-4" {
		t.Errorf("calls %+v", calls)
	}
	if got := actions(res.Changes); got != "Replace A, Update B, NoOp C, Delete A" {
		t.Errorf("result changes %s", got)
	}
	st := stored(t, store, "test")
	if st.Resources["A"].PhysicalID != "thing-4" || len(st.Orphans) != 0 {
		t.Errorf("state %+v", st)
	}
	if live := fc.Live(); !reflect.DeepEqual(live, []string{"thing-2", "thing-3", "thing-4"}) {
		t.Errorf("live %v", live)
	}

	// A non-create-only change is an update in place.
	fc.Reset()
	mustApply(t, e, thingChain, map[string]string{"Key": "k2", "Val": "v2"})
	if got := fc.Trace(); got != "Update A" {
		t.Fatalf("calls %q", got)
	}
}

func TestUpdateReplacePolicyRetain(t *testing.T) {
	e, fc, _ := newTestEngine(t)
	src := strings.Replace(thingChain, "  A:\n    Type: Test::Res::Thing\n", "  A:\n    Type: Test::Res::Thing\n    UpdateReplacePolicy: Retain\n", 1)
	mustApply(t, e, src, nil)
	fc.Reset()
	res := mustApply(t, e, src, map[string]string{"Key": "k2"})
	if got := fc.Trace(); got != "Create A, Update B" {
		t.Fatalf("calls %q", got)
	}
	last := res.Changes[len(res.Changes)-1]
	if last.Action != ActionDelete || !last.Retain || !strings.Contains(last.Reason, "UpdateReplacePolicy Retain") {
		t.Errorf("last change %+v", last)
	}
}

func TestRemovedResourcesAreDeletedInReverseOrder(t *testing.T) {
	e, fc, store := newTestEngine(t)
	src := `
Resources:
  A: {Type: Test::Res::Thing}
  B: {Type: Test::Res::Thing, Properties: {P: !Ref A}}
  C: {Type: Test::Res::Thing, Properties: {P: !Ref B}}
  Kept: {Type: Test::Res::Thing, DeletionPolicy: Retain}
  Z: {Type: Test::Res::Thing}
`
	mustApply(t, e, src, nil)
	fc.Reset()
	plan, err := e.Plan(t.Context(), mustParse(t, "Resources:\n  Z: {Type: Test::Res::Thing}\n"), Input{StackName: "test"})
	if err != nil {
		t.Fatal(err)
	}
	// Reverse of the create order (A, B, C, Kept, Z).
	if got := actions(plan.Changes); got != "NoOp Z, Delete Kept, Delete C, Delete B, Delete A" {
		t.Fatalf("plan %s", got)
	}
	res := mustApply(t, e, "Resources:\n  Z: {Type: Test::Res::Thing}\n", nil)
	if got := fc.Trace(); got != "Delete C, Delete B, Delete A" {
		t.Fatalf("calls %q", got)
	}
	kept := res.Changes[1]
	if kept.LogicalID != "Kept" || !kept.Retain {
		t.Errorf("retained change %+v", kept)
	}
	st := stored(t, store, "test")
	if len(st.Resources) != 1 || len(st.Orphans) != 0 {
		t.Errorf("state resources %v orphans %v", st.Resources, st.Orphans)
	}
	if live := fc.Live(); !reflect.DeepEqual(live, []string{"thing-4", "thing-5"}) {
		t.Errorf("live %v (Kept must survive)", live)
	}
}

func TestFailedCreateRollsBackAndStoresNothing(t *testing.T) {
	e, fc, store := newTestEngine(t)
	fc.fail = failOn("Create", "Attachment")
	var events []string
	_, err := e.Apply(t.Context(), mustParse(t, poolTemplate), Input{StackName: "test", OnEvent: func(ev Event) { events = append(events, ev.String()) }})
	var ae *ApplyError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v, want *ApplyError", err)
	}
	if ae.LogicalID != "Attachment" || ae.RolledBack != 2 || len(ae.RollbackErrors) != 0 {
		t.Errorf("ApplyError %+v", ae)
	}
	if !strings.Contains(err.Error(), "Resources.Attachment: create AWS::Cognito::IdentityPoolRoleAttachment: injected create failure") {
		t.Errorf("message %q", err)
	}
	if got := fc.Trace(); got != "Create Pool, Create AuthRole, Create Attachment, rollback Delete AuthRole, rollback Delete Pool" {
		t.Fatalf("calls %q", got)
	}
	if len(fc.Live()) != 0 {
		t.Errorf("live after rollback %v", fc.Live())
	}
	if _, err := store.Get(t.Context(), "test"); !errors.Is(err, ErrStackNotFound) {
		t.Errorf("state stored after a failed create: %v", err)
	}
	joined := strings.Join(events, "\n")
	for _, want := range []string{"Create FAILED Attachment", "ROLLBACK Delete COMPLETE Pool (AWS::Cognito::IdentityPool) [us-east-1:pool-1]"} {
		if !strings.Contains(joined, want) {
			t.Errorf("events lack %q:\n%s", want, joined)
		}
	}
}

func TestFailedUpdateRevertsAndKeepsPreviousState(t *testing.T) {
	e, fc, store := newTestEngine(t)
	mustApply(t, e, thingChain, nil)
	before := stored(t, store, "test")
	liveBefore := fc.Live()
	fc.Reset()

	// A is updated in place, then D (new) fails: A is reverted.
	src := thingChain + "  D:\n    Type: Test::Res::Thing\n    Properties: {P: !GetAtt B.Arn}\n"
	fc.fail = failOn("Create", "D")
	_, err := e.Apply(t.Context(), mustParse(t, src), Input{StackName: "test", Parameters: map[string]string{"Val": "v2"}})
	if err == nil {
		t.Fatal("no error")
	}
	if got := fc.Trace(); got != "Update A, Create D, rollback Update A" {
		t.Fatalf("calls %q", got)
	}
	revert := fc.Calls()[2]
	if revert.OldProps["Value"] != "v2" || revert.Props["Value"] != "v1" {
		t.Errorf("revert call %+v", revert)
	}
	after := stored(t, store, "test")
	if !sameState(before, after) || after.Lock != nil {
		t.Errorf("state changed by a failed apply:\n%+v\n%+v", before, after)
	}
	if !reflect.DeepEqual(fc.Live(), liveBefore) {
		t.Errorf("live %v, want %v", fc.Live(), liveBefore)
	}
	if fc.live["thing-1"]["Value"] != "v1" {
		t.Errorf("A not reverted: %v", fc.live["thing-1"])
	}
}

func TestFailedReplaceKeepsOldResource(t *testing.T) {
	e, fc, store := newTestEngine(t)
	mustApply(t, e, thingChain, nil)
	before := stored(t, store, "test")
	fc.Reset()
	fc.fail = failOn("Update", "B")
	_, err := e.Apply(t.Context(), mustParse(t, thingChain), Input{StackName: "test", Parameters: map[string]string{"Key": "k2"}})
	if err == nil {
		t.Fatal("no error")
	}
	if got := fc.Trace(); got != "Create A, Update B, rollback Delete A" {
		t.Fatalf("calls %q", got)
	}
	if fc.Calls()[2].PhysicalID != "thing-4" {
		t.Errorf("rollback deleted %s, want the replacement thing-4", fc.Calls()[2].PhysicalID)
	}
	if after := stored(t, store, "test"); !sameState(before, after) || after.Lock != nil {
		t.Errorf("state changed")
	}
}

func TestRollbackFailureIsReported(t *testing.T) {
	e, fc, _ := newTestEngine(t)
	fc.fail = func(c call) error {
		if c.Op == "Create" && c.LogicalID == "C" {
			return errors.New("boom")
		}
		if c.Rollback && c.LogicalID == "A" {
			return errors.New("cannot delete")
		}
		return nil
	}
	_, err := e.Apply(t.Context(), mustParse(t, thingChain), Input{StackName: "test"})
	var ae *ApplyError
	if !errors.As(err, &ae) || len(ae.RollbackErrors) != 1 || ae.RolledBack != 1 {
		t.Fatalf("error %#v", err)
	}
	if !strings.Contains(err.Error(), `rollback incomplete, 1 resource(s) need manual attention: Resources.A: delete Test::Res::Thing "thing-1": cannot delete`) {
		t.Errorf("message %q", err)
	}
}

func TestCleanupFailureKeepsOrphanAndRetries(t *testing.T) {
	e, fc, store := newTestEngine(t)
	mustApply(t, e, thingChain, nil)
	fc.Reset()
	fc.fail = failOn("Delete", "C")
	noC := strings.Replace(thingChain, "  C:\n    Type: Test::Res::Thing\n    Properties: {Unrelated: yes}\n", "", 1)
	res, err := e.Apply(t.Context(), mustParse(t, noC), Input{StackName: "test"})
	if err != nil {
		t.Fatalf("cleanup failure failed the apply: %v", err)
	}
	if len(res.Orphans) != 1 || res.Orphans[0].PhysicalID != "thing-3" || len(res.CleanupErrors) != 1 {
		t.Fatalf("orphans %+v errors %v", res.Orphans, res.CleanupErrors)
	}
	st := stored(t, store, "test")
	if len(st.Orphans) != 1 || len(st.Resources) != 2 {
		t.Fatalf("state %+v", st)
	}
	// The next apply retries the delete.
	fc.fail = nil
	fc.Reset()
	plan, err := e.Plan(t.Context(), mustParse(t, noC), Input{StackName: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(plan.Changes); got != "NoOp A, NoOp B, Delete C" {
		t.Fatalf("plan %s", got)
	}
	mustApply(t, e, noC, nil)
	if got := fc.Trace(); got != "Delete C" {
		t.Fatalf("calls %q", got)
	}
	if st := stored(t, store, "test"); len(st.Orphans) != 0 {
		t.Errorf("orphans left %v", st.Orphans)
	}
}

func TestDeleteNotFoundIsSuccess(t *testing.T) {
	e, fc, store := newTestEngine(t)
	mustApply(t, e, thingChain, nil)
	delete(fc.live, "thing-3") // deleted out of band
	noC := strings.Replace(thingChain, "  C:\n    Type: Test::Res::Thing\n    Properties: {Unrelated: yes}\n", "", 1)
	res := mustApply(t, e, noC, nil)
	if len(res.Orphans) != 0 || len(stored(t, store, "test").Orphans) != 0 {
		t.Errorf("orphans %v", res.Orphans)
	}
}

func TestDependsOnOrderAndTies(t *testing.T) {
	e, fc, _ := newTestEngine(t)
	src := `
Resources:
  Zeta: {Type: Test::Res::Thing}
  Alpha: {Type: Test::Res::Thing, DependsOn: [Mid, Zeta]}
  Mid: {Type: Test::Res::Thing, DependsOn: Zeta}
  Beta: {Type: Test::Res::Thing, Properties: {P: !Sub "${Alpha.Arn}"}}
  Gamma: {Type: Test::Res::Thing}
`
	mustApply(t, e, src, nil)
	if got, want := fc.Trace(), "Create Gamma, Create Zeta, Create Mid, Create Alpha, Create Beta"; got != want {
		t.Fatalf("order %q, want %q", got, want)
	}
	fc.Reset()
	if _, err := e.DeleteStack(t.Context(), "test", nil); err != nil {
		t.Fatal(err)
	}
	// Reverse of the create order.
	if got, want := fc.Trace(), "Delete Beta, Delete Alpha, Delete Mid, Delete Zeta, Delete Gamma"; got != want {
		t.Fatalf("delete order %q, want %q", got, want)
	}
}

func TestDependencyErrors(t *testing.T) {
	cases := []struct{ name, src, wantErr string }{
		{"cycle", `
Resources:
  A: {Type: Test::Res::Thing, Properties: {P: !Ref B}}
  B: {Type: Test::Res::Thing, DependsOn: C}
  C: {Type: Test::Res::Thing, Properties: {P: !GetAtt A.Arn}}
  D: {Type: Test::Res::Thing}
`, "Resources: circular dependency: A -> B -> C -> A"},
		{"self reference", "Resources:\n  A: {Type: Test::Res::Thing, Properties: {P: !Ref A}}\n", `Resources.A.Properties.P: Ref: resource "A" refers to itself`},
		{"self depends", "Resources:\n  A: {Type: Test::Res::Thing, DependsOn: A}\n", "Resources.A.DependsOn: a resource cannot depend on itself"},
		{"unknown depends", "Resources:\n  A: {Type: Test::Res::Thing, DependsOn: [B]}\n", `Resources.A.DependsOn: unknown resource "B"`},
		{"depends on inactive", "Conditions:\n  No: !Equals [a, b]\nResources:\n  A: {Type: Test::Res::Thing, DependsOn: B}\n  B: {Type: Test::Res::Thing, Condition: No}\n", `Resources.A.DependsOn: resource "B" is not created because its condition "No" is false`},
		{"output refers to skipped", "Resources:\n  A: {Type: AWS::S3::Bucket}\nOutputs:\n  O: {Value: !GetAtt A.Arn}\n", `Outputs.O.Value: Fn::GetAtt: resource "A" (AWS::S3::Bucket) is skipped`},
		{"output refers to inactive", "Conditions:\n  No: !Equals [a, b]\nResources:\n  A: {Type: Test::Res::Thing, Condition: No}\nOutputs:\n  O: {Value: !Ref A}\n", `Outputs.O.Value: Ref: resource "A" is not created because its condition "No" is false; give the output the same Condition`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, fc, _ := newTestEngine(t)
			_, err := e.Apply(t.Context(), mustParse(t, c.src), Input{StackName: "test"})
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %v, want %q", err, c.wantErr)
			}
			if len(fc.Calls()) != 0 {
				t.Errorf("calls %s", fc.Trace())
			}
		})
	}
}

func TestDependsOnSkippedIsIgnoredWithNote(t *testing.T) {
	e, _, _ := newTestEngine(t)
	res := mustApply(t, e, "Resources:\n  A: {Type: Test::Res::Thing, DependsOn: B}\n  B: {Type: AWS::Lambda::Function}\n", nil)
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], `dependency on skipped resource "B"`) {
		t.Errorf("notes %v", res.Notes)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Name != "B" || res.Skipped[0].Kind != SkipUnsupportedType {
		t.Errorf("skipped %+v", res.Skipped)
	}
}

func TestConditionsToggleProperties(t *testing.T) {
	e, fc, store := newTestEngine(t)
	src := `
Parameters:
  Env: {Type: String, AllowedValues: [dev, prod]}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Pool:
    Type: AWS::Cognito::IdentityPool
    Properties:
      AllowUnauthenticatedIdentities: !If [IsProd, false, true]
      AllowClassicFlow: !If [IsProd, !Ref AWS::NoValue, true]
      IdentityPoolTags:
        - {Key: env, Value: !Ref Env}
        - !If [IsProd, {Key: tier, Value: gold}, !Ref AWS::NoValue]
  ProdOnly:
    Type: Test::Res::Thing
    Condition: IsProd
    Properties: {Pool: !Ref Pool}
Outputs:
  Extra:
    Condition: IsProd
    Value: !Ref ProdOnly
  Classic:
    Value: !If [IsProd, none, !Ref Pool]
`
	res := mustApply(t, e, src, map[string]string{"Env": "dev"})
	pool := stored(t, store, "test").Resources["Pool"].Props
	if pool["AllowUnauthenticatedIdentities"] != true || pool["AllowClassicFlow"] != true || len(pool["IdentityPoolTags"].([]any)) != 1 {
		t.Errorf("dev pool %v", pool)
	}
	if len(res.Outputs) != 1 || res.Outputs[0].Name != "Classic" || res.Outputs[0].Value != "us-east-1:pool-1" {
		t.Errorf("dev outputs %+v", res.Outputs)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Kind != SkipCondition {
		t.Errorf("skipped %+v", res.Skipped)
	}
	fc.Reset()
	res = mustApply(t, e, src, map[string]string{"Env": "prod"})
	if got := fc.Trace(); got != "Update Pool, Create ProdOnly" {
		t.Fatalf("calls %q", got)
	}
	pool = fc.Calls()[0].Props
	if _, ok := pool["AllowClassicFlow"]; ok || pool["AllowUnauthenticatedIdentities"] != false || len(pool["IdentityPoolTags"].([]any)) != 2 {
		t.Errorf("prod pool %v", pool)
	}
	if len(res.Outputs) != 2 || res.Outputs[0].Value != "none" || res.Outputs[1].Value != "thing-2" {
		t.Errorf("prod outputs %+v", res.Outputs)
	}
	// Back to dev: the conditional resource is deleted.
	fc.Reset()
	res = mustApply(t, e, src, map[string]string{"Env": "dev"})
	if got := fc.Trace(); got != "Update Pool, Delete ProdOnly" {
		t.Fatalf("calls %q", got)
	}
	if last := res.Changes[len(res.Changes)-1]; last.Reason != `condition "IsProd" is now false` {
		t.Errorf("reason %q", last.Reason)
	}
}

func TestParameters(t *testing.T) {
	src := `
Parameters:
  Name: {Type: String, Default: def, AllowedPattern: "[a-z-]+", MinLength: 2, MaxLength: 10, ConstraintDescription: lower-case letters}
  Size: {Type: Number, MinValue: 1, MaxValue: 5, Default: 2}
  Secret: {Type: String, NoEcho: true}
  Ids: {Type: "List<Number>", Default: "1, 2"}
  Tiers: {Type: CommaDelimitedList, AllowedValues: [gold, silver], Default: gold}
Resources:
  R: {Type: Test::Res::Thing, Properties: {N: !Ref Name, S: !Ref Size, X: !Ref Secret, I: !Ref Ids, T: !Ref Tiers}}
`
	cases := []struct {
		name    string
		params  map[string]string
		wantErr string
		want    map[string]any
	}{
		{"defaults", map[string]string{"Secret": "s3cr3t"}, "", map[string]any{"N": "def", "S": "2", "X": "s3cr3t", "I": []any{"1", "2"}, "T": []any{"gold"}}},
		{"overrides", map[string]string{"Secret": "x", "Name": "my-pool", "Size": "5", "Tiers": "silver,gold"}, "", map[string]any{"N": "my-pool", "S": "5", "X": "x", "I": []any{"1", "2"}, "T": []any{"silver", "gold"}}},
		{"missing required", nil, "Parameters.Secret: a value is required (the parameter has no Default)", nil},
		{"undeclared", map[string]string{"Secret": "x", "Nope": "1"}, "Parameters.Nope: a value was given for a parameter the template does not declare", nil},
		{"pattern", map[string]string{"Secret": "x", "Name": "UPPER"}, `Parameters.Name: value "UPPER" does not match the allowed pattern [a-z-]+: lower-case letters`, nil},
		{"too short", map[string]string{"Secret": "x", "Name": "a"}, "shorter than MinLength 2", nil},
		{"too long", map[string]string{"Secret": "x", "Name": "abcdefghijk"}, "longer than MaxLength 10", nil},
		{"not a number", map[string]string{"Secret": "x", "Size": "big"}, `Parameters.Size: value "big" is not a number`, nil},
		{"too big", map[string]string{"Secret": "x", "Size": "6"}, "greater than MaxValue 5", nil},
		{"too small", map[string]string{"Secret": "x", "Size": "0"}, "less than MinValue 1", nil},
		{"list element not allowed", map[string]string{"Secret": "x", "Tiers": "gold,bronze"}, `Parameters.Tiers: value "bronze" is not one of the allowed values [gold, silver]`, nil},
		{"number list element", map[string]string{"Secret": "x", "Ids": "1,a"}, `Parameters.Ids: value "a" is not a number`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, _, store := newTestEngine(t)
			_, err := e.Apply(t.Context(), mustParse(t, src), Input{StackName: "test", Parameters: c.params})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			st := stored(t, store, "test")
			if !equal(st.Resources["R"].Props, c.want) {
				t.Errorf("props %v, want %v", st.Resources["R"].Props, c.want)
			}
			if st.Parameters["Secret"] != noEchoMask {
				t.Errorf("NoEcho parameter stored as %q", st.Parameters["Secret"])
			}
		})
	}
	// A NoEcho value never appears in an error.
	e, _, _ := newTestEngine(t)
	_, err := e.Apply(t.Context(), mustParse(t, "Parameters:\n  P: {Type: String, NoEcho: true, AllowedValues: [a]}\nResources:\n  R: {Type: Test::Res::Thing}\n"), Input{StackName: "test", Parameters: map[string]string{"P": "hunter2"}})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %v", err)
	}
}

func TestSchemaValidationErrors(t *testing.T) {
	cases := []struct{ name, props, wantErr string }{
		{"unknown property", "{AllowUnauthenticatedIdentities: true, IdentityPoolNam: x}", `Resources.Pool.Properties: unsupported property "IdentityPoolNam" for AWS::Cognito::IdentityPool`},
		{"case hint", "{AllowUnauthenticatedIdentities: true, identityPoolName: x}", `(did you mean "IdentityPoolName"?)`},
		{"missing required", "{IdentityPoolName: x}", `Resources.Pool.Properties: required property "AllowUnauthenticatedIdentities" is missing`},
		{"read-only", "{AllowUnauthenticatedIdentities: true, Id: x}", `Resources.Pool.Properties.Id: Id is a read-only property of AWS::Cognito::IdentityPool; read it with Fn::GetAtt`},
		{"bad boolean", "{AllowUnauthenticatedIdentities: maybe}", `Resources.Pool.Properties.AllowUnauthenticatedIdentities: expected a boolean, got "maybe"`},
		{"list for string", "{AllowUnauthenticatedIdentities: true, IdentityPoolName: [x]}", `Properties.IdentityPoolName: expected a string, got a list`},
		{"nested required", "{AllowUnauthenticatedIdentities: true, CognitoIdentityProviders: [{ClientId: c}]}", `Resources.Pool.Properties.CognitoIdentityProviders[0]: required property "ProviderName" is missing`},
		{"nested unknown", "{AllowUnauthenticatedIdentities: true, IdentityPoolTags: [{Key: k, Value: v, Extra: 1}]}", `Properties.IdentityPoolTags[0]: unsupported property "Extra"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, _, _ := newTestEngine(t)
			src := "Resources:\n  Pool:\n    Type: AWS::Cognito::IdentityPool\n    Properties: " + c.props + "\n"
			_, err := e.Apply(t.Context(), mustParse(t, src), Input{StackName: "test"})
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %v, want %q", err, c.wantErr)
			}
		})
	}
}

func TestSchemaCoercion(t *testing.T) {
	e, fc, _ := newTestEngine(t)
	mustApply(t, e, `
Parameters:
  Dur: {Type: Number, Default: 7200}
Resources:
  Pool:
    Type: AWS::Cognito::IdentityPool
    Properties:
      AllowUnauthenticatedIdentities: "False"
      IdentityPoolName: 12345
      CognitoIdentityProviders:
        - {ClientId: 42, ProviderName: p, ServerSideTokenCheck: "true"}
      SupportedLoginProviders: {graph.facebook.com: 7, nested: {n: 1}}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: '{"Version":"2012-10-17"}'
      MaxSessionDuration: !Ref Dur
`, nil)
	p := fc.Calls()[0].Props
	cip := p["CognitoIdentityProviders"].([]any)[0].(map[string]any)
	if p["AllowUnauthenticatedIdentities"] != false || p["IdentityPoolName"] != "12345" || cip["ClientId"] != "42" || cip["ServerSideTokenCheck"] != true {
		t.Errorf("pool props %#v", p)
	}
	// Free-form JSON keeps its types (numbers become float64).
	if slp := p["SupportedLoginProviders"].(map[string]any); slp["graph.facebook.com"] != 7.0 {
		t.Errorf("SupportedLoginProviders %#v", slp)
	}
	r := fc.Calls()[1].Props
	if r["MaxSessionDuration"] != 7200.0 || r["AssumeRolePolicyDocument"] != `{"Version":"2012-10-17"}` {
		t.Errorf("role props %#v", r)
	}
}

func TestTypeChangeIsRefused(t *testing.T) {
	e, _, _ := newTestEngine(t)
	mustApply(t, e, "Resources:\n  A: {Type: Test::Res::Thing}\n", nil)
	_, err := e.Apply(t.Context(), mustParse(t, "Resources:\n  A: {Type: AWS::IAM::Role, Properties: {AssumeRolePolicyDocument: {}}}\n"), Input{StackName: "test"})
	if err == nil || !strings.Contains(err.Error(), "Resources.A.Type: cannot change the type of an existing resource from Test::Res::Thing to AWS::IAM::Role") {
		t.Fatalf("error %v", err)
	}
}

func TestManagedResourceWithoutProvider(t *testing.T) {
	e, _, store := newTestEngine(t)
	mustApply(t, e, "Resources:\n  A: {Type: Test::Res::Thing}\n", nil)
	e2 := &Engine{Registry: NewRegistry(), Store: store}
	_, err := e2.Apply(t.Context(), mustParse(t, "Resources:\n  A: {Type: Test::Res::Thing}\n"), Input{StackName: "test"})
	if err == nil || !strings.Contains(err.Error(), `Resources.A: type Test::Res::Thing has no provider, but the stack manages this resource (physical ID "thing-1")`) {
		t.Fatalf("error %v", err)
	}
	_, err = e2.Apply(t.Context(), mustParse(t, "Resources:\n  B: {Type: AWS::S3::Bucket}\n"), Input{StackName: "test"})
	if err == nil || !strings.Contains(err.Error(), "cannot be deleted") {
		t.Fatalf("error %v", err)
	}
}

func TestDeleteStack(t *testing.T) {
	e, fc, store := newTestEngine(t)
	src := strings.Replace(poolTemplate, "  AuthRole:\n    Type: AWS::IAM::Role\n", "  AuthRole:\n    Type: AWS::IAM::Role\n    DeletionPolicy: Retain\n", 1)
	mustApply(t, e, src, nil)
	fc.Reset()

	// A failing delete stops, keeps the rest in the state, and a retry resumes.
	fc.fail = failOn("Delete", "Pool")
	var events []Event
	_, err := e.DeleteStack(t.Context(), "test", func(ev Event) { events = append(events, ev) })
	if err == nil || !strings.Contains(err.Error(), `delete stack "test": Resources.Pool: delete AWS::Cognito::IdentityPool "us-east-1:pool-1": injected delete failure`) {
		t.Fatalf("error %v", err)
	}
	if got := fc.Trace(); got != "Delete Attachment, Delete Pool" {
		t.Fatalf("calls %q", got)
	}
	st := stored(t, store, "test")
	if len(st.Resources) != 1 || st.Resources["Pool"].PhysicalID != "us-east-1:pool-1" {
		t.Fatalf("remaining state %+v", st.Resources)
	}
	fc.fail = nil
	fc.Reset()
	res, err := e.DeleteStack(t.Context(), "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := fc.Trace(); got != "Delete Pool" {
		t.Fatalf("calls %q", got)
	}
	if actions(res.Changes) != "Delete Pool" {
		t.Errorf("changes %s", actions(res.Changes))
	}
	if _, err := store.Get(t.Context(), "test"); !errors.Is(err, ErrStackNotFound) {
		t.Errorf("state left: %v", err)
	}
	if live := fc.Live(); len(live) != 1 || !strings.HasPrefix(live[0], "test-AuthRole-") {
		t.Errorf("live %v: the retained role must survive", live)
	}
	var retained bool
	for _, ev := range events {
		if ev.LogicalID == "AuthRole" && ev.Status == StatusSkipped {
			retained = true
		}
	}
	if !retained {
		t.Errorf("no event for the retained role: %v", events)
	}
	if _, err := e.DeleteStack(t.Context(), "test", nil); !errors.Is(err, ErrStackNotFound) {
		t.Errorf("deleting a missing stack: %v", err)
	}
}

// commitFailStore fails the Put that would commit the apply (the second
// one: the first takes the lock), as if another process had taken over.
type commitFailStore struct {
	*MemStore
	puts int
}

func (c *commitFailStore) Put(ctx context.Context, st *StackState, v int64) error {
	c.puts++
	if c.puts == 2 {
		return fmt.Errorf("stack %q: %w", st.Name, ErrConflict)
	}
	return c.MemStore.Put(ctx, st, v)
}

func TestFailedCommitRollsBackAndUnlocks(t *testing.T) {
	e, fc, store := newTestEngine(t)
	e.Store = &commitFailStore{MemStore: store}
	_, err := e.Apply(t.Context(), mustParse(t, thingChain), Input{StackName: "test"})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("error %v, want ErrConflict", err)
	}
	if got := fc.Trace(); got != "Create A, Create B, Create C, rollback Delete C, rollback Delete B, rollback Delete A" {
		t.Fatalf("calls %q", got)
	}
	// The new stack's lock was removed with it.
	if _, err := store.Get(t.Context(), "test"); !errors.Is(err, ErrStackNotFound) {
		t.Errorf("state after a failed first apply: %v", err)
	}
}

func TestLockedStack(t *testing.T) {
	e, fc, store := newTestEngine(t)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	e.Now = func() time.Time { return now }
	mustApply(t, e, thingChain, nil)
	st := stored(t, store, "test")
	st.Lock = &Lock{ID: "other", Operation: "apply", StartedAt: now.Add(-time.Minute)}
	if err := store.Put(t.Context(), st, st.Version); err != nil {
		t.Fatal(err)
	}
	fc.Reset()

	// A fresh lock: apply and delete refuse before any provider call; a
	// plan still works and says why.
	_, err := e.Apply(t.Context(), mustParse(t, thingChain), Input{StackName: "test", Parameters: map[string]string{"Val": "v2"}})
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), `stack "test" is locked by apply other started at 2026-11-23T11:59:00Z`) {
		t.Fatalf("error %v", err)
	}
	if _, err := e.DeleteStack(t.Context(), "test", nil); !errors.Is(err, ErrConflict) {
		t.Fatalf("DeleteStack error %v", err)
	}
	pl, err := e.Plan(t.Context(), mustParse(t, thingChain), Input{StackName: "test"})
	if err != nil || len(pl.Notes) != 1 || !strings.Contains(pl.Notes[0], "is locked by apply other") {
		t.Fatalf("plan notes %v, %v", pl.Notes, err)
	}
	if len(fc.Calls()) != 0 {
		t.Fatalf("calls %s", fc.Trace())
	}

	// After LockTimeout the lock is stale and taken over, with a note.
	now = now.Add(31 * time.Minute)
	res := mustApply(t, e, thingChain, map[string]string{"Val": "v2"})
	if got := fc.Trace(); got != "Update A" {
		t.Fatalf("calls %q", got)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "took over the stale lock of apply other") {
		t.Errorf("notes %v", res.Notes)
	}
	if st := stored(t, store, "test"); st.Lock != nil {
		t.Errorf("lock left: %+v", st.Lock)
	}
}

func TestLockIsHeldDuringApply(t *testing.T) {
	e, fc, store := newTestEngine(t)
	var seen *Lock
	fc.fail = func(c call) error {
		if c.LogicalID == "B" {
			st, err := store.Get(context.Background(), "test")
			if err != nil {
				return err
			}
			seen = st.Lock
		}
		return nil
	}
	mustApply(t, e, thingChain, nil)
	if seen == nil || seen.Operation != "apply" {
		t.Fatalf("lock during apply: %+v", seen)
	}
	if st := stored(t, store, "test"); st.Lock != nil || st.Version != 2 {
		t.Fatalf("after apply: lock %+v, version %d", st.Lock, st.Version)
	}
	// Cleanup deletes run under the lock too; it is released afterwards.
	seen = nil
	noB := "Resources:\n  A: {Type: Test::Res::Thing, Properties: {Key: k1, Value: v1}}\n  C: {Type: Test::Res::Thing, Properties: {Unrelated: yes}}\n"
	mustApply(t, e, noB, nil)
	if got := fc.Trace(); !strings.HasSuffix(got, "Delete B") {
		t.Fatalf("calls %q", got)
	}
	if seen == nil {
		t.Fatal("no lock during cleanup")
	}
	if st := stored(t, store, "test"); st.Lock != nil || len(st.Orphans) != 0 {
		t.Fatalf("after cleanup: lock %+v, orphans %v", st.Lock, st.Orphans)
	}
}

func TestCancelledContextRollsBack(t *testing.T) {
	e, fc, _ := newTestEngine(t)
	ctx, cancel := context.WithCancel(t.Context())
	fc.fail = func(c call) error {
		if c.LogicalID == "B" && c.Op == "Create" {
			cancel()
		}
		return nil
	}
	_, err := e.Apply(ctx, mustParse(t, thingChain), Input{StackName: "test"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v", err)
	}
	if got := fc.Trace(); got != "Create A, Create B, rollback Delete B, rollback Delete A" {
		t.Fatalf("calls %q", got)
	}
}

func TestEvents(t *testing.T) {
	e, _, _ := newTestEngine(t)
	var got []string
	in := Input{StackName: "test", OnEvent: func(ev Event) {
		if ev.StackName != "test" {
			t.Errorf("event stack %q", ev.StackName)
		}
		got = append(got, fmt.Sprintf("%s %s %s", ev.Action, ev.Status, ev.LogicalID))
	}}
	if _, err := e.Apply(t.Context(), mustParse(t, "Resources:\n  A: {Type: Test::Res::Thing}\n  B: {Type: Test::Res::Thing, Properties: {P: !Ref A}}\n"), in); err != nil {
		t.Fatal(err)
	}
	want := []string{"Create IN_PROGRESS A", "Create COMPLETE A", "Create IN_PROGRESS B", "Create COMPLETE B"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	got = nil
	if _, err := e.Apply(t.Context(), mustParse(t, "Resources:\n  A: {Type: Test::Res::Thing}\n"), in); err != nil {
		t.Fatal(err)
	}
	want = []string{"NoOp SKIPPED A", "Delete IN_PROGRESS B", "Delete COMPLETE B"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}

func TestStackNameAndStackID(t *testing.T) {
	e, _, store := newTestEngine(t)
	if _, err := e.Apply(t.Context(), mustParse(t, "Resources:\n  A: {Type: Test::Res::Thing}\n"), Input{StackName: "1bad_name"}); err == nil || !strings.Contains(err.Error(), "invalid stack name") {
		t.Fatalf("error %v", err)
	}
	n := 0
	e.NewID = func() string { n++; return fmt.Sprintf("id-%d", n) }
	mustApply(t, e, "Resources:\n  A: {Type: Test::Res::Thing, Properties: {S: !Ref AWS::StackId}}\n", nil)
	mustApply(t, e, "Resources:\n  A: {Type: Test::Res::Thing, Properties: {S: !Ref AWS::StackId}}\n  B: {Type: Test::Res::Thing}\n", nil)
	st := stored(t, store, "test")
	if st.StackID != "arn:aws:cloudformation:us-east-1:123456789012:stack/test/id-1" {
		t.Errorf("stack ID %q", st.StackID)
	}
}

func TestProviderReceivesRequestInfoAndCopies(t *testing.T) {
	e, fc, store := newTestEngine(t)
	mustApply(t, e, "Resources:\n  A: {Type: Test::Res::Thing, Properties: {M: {k: v}}}\n", nil)
	// Mutating what the provider got does not affect the engine's state.
	fc.Calls()[0].Props["M"].(map[string]any)["k"] = "mutated"
	if st := stored(t, store, "test"); st.Resources["A"].Props["M"].(map[string]any)["k"] != "v" {
		t.Errorf("state aliased provider input")
	}
	ri := RequestInfo{StackName: "a-very-long-stack-name-that-goes-on", LogicalID: "AuthenticatedRoleABCDEF12"}
	if got := ri.PhysicalName("ABCDEFGHIJKL", 40); len(got) != 40 || !strings.HasSuffix(got, "-ABCDEFGHIJKL") {
		t.Errorf("PhysicalName %q (%d)", got, len(got))
	}
	if got := (RequestInfo{StackName: "s", LogicalID: "L"}).PhysicalName("X", 64); got != "s-L-X" {
		t.Errorf("PhysicalName %q", got)
	}
}

func TestPlanDoesNoIO(t *testing.T) {
	e, fc, _ := newTestEngine(t)
	e.Store = nil
	pl, err := e.PlanFrom(mustParse(t, poolTemplate), Input{StackName: "test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !pl.New || actions(pl.Changes) != "Create Pool, Create AuthRole, Create Attachment" || len(fc.Calls()) != 0 {
		t.Fatalf("plan %+v", pl)
	}
	if pl.Parameters["PoolName"] != "pool-one" {
		t.Errorf("parameters %v", pl.Parameters)
	}
}

func TestChangeString(t *testing.T) {
	c := Change{Action: ActionUpdate, LogicalID: "Pool", Type: "AWS::Cognito::IdentityPool", PhysicalID: "us-east-1:x", Paths: []string{"IdentityPoolName"}, Dynamic: []string{"Tags"}, Reason: "properties changed"}
	if got, want := c.String(), "Update Pool (AWS::Cognito::IdentityPool) [us-east-1:x]: IdentityPoolName; known after apply: Tags"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	c = Change{Action: ActionCreate, LogicalID: "R", Type: "T"}
	if got := c.String(); got != "Create R (T)" {
		t.Errorf("%q", got)
	}
}

func TestEngineWithoutProviders(t *testing.T) {
	e := &Engine{Store: NewMemStore()}
	res, err := e.Apply(t.Context(), mustParse(t, "Resources:\n  A: {Type: X::Y::Z}\n"), Input{StackName: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Reason != "no provider for X::Y::Z" || len(res.State.Resources) != 0 {
		t.Errorf("result %+v", res)
	}
}

func TestPlanFromDoesNotMutateState(t *testing.T) {
	e, _, _ := newTestEngine(t)
	prev := &StackState{Name: "test", Resources: map[string]ResourceState{"A": {Type: testThing, PhysicalID: "p", Props: map[string]any{"n": 1}}},
		Orphans: []ResourceState{{LogicalID: "Old", Type: testThing, PhysicalID: "o", Props: map[string]any{"n": 2}}}}
	pl, err := e.PlanFrom(mustParse(t, "Resources:\n  A: {Type: Test::Res::Thing, Properties: {n: 1}}\n"), Input{StackName: "test"}, prev)
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(pl.Changes); got != "NoOp A, Delete Old" {
		t.Errorf("plan %s", got)
	}
	if _, isInt := prev.Resources["A"].Props["n"].(int); !isInt {
		t.Error("PlanFrom normalised the caller's resources")
	}
	if _, isInt := prev.Orphans[0].Props["n"].(int); !isInt {
		t.Error("PlanFrom normalised the caller's orphans")
	}
}

func TestOutputValues(t *testing.T) {
	cases := []struct{ value, want, wantErr string }{
		{`!Ref L`, "a,b", ""},
		{`!GetAtt R.List`, "a,b,c", ""},
		{`42`, "42", ""},
		{`true`, "true", ""},
		{`!Ref AWS::NoValue`, "<none>", ""},
		{`{k: v}`, "", "Outputs.O.Value: an output must be a string or a list of strings, not an object"},
		{`[[a]]`, "", "element 0 is a list"},
	}
	for _, c := range cases {
		t.Run(c.value, func(t *testing.T) {
			e, _, _ := newTestEngine(t)
			src := "Parameters:\n  L: {Type: CommaDelimitedList, Default: 'a,b'}\nResources:\n  R: {Type: Test::Res::Thing}\nOutputs:\n  O: {Value: " + c.value + "}\n"
			res, err := e.Apply(t.Context(), mustParse(t, src), Input{StackName: "test"})
			if c.wantErr != "" {
				var ae *ApplyError
				if !errors.As(err, &ae) || !strings.Contains(err.Error(), c.wantErr) || ae.RolledBack != 1 {
					t.Fatalf("error %v, want %q after rolling back R", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := "<none>"
			if len(res.Outputs) == 1 {
				got = res.Outputs[0].Value
			}
			if got != c.want {
				t.Errorf("output %q, want %q", got, c.want)
			}
		})
	}
}

func TestMultiTypeSchemaProperty(t *testing.T) {
	e, fc, _ := newTestEngine(t)
	// AssumeRolePolicyDocument is ["object", "string"].
	mustApply(t, e, "Resources:\n  R: {Type: AWS::IAM::Role, Properties: {AssumeRolePolicyDocument: 12}}\n", nil)
	if got := fc.Calls()[0].Props["AssumeRolePolicyDocument"]; got != "12" {
		t.Errorf("coerced %#v", got)
	}
	_, err := e.Apply(t.Context(), mustParse(t, "Resources:\n  R: {Type: AWS::IAM::Role, Properties: {AssumeRolePolicyDocument: [1]}}\n"), Input{StackName: "other"})
	if err == nil || !strings.Contains(err.Error(), "Resources.R.Properties.AssumeRolePolicyDocument: expected object or string, got a list") {
		t.Fatalf("error %v", err)
	}
	if names := e.Store.(*MemStore).Names(); len(names) != 1 || names[0] != "test" {
		t.Errorf("stacks %v", names)
	}
}

func TestRollbackDeletesRetainedResourcesCreatedInTheRun(t *testing.T) {
	e, fc, _ := newTestEngine(t)
	fc.fail = failOn("Create", "B")
	src := "Resources:\n  A: {Type: Test::Res::Thing, DeletionPolicy: Retain}\n  B: {Type: Test::Res::Thing, Properties: {P: !Ref A}}\n"
	if _, err := e.Apply(t.Context(), mustParse(t, src), Input{StackName: "test"}); err == nil {
		t.Fatal("no error")
	}
	if got := fc.Trace(); got != "Create A, Create B, rollback Delete A" {
		t.Fatalf("calls %q", got)
	}
}
