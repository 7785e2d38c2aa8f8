// Package storetest is the conformance suite every berth.Store passes,
// against its real database. Each backend's test calls Run with a
// constructor that returns a fresh, empty, migrated store.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/berth-platform/berth"
)

// Run runs the suite. newStore must return an empty store; it is called
// once per subtest.
func Run(t *testing.T, newStore func(t *testing.T) berth.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s berth.Store)
	}{
		{"Users/CreateAndGet", testUsersCreateAndGet},
		{"Users/ErrConflictEmail", testUsersConflict},
		{"Users/ErrConflictLookAlike", testUsersLookAlike},
		{"Users/ErrNotFound", testUsersNotFound},
		{"Users/Updates", testUsersUpdates},
		{"Users/ProfileAndPreferences", testProfilePreferences},
		{"Users/FirstAdminOnce", testFirstAdminOnce},
		{"Users/SQLLookingInput", testSQLLookingInput},
		{"Users/ListFilterSortPage", testUsersList},
		{"Users/RoleLastFullAdmin", testUsersRole},
		{"Users/TemporaryPassword", testTemporaryPassword},
		{"Admin/Tiers", testTiers},
		{"Admin/Organizations", testOrganizations},
		{"Admin/FeatureRoles", testFeatureRoles},
		{"Admin/Groups", testGroups},
		{"Admin/Settings", testSettings},
		{"Admin/EarlyAccess", testEarlyAccess},
		{"Admin/EarlyAccessCapacityRace", testEarlyAccessCapacityRace},
		{"Admin/FunctionQuotaRace", testFunctionQuotaRace},
		{"Tokens/CreateAndLookup", testTokensLookup},
		{"Tokens/Rotate", testTokensRotate},
		{"Tokens/ReuseRevokesFamily", testTokensReuse},
		{"Tokens/ConcurrentRotateOneWins", testTokensConcurrentRotate},
		{"Tokens/RevokeUserFamilies", testTokensRevokeUser},
		{"Tokens/DeleteExpired", testTokensDeleteExpired},
		{"Tokens/ListLiveFamilies", testTokensListFamilies},
		{"Keypairs/CRUD", testKeypairs},
		{"Keypairs/Touch", testKeypairsTouch},
		{"Keypairs/DeleteExpired", testKeypairsExpired},
		{"Audit/AppendAndFilter", testAudit},
		{"Functions/CreateAndGet", testFunctionsCreateAndGet},
		{"Functions/ErrConflictName", testFunctionsConflictName},
		{"Functions/ListFilterPage", testFunctionsListFilterPage},
		{"Functions/LikeWildcardsEscaped", testFunctionsLikeWildcards},
		{"Deployments/ConsecutiveUnderConcurrency", testDeploymentsConcurrent},
		{"Deployments/FailedNotActivated", testDeploymentsFailedNotActivated},
		{"Deployments/FinishBuilding", testDeploymentsFinish},
		{"Deployments/FailStale", testDeploymentsFailStale},
		{"Deployments/Rollback", testDeploymentsRollback},
		{"Deployments/RefusedWhilePending", testDeploymentsRefusedWhilePending},
		{"Deletion/ScheduleCancelDue", testDeletionScheduleCancelDue},
		{"Deletion/DeleteKeepsExecutions", testDeletionKeepsExecutions},
		{"Secrets/PutRemove", testSecretsPutRemove},
		{"APIKeys/CRUDAndLookup", testAPIKeysCRUD},
		{"APIKeys/Touch", testAPIKeysTouch},
		{"APIKeys/ReplaceSecret", testAPIKeysReplaceSecret},
		{"APIKeys/DeletedWithFunction", testAPIKeysDeletedWithFunction},
		{"Executions/AppendBatchListFilter", testExecutionsAppendList},
		{"Executions/HostileText", testExecutionsHostileText},
		{"Executions/RecentLogs", testExecutionsRecentLogs},
		{"Executions/Summary", testExecutionsSummary},
		{"Executions/OtherFunctionNotFound", testExecutionsOtherFunction},
		{"Stats/UTCBuckets", testStatsBuckets},
		{"Stats/ZeroFilled", testStatsZeroFilled},
		{"Stats/Counters", testStatsCounters},
		{"Stats/Percentiles", testStatsPercentiles},
		{"Stats/RetryNotDoubleCounted", testStatsRetryNotDoubleCounted},
		{"Stats/ConcurrentAppendsAddUp", testStatsConcurrentAppends},
		{"Stats/Scopes", testStatsScopes},
		{"Stats/Prune", testStatsPrune},
		{"Stats/RecentFailures", testStatsRecentFailures},
		{"Mail/OutboxRetryGiveUp", testMailOutbox},
		{"Mail/OutboxBounded", testMailOutboxBounded},
		{"Mail/OutboxClaimOnce", testMailOutboxClaimOnce},
		{"Mail/OneTimeCodes", testOneTimeCodes},
		{"Identities/LinkAndFind", testIdentities},
		{"Tokens/WithoutRefresh", testTokensWithoutRefresh},
		{"Tokens/FamilyProvider", testTokenFamilyProvider},
		{"Services/CRUD", testServices},
		{"Ping", func(t *testing.T, s berth.Store) {
			if err := s.Ping(t.Context()); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newStore(t))
		})
	}
}

var seq atomic.Int64

// newUser creates an active user with a unique email.
func newUser(t *testing.T, s berth.Store) *berth.User {
	t.Helper()
	u := &berth.User{ //nolint:gosec // G101: a fixture hash, not a credential
		Email:        fmt.Sprintf("user%d-%s@example.test", seq.Add(1), uuid.NewString()[:8]),
		Name:         "Test User",
		Role:         berth.RoleUser,
		Status:       berth.UserActive,
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
	}
	if err := s.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	return u
}

