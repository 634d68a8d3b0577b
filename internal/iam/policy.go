package iam

import (
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// policy is a parsed IAM policy document.
type policy struct {
	Version    string
	Statements []statement
}

// statement is one parsed statement. The presence flags tell an absent
// element from an empty one.
type statement struct {
	Index  int
	Sid    string
	Effect string // "Allow" or "Deny"

	Principal, NotPrincipal     *principals
	Action, NotAction           []string
	HasAction, HasNotAction     bool
	HasResource, HasNotResource bool
	Conditions                  []condition
}

// principals is a Principal or NotPrincipal element: "*", or a map of
// principal type (AWS, Federated, Service, CanonicalUser) to values.
type principals struct {
	Star   bool
	ByType map[string][]string
}

// condition is one operator/key pair of a Condition block.
type condition struct {
	Operator string // as written, e.g. "ForAnyValue:StringLike"
	Key      string // as written, e.g. "cognito-identity.amazonaws.com:amr"
	Values   []string
}

var (
	statementElements = map[string]bool{
		"Sid": true, "Effect": true, "Principal": true, "NotPrincipal": true, "Action": true,
		"NotAction": true, "Resource": true, "NotResource": true, "Condition": true,
	}
	principalTypes = map[string]bool{"AWS": true, "Federated": true, "Service": true, "CanonicalUser": true}
)

// normalizeDocument accepts a policy document as plain JSON or URL-encoded
// JSON (as IAM returns them) and returns the JSON text.
func normalizeDocument(doc string) string {
	t := strings.TrimSpace(doc)
	if len(t) >= 3 && strings.EqualFold(t[:3], "%7B") {
		if d, err := url.QueryUnescape(t); err == nil {
			return d
		}
	}
	return doc
}

// parsePolicy parses a policy document. A document that is not JSON is
// MalformedPolicyDocument "This policy contains invalid Json"; one whose
// structure is not a policy's is "Syntax errors in policy.".
func parsePolicy(doc string) (*policy, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, malformed(msgInvalidJSON)
	}
	if _, err := dec.Token(); err == nil {
		return nil, malformed(msgInvalidJSON) // trailing data
	}
	obj, ok := root.(map[string]any)
	if !ok {
		return nil, malformed(msgSyntax)
	}
	p := &policy{}
	for k, v := range obj {
		switch k {
		case "Version":
			s, ok := v.(string)
			if !ok || (s != "2012-10-17" && s != "2008-10-17") {
				return nil, malformed(msgSyntax)
			}
			p.Version = s
		case "Id":
			if _, ok := v.(string); !ok {
				return nil, malformed(msgSyntax)
			}
		case "Statement":
		default:
			return nil, malformed(msgSyntax)
		}
	}
	var raw []any
	switch st := obj["Statement"].(type) {
	case map[string]any:
		raw = []any{st}
	case []any:
		raw = st
	default:
		return nil, malformed(msgSyntax)
	}
	if len(raw) == 0 {
		return nil, malformed(msgSyntax)
	}
	for i, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, malformed(msgSyntax)
		}
		st, err := parseStatement(i, m)
		if err != nil {
			return nil, err
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

func parseStatement(i int, m map[string]any) (statement, error) {
	st := statement{Index: i}
	for k := range m {
		if !statementElements[k] {
			return st, malformed(msgSyntax)
		}
	}
	syntax := malformed(msgSyntax)
	if sid, ok := m["Sid"]; ok {
		s, ok := sid.(string)
		if !ok {
			return st, syntax
		}
		st.Sid = s
	}
	eff, _ := m["Effect"].(string)
	if eff != "Allow" && eff != "Deny" {
		return st, syntax
	}
	st.Effect = eff
	var err error
	if v, ok := m["Action"]; ok {
		st.HasAction = true
		if st.Action, err = stringOrList(v); err != nil {
			return st, syntax
		}
	}
	if v, ok := m["NotAction"]; ok {
		st.HasNotAction = true
		if st.NotAction, err = stringOrList(v); err != nil {
			return st, syntax
		}
	}
	if st.HasAction && st.HasNotAction {
		return st, syntax
	}
	if v, ok := m["Resource"]; ok {
		st.HasResource = true
		if _, err := stringOrList(v); err != nil {
			return st, syntax
		}
	}
	if v, ok := m["NotResource"]; ok {
		st.HasNotResource = true
		if _, err := stringOrList(v); err != nil {
			return st, syntax
		}
	}
	if st.HasResource && st.HasNotResource {
		return st, syntax
	}
	if v, ok := m["Principal"]; ok {
		if st.Principal, err = parsePrincipals(v); err != nil {
			return st, err
		}
	}
	if v, ok := m["NotPrincipal"]; ok {
		if st.NotPrincipal, err = parsePrincipals(v); err != nil {
			return st, err
		}
	}
	if st.Principal != nil && st.NotPrincipal != nil {
		return st, syntax
	}
	if v, ok := m["Condition"]; ok {
		if st.Conditions, err = parseConditions(v); err != nil {
			return st, err
		}
	}
	return st, nil
}

func stringOrList(v any) ([]string, error) {
	switch t := v.(type) {
	case string:
		return []string{t}, nil
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, malformed(msgSyntax)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, malformed(msgSyntax)
}

func parsePrincipals(v any) (*principals, error) {
	if s, ok := v.(string); ok {
		if s != "*" {
			return nil, malformed(msgSyntax)
		}
		return &principals{Star: true}, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, malformed(msgSyntax)
	}
	p := &principals{ByType: map[string][]string{}}
	for k, e := range m {
		if !principalTypes[k] {
			return nil, malformed(msgSyntax)
		}
		vals, err := stringOrList(e)
		if err != nil {
			return nil, err
		}
		p.ByType[k] = vals
	}
	return p, nil
}

// parseConditions reads {"Operator": {"key": value-or-list}}; values may be
// strings, numbers or booleans and are kept as their text. The result is
// sorted by operator and key, so that evaluation and its reasons are
// deterministic.
func parseConditions(v any) ([]condition, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, malformed(msgSyntax)
	}
	var out []condition
	for op, body := range m {
		bm, ok := body.(map[string]any)
		if !ok {
			return nil, malformed(msgSyntax)
		}
		if _, _, _, known := splitOperator(op); !known && len(bm) > 0 {
			return nil, malformed(msgSyntax)
		}
		for key, val := range bm {
			vals, err := conditionValues(val)
			if err != nil {
				return nil, err
			}
			out = append(out, condition{Operator: op, Key: key, Values: vals})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Operator != out[j].Operator {
			return out[i].Operator < out[j].Operator
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

func conditionValues(v any) ([]string, error) {
	scalar := func(e any) (string, bool) {
		switch t := e.(type) {
		case string:
			return t, true
		case json.Number:
			return t.String(), true
		case bool:
			if t {
				return "true", true
			}
			return "false", true
		}
		return "", false
	}
	if l, ok := v.([]any); ok {
		out := make([]string, 0, len(l))
		for _, e := range l {
			s, ok := scalar(e)
			if !ok {
				return nil, malformed(msgSyntax)
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, ok := scalar(v)
	if !ok {
		return nil, malformed(msgSyntax)
	}
	return []string{s}, nil
}

// trustActions are the actions a trust policy may allow.
var trustActions = []string{
	"sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity",
	"sts:tagsession", "sts:setsourceidentity", "sts:setcontext",
}

var (
	federatedDomainRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$`)
	federatedARNRE    = regexp.MustCompile(`^arn:aws[\w-]*:iam::\d{12}:(saml-provider|oidc-provider)/\S+$`)
)

// validateTrustPolicy checks a role trust policy the way IAM does before it
// stores it, in this order: JSON, structure, no Resource/NotResource, a
// principal in every statement, actions present and all STS assume-role
// actions, Federated principals that are domain names or provider ARNs.
// Each failure is MalformedPolicyDocument with IAM's text.
func validateTrustPolicy(doc string) error {
	p, err := parsePolicy(doc)
	if err != nil {
		return err
	}
	for _, st := range p.Statements {
		if st.HasResource || st.HasNotResource {
			return malformed(msgProhibitedResource)
		}
	}
	for _, st := range p.Statements {
		if st.Principal == nil && st.NotPrincipal == nil {
			return malformed(msgNoPrincipal)
		}
	}
	for _, st := range p.Statements {
		if (!st.HasAction || len(st.Action) == 0) && (!st.HasNotAction || len(st.NotAction) == 0) {
			return malformed(msgNoActions)
		}
		for _, a := range st.Action {
			if !isTrustAction(a) {
				return malformed(msgTrustActions)
			}
		}
	}
	for _, st := range p.Statements {
		for _, ps := range []*principals{st.Principal, st.NotPrincipal} {
			if ps == nil {
				continue
			}
			for _, f := range ps.ByType["Federated"] {
				if !federatedDomainRE.MatchString(f) && !federatedARNRE.MatchString(f) {
					return malformed(msgFederated)
				}
			}
		}
	}
	return nil
}

// isTrustAction reports whether a (possibly wildcard) action names at least
// one STS assume-role action and nothing outside STS.
func isTrustAction(a string) bool {
	la := strings.ToLower(a)
	if la != "*" && !strings.HasPrefix(la, "sts:") {
		return false
	}
	for _, t := range trustActions {
		if glob(la, t) {
			return true
		}
	}
	return false
}

var vendorRE = regexp.MustCompile(`^[a-zA-Z0-9.-]+$`)

// validatePermissionPolicy checks an inline permission policy: JSON,
// structure, no principal, actions and resources in every statement, and
// actions of the form vendor:action (or "*").
func validatePermissionPolicy(doc string) error {
	p, err := parsePolicy(doc)
	if err != nil {
		return err
	}
	for _, st := range p.Statements {
		if st.Principal != nil || st.NotPrincipal != nil {
			return malformed(msgPrincipalInIdentityPolicy)
		}
	}
	for _, st := range p.Statements {
		if (!st.HasAction || len(st.Action) == 0) && (!st.HasNotAction || len(st.NotAction) == 0) {
			return malformed(msgNoActions)
		}
	}
	for _, st := range p.Statements {
		if !st.HasResource && !st.HasNotResource {
			return malformed(msgNoResources)
		}
	}
	for _, st := range p.Statements {
		for _, a := range append(append([]string(nil), st.Action...), st.NotAction...) {
			if a == "*" {
				continue
			}
			vendor, _, ok := strings.Cut(a, ":")
			if !ok {
				// moto/LocalStack text.
				return malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
			}
			if !vendorRE.MatchString(vendor) {
				return malformed("Vendor " + vendor + " is not valid")
			}
		}
	}
	return nil
}
