package resources

import (
	"context"
	"strings"

	"github.com/idpool/idpool/internal/identity"
)

// principalTagProps are the properties of
// AWS::Cognito::IdentityPoolPrincipalTag.
type principalTagProps struct {
	IdentityPoolId       string            `json:"IdentityPoolId"`
	IdentityProviderName string            `json:"IdentityProviderName"`
	UseDefaults          bool              `json:"UseDefaults"`
	PrincipalTags        map[string]string `json:"PrincipalTags,omitempty"`
}

// setPrincipalTagRequest is the SetPrincipalTagAttributeMap body the
// properties amount to.
type setPrincipalTagRequest struct {
	IdentityPoolId       string            `json:"IdentityPoolId"`
	IdentityProviderName string            `json:"IdentityProviderName"`
	UseDefaults          bool              `json:"UseDefaults"`
	PrincipalTags        map[string]string `json:"PrincipalTags,omitempty"`
}

type principalTagHandler struct{ svc *identity.Service }

// principalTagID is the primary identifier "<pool ID>|<provider name>".
func principalTagID(poolID, provider string) string { return poolID + "|" + provider }

func splitPrincipalTagID(id string) (string, string, error) {
	poolID, provider, ok := strings.Cut(id, "|")
	if !ok || poolID == "" || provider == "" {
		return "", "", errorf(CodeNotFound, "Resource of type '%s' with identifier '%s' was not found.", TypePrincipalTag, id)
	}
	return poolID, provider, nil
}

func (h *principalTagHandler) set(ctx context.Context, props map[string]any) (string, map[string]any, error) {
	var p principalTagProps
	if err := decode(TypePrincipalTag, props, &p); err != nil {
		return "", nil, err
	}
	if err := checkModel("SetPrincipalTagAttributeMap", setPrincipalTagRequest(p)); err != nil {
		return "", nil, err
	}
	if _, err := h.svc.SetPrincipalTagMap(ctx, p.IdentityPoolId, p.IdentityProviderName, identity.PrincipalTagMap{
		UseDefaults: p.UseDefaults, Tags: p.PrincipalTags,
	}); err != nil {
		return "", nil, fail(err)
	}
	return principalTagID(p.IdentityPoolId, p.IdentityProviderName), nil, nil
}

// Create sets the provider's principal tag mapping. The physical ID is
// "<pool ID>|<provider name>".
func (h *principalTagHandler) Create(ctx context.Context, props map[string]any) (string, map[string]any, error) {
	return h.set(ctx, props)
}

// Update replaces the provider's principal tag mapping.
func (h *principalTagHandler) Update(ctx context.Context, _ string, _, newProps map[string]any) (string, map[string]any, error) {
	return h.set(ctx, newProps)
}

// Delete removes the provider's principal tag mapping. A pool or mapping
// that is gone counts as done.
func (h *principalTagHandler) Delete(ctx context.Context, id string, _ map[string]any) error {
	poolID, provider, err := splitPrincipalTagID(id)
	if err != nil {
		return err
	}
	removed, err := h.svc.DeletePrincipalTagMap(ctx, poolID, provider)
	if err != nil {
		return fail(err)
	}
	if !removed {
		return errorf(CodeNotFound, "Resource of type '%s' with identifier '%s' was not found.", TypePrincipalTag, id)
	}
	return nil
}

// Read returns the provider's mapping; a provider never mapped (or no
// longer configured on the pool) has none (NotFound).
func (h *principalTagHandler) Read(ctx context.Context, id string) (map[string]any, error) {
	poolID, provider, err := splitPrincipalTagID(id)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.DescribePool(ctx, poolID)
	if err != nil {
		return nil, fail(err)
	}
	m, ok := p.PrincipalTagMaps[provider]
	if !ok {
		return nil, errorf(CodeNotFound, "Resource of type '%s' with identifier '%s' was not found.", TypePrincipalTag, id)
	}
	out := principalTagProps{IdentityPoolId: poolID, IdentityProviderName: provider, UseDefaults: m.UseDefaults}
	if len(m.Tags) > 0 {
		out.PrincipalTags = m.Tags
	}
	return toProps(out)
}

// List returns the identifier of the mapping named by the model's
// IdentityPoolId and IdentityProviderName, if it exists.
func (h *principalTagHandler) List(ctx context.Context, model map[string]any) ([]string, error) {
	poolID, err := requireString(TypePrincipalTag, model, "IdentityPoolId")
	if err != nil {
		return nil, err
	}
	provider, err := requireString(TypePrincipalTag, model, "IdentityProviderName")
	if err != nil {
		return nil, err
	}
	id := principalTagID(poolID, provider)
	if _, err := h.Read(ctx, id); err != nil {
		if AsError(err).Code == CodeNotFound {
			return []string{}, nil
		}
		return nil, err
	}
	return []string{id}, nil
}