func testUsersCreateAndGet(t *testing.T, s berth.Store) {
	u := newUser(t, s)
	if u.ID == "" || u.CreatedAt.IsZero() {
		t.Fatalf("CreateUser did not fill ID and CreatedAt: %+v", u)
	}
	got, err := s.User(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Email != u.Email || got.Name != u.Name || got.Role != u.Role || got.Status != u.Status ||
		got.PasswordHash != u.PasswordHash || !got.CreatedAt.Equal(u.CreatedAt) {
		t.Fatalf("User = %+v, want %+v", got, u)
	}
	byEmail, err := s.UserByEmail(t.Context(), u.Email)
	if err != nil || byEmail.ID != u.ID {
		t.Fatalf("UserByEmail = %+v, %v", byEmail, err)
	}
}

func testUsersConflict(t *testing.T, s berth.Store) {
	u := newUser(t, s)
	dup := &berth.User{Email: u.Email, Name: "x", Role: berth.RoleUser, Status: berth.UserActive, PasswordHash: "h"}
	if err := s.CreateUser(t.Context(), dup); !errors.Is(err, berth.ErrConflict) {
		t.Fatalf("duplicate email: %v, want ErrConflict", err)
	}
}

// testUsersLookAlike: an address whose skeleton (berth.EmailSkeleton)
// equals an existing account's is refused like the same address, for
// registrations and for the first admin; other addresses are not.
func testUsersLookAlike(t *testing.T, s berth.Store) {
	ctx := t.Context()
	tag := uuid.NewString()[:8] // apart from other tests' accounts
	create := func(email string) error {
		return s.CreateUser(ctx, &berth.User{Email: email, Name: "x", Role: berth.RoleUser, Status: berth.UserActive, PasswordHash: "h"})
	}
	for _, email := range []string{"paypal-" + tag + "@x.io", "modern-" + tag + "@x.io"} {
		if err := create(email); err != nil {
			t.Fatalf("CreateUser(%s): %v", email, err)
		}
	}
	for name, email := range map[string]string{
		"CyrillicA": "p\u0430ypal-" + tag + "@x.io",
		"Fullwidth": "\uff50\uff41\uff59\uff50\uff41\uff4c-" + tag + "@x.io",
		"RnForM":    "rnodern-" + tag + "@x.io",
	} {
		if err := create(email); !errors.Is(err, berth.ErrConflict) {
			t.Errorf("%s: CreateUser(%s) = %v, want ErrConflict", name, email, err)
		}
		if _, err := s.UserByEmail(ctx, email); !errors.Is(err, berth.ErrNotFound) {
			t.Errorf("%s: a refused look-alike was stored: %v", name, err)
		}
	}
	if err := create("paypa1-" + tag + "@x.io"); !errors.Is(err, berth.ErrConflict) {
		t.Errorf("1 for l: %v, want ErrConflict", err)
	}
	if err := create("paypal-" + tag + "@y.io"); err != nil {
		t.Errorf("another domain: %v, want nil", err)
	}
	admin := &berth.User{Email: "p\u0430ypal-" + tag + "@x.io", Name: "A", Role: berth.RoleAdmin, AdminRole: berth.AdminFull,
		Status: berth.UserActive, PasswordHash: "h"}
	if created, err := s.CreateFirstAdmin(ctx, admin); err != nil || created {
		t.Errorf("CreateFirstAdmin of a look-alike = %v, %v; want false, nil", created, err)
	}
}

func testUsersNotFound(t *testing.T, s berth.Store) {
	ctx := t.Context()
	id := uuid.NewString()
	checks := map[string]error{
		"User":               func() error { _, err := s.User(ctx, id); return err }(),
		"UserByEmail":        func() error { _, err := s.UserByEmail(ctx, "nobody@example.test"); return err }(),
		"UpdateUserName":     s.UpdateUserName(ctx, id, "x"),
		"UpdatePasswordHash": s.UpdatePasswordHash(ctx, id, "x"),
		"UpdateUserStatus":   s.UpdateUserStatus(ctx, id, berth.UserBlocked),
		"Profile":            func() error { _, err := s.Profile(ctx, id); return err }(),
		"PutProfile":         s.PutProfile(ctx, id, berth.Profile{}),
		"Preferences":        func() error { _, err := s.Preferences(ctx, id); return err }(),
		"PutPreferences":     s.PutPreferences(ctx, id, berth.Preferences{}),
	}
	for name, err := range checks {
		if !errors.Is(err, berth.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
}

func testUsersUpdates(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	if err := s.UpdateUserName(ctx, u.ID, "Renamed"); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdatePasswordHash(ctx, u.ID, "newhash"); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateUserStatus(ctx, u.ID, berth.UserBlocked); err != nil {
		t.Fatal(err)
	}
	got, err := s.User(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Renamed" || got.PasswordHash != "newhash" || got.Status != berth.UserBlocked {
		t.Fatalf("after updates: %+v", got)
	}
	if got.UpdatedAt.Before(u.UpdatedAt) {
		t.Fatalf("UpdatedAt went back: %v < %v", got.UpdatedAt, u.UpdatedAt)
	}
}

func testProfilePreferences(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	p, err := s.Profile(ctx, u.ID)
	if err != nil || p != (berth.Profile{}) {
		t.Fatalf("fresh profile = %+v, %v", p, err)
	}
	prefs, err := s.Preferences(ctx, u.ID)
	if err != nil || prefs.Theme != berth.ThemeSystem || prefs.PinnedFunctions == nil || len(prefs.PinnedFunctions) != 0 {
		t.Fatalf("fresh preferences = %+v, %v", prefs, err)
	}
	want := berth.Profile{FullName: "Zoë Ünïcode", Phone: "+49 30 1234567", Country: "DE", City: "Berlin", Address: "Straße 1", AvatarURL: "https://example.test/a.png"}
	if err := s.PutProfile(ctx, u.ID, want); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Profile(ctx, u.ID); err != nil || got != want {
		t.Fatalf("Profile = %+v, %v; want %+v", got, err, want)
	}
	wantPrefs := berth.Preferences{PinnedFunctions: []string{uuid.NewString(), uuid.NewString()}, Theme: berth.ThemeDark}
	if err := s.PutPreferences(ctx, u.ID, wantPrefs); err != nil {
		t.Fatal(err)
	}
	got, err := s.Preferences(ctx, u.ID)
	if err != nil || got.Theme != berth.ThemeDark || len(got.PinnedFunctions) != 2 || got.PinnedFunctions[1] != wantPrefs.PinnedFunctions[1] {
		t.Fatalf("Preferences = %+v, %v", got, err)
	}
}

func testFirstAdminOnce(t *testing.T, s berth.Store) {
	ctx := t.Context()
	var created atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := &berth.User{Email: fmt.Sprintf("admin%d@example.test", i%2), Name: "Admin", Role: berth.RoleAdmin,
				AdminRole: berth.AdminFull, Status: berth.UserActive, PasswordHash: "h"}
			ok, err := s.CreateFirstAdmin(ctx, u)
			if err != nil && !errors.Is(err, berth.ErrUnavailable) {
				t.Errorf("CreateFirstAdmin: %v", err)
			}
			if ok {
				created.Add(1)
			}
		}()
	}
	wg.Wait()
	// Two distinct emails race here; the unique constraint only guards one.
	// A backend must still never create more admins than distinct emails,
	// and sequential calls must create none once one exists.
	if n := created.Load(); n < 1 || n > 2 {
		t.Fatalf("created %d first admins concurrently", n)
	}
	ok, err := s.CreateFirstAdmin(ctx, &berth.User{Email: "late@example.test", Name: "Late", Role: berth.RoleAdmin,
		AdminRole: berth.AdminFull, Status: berth.UserActive, PasswordHash: "h"})
	if err != nil || ok {
		t.Fatalf("CreateFirstAdmin after one exists = %v, %v", ok, err)
	}
	// FirstAdmin is the oldest admin, not a later one.
	first, err := s.FirstAdmin(ctx)
	if err != nil || first.Role != berth.RoleAdmin {
		t.Fatalf("FirstAdmin = %+v, %v", first, err)
	}
	later := &berth.User{Email: "later-admin-" + uuid.NewString()[:6] + "@example.test", Name: "Later", Role: berth.RoleAdmin,
		AdminRole: berth.AdminFull, Status: berth.UserActive, PasswordHash: "h", CreatedAt: time.Now().Add(time.Hour).UTC()}
	if err := s.CreateUser(ctx, later); err != nil {
		t.Fatal(err)
	}
	if again, err := s.FirstAdmin(ctx); err != nil || again.ID != first.ID || again.ID == later.ID {
		t.Fatalf("FirstAdmin after a later admin = %+v, %v; want %s", again, err, first.Email)
	}
}

func testSQLLookingInput(t *testing.T, s berth.Store) {
	ctx := t.Context()
	evil := "x'); DROP TABLE users; --"
	u := &berth.User{Email: "o'brien+" + uuid.NewString()[:6] + "@example.test", Name: evil, Role: berth.RoleUser,
		Status: berth.UserActive, PasswordHash: "h"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := s.UserByEmail(ctx, u.Email)
	if err != nil || got.Name != evil {
		t.Fatalf("round trip of SQL-looking input: %+v, %v", got, err)
	}
	if _, err := s.UserByEmail(ctx, "' OR '1'='1"); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("injection-shaped lookup: %v", err)
	}
}

// newFamily creates a login for u and returns the family and both tokens.
func newFamily(t *testing.T, s berth.Store, u *berth.User, now time.Time) (*berth.TokenFamily, *berth.Token, *berth.Token) {
	t.Helper()
	f := &berth.TokenFamily{ID: uuid.NewString(), UserID: u.ID, ClientAddr: "127.0.0.1", CreatedAt: now}
	access := &berth.Token{Hash: randomHash(), Kind: berth.TokenAccess, ExpiresAt: now.Add(time.Hour), CreatedAt: now}
	refresh := &berth.Token{Hash: randomHash(), Kind: berth.TokenRefresh, ExpiresAt: now.Add(30 * 24 * time.Hour), CreatedAt: now}
	if err := s.CreateTokenFamily(t.Context(), f, access, refresh); err != nil {
		t.Fatalf("CreateTokenFamily: %v", err)
	}
	return f, access, refresh
}

func randomHash() []byte {
	h := make([]byte, 32)
	_, _ = rand.Read(h)
	return h
}

func pair(now time.Time) (*berth.Token, *berth.Token) {
	return &berth.Token{Hash: randomHash(), Kind: berth.TokenAccess, ExpiresAt: now.Add(time.Hour), CreatedAt: now},
		&berth.Token{Hash: randomHash(), Kind: berth.TokenRefresh, ExpiresAt: now.Add(30 * 24 * time.Hour), CreatedAt: now}
}

// token looks a token up without its owner.
func token(ctx context.Context, s berth.Store, hash []byte, kind berth.TokenKind) (*berth.Token, error) {
	t, _, err := s.TokenOwner(ctx, hash, kind)
	return t, err
}

func testTokensLookup(t *testing.T, s berth.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	u := newUser(t, s)
	f, access, refresh := newFamily(t, s, u, now)
	got, err := token(ctx, s, access.Hash, berth.TokenAccess)
	if err != nil {
		t.Fatal(err)
	}
	if got.FamilyID != f.ID || got.UserID != u.ID || !got.ExpiresAt.Equal(access.ExpiresAt) || got.FamilyRevoked {
		t.Fatalf("Token = %+v", got)
	}
	gotT, owner, err := s.TokenOwner(ctx, access.Hash, berth.TokenAccess)
	if err != nil || gotT.FamilyID != f.ID || !gotT.ExpiresAt.Equal(access.ExpiresAt) || owner.ID != u.ID || owner.Email != u.Email ||
		owner.Status != berth.UserActive || !owner.CreatedAt.Equal(u.CreatedAt) {
		t.Fatalf("TokenOwner = %+v, %+v, %v", gotT, owner, err)
	}
	if _, _, err := s.TokenOwner(ctx, refresh.Hash, berth.TokenAccess); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("TokenOwner of a refresh token as access: %v", err)
	}
	if _, err := token(ctx, s, refresh.Hash, berth.TokenAccess); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("refresh token found as access token: %v", err)
	}
	if _, err := token(ctx, s, randomHash(), berth.TokenAccess); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("unknown token: %v", err)
	}
	if err := s.RevokeTokenFamily(ctx, f.ID, now); err != nil {
		t.Fatal(err)
	}
	got, err = token(ctx, s, access.Hash, berth.TokenAccess)
	if err != nil || !got.FamilyRevoked {
		t.Fatalf("after revoke: %+v, %v", got, err)
	}
	if err := s.RevokeTokenFamily(ctx, f.ID, now); err != nil {
		t.Fatalf("second revoke: %v", err)
	}
}

