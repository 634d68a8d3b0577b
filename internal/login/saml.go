package login

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	saml2 "github.com/russellhaering/gosaml2"
	samltypes "github.com/russellhaering/gosaml2/types"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/idpool/idpool/internal/identity"
)

// RoleAttribute is the SAML attribute that lists the roles a user may
// assume, as "<role ARN>,<provider ARN>" pairs.
const RoleAttribute = "https://aws.amazon.com/SAML/Attributes/Role"

// DefaultSAMLAudience is the audience AWS requires of SAML assertions.
const DefaultSAMLAudience = "urn:amazon:webservices"

// SAMLProviderSource returns the metadata document of an IAM SAML provider
// by ARN (arn:aws:iam::<account>:saml-provider/<name>). It is called once
// per verified assertion.
type SAMLProviderSource interface {
	SAMLProvider(ctx context.Context, arn string) (metadataXML []byte, err error)
}

// SAMLConfig configures the verification of SAML responses.
type SAMLConfig struct {
	// Providers looks up the IAM SAML providers the pools name. Nil refuses
	// every SAML login as not supported.
	Providers SAMLProviderSource
	// Recipients adds allowed SubjectConfirmationData Recipient URLs to the
	// built-in ones: https://signin.aws.amazon.com/saml,
	// https://<region>.signin.aws.amazon.com/saml and the China and
	// GovCloud sign-in endpoints.
	Recipients []string
	// Audiences replaces the accepted audiences (default
	// urn:amazon:webservices).
	Audiences []string
	// ClockSkew is the leeway on NotBefore and NotOnOrAfter (default 2m).
	ClockSkew time.Duration
	// EnforceCertValidity refuses signatures by a metadata certificate
	// outside its NotBefore/NotAfter. Off by default: the metadata pins the
	// exact certificate, IdP metadata commonly carries long-expired
	// self-signed certificates, and AWS services are reported to keep
	// accepting them.
	EnforceCertValidity bool
	// ReplayCacheSize bounds the number of assertion IDs remembered
	// (default 100,000).
	ReplayCacheSize int
	// MaxAssertionUses is how many times one assertion ID may be presented
	// before it expires (default 2). The SDKs present the same SAMLResponse
	// twice in one sign-in (GetId, then GetCredentialsForIdentity), so 1
	// breaks them; set 1 for strict one-time use.
	MaxAssertionUses int
}

var (
	regionalRecipientRE = regexp.MustCompile(`^https://[a-z]{2}(?:-[a-z]+)+-\d\.signin\.aws\.amazon\.com/saml$`)
	builtinRecipients   = []string{
		"https://signin.aws.amazon.com/saml",
		"https://signin.amazonaws.cn/saml",
		"https://signin.amazonaws-us-gov.com/saml",
	}
)

// samlVerifier verifies base64 SAML responses for IAM SAML providers.
type samlVerifier struct {
	src             SAMLProviderSource
	recipients      []string
	audiences       []string
	skew            time.Duration
	enforceValidity bool
	replay          *replayCache
	now             func() time.Time

	mu       sync.Mutex
	metadata map[string]*samlIdP // key: arn + metadata digest
}

// samlIdP is a parsed IdP metadata document.
type samlIdP struct {
	entityID string
	certs    dsig.MemoryX509CertificateStore
}

