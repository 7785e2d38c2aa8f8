package webserver_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/server"
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

// TestValidateUnverifiedEmail: where addresses must be confirmed, a new
// account signs in, the dashboard learns it must ask for the code (at
// sign-in and from login-check), and /session/validate vouches for it to
// no service until it has.
func TestValidateUnverifiedEmail(t *testing.T) {
	st := startSite(t, func(c *config.Config, _ *server.Options) {
		c.Auth.RequireVerifiedEmail, c.Auth.AllowRegistration = true, true
	})
	b := st.browser()
	const email, pw = "unconfirmed@example.test", "a long enough password here"
	if r := b.do(http.MethodPost, "/api/auth/register", map[string]string{"email": email, "password": pw, "name": "Una"}, nil); r.status != http.StatusAccepted {
		t.Fatalf("register: %d %s", r.status, r.body)
	}
	a := b.login(email, pw)
	if user, _ := a.json(t)["user"].(map[string]any); a.status != http.StatusOK || user["email_verification_required"] != true {
		t.Fatalf("the sign-in answer does not say the address must be confirmed: %d %s", a.status, a.body)
	}
	if c := b.do(http.MethodGet, "/server/login-check", nil, nil); !strings.Contains(string(c.body), `"email_verification_required":true`) {
		t.Fatalf("login-check: %s", c.body)
	}
	if v := b.do(http.MethodGet, "/session/validate", nil, nil); v.status != http.StatusForbidden || v.json(t)["reason"] != "email-verification-required" {
		t.Fatalf("validate: %d %s", v.status, v.body)
	}
	if f := b.do(http.MethodGet, "/api/functions", nil, nil); f.status != http.StatusForbidden || !strings.Contains(string(f.body), "email-verification-required") {
		t.Fatalf("functions before confirming: %d %s", f.status, f.body)
	}
}
