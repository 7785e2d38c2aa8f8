package manager_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/config"
)

func TestHealthAndOpenAPI(t *testing.T) {
	ts := startServer(t)
	for _, path := range []string{"/health", "/livez", "/readyz"} {
		req, _ := http.NewRequest("GET", ts.url+path, nil)
		status, _, body := ts.raw(req)
		if status != 200 || !bytes.Contains(body, []byte(`"ok"`)) {
			t.Errorf("%s: %d %s", path, status, body)
		}
	}
	req, _ := http.NewRequest("GET", ts.url+"/api/openapi.json", nil)
	status, _, body := ts.raw(req)
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if status != 200 || json.Unmarshal(body, &doc) != nil || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi: %d %.200s", status, body)
	}
	for _, p := range []string{"/api/auth/register", "/api/auth/login", "/api/auth/refresh", "/api/auth/logout",
		"/api/auth/authorize", "/api/users/me", "/api/users/me/preferences", "/api/users/me/profile",
		"/api/keypairs", "/api/keypairs/{access_key}"} {
		if _, ok := doc.Paths[p]; !ok {
			t.Errorf("openapi lacks %s", p)
		}
	}
}

func TestRegister(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	c := ts.anon()
	u, err := c.Register(ctx, "  Ada@Example.TEST ", "analytical engine notes", "Ada Lovelace")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ada@example.test" || u.Role != "user" || u.Status != "active" || u.ID == "" {
		t.Fatalf("registered %+v", u)
	}
	t.Run("ErrConflictDuplicate", func(t *testing.T) {
		_, err := c.Register(ctx, "ADA@example.test", "another long password", "Imposter")
		wantStatus(t, err, 409, "conflict")
	})
	t.Run("ErrConflictLookAlike", func(t *testing.T) {
		if _, err := c.Register(ctx, "paypal@x.io", "correct horse battery staple", "PayPal"); err != nil {
			t.Fatal(err)
		}
		for name, email := range map[string]string{
			"CyrillicA": "p\u0430ypal@x.io",
			"Fullwidth": "\uff50\uff41\uff59\uff50\uff41\uff4c@x.io",
			"RnForM":    "rnodern@x.io",
			"OneForL":   "paypa1@x.io",
		} {
			if name == "RnForM" {
				if _, err := c.Register(ctx, "modern@x.io", "correct horse battery staple", "Modern"); err != nil {
					t.Fatal(err)
				}
			}
			_, err := c.Register(ctx, email, "an impostor's password", "Imposter")
			ce := wantStatus(t, err, 409, "conflict")
			if !strings.Contains(ce.Detail, "similar-looking address") {
				t.Errorf("%s: detail %q does not say why", name, ce.Detail)
			}
			for _, existing := range []string{"paypal", "modern"} {
				if strings.Contains(ce.Error(), existing) {
					t.Errorf("%s: the problem names the existing account: %s", name, ce.Error())
				}
			}
		}
		// The same address still gets the plain answer.
		_, err := c.Register(ctx, "paypal@x.io", "another long password", "Again")
		if ce := wantStatus(t, err, 409, "conflict"); !strings.Contains(ce.Detail, "already exists; log in") {
			t.Errorf("same address: %q", ce.Detail)
		}
	})
	t.Run("UnicodeEmail", func(t *testing.T) {
		// NFD input, upper case; logging in with the NFC lower-case form works.
		if _, err := c.Register(ctx, "Zo\u0308e@Bu\u0308cher.example", "unicode is fine here", "Zoë"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Login(ctx, "zöe@bücher.example", "unicode is fine here"); err != nil {
			t.Fatalf("login with the normalised form: %v", err)
		}
		_, err := c.Register(ctx, "ZÖE@BÜCHER.EXAMPLE", "unicode is fine here", "Zöe again")
		wantStatus(t, err, 409, "conflict")
	})
	t.Run("SQLLookingInput", func(t *testing.T) {
		u, err := c.Register(ctx, "o'brien+x@example.test", "robert'); DROP TABLE users;--", "Robert'); DROP TABLE users;--")
		if err != nil {
			t.Fatal(err)
		}
		if u.Name != "Robert'); DROP TABLE users;--" {
			t.Fatalf("name %q", u.Name)
		}
		if _, err := c.Login(ctx, "x' OR '1'='1@example.test", "' OR '1'='1' --"); client.StatusOf(err) != 401 {
			t.Fatalf("injection-shaped login: %v", err)
		}
		if _, err := c.Login(ctx, "o'brien+x@example.test", "robert'); DROP TABLE users;--"); err != nil {
			t.Fatalf("users table survived? %v", err)
		}
	})
	policy := []struct {
		name, email, password, field string
	}{
		{"TooShort", "p1@example.test", "short pass", "password"},
		{"ElevenRunes", "p2@example.test", "ééééééééééé", "password"},
		{"TooLong", "p3@example.test", strings.Repeat("x", 257), "password"},
		{"ContainsLocalPart", "margaret@example.test", "i am MARGARET hamilton", "password"},
		{"Common", "p4@example.test", "qwerty123456", "password"},
		{"BadEmail", "not-an-email", "long enough password", "email"},
		{"EmailSpaces", "a b@example.test", "long enough password", "email"},
		{"QuotedEmail", `"a"@example.test`, "long enough password", "email"},
	}
	for _, tt := range policy {
		t.Run("ErrInvalid"+tt.name, func(t *testing.T) {
			_, err := c.Register(ctx, tt.email, tt.password, "Name")
			ce := wantStatus(t, err, 422, "validation")
			if len(ce.Errors) == 0 || ce.Errors[0].Location != "body."+tt.field {
				t.Fatalf("error does not name %s: %+v", tt.field, ce)
			}
			if strings.Contains(ce.Error(), tt.password) {
				t.Fatalf("error echoes the password: %v", ce)
			}
		})
	}
	t.Run("ErrInvalidName", func(t *testing.T) {
		_, err := c.Register(ctx, "n1@example.test", "long enough password", "line\nbreak")
		ce := wantStatus(t, err, 422, "validation")
		if ce.Errors[0].Location != "body.name" {
			t.Fatalf("%+v", ce)
		}
	})
}