// Verify checks a base64 SAMLResponse for the SAML provider ARN provider,
// in this order:
//  1. the pool lists the ARN and IAM (SAMLProviderSource) has its
//     metadata, whose entityID and signing certificates are used;
//  2. the token is base64 XML ("Not a valid SAML response.", inferred);
//  3. the Recipient of the (not yet verified) assertion is an allowed one
//     ("Token is not from a supported provider…");
//  4. gosaml2 + goxmldsig verify: a signature by a metadata certificate on
//     the Response or on each Assertion, so that only signed content is
//     read (unsigned or wrapped assertions fail: "Couldn't verify signed
//     token."); Issuer equals the entityID ("Issuer doesn't match
//     providerName"); status Success; bearer confirmation whose Recipient
//     (and the Response's Destination, if any) is the one from step 3 and
//     whose NotOnOrAfter has not passed;
//  5. exactly one assertion, and it is covered by a verified signature;
//  6. every AudienceRestriction names an accepted audience, and there is
//     at least one (gosaml2 only warns; "Token is not from a supported
//     provider…");
//  7. Conditions NotBefore/NotOnOrAfter and the confirmation's
//     NotOnOrAfter with ClockSkew ("Token expired: <nowMillis> >=
//     <expMillis>", milliseconds as Cognito reports for SAML);
//  8. a NameID and an assertion ID are present;
//  9. the assertion ID was not presented more than MaxAssertionUses times
//     (in-memory, per process, until the assertion expires).
//
// Encrypted assertions are not supported (refused as unverifiable).
// SHA-1 signatures fail because Go's crypto/x509 refuses them. The
// Subject is the NameID; Claims are the assertion's attributes (one value
// → string, several → []string) with RoleAttribute always a []string of
// "<role ARN>,<provider ARN>" pairs, normalized to that order and limited
// to pairs naming this provider. The amr entries are "<provider ARN>" and
// "<provider ARN>:SAML:<NameID>" (inferred by analogy with OIDC's).
func (v *samlVerifier) Verify(ctx context.Context, pool *identity.Pool, provider, token string) (identity.VerifiedLogin, error) {
	if !slices.Contains(pool.SAMLProviderARNs, provider) || v.src == nil {
		return identity.VerifiedLogin{}, refuse(errUnsupported, "SAML provider %q not in pool", provider)
	}
	md, err := v.src.SAMLProvider(ctx, provider)
	if errors.Is(err, ErrProviderNotFound) || errors.Is(err, identity.ErrNotFound) {
		return identity.VerifiedLogin{}, refuse(errUnsupported, "SAML provider %s is not registered", provider)
	}
	if err != nil {
		return identity.VerifiedLogin{}, fmt.Errorf("login: look up SAML provider %s: %w", provider, err)
	}
	idp, err := v.idp(provider, md)
	if err != nil {
		return identity.VerifiedLogin{}, err
	}

	encoded := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, token)
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil || len(raw) == 0 {
		return identity.VerifiedLogin{}, refuse(errNotSAML, "not base64")
	}
	recipient, err := unverifiedRecipient(raw)
	if err != nil {
		return identity.VerifiedLogin{}, refuse(errNotSAML, "%v", err)
	}
	if !v.recipientAllowed(recipient) {
		return identity.VerifiedLogin{}, refuse(errUnsupported, "recipient %q not allowed", recipient)
	}

	now := v.now()
	sp := &saml2.SAMLServiceProvider{
		IdentityProviderIssuer:      idp.entityID,
		AssertionConsumerServiceURL: recipient,
		AudienceURI:                 v.audiences[0],
		IDPCertificateStore:         &idp.certs,
		AllowMissingAttributes:      true,
		// gosaml2 checks the confirmation's NotOnOrAfter (and the
		// certificate validity) at this instant with no leeway; moving it
		// back by the skew gives the leeway. NotBefore is checked below.
		Clock: dsig.NewFakeClockAt(now.Add(-v.skew)),
	}
	info, err := sp.RetrieveAssertionInfo(encoded)
	if err != nil {
		return identity.VerifiedLogin{}, samlError(err, now)
	}
	if len(info.Assertions) != 1 {
		return identity.VerifiedLogin{}, refuse(errNotSAML, "%d assertions, want 1", len(info.Assertions))
	}
	a := info.Assertions[0]
	if !info.ResponseSignatureValidated && !a.SignatureValidated {
		return identity.VerifiedLogin{}, refuse(errSignature, "assertion not covered by a verified signature")
	}
	if !audienceOK(a.Conditions, v.audiences) {
		return identity.VerifiedLogin{}, refuse(errUnsupported, "assertion audience is not %q", v.audiences)
	}
	if err := v.checkTimes(a, now); err != nil {
		return identity.VerifiedLogin{}, err
	}
	if info.NameID == "" || a.ID == "" {
		return identity.VerifiedLogin{}, refuse(errNotSAML, "assertion has no NameID or ID")
	}
	if !v.replay.use(idp.entityID+"\x00"+a.ID, v.expiry(a), now) {
		return identity.VerifiedLogin{}, refuse(errReplay, "assertion %q presented more than %d times", a.ID, v.replay.maxUses)
	}
	return identity.VerifiedLogin{
		Login:  identity.Login{Provider: provider, Subject: info.NameID},
		AMR:    []string{provider, provider + ":SAML:" + info.NameID},
		Claims: samlClaims(a.AttributeStatement, provider),
	}, nil
}

// samlError maps a gosaml2 error to Cognito's refusal.
func samlError(err error, now time.Time) error {
	cause := err
	var ve saml2.ErrVerification
	if errors.As(err, &ve) && ve.Cause != nil {
		cause = ve.Cause
	}
	var iv saml2.ErrInvalidValue
	if errors.As(cause, &iv) {
		switch {
		case iv.Reason == saml2.ReasonExpired && iv.Key == saml2.NotOnOrAfterAttr:
			if exp, perr := time.Parse(time.RFC3339, iv.Actual); perr == nil {
				return refuse(errExpired(now.UnixMilli(), exp.UnixMilli()), "subject confirmation expired")
			}
		case iv.Key == saml2.IssuerTag:
			return refuse(errIssuer, "%v", cause)
		case iv.Key == saml2.RecipientAttr || iv.Key == saml2.DestinationAttr:
			return refuse(errUnsupported, "%v", cause)
		}
	}
	var me saml2.ErrMissingElement
	var pe saml2.ErrParsing
	if errors.As(cause, &me) || errors.As(cause, &pe) {
		return refuse(errNotSAML, "%v", cause)
	}
	return refuse(errSignature, "%v", cause)
}

