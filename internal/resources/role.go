package resources

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/idpool/idpool/internal/iam"
)

// roleProps are the properties of AWS::IAM::Role. Policy documents may be
// JSON objects or JSON strings.
type roleProps struct {
	Arn                      string         `json:"Arn,omitempty"`
	RoleId                   string         `json:"RoleId,omitempty"`
	RoleName                 string         `json:"RoleName,omitempty"`
	Path                     string         `json:"Path,omitempty"`
	AssumeRolePolicyDocument any            `json:"AssumeRolePolicyDocument,omitempty"`
	Description              string         `json:"Description,omitempty"`
	ManagedPolicyArns        []string       `json:"ManagedPolicyArns,omitempty"`
	MaxSessionDuration       int            `json:"MaxSessionDuration,omitempty"`
	PermissionsBoundary      string         `json:"PermissionsBoundary,omitempty"`
	Policies                 []inlinePolicy `json:"Policies,omitempty"`
	Tags                     []Tag          `json:"Tags,omitempty"`
}

type inlinePolicy struct {
	PolicyName     string `json:"PolicyName"`
	PolicyDocument any    `json:"PolicyDocument"`
}

// policyText returns a policy document as JSON text: a string as is, an
// object marshalled.
func policyText(doc any) (string, error) {
	if s, ok := doc.(string); ok {
		return s, nil
	}
	if doc == nil {
		return "", nil
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", errorf(CodeInvalidRequest, "%s: policy document is not JSON: %v", TypeRole, err)
	}
	return string(b), nil
}

// policyValue is the inverse for Read: a document that parses as a JSON
// object is returned as one.
func policyValue(text string) any {
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err == nil {
		return m
	}
	return text
}

type roleHandler struct{ svc *iam.Service }

func roleAttrs(r iam.Role) map[string]any { return map[string]any{"Arn": r.ARN, "RoleId": r.RoleID} }

// Create creates the role (with a generated name when RoleName is not
// given), then puts its inline policies and attaches its managed policies;
// if one of those fails the role is deleted again. The physical ID is the
// role name.
func (h *roleHandler) Create(ctx context.Context, props map[string]any) (string, map[string]any, error) {
	var p roleProps
	if err := decode(TypeRole, props, &p); err != nil {
		return "", nil, err
	}
	trust, err := policyText(p.AssumeRolePolicyDocument)
	if err != nil {
		return "", nil, err
	}
	name := p.RoleName
	if name == "" {
		if name, err = generatedName(ctx, "Role", 64); err != nil {
			return "", nil, err
		}
	}
	r, err := h.svc.CreateRole(ctx, iam.CreateRoleInput{
		RoleName: name, Path: p.Path, AssumeRolePolicyDocument: trust, Description: p.Description,
		MaxSessionDuration: p.MaxSessionDuration, PermissionsBoundary: p.PermissionsBoundary, Tags: iamTags(p.Tags),
	})
	if err != nil {
		return "", nil, fail(err)
	}
	if err := h.syncPolicies(ctx, r, p); err != nil {
		_ = h.Delete(ctx, r.RoleName, nil)
		return "", nil, err
	}
	return r.RoleName, roleAttrs(r), nil
}

// syncPolicies makes the role's inline and managed policies those of p.
func (h *roleHandler) syncPolicies(ctx context.Context, r iam.Role, p roleProps) error {
	want := map[string]bool{}
	for _, pol := range p.Policies {
		doc, err := policyText(pol.PolicyDocument)
		if err != nil {
			return err
		}
		want[pol.PolicyName] = true
		if i := slices.IndexFunc(r.InlinePolicies, func(x iam.InlinePolicy) bool { return x.Name == pol.PolicyName }); i >= 0 && r.InlinePolicies[i].Document == doc {
			continue
		}
		if err := h.svc.PutRolePolicy(ctx, r.RoleName, pol.PolicyName, doc); err != nil {
			return fail(err)
		}
	}
	for _, pol := range r.InlinePolicies {
		if !want[pol.Name] {
			if err := h.svc.DeleteRolePolicy(ctx, r.RoleName, pol.Name); err != nil {
				return fail(err)
			}
		}
	}
	for _, arn := range p.ManagedPolicyArns {
		if !slices.ContainsFunc(r.AttachedPolicies, func(a iam.AttachedPolicy) bool { return a.ARN == arn }) {
			if err := h.svc.AttachRolePolicy(ctx, r.RoleName, arn); err != nil {
				return fail(err)
			}
		}
	}
	for _, a := range r.AttachedPolicies {
		if !slices.Contains(p.ManagedPolicyArns, a.ARN) {
			if err := h.svc.DetachRolePolicy(ctx, r.RoleName, a.ARN); err != nil {
				return fail(err)
			}
		}
	}
	return nil
}