func TestRegistrationDisabled(t *testing.T) {
	ts := startServer(t) // the default: registration off
	_, err := ts.anon().Register(t.Context(), "x@example.test", "long enough password", "X")
	wantStatus(t, err, 403, "registration-disabled")
}

func TestBadBodies(t *testing.T) {
	ts := startServer(t)
	post := func(body string, ct string) (int, http.Header, []byte) {
		req, _ := http.NewRequest("POST", ts.url+"/api/auth/login", strings.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		return ts.raw(req)
	}
	tests := []struct {
		name, body, ct string
		status         int
		location       string
	}{
		{"MalformedJSON", `{"email":"a@example.test"`, "application/json", 400, "body"},
		{"NotJSON", `email=a`, "application/json", 400, "body"},
		{"UnknownField", `{"email":"a@example.test","password":"x","admin":true}`, "application/json", 422, "body.admin"},
		{"MissingField", `{"email":"a@example.test"}`, "application/json", 422, "body.password"},
		{"WrongType", `{"email":42,"password":"x"}`, "application/json", 422, "body.email"},
		{"EmptyBody", ``, "application/json", 400, ""},
		{"Oversized", `{"email":"` + strings.Repeat("a", 1<<20) + `","password":"x"}`, "application/json", 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := post(tt.body, tt.ct)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %.300s", status, tt.status, body)
			}
			p := problemOf(t, status, h, body)
			field := tt.location[strings.LastIndex(tt.location, ".")+1:]
			if tt.location != "" && !strings.Contains(string(body), `"location":"`+tt.location+`"`) &&
				!strings.Contains(string(body), "property "+field) {
				t.Fatalf("problem does not name %s: %s", tt.location, body)
			}
			if strings.Contains(string(body), `"value"`) {
				t.Fatalf("problem echoes the submitted value: %s", body)
			}
			_ = p
		})
	}
}