// checkTimes re-checks the assertion's time conditions with leeway.
func (v *samlVerifier) checkTimes(a samltypes.Assertion, now time.Time) error {
	c := a.Conditions
	if c == nil {
		return refuse(errNotSAML, "no Conditions")
	}
	nb, err1 := time.Parse(time.RFC3339, c.NotBefore)
	noa, err2 := time.Parse(time.RFC3339, c.NotOnOrAfter)
	if err1 != nil || err2 != nil {
		return refuse(errNotSAML, "bad Conditions times")
	}
	if now.Add(v.skew).Before(nb) {
		return refuse(errNotYetValid(now.UnixMilli(), nb.UnixMilli()), "NotBefore in the future")
	}
	if !now.Before(noa.Add(v.skew)) {
		return refuse(errExpired(now.UnixMilli(), noa.UnixMilli()), "Conditions NotOnOrAfter passed")
	}
	if scd := confirmationNotOnOrAfter(a); !scd.IsZero() && !now.Before(scd.Add(v.skew)) {
		return refuse(errExpired(now.UnixMilli(), scd.UnixMilli()), "SubjectConfirmationData NotOnOrAfter passed")
	}
	return nil
}

// expiry is when the replay cache may forget an assertion.
func (v *samlVerifier) expiry(a samltypes.Assertion) time.Time {
	exp, _ := time.Parse(time.RFC3339, a.Conditions.NotOnOrAfter)
	if scd := confirmationNotOnOrAfter(a); scd.After(exp) {
		exp = scd
	}
	return exp.Add(v.skew)
}

func confirmationNotOnOrAfter(a samltypes.Assertion) time.Time {
	if a.Subject == nil || a.Subject.SubjectConfirmation == nil || a.Subject.SubjectConfirmation.SubjectConfirmationData == nil {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339, a.Subject.SubjectConfirmation.SubjectConfirmationData.NotOnOrAfter)
	return t
}

// audienceOK reports whether there is at least one AudienceRestriction and
// each one names an accepted audience.
func audienceOK(c *samltypes.Conditions, accepted []string) bool {
	if c == nil || len(c.AudienceRestrictions) == 0 {
		return false
	}
	for _, r := range c.AudienceRestrictions {
		if !slices.ContainsFunc(r.Audiences, func(a samltypes.Audience) bool {
			return slices.Contains(accepted, strings.TrimSpace(a.Value))
		}) {
			return false
		}
	}
	return true
}

func (v *samlVerifier) recipientAllowed(r string) bool {
	return slices.Contains(builtinRecipients, r) || regionalRecipientRE.MatchString(r) || slices.Contains(v.recipients, r)
}

// unverifiedRecipient returns the Recipient of the first
// SubjectConfirmationData in the document, read without trusting it: it
// only selects which Recipient gosaml2 then requires of the verified
// assertions.
func unverifiedRecipient(raw []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(raw))
	sawElement := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if !sawElement {
				return "", errors.New("no XML element")
			}
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("not XML: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		sawElement = true
		if se.Name.Space == saml2.SAMLAssertionNamespace && se.Name.Local == saml2.SubjectConfirmationDataTag {
			for _, at := range se.Attr {
				if at.Name.Space == "" && at.Name.Local == saml2.RecipientAttr {
					return at.Value, nil
				}
			}
			return "", nil
		}
	}
}

// samlClaims turns attributes into claims: one value → string, several →
// []string; RoleAttribute → []string of normalized pairs for provider.
func samlClaims(st *samltypes.AttributeStatement, provider string) map[string]any {
	claims := map[string]any{}
	if st == nil {
		return claims
	}
	values := map[string][]string{}
	var order []string
	for _, at := range st.Attributes {
		if _, seen := values[at.Name]; !seen {
			order = append(order, at.Name)
		}
		for _, av := range at.Values {
			val := strings.TrimSpace(av.Value)
			if av.NameID != nil {
				val = strings.TrimSpace(av.NameID.Value)
			}
			values[at.Name] = append(values[at.Name], val)
		}
	}
	for _, name := range order {
		vals := values[name]
		switch {
		case name == RoleAttribute:
			if roles := samlRoles(vals, provider); len(roles) > 0 {
				claims[name] = roles
			}
		case len(vals) == 1:
			claims[name] = vals[0]
		case len(vals) > 1:
			claims[name] = vals
		}
	}
	return claims
}

