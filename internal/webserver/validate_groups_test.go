package webserver_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestValidateGroupsAndTemporaryPassword: /session/validate names the
// account's berth groups in X-Berth-Groups (after admin for admins), and
// refuses a session whose account holds a temporary password until it is
// changed.
func TestValidateGroupsAndTemporaryPassword(t *testing.T) {
	st := startSite(t)
	ctx := t.Context()
	admin := st.adminClient(t)
	var me struct {
		ID string `json:"id"`
	}
	if err := admin.Do(ctx, http.MethodGet, "/api/users/me", nil, &me); err != nil {
		t.Fatal(err)
	}
	var g struct {
		ID string `json:"id"`
	}
	if err := admin.Do(ctx, http.MethodPost, "/api/admin/groups", map[string]any{"name": "billing"}, &g); err != nil {
		t.Fatal(err)
	}
	if err := admin.Do(ctx, http.MethodPut, "/api/admin/groups/"+g.ID+"/members/"+me.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	b := st.browser()
	if a := b.login(adminEmail, adminPassword); a.status != http.StatusOK {
		t.Fatalf("login: %d %s", a.status, a.body)
	}
	v := b.do(http.MethodGet, "/session/validate", nil, nil)
	if v.status != http.StatusOK || v.header.Get("X-Berth-Groups") != "admin,billing" {
		t.Fatalf("validate: %d %s groups %q", v.status, v.body, v.header.Get("X-Berth-Groups"))
	}

	var created struct {
		Password string `json:"temporary_password"`
	}
	if err := admin.Do(ctx, http.MethodPost, "/api/admin/users", map[string]any{"email": "temp@example.test", "name": "Temp"}, &created); err != nil {
		t.Fatal(err)
	}
	u := st.browser()
	a := u.login("temp@example.test", created.Password)
	if a.status != http.StatusOK {
		t.Fatalf("sign-in with a temporary password: %d %s", a.status, a.body)
	}
	// The dashboard learns it must ask for a new password, at sign-in and
	// from login-check.
	if user, _ := a.json(t)["user"].(map[string]any); user["password_change_required"] != true {
		t.Fatalf("the sign-in answer does not say a change is required: %s", a.body)
	}
	if c := u.do(http.MethodGet, "/server/login-check", nil, nil); !strings.Contains(string(c.body), `"password_change_required":true`) {
		t.Fatalf("login-check does not say a change is required: %s", c.body)
	}
	if v := u.do(http.MethodGet, "/session/validate", nil, nil); v.status != http.StatusForbidden || v.json(t)["reason"] != "password-change-required" {
		t.Fatalf("validate with a temporary password: %d %s", v.status, v.body)
	}
	if me := u.do(http.MethodGet, "/api/users/me", nil, nil); me.status != http.StatusOK || me.json(t)["password_change_required"] != true {
		t.Fatalf("the dashboard cannot learn it must ask for a new password: %d %s", me.status, me.body)
	}
	if f := u.do(http.MethodGet, "/api/functions", nil, nil); f.status != http.StatusForbidden {
		t.Fatalf("a temporary password listed functions through the proxy: %d %s", f.status, f.body)
	}
}
