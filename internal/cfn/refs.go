package cfn

import (
	"fmt"
	"sort"
	"strings"
)

// refVisitor is called for every Ref, Fn::GetAtt and Fn::Sub variable that
// names something outside the expression. fn is the function, attr the
// attribute for Fn::GetAtt ("" if given by an intrinsic function).
type refVisitor func(path, fn, target, attr string) error

// walkRefs visits the references in an unevaluated expression. With
// allBranches, both branches of every Fn::If are walked and unsupported
// functions are reported anywhere; otherwise only the branch the (already
// evaluated) condition selects.
func (e *env) walkRefs(path string, v any, allBranches, inCondition bool, visit refVisitor) error {
	switch x := v.(type) {
	case map[string]any:
		fn, arg, ok := intrinsicOf(x, inCondition)
		if !ok {
			for _, k := range sortedKeys(x) {
				if err := e.walkRefs(joinPath(path, k), x[k], allBranches, inCondition, visit); err != nil {
					return err
				}
			}
			return nil
		}
		if err := checkFunction(path, fn, inCondition); err != nil {
			return err
		}
		switch fn {
		case "Ref":
			name, ok := arg.(string)
			if !ok {
				return errorf(path, "Ref: the argument must be a literal parameter or resource name, not %s", kindOf(arg))
			}
			return visit(path, fn, name, "")
		case "Fn::GetAtt":
			id, attr, attrExpr, err := parseGetAtt(path, arg)
			if err != nil {
				return err
			}
			if attrExpr != nil {
				if err := e.walkRefs(path, attrExpr, allBranches, inCondition, visit); err != nil {
					return err
				}
			}
			return visit(path, fn, id, attr)
		case "Fn::Sub":
			tmpl, vars, err := subArgs(path, arg)
			if err != nil {
				return err
			}
			parts, err := parseSub(tmpl)
			if err != nil {
				return errorf(path, "Fn::Sub: %v", err)
			}
			for _, k := range sortedKeys(vars) {
				if err := e.walkRefs(path, vars[k], allBranches, inCondition, visit); err != nil {
					return err
				}
			}
			for _, p := range parts {
				if !p.isVar {
					continue
				}
				if _, local := vars[p.name]; local {
					continue
				}
				id, attr, isAttr := subRef(p.name)
				if isAttr {
					if err := visit(path, "Fn::Sub", id, attr); err != nil {
						return err
					}
				} else if err := visit(path, "Fn::Sub", id, ""); err != nil {
					return err
				}
			}
			return nil
		case "Fn::If":
			name, a, b, err := ifArgs(path, arg)
			if err != nil {
				return err
			}
			if _, ok := e.t.Conditions[name]; !ok {
				return errorf(path, "Fn::If: unknown condition %q", name)
			}
			if allBranches {
				if err := e.walkRefs(path, a, allBranches, inCondition, visit); err != nil {
					return err
				}
				return e.walkRefs(path, b, allBranches, inCondition, visit)
			}
			c, err := e.condition(path, name)
			if err != nil {
				return err
			}
			if c {
				return e.walkRefs(path, a, allBranches, inCondition, visit)
			}
			return e.walkRefs(path, b, allBranches, inCondition, visit)
		case "Condition":
			return nil
		}
		return e.walkRefs(path, arg, allBranches, inCondition, visit)
	case []any:
		for i, el := range x {
			if err := e.walkRefs(fmt.Sprintf("%s[%d]", path, i), el, allBranches, inCondition, visit); err != nil {
				return err
			}
		}
	}
	return nil
}

// staticCheck is the refVisitor that checks that every name exists, on all
// branches, whatever the conditions.
func (e *env) staticCheck(path, fn, target, attr string) error {
	if strings.HasPrefix(target, "AWS::") {
		if fn == "Fn::GetAtt" || attr != "" {
			return errorf(path, "%s: %q is a pseudo parameter, not a resource", fn, target)
		}
		if target == "AWS::NoValue" {
			if fn == "Fn::Sub" {
				return errorf(path, "Fn::Sub: ${AWS::NoValue} cannot be substituted")
			}
			return nil
		}
		if _, ok := e.pseudo[target]; !ok {
			return errorf(path, "%s: unknown pseudo parameter %q", fn, target)
		}
		return nil
	}
	if attr == "" && fn != "Fn::GetAtt" {
		if _, ok := e.t.Parameters[target]; ok {
			return nil
		}
		if reason, ok := e.t.skippedParams[target]; ok {
			return errorf(path, "%s: parameter %q is skipped (%s)", fn, target, reason)
		}
	}
	if _, ok := e.t.Resources[target]; !ok {
		if fn == "Fn::GetAtt" || attr != "" {
			return errorf(path, "%s: unknown resource %q", fn, target)
		}
		return errorf(path, "%s: unknown parameter or resource %q", fn, target)
	}
	if attr != "" {
		return e.checkAttr(path, fn, target, attr)
	}
	return nil
}

