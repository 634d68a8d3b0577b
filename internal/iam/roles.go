package iam

import (
	"context"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Role is an IAM role.
type Role struct {
	// ARN is arn:aws:iam::<account>:role<path><name>.
	ARN      string `json:"arn"`
	RoleName string `json:"roleName"`
	// RoleID is "AROA" followed by 17 characters.
	RoleID string `json:"roleId"`
	// Path is "/" or "/…/".
	Path string `json:"path"`
	// AssumeRolePolicyDocument is the trust policy as submitted (URL
	// decoded when it was submitted URL-encoded).
	AssumeRolePolicyDocument string `json:"assumeRolePolicyDocument"`
	Description              string `json:"description,omitempty"`
	// MaxSessionDuration is in seconds, 3600 to 43200.
	MaxSessionDuration int `json:"maxSessionDuration"`
	// PermissionsBoundary is the managed policy ARN set as boundary, or "".
	// Stored, not evaluated.
	PermissionsBoundary string           `json:"permissionsBoundary,omitempty"`
	Tags                []Tag            `json:"tags,omitempty"`
	CreateDate          time.Time        `json:"createDate"`
	InlinePolicies      []InlinePolicy   `json:"inlinePolicies,omitempty"`
	AttachedPolicies    []AttachedPolicy `json:"attachedPolicies,omitempty"`
}

// InlinePolicy is a permission policy embedded in a role. Stored, not
// evaluated.
type InlinePolicy struct {
	Name     string `json:"name"`
	Document string `json:"document"`
}

// AttachedPolicy is a managed policy attached to a role. Only the ARN is
// kept; idpool has no managed policies of its own and evaluates none.
type AttachedPolicy struct {
	Name string `json:"name"`
	ARN  string `json:"arn"`
}

func (r Role) clone() Role {
	r.Tags = cloneTags(r.Tags)
	r.InlinePolicies = slices.Clone(r.InlinePolicies)
	r.AttachedPolicies = slices.Clone(r.AttachedPolicies)
	return r
}

type roleDoc struct {
	Roles  []Role         `json:"roles"`
	byName map[string]int // lower-case name → index
	keys   []string       // lower-case names, sorted like Roles
}

func (d *roleDoc) reindex() {
	sort.Slice(d.Roles, func(i, j int) bool {
		return strings.ToLower(d.Roles[i].RoleName) < strings.ToLower(d.Roles[j].RoleName)
	})
	d.byName = make(map[string]int, len(d.Roles))
	d.keys = make([]string, len(d.Roles))
	for i, r := range d.Roles {
		k := strings.ToLower(r.RoleName)
		d.byName[k] = i
		d.keys[i] = k
	}
}

// find returns the role with the name, ignoring case (IAM names are not
// distinguished by case).
func (d *roleDoc) find(name string) (*Role, bool) {
	i, ok := d.byName[strings.ToLower(name)]
	if !ok {
		return nil, false
	}
	return &d.Roles[i], true
}

var (
	roleNameRE  = regexp.MustCompile(`^[\w+=,.@-]+$`)
	pathRE      = regexp.MustCompile(`^(/|/[\x21-\x7e]+/)$`)
	policyARNRE = regexp.MustCompile(`^arn:aws[\w-]*:iam::(aws|\d{12}):policy(/[\x21-\x7e]*)?/[\w+=,.@-]+$`)
)

func checkRoleName(name string) error {
	if err := checkLength(name, "roleName", 1, 64, true); err != nil {
		return err
	}
	if !roleNameRE.MatchString(name) {
		return validation(name, "roleName", true, `Member must satisfy regular expression pattern: [\w+=,.@-]+`)
	}
	return nil
}

func checkPolicyName(name string) error {
	if err := checkLength(name, "policyName", 1, 128, true); err != nil {
		return err
	}
	if !roleNameRE.MatchString(name) {
		return validation(name, "policyName", true, `Member must satisfy regular expression pattern: [\w+=,.@-]+`)
	}
	return nil
}

func checkMaxSessionDuration(d int) error {
	switch {
	case d < 3600:
		return validation(strconv.Itoa(d), "maxSessionDuration", true, "Member must have value greater than or equal to 3600")
	case d > 43200:
		return validation(strconv.Itoa(d), "maxSessionDuration", true, "Member must have value less than or equal to 43200")
	}
	return nil
}

// CreateRoleInput is CreateRole's input.
type CreateRoleInput struct {
	RoleName string
	// Path defaults to "/".
	Path string
	// AssumeRolePolicyDocument is the trust policy, plain or URL-encoded
	// JSON.
	AssumeRolePolicyDocument string
	Description              string
	// MaxSessionDuration in seconds; 0 means 3600.
	MaxSessionDuration  int
	PermissionsBoundary string
	Tags                []Tag
}

// checkTrustDocument decodes and validates a trust policy and checks its
// size quota.
func checkTrustDocument(doc string) (string, error) {
	doc = normalizeDocument(doc)
	if err := validateTrustPolicy(doc); err != nil {
		return "", err
	}
	if countNonSpace(doc) > maxTrustSize {
		return "", errTrustPolicySize
	}
	return doc, nil
}

// CreateRole creates a role, in this order: name, path and maximum session
// duration checks (ValidationError); the trust policy must be a valid
// trust policy (MalformedPolicyDocument, validateTrustPolicy) of at most
// 2048 characters without white space (LimitExceeded "Cannot exceed quota
// for ACLSizePerRole: 2048"); the permissions boundary, if any, must be a
// policy ARN (InvalidInput); tags must be valid. Then, against the stored
// roles, the name must be new ignoring case (EntityAlreadyExists "Role with
// name … already exists.") and the account below 1000 roles.
func (s *Service) CreateRole(ctx context.Context, in CreateRoleInput) (Role, error) {
	if err := checkRoleName(in.RoleName); err != nil {
		return Role{}, err
	}
	if in.Path == "" {
		in.Path = "/"
	}
	if err := checkLength(in.Path, "path", 1, 512, true); err != nil {
		return Role{}, err
	}
	if !pathRE.MatchString(in.Path) {
		return Role{}, validation(in.Path, "path", true, `Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`)
	}
	if in.MaxSessionDuration == 0 {
		in.MaxSessionDuration = 3600
	}
	if err := checkMaxSessionDuration(in.MaxSessionDuration); err != nil {
		return Role{}, err
	}
	if err := checkLength(in.Description, "description", 0, 1000, true); err != nil {
		return Role{}, err
	}
	doc, err := checkTrustDocument(in.AssumeRolePolicyDocument)
	if err != nil {
		return Role{}, err
	}
	if in.PermissionsBoundary != "" && !policyARNRE.MatchString(in.PermissionsBoundary) {
		return Role{}, errBoundaryARN(in.PermissionsBoundary)
	}
	if err := checkTags(in.Tags); err != nil {
		return Role{}, err
	}
	id, err := s.randomString(17, upperAlnum)
	if err != nil {
		return Role{}, err
	}
	r := Role{
		ARN: s.arnPrefix() + "role" + in.Path + in.RoleName, RoleName: in.RoleName, RoleID: "AROA" + id, Path: in.Path,
		AssumeRolePolicyDocument: doc, Description: in.Description, MaxSessionDuration: in.MaxSessionDuration,
		PermissionsBoundary: in.PermissionsBoundary, Tags: cloneTags(in.Tags), CreateDate: s.now().UTC().Truncate(time.Second),
	}
	_, err = s.roles.update(ctx, func(d *roleDoc) error {
		if _, ok := d.find(r.RoleName); ok {
			return errRoleExists(r.RoleName)
		}
		if len(d.Roles) >= MaxRoles {
			return errTooManyRoles
		}
		d.Roles = append(d.Roles, r)
		return nil
	})
	if err != nil {
		return Role{}, err
	}
	return r.clone(), nil
}

// GetRole returns the role with the name, ignoring case (NoSuchEntity "The
// role with name … cannot be found.").
func (s *Service) GetRole(ctx context.Context, name string) (Role, error) {
	d, err := s.roles.read(ctx)
	if err != nil {
		return Role{}, err
	}
	r, ok := d.find(name)
	if !ok {
		return Role{}, errRoleNotFound(name)
	}
	return r.clone(), nil
}

// RoleByARN is the lookup for STS and Cognito: the registered role the ARN
// names, from the snapshot (no I/O while it is fresh). The role is found by
// account and name; the path in the ARN is not compared. NoSuchEntity if
// there is no such role (callers decide whether an unregistered role is
// acceptable), InvalidInput if arn is not a role ARN.
func (s *Service) RoleByARN(ctx context.Context, arn string) (Role, error) {
	account, res, ok := parseARN(arn)
	if !ok || !strings.HasPrefix(res, "role/") {
		return Role{}, errProviderARN(arn)
	}
	name := res[strings.LastIndexByte(res, '/')+1:]
	if account != s.account {
		return Role{}, errRoleNotFound(name)
	}
	return s.GetRole(ctx, name)
}

// ListRolesInput is ListRoles' input.
type ListRolesInput struct {
	// PathPrefix keeps the roles whose path starts with it ("" or "/": all).
	PathPrefix string
	// Marker continues a truncated list.
	Marker string
	// MaxItems bounds the page (1 to 1000; 0 means 100).
	MaxItems int
}

// ListRoles lists roles ordered by name (ignoring case), filtered by path
// prefix, MaxItems at a time.
func (s *Service) ListRoles(ctx context.Context, in ListRolesInput) (Page[Role], error) {
	d, err := s.roles.read(ctx)
	if err != nil {
		return Page[Role]{}, err
	}
	var roles []Role
	var keys []string
	for i, r := range d.Roles {
		if strings.HasPrefix(r.Path, in.PathPrefix) {
			roles = append(roles, r)
			keys = append(keys, d.keys[i])
		}
	}
	start, end, next, err := paginate(keys, in.Marker, in.MaxItems)
	if err != nil {
		return Page[Role]{}, err
	}
	out := Page[Role]{IsTruncated: next != "", Marker: next, Items: make([]Role, 0, end-start)}
	for _, r := range roles[start:end] {
		out.Items = append(out.Items, r.clone())
	}
	return out, nil
}

// modifyRole applies fn to the stored role with the name.
func (s *Service) modifyRole(ctx context.Context, name string, fn func(d *roleDoc, r *Role) error) (Role, error) {
	var out Role
	_, err := s.roles.update(ctx, func(d *roleDoc) error {
		r, ok := d.find(name)
		if !ok {
			return errRoleNotFound(name)
		}
		if err := fn(d, r); err != nil {
			return err
		}
		out = r.clone()
		return nil
	})
	return out, err
}

// DeleteRole deletes a role that has no inline policies (DeleteConflict
// "Cannot delete entity, must delete policies first.") and no attached
// policies (DeleteConflict "Cannot delete entity, must detach all policies
// first.").
func (s *Service) DeleteRole(ctx context.Context, name string) error {
	_, err := s.roles.update(ctx, func(d *roleDoc) error {
		i, ok := d.byName[strings.ToLower(name)]
		if !ok {
			return errRoleNotFound(name)
		}
		switch r := d.Roles[i]; {
		case len(r.InlinePolicies) > 0:
			return errDeleteInline
		case len(r.AttachedPolicies) > 0:
			return errDeleteAttached
		}
		d.Roles = slices.Delete(d.Roles, i, i+1)
		return nil
	})
	return err
}

// UpdateAssumeRolePolicy replaces a role's trust policy, with the checks of
// CreateRole.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, name, document string) error {
	doc, err := checkTrustDocument(document)
	if err != nil {
		return err
	}
	_, err = s.modifyRole(ctx, name, func(_ *roleDoc, r *Role) error {
		r.AssumeRolePolicyDocument = doc
		return nil
	})
	return err
}

