package storecache_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/kv"
	"github.com/berth-platform/berth/internal/kv/memory"
	"github.com/berth-platform/berth/internal/store/sqlite"
	"github.com/berth-platform/berth/internal/storecache"
)

// reads and quietWrites are the berth.Store methods that must not move the
// generation; every other method must. A method added to berth.Store
// fails this test until it is placed.
var (
	reads = []string{"APIKey", "APIKeyByKeyID", "Close", "Deployment", "DueDeletions", "Execution", "FirstAdmin",
		"Function", "FunctionSummary", "Keypair", "KeypairOwner", "ListAPIKeys", "ListAudit", "ListDeployments",
		"ListExecutions", "ListFunctions", "ListKeypairs", "Ping", "Preferences", "Profile", "RecentFailures",
		"RecentLogs", "Logs", "RollupSeries", "RollupTotal", "Secrets", "TokenOwner", "TopFunctions", "User", "UserByEmail", "ListUsers", "ListTokenFamilies",
		"Tier", "ListTiers", "TierUse", "Organization", "ListOrganizations", "UserFeatureRoles", "Group", "ListGroups",
		"UserGroups", "Settings", "EarlyAccess", "ListEarlyAccess", "CountOwnedFunctions",
		"CodeByHash", "UserCode", "FailedMail", "IdentityUser", "UserIdentities", "TokenFamily", "ListServices"}
	quietWrites = []string{"AppendAudit", "AppendExecutions", "PruneExecutions", "PruneRollups", "TouchAPIKey",
		"TouchKeypair", "CreateKeypair", "CreateTokenFamily", "CreateEarlyAccess", "RejectEarlyAccess",
		// The outbox and one-time codes are read from the store every time.
		"QueueMail", "DueMail", "MailSent", "MailRetry", "MailGivenUp", "PruneMail", "PutCode", "CodeAttempt", "SpendCode",
		// A link is read from the store at every provider sign-in.
		"LinkIdentity", "TouchIdentity",
		// Read from the store at every refresh.
		"SetProviderRefresh",
		// Each replica reads the services from the store at every poll.
		"CreateService", "UpdateService", "DeleteService"}
	// countedCleanups bump only when they removed something.
	countedCleanups = []string{"DeleteExpiredKeypairs", "DeleteExpiredTokens", "FailStaleDeployments"}
)

func open(t *testing.T) (*storecache.Store, kv.Store, *clock) {
	t.Helper()
	inner, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "berth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inner.Close() })
	shared := memory.New()
	c := &clock{}
	c.set(time.Unix(1_800_000_000, 0))
	s := storecache.New(inner, storecache.NewGeneration(shared, nil, c.now))
	if err := s.Generation().Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, shared, c
}

type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }

// TestEveryWriteBumps calls every method of berth.Store on the wrapper
// with placeholder arguments (most fail in the store, which is fine: a
// failed write bumps too) and checks that exactly the writes bump.
func TestEveryWriteBumps(t *testing.T) {
	s, _, _ := open(t)
	// A cached lookup shows a bump: it misses afterwards.
	ctx := context.Background()
	u := &berth.User{Email: "probe@example.test", Name: "probe", Role: berth.RoleUser, Status: berth.UserActive, PasswordHash: "x"}
	if err := s.Unwrap().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	iface := reflect.TypeOf((*berth.Store)(nil)).Elem()
	v := reflect.ValueOf(s)
	for i := range iface.NumMethod() {
		m := iface.Method(i)
		if m.Name == "Close" {
			continue
		}
		t.Run(m.Name, func(t *testing.T) {
			quiet := slices.Contains(reads, m.Name) || slices.Contains(quietWrites, m.Name) || slices.Contains(countedCleanups, m.Name)
			stillCached := primed(t, s, u.ID)
			args := []reflect.Value{}
			for j := range m.Type.NumIn() {
				args = append(args, placeholder(m.Type.In(j)))
			}
			func() {
				defer func() { _ = recover() }() // a placeholder the store cannot take
				v.MethodByName(m.Name).Call(args)
			}()
			if bumped := !stillCached(); bumped == quiet {
				if quiet {
					t.Errorf("%s moved the generation; list it as a write in writes.go or fix it", m.Name)
				} else {
					t.Errorf("%s did not move the generation: a write must bump (override it in writes.go), or list it as a read or quiet write here", m.Name)
				}
			}
		})
	}
}

