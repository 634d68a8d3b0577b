package cfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Status is the state of one resource operation in an Event.
type Status string

// Statuses.
const (
	StatusInProgress Status = "IN_PROGRESS"
	StatusComplete   Status = "COMPLETE"
	StatusFailed     Status = "FAILED"
	StatusSkipped    Status = "SKIPPED" // NoOp, or a delete not done because of Retain
)

// Event reports progress on one resource.
type Event struct {
	StackName  string
	LogicalID  string
	Type       string
	PhysicalID string
	Action     Action
	Status     Status
	Rollback   bool // the operation undoes part of a failed apply
	Message    string
	Err        error
}

func (ev Event) String() string {
	var b strings.Builder
	if ev.Rollback {
		b.WriteString("ROLLBACK ")
	}
	fmt.Fprintf(&b, "%s %s %s (%s)", ev.Action, ev.Status, ev.LogicalID, ev.Type)
	if ev.PhysicalID != "" {
		fmt.Fprintf(&b, " [%s]", ev.PhysicalID)
	}
	if ev.Message != "" {
		b.WriteString(": " + ev.Message)
	}
	if ev.Err != nil {
		b.WriteString(": " + ev.Err.Error())
	}
	return b.String()
}

// Result is what a successful Apply or DeleteStack did.
type Result struct {
	StackName string
	StackID   string
	// Changes lists the operations performed, in order, with the actual
	// action (Plan may predict an Update that turns out to be a NoOp).
	Changes []Change
	Skipped []Skipped
	Notes   []string
	Outputs []Output
	// State is the stored state after the operation (nil after a complete
	// DeleteStack).
	State *StackState
	// Orphans are resources that could not be deleted during cleanup. They
	// stay in the state and are retried by the next Apply or DeleteStack.
	Orphans []ResourceState
	// CleanupErrors explains each orphan.
	CleanupErrors []error
}

// undoOp records a provider call of the current run, for rollback.
type undoOp struct {
	create   bool
	id, typ  string
	phys     string
	props    map[string]any // create: the props; update: the new props
	oldProps map[string]any // update: the props to restore
}

type run struct {
	p      *prepared
	ctx    context.Context
	emitFn func(Event)
	undo   []undoOp
	// lock is this run's lock, if it took one; lockedVersion is the stored
	// version that holds it until the run commits (0 afterwards); version
	// is the version the next Put must expect.
	lock          *Lock
	lockedVersion int64
	version       int64
}

// ensureLock takes the stack lock if this run does not hold it yet.
func (r *run) ensureLock() error {
	if r.lock != nil {
		return nil
	}
	toLock := *r.p.prev
	toLock.StackID = r.p.stackID
	lock, v, err := r.p.e.acquire(r.ctx, &toLock, "apply")
	if err != nil {
		return fmt.Errorf("apply stack %q: %w", r.p.stackName, err)
	}
	r.lock, r.lockedVersion, r.version = lock, v, v
	return nil
}

func (r *run) emit(ev Event) {
	ev.StackName = r.p.stackName
	if r.emitFn != nil {
		r.emitFn(ev)
	}
}

func (r *run) request(id, typ string, rollback bool) RequestInfo {
	e := r.p.e
	return RequestInfo{
		StackName:    r.p.stackName,
		StackID:      r.p.stackID,
		LogicalID:    id,
		ResourceType: typ,
		Region:       orDefault(e.Region, "us-east-1"),
		AccountID:    orDefault(e.AccountID, "000000000000"),
		Partition:    orDefault(e.Partition, "aws"),
		Rollback:     rollback,
	}
}

