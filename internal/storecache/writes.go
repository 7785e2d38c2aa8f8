package storecache

import (
	"context"
	"time"

	"github.com/berth-platform/berth"
)

// Writes that cannot make a cached entry stale pass straight through (by
// embedding): AppendAudit, AppendExecutions, PruneExecutions, PruneRollups,
// TouchAPIKey and TouchKeypair (a last use is not cached), and the
// creations of a login — CreateKeypair and CreateTokenFamily — which add
// credentials no cache holds (failed lookups are never cached). Every
// other write is below.

func (s *Store) bump(ctx context.Context) { s.gen.Bump(ctx) }

// bumpIf bumps when a clean-up removed anything.
func (s *Store) bumpIf(ctx context.Context, n int64) {
	if n > 0 {
		s.bump(ctx)
	}
}

func (s *Store) CreateUser(ctx context.Context, u *berth.User) error {
	defer s.bump(ctx)
	return s.Store.CreateUser(ctx, u)
}

func (s *Store) CreateFirstAdmin(ctx context.Context, u *berth.User) (bool, error) {
	defer s.bump(ctx)
	return s.Store.CreateFirstAdmin(ctx, u)
}

func (s *Store) UpdateUserName(ctx context.Context, id, name string) error {
	defer s.bump(ctx)
	return s.Store.UpdateUserName(ctx, id, name)
}

func (s *Store) UpdatePasswordHash(ctx context.Context, id, hash string) error {
	defer s.bump(ctx)
	return s.Store.UpdatePasswordHash(ctx, id, hash)
}

func (s *Store) UpdateUserStatus(ctx context.Context, id string, status berth.UserStatus) error {
	defer s.bump(ctx)
	return s.Store.UpdateUserStatus(ctx, id, status)
}

func (s *Store) UpdateUserRole(ctx context.Context, id string, role berth.Role, admin berth.AdminRole) error {
	defer s.bump(ctx)
	return s.Store.UpdateUserRole(ctx, id, role, admin)
}

func (s *Store) PutProfile(ctx context.Context, userID string, p berth.Profile) error {
	defer s.bump(ctx)
	return s.Store.PutProfile(ctx, userID, p)
}

func (s *Store) PutPreferences(ctx context.Context, userID string, p berth.Preferences) error {
	defer s.bump(ctx)
	return s.Store.PutPreferences(ctx, userID, p)
}

func (s *Store) RotateRefreshToken(ctx context.Context, oldHash []byte, now time.Time, access, refresh *berth.Token) error {
	defer s.bump(ctx)
	return s.Store.RotateRefreshToken(ctx, oldHash, now, access, refresh)
}

func (s *Store) RevokeTokenFamily(ctx context.Context, familyID string, now time.Time) error {
	defer s.bump(ctx)
	return s.Store.RevokeTokenFamily(ctx, familyID, now)
}

func (s *Store) RevokeUserTokenFamilies(ctx context.Context, userID, exceptID string, now time.Time) (int64, error) {
	defer s.bump(ctx)
	return s.Store.RevokeUserTokenFamilies(ctx, userID, exceptID, now)
}

func (s *Store) DeleteExpiredTokens(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.Store.DeleteExpiredTokens(ctx, before)
	s.bumpIf(ctx, n)
	return n, err
}

func (s *Store) DeleteKeypair(ctx context.Context, userID, accessKey string) error {
	defer s.bump(ctx)
	return s.Store.DeleteKeypair(ctx, userID, accessKey)
}

func (s *Store) DeleteUserKeypairs(ctx context.Context, userID string, kind berth.KeypairKind, exceptKey string) (int64, error) {
	defer s.bump(ctx)
	return s.Store.DeleteUserKeypairs(ctx, userID, kind, exceptKey)
}

func (s *Store) DeleteExpiredKeypairs(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.Store.DeleteExpiredKeypairs(ctx, before)
	s.bumpIf(ctx, n)
	return n, err
}

func (s *Store) CreateFunction(ctx context.Context, f *berth.Function) error {
	defer s.bump(ctx)
	return s.Store.CreateFunction(ctx, f)
}

func (s *Store) UpdateFunctionSettings(ctx context.Context, id string, fs berth.FunctionSettings, description string) error {
	defer s.bump(ctx)
	return s.Store.UpdateFunctionSettings(ctx, id, fs, description)
}

func (s *Store) PutSecrets(ctx context.Context, functionID string, sealed map[string][]byte) error {
	defer s.bump(ctx)
	return s.Store.PutSecrets(ctx, functionID, sealed)
}

func (s *Store) CreateDeployment(ctx context.Context, d *berth.Deployment, activate bool) error {
	defer s.bump(ctx)
	return s.Store.CreateDeployment(ctx, d, activate)
}

func (s *Store) FinishDeployment(ctx context.Context, functionID string, version int, status berth.DeploymentStatus, errText string, activate bool) error {
	defer s.bump(ctx)
	return s.Store.FinishDeployment(ctx, functionID, version, status, errText, activate)
}

func (s *Store) FailStaleDeployments(ctx context.Context, before time.Time, errText string) (int64, error) {
	n, err := s.Store.FailStaleDeployments(ctx, before, errText)
	s.bumpIf(ctx, n)
	return n, err
}

func (s *Store) ActivateDeployment(ctx context.Context, functionID string, version int) error {
	defer s.bump(ctx)
	return s.Store.ActivateDeployment(ctx, functionID, version)
}

func (s *Store) ScheduleDeletion(ctx context.Context, id string, requestedAt, deleteAfter time.Time) error {
	defer s.bump(ctx)
	return s.Store.ScheduleDeletion(ctx, id, requestedAt, deleteAfter)
}

func (s *Store) CancelDeletion(ctx context.Context, id string) error {
	defer s.bump(ctx)
	return s.Store.CancelDeletion(ctx, id)
}

func (s *Store) DeleteFunction(ctx context.Context, id string, now time.Time) ([]berth.Deployment, error) {
	defer s.bump(ctx)
	return s.Store.DeleteFunction(ctx, id, now)
}

func (s *Store) CreateAPIKey(ctx context.Context, k *berth.APIKey) error {
	defer s.bump(ctx)
	return s.Store.CreateAPIKey(ctx, k)
}

func (s *Store) UpdateAPIKey(ctx context.Context, k *berth.APIKey) error {
	defer s.bump(ctx)
	return s.Store.UpdateAPIKey(ctx, k)
}

func (s *Store) ReplaceAPIKeySecret(ctx context.Context, id string, old, sealed []byte) error {
	defer s.bump(ctx)
	return s.Store.ReplaceAPIKeySecret(ctx, id, old, sealed)
}

func (s *Store) DeleteAPIKey(ctx context.Context, id string) error {
	defer s.bump(ctx)
	return s.Store.DeleteAPIKey(ctx, id)
}
