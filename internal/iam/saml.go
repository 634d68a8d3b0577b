package iam

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// SAMLProvider is an IAM SAML provider.
type SAMLProvider struct {
	// ARN is arn:aws:iam::<account>:saml-provider/<name>.
	ARN  string `json:"arn"`
	Name string `json:"name"`
	// UUID is GetSAMLProvider's SAMLProviderUUID.
	UUID string `json:"uuid"`
	// Metadata is the SAML metadata document as submitted.
	Metadata string `json:"metadata"`
	// ValidUntil is the metadata's validUntil, or 100 years after the
	// upload when the metadata has none.
	ValidUntil time.Time `json:"validUntil"`
	CreateDate time.Time `json:"createDate"`
	// AssertionEncryptionMode is "Allowed" (default) or "Required". It is
	// stored and reported; idpool does not decrypt assertions.
	AssertionEncryptionMode string `json:"assertionEncryptionMode,omitempty"`
	Tags                    []Tag  `json:"tags,omitempty"`
}

func (p SAMLProvider) clone() SAMLProvider {
	p.Tags = cloneTags(p.Tags)
	return p
}

// Parse parses the provider's metadata (ParseSAMLMetadata).
func (p SAMLProvider) Parse() (SAMLMetadata, error) { return ParseSAMLMetadata(p.Metadata) }

type samlDoc struct {
	Providers []SAMLProvider `json:"providers"`
	byARN     map[string]int
}

func (d *samlDoc) reindex() {
	sort.Slice(d.Providers, func(i, j int) bool { return d.Providers[i].ARN < d.Providers[j].ARN })
	d.byARN = make(map[string]int, len(d.Providers))
	for i, p := range d.Providers {
		d.byARN[p.ARN] = i
	}
}

// SAMLMetadata is what idpool reads from a SAML metadata document: the
// identity provider's entity ID, its signing certificates and validity.
type SAMLMetadata struct {
	EntityID string
	// SigningCertificates are the X.509 certificates of the
	// IDPSSODescriptor's KeyDescriptors whose use is "signing" or unset.
	SigningCertificates []*x509.Certificate
	// ValidUntil is the EntityDescriptor's validUntil (zero if absent).
	ValidUntil time.Time
	// SSOURLs are the SingleSignOnService locations.
	SSOURLs []string
}

const (
	nsMetadata = "urn:oasis:names:tc:SAML:2.0:metadata"
	nsDSig     = "http://www.w3.org/2000/09/xmldsig#"
)

type mdEntity struct {
	XMLName    xml.Name
	EntityID   string     `xml:"entityID,attr"`
	ValidUntil string     `xml:"validUntil,attr"`
	IDPs       []mdIDP    `xml:"urn:oasis:names:tc:SAML:2.0:metadata IDPSSODescriptor"`
	Entities   []mdEntity `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntityDescriptor"`
}

type mdIDP struct {
	Keys []struct {
		Use     string `xml:"use,attr"`
		KeyInfo struct {
			X509Data []struct {
				Certs []string `xml:"http://www.w3.org/2000/09/xmldsig# X509Certificate"`
			} `xml:"http://www.w3.org/2000/09/xmldsig# X509Data"`
		} `xml:"http://www.w3.org/2000/09/xmldsig# KeyInfo"`
	} `xml:"urn:oasis:names:tc:SAML:2.0:metadata KeyDescriptor"`
	SSO []struct {
		Location string `xml:"Location,attr"`
	} `xml:"urn:oasis:names:tc:SAML:2.0:metadata SingleSignOnService"`
}

