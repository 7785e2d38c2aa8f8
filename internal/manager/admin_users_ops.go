package manager

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
)

// The administration of accounts: /api/admin/users. Reading is open to
// every admin, viewers included; writes are for full admins (adminWrite),
// and each is audited with what it changed.

type listUsersInput struct {
	PageParams
	Query     string `query:"q" maxLength:"320" doc:"Only users whose email or name contains this, in any case."`
	Status    string `query:"status" enum:"active,blocked,deleted"`
	Role      string `query:"role" enum:"user,admin"`
	AdminRole string `query:"admin_role" enum:"full_admin,viewer"`
	OrgID     string `query:"organization_id" maxLength:"36" doc:"Members of this organisation."`
	TierID    string `query:"tier_id" maxLength:"36" doc:"Accounts on this tier of their own (the default tier's id also selects accounts without one)."`
	Feature   string `query:"feature_role" enum:"containers,public-functions" doc:"Accounts granted this feature role of their own."`
	GroupID   string `query:"group_id" maxLength:"36" doc:"Members of this group."`
	Sort      string `query:"sort" enum:"email,-email,name,-name,created_at,-created_at" default:"email" doc:"The order; a leading - is descending. Ties go by id."`
}

type listUsersOutput struct{ Body Page[User] }

// UserIDParam is a user id in the path.
type UserIDParam struct {
	ID string `path:"id" format:"uuid" maxLength:"36" doc:"The user's id."`
}

type blockUserInput struct {
	UserIDParam
	Body struct {
		Reason string `json:"reason" minLength:"1" maxLength:"500" doc:"Why; kept in the audit log."`
	}
}

type adminUserOutput struct{ Body User }

// UserSessions is what an account is signed in with, never a secret.
type UserSessions struct {
	WebSessions []Keypair `json:"web_sessions" doc:"Browser sessions (each holds a session keypair)."`
	Keypairs    []Keypair `json:"keypairs" doc:"Long-lived CLI and SDK keypairs."`
	Logins      []Login   `json:"logins" doc:"Bearer-token logins (token families) still live."`
}

// Login is one bearer-token login.
type Login struct {
	ID         string    `json:"id" format:"uuid"`
	ClientAddr string    `json:"client_addr,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at" doc:"When its refresh token expires."`
}

type userSessionsOutput struct{ Body UserSessions }

type endSessionInput struct {
	UserIDParam
	Session string `path:"session" maxLength:"64" doc:"A keypair's access key (BK…) or a login's id."`
}

type patchUserInput struct {
	UserIDParam
	Body struct {
		Name      *string `json:"name,omitempty" maxLength:"100"`
		Role      *string `json:"role,omitempty" enum:"user,admin"`
		AdminRole *string `json:"admin_role,omitempty" enum:"full_admin,viewer,none" doc:"With role admin: full_admin (read-write) or viewer (read-only); none with role user."`
		TierID    *string `json:"tier_id,omitempty" maxLength:"36" doc:"The account's own tier; empty for its organisation's or the default."`
		OrgID     *string `json:"organization_id,omitempty" maxLength:"36" doc:"Make the account a member of this organisation (role member); empty to take it out of its one."`
	}
}