func testTokensRotate(t *testing.T, s berth.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	u := newUser(t, s)
	f, access, refresh := newFamily(t, s, u, now)
	a2, r2 := pair(now)
	if err := s.RotateRefreshToken(ctx, refresh.Hash, now, a2, r2); err != nil {
		t.Fatal(err)
	}
	if a2.FamilyID != f.ID || r2.UserID != u.ID {
		t.Fatalf("rotation did not fill family and user: %+v", a2)
	}
	// The access token the new pair replaces ends with the rotation.
	if got, err := token(ctx, s, access.Hash, berth.TokenAccess); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("replaced access token still found after rotation: %+v, %v", got, err)
	}
	if got, err := token(ctx, s, a2.Hash, berth.TokenAccess); err != nil || got.FamilyID != f.ID {
		t.Fatalf("new access token: %+v, %v", got, err)
	}
	a3, r3 := pair(now)
	if err := s.RotateRefreshToken(ctx, r2.Hash, now, a3, r3); err != nil {
		t.Fatalf("second rotation: %v", err)
	}
	t.Run("ErrNotFoundExpired", func(t *testing.T) {
		a, r := pair(now)
		if err := s.RotateRefreshToken(ctx, r3.Hash, r3.ExpiresAt.Add(time.Second), a, r); !errors.Is(err, berth.ErrNotFound) {
			t.Fatalf("expired refresh token: %v", err)
		}
	})
	t.Run("ErrNotFoundUnknown", func(t *testing.T) {
		a, r := pair(now)
		if err := s.RotateRefreshToken(ctx, randomHash(), now, a, r); !errors.Is(err, berth.ErrNotFound) {
			t.Fatalf("unknown refresh token: %v", err)
		}
	})
	t.Run("ErrNotFoundAccessAsRefresh", func(t *testing.T) {
		a, r := pair(now)
		if err := s.RotateRefreshToken(ctx, a3.Hash, now, a, r); !errors.Is(err, berth.ErrNotFound) {
			t.Fatalf("access token used to refresh: %v", err)
		}
	})
	t.Run("ErrNotFoundRevokedFamily", func(t *testing.T) {
		if err := s.RevokeTokenFamily(ctx, f.ID, now); err != nil {
			t.Fatal(err)
		}
		a, r := pair(now)
		if err := s.RotateRefreshToken(ctx, r3.Hash, now, a, r); !errors.Is(err, berth.ErrNotFound) {
			t.Fatalf("refresh in revoked family: %v", err)
		}
	})
}

