package awsmodel

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// ErrUnknownOperation is returned (wrapped) by Check and Decode for an
// operation the model does not have.
var ErrUnknownOperation = errors.New("awsmodel: unknown operation")

// Check decodes the JSON body of operation op against its input shape and
// validates every model constraint. It returns nil, a *SerializationError, a
// *ValidationError, or an error wrapping ErrUnknownOperation. See the package
// documentation for the exact rules.
func (s *Service) Check(op string, body []byte) error {
	_, _, err := s.check(op, body)
	return err
}

func (s *Service) check(op string, body []byte) (*Operation, *node, error) {
	o, ok := s.ops[op]
	if !ok {
		return nil, nil, fmt.Errorf("%w %q", ErrUnknownOperation, op)
	}
	root, err := parseBody(body)
	if err != nil {
		return nil, nil, &SerializationError{}
	}
	switch root.kind {
	case jsonObject:
	case jsonArray:
		return nil, nil, &SerializationError{msg: msgList}
	default:
		return nil, nil, &SerializationError{}
	}
	if o.InputShape == nil {
		return o, root, nil
	}
	if err := typeCheck(o.InputShape, root); err != nil {
		return nil, nil, err
	}
	var c collector
	c.structure(o.InputShape, root, "")
	if err := c.result(); err != nil {
		return nil, nil, err
	}
	return o, root, nil
}

// Coral's deserialization messages (live awsJson1.1 measurements, 2026; the
// Boolean/Long/Double texts follow the same pattern and are not measured).
const (
	msgList   = "Start of list found where not expected"
	msgObject = "Start of structure or map found where not expected."
	msgNoList = "Expected list or null"
	msgNoMap  = "Expected map or null"
	msgNoObj  = "Expected null"
)

func scalarKind(v *node) string {
	switch v.kind {
	case jsonString:
		return "STRING_VALUE"
	case jsonNumber:
		return "NUMBER_VALUE"
	case jsonBool:
		if v.b {
			return "TRUE_VALUE"
		}
		return "FALSE_VALUE"
	}
	return ""
}

func convErr(v *node, target string) *SerializationError {
	return &SerializationError{msg: scalarKind(v) + " can not be converted to " + target}
}

// typeCheck walks v in document order and returns the first value whose
// JSON type does not fit its shape.
func typeCheck(sh *Shape, v *node) *SerializationError {
	if v.kind == jsonNull {
		return nil
	}
	switch sh.Type {
	case TypeStructure:
		switch v.kind {
		case jsonObject:
		case jsonArray:
			return &SerializationError{msg: msgList}
		default:
			return &SerializationError{msg: msgNoObj}
		}
		for i, k := range v.keys {
			m, ok := sh.byWire[k]
			if !ok {
				continue // unknown members are ignored
			}
			if err := typeCheck(m.Shape, v.vals[i]); err != nil {
				return err
			}
		}
		return nil
	case TypeList:
		switch v.kind {
		case jsonArray:
		case jsonObject:
			return &SerializationError{msg: msgObject}
		default:
			return &SerializationError{msg: msgNoList}
		}
		for _, e := range v.vals {
			if err := typeCheck(sh.Elem, e); err != nil {
				return err
			}
		}
		return nil
	case TypeMap:
		switch v.kind {
		case jsonObject:
		case jsonArray:
			return &SerializationError{msg: msgList}
		default:
			return &SerializationError{msg: msgNoMap}
		}
		for _, e := range v.vals {
			if err := typeCheck(sh.Value, e); err != nil {
				return err
			}
		}
		return nil
	}
	// Scalars.
	switch v.kind {
	case jsonArray:
		return &SerializationError{msg: msgList}
	case jsonObject:
		return &SerializationError{msg: msgObject}
	}
	switch sh.Type {
	case TypeString:
		if v.kind != jsonString {
			return convErr(v, "a String")
		}
	case TypeBoolean:
		if v.kind != jsonBool {
			return convErr(v, "a Boolean")
		}
	case TypeInteger, TypeLong:
		if v.kind != jsonNumber {
			if sh.Type == TypeInteger {
				return convErr(v, "an Integer")
			}
			return convErr(v, "a Long")
		}
		i, ok := truncInt(v.s, sh.Type == TypeInteger)
		if !ok {
			return &SerializationError{}
		}
		v.i = i
	case TypeFloat, TypeDouble:
		switch {
		case v.kind == jsonNumber:
		case v.kind == jsonString && (v.s == "NaN" || v.s == "Infinity" || v.s == "-Infinity"):
		case sh.Type == TypeFloat:
			return convErr(v, "a Float")
		default:
			return convErr(v, "a Double")
		}
	case TypeBigInteger, TypeBigDecimal:
		if v.kind != jsonNumber {
			return &SerializationError{}
		}
	case TypeTimestamp:
		// awsJson timestamps are epoch seconds. Other forms: no known text.
		if v.kind != jsonNumber {
			return &SerializationError{}
		}
	case TypeBlob:
		if v.kind != jsonString {
			return convErr(v, "a Blob")
		}
		if _, err := base64.StdEncoding.DecodeString(v.s); err != nil {
			return &SerializationError{}
		}
	}
	return nil
}

