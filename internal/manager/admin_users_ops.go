package manager

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
)

// The administration of accounts: /api/admin/users. Reading is open to
// every admin, viewers included.

type listUsersInput struct {
	PageParams
	Query     string `query:"q" maxLength:"320" doc:"Only users whose email or name contains this, in any case."`
	Status    string `query:"status" enum:"active,blocked,deleted"`
	Role      string `query:"role" enum:"user,admin"`
	AdminRole string `query:"admin_role" enum:"full_admin,viewer"`
	Sort      string `query:"sort" enum:"email,-email,name,-name,created_at,-created_at" default:"email" doc:"The order; a leading - is descending. Ties go by id."`
}

type listUsersOutput struct{ Body Page[User] }

func (m *Manager) registerAdminUsers(tags []string, admin map[string]any) {
	operation(m, huma.Operation{OperationID: "admin-list-users", Method: http.MethodGet, Path: "/api/admin/users", Tags: tags,
		Security: authenticated, Metadata: admin, Errors: []int{http.StatusForbidden},
		Summary: "Accounts: search on email and name, filter by status and role, sort, page"}, m.listUsers)
}

func (m *Manager) listUsers(ctx context.Context, in *listUsersInput) (*listUsersOutput, error) {
	us, total, err := m.store.ListUsers(ctx, berth.UserFilter{Query: strings.TrimSpace(in.Query), Status: berth.UserStatus(in.Status),
		Role: berth.Role(in.Role), AdminRole: berth.AdminRole(in.AdminRole), Sort: berth.UserSort(in.Sort), Page: in.page()})
	if err != nil {
		return nil, err
	}
	out := &listUsersOutput{Body: Page[User]{Items: make([]User, len(us)), Page: in.Page, PerPage: in.PerPage, Total: total}}
	for i := range us {
		out.Body.Items[i] = userOut(&us[i])
	}
	return out, nil
}
