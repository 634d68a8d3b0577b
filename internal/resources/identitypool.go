package resources

import (
	"context"
	"fmt"

	"github.com/idpool/idpool/internal/identity"
)

// poolProps are the properties of AWS::Cognito::IdentityPool.
type poolProps struct {
	Id                             string             `json:"Id,omitempty"`
	Name                           string             `json:"Name,omitempty"`
	IdentityPoolName               string             `json:"IdentityPoolName,omitempty"`
	AllowUnauthenticatedIdentities bool               `json:"AllowUnauthenticatedIdentities"`
	AllowClassicFlow               *bool              `json:"AllowClassicFlow,omitempty"`
	DeveloperProviderName          string             `json:"DeveloperProviderName,omitempty"`
	SupportedLoginProviders        map[string]string  `json:"SupportedLoginProviders,omitempty"`
	CognitoIdentityProviders       []cognitoProvProps `json:"CognitoIdentityProviders,omitempty"`
	OpenIdConnectProviderARNs      []string           `json:"OpenIdConnectProviderARNs,omitempty"`
	SamlProviderARNs               []string           `json:"SamlProviderARNs,omitempty"`
	IdentityPoolTags               []Tag              `json:"IdentityPoolTags,omitempty"`
	PushSync                       any                `json:"PushSync,omitempty"`
	CognitoStreams                 any                `json:"CognitoStreams,omitempty"`
	CognitoEvents                  any                `json:"CognitoEvents,omitempty"`
}

type cognitoProvProps struct {
	ProviderName         string `json:"ProviderName"`
	ClientId             string `json:"ClientId"`
	ServerSideTokenCheck *bool  `json:"ServerSideTokenCheck,omitempty"`
}

// poolRequest is the cognito-identity CreateIdentityPool/UpdateIdentityPool
// body the properties amount to, checked against the botocore model.
type poolRequest struct {
	IdentityPoolId                 string             `json:"IdentityPoolId,omitempty"`
	IdentityPoolName               string             `json:"IdentityPoolName"`
	AllowUnauthenticatedIdentities bool               `json:"AllowUnauthenticatedIdentities"`
	AllowClassicFlow               *bool              `json:"AllowClassicFlow,omitempty"`
	SupportedLoginProviders        map[string]string  `json:"SupportedLoginProviders,omitempty"`
	DeveloperProviderName          string             `json:"DeveloperProviderName,omitempty"`
	OpenIdConnectProviderARNs      []string           `json:"OpenIdConnectProviderARNs,omitempty"`
	CognitoIdentityProviders       []cognitoProvProps `json:"CognitoIdentityProviders,omitempty"`
	SamlProviderARNs               []string           `json:"SamlProviderARNs,omitempty"`
	IdentityPoolTags               map[string]string  `json:"IdentityPoolTags,omitempty"`
}

type poolHandler struct {
	svc  *identity.Service
	side *sidecars
}

func (h *poolHandler) decode(props map[string]any) (poolProps, error) {
	var p poolProps
	err := decode(TypeIdentityPool, props, &p)
	return p, err
}

// pool checks the properties against the cognito-identity model (op is
// CreateIdentityPool or UpdateIdentityPool) and converts them.
func (p poolProps) pool(op, id, name string) (identity.Pool, error) {
	req := poolRequest{
		IdentityPoolName: name, AllowUnauthenticatedIdentities: p.AllowUnauthenticatedIdentities,
		AllowClassicFlow: p.AllowClassicFlow, SupportedLoginProviders: p.SupportedLoginProviders,
		DeveloperProviderName: p.DeveloperProviderName, OpenIdConnectProviderARNs: p.OpenIdConnectProviderARNs,
		CognitoIdentityProviders: p.CognitoIdentityProviders, SamlProviderARNs: p.SamlProviderARNs,
		IdentityPoolTags: tagsToMap(p.IdentityPoolTags),
	}
	if op == "UpdateIdentityPool" {
		req.IdentityPoolId = id
	}
	if err := checkModel(op, req); err != nil {
		return identity.Pool{}, err
	}
	pool := identity.Pool{
		ID: id, Name: name, AllowUnauthenticated: p.AllowUnauthenticatedIdentities, AllowClassicFlow: p.AllowClassicFlow,
		SupportedLoginProviders: p.SupportedLoginProviders, DeveloperProviderName: p.DeveloperProviderName,
		OpenIDConnectProviderARNs: p.OpenIdConnectProviderARNs, SAMLProviderARNs: p.SamlProviderARNs,
		Tags: req.IdentityPoolTags,
	}
	for _, cp := range p.CognitoIdentityProviders {
		pool.CognitoIdentityProviders = append(pool.CognitoIdentityProviders, identity.CognitoProvider{
			ProviderName: cp.ProviderName, ClientID: cp.ClientId, ServerSideTokenCheck: cp.ServerSideTokenCheck,
		})
	}
	return pool, nil
}

