package cfn

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// noEchoMask replaces NoEcho parameter values wherever idpool shows or
// stores parameters.
const noEchoMask = "****"

// validate checks a raw parameter value against the declaration and returns
// the value Ref yields: a string for String and Number (CloudFormation hands
// Number parameters to functions as strings), a list of strings for
// CommaDelimitedList and List<Number>.
func (p *Parameter) validate(raw string) (any, error) {
	shown := strconv.Quote(raw)
	if p.NoEcho {
		shown = "(NoEcho value)"
	}
	fail := func(format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		if p.ConstraintDescription != "" {
			msg += ": " + p.ConstraintDescription
		}
		return fmt.Errorf("%s", msg)
	}
	checkOne := func(v, shown string) error {
		if len(p.AllowedValues) > 0 {
			ok := false
			for _, a := range p.AllowedValues {
				if a == v {
					ok = true
					break
				}
			}
			if !ok {
				return fail("value %s is not one of the allowed values [%s]", shown, strings.Join(p.AllowedValues, ", "))
			}
		}
		if p.AllowedPattern != "" {
			re, err := regexp.Compile("^(?:" + p.AllowedPattern + ")$")
			if err != nil {
				return fmt.Errorf("invalid AllowedPattern: %v", err)
			}
			if !re.MatchString(v) {
				return fail("value %s does not match the allowed pattern %s", shown, p.AllowedPattern)
			}
		}
		n := utf8.RuneCountInString(v)
		if p.MinLength != nil && n < *p.MinLength {
			return fail("value %s is shorter than MinLength %d", shown, *p.MinLength)
		}
		if p.MaxLength != nil && n > *p.MaxLength {
			return fail("value %s is longer than MaxLength %d", shown, *p.MaxLength)
		}
		return nil
	}
	checkNumber := func(v, shown string) error {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return fail("value %s is not a number", shown)
		}
		if p.MinValue != nil && f < *p.MinValue {
			return fail("value %s is less than MinValue %s", shown, strconv.FormatFloat(*p.MinValue, 'f', -1, 64))
		}
		if p.MaxValue != nil && f > *p.MaxValue {
			return fail("value %s is greater than MaxValue %s", shown, strconv.FormatFloat(*p.MaxValue, 'f', -1, 64))
		}
		return nil
	}
	switch p.Type {
	case "String":
		return raw, checkOne(raw, shown)
	case "Number":
		if err := checkNumber(raw, shown); err != nil {
			return nil, err
		}
		return raw, checkOne(raw, shown)
	case "CommaDelimitedList", "List<Number>":
		parts := strings.Split(raw, ",")
		out := make([]any, len(parts))
		for i, e := range parts {
			es := strconv.Quote(e)
			if p.NoEcho {
				es = shown
			}
			if p.Type == "List<Number>" {
				e = strings.TrimSpace(e)
				if err := checkNumber(e, es); err != nil {
					return nil, err
				}
			}
			if err := checkOne(e, es); err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported parameter type %q", p.Type)
}

// resolveParameters combines the declared defaults with the given values.
// It returns the values Ref yields and, for display and state, the values as
// strings with NoEcho ones masked.
func (t *Template) resolveParameters(given map[string]string) (map[string]any, map[string]string, error) {
	for _, name := range sortedKeys(given) {
		if _, ok := t.Parameters[name]; ok {
			continue
		}
		if reason, ok := t.skippedParams[name]; ok {
			return nil, nil, errorf("Parameters."+name, "parameter is skipped (%s); do not pass a value", reason)
		}
		return nil, nil, errorf("Parameters."+name, "a value was given for a parameter the template does not declare")
	}
	values := make(map[string]any, len(t.Parameters))
	shown := make(map[string]string, len(t.Parameters))
	for _, name := range sortedKeys(t.Parameters) {
		p := t.Parameters[name]
		path := "Parameters." + name
		raw, ok := given[name]
		if !ok {
			if p.Default == nil {
				return nil, nil, errorf(path, "a value is required (the parameter has no Default)")
			}
			raw = *p.Default
		}
		v, err := p.validate(raw)
		if err != nil {
			return nil, nil, errorf(path, "%v", err)
		}
		values[name] = v
		if p.NoEcho {
			shown[name] = noEchoMask
		} else {
			shown[name] = raw
		}
	}
	return values, shown, nil
}
