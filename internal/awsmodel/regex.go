package awsmodel

import (
	"errors"
	"regexp"
	"strings"
)

// Java character classes that RE2 spells differently. Java's \s is
// [ \t\n\x0B\f\r] (RE2's lacks \x0B), and Java's "." does not match any line
// terminator (\n, \r, \u0085, \u2028, \u2029), RE2's only excludes \n.
const (
	javaSpaceSet    = `\t\n\x0B\f\r\x20`
	javaNonSpaceSet = `\x00-\x08\x0E-\x1F\x21-\x{10FFFF}`
	javaDot         = `[^\n\r\x{85}\x{2028}\x{2029}]`
)

// compileJavaRegexp compiles a java.util.regex pattern as used by
// String.matches: the whole value must match. It rewrites the few
// constructs whose meaning differs between Java and RE2 (\s, \S, ".",
// \uXXXX) and fails on constructs RE2 lacks (look-arounds, possessive
// quantifiers, back-references), which the caller then leaves unchecked.
func compileJavaRegexp(pat string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`\A(?:`)
	inClass := false
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch {
		case c == '\\':
			if i+1 >= len(pat) {
				return nil, errors.New("trailing backslash")
			}
			i++
			switch e := pat[i]; e {
			case 's':
				if inClass {
					b.WriteString(javaSpaceSet)
				} else {
					b.WriteString("[" + javaSpaceSet + "]")
				}
			case 'S':
				if inClass {
					b.WriteString(javaNonSpaceSet)
				} else {
					b.WriteString("[^" + javaSpaceSet + "]")
				}
			case 'u':
				if i+4 >= len(pat) {
					return nil, errors.New(`short \u escape`)
				}
				hex := pat[i+1 : i+5]
				for j := 0; j < 4; j++ {
					if !isHex(hex[j]) {
						return nil, errors.New(`bad \u escape`)
					}
				}
				b.WriteString(`\x{` + hex + `}`)
				i += 4
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		case c == '[' && !inClass:
			inClass = true
			b.WriteByte('[')
			if i+1 < len(pat) && pat[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
		case c == ']' && inClass:
			inClass = false
			b.WriteByte(']')
		case c == '.' && !inClass:
			b.WriteString(javaDot)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteString(`)\z`)
	return regexp.Compile(b.String())
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