func (m *Manager) registerAdminUsers(tags []string, admin, write map[string]any) {
	operation(m, huma.Operation{OperationID: "admin-list-users", Method: http.MethodGet, Path: "/api/admin/users", Tags: tags,
		Security: authenticated, Metadata: admin, Errors: []int{http.StatusForbidden},
		Summary: "Accounts: search on email and name, filter by status and role, sort, page"}, m.listUsers)
	operation(m, huma.Operation{OperationID: "admin-get-user", Method: http.MethodGet, Path: "/api/admin/users/{id}", Tags: tags,
		Security: authenticated, Metadata: admin, Errors: []int{http.StatusForbidden, http.StatusNotFound},
		Summary: "One account"}, m.adminGetUser)
	operation(m, huma.Operation{OperationID: "admin-get-user-usage", Method: http.MethodGet, Path: "/api/admin/users/{id}/usage", Tags: tags,
		Security: authenticated, Metadata: admin, Errors: []int{http.StatusForbidden, http.StatusNotFound},
		Summary: "One account's tier limits with its current use"}, m.adminGetUsage)
	operation(m, huma.Operation{OperationID: "admin-patch-user", Method: http.MethodPatch, Path: "/api/admin/users/{id}", Tags: tags,
		Security: authenticated, Metadata: write, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
		Summary:     "Change an account's name, role and admin role",
		Description: "Nobody changes their own role, and the last active full admin stays one (409). A changed role ends the user's web sessions at their next check."}, m.patchUser)
	operation(m, huma.Operation{OperationID: "admin-user-sessions", Method: http.MethodGet, Path: "/api/admin/users/{id}/sessions", Tags: tags,
		Security: authenticated, Metadata: admin, Errors: []int{http.StatusForbidden, http.StatusNotFound},
		Summary: "What an account is signed in with: web sessions, keypairs and logins (no secrets)"}, m.userSessions)
	operation(m, huma.Operation{OperationID: "admin-end-user-session", Method: http.MethodDelete, Path: "/api/admin/users/{id}/sessions/{session}", Tags: tags,
		Security: authenticated, Metadata: write, DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusForbidden, http.StatusNotFound},
		Summary: "End one web session, keypair or login of an account, at once"}, m.endUserSession)
	operation(m, huma.Operation{OperationID: "admin-delete-user", Method: http.MethodDelete, Path: "/api/admin/users/{id}", Tags: tags,
		Security: authenticated, Metadata: write, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
		Summary: "Delete an account, softly: sign-in refused, every session ended, its functions scheduled for deletion",
		Description: "The functions follow the usual grace (functions.deletion_grace) and can be restored within it one by one; the account " +
			"can be restored with POST …/restore. Its email stays taken meanwhile."}, m.deleteUser)
	operation(m, huma.Operation{OperationID: "admin-restore-user", Method: http.MethodPost, Path: "/api/admin/users/{id}/restore", Tags: tags,
		Security: authenticated, Metadata: write, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
		Summary: "Restore a deleted account (its functions still in their grace are restored one by one with cancel-deletion)"}, m.restoreUser)
	operation(m, huma.Operation{OperationID: "admin-block-user", Method: http.MethodPost, Path: "/api/admin/users/{id}/block", Tags: tags,
		Security: authenticated, Metadata: write, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
		Summary:     "Block an account: sign-in refused, and every session, token and keypair it holds ended at once",
		Description: "Its API keys stop too (a key works only while its owner is active), and its public functions answer 403."}, m.blockUser)
	operation(m, huma.Operation{OperationID: "admin-enable-user", Method: http.MethodPost, Path: "/api/admin/users/{id}/enable", Tags: tags,
		Security: authenticated, Metadata: write, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
		Summary: "Enable a blocked account again (its sessions stay ended: the user signs in anew)"}, m.enableUser)
}

func (m *Manager) adminGetUser(ctx context.Context, in *UserIDParam) (*userDetailOutput, error) {
	u, err := m.adminTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	d, err := m.userDetail(ctx, u)
	if err != nil {
		return nil, err
	}
	return &userDetailOutput{Body: d}, nil
}

// adminTarget reads the account an admin operation acts on.
func (m *Manager) adminTarget(ctx context.Context, id string) (*berth.User, error) {
	u, err := m.store.User(ctx, id)
	if errors.Is(err, berth.ErrNotFound) {
		return nil, problem(http.StatusNotFound, codeNotFound, "no user "+id)
	}
	return u, err
}

// blockUser blocks an account and ends what it is signed in with. An
// admin cannot block themselves (nobody would be left to undo it from
// that account), and a deleted account is restored, not blocked.
func (m *Manager) blockUser(ctx context.Context, in *blockUserInput) (*adminUserOutput, error) {
	actor := PrincipalFrom(ctx).User
	if in.ID == actor.ID {
		return nil, problem(http.StatusConflict, codeConflict, "you cannot block your own account; another full administrator can")
	}
	u, err := m.adminTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	switch u.Status {
	case berth.UserDeleted:
		return nil, problem(http.StatusConflict, codeConflict, "user "+u.ID+" is deleted; a deleted account cannot be blocked")
	case berth.UserBlocked:
		return &adminUserOutput{Body: userOut(u)}, nil // already: nothing changes, nothing to audit
	}
	reason := strings.TrimSpace(in.Body.Reason)
	if !berth.ValidText(reason) || reason == "" {
		return nil, berth.Invalid("reason", "must be 1 to 500 characters without control characters or line breaks")
	}
	if err := m.store.UpdateUserStatus(ctx, u.ID, berth.UserBlocked); err != nil {
		return nil, err
	}
	ended, err := m.endSessions(ctx, u.ID, "", "")
	if err != nil {
		return nil, err
	}
	m.auditUser(ctx, actor, actAdminUserBlock, u.ID, berth.AuditSuccess, "status "+string(u.Status)+" → blocked; "+
		strconv.FormatInt(ended.WebSessions, 10)+" web sessions, "+strconv.FormatInt(ended.Keypairs, 10)+" keypairs, "+
		strconv.FormatInt(ended.TokenFamilies, 10)+" logins ended; reason: "+reason)
	u.Status = berth.UserBlocked
	return &adminUserOutput{Body: userOut(u)}, nil
}

