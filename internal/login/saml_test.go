package login

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/idpool/idpool/internal/identity"
)

const (
	samlARN      = "arn:aws:iam::123456789012:saml-provider/Corp"
	samlEntityID = "https://idp.corp.example/saml"
	awsRecipient = "https://signin.aws.amazon.com/saml"
	samlTime     = "2006-01-02T15:04:05Z"
	nsAssertion  = "urn:oasis:names:tc:SAML:2.0:assertion"
)

// samlIdPFixture is a SAML IdP with its own key, certificate and metadata.
type samlIdPFixture struct {
	entityID string
	key      *rsa.PrivateKey
	certDER  []byte
	metadata []byte
}

func newSAMLIdP(t testing.TB, key *rsa.PrivateKey, entityID string, notAfter time.Time) *samlIdPFixture {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "idp.corp.example"},
		NotBefore:    t0.Add(-365 * 24 * time.Hour),
		NotAfter:     notAfter,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	md := fmt.Sprintf(`<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="%s">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data><ds:X509Certificate>
%s
        </ds:X509Certificate></ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.corp.example/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`, entityID, base64.StdEncoding.EncodeToString(der))
	return &samlIdPFixture{entityID: entityID, key: key, certDER: der, metadata: []byte(md)}
}

// sign returns el with an enveloped signature (exclusive c14n, RSA-SHA256),
// as real IdPs produce.
func (f *samlIdPFixture) sign(t testing.TB, el *etree.Element) *etree.Element {
	t.Helper()
	ctx := dsig.NewDefaultSigningContext(dsig.TLSCertKeyStore(tls.Certificate{Certificate: [][]byte{f.certDER}, PrivateKey: f.key}))
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	signed, err := ctx.SignEnveloped(el)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

type samlAttr struct {
	name   string
	values []string
}

// assertionSpec describes one assertion.
type assertionSpec struct {
	id, issuer, nameID, recipient string
	audiences                     [][]string // one list per AudienceRestriction
	notBefore, notOnOrAfter       time.Time
	scdNotOnOrAfter               time.Time
	attrs                         []samlAttr
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func assertionElement(t testing.TB, s assertionSpec) *etree.Element {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `<saml:Assertion xmlns:saml="%s" ID="%s" Version="2.0" IssueInstant="%s">`, nsAssertion, esc(s.id), s.notBefore.Format(samlTime))
	fmt.Fprintf(&b, `<saml:Issuer>%s</saml:Issuer>`, esc(s.issuer))
	fmt.Fprintf(&b, `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">%s</saml:NameID>`, esc(s.nameID))
	fmt.Fprintf(&b, `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="%s" Recipient="%s"/></saml:SubjectConfirmation></saml:Subject>`,
		s.scdNotOnOrAfter.Format(samlTime), esc(s.recipient))
	fmt.Fprintf(&b, `<saml:Conditions NotBefore="%s" NotOnOrAfter="%s">`, s.notBefore.Format(samlTime), s.notOnOrAfter.Format(samlTime))
	for _, r := range s.audiences {
		b.WriteString(`<saml:AudienceRestriction>`)
		for _, a := range r {
			fmt.Fprintf(&b, `<saml:Audience>%s</saml:Audience>`, esc(a))
		}
		b.WriteString(`</saml:AudienceRestriction>`)
	}
	b.WriteString(`</saml:Conditions>`)
	fmt.Fprintf(&b, `<saml:AuthnStatement AuthnInstant="%s" SessionIndex="_s1"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`, s.notBefore.Format(samlTime))
	if len(s.attrs) > 0 {
		b.WriteString(`<saml:AttributeStatement>`)
		for _, a := range s.attrs {
			fmt.Fprintf(&b, `<saml:Attribute Name="%s">`, esc(a.name))
			for _, v := range a.values {
				fmt.Fprintf(&b, `<saml:AttributeValue>%s</saml:AttributeValue>`, esc(v))
			}
			b.WriteString(`</saml:Attribute>`)
		}
		b.WriteString(`</saml:AttributeStatement>`)
	}
	b.WriteString(`</saml:Assertion>`)
	doc := etree.NewDocument()
	if err := doc.ReadFromString(b.String()); err != nil {
		t.Fatal(err)
	}
	return doc.Root()
}

// responseElement wraps assertions (or anything) in a Response.
func responseElement(t testing.TB, issuer, destination string, children ...*etree.Element) *etree.Element {
	t.Helper()
	x := fmt.Sprintf(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_resp-%d" Version="2.0" IssueInstant="%s" Destination="%s">`+
		`<saml:Issuer xmlns:saml="%s">%s</saml:Issuer>`+
		`<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:Response>`,
		respSeq.Add(1), t0.Format(samlTime), esc(destination), nsAssertion, esc(issuer))
	doc := etree.NewDocument()
	if err := doc.ReadFromString(x); err != nil {
		t.Fatal(err)
	}
	root := doc.Root()
	for _, c := range children {
		root.AddChild(c)
	}
	return root
}

var respSeq, assertionSeq atomic.Int64

func encodeXML(t testing.TB, root *etree.Element) string {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(root)
	s, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString([]byte(s))
}

// childByTag returns the first direct child with the local name tag.
func childByTag(el *etree.Element, tag string) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.Tag == tag {
			return c
		}
	}
	return nil
}

