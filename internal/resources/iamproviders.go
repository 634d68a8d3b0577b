package resources

import (
	"context"
	"slices"

	"github.com/idpool/idpool/internal/iam"
)

// oidcProps are the properties of AWS::IAM::OIDCProvider.
type oidcProps struct {
	Arn            string   `json:"Arn,omitempty"`
	Url            string   `json:"Url,omitempty"`
	ClientIdList   []string `json:"ClientIdList,omitempty"`
	ThumbprintList []string `json:"ThumbprintList,omitempty"`
	Tags           []Tag    `json:"Tags,omitempty"`
}

type oidcHandler struct{ svc *iam.Service }

func arnAttrs(arn string) map[string]any { return map[string]any{"Arn": arn} }

// Create registers the provider. The physical ID is its ARN.
func (h *oidcHandler) Create(ctx context.Context, props map[string]any) (string, map[string]any, error) {
	var p oidcProps
	if err := decode(TypeOIDCProvider, props, &p); err != nil {
		return "", nil, err
	}
	if p.Url == "" {
		return "", nil, errorf(CodeInvalidRequest, "%s: Url is required.", TypeOIDCProvider)
	}
	o, err := h.svc.CreateOpenIDConnectProvider(ctx, iam.CreateOIDCProviderInput{
		URL: p.Url, ClientIDs: p.ClientIdList, Thumbprints: p.ThumbprintList, Tags: iamTags(p.Tags),
	})
	if err != nil {
		return "", nil, fail(err)
	}
	return o.ARN, arnAttrs(o.ARN), nil
}

// Update adds and removes client IDs and replaces the thumbprints (Url is
// create-only: the engine replaces the provider when it changes). Tags
// cannot change: idpool's IAM has no provider tagging operations.
func (h *oidcHandler) Update(ctx context.Context, arn string, oldProps, newProps map[string]any) (string, map[string]any, error) {
	var p oidcProps
	if err := decode(TypeOIDCProvider, newProps, &p); err != nil {
		return "", nil, err
	}
	cur, err := h.svc.GetOpenIDConnectProvider(ctx, arn)
	if err != nil {
		return "", nil, fail(err)
	}
	if !sameTags(fromIAMTags(cur.Tags), p.Tags) {
		return "", nil, errorf(CodeNotUpdatable, "%s: Tags cannot be changed on an existing provider in idpool; replace the provider (change its Url) to change them.", TypeOIDCProvider)
	}
	if !slices.Equal(sortedCopy(cur.Thumbprints), sortedCopy(p.ThumbprintList)) {
		if err := h.svc.UpdateOpenIDConnectProviderThumbprint(ctx, arn, p.ThumbprintList); err != nil {
			return "", nil, fail(err)
		}
	}
	for _, id := range p.ClientIdList {
		if !slices.Contains(cur.ClientIDs, id) {
			if err := h.svc.AddClientIDToOpenIDConnectProvider(ctx, arn, id); err != nil {
				return "", nil, fail(err)
			}
		}
	}
	for _, id := range cur.ClientIDs {
		if !slices.Contains(p.ClientIdList, id) {
			if err := h.svc.RemoveClientIDFromOpenIDConnectProvider(ctx, arn, id); err != nil {
				return "", nil, fail(err)
			}
		}
	}
	return arn, arnAttrs(arn), nil
}

// Delete deletes the provider.
func (h *oidcHandler) Delete(ctx context.Context, arn string, _ map[string]any) error {
	return fail(h.svc.DeleteOpenIDConnectProvider(ctx, arn))
}

// Read returns the provider's properties.
func (h *oidcHandler) Read(ctx context.Context, arn string) (map[string]any, error) {
	o, err := h.svc.GetOpenIDConnectProvider(ctx, arn)
	if err != nil {
		return nil, fail(err)
	}
	return toProps(oidcProps{Arn: o.ARN, Url: o.URL, ClientIdList: o.ClientIDs, ThumbprintList: o.Thumbprints, Tags: fromIAMTags(o.Tags)})
}

// List returns every provider's ARN.
func (h *oidcHandler) List(ctx context.Context, _ map[string]any) ([]string, error) {
	ps, err := h.svc.ListOpenIDConnectProviders(ctx)
	if err != nil {
		return nil, fail(err)
	}
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.ARN)
	}
	slices.Sort(out)
	return out, nil
}

// samlProps are the properties of AWS::IAM::SAMLProvider.
type samlProps struct {
	Arn                     string `json:"Arn,omitempty"`
	SamlProviderUUID        string `json:"SamlProviderUUID,omitempty"`
	Name                    string `json:"Name,omitempty"`
	SamlMetadataDocument    string `json:"SamlMetadataDocument,omitempty"`
	AssertionEncryptionMode string `json:"AssertionEncryptionMode,omitempty"`
	Tags                    []Tag  `json:"Tags,omitempty"`
	AddPrivateKey           string `json:"AddPrivateKey,omitempty"`
	RemovePrivateKey        string `json:"RemovePrivateKey,omitempty"`
	PrivateKeyList          []any  `json:"PrivateKeyList,omitempty"`
}

