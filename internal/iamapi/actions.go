package iamapi

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
	"time"

	"github.com/idpool/idpool/internal/iam"
)

// handler runs one action on the input (the checked JSON of its input
// shape) and returns its XML result, or nil for actions without output.
type handler func(ctx context.Context, svc *iam.Service, in []byte) (any, error)

// actions are the supported IAM actions.
var actions = map[string]handler{
	"CreateOpenIDConnectProvider":             createOIDCProvider,
	"GetOpenIDConnectProvider":                getOIDCProvider,
	"ListOpenIDConnectProviders":              listOIDCProviders,
	"DeleteOpenIDConnectProvider":             deleteOIDCProvider,
	"AddClientIDToOpenIDConnectProvider":      addClientID,
	"RemoveClientIDFromOpenIDConnectProvider": removeClientID,
	"UpdateOpenIDConnectProviderThumbprint":   updateThumbprint,
	"CreateSAMLProvider":                      createSAMLProvider,
	"GetSAMLProvider":                         getSAMLProvider,
	"ListSAMLProviders":                       listSAMLProviders,
	"UpdateSAMLProvider":                      updateSAMLProvider,
	"DeleteSAMLProvider":                      deleteSAMLProvider,
	"CreateRole":                              createRole,
	"GetRole":                                 getRole,
	"ListRoles":                               listRoles,
	"DeleteRole":                              deleteRole,
	"UpdateRole":                              updateRole,
	"UpdateAssumeRolePolicy":                  updateAssumeRolePolicy,
	"PutRolePolicy":                           putRolePolicy,
	"GetRolePolicy":                           getRolePolicy,
	"DeleteRolePolicy":                        deleteRolePolicy,
	"ListRolePolicies":                        listRolePolicies,
	"AttachRolePolicy":                        attachRolePolicy,
	"DetachRolePolicy":                        detachRolePolicy,
	"ListAttachedRolePolicies":                listAttachedRolePolicies,
}

// Actions returns the names of the supported actions.
func Actions() []string {
	out := make([]string, 0, len(actions))
	for a := range actions {
		out = append(out, a)
	}
	return out
}

func decode[T any](in []byte) (T, error) {
	var v T
	if err := json.Unmarshal(in, &v); err != nil {
		return v, fmt.Errorf("iamapi: decode input: %w", err)
	}
	return v, nil
}

// Wire shapes.

type tagJSON struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func domainTags(t []tagJSON) []iam.Tag {
	if t == nil {
		return nil
	}
	out := make([]iam.Tag, len(t))
	for i, x := range t {
		out[i] = iam.Tag{Key: x.Key, Value: x.Value}
	}
	return out
}

type tagXML struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// tagList is a <Tags><member>…</member></Tags> list; emitted even when
// empty (IAM sends <Tags/> on the provider reads).
type tagList struct {
	Members []tagXML `xml:"member"`
}

func xmlTags(t []iam.Tag) *tagList {
	l := &tagList{Members: make([]tagXML, len(t))}
	for i, x := range t {
		l.Members[i] = tagXML{Key: x.Key, Value: x.Value}
	}
	return l
}

// optionalTags is a tag list only written when there are tags (the role
// reads omit Tags for a role without tags).
func optionalTags(t []iam.Tag) *tagList {
	if len(t) == 0 {
		return nil
	}
	return xmlTags(t)
}

type stringList struct {
	Members []string `xml:"member"`
}

func strList(s []string) *stringList { return &stringList{Members: append([]string{}, s...)} }

