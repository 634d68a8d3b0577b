package iamapi

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/idpool/idpool/internal/awsmodel"
)

// check rebuilds the form parameters of action as the JSON object of its
// input shape, checks it against the IAM model and returns it.
//
// Query serialization: a scalar member is Name=value; a list member is
// Name.member.N=value (N from 1), an empty list Name=; a structure inside
// a list is Name.member.N.Field=value. Parameters the shape does not have
// are ignored, as AWS does.
func (s *Server) check(action string, form url.Values) ([]byte, error) {
	op, ok := s.model.Operation(action)
	if !ok || op.InputShape == nil {
		return []byte("{}"), nil
	}
	obj, err := structureFromForm(op.InputShape, form, "")
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("iamapi: encode %s input: %w", action, err)
	}
	if err := s.model.Check(action, b); err != nil {
		return nil, err
	}
	return b, nil
}

func structureFromForm(sh *awsmodel.Shape, form url.Values, prefix string) (map[string]any, error) {
	obj := map[string]any{}
	for _, m := range sh.Members {
		v, present, err := valueFromForm(m.Shape, form, prefix+m.WireName)
		if err != nil {
			return nil, err
		}
		if present {
			obj[m.Name] = v
		}
	}
	return obj, nil
}

func valueFromForm(sh *awsmodel.Shape, form url.Values, key string) (any, bool, error) {
	switch sh.Type {
	case awsmodel.TypeList:
		return listFromForm(sh, form, key)
	case awsmodel.TypeStructure:
		if !hasPrefix(form, key+".") {
			return nil, false, nil
		}
		obj, err := structureFromForm(sh, form, key+".")
		return obj, err == nil, err
	}
	vals, ok := form[key]
	if !ok || len(vals) == 0 {
		return nil, false, nil
	}
	v := vals[0]
	switch sh.Type {
	case awsmodel.TypeInteger, awsmodel.TypeLong:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, false, &Error{Code: "ValidationError", Message: fmt.Sprintf("Value '%s' for parameter %s is invalid. Must be an integer.", v, key)}
		}
		return n, true, nil
	case awsmodel.TypeBoolean:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, false, &Error{Code: "ValidationError", Message: fmt.Sprintf("Value '%s' for parameter %s is invalid. Must be a boolean.", v, key)}
		}
		return b, true, nil
	}
	return v, true, nil
}

func hasPrefix(form url.Values, prefix string) bool {
	for k := range form {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// listFromForm collects Name.member.N[.…] in the order of N.
func listFromForm(sh *awsmodel.Shape, form url.Values, key string) (any, bool, error) {
	prefix := key + ".member."
	idx := map[int]bool{}
	for k := range form {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		n, _, _ := strings.Cut(rest, ".")
		i, err := strconv.Atoi(n)
		if err != nil || i < 1 {
			continue
		}
		idx[i] = true
	}
	if len(idx) == 0 {
		if _, ok := form[key]; ok {
			return []any{}, true, nil // "Name=" is an empty list
		}
		return nil, false, nil
	}
	order := make([]int, 0, len(idx))
	for i := range idx {
		order = append(order, i)
	}
	sort.Ints(order)
	out := make([]any, 0, len(order))
	for _, i := range order {
		v, present, err := valueFromForm(sh.Elem, form, prefix+strconv.Itoa(i))
		if err != nil {
			return nil, false, err
		}
		if present {
			out = append(out, v)
		}
	}
	return out, true, nil
}
