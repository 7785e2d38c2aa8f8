package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/berth-platform/berth"
)

func testTiers(t *testing.T, s berth.Store) {
	ctx := t.Context()
	def, err := s.Tier(ctx, berth.DefaultTierID)
	if err != nil || def.Name != "default" || !def.Has(berth.FeaturePublicFunctions) || def.Limits != (berth.TierLimits{}) {
		t.Fatalf("built-in default tier = %+v, %v; want no limits and public-functions", def, err)
	}
	tier := &berth.Tier{Name: "Team", Description: "small teams",
		Limits:       berth.TierLimits{MaxFunctions: 10, MaxInvocationsPerDay: 1000, MaxMemoryMB: 256},
		FeatureRoles: []berth.FeatureRole{berth.FeatureContainers}}
	if err := s.CreateTier(ctx, tier); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTier(ctx, &berth.Tier{Name: "team"}); !errors.Is(err, berth.ErrConflict) {
		t.Errorf("a tier named like another in another case: %v, want ErrConflict", err)
	}
	got, err := s.Tier(ctx, tier.ID)
	if err != nil || got.Limits != tier.Limits || !slices.Equal(got.FeatureRoles, tier.FeatureRoles) {
		t.Fatalf("Tier = %+v, %v; want %+v", got, err, tier)
	}
	tier.Limits.MaxFunctions = 20
	tier.Name = "Team plus"
	if err := s.UpdateTier(ctx, tier); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Tier(ctx, tier.ID); got.Limits.MaxFunctions != 20 || got.Name != "Team plus" {
		t.Errorf("after UpdateTier: %+v", got)
	}
	if err := s.UpdateTier(ctx, &berth.Tier{ID: "00000000-0000-4000-8000-00000000dead", Name: "x"}); !errors.Is(err, berth.ErrNotFound) {
		t.Errorf("UpdateTier of no tier: %v, want ErrNotFound", err)
	}
	all, err := s.ListTiers(ctx)
	if err != nil || len(all) != 2 || all[0].ID != berth.DefaultTierID {
		t.Errorf("ListTiers = %+v, %v; want default then Team plus", all, err)
	}

	u := newUser(t, s)
	if err := s.SetUserTier(ctx, u.ID, tier.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.User(ctx, u.ID); got.TierID != tier.ID {
		t.Errorf("user's tier = %q, want %q", got.TierID, tier.ID)
	}
	if err := s.SetUserTier(ctx, u.ID, "00000000-0000-4000-8000-00000000dead"); !errors.Is(err, berth.ErrNotFound) {
		t.Errorf("SetUserTier to no tier: %v, want ErrNotFound", err)
	}
	if use, err := s.TierUse(ctx, tier.ID); err != nil || use.Users != 1 {
		t.Errorf("TierUse = %+v, %v; want 1 user", use, err)
	}
	if err := s.DeleteTier(ctx, tier.ID); !errors.Is(err, berth.ErrInUse) || !errors.Is(err, berth.ErrConflict) {
		t.Errorf("deleting a tier in use: %v, want ErrInUse", err)
	}
	users, total, err := s.ListUsers(ctx, berth.UserFilter{TierID: tier.ID, Page: berth.Page{Number: 1, Size: 10}})
	if err != nil || total != 1 || users[0].ID != u.ID {
		t.Errorf("ListUsers by tier = %d, %v", total, err)
	}
	other := newUser(t, s)
	if _, total, _ := s.ListUsers(ctx, berth.UserFilter{TierID: berth.DefaultTierID, Page: berth.Page{Number: 1, Size: 10}}); total != 1 {
		t.Errorf("ListUsers on the default tier = %d, want 1 (%s, on no tier)", total, other.Email)
	}
	if err := s.SetUserTier(ctx, u.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteTier(ctx, tier.ID); err != nil {
		t.Errorf("deleting an unused tier: %v", err)
	}
	if err := s.DeleteTier(ctx, tier.ID); !errors.Is(err, berth.ErrNotFound) {
		t.Errorf("deleting it again: %v, want ErrNotFound", err)
	}
}

func testOrganizations(t *testing.T, s berth.Store) {
	ctx := t.Context()
	o := &berth.Organization{Name: "Acme", TierID: berth.DefaultTierID}
	if err := s.CreateOrganization(ctx, o); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateOrganization(ctx, &berth.Organization{Name: "ACME"}); !errors.Is(err, berth.ErrConflict) {
		t.Errorf("duplicate name in another case: %v, want ErrConflict", err)
	}
	if err := s.CreateOrganization(ctx, &berth.Organization{Name: "x", TierID: "00000000-0000-4000-8000-00000000dead"}); !errors.Is(err, berth.ErrNotFound) {
		t.Errorf("organisation on no tier: %v, want ErrNotFound", err)
	}
	other := &berth.Organization{Name: "Globex"}
	if err := s.CreateOrganization(ctx, other); err != nil {
		t.Fatal(err)
	}
	owner, member := newUser(t, s), newUser(t, s)
	if err := s.SetOrganizationMember(ctx, o.ID, owner.ID, berth.OrgOwner); err != nil {
		t.Fatal(err)
	}
	if err := s.SetOrganizationMember(ctx, o.ID, member.ID, berth.OrgMember); err != nil {
		t.Fatal(err)
	}
	if err := s.SetOrganizationMember(ctx, other.ID, member.ID, berth.OrgMember); !errors.Is(err, berth.ErrConflict) {
		t.Errorf("joining a second organisation: %v, want ErrConflict", err)
	}
	if err := s.SetOrganizationMember(ctx, o.ID, "00000000-0000-4000-8000-00000000dead", berth.OrgMember); !errors.Is(err, berth.ErrNotFound) {
		t.Errorf("no such user: %v, want ErrNotFound", err)
	}
	got, err := s.Organization(ctx, o.ID)
	if err != nil || got.Members != 2 || got.TierID != berth.DefaultTierID {
		t.Fatalf("Organization = %+v, %v; want 2 members", got, err)
	}
	if u, _ := s.User(ctx, owner.ID); u.OrganizationID != o.ID || u.OrganizationRole != berth.OrgOwner {
		t.Errorf("owner's account: %q %q", u.OrganizationID, u.OrganizationRole)
	}
	if _, total, _ := s.ListUsers(ctx, berth.UserFilter{OrganizationID: o.ID, Page: berth.Page{Number: 1, Size: 10}}); total != 2 {
		t.Errorf("ListUsers by organisation = %d, want 2", total)
	}
	// Functions shared with the organisation: a member lists their own
	// and the shared ones of other members, not the private ones.
	shared, private := newFunction(t, s, owner, "shared"), newFunction(t, s, owner, "private")
	shared.Settings.Visibility = berth.VisibilityOrganization
	if err := s.UpdateFunctionSettings(ctx, shared.ID, shared.Settings, shared.Description); err != nil {
		t.Fatalf("visibility organization: %v", err)
	}
	mine := newFunction(t, s, member, "mine")
	fs, total, err := s.ListFunctions(ctx, berth.FunctionFilter{OwnerID: member.ID, SharedWithOrg: o.ID, Page: berth.Page{Number: 1, Size: 10}})
	if err != nil || total != 2 || fs[0].ID != mine.ID || fs[1].ID != shared.ID {
		t.Errorf("a member's functions with the shared ones = %d %v; want mine and shared, not %s", total, err, private.Name)
	}
	if _, total, _ := s.ListFunctions(ctx, berth.FunctionFilter{OwnerID: member.ID, SharedWithOrg: other.ID, Page: berth.Page{Number: 1, Size: 10}}); total != 1 {
		t.Errorf("another organisation's view = %d functions, want only the member's own", total)
	}
	if err := s.DeleteOrganization(ctx, o.ID); !errors.Is(err, berth.ErrInUse) {
		t.Errorf("deleting an organisation with members: %v, want ErrInUse", err)
	}
	if err := s.DeleteTier(ctx, berth.DefaultTierID); !errors.Is(err, berth.ErrInUse) {
		t.Errorf("deleting a tier an organisation is on: %v, want ErrInUse", err)
	}
	if err := s.RemoveOrganizationMember(ctx, other.ID, member.ID); !errors.Is(err, berth.ErrNotFound) {
		t.Errorf("removing from an organisation one is not in: %v, want ErrNotFound", err)
	}
	for _, id := range []string{owner.ID, member.ID} {
		if err := s.RemoveOrganizationMember(ctx, o.ID, id); err != nil {
			t.Fatal(err)
		}
	}
	o.Name, o.TierID = "Acme Corp", ""
	if err := s.UpdateOrganization(ctx, o); err != nil {
		t.Fatal(err)
	}
	list, total, err := s.ListOrganizations(ctx, berth.Page{Number: 1, Size: 10})
	if err != nil || total != 2 || list[0].Name != "Acme Corp" || list[0].Members != 0 || list[0].TierID != "" {
		t.Errorf("ListOrganizations = %+v, %d, %v", list, total, err)
	}
	if err := s.DeleteOrganization(ctx, o.ID); err != nil {
		t.Errorf("deleting an empty organisation: %v", err)
	}
}

func testFeatureRoles(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	for range 2 { // granting twice is not an error
		if err := s.GrantFeatureRole(ctx, u.ID, berth.FeatureContainers); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.GrantFeatureRole(ctx, "00000000-0000-4000-8000-00000000dead", berth.FeatureContainers); !errors.Is(err, berth.ErrNotFound) {
		t.Errorf("grant to no user: %v", err)
	}
	if got, err := s.UserFeatureRoles(ctx, u.ID); err != nil || !slices.Equal(got, []berth.FeatureRole{berth.FeatureContainers}) {
		t.Errorf("UserFeatureRoles = %v, %v", got, err)
	}
	if _, total, _ := s.ListUsers(ctx, berth.UserFilter{FeatureRole: berth.FeatureContainers, Page: berth.Page{Number: 1, Size: 10}}); total != 1 {
		t.Errorf("ListUsers by feature role = %d, want 1", total)
	}
	if err := s.RevokeFeatureRole(ctx, u.ID, berth.FeatureContainers); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeFeatureRole(ctx, u.ID, berth.FeatureContainers); !errors.Is(err, berth.ErrNotFound) {
		t.Errorf("revoking again: %v, want ErrNotFound", err)
	}
}

func testGroups(t *testing.T, s berth.Store) {
	ctx := t.Context()
	g := &berth.Group{Name: "ops", Description: "on call"}
	if err := s.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateGroup(ctx, &berth.Group{Name: "OPS"}); !errors.Is(err, berth.ErrConflict) {
		t.Errorf("duplicate group name: %v, want ErrConflict", err)
	}
	dev := &berth.Group{Name: "dev"}
	if err := s.CreateGroup(ctx, dev); err != nil {
		t.Fatal(err)
	}
	u := newUser(t, s)
	for _, id := range []string{g.ID, dev.ID} {
		if err := s.AddGroupMember(ctx, id, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddGroupMember(ctx, g.ID, u.ID); !errors.Is(err, berth.ErrConflict) {
		t.Errorf("adding a member twice: %v, want ErrConflict", err)
	}
	if err := s.AddGroupMember(ctx, "00000000-0000-4000-8000-00000000dead", u.ID); !errors.Is(err, berth.ErrNotFound) {
		t.Errorf("adding to no group: %v, want ErrNotFound", err)
	}
	if names, err := s.UserGroups(ctx, u.ID); err != nil || !slices.Equal(names, []string{"dev", "ops"}) {
		t.Errorf("UserGroups = %v, %v", names, err)
	}
	if got, err := s.Group(ctx, g.ID); err != nil || got.Members != 1 || got.Description != "on call" {
		t.Errorf("Group = %+v, %v", got, err)
	}
	if _, total, _ := s.ListUsers(ctx, berth.UserFilter{GroupID: g.ID, Page: berth.Page{Number: 1, Size: 10}}); total != 1 {
		t.Errorf("ListUsers by group = %d", total)
	}
	g.Name = "sre"
	if err := s.UpdateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	if names, _ := s.UserGroups(ctx, u.ID); !slices.Equal(names, []string{"dev", "sre"}) {
		t.Errorf("after rename: %v", names)
	}
	if err := s.RemoveGroupMember(ctx, dev.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveGroupMember(ctx, dev.ID, u.ID); !errors.Is(err, berth.ErrNotFound) {
		t.Errorf("removing again: %v", err)
	}
	if err := s.DeleteGroup(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	if names, _ := s.UserGroups(ctx, u.ID); len(names) != 0 {
		t.Errorf("after deleting the group: %v", names)
	}
	if all, err := s.ListGroups(ctx); err != nil || len(all) != 1 || all[0].Name != "dev" || all[0].Members != 0 {
		t.Errorf("ListGroups = %+v, %v", all, err)
	}
}

func testSettings(t *testing.T, s berth.Store) {
	ctx := t.Context()
	if got, err := s.Settings(ctx); err != nil || len(got) != 0 {
		t.Fatalf("fresh Settings = %v, %v", got, err)
	}
	if err := s.PutSettings(ctx, map[string]string{"registration_mode": `"open"`, "capacity": `10`}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSettings(ctx, map[string]string{"capacity": `20`}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Settings(ctx)
	if err != nil || got["registration_mode"] != `"open"` || got["capacity"] != `20` || len(got) != 2 {
		t.Errorf("Settings = %v, %v", got, err)
	}
}

func testEarlyAccess(t *testing.T, s berth.Store) {
	ctx := t.Context()
	mk := func(email string) *berth.EarlyAccessRequest {
		t.Helper()
		r := &berth.EarlyAccessRequest{Email: email, Name: "N", Reason: "curious"}
		if ok, err := s.CreateEarlyAccess(ctx, r); err != nil || !ok {
			t.Fatalf("CreateEarlyAccess(%s) = %v, %v", email, ok, err)
		}
		return r
	}
	a, b, c := mk("a@example.test"), mk("b@example.test"), mk("c@example.test")
	if ok, err := s.CreateEarlyAccess(ctx, &berth.EarlyAccessRequest{Email: "a@example.test"}); err != nil || ok {
		t.Errorf("asking again while pending = %v, %v; want not queued, no error", ok, err)
	}
	user := func(email string) *berth.User {
		return &berth.User{Email: email, Name: "N", Role: berth.RoleUser, Status: berth.UserActive, PasswordHash: "h", PasswordChangeRequired: true}
	}
	if err := s.ApproveEarlyAccess(ctx, a.ID, "admin", user(a.Email), 1); err != nil {
		t.Fatal(err)
	}
	if err := s.ApproveEarlyAccess(ctx, b.ID, "admin", user(b.Email), 1); !errors.Is(err, berth.ErrCapacity) {
		t.Errorf("approval beyond capacity: %v, want ErrCapacity", err)
	}
	if _, err := s.UserByEmail(ctx, b.Email); !errors.Is(err, berth.ErrNotFound) {
		t.Errorf("a refused approval left an account: %v", err)
	}
	if err := s.ApproveEarlyAccess(ctx, a.ID, "admin", user("a2@example.test"), 0); !errors.Is(err, berth.ErrConflict) {
		t.Errorf("approving twice: %v, want ErrConflict", err)
	}
	if err := s.RejectEarlyAccess(ctx, c.ID, "admin", "not yet"); err != nil {
		t.Fatal(err)
	}
	got, err := s.EarlyAccess(ctx, a.ID)
	if err != nil || got.Status != berth.EarlyAccessApproved || got.UserID == "" || got.DecidedAt.IsZero() {
		t.Errorf("approved request = %+v, %v", got, err)
	}
	if u, err := s.UserByEmail(ctx, a.Email); err != nil || u.ID != got.UserID || !u.PasswordChangeRequired {
		t.Errorf("approved account = %+v, %v", u, err)
	}
	pending, total, err := s.ListEarlyAccess(ctx, berth.EarlyAccessPending, berth.Page{Number: 1, Size: 10})
	if err != nil || total != 1 || pending[0].ID != b.ID {
		t.Errorf("pending = %+v, %d, %v", pending, total, err)
	}
	if _, total, _ := s.ListEarlyAccess(ctx, "", berth.Page{Number: 1, Size: 10}); total != 3 {
		t.Errorf("all = %d, want 3", total)
	}
	// After a decision the address may ask again.
	if ok, err := s.CreateEarlyAccess(ctx, &berth.EarlyAccessRequest{Email: c.Email}); err != nil || !ok {
		t.Errorf("asking again after a rejection = %v, %v", ok, err)
	}
}

// testEarlyAccessCapacityRace approves eight requests at once under a
// capacity of three: exactly three accounts are made.
func testEarlyAccessCapacityRace(t *testing.T, s berth.Store) {
	ctx := t.Context()
	var reqs []*berth.EarlyAccessRequest
	for i := range 8 {
		r := &berth.EarlyAccessRequest{Email: fmt.Sprintf("race%d@example.test", i)}
		if _, err := s.CreateEarlyAccess(ctx, r); err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, r)
	}
	var ok, full atomic.Int32
	var wg sync.WaitGroup
	for _, r := range reqs {
		wg.Go(func() {
			err := s.ApproveEarlyAccess(ctx, r.ID, "admin", &berth.User{Email: r.Email, Name: "r", Role: berth.RoleUser,
				Status: berth.UserActive, PasswordHash: "h"}, 3)
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, berth.ErrCapacity):
				full.Add(1)
			default:
				t.Errorf("approve: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 3 || full.Load() != 5 {
		t.Errorf("approved %d, refused %d; want 3 and 5", ok.Load(), full.Load())
	}
}

// testFunctionQuotaRace creates 64 functions at once for one owner under
// a limit of 10: exactly 10 are created.
func testFunctionQuotaRace(t *testing.T, s berth.Store) {
	ctx := t.Context()
	owner := newUser(t, s)
	var made, refused atomic.Int32
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			f := &berth.Function{OwnerID: owner.ID, Name: fmt.Sprintf("fn-%d", i), Runtime: berth.RuntimeWasm,
				Settings: berth.FunctionSettings{MemoryMB: 128, TimeoutMS: 1000, MaxConcurrency: 1, Visibility: berth.VisibilityPrivate}}
			switch err := s.CreateFunctionWithin(ctx, f, 10); {
			case err == nil:
				made.Add(1)
			case errors.Is(err, berth.ErrQuota):
				refused.Add(1)
			default:
				t.Errorf("create: %v", err)
			}
		})
	}
	wg.Wait()
	n, err := s.CountOwnedFunctions(ctx, owner.ID)
	if made.Load() != 10 || refused.Load() != 54 || n != 10 || err != nil {
		t.Errorf("made %d, refused %d, counted %d (%v); want 10, 54, 10", made.Load(), refused.Load(), n, err)
	}
}

func testTemporaryPassword(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	if err := s.SetPassword(ctx, u.ID, "temp-hash", true); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.User(ctx, u.ID); !got.PasswordChangeRequired || got.PasswordHash != "temp-hash" {
		t.Errorf("after a temporary password: %+v", got)
	}
	if err := s.UpdatePasswordHash(ctx, u.ID, "rehashed"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.User(ctx, u.ID); !got.PasswordChangeRequired {
		t.Error("a rehash cleared the temporary mark")
	}
	if err := s.SetPassword(ctx, u.ID, "own-hash", false); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.User(ctx, u.ID); got.PasswordChangeRequired {
		t.Error("a changed password is still marked temporary")
	}
	if err := s.SetPassword(ctx, "00000000-0000-4000-8000-00000000dead", "x", false); !errors.Is(err, berth.ErrNotFound) {
		t.Errorf("SetPassword of no user: %v", err)
	}
}
