package manager_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/mail/mailtest"
)

var verifyCode = regexp.MustCompile(`\b(\d{6})\b`)

// codeFor waits for a verification mail to email and returns its code.
func codeFor(t *testing.T, ts *testServer, srv *mailtest.Server, email string, seen map[string]bool) string {
	t.Helper()
	ts.Maintain(t.Context())
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, m := range srv.Messages(t) {
			if !seen[m.ID] && m.To[0] == email && strings.HasPrefix(m.Subject, "Your berth verification code") {
				seen[m.ID] = true
				c := verifyCode.FindStringSubmatch(m.Text)
				if c == nil || !strings.HasSuffix(m.Subject, c[1]) {
					t.Fatalf("no code in %q / %q", m.Subject, m.Text)
				}
				return c[1]
			}
		}
	}
	t.Fatalf("no verification mail to %s", email)
	return ""
}

type registered struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

func TestEmailVerification(t *testing.T) {
	srv := mailtest.Start(t)
	ts := startServer(t, withRegistration, func(c *config.Config) { c.Auth.RequireVerifiedEmail = true })
	ctx := t.Context()
	withMail(t, ts, srv)
	seen := map[string]bool{}
	const pw = "a long enough password for verification"
	register := func(email string) *registered {
		t.Helper()
		var out registered
		req := map[string]any{"email": email, "password": pw, "name": "Vera"}
		if err := ts.anon().Do(ctx, http.MethodPost, "/api/auth/register", req, &out); err != nil {
			t.Fatalf("register %s: %v", email, err)
		}
		return &out
	}

	// The same answer for a new address and a taken one.
	fresh := register("vera@example.test")
	taken := register(ts.admin)
	if fresh.Status != "check-mail" || *fresh != *taken {
		t.Fatalf("answers differ: %+v vs %+v", fresh, taken)
	}
	code := codeFor(t, ts, srv, "vera@example.test", seen)
	warned := srv.WaitFor(t, ts.admin, 10*time.Second)
	if warned.Subject != "Someone tried to register with your address" || !strings.Contains(warned.Text, "/forgot-password") {
		t.Fatalf("the owner of the taken address was told: %+v", warned)
	}

	// Signed in, the account may do nothing but verify.
	vera, _ := ts.login("vera@example.test", pw)
	wantStatus(t, vera.Do(ctx, http.MethodGet, "/api/functions", nil, nil), http.StatusForbidden, "email-verification-required")
	if m := get[struct {
		EmailVerified bool `json:"email_verified"`
	}](t, vera, "/api/users/me"); m.EmailVerified {
		t.Fatal("a new account reads as verified")
	}
	ce := wantStatus(t, vera.Do(ctx, http.MethodPost, "/api/email-verification/verify", map[string]any{"code": "000000x"}, nil),
		http.StatusUnprocessableEntity, "validation")
	if !strings.Contains(ce.Errors[0].Message, "4 tries left") {
		t.Fatalf("a wrong code: %+v", ce)
	}
	if strings.Contains(ts.logs.String(), code) {
		t.Fatal("the code is in the log")
	}
	// Spaces inside the code are fine.
	done := post[struct {
		Verified bool `json:"verified"`
	}](t, vera, "/api/email-verification/verify", map[string]any{"code": code[:3] + " " + code[3:]})
	if !done.Verified {
		t.Fatalf("verify: %+v", done)
	}
	if err := vera.Do(ctx, http.MethodGet, "/api/functions", nil, nil); err != nil {
		t.Fatalf("after verifying: %v", err)
	}
	// Once verified, a code is not needed and not sent.
	if s := post[struct {
		Status string `json:"status"`
	}](t, vera, "/api/email-verification/send", nil); s.Status != "verified" {
		t.Fatalf("send after verifying: %+v", s)
	}

	// Five wrong tries end the code; the right one is then refused too.
	register("wrong@example.test")
	wrongCode := codeFor(t, ts, srv, "wrong@example.test", seen)
	wrong, _ := ts.login("wrong@example.test", pw)
	n, _ := strconv.Atoi(wrongCode)
	notIt := func(i int) string { return fmt.Sprintf("%06d", (n+i)%1_000_000) } // never the mailed code
	for i := 1; i <= 4; i++ {
		wantStatus(t, wrong.Do(ctx, http.MethodPost, "/api/email-verification/verify", map[string]any{"code": notIt(i)}, nil),
			http.StatusUnprocessableEntity, "validation")
	}
	ce = wantStatus(t, wrong.Do(ctx, http.MethodPost, "/api/email-verification/verify", map[string]any{"code": notIt(5)}, nil),
		http.StatusBadRequest, "verification-code-invalid")
	if !strings.Contains(ce.Detail, "last try") {
		t.Fatalf("the fifth wrong code: %+v", ce)
	}
	wantStatus(t, wrong.Do(ctx, http.MethodPost, "/api/email-verification/verify", map[string]any{"code": wrongCode}, nil),
		http.StatusBadRequest, "verification-code-invalid")
	// A new code comes on request, and not again within the minute.
	post[struct{}](t, wrong, "/api/email-verification/resend", nil)
	wantStatus(t, wrong.Do(ctx, http.MethodPost, "/api/email-verification/resend", nil, nil), http.StatusTooManyRequests, "rate-limited")
	again := codeFor(t, ts, srv, "wrong@example.test", seen)
	post[struct{}](t, wrong, "/api/email-verification/verify", map[string]any{"code": again})

	// A code expires after 15 minutes.
	register("late@example.test")
	lateCode := codeFor(t, ts, srv, "late@example.test", seen)
	ts.clock.Advance(16 * time.Minute)
	late, _ := ts.login("late@example.test", pw)
	wantStatus(t, late.Do(ctx, http.MethodPost, "/api/email-verification/verify", map[string]any{"code": lateCode}, nil),
		http.StatusBadRequest, "verification-code-invalid")

	// An account an admin made, whose temporary password came by mail, is verified.
	admin, _ := ts.login(ts.admin, ts.adminPW)
	made := post[struct {
		User struct {
			EmailVerified bool `json:"email_verified"`
		} `json:"user"`
		Mailed bool `json:"mailed"`
	}](t, admin, "/api/admin/users", map[string]any{"email": "made@example.test", "name": "Made"})
	if !made.Mailed || !made.User.EmailVerified {
		t.Fatalf("a mailed temporary password: %+v", made)
	}
}

