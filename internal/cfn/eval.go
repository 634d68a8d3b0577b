package cfn

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// pseudoParams are the pseudo parameters Ref accepts, besides AWS::NoValue.
var pseudoParams = []string{
	"AWS::AccountId", "AWS::NotificationARNs", "AWS::Partition", "AWS::Region",
	"AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
}

// resClass says whether a logical ID is created by this stack.
type resClass int

const (
	resActive   resClass = iota // created and managed
	resSkipped                  // unsupported type or CDK boilerplate
	resInactive                 // its Condition is false
)

// env holds what evaluation needs besides resource values: the template,
// resolved parameters, pseudo parameters, conditions and the classification
// of every resource.
type env struct {
	t        *Template
	params   map[string]any
	pseudo   map[string]any
	conds    map[string]bool
	visiting map[string]bool
	class    map[string]resClass
	reason   map[string]string   // why a resource is skipped or inactive
	infos    map[string]TypeInfo // by logical ID, for registered types
	hasInfo  map[string]bool
}

// resVal is what Ref and Fn::GetAtt of a resource yield.
type resVal struct {
	ref          any // physical ID string, or *unknown
	attrs        map[string]any
	attrsUnknown bool
}

// evaluator resolves intrinsic functions.
type evaluator struct {
	env         *env
	res         func(id string) *resVal // nil: resources may not be referenced
	inCondition bool
}

// condition evaluates (once) the named condition.
func (e *env) condition(path, name string) (bool, error) {
	if v, ok := e.conds[name]; ok {
		return v, nil
	}
	expr, ok := e.t.Conditions[name]
	if !ok {
		return false, errorf(path, "unknown condition %q", name)
	}
	cpath := "Conditions." + name
	if e.visiting[name] {
		return false, errorf(cpath, "circular condition reference")
	}
	e.visiting[name] = true
	defer delete(e.visiting, name)
	ev := &evaluator{env: e, inCondition: true}
	v, err := ev.eval(cpath, expr)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, errorf(cpath, "a condition must evaluate to true or false (use Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition), got %s", kindOf(v))
	}
	e.conds[name] = b
	return b, nil
}

// intrinsicOf reports whether m is an intrinsic function call: an object
// with a single key that is Ref, Fn::<Name>, or (in conditions) Condition.
func intrinsicOf(m map[string]any, inCondition bool) (string, any, bool) {
	if len(m) != 1 {
		return "", nil, false
	}
	for k, v := range m {
		if k == "Ref" || strings.HasPrefix(k, "Fn::") || (inCondition && k == "Condition") {
			return k, v, true
		}
	}
	return "", nil, false
}

var conditionFns = map[string]bool{"Fn::Equals": true, "Fn::And": true, "Fn::Or": true, "Fn::Not": true, "Condition": true}

var supportedFns = map[string]bool{
	"Ref": true, "Fn::GetAtt": true, "Fn::Sub": true, "Fn::Join": true, "Fn::Select": true,
	"Fn::Split": true, "Fn::If": true, "Fn::Base64": true, "Fn::FindInMap": true,
}

// checkFunction refuses functions idpool does not implement, with the
// reason, and condition functions outside the Conditions section.
func checkFunction(path, fn string, inCondition bool) error {
	if supportedFns[fn] {
		return nil
	}
	if conditionFns[fn] {
		if inCondition {
			return nil
		}
		return errorf(path, "%s can only be used in the Conditions section (use Fn::If with a condition name here)", fn)
	}
	switch fn {
	case "Fn::GetAZs":
		return unsupportedf(path, "Fn::GetAZs is not supported: idpool has no availability zones")
	case "Fn::ImportValue":
		return unsupportedf(path, "Fn::ImportValue is not supported: idpool has no cross-stack exports to import; pass the value as a parameter instead")
	case "Fn::Transform":
		return unsupportedf(path, "Fn::Transform is not supported: idpool does not run CloudFormation macros")
	case "Fn::Cidr":
		return unsupportedf(path, "Fn::Cidr is not supported: idpool has no network resources")
	case "Fn::Length", "Fn::ToJsonString":
		return unsupportedf(path, "%s is not supported: it needs the AWS::LanguageExtensions transform, which idpool does not run", fn)
	case "Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn", "Fn::RefAll", "Fn::ValueOf", "Fn::ValueOfAll":
		return unsupportedf(path, "%s is a rule function, valid only in Rules, which idpool does not support", fn)
	}
	if strings.HasPrefix(fn, "Fn::ForEach") {
		return unsupportedf(path, "%s is not supported: it needs the AWS::LanguageExtensions transform, which idpool does not run", fn)
	}
	return errorf(path, "unknown intrinsic function %q", fn)
}

