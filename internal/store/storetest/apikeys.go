package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/berth-platform/berth"
)

// newAPIKey creates a key for f that never expires.
func newAPIKey(t *testing.T, s berth.Store, f *berth.Function) *berth.APIKey {
	t.Helper()
	k := &berth.APIKey{KeyID: "BF" + uuid.NewString()[:18], FunctionID: f.ID, Name: "ci", SecretSealed: []byte{9, 8, 7}}
	if err := s.CreateAPIKey(t.Context(), k); err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	return k
}

func sameAPIKey(got, want *berth.APIKey) bool {
	return got.ID == want.ID && got.KeyID == want.KeyID && got.FunctionID == want.FunctionID && got.Name == want.Name &&
		string(got.SecretSealed) == string(want.SecretSealed) && got.CreatedAt.Equal(want.CreatedAt) &&
		got.ExpiresAt.Equal(want.ExpiresAt) && got.RevokedAt.Equal(want.RevokedAt) && got.LastUsedAt.Equal(want.LastUsedAt)
}

func testAPIKeysCRUD(t *testing.T, s berth.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	f := newFunction(t, s, newUser(t, s), "keyed")
	if err := s.PutSecrets(ctx, f.ID, map[string][]byte{"TOKEN": {1}, "A": {2}}); err != nil {
		t.Fatal(err)
	}
	k1 := &berth.APIKey{KeyID: "BF" + uuid.NewString()[:18], FunctionID: f.ID, Name: "deploy bot",
		SecretSealed: []byte{1, 2, 3}, ExpiresAt: now.Add(24 * time.Hour)}
	if err := s.CreateAPIKey(ctx, k1); err != nil {
		t.Fatal(err)
	}
	if k1.ID == "" || k1.CreatedAt.IsZero() {
		t.Fatalf("CreateAPIKey did not fill ID and CreatedAt: %+v", k1)
	}
	time.Sleep(2 * time.Millisecond) // distinct created_at for ordering
	k2 := newAPIKey(t, s, f)
	dup := &berth.APIKey{KeyID: k1.KeyID, FunctionID: f.ID, SecretSealed: []byte{1}}
	if err := s.CreateAPIKey(ctx, dup); !errors.Is(err, berth.ErrConflict) {
		t.Fatalf("duplicate key id: %v, want ErrConflict", err)
	}
	if got, err := s.APIKey(ctx, k1.ID); err != nil || !sameAPIKey(got, k1) {
		t.Fatalf("APIKey = %+v, %v; want %+v", got, err, k1)
	}
	if _, err := s.APIKey(ctx, uuid.NewString()); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("unknown key: %v, want ErrNotFound", err)
	}
	gotK, gotF, err := s.APIKeyByKeyID(ctx, k1.KeyID)
	if err != nil || !sameAPIKey(gotK, k1) || gotF.ID != f.ID || gotF.Name != f.Name || gotF.Settings.Env["MODE"] != "test" ||
		!slices.Equal(gotF.SecretNames, []string{"A", "TOKEN"}) {
		t.Fatalf("APIKeyByKeyID = %+v, %+v, %v", gotK, gotF, err)
	}
	if _, _, err := s.APIKeyByKeyID(ctx, "BFNOSUCHKEY"); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("APIKeyByKeyID of an unknown key: %v, want ErrNotFound", err)
	}
	list, total, err := s.ListAPIKeys(ctx, f.ID, berth.Page{Number: 1, Size: 10})
	if err != nil || total != 2 || len(list) != 2 || list[0].ID != k2.ID || list[1].ID != k1.ID {
		t.Fatalf("ListAPIKeys = %+v (total %d), %v; want k2 then k1", list, total, err)
	}
	if list, total, err := s.ListAPIKeys(ctx, f.ID, berth.Page{Number: 2, Size: 1}); err != nil || total != 2 || len(list) != 1 || list[0].ID != k1.ID {
		t.Fatalf("ListAPIKeys page 2 = %+v (total %d), %v; want k1", list, total, err)
	}

	k1.Name, k1.ExpiresAt, k1.RevokedAt = "renamed", time.Time{}, now
	if err := s.UpdateAPIKey(ctx, k1); err != nil {
		t.Fatal(err)
	}
	got, err := s.APIKey(ctx, k1.ID)
	if err != nil || !sameAPIKey(got, k1) || got.Usable(now.Add(time.Second)) {
		t.Fatalf("after UpdateAPIKey: %+v, %v; want %+v", got, err, k1)
	}
	if err := s.UpdateAPIKey(ctx, &berth.APIKey{ID: uuid.NewString(), Name: "x"}); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("updating an unknown key: %v, want ErrNotFound", err)
	}
	if err := s.DeleteAPIKey(ctx, k2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.APIKey(ctx, k2.ID); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("deleted key: %v, want ErrNotFound", err)
	}
	if err := s.DeleteAPIKey(ctx, k2.ID); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("deleting twice: %v, want ErrNotFound", err)
	}
	if _, total, err := s.ListAPIKeys(ctx, f.ID, berth.Page{Number: 1, Size: 10}); err != nil || total != 1 {
		t.Fatalf("keys left: %d, %v; want 1", total, err)
	}
}

