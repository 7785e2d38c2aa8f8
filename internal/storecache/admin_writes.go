package storecache

import (
	"time"

	"context"

	"github.com/berth-platform/berth"
)

// The administration's writes: each changes what an account's cached
// view holds (its tier, organisation, feature roles, groups, password
// state) or the settings, so each bumps. They are rare; a bump costs one
// shared-counter write. CreateEarlyAccess and RejectEarlyAccess change
// nothing a cache holds and pass straight through.

func (s *Store) SetPassword(ctx context.Context, id, hash string, changeRequired bool) error {
	defer s.bump(ctx)
	return s.Store.SetPassword(ctx, id, hash, changeRequired)
}

func (s *Store) CreateTier(ctx context.Context, t *berth.Tier) error {
	defer s.bump(ctx)
	return s.Store.CreateTier(ctx, t)
}

func (s *Store) UpdateTier(ctx context.Context, t *berth.Tier) error {
	defer s.bump(ctx)
	return s.Store.UpdateTier(ctx, t)
}

func (s *Store) DeleteTier(ctx context.Context, id string) error {
	defer s.bump(ctx)
	return s.Store.DeleteTier(ctx, id)
}

func (s *Store) SetUserTier(ctx context.Context, userID, tierID string) error {
	defer s.bump(ctx)
	return s.Store.SetUserTier(ctx, userID, tierID)
}

func (s *Store) CreateOrganization(ctx context.Context, o *berth.Organization) error {
	defer s.bump(ctx)
	return s.Store.CreateOrganization(ctx, o)
}

func (s *Store) UpdateOrganization(ctx context.Context, o *berth.Organization) error {
	defer s.bump(ctx)
	return s.Store.UpdateOrganization(ctx, o)
}

func (s *Store) DeleteOrganization(ctx context.Context, id string) error {
	defer s.bump(ctx)
	return s.Store.DeleteOrganization(ctx, id)
}

func (s *Store) SetOrganizationMember(ctx context.Context, orgID, userID string, role berth.OrgRole) error {
	defer s.bump(ctx)
	return s.Store.SetOrganizationMember(ctx, orgID, userID, role)
}

func (s *Store) RemoveOrganizationMember(ctx context.Context, orgID, userID string) error {
	defer s.bump(ctx)
	return s.Store.RemoveOrganizationMember(ctx, orgID, userID)
}

func (s *Store) GrantFeatureRole(ctx context.Context, userID string, role berth.FeatureRole) error {
	defer s.bump(ctx)
	return s.Store.GrantFeatureRole(ctx, userID, role)
}

func (s *Store) RevokeFeatureRole(ctx context.Context, userID string, role berth.FeatureRole) error {
	defer s.bump(ctx)
	return s.Store.RevokeFeatureRole(ctx, userID, role)
}

func (s *Store) CreateGroup(ctx context.Context, g *berth.Group) error {
	defer s.bump(ctx)
	return s.Store.CreateGroup(ctx, g)
}

func (s *Store) UpdateGroup(ctx context.Context, g *berth.Group) error {
	defer s.bump(ctx)
	return s.Store.UpdateGroup(ctx, g)
}

func (s *Store) DeleteGroup(ctx context.Context, id string) error {
	defer s.bump(ctx)
	return s.Store.DeleteGroup(ctx, id)
}

func (s *Store) AddGroupMember(ctx context.Context, groupID, userID string) error {
	defer s.bump(ctx)
	return s.Store.AddGroupMember(ctx, groupID, userID)
}

func (s *Store) RemoveGroupMember(ctx context.Context, groupID, userID string) error {
	defer s.bump(ctx)
	return s.Store.RemoveGroupMember(ctx, groupID, userID)
}

func (s *Store) PutSettings(ctx context.Context, values map[string]string) error {
	defer s.bump(ctx)
	return s.Store.PutSettings(ctx, values)
}

func (s *Store) ApproveEarlyAccess(ctx context.Context, id, by string, u *berth.User, capacity int) error {
	defer s.bump(ctx)
	return s.Store.ApproveEarlyAccess(ctx, id, by, u, capacity)
}

func (s *Store) CreateFunctionWithin(ctx context.Context, f *berth.Function, maxOwned int) error {
	defer s.bump(ctx)
	return s.Store.CreateFunctionWithin(ctx, f, maxOwned)
}

// SetEmailVerified implements berth.UserStore; credentials carry the user,
// so their cached copies go.
func (s *Store) SetEmailVerified(ctx context.Context, id string, at time.Time) error {
	err := s.Store.SetEmailVerified(ctx, id, at)
	s.bump(ctx)
	return err
}