// eval resolves every intrinsic function in v. path locates v in the
// template, for error messages. AWS::NoValue removes the enclosing map entry
// or list element; at the top level it is returned as noValue{}.
func (ev *evaluator) eval(path string, v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if fn, arg, ok := intrinsicOf(x, ev.inCondition); ok {
			return ev.call(path, fn, arg)
		}
		out := make(map[string]any, len(x))
		for _, k := range sortedKeys(x) {
			r, err := ev.eval(joinPath(path, k), x[k])
			if err != nil {
				return nil, err
			}
			if isNoValue(r) {
				continue
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for i, e := range x {
			r, err := ev.eval(fmt.Sprintf("%s[%d]", path, i), e)
			if err != nil {
				return nil, err
			}
			if isNoValue(r) {
				continue
			}
			out = append(out, r)
		}
		return out, nil
	}
	return v, nil
}

func (ev *evaluator) call(path, fn string, arg any) (any, error) {
	if err := checkFunction(path, fn, ev.inCondition); err != nil {
		return nil, err
	}
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, errorf(path, "Ref: the argument must be a literal parameter or resource name, not %s", kindOf(arg))
		}
		return ev.ref(path, "Ref", name)
	case "Fn::GetAtt":
		return ev.getAtt(path, arg)
	case "Fn::Sub":
		return ev.sub(path, arg)
	case "Fn::Join":
		return ev.join(path, arg)
	case "Fn::Select":
		return ev.selectFn(path, arg)
	case "Fn::Split":
		return ev.split(path, arg)
	case "Fn::If":
		return ev.ifFn(path, arg)
	case "Fn::Base64":
		v, err := ev.eval(path, arg)
		if err != nil {
			return nil, err
		}
		if isUnknown(v) {
			return v, nil
		}
		s, ok := scalarString(v)
		if !ok {
			return nil, errorf(path, "Fn::Base64: the argument must be a string, not %s", kindOf(v))
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::FindInMap":
		return ev.findInMap(path, arg)
	case "Fn::Equals":
		l, ok := arg.([]any)
		if !ok || len(l) != 2 {
			return nil, errorf(path, "Fn::Equals: expected a list of two values")
		}
		a, err := ev.eval(path, l[0])
		if err != nil {
			return nil, err
		}
		b, err := ev.eval(path, l[1])
		if err != nil {
			return nil, err
		}
		return looseEqual(a, b), nil
	case "Fn::And", "Fn::Or":
		l, ok := arg.([]any)
		if !ok || len(l) < 2 || len(l) > 10 {
			return nil, errorf(path, "%s: expected a list of 2 to 10 conditions", fn)
		}
		result := fn == "Fn::And"
		for i, e := range l {
			b, err := ev.condValue(fmt.Sprintf("%s[%d]", path, i), fn, e)
			if err != nil {
				return nil, err
			}
			if fn == "Fn::And" {
				result = result && b
			} else {
				result = result || b
			}
		}
		return result, nil
	case "Fn::Not":
		l, ok := arg.([]any)
		if !ok || len(l) != 1 {
			return nil, errorf(path, "Fn::Not: expected a list of one condition")
		}
		b, err := ev.condValue(path, fn, l[0])
		if err != nil {
			return nil, err
		}
		return !b, nil
	case "Condition":
		name, ok := arg.(string)
		if !ok {
			return nil, errorf(path, "Condition: expected a condition name, not %s", kindOf(arg))
		}
		return ev.env.condition(path, name)
	}
	return nil, errorf(path, "unknown intrinsic function %q", fn)
}