func (m *Manager) enableUser(ctx context.Context, in *UserIDParam) (*adminUserOutput, error) {
	actor := PrincipalFrom(ctx).User
	u, err := m.adminTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	switch u.Status {
	case berth.UserDeleted:
		return nil, problem(http.StatusConflict, codeConflict, "user "+u.ID+" is deleted; a deleted account cannot be enabled")
	case berth.UserActive:
		return &adminUserOutput{Body: userOut(u)}, nil
	}
	if err := m.store.UpdateUserStatus(ctx, u.ID, berth.UserActive); err != nil {
		return nil, err
	}
	m.auditUser(ctx, actor, actAdminUserEnable, u.ID, berth.AuditSuccess, "status "+string(u.Status)+" → active")
	u.Status = berth.UserActive
	return &adminUserOutput{Body: userOut(u)}, nil
}

func (m *Manager) listUsers(ctx context.Context, in *listUsersInput) (*listUsersOutput, error) {
	for field, id := range map[string]string{"organization_id": in.OrgID, "tier_id": in.TierID, "group_id": in.GroupID} {
		if id != "" && !berth.ValidID(id) {
			return nil, problem(http.StatusUnprocessableEntity, codeValidation, "validation failed: "+field+" must be an id (a UUID)",
				&huma.ErrorDetail{Location: "query." + field, Message: "must be a UUID", Value: id})
		}
	}
	us, total, err := m.store.ListUsers(ctx, berth.UserFilter{Query: strings.TrimSpace(in.Query), Status: berth.UserStatus(in.Status),
		Role: berth.Role(in.Role), AdminRole: berth.AdminRole(in.AdminRole), OrganizationID: in.OrgID, TierID: in.TierID,
		FeatureRole: berth.FeatureRole(in.Feature), GroupID: in.GroupID, Sort: berth.UserSort(in.Sort), Page: in.page()})
	if err != nil {
		return nil, err
	}
	out := &listUsersOutput{Body: Page[User]{Items: make([]User, len(us)), Page: in.Page, PerPage: in.PerPage, Total: total}}
	for i := range us {
		out.Body.Items[i] = userOut(&us[i])
	}
	return out, nil
}