// truncInt converts a JSON number to an integer, truncating any fraction
// toward zero as Coral does (1.9 → 1), and reports whether it fits an int32
// (integer shapes) or int64 (long shapes).
func truncInt(text string, is32 bool) (int64, bool) {
	i, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		f, _, perr := big.ParseFloat(text, 10, 256, big.ToZero)
		if perr != nil || f.IsInf() {
			return 0, false
		}
		bi, _ := f.Int(nil) // truncates toward zero
		if !bi.IsInt64() {
			return 0, false
		}
		i = bi.Int64()
	}
	if is32 && (i < math.MinInt32 || i > math.MaxInt32) {
		return 0, false
	}
	return i, true
}

// collector gathers violations in AWS order (see order.go).
type collector struct {
	summaries []Violation // element-constraint summaries, listed first
	others    []Violation
}

func (c *collector) full() bool { return len(c.summaries) >= MaxViolations }

func (c *collector) addSummary(v Violation) {
	if len(c.summaries) < MaxViolations {
		c.summaries = append(c.summaries, v)
	}
}

func (c *collector) addOthers(vs ...Violation) {
	for _, v := range vs {
		if len(c.others) >= MaxViolations {
			return
		}
		c.others = append(c.others, v)
	}
}

func (c *collector) result() error {
	if len(c.summaries)+len(c.others) == 0 {
		return nil
	}
	all := make([]Violation, 0, min(MaxViolations, len(c.summaries)+len(c.others)))
	all = append(all, c.summaries...)
	for _, v := range c.others {
		if len(all) >= MaxViolations {
			break
		}
		all = append(all, v)
	}
	return &ValidationError{Violations: all}
}

func (c *collector) structure(sh *Shape, v *node, prefix string) {
	for _, mi := range sh.hashOrder {
		if c.full() {
			return
		}
		m := sh.Members[mi]
		child := v.get(m.WireName)
		if child == nil || child.kind == jsonNull {
			if m.Required {
				viol := Violation{Path: prefix + m.Path, Kind: ValueNull, Constraint: "Member must not be null"}
				if m.Sensitive {
					viol.Kind = ValueHidden
				}
				c.addOthers(viol)
			}
			continue
		}
		c.value(m.Shape, child, prefix+m.Path, m.Sensitive)
	}
}

// value checks v, a non-null value of shape sh at path.
func (c *collector) value(sh *Shape, v *node, path string, hidden bool) {
	hidden = hidden || sh.Sensitive
	if texts := violationsOf(sh, v); len(texts) > 0 {
		vs := make([]Violation, len(texts))
		for i, t := range texts {
			vs[i] = Violation{Path: path, Kind: ValueHidden, Constraint: t}
		}
		if !hidden {
			shown := renderString(sh, v)
			for i := range vs {
				vs[i].Kind, vs[i].Value = ValueShown, shown
			}
		}
		if len(vs) > 1 {
			msgs := make([]string, len(vs))
			for i := range vs {
				msgs[i] = vs[i].String()
			}
			ordered := make([]Violation, 0, len(vs))
			for _, i := range javaHashOrder(msgs) {
				ordered = append(ordered, vs[i])
			}
			vs = ordered
		}
		c.addOthers(vs...)
	}
	switch sh.Type {
	case TypeList:
		if isContainer(sh.Elem) {
			n := 0
			for _, e := range v.vals {
				if e.kind == jsonNull {
					continue
				}
				n++
				c.value(sh.Elem, e, path+"."+strconv.Itoa(n)+".member", false)
				if c.full() {
					return
				}
			}
			return
		}
		if len(sh.Elem.checks) == 0 {
			return
		}
		for _, e := range v.vals {
			if e.kind != jsonNull && len(violationsOf(sh.Elem, e)) > 0 {
				c.addSummary(c.summary(sh, v, path, hidden, "Member must satisfy constraint: ", sh.Elem.checks))
				return
			}
		}
	case TypeMap:
		keys, vals := mapEntries(v)
		if len(sh.Key.checks) > 0 {
			for _, k := range keys {
				if len(stringViolations(sh.Key, k)) > 0 {
					c.addSummary(c.summary(sh, v, path, hidden, "Map keys must satisfy constraint: ", sh.Key.checks))
					break
				}
			}
		}
		if isContainer(sh.Value) {
			for _, i := range javaHashOrder(keys) {
				c.value(sh.Value, vals[i], path+"."+keys[i]+".member", false)
				if c.full() {
					return
				}
			}
			return
		}
		if len(sh.Value.checks) == 0 {
			return
		}
		for _, e := range vals {
			if len(violationsOf(sh.Value, e)) > 0 {
				c.addSummary(c.summary(sh, v, path, hidden, "Map value must satisfy constraint: ", sh.Value.checks))
				return
			}
		}
	case TypeStructure:
		c.structure(sh, v, path+".")
	}
}

