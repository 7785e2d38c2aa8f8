package manager_test

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/mail/mailtest"
)

type tempPassword struct {
	User struct {
		ID                     string `json:"id"`
		Email                  string `json:"email"`
		PasswordChangeRequired bool   `json:"password_change_required"`
		TierID                 string `json:"tier_id"`
		OrganizationID         string `json:"organization_id"`
	} `json:"user"`
	Password  string `json:"temporary_password"`
	Mailed    bool   `json:"mailed"`
	MailError string `json:"mail_error"`
}

type me struct {
	ID                     string   `json:"id"`
	PasswordChangeRequired bool     `json:"password_change_required"`
	FeatureRoles           []string `json:"feature_roles"`
	OwnRoles               []string `json:"own_feature_roles"`
	Groups                 []string `json:"groups"`
	Tier                   struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"tier"`
	Organization *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"organization"`
}

type tier struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	Limits       map[string]int `json:"limits"`
	FeatureRoles []string       `json:"feature_roles"`
	Default      bool           `json:"default"`
	BuiltIn      bool           `json:"built_in"`
	Users        *int           `json:"users"`
}

func post[T any](t *testing.T, c *client.Client, path string, body any) *T {
	t.Helper()
	var out T
	if err := c.Do(t.Context(), http.MethodPost, path, body, &out); err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return &out
}

func do(t *testing.T, c *client.Client, method, path string, body any) {
	t.Helper()
	if err := c.Do(t.Context(), method, path, body, nil); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
}

// TestAdminCreateUserTemporaryPassword: an admin creates an account; with
// no mail configured the temporary password comes back once; the account
// can sign in with it but do nothing except read itself, change the
// password and sign out; after the change it works. A new temporary
// password ends every session. An email of a deleted account is refused
// with a 409 that says so.
func TestAdminCreateUserTemporaryPassword(t *testing.T) {
	ts := startServer(t)
	ctx := t.Context()
	admin, _ := ts.login(ts.admin, ts.adminPW)

	created := post[tempPassword](t, admin, "/api/admin/users", map[string]any{"email": "Newcomer@Example.test", "name": "New Comer"})
	if created.Password == "" || created.Mailed || !created.User.PasswordChangeRequired || created.User.Email != "newcomer@example.test" {
		t.Fatalf("created: %+v", created)
	}
	user, tok := ts.login("newcomer@example.test", created.Password)
	if !tok.User.PasswordChangeRequired {
		t.Fatalf("the login answer does not say a change is required: %+v", tok.User)
	}
	for _, call := range []struct{ method, path string }{
		{http.MethodGet, "/api/functions"}, {http.MethodPost, "/api/keypairs"}, {http.MethodGet, "/api/users/me/preferences"},
		{http.MethodGet, "/api/graphql"}, {http.MethodGet, "/api/users/me/usage"},
	} {
		wantStatus(t, user.Do(ctx, call.method, call.path, nil, nil), http.StatusForbidden, "password-change-required")
	}
	if _, err := user.InitFunction(ctx, "blocked-until-changed", "wasm", ""); err == nil {
		t.Fatal("a temporary password created a function")
	}
	if m := get[me](t, user, "/api/users/me"); !m.PasswordChangeRequired {
		t.Fatalf("/api/users/me: %+v", m)
	}
	newPW := "my own long password " + strconv.Itoa(int(time.Now().UnixNano()%1000))
	do(t, user, http.MethodPatch, "/api/users/me", map[string]any{"password": newPW, "current_password": created.Password})
	user, tok = ts.login("newcomer@example.test", newPW)
	if tok.User.PasswordChangeRequired {
		t.Fatal("still marked after the change")
	}
	if _, err := user.Functions(ctx, client.ListOptions{}); err != nil {
		t.Fatalf("after the change: %v", err)
	}

	// A new temporary password ends what the account is signed in with.
	again := post[tempPassword](t, admin, "/api/admin/users/"+created.User.ID+"/temporary-password", nil)
	if again.Password == "" || again.Password == created.Password {
		t.Fatalf("temporary password: %+v", again)
	}
	wantStatus(t, user.Do(ctx, http.MethodGet, "/api/users/me", nil, nil), http.StatusUnauthorized, "unauthorized")
	if _, err := ts.anon().Login(ctx, "newcomer@example.test", newPW); err == nil {
		t.Fatal("the old password still signs in")
	}
	_, tok = ts.login("newcomer@example.test", again.Password)
	if !tok.User.PasswordChangeRequired {
		t.Fatal("the new temporary password is not marked")
	}

	// Guards and bad input.
	self := get[me](t, admin, "/api/users/me")
	wantStatus(t, admin.Do(ctx, http.MethodPost, "/api/admin/users/"+self.ID+"/temporary-password", nil, nil), http.StatusConflict, "conflict")
	wantStatus(t, admin.Do(ctx, http.MethodPost, "/api/admin/users", map[string]any{"email": "newcomer@example.test", "name": "Twin"}, nil),
		http.StatusConflict, "conflict")
	for _, bad := range []map[string]any{
		{"email": "not-an-email", "name": "X"},
		{"email": "a@example.test", "name": ""},
		{"email": "b@example.test", "name": "B", "role": "admin"},
		{"email": "c@example.test", "name": "C", "admin_role": "viewer"},
		{"email": "d@example.test", "name": "D", "tier_id": "00000000-0000-4000-8000-00000000ffff"},
		{"email": "e@example.test", "name": "E", "organization_id": "00000000-0000-4000-8000-00000000ffff"},
	} {
		wantStatus(t, admin.Do(ctx, http.MethodPost, "/api/admin/users", bad, nil), http.StatusUnprocessableEntity, "validation")
	}
	do(t, admin, http.MethodDelete, "/api/admin/users/"+created.User.ID, nil)
	ce := wantStatus(t, admin.Do(ctx, http.MethodPost, "/api/admin/users", map[string]any{"email": "newcomer@example.test", "name": "Again"}, nil),
		http.StatusConflict, "conflict")
	if !strings.Contains(ce.Detail, "deleted account") || !strings.Contains(ce.Detail, "restore") {
		t.Fatalf("the conflict does not say the address belongs to a deleted account: %q", ce.Detail)
	}
	// An admin-made admin gets its role.
	v := post[tempPassword](t, admin, "/api/admin/users", map[string]any{"email": "ro@example.test", "name": "RO", "role": "admin", "admin_role": "viewer"})
	if v.Password == "" {
		t.Fatal("no password for the viewer")
	}
	ro, _ := ts.login("ro@example.test", v.Password)
	wantStatus(t, ro.Do(ctx, http.MethodGet, "/api/admin/users", nil, nil), http.StatusForbidden, "password-change-required")
}