// isoTime renders timestamps the way IAM does: ISO 8601, UTC, seconds.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// encodePolicy URL-encodes a policy document as IAM returns it: every
// byte outside A–Z a–z 0–9 - _ . ~ as %XX (spaces as %20), which the AWS
// CLI and boto3 decode with unquote.
func encodePolicy(doc string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// OpenID Connect providers.

type createOIDCInput struct {
	Url            string    `json:"Url"`
	ClientIDList   []string  `json:"ClientIDList"`
	ThumbprintList []string  `json:"ThumbprintList"`
	Tags           []tagJSON `json:"Tags"`
}

type createOIDCResult struct {
	XMLName xml.Name `xml:"CreateOpenIDConnectProviderResult"`
	Arn     string   `xml:"OpenIDConnectProviderArn"`
	Tags    *tagList `xml:"Tags"`
}

func createOIDCProvider(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[createOIDCInput](in)
	if err != nil {
		return nil, err
	}
	p, err := svc.CreateOpenIDConnectProvider(ctx, iam.CreateOIDCProviderInput{
		URL: req.Url, ClientIDs: req.ClientIDList, Thumbprints: req.ThumbprintList, Tags: domainTags(req.Tags),
	})
	if err != nil {
		return nil, err
	}
	return createOIDCResult{Arn: p.ARN, Tags: xmlTags(p.Tags)}, nil
}

type oidcARNInput struct {
	Arn            string   `json:"OpenIDConnectProviderArn"`
	ClientID       string   `json:"ClientID"`
	ThumbprintList []string `json:"ThumbprintList"`
}

type getOIDCResult struct {
	XMLName        xml.Name    `xml:"GetOpenIDConnectProviderResult"`
	Url            string      `xml:"Url"`
	ClientIDList   *stringList `xml:"ClientIDList"`
	ThumbprintList *stringList `xml:"ThumbprintList"`
	CreateDate     string      `xml:"CreateDate"`
	Tags           *tagList    `xml:"Tags"`
}

func getOIDCProvider(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[oidcARNInput](in)
	if err != nil {
		return nil, err
	}
	p, err := svc.GetOpenIDConnectProvider(ctx, req.Arn)
	if err != nil {
		return nil, err
	}
	return getOIDCResult{
		Url: p.HostPath(), ClientIDList: strList(p.ClientIDs), ThumbprintList: strList(p.Thumbprints),
		CreateDate: isoTime(p.CreateDate), Tags: xmlTags(p.Tags),
	}, nil
}

type arnEntry struct {
	Arn string `xml:"Arn"`
}

type listOIDCResult struct {
	XMLName xml.Name `xml:"ListOpenIDConnectProvidersResult"`
	List    struct {
		Members []arnEntry `xml:"member"`
	} `xml:"OpenIDConnectProviderList"`
}

func listOIDCProviders(ctx context.Context, svc *iam.Service, _ []byte) (any, error) {
	ps, err := svc.ListOpenIDConnectProviders(ctx)
	if err != nil {
		return nil, err
	}
	var res listOIDCResult
	res.List.Members = make([]arnEntry, len(ps))
	for i, p := range ps {
		res.List.Members[i] = arnEntry{Arn: p.ARN}
	}
	return res, nil
}

func deleteOIDCProvider(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[oidcARNInput](in)
	if err != nil {
		return nil, err
	}
	return nil, svc.DeleteOpenIDConnectProvider(ctx, req.Arn)
}

func addClientID(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[oidcARNInput](in)
	if err != nil {
		return nil, err
	}
	return nil, svc.AddClientIDToOpenIDConnectProvider(ctx, req.Arn, req.ClientID)
}

func removeClientID(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[oidcARNInput](in)
	if err != nil {
		return nil, err
	}
	return nil, svc.RemoveClientIDFromOpenIDConnectProvider(ctx, req.Arn, req.ClientID)
}

func updateThumbprint(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[oidcARNInput](in)
	if err != nil {
		return nil, err
	}
	return nil, svc.UpdateOpenIDConnectProviderThumbprint(ctx, req.Arn, req.ThumbprintList)
}

// SAML providers.

type samlInput struct {
	Name                    string    `json:"Name"`
	Arn                     string    `json:"SAMLProviderArn"`
	SAMLMetadataDocument    string    `json:"SAMLMetadataDocument"`
	Tags                    []tagJSON `json:"Tags"`
	AssertionEncryptionMode string    `json:"AssertionEncryptionMode"`
}

type createSAMLResult struct {
	XMLName xml.Name `xml:"CreateSAMLProviderResult"`
	Arn     string   `xml:"SAMLProviderArn"`
	Tags    *tagList `xml:"Tags"`
}

func createSAMLProvider(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[samlInput](in)
	if err != nil {
		return nil, err
	}
	p, err := svc.CreateSAMLProvider(ctx, iam.CreateSAMLProviderInput{
		Name: req.Name, Metadata: req.SAMLMetadataDocument, Tags: domainTags(req.Tags), AssertionEncryptionMode: req.AssertionEncryptionMode,
	})
	if err != nil {
		return nil, err
	}
	return createSAMLResult{Arn: p.ARN, Tags: xmlTags(p.Tags)}, nil
}

type getSAMLResult struct {
	XMLName                 xml.Name    `xml:"GetSAMLProviderResult"`
	UUID                    string      `xml:"SAMLProviderUUID"`
	Metadata                string      `xml:"SAMLMetadataDocument"`
	CreateDate              string      `xml:"CreateDate"`
	ValidUntil              string      `xml:"ValidUntil"`
	Tags                    *tagList    `xml:"Tags"`
	AssertionEncryptionMode string      `xml:"AssertionEncryptionMode"`
	PrivateKeyList          *stringList `xml:"PrivateKeyList"`
}

func getSAMLProvider(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[samlInput](in)
	if err != nil {
		return nil, err
	}
	p, err := svc.GetSAMLProvider(ctx, req.Arn)
	if err != nil {
		return nil, err
	}
	return getSAMLResult{
		UUID: p.UUID, Metadata: p.Metadata, CreateDate: isoTime(p.CreateDate), ValidUntil: isoTime(p.ValidUntil),
		Tags: xmlTags(p.Tags), AssertionEncryptionMode: p.AssertionEncryptionMode, PrivateKeyList: &stringList{},
	}, nil
}

type samlEntry struct {
	Arn        string `xml:"Arn"`
	ValidUntil string `xml:"ValidUntil"`
	CreateDate string `xml:"CreateDate"`
}

type listSAMLResult struct {
	XMLName xml.Name `xml:"ListSAMLProvidersResult"`
	List    struct {
		Members []samlEntry `xml:"member"`
	} `xml:"SAMLProviderList"`
}

func listSAMLProviders(ctx context.Context, svc *iam.Service, _ []byte) (any, error) {
	ps, err := svc.ListSAMLProviders(ctx)
	if err != nil {
		return nil, err
	}
	var res listSAMLResult
	res.List.Members = make([]samlEntry, len(ps))
	for i, p := range ps {
		res.List.Members[i] = samlEntry{Arn: p.ARN, ValidUntil: isoTime(p.ValidUntil), CreateDate: isoTime(p.CreateDate)}
	}
	return res, nil
}

type updateSAMLResult struct {
	XMLName xml.Name `xml:"UpdateSAMLProviderResult"`
	Arn     string   `xml:"SAMLProviderArn"`
}

func updateSAMLProvider(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[samlInput](in)
	if err != nil {
		return nil, err
	}
	p, err := svc.UpdateSAMLProvider(ctx, iam.UpdateSAMLProviderInput{
		ARN: req.Arn, Metadata: req.SAMLMetadataDocument, AssertionEncryptionMode: req.AssertionEncryptionMode,
	})
	if err != nil {
		return nil, err
	}
	return updateSAMLResult{Arn: p.ARN}, nil
}

func deleteSAMLProvider(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[samlInput](in)
	if err != nil {
		return nil, err
	}
	return nil, svc.DeleteSAMLProvider(ctx, req.Arn)
}

// Roles.

type roleInput struct {
	RoleName                 string    `json:"RoleName"`
	Path                     string    `json:"Path"`
	AssumeRolePolicyDocument string    `json:"AssumeRolePolicyDocument"`
	Description              *string   `json:"Description"`
	MaxSessionDuration       *int      `json:"MaxSessionDuration"`
	PermissionsBoundary      string    `json:"PermissionsBoundary"`
	Tags                     []tagJSON `json:"Tags"`
	PolicyName               string    `json:"PolicyName"`
	PolicyDocument           string    `json:"PolicyDocument"`
	PolicyArn                string    `json:"PolicyArn"`
	PathPrefix               string    `json:"PathPrefix"`
	Marker                   string    `json:"Marker"`
	MaxItems                 int       `json:"MaxItems"`
}

type boundaryXML struct {
	Type string `xml:"PermissionsBoundaryType"`
	Arn  string `xml:"PermissionsBoundaryArn"`
}

// roleXML is a Role in model member order. Which optional members are
// written depends on the operation, as on IAM (LocalStack's AWS recording
// test_iam_roles.snapshot.json): CreateRole has neither Description nor
// MaxSessionDuration, ListRoles has no Tags, PermissionsBoundary or
// RoleLastUsed, GetRole has everything with an empty RoleLastUsed.
type roleXML struct {
	Path                     string       `xml:"Path"`
	RoleName                 string       `xml:"RoleName"`
	RoleID                   string       `xml:"RoleId"`
	Arn                      string       `xml:"Arn"`
	CreateDate               string       `xml:"CreateDate"`
	AssumeRolePolicyDocument string       `xml:"AssumeRolePolicyDocument"`
	Description              *string      `xml:"Description"`
	MaxSessionDuration       *int         `xml:"MaxSessionDuration"`
	PermissionsBoundary      *boundaryXML `xml:"PermissionsBoundary"`
	Tags                     *tagList     `xml:"Tags"`
	RoleLastUsed             *struct{}    `xml:"RoleLastUsed"`
}

type roleView int

const (
	viewCreate roleView = iota
	viewGet
	viewList
)

func toRoleXML(r iam.Role, view roleView) roleXML {
	x := roleXML{
		Path: r.Path, RoleName: r.RoleName, RoleID: r.RoleID, Arn: r.ARN, CreateDate: isoTime(r.CreateDate),
		AssumeRolePolicyDocument: encodePolicy(r.AssumeRolePolicyDocument),
	}
	if view != viewCreate {
		if r.Description != "" {
			d := r.Description
			x.Description = &d
		}
		d := r.MaxSessionDuration
		x.MaxSessionDuration = &d
	}
	if view != viewList {
		if r.PermissionsBoundary != "" {
			x.PermissionsBoundary = &boundaryXML{Type: "Policy", Arn: r.PermissionsBoundary}
		}
		x.Tags = optionalTags(r.Tags)
	}
	if view == viewGet {
		x.RoleLastUsed = &struct{}{}
	}
	return x
}

type createRoleResult struct {
	XMLName xml.Name `xml:"CreateRoleResult"`
	Role    roleXML  `xml:"Role"`
}

func createRole(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[roleInput](in)
	if err != nil {
		return nil, err
	}
	cr := iam.CreateRoleInput{
		RoleName: req.RoleName, Path: req.Path, AssumeRolePolicyDocument: req.AssumeRolePolicyDocument,
		PermissionsBoundary: req.PermissionsBoundary, Tags: domainTags(req.Tags),
	}
	if req.Description != nil {
		cr.Description = *req.Description
	}
	if req.MaxSessionDuration != nil {
		cr.MaxSessionDuration = *req.MaxSessionDuration
	}
	r, err := svc.CreateRole(ctx, cr)
	if err != nil {
		return nil, err
	}
	return createRoleResult{Role: toRoleXML(r, viewCreate)}, nil
}

type getRoleResult struct {
	XMLName xml.Name `xml:"GetRoleResult"`
	Role    roleXML  `xml:"Role"`
}

func getRole(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[roleInput](in)
	if err != nil {
		return nil, err
	}
	r, err := svc.GetRole(ctx, req.RoleName)
	if err != nil {
		return nil, err
	}
	return getRoleResult{Role: toRoleXML(r, viewGet)}, nil
}

type listRolesResult struct {
	XMLName xml.Name `xml:"ListRolesResult"`
	Roles   struct {
		Members []roleXML `xml:"member"`
	} `xml:"Roles"`
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}

func listRoles(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[roleInput](in)
	if err != nil {
		return nil, err
	}
	page, err := svc.ListRoles(ctx, iam.ListRolesInput{PathPrefix: req.PathPrefix, Marker: req.Marker, MaxItems: req.MaxItems})
	if err != nil {
		return nil, err
	}
	res := listRolesResult{IsTruncated: page.IsTruncated, Marker: page.Marker}
	res.Roles.Members = make([]roleXML, len(page.Items))
	for i, r := range page.Items {
		res.Roles.Members[i] = toRoleXML(r, viewList)
	}
	return res, nil
}

func deleteRole(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[roleInput](in)
	if err != nil {
		return nil, err
	}
	return nil, svc.DeleteRole(ctx, req.RoleName)
}

type updateRoleResult struct {
	XMLName xml.Name `xml:"UpdateRoleResult"`
}

func updateRole(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[roleInput](in)
	if err != nil {
		return nil, err
	}
	if _, err := svc.UpdateRole(ctx, iam.UpdateRoleInput{RoleName: req.RoleName, Description: req.Description, MaxSessionDuration: req.MaxSessionDuration}); err != nil {
		return nil, err
	}
	return updateRoleResult{}, nil
}

func updateAssumeRolePolicy(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[roleInput](in)
	if err != nil {
		return nil, err
	}
	return nil, svc.UpdateAssumeRolePolicy(ctx, req.RoleName, req.PolicyDocument)
}

func putRolePolicy(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[roleInput](in)
	if err != nil {
		return nil, err
	}
	return nil, svc.PutRolePolicy(ctx, req.RoleName, req.PolicyName, req.PolicyDocument)
}

type getRolePolicyResult struct {
	XMLName        xml.Name `xml:"GetRolePolicyResult"`
	RoleName       string   `xml:"RoleName"`
	PolicyName     string   `xml:"PolicyName"`
	PolicyDocument string   `xml:"PolicyDocument"`
}

func getRolePolicy(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[roleInput](in)
	if err != nil {
		return nil, err
	}
	r, err := svc.GetRole(ctx, req.RoleName)
	if err != nil {
		return nil, err
	}
	p, err := svc.GetRolePolicy(ctx, req.RoleName, req.PolicyName)
	if err != nil {
		return nil, err
	}
	return getRolePolicyResult{RoleName: r.RoleName, PolicyName: p.Name, PolicyDocument: encodePolicy(p.Document)}, nil
}

func deleteRolePolicy(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[roleInput](in)
	if err != nil {
		return nil, err
	}
	return nil, svc.DeleteRolePolicy(ctx, req.RoleName, req.PolicyName)
}

type listRolePoliciesResult struct {
	XMLName     xml.Name    `xml:"ListRolePoliciesResult"`
	PolicyNames *stringList `xml:"PolicyNames"`
	IsTruncated bool        `xml:"IsTruncated"`
	Marker      string      `xml:"Marker,omitempty"`
}

func listRolePolicies(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[roleInput](in)
	if err != nil {
		return nil, err
	}
	page, err := svc.ListRolePolicies(ctx, req.RoleName, req.Marker, req.MaxItems)
	if err != nil {
		return nil, err
	}
	return listRolePoliciesResult{PolicyNames: strList(page.Items), IsTruncated: page.IsTruncated, Marker: page.Marker}, nil
}

func attachRolePolicy(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[roleInput](in)
	if err != nil {
		return nil, err
	}
	return nil, svc.AttachRolePolicy(ctx, req.RoleName, req.PolicyArn)
}

func detachRolePolicy(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[roleInput](in)
	if err != nil {
		return nil, err
	}
	return nil, svc.DetachRolePolicy(ctx, req.RoleName, req.PolicyArn)
}

type attachedXML struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

type listAttachedResult struct {
	XMLName  xml.Name `xml:"ListAttachedRolePoliciesResult"`
	Policies struct {
		Members []attachedXML `xml:"member"`
	} `xml:"AttachedPolicies"`
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}

func listAttachedRolePolicies(ctx context.Context, svc *iam.Service, in []byte) (any, error) {
	req, err := decode[roleInput](in)
	if err != nil {
		return nil, err
	}
	page, err := svc.ListAttachedRolePolicies(ctx, req.RoleName, req.PathPrefix, req.Marker, req.MaxItems)
	if err != nil {
		return nil, err
	}
	res := listAttachedResult{IsTruncated: page.IsTruncated, Marker: page.Marker}
	res.Policies.Members = make([]attachedXML, len(page.Items))
	for i, p := range page.Items {
		res.Policies.Members[i] = attachedXML{PolicyName: p.Name, PolicyArn: p.ARN}
	}
	return res, nil
}