// patchUser changes a name or a role. The role pair is checked whole: an
// admin needs an admin role, a user has none.
func (m *Manager) patchUser(ctx context.Context, in *patchUserInput) (*adminUserOutput, error) {
	actor := PrincipalFrom(ctx).User
	u, err := m.adminTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	b := &in.Body
	var changes []string
	name := u.Name
	if b.Name != nil {
		if name, err = cleanName(*b.Name); err != nil {
			return nil, err
		}
	}
	role, admin := u.Role, u.AdminRole
	if b.Role != nil {
		role = berth.Role(*b.Role)
		if role == berth.RoleUser {
			admin = berth.AdminNone
		}
	}
	if b.AdminRole != nil {
		admin = berth.AdminRole(*b.AdminRole)
		if *b.AdminRole == "none" {
			admin = berth.AdminNone
		}
	}
	switch {
	case role == berth.RoleAdmin && admin == berth.AdminNone:
		return nil, berth.Invalid("admin_role", "an admin needs an admin role: full_admin or viewer")
	case role == berth.RoleUser && admin != berth.AdminNone:
		return nil, berth.Invalid("admin_role", "a user has no admin role: make them an admin (role admin) or send admin_role none")
	}
	if role != u.Role || admin != u.AdminRole {
		if u.ID == actor.ID {
			return nil, problem(http.StatusConflict, codeConflict, "you cannot change your own role; another full administrator can")
		}
		err := m.store.UpdateUserRole(ctx, u.ID, role, admin)
		if errors.Is(err, berth.ErrLastFullAdmin) {
			return nil, problem(http.StatusConflict, codeConflict, "user "+u.ID+" is the last active full administrator: make another one first")
		}
		if err != nil {
			return nil, err
		}
		changes = append(changes, "role "+roleText(u.Role, u.AdminRole)+" → "+roleText(role, admin))
		u.Role, u.AdminRole = role, admin
	}
	if b.TierID != nil && *b.TierID != u.TierID {
		if *b.TierID != "" {
			if _, err := m.existingTier(ctx, "tier_id", *b.TierID); err != nil {
				return nil, err
			}
		}
		if err := m.store.SetUserTier(ctx, u.ID, *b.TierID); err != nil {
			return nil, err
		}
		changes = append(changes, "tier "+orNone(u.TierID)+" → "+orNone(*b.TierID))
		u.TierID = *b.TierID
	}
	if b.OrgID != nil && *b.OrgID != u.OrganizationID {
		if err := m.moveToOrganization(ctx, u, *b.OrgID); err != nil {
			return nil, err
		}
		changes = append(changes, "organization "+orNone(u.OrganizationID)+" → "+orNone(*b.OrgID))
		u.OrganizationID, u.OrganizationRole = *b.OrgID, berth.OrgMember
		if *b.OrgID == "" {
			u.OrganizationRole = berth.OrgNone
		}
	}
	// The name last: a refused role change leaves everything as it was.
	if name != u.Name {
		if err := m.store.UpdateUserName(ctx, u.ID, name); err != nil {
			return nil, err
		}
		changes = append(changes, "name "+strconv.Quote(u.Name)+" → "+strconv.Quote(name))
		u.Name = name
	}
	if len(changes) > 0 {
		m.auditUser(ctx, actor, actAdminUserUpdate, u.ID, berth.AuditSuccess, strings.Join(changes, "; "))
	}
	return &adminUserOutput{Body: userOut(u)}, nil
}

// moveToOrganization takes u out of its organisation and into orgID as a
// member ("" for none).
func (m *Manager) moveToOrganization(ctx context.Context, u *berth.User, orgID string) error {
	if orgID != "" {
		if !berth.ValidID(orgID) {
			return berth.Invalid("organization_id", "names no organization: "+orgID)
		}
		if _, err := m.store.Organization(ctx, orgID); errors.Is(err, berth.ErrNotFound) {
			return berth.Invalid("organization_id", "names no organization: "+orgID)
		} else if err != nil {
			return err
		}
	}
	if u.OrganizationID != "" {
		if err := m.store.RemoveOrganizationMember(ctx, u.OrganizationID, u.ID); err != nil && !errors.Is(err, berth.ErrNotFound) {
			return err
		}
	}
	if orgID == "" {
		return nil
	}
	return m.store.SetOrganizationMember(ctx, orgID, u.ID, berth.OrgMember)
}

func roleText(r berth.Role, a berth.AdminRole) string {
	if a == berth.AdminNone {
		return string(r)
	}
	return string(r) + "/" + string(a)
}

func (m *Manager) userSessions(ctx context.Context, in *UserIDParam) (*userSessionsOutput, error) {
	if _, err := m.adminTarget(ctx, in.ID); err != nil {
		return nil, err
	}
	out := UserSessions{WebSessions: []Keypair{}, Keypairs: []Keypair{}, Logins: []Login{}}
	now := m.now()
	for kind, into := range map[berth.KeypairKind]*[]Keypair{berth.KeypairSession: &out.WebSessions, berth.KeypairCLI: &out.Keypairs} {
		ks, err := m.store.ListKeypairs(ctx, in.ID, kind)
		if err != nil {
			return nil, err
		}
		for i := range ks {
			if !ks[i].Expired(now) {
				*into = append(*into, keypairOut(&ks[i]))
			}
		}
	}
	fs, err := m.store.ListTokenFamilies(ctx, in.ID, now)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		out.Logins = append(out.Logins, Login{ID: f.ID, ClientAddr: f.ClientAddr, CreatedAt: f.CreatedAt, ExpiresAt: f.ExpiresAt})
	}
	return &userSessionsOutput{Body: out}, nil
}

