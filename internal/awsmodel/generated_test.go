package awsmodel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// This file walks every operation of the embedded model, builds a valid
// request holding every member (lists with one element, maps with one
// entry), then breaks each constraint of each value in turn and checks the
// exact message. Expected messages are assembled from the model's raw
// fields, independently of the code under test (only the order of several
// violations of one value reuses javaHashOrder, pinned in model_test.go).

// candidates are tried in order to produce a valid string for a shape.
var candidates = []string{
	"abc",
	"123456789012",
	"authenticated",
	"us-east-1:0123abcd-0000-4000-8000-0123456789ab",
	"arn:aws:iam::123456789012:role/r",
}

type genLoc []any // string: object key; int: array index

type genContext uint8

const (
	ctxMember genContext = iota
	ctxListElem
	ctxMapValue
	ctxMapKey
)

// site is one value of the generated request whose constraints we break.
type site struct {
	sh        *Shape
	loc       genLoc // location of the value (for map keys: of the map)
	path      string // AWS path of the value, or of the list/map holding it
	ctx       genContext
	container *Shape // the list or map for ctxListElem/ctxMapValue/ctxMapKey
	key       string // map key for ctxMapValue/ctxMapKey
	value     any    // the valid value (map value for ctxMapKey)
	hidden    bool   // sensitive member: value left out
	required  bool   // required structure member
}

type generator struct {
	t     *testing.T
	sites []site
}

func goRegexp(t *testing.T, pat string) *regexp.Regexp {
	// The Cognito patterns mean the same in RE2 except \s/\S on \x0B, which
	// the generated values never contain.
	return regexp.MustCompile(`^(?:` + pat + `)$`)
}

func (g *generator) validString(sh *Shape) string {
	if len(sh.Enum) > 0 {
		return sh.Enum[0]
	}
	for _, c := range candidates {
		if g.stringOK(sh, c) {
			return c
		}
	}
	g.t.Fatalf("no candidate string fits shape %s", sh.Name)
	return ""
}

func (g *generator) stringOK(sh *Shape, s string) bool {
	n := float64(utf16Len(s))
	if sh.Min != nil && n < sh.Min.Value || sh.Max != nil && n > sh.Max.Value {
		return false
	}
	return sh.Pattern == "" || goRegexp(g.t, sh.Pattern).MatchString(s)
}

// gen builds a valid value of sh, recording the sites below it.
func (g *generator) gen(sh *Shape, l genLoc, path string, depth int) any {
	if depth > 10 {
		g.t.Fatalf("shape %s nests too deeply", sh.Name)
	}
	switch sh.Type {
	case TypeStructure:
		obj := map[string]any{}
		for _, m := range sh.Members {
			ml := append(genLoc{}, l...)
			ml = append(ml, m.Name)
			mp := m.Path
			if path != "" {
				mp = path + "." + m.Path
			}
			v := g.gen(m.Shape, ml, mp, depth+1)
			obj[m.Name] = v
			g.sites = append(g.sites, site{sh: m.Shape, loc: ml, path: mp, ctx: ctxMember, value: v, hidden: m.Sensitive, required: m.Required})
		}
		return obj
	case TypeList:
		el := append(append(genLoc{}, l...), 0)
		before := len(g.sites)
		v := g.gen(sh.Elem, el, path+".1.member", depth+1)
		if !isContainer(sh.Elem) {
			g.sites = append(g.sites[:before], site{sh: sh.Elem, loc: el, path: path, ctx: ctxListElem, container: sh, value: v})
		}
		return []any{v}
	case TypeMap:
		key := g.validString(sh.Key)
		vl := append(append(genLoc{}, l...), key)
		before := len(g.sites)
		v := g.gen(sh.Value, vl, path+"."+key+".member", depth+1)
		if !isContainer(sh.Value) {
			g.sites = append(g.sites[:before], site{sh: sh.Value, loc: vl, path: path, ctx: ctxMapValue, container: sh, key: key, value: v})
		}
		g.sites = append(g.sites, site{sh: sh.Key, loc: l, path: path, ctx: ctxMapKey, container: sh, key: key, value: v})
		return map[string]any{key: v}
	case TypeString:
		return g.validString(sh)
	case TypeInteger, TypeLong:
		n := int64(1)
		if sh.Min != nil {
			n = int64(sh.Min.Value)
		}
		return json.Number(strconv.FormatInt(n, 10))
	case TypeBoolean:
		return true
	case TypeTimestamp:
		return json.Number("1700000000")
	}
	g.t.Fatalf("shape %s: type %s not handled by the generator", sh.Name, sh.Type)
	return nil
}