func testTokensReuse(t *testing.T, s berth.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	u := newUser(t, s)
	_, _, refresh := newFamily(t, s, u, now)
	a2, r2 := pair(now)
	if err := s.RotateRefreshToken(ctx, refresh.Hash, now, a2, r2); err != nil {
		t.Fatal(err)
	}
	a3, r3 := pair(now)
	if err := s.RotateRefreshToken(ctx, refresh.Hash, now, a3, r3); !errors.Is(err, berth.ErrTokenReused) {
		t.Fatalf("reuse: %v, want ErrTokenReused", err)
	}
	got, err := token(ctx, s, a2.Hash, berth.TokenAccess)
	if err != nil || !got.FamilyRevoked {
		t.Fatalf("family not ended after reuse: %+v, %v", got, err)
	}
	a4, r4 := pair(now)
	if err := s.RotateRefreshToken(ctx, r2.Hash, now, a4, r4); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("legitimate successor after reuse: %v, want ErrNotFound", err)
	}
}

func testTokensConcurrentRotate(t *testing.T, s berth.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	u := newUser(t, s)
	_, _, refresh := newFamily(t, s, u, now)
	const n = 6
	var ok, reused atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, r := pair(now)
			switch err := s.RotateRefreshToken(ctx, refresh.Hash, now, a, r); {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, berth.ErrTokenReused):
				reused.Add(1)
			case errors.Is(err, berth.ErrNotFound), errors.Is(err, berth.ErrUnavailable):
				// Lost the race after the family ended, or the backend
				// timed out on a lock: refused either way.
			default:
				t.Errorf("rotate: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d concurrent rotations succeeded, want exactly 1 (reused: %d)", ok.Load(), reused.Load())
	}
}

