package manager_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/mail/mailtest"
)

type resetAnswer struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

type resetDone struct {
	Message string `json:"message"`
	Ended   struct {
		WebSessions   int `json:"web_sessions"`
		Keypairs      int `json:"keypairs"`
		TokenFamilies int `json:"token_families"`
	} `json:"ended"`
}

var resetLink = regexp.MustCompile(`https?://\S+/reset-password\?token=(bpr_[A-Za-z0-9_-]+)`)

// mailResetLink asks for a reset of email and returns the token of the
// link that arrives at srv.
func mailResetLink(t *testing.T, ts *testServer, srv *mailtest.Server, email string) string {
	t.Helper()
	seen := map[string]bool{}
	for _, m := range srv.Messages(t) {
		seen[m.ID] = true
	}
	a := post[resetAnswer](t, ts.anon(), "/api/auth/reset-password", map[string]any{"email": email})
	if a.Status != "accepted" {
		t.Fatalf("answer: %+v", a)
	}
	ts.Maintain(t.Context())
	var got mailtest.Received
	for deadline := time.Now().Add(10 * time.Second); got.ID == ""; time.Sleep(20 * time.Millisecond) {
		for _, m := range srv.Messages(t) {
			if !seen[m.ID] {
				got = m
			}
		}
		if got.ID == "" && time.Now().After(deadline) {
			t.Fatalf("no reset mail for %s", email)
		}
	}
	if got.To[0] != email || got.Subject != "Choose a new berth password" || !strings.Contains(got.HTML, "Choose a new password") {
		t.Fatalf("the mail: %+v", got)
	}
	m := resetLink.FindStringSubmatch(got.Text)
	if m == nil {
		t.Fatalf("no link in %q", got.Text)
	}
	if u, err := url.Parse(m[0]); err != nil || u.Host != strings.TrimPrefix(ts.url, "http://") {
		t.Fatalf("the link %q does not lead to this server (%s)", m[0], ts.url)
	}
	return m[1]
}

func withMail(t *testing.T, ts *testServer, srv *mailtest.Server) *client.Client {
	t.Helper()
	admin, _ := ts.login(ts.admin, ts.adminPW)
	do(t, admin, http.MethodPatch, "/api/admin/settings", map[string]any{"mail": map[string]any{
		"from": "berth@example.test", "smtp_host": srv.SMTPHost, "smtp_port": srv.SMTPPort, "smtp_security": "none"}})
	return admin
}

func TestPasswordReset(t *testing.T) {
	srv := mailtest.Start(t)
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	admin := withMail(t, ts, srv)
	email, oldPW, user := ts.newUser()

	// The same answer for an address without an account, and no mail.
	unknown := post[resetAnswer](t, ts.anon(), "/api/auth/reset-password", map[string]any{"email": "nobody@example.test"})
	known := post[resetAnswer](t, ts.anon(), "/api/auth/reset-password", map[string]any{"email": strings.ToUpper(email)})
	if *unknown != *known {
		t.Fatalf("answers differ: %+v vs %+v", unknown, known)
	}
	ts.Maintain(ctx)
	for _, m := range srv.Messages(t) {
		if m.To[0] == "nobody@example.test" {
			t.Fatal("a mail went to an address without an account")
		}
	}
	token := mailResetLink(t, ts, srv, email)
	if strings.Contains(ts.logs.String(), token) {
		t.Fatal("the reset token is in the log")
	}

	// A weak password is refused without spending the link.
	ce := wantStatus(t, ts.anon().Do(ctx, http.MethodPost, "/api/auth/reset-password/confirm",
		map[string]any{"token": token, "new_password": "short"}, nil), http.StatusUnprocessableEntity, "validation")
	if len(ce.Errors) != 1 || ce.Errors[0].Location != "body.new_password" {
		t.Fatalf("weak password: %+v", ce)
	}
	const newPW = "a brand new passphrase for berth"
	done := post[resetDone](t, ts.anon(), "/api/auth/reset-password/confirm", map[string]any{"token": token, "new_password": newPW})
	if done.Ended.TokenFamilies < 1 || !strings.Contains(done.Message, "every session") {
		t.Fatalf("confirm: %+v", done)
	}
	// Everything the old password gave has ended; the new one signs in.
	wantStatus(t, user.Do(ctx, http.MethodGet, "/api/users/me", nil, nil), http.StatusUnauthorized, "unauthorized")
	if _, err := ts.anon().Login(ctx, email, oldPW); err == nil {
		t.Fatal("the old password still signs in")
	}
	ts.login(email, newPW)
	// Once only.
	wantStatus(t, ts.anon().Do(ctx, http.MethodPost, "/api/auth/reset-password/confirm",
		map[string]any{"token": token, "new_password": "another long passphrase"}, nil), http.StatusBadRequest, "reset-token-invalid")
	// A made-up token, and an expired one.
	wantStatus(t, ts.anon().Do(ctx, http.MethodPost, "/api/auth/reset-password/confirm",
		map[string]any{"token": "bpr_" + strings.Repeat("A", 43), "new_password": "another long passphrase"}, nil), http.StatusBadRequest, "reset-token-invalid")
	lateEmail, _, _ := ts.newUser()
	late := mailResetLink(t, ts, srv, lateEmail)
	ts.clock.Advance(31 * time.Minute)
	wantStatus(t, ts.anon().Do(ctx, http.MethodPost, "/api/auth/reset-password/confirm",
		map[string]any{"token": late, "new_password": "another long passphrase"}, nil), http.StatusBadRequest, "reset-token-invalid")
	// A newer link replaces an older one.
	twiceEmail, _, _ := ts.newUser()
	first := mailResetLink(t, ts, srv, twiceEmail)
	second := mailResetLink(t, ts, srv, twiceEmail)
	wantStatus(t, ts.anon().Do(ctx, http.MethodPost, "/api/auth/reset-password/confirm",
		map[string]any{"token": first, "new_password": "another long passphrase"}, nil), http.StatusBadRequest, "reset-token-invalid")
	post[resetDone](t, ts.anon(), "/api/auth/reset-password/confirm", map[string]any{"token": second, "new_password": "another long passphrase"})

	// A blocked account gets no link.
	blockedEmail, _, blocked := ts.newUser()
	do(t, admin, http.MethodPost, "/api/admin/users/"+get[me](t, blocked, "/api/users/me").ID+"/block", map[string]any{"reason": "test"})
	post[resetAnswer](t, ts.anon(), "/api/auth/reset-password", map[string]any{"email": blockedEmail})
	ts.Maintain(ctx)
	for _, m := range srv.Messages(t) {
		if m.To[0] == blockedEmail {
			t.Fatal("a blocked account was sent a reset link")
		}
	}
}