func TestLoginRefreshLogout(t *testing.T) {
	ts := startServer(t)
	ctx := t.Context()
	c, tok := ts.login(ts.admin, ts.adminPW)
	if tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 || !strings.HasPrefix(tok.AccessToken, "bat_") || !strings.HasPrefix(tok.RefreshToken, "brt_") {
		t.Fatalf("tokens %+v", tok)
	}
	me, err := c.Me(ctx)
	if err != nil || me.Email != ts.admin || me.Role != "admin" {
		t.Fatalf("me %+v %v", me, err)
	}
	t.Run("WrongPassword", func(t *testing.T) {
		_, err := ts.anon().Login(ctx, ts.admin, "wrong password entirely")
		wantStatus(t, err, 401, "unauthorized")
	})
	t.Run("UnknownEmailSameAnswer", func(t *testing.T) {
		_, err := ts.anon().Login(ctx, "nobody@example.test", "wrong password entirely")
		ce := wantStatus(t, err, 401, "unauthorized")
		if ce.Detail != "wrong email or password" {
			t.Fatalf("detail %q reveals more than the known-account answer", ce.Detail)
		}
	})
	t.Run("RefreshTokenAsAccessToken", func(t *testing.T) {
		_, err := ts.bearer(tok.RefreshToken).Me(ctx)
		wantStatus(t, err, 401, "unauthorized")
	})
	t.Run("GarbageToken", func(t *testing.T) {
		for _, bad := range []string{"bat_" + strings.Repeat("A", 43), "nonsense", "bat_", strings.Repeat("x", 5000)} {
			_, err := ts.bearer(bad).Me(ctx)
			wantStatus(t, err, 401, "")
		}
	})
	// Rotation: the new pair works, the old refresh token is spent, and
	// presenting it again ends the whole family.
	tok2, err := ts.anon().Refresh(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if tok2.User.Email != ts.admin {
		t.Fatalf("refresh user %+v", tok2.User)
	}
	if _, err := ts.bearer(tok2.AccessToken).Me(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = ts.anon().Refresh(ctx, tok.RefreshToken)
	wantStatus(t, err, 401, "refresh-token-reused")
	for name, access := range map[string]string{"original": tok.AccessToken, "rotated": tok2.AccessToken} {
		if _, err := ts.bearer(access).Me(ctx); client.StatusOf(err) != 401 {
			t.Errorf("%s access token still works after reuse detection: %v", name, err)
		}
	}
	if _, err := ts.anon().Refresh(ctx, tok2.RefreshToken); client.StatusOf(err) != 401 {
		t.Errorf("rotated refresh token still works after reuse detection: %v", err)
	}
	t.Run("AccessTokenAsRefreshToken", func(t *testing.T) {
		_, tok := ts.login(ts.admin, ts.adminPW)
		_, err := ts.anon().Refresh(ctx, tok.AccessToken)
		wantStatus(t, err, 401, "unauthorized")
	})
	t.Run("LogoutEndsFamilyAtOnce", func(t *testing.T) {
		c, tok := ts.login(ts.admin, ts.adminPW)
		other, _ := ts.login(ts.admin, ts.adminPW)
		if err := c.Logout(ctx, false); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Me(ctx); client.StatusOf(err) != 401 {
			t.Fatalf("access token works after logout: %v", err)
		}
		if _, err := ts.anon().Refresh(ctx, tok.RefreshToken); client.StatusOf(err) != 401 {
			t.Fatalf("refresh token works after logout: %v", err)
		}
		if _, err := other.Me(ctx); err != nil {
			t.Fatalf("another session ended by a plain logout: %v", err)
		}
	})
	t.Run("LogoutAll", func(t *testing.T) {
		a, _ := ts.login(ts.admin, ts.adminPW)
		b, _ := ts.login(ts.admin, ts.adminPW)
		kp, err := ts.anon().Authorize(ctx, ts.admin, ts.adminPW)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Logout(ctx, true); err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]*client.Client{"a": a, "b": b, "session keypair": ts.signer(kp.AccessKey, kp.SecretKey)} {
			if _, err := c.Me(ctx); client.StatusOf(err) != 401 {
				t.Errorf("%s still works after logout-everywhere: %v", name, err)
			}
		}
	})
	t.Run("Unauthenticated", func(t *testing.T) {
		req, _ := http.NewRequest("POST", ts.url+"/api/auth/logout", nil)
		status, h, body := ts.raw(req)
		problemOf(t, status, h, body)
		if status != 401 || h.Get("WWW-Authenticate") == "" {
			t.Fatalf("%d %v", status, h)
		}
	})
}

func TestTokenExpiry(t *testing.T) {
	ts := startServer(t)
	ctx := t.Context()
	c, tok := ts.login(ts.admin, ts.adminPW)
	ts.clock.Advance(59 * time.Minute)
	if _, err := c.Me(ctx); err != nil {
		t.Fatalf("access token refused before expiry: %v", err)
	}
	ts.clock.Advance(2 * time.Minute)
	_, err := c.Me(ctx)
	wantStatus(t, err, 401, "unauthorized")
	tok2, err := ts.anon().Refresh(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatalf("refresh after access expiry: %v", err)
	}
	ts.clock.Advance(31 * 24 * time.Hour)
	_, err = ts.anon().Refresh(ctx, tok2.RefreshToken)
	wantStatus(t, err, 401, "unauthorized")
}

func TestLockout(t *testing.T) {
	ts := startServer(t)
	ctx := t.Context()
	c := ts.anon()
	for i := range 9 {
		if _, err := c.Login(ctx, ts.admin, "wrong password "+strconv.Itoa(i)); client.StatusOf(err) != 401 {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	// A success before the limit resets the account's counter.
	if _, err := c.Login(ctx, ts.admin, ts.adminPW); err != nil {
		t.Fatal(err)
	}
	for i := range 9 {
		if _, err := c.Login(ctx, ts.admin, "wrong password "+strconv.Itoa(i)); client.StatusOf(err) != 401 {
			t.Fatalf("after reset, failure %d: %v", i+1, err)
		}
	}
	_, err := c.Login(ctx, ts.admin, "tenth wrong password")
	ce := wantStatus(t, err, 429, "too-many-login-failures")
	if ce.RetryAfter < time.Minute || ce.RetryAfter > 20*time.Minute {
		t.Fatalf("Retry-After %v", ce.RetryAfter)
	}
	// The answer points to the password reset.
	if !strings.Contains(ce.Detail, "POST /api/auth/reset-password") || !strings.Contains(ce.Detail, "Forgot your password?") {
		t.Errorf("the lock-out does not point to the password reset: %q", ce.Detail)
	}
	// Locked even with the right password; other accounts are not.
	_, err = c.Login(ctx, ts.admin, ts.adminPW)
	wantStatus(t, err, 429, "too-many-login-failures")
	_, err = c.Authorize(ctx, ts.admin, ts.adminPW)
	wantStatus(t, err, 429, "too-many-login-failures")
}

// TestLockoutWindowEnds uses a short window: counters expire on the
// store's own clock, not the manager's.
func TestLockoutWindowEnds(t *testing.T) {
	ts := startServer(t, func(c *config.Config) { c.Auth.LoginWindow = time.Second; c.Auth.MaxAccountFailures = 2 })
	ctx := t.Context()
	c := ts.anon()
	for range 2 {
		_, _ = c.Login(ctx, ts.admin, "wrong password entirely")
	}
	_, err := c.Login(ctx, ts.admin, ts.adminPW)
	wantStatus(t, err, 429, "too-many-login-failures")
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := c.Login(ctx, ts.admin, ts.adminPW)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still locked out after the window: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestLockoutPerAddress(t *testing.T) {
	ts := startServer(t)
	ctx := t.Context()
	c := ts.anon()
	for i := range 50 {
		email := "spray" + strconv.Itoa(i) + "@example.test"
		_, err := c.Login(ctx, email, "wrong password entirely")
		if i < 49 && client.StatusOf(err) != 401 {
			t.Fatalf("failure %d: %v", i+1, err)
		}
		if i == 49 {
			wantStatus(t, err, 429, "too-many-login-failures")
		}
	}
	_, err := c.Login(ctx, ts.admin, ts.adminPW)
	wantStatus(t, err, 429, "too-many-login-failures")
}

func TestBlockedUserRefusedEverywhere(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	email, pw, c := ts.newUser()
	kp, err := c.CreateKeypair(ctx, "cli")
	if err != nil {
		t.Fatal(err)
	}
	signer := ts.signer(kp.AccessKey, kp.SecretKey)
	if _, err := signer.Me(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := ts.Store().UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.Store().UpdateUserStatus(ctx, u.ID, berth.UserBlocked); err != nil {
		t.Fatal(err)
	}
	// Valid credentials of a blocked account say so; anything less reveals nothing.
	_, err = c.Me(ctx)
	wantStatus(t, err, 403, "account-blocked")
	_, err = signer.Me(ctx)
	wantStatus(t, err, 403, "account-blocked")
	_, err = ts.signer(kp.AccessKey, "not the secret key at all").Me(ctx)
	wantStatus(t, err, 401, "invalid-credentials")
	_, err = ts.bearer("bat_not-a-token-of-anyone").Me(ctx)
	wantStatus(t, err, 401, "unauthorized")
	_, err = ts.anon().Login(ctx, email, pw)
	wantStatus(t, err, 403, "account-blocked")
	_, err = ts.anon().Login(ctx, email, "wrong password entirely")
	wantStatus(t, err, 401, "unauthorized")
	if err := ts.Store().UpdateUserStatus(ctx, u.ID, berth.UserDeleted); err != nil {
		t.Fatal(err)
	}
	_, err = ts.anon().Login(ctx, email, pw)
	wantStatus(t, err, 401, "unauthorized")
	_, err = c.Me(ctx)
	wantStatus(t, err, 401, "unauthorized")
	_, err = signer.Me(ctx)
	wantStatus(t, err, 401, "invalid-credentials")
}

func TestAuditTrail(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	email, pw, c := ts.newUser()
	_, _ = ts.anon().Login(ctx, email, "wrong password entirely")
	_, tok := ts.login(email, pw)
	if _, err := ts.anon().Refresh(ctx, tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	kp, err := c.CreateKeypair(ctx, "ci")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteKeypair(ctx, kp.AccessKey); err != nil {
		t.Fatal(err)
	}
	newPW := "a brand new password for this test"
	if _, err := c.UpdateMe(ctx, client.UpdateMe{Password: &newPW, CurrentPassword: &pw}); err != nil {
		t.Fatal(err)
	}
	if err := c.Logout(ctx, false); err != nil {
		t.Fatal(err)
	}
	events, _, err := ts.Store().ListAudit(ctx, berth.AuditFilter{Page: berth.Page{Number: 1, Size: 100}})
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ action, outcome string }
	seen := map[key]berth.AuditEvent{}
	for _, e := range events {
		if e.ActorEmail == email {
			seen[key{e.Action, string(e.Outcome)}] = e
		}
	}
	for _, want := range []key{
		{"auth.register", "success"}, {"auth.login", "success"}, {"auth.login", "failure"}, {"auth.refresh", "success"},
		{"keypair.create", "success"}, {"keypair.delete", "success"}, {"user.password_change", "success"}, {"auth.logout", "success"},
	} {
		e, ok := seen[want]
		if !ok {
			t.Errorf("no audit event %v", want)
			continue
		}
		if e.ClientAddr != "127.0.0.1" || e.At.IsZero() {
			t.Errorf("audit event %v lacks address or time: %+v", want, e)
		}
	}
	if e := seen[key{"keypair.create", "success"}]; e.Target != kp.AccessKey {
		t.Errorf("keypair.create target %q", e.Target)
	}
}

// TestSecretsNeverLogged runs through every flow that handles a secret and
// checks that none reaches the log.
func TestSecretsNeverLogged(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	email, pw, c := ts.newUser()
	_, tok := ts.login(email, pw)
	kp, err := c.CreateKeypair(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	sk, err := ts.anon().Authorize(ctx, email, pw)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = ts.anon().Login(ctx, email, "a wrong password that must not be logged")
	_, _ = ts.bearer("bat_notatokenbutsecretlooking").Me(ctx)
	logs := ts.logs.String()
	if !strings.Contains(logs, `"event":"http_request"`) {
		t.Fatalf("no request logs captured:\n%.500s", logs)
	}
	for name, s := range map[string]string{
		"password": pw, "admin password": ts.adminPW, "access token": tok.AccessToken, "refresh token": tok.RefreshToken,
		"keypair secret": kp.SecretKey, "session secret": sk.SecretKey, "wrong password": "a wrong password that must not be logged",
		"presented token": "bat_notatokenbutsecretlooking",
	} {
		if strings.Contains(logs, s) {
			t.Errorf("the log contains the %s", name)
		}
	}
}

func TestRequestLogAndMetrics(t *testing.T) {
	ts := startServer(t)
	c, _ := ts.login(ts.admin, ts.adminPW)
	if _, err := c.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	// A failure carries what failed; a signed upload refused before routing
	// keeps its route pattern.
	_, _ = ts.anon().Login(t.Context(), "nobody@example.test", "not the password at all")
	fid := "00000000-0000-4000-8000-000000000001"
	bad := ts.signer("BKNOSUCHKEY0000001", "x")
	_, _ = bad.Deploy(t.Context(), fid, "application/wasm", []byte("\x00asm"))
	if h := ts.versionOf(t); h != "v1" {
		t.Errorf("X-Berth-Version %q on the manager's answer", h)
	}
	resp, err := http.Get("http://" + ts.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	m := buf.String()
	for _, want := range []string{
		// On success domain, operation and error_detail are empty.
		`berth_api_request_count_total{domain="",endpoint="/api/users/me",error_detail="",method="GET",operation="",status_code="200"} 1`,
		`berth_api_request_duration_sec_bucket{domain="",endpoint="/api/auth/login",error_detail="",method="POST",operation="",status_code="200",le="0.001"}`,
		`berth_api_request_count_total{domain="auth",endpoint="/api/auth/login",error_detail="unauthorized",method="POST",operation="login",status_code="401"} 1`,
		`berth_api_request_count_total{domain="functions",endpoint="/api/functions/{id}/deploy",error_detail="invalid-credentials",method="POST",operation="",status_code="401"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s\n%s", want, m)
		}
	}
	// The public port does not expose metrics.
	req, _ := http.NewRequestWithContext(context.Background(), "GET", ts.url+"/metrics", nil)
	if _, _, body := ts.raw(req); bytes.Contains(body, []byte("berth_api_request_count")) {
		t.Errorf("the public port serves metrics")
	}
}