func testTokensRevokeUser(t *testing.T, s berth.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	u, other := newUser(t, s), newUser(t, s)
	keep, keepAccess, _ := newFamily(t, s, u, now)
	_, a1, _ := newFamily(t, s, u, now)
	_, a2, _ := newFamily(t, s, u, now)
	_, otherAccess, _ := newFamily(t, s, other, now)
	n, err := s.RevokeUserTokenFamilies(ctx, u.ID, keep.ID, now)
	if err != nil || n != 2 {
		t.Fatalf("RevokeUserTokenFamilies = %d, %v; want 2", n, err)
	}
	for hash, wantRevoked := range map[*berth.Token]bool{keepAccess: false, a1: true, a2: true, otherAccess: false} {
		got, err := token(ctx, s, hash.Hash, berth.TokenAccess)
		if err != nil || got.FamilyRevoked != wantRevoked {
			t.Errorf("token of family %s: revoked=%v err=%v, want revoked=%v", hash.FamilyID, got != nil && got.FamilyRevoked, err, wantRevoked)
		}
	}
	if n, err := s.RevokeUserTokenFamilies(ctx, u.ID, "", now); err != nil || n != 1 {
		t.Fatalf("revoke all = %d, %v; want 1", n, err)
	}
}

func testTokensDeleteExpired(t *testing.T, s berth.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	u := newUser(t, s)
	_, oldAccess, oldRefresh := newFamily(t, s, u, now.Add(-40*24*time.Hour))
	_, liveAccess, _ := newFamily(t, s, u, now)
	n, err := s.DeleteExpiredTokens(ctx, now)
	if err != nil || n != 2 {
		t.Fatalf("DeleteExpiredTokens = %d, %v; want 2", n, err)
	}
	for _, tok := range []*berth.Token{oldAccess, oldRefresh} {
		if _, err := token(ctx, s, tok.Hash, tok.Kind); !errors.Is(err, berth.ErrNotFound) {
			t.Errorf("expired %s token still there: %v", tok.Kind, err)
		}
	}
	if _, err := token(ctx, s, liveAccess.Hash, berth.TokenAccess); err != nil {
		t.Errorf("live token removed: %v", err)
	}
}

func newKeypair(t *testing.T, s berth.Store, u *berth.User, kind berth.KeypairKind, expires time.Time) *berth.Keypair {
	t.Helper()
	k := &berth.Keypair{AccessKey: "BK" + uuid.NewString()[:18], UserID: u.ID, Kind: kind, Name: "laptop",
		SecretSealed: []byte{1, 2, 3, 4}, ExpiresAt: expires}
	if err := s.CreateKeypair(t.Context(), k); err != nil {
		t.Fatalf("CreateKeypair: %v", err)
	}
	return k
}

func testKeypairs(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u, other := newUser(t, s), newUser(t, s)
	k1 := newKeypair(t, s, u, berth.KeypairCLI, time.Time{})
	time.Sleep(2 * time.Millisecond) // distinct created_at for ordering
	k2 := newKeypair(t, s, u, berth.KeypairCLI, time.Time{})
	sess := newKeypair(t, s, u, berth.KeypairSession, time.Now().Add(time.Hour))
	if err := s.CreateKeypair(ctx, &berth.Keypair{AccessKey: k1.AccessKey, UserID: u.ID, Kind: berth.KeypairCLI, SecretSealed: []byte{1}}); !errors.Is(err, berth.ErrConflict) {
		t.Fatalf("duplicate access key: %v", err)
	}
	got, err := s.Keypair(ctx, k1.AccessKey)
	if err != nil || got.UserID != u.ID || string(got.SecretSealed) != string(k1.SecretSealed) || !got.ExpiresAt.IsZero() || got.Name != "laptop" {
		t.Fatalf("Keypair = %+v, %v", got, err)
	}
	gotK, owner, err := s.KeypairOwner(ctx, k1.AccessKey)
	if err != nil || gotK.AccessKey != k1.AccessKey || string(gotK.SecretSealed) != string(k1.SecretSealed) || owner.ID != u.ID ||
		owner.Email != u.Email || owner.PasswordHash != u.PasswordHash {
		t.Fatalf("KeypairOwner = %+v, %+v, %v", gotK, owner, err)
	}
	if _, _, err := s.KeypairOwner(ctx, "BKNOSUCHKEY"); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("KeypairOwner of an unknown key: %v", err)
	}
	if got, err := s.Keypair(ctx, sess.AccessKey); err != nil || got.ExpiresAt.IsZero() || got.Kind != berth.KeypairSession {
		t.Fatalf("session keypair = %+v, %v", got, err)
	}
	list, err := s.ListKeypairs(ctx, u.ID, berth.KeypairCLI)
	if err != nil || len(list) != 2 || list[0].AccessKey != k2.AccessKey {
		t.Fatalf("ListKeypairs = %+v, %v; want k2 then k1", list, err)
	}
	if err := s.DeleteKeypair(ctx, other.ID, k1.AccessKey); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("delete another user's keypair: %v", err)
	}
	if err := s.DeleteKeypair(ctx, u.ID, k1.AccessKey); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Keypair(ctx, k1.AccessKey); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("deleted keypair still found: %v", err)
	}
	sess2 := newKeypair(t, s, u, berth.KeypairSession, time.Now().Add(time.Hour))
	n, err := s.DeleteUserKeypairs(ctx, u.ID, berth.KeypairSession, sess2.AccessKey)
	if err != nil || n != 1 {
		t.Fatalf("DeleteUserKeypairs = %d, %v; want 1", n, err)
	}
	if _, err := s.Keypair(ctx, sess2.AccessKey); err != nil {
		t.Fatalf("kept keypair removed: %v", err)
	}
	if _, err := s.Keypair(ctx, k2.AccessKey); err != nil {
		t.Fatalf("CLI keypair removed with session ones: %v", err)
	}
}

