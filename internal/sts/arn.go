package sts

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// arnParts splits "arn:partition:service:region:account:resource". ok is
// false when s has fewer than six colon-separated parts.
func arnParts(s string) (partition, account, resource string, ok bool) {
	p := strings.SplitN(s, ":", 6)
	if len(p) != 6 || p[0] != "arn" {
		return "", "", "", false
	}
	return p[1], p[4], p[5], true
}

// RoleName is the name of a role ARN: the last path segment of its resource
// "role/path/name". For "arn:aws:iam::123456789012:role/service-role/Reader"
// it is "Reader". A string that is not an ARN is returned as it is after its
// last "/".
func RoleName(roleARN string) string {
	res := roleARN
	if _, _, r, ok := arnParts(roleARN); ok {
		res = r
	}
	if i := strings.LastIndexByte(res, '/'); i >= 0 {
		return res[i+1:]
	}
	return res
}

// AssumedRoleARN is the ARN of a role session:
// "arn:<partition>:sts::<account>:assumed-role/<role name>/<session>", the
// partition taken from roleARN ("aws" if it has none), the role name being
// RoleName(roleARN).
func AssumedRoleARN(account, roleARN, session string) string {
	partition := "aws"
	if p, _, _, ok := arnParts(roleARN); ok && p != "" {
		partition = p
	}
	return "arn:" + partition + ":sts::" + account + ":assumed-role/" + RoleName(roleARN) + "/" + session
}

// RoleID is the unique ID of a role: "AROA" and 17 characters of [A-Z2-7]
// derived from the role ARN alone, so every node computes the same ID for the
// same role, and it changes when the ARN does. (AWS's IDs are random per role
// creation; this one is stable because roles here are not created by IAM.)
func RoleID(roleARN string) string {
	sum := sha256.Sum256([]byte("idpool/role-id\x00" + roleARN))
	return "AROA" + base32.StdEncoding.EncodeToString(sum[:])[:17]
}

// AssumedRoleID is the AssumedRoleUser.AssumedRoleId / GetCallerIdentity
// UserId of a role session: RoleID(roleARN) + ":" + session.
func AssumedRoleID(roleARN, session string) string {
	return RoleID(roleARN) + ":" + session
}
