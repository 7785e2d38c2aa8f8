package graphql

import (
	"context"

	"github.com/berth-platform/berth"
)

// The administration's read-only queries: accounts, organisations, tiers
// and groups, for administrators (viewers included) only, like their REST
// counterparts under /api/admin/.

// errAdminsOnly refuses an admin query to anyone else.
var errAdminsOnly error = clientError("this query is for administrators")

func (r *Resolver) admin(ctx context.Context) error {
	u, err := r.user(ctx)
	if err != nil {
		return err
	}
	if u.Role != berth.RoleAdmin {
		return errAdminsOnly
	}
	return nil
}

func userOf(u *berth.User) User {
	return User{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), AdminRole: optString(string(u.AdminRole)),
		Status: string(u.Status), TierID: optString(u.TierID), OrganizationID: optString(u.OrganizationID),
		OrganizationRole: optString(string(u.OrganizationRole)), CreatedAt: u.CreatedAt}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// validFilterID refuses an id filter that is not an id.
func validFilterID(name string, id *string) error {
	if id != nil && *id != "" && !berth.ValidID(*id) {
		return clientError(name + " must be an id (a UUID)")
	}
	return nil
}

// Users is the resolver for the users field.
func (r *queryResolver) Users(ctx context.Context, p *int, perPage *int, query *string, status *string, role *string,
	organizationID *string, tierID *string, groupID *string,
) (*UserPage, error) {
	if err := r.admin(ctx); err != nil {
		return nil, err
	}
	for name, id := range map[string]*string{"organizationId": organizationID, "tierId": tierID, "groupId": groupID} {
		if err := validFilterID(name, id); err != nil {
			return nil, err
		}
	}
	switch deref(status) {
	case "", string(berth.UserActive), string(berth.UserBlocked), string(berth.UserDeleted):
	default:
		return nil, clientError("status must be active, blocked or deleted")
	}
	switch deref(role) {
	case "", string(berth.RoleUser), string(berth.RoleAdmin):
	default:
		return nil, clientError("role must be user or admin")
	}
	pg := page(p, perPage)
	us, total, err := r.Store.ListUsers(ctx, berth.UserFilter{Query: deref(query), Status: berth.UserStatus(deref(status)), Role: berth.Role(deref(role)),
		OrganizationID: deref(organizationID), TierID: deref(tierID), GroupID: deref(groupID), Sort: berth.SortEmail, Page: pg})
	if err != nil {
		return nil, err
	}
	out := &UserPage{Items: make([]User, len(us)), Page: pg.Number, PerPage: pg.Size, Total: total}
	for i := range us {
		out.Items[i] = userOf(&us[i])
	}
	return out, nil
}

// Organizations is the resolver for the organizations field.
func (r *queryResolver) Organizations(ctx context.Context, p *int, perPage *int) (*OrganizationPage, error) {
	if err := r.admin(ctx); err != nil {
		return nil, err
	}
	pg := page(p, perPage)
	os, total, err := r.Store.ListOrganizations(ctx, pg)
	if err != nil {
		return nil, err
	}
	out := &OrganizationPage{Items: make([]Organization, len(os)), Page: pg.Number, PerPage: pg.Size, Total: total}
	for i, o := range os {
		out.Items[i] = Organization{ID: o.ID, Name: o.Name, Description: o.Description, TierID: optString(o.TierID), Members: o.Members, CreatedAt: o.CreatedAt}
	}
	return out, nil
}

// Tiers is the resolver for the tiers field.
func (r *queryResolver) Tiers(ctx context.Context) ([]Tier, error) {
	if err := r.admin(ctx); err != nil {
		return nil, err
	}
	ts, err := r.Store.ListTiers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Tier, len(ts))
	for i, t := range ts {
		l := t.Limits
		out[i] = Tier{ID: t.ID, Name: t.Name, Description: t.Description, FeatureRoles: []string{}, CreatedAt: t.CreatedAt,
			Limits: &TierLimits{MaxFunctions: l.MaxFunctions, MaxInvocationsPerDay: int(l.MaxInvocationsPerDay), MaxMemoryMb: l.MaxMemoryMB,
				MaxTimeoutMs: l.MaxTimeoutMS, MaxConcurrentCalls: l.MaxConcurrentCalls, MaxArtefactBytes: int(l.MaxArtefactBytes),
				APIRequestsPerSecond: l.APIRequestsPerSecond}}
		for _, fr := range t.FeatureRoles {
			out[i].FeatureRoles = append(out[i].FeatureRoles, string(fr))
		}
	}
	return out, nil
}

// Groups is the resolver for the groups field.
func (r *queryResolver) Groups(ctx context.Context) ([]Group, error) {
	if err := r.admin(ctx); err != nil {
		return nil, err
	}
	gs, err := r.Store.ListGroups(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Group, len(gs))
	for i, g := range gs {
		out[i] = Group{ID: g.ID, Name: g.Name, Description: g.Description, Members: g.Members, CreatedAt: g.CreatedAt}
	}
	return out, nil
}
