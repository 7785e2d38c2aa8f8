package manager

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
)

// Groups (/api/admin/groups) and organisations (/api/admin/organizations,
// and /api/organizations/{id}/members for the organisation's owners).

// Group is a group with its member count.
type Group struct {
	ID          string    `json:"id" format:"uuid"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Members     int       `json:"members"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func groupOut(g *berth.Group) Group {
	return Group{ID: g.ID, Name: g.Name, Description: g.Description, Members: g.Members, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
}

// GroupDetail is a group with a page of its members.
type GroupDetail struct {
	Group
	Users Page[User] `json:"users"`
}

// GroupIDParam is a group id in the path.
type GroupIDParam struct {
	ID string `path:"id" format:"uuid" maxLength:"36" doc:"The group's id."`
}

type labelBody struct {
	Name        string `json:"name" minLength:"1" maxLength:"100"`
	Description string `json:"description,omitempty" maxLength:"500"`
}

type createGroupInput struct{ Body labelBody }

type patchGroupInput struct {
	GroupIDParam
	Body struct {
		Name        *string `json:"name,omitempty" minLength:"1" maxLength:"100"`
		Description *string `json:"description,omitempty" maxLength:"500"`
	}
}

type getGroupInput struct {
	GroupIDParam
	PageParams
}

type groupMemberInput struct {
	GroupIDParam
	UserID string `path:"user_id" format:"uuid" maxLength:"36" doc:"The member's id."`
}

type groupOutput struct{ Body Group }
type groupDetailOutput struct{ Body GroupDetail }
type groupsOutput struct {
	Body struct {
		Items []Group `json:"items"`
	}
}

// Organization is an organisation with its member count.
type Organization struct {
	ID          string    `json:"id" format:"uuid"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	TierID      string    `json:"tier_id,omitempty" doc:"The tier that covers its members without a tier of their own; empty for the default."`
	Members     int       `json:"members"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func orgOut(o *berth.Organization) Organization {
	return Organization{ID: o.ID, Name: o.Name, Description: o.Description, TierID: o.TierID, Members: o.Members,
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

// OrgIDParam is an organisation id in the path.
type OrgIDParam struct {
	ID string `path:"id" format:"uuid" maxLength:"36" doc:"The organisation's id."`
}

type createOrgInput struct {
	Body struct {
		Name        string `json:"name" minLength:"1" maxLength:"100"`
		Description string `json:"description,omitempty" maxLength:"500"`
		TierID      string `json:"tier_id,omitempty" maxLength:"36"`
	}
}

type patchOrgInput struct {
	OrgIDParam
	Body struct {
		Name        *string `json:"name,omitempty" minLength:"1" maxLength:"100"`
		Description *string `json:"description,omitempty" maxLength:"500"`
		TierID      *string `json:"tier_id,omitempty" maxLength:"36" doc:"Empty for the default tier."`
	}
}

type OrgMemberParams struct {
	OrgIDParam
	UserID string `path:"user_id" format:"uuid" maxLength:"36" doc:"The member's id."`
}

type putOrgMemberInput struct {
	OrgMemberParams
	Body struct {
		Role string `json:"role" enum:"owner,member" doc:"owner: may also manage the organisation's shared functions and list its members."`
	}
}

type orgMembersInput struct {
	OrgIDParam
	PageParams
}

type orgOutput struct{ Body Organization }
type orgsOutput struct{ Body Page[Organization] }

func (m *Manager) registerGroups(tags []string, admin, write map[string]any) {
	operation(m, huma.Operation{OperationID: "admin-list-groups", Method: http.MethodGet, Path: "/api/admin/groups", Tags: tags,
		Security: authenticated, Metadata: admin, Errors: []int{http.StatusForbidden},
		Summary: "Every group with its member count, by name"}, m.listGroups)
	operation(m, huma.Operation{OperationID: "admin-create-group", Method: http.MethodPost, Path: "/api/admin/groups", Tags: tags,
		Security: authenticated, Metadata: write, DefaultStatus: http.StatusCreated, Errors: []int{http.StatusForbidden, http.StatusConflict},
		Summary: "Create a group (names are unique in any case)"}, m.createGroup)
	operation(m, huma.Operation{OperationID: "admin-get-group", Method: http.MethodGet, Path: "/api/admin/groups/{id}", Tags: tags,
		Security: authenticated, Metadata: admin, Errors: []int{http.StatusForbidden, http.StatusNotFound},
		Summary: "One group with a page of its members"}, m.getGroup)
	operation(m, huma.Operation{OperationID: "admin-patch-group", Method: http.MethodPatch, Path: "/api/admin/groups/{id}", Tags: tags,
		Security: authenticated, Metadata: write, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
		Summary: "Rename a group or change its description"}, m.patchGroup)
	operation(m, huma.Operation{OperationID: "admin-delete-group", Method: http.MethodDelete, Path: "/api/admin/groups/{id}", Tags: tags,
		Security: authenticated, Metadata: write, DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusForbidden, http.StatusNotFound},
		Summary: "Delete a group and its memberships"}, m.deleteGroup)
	operation(m, huma.Operation{OperationID: "admin-add-group-member", Method: http.MethodPut, Path: "/api/admin/groups/{id}/members/{user_id}", Tags: tags,
		Security: authenticated, Metadata: write, DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
		Summary: "Add an account to a group (409 when it is a member already)"}, m.addGroupMember)
	operation(m, huma.Operation{OperationID: "admin-remove-group-member", Method: http.MethodDelete, Path: "/api/admin/groups/{id}/members/{user_id}", Tags: tags,
		Security: authenticated, Metadata: write, DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusForbidden, http.StatusNotFound},
		Summary: "Remove an account from a group"}, m.removeGroupMember)
}

func (m *Manager) registerOrganizations(tags []string, admin, write map[string]any) {
	operation(m, huma.Operation{OperationID: "admin-list-organizations", Method: http.MethodGet, Path: "/api/admin/organizations", Tags: tags,
		Security: authenticated, Metadata: admin, Errors: []int{http.StatusForbidden},
		Summary: "Organisations with their member counts, by name"}, m.listOrgs)
	operation(m, huma.Operation{OperationID: "admin-create-organization", Method: http.MethodPost, Path: "/api/admin/organizations", Tags: tags,
		Security: authenticated, Metadata: write, DefaultStatus: http.StatusCreated,
		Errors:  []int{http.StatusForbidden, http.StatusConflict, http.StatusUnprocessableEntity},
		Summary: "Create an organisation (names are unique in any case)"}, m.createOrg)
	operation(m, huma.Operation{OperationID: "admin-get-organization", Method: http.MethodGet, Path: "/api/admin/organizations/{id}", Tags: tags,
		Security: authenticated, Metadata: admin, Errors: []int{http.StatusForbidden, http.StatusNotFound},
		Summary: "One organisation (its members: GET /api/admin/users?organization_id=…)"}, m.getOrg)
	operation(m, huma.Operation{OperationID: "admin-patch-organization", Method: http.MethodPatch, Path: "/api/admin/organizations/{id}", Tags: tags,
		Security: authenticated, Metadata: write, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
		Summary: "Change an organisation's name, description or tier"}, m.patchOrg)
	operation(m, huma.Operation{OperationID: "admin-delete-organization", Method: http.MethodDelete, Path: "/api/admin/organizations/{id}", Tags: tags,
		Security: authenticated, Metadata: write, DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
		Summary: "Delete an organisation without members (409 while it has some)"}, m.deleteOrg)
	operation(m, huma.Operation{OperationID: "admin-set-organization-member", Method: http.MethodPut, Path: "/api/admin/organizations/{id}/members/{user_id}", Tags: tags,
		Security: authenticated, Metadata: write, DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
		Summary:     "Make an account a member (or change a member's role)",
		Description: "An account belongs to at most one organisation: 409 when it is in another, or already a member with that role."}, m.setOrgMember)
	operation(m, huma.Operation{OperationID: "admin-remove-organization-member", Method: http.MethodDelete, Path: "/api/admin/organizations/{id}/members/{user_id}", Tags: tags,
		Security: authenticated, Metadata: write, DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusForbidden, http.StatusNotFound},
		Summary: "End a membership"}, m.removeOrgMember)
	operation(m, huma.Operation{OperationID: "organization-members", Method: http.MethodGet, Path: "/api/organizations/{id}/members", Tags: []string{"users"},
		Security: authenticated, Errors: []int{http.StatusNotFound},
		Summary: "The members of your organisation: for its owners (and admins)"}, m.orgMembers)
}

func (m *Manager) listGroups(ctx context.Context, _ *struct{}) (*groupsOutput, error) {
	gs, err := m.store.ListGroups(ctx)
	if err != nil {
		return nil, err
	}
	out := &groupsOutput{}
	out.Body.Items = make([]Group, len(gs))
	for i := range gs {
		out.Body.Items[i] = groupOut(&gs[i])
	}
	return out, nil
}

// groupName is what a group may be called: services read groups from the
// comma-separated X-Berth-Groups header, so no commas, quotes or controls.
var groupName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._:/@+-]{0,99}$`)

func checkGroupName(name string) error {
	if !groupName.MatchString(name) {
		return berth.Invalid("name", "a group name is 1 to 100 letters, digits, spaces and . _ : / @ + -, starting with a letter or digit "+
			"(services read groups from a comma-separated header)")
	}
	return nil
}

func nameTaken(kind, name string) error {
	return problem(http.StatusConflict, codeConflict, "a "+kind+" named "+strconv.Quote(name)+" exists already (names are unique in any case)")
}

func (m *Manager) createGroup(ctx context.Context, in *createGroupInput) (*groupOutput, error) {
	name, err := cleanLabel("name", in.Body.Name, 100, true)
	if err != nil {
		return nil, err
	}
	if err := checkGroupName(name); err != nil {
		return nil, err
	}
	desc, err := cleanLabel("description", in.Body.Description, 500, false)
	if err != nil {
		return nil, err
	}
	g := &berth.Group{Name: name, Description: desc}
	if err := m.store.CreateGroup(ctx, g); err != nil {
		if errors.Is(err, berth.ErrConflict) {
			return nil, nameTaken("group", name)
		}
		return nil, err
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAdminGroupCreate, g.ID, berth.AuditSuccess, "group "+strconv.Quote(name))
	return &groupOutput{Body: groupOut(g)}, nil
}

func (m *Manager) groupTarget(ctx context.Context, id string) (*berth.Group, error) {
	g, err := m.store.Group(ctx, id)
	if errors.Is(err, berth.ErrNotFound) {
		return nil, problem(http.StatusNotFound, codeNotFound, "no group "+id)
	}
	return g, err
}

func (m *Manager) getGroup(ctx context.Context, in *getGroupInput) (*groupDetailOutput, error) {
	g, err := m.groupTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	users, err := m.userPage(ctx, berth.UserFilter{GroupID: g.ID, Sort: berth.SortEmail}, in.PageParams)
	if err != nil {
		return nil, err
	}
	return &groupDetailOutput{Body: GroupDetail{Group: groupOut(g), Users: users}}, nil
}

// userPage lists a page of accounts.
func (m *Manager) userPage(ctx context.Context, f berth.UserFilter, p PageParams) (Page[User], error) {
	f.Page = p.page()
	us, total, err := m.store.ListUsers(ctx, f)
	if err != nil {
		return Page[User]{}, err
	}
	out := Page[User]{Items: make([]User, len(us)), Page: p.Page, PerPage: p.PerPage, Total: total}
	for i := range us {
		out.Items[i] = userOut(&us[i])
	}
	return out, nil
}

func (m *Manager) patchGroup(ctx context.Context, in *patchGroupInput) (*groupOutput, error) {
	g, err := m.groupTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	before := *g
	if in.Body.Name != nil {
		if g.Name, err = cleanLabel("name", *in.Body.Name, 100, true); err != nil {
			return nil, err
		}
		if err := checkGroupName(g.Name); err != nil {
			return nil, err
		}
	}
	if in.Body.Description != nil {
		if g.Description, err = cleanLabel("description", *in.Body.Description, 500, false); err != nil {
			return nil, err
		}
	}
	if err := m.store.UpdateGroup(ctx, g); err != nil {
		if errors.Is(err, berth.ErrConflict) {
			return nil, nameTaken("group", g.Name)
		}
		return nil, err
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAdminGroupUpdate, g.ID, berth.AuditSuccess,
		"name "+strconv.Quote(before.Name)+" → "+strconv.Quote(g.Name)+"; description "+strconv.Quote(before.Description)+" → "+strconv.Quote(g.Description))
	return &groupOutput{Body: groupOut(g)}, nil
}

func (m *Manager) deleteGroup(ctx context.Context, in *GroupIDParam) (*struct{}, error) {
	g, err := m.groupTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if err := m.store.DeleteGroup(ctx, g.ID); err != nil {
		return nil, err
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAdminGroupDelete, g.ID, berth.AuditSuccess,
		"group "+strconv.Quote(g.Name)+" deleted with "+strconv.Itoa(g.Members)+" memberships")
	return &struct{}{}, nil
}

func (m *Manager) addGroupMember(ctx context.Context, in *groupMemberInput) (*struct{}, error) {
	g, err := m.groupTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if _, err := m.adminTarget(ctx, in.UserID); err != nil {
		return nil, err
	}
	if err := m.store.AddGroupMember(ctx, g.ID, in.UserID); err != nil {
		if errors.Is(err, berth.ErrConflict) {
			return nil, problem(http.StatusConflict, codeConflict, "user "+in.UserID+" is a member of group "+strconv.Quote(g.Name)+" already")
		}
		return nil, err
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAdminGroupAdd, in.UserID, berth.AuditSuccess, "added to group "+strconv.Quote(g.Name))
	return &struct{}{}, nil
}

func (m *Manager) removeGroupMember(ctx context.Context, in *groupMemberInput) (*struct{}, error) {
	g, err := m.groupTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	err = m.store.RemoveGroupMember(ctx, g.ID, in.UserID)
	if errors.Is(err, berth.ErrNotFound) {
		return nil, problem(http.StatusNotFound, codeNotFound, "user "+in.UserID+" is not a member of group "+strconv.Quote(g.Name))
	}
	if err != nil {
		return nil, err
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAdminGroupRemove, in.UserID, berth.AuditSuccess, "removed from group "+strconv.Quote(g.Name))
	return &struct{}{}, nil
}

func (m *Manager) listOrgs(ctx context.Context, in *struct{ PageParams }) (*orgsOutput, error) {
	os, total, err := m.store.ListOrganizations(ctx, in.page())
	if err != nil {
		return nil, err
	}
	out := &orgsOutput{Body: Page[Organization]{Items: make([]Organization, len(os)), Page: in.Page, PerPage: in.PerPage, Total: total}}
	for i := range os {
		out.Body.Items[i] = orgOut(&os[i])
	}
	return out, nil
}

func (m *Manager) orgTarget(ctx context.Context, id string) (*berth.Organization, error) {
	o, err := m.store.Organization(ctx, id)
	if errors.Is(err, berth.ErrNotFound) {
		return nil, problem(http.StatusNotFound, codeNotFound, "no organization "+id)
	}
	return o, err
}

func (m *Manager) createOrg(ctx context.Context, in *createOrgInput) (*orgOutput, error) {
	name, err := cleanLabel("name", in.Body.Name, 100, true)
	if err != nil {
		return nil, err
	}
	desc, err := cleanLabel("description", in.Body.Description, 500, false)
	if err != nil {
		return nil, err
	}
	if in.Body.TierID != "" {
		if _, err := m.existingTier(ctx, "tier_id", in.Body.TierID); err != nil {
			return nil, err
		}
	}
	o := &berth.Organization{Name: name, Description: desc, TierID: in.Body.TierID}
	if err := m.store.CreateOrganization(ctx, o); err != nil {
		if errors.Is(err, berth.ErrConflict) {
			return nil, nameTaken("organization", name)
		}
		return nil, err
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAdminOrgCreate, o.ID, berth.AuditSuccess, "organization "+strconv.Quote(name)+", tier "+orNone(o.TierID))
	return &orgOutput{Body: orgOut(o)}, nil
}

func (m *Manager) getOrg(ctx context.Context, in *OrgIDParam) (*orgOutput, error) {
	o, err := m.orgTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &orgOutput{Body: orgOut(o)}, nil
}

func (m *Manager) patchOrg(ctx context.Context, in *patchOrgInput) (*orgOutput, error) {
	o, err := m.orgTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	before := *o
	b := &in.Body
	if b.Name != nil {
		if o.Name, err = cleanLabel("name", *b.Name, 100, true); err != nil {
			return nil, err
		}
	}
	if b.Description != nil {
		if o.Description, err = cleanLabel("description", *b.Description, 500, false); err != nil {
			return nil, err
		}
	}
	if b.TierID != nil {
		if *b.TierID != "" {
			if _, err := m.existingTier(ctx, "tier_id", *b.TierID); err != nil {
				return nil, err
			}
		}
		o.TierID = *b.TierID
	}
	if err := m.store.UpdateOrganization(ctx, o); err != nil {
		if errors.Is(err, berth.ErrConflict) {
			return nil, nameTaken("organization", o.Name)
		}
		return nil, err
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAdminOrgUpdate, o.ID, berth.AuditSuccess,
		"name "+strconv.Quote(before.Name)+" → "+strconv.Quote(o.Name)+"; tier "+orNone(before.TierID)+" → "+orNone(o.TierID))
	return &orgOutput{Body: orgOut(o)}, nil
}

func (m *Manager) deleteOrg(ctx context.Context, in *OrgIDParam) (*struct{}, error) {
	o, err := m.orgTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if err := m.store.DeleteOrganization(ctx, o.ID); err != nil {
		if errors.Is(err, berth.ErrInUse) {
			return nil, problem(http.StatusConflict, codeConflict, "organization "+strconv.Quote(o.Name)+" has "+strconv.Itoa(o.Members)+
				" members: remove them first")
		}
		return nil, err
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAdminOrgDelete, o.ID, berth.AuditSuccess, "organization "+strconv.Quote(o.Name)+" deleted")
	return &struct{}{}, nil
}

func (m *Manager) setOrgMember(ctx context.Context, in *putOrgMemberInput) (*struct{}, error) {
	o, err := m.orgTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	u, err := m.adminTarget(ctx, in.UserID)
	if err != nil {
		return nil, err
	}
	role := berth.OrgRole(in.Body.Role)
	before := "none"
	if u.OrganizationID == o.ID {
		if u.OrganizationRole == role {
			return nil, problem(http.StatusConflict, codeConflict, "user "+u.ID+" is a member of "+strconv.Quote(o.Name)+" as "+string(role)+" already")
		}
		before = string(u.OrganizationRole)
	}
	if err := m.store.SetOrganizationMember(ctx, o.ID, u.ID, role); err != nil {
		if errors.Is(err, berth.ErrConflict) {
			return nil, problem(http.StatusConflict, codeConflict, "user "+u.ID+" belongs to another organization; remove them from it first")
		}
		return nil, err
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAdminOrgMember, u.ID, berth.AuditSuccess,
		"organization "+strconv.Quote(o.Name)+": role "+before+" → "+string(role))
	return &struct{}{}, nil
}

func (m *Manager) removeOrgMember(ctx context.Context, in *OrgMemberParams) (*struct{}, error) {
	o, err := m.orgTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	err = m.store.RemoveOrganizationMember(ctx, o.ID, in.UserID)
	if errors.Is(err, berth.ErrNotFound) {
		return nil, problem(http.StatusNotFound, codeNotFound, "user "+in.UserID+" is not a member of "+strconv.Quote(o.Name))
	}
	if err != nil {
		return nil, err
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAdminOrgRemove, in.UserID, berth.AuditSuccess, "removed from organization "+strconv.Quote(o.Name))
	return &struct{}{}, nil
}

// orgMembers lists an organisation's members to its owners and to admins;
// to anyone else it does not exist.
func (m *Manager) orgMembers(ctx context.Context, in *orgMembersInput) (*struct{ Body Page[User] }, error) {
	u := PrincipalFrom(ctx).User
	owner := u.OrganizationID == in.ID && u.OrganizationRole == berth.OrgOwner
	if !owner && u.Role != berth.RoleAdmin {
		return nil, problem(http.StatusNotFound, codeNotFound, "no organization "+in.ID+" that you own")
	}
	if _, err := m.orgTarget(ctx, in.ID); err != nil {
		return nil, err
	}
	page, err := m.userPage(ctx, berth.UserFilter{OrganizationID: in.ID, Sort: berth.SortEmail}, in.PageParams)
	if err != nil {
		return nil, err
	}
	return &struct{ Body Page[User] }{Body: page}, nil
}
