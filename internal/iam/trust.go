package iam

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Actions STS checks against a role's trust policy for a web identity.
const (
	ActionAssumeRoleWithWebIdentity = "sts:AssumeRoleWithWebIdentity"
	ActionTagSession                = "sts:TagSession"
)

// TrustPrincipal is who asks to assume the role.
type TrustPrincipal struct {
	// Federated is the web identity provider: "cognito-identity.amazonaws.com"
	// for Cognito tokens, or an OIDC provider's ARN (or host/path).
	Federated string
}

// TrustRequest is one request to assume a role, as a trust policy sees it.
type TrustRequest struct {
	// Actions must all be allowed: sts:AssumeRoleWithWebIdentity, plus
	// sts:TagSession when session tags are passed (WebIdentityActions).
	Actions   []string
	Principal TrustPrincipal
	// Context holds the condition keys and their values, e.g.
	// "cognito-identity.amazonaws.com:aud" → [pool ID],
	// "cognito-identity.amazonaws.com:amr" → ["authenticated", "graph.facebook.com", …],
	// "cognito-identity.amazonaws.com:sub", "aws:FederatedProvider",
	// "aws:RequestTag/<key>". Keys are matched case-insensitively.
	Context map[string][]string
}

// WebIdentityActions returns the actions of an AssumeRoleWithWebIdentity:
// sts:AssumeRoleWithWebIdentity, and sts:TagSession when tags are passed.
func WebIdentityActions(withTags bool) []string {
	if withTags {
		return []string{ActionAssumeRoleWithWebIdentity, ActionTagSession}
	}
	return []string{ActionAssumeRoleWithWebIdentity}
}

// EvaluateTrust decides whether a trust policy lets req assume the role,
// the way IAM evaluates a role's trust policy for STS:
//
//   - Statement may be one object or a list. A statement applies to an
//     action when its Principal (or NotPrincipal) covers req.Principal, its
//     Action (or NotAction) covers the action (wildcards * and ?, case
//     insensitive: "sts:*", "*"), and all its conditions hold.
//   - Principal "*" and {"AWS":"*"} cover everyone; {"Federated": s or [s…]}
//     covers a federated principal equal to one of the values.
//   - Conditions: every operator and every key must hold (AND); the values
//     listed for one key are alternatives (OR). Operators: StringEquals,
//     StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase,
//     StringLike, StringNotLike (globs * and ?), Bool, Null, Numeric*,
//     Date*, Arn* (compared as strings), each with the ForAnyValue: or
//     ForAllValues: qualifier and the IfExists suffix. Condition keys are
//     case insensitive, values case sensitive (except *IgnoreCase, Bool).
//     A key absent from the context fails a positive operator and satisfies
//     a negated one, an IfExists operator and ForAllValues. Policy
//     variables ${key} in values are replaced from the context.
//   - Every action in req.Actions must be allowed by some Allow statement
//     and denied by no Deny statement: an explicit Deny wins. An operator
//     idpool cannot evaluate (IpAddress, BinaryEquals) fails an Allow and
//     makes a Deny apply.
//
// reason says why, for a log line: the statement that allowed, the Deny
// that applied, or the conditions that failed, e.g. "statement 0:
// condition StringEquals cognito-identity.amazonaws.com:aud = us-east-1:a…
// did not match us-east-1:b…". A document that does not parse is never
// allowed. EvaluateTrust does no I/O and keeps no state.
func EvaluateTrust(policyJSON string, req TrustRequest) (allowed bool, reason string) {
	p, err := parseCached(policyJSON)
	if err != nil {
		return false, "malformed trust policy: " + err.Message
	}
	if len(req.Actions) == 0 {
		return false, "no action requested"
	}
	ctx := make(map[string][]string, len(req.Context))
	for k, v := range req.Context {
		lk := strings.ToLower(k)
		ctx[lk] = append(ctx[lk], v...)
	}
	var allowedBy []string
	for _, action := range req.Actions {
		// Failures are kept as statements and described only on a denial.
		var condFails []string
		var actionFails, principalFails []*statement
		var by *statement
		for i := range p.Statements {
			st := &p.Statements[i]
			if !st.coversPrincipal(req.Principal) {
				principalFails = append(principalFails, st)
				continue
			}
			if !st.coversAction(action) {
				actionFails = append(actionFails, st)
				continue
			}
			ok, why := st.conditionsHold(ctx, st.Effect == "Deny")
			if st.Effect == "Deny" {
				if ok {
					return false, fmt.Sprintf("%s: explicit Deny of %s", st.label(), action)
				}
				continue
			}
			if ok {
				if by == nil {
					by = st
				}
				continue
			}
			condFails = append(condFails, st.label()+": "+why)
		}
		if by == nil {
			var reasons []string
			switch {
			case len(condFails) > 0:
				reasons = condFails
			case len(actionFails) > 0:
				for _, st := range actionFails {
					reasons = append(reasons, fmt.Sprintf("%s: action %s is not allowed", st.label(), action))
				}
			case len(principalFails) > 0:
				for _, st := range principalFails {
					reasons = append(reasons, fmt.Sprintf("%s: principal does not match Federated %s", st.label(), req.Principal.Federated))
				}
			default:
				return false, "no statement allows " + action
			}
			return false, strings.Join(reasons, "; ")
		}
		allowedBy = append(allowedBy, action+" allowed by "+by.label())
	}
	return true, strings.Join(allowedBy, "; ")
}

