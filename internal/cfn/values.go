package cfn

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Template values are the types encoding/json produces when decoding into
// any (map[string]any, []any, string, bool, nil), except that numbers keep
// their literal text as json.Number until properties are handed to a
// provider; then they become float64. Two sentinels exist during evaluation.

// noValue is the result of Ref AWS::NoValue: the enclosing map entry or list
// element disappears.
type noValue struct{}

// unknown is a value that is only known during apply (an attribute of a
// resource that a plan would create, replace or update).
type unknown struct{ what string }

func (u *unknown) String() string { return "(known after apply: " + u.what + ")" }

func isNoValue(v any) bool { _, ok := v.(noValue); return ok }

func isUnknown(v any) bool { _, ok := v.(*unknown); return ok }

// containsUnknown reports whether v holds an unknown anywhere.
func containsUnknown(v any) bool {
	switch x := v.(type) {
	case *unknown:
		return true
	case map[string]any:
		for _, e := range x {
			if containsUnknown(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if containsUnknown(e) {
				return true
			}
		}
	}
	return false
}

// scalarString renders a scalar the way CloudFormation does when a scalar is
// used where a string is expected. ok is false for maps, lists and sentinels.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return string(x), true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case uint32:
		return strconv.FormatUint(uint64(x), 10), true
	}
	return "", false
}

// kindOf names a value's kind for error messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case noValue:
		return "AWS::NoValue"
	case *unknown:
		return "a value known only after apply"
	}
	if _, ok := scalarString(v); ok {
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// normalize converts v into plain JSON values: numbers of any Go type (and
// json.Number) become float64, typed slices and maps become []any and
// map[string]any. Sentinels are kept. It is used on provider attributes and
// on state loaded by a store so that comparisons do not depend on how a value
// was decoded.
func normalize(v any) any {
	switch x := v.(type) {
	case nil, bool, string, float64, noValue, *unknown:
		return v
	case json.Number:
		if f, err := strconv.ParseFloat(string(x), 64); err == nil {
			return f
		}
		return string(x)
	case float32:
		return float64(x)
	case int:
		return float64(x)
	case int8:
		return float64(x)
	case int16:
		return float64(x)
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case uint:
		return float64(x)
	case uint8:
		return float64(x)
	case uint16:
		return float64(x)
	case uint32:
		return float64(x)
	case uint64:
		return float64(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = e
		}
		return out
	}
	// Anything else (a provider's struct, say): round-trip through JSON.
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Sprint(v)
	}
	return out
}

func normalizeMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return normalize(m).(map[string]any)
}

// equal reports whether two values are equal after normalisation. An
// unknown is never equal to anything.
func equal(a, b any) bool {
	a, b = normalize(a), normalize(b)
	return equalNorm(a, b)
}

func equalNorm(a, b any) bool {
	switch x := a.(type) {
	case *unknown:
		return false
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, e := range x {
			f, ok := y[k]
			if !ok || !equalNorm(e, f) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalNorm(x[i], y[i]) {
				return false
			}
		}
		return true
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || (math.IsNaN(x) && math.IsNaN(y)))
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return false
}

// looseEqual is Fn::Equals: scalars compare by their string form (so the
// Number parameter "3" equals the literal 3), other values structurally.
func looseEqual(a, b any) bool {
	as, aok := scalarString(a)
	bs, bok := scalarString(b)
	if aok && bok {
		return as == bs
	}
	if aok != bok {
		return false
	}
	return equal(a, b)
}

// deepCopy copies maps and lists so that providers cannot alias the engine's
// values.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

func copyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return deepCopy(m).(map[string]any)
}

// diffPaths appends to changed the paths where old and new differ with a
// known new value, and to dynamic the paths whose new value is unknown.
// Paths look like "Roles.authenticated" and "Tags[0].Value".
func diffPaths(prefix string, old, new any, changed, dynamic *[]string) {
	if isUnknown(new) {
		*dynamic = append(*dynamic, prefix)
		return
	}
	switch n := new.(type) {
	case map[string]any:
		o, ok := old.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(n)+len(o))
		for k := range n {
			keys = append(keys, k)
		}
		for k := range o {
			if _, ok := n[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			nv, nok := n[k]
			ov, ook := o[k]
			p := joinPath(prefix, k)
			switch {
			case !nok:
				*changed = append(*changed, p)
			case !ook:
				if containsUnknown(nv) {
					*dynamic = append(*dynamic, p)
				} else {
					*changed = append(*changed, p)
				}
			default:
				diffPaths(p, ov, nv, changed, dynamic)
			}
		}
		return
	case []any:
		o, ok := old.([]any)
		if !ok || len(o) != len(n) {
			break
		}
		for i := range n {
			diffPaths(fmt.Sprintf("%s[%d]", prefix, i), o[i], n[i], changed, dynamic)
		}
		return
	}
	if containsUnknown(new) {
		*dynamic = append(*dynamic, prefix)
		return
	}
	if !equal(old, new) {
		*changed = append(*changed, prefix)
	}
}

func joinPath(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// valueAt returns the value at a "/"-separated property path (a schema path
// without its "/properties/" prefix). A "*" segment stops the walk: the
// container itself is returned so that comparisons stay conservative.
func valueAt(props map[string]any, path string) (any, bool) {
	var cur any = props
	for _, seg := range strings.Split(path, "/") {
		if seg == "*" {
			return cur, true
		}
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[seg]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		case *unknown:
			return c, true
		default:
			return nil, false
		}
	}
	return cur, true
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
