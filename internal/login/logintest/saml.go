package logintest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"math/big"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// SAML constants of AWS sign-in.
const (
	// SAMLRoleAttribute lists "<role ARN>,<provider ARN>" pairs.
	SAMLRoleAttribute = "https://aws.amazon.com/SAML/Attributes/Role"
	// SAMLRecipient is AWS's assertion consumer service.
	SAMLRecipient = "https://signin.aws.amazon.com/saml"
	// SAMLAudience is the audience AWS requires.
	SAMLAudience = "urn:amazon:webservices"

	samlTime    = "2006-01-02T15:04:05Z"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
)

// SAMLIdP is a SAML identity provider with its own RSA key, a self-signed
// certificate and the metadata document to register with IAM
// CreateSAMLProvider.
type SAMLIdP struct {
	// EntityID is the metadata's entityID and the assertions' Issuer.
	EntityID string
	// Metadata is the IdP's EntityDescriptor.
	Metadata string

	key     *rsa.PrivateKey
	certDER []byte
}

// NewSAMLIdP returns an IdP with a fresh key and certificate.
func NewSAMLIdP(tb testing.TB, entityID string) *SAMLIdP {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "logintest SAML IdP"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	md := fmt.Sprintf(`<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="%s">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`, esc(entityID), base64.StdEncoding.EncodeToString(der))
	return &SAMLIdP{EntityID: entityID, Metadata: md, key: key, certDER: der}
}

// Attribute is one SAML attribute and its values, in document order.
type Attribute struct {
	Name   string
	Values []string
}

// Assertion describes one SAML assertion.
type Assertion struct {
	ID, Issuer, NameID, Recipient string
	// Audiences has one list per AudienceRestriction.
	Audiences               [][]string
	NotBefore, NotOnOrAfter time.Time
	// ConfirmationNotOnOrAfter is the SubjectConfirmationData's.
	ConfirmationNotOnOrAfter time.Time
	Attributes               []Attribute
}

var assertionSeq atomic.Int64

// Assertion returns a valid assertion for nameID, issued now, valid for
// five minutes, for AWS's recipient and audience, with a fresh ID and the
// given attributes.
func (i *SAMLIdP) Assertion(nameID string, attrs ...Attribute) Assertion {
	now := time.Now().UTC()
	return Assertion{
		ID:                       fmt.Sprintf("_logintest-%d-%d", now.UnixNano(), assertionSeq.Add(1)),
		Issuer:                   i.EntityID,
		NameID:                   nameID,
		Recipient:                SAMLRecipient,
		Audiences:                [][]string{{SAMLAudience}},
		NotBefore:                now.Add(-time.Minute),
		NotOnOrAfter:             now.Add(5 * time.Minute),
		ConfirmationNotOnOrAfter: now.Add(5 * time.Minute),
		Attributes:               attrs,
	}
}

// RoleAttribute is the Role attribute granting each role with providerARN.
func RoleAttribute(providerARN string, roleARNs ...string) Attribute {
	a := Attribute{Name: SAMLRoleAttribute}
	for _, r := range roleARNs {
		a.Values = append(a.Values, r+","+providerARN)
	}
	return a
}

// Response returns the base64 SAMLResponse holding a, signed (enveloped
// signature on the assertion, exclusive c14n, RSA-SHA256) as IdPs do.
func (i *SAMLIdP) Response(tb testing.TB, a Assertion) string {
	tb.Helper()
	return encode(tb, response(tb, a.Issuer, a.Recipient, i.sign(tb, a.element(tb))))
}

// UnsignedResponse returns a Response whose assertion carries no signature.
func (i *SAMLIdP) UnsignedResponse(tb testing.TB, a Assertion) string {
	tb.Helper()
	return encode(tb, response(tb, a.Issuer, a.Recipient, a.element(tb)))
}

// WrappedResponse returns the classic signature-wrapping forgery: the
// genuine signed assertion signed is kept, and the unsigned forged one is
// placed before it in the same Response, for a verifier that checks one
// assertion and reads another.
func (i *SAMLIdP) WrappedResponse(tb testing.TB, signed, forged Assertion) string {
	tb.Helper()
	return encode(tb, response(tb, signed.Issuer, signed.Recipient, forged.element(tb), i.sign(tb, signed.element(tb))))
}

