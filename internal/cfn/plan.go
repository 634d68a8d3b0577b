package cfn

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Engine plans and applies templates as named stacks. Its zero value is not
// usable: set Registry and Store. An Engine is safe for concurrent use by
// several stacks; two concurrent applies of one stack are serialised by the
// store's compare-and-swap (the loser rolls back and returns ErrConflict).
type Engine struct {
	Registry *Registry
	Store    StateStore

	// Pseudo parameters. Empty fields get defaults: Region "us-east-1",
	// AccountID "000000000000", Partition "aws", URLSuffix "amazonaws.com".
	Region    string
	AccountID string
	Partition string
	URLSuffix string

	// LockTimeout is the age after which a stack lock is considered left
	// by a crashed process and taken over. Default 30 minutes.
	LockTimeout time.Duration

	// Now and NewID are injected for exact tests. Defaults: time.Now and a
	// random UUID (used in AWS::StackId and lock IDs).
	Now   func() time.Time
	NewID func() string
}

// Input names the stack to converge and carries the parameter values.
type Input struct {
	StackName  string
	Parameters map[string]string
	// OnEvent, if set, is called synchronously for every resource
	// operation (start, end, failure, rollback).
	OnEvent func(Event)
}

// Action is what happens to a resource.
type Action string

// Actions.
const (
	ActionCreate  Action = "Create"
	ActionUpdate  Action = "Update"
	ActionReplace Action = "Replace" // create a new one, delete the old one after everything else succeeded
	ActionDelete  Action = "Delete"
	ActionNoOp    Action = "NoOp"
)

// Change is one planned (or, in a Result, performed) resource operation.
type Change struct {
	Action     Action
	LogicalID  string
	Type       string
	PhysicalID string // the existing resource, if any
	// Paths lists the changed properties ("IdentityPoolName",
	// "Roles.authenticated"); Dynamic those whose new value is only known
	// during apply because it comes from a resource created, replaced or
	// updated before.
	Paths   []string
	Dynamic []string
	Reason  string
	// Retain is set when the resource (for Replace: the old one) is removed
	// from the stack but not deleted, because of DeletionPolicy or
	// UpdateReplacePolicy Retain.
	Retain bool
}

// Plan is the predicted set of changes for a stack. Changes lists every
// resource: creates, updates, replacements and no-ops in dependency order,
// then deletes in reverse dependency order.
type Plan struct {
	StackName  string
	StackID    string
	New        bool // the stack does not exist yet
	Changes    []Change
	Skipped    []Skipped
	Notes      []string
	Parameters map[string]string // NoEcho values masked
}

// String renders a change for a plan listing, for example
// "Update Pool (AWS::Cognito::IdentityPool) [us-east-1:…]: IdentityPoolName".
func (c Change) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (%s)", c.Action, c.LogicalID, c.Type)
	if c.PhysicalID != "" {
		fmt.Fprintf(&b, " [%s]", c.PhysicalID)
	}
	var detail []string
	if len(c.Paths) > 0 {
		detail = append(detail, strings.Join(c.Paths, ", "))
	}
	if len(c.Dynamic) > 0 {
		detail = append(detail, "known after apply: "+strings.Join(c.Dynamic, ", "))
	}
	if c.Reason != "" && c.Reason != "properties changed" {
		detail = append(detail, c.Reason)
	}
	if len(detail) > 0 {
		b.WriteString(": " + strings.Join(detail, "; "))
	}
	return b.String()
}

// HasChanges reports whether applying the plan would call any provider.
func (p *Plan) HasChanges() bool {
	for _, c := range p.Changes {
		if c.Action != ActionNoOp {
			return true
		}
	}
	return false
}