func (c *collector) summary(sh *Shape, v *node, path string, hidden bool, prefix string, checks []string) Violation {
	viol := Violation{Path: path, Kind: ValueHidden, Constraint: prefix + "[" + strings.Join(checks, ", ") + "]"}
	if !hidden {
		viol.Kind, viol.Value = ValueShown, renderString(sh, v)
	}
	return viol
}

func isContainer(sh *Shape) bool {
	return sh.Type == TypeStructure || sh.Type == TypeList || sh.Type == TypeMap
}

// violationsOf returns the texts of the constraints of sh that v breaks, in
// check order (pattern, length max, length min, enum; value max, value
// min). It allocates only when something is broken.
func violationsOf(sh *Shape, v *node) []string {
	switch sh.Type {
	case TypeString:
		return stringViolations(sh, v.s)
	case TypeList:
		return lengthViolations(sh, float64(nonNull(v.vals)), nil)
	case TypeMap:
		return lengthViolations(sh, float64(nonNull(v.vals)), nil)
	case TypeBlob:
		d, _ := base64.StdEncoding.DecodeString(v.s)
		return lengthViolations(sh, float64(len(d)), nil)
	case TypeInteger, TypeLong:
		return rangeViolations(sh, float64(v.i), v.i, true)
	case TypeFloat, TypeDouble, TypeBigInteger, TypeBigDecimal:
		if v.kind != jsonNumber {
			return nil
		}
		f, err := strconv.ParseFloat(v.s, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil
		}
		return rangeViolations(sh, f, 0, false)
	}
	return nil
}

func nonNull(vs []*node) int {
	n := 0
	for _, v := range vs {
		if v.kind != jsonNull {
			n++
		}
	}
	return n
}

func stringViolations(sh *Shape, s string) []string {
	var out []string
	if sh.re != nil && !sh.re.MatchString(s) {
		out = append(out, patternText(sh))
	}
	if sh.Min != nil || sh.Max != nil {
		out = lengthViolations(sh, float64(utf16Len(s)), out)
	}
	if len(sh.Enum) > 0 {
		found := false
		for _, e := range sh.Enum {
			if e == s {
				found = true
				break
			}
		}
		if !found {
			out = append(out, enumText(sh))
		}
	}
	return out
}

func lengthViolations(sh *Shape, n float64, out []string) []string {
	if sh.Max != nil && n > sh.Max.Value {
		out = append(out, "Member must have length less than or equal to "+formatBound(sh, sh.Max))
	}
	if sh.Min != nil && n < sh.Min.Value {
		out = append(out, "Member must have length greater than or equal to "+formatBound(sh, sh.Min))
	}
	return out
}

func rangeViolations(sh *Shape, f float64, i int64, integral bool) []string {
	var out []string
	if sh.Max != nil {
		over := f > sh.Max.Value
		if integral && math.Abs(sh.Max.Value) < 1<<53 {
			over = i > int64(sh.Max.Value)
		}
		if over {
			out = append(out, "Member must have value less than or equal to "+formatBound(sh, sh.Max))
		}
	}
	if sh.Min != nil {
		under := f < sh.Min.Value
		if integral && math.Abs(sh.Min.Value) < 1<<53 {
			under = i < int64(sh.Min.Value)
		}
		if under {
			out = append(out, "Member must have value greater than or equal to "+formatBound(sh, sh.Min))
		}
	}
	return out
}

func patternText(sh *Shape) string {
	return "Member must satisfy regular expression pattern: " + sh.Pattern
}

func enumText(sh *Shape) string {
	return "Member must satisfy enum value set: [" + strings.Join(sh.Enum, ", ") + "]"
}

// constraintTexts lists every constraint of a scalar shape in the order AWS
// prints them inside "Map keys/Map value/Member must satisfy constraint:
// [...]": length max, length min, pattern, enum, value max, value min
// (observed: "[Member must have length less than or equal to 50000, Member
// must have length greater than or equal to 1]" for Cognito logins,
// "[... 2048, ... 1, Member must satisfy regular expression pattern: [\S]+]").
func constraintTexts(sh *Shape) []string {
	var out []string
	switch sh.Type {
	case TypeString, TypeBlob:
		if sh.Max != nil {
			out = append(out, "Member must have length less than or equal to "+formatBound(sh, sh.Max))
		}
		if sh.Min != nil {
			out = append(out, "Member must have length greater than or equal to "+formatBound(sh, sh.Min))
		}
		if sh.Pattern != "" {
			out = append(out, patternText(sh))
		}
		if len(sh.Enum) > 0 {
			out = append(out, enumText(sh))
		}
	case TypeInteger, TypeLong, TypeFloat, TypeDouble, TypeBigInteger, TypeBigDecimal:
		if sh.Max != nil {
			out = append(out, "Member must have value less than or equal to "+formatBound(sh, sh.Max))
		}
		if sh.Min != nil {
			out = append(out, "Member must have value greater than or equal to "+formatBound(sh, sh.Min))
		}
	}
	return out
}