// samlEnv is a pool trusting one SAML provider.
type samlEnv struct {
	clk  *fakeClock
	idp  *samlIdPFixture
	src  *MemorySAMLProviders
	reg  *Registry
	pool *identity.Pool
}

func newSAMLEnv(t testing.TB, mod func(*Config)) *samlEnv {
	t.Helper()
	keys, _ := testKeys(t)
	e := &samlEnv{clk: newClock(), idp: newSAMLIdP(t, keys[2], samlEntityID, t0.Add(365*24*time.Hour)), src: &MemorySAMLProviders{}}
	e.src.Put(samlARN, e.idp.metadata)
	e.reg = newRegistry(t, e.clk, func(c *Config) {
		c.SAML.Providers = e.src
		if mod != nil {
			mod(c)
		}
	})
	e.pool = &identity.Pool{ID: "p", SAMLProviderARNs: []string{samlARN}}
	return e
}

func (e *samlEnv) spec() assertionSpec {
	now := e.clk.Now()
	return assertionSpec{
		id:              fmt.Sprintf("_a%d", assertionSeq.Add(1)),
		issuer:          samlEntityID,
		nameID:          "alice@corp.example",
		recipient:       awsRecipient,
		audiences:       [][]string{{DefaultSAMLAudience}},
		notBefore:       now.Add(-time.Minute),
		notOnOrAfter:    now.Add(5 * time.Minute),
		scdNotOnOrAfter: now.Add(5 * time.Minute),
		attrs: []samlAttr{
			{RoleAttribute, []string{
				"arn:aws:iam::123456789012:role/Admin," + samlARN,
				samlARN + ",arn:aws:iam::123456789012:role/ReadOnly",
				"arn:aws:iam::123456789012:role/Elsewhere,arn:aws:iam::123456789012:saml-provider/Other",
				"not-a-pair",
			}},
			{"https://aws.amazon.com/SAML/Attributes/RoleSessionName", []string{"alice"}},
			{"groups", []string{"eng", "ops"}},
		},
	}
}

// token returns an unsigned Response holding the signed assertion of s.
func (e *samlEnv) token(t testing.TB, s assertionSpec) string {
	t.Helper()
	return encodeXML(t, responseElement(t, samlEntityID, s.recipient, e.idp.sign(t, assertionElement(t, s))))
}

func (e *samlEnv) verify(tok string) (identity.VerifiedLogin, error) {
	return e.reg.VerifyLogin(context.Background(), e.pool, samlARN, tok)
}