func testKeypairsTouch(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	k := newKeypair(t, s, u, berth.KeypairCLI, time.Time{})
	at := time.Now().UTC().Truncate(time.Microsecond)
	if err := s.TouchKeypair(ctx, k.AccessKey, at); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Keypair(ctx, k.AccessKey)
	if !got.LastUsedAt.Equal(at) {
		t.Fatalf("LastUsedAt = %v, want %v", got.LastUsedAt, at)
	}
	// A touch within a minute is coalesced.
	if err := s.TouchKeypair(ctx, k.AccessKey, at.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Keypair(ctx, k.AccessKey)
	if !got.LastUsedAt.Equal(at) {
		t.Fatalf("touch within a minute was written: %v", got.LastUsedAt)
	}
	later := at.Add(2 * time.Minute)
	if err := s.TouchKeypair(ctx, k.AccessKey, later); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Keypair(ctx, k.AccessKey)
	if !got.LastUsedAt.Equal(later) {
		t.Fatalf("LastUsedAt = %v, want %v", got.LastUsedAt, later)
	}
}

func testKeypairsExpired(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	now := time.Now()
	old := newKeypair(t, s, u, berth.KeypairSession, now.Add(-time.Minute))
	live := newKeypair(t, s, u, berth.KeypairSession, now.Add(time.Hour))
	forever := newKeypair(t, s, u, berth.KeypairCLI, time.Time{})
	n, err := s.DeleteExpiredKeypairs(ctx, now)
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpiredKeypairs = %d, %v; want 1", n, err)
	}
	if _, err := s.Keypair(ctx, old.AccessKey); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("expired keypair kept: %v", err)
	}
	for _, k := range []*berth.Keypair{live, forever} {
		if _, err := s.Keypair(ctx, k.AccessKey); err != nil {
			t.Fatalf("live keypair removed: %v", err)
		}
	}
}

func testAudit(t *testing.T, s berth.Store) {
	ctx := t.Context()
	base := time.Now().UTC().Truncate(time.Microsecond)
	events := []berth.AuditEvent{
		{At: base.Add(-3 * time.Hour), ActorID: "a", ActorEmail: "a@example.test", Action: "auth.login", ClientAddr: "127.0.0.1", Outcome: berth.AuditFailure, Detail: "wrong password"},
		{At: base.Add(-2 * time.Hour), ActorID: "a", ActorEmail: "a@example.test", Action: "auth.login", ClientAddr: "127.0.0.1", Outcome: berth.AuditSuccess},
		{At: base.Add(-1 * time.Hour), ActorID: "b", ActorEmail: "b@example.test", Action: "keypair.create", Target: "BK1", Outcome: berth.AuditSuccess},
		{At: base.Add(-30 * time.Minute), ActorID: "b", ActorEmail: "b@example.test", Action: "admin.user_block", Target: "a", Outcome: berth.AuditSuccess},
	}
	for i := range events {
		if err := s.AppendAudit(ctx, &events[i]); err != nil {
			t.Fatal(err)
		}
		if events[i].ID == 0 {
			t.Fatal("AppendAudit did not fill ID")
		}
	}
	all := berth.Page{Number: 1, Size: 50}
	tests := []struct {
		name  string
		f     berth.AuditFilter
		total int
		first string
	}{
		{"All", berth.AuditFilter{Page: all}, 4, "admin.user_block"},
		{"Actor", berth.AuditFilter{ActorID: "a", Page: all}, 2, "auth.login"},
		{"Target", berth.AuditFilter{Target: "a", Page: all}, 1, "admin.user_block"},
		{"Subject", berth.AuditFilter{Subject: "a", Page: all}, 3, "admin.user_block"},
		{"Action", berth.AuditFilter{Action: "keypair.create", Page: all}, 1, "keypair.create"},
		{"Since", berth.AuditFilter{Since: base.Add(-150 * time.Minute), Page: all}, 3, "admin.user_block"},
		{"Until", berth.AuditFilter{Until: base.Add(-150 * time.Minute), Page: all}, 1, "auth.login"},
		{"Page2", berth.AuditFilter{Page: berth.Page{Number: 2, Size: 2}}, 4, "auth.login"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := s.ListAudit(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if total != tt.total || len(got) == 0 || got[0].Action != tt.first {
				t.Fatalf("ListAudit = %d events (total %d), first %+v; want total %d, first %s", len(got), total, got, tt.total, tt.first)
			}
		})
	}
	got, _, _ := s.ListAudit(ctx, berth.AuditFilter{Action: "auth.login", Page: all})
	if len(got) != 2 || got[1].Detail != "wrong password" || got[1].Outcome != berth.AuditFailure || !got[1].At.Equal(events[0].At) {
		t.Fatalf("round trip of fields: %+v", got)
	}
}

// EmailSkeletonBackfill checks migration 5 on a store that open opens
// (again) on the same database; it closes what open returns: accounts from before the email_skeleton
// column get theirs, oldest first, and of two that already looked alike
// the younger keeps none, so that both still work and a new look-alike is
// refused. q rewrites a query's ? placeholders for the dialect.
func EmailSkeletonBackfill(t *testing.T, open func(t *testing.T) berth.Store, q func(string) string) {
	t.Helper()
	ctx := t.Context()
	s := open(t)
	db := s.(interface{ DB() *sql.DB }).DB()
	// As the rows were before migration 4: no skeleton.
	for i, email := range []string{"paypal@x.io", "p\u0430ypal@x.io", "other@x.io"} {
		_, err := db.ExecContext(ctx, q(`INSERT INTO users (id, email, name, role, status, password_hash, created_at, updated_at)
			VALUES (?, ?, 'x', 'user', 'active', 'h', ?, ?)`), fmt.Sprintf("old-%d", i), email, i+1, i+1)
		if err != nil {
			t.Fatal(err)
		}
	}
	defer func() { _ = s.Close() }()
	if err := s.(interface{ BackfillEmailSkeletons(context.Context) error }).BackfillEmailSkeletons(ctx); err != nil {
		t.Fatal(err) // migration 5's work, again
	}
	for id, want := range map[string]sql.NullString{
		"old-0": {String: berth.EmailSkeleton("paypal@x.io"), Valid: true},
		"old-1": {}, // looked like old-0 already
		"old-2": {String: berth.EmailSkeleton("other@x.io"), Valid: true},
	} {
		var got sql.NullString
		if err := db.QueryRowContext(ctx, q(`SELECT email_skeleton FROM users WHERE id = ?`), id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: email_skeleton = %+v, want %+v", id, got, want)
		}
	}
	for _, email := range []string{"paypal@x.io", "p\u0430ypal@x.io"} {
		if _, err := s.UserByEmail(ctx, email); err != nil {
			t.Errorf("UserByEmail(%s) after the backfill: %v", email, err)
		}
	}
	err := s.CreateUser(ctx, &berth.User{Email: "pa\u0443pal@x.io", Name: "x", Role: berth.RoleUser, Status: berth.UserActive, PasswordHash: "h"})
	if !errors.Is(err, berth.ErrConflict) {
		t.Errorf("a new look-alike after the backfill: %v, want ErrConflict", err)
	}
}

