package resources

import (
	"context"
	"sort"

	"github.com/idpool/idpool/internal/identity"
)

// roleAttachmentProps are the properties of
// AWS::Cognito::IdentityPoolRoleAttachment.
type roleAttachmentProps struct {
	Id             string                      `json:"Id,omitempty"`
	IdentityPoolId string                      `json:"IdentityPoolId"`
	Roles          map[string]string           `json:"Roles,omitempty"`
	RoleMappings   map[string]roleMappingProps `json:"RoleMappings,omitempty"`
}

type roleMappingProps struct {
	IdentityProvider        string             `json:"IdentityProvider,omitempty"`
	Type                    string             `json:"Type"`
	AmbiguousRoleResolution string             `json:"AmbiguousRoleResolution,omitempty"`
	RulesConfiguration      *rulesConfigFields `json:"RulesConfiguration,omitempty"`
}

type rulesConfigFields struct {
	Rules []ruleFields `json:"Rules"`
}

type ruleFields struct {
	Claim     string `json:"Claim"`
	MatchType string `json:"MatchType"`
	Value     string `json:"Value"`
	RoleARN   string `json:"RoleARN"`
}

// setRolesRequest is the SetIdentityPoolRoles body the properties amount
// to.
type setRolesRequest struct {
	IdentityPoolId string                      `json:"IdentityPoolId"`
	Roles          map[string]string           `json:"Roles"`
	RoleMappings   map[string]roleMappingProps `json:"RoleMappings,omitempty"`
}

type roleAttachmentHandler struct {
	svc  *identity.Service
	side *sidecars
}

// set validates the properties as SetIdentityPoolRoles would and sets the
// pool's roles and mappings (keyed by IdentityProvider when given), then
// records the declared keys.
func (h *roleAttachmentHandler) set(ctx context.Context, props map[string]any) (string, map[string]any, error) {
	var p roleAttachmentProps
	if err := decode(TypeRoleAttachment, props, &p); err != nil {
		return "", nil, err
	}
	roles := p.Roles
	if roles == nil {
		roles = map[string]string{}
	}
	mappings := map[string]identity.RoleMapping{}
	wire := map[string]roleMappingProps{}
	keys := map[string]string{}
	for _, key := range sortedKeys(p.RoleMappings) {
		m := p.RoleMappings[key]
		provider := key
		if m.IdentityProvider != "" {
			provider = m.IdentityProvider
		}
		if _, dup := mappings[provider]; dup {
			return "", nil, errorf(CodeInvalidRequest, "RoleMappings declares provider %s twice.", provider)
		}
		rm := identity.RoleMapping{Type: m.Type, AmbiguousRoleResolution: m.AmbiguousRoleResolution}
		if m.RulesConfiguration != nil {
			rm.HasRulesConfiguration = true
			for _, r := range m.RulesConfiguration.Rules {
				rm.Rules = append(rm.Rules, identity.MappingRule{Claim: r.Claim, MatchType: r.MatchType, Value: r.Value, RoleARN: r.RoleARN})
			}
		}
		mappings[provider] = rm
		wm := m
		wm.IdentityProvider = ""
		wire[provider] = wm
		if provider != key {
			keys[provider] = key
		}
	}
	if err := checkModel("SetIdentityPoolRoles", setRolesRequest{IdentityPoolId: p.IdentityPoolId, Roles: roles, RoleMappings: wire}); err != nil {
		return "", nil, err
	}
	if err := h.svc.SetRoles(ctx, p.IdentityPoolId, roles, mappings); err != nil {
		return "", nil, fail(err)
	}
	if err := h.side.update(ctx, p.IdentityPoolId, func(sc *poolSidecar) { sc.MappingKeys = keys }); err != nil {
		return "", nil, fail(err)
	}
	return p.IdentityPoolId, map[string]any{"Id": p.IdentityPoolId}, nil
}

// Create sets the pool's roles and role mappings. The physical ID is the
// pool ID.
func (h *roleAttachmentHandler) Create(ctx context.Context, props map[string]any) (string, map[string]any, error) {
	return h.set(ctx, props)
}

// Update replaces the pool's roles and role mappings.
func (h *roleAttachmentHandler) Update(ctx context.Context, _ string, _, newProps map[string]any) (string, map[string]any, error) {
	return h.set(ctx, newProps)
}

// Delete clears the pool's roles and role mappings. A pool that is gone
// counts as done.
func (h *roleAttachmentHandler) Delete(ctx context.Context, id string, _ map[string]any) error {
	if err := h.svc.SetRoles(ctx, id, map[string]string{}, map[string]identity.RoleMapping{}); err != nil {
		return fail(err)
	}
	return fail(h.side.update(ctx, id, func(sc *poolSidecar) { sc.MappingKeys = nil }))
}

// Read returns the attachment of a pool; a pool without roles or mappings
// has none (NotFound).
func (h *roleAttachmentHandler) Read(ctx context.Context, id string) (map[string]any, error) {
	p, err := h.svc.GetRoles(ctx, id)
	if err != nil {
		return nil, fail(err)
	}
	if len(p.Roles) == 0 && len(p.RoleMappings) == 0 {
		return nil, errorf(CodeNotFound, "Resource of type '%s' with identifier '%s' was not found.", TypeRoleAttachment, id)
	}
	sc, _, err := h.side.get(ctx, id)
	if err != nil {
		return nil, fail(err)
	}
	out := roleAttachmentProps{Id: p.ID, IdentityPoolId: p.ID, Roles: p.Roles}
	if len(p.RoleMappings) > 0 {
		out.RoleMappings = map[string]roleMappingProps{}
	}
	for provider, m := range p.RoleMappings {
		key := provider
		rp := roleMappingProps{Type: m.Type, AmbiguousRoleResolution: m.AmbiguousRoleResolution}
		if k, ok := sc.MappingKeys[provider]; ok {
			key, rp.IdentityProvider = k, provider
		}
		if m.HasRulesConfiguration {
			rp.RulesConfiguration = &rulesConfigFields{Rules: []ruleFields{}}
			for _, r := range m.Rules {
				rp.RulesConfiguration.Rules = append(rp.RulesConfiguration.Rules, ruleFields{Claim: r.Claim, MatchType: r.MatchType, Value: r.Value, RoleARN: r.RoleARN})
			}
		}
		out.RoleMappings[key] = rp
	}
	return toProps(out)
}

// List returns the pool ID of model.IdentityPoolId if that pool has roles
// or role mappings.
func (h *roleAttachmentHandler) List(ctx context.Context, model map[string]any) ([]string, error) {
	poolID, err := requireString(TypeRoleAttachment, model, "IdentityPoolId")
	if err != nil {
		return nil, err
	}
	if _, err := h.Read(ctx, poolID); err != nil {
		if AsError(err).Code == CodeNotFound {
			return []string{}, nil
		}
		return nil, err
	}
	return []string{poolID}, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