func deepCopy(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out any
	if err := d.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

var deleteValue = new(int)

// with returns a copy of root with the value at l replaced by v (deleted
// when v is deleteValue).
func with(t *testing.T, root any, l genLoc, v any) []byte {
	root = deepCopy(t, root)
	cur := root
	for i, step := range l {
		last := i == len(l)-1
		switch s := step.(type) {
		case string:
			m := cur.(map[string]any)
			if last {
				if v == deleteValue {
					delete(m, s)
				} else {
					m[s] = v
				}
			}
			cur = m[s]
		case int:
			a := cur.([]any)
			if last {
				a[s] = v
			}
			cur = a[s]
		}
	}
	b, err := json.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// javaToString renders generated values like AWS does.
func javaToString(v any, sh *Shape) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = javaToString(e, sh.Elem)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		var parts []string
		for k, e := range x { // generated maps have one entry
			parts = append(parts, k+"="+javaToString(e, sh.Value))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case string:
		if sh.Sensitive && x != "" {
			return "***"
		}
		return x
	default:
		return fmt.Sprint(x)
	}
}

// allChecks is the bracketed constraint list of a scalar shape, from the
// raw model fields.
func allChecks(sh *Shape) string {
	var parts []string
	if sh.Max != nil {
		parts = append(parts, "Member must have length less than or equal to "+sh.Max.Text)
	}
	if sh.Min != nil {
		parts = append(parts, "Member must have length greater than or equal to "+sh.Min.Text)
	}
	if sh.Pattern != "" {
		parts = append(parts, "Member must satisfy regular expression pattern: "+sh.Pattern)
	}
	if len(sh.Enum) > 0 {
		parts = append(parts, "Member must satisfy enum value set: ["+strings.Join(sh.Enum, ", ")+"]")
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

type brokenValue struct {
	what        string
	value       any
	constraints []string // broken constraints of the value itself
}

// breakers returns values of sh that break one constraint each.
func (g *generator) breakers(sh *Shape, valid any) []brokenValue {
	var out []brokenValue
	switch sh.Type {
	case TypeString:
		v := valid.(string)
		if sh.Max != nil {
			for _, pad := range []string{"a", "0", "_"} {
				s := v + strings.Repeat(pad, int(sh.Max.Value)+1-utf16Len(v))
				if sh.Pattern == "" || goRegexp(g.t, sh.Pattern).MatchString(s) {
					if len(sh.Enum) == 0 {
						out = append(out, brokenValue{"too long", s, []string{"Member must have length less than or equal to " + sh.Max.Text}})
					}
					break
				}
			}
		}
		if sh.Min != nil && sh.Min.Value >= 1 {
			short := ""
			for _, c := range []string{v, strings.Repeat("a", len(v)), strings.Repeat("0", len(v))} {
				if n := int(sh.Min.Value) - 1; n <= len(c) && (sh.Pattern == "" || goRegexp(g.t, sh.Pattern).MatchString(c[:n])) {
					short = c[:n]
					break
				}
			}
			// In check order (the insertion order of the HashSet):
			// pattern before length.
			var cs []string
			if sh.Pattern != "" && !goRegexp(g.t, sh.Pattern).MatchString(short) {
				cs = append(cs, "Member must satisfy regular expression pattern: "+sh.Pattern)
			}
			cs = append(cs, "Member must have length greater than or equal to "+sh.Min.Text)
			if len(sh.Enum) == 0 {
				out = append(out, brokenValue{"too short", short, cs})
			}
		}
		if sh.Pattern != "" {
			for _, bad := range []string{" ", "!", "#", "\u00e9", "\t"} {
				s := v[:len(v)-1] + bad
				if !goRegexp(g.t, sh.Pattern).MatchString(s) {
					out = append(out, brokenValue{"pattern", s, []string{"Member must satisfy regular expression pattern: " + sh.Pattern}})
					break
				}
			}
		}
		if len(sh.Enum) > 0 {
			out = append(out, brokenValue{"enum", "NotAnEnumValue", []string{"Member must satisfy enum value set: [" + strings.Join(sh.Enum, ", ") + "]"}})
		}
	case TypeInteger, TypeLong:
		if sh.Max != nil {
			out = append(out, brokenValue{"above max", json.Number(strconv.FormatInt(int64(sh.Max.Value)+1, 10)), []string{"Member must have value less than or equal to " + sh.Max.Text}})
		}
		if sh.Min != nil {
			out = append(out, brokenValue{"below min", json.Number(strconv.FormatInt(int64(sh.Min.Value)-1, 10)), []string{"Member must have value greater than or equal to " + sh.Min.Text}})
		}
	case TypeList:
		if sh.Max != nil {
			l := make([]any, int(sh.Max.Value)+1)
			for i := range l {
				l[i] = valid.([]any)[0]
			}
			out = append(out, brokenValue{"too many elements", l, []string{"Member must have length less than or equal to " + sh.Max.Text}})
		}
		if sh.Min != nil && sh.Min.Value >= 1 {
			out = append(out, brokenValue{"too few elements", []any{}, []string{"Member must have length greater than or equal to " + sh.Min.Text}})
		}
	case TypeMap:
		if sh.Min != nil && sh.Min.Value >= 1 {
			out = append(out, brokenValue{"too few entries", map[string]any{}, []string{"Member must have length greater than or equal to " + sh.Min.Text}})
		}
	}
	return out
}

func expectedMessage(path string, hidden bool, rendered string, constraints []string) string {
	var vs []string
	for _, c := range constraints {
		if hidden {
			vs = append(vs, "Value at '"+path+"' failed to satisfy constraint: "+c)
		} else {
			vs = append(vs, "Value '"+rendered+"' at '"+path+"' failed to satisfy constraint: "+c)
		}
	}
	var ordered []string
	for _, i := range javaHashOrder(vs) {
		ordered = append(ordered, vs[i])
	}
	if len(ordered) == 1 {
		return "1 validation error detected: " + ordered[0]
	}
	return fmt.Sprintf("%d validation errors detected: %s", len(ordered), strings.Join(ordered, "; "))
}

func TestEveryConstraintOfEveryOperation(t *testing.T) {
	s := CognitoIdentity()
	total := 0
	for _, opName := range s.Operations() {
		op, _ := s.Operation(opName)
		g := &generator{t: t}
		root := g.gen(op.InputShape, nil, "", 0)
		body, _ := json.Marshal(root)
		if err := s.Check(opName, body); err != nil {
			t.Fatalf("%s: full valid body %s: %v", opName, body, err)
		}
		for _, st := range g.sites {
			if st.required && st.ctx == ctxMember {
				want := expectedMessage(st.path, false, "", nil)
				v := "Value null at '" + st.path + "' failed to satisfy constraint: Member must not be null"
				if st.hidden {
					v = "Value at '" + st.path + "' failed to satisfy constraint: Member must not be null"
				}
				want = "1 validation error detected: " + v
				expectCheck(t, s, opName, with(t, root, st.loc, deleteValue), want)
				expectCheck(t, s, opName, with(t, root, st.loc, nil), want) // JSON null
				total += 2
			}
			if st.ctx == ctxMapKey {
				for _, bv := range g.breakers(st.sh, st.key) {
					m := map[string]any{bv.value.(string): st.value}
					c := "Map keys must satisfy constraint: " + allChecks(st.sh)
					if st.container.Value.Type == TypeStructure {
						expectSuffix(t, s, opName, with(t, root, st.loc, m), st.path, c)
					} else {
						expectCheck(t, s, opName, with(t, root, st.loc, m), expectedMessage(st.path, false, javaToString(m, st.container), []string{c}))
					}
					total++
				}
				continue
			}
			for _, bv := range g.breakers(st.sh, st.value) {
				var want string
				switch {
				case st.sh.Type == TypeList && st.sh.Elem.Type == TypeStructure && len(bv.value.([]any)) > 0:
					// checked by suffix below
				case st.ctx == ctxMember:
					want = expectedMessage(st.path, st.hidden, javaToString(bv.value, st.sh), bv.constraints)
				case st.ctx == ctxListElem:
					want = expectedMessage(st.path, false, javaToString([]any{bv.value}, st.container), []string{"Member must satisfy constraint: " + allChecks(st.sh)})
				case st.ctx == ctxMapValue:
					want = expectedMessage(st.path, false, javaToString(map[string]any{st.key: bv.value}, st.container), []string{"Map value must satisfy constraint: " + allChecks(st.sh)})
				}
				t.Run(fmt.Sprintf("%s/%s/%s", opName, st.path, bv.what), func(t *testing.T) {
					body := with(t, root, st.loc, bv.value)
					if st.sh.Type == TypeList && st.sh.Elem.Type == TypeStructure && len(bv.value.([]any)) > 0 {
						expectSuffix(t, s, opName, body, st.path, bv.constraints[0])
						return
					}
					expectCheck(t, s, opName, body, want)
				})
				total++
			}
		}
	}
	t.Logf("%d generated cases", total)
	if total < 150 {
		t.Errorf("only %d generated cases", total)
	}
}

func expectCheck(t *testing.T, s *Service, op string, body []byte, want string) {
	t.Helper()
	err := s.Check(op, body)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("%s %s: err = %v, want %s", op, body, err, want)
		return
	}
	if got := ve.Message(); got != want {
		if len(body) > 300 {
			body = append(body[:300:300], "..."...)
		}
		t.Errorf("%s %s:\n got %s\nwant %s", op, body, got, want)
	}
}

// expectSuffix checks a single violation whose value holds structures,
// which have no observed rendering: everything but the value.
func expectSuffix(t *testing.T, s *Service, op string, body []byte, path, constraint string) {
	t.Helper()
	err := s.Check(op, body)
	var ve *ValidationError
	suffix := "' at '" + path + "' failed to satisfy constraint: " + constraint
	if !errors.As(err, &ve) || len(ve.Violations) != 1 || !strings.HasSuffix(ve.Message(), suffix) {
		t.Errorf("%s: %v, want ...%s", op, err, suffix)
	}
}