// TestVerificationMailNotQueued: a code the mail server refuses and the
// full outbox cannot hold is reported, not announced as sent; one the
// outbox holds is on its way.
func TestVerificationMailNotQueued(t *testing.T) {
	for _, tc := range []struct {
		queue  int
		status int
	}{{0, http.StatusServiceUnavailable}, {10, http.StatusAccepted}} {
		ts := startServer(t, withRegistration, func(c *config.Config) { c.Auth.RequireVerifiedEmail, c.Mail.QueueSize = true, tc.queue })
		admin, _ := ts.login(ts.admin, ts.adminPW)
		do(t, admin, http.MethodPatch, "/api/admin/settings", map[string]any{"mail": map[string]any{
			"from": "berth@example.test", "smtp_host": "127.0.0.1", "smtp_port": freePort(t), "smtp_security": "none"}})
		email, pw := "q"+strconv.Itoa(tc.queue)+"@example.test", "a long enough password for the queue"
		if err := ts.anon().Do(t.Context(), http.MethodPost, "/api/auth/register", map[string]any{"email": email, "password": pw, "name": "Q"}, nil); err != nil {
			t.Fatal(err)
		}
		c, _ := ts.login(email, pw)
		err := c.Do(t.Context(), http.MethodPost, "/api/email-verification/send", nil, nil)
		if tc.status == http.StatusAccepted {
			if err != nil {
				t.Fatalf("queue %d: %v", tc.queue, err)
			}
			continue
		}
		wantStatus(t, err, tc.status, "unavailable")
	}
}