func (p poolProps) setSync(sc *poolSidecar) {
	sc.PushSync, sc.CognitoStreams, sc.CognitoEvents = p.PushSync, p.CognitoStreams, p.CognitoEvents
}

func poolAttrs(p identity.Pool) map[string]any {
	return map[string]any{"Id": p.ID, "Name": p.Name}
}

// Create creates the pool (with a generated name when IdentityPoolName is
// not given), then records its Cognito Sync settings.
func (h *poolHandler) Create(ctx context.Context, props map[string]any) (string, map[string]any, error) {
	p, err := h.decode(props)
	if err != nil {
		return "", nil, err
	}
	name := p.IdentityPoolName
	if name == "" {
		if name, err = generatedName(ctx, "IdentityPool", 128); err != nil {
			return "", nil, err
		}
	}
	in, err := p.pool("CreateIdentityPool", "", name)
	if err != nil {
		return "", nil, err
	}
	created, err := h.svc.CreatePool(ctx, in)
	if err != nil {
		return "", nil, fail(err)
	}
	if err := h.side.update(ctx, created.ID, p.setSync); err != nil {
		_ = h.svc.DeletePool(ctx, created.ID)
		return "", nil, fail(err)
	}
	return created.ID, poolAttrs(created), nil
}

// Update replaces the pool's configuration with the new properties, as
// UpdateIdentityPool does (omitted optional properties revert to their
// defaults, omitted tags are removed). A name generated at create is kept
// when IdentityPoolName stays unset.
func (h *poolHandler) Update(ctx context.Context, id string, _, newProps map[string]any) (string, map[string]any, error) {
	p, err := h.decode(newProps)
	if err != nil {
		return "", nil, err
	}
	cur, err := h.svc.DescribePool(ctx, id)
	if err != nil {
		return "", nil, fail(err)
	}
	name := p.IdentityPoolName
	if name == "" {
		name = cur.Name
	}
	in, err := p.pool("UpdateIdentityPool", id, name)
	if err != nil {
		return "", nil, err
	}
	if in.Tags == nil {
		in.Tags = map[string]string{}
	}
	updated, err := h.svc.UpdatePool(ctx, in)
	if err != nil {
		return "", nil, fail(err)
	}
	if err := h.side.update(ctx, id, p.setSync); err != nil {
		return "", nil, fail(err)
	}
	return id, poolAttrs(updated), nil
}

// Delete deletes the pool (and its identities) and its settings document.
func (h *poolHandler) Delete(ctx context.Context, id string, _ map[string]any) error {
	if err := h.svc.DeletePool(ctx, id); err != nil {
		return fail(err)
	}
	return fail(h.side.update(ctx, id, func(sc *poolSidecar) { *sc = poolSidecar{} }))
}

// Read returns the pool's properties.
func (h *poolHandler) Read(ctx context.Context, id string) (map[string]any, error) {
	p, err := h.svc.DescribePool(ctx, id)
	if err != nil {
		return nil, fail(err)
	}
	sc, _, err := h.side.get(ctx, id)
	if err != nil {
		return nil, fail(err)
	}
	out := poolProps{
		Id: p.ID, Name: p.Name, IdentityPoolName: p.Name, AllowUnauthenticatedIdentities: p.AllowUnauthenticated,
		AllowClassicFlow: p.AllowClassicFlow, DeveloperProviderName: p.DeveloperProviderName,
		SupportedLoginProviders: p.SupportedLoginProviders, OpenIdConnectProviderARNs: p.OpenIDConnectProviderARNs,
		SamlProviderARNs: p.SAMLProviderARNs, PushSync: sc.PushSync, CognitoStreams: sc.CognitoStreams, CognitoEvents: sc.CognitoEvents,
	}
	if len(p.Tags) > 0 {
		out.IdentityPoolTags = mapToTags(p.Tags)
	}
	for _, cp := range p.CognitoIdentityProviders {
		out.CognitoIdentityProviders = append(out.CognitoIdentityProviders, cognitoProvProps{
			ProviderName: cp.ProviderName, ClientId: cp.ClientID, ServerSideTokenCheck: cp.ServerSideTokenCheck,
		})
	}
	return toProps(out)
}

// List returns the IDs of every pool.
func (h *poolHandler) List(ctx context.Context, _ map[string]any) ([]string, error) {
	var ids []string
	next := ""
	for {
		pools, tok, err := h.svc.ListPools(ctx, 60, next)
		if err != nil {
			return nil, fail(err)
		}
		for _, p := range pools {
			ids = append(ids, p.ID)
		}
		if tok == "" {
			return ids, nil
		}
		if tok == next {
			return nil, fmt.Errorf("resources: list pools: paging does not advance")
		}
		next = tok
	}
}
