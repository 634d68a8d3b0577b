package cognitoapi

import (
	"context"

	"github.com/idpool/idpool/internal/identity"
)

func (s *Server) operations() map[string]handler {
	ops := map[string]handler{
		"CreateIdentityPool":          op(s.createIdentityPool),
		"DescribeIdentityPool":        op(s.describeIdentityPool),
		"UpdateIdentityPool":          op(s.updateIdentityPool),
		"DeleteIdentityPool":          op(s.deleteIdentityPool),
		"ListIdentityPools":           op(s.listIdentityPools),
		"SetIdentityPoolRoles":        op(s.setIdentityPoolRoles),
		"GetIdentityPoolRoles":        op(s.getIdentityPoolRoles),
		"SetPrincipalTagAttributeMap": op(s.setPrincipalTagAttributeMap),
		"GetPrincipalTagAttributeMap": op(s.getPrincipalTagAttributeMap),
		"TagResource":                 op(s.tagResource),
		"UntagResource":               op(s.untagResource),
		"ListTagsForResource":         op(s.listTagsForResource),
	}
	s.identityOperations(ops)
	return ops
}

type empty struct{}

type poolIDInput struct {
	IdentityPoolId string
}

func (s *Server) createIdentityPool(ctx context.Context, in *identityPoolShape) (*identityPoolShape, error) {
	in.IdentityPoolId = ""
	p, err := s.cfg.Service.CreatePool(ctx, in.toPool())
	if err != nil {
		return nil, err
	}
	return poolShape(p), nil
}

func (s *Server) describeIdentityPool(ctx context.Context, in *poolIDInput) (*identityPoolShape, error) {
	p, err := s.cfg.Service.DescribePool(ctx, in.IdentityPoolId)
	if err != nil {
		return nil, err
	}
	return poolShape(p), nil
}

func (s *Server) updateIdentityPool(ctx context.Context, in *identityPoolShape) (*identityPoolShape, error) {
	p, err := s.cfg.Service.UpdatePool(ctx, in.toPool())
	if err != nil {
		return nil, err
	}
	return poolShape(p), nil
}

func (s *Server) deleteIdentityPool(ctx context.Context, in *poolIDInput) (*empty, error) {
	return &empty{}, s.cfg.Service.DeletePool(ctx, in.IdentityPoolId)
}

type listIdentityPoolsInput struct {
	MaxResults int
	NextToken  string
}

type poolSummary struct {
	IdentityPoolId   string `json:"IdentityPoolId"`
	IdentityPoolName string `json:"IdentityPoolName"`
}

type listIdentityPoolsOutput struct {
	IdentityPools []poolSummary `json:"IdentityPools"`
	NextToken     string        `json:"NextToken,omitempty"`
}

func (s *Server) listIdentityPools(ctx context.Context, in *listIdentityPoolsInput) (*listIdentityPoolsOutput, error) {
	pools, next, err := s.cfg.Service.ListPools(ctx, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &listIdentityPoolsOutput{IdentityPools: []poolSummary{}, NextToken: next}
	for _, p := range pools {
		out.IdentityPools = append(out.IdentityPools, poolSummary{IdentityPoolId: p.ID, IdentityPoolName: p.Name})
	}
	return out, nil
}

type setIdentityPoolRolesInput struct {
	IdentityPoolId string
	Roles          map[string]string
	RoleMappings   map[string]roleMappingShape
}

func (s *Server) setIdentityPoolRoles(ctx context.Context, in *setIdentityPoolRolesInput) (*empty, error) {
	return &empty{}, s.cfg.Service.SetRoles(ctx, in.IdentityPoolId, in.Roles, toRoleMappings(in.RoleMappings))
}

type getIdentityPoolRolesOutput struct {
	IdentityPoolId string                      `json:"IdentityPoolId"`
	Roles          map[string]string           `json:"Roles,omitempty"`
	RoleMappings   map[string]roleMappingShape `json:"RoleMappings,omitempty"`
}

func (s *Server) getIdentityPoolRoles(ctx context.Context, in *poolIDInput) (*getIdentityPoolRolesOutput, error) {
	p, err := s.cfg.Service.GetRoles(ctx, in.IdentityPoolId)
	if err != nil {
		return nil, err
	}
	return &getIdentityPoolRolesOutput{IdentityPoolId: p.ID, Roles: p.Roles, RoleMappings: roleMappingShapes(p.RoleMappings)}, nil
}

type principalTagMapShape struct {
	IdentityPoolId       string            `json:"IdentityPoolId"`
	IdentityProviderName string            `json:"IdentityProviderName"`
	UseDefaults          *bool             `json:"UseDefaults,omitempty"`
	PrincipalTags        map[string]string `json:"PrincipalTags,omitempty"`
}

func (s *Server) setPrincipalTagAttributeMap(ctx context.Context, in *principalTagMapShape) (*principalTagMapShape, error) {
	m := identity.PrincipalTagMap{Tags: in.PrincipalTags}
	if in.UseDefaults != nil {
		m.UseDefaults = *in.UseDefaults
	}
	got, err := s.cfg.Service.SetPrincipalTagMap(ctx, in.IdentityPoolId, in.IdentityProviderName, m)
	if err != nil {
		return nil, err
	}
	return tagMapShape(in.IdentityPoolId, in.IdentityProviderName, got), nil
}

func (s *Server) getPrincipalTagAttributeMap(ctx context.Context, in *principalTagMapShape) (*principalTagMapShape, error) {
	got, err := s.cfg.Service.GetPrincipalTagMap(ctx, in.IdentityPoolId, in.IdentityProviderName)
	if err != nil {
		return nil, err
	}
	return tagMapShape(in.IdentityPoolId, in.IdentityProviderName, got), nil
}

func tagMapShape(poolID, provider string, m identity.PrincipalTagMap) *principalTagMapShape {
	useDefaults := m.UseDefaults
	return &principalTagMapShape{IdentityPoolId: poolID, IdentityProviderName: provider, UseDefaults: &useDefaults, PrincipalTags: m.Tags}
}

type tagResourceInput struct {
	ResourceArn string
	Tags        map[string]string
	TagKeys     []string
}

func (s *Server) tagResource(ctx context.Context, in *tagResourceInput) (*empty, error) {
	return &empty{}, s.cfg.Service.TagResource(ctx, in.ResourceArn, in.Tags)
}

func (s *Server) untagResource(ctx context.Context, in *tagResourceInput) (*empty, error) {
	return &empty{}, s.cfg.Service.UntagResource(ctx, in.ResourceArn, in.TagKeys)
}

type listTagsOutput struct {
	Tags map[string]string `json:"Tags"`
}

func (s *Server) listTagsForResource(ctx context.Context, in *tagResourceInput) (*listTagsOutput, error) {
	tags, err := s.cfg.Service.ListTags(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if tags == nil {
		tags = map[string]string{}
	}
	return &listTagsOutput{Tags: tags}, nil
}