// testUsersList: search on email and name in any case (LIKE wildcards
// taken literally), filters, each order with id breaking ties, pages that
// neither overlap nor skip, and the total.
func testUsersList(t *testing.T, s berth.Store) {
	ctx := t.Context()
	mk := func(email, name string, role berth.Role, admin berth.AdminRole, status berth.UserStatus) *berth.User {
		u := &berth.User{Email: email, Name: name, Role: role, AdminRole: admin, Status: status, //nolint:gosec // G101: a fixture hash
			PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatalf("CreateUser %s: %v", email, err)
		}
		if status != berth.UserActive {
			if err := s.UpdateUserStatus(ctx, u.ID, status); err != nil {
				t.Fatal(err)
			}
		}
		return u
	}
	mk("ada@example.test", "Ada Lovelace", berth.RoleAdmin, berth.AdminFull, berth.UserActive)
	mk("bob@example.test", "Bob 100% Real", berth.RoleUser, "", berth.UserActive)
	mk("carol@example.test", "carol", berth.RoleAdmin, berth.AdminView, berth.UserBlocked)
	mk("dave_x@example.test", "Dave", berth.RoleUser, "", berth.UserActive)
	mk("erin@other.test", "Erin ADA", berth.RoleUser, "", berth.UserDeleted)
	emails := func(f berth.UserFilter) ([]string, int) {
		t.Helper()
		if f.Page.Size == 0 {
			f.Page = berth.Page{Number: 1, Size: 50}
		}
		us, total, err := s.ListUsers(ctx, f)
		if err != nil {
			t.Fatalf("ListUsers(%+v): %v", f, err)
		}
		out := make([]string, len(us))
		for i := range us {
			out[i] = us[i].Email
		}
		return out, total
	}
	for _, tc := range []struct {
		name string
		f    berth.UserFilter
		want []string
	}{
		{"All", berth.UserFilter{}, []string{"ada@example.test", "bob@example.test", "carol@example.test", "dave_x@example.test", "erin@other.test"}},
		{"QueryNameAnyCase", berth.UserFilter{Query: "ADA"}, []string{"ada@example.test", "erin@other.test"}},
		{"QueryEmail", berth.UserFilter{Query: "other.test"}, []string{"erin@other.test"}},
		{"PercentIsLiteral", berth.UserFilter{Query: "100%"}, []string{"bob@example.test"}},
		{"UnderscoreIsLiteral", berth.UserFilter{Query: "e_x"}, []string{"dave_x@example.test"}},
		{"Status", berth.UserFilter{Status: berth.UserBlocked}, []string{"carol@example.test"}},
		{"Role", berth.UserFilter{Role: berth.RoleAdmin}, []string{"ada@example.test", "carol@example.test"}},
		{"AdminRole", berth.UserFilter{AdminRole: berth.AdminView}, []string{"carol@example.test"}},
		{"Combined", berth.UserFilter{Query: "a", Role: berth.RoleUser, Status: berth.UserActive}, []string{"bob@example.test", "dave_x@example.test"}},
		{"EmailDesc", berth.UserFilter{Sort: berth.SortEmailDesc}, []string{"erin@other.test", "dave_x@example.test", "carol@example.test", "bob@example.test", "ada@example.test"}},
		{"NameAnyCase", berth.UserFilter{Sort: berth.SortName}, []string{"ada@example.test", "bob@example.test", "carol@example.test", "dave_x@example.test", "erin@other.test"}},
		{"NoMatch", berth.UserFilter{Query: "zzz"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, total := emails(tc.f)
			if total != len(tc.want) || !slices.Equal(got, tc.want) {
				t.Fatalf("got %v (total %d), want %v", got, total, tc.want)
			}
		})
	}
	// A search's total holds on every page, past the last one too.
	for n, want := range map[int]int{1: 1, 2: 1, 3: 0} {
		got, total := emails(berth.UserFilter{Query: "a", Role: berth.RoleUser, Status: berth.UserActive, Page: berth.Page{Number: n, Size: 1}})
		if total != 2 || len(got) != want {
			t.Errorf("search page %d of 1: %v, total %d; want %d items of 2", n, got, total, want)
		}
	}
	// The search follows a rename, in any case, also for short and
	// non-ASCII queries.
	bob, err := s.UserByEmail(ctx, "bob@example.test")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateUserName(ctx, bob.ID, "Zoë Lambda"); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string][]string{"ZOË": {"bob@example.test"}, "lambda": {"bob@example.test"}, "real": {}, "zo": {"bob@example.test"}} {
		if got, _ := emails(berth.UserFilter{Query: q}); !slices.Equal(got, want) {
			t.Errorf("search %q after a rename: %v, want %v", q, got, want)
		}
	}
	// Accounts made in one instant share created_at: newest first, then id.
	us, _, err := s.ListUsers(ctx, berth.UserFilter{Sort: berth.SortCreatedAtDesc, Page: berth.Page{Number: 1, Size: 50}})
	if err != nil || len(us) != 5 {
		t.Fatalf("by creation: %d users, %v", len(us), err)
	}
	for i := 1; i < len(us); i++ {
		a, b := us[i-1], us[i]
		if a.CreatedAt.Before(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID < b.ID) {
			t.Fatalf("by creation, newest first: %s (%s) before %s (%s)", a.Email, a.CreatedAt, b.Email, b.CreatedAt)
		}
	}
	var paged []string
	for n := 1; n <= 3; n++ {
		got, total := emails(berth.UserFilter{Sort: berth.SortEmail, Page: berth.Page{Number: n, Size: 2}})
		if total != 5 {
			t.Fatalf("page %d: total %d, want 5", n, total)
		}
		paged = append(paged, got...)
	}
	if all, _ := emails(berth.UserFilter{Sort: berth.SortEmail}); !slices.Equal(paged, all) {
		t.Fatalf("pages of 2 give %v, want %v", paged, all)
	}
}

