package manager

import (
	"context"
	"errors"
	"slices"

	"github.com/berth-platform/berth"
)

// What an account may use. Its tier is its own, else its organisation's,
// else the platform's default tier (setting default_tier_id), else the
// built-in one; its feature roles are its tier's plus its own grants, and
// a full admin holds them all; its groups are its memberships. Every part
// is read through the cache, which every administration write bumps, so
// the request path costs no database round trip and a change reaches every
// replica at the next generation poll.

// entitlements are an account's tier, feature roles and groups.
type entitlements struct {
	tier *berth.Tier
	// roles are the effective feature roles, sorted; own are the grants.
	roles, own []berth.FeatureRole
	groups     []string
}

func (e *entitlements) has(r berth.FeatureRole) bool { return slices.Contains(e.roles, r) }

// entitlementsOf resolves u's entitlements.
func (m *Manager) entitlementsOf(ctx context.Context, u *berth.User) (*entitlements, error) {
	t, err := m.tierOf(ctx, u)
	if err != nil {
		return nil, err
	}
	own, err := m.cache.CachedUserFeatureRoles(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	groups, err := m.cache.CachedUserGroups(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	e := &entitlements{tier: t, own: own, groups: groups}
	if u.Role == berth.RoleAdmin && u.AdminRole == berth.AdminFull {
		for _, r := range berth.FeatureRoles {
			e.roles = append(e.roles, r.Name)
		}
	} else {
		e.roles = append(slices.Clone(t.FeatureRoles), own...)
	}
	slices.Sort(e.roles)
	e.roles = slices.Compact(e.roles)
	return e, nil
}

// tierOf returns the tier that covers u. A tier that has gone (deleting a
// tier in use is refused, so only a race) falls back to the next in line.
func (m *Manager) tierOf(ctx context.Context, u *berth.User) (*berth.Tier, error) {
	var ids []string
	if u.TierID != "" {
		ids = append(ids, u.TierID)
	}
	if u.OrganizationID != "" {
		o, err := m.cache.CachedOrganization(ctx, u.OrganizationID)
		if err != nil && !errors.Is(err, berth.ErrNotFound) {
			return nil, err
		}
		if err == nil && o.TierID != "" {
			ids = append(ids, o.TierID)
		}
	}
	s, err := m.settings(ctx)
	if err != nil {
		return nil, err
	}
	if s.DefaultTierID != "" {
		ids = append(ids, s.DefaultTierID)
	}
	for _, id := range append(ids, berth.DefaultTierID) {
		t, err := m.cache.CachedTier(ctx, id)
		if errors.Is(err, berth.ErrNotFound) {
			continue
		}
		return t, err
	}
	return &berth.Tier{ID: berth.DefaultTierID, Name: "default", FeatureRoles: []berth.FeatureRole{berth.FeaturePublicFunctions}}, nil
}
