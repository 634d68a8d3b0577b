package sts

import (
	"encoding/binary"
	"errors"
	"maps"
	"slices"
	"time"
)

// tokenVersion is the first byte of every session token. A token with another
// first byte is refused.
const tokenVersion = 1

// Token layout (before base64url without padding):
//
//	[0]      tokenVersion
//	[1]      key id (which keyring key sealed it)
//	[2:14]   AES-GCM nonce (random)
//	[14:]    AES-256-GCM(plaintext) with its 16-byte tag
//
// The additional data is bytes [0:2] followed by the access key ID, so a
// token opens only together with the access key it was minted for.
const (
	headerLen = 2
	nonceLen  = 12
	tagLen    = 16
)

// Plaintext layout, all integers varints:
//
//	issued-at (unix seconds, signed), lifetime (seconds),
//	RoleARN, RoleSessionName, Subject, Provider, Audience, SourceIdentity
//	(each a length and bytes), AMR count and strings, tag count and
//	key/value strings sorted by key.
//
// The access key ID is not stored (it is the additional data) and neither is
// the secret (it is derived from the key and the access key ID).

var errMalformed = errors.New("malformed session")

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func encodeSession(s *Session) []byte {
	n := 32 + len(s.RoleARN) + len(s.RoleSessionName) + len(s.Subject) + len(s.Provider) + len(s.Audience) + len(s.SourceIdentity)
	for _, a := range s.AMR {
		n += 2 + len(a)
	}
	for k, v := range s.SessionTags {
		n += 4 + len(k) + len(v)
	}
	b := make([]byte, 0, n)
	b = binary.AppendVarint(b, s.IssuedAt.Unix())
	b = binary.AppendUvarint(b, uint64(s.Expiration.Unix()-s.IssuedAt.Unix()))
	for _, f := range []string{s.RoleARN, s.RoleSessionName, s.Subject, s.Provider, s.Audience, s.SourceIdentity} {
		b = appendString(b, f)
	}
	b = binary.AppendUvarint(b, uint64(len(s.AMR)))
	for _, a := range s.AMR {
		b = appendString(b, a)
	}
	b = binary.AppendUvarint(b, uint64(len(s.SessionTags)))
	for _, k := range slices.Sorted(maps.Keys(s.SessionTags)) {
		b = appendString(b, k)
		b = appendString(b, s.SessionTags[k])
	}
	return b
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errMalformed
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errMalformed
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.err = errMalformed
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// count reads a collection length and rejects one that could not fit in the
// remaining bytes (each element takes at least one byte).
func (d *decoder) count() int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)) {
		d.err = errMalformed
	}
	if d.err != nil {
		return 0
	}
	return int(n)
}

func decodeSession(b []byte, s *Session) error {
	d := decoder{b: b}
	issued := d.varint()
	life := d.uvarint()
	if d.err == nil && life > 1<<40 {
		d.err = errMalformed
	}
	s.RoleARN = d.string()
	s.RoleSessionName = d.string()
	s.Subject = d.string()
	s.Provider = d.string()
	s.Audience = d.string()
	s.SourceIdentity = d.string()
	if n := d.count(); n > 0 {
		s.AMR = make([]string, n)
		for i := range s.AMR {
			s.AMR[i] = d.string()
		}
	}
	if n := d.count(); n > 0 {
		s.SessionTags = make(map[string]string, n)
		for range n {
			k := d.string()
			s.SessionTags[k] = d.string()
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errMalformed
	}
	if d.err != nil {
		return d.err
	}
	s.IssuedAt = time.Unix(issued, 0).UTC()
	s.Expiration = time.Unix(issued+int64(life), 0).UTC()
	return nil
}
