package iam

import (
	"fmt"
	"unicode/utf16"
)

// The service validates the members it depends on itself too, so that
// callers other than the Query surface (which checks the whole request
// against the botocore model first) get the same ValidationError texts.

// validation returns a one-violation ValidationError in the AWS framework's
// words: "1 validation error detected: Value 'v' at 'path' failed to
// satisfy constraint: <constraint>". showValue false gives "Value at
// 'path'", as IAM writes it for some members.
func validation(value, path string, showValue bool, constraint string) *Error {
	v := "Value at '"
	if showValue {
		v = "Value '" + value + "' at '"
	}
	return &Error{Code: CodeValidation, Message: "1 validation error detected: " + v + path + "' failed to satisfy constraint: " + constraint}
}

// checkLength checks a string's length in UTF-16 code units, as the model
// constraints count it.
func checkLength(value, path string, minLen, maxLen int, showValue bool) error {
	n := utf16Len(value)
	switch {
	case n < minLen:
		return validation(value, path, showValue, fmt.Sprintf("Member must have length greater than or equal to %d", minLen))
	case n > maxLen:
		return validation(value, path, showValue, fmt.Sprintf("Member must have length less than or equal to %d", maxLen))
	}
	return nil
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