func (ev *evaluator) condValue(path, fn string, e any) (bool, error) {
	v, err := ev.eval(path, e)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		if s, isStr := v.(string); isStr {
			if pb, err := strconv.ParseBool(s); err == nil {
				return pb, nil
			}
		}
		return false, errorf(path, "%s: expected a condition (Fn::Equals, Condition, ...), got %s", fn, kindOf(v))
	}
	return b, nil
}

// ref resolves a name as Ref does: pseudo parameter, parameter, resource.
func (ev *evaluator) ref(path, fn, name string) (any, error) {
	if strings.HasPrefix(name, "AWS::") {
		if name == "AWS::NoValue" {
			return noValue{}, nil
		}
		v, ok := ev.env.pseudo[name]
		if !ok {
			return nil, errorf(path, "%s: unknown pseudo parameter %q", fn, name)
		}
		return deepCopy(v), nil
	}
	if v, ok := ev.env.params[name]; ok {
		return deepCopy(v), nil
	}
	if reason, ok := ev.env.t.skippedParams[name]; ok {
		return nil, errorf(path, "%s: parameter %q is skipped (%s)", fn, name, reason)
	}
	rv, err := ev.resource(path, fn, name)
	if err != nil {
		return nil, err
	}
	return rv.ref, nil
}

// resource returns the value of a created resource, or an error naming why
// it cannot be referenced.
func (ev *evaluator) resource(path, fn, id string) (*resVal, error) {
	r, ok := ev.env.t.Resources[id]
	if !ok {
		if fn == "Fn::GetAtt" {
			return nil, errorf(path, "%s: unknown resource %q", fn, id)
		}
		return nil, errorf(path, "%s: unknown parameter or resource %q", fn, id)
	}
	if ev.res == nil {
		return nil, errorf(path, "%s: conditions cannot refer to resources (%q)", fn, id)
	}
	switch ev.env.class[id] {
	case resSkipped:
		return nil, errorf(path, "%s: resource %q (%s) is skipped: %s", fn, id, r.Type, ev.env.reason[id])
	case resInactive:
		return nil, errorf(path, "%s: resource %q is not created because its condition %q is false; refer to it inside an Fn::If on that condition", fn, id, r.Condition)
	}
	rv := ev.res(id)
	if rv == nil {
		return nil, errorf(path, "%s: resource %q is not resolved yet (internal dependency-order error)", fn, id)
	}
	return rv, nil
}

// parseGetAtt splits the two forms of Fn::GetAtt. attr is nil when the
// attribute name is itself an intrinsic function (attrExpr).
func parseGetAtt(path string, arg any) (id string, attr string, attrExpr any, err error) {
	switch a := arg.(type) {
	case string:
		id, attr, ok := strings.Cut(a, ".")
		if !ok || id == "" || attr == "" {
			return "", "", nil, errorf(path, "Fn::GetAtt: expected \"LogicalID.Attribute\", got %q", a)
		}
		return id, attr, nil, nil
	case []any:
		if len(a) != 2 {
			return "", "", nil, errorf(path, "Fn::GetAtt: expected [LogicalID, Attribute]")
		}
		id, ok := a[0].(string)
		if !ok || id == "" {
			return "", "", nil, errorf(path, "Fn::GetAtt: the logical ID must be a literal string, not %s", kindOf(a[0]))
		}
		switch at := a[1].(type) {
		case string:
			if at == "" {
				return "", "", nil, errorf(path, "Fn::GetAtt: empty attribute name")
			}
			return id, at, nil, nil
		case map[string]any:
			if fn, _, ok := intrinsicOf(at, false); ok && fn == "Ref" {
				return id, "", at, nil
			}
		}
		return "", "", nil, errorf(path, "Fn::GetAtt: the attribute name must be a string or a Ref to a parameter, not %s", kindOf(a[1]))
	}
	return "", "", nil, errorf(path, "Fn::GetAtt: expected [LogicalID, Attribute] or \"LogicalID.Attribute\", not %s", kindOf(arg))
}