// TestMailRetriedThenGivenUp: a reset mail the server does not take is
// queued, tried again as time passes, and delivered once the server is
// back; one that never goes through is given up after mail.max_attempts
// and shown to the admins — its text never.
func TestMailRetriedThenGivenUp(t *testing.T) {
	srv := mailtest.Start(t)
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	// The clock moves hours: a fresh admin login for each call.
	admin := func() *client.Client { c, _ := ts.login(ts.admin, ts.adminPW); return c }
	down := freePort(t)
	setPort := func(port int) {
		do(t, admin(), http.MethodPatch, "/api/admin/settings", map[string]any{"mail": map[string]any{
			"from": "berth@example.test", "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none"}})
	}
	setPort(down)
	email, _, _ := ts.newUser()
	post[resetAnswer](t, ts.anon(), "/api/auth/reset-password", map[string]any{"email": email})
	ts.Maintain(ctx)
	for range 3 { // still down: tried again (after 30 s, 1 min, 2 min), not lost
		ts.clock.Advance(3 * time.Minute)
		ts.Maintain(ctx)
	}
	if got := get[struct {
		Mail []map[string]any `json:"mail"`
	}](t, admin(), "/api/admin/errors"); len(got.Mail) != 0 {
		t.Fatalf("given up too early: %+v", got.Mail)
	}
	setPort(srv.SMTPPort)
	ts.clock.Advance(5 * time.Minute)
	ts.Maintain(ctx)
	got := srv.WaitFor(t, email, 10*time.Second)
	m := resetLink.FindStringSubmatch(got.Text)
	if m == nil {
		t.Fatalf("the delivered mail has no link: %q", got.Text)
	}
	post[resetDone](t, ts.anon(), "/api/auth/reset-password/confirm", map[string]any{"token": m[1], "new_password": "a passphrase after the outage"})

	// Never delivered: given up once its link has expired (sooner than
	// the attempts run out), then in the errors view.
	setPort(down)
	lost, _, _ := ts.newUser()
	post[resetAnswer](t, ts.anon(), "/api/auth/reset-password", map[string]any{"email": lost})
	for range 12 {
		ts.Maintain(ctx)
		ts.clock.Advance(4 * time.Minute)
	}
	errs := get[struct {
		Mail []struct {
			Recipient string `json:"recipient"`
			Kind      string `json:"kind"`
			Attempts  int    `json:"attempts"`
			LastError string `json:"last_error"`
		} `json:"mail"`
	}](t, admin(), "/api/admin/errors?since="+ts.clock.Now().Add(-48*time.Hour).UTC().Format(time.RFC3339))
	if len(errs.Mail) != 1 || errs.Mail[0].Recipient != lost || errs.Mail[0].Kind != "password-reset" || errs.Mail[0].Attempts < 4 ||
		!strings.Contains(errs.Mail[0].LastError, "127.0.0.1") || !strings.Contains(errs.Mail[0].LastError, "expired before it could be sent") {
		t.Fatalf("given-up mail: %+v", errs.Mail)
	}
	if strings.Contains(ts.logs.String(), "reset-password?token=") {
		t.Fatal("a reset link is in the log")
	}
}

// TestLegacyBcryptLogin: an account imported with a bcrypt hash signs in
// with its old password, and from then on holds an argon2id hash.
func TestLegacyBcryptLogin(t *testing.T) {
	ts := startServer(t)
	ctx := t.Context()
	legacy, err := bcrypt.GenerateFromPassword([]byte("the old system's password"), 4)
	if err != nil {
		t.Fatal(err)
	}
	u := &berth.User{Email: "legacy@example.test", Name: "Leg Acy", Role: berth.RoleUser, Status: berth.UserActive,
		PasswordHash: string(legacy), EmailVerifiedAt: time.Now()}
	if err := ts.Store().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.anon().Login(ctx, u.Email, "not it"); err == nil {
		t.Fatal("a wrong password signed in")
	}
	ts.login(u.Email, "the old system's password")
	got, err := ts.Store().User(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.PasswordHash, "$argon2id$") {
		t.Fatalf("the bcrypt hash was kept: %.7s…", got.PasswordHash)
	}
	ts.login(u.Email, "the old system's password")
}