// parsed caches parsed trust policies by their text: a pool has a few
// roles and their policies change rarely, while EvaluateTrust runs on every
// credentials request. The cache is emptied when it grows past
// maxParsed entries; parsed policies are never modified.
var (
	parsed      sync.Map // string → parseResult
	parsedCount atomic.Int64
)

const maxParsed = 4096

type parseResult struct {
	p   *policy
	err *Error
}

func parseCached(doc string) (*policy, *Error) {
	if r, ok := parsed.Load(doc); ok {
		pr := r.(parseResult)
		return pr.p, pr.err
	}
	p, err := parsePolicy(normalizeDocument(doc))
	pr := parseResult{p: p}
	if err != nil {
		pr.err = err.(*Error)
	}
	if parsedCount.Add(1) > maxParsed {
		parsed.Clear()
		parsedCount.Store(1)
	}
	parsed.Store(doc, pr)
	return pr.p, pr.err
}

func (st *statement) label() string {
	if st.Sid != "" {
		return fmt.Sprintf("statement %d (%s)", st.Index, st.Sid)
	}
	return fmt.Sprintf("statement %d", st.Index)
}

func (st *statement) coversPrincipal(p TrustPrincipal) bool {
	if st.Principal != nil {
		return st.Principal.covers(p)
	}
	if st.NotPrincipal != nil {
		return !st.NotPrincipal.covers(p)
	}
	return false
}

func (ps *principals) covers(p TrustPrincipal) bool {
	if ps.Star {
		return true
	}
	for _, v := range ps.ByType["AWS"] {
		if v == "*" {
			return true
		}
	}
	if p.Federated == "" {
		return false
	}
	for _, v := range ps.ByType["Federated"] {
		if v == "*" || strings.EqualFold(v, p.Federated) {
			return true
		}
	}
	return false
}

func (st *statement) coversAction(action string) bool {
	la := strings.ToLower(action)
	match := func(list []string) bool {
		for _, a := range list {
			if glob(strings.ToLower(a), la) {
				return true
			}
		}
		return false
	}
	if st.HasAction {
		return match(st.Action)
	}
	if st.HasNotAction {
		return !match(st.NotAction)
	}
	return false
}

// conditionsHold evaluates every condition; the first that fails is
// described. For a Deny statement an operator that cannot be evaluated
// counts as holding.
func (st *statement) conditionsHold(ctx map[string][]string, deny bool) (bool, string) {
	for _, c := range st.Conditions {
		ok, supported := c.holds(ctx)
		if !supported {
			if deny {
				continue
			}
			return false, fmt.Sprintf("condition %s %s: operator not supported by idpool", c.Operator, c.Key)
		}
		if !ok {
			return false, fmt.Sprintf("condition %s %s = %s did not match %s", c.Operator, c.Key,
				renderValues(c.Values, "(none)"), renderValues(ctx[strings.ToLower(c.Key)], "(absent)"))
		}
	}
	return true, ""
}

func renderValues(v []string, empty string) string {
	switch len(v) {
	case 0:
		return empty
	case 1:
		return v[0]
	}
	return "[" + strings.Join(v, ", ") + "]"
}

// splitOperator splits "ForAnyValue:StringLikeIfExists" into its qualifier,
// base operator and IfExists flag; known reports whether the base
// operator is one IAM defines.
func splitOperator(op string) (qualifier, base string, ifExists, known bool) {
	base = op
	if q, rest, ok := strings.Cut(op, ":"); ok {
		switch strings.ToLower(q) {
		case "foranyvalue":
			qualifier = "ForAnyValue"
		case "forallvalues":
			qualifier = "ForAllValues"
		default:
			return "", op, false, false
		}
		base = rest
	}
	if len(base) > len("IfExists") && strings.EqualFold(base[len(base)-len("IfExists"):], "IfExists") {
		base, ifExists = base[:len(base)-len("IfExists")], true
	}
	_, known = operators[strings.ToLower(base)]
	return qualifier, base, ifExists, known
}

// operator describes a base condition operator: its positive form and
// whether it is the negation of that form.
type operator struct {
	match   func(req, pol string) (bool, bool) // (matches, supported)
	negated bool
}

