package awsmodel

import (
	"bytes"
	"errors"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of JSON arrays and objects Check accepts;
// deeper documents are a SerializationException.
const MaxDepth = 256

type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// node is a parsed JSON value. Objects keep their keys in document order
// without duplicates (a repeated key keeps its first position and takes the
// last value, as a java.util.HashMap filled by put does).
type node struct {
	kind jsonKind
	b    bool
	s    string // string value, or the text of a number
	keys []string
	vals []*node // object values (parallel to keys) or array elements
	idx  map[string]int

	// set by the type check for integer and long shapes
	i int64
}

const objectIndexThreshold = 16

func (n *node) get(key string) *node {
	if n.idx != nil {
		if i, ok := n.idx[key]; ok {
			return n.vals[i]
		}
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

func (n *node) set(key string, v *node) {
	if n.idx != nil {
		if i, ok := n.idx[key]; ok {
			n.vals[i] = v
			return
		}
	} else {
		for i, k := range n.keys {
			if k == key {
				n.vals[i] = v
				return
			}
		}
	}
	n.keys = append(n.keys, key)
	n.vals = append(n.vals, v)
	if n.idx != nil {
		n.idx[key] = len(n.keys) - 1
	} else if len(n.keys) > objectIndexThreshold {
		n.idx = make(map[string]int, 2*len(n.keys))
		for i, k := range n.keys {
			n.idx[k] = i
		}
	}
}

var (
	errSyntax  = errors.New("malformed JSON")
	errTooDeep = errors.New("JSON nested too deeply")
)

// parseBody parses a request body with a strict RFC 8259 parser. An empty
// body is {}. Strings decode as encoding/json decodes them (an unpaired
// surrogate escape becomes U+FFFD); a repeated object key keeps its first
// position and takes the last value.
func parseBody(body []byte) (*node, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return &node{kind: jsonObject}, nil
	}
	if !utf8.Valid(body) {
		return nil, errSyntax
	}
	p := parser{data: body}
	// Every value but the root follows a ':', ',' or '[', so this bounds
	// the number of nodes; allocate them at once (up to a point).
	est := 1
	for _, c := range body {
		if c == ':' || c == ',' || c == '[' {
			est++
		}
	}
	p.slab = make([]node, min(est, 256))
	p.skipSpace()
	root, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return nil, errSyntax
	}
	return root, nil
}

type parser struct {
	data []byte
	pos  int
	slab []node // nodes are allocated in chunks
	buf  []byte // scratch for unescaping
}

func (p *parser) alloc(k jsonKind) *node {
	if len(p.slab) == 0 {
		p.slab = make([]node, 64)
	}
	n := &p.slab[0]
	p.slab = p.slab[1:]
	n.kind = k
	return n
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) literal(lit string) bool {
	if bytes.HasPrefix(p.data[p.pos:], []byte(lit)) {
		p.pos += len(lit)
		return true
	}
	return false
}

func (p *parser) value(depth int) (*node, error) {
	if p.pos >= len(p.data) {
		return nil, errSyntax
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		if depth >= MaxDepth {
			return nil, errTooDeep
		}
		return p.object(depth)
	case c == '[':
		if depth >= MaxDepth {
			return nil, errTooDeep
		}
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		n := p.alloc(jsonString)
		n.s = s
		return n, nil
	case c == 't':
		if p.literal("true") {
			n := p.alloc(jsonBool)
			n.b = true
			return n, nil
		}
	case c == 'f':
		if p.literal("false") {
			return p.alloc(jsonBool), nil
		}
	case c == 'n':
		if p.literal("null") {
			return p.alloc(jsonNull), nil
		}
	case c == '-' || '0' <= c && c <= '9':
		return p.number()
	}
	return nil, errSyntax
}

func (p *parser) object(depth int) (*node, error) {
	p.pos++ // {
	n := p.alloc(jsonObject)
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return n, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, errSyntax
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, errSyntax
		}
		p.pos++
		p.skipSpace()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		n.set(k, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, errSyntax
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return n, nil
		default:
			return nil, errSyntax
		}
	}
}

func (p *parser) array(depth int) (*node, error) {
	p.pos++ // [
	n := p.alloc(jsonArray)
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return n, nil
	}
	for {
		p.skipSpace()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		n.vals = append(n.vals, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, errSyntax
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return n, nil
		default:
			return nil, errSyntax
		}
	}
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) number() (*node, error) {
	d, start := p.data, p.pos
	i := start
	digits := func() bool {
		j := i
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case !digits():
		return nil, errSyntax
	}
	if i < len(d) && d[i] == '.' {
		i++
		if !digits() {
			return nil, errSyntax
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digits() {
			return nil, errSyntax
		}
	}
	p.pos = i
	n := p.alloc(jsonNumber)
	n.s = string(d[start:i])
	return n, nil
}

// str scans a string starting at the opening quote.
func (p *parser) str() (string, error) {
	d := p.data
	i := p.pos + 1
	start := i
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return string(d[start:i]), nil
		case c == '\\':
			return p.strSlow(start)
		case c < 0x20:
			return "", errSyntax
		}
		i++
	}
	return "", errSyntax
}

func (p *parser) strSlow(start int) (string, error) {
	d := p.data
	b := p.buf[:0]
	i := start
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			p.pos = i + 1
			p.buf = b
			return string(b), nil
		case c < 0x20:
			return "", errSyntax
		case c != '\\':
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(d) {
			return "", errSyntax
		}
		switch e := d[i+1]; e {
		case '"', '\\', '/':
			b = append(b, e)
			i += 2
		case 'b':
			b = append(b, '\b')
			i += 2
		case 'f':
			b = append(b, '\f')
			i += 2
		case 'n':
			b = append(b, '\n')
			i += 2
		case 'r':
			b = append(b, '\r')
			i += 2
		case 't':
			b = append(b, '\t')
			i += 2
		case 'u':
			r := hex4(d[i+2:])
			if r < 0 {
				return "", errSyntax
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' {
					if r2 := hex4(d[i+2:]); r2 >= 0 {
						if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
							b = utf8.AppendRune(b, dec)
							i += 6
							continue
						}
					}
				}
				r = unicode.ReplacementChar
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", errSyntax
		}
	}
	return "", errSyntax
}

func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}
