package identity

import (
	"slices"
	"strings"
)

// EvaluateRoleMapping returns the role a mapping chooses for a login's
// claims, or "" when the result is ambiguous (the caller applies
// AmbiguousRoleResolution). It is a pure function.
//
// Token mappings use the cognito:roles and cognito:preferred_role claims:
// a customRoleARN must be one of cognito:roles; otherwise the preferred
// role wins, or the only role. Rules mappings evaluate the rules in order
// and the first match wins, unless customRoleARN names the role of a
// matching rule; NotEqual rules are skipped when the claim is absent.
func EvaluateRoleMapping(m RoleMapping, claims map[string]any, customRoleARN string) string {
	switch m.Type {
	case "Token":
		roles := claimStrings(claims["cognito:roles"])
		if customRoleARN != "" {
			if slices.Contains(roles, customRoleARN) {
				return customRoleARN
			}
			return ""
		}
		if pr, ok := claimString(claims["cognito:preferred_role"]); ok && pr != "" {
			return pr
		}
		if len(roles) == 1 {
			return roles[0]
		}
		return ""
	case "Rules":
		first := ""
		for _, r := range m.Rules {
			if !ruleMatches(r, claims) {
				continue
			}
			if customRoleARN == "" {
				return r.RoleARN
			}
			if r.RoleARN == customRoleARN {
				return r.RoleARN
			}
			if first == "" {
				first = r.RoleARN
			}
		}
		return first
	}
	return ""
}

func ruleMatches(r MappingRule, claims map[string]any) bool {
	raw, present := claims[r.Claim]
	if !present {
		return false
	}
	vals := claimStrings(raw)
	switch r.MatchType {
	case "Equals":
		return slices.Contains(vals, r.Value)
	case "Contains":
		for _, v := range vals {
			if strings.Contains(v, r.Value) {
				return true
			}
		}
	case "StartsWith":
		for _, v := range vals {
			if strings.HasPrefix(v, r.Value) {
				return true
			}
		}
	case "NotEqual":
		return !slices.Contains(vals, r.Value)
	}
	return false
}

// claimStrings returns a claim as a list of strings: arrays element-wise,
// strings as one value (cognito:roles may also be comma-separated).
func claimStrings(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := claimString(e); ok {
				out = append(out, s)
			}
		}
		return out
	case string:
		if strings.HasPrefix(x, "[") && strings.HasSuffix(x, "]") {
			x = strings.Trim(x, "[]")
		}
		var out []string
		for _, p := range strings.Split(x, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	if s, ok := claimString(v); ok {
		return []string{s}
	}
	return nil
}