// UpdateRoleInput is UpdateRole's input; nil fields are left unchanged.
type UpdateRoleInput struct {
	RoleName           string
	Description        *string
	MaxSessionDuration *int
}

// UpdateRole changes a role's description and/or maximum session duration
// and returns the role.
func (s *Service) UpdateRole(ctx context.Context, in UpdateRoleInput) (Role, error) {
	if in.MaxSessionDuration != nil {
		if err := checkMaxSessionDuration(*in.MaxSessionDuration); err != nil {
			return Role{}, err
		}
	}
	if in.Description != nil {
		if err := checkLength(*in.Description, "description", 0, 1000, true); err != nil {
			return Role{}, err
		}
	}
	return s.modifyRole(ctx, in.RoleName, func(_ *roleDoc, r *Role) error {
		if in.Description != nil {
			r.Description = *in.Description
		}
		if in.MaxSessionDuration != nil {
			r.MaxSessionDuration = *in.MaxSessionDuration
		}
		return nil
	})
}

// PutRolePolicy adds or replaces an inline permission policy. The document
// must be a permission policy (validatePermissionPolicy); all inline
// policies of the role together may have 10,240 characters without white
// space (LimitExceeded). Stored, never evaluated.
func (s *Service) PutRolePolicy(ctx context.Context, roleName, policyName, document string) error {
	if err := checkPolicyName(policyName); err != nil {
		return err
	}
	doc := normalizeDocument(document)
	if err := validatePermissionPolicy(doc); err != nil {
		return err
	}
	_, err := s.modifyRole(ctx, roleName, func(_ *roleDoc, r *Role) error {
		total := countNonSpace(doc)
		i := -1
		for j, p := range r.InlinePolicies {
			if strings.EqualFold(p.Name, policyName) {
				i = j
				continue
			}
			total += countNonSpace(p.Document)
		}
		if total > maxInlineSize {
			return errInlinePolicySize(r.RoleName)
		}
		if i >= 0 {
			r.InlinePolicies[i] = InlinePolicy{Name: policyName, Document: doc}
		} else {
			r.InlinePolicies = append(r.InlinePolicies, InlinePolicy{Name: policyName, Document: doc})
			sort.Slice(r.InlinePolicies, func(a, b int) bool {
				return strings.ToLower(r.InlinePolicies[a].Name) < strings.ToLower(r.InlinePolicies[b].Name)
			})
		}
		return nil
	})
	return err
}

