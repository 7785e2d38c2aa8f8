package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/berth-platform/berth"
)

// testIdentities: a subject links to one account, is found with it, and
// records sign-ins; an account may hold links at several providers.
func testIdentities(t *testing.T, s berth.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	u, other := newUser(t, s), newUser(t, s)
	sub := "sub-" + uuid.NewString()
	if _, _, err := s.IdentityUser(ctx, "kc", sub); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("unlinked subject: %v", err)
	}
	link := &berth.Identity{Provider: "kc", Subject: sub, UserID: u.ID, Email: u.Email, CreatedAt: now}
	if err := s.LinkIdentity(ctx, link); err != nil {
		t.Fatal(err)
	}
	if err := s.LinkIdentity(ctx, &berth.Identity{Provider: "kc", Subject: sub, UserID: other.ID}); !errors.Is(err, berth.ErrConflict) {
		t.Fatalf("a subject linked twice: %v, want ErrConflict", err)
	}
	// The same subject at another provider is another person.
	if err := s.LinkIdentity(ctx, &berth.Identity{Provider: "google", Subject: sub, UserID: u.ID, CreatedAt: now.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	id, owner, err := s.IdentityUser(ctx, "kc", sub)
	if err != nil || id.UserID != u.ID || owner.ID != u.ID || owner.Email != u.Email || !id.CreatedAt.Equal(now) || !id.LastLoginAt.Equal(now) {
		t.Fatalf("IdentityUser = %+v, %+v, %v", id, owner, err)
	}
	later := now.Add(time.Hour)
	if err := s.TouchIdentity(ctx, "kc", sub, "new@example.test", later); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchIdentity(ctx, "kc", "nobody", "x@example.test", later); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("touch of an unknown link: %v", err)
	}
	list, err := s.UserIdentities(ctx, u.ID)
	if err != nil || len(list) != 2 || list[0].Provider != "kc" || list[0].Email != "new@example.test" || !list[0].LastLoginAt.Equal(later) ||
		list[1].Provider != "google" {
		t.Fatalf("UserIdentities = %+v, %v", list, err)
	}
	if none, err := s.UserIdentities(ctx, other.ID); err != nil || len(none) != 0 {
		t.Fatalf("UserIdentities of an unlinked account = %+v, %v", none, err)
	}
}

// testTokensWithoutRefresh: a family may hold an access token only (a
// provider's token berth accepted), and a known hash is a conflict.
func testTokensWithoutRefresh(t *testing.T, s berth.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	u := newUser(t, s)
	access := &berth.Token{Hash: randomHash(), Kind: berth.TokenAccess, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	if err := s.CreateTokenFamily(ctx, &berth.TokenFamily{ID: uuid.NewString(), UserID: u.ID, CreatedAt: now}, access, nil); err != nil {
		t.Fatal(err)
	}
	if got, owner, err := s.TokenOwner(ctx, access.Hash, berth.TokenAccess); err != nil || owner.ID != u.ID || got.FamilyRevoked {
		t.Fatalf("TokenOwner = %+v, %+v, %v", got, owner, err)
	}
	again := &berth.Token{Hash: access.Hash, Kind: berth.TokenAccess, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	if err := s.CreateTokenFamily(ctx, &berth.TokenFamily{ID: uuid.NewString(), UserID: u.ID, CreatedAt: now}, again, nil); !errors.Is(err, berth.ErrConflict) {
		t.Fatalf("same hash twice: %v, want ErrConflict", err)
	}
}

// testTokenFamilyProvider: a family keeps the provider that checked its
// password and that provider's refresh token, replaced at each refresh.
func testTokenFamilyProvider(t *testing.T, s berth.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	u := newUser(t, s)
	f := &berth.TokenFamily{ID: uuid.NewString(), UserID: u.ID, CreatedAt: now, Provider: "kc", ProviderRefresh: []byte{1, 2}}
	access := &berth.Token{Hash: randomHash(), Kind: berth.TokenAccess, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	refresh := &berth.Token{Hash: randomHash(), Kind: berth.TokenRefresh, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.CreateTokenFamily(ctx, f, access, refresh); err != nil {
		t.Fatal(err)
	}
	got, err := s.TokenFamily(ctx, f.ID)
	if err != nil || got.UserID != u.ID || got.Provider != "kc" || string(got.ProviderRefresh) != "\x01\x02" || !got.CreatedAt.Equal(now) {
		t.Fatalf("TokenFamily = %+v, %v", got, err)
	}
	if err := s.SetProviderRefresh(ctx, f.ID, []byte{3}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.TokenFamily(ctx, f.ID); string(got.ProviderRefresh) != "\x03" {
		t.Fatalf("after SetProviderRefresh: %+v", got)
	}
	plain := &berth.TokenFamily{ID: uuid.NewString(), UserID: u.ID, CreatedAt: now}
	if err := s.CreateTokenFamily(ctx, plain, &berth.Token{Hash: randomHash(), Kind: berth.TokenAccess, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := s.TokenFamily(ctx, plain.ID); err != nil || got.Provider != "" || len(got.ProviderRefresh) != 0 {
		t.Fatalf("a berth login: %+v, %v", got, err)
	}
	if _, err := s.TokenFamily(ctx, "nope"); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("unknown family: %v", err)
	}
	if err := s.SetProviderRefresh(ctx, "nope", nil); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("unknown family: %v", err)
	}
}

// testServices: services registered through the API are listed by id,
// updated and deleted; an id is taken once.
func testServices(t *testing.T, s berth.Store) {
	ctx := t.Context()
	a := &berth.FeatureService{ID: "notes-" + uuid.NewString()[:8], Name: "Notes", URL: "http://127.0.0.1:9000", HealthPath: "/health"}
	if err := s.CreateService(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateService(ctx, &berth.FeatureService{ID: a.ID, Name: "Again", URL: "http://x", HealthPath: "/"}); !errors.Is(err, berth.ErrConflict) {
		t.Fatalf("same id twice: %v", err)
	}
	a.Name, a.URL = "Notes 2", "http://127.0.0.1:9001"
	if err := s.UpdateService(ctx, a); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListServices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var found *berth.FeatureService
	for i := range list {
		if list[i].ID == a.ID {
			found = &list[i]
		}
	}
	if found == nil || found.Name != "Notes 2" || found.URL != "http://127.0.0.1:9001" || found.HealthPath != "/health" || found.CreatedAt.IsZero() {
		t.Fatalf("listed = %+v", found)
	}
	if err := s.DeleteService(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteService(ctx, a.ID); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("deleted twice: %v", err)
	}
	if err := s.UpdateService(ctx, a); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("update of a deleted one: %v", err)
	}
}