func TestSAMLHappyPath(t *testing.T) {
	e := newSAMLEnv(t, nil)
	got, err := e.verify(e.token(t, e.spec()))
	if err != nil {
		t.Fatal(err)
	}
	want := identity.VerifiedLogin{
		Login: identity.Login{Provider: samlARN, Subject: "alice@corp.example"},
		AMR:   []string{samlARN, samlARN + ":SAML:alice@corp.example"},
		Claims: map[string]any{
			RoleAttribute: []string{
				"arn:aws:iam::123456789012:role/Admin," + samlARN,
				"arn:aws:iam::123456789012:role/ReadOnly," + samlARN,
			},
			"https://aws.amazon.com/SAML/Attributes/RoleSessionName": "alice",
			"groups": []string{"eng", "ops"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %#v\nwant %#v", got, want)
	}

	ok := func(name string, tok string) {
		t.Helper()
		if _, err := e.verify(tok); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// A signed Response whose assertion is unsigned.
	s := e.spec()
	ok("signed response", encodeXML(t, e.idp.sign(t, responseElement(t, samlEntityID, awsRecipient, assertionElement(t, s)))))
	// Both signed.
	s = e.spec()
	ok("signed response and assertion", encodeXML(t, e.idp.sign(t, responseElement(t, samlEntityID, awsRecipient, e.idp.sign(t, assertionElement(t, s))))))
	// A regional sign-in endpoint as Recipient.
	s = e.spec()
	s.recipient = "https://eu-west-1.signin.aws.amazon.com/saml"
	ok("regional recipient", e.token(t, s))
	// Times within the clock skew.
	s = e.spec()
	s.notBefore = e.clk.Now().Add(90 * time.Second)
	s.notOnOrAfter, s.scdNotOnOrAfter = e.clk.Now().Add(-90*time.Second), e.clk.Now().Add(-90*time.Second)
	ok("within skew", e.token(t, s))
	// Base64 with line breaks, as some IdPs send it.
	tok := e.token(t, e.spec())
	var wrapped strings.Builder
	for i := 0; i < len(tok); i += 76 {
		wrapped.WriteString(tok[i:min(i+76, len(tok))] + "\r\n")
	}
	ok("wrapped base64", wrapped.String())
}

func TestSAMLCommentInNameIDKeepsSignedValue(t *testing.T) {
	// Classic comment-truncation attack: a comment inserted into a signed
	// NameID does not change the canonical form, so the signature still
	// verifies, and the subject must be the whole signed text.
	e := newSAMLEnv(t, nil)
	s := e.spec()
	s.nameID = "admin@corp.example.evil.example"
	signed := e.idp.sign(t, assertionElement(t, s))
	nameID := childByTag(childByTag(signed, "Subject"), "NameID")
	nameID.SetText("admin@corp.example")
	nameID.AddChild(etree.NewComment("x"))
	nameID.AddChild(etree.NewText(".evil.example"))
	got, err := e.verify(encodeXML(t, responseElement(t, samlEntityID, awsRecipient, signed)))
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "admin@corp.example.evil.example" {
		t.Fatalf("subject = %q", got.Subject)
	}
}

// TestSAMLAttacks is the attack table for SAML: every response must be
// refused with Cognito's exception and message.
func TestSAMLAttacks(t *testing.T) {
	const (
		msgSig     = "Invalid login token. Couldn't verify signed token."
		msgUnsupp  = "Token is not from a supported provider of this identity pool."
		msgIssuer  = "Invalid login token. Issuer doesn't match providerName"
		msgNotSAML = "Invalid login token. Not a valid SAML response."
	)
	keys, _ := testKeys(t)
	attacker := newSAMLIdP(t, keys[3], samlEntityID, t0.Add(24*time.Hour))
	forged := func(e *samlEnv) assertionSpec {
		s := e.spec()
		s.nameID = "admin@corp.example"
		return s
	}
	type tc struct {
		name string
		tok  func(t *testing.T, e *samlEnv) string
		msg  func(e *samlEnv) string
	}
	fixed := func(m string) func(*samlEnv) string { return func(*samlEnv) string { return m } }
	cases := []tc{
		{"unsigned assertion", func(t *testing.T, e *samlEnv) string {
			return encodeXML(t, responseElement(t, samlEntityID, awsRecipient, assertionElement(t, e.spec())))
		}, fixed(msgSig)},
		{"signed by a key not in the metadata", func(t *testing.T, e *samlEnv) string {
			return encodeXML(t, responseElement(t, samlEntityID, awsRecipient, attacker.sign(t, assertionElement(t, e.spec()))))
		}, fixed(msgSig)},
		{"NameID changed after signing", func(t *testing.T, e *samlEnv) string {
			signed := e.idp.sign(t, assertionElement(t, e.spec()))
			childByTag(childByTag(signed, "Subject"), "NameID").SetText("admin@corp.example")
			return encodeXML(t, responseElement(t, samlEntityID, awsRecipient, signed))
		}, fixed(msgSig)},
		{"role attribute added after signing", func(t *testing.T, e *samlEnv) string {
			signed := e.idp.sign(t, assertionElement(t, e.spec()))
			st := childByTag(signed, "AttributeStatement")
			a := st.CreateElement("saml:Attribute")
			a.CreateAttr("Name", RoleAttribute)
			a.CreateElement("saml:AttributeValue").SetText("arn:aws:iam::123456789012:role/God," + samlARN)
			return encodeXML(t, responseElement(t, samlEntityID, awsRecipient, signed))
		}, fixed(msgSig)},
		{"XSW: forged unsigned assertion before the signed one", func(t *testing.T, e *samlEnv) string {
			return encodeXML(t, responseElement(t, samlEntityID, awsRecipient,
				assertionElement(t, forged(e)), e.idp.sign(t, assertionElement(t, e.spec()))))
		}, fixed(msgSig)},
		{"XSW: forged unsigned assertion after the signed one", func(t *testing.T, e *samlEnv) string {
			return encodeXML(t, responseElement(t, samlEntityID, awsRecipient,
				e.idp.sign(t, assertionElement(t, e.spec())), assertionElement(t, forged(e))))
		}, fixed(msgSig)},
		{"XSW: signed assertion hidden in Extensions, forged one in its place", func(t *testing.T, e *samlEnv) string {
			ext := etree.NewElement("samlp:Extensions")
			ext.AddChild(e.idp.sign(t, assertionElement(t, e.spec())))
			return encodeXML(t, responseElement(t, samlEntityID, awsRecipient, ext, assertionElement(t, forged(e))))
		}, fixed(msgSig)},
		{"XSW: forged assertion with the signed one's ID and signature", func(t *testing.T, e *samlEnv) string {
			s := e.spec()
			signed := e.idp.sign(t, assertionElement(t, s))
			f := forged(e)
			f.id = s.id
			evil := assertionElement(t, f)
			sig := childByTag(signed, "Signature").Copy()
			obj := sig.CreateElement("ds:Object")
			obj.AddChild(signed.Copy())
			evil.AddChild(sig)
			return encodeXML(t, responseElement(t, samlEntityID, awsRecipient, evil))
		}, fixed(msgSig)},
		{"XSW: forged assertion inside the signed assertion's Subject", func(t *testing.T, e *samlEnv) string {
			signed := e.idp.sign(t, assertionElement(t, e.spec()))
			childByTag(signed, "Subject").AddChild(assertionElement(t, forged(e)))
			return encodeXML(t, responseElement(t, samlEntityID, awsRecipient, signed))
		}, fixed(msgSig)},
		{"XSW: assertion injected into a signed Response", func(t *testing.T, e *samlEnv) string {
			resp := e.idp.sign(t, responseElement(t, samlEntityID, awsRecipient, assertionElement(t, e.spec())))
			resp.InsertChildAt(0, assertionElement(t, forged(e)))
			return encodeXML(t, resp)
		}, fixed(msgSig)},
		{"XSW: signed Response, its assertion replaced", func(t *testing.T, e *samlEnv) string {
			resp := e.idp.sign(t, responseElement(t, samlEntityID, awsRecipient, assertionElement(t, e.spec())))
			resp.RemoveChild(childByTag(resp, "Assertion"))
			resp.AddChild(assertionElement(t, forged(e)))
			return encodeXML(t, resp)
		}, fixed(msgSig)},
		{"two signed assertions", func(t *testing.T, e *samlEnv) string {
			return encodeXML(t, responseElement(t, samlEntityID, awsRecipient,
				e.idp.sign(t, assertionElement(t, e.spec())), e.idp.sign(t, assertionElement(t, forged(e)))))
		}, fixed(msgNotSAML)},
		{"expired assertion", func(t *testing.T, e *samlEnv) string {
			s := e.spec()
			s.notBefore = e.clk.Now().Add(-time.Hour)
			s.notOnOrAfter, s.scdNotOnOrAfter = e.clk.Now().Add(-3*time.Minute), e.clk.Now().Add(-3*time.Minute)
			return e.token(t, s)
		}, func(e *samlEnv) string {
			now := e.clk.Now()
			return fmt.Sprintf("Invalid login token. Token expired: %d >= %d", now.UnixMilli(), now.Add(-3*time.Minute).UnixMilli())
		}},
		{"expired conditions, live confirmation", func(t *testing.T, e *samlEnv) string {
			s := e.spec()
			s.notOnOrAfter = e.clk.Now().Add(-10 * time.Minute)
			return e.token(t, s)
		}, func(e *samlEnv) string {
			now := e.clk.Now()
			return fmt.Sprintf("Invalid login token. Token expired: %d >= %d", now.UnixMilli(), now.Add(-10*time.Minute).UnixMilli())
		}},
		{"NotBefore in the future", func(t *testing.T, e *samlEnv) string {
			s := e.spec()
			s.notBefore = e.clk.Now().Add(10 * time.Minute)
			s.notOnOrAfter, s.scdNotOnOrAfter = e.clk.Now().Add(20*time.Minute), e.clk.Now().Add(20*time.Minute)
			return e.token(t, s)
		}, func(e *samlEnv) string {
			now := e.clk.Now()
			return fmt.Sprintf("Invalid login token. Token is not yet valid: %d < %d", now.UnixMilli(), now.Add(10*time.Minute).UnixMilli())
		}},
		{"wrong audience", func(t *testing.T, e *samlEnv) string {
			s := e.spec()
			s.audiences = [][]string{{"https://app.example.com/saml"}}
			return e.token(t, s)
		}, fixed(msgUnsupp)},
		{"no audience restriction", func(t *testing.T, e *samlEnv) string {
			s := e.spec()
			s.audiences = nil
			return e.token(t, s)
		}, fixed(msgUnsupp)},
		{"second audience restriction excludes AWS", func(t *testing.T, e *samlEnv) string {
			s := e.spec()
			s.audiences = [][]string{{DefaultSAMLAudience}, {"https://app.example.com/saml"}}
			return e.token(t, s)
		}, fixed(msgUnsupp)},
		{"recipient not AWS", func(t *testing.T, e *samlEnv) string {
			s := e.spec()
			s.recipient = "https://app.example.com/acs"
			return e.token(t, s)
		}, fixed(msgUnsupp)},
		{"recipient lookalike", func(t *testing.T, e *samlEnv) string {
			s := e.spec()
			s.recipient = "https://signin.aws.amazon.com.evil.example/saml"
			return e.token(t, s)
		}, fixed(msgUnsupp)},
		{"Destination differs from Recipient", func(t *testing.T, e *samlEnv) string {
			return encodeXML(t, responseElement(t, samlEntityID, "https://app.example.com/acs", e.idp.sign(t, assertionElement(t, e.spec()))))
		}, fixed(msgUnsupp)},
		{"issuer is not the metadata's entityID", func(t *testing.T, e *samlEnv) string {
			s := e.spec()
			s.issuer = "https://other-idp.example/saml"
			return encodeXML(t, responseElement(t, s.issuer, awsRecipient, e.idp.sign(t, assertionElement(t, s))))
		}, fixed(msgIssuer)},
		{"not base64", func(t *testing.T, e *samlEnv) string { return "<samlp:Response/>" }, fixed(msgNotSAML)},
		{"base64 of not XML", func(t *testing.T, e *samlEnv) string {
			return base64.StdEncoding.EncodeToString([]byte("eyJhbGciOiJSUzI1NiJ9.e30.sig"))
		}, fixed(msgNotSAML)},
		{"a JWT", func(t *testing.T, e *samlEnv) string { return "eyJhbGciOiJSUzI1NiJ9.e30.c2ln" }, fixed(msgNotSAML)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newSAMLEnv(t, nil)
			_, err := e.verify(c.tok(t, e))
			t.Log(err)
			notAuthorized(t, err, c.msg(e))
		})
	}
}

func TestSAMLReplay(t *testing.T) {
	const msgReplay = "Invalid login token. The SAML assertion has already been used."
	e := newSAMLEnv(t, nil)
	tok := e.token(t, e.spec())
	// GetId, then GetCredentialsForIdentity with the same response: allowed.
	for i := range 2 {
		if _, err := e.verify(tok); err != nil {
			t.Fatalf("presentation %d: %v", i+1, err)
		}
	}
	_, err := e.verify(tok)
	notAuthorized(t, err, msgReplay)
	// A different response carrying the same assertion ID is the same
	// assertion.
	s := e.spec()
	first := e.token(t, s)
	s.nameID = "bob@corp.example"
	second := e.token(t, s)
	for _, tok := range []string{first, second} {
		if _, err := e.verify(tok); err != nil {
			t.Fatal(err)
		}
	}
	_, err = e.verify(first)
	notAuthorized(t, err, msgReplay)

	// Strict one-time use.
	e = newSAMLEnv(t, func(c *Config) { c.SAML.MaxAssertionUses = 1 })
	tok = e.token(t, e.spec())
	if _, err := e.verify(tok); err != nil {
		t.Fatal(err)
	}
	_, err = e.verify(tok)
	notAuthorized(t, err, msgReplay)

	// A refused assertion is not recorded: fixing the clock later still
	// lets the first presentations through.
	e = newSAMLEnv(t, func(c *Config) { c.SAML.MaxAssertionUses = 1 })
	s = e.spec()
	s.notBefore = e.clk.Now().Add(10 * time.Minute)
	s.notOnOrAfter, s.scdNotOnOrAfter = e.clk.Now().Add(20*time.Minute), e.clk.Now().Add(20*time.Minute)
	tok = e.token(t, s)
	if _, err := e.verify(tok); err == nil {
		t.Fatal("early assertion accepted")
	}
	e.clk.Advance(10 * time.Minute)
	if _, err := e.verify(tok); err != nil {
		t.Fatal(err)
	}
}

func TestSAMLCertificateValidityPolicy(t *testing.T) {
	keys, _ := testKeys(t)
	expired := newSAMLIdP(t, keys[2], samlEntityID, t0.Add(-24*time.Hour))
	for _, enforce := range []bool{false, true} {
		e := newSAMLEnv(t, func(c *Config) { c.SAML.EnforceCertValidity = enforce })
		e.idp = expired
		e.src.Put(samlARN, expired.metadata)
		_, err := e.verify(e.token(t, e.spec()))
		if !enforce && err != nil {
			t.Fatalf("expired metadata certificate refused by default: %v", err)
		}
		if enforce {
			notAuthorized(t, err, "Invalid login token. Couldn't verify signed token.")
		}
	}
}

func TestSAMLProviderLookup(t *testing.T) {
	e := newSAMLEnv(t, nil)
	tok := e.token(t, e.spec())
	other := "arn:aws:iam::123456789012:saml-provider/Other"
	_, err := e.reg.VerifyLogin(context.Background(), e.pool, other, tok)
	notAuthorized(t, err, "Token is not from a supported provider of this identity pool.")
	e.src.Delete(samlARN)
	_, err = e.verify(tok)
	notAuthorized(t, err, "Token is not from a supported provider of this identity pool.")
	// Broken metadata is a configuration error (InternalError), not a refusal.
	e.src.Put(samlARN, []byte("<not metadata"))
	_, err = e.verify(tok)
	if err == nil || isRefusal(err) {
		t.Fatalf("broken metadata: err = %v", err)
	}
}

func TestValidateSAMLMetadata(t *testing.T) {
	keys, _ := testKeys(t)
	idp := newSAMLIdP(t, keys[2], samlEntityID, t0.Add(time.Hour))
	if err := ValidateSAMLMetadata(idp.metadata); err != nil {
		t.Fatal(err)
	}
	for name, md := range map[string]string{
		"garbage":   "<<<",
		"no entity": `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><md:IDPSSODescriptor/></md:EntityDescriptor>`,
		"no certs":  `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:IDPSSODescriptor/></md:EntityDescriptor>`,
		"SP only":   `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:SPSSODescriptor/></md:EntityDescriptor>`,
	} {
		if err := ValidateSAMLMetadata([]byte(md)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestReplayCacheBounded(t *testing.T) {
	c := newReplayCache(3, 1)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	for i, id := range []string{"a", "b", "c"} {
		if !c.use(id, at(10*(i+1)), t0) {
			t.Fatalf("%s refused", id)
		}
	}
	if c.use("b", at(20), t0) {
		t.Fatal("replay of b accepted")
	}
	// Full: d evicts the entry closest to expiry (a).
	if !c.use("d", at(40), t0) || c.len() != 3 {
		t.Fatalf("len = %d", c.len())
	}
	if c.use("c", at(30), t0) || c.use("d", at(40), t0) {
		t.Fatal("replay accepted")
	}
	// Expired entries go first.
	if !c.use("e", at(100), at(35)) || c.len() != 2 {
		t.Fatalf("after expiry len = %d, want 2 (d, e)", c.len())
	}
}