// Apply converges the stack to the template, in this order:
//
//  1. Load the previous state, resolve parameters and conditions, classify
//     resources and plan (all template errors surface here, before any
//     provider call). If the plan has changes, lock the stack (see Lock):
//     a stack locked by another run fails with ErrConflict.
//  2. In dependency order, create new resources, update changed ones in
//     place and, where a create-only property changed, create the
//     replacement. Unchanged resources are not touched. Ref and Fn::GetAtt
//     resolve against the resources of this run as they are created.
//  3. Evaluate the Outputs.
//  4. Store the new state (compare-and-swap on the locked version).
//  5. Clean up: delete, in reverse dependency order, the resources removed
//     from the template and the old copies of replaced ones (honouring
//     DeletionPolicy and UpdateReplacePolicy Retain), then store the state
//     again without the lock; deletes that failed are kept as orphans and
//     retried by the next run.
//
// Template errors (1) are returned as *Error before any provider call. If
// 2, 3 or 4 fails, the provider calls of this run are undone in reverse
// order (created resources deleted, updated ones updated back to their
// previous properties), the previous state is stored back (releasing the
// lock), and an *ApplyError is returned. Failures in 5 do not fail the apply; they are
// reported in Result.Orphans. Applying an unchanged template makes no
// provider call and stores nothing.
func (e *Engine) Apply(ctx context.Context, t *Template, in Input) (*Result, error) {
	prev, err := e.loadState(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	p, err := e.prepare(t, in, prev)
	if err != nil {
		return nil, err
	}
	pl, err := p.plan()
	if err != nil {
		return nil, err
	}
	lockNote, err := e.checkLock(p.prev)
	if err != nil {
		return nil, fmt.Errorf("apply stack %q: %w", p.stackName, err)
	}
	r := &run{p: p, ctx: ctx, emitFn: in.OnEvent}
	res := &Result{StackName: p.stackName, StackID: p.stackID, Skipped: p.skipped, Notes: p.notes}
	if lockNote != "" {
		res.Notes = append(res.Notes, lockNote)
	}
	// Lock the stack before the first provider call. A plan without
	// changes makes no provider call and needs no lock.
	r.version = p.prev.Version
	if pl.HasChanges() {
		if err := r.ensureLock(); err != nil {
			return nil, err
		}
	}

	newRes := map[string]ResourceState{}
	vals := map[string]*resVal{}
	ev := &evaluator{env: p.env, res: func(id string) *resVal { return vals[id] }}
	var replaced []ResourceState

	for _, id := range p.order {
		tr := p.t.Resources[id]
		reg := p.regs[id]
		path := "Resources." + id
		if err := ctx.Err(); err != nil {
			return nil, r.fail(id, err)
		}
		old, existed := p.prev.Resources[id]
		props, err := p.resolveProps(ev, id)
		if err != nil {
			act := ActionCreate
			if existed {
				act = ActionUpdate
			}
			r.emit(Event{LogicalID: id, Type: tr.Type, PhysicalID: old.PhysicalID, Action: act, Status: StatusFailed, Err: err})
			return nil, r.fail(id, err)
		}
		if containsUnknown(props) {
			return nil, r.fail(id, errorf(path, "internal error: unresolved value in properties"))
		}
		rs := ResourceState{
			LogicalID: id, Type: tr.Type, Props: props, DependsOn: p.deps[id],
			DeletionPolicy: tr.DeletionPolicy, UpdateReplacePolicy: tr.UpdateReplacePolicy,
		}
		d := decision{action: ActionCreate}
		if existed {
			d = decide(reg.info, old.Props, props)
		}
		ch := Change{Action: d.action, LogicalID: id, Type: tr.Type, PhysicalID: old.PhysicalID, Paths: d.paths, Reason: d.reason()}
		switch d.action {
		case ActionNoOp:
			rs.PhysicalID, rs.Attrs = old.PhysicalID, old.Attrs
			r.emit(Event{LogicalID: id, Type: tr.Type, PhysicalID: old.PhysicalID, Action: ActionNoOp, Status: StatusSkipped, Message: "unchanged"})

		case ActionCreate, ActionReplace:
			if err := r.ensureLock(); err != nil {
				return nil, r.fail(id, err)
			}
			r.emit(Event{LogicalID: id, Type: tr.Type, PhysicalID: old.PhysicalID, Action: d.action, Status: StatusInProgress, Message: ch.Reason})
			pctx := withRequest(ctx, r.request(id, tr.Type, false))
			phys, attrs, err := reg.p.Create(pctx, copyMap(props))
			if err == nil && phys == "" {
				err = errors.New("provider returned an empty physical ID")
			}
			if err != nil {
				err = &Error{Path: path, Msg: fmt.Sprintf("create %s", tr.Type), Err: err}
				r.emit(Event{LogicalID: id, Type: tr.Type, Action: d.action, Status: StatusFailed, Err: err})
				return nil, r.fail(id, err)
			}
			rs.PhysicalID, rs.Attrs = phys, normalizeMap(attrs)
			r.undo = append(r.undo, undoOp{create: true, id: id, typ: tr.Type, phys: phys, props: props})
			if d.action == ActionReplace {
				if phys == old.PhysicalID {
					res.Notes = append(res.Notes, fmt.Sprintf("%s: the replacement has the same physical ID %q; the old resource is not deleted", path, phys))
				} else {
					o := old
					o.UpdateReplacePolicy = tr.UpdateReplacePolicy
					replaced = append(replaced, o)
					ch.Retain = retains(tr.UpdateReplacePolicy)
				}
			}
			ch.PhysicalID = phys
			r.emit(Event{LogicalID: id, Type: tr.Type, PhysicalID: phys, Action: d.action, Status: StatusComplete})

		case ActionUpdate:
			if err := r.ensureLock(); err != nil {
				return nil, r.fail(id, err)
			}
			r.emit(Event{LogicalID: id, Type: tr.Type, PhysicalID: old.PhysicalID, Action: ActionUpdate, Status: StatusInProgress, Message: strings.Join(d.paths, ", ")})
			pctx := withRequest(ctx, r.request(id, tr.Type, false))
			phys, attrs, err := reg.p.Update(pctx, old.PhysicalID, copyMap(old.Props), copyMap(props))
			if err != nil {
				err = &Error{Path: path, Msg: fmt.Sprintf("update %s %q", tr.Type, old.PhysicalID), Err: err}
				r.emit(Event{LogicalID: id, Type: tr.Type, PhysicalID: old.PhysicalID, Action: ActionUpdate, Status: StatusFailed, Err: err})
				return nil, r.fail(id, err)
			}
			if phys == "" {
				phys = old.PhysicalID
			}
			rs.PhysicalID = phys
			rs.Attrs = old.Attrs
			if attrs != nil {
				rs.Attrs = normalizeMap(attrs)
			}
			r.undo = append(r.undo, undoOp{id: id, typ: tr.Type, phys: phys, props: props, oldProps: old.Props})
			ch.PhysicalID = phys
			r.emit(Event{LogicalID: id, Type: tr.Type, PhysicalID: phys, Action: ActionUpdate, Status: StatusComplete})
		}
		newRes[id] = rs
		vals[id] = &resVal{ref: rs.PhysicalID, attrs: rs.Attrs}
		res.Changes = append(res.Changes, ch)
	}

	outputs, err := p.outputs(ev)
	if err != nil {
		return nil, r.fail("", err)
	}
	res.Outputs = outputs

	cleanup := p.cleanupItems(replaced)
	st := &StackState{
		Name:         p.stackName,
		StackID:      p.stackID,
		Version:      p.prev.Version,
		TemplateHash: p.t.Hash,
		Parameters:   p.shownParams,
		Resources:    newRes,
		Outputs:      outputs,
		UpdatedAt:    p.prev.UpdatedAt,
	}
	for _, c := range cleanup {
		if !c.retain {
			st.Orphans = append(st.Orphans, c.res)
		}
	}
	if len(cleanup) > 0 {
		if err := r.ensureLock(); err != nil {
			return nil, r.fail("", err)
		}
	}
	if r.lock == nil {
		// No provider call was needed: store only what changed (the
		// template hash, policies, a stale lock), if anything.
		if !sameState(st, p.prev) {
			st.UpdatedAt = p.e.now().UTC()
			if err := p.e.Store.Put(ctx, st, r.version); err != nil {
				return nil, r.fail("", fmt.Errorf("store the state of stack %q: %w", p.stackName, err))
			}
		}
		res.State = st
		return res, nil
	}

	// Commit. With deletes to do, the lock stays held for the cleanup.
	if len(cleanup) > 0 {
		st.Lock = r.lock
	}
	st.UpdatedAt = p.e.now().UTC()
	if err := p.e.Store.Put(ctx, st, r.version); err != nil {
		return nil, r.fail("", fmt.Errorf("store the state of stack %q: %w", p.stackName, err))
	}
	r.undo, r.lockedVersion = nil, 0 // committed
	res.State = st
	if len(cleanup) == 0 {
		return res, nil
	}

	remaining, errs := r.deleteAll(cleanup, &res.Changes)
	res.Orphans, res.CleanupErrors = remaining, errs
	st.Orphans = remaining
	st.Lock = nil
	st.UpdatedAt = p.e.now().UTC()
	if err := p.e.Store.Put(context.WithoutCancel(ctx), st, st.Version); err != nil {
		res.Notes = append(res.Notes, fmt.Sprintf("the apply is complete but its final state could not be stored (%v): the stack stays locked until Engine.LockTimeout, and the next apply retries deletes already done", err))
	}
	res.State = st
	return res, nil
}

// sameState reports whether two states differ only in version and time.
func sameState(a, b *StackState) bool {
	ca, cb := *a, *b
	ca.Version, cb.Version = 0, 0
	ca.UpdatedAt, cb.UpdatedAt = time.Time{}, time.Time{}
	ja, err1 := json.Marshal(&ca)
	jb, err2 := json.Marshal(&cb)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// deleteAll deletes resources in the given order, honouring retain, and
// returns those whose delete failed.
func (r *run) deleteAll(items []cleanupItem, changes *[]Change) ([]ResourceState, []error) {
	var remaining []ResourceState
	var errs []error
	for _, c := range items {
		rs := c.res
		ch := Change{Action: ActionDelete, LogicalID: rs.LogicalID, Type: rs.Type, PhysicalID: rs.PhysicalID, Reason: c.reason, Retain: c.retain}
		*changes = append(*changes, ch)
		if c.retain {
			r.emit(Event{LogicalID: rs.LogicalID, Type: rs.Type, PhysicalID: rs.PhysicalID, Action: ActionDelete, Status: StatusSkipped, Message: c.reason})
			continue
		}
		r.emit(Event{LogicalID: rs.LogicalID, Type: rs.Type, PhysicalID: rs.PhysicalID, Action: ActionDelete, Status: StatusInProgress, Message: c.reason})
		err := r.deleteOne(r.ctx, rs, false)
		if err != nil {
			r.emit(Event{LogicalID: rs.LogicalID, Type: rs.Type, PhysicalID: rs.PhysicalID, Action: ActionDelete, Status: StatusFailed, Err: err})
			remaining = append(remaining, rs)
			errs = append(errs, err)
			continue
		}
		r.emit(Event{LogicalID: rs.LogicalID, Type: rs.Type, PhysicalID: rs.PhysicalID, Action: ActionDelete, Status: StatusComplete})
	}
	return remaining, errs
}

func (r *run) deleteOne(ctx context.Context, rs ResourceState, rollback bool) error {
	_, prov, ok := r.p.e.Registry.Lookup(rs.Type)
	if !ok {
		return errorf("Resources."+rs.LogicalID, "no provider for %s; cannot delete %q", rs.Type, rs.PhysicalID)
	}
	pctx := withRequest(ctx, r.request(rs.LogicalID, rs.Type, rollback))
	if err := prov.Delete(pctx, rs.PhysicalID, copyMap(rs.Props)); err != nil && !errors.Is(err, ErrNotFound) {
		return &Error{Path: "Resources." + rs.LogicalID, Msg: fmt.Sprintf("delete %s %q", rs.Type, rs.PhysicalID), Err: err}
	}
	return nil
}

// fail undoes the provider calls of this run, newest first, and returns the
// ApplyError. Rollback runs even if ctx was cancelled.
func (r *run) fail(id string, cause error) error {
	ae := &ApplyError{StackName: r.p.stackName, LogicalID: id, Err: cause}
	ctx := context.WithoutCancel(r.ctx)
	for i := len(r.undo) - 1; i >= 0; i-- {
		op := r.undo[i]
		if op.create {
			r.emit(Event{LogicalID: op.id, Type: op.typ, PhysicalID: op.phys, Action: ActionDelete, Status: StatusInProgress, Rollback: true})
			err := r.deleteOne(ctx, ResourceState{LogicalID: op.id, Type: op.typ, PhysicalID: op.phys, Props: op.props}, true)
			if err != nil {
				r.emit(Event{LogicalID: op.id, Type: op.typ, PhysicalID: op.phys, Action: ActionDelete, Status: StatusFailed, Rollback: true, Err: err})
				ae.RollbackErrors = append(ae.RollbackErrors, err)
				continue
			}
			r.emit(Event{LogicalID: op.id, Type: op.typ, PhysicalID: op.phys, Action: ActionDelete, Status: StatusComplete, Rollback: true})
		} else {
			r.emit(Event{LogicalID: op.id, Type: op.typ, PhysicalID: op.phys, Action: ActionUpdate, Status: StatusInProgress, Rollback: true})
			_, prov, _ := r.p.e.Registry.Lookup(op.typ)
			pctx := withRequest(ctx, r.request(op.id, op.typ, true))
			if _, _, err := prov.Update(pctx, op.phys, copyMap(op.props), copyMap(op.oldProps)); err != nil {
				err = &Error{Path: "Resources." + op.id, Msg: fmt.Sprintf("revert %s %q", op.typ, op.phys), Err: err}
				r.emit(Event{LogicalID: op.id, Type: op.typ, PhysicalID: op.phys, Action: ActionUpdate, Status: StatusFailed, Rollback: true, Err: err})
				ae.RollbackErrors = append(ae.RollbackErrors, err)
				continue
			}
			r.emit(Event{LogicalID: op.id, Type: op.typ, PhysicalID: op.phys, Action: ActionUpdate, Status: StatusComplete, Rollback: true})
		}
		ae.RolledBack++
	}
	r.undo = nil
	// Release the lock: the stored state becomes the previous one again.
	if r.lockedVersion > 0 {
		var err error
		if r.p.isNew {
			err = r.p.e.Store.Delete(ctx, r.p.stackName, r.lockedVersion)
		} else {
			restored := *r.p.prev
			restored.Lock = nil
			err = r.p.e.Store.Put(ctx, &restored, r.lockedVersion)
		}
		if err != nil {
			ae.RollbackErrors = append(ae.RollbackErrors, fmt.Errorf("unlock stack %q (the lock expires after Engine.LockTimeout): %w", r.p.stackName, err))
		}
		r.lockedVersion = 0
	}
	return ae
}

// outputs evaluates the Outputs section against the resources of the run.
func (p *prepared) outputs(ev *evaluator) ([]Output, error) {
	var out []Output
	for _, name := range sortedKeys(p.t.Outputs) {
		o := p.t.Outputs[name]
		if o.Condition != "" && !p.env.conds[o.Condition] {
			continue
		}
		path := "Outputs." + name + ".Value"
		v, err := ev.eval(path, o.Value)
		if err != nil {
			return nil, err
		}
		if isNoValue(v) {
			continue
		}
		s, err := outputString(path, v)
		if err != nil {
			return nil, err
		}
		res := Output{Name: name, Value: s, Description: o.Description}
		if o.ExportName != nil {
			epath := "Outputs." + name + ".Export.Name"
			ev2, err := ev.eval(epath, o.ExportName)
			if err != nil {
				return nil, err
			}
			es, ok := scalarString(ev2)
			if !ok || es == "" {
				return nil, errorf(epath, "must resolve to a non-empty string, not %s", kindOf(ev2))
			}
			res.ExportName = es
		}
		out = append(out, res)
	}
	return out, nil
}

// outputString renders an output value: scalars as strings, lists of
// scalars comma-joined (as CloudFormation shows list outputs).
func outputString(path string, v any) (string, error) {
	if s, ok := scalarString(v); ok {
		return s, nil
	}
	if l, ok := v.([]any); ok {
		parts := make([]string, len(l))
		for i, e := range l {
			s, ok := scalarString(e)
			if !ok {
				return "", errorf(path, "an output must be a string or a list of strings; element %d is %s", i, kindOf(e))
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	}
	return "", errorf(path, "an output must be a string or a list of strings, not %s", kindOf(v))
}

// DeleteStack locks the stack, then deletes every resource in reverse
// dependency order, leftovers of earlier applies first. Resources with DeletionPolicy
// Retain (or RetainExceptOnCreate) are left in place and forgotten. On
// success the stack's state is removed. If a delete fails, DeleteStack
// stops, stores the state with the resources not yet deleted (so that a
// retry resumes) and returns the error. A stack without state returns an
// error wrapping ErrStackNotFound.
func (e *Engine) DeleteStack(ctx context.Context, name string, onEvent func(Event)) (*Result, error) {
	if e.Store == nil {
		return nil, errors.New("cfn: Engine.Store is not set")
	}
	st, err := e.Store.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	normalizeState(st)
	p := &prepared{e: e, stackName: name, stackID: st.StackID, prev: st}
	r := &run{p: p, ctx: ctx, emitFn: onEvent}
	res := &Result{StackName: name, StackID: st.StackID}
	lockNote, err := e.checkLock(st)
	if err != nil {
		return nil, fmt.Errorf("delete stack %q: %w", name, err)
	}
	if lockNote != "" {
		res.Notes = append(res.Notes, lockNote)
	}
	_, version, err := e.acquire(ctx, st, "delete")
	if err != nil {
		return nil, fmt.Errorf("delete stack %q: %w", name, err)
	}

	var items []cleanupItem
	for _, o := range st.Orphans {
		items = append(items, cleanupItem{res: o, reason: "left over from an earlier apply"})
	}
	for _, id := range deletionOrder(st.Resources) {
		rs := st.Resources[id]
		it := cleanupItem{res: rs, reason: "stack deleted", retain: retains(rs.DeletionPolicy)}
		if it.retain {
			it.reason = "kept (DeletionPolicy " + rs.DeletionPolicy + ")"
		}
		items = append(items, it)
	}
	for i, c := range items {
		rs := c.res
		res.Changes = append(res.Changes, Change{Action: ActionDelete, LogicalID: rs.LogicalID, Type: rs.Type, PhysicalID: rs.PhysicalID, Reason: c.reason, Retain: c.retain})
		if c.retain {
			r.emit(Event{LogicalID: rs.LogicalID, Type: rs.Type, PhysicalID: rs.PhysicalID, Action: ActionDelete, Status: StatusSkipped, Message: c.reason})
			continue
		}
		var err error
		if err = ctx.Err(); err == nil {
			r.emit(Event{LogicalID: rs.LogicalID, Type: rs.Type, PhysicalID: rs.PhysicalID, Action: ActionDelete, Status: StatusInProgress})
			err = r.deleteOne(ctx, rs, false)
		}
		if err != nil {
			r.emit(Event{LogicalID: rs.LogicalID, Type: rs.Type, PhysicalID: rs.PhysicalID, Action: ActionDelete, Status: StatusFailed, Err: err})
			left := *st
			left.Orphans = nil
			left.Resources = map[string]ResourceState{}
			for _, rest := range items[i:] {
				if rest.retain {
					continue
				}
				if _, inStack := st.Resources[rest.res.LogicalID]; inStack && st.Resources[rest.res.LogicalID].PhysicalID == rest.res.PhysicalID {
					left.Resources[rest.res.LogicalID] = rest.res
				} else {
					left.Orphans = append(left.Orphans, rest.res)
				}
			}
			left.Lock = nil
			left.UpdatedAt = e.now().UTC()
			if perr := e.Store.Put(context.WithoutCancel(ctx), &left, version); perr != nil {
				return nil, fmt.Errorf("delete stack %q: %w (and storing the remaining resources failed: %v)", name, err, perr)
			}
			return nil, fmt.Errorf("delete stack %q: %w", name, err)
		}
		r.emit(Event{LogicalID: rs.LogicalID, Type: rs.Type, PhysicalID: rs.PhysicalID, Action: ActionDelete, Status: StatusComplete})
	}
	if err := e.Store.Delete(context.WithoutCancel(ctx), name, version); err != nil {
		return nil, fmt.Errorf("delete stack %q: resources deleted, but removing its state failed: %w", name, err)
	}
	return res, nil
}