// endUserSession ends one credential of the user: a keypair (web session
// or CLI) by its access key, or a login by its id. Another user's is not
// found.
func (m *Manager) endUserSession(ctx context.Context, in *endSessionInput) (*struct{}, error) {
	actor := PrincipalFrom(ctx).User
	gone := problem(http.StatusNotFound, codeNotFound, "user "+in.ID+" has no session, keypair or login "+in.Session)
	switch {
	case berth.ValidID(in.Session):
		fs, err := m.store.ListTokenFamilies(ctx, in.ID, m.now())
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(fs, func(f berth.TokenFamily) bool { return f.ID == in.Session }) {
			return nil, gone
		}
		if err := m.store.RevokeTokenFamily(ctx, in.Session, m.now()); err != nil {
			return nil, err
		}
	default:
		err := m.store.DeleteKeypair(ctx, in.ID, in.Session)
		if errors.Is(err, berth.ErrNotFound) {
			return nil, gone
		}
		if err != nil {
			return nil, err
		}
	}
	m.auditUser(ctx, actor, actAdminSessionEnd, in.ID, berth.AuditSuccess, "ended "+in.Session)
	return &struct{}{}, nil
}

// deleteUser deletes an account softly: status deleted, every credential
// ended, every function scheduled for deletion.
func (m *Manager) deleteUser(ctx context.Context, in *UserIDParam) (*adminUserOutput, error) {
	actor := PrincipalFrom(ctx).User
	if in.ID == actor.ID {
		return nil, problem(http.StatusConflict, codeConflict, "you cannot delete your own account; another full administrator can")
	}
	u, err := m.adminTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if u.Status == berth.UserDeleted {
		return &adminUserOutput{Body: userOut(u)}, nil
	}
	if u.Role == berth.RoleAdmin && u.AdminRole == berth.AdminFull {
		// Demote first: the store keeps the last active full admin one.
		err := m.store.UpdateUserRole(ctx, u.ID, berth.RoleUser, berth.AdminNone)
		if errors.Is(err, berth.ErrLastFullAdmin) {
			return nil, problem(http.StatusConflict, codeConflict, "user "+u.ID+" is the last active full administrator: make another one first")
		}
		if err != nil {
			return nil, err
		}
	}
	if err := m.store.UpdateUserStatus(ctx, u.ID, berth.UserDeleted); err != nil {
		return nil, err
	}
	ended, err := m.endSessions(ctx, u.ID, "", "")
	if err != nil {
		return nil, err
	}
	scheduled, err := m.scheduleFunctionsOf(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	m.auditUser(ctx, actor, actAdminUserDelete, u.ID, berth.AuditSuccess, "status "+string(u.Status)+" → deleted; "+
		strconv.FormatInt(ended.WebSessions+ended.Keypairs+ended.TokenFamilies, 10)+" sessions, keypairs and logins ended; "+
		strconv.Itoa(scheduled)+" functions scheduled for deletion")
	u.Status = berth.UserDeleted
	return &adminUserOutput{Body: userOut(u)}, nil
}

// scheduleFunctionsOf schedules every function of the owner that is not
// already pending deletion, with the usual grace.
func (m *Manager) scheduleFunctionsOf(ctx context.Context, ownerID string) (int, error) {
	now := m.now().UTC()
	n := 0
	for page := 1; ; page++ {
		fs, total, err := m.store.ListFunctions(ctx, berth.FunctionFilter{OwnerID: ownerID, Page: berth.Page{Number: page, Size: 100}})
		if err != nil {
			return n, err
		}
		for i := range fs {
			if fs[i].Status == berth.FunctionPendingDeletion {
				continue
			}
			err := m.store.ScheduleDeletion(ctx, fs[i].ID, now, now.Add(m.fn.DeletionGrace))
			if err != nil && !errors.Is(err, berth.ErrConflict) {
				return n, err
			}
			if err == nil {
				n++
			}
		}
		if page*100 >= total {
			return n, nil
		}
	}
}

func (m *Manager) restoreUser(ctx context.Context, in *UserIDParam) (*adminUserOutput, error) {
	actor := PrincipalFrom(ctx).User
	u, err := m.adminTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if u.Status != berth.UserDeleted {
		return nil, problem(http.StatusConflict, codeConflict, "user "+u.ID+" is "+string(u.Status)+", not deleted: nothing to restore")
	}
	if err := m.store.UpdateUserStatus(ctx, u.ID, berth.UserActive); err != nil {
		return nil, err
	}
	m.auditUser(ctx, actor, actAdminUserRestore, u.ID, berth.AuditSuccess, "status deleted → active")
	u.Status = berth.UserActive
	return &adminUserOutput{Body: userOut(u)}, nil
}
