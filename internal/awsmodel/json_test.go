package awsmodel

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func toAny(n *node) any {
	switch n.kind {
	case jsonBool:
		return n.b
	case jsonNumber:
		return json.Number(n.s)
	case jsonString:
		return n.s
	case jsonArray:
		out := []any{}
		for _, e := range n.vals {
			out = append(out, toAny(e))
		}
		return out
	case jsonObject:
		out := map[string]any{}
		for i, k := range n.keys {
			out[k] = toAny(n.vals[i])
		}
		return out
	}
	return nil
}

// compareWithStdlib checks parseBody against encoding/json: same verdict on
// validity, same decoded value.
func compareWithStdlib(t *testing.T, in []byte) {
	if len(bytes.TrimSpace(in)) == 0 {
		return // {} by definition
	}
	got, err := parseBody(in)
	if errors.Is(err, errTooDeep) {
		return
	}
	valid := json.Valid(in) && utf8.Valid(in)
	if (err == nil) != valid {
		t.Fatalf("%q: parse error %v, stdlib valid %v", in, err, valid)
	}
	if err != nil {
		return
	}
	d := json.NewDecoder(bytes.NewReader(in))
	d.UseNumber()
	var want any
	if err := d.Decode(&want); err != nil {
		t.Fatalf("%q: stdlib: %v", in, err)
	}
	if g := toAny(got); !reflect.DeepEqual(g, want) {
		t.Fatalf("%q: got %#v, want %#v", in, g, want)
	}
}

var jsonSeeds = []string{
	`{}`, `[]`, `{"a":1}`, `{"a":[1,2,{"b":null}],"c":true,"d":false}`, `"x"`, `-0`, `0.5e-3`, `1E+2`,
	`{"a":"\u00e9\ud83d\ude00\ud800\u0041\"\\\/\b\f\n\r\t"}`, `{"a":"\udc00\ud800"}`, `{"a":1,"a":2}`,
	` { "a" : [ ] } `, `{"a":1,}`, `[1,]`, `01`, `1.`, `.5`, `-`, `1e`, `+1`, `{"a" 1}`, `{a:1}`,
	`"\x"`, `"\u12"`, "\"a\x01\"", `[1 2]`, `{"a":1}}`, `nul`, `tru`, "\"\xff\"", `"ok"  `, `[[[]]]`,
}

func TestParseJSON(t *testing.T) {
	for _, s := range jsonSeeds {
		compareWithStdlib(t, []byte(s))
	}
	deep := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if _, err := parseBody([]byte(deep)); err != nil {
		t.Errorf("depth %d: %v", MaxDepth, err)
	}
	if _, err := parseBody([]byte("[" + deep + "]")); !errors.Is(err, errTooDeep) {
		t.Errorf("depth %d: %v", MaxDepth+1, err)
	}
	n, err := parseBody([]byte(`{"b":1,"a":2,"b":3}`))
	if err != nil || strings.Join(n.keys, ",") != "b,a" || n.get("b").s != "3" {
		t.Errorf("duplicate keys: %+v %v", n, err)
	}
	var big strings.Builder
	big.WriteString("{")
	for i := range 100 {
		if i > 0 {
			big.WriteString(",")
		}
		big.WriteString(`"k` + strings.Repeat("x", i) + `":1`)
	}
	big.WriteString(`,"k":2}`)
	n, err = parseBody([]byte(big.String()))
	if err != nil || len(n.keys) != 100 || n.get("k").s != "2" || n.get("kxx").s != "1" || n.get("nope") != nil {
		t.Errorf("large object: %v", err)
	}
}

// FuzzParseJSON is a differential fuzz test against encoding/json.
func FuzzParseJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(compareWithStdlib)
}