// Update changes the trust policy, description, maximum session duration
// and policies in place (RoleName and Path are create-only). Tags and the
// permissions boundary cannot change: idpool's IAM has no operations for
// them.
func (h *roleHandler) Update(ctx context.Context, name string, _, newProps map[string]any) (string, map[string]any, error) {
	var p roleProps
	if err := decode(TypeRole, newProps, &p); err != nil {
		return "", nil, err
	}
	cur, err := h.svc.GetRole(ctx, name)
	if err != nil {
		return "", nil, fail(err)
	}
	if !sameTags(fromIAMTags(cur.Tags), p.Tags) {
		return "", nil, errorf(CodeNotUpdatable, "%s: Tags cannot be changed on an existing role in idpool; replace the role (change its RoleName) to change them.", TypeRole)
	}
	if p.PermissionsBoundary != cur.PermissionsBoundary {
		return "", nil, errorf(CodeNotUpdatable, "%s: PermissionsBoundary cannot be changed on an existing role in idpool; replace the role (change its RoleName) to change it.", TypeRole)
	}
	trust, err := policyText(p.AssumeRolePolicyDocument)
	if err != nil {
		return "", nil, err
	}
	if trust != cur.AssumeRolePolicyDocument {
		if err := h.svc.UpdateAssumeRolePolicy(ctx, name, trust); err != nil {
			return "", nil, fail(err)
		}
	}
	maxSession := p.MaxSessionDuration
	if maxSession == 0 {
		maxSession = 3600
	}
	if p.Description != cur.Description || maxSession != cur.MaxSessionDuration {
		if _, err := h.svc.UpdateRole(ctx, iam.UpdateRoleInput{RoleName: name, Description: &p.Description, MaxSessionDuration: &maxSession}); err != nil {
			return "", nil, fail(err)
		}
	}
	if err := h.syncPolicies(ctx, cur, p); err != nil {
		return "", nil, err
	}
	return name, roleAttrs(cur), nil
}

// Delete removes the role's inline policies, detaches its managed ones and
// deletes it, as CloudFormation does.
func (h *roleHandler) Delete(ctx context.Context, name string, _ map[string]any) error {
	cur, err := h.svc.GetRole(ctx, name)
	if err != nil {
		return fail(err)
	}
	if err := h.syncPolicies(ctx, cur, roleProps{}); err != nil {
		return err
	}
	return fail(h.svc.DeleteRole(ctx, name))
}

// Read returns the role's properties.
func (h *roleHandler) Read(ctx context.Context, name string) (map[string]any, error) {
	r, err := h.svc.GetRole(ctx, name)
	if err != nil {
		return nil, fail(err)
	}
	out := roleProps{
		Arn: r.ARN, RoleId: r.RoleID, RoleName: r.RoleName, Path: r.Path,
		AssumeRolePolicyDocument: policyValue(r.AssumeRolePolicyDocument), Description: r.Description,
		MaxSessionDuration: r.MaxSessionDuration, PermissionsBoundary: r.PermissionsBoundary, Tags: fromIAMTags(r.Tags),
	}
	for _, pol := range r.InlinePolicies {
		out.Policies = append(out.Policies, inlinePolicy{PolicyName: pol.Name, PolicyDocument: policyValue(pol.Document)})
	}
	for _, a := range r.AttachedPolicies {
		out.ManagedPolicyArns = append(out.ManagedPolicyArns, a.ARN)
	}
	return toProps(out)
}

// List returns every role's name.
func (h *roleHandler) List(ctx context.Context, _ map[string]any) ([]string, error) {
	var out []string
	marker := ""
	for {
		page, err := h.svc.ListRoles(ctx, iam.ListRolesInput{Marker: marker, MaxItems: 1000})
		if err != nil {
			return nil, fail(err)
		}
		for _, r := range page.Items {
			out = append(out, r.RoleName)
		}
		if !page.IsTruncated || page.Marker == "" {
			break
		}
		marker = page.Marker
	}
	slices.Sort(out)
	return out, nil
}