// GetRolePolicy returns an inline policy (NoSuchEntity for the role, then
// "The role policy with name … cannot be found.").
func (s *Service) GetRolePolicy(ctx context.Context, roleName, policyName string) (InlinePolicy, error) {
	r, err := s.GetRole(ctx, roleName)
	if err != nil {
		return InlinePolicy{}, err
	}
	for _, p := range r.InlinePolicies {
		if strings.EqualFold(p.Name, policyName) {
			return p, nil
		}
	}
	return InlinePolicy{}, errRolePolicyNotFound(policyName)
}

// DeleteRolePolicy deletes an inline policy.
func (s *Service) DeleteRolePolicy(ctx context.Context, roleName, policyName string) error {
	_, err := s.modifyRole(ctx, roleName, func(_ *roleDoc, r *Role) error {
		i := slices.IndexFunc(r.InlinePolicies, func(p InlinePolicy) bool { return strings.EqualFold(p.Name, policyName) })
		if i < 0 {
			return errRolePolicyNotFound(policyName)
		}
		r.InlinePolicies = slices.Delete(r.InlinePolicies, i, i+1)
		return nil
	})
	return err
}

// ListRolePolicies lists the names of a role's inline policies, ordered by
// name, maxItems at a time (0 means 100).
func (s *Service) ListRolePolicies(ctx context.Context, roleName, marker string, maxItems int) (Page[string], error) {
	r, err := s.GetRole(ctx, roleName)
	if err != nil {
		return Page[string]{}, err
	}
	keys := make([]string, len(r.InlinePolicies))
	for i, p := range r.InlinePolicies {
		keys[i] = strings.ToLower(p.Name)
	}
	start, end, next, err := paginate(keys, marker, maxItems)
	if err != nil {
		return Page[string]{}, err
	}
	out := Page[string]{IsTruncated: next != "", Marker: next, Items: []string{}}
	for _, p := range r.InlinePolicies[start:end] {
		out.Items = append(out.Items, p.Name)
	}
	return out, nil
}