func (ev *evaluator) getAtt(path string, arg any) (any, error) {
	id, attr, attrExpr, err := parseGetAtt(path, arg)
	if err != nil {
		return nil, err
	}
	if attrExpr != nil {
		v, err := ev.eval(path, attrExpr)
		if err != nil {
			return nil, err
		}
		s, ok := v.(string)
		if !ok {
			return nil, errorf(path, "Fn::GetAtt: the attribute name must resolve to a string, not %s", kindOf(v))
		}
		attr = s
	}
	return ev.attrValue(path, "Fn::GetAtt", id, attr)
}

func (ev *evaluator) attrValue(path, fn, id, attr string) (any, error) {
	rv, err := ev.resource(path, fn, id)
	if err != nil {
		return nil, err
	}
	if err := ev.env.checkAttr(path, fn, id, attr); err != nil {
		return nil, err
	}
	if rv.attrsUnknown {
		return &unknown{what: id + "." + attr}, nil
	}
	v, ok := rv.attrs[attr]
	if !ok {
		return nil, errorf(path, "%s: resource %q has no attribute %q (its provider did not return it)", fn, id, attr)
	}
	return deepCopy(v), nil
}

// checkAttr validates an attribute name against the type's schema.
func (e *env) checkAttr(path, fn, id, attr string) error {
	if !e.hasInfo[id] {
		return nil
	}
	info := e.infos[id]
	if info.HasAttribute(attr) {
		return nil
	}
	if len(info.Attributes) == 0 {
		return errorf(path, "%s: unknown attribute %q of resource %q (%s has no attributes; use Ref)", fn, attr, id, info.TypeName)
	}
	return errorf(path, "%s: unknown attribute %q of resource %q (%s has %s)", fn, attr, id, info.TypeName, strings.Join(info.Attributes, ", "))
}

// subPart is a piece of an Fn::Sub template: literal text or a ${name}.
type subPart struct {
	lit   string
	name  string
	isVar bool
}

// parseSub splits an Fn::Sub string. ${!Literal} yields the text
// "${Literal}".
func parseSub(s string) ([]subPart, error) {
	var parts []subPart
	var lit strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			lit.WriteString(s)
			break
		}
		lit.WriteString(s[:i])
		s = s[i+2:]
		if strings.HasPrefix(s, "!") {
			lit.WriteString("${")
			s = s[1:]
			continue
		}
		j := strings.IndexByte(s, '}')
		if j < 0 {
			return nil, fmt.Errorf("unterminated \"${\" (write \"${!\" for a literal \"${\")")
		}
		name := strings.TrimSpace(s[:j])
		if name == "" {
			return nil, fmt.Errorf("empty variable \"${}\"")
		}
		if lit.Len() > 0 {
			parts = append(parts, subPart{lit: lit.String()})
			lit.Reset()
		}
		parts = append(parts, subPart{name: name, isVar: true})
		s = s[j+1:]
	}
	if lit.Len() > 0 {
		parts = append(parts, subPart{lit: lit.String()})
	}
	return parts, nil
}