// ParseSAMLMetadata parses a SAML 2.0 metadata document: an EntityDescriptor
// (or the first one inside an EntitiesDescriptor) in the metadata namespace
// with an IDPSSODescriptor that has at least one signing certificate that
// parses as X.509. Anything else is InvalidInput "Could not parse metadata".
// DTDs are refused; no external entity is ever read.
func ParseSAMLMetadata(doc string) (SAMLMetadata, error) {
	if strings.Contains(doc, "<!DOCTYPE") || strings.Contains(doc, "<!ENTITY") {
		return SAMLMetadata{}, errSAMLMetadata
	}
	var root mdEntity
	dec := xml.NewDecoder(strings.NewReader(doc))
	dec.Strict = true
	if err := dec.Decode(&root); err != nil || root.XMLName.Space != nsMetadata {
		return SAMLMetadata{}, errSAMLMetadata
	}
	ent := root
	switch root.XMLName.Local {
	case "EntityDescriptor":
	case "EntitiesDescriptor":
		i := slices.IndexFunc(root.Entities, func(e mdEntity) bool { return len(e.IDPs) > 0 })
		if i < 0 {
			return SAMLMetadata{}, errSAMLMetadata
		}
		ent = root.Entities[i]
		if ent.ValidUntil == "" {
			ent.ValidUntil = root.ValidUntil
		}
	default:
		return SAMLMetadata{}, errSAMLMetadata
	}
	md := SAMLMetadata{EntityID: ent.EntityID}
	if ent.ValidUntil != "" {
		t, err := time.Parse(time.RFC3339, ent.ValidUntil)
		if err != nil {
			return SAMLMetadata{}, errSAMLMetadata
		}
		md.ValidUntil = t.UTC()
	}
	for _, idp := range ent.IDPs {
		for _, k := range idp.Keys {
			if k.Use != "" && k.Use != "signing" {
				continue
			}
			for _, xd := range k.KeyInfo.X509Data {
				for _, c := range xd.Certs {
					der, err := base64.StdEncoding.DecodeString(strings.Map(dropSpace, c))
					if err != nil {
						return SAMLMetadata{}, errSAMLMetadata
					}
					cert, err := x509.ParseCertificate(der)
					if err != nil {
						return SAMLMetadata{}, errSAMLMetadata
					}
					md.SigningCertificates = append(md.SigningCertificates, cert)
				}
			}
		}
		for _, sso := range idp.SSO {
			md.SSOURLs = append(md.SSOURLs, sso.Location)
		}
	}
	if md.EntityID == "" || len(md.SigningCertificates) == 0 {
		return SAMLMetadata{}, errSAMLMetadata
	}
	return md, nil
}

func dropSpace(r rune) rune {
	switch r {
	case ' ', '\t', '\n', '\r':
		return -1
	}
	return r
}

var samlNameRE = regexp.MustCompile(`^[\w._-]{1,128}$`)

// CreateSAMLProviderInput is CreateSAMLProvider's input.
type CreateSAMLProviderInput struct {
	Name     string
	Metadata string
	Tags     []Tag
	// AssertionEncryptionMode is "", "Allowed" or "Required".
	AssertionEncryptionMode string
}

func checkSAMLInput(name, metadata string) error {
	if !samlNameRE.MatchString(name) {
		if err := checkLength(name, "name", 1, 128, true); err != nil {
			return err
		}
		return validation(name, "name", true, `Member must satisfy regular expression pattern: [\w._-]+`)
	}
	return checkLength(metadata, "sAMLMetadataDocument", 1000, 10000000, false)
}

// CreateSAMLProvider registers a SAML provider: the name must match
// [\w._-]+ and the metadata must parse (ParseSAMLMetadata, InvalidInput
// "Could not parse metadata"), the tags be valid; then the name must be new
// (EntityAlreadyExists) and the account below 100 providers. The metadata
// is stored as submitted.
func (s *Service) CreateSAMLProvider(ctx context.Context, in CreateSAMLProviderInput) (SAMLProvider, error) {
	if err := checkSAMLInput(in.Name, in.Metadata); err != nil {
		return SAMLProvider{}, err
	}
	md, err := ParseSAMLMetadata(in.Metadata)
	if err != nil {
		return SAMLProvider{}, err
	}
	if err := checkTags(in.Tags); err != nil {
		return SAMLProvider{}, err
	}
	uuid, err := s.randomString(26, upperAlnum)
	if err != nil {
		return SAMLProvider{}, err
	}
	now := s.now().UTC().Truncate(time.Second)
	p := SAMLProvider{
		ARN: s.arnPrefix() + "saml-provider/" + in.Name, Name: in.Name, UUID: uuid, Metadata: in.Metadata,
		ValidUntil: validUntil(md, now), CreateDate: now, AssertionEncryptionMode: encryptionMode(in.AssertionEncryptionMode),
		Tags: cloneTags(in.Tags),
	}
	_, err = s.saml.update(ctx, func(d *samlDoc) error {
		if _, ok := d.byARN[p.ARN]; ok {
			return errSAMLExists(in.Name)
		}
		if len(d.Providers) >= MaxSAMLProviders {
			return errTooManySAML
		}
		d.Providers = append(d.Providers, p)
		return nil
	})
	if err != nil {
		return SAMLProvider{}, err
	}
	return p.clone(), nil
}