var operators = map[string]operator{
	"stringequals":              {match: strEq, negated: false},
	"stringnotequals":           {match: strEq, negated: true},
	"stringequalsignorecase":    {match: strEqFold, negated: false},
	"stringnotequalsignorecase": {match: strEqFold, negated: true},
	"stringlike":                {match: strLike, negated: false},
	"stringnotlike":             {match: strLike, negated: true},
	"arnequals":                 {match: strLike, negated: false},
	"arnlike":                   {match: strLike, negated: false},
	"arnnotequals":              {match: strLike, negated: true},
	"arnnotlike":                {match: strLike, negated: true},
	"bool":                      {match: strEqFold, negated: false},
	"numericequals":             {match: numeric(func(a, b float64) bool { return a == b })},
	"numericnotequals":          {match: numeric(func(a, b float64) bool { return a == b }), negated: true},
	"numericlessthan":           {match: numeric(func(a, b float64) bool { return a < b })},
	"numericlessthanequals":     {match: numeric(func(a, b float64) bool { return a <= b })},
	"numericgreaterthan":        {match: numeric(func(a, b float64) bool { return a > b })},
	"numericgreaterthanequals":  {match: numeric(func(a, b float64) bool { return a >= b })},
	"dateequals":                {match: date(func(a, b time.Time) bool { return a.Equal(b) })},
	"datenotequals":             {match: date(func(a, b time.Time) bool { return a.Equal(b) }), negated: true},
	"datelessthan":              {match: date(func(a, b time.Time) bool { return a.Before(b) })},
	"datelessthanequals":        {match: date(func(a, b time.Time) bool { return !a.After(b) })},
	"dategreaterthan":           {match: date(func(a, b time.Time) bool { return a.After(b) })},
	"dategreaterthanequals":     {match: date(func(a, b time.Time) bool { return !a.Before(b) })},
	"null":                      {},
	"ipaddress":                 {match: unsupported},
	"notipaddress":              {match: unsupported, negated: true},
	"binaryequals":              {match: unsupported},
}

func strEq(req, pol string) (bool, bool)     { return req == pol, true }
func strEqFold(req, pol string) (bool, bool) { return strings.EqualFold(req, pol), true }
func strLike(req, pol string) (bool, bool)   { return glob(pol, req), true }
func unsupported(string, string) (bool, bool) {
	return false, false
}

func numeric(cmp func(a, b float64) bool) func(req, pol string) (bool, bool) {
	return func(req, pol string) (bool, bool) {
		a, err1 := strconv.ParseFloat(req, 64)
		b, err2 := strconv.ParseFloat(pol, 64)
		return err1 == nil && err2 == nil && cmp(a, b), true
	}
}

func parseDate(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	return time.Time{}, false
}

func date(cmp func(a, b time.Time) bool) func(req, pol string) (bool, bool) {
	return func(req, pol string) (bool, bool) {
		a, ok1 := parseDate(req)
		b, ok2 := parseDate(pol)
		return ok1 && ok2 && cmp(a, b), true
	}
}

// holds evaluates one condition against the context. supported is false
// for an operator idpool does not evaluate.
func (c condition) holds(ctx map[string][]string) (ok, supported bool) {
	qualifier, base, ifExists, known := splitOperator(c.Operator)
	if !known {
		return false, false
	}
	reqVals := ctx[strings.ToLower(c.Key)]
	present := len(reqVals) > 0
	if strings.EqualFold(base, "Null") {
		for _, v := range c.Values {
			if strings.EqualFold(v, "true") && !present || strings.EqualFold(v, "false") && present {
				return true, true
			}
		}
		return false, true
	}
	op := operators[strings.ToLower(base)]
	if !present {
		switch {
		case ifExists, qualifier == "ForAllValues":
			return true, true
		case qualifier == "ForAnyValue":
			return false, true
		}
		return op.negated, true
	}
	polVals := make([]string, len(c.Values))
	for i, v := range c.Values {
		polVals[i] = substitute(v, ctx)
	}
	supported = true
	// matchOne: does one request value satisfy the positive form for any
	// of the policy values (OR)?
	matchOne := func(v string) bool {
		for _, p := range polVals {
			m, s := op.match(v, p)
			if !s {
				supported = false
			}
			if m {
				return true
			}
		}
		return false
	}
	switch qualifier {
	case "ForAnyValue":
		for _, v := range reqVals {
			if matchOne(v) != op.negated {
				return true, supported
			}
		}
		return false, supported
	case "ForAllValues":
		for _, v := range reqVals {
			if matchOne(v) == op.negated {
				return false, supported
			}
		}
		return true, supported
	}
	matched := false
	for _, v := range reqVals {
		if matchOne(v) {
			matched = true
			break
		}
	}
	return matched != op.negated, supported
}

// substitute replaces policy variables ${key} with the context's single
// value for key; unknown or multi-valued keys are left as written.
func substitute(v string, ctx map[string][]string) string {
	if !strings.Contains(v, "${") {
		return v
	}
	var b strings.Builder
	for {
		i := strings.Index(v, "${")
		if i < 0 {
			b.WriteString(v)
			return b.String()
		}
		j := strings.IndexByte(v[i:], '}')
		if j < 0 {
			b.WriteString(v)
			return b.String()
		}
		key := v[i+2 : i+j]
		b.WriteString(v[:i])
		if vals := ctx[strings.ToLower(key)]; len(vals) == 1 {
			b.WriteString(vals[0])
		} else {
			b.WriteString(v[i : i+j+1])
		}
		v = v[i+j+1:]
	}
}

// glob matches s against pattern, where * matches any run of characters
// (also none) and ? exactly one.
func glob(pattern, s string) bool {
	p, str := []rune(pattern), []rune(s)
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(str) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == str[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