// TestAdminRoutesRefused: every admin route refuses users (403), and every
// admin write refuses viewers (403), as the OpenAPI document lists them.
func TestAdminRoutesRefused(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	_, _, user := ts.newUser()
	view := viewer(t, ts)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.url+"/api/openapi.json", nil)
	status, _, body := ts.raw(req)
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &doc) != nil {
		t.Fatalf("openapi: %d", status)
	}
	id := "00000000-0000-4000-8000-0000000000aa"
	n := 0
	for path, ops := range doc.Paths {
		if !strings.HasPrefix(path, "/api/admin/") {
			continue
		}
		p := path
		for _, param := range []string{"{id}", "{user_id}", "{session}"} {
			p = strings.ReplaceAll(p, param, id)
		}
		p = strings.ReplaceAll(p, "{role}", "containers")
		for method := range ops {
			method = strings.ToUpper(method)
			var body any
			if method != http.MethodGet && method != http.MethodDelete {
				body = map[string]any{}
			}
			wantStatus(t, user.Do(ctx, method, p, body, nil), http.StatusForbidden, "forbidden")
			if method != http.MethodGet { // every admin write is for full admins
				wantStatus(t, view.Do(ctx, method, p, body, nil), http.StatusForbidden, "forbidden")
			}
			n++
		}
	}
	if n < 40 {
		t.Fatalf("only %d admin operations found", n)
	}
}