func (p samlProps) refusePrivateKeys() error {
	if p.AddPrivateKey != "" || p.RemovePrivateKey != "" || len(p.PrivateKeyList) > 0 {
		return errorf(CodeInvalidRequest, "%s: AddPrivateKey, RemovePrivateKey and PrivateKeyList are not supported: idpool does not decrypt SAML assertions.", TypeSAMLProvider)
	}
	return nil
}

type samlHandler struct{ svc *iam.Service }

func samlAttrs(p iam.SAMLProvider) map[string]any {
	return map[string]any{"Arn": p.ARN, "SamlProviderUUID": p.UUID}
}

// Create registers the provider (with a generated name when Name is not
// given). The physical ID is its ARN.
func (h *samlHandler) Create(ctx context.Context, props map[string]any) (string, map[string]any, error) {
	var p samlProps
	if err := decode(TypeSAMLProvider, props, &p); err != nil {
		return "", nil, err
	}
	if err := p.refusePrivateKeys(); err != nil {
		return "", nil, err
	}
	if p.SamlMetadataDocument == "" {
		return "", nil, errorf(CodeInvalidRequest, "%s: SamlMetadataDocument is required.", TypeSAMLProvider)
	}
	name := p.Name
	if name == "" {
		var err error
		if name, err = generatedName(ctx, "SAMLProvider", 128); err != nil {
			return "", nil, err
		}
	}
	s, err := h.svc.CreateSAMLProvider(ctx, iam.CreateSAMLProviderInput{
		Name: name, Metadata: p.SamlMetadataDocument, Tags: iamTags(p.Tags), AssertionEncryptionMode: p.AssertionEncryptionMode,
	})
	if err != nil {
		return "", nil, fail(err)
	}
	return s.ARN, samlAttrs(s), nil
}

// Update replaces the metadata document and the assertion encryption mode
// (Name is create-only). Tags cannot change.
func (h *samlHandler) Update(ctx context.Context, arn string, _, newProps map[string]any) (string, map[string]any, error) {
	var p samlProps
	if err := decode(TypeSAMLProvider, newProps, &p); err != nil {
		return "", nil, err
	}
	if err := p.refusePrivateKeys(); err != nil {
		return "", nil, err
	}
	cur, err := h.svc.GetSAMLProvider(ctx, arn)
	if err != nil {
		return "", nil, fail(err)
	}
	if !sameTags(fromIAMTags(cur.Tags), p.Tags) {
		return "", nil, errorf(CodeNotUpdatable, "%s: Tags cannot be changed on an existing provider in idpool; replace the provider (change its Name) to change them.", TypeSAMLProvider)
	}
	mode := p.AssertionEncryptionMode
	if mode == "" {
		mode = "Allowed"
	}
	curMode := cur.AssertionEncryptionMode
	if curMode == "" {
		curMode = "Allowed"
	}
	if p.SamlMetadataDocument != cur.Metadata || mode != curMode {
		in := iam.UpdateSAMLProviderInput{ARN: arn, AssertionEncryptionMode: mode}
		if p.SamlMetadataDocument != cur.Metadata {
			in.Metadata = p.SamlMetadataDocument
		}
		if cur, err = h.svc.UpdateSAMLProvider(ctx, in); err != nil {
			return "", nil, fail(err)
		}
	}
	return arn, samlAttrs(cur), nil
}

// Delete deletes the provider.
func (h *samlHandler) Delete(ctx context.Context, arn string, _ map[string]any) error {
	return fail(h.svc.DeleteSAMLProvider(ctx, arn))
}

// Read returns the provider's properties.
func (h *samlHandler) Read(ctx context.Context, arn string) (map[string]any, error) {
	s, err := h.svc.GetSAMLProvider(ctx, arn)
	if err != nil {
		return nil, fail(err)
	}
	return toProps(samlProps{
		Arn: s.ARN, SamlProviderUUID: s.UUID, Name: s.Name, SamlMetadataDocument: s.Metadata,
		AssertionEncryptionMode: s.AssertionEncryptionMode, Tags: fromIAMTags(s.Tags),
	})
}

// List returns every provider's ARN.
func (h *samlHandler) List(ctx context.Context, _ map[string]any) ([]string, error) {
	ps, err := h.svc.ListSAMLProviders(ctx)
	if err != nil {
		return nil, fail(err)
	}
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.ARN)
	}
	slices.Sort(out)
	return out, nil
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
