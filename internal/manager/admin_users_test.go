package manager_test

import (
	"crypto/sha256"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/client"
)

type userPage struct {
	Items []struct {
		Email     string `json:"email"`
		Role      string `json:"role"`
		AdminRole string `json:"admin_role"`
		Status    string `json:"status"`
	} `json:"items"`
	Total   int `json:"total"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
}

func TestAdminListUsers(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	_, _, user := ts.newUser()
	admin, _ := ts.login(ts.admin, ts.adminPW)
	view := viewer(t, ts)
	for range 3 {
		ts.newUser()
	}
	list := func(c *client.Client, q url.Values) *userPage {
		t.Helper()
		return get[userPage](t, c, "/api/admin/users?"+q.Encode())
	}

	all := list(admin, url.Values{"per_page": {"100"}})
	// The first admin, the viewer, the user and three more.
	if all.Total != 6 || len(all.Items) != 6 || all.Page != 1 || all.PerPage != 100 {
		t.Fatalf("every user: total %d, %d items, page %d of %d", all.Total, len(all.Items), all.Page, all.PerPage)
	}
	for i := 1; i < len(all.Items); i++ {
		if all.Items[i-1].Email > all.Items[i].Email {
			t.Fatalf("not sorted by email: %s before %s", all.Items[i-1].Email, all.Items[i].Email)
		}
	}
	if v := list(view, url.Values{"admin_role": {"viewer"}}); v.Total != 1 || v.Items[0].AdminRole != "viewer" {
		t.Fatalf("a viewer lists the viewers: %+v", v)
	}
	if a := list(admin, url.Values{"role": {"admin"}, "sort": {"-email"}}); a.Total != 2 || a.Items[0].Email < a.Items[1].Email {
		t.Fatalf("admins, by email descending: %+v", a)
	}
	if q := list(admin, url.Values{"q": {ts.admin[:4]}}); q.Total < 1 || q.Items[0].Email != ts.admin {
		t.Fatalf("search %q: %+v", ts.admin[:4], q)
	}
	p1 := list(admin, url.Values{"per_page": {"4"}, "page": {"2"}})
	if p1.Total != 6 || len(p1.Items) != 2 || p1.Items[0].Email != all.Items[4].Email {
		t.Fatalf("page 2 of 4: %+v", p1)
	}

	wantStatus(t, user.Do(ctx, http.MethodGet, "/api/admin/users", nil, &struct{}{}), http.StatusForbidden, "forbidden")
	wantStatus(t, ts.anon().Do(ctx, http.MethodGet, "/api/admin/users", nil, &struct{}{}), http.StatusUnauthorized, "unauthorized")
	for _, bad := range []string{"sort=password_hash", "status=gone", "per_page=1000", "page=0"} {
		wantStatus(t, admin.Do(ctx, http.MethodGet, "/api/admin/users?"+bad, nil, &struct{}{}), http.StatusUnprocessableEntity, "validation")
	}
}

// TestAdminBlockEnable: a full admin blocks an account — its login, its
// keypair and its API key stop at once and sign-in is refused — and
// enables it again; viewers and users may not, nobody blocks themselves,
// and each change is audited with what it changed.
func TestAdminBlockEnable(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	email, pw, target := ts.newUser()
	admin, _ := ts.login(ts.admin, ts.adminPW)
	view := viewer(t, ts)
	_, _, other := ts.newUser()
	me, err := target.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := target.CreateKeypair(ctx, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	signer := ts.signer(kp.AccessKey, kp.SecretKey)
	fn := deployFn(t, target, "mine", "echo")
	key, err := target.CreateAPIKey(ctx, fn.ID, "k", "")
	if err != nil {
		t.Fatal(err)
	}
	caller := ts.signer(key.KeyID, key.Secret)
	if _, err := caller.Invoke(ctx, fn.ID, []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	block := "/api/admin/users/" + me.ID + "/block"
	reason := map[string]string{"reason": "abuse report 42"}

	wantStatus(t, view.Do(ctx, http.MethodPost, block, reason, &struct{}{}), http.StatusForbidden, "forbidden")
	wantStatus(t, other.Do(ctx, http.MethodPost, block, reason, &struct{}{}), http.StatusForbidden, "forbidden")
	adminMe, err := admin.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, admin.Do(ctx, http.MethodPost, "/api/admin/users/"+adminMe.ID+"/block", reason, &struct{}{}), http.StatusConflict, "conflict")
	wantStatus(t, admin.Do(ctx, http.MethodPost, block, map[string]string{"reason": ""}, &struct{}{}), http.StatusUnprocessableEntity, "validation")
	wantStatus(t, admin.Do(ctx, http.MethodPost, "/api/admin/users/0b7a3c1e-5a55-4c43-9a8b-000000000000/block", reason, &struct{}{}),
		http.StatusNotFound, "not-found")
	if _, err := target.Me(ctx); err != nil {
		t.Fatalf("refused block attempts changed the account: %v", err)
	}

	var out struct {
		Status string `json:"status"`
	}
	if err := admin.Do(ctx, http.MethodPost, block, reason, &out); err != nil || out.Status != "blocked" {
		t.Fatalf("block: %v, status %q", err, out.Status)
	}
	wantStatus(t, func() error { _, err := target.Me(ctx); return err }(), http.StatusUnauthorized, "unauthorized")
	wantStatus(t, func() error { _, err := signer.Me(ctx); return err }(), http.StatusUnauthorized, "invalid-credentials")
	wantStatus(t, func() error { _, err := caller.Invoke(ctx, fn.ID, []byte("x"), nil); return err }(), http.StatusUnauthorized, "invalid-credentials")
	_, err = ts.anon().Login(ctx, email, pw)
	wantStatus(t, err, http.StatusForbidden, "account-blocked")

	if err := admin.Do(ctx, http.MethodPost, "/api/admin/users/"+me.ID+"/enable", nil, &out); err != nil || out.Status != "active" {
		t.Fatalf("enable: %v, status %q", err, out.Status)
	}
	again, _ := ts.login(email, pw)
	if _, err := again.Me(ctx); err != nil {
		t.Fatalf("after enable, a new login: %v", err)
	}
	if _, err := caller.Invoke(ctx, fn.ID, []byte("x"), nil); err != nil {
		t.Fatalf("after enable, the API key: %v", err)
	}
	a := get[auditBody](t, admin, "/api/admin/audit?action=admin.user_block")
	b := get[auditBody](t, admin, "/api/admin/audit?action=admin.user_enable")
	if a.Total != 1 || a.Items[0].ActorEmail != ts.admin || b.Total != 1 {
		t.Fatalf("audit: %+v / %+v", a, b)
	}
}

// TestAdminPatchUser: a full admin renames, promotes and demotes; the role
// pair is checked whole; nobody changes their own role; the last active
// full admin stays one; a refused change leaves the name as it was.
func TestAdminPatchUser(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	_, _, target := ts.newUser()
	admin, _ := ts.login(ts.admin, ts.adminPW)
	view := viewer(t, ts)
	me, _ := target.Me(ctx)
	adminMe, _ := admin.Me(ctx)
	path := "/api/admin/users/" + me.ID
	var out struct {
		Name      string `json:"name"`
		Role      string `json:"role"`
		AdminRole string `json:"admin_role"`
	}
	wantStatus(t, view.Do(ctx, http.MethodPatch, path, map[string]any{"name": "X"}, &out), http.StatusForbidden, "forbidden")
	wantStatus(t, target.Do(ctx, http.MethodPatch, path, map[string]any{"name": "X"}, &out), http.StatusForbidden, "forbidden")
	wantStatus(t, admin.Do(ctx, http.MethodPatch, path, map[string]any{"role": "admin"}, &out), http.StatusUnprocessableEntity, "validation")
	wantStatus(t, admin.Do(ctx, http.MethodPatch, path, map[string]any{"admin_role": "viewer"}, &out), http.StatusUnprocessableEntity, "validation")

	if err := admin.Do(ctx, http.MethodPatch, path, map[string]any{"name": "Grace", "role": "admin", "admin_role": "full_admin"}, &out); err != nil ||
		out.Name != "Grace" || out.Role != "admin" || out.AdminRole != "full_admin" {
		t.Fatalf("promote: %v %+v", err, out)
	}
	if u, _ := target.Me(ctx); u.Role != "admin" || u.AdminRole != "full_admin" {
		t.Fatalf("the promoted user sees %+v", u)
	}
	// Now two full admins: the first may be demoted by the new one, not
	// by themselves (two demoting each other at once: the store's guard,
	// in the conformance suite's Users/RoleLastFullAdmin).
	wantStatus(t, admin.Do(ctx, http.MethodPatch, "/api/admin/users/"+adminMe.ID, map[string]any{"admin_role": "viewer"}, &out),
		http.StatusConflict, "conflict")
	if err := target.Do(ctx, http.MethodPatch, "/api/admin/users/"+adminMe.ID, map[string]any{"role": "user"}, &out); err != nil || out.Role != "user" {
		t.Fatalf("demote the first admin: %v %+v", err, out)
	}
	other, _ := ts.login(ts.admin, ts.adminPW)
	wantStatus(t, other.Do(ctx, http.MethodGet, "/api/admin/users", nil, &struct{}{}), http.StatusForbidden, "forbidden")
	_, _, third := ts.newUser()
	thirdMe, _ := third.Me(ctx)
	if err := target.Do(ctx, http.MethodPatch, "/api/admin/users/"+thirdMe.ID, map[string]any{"role": "admin", "admin_role": "viewer"}, &out); err != nil {
		t.Fatal(err)
	}
	err := third.Do(ctx, http.MethodPatch, path, map[string]any{"name": "Renamed", "role": "user"}, &out)
	wantStatus(t, err, http.StatusForbidden, "forbidden") // a viewer
	if u, _ := target.Me(ctx); u.Name != "Grace" {
		t.Fatalf("a refused change renamed the user to %q", u.Name)
	}
	a := get[auditBody](t, target, "/api/admin/audit?action=admin.user_update")
	if a.Total != 3 {
		t.Fatalf("%d admin.user_update events, want 3 (promote, demote, the viewer)", a.Total)
	}
}

// TestAdminUserSessions: an admin sees what an account is signed in with
// — no secrets — and ends one of them at once; another user's session is
// not found through this account.
func TestAdminUserSessions(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	email, pw, target := ts.newUser()
	second, tokens := ts.login(email, pw)
	admin, _ := ts.login(ts.admin, ts.adminPW)
	view := viewer(t, ts)
	me, _ := target.Me(ctx)
	kp, err := target.CreateKeypair(ctx, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	type sessions struct {
		WebSessions []struct {
			AccessKey string `json:"access_key"`
		} `json:"web_sessions"`
		Keypairs []struct {
			AccessKey string `json:"access_key"`
			Name      string `json:"name"`
			SecretKey string `json:"secret_key"`
		} `json:"keypairs"`
		Logins []struct {
			ID        string    `json:"id"`
			ExpiresAt time.Time `json:"expires_at"`
		} `json:"logins"`
	}
	path := "/api/admin/users/" + me.ID + "/sessions"
	s := get[sessions](t, view, path)
	if len(s.Keypairs) != 1 || s.Keypairs[0].AccessKey != kp.AccessKey || s.Keypairs[0].Name != "laptop" || s.Keypairs[0].SecretKey != "" ||
		len(s.Logins) != 2 || s.Logins[0].ExpiresAt.IsZero() {
		t.Fatalf("sessions %+v", s)
	}
	// End the second login: its token stops, the first login goes on.
	sum := sha256.Sum256([]byte(tokens.AccessToken))
	tok, _, err := ts.Store().TokenOwner(ctx, sum[:], berth.TokenAccess)
	if err != nil {
		t.Fatal(err)
	}
	var family string
	for _, l := range s.Logins {
		if l.ID == tok.FamilyID {
			family = l.ID
		}
	}
	if family == "" {
		t.Fatal("the second login is not listed")
	}
	wantStatus(t, view.Do(ctx, http.MethodDelete, path+"/"+family, nil, nil), http.StatusForbidden, "forbidden")
	if err := admin.Do(ctx, http.MethodDelete, path+"/"+family, nil, nil); err != nil {
		t.Fatal(err)
	}
	_, err = second.Me(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "unauthorized")
	if _, err := target.Me(ctx); err != nil {
		t.Fatalf("the other login ended too: %v", err)
	}
	// End the keypair.
	if err := admin.Do(ctx, http.MethodDelete, path+"/"+kp.AccessKey, nil, nil); err != nil {
		t.Fatal(err)
	}
	_, err = ts.signer(kp.AccessKey, kp.SecretKey).Me(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "invalid-credentials")
	// Not this user's, or gone: 404.
	adminKP, err := admin.CreateKeypair(ctx, "admin's")
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{adminKP.AccessKey, kp.AccessKey, family} {
		wantStatus(t, admin.Do(ctx, http.MethodDelete, path+"/"+other, nil, nil), http.StatusNotFound, "not-found")
	}
	if a := get[auditBody](t, admin, "/api/admin/audit?action=admin.session_end"); a.Total != 2 {
		t.Fatalf("%d admin.session_end events, want 2", a.Total)
	}
}

// TestAdminDeleteRestore: a soft delete refuses sign-in, ends every
// credential and schedules the functions for deletion; restore lets the
// account sign in again. Nobody deletes themselves; viewers may not.
func TestAdminDeleteRestore(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	email, pw, target := ts.newUser()
	admin, _ := ts.login(ts.admin, ts.adminPW)
	view := viewer(t, ts)
	me, _ := target.Me(ctx)
	adminMe, _ := admin.Me(ctx)
	fn := deployFn(t, target, "mine", "echo")
	path := "/api/admin/users/" + me.ID
	wantStatus(t, view.Do(ctx, http.MethodDelete, path, nil, &struct{}{}), http.StatusForbidden, "forbidden")
	wantStatus(t, admin.Do(ctx, http.MethodDelete, "/api/admin/users/"+adminMe.ID, nil, &struct{}{}), http.StatusConflict, "conflict")
	wantStatus(t, admin.Do(ctx, http.MethodPost, path+"/restore", nil, &struct{}{}), http.StatusConflict, "conflict")

	var out struct {
		Status string `json:"status"`
	}
	if err := admin.Do(ctx, http.MethodDelete, path, nil, &out); err != nil || out.Status != "deleted" {
		t.Fatalf("delete: %v %q", err, out.Status)
	}
	_, err := target.Me(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "unauthorized")
	_, err = ts.anon().Login(ctx, email, pw)
	wantStatus(t, err, http.StatusUnauthorized, "unauthorized") // as for an unknown email: a deleted account is gone
	f, err := admin.Function(ctx, fn.ID)
	if err != nil || f.Status != "pending_deletion" {
		t.Fatalf("the deleted account's function: %v %+v", err, f)
	}

	if err := admin.Do(ctx, http.MethodPost, path+"/restore", nil, &out); err != nil || out.Status != "active" {
		t.Fatalf("restore: %v %q", err, out.Status)
	}
	again, _ := ts.login(email, pw)
	if _, err := again.Me(ctx); err != nil {
		t.Fatalf("after restore: %v", err)
	}
	for _, action := range []string{"admin.user_delete", "admin.user_restore"} {
		if a := get[auditBody](t, admin, "/api/admin/audit?action="+action); a.Total != 1 {
			t.Fatalf("%s: %d events, want 1", action, a.Total)
		}
	}
}