// primed caches the user, then renames it underneath the cache; the
// function it returns reports whether the next lookup still comes from
// the cache (the old name) rather than the store (the new one).
func primed(t *testing.T, s *storecache.Store, id string) (stillCached func() bool) {
	t.Helper()
	ctx := context.Background()
	u, err := s.CachedUser(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	old := u.Name
	if err := s.Unwrap().UpdateUserName(ctx, id, old+"+"); err != nil {
		t.Fatal(err)
	}
	return func() bool {
		t.Helper()
		u, err := s.CachedUser(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return u.Name == old
	}
}

func placeholder(t reflect.Type) reflect.Value {
	switch {
	case t == reflect.TypeOf((*context.Context)(nil)).Elem():
		return reflect.ValueOf(context.Background())
	case t == reflect.TypeOf(time.Time{}):
		return reflect.ValueOf(time.Unix(1_800_000_000, 0))
	case t.Kind() == reflect.Pointer:
		return reflect.New(t.Elem())
	}
	return reflect.Zero(t)
}

func TestCachedLookupSeesChangesFromAnotherReplica(t *testing.T) {
	ctx := context.Background()
	a, shared, c := open(t)
	// Replica b: another process on the same database and the same kv.
	b := storecache.New(a.Unwrap(), storecache.NewGeneration(shared, nil, c.now))
	if err := b.Generation().Poll(ctx); err != nil {
		t.Fatal(err)
	}
	u := &berth.User{Email: "u@example.test", Name: "u", Role: berth.RoleUser, Status: berth.UserActive, PasswordHash: "x"}
	if err := a.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := b.CachedUser(ctx, u.ID)
	if err != nil || got.Status != berth.UserActive {
		t.Fatalf("b reads %+v, %v", got, err)
	}
	if err := a.UpdateUserStatus(ctx, u.ID, berth.UserBlocked); err != nil {
		t.Fatal(err)
	}
	// Before b polls, its entry may still be served (the window is one
	// poll); after one poll it must not be.
	if err := b.Generation().Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err = b.CachedUser(ctx, u.ID); err != nil || got.Status != berth.UserBlocked {
		t.Fatalf("after a's block and one poll, b reads status %q (%v), want blocked", got.Status, err)
	}
	// a sees its own change at once, without a poll.
	if err := a.UpdateUserName(ctx, u.ID, "renamed"); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.CachedUser(ctx, u.ID); got.Name != "renamed" {
		t.Fatalf("a reads name %q after its own rename", got.Name)
	}
}

func TestCacheIsUnusedWhenTheSharedGenerationIsUnread(t *testing.T) {
	ctx := context.Background()
	s, _, c := open(t)
	u := &berth.User{Email: "u@example.test", Name: "u", Role: berth.RoleUser, Status: berth.UserActive, PasswordHash: "x"}
	if err := s.Unwrap().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if !primed(t, s, u.ID)() {
		t.Fatal("a fresh entry was not served from the cache")
	}
	// No successful poll for longer than MaxLag: a change elsewhere may
	// have gone unseen, so every lookup goes to the store.
	still := primed(t, s, u.ID)
	c.add(storecache.MaxLag + time.Millisecond)
	if still() {
		t.Fatal("the cache was used although the shared generation was not read for longer than MaxLag")
	}
	// Polls resume, but the entry is older than MaxAge: still a miss.
	if err := s.Generation().Poll(ctx); err != nil {
		t.Fatal(err)
	}
	still = primed(t, s, u.ID)
	c.add(storecache.MaxAge)
	if err := s.Generation().Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if still() {
		t.Fatal("an entry older than MaxAge was used")
	}
}

// failingKV cannot reach its backend: a bump is not announced.
type failingKV struct {
	kv.Store
	down atomic.Bool
}

func (f *failingKV) Set(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	if f.down.Load() {
		return berth.ErrUnavailable
	}
	return f.Store.Set(ctx, key, v, ttl)
}

func TestUnannouncedChangeStopsTheCacheUntilItLands(t *testing.T) {
	ctx := context.Background()
	inner, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "berth.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	f := &failingKV{Store: memory.New()}
	c := &clock{}
	c.set(time.Unix(1_800_000_000, 0))
	s := storecache.New(inner, storecache.NewGeneration(f, nil, c.now))
	if err := s.Generation().Poll(ctx); err != nil {
		t.Fatal(err)
	}
	u := &berth.User{Email: "u@example.test", Name: "u", Role: berth.RoleUser, Status: berth.UserActive, PasswordHash: "x"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	f.down.Store(true)
	if err := s.UpdateUserName(ctx, u.ID, "probe"); err != nil {
		t.Fatal(err)
	}
	if primed(t, s, u.ID)() {
		t.Fatal("the cache was used while a change of this process was not announced")
	}
	if err := s.Generation().Poll(ctx); !errors.Is(err, berth.ErrUnavailable) {
		t.Fatalf("poll with the kv down: %v, want ErrUnavailable", err)
	}
	f.down.Store(false)
	if err := s.Generation().Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if !primed(t, s, u.ID)() {
		t.Fatal("the cache stayed off after the change was announced")
	}
}
