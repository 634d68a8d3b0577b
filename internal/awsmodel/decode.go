package awsmodel

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Decode runs Check and, when the body passes, unmarshals it into v (a
// pointer, as for json.Unmarshal) the way AWS reads it: only members of the
// input shape spelled exactly as in the model reach v ("identitypoolid"
// does not fill IdentityPoolId, which plain encoding/json would do), null
// members, list elements and map values are dropped, and fractional numbers
// in integer members are truncated. Struct fields of v should be tagged with
// the model's member names.
func (s *Service) Decode(op string, body []byte, v any) error {
	o, root, err := s.check(op, body)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if o.InputShape == nil {
		b.WriteString("{}")
	} else {
		writeCanonical(&b, o.InputShape, root)
	}
	return json.Unmarshal(b.Bytes(), v)
}

func writeCanonical(b *bytes.Buffer, sh *Shape, v *node) {
	switch sh.Type {
	case TypeStructure:
		b.WriteByte('{')
		n := 0
		for _, m := range sh.Members {
			c := v.get(m.WireName)
			if c == nil || c.kind == jsonNull {
				continue
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			writeJSONString(b, m.WireName)
			b.WriteByte(':')
			writeCanonical(b, m.Shape, c)
		}
		b.WriteByte('}')
	case TypeList:
		b.WriteByte('[')
		n := 0
		for _, e := range v.vals {
			if e.kind == jsonNull {
				continue
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			writeCanonical(b, sh.Elem, e)
		}
		b.WriteByte(']')
	case TypeMap:
		b.WriteByte('{')
		n := 0
		for i, k := range v.keys {
			if v.vals[i].kind == jsonNull {
				continue
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			writeJSONString(b, k)
			b.WriteByte(':')
			writeCanonical(b, sh.Value, v.vals[i])
		}
		b.WriteByte('}')
	case TypeInteger, TypeLong:
		b.WriteString(strconv.FormatInt(v.i, 10))
	default:
		writeRaw(b, v)
	}
}

// writeRaw writes a node back as JSON (scalars, and whole values of shapes
// Check does not look into).
func writeRaw(b *bytes.Buffer, v *node) {
	switch v.kind {
	case jsonNull:
		b.WriteString("null")
	case jsonBool:
		b.WriteString(strconv.FormatBool(v.b))
	case jsonNumber:
		b.WriteString(v.s)
	case jsonString:
		writeJSONString(b, v.s)
	case jsonArray:
		b.WriteByte('[')
		for i, e := range v.vals {
			if i > 0 {
				b.WriteByte(',')
			}
			writeRaw(b, e)
		}
		b.WriteByte(']')
	case jsonObject:
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, k)
			b.WriteByte(':')
			writeRaw(b, v.vals[i])
		}
		b.WriteByte('}')
	}
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s) // cannot fail for a string
	b.Write(enc)
}
