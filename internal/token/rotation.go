package token

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// docFormat is the version of the stored document this code writes. A node
// refuses to load (and so never overwrites) a document with a newer format.
const docFormat = 1

// keyState is the stored document (JSON) under Config.StoreKey:
//
//	{
//	  "format": 1,
//	  "last_serial": 3,
//	  "signing": {"kid":"us-east-12","n":"…","e":"AQAB","created":"…","activated":"…","sealed_private_key":"…"},
//	  "next":    {"kid":"us-east-13","n":"…","e":"AQAB","created":"…","sealed_private_key":"…"},
//	  "retired": [{"kid":"us-east-11","n":"…","e":"AQAB","created":"…","activated":"…","retired":"…","expires":"…"}]
//	}
//
// n and e are base64url (no padding) as in the JWKS; sealed_private_key is
// standard base64 of the blob described in seal.go; times are RFC 3339 UTC.
// Retired keys are newest first.
type keyState struct {
	Format     int         `json:"format"`
	LastSerial int64       `json:"last_serial"`
	Signing    *storedKey  `json:"signing,omitempty"`
	Next       *storedKey  `json:"next,omitempty"`
	Retired    []storedKey `json:"retired"`
}

// storedKey is one key of the document.
type storedKey struct {
	KID string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
	// Created is when the key was generated (and published, as the next key).
	Created time.Time `json:"created"`
	// Activated is when the key became the signing key.
	Activated time.Time `json:"activated,omitzero"`
	// Retired is when the key stopped signing.
	Retired time.Time `json:"retired,omitzero"`
	// Expires is when a retired key leaves the JWKS: Retired +
	// MaxTokenLifetime + grace.
	Expires time.Time `json:"expires,omitzero"`
	// Sealed is the sealed private key; retired keys have none.
	Sealed []byte `json:"sealed_private_key,omitempty"`
}

func (s keyState) clone() keyState {
	out := s
	if s.Signing != nil {
		k := *s.Signing
		out.Signing = &k
	}
	if s.Next != nil {
		k := *s.Next
		out.Next = &k
	}
	out.Retired = append([]storedKey(nil), s.Retired...)
	return out
}

func decodeState(raw []byte) (keyState, error) {
	var s keyState
	if err := json.Unmarshal(raw, &s); err != nil {
		return keyState{}, fmt.Errorf("token: signing-key document: %w", err)
	}
	if s.Format < 1 || s.Format > docFormat {
		return keyState{}, fmt.Errorf("token: signing-key document has format %d; this build reads format %d (written by a newer idpool?)", s.Format, docFormat)
	}
	return s, nil
}

func encodeState(s keyState) ([]byte, error) {
	if s.Retired == nil {
		s.Retired = []storedKey{}
	}
	return json.MarshalIndent(s, "", "  ")
}

// rotationPolicy is what rotate needs from the Config.
type rotationPolicy struct {
	region string
	// period: how long a key signs before it is retired.
	period time.Duration
	// retain: how long a retired key stays published after its retirement
	// (MaxTokenLifetime + grace).
	retain time.Duration
}

// mintFunc returns a new key for kid with KID, N, E and Sealed set.
type mintFunc func(kid string) (storedKey, error)

// rotate applies the rotation rules to s at now and reports whether anything
// changed. It is a pure function of its arguments (mint is called only for
// keys it adds, with their kid) and does not modify s:
//
//  1. retired keys with Expires <= now are dropped;
//  2. with no signing key, the next key is promoted, or a key is minted;
//  3. when the signing key was activated at least period ago, it is retired
//     (its private half dropped, Expires = now + retain) and the next key (or
//     a freshly minted one) becomes the signing key, activated now;
//  4. with no next key, one is minted.
//
// However long a node was away, one call rotates at most once.
func rotate(s keyState, now time.Time, p rotationPolicy, mint mintFunc) (keyState, bool, error) {
	out := s.clone()
	changed := false
	if out.Format == 0 {
		out.Format = docFormat
		changed = true
	}

	kept := out.Retired[:0]
	for _, k := range out.Retired {
		if now.Before(k.Expires) {
			kept = append(kept, k)
		} else {
			changed = true
		}
	}
	out.Retired = kept

	newKey := func() (*storedKey, error) {
		used := map[string]bool{}
		for _, k := range out.Retired {
			used[k.KID] = true
		}
		if out.Signing != nil {
			used[out.Signing.KID] = true
		}
		if out.Next != nil {
			used[out.Next.KID] = true
		}
		var kid string
		for {
			out.LastSerial++
			kid = p.region + strconv.FormatInt(out.LastSerial, 10)
			if !used[kid] { // only a changed Region can make a kid repeat
				break
			}
		}
		k, err := mint(kid)
		if err != nil {
			return nil, err
		}
		k.KID = kid
		k.Created = now
		k.Activated, k.Retired, k.Expires = time.Time{}, time.Time{}, time.Time{}
		return &k, nil
	}
	promote := func() error {
		if out.Next == nil {
			k, err := newKey()
			if err != nil {
				return err
			}
			out.Next = k
		}
		out.Signing, out.Next = out.Next, nil
		out.Signing.Activated = now
		return nil
	}

	switch {
	case out.Signing == nil:
		if err := promote(); err != nil {
			return keyState{}, false, err
		}
		changed = true
	case !now.Before(out.Signing.Activated.Add(p.period)):
		old := *out.Signing
		old.Sealed = nil
		old.Retired = now
		old.Expires = now.Add(p.retain)
		out.Retired = append([]storedKey{old}, out.Retired...)
		if err := promote(); err != nil {
			return keyState{}, false, err
		}
		changed = true
	}
	if out.Next == nil {
		k, err := newKey()
		if err != nil {
			return keyState{}, false, err
		}
		out.Next = k
		changed = true
	}
	return out, changed, nil
}