// subArgs splits the two forms of Fn::Sub.
func subArgs(path string, arg any) (string, map[string]any, error) {
	switch a := arg.(type) {
	case string:
		return a, nil, nil
	case []any:
		if len(a) != 2 {
			return "", nil, errorf(path, "Fn::Sub: expected a string or [string, {variables}]")
		}
		s, ok := a[0].(string)
		if !ok {
			return "", nil, errorf(path, "Fn::Sub: the template must be a literal string, not %s", kindOf(a[0]))
		}
		vars, ok := a[1].(map[string]any)
		if !ok {
			return "", nil, errorf(path, "Fn::Sub: the variables must be an object, not %s", kindOf(a[1]))
		}
		return s, vars, nil
	}
	return "", nil, errorf(path, "Fn::Sub: expected a string or [string, {variables}], not %s", kindOf(arg))
}

// subRef classifies a ${name} of Fn::Sub that is not a local variable:
// "Res.Attr" is an attribute, anything else a Ref.
func subRef(name string) (id, attr string, isAttr bool) {
	if strings.HasPrefix(name, "AWS::") {
		return name, "", false
	}
	id, attr, isAttr = strings.Cut(name, ".")
	if !isAttr {
		return name, "", false
	}
	return id, attr, true
}

func (ev *evaluator) sub(path string, arg any) (any, error) {
	tmpl, rawVars, err := subArgs(path, arg)
	if err != nil {
		return nil, err
	}
	parts, err := parseSub(tmpl)
	if err != nil {
		return nil, errorf(path, "Fn::Sub: %v", err)
	}
	vars := make(map[string]any, len(rawVars))
	for _, k := range sortedKeys(rawVars) {
		v, err := ev.eval(path, rawVars[k])
		if err != nil {
			return nil, err
		}
		vars[k] = v
	}
	var b strings.Builder
	var unk *unknown
	for _, p := range parts {
		if !p.isVar {
			b.WriteString(p.lit)
			continue
		}
		v, ok := vars[p.name]
		if !ok {
			id, attr, isAttr := subRef(p.name)
			if isAttr {
				v, err = ev.attrValue(path, "Fn::Sub", id, attr)
			} else {
				v, err = ev.ref(path, "Fn::Sub", id)
			}
			if err != nil {
				return nil, err
			}
		}
		if u, ok := v.(*unknown); ok {
			if unk == nil {
				unk = u
			}
			continue
		}
		s, ok := scalarString(v)
		if !ok {
			return nil, errorf(path, "Fn::Sub: ${%s} resolves to %s, not a string", p.name, kindOf(v))
		}
		b.WriteString(s)
	}
	if unk != nil {
		return &unknown{what: "Fn::Sub of " + unk.what}, nil
	}
	return b.String(), nil
}