// AttachRolePolicy attaches a managed policy by ARN (ValidationError "ARN …
// is not valid." for anything that is not a policy ARN); attaching one that
// is attached changes nothing; at most 10 (LimitExceeded). The ARN is
// stored; idpool does not check that the policy exists.
func (s *Service) AttachRolePolicy(ctx context.Context, roleName, policyARN string) error {
	if !policyARNRE.MatchString(policyARN) {
		return errPolicyARN(policyARN)
	}
	_, err := s.modifyRole(ctx, roleName, func(_ *roleDoc, r *Role) error {
		if slices.ContainsFunc(r.AttachedPolicies, func(p AttachedPolicy) bool { return p.ARN == policyARN }) {
			return nil
		}
		if len(r.AttachedPolicies) >= maxAttached {
			return errTooManyAttached
		}
		r.AttachedPolicies = append(r.AttachedPolicies, AttachedPolicy{
			Name: policyARN[strings.LastIndexByte(policyARN, '/')+1:], ARN: policyARN,
		})
		sort.Slice(r.AttachedPolicies, func(a, b int) bool { return r.AttachedPolicies[a].ARN < r.AttachedPolicies[b].ARN })
		return nil
	})
	return err
}

// DetachRolePolicy detaches a managed policy (NoSuchEntity "Policy … was
// not found." when it is not attached).
func (s *Service) DetachRolePolicy(ctx context.Context, roleName, policyARN string) error {
	if !policyARNRE.MatchString(policyARN) {
		return errPolicyARN(policyARN)
	}
	_, err := s.modifyRole(ctx, roleName, func(_ *roleDoc, r *Role) error {
		i := slices.IndexFunc(r.AttachedPolicies, func(p AttachedPolicy) bool { return p.ARN == policyARN })
		if i < 0 {
			return errAttachedPolicyNotFound(policyARN)
		}
		r.AttachedPolicies = slices.Delete(r.AttachedPolicies, i, i+1)
		return nil
	})
	return err
}

// policyPath returns the path of a policy ARN ("/" or "/service-role/").
func policyPath(arn string) string {
	_, res, _ := parseARN(arn)
	res = strings.TrimPrefix(res, "policy")
	return res[:strings.LastIndexByte(res, '/')+1]
}

// ListAttachedRolePolicies lists a role's attached policies ordered by ARN,
// filtered by policy path prefix, maxItems at a time (0 means 100).
func (s *Service) ListAttachedRolePolicies(ctx context.Context, roleName, pathPrefix, marker string, maxItems int) (Page[AttachedPolicy], error) {
	r, err := s.GetRole(ctx, roleName)
	if err != nil {
		return Page[AttachedPolicy]{}, err
	}
	var keep []AttachedPolicy
	var keys []string
	for _, p := range r.AttachedPolicies {
		if strings.HasPrefix(policyPath(p.ARN), pathPrefix) {
			keep = append(keep, p)
			keys = append(keys, p.ARN)
		}
	}
	start, end, next, err := paginate(keys, marker, maxItems)
	if err != nil {
		return Page[AttachedPolicy]{}, err
	}
	return Page[AttachedPolicy]{IsTruncated: next != "", Marker: next, Items: append([]AttachedPolicy{}, keep[start:end]...)}, nil
}