func validUntil(md SAMLMetadata, now time.Time) time.Time {
	if !md.ValidUntil.IsZero() {
		return md.ValidUntil
	}
	return now.AddDate(100, 0, 0)
}

func encryptionMode(m string) string {
	if m == "" {
		return "Allowed"
	}
	return m
}

// GetSAMLProvider returns the provider with the given ARN (NoSuchEntity
// "Manifest not found for arn …").
func (s *Service) GetSAMLProvider(ctx context.Context, arn string) (SAMLProvider, error) {
	return s.SAMLProviderByARN(ctx, arn)
}

// SAMLProviderByARN is the lookup for other packages: the registered
// provider with its metadata, from the snapshot (no I/O while it is fresh).
// Call Parse on the result for the signing certificates.
func (s *Service) SAMLProviderByARN(ctx context.Context, arn string) (SAMLProvider, error) {
	if err := checkProviderARN(arn, "saml-provider"); err != nil {
		return SAMLProvider{}, err
	}
	d, err := s.saml.read(ctx)
	if err != nil {
		return SAMLProvider{}, err
	}
	i, ok := d.byARN[arn]
	if !ok {
		return SAMLProvider{}, errSAMLNotFound(arn)
	}
	return d.Providers[i].clone(), nil
}

// ListSAMLProviders returns every SAML provider, ordered by ARN.
func (s *Service) ListSAMLProviders(ctx context.Context) ([]SAMLProvider, error) {
	d, err := s.saml.read(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]SAMLProvider, len(d.Providers))
	for i, p := range d.Providers {
		out[i] = p.clone()
	}
	return out, nil
}

// UpdateSAMLProviderInput is UpdateSAMLProvider's input. Empty fields are
// left unchanged.
type UpdateSAMLProviderInput struct {
	ARN                     string
	Metadata                string
	AssertionEncryptionMode string
}

// UpdateSAMLProvider replaces the metadata document (it must parse, as on
// create) and/or the assertion encryption mode.
func (s *Service) UpdateSAMLProvider(ctx context.Context, in UpdateSAMLProviderInput) (SAMLProvider, error) {
	if err := checkProviderARN(in.ARN, "saml-provider"); err != nil {
		return SAMLProvider{}, err
	}
	var md SAMLMetadata
	if in.Metadata != "" {
		if err := checkLength(in.Metadata, "sAMLMetadataDocument", 1000, 10000000, false); err != nil {
			return SAMLProvider{}, err
		}
		var err error
		if md, err = ParseSAMLMetadata(in.Metadata); err != nil {
			return SAMLProvider{}, err
		}
	}
	var out SAMLProvider
	_, err := s.saml.update(ctx, func(d *samlDoc) error {
		i, ok := d.byARN[in.ARN]
		if !ok {
			return errSAMLNotFound(in.ARN)
		}
		p := &d.Providers[i]
		if in.Metadata != "" {
			p.Metadata = in.Metadata
			p.ValidUntil = validUntil(md, s.now().UTC().Truncate(time.Second))
		}
		if in.AssertionEncryptionMode != "" {
			p.AssertionEncryptionMode = in.AssertionEncryptionMode
		}
		out = p.clone()
		return nil
	})
	if err != nil {
		return SAMLProvider{}, err
	}
	return out, nil
}

// DeleteSAMLProvider deletes the provider (NoSuchEntity "Manifest not found
// for arn …" if there is none). Roles and pools that name it are not
// changed.
func (s *Service) DeleteSAMLProvider(ctx context.Context, arn string) error {
	if err := checkProviderARN(arn, "saml-provider"); err != nil {
		return err
	}
	_, err := s.saml.update(ctx, func(d *samlDoc) error {
		i, ok := d.byARN[arn]
		if !ok {
			return errSAMLNotFound(arn)
		}
		d.Providers = slices.Delete(d.Providers, i, i+1)
		return nil
	})
	return err
}