func (ev *evaluator) join(path string, arg any) (any, error) {
	l, ok := arg.([]any)
	if !ok || len(l) != 2 {
		return nil, errorf(path, "Fn::Join: expected [delimiter, [values]]")
	}
	delim, ok := l[0].(string)
	if !ok {
		return nil, errorf(path, "Fn::Join: the delimiter must be a literal string, not %s", kindOf(l[0]))
	}
	v, err := ev.eval(path, l[1])
	if err != nil {
		return nil, err
	}
	if isUnknown(v) {
		return v, nil
	}
	items, ok := v.([]any)
	if !ok {
		return nil, errorf(path, "Fn::Join: the values must be a list, not %s", kindOf(v))
	}
	parts := make([]string, 0, len(items))
	for i, e := range items {
		if u, ok := e.(*unknown); ok {
			return &unknown{what: "Fn::Join of " + u.what}, nil
		}
		s, ok := scalarString(e)
		if !ok {
			return nil, errorf(path, "Fn::Join: element %d is %s, not a string", i, kindOf(e))
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, delim), nil
}

func (ev *evaluator) selectFn(path string, arg any) (any, error) {
	l, ok := arg.([]any)
	if !ok || len(l) != 2 {
		return nil, errorf(path, "Fn::Select: expected [index, [values]]")
	}
	iv, err := ev.eval(path, l[0])
	if err != nil {
		return nil, err
	}
	if isUnknown(iv) {
		return iv, nil
	}
	is, ok := scalarString(iv)
	idx, perr := strconv.Atoi(is)
	if !ok || perr != nil {
		return nil, errorf(path, "Fn::Select: the index must be an integer, not %v", iv)
	}
	v, err := ev.eval(path, l[1])
	if err != nil {
		return nil, err
	}
	if isUnknown(v) {
		return v, nil
	}
	items, ok := v.([]any)
	if !ok {
		return nil, errorf(path, "Fn::Select: the values must be a list, not %s", kindOf(v))
	}
	if idx < 0 || idx >= len(items) {
		return nil, errorf(path, "Fn::Select: index %d is out of range for a list of %d", idx, len(items))
	}
	return items[idx], nil
}

func (ev *evaluator) split(path string, arg any) (any, error) {
	l, ok := arg.([]any)
	if !ok || len(l) != 2 {
		return nil, errorf(path, "Fn::Split: expected [delimiter, string]")
	}
	delim, ok := l[0].(string)
	if !ok || delim == "" {
		return nil, errorf(path, "Fn::Split: the delimiter must be a non-empty literal string")
	}
	v, err := ev.eval(path, l[1])
	if err != nil {
		return nil, err
	}
	if isUnknown(v) {
		return v, nil
	}
	s, ok := scalarString(v)
	if !ok {
		return nil, errorf(path, "Fn::Split: the source must be a string, not %s", kindOf(v))
	}
	parts := strings.Split(s, delim)
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func ifArgs(path string, arg any) (string, any, any, error) {
	l, ok := arg.([]any)
	if !ok || len(l) != 3 {
		return "", nil, nil, errorf(path, "Fn::If: expected [condition name, value if true, value if false]")
	}
	name, ok := l[0].(string)
	if !ok {
		return "", nil, nil, errorf(path, "Fn::If: the condition must be a condition name, not %s", kindOf(l[0]))
	}
	return name, l[1], l[2], nil
}

func (ev *evaluator) ifFn(path string, arg any) (any, error) {
	name, a, b, err := ifArgs(path, arg)
	if err != nil {
		return nil, err
	}
	if _, ok := ev.env.t.Conditions[name]; !ok {
		return nil, errorf(path, "Fn::If: unknown condition %q", name)
	}
	c, err := ev.env.condition(path, name)
	if err != nil {
		return nil, err
	}
	if c {
		return ev.eval(path, a)
	}
	return ev.eval(path, b)
}

func (ev *evaluator) findInMap(path string, arg any) (any, error) {
	l, ok := arg.([]any)
	if !ok || len(l) != 3 {
		if ok && len(l) == 4 {
			return nil, unsupportedf(path, "Fn::FindInMap with a default value needs the AWS::LanguageExtensions transform, which idpool does not run")
		}
		return nil, errorf(path, "Fn::FindInMap: expected [MapName, TopLevelKey, SecondLevelKey]")
	}
	keys := make([]string, 3)
	for i, e := range l {
		v, err := ev.eval(path, e)
		if err != nil {
			return nil, err
		}
		if isUnknown(v) {
			return v, nil
		}
		s, ok := scalarString(v)
		if !ok {
			return nil, errorf(path, "Fn::FindInMap: key %d must be a string, not %s", i, kindOf(v))
		}
		keys[i] = s
	}
	m, ok := ev.env.t.Mappings[keys[0]]
	if !ok {
		return nil, errorf(path, "Fn::FindInMap: unknown mapping %q", keys[0])
	}
	top, ok := m[keys[1]]
	if !ok {
		return nil, errorf(path, "Fn::FindInMap: mapping %q has no key %q", keys[0], keys[1])
	}
	v, ok := top[keys[2]]
	if !ok {
		return nil, errorf(path, "Fn::FindInMap: mapping %q has no key %q under %q", keys[0], keys[2], keys[1])
	}
	return deepCopy(v), nil
}
