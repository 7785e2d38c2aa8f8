package webserver_test

import (
	"database/sql"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/server"
	"github.com/berth-platform/berth/internal/storecache"
)

// TestValidateAgreesWithLoginCheckWithoutAuth: with authentication off,
// /session/validate vouches for the open session as login-check does.
func TestValidateAgreesWithLoginCheckWithoutAuth(t *testing.T) {
	st := startSite(t, func(c *config.Config, _ *server.Options) { c.Auth.Enabled = false })
	b := st.browser()
	check := b.do(http.MethodGet, "/server/login-check", nil, nil)
	valid := b.do(http.MethodGet, "/session/validate", nil, nil)
	if check.json(t)["authenticated"] != true {
		t.Fatalf("login-check without auth: %s", check.body)
	}
	if valid.status != 200 || valid.json(t)["valid"] != true || valid.json(t)["user"] != adminEmail {
		t.Fatalf("validate disagrees with login-check: %d %s", valid.status, valid.body)
	}
}

// TestValidatorTimeout: an external validator that does not answer is
// reported as the validator timing out — the problem and the log event —
// not as the session store.
func TestValidatorTimeout(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	gw := startSite(t, func(c *config.Config, _ *server.Options) { c.Auth.ValidateURL = slow.URL + "/session/validate" })
	r := gw.browser().do(http.MethodGet, "/session/validate", nil, http.Header{"X-Session-Token": {"some-session"}})
	wantProblem(t, r, http.StatusServiceUnavailable, "validator-unavailable")
	if !strings.Contains(string(r.body), "did not answer in time") || r.header.Get("Retry-After") == "" {
		t.Fatalf("the answer does not say the validator timed out: %s", r.body)
	}
	logs := gw.logs.String()
	if !strings.Contains(logs, `"event":"validator_timeout"`) || strings.Contains(logs, "session_store_down") {
		t.Fatalf("the log does not name the validator:\n%s", logs)
	}
}

// TestValidateEndsWhenTheRoleChanges: /session/validate vouches for the
// user's groups, so a session whose user was demoted (here straight in
// the database) ends within about a second.
func TestValidateEndsWhenTheRoleChanges(t *testing.T) {
	st := startSite(t)
	b := st.browser()
	b.mustLogin()
	if v := b.do(http.MethodGet, "/session/validate", nil, nil); v.status != 200 || v.header.Get("X-Berth-Groups") != "admin" {
		t.Fatalf("before: %d %v", v.status, v.header)
	}
	// Behind the cache: the change reaches the session within MaxAge.
	db := st.Store().(*storecache.Store).Unwrap().(interface{ DB() *sql.DB }).DB()
	if _, err := db.ExecContext(t.Context(), `UPDATE users SET role = 'user', admin_role = '' WHERE email = ?`, adminEmail); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for b.do(http.MethodGet, "/session/validate", nil, nil).status != http.StatusUnauthorized {
		if time.Now().After(deadline) {
			t.Fatal("a demoted admin's session still vouches for the admin group")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