// TestTiersAndQuotas: tier CRUD with its guards, and each limit enforced
// where it happens.
func TestTiersAndQuotas(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	admin, _ := ts.login(ts.admin, ts.adminPW)
	ownerEmail, ownerPW, owner := ts.newUser()
	ownerID := get[me](t, owner, "/api/users/me").ID

	list := get[struct{ Items []tier }](t, admin, "/api/admin/tiers")
	if len(list.Items) != 1 || !list.Items[0].BuiltIn || !list.Items[0].Default || list.Items[0].ID != berth.DefaultTierID {
		t.Fatalf("tiers at start: %+v", list.Items)
	}
	for _, bad := range []map[string]any{
		{"name": "neg", "limits": map[string]any{"max_functions": -1}},
		{"name": "absurd", "limits": map[string]any{"max_memory_mb": 1 << 40}},
		{"name": "", "limits": map[string]any{}},
		{"name": "role", "feature_roles": []string{"root"}},
	} {
		wantStatus(t, admin.Do(ctx, http.MethodPost, "/api/admin/tiers", bad, nil), http.StatusUnprocessableEntity, "validation")
	}
	small := post[tier](t, admin, "/api/admin/tiers", map[string]any{"name": "Small", "limits": map[string]any{
		"max_functions": 2, "max_invocations_per_day": 3, "max_memory_mb": 64, "max_timeout_ms": 2000, "max_artefact_bytes": 1000}})
	wantStatus(t, admin.Do(ctx, http.MethodPost, "/api/admin/tiers", map[string]any{"name": "SMALL"}, nil), http.StatusConflict, "conflict")
	do(t, admin, http.MethodPatch, "/api/admin/users/"+ownerID, map[string]any{"tier_id": small.ID})

	m := get[me](t, owner, "/api/users/me")
	if m.Tier.ID != small.ID || len(m.FeatureRoles) != 0 {
		t.Fatalf("on the small tier (no feature roles): %+v", m)
	}
	// Functions per owner.
	a, err := owner.InitFunction(ctx, "one", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.InitFunction(ctx, "two", "wasm", ""); err != nil {
		t.Fatal(err)
	}
	ce := wantStatus(t, func() error { _, err := owner.InitFunction(ctx, "three", "wasm", ""); return err }(), http.StatusForbidden, "quota-exceeded")
	if !strings.Contains(ce.Detail, "max_functions") {
		t.Fatalf("the refusal does not name the limit: %q", ce.Detail)
	}
	// Ceilings and the public-functions role.
	ce = wantStatus(t, func() error {
		_, err := owner.UpdateFunction(ctx, a.ID, client.SettingsPatch{MemoryMB: intp(128)})
		return err
	}(),
		http.StatusUnprocessableEntity, "validation")
	if !strings.Contains(ce.Detail, "max_memory_mb") {
		t.Fatalf("memory ceiling: %q", ce.Detail)
	}
	wantStatus(t, func() error {
		_, err := owner.UpdateFunction(ctx, a.ID, client.SettingsPatch{TimeoutMS: intp(5000)})
		return err
	}(),
		http.StatusUnprocessableEntity, "validation")
	public := "public"
	wantStatus(t, func() error {
		_, err := owner.UpdateFunction(ctx, a.ID, client.SettingsPatch{Visibility: &public})
		return err
	}(),
		http.StatusForbidden, "feature-role-required")
	do(t, admin, http.MethodPut, "/api/admin/users/"+ownerID+"/feature-roles/public-functions", nil)
	if _, err := owner.UpdateFunction(ctx, a.ID, client.SettingsPatch{Visibility: &public, MemoryMB: intp(64)}); err != nil {
		t.Fatalf("with the role granted: %v", err)
	}
	if m := get[me](t, owner, "/api/users/me"); strings.Join(m.FeatureRoles, ",") != "public-functions" || strings.Join(m.OwnRoles, ",") != "public-functions" {
		t.Fatalf("after the grant: %+v", m)
	}
	// Artefact size.
	ce = wantStatus(t, func() error { _, err := owner.Deploy(ctx, a.ID, "application/wasm", module(t, "echo")); return err }(),
		http.StatusRequestEntityTooLarge, "body-too-large")
	if !strings.Contains(ce.Detail, "max_artefact_bytes") {
		t.Fatalf("artefact limit: %q", ce.Detail)
	}
	do(t, admin, http.MethodPatch, "/api/admin/tiers/"+small.ID, map[string]any{"limits": map[string]any{
		"max_functions": 2, "max_invocations_per_day": 3, "max_memory_mb": 64, "max_timeout_ms": 2000}})
	if _, err := owner.Deploy(ctx, a.ID, "application/wasm", module(t, "echo")); err != nil {
		t.Fatalf("deploy once the artefact limit is lifted: %v", err)
	}
	// Invocations per day: three, then 429 until midnight UTC.
	for i := range 3 {
		if _, err := owner.Invoke(ctx, a.ID, nil, nil); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	ce = wantStatus(t, func() error { _, err := owner.Invoke(ctx, a.ID, nil, nil); return err }(), http.StatusTooManyRequests, "quota-exceeded")
	if ce.RetryAfter < time.Second || ce.RetryAfter > 24*time.Hour {
		t.Fatalf("Retry-After %v", ce.RetryAfter)
	}
	// A public call counts against the owner too.
	wantStatus(t, func() error { _, err := ts.anon().Invoke(ctx, a.ID, nil, nil); return err }(), http.StatusTooManyRequests, "quota-exceeded")
	type usageBody struct {
		Tier struct {
			ID string `json:"id"`
		} `json:"tier"`
		Limits []struct {
			Limit string `json:"limit"`
			Max   int64  `json:"max"`
			Used  *int64 `json:"used"`
		} `json:"limits"`
		ResetsAt time.Time `json:"resets_at"`
	}
	// The owner sees its use, and an admin sees the same on the account.
	for _, u := range []struct {
		c    *client.Client
		path string
	}{{owner, "/api/users/me/usage"}, {admin, "/api/admin/users/" + ownerID + "/usage"}} {
		usage := get[usageBody](t, u.c, u.path)
		used := map[string]int64{}
		for _, l := range usage.Limits {
			if l.Used != nil {
				used[l.Limit] = *l.Used
			}
		}
		midnight := ts.clock.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
		if usage.Tier.ID != small.ID || used["max_functions"] != 2 || used["max_invocations_per_day"] != 3 || !usage.ResetsAt.Equal(midnight) {
			t.Fatalf("%s: %+v", u.path, usage)
		}
	}
	wantStatus(t, owner.Do(ctx, http.MethodGet, "/api/admin/users/"+ownerID+"/usage", nil, nil), http.StatusForbidden, "forbidden")
	// The next UTC day renews it.
	ts.clock.Advance(untilNextDay(ts.clock.Now()))
	owner, _ = ts.login(ownerEmail, ownerPW)
	admin, _ = ts.login(ts.admin, ts.adminPW)
	if _, err := owner.Invoke(ctx, a.ID, nil, nil); err != nil {
		t.Fatalf("the next day: %v", err)
	}

	// A tier in use, the built-in tier and the default tier stay.
	wantStatus(t, admin.Do(ctx, http.MethodDelete, "/api/admin/tiers/"+small.ID, nil, nil), http.StatusConflict, "conflict")
	wantStatus(t, admin.Do(ctx, http.MethodDelete, "/api/admin/tiers/"+berth.DefaultTierID, nil, nil), http.StatusConflict, "conflict")
	one := get[tier](t, admin, "/api/admin/tiers/"+small.ID)
	if one.Users == nil || *one.Users != 1 {
		t.Fatalf("use of the small tier: %+v", one)
	}
	do(t, admin, http.MethodPatch, "/api/admin/settings", map[string]any{"default_tier_id": small.ID})
	do(t, admin, http.MethodPatch, "/api/admin/users/"+ownerID, map[string]any{"tier_id": ""})
	if m := get[me](t, owner, "/api/users/me"); m.Tier.ID != small.ID {
		t.Fatalf("the default tier does not cover an account without one: %+v", m.Tier)
	}
	wantStatus(t, admin.Do(ctx, http.MethodDelete, "/api/admin/tiers/"+small.ID, nil, nil), http.StatusConflict, "conflict")
	do(t, admin, http.MethodPatch, "/api/admin/settings", map[string]any{"default_tier_id": ""})
	do(t, admin, http.MethodDelete, "/api/admin/tiers/"+small.ID, nil)
	wantStatus(t, admin.Do(ctx, http.MethodGet, "/api/admin/tiers/"+small.ID, nil, nil), http.StatusNotFound, "not-found")
}

func untilNextDay(now time.Time) time.Duration {
	now = now.UTC()
	return now.Truncate(24 * time.Hour).Add(24*time.Hour + time.Minute).Sub(now)
}

// TestQuotaConcurrentCallsAndAPIRate: calls running at once per owner, and
// API requests per second per account.
func TestQuotaConcurrentCallsAndAPIRate(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	admin, _ := ts.login(ts.admin, ts.adminPW)
	_, _, owner := ts.newUser()
	ownerID := get[me](t, owner, "/api/users/me").ID
	f, err := owner.InitFunction(ctx, "sleepy", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.UpdateFunction(ctx, f.ID, client.SettingsPatch{TimeoutMS: intp(3000)}); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Deploy(ctx, f.ID, "application/wasm", module(t, "sleepexit")); err != nil {
		t.Fatal(err)
	}
	one := post[tier](t, admin, "/api/admin/tiers", map[string]any{"name": "one-at-a-time", "limits": map[string]any{"max_concurrent_calls": 1}})
	do(t, admin, http.MethodPatch, "/api/admin/users/"+ownerID, map[string]any{"tier_id": one.ID})
	// Three calls at once: the first admitted runs until its 3 s timeout,
	// which leaves the others ample time to arrive and be refused.
	var wg sync.WaitGroup
	var mu sync.Mutex
	outcomes := map[int]int{}
	for range 3 {
		wg.Go(func() {
			_, err := owner.Invoke(ctx, f.ID, nil, nil)
			var ce *client.Error
			if !errors.As(err, &ce) {
				t.Errorf("a call answered %v", err)
				return
			}
			if ce.Status == http.StatusTooManyRequests && !strings.Contains(ce.Detail, "max_concurrent_calls") {
				t.Errorf("429 not naming the limit: %q", ce.Detail)
			}
			mu.Lock()
			outcomes[ce.Status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if outcomes[http.StatusGatewayTimeout] != 1 || outcomes[http.StatusTooManyRequests] != 2 {
		t.Fatalf("three calls at a limit of one: %v", outcomes)
	}

	rate := post[tier](t, admin, "/api/admin/tiers", map[string]any{"name": "slow-api", "limits": map[string]any{"api_requests_per_second": 2}})
	do(t, admin, http.MethodPatch, "/api/admin/users/"+ownerID, map[string]any{"tier_id": rate.ID})
	refused := 0
	for range 10 {
		if err := owner.Do(ctx, http.MethodGet, "/api/functions", nil, nil); err != nil {
			wantStatus(t, err, http.StatusTooManyRequests, "quota-exceeded")
			refused++
		}
	}
	if refused < 5 {
		t.Fatalf("%d of 10 quick requests refused at 2 per second", refused)
	}
}

// TestGroupsAndOrganizations: CRUD with unique names, members, what the
// account sees of them, an organisation's tier covering its members and
// its owners listing them.
func TestGroupsAndOrganizations(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	admin, _ := ts.login(ts.admin, ts.adminPW)
	_, _, alice := ts.newUser()
	_, _, bob := ts.newUser()
	aliceID, bobID := get[me](t, alice, "/api/users/me").ID, get[me](t, bob, "/api/users/me").ID

	type group struct {
		ID      string `json:"id"`
		Members int    `json:"members"`
		Users   struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			Total int `json:"total"`
		} `json:"users"`
	}
	ops := post[group](t, admin, "/api/admin/groups", map[string]any{"name": "ops", "description": "Operators"})
	wantStatus(t, admin.Do(ctx, http.MethodPost, "/api/admin/groups", map[string]any{"name": "OPS"}, nil), http.StatusConflict, "conflict")
	for _, bad := range []string{"a,b", `"quoted"`, "-lead", ""} {
		wantStatus(t, admin.Do(ctx, http.MethodPost, "/api/admin/groups", map[string]any{"name": bad}, nil), http.StatusUnprocessableEntity, "validation")
	}
	do(t, admin, http.MethodPut, "/api/admin/groups/"+ops.ID+"/members/"+aliceID, nil)
	wantStatus(t, admin.Do(ctx, http.MethodPut, "/api/admin/groups/"+ops.ID+"/members/"+aliceID, nil, nil), http.StatusConflict, "conflict")
	wantStatus(t, admin.Do(ctx, http.MethodPut, "/api/admin/groups/"+ops.ID+"/members/00000000-0000-4000-8000-0000000000bb", nil, nil),
		http.StatusNotFound, "not-found")
	if g := get[group](t, admin, "/api/admin/groups/"+ops.ID); g.Members != 1 || g.Users.Total != 1 || g.Users.Items[0].ID != aliceID {
		t.Fatalf("group: %+v", g)
	}
	if m := get[me](t, alice, "/api/users/me"); strings.Join(m.Groups, ",") != "ops" {
		t.Fatalf("alice's groups: %+v", m.Groups)
	}
	if l := get[userPage](t, admin, "/api/admin/users?group_id="+ops.ID); l.Total != 1 {
		t.Fatalf("users of the group: %+v", l)
	}
	do(t, admin, http.MethodPatch, "/api/admin/groups/"+ops.ID, map[string]any{"name": "operators"})
	if m := get[me](t, alice, "/api/users/me"); strings.Join(m.Groups, ",") != "operators" {
		t.Fatalf("after the rename: %+v", m.Groups)
	}
	do(t, admin, http.MethodDelete, "/api/admin/groups/"+ops.ID+"/members/"+aliceID, nil)
	wantStatus(t, admin.Do(ctx, http.MethodDelete, "/api/admin/groups/"+ops.ID+"/members/"+aliceID, nil, nil), http.StatusNotFound, "not-found")
	do(t, admin, http.MethodDelete, "/api/admin/groups/"+ops.ID, nil)

	type org struct {
		ID      string `json:"id"`
		Members int    `json:"members"`
	}
	big := post[tier](t, admin, "/api/admin/tiers", map[string]any{"name": "big", "feature_roles": []string{"containers", "public-functions"}})
	acme := post[org](t, admin, "/api/admin/organizations", map[string]any{"name": "Acme", "tier_id": big.ID})
	wantStatus(t, admin.Do(ctx, http.MethodPost, "/api/admin/organizations", map[string]any{"name": "acme"}, nil), http.StatusConflict, "conflict")
	other := post[org](t, admin, "/api/admin/organizations", map[string]any{"name": "Other"})
	do(t, admin, http.MethodPut, "/api/admin/organizations/"+acme.ID+"/members/"+aliceID, map[string]any{"role": "owner"})
	do(t, admin, http.MethodPut, "/api/admin/organizations/"+acme.ID+"/members/"+bobID, map[string]any{"role": "member"})
	wantStatus(t, admin.Do(ctx, http.MethodPut, "/api/admin/organizations/"+acme.ID+"/members/"+bobID, map[string]any{"role": "member"}, nil),
		http.StatusConflict, "conflict")
	wantStatus(t, admin.Do(ctx, http.MethodPut, "/api/admin/organizations/"+other.ID+"/members/"+bobID, map[string]any{"role": "member"}, nil),
		http.StatusConflict, "conflict")
	if m := get[me](t, bob, "/api/users/me"); m.Tier.ID != big.ID || strings.Join(m.FeatureRoles, ",") != "containers,public-functions" ||
		m.Organization == nil || m.Organization.ID != acme.ID || m.Organization.Name != "Acme" {
		t.Fatalf("the organisation's tier does not cover bob: %+v", m)
	}
	// A function bob shares with the organisation: alice (an owner) may
	// change it, carol (a member) read and call it, an outsider nothing.
	_, _, carol := ts.newUser()
	do(t, admin, http.MethodPut, "/api/admin/organizations/"+acme.ID+"/members/"+get[me](t, carol, "/api/users/me").ID, map[string]any{"role": "member"})
	_, _, outsider := ts.newUser()
	fn, err := bob.InitFunction(ctx, "team-fn", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Deploy(ctx, fn.ID, "application/wasm", module(t, "echo")); err != nil {
		t.Fatal(err)
	}
	shared := "organization"
	if _, err := bob.UpdateFunction(ctx, fn.ID, client.SettingsPatch{Visibility: &shared}); err != nil {
		t.Fatal(err)
	}
	if _, err := carol.Invoke(ctx, fn.ID, []byte("hi"), nil); err != nil {
		t.Fatalf("a member calls a shared function: %v", err)
	}
	if l, err := carol.Functions(ctx, client.ListOptions{}); err != nil || l.Total != 1 || l.Items[0].ID != fn.ID {
		t.Fatalf("a member's list: %+v, %v", l, err)
	}
	desc := "changed by an organisation owner"
	wantStatus(t, func() error {
		_, err := carol.UpdateFunction(ctx, fn.ID, client.SettingsPatch{Description: &desc})
		return err
	}(),
		http.StatusForbidden, "forbidden")
	if _, err := alice.UpdateFunction(ctx, fn.ID, client.SettingsPatch{Description: &desc}); err != nil {
		t.Fatalf("an organisation owner changes a shared function: %v", err)
	}
	wantStatus(t, func() error { _, err := outsider.Function(ctx, fn.ID); return err }(), http.StatusNotFound, "not-found")
	wantStatus(t, func() error { _, err := outsider.Invoke(ctx, fn.ID, nil, nil); return err }(), http.StatusNotFound, "not-found")
	do(t, admin, http.MethodDelete, "/api/admin/organizations/"+acme.ID+"/members/"+get[me](t, carol, "/api/users/me").ID, nil)
	wantStatus(t, func() error { _, err := carol.Invoke(ctx, fn.ID, nil, nil); return err }(), http.StatusNotFound, "not-found")

	members := get[userPage](t, alice, "/api/organizations/"+acme.ID+"/members")
	if members.Total != 2 {
		t.Fatalf("the owner lists %d members", members.Total)
	}
	wantStatus(t, bob.Do(ctx, http.MethodGet, "/api/organizations/"+acme.ID+"/members", nil, nil), http.StatusNotFound, "not-found")
	wantStatus(t, admin.Do(ctx, http.MethodDelete, "/api/admin/organizations/"+acme.ID, nil, nil), http.StatusConflict, "conflict")
	wantStatus(t, admin.Do(ctx, http.MethodDelete, "/api/admin/tiers/"+big.ID, nil, nil), http.StatusConflict, "conflict")
	do(t, admin, http.MethodDelete, "/api/admin/organizations/"+acme.ID+"/members/"+aliceID, nil)
	do(t, admin, http.MethodDelete, "/api/admin/organizations/"+acme.ID+"/members/"+bobID, nil)
	do(t, admin, http.MethodDelete, "/api/admin/organizations/"+acme.ID, nil)
	if l := get[struct {
		Total int `json:"total"`
	}](t, admin, "/api/admin/organizations"); l.Total != 1 {
		t.Fatalf("organisations left: %d", l.Total)
	}
}

// TestSettingsAndEarlyAccess: registration modes, early-access requests
// with the same answer for known addresses, approval up to the capacity,
// rejection, and a masked SMTP password.
func TestSettingsAndEarlyAccess(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	admin, _ := ts.login(ts.admin, ts.adminPW)
	type settings struct {
		RegistrationMode    string `json:"registration_mode"`
		EarlyAccessCapacity int    `json:"early_access_capacity"`
		Mail                struct {
			SMTPHost     string `json:"smtp_host"`
			SMTPPassword string `json:"smtp_password"`
			Configured   bool   `json:"configured"`
		} `json:"mail"`
	}
	if s := get[settings](t, admin, "/api/admin/settings"); s.RegistrationMode != "open" || s.Mail.Configured {
		t.Fatalf("defaults with auth.allow_registration: %+v", s)
	}
	register := func(email string) error {
		return ts.anon().Do(ctx, http.MethodPost, "/api/auth/register", map[string]any{"email": email, "name": "R", "password": "a long enough password 9"}, nil)
	}
	ask := func(email string) {
		t.Helper()
		var out struct {
			Status string `json:"status"`
		}
		if err := ts.anon().Do(ctx, http.MethodPost, "/api/early-access", map[string]any{"email": email, "name": "Asker", "reason": "testing"}, &out); err != nil || out.Status != "received" {
			t.Fatalf("early access for %s: %+v, %v", email, out, err)
		}
	}
	wantStatus(t, ts.anon().Do(ctx, http.MethodPost, "/api/early-access", map[string]any{"email": "x@example.test", "name": "X"}, nil),
		http.StatusForbidden, "registration-disabled")

	do(t, admin, http.MethodPatch, "/api/admin/settings", map[string]any{"registration_mode": "early_access", "early_access_capacity": 1})
	wantStatus(t, register("r1@example.test"), http.StatusForbidden, "registration-disabled")
	ask("first@example.test")
	ask("second@example.test")
	ask("first@example.test") // pending already: the same answer
	ask(ts.admin)             // an account: the same answer, nothing queued
	type early struct {
		Items []struct {
			ID     string `json:"id"`
			Email  string `json:"email"`
			Status string `json:"status"`
		} `json:"items"`
		Total int `json:"total"`
	}
	pending := get[early](t, admin, "/api/admin/early-access?status=pending")
	if pending.Total != 2 || pending.Items[0].Email != "first@example.test" {
		t.Fatalf("pending: %+v", pending)
	}
	approved := post[struct {
		Request struct {
			Status string `json:"status"`
			UserID string `json:"user_id"`
		} `json:"request"`
		Password string `json:"temporary_password"`
	}](t, admin, "/api/admin/early-access/"+pending.Items[0].ID+"/approve", nil)
	if approved.Request.Status != "approved" || approved.Password == "" {
		t.Fatalf("approved: %+v", approved)
	}
	if _, tok := ts.login("first@example.test", approved.Password); !tok.User.PasswordChangeRequired {
		t.Fatal("an approved account's password is not temporary")
	}
	ce := wantStatus(t, admin.Do(ctx, http.MethodPost, "/api/admin/early-access/"+pending.Items[1].ID+"/approve", nil, nil), http.StatusConflict, "conflict")
	if !strings.Contains(ce.Detail, "capacity") {
		t.Fatalf("beyond capacity: %q", ce.Detail)
	}
	wantStatus(t, admin.Do(ctx, http.MethodPost, "/api/admin/early-access/"+pending.Items[0].ID+"/approve", nil, nil), http.StatusConflict, "conflict")
	wantStatus(t, admin.Do(ctx, http.MethodPost, "/api/admin/early-access/"+pending.Items[1].ID+"/reject", map[string]any{"reason": ""}, nil),
		http.StatusUnprocessableEntity, "validation")
	do(t, admin, http.MethodPost, "/api/admin/early-access/"+pending.Items[1].ID+"/reject", map[string]any{"reason": "not yet"})
	if l := get[early](t, admin, "/api/admin/early-access?status=rejected"); l.Total != 1 {
		t.Fatalf("rejected: %+v", l)
	}

	for _, mode := range []string{"closed", "invite"} {
		do(t, admin, http.MethodPatch, "/api/admin/settings", map[string]any{"registration_mode": mode})
		wantStatus(t, register("r-"+mode+"@example.test"), http.StatusForbidden, "registration-disabled")
		wantStatus(t, ts.anon().Do(ctx, http.MethodPost, "/api/early-access", map[string]any{"email": "y@example.test", "name": "Y"}, nil),
			http.StatusForbidden, "registration-disabled")
	}
	do(t, admin, http.MethodPatch, "/api/admin/settings", map[string]any{"registration_mode": "open"})
	if err := register("r-open@example.test"); err != nil {
		t.Fatalf("register when open again: %v", err)
	}

	// Mail: validated, the password write-only.
	for _, bad := range []map[string]any{
		{"mail": map[string]any{"smtp_host": "smtp://x"}},
		{"mail": map[string]any{"from": "nobody"}},
		{"mail": map[string]any{"smtp_port": 70000}},
		{"early_access_capacity": -1},
		{"default_tier_id": "00000000-0000-4000-8000-00000000ffff"},
		{"registration_mode": "sometimes"},
	} {
		wantStatus(t, admin.Do(ctx, http.MethodPatch, "/api/admin/settings", bad, nil), http.StatusUnprocessableEntity, "validation")
	}
	var s settings
	if err := admin.Do(ctx, http.MethodPatch, "/api/admin/settings", map[string]any{"mail": map[string]any{
		"smtp_host": "127.0.0.1", "smtp_port": 1, "from": "berth@example.test", "smtp_password": "s3cret-smtp"}}, &s); err != nil {
		t.Fatal(err)
	}
	if s.Mail.SMTPPassword != "********" || !s.Mail.Configured {
		t.Fatalf("mail settings read back: %+v", s.Mail)
	}
	do(t, admin, http.MethodPatch, "/api/admin/settings", map[string]any{"mail": map[string]any{"smtp_password": "********", "smtp_port": 2}})
	if got := get[settings](t, admin, "/api/admin/settings"); got.Mail.SMTPPassword != "********" {
		t.Fatalf("the masked value did not keep the password: %+v", got.Mail)
	}
	if strings.Contains(ts.logs.String(), "s3cret-smtp") {
		t.Fatal("the SMTP password is in the log")
	}
	audit := get[struct {
		Items []struct {
			Action string `json:"action"`
			Detail string `json:"detail"`
		} `json:"items"`
	}](t, admin, "/api/admin/audit?action=admin.settings_update")
	if len(audit.Items) < 5 {
		t.Fatalf("%d settings changes audited", len(audit.Items))
	}
	for _, e := range audit.Items {
		if strings.Contains(e.Detail, "s3cret") {
			t.Fatalf("the audit holds the secret: %q", e.Detail)
		}
	}
}

// grant gives the account signed in as c a feature role of its own.
func (ts *testServer) grant(t *testing.T, c *client.Client, role string) {
	t.Helper()
	admin, _ := ts.login(ts.admin, ts.adminPW)
	do(t, admin, http.MethodPut, "/api/admin/users/"+get[me](t, c, "/api/users/me").ID+"/feature-roles/"+role, nil)
}

// TestGraphQLAdminQueries: admins read accounts, organisations, tiers and
// groups through GraphQL; anyone else is refused.
func TestGraphQLAdminQueries(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	admin, _ := ts.login(ts.admin, ts.adminPW)
	_, _, user := ts.newUser()
	post[struct{}](t, admin, "/api/admin/groups", map[string]any{"name": "gql-group"})
	post[struct{}](t, admin, "/api/admin/organizations", map[string]any{"name": "gql-org"})
	type answer struct {
		Data struct {
			Users struct {
				Total int `json:"total"`
				Items []struct {
					Email string `json:"email"`
				} `json:"items"`
			} `json:"users"`
			Organizations struct {
				Items []struct {
					Name string `json:"name"`
				} `json:"items"`
			} `json:"organizations"`
			Tiers []struct {
				ID     string         `json:"id"`
				Limits map[string]int `json:"limits"`
			} `json:"tiers"`
			Groups []struct {
				Name string `json:"name"`
			} `json:"groups"`
		} `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	q := `{ users(perPage: 5) { total items { email } } organizations { items { name } } tiers { id limits { maxFunctions } } groups { name } }`
	var a answer
	if err := admin.Do(ctx, http.MethodPost, "/api/graphql", map[string]any{"query": q}, &a); err != nil || len(a.Errors) > 0 {
		t.Fatalf("admin: %v %+v", err, a.Errors)
	}
	if a.Data.Users.Total != 2 || len(a.Data.Tiers) != 1 || a.Data.Tiers[0].ID != berth.DefaultTierID ||
		len(a.Data.Groups) != 1 || a.Data.Groups[0].Name != "gql-group" || len(a.Data.Organizations.Items) != 1 {
		t.Fatalf("admin answer: %+v", a.Data)
	}
	for _, q := range []string{`{ users { total } }`, `{ tiers { id } }`, `{ groups { name } }`, `{ organizations { total } }`} {
		var u answer
		if err := user.Do(ctx, http.MethodPost, "/api/graphql", map[string]any{"query": q}, &u); err != nil {
			t.Fatal(err)
		}
		if len(u.Errors) != 1 || u.Errors[0].Message != "this query is for administrators" {
			t.Fatalf("a user's %s: %+v", q, u.Errors)
		}
	}
	var bad answer
	if err := admin.Do(ctx, http.MethodPost, "/api/graphql", map[string]any{"query": `{ users(tierId: "x") { total } }`}, &bad); err != nil {
		t.Fatal(err)
	}
	if len(bad.Errors) != 1 || !strings.Contains(bad.Errors[0].Message, "tierId") {
		t.Fatalf("a bad filter: %+v", bad.Errors)
	}
}

// TestSystemLogsAndAuditTrail: admins read log lines across functions,
// filtered by owner, level and text; the audit trail of one account has
// what it did and what was done to it.
func TestSystemLogsAndAuditTrail(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	admin, _ := ts.login(ts.admin, ts.adminPW)
	view := viewer(t, ts)
	aliceEmail, _, alice := ts.newUser()
	_, _, bob := ts.newUser()
	echo, err := alice.InitFunction(ctx, "talker", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Deploy(ctx, echo.ID, "application/wasm", module(t, "echo")); err != nil {
		t.Fatal(err)
	}
	failing, err := bob.InitFunction(ctx, "failer", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Deploy(ctx, failing.ID, "application/wasm", module(t, "exit3")); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := alice.Invoke(ctx, echo.ID, []byte("x"), nil); err != nil {
			t.Fatal(err)
		}
		_, _ = bob.Invoke(ctx, failing.ID, nil, nil)
	}
	type logs struct {
		Lines []struct {
			FunctionID string `json:"function_id"`
			Line       string `json:"line"`
		} `json:"lines"`
	}
	fnsOf := func(l *logs) map[string]int {
		out := map[string]int{}
		for _, x := range l.Lines {
			out[x.FunctionID]++
		}
		return out
	}
	waitFor(t, func() bool {
		var l logs
		return admin.Do(ctx, http.MethodGet, "/api/admin/logs", nil, &l) == nil && fnsOf(&l)[echo.ID] == 2 && fnsOf(&l)[failing.ID] == 2
	})
	if l := get[logs](t, view, "/api/admin/logs?user="+aliceEmail); len(fnsOf(l)) != 1 || fnsOf(l)[echo.ID] != 2 {
		t.Fatalf("alice's lines: %+v", l.Lines)
	}
	if l := get[logs](t, admin, "/api/admin/logs?level=error"); len(fnsOf(l)) != 1 || fnsOf(l)[failing.ID] != 2 {
		t.Fatalf("lines of failed executions: %+v", l.Lines)
	}
	if l := get[logs](t, admin, "/api/admin/logs?q=EXITING+WITH"); len(l.Lines) != 2 || !strings.Contains(l.Lines[0].Line, "exiting with status 3") {
		t.Fatalf("text search: %+v", l.Lines)
	}
	if l := get[logs](t, admin, "/api/admin/logs?function_id="+echo.ID+"&limit=1"); len(l.Lines) != 1 {
		t.Fatalf("one function, one line: %+v", l.Lines)
	}
	for _, bad := range []string{"level=debug", "limit=0", "since=yesterday", "function_id=x", "user=nobody"} {
		wantStatus(t, admin.Do(ctx, http.MethodGet, "/api/admin/logs?"+bad, nil, nil), http.StatusUnprocessableEntity, "validation")
	}
	wantStatus(t, alice.Do(ctx, http.MethodGet, "/api/admin/logs", nil, nil), http.StatusForbidden, "forbidden")

	// The trail of bob: his own actions and the admin's block of him.
	bobID := get[me](t, bob, "/api/users/me").ID
	do(t, admin, http.MethodPost, "/api/admin/users/"+bobID+"/block", map[string]any{"reason": "test"})
	trail := get[struct {
		Items []struct {
			Action  string `json:"action"`
			ActorID string `json:"actor_id"`
			Target  string `json:"target"`
		} `json:"items"`
	}](t, admin, "/api/admin/audit?subject="+bobID)
	var byBob, aboutBob bool
	for _, e := range trail.Items {
		byBob = byBob || e.ActorID == bobID
		aboutBob = aboutBob || (e.Target == bobID && e.Action == "admin.user_block")
	}
	if !byBob || !aboutBob {
		t.Fatalf("bob's trail: %+v", trail.Items)
	}
	if only := get[struct {
		Total int `json:"total"`
	}](t, admin, "/api/admin/audit?target="+bobID); only.Total != 1 {
		t.Fatalf("events about bob: %d", only.Total)
	}
}

// TestQuotaRaceAndTemporaryPasswordEverywhere: 64 function creations at
// once at a limit of 10 create exactly 10; an account with a temporary
// password is refused on every route but the three it needs.
func TestQuotaRaceAndTemporaryPasswordEverywhere(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	admin, _ := ts.login(ts.admin, ts.adminPW)
	_, _, owner := ts.newUser()
	ten := post[tier](t, admin, "/api/admin/tiers", map[string]any{"name": "ten", "limits": map[string]any{"max_functions": 10}})
	do(t, admin, http.MethodPatch, "/api/admin/users/"+get[me](t, owner, "/api/users/me").ID, map[string]any{"tier_id": ten.ID})
	var created, refused atomic.Int64
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			_, err := owner.InitFunction(ctx, "race-"+strconv.Itoa(i), "wasm", "")
			var ce *client.Error
			switch {
			case err == nil:
				created.Add(1)
			case errors.As(err, &ce) && ce.Status == http.StatusForbidden && strings.Contains(ce.Type, "quota-exceeded"):
				refused.Add(1)
			default:
				t.Errorf("creation %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if created.Load() != 10 || refused.Load() != 54 {
		t.Fatalf("64 creations at a limit of 10: %d created, %d refused", created.Load(), refused.Load())
	}

	tp := post[tempPassword](t, admin, "/api/admin/users", map[string]any{"email": "everywhere@example.test", "name": "T"})
	user, _ := ts.login("everywhere@example.test", tp.Password)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.url+"/api/openapi.json", nil)
	_, _, body := ts.raw(req)
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{"GET /api/users/me": true, "PATCH /api/users/me": true, "POST /api/auth/logout": true, "GET /api/auth/options": true}
	id := "00000000-0000-4000-8000-0000000000aa"
	n := 0
	for path, ops := range doc.Paths {
		if !strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/api/auth/") && path != "/api/auth/logout" ||
			path == "/api/early-access" || strings.Contains(path, "/invoke") {
			continue // public routes take no credential; an invocation answers as the function's caller
		}
		for method := range ops {
			method = strings.ToUpper(method)
			if allowed[method+" "+path] {
				continue
			}
			p := strings.NewReplacer("{id}", id, "{user_id}", id, "{session}", id, "{role}", "containers", "{access_key}", "BKX",
				"{key_id}", id, "{version}", "1", "{execution_id}", id).Replace(path)
			wantStatus(t, user.Do(ctx, method, p, nil, nil), http.StatusForbidden, "password-change-required")
			n++
		}
	}
	if n < 60 {
		t.Fatalf("only %d routes tried", n)
	}
}

// TestTemporaryPasswordByMail: with mail configured, a new account's
// temporary password goes to its address over SMTP (a real Mailpit) and
// not into the answer; a mail server that refuses makes the answer carry
// the password and why mailing failed, so no password is ever lost.
func TestTemporaryPasswordByMail(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := startServer(t)
	admin, _ := ts.login(ts.admin, ts.adminPW)
	do(t, admin, http.MethodPatch, "/api/admin/settings", map[string]any{"mail": map[string]any{
		"from": "berth@example.test", "smtp_host": smtp.SMTPHost, "smtp_port": smtp.SMTPPort, "smtp_security": "none"}})
	created := post[tempPassword](t, admin, "/api/admin/users", map[string]any{"email": "mailed@example.test", "name": "Mailed Person"})
	if !created.Mailed || created.Password != "" || created.MailError != "" {
		t.Fatalf("with mail configured: %+v", created)
	}
	got := smtp.WaitFor(t, "mailed@example.test", 10*time.Second)
	const marker = "Temporary password: "
	i := strings.Index(got.Text, marker)
	if i < 0 || got.Subject != "Your berth account" || !strings.Contains(got.Text, "Mailed Person") {
		t.Fatalf("the mail: %+v", got)
	}
	pw := strings.Fields(got.Text[i+len(marker):])[0]
	if _, tok := ts.login("mailed@example.test", pw); !tok.User.PasswordChangeRequired {
		t.Fatal("the mailed password does not sign in as a temporary one")
	}
	if strings.Contains(ts.logs.String(), pw) {
		t.Fatal("the temporary password is in the log")
	}

	// A mail server that is not there: the admin gets the password instead.
	do(t, admin, http.MethodPatch, "/api/admin/settings", map[string]any{"mail": map[string]any{"smtp_port": freePort(t)}})
	fallback := post[tempPassword](t, admin, "/api/admin/users", map[string]any{"email": "unmailed@example.test", "name": "U"})
	if fallback.Mailed || fallback.Password == "" || !strings.Contains(fallback.MailError, "smtp") {
		t.Fatalf("with an unreachable mail server: %+v", fallback)
	}
	if _, tok := ts.login("unmailed@example.test", fallback.Password); !tok.User.PasswordChangeRequired {
		t.Fatal("the shown password does not sign in")
	}
}

// freePort is a loopback port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return port
}
