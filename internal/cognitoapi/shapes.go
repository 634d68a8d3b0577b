package cognitoapi

import (
	"maps"
	"slices"

	"github.com/idpool/idpool/internal/identity"
)

// identityPoolShape is Cognito's IdentityPool shape: the input of
// CreateIdentityPool and UpdateIdentityPool and the output of both and of
// DescribeIdentityPool. Unset optional members are omitted, as AWS does.
type identityPoolShape struct {
	IdentityPoolId                 string                 `json:"IdentityPoolId,omitempty"`
	IdentityPoolName               string                 `json:"IdentityPoolName"`
	AllowUnauthenticatedIdentities bool                   `json:"AllowUnauthenticatedIdentities"`
	AllowClassicFlow               *bool                  `json:"AllowClassicFlow,omitempty"`
	SupportedLoginProviders        map[string]string      `json:"SupportedLoginProviders,omitempty"`
	DeveloperProviderName          string                 `json:"DeveloperProviderName,omitempty"`
	OpenIdConnectProviderARNs      []string               `json:"OpenIdConnectProviderARNs,omitempty"`
	CognitoIdentityProviders       []cognitoProviderShape `json:"CognitoIdentityProviders,omitempty"`
	SamlProviderARNs               []string               `json:"SamlProviderARNs,omitempty"`
	IdentityPoolTags               map[string]string      `json:"IdentityPoolTags,omitempty"`
}

type cognitoProviderShape struct {
	ProviderName         string `json:"ProviderName,omitempty"`
	ClientId             string `json:"ClientId,omitempty"`
	ServerSideTokenCheck *bool  `json:"ServerSideTokenCheck,omitempty"`
}

func (in *identityPoolShape) toPool() identity.Pool {
	p := identity.Pool{
		ID:                        in.IdentityPoolId,
		Name:                      in.IdentityPoolName,
		AllowUnauthenticated:      in.AllowUnauthenticatedIdentities,
		AllowClassicFlow:          in.AllowClassicFlow,
		SupportedLoginProviders:   in.SupportedLoginProviders,
		DeveloperProviderName:     in.DeveloperProviderName,
		OpenIDConnectProviderARNs: in.OpenIdConnectProviderARNs,
		SAMLProviderARNs:          in.SamlProviderARNs,
		Tags:                      in.IdentityPoolTags,
	}
	for _, c := range in.CognitoIdentityProviders {
		p.CognitoIdentityProviders = append(p.CognitoIdentityProviders, identity.CognitoProvider{
			ProviderName: c.ProviderName, ClientID: c.ClientId, ServerSideTokenCheck: c.ServerSideTokenCheck,
		})
	}
	return p
}

func poolShape(p identity.Pool) *identityPoolShape {
	out := &identityPoolShape{
		IdentityPoolId:                 p.ID,
		IdentityPoolName:               p.Name,
		AllowUnauthenticatedIdentities: p.AllowUnauthenticated,
		AllowClassicFlow:               p.AllowClassicFlow,
		SupportedLoginProviders:        p.SupportedLoginProviders,
		DeveloperProviderName:          p.DeveloperProviderName,
		OpenIdConnectProviderARNs:      p.OpenIDConnectProviderARNs,
		SamlProviderARNs:               p.SAMLProviderARNs,
		IdentityPoolTags:               p.Tags,
	}
	for _, c := range p.CognitoIdentityProviders {
		check := c.ServerSideTokenCheck
		if check == nil {
			f := false
			check = &f
		}
		out.CognitoIdentityProviders = append(out.CognitoIdentityProviders, cognitoProviderShape{
			ProviderName: c.ProviderName, ClientId: c.ClientID, ServerSideTokenCheck: check,
		})
	}
	return out
}

type roleMappingShape struct {
	Type                    string                   `json:"Type"`
	AmbiguousRoleResolution string                   `json:"AmbiguousRoleResolution,omitempty"`
	RulesConfiguration      *rulesConfigurationShape `json:"RulesConfiguration,omitempty"`
}

type rulesConfigurationShape struct {
	Rules []mappingRuleShape `json:"Rules"`
}

type mappingRuleShape struct {
	Claim     string `json:"Claim"`
	MatchType string `json:"MatchType"`
	Value     string `json:"Value"`
	RoleARN   string `json:"RoleARN"`
}

func toRoleMappings(in map[string]roleMappingShape) map[string]identity.RoleMapping {
	if in == nil {
		return nil
	}
	out := make(map[string]identity.RoleMapping, len(in))
	for k, m := range in {
		rm := identity.RoleMapping{Type: m.Type, AmbiguousRoleResolution: m.AmbiguousRoleResolution}
		if m.RulesConfiguration != nil {
			rm.HasRulesConfiguration = true
			for _, r := range m.RulesConfiguration.Rules {
				rm.Rules = append(rm.Rules, identity.MappingRule(r))
			}
		}
		out[k] = rm
	}
	return out
}

func roleMappingShapes(in map[string]identity.RoleMapping) map[string]roleMappingShape {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]roleMappingShape, len(in))
	for _, k := range slices.Sorted(maps.Keys(in)) {
		m := in[k]
		s := roleMappingShape{Type: m.Type, AmbiguousRoleResolution: m.AmbiguousRoleResolution}
		if m.HasRulesConfiguration {
			s.RulesConfiguration = &rulesConfigurationShape{Rules: []mappingRuleShape{}}
			for _, r := range m.Rules {
				s.RulesConfiguration.Rules = append(s.RulesConfiguration.Rules, mappingRuleShape(r))
			}
		}
		out[k] = s
	}
	return out
}