// testUsersRole: roles change; the last active full admin cannot be
// demoted, and of two full admins demoting each other at once exactly one
// succeeds.
func testUsersRole(t *testing.T, s berth.Store) {
	ctx := t.Context()
	full := func() *berth.User {
		u := newUser(t, s)
		if err := s.UpdateUserRole(ctx, u.ID, berth.RoleAdmin, berth.AdminFull); err != nil {
			t.Fatalf("promote: %v", err)
		}
		return u
	}
	a := full()
	if got, _ := s.User(ctx, a.ID); got.Role != berth.RoleAdmin || got.AdminRole != berth.AdminFull {
		t.Fatalf("after promotion: %+v", got)
	}
	if err := s.UpdateUserRole(ctx, a.ID, berth.RoleAdmin, berth.AdminView); !errors.Is(err, berth.ErrLastFullAdmin) || !errors.Is(err, berth.ErrConflict) {
		t.Fatalf("demoting the only full admin: %v, want ErrLastFullAdmin", err)
	}
	if err := s.UpdateUserRole(ctx, uuid.NewString(), berth.RoleUser, ""); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("unknown user: %v, want ErrNotFound", err)
	}
	b := full()
	if err := s.UpdateUserRole(ctx, a.ID, berth.RoleAdmin, berth.AdminView); err != nil {
		t.Fatalf("demoting one of two full admins: %v", err)
	}
	if got, _ := s.User(ctx, a.ID); got.AdminRole != berth.AdminView {
		t.Fatalf("after demotion: %+v", got)
	}
	// A blocked full admin does not count as the one left.
	c := full()
	if err := s.UpdateUserStatus(ctx, c.ID, berth.UserBlocked); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateUserRole(ctx, b.ID, berth.RoleUser, ""); !errors.Is(err, berth.ErrLastFullAdmin) {
		t.Fatalf("demoting the only active full admin: %v, want ErrLastFullAdmin", err)
	}
	for round := range 5 {
		x, y := full(), b
		if round > 0 {
			y = full()
			// Leave exactly x and y as the active full admins.
			if err := s.UpdateUserRole(ctx, b.ID, berth.RoleUser, ""); err != nil && !errors.Is(err, berth.ErrLastFullAdmin) {
				t.Fatal(err)
			}
		}
		us, total, err := s.ListUsers(ctx, berth.UserFilter{AdminRole: berth.AdminFull, Status: berth.UserActive, Page: berth.Page{Number: 1, Size: 50}})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			if u.ID != x.ID && u.ID != y.ID {
				if err := s.UpdateUserStatus(ctx, u.ID, berth.UserBlocked); err != nil {
					t.Fatal(err)
				}
				total--
			}
		}
		if total != 2 {
			t.Fatalf("round %d: %d active full admins, want 2", round, total)
		}
		errs := make(chan error, 2)
		start := make(chan struct{})
		for _, u := range []*berth.User{x, y} {
			go func() { <-start; errs <- s.UpdateUserRole(ctx, u.ID, berth.RoleUser, "") }()
		}
		close(start)
		var ok, last int
		for range 2 {
			switch err := <-errs; {
			case err == nil:
				ok++
			case errors.Is(err, berth.ErrLastFullAdmin):
				last++
			case errors.Is(err, berth.ErrUnavailable):
				// SQLite's single writer may turn one of them away as busy:
				// that too leaves a full admin.
				last++
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if ok != 1 || last != 1 {
			t.Fatalf("round %d: %d demotions succeeded and %d were refused, want 1 and 1", round, ok, last)
		}
		b = x
		if got, _ := s.User(ctx, x.ID); got.Role == berth.RoleUser {
			b = y
		}
	}
}

// testTokensListFamilies: a user's live logins, newest first, with the
// expiry of their last token; revoked ones, expired ones and other
// users' are left out.
func testTokensListFamilies(t *testing.T, s berth.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	u, other := newUser(t, s), newUser(t, s)
	older, _, _ := newFamily(t, s, u, now.Add(-time.Hour))
	newer, _, _ := newFamily(t, s, u, now)
	revoked, _, _ := newFamily(t, s, u, now)
	if err := s.RevokeTokenFamily(ctx, revoked.ID, now); err != nil {
		t.Fatal(err)
	}
	newFamily(t, s, u, now.Add(-40*24*time.Hour)) // every token expired
	newFamily(t, s, other, now)
	fs, err := s.ListTokenFamilies(ctx, u.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 || fs[0].ID != newer.ID || fs[1].ID != older.ID {
		t.Fatalf("live families %+v, want the newer then the older", fs)
	}
	if f := fs[0]; f.UserID != u.ID || f.ClientAddr != "127.0.0.1" || !f.CreatedAt.Equal(now) || !f.ExpiresAt.Equal(now.Add(30*24*time.Hour)) {
		t.Fatalf("family %+v", f)
	}
	if fs, err := s.ListTokenFamilies(ctx, uuid.NewString(), now); err != nil || len(fs) != 0 {
		t.Fatalf("an unknown user: %v, %v", fs, err)
	}
}
