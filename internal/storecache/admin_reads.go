package storecache

import (
	"context"

	"github.com/berth-platform/berth"
)

// The administration's lookups on the request path: what an account may
// use (its tier, its organisation's tier, its own feature roles, its
// groups); the manager caches the parsed platform settings with Lookup.
// Every write to any of them bumps (admin_writes.go), so a change reaches
// every replica's cache at the next generation poll. The values are shared: callers must not modify them.

// CachedTier is Tier through the cache.
func (s *Store) CachedTier(ctx context.Context, id string) (*berth.Tier, error) {
	return lookup(ctx, s, "ti\x00"+id, func(ctx context.Context) (*berth.Tier, error) { return s.Tier(ctx, id) })
}

// CachedOrganization is Organization through the cache.
func (s *Store) CachedOrganization(ctx context.Context, id string) (*berth.Organization, error) {
	return lookup(ctx, s, "or\x00"+id, func(ctx context.Context) (*berth.Organization, error) { return s.Organization(ctx, id) })
}

// CachedUserFeatureRoles is UserFeatureRoles through the cache.
func (s *Store) CachedUserFeatureRoles(ctx context.Context, userID string) ([]berth.FeatureRole, error) {
	return lookup(ctx, s, "fr\x00"+userID, func(ctx context.Context) ([]berth.FeatureRole, error) {
		return s.UserFeatureRoles(ctx, userID)
	})
}

// CachedUserGroups is UserGroups through the cache.
func (s *Store) CachedUserGroups(ctx context.Context, userID string) ([]string, error) {
	return lookup(ctx, s, "gr\x00"+userID, func(ctx context.Context) ([]string, error) { return s.UserGroups(ctx, userID) })
}