func testAPIKeysTouch(t *testing.T, s berth.Store) {
	ctx := t.Context()
	k := newAPIKey(t, s, newFunction(t, s, newUser(t, s), "touched"))
	at := time.Now().UTC().Truncate(time.Microsecond)
	for _, step := range []struct {
		at, want time.Time
	}{
		{at, at},
		{at.Add(10 * time.Second), at}, // within a minute: coalesced
		{at.Add(2 * time.Minute), at.Add(2 * time.Minute)},
	} {
		if err := s.TouchAPIKey(ctx, k.ID, step.at); err != nil {
			t.Fatal(err)
		}
		got, err := s.APIKey(ctx, k.ID)
		if err != nil || !got.LastUsedAt.Equal(step.want) {
			t.Fatalf("after touch at %v: LastUsedAt = %v, %v; want %v", step.at, got.LastUsedAt, err, step.want)
		}
	}
}

func testAPIKeysDeletedWithFunction(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	f := newFunction(t, s, u, "short-lived")
	k := newAPIKey(t, s, f)
	now := time.Now()
	if err := s.ScheduleDeletion(ctx, f.ID, now, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteFunction(ctx, f.ID, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.APIKeyByKeyID(ctx, k.KeyID); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("key of a deleted function: %v, want ErrNotFound", err)
	}
	if list, total, err := s.ListAPIKeys(ctx, f.ID, berth.Page{Number: 1, Size: 10}); err != nil || total != 0 || len(list) != 0 {
		t.Fatalf("keys of a deleted function: %d (total %d), %v", len(list), total, err)
	}
	// No row is left behind: the key id can be issued again.
	g := newFunction(t, s, u, "successor")
	again := &berth.APIKey{KeyID: k.KeyID, FunctionID: g.ID, SecretSealed: []byte{1}}
	if err := s.CreateAPIKey(ctx, again); err != nil {
		t.Fatalf("reusing the key id of a deleted function's key: %v", err)
	}
	orphan := &berth.APIKey{KeyID: "BF" + uuid.NewString()[:18], FunctionID: f.ID, SecretSealed: []byte{1}}
	if err := s.CreateAPIKey(ctx, orphan); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("key for a deleted function: %v, want ErrNotFound", err)
	}
}

func testAPIKeysReplaceSecret(t *testing.T, s berth.Store) {
	ctx := t.Context()
	k := newAPIKey(t, s, newFunction(t, s, newUser(t, s), "rolled"))
	if err := s.ReplaceAPIKeySecret(ctx, k.ID, k.SecretSealed, []byte{4, 5, 6}); err != nil {
		t.Fatal(err)
	}
	want := *k
	want.SecretSealed = []byte{4, 5, 6}
	if got, err := s.APIKey(ctx, k.ID); err != nil || !sameAPIKey(got, &want) {
		t.Fatalf("after ReplaceAPIKeySecret: %+v, %v; want %+v", got, err, &want)
	}
	if got, _, err := s.APIKeyByKeyID(ctx, k.KeyID); err != nil || string(got.SecretSealed) != string(want.SecretSealed) {
		t.Fatalf("lookup by key id after ReplaceAPIKeySecret: %+v, %v", got, err)
	}
	t.Run("ErrConflictStaleOld", func(t *testing.T) {
		if err := s.ReplaceAPIKeySecret(ctx, k.ID, k.SecretSealed, []byte{7}); !errors.Is(err, berth.ErrConflict) {
			t.Fatalf("replacing from a stale secret: %v, want ErrConflict", err)
		}
		if got, _ := s.APIKey(ctx, k.ID); string(got.SecretSealed) != string(want.SecretSealed) {
			t.Fatalf("a refused replacement stored %v", got.SecretSealed)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if err := s.ReplaceAPIKeySecret(ctx, uuid.NewString(), []byte{1}, []byte{2}); !errors.Is(err, berth.ErrNotFound) {
			t.Fatalf("unknown key: %v, want ErrNotFound", err)
		}
	})
}
