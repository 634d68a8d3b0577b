package awsmodel

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"
)

// maskedValue replaces non-empty sensitive values nested in a rendered list,
// map or structure. Whether AWS echoes them is unknown (the captures only
// show empty tokens, rendered as "{provider=}"), so they are never echoed.
const maskedValue = "***"

// render writes v, a value of shape sh, the way Java's toString would:
// strings as is, numbers in Java notation, lists "[a, b]", maps
// "{k=v, k2=v2}" in HashMap order. Structures have no observed rendering
// (AWS seems to print Object.toString, "com.amazonaws...Foo@1b2c3d"); they
// are rendered "{Member=value, ...}" in HashMap order instead.
func render(b *strings.Builder, sh *Shape, v *node) {
	if sh.Sensitive {
		if v.kind == jsonString && v.s == "" {
			return
		}
		b.WriteString(maskedValue)
		return
	}
	switch sh.Type {
	case TypeList:
		b.WriteByte('[')
		first := true
		for _, e := range v.vals {
			if e.kind == jsonNull {
				continue
			}
			if !first {
				b.WriteString(", ")
			}
			first = false
			render(b, sh.Elem, e)
		}
		b.WriteByte(']')
	case TypeMap:
		b.WriteByte('{')
		keys, vals := mapEntries(v)
		for n, i := range javaHashOrder(keys) {
			if n > 0 {
				b.WriteString(", ")
			}
			if sh.Key.Sensitive && keys[i] != "" {
				b.WriteString(maskedValue)
			} else {
				b.WriteString(keys[i])
			}
			b.WriteByte('=')
			render(b, sh.Value, vals[i])
		}
		b.WriteByte('}')
	case TypeStructure:
		b.WriteByte('{')
		n := 0
		for _, mi := range sh.hashOrder {
			m := sh.Members[mi]
			c := v.get(m.WireName)
			if c == nil || c.kind == jsonNull {
				continue
			}
			if n > 0 {
				b.WriteString(", ")
			}
			n++
			b.WriteString(m.Name)
			b.WriteByte('=')
			if m.Sensitive && !m.Shape.Sensitive {
				b.WriteString(maskedValue)
				continue
			}
			render(b, m.Shape, c)
		}
		b.WriteByte('}')
	case TypeInteger, TypeLong:
		b.WriteString(strconv.FormatInt(v.i, 10))
	case TypeFloat, TypeDouble:
		if v.kind == jsonString { // "NaN", "Infinity", "-Infinity"
			b.WriteString(v.s)
			return
		}
		f, _ := strconv.ParseFloat(v.s, 64)
		b.WriteString(javaDouble(f))
	case TypeBlob:
		n := 0
		if d, err := base64.StdEncoding.DecodeString(v.s); err == nil {
			n = len(d)
		}
		ns := strconv.Itoa(n)
		b.WriteString("java.nio.HeapByteBuffer[pos=0 lim=" + ns + " cap=" + ns + "]")
	default:
		switch v.kind {
		case jsonBool:
			b.WriteString(strconv.FormatBool(v.b))
		case jsonNull:
			b.WriteString("null")
		default:
			b.WriteString(v.s)
		}
	}
}

func renderString(sh *Shape, v *node) string {
	if v.kind == jsonString && sh.Type == TypeString && !sh.Sensitive {
		return v.s
	}
	var b strings.Builder
	render(&b, sh, v)
	return b.String()
}

// mapEntries returns the non-null entries of a map node in document order.
func mapEntries(v *node) ([]string, []*node) {
	keys := make([]string, 0, len(v.keys))
	vals := make([]*node, 0, len(v.keys))
	for i, k := range v.keys {
		if v.vals[i].kind == jsonNull {
			continue
		}
		keys = append(keys, k)
		vals = append(vals, v.vals[i])
	}
	return keys, vals
}

// javaDouble formats f like java.lang.Double.toString.
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // e.g. 1.5e+10
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// formatBound prints a min/max the way Coral does: integers for lengths and
// integral shapes, Java doubles for float and double shapes.
func formatBound(sh *Shape, bd *Bound) string {
	if sh.Type == TypeFloat || sh.Type == TypeDouble {
		return javaDouble(bd.Value)
	}
	if bd.Value == math.Trunc(bd.Value) && math.Abs(bd.Value) < 1<<53 {
		return strconv.FormatInt(int64(bd.Value), 10)
	}
	return bd.Text
}