// dependencies returns the resources id depends on: its DependsOn and every
// resource its (condition-selected) properties refer to. References to
// skipped or inactive resources are errors; a DependsOn on a skipped
// resource is dropped with a note.
func (e *env) dependencies(id string, notes *[]string) ([]string, error) {
	r := e.t.Resources[id]
	set := map[string]bool{}
	for _, d := range r.DependsOn {
		path := "Resources." + id + ".DependsOn"
		dr, ok := e.t.Resources[d]
		if !ok {
			return nil, errorf(path, "unknown resource %q", d)
		}
		if d == id {
			return nil, errorf(path, "a resource cannot depend on itself")
		}
		switch e.class[d] {
		case resSkipped:
			*notes = append(*notes, fmt.Sprintf("%s: dependency on skipped resource %q (%s) ignored", path, d, dr.Type))
			continue
		case resInactive:
			return nil, errorf(path, "resource %q is not created because its condition %q is false", d, dr.Condition)
		}
		set[d] = true
	}
	visit := func(path, fn, target, attr string) error {
		if strings.HasPrefix(target, "AWS::") {
			return nil
		}
		if _, isParam := e.t.Parameters[target]; isParam && attr == "" && fn != "Fn::GetAtt" {
			return nil
		}
		tr, ok := e.t.Resources[target]
		if !ok {
			return nil // reported by the static check
		}
		if target == id {
			return errorf(path, "%s: resource %q refers to itself", fn, id)
		}
		switch e.class[target] {
		case resSkipped:
			return errorf(path, "%s: resource %q (%s) is skipped: %s", fn, target, tr.Type, e.reason[target])
		case resInactive:
			return errorf(path, "%s: resource %q is not created because its condition %q is false; refer to it inside an Fn::If on that condition", fn, target, tr.Condition)
		}
		set[target] = true
		return nil
	}
	if err := e.walkRefs("Resources."+id+".Properties", r.Properties, false, false, visit); err != nil {
		return nil, err
	}
	deps := make([]string, 0, len(set))
	for d := range set {
		deps = append(deps, d)
	}
	sort.Strings(deps)
	return deps, nil
}

// topoOrder orders nodes so that every node comes after its dependencies.
// Ties are broken by logical ID, so the order is deterministic. deps may
// name nodes outside the set; those are ignored.
func topoOrder(nodes []string, deps map[string][]string) ([]string, error) {
	in := map[string]bool{}
	for _, n := range nodes {
		in[n] = true
	}
	indeg := map[string]int{}
	users := map[string][]string{}
	for _, n := range nodes {
		indeg[n] += 0
		for _, d := range deps[n] {
			if !in[d] {
				continue
			}
			indeg[n]++
			users[d] = append(users[d], n)
		}
	}
	var ready []string
	for _, n := range nodes {
		if indeg[n] == 0 {
			ready = append(ready, n)
		}
	}
	sort.Strings(ready)
	order := make([]string, 0, len(nodes))
	for len(ready) > 0 {
		n := ready[0]
		ready = ready[1:]
		order = append(order, n)
		for _, u := range users[n] {
			indeg[u]--
			if indeg[u] == 0 {
				i := sort.SearchStrings(ready, u)
				ready = append(ready, "")
				copy(ready[i+1:], ready[i:])
				ready[i] = u
			}
		}
	}
	if len(order) == len(nodes) {
		return order, nil
	}
	return nil, errorf("Resources", "circular dependency: %s", strings.Join(findCycle(nodes, deps, indeg), " -> "))
}

// findCycle returns one dependency cycle among the nodes left with a
// positive in-degree, as a path that starts and ends with the same node.
func findCycle(nodes []string, deps map[string][]string, indeg map[string]int) []string {
	left := map[string]bool{}
	var start []string
	for _, n := range nodes {
		if indeg[n] > 0 {
			left[n] = true
			start = append(start, n)
		}
	}
	sort.Strings(start)
	state := map[string]int{} // 1 = on stack, 2 = done
	var stack []string
	var cycle []string
	var dfs func(n string) bool
	dfs = func(n string) bool {
		state[n] = 1
		stack = append(stack, n)
		ds := append([]string(nil), deps[n]...)
		sort.Strings(ds)
		for _, d := range ds {
			if !left[d] {
				continue
			}
			if state[d] == 1 {
				for i, s := range stack {
					if s == d {
						cycle = append(append([]string{}, stack[i:]...), d)
						return true
					}
				}
			}
			if state[d] == 0 && dfs(d) {
				return true
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = 2
		return false
	}
	for _, n := range start {
		if state[n] == 0 && dfs(n) {
			return cycle
		}
	}
	return start
}
