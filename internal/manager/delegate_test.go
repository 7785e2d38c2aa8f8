package manager_test

import (
	"testing"

	"github.com/berth-platform/berth/internal/config"
)

// TestDelegateOnlyInValidatorMode: POST /api/auth/delegate mints sessions
// for any account, so it exists only where auth.validate_url is set.
func TestDelegateOnlyInValidatorMode(t *testing.T) {
	body := map[string]string{"email": "someone@example.test"}
	t.Run("Off", func(t *testing.T) {
		ts := startServer(t)
		admin, _ := ts.login(ts.admin, ts.adminPW)
		wantStatus(t, admin.Do(t.Context(), "POST", "/api/auth/delegate", body, nil), 404, "not-found")
	})
	t.Run("ValidatorMode", func(t *testing.T) {
		ts := startServer(t, func(c *config.Config) { c.Auth.ValidateURL = "http://127.0.0.1:1/session/validate" })
		admin, _ := ts.login(ts.admin, ts.adminPW)
		var out map[string]any
		if err := admin.Do(t.Context(), "POST", "/api/auth/delegate", body, &out); err != nil {
			t.Fatalf("delegate in validator mode: %v", err)
		}
		if out["access_key"] == "" {
			t.Fatalf("no keypair: %v", out)
		}
	})
}
