// Package iamtest holds test helpers for the iam domain and its surfaces:
// an in-memory ValueStore with identity.Store's compare-and-swap semantics
// and a generator of SAML identity-provider metadata with a fresh signing
// certificate.
package iamtest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idpool/idpool/internal/identity"
)

// MemStore is an in-memory ValueStore: GetValue returns identity.ErrNotFound
// for a missing key, PutValue writes only when the stored version equals
// expectVersion (0 for a new key) and returns identity.ErrConflict
// otherwise. It is safe for concurrent use.
type MemStore struct {
	mu      sync.Mutex
	values  map[string][]byte
	version map[string]int64
	// Gets, Puts and Conflicts count calls: reads, successful writes and
	// writes refused with ErrConflict.
	Gets, Puts, Conflicts atomic.Int64
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{values: map[string][]byte{}, version: map[string]int64{}}
}

// GetValue returns a copy of the value and its version.
func (s *MemStore) GetValue(_ context.Context, key string) ([]byte, int64, error) {
	s.Gets.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.values[key]
	if !ok {
		return nil, 0, identity.ErrNotFound
	}
	return bytes.Clone(v), s.version[key], nil
}

// PutValue stores value if the version matches.
func (s *MemStore) PutValue(_ context.Context, key string, value []byte, expect int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.version[key] != expect {
		s.Conflicts.Add(1)
		return 0, identity.ErrConflict
	}
	s.values[key] = bytes.Clone(value)
	s.version[key]++
	s.Puts.Add(1)
	return s.version[key], nil
}

// SAMLMetadata returns SAML 2.0 identity-provider metadata for entityID
// with a freshly generated self-signed signing certificate, padded past
// IAM's 1,000-character minimum.
func SAMLMetadata(t testing.TB, entityID string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: entityID},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert := base64.StdEncoding.EncodeToString(der)
	var wrapped strings.Builder
	for len(cert) > 64 {
		wrapped.WriteString(cert[:64] + "\n")
		cert = cert[64:]
	}
	wrapped.WriteString(cert)
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="%s">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data>
          <ds:X509Certificate>
%s
          </ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="%s/sso/redirect"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="%s/sso/post"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`, entityID, wrapped.String(), entityID, entityID)
}