var stackNameRe = regexp.MustCompile(`^[A-Za-z][-A-Za-z0-9]{0,127}$`)

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Engine) newID() string {
	if e.NewID != nil {
		return e.NewID()
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (e *Engine) lockTimeout() time.Duration {
	if e.LockTimeout > 0 {
		return e.LockTimeout
	}
	return 30 * time.Minute
}

// checkLock fails with ErrConflict if another operation holds a fresh lock
// on the stack; for a stale lock it returns a note.
func (e *Engine) checkLock(st *StackState) (string, error) {
	l := st.Lock
	if l == nil {
		return "", nil
	}
	expires := l.StartedAt.Add(e.lockTimeout())
	if e.now().Before(expires) {
		return "", fmt.Errorf("stack %q is locked by %s %s started at %s; retry when it has finished (a lock left by a crashed process expires at %s): %w",
			st.Name, l.Operation, l.ID, l.StartedAt.Format(time.RFC3339), expires.Format(time.RFC3339), ErrConflict)
	}
	return fmt.Sprintf("took over the stale lock of %s %s started at %s: resources that run created but did not record may exist", l.Operation, l.ID, l.StartedAt.Format(time.RFC3339)), nil
}

// acquire stores st with a new lock, compare-and-swap on st.Version, and
// returns the version that holds the lock.
func (e *Engine) acquire(ctx context.Context, st *StackState, op string) (*Lock, int64, error) {
	locked := *st
	locked.Lock = &Lock{ID: e.newID(), Operation: op, StartedAt: e.now().UTC()}
	if err := e.Store.Put(ctx, &locked, st.Version); err != nil {
		return nil, 0, fmt.Errorf("lock stack %q: %w", st.Name, err)
	}
	return locked.Lock, locked.Version, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// prepared is a template bound to parameters and previous state: conditions
// evaluated, resources classified, dependencies ordered.
type prepared struct {
	e           *Engine
	env         *env
	t           *Template
	stackName   string
	stackID     string
	shownParams map[string]string
	prev        *StackState // never nil; Version 0 for a new stack
	isNew       bool
	order       []string
	deps        map[string][]string
	regs        map[string]registration
	skipped     []Skipped
	notes       []string
}

func (e *Engine) loadState(ctx context.Context, name string) (*StackState, error) {
	if e.Store == nil {
		return nil, errors.New("cfn: Engine.Store is not set")
	}
	st, err := e.Store.Get(ctx, name)
	if errors.Is(err, ErrStackNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load stack %q: %w", name, err)
	}
	normalizeState(st)
	return st, nil
}

func (e *Engine) prepare(t *Template, in Input, prev *StackState) (*prepared, error) {
	if t == nil {
		return nil, errors.New("cfn: nil template")
	}
	if !stackNameRe.MatchString(in.StackName) {
		return nil, fmt.Errorf("cfn: invalid stack name %q: it must start with a letter and contain only letters, digits and hyphens (at most 128)", in.StackName)
	}
	if prev != nil && prev.Name != "" && prev.Name != in.StackName {
		return nil, fmt.Errorf("cfn: previous state belongs to stack %q, not %q", prev.Name, in.StackName)
	}
	p := &prepared{e: e, t: t, stackName: in.StackName, regs: map[string]registration{}}
	if prev == nil {
		p.isNew = true
		prev = &StackState{Name: in.StackName, Resources: map[string]ResourceState{}}
	}
	p.prev = prev
	region := orDefault(e.Region, "us-east-1")
	account := orDefault(e.AccountID, "000000000000")
	partition := orDefault(e.Partition, "aws")
	p.stackID = prev.StackID
	if p.stackID == "" {
		p.stackID = fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/%s", partition, region, account, in.StackName, e.newID())
	}
	params, shown, err := t.resolveParameters(in.Parameters)
	if err != nil {
		return nil, err
	}
	p.shownParams = shown
	en := &env{
		t:      t,
		params: params,
		pseudo: map[string]any{
			"AWS::AccountId":        account,
			"AWS::NotificationARNs": []any{},
			"AWS::Partition":        partition,
			"AWS::Region":           region,
			"AWS::StackId":          p.stackID,
			"AWS::StackName":        in.StackName,
			"AWS::URLSuffix":        orDefault(e.URLSuffix, "amazonaws.com"),
		},
		conds:    map[string]bool{},
		visiting: map[string]bool{},
		class:    map[string]resClass{},
		reason:   map[string]string{},
		infos:    map[string]TypeInfo{},
		hasInfo:  map[string]bool{},
	}
	p.env = en
	for _, name := range sortedKeys(t.Conditions) {
		if err := en.walkRefs("Conditions."+name, t.Conditions[name], true, true, en.staticCheck); err != nil {
			return nil, err
		}
		if _, err := en.condition("Conditions."+name, name); err != nil {
			return nil, err
		}
	}
	p.skipped = append(p.skipped, t.Skipped...)

	// Classify every resource.
	var active []string
	for _, id := range sortedKeys(t.Resources) {
		r := t.Resources[id]
		info, prov, registered := e.Registry.Lookup(r.Type)
		if registered {
			en.infos[id], en.hasInfo[id] = info, true
		}
		switch {
		case r.Type == "AWS::CDK::Metadata":
			en.class[id], en.reason[id] = resSkipped, "CDK analytics metadata, not a resource"
			p.skipped = append(p.skipped, Skipped{Section: "Resources", Name: id, Type: r.Type, Kind: SkipCDKBoilerplate, Reason: en.reason[id]})
			continue
		case r.Condition != "" && !en.conds[r.Condition]:
			en.class[id], en.reason[id] = resInactive, fmt.Sprintf("condition %q is false", r.Condition)
			p.skipped = append(p.skipped, Skipped{Section: "Resources", Name: id, Type: r.Type, Kind: SkipCondition, Reason: en.reason[id]})
			continue
		case !registered:
			en.class[id], en.reason[id] = resSkipped, unsupportedTypeReason(r.Type, e.Registry)
			p.skipped = append(p.skipped, Skipped{Section: "Resources", Name: id, Type: r.Type, Kind: SkipUnsupportedType, Reason: en.reason[id]})
			if old, ok := prev.Resources[id]; ok {
				return nil, errorf("Resources."+id, "type %s has no provider, but the stack manages this resource (physical ID %q); register a provider for it", r.Type, old.PhysicalID)
			}
			continue
		}
		en.class[id] = resActive
		p.regs[id] = registration{info: info, p: prov}
		active = append(active, id)
	}
	for id, old := range prev.Resources {
		if _, ok := p.regs[id]; ok {
			continue
		}
		if _, _, ok := e.Registry.Lookup(old.Type); !ok {
			return nil, errorf("Resources."+id, "type %s has no provider, so the resource (physical ID %q) cannot be deleted; register a provider for it", old.Type, old.PhysicalID)
		}
	}

	// Every name referred to must exist, on every branch.
	for _, id := range sortedKeys(t.Resources) {
		if en.class[id] == resSkipped {
			continue
		}
		if err := en.walkRefs("Resources."+id+".Properties", t.Resources[id].Properties, true, false, en.staticCheck); err != nil {
			return nil, err
		}
	}
	for _, name := range sortedKeys(t.Outputs) {
		o := t.Outputs[name]
		if err := en.walkRefs("Outputs."+name+".Value", o.Value, true, false, en.staticCheck); err != nil {
			return nil, err
		}
		if err := en.walkRefs("Outputs."+name+".Export.Name", o.ExportName, true, false, en.staticCheck); err != nil {
			return nil, err
		}
	}

	// Dependencies and order.
	p.deps = map[string][]string{}
	for _, id := range active {
		d, err := en.dependencies(id, &p.notes)
		if err != nil {
			return nil, err
		}
		p.deps[id] = d
	}
	order, err := topoOrder(active, p.deps)
	if err != nil {
		return nil, err
	}
	p.order = order

	// Outputs may only refer to created resources.
	for _, name := range sortedKeys(t.Outputs) {
		o := t.Outputs[name]
		if o.Condition != "" && !en.conds[o.Condition] {
			continue
		}
		check := func(path, fn, target, attr string) error {
			r, ok := t.Resources[target]
			if !ok || strings.HasPrefix(target, "AWS::") {
				return nil
			}
			if _, isParam := t.Parameters[target]; isParam && attr == "" && fn != "Fn::GetAtt" {
				return nil
			}
			switch en.class[target] {
			case resSkipped:
				return errorf(path, "%s: resource %q (%s) is skipped: %s", fn, target, r.Type, en.reason[target])
			case resInactive:
				return errorf(path, "%s: resource %q is not created because its condition %q is false; give the output the same Condition", fn, target, r.Condition)
			}
			return nil
		}
		if err := en.walkRefs("Outputs."+name+".Value", o.Value, false, false, check); err != nil {
			return nil, err
		}
		if err := en.walkRefs("Outputs."+name+".Export.Name", o.ExportName, false, false, check); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func unsupportedTypeReason(typ string, reg *Registry) string {
	switch {
	case strings.HasPrefix(typ, "Custom::") || typ == "AWS::CloudFormation::CustomResource":
		return "custom resources are not supported by idpool"
	case typ == "AWS::CloudFormation::Stack":
		return "nested stacks are not supported by idpool"
	case strings.HasPrefix(typ, "AWS::Serverless::"):
		return "SAM resources need the AWS::Serverless transform, which idpool does not run"
	}
	types := reg.Types()
	if len(types) == 0 {
		return fmt.Sprintf("no provider for %s", typ)
	}
	return fmt.Sprintf("no provider for %s (idpool manages %s)", typ, strings.Join(types, ", "))
}

// resolveProps evaluates a resource's properties and checks them against
// its type's schema. The result may hold unknowns in plan mode.
func (p *prepared) resolveProps(ev *evaluator, id string) (map[string]any, error) {
	path := "Resources." + id + ".Properties"
	r := p.t.Resources[id]
	v, err := ev.eval(path, r.Properties)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	switch x := v.(type) {
	case nil, noValue:
		m = map[string]any{}
	case map[string]any:
		m = x
	default:
		return nil, errorf(path, "must resolve to an object, not %s", kindOf(v))
	}
	m, err = p.regs[id].info.checkProperties(path, m)
	if err != nil {
		return nil, err
	}
	return normalizeMap(m), nil
}

// decision compares resolved properties with the previous ones.
type decision struct {
	action      Action
	paths       []string
	dynamic     []string
	conditional bool // Replace only because a create-only value is unknown
	createOnly  []string
}

func decide(info TypeInfo, old map[string]any, props map[string]any) decision {
	var d decision
	diffPaths("", old, props, &d.paths, &d.dynamic)
	if len(d.paths) == 0 && len(d.dynamic) == 0 {
		d.action = ActionNoOp
		return d
	}
	d.action = ActionUpdate
	definite := false
	for _, co := range info.CreateOnly {
		ov, ook := valueAt(old, co)
		nv, nok := valueAt(props, co)
		if ook == nok && (!nok || equal(ov, nv)) {
			continue
		}
		d.createOnly = append(d.createOnly, strings.ReplaceAll(co, "/", "."))
		if nok && containsUnknown(nv) {
			d.conditional = true
		} else {
			definite = true
		}
	}
	if len(d.createOnly) > 0 {
		d.action = ActionReplace
		d.conditional = !definite
	}
	return d
}

func (d decision) reason() string {
	switch d.action {
	case ActionReplace:
		if d.conditional {
			return "create-only " + strings.Join(d.createOnly, ", ") + " may change (known only during apply)"
		}
		return "create-only " + strings.Join(d.createOnly, ", ") + " changed"
	case ActionUpdate:
		if len(d.paths) == 0 {
			return "may change: values known only during apply"
		}
		return "properties changed"
	}
	return ""
}

func retains(policy string) bool { return policy == "Retain" || policy == "RetainExceptOnCreate" }

// Plan loads the stack's state and returns the changes Apply would make,
// without calling any provider. It reports every template error Apply would
// report before touching a resource.
func (e *Engine) Plan(ctx context.Context, t *Template, in Input) (*Plan, error) {
	prev, err := e.loadState(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	return e.PlanFrom(t, in, prev)
}

// PlanFrom is Plan against an explicit previous state (nil for a new
// stack). It does no I/O.
func (e *Engine) PlanFrom(t *Template, in Input, prev *StackState) (*Plan, error) {
	if prev != nil {
		cp := *prev
		cp.Resources = make(map[string]ResourceState, len(prev.Resources))
		for k, v := range prev.Resources {
			cp.Resources[k] = v
		}
		cp.Orphans = append([]ResourceState(nil), prev.Orphans...)
		normalizeState(&cp)
		prev = &cp
	}
	p, err := e.prepare(t, in, prev)
	if err != nil {
		return nil, err
	}
	pl, err := p.plan()
	if err != nil {
		return nil, err
	}
	if note, err := e.checkLock(p.prev); err != nil {
		pl.Notes = append(pl.Notes, err.Error())
	} else if note != "" {
		pl.Notes = append(pl.Notes, note)
	}
	return pl, nil
}

func (p *prepared) plan() (*Plan, error) {
	pl := &Plan{
		StackName:  p.stackName,
		StackID:    p.stackID,
		New:        p.isNew,
		Skipped:    p.skipped,
		Notes:      p.notes,
		Parameters: p.shownParams,
	}
	vals := map[string]*resVal{}
	ev := &evaluator{env: p.env, res: func(id string) *resVal { return vals[id] }}
	for _, id := range p.order {
		r := p.t.Resources[id]
		props, err := p.resolveProps(ev, id)
		if err != nil {
			return nil, err
		}
		ch := Change{LogicalID: id, Type: r.Type}
		old, existed := p.prev.Resources[id]
		if !existed {
			ch.Action = ActionCreate
			vals[id] = &resVal{ref: &unknown{what: "Ref " + id}, attrsUnknown: true}
			pl.Changes = append(pl.Changes, ch)
			continue
		}
		if old.Type != r.Type {
			return nil, errorf("Resources."+id+".Type", "cannot change the type of an existing resource from %s to %s; give the new resource a new logical ID", old.Type, r.Type)
		}
		ch.PhysicalID = old.PhysicalID
		d := decide(p.regs[id].info, old.Props, props)
		ch.Action, ch.Paths, ch.Dynamic, ch.Reason = d.action, d.paths, d.dynamic, d.reason()
		switch d.action {
		case ActionNoOp:
			vals[id] = &resVal{ref: old.PhysicalID, attrs: old.Attrs}
		case ActionUpdate:
			vals[id] = &resVal{ref: old.PhysicalID, attrsUnknown: true}
		case ActionReplace:
			vals[id] = &resVal{ref: &unknown{what: "Ref " + id}, attrsUnknown: true}
			if retains(r.UpdateReplacePolicy) {
				ch.Retain = true
				ch.Reason += "; the old resource is kept (UpdateReplacePolicy " + r.UpdateReplacePolicy + ")"
			}
		}
		pl.Changes = append(pl.Changes, ch)
	}
	for _, c := range p.cleanupItems(nil) {
		ch := Change{Action: ActionDelete, LogicalID: c.res.LogicalID, Type: c.res.Type, PhysicalID: c.res.PhysicalID, Reason: c.reason, Retain: c.retain}
		pl.Changes = append(pl.Changes, ch)
	}
	return pl, nil
}

// cleanupItem is a resource to delete after everything else succeeded.
type cleanupItem struct {
	res    ResourceState
	retain bool
	reason string
}

// cleanupItems lists, in deletion order, the resources of the previous
// state that the new stack no longer has, plus earlier orphans and (when
// given) the old copies of replaced resources.
func (p *prepared) cleanupItems(replaced []ResourceState) []cleanupItem {
	var items []cleanupItem
	for _, o := range p.prev.Orphans {
		items = append(items, cleanupItem{res: o, reason: "left over from an earlier apply"})
	}
	active := map[string]bool{}
	for _, id := range p.order {
		active[id] = true
	}
	var removed []cleanupItem
	for id, r := range p.prev.Resources {
		if active[id] {
			continue
		}
		reason := "removed from the template"
		if tr, ok := p.t.Resources[id]; ok && tr.Condition != "" {
			reason = fmt.Sprintf("condition %q is now false", tr.Condition)
		}
		it := cleanupItem{res: r, reason: reason, retain: retains(r.DeletionPolicy)}
		if it.retain {
			it.reason += "; kept (DeletionPolicy " + r.DeletionPolicy + ")"
		}
		removed = append(removed, it)
	}
	for _, r := range replaced {
		it := cleanupItem{res: r, reason: "replaced", retain: retains(r.UpdateReplacePolicy)}
		if it.retain {
			it.reason += "; kept (UpdateReplacePolicy " + r.UpdateReplacePolicy + ")"
		}
		removed = append(removed, it)
	}
	// Reverse dependency order of the previous state.
	pos := map[string]int{}
	for i, id := range deletionOrder(p.prev.Resources) {
		pos[id] = i
	}
	sort.SliceStable(removed, func(i, j int) bool {
		pi, pj := pos[removed[i].res.LogicalID], pos[removed[j].res.LogicalID]
		if pi != pj {
			return pi < pj
		}
		return removed[i].res.LogicalID < removed[j].res.LogicalID
	})
	return append(items, removed...)
}

// deletionOrder orders resources so that every resource comes before the
// resources it depends on (reverse dependency order), using the
// dependencies recorded in the state.
func deletionOrder(resources map[string]ResourceState) []string {
	ids := sortedKeys(resources)
	deps := map[string][]string{}
	for id, r := range resources {
		deps[id] = r.DependsOn
	}
	order, err := topoOrder(ids, deps)
	if err != nil {
		order = ids // a stored cycle cannot happen; fall back to name order
	}
	for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
		order[i], order[j] = order[j], order[i]
	}
	return order
}