// TamperedResponse signs a and then replaces its NameID with nameID.
func (i *SAMLIdP) TamperedResponse(tb testing.TB, a Assertion, nameID string) string {
	tb.Helper()
	el := i.sign(tb, a.element(tb))
	for _, c := range el.ChildElements() {
		if c.Tag == "Subject" {
			for _, n := range c.ChildElements() {
				if n.Tag == "NameID" {
					n.SetText(nameID)
				}
			}
		}
	}
	return encode(tb, response(tb, a.Issuer, a.Recipient, el))
}

func (i *SAMLIdP) sign(tb testing.TB, el *etree.Element) *etree.Element {
	tb.Helper()
	ctx := dsig.NewDefaultSigningContext(dsig.TLSCertKeyStore(tls.Certificate{Certificate: [][]byte{i.certDER}, PrivateKey: i.key}))
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	signed, err := ctx.SignEnveloped(el)
	if err != nil {
		tb.Fatal(err)
	}
	return signed
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (a Assertion) element(tb testing.TB) *etree.Element {
	tb.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `<saml:Assertion xmlns:saml="%s" ID="%s" Version="2.0" IssueInstant="%s">`, nsAssertion, esc(a.ID), a.NotBefore.UTC().Format(samlTime))
	fmt.Fprintf(&b, `<saml:Issuer>%s</saml:Issuer>`, esc(a.Issuer))
	fmt.Fprintf(&b, `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">%s</saml:NameID>`, esc(a.NameID))
	fmt.Fprintf(&b, `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="%s" Recipient="%s"/></saml:SubjectConfirmation></saml:Subject>`,
		a.ConfirmationNotOnOrAfter.UTC().Format(samlTime), esc(a.Recipient))
	fmt.Fprintf(&b, `<saml:Conditions NotBefore="%s" NotOnOrAfter="%s">`, a.NotBefore.UTC().Format(samlTime), a.NotOnOrAfter.UTC().Format(samlTime))
	for _, r := range a.Audiences {
		b.WriteString(`<saml:AudienceRestriction>`)
		for _, aud := range r {
			fmt.Fprintf(&b, `<saml:Audience>%s</saml:Audience>`, esc(aud))
		}
		b.WriteString(`</saml:AudienceRestriction>`)
	}
	b.WriteString(`</saml:Conditions>`)
	fmt.Fprintf(&b, `<saml:AuthnStatement AuthnInstant="%s" SessionIndex="_s1"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`,
		a.NotBefore.UTC().Format(samlTime))
	if len(a.Attributes) > 0 {
		b.WriteString(`<saml:AttributeStatement>`)
		for _, at := range a.Attributes {
			fmt.Fprintf(&b, `<saml:Attribute Name="%s">`, esc(at.Name))
			for _, v := range at.Values {
				fmt.Fprintf(&b, `<saml:AttributeValue>%s</saml:AttributeValue>`, esc(v))
			}
			b.WriteString(`</saml:Attribute>`)
		}
		b.WriteString(`</saml:AttributeStatement>`)
	}
	b.WriteString(`</saml:Assertion>`)
	doc := etree.NewDocument()
	if err := doc.ReadFromString(b.String()); err != nil {
		tb.Fatal(err)
	}
	return doc.Root()
}

var respSeq atomic.Int64

func response(tb testing.TB, issuer, destination string, children ...*etree.Element) *etree.Element {
	tb.Helper()
	x := fmt.Sprintf(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_resp-%d" Version="2.0" IssueInstant="%s" Destination="%s">`+
		`<saml:Issuer xmlns:saml="%s">%s</saml:Issuer>`+
		`<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:Response>`,
		respSeq.Add(1), time.Now().UTC().Format(samlTime), esc(destination), nsAssertion, esc(issuer))
	doc := etree.NewDocument()
	if err := doc.ReadFromString(x); err != nil {
		tb.Fatal(err)
	}
	root := doc.Root()
	for _, c := range children {
		root.AddChild(c)
	}
	return root
}

func encode(tb testing.TB, root *etree.Element) string {
	tb.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(root)
	s, err := doc.WriteToString()
	if err != nil {
		tb.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString([]byte(s))
}