// samlRoles parses Role attribute values ("roleArn,providerArn" in either
// order) and returns "roleArn,providerArn" for the pairs naming provider.
func samlRoles(vals []string, provider string) []string {
	var out []string
	for _, v := range vals {
		a, b, ok := strings.Cut(v, ",")
		if !ok {
			continue
		}
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		if strings.Contains(a, ":saml-provider/") {
			a, b = b, a
		}
		if !strings.Contains(a, ":role/") || b != provider {
			continue
		}
		if p := a + "," + b; !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// maxCachedMetadata bounds the parsed-metadata cache.
const maxCachedMetadata = 256

// idp returns the parsed metadata of a provider, cached by content.
func (v *samlVerifier) idp(arn string, md []byte) (*samlIdP, error) {
	sum := sha256.Sum256(md)
	key := arn + "\x00" + string(sum[:])
	v.mu.Lock()
	idp, ok := v.metadata[key]
	v.mu.Unlock()
	if ok {
		return idp, nil
	}
	idp, err := parseSAMLMetadata(md, v.enforceValidity)
	if err != nil {
		return nil, fmt.Errorf("login: SAML provider %s: %w", arn, err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.metadata == nil || len(v.metadata) >= maxCachedMetadata {
		v.metadata = map[string]*samlIdP{}
	}
	v.metadata[key] = idp
	return idp, nil
}

// farFuture is the NotAfter given to metadata certificates whose validity
// period is not enforced.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// parseSAMLMetadata reads an IdP EntityDescriptor: its entityID and the
// certificates of its IDPSSODescriptor's signing (or unqualified) key
// descriptors.
func parseSAMLMetadata(md []byte, enforceValidity bool) (*samlIdP, error) {
	var ed samltypes.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		return nil, fmt.Errorf("parse metadata: %w", err)
	}
	if ed.EntityID == "" || ed.IDPSSODescriptor == nil {
		return nil, errors.New("metadata has no entityID or IDPSSODescriptor")
	}
	idp := &samlIdP{entityID: ed.EntityID}
	for _, kd := range ed.IDPSSODescriptor.KeyDescriptors {
		if kd.Use != "" && kd.Use != "signing" {
			continue
		}
		for _, xc := range kd.KeyInfo.X509Data.X509Certificates {
			der, err := base64.StdEncoding.DecodeString(strings.Map(func(r rune) rune {
				if unicode.IsSpace(r) {
					return -1
				}
				return r
			}, xc.Data))
			if err != nil {
				return nil, fmt.Errorf("metadata certificate: %w", err)
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, fmt.Errorf("metadata certificate: %w", err)
			}
			if !enforceValidity {
				// goxmldsig checks the trusted copy's validity period; the
				// signature check compares the raw bytes and uses the key,
				// which this copy keeps.
				c := *cert
				c.NotBefore, c.NotAfter = time.Time{}, farFuture
				cert = &c
			}
			idp.certs.Roots = append(idp.certs.Roots, cert)
		}
	}
	if len(idp.certs.Roots) == 0 {
		return nil, errors.New("metadata has no signing certificate")
	}
	return idp, nil
}

// ValidateSAMLMetadata checks that an IdP metadata document can be used to
// verify SAML responses (an EntityDescriptor with an entityID, an
// IDPSSODescriptor and at least one signing certificate), for the IAM
// surface to call on CreateSAMLProvider/UpdateSAMLProvider.
func ValidateSAMLMetadata(md []byte) error {
	_, err := parseSAMLMetadata(md, false)
	return err
}

// MemorySAMLProviders is an in-memory SAMLProviderSource keyed by ARN, for
// tests and static configuration. It is safe for concurrent use.
type MemorySAMLProviders struct {
	mu        sync.RWMutex
	providers map[string][]byte
}

// Put registers (or replaces) the metadata of the provider with the ARN.
func (m *MemorySAMLProviders) Put(arn string, metadataXML []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.providers == nil {
		m.providers = map[string][]byte{}
	}
	m.providers[arn] = slices.Clone(metadataXML)
}

// Delete removes a provider.
func (m *MemorySAMLProviders) Delete(arn string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.providers, arn)
}

// SAMLProvider implements SAMLProviderSource.
func (m *MemorySAMLProviders) SAMLProvider(_ context.Context, arn string) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	md, ok := m.providers[arn]
	if !ok {
		return nil, fmt.Errorf("SAML provider %s: %w", arn, ErrProviderNotFound)
	}
	return slices.Clone(md), nil
}
