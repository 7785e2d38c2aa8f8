package manager

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/kv"
	"github.com/berth-platform/berth/internal/mail"
	"github.com/berth-platform/berth/internal/password"
)

// Password reset by mail: POST /api/auth/reset-password sends a link with
// a single-use token (30 minutes, kept as a keyed hash) to an active
// account; POST /api/auth/reset-password/confirm sets the new password and
// ends every session, token and keypair of the account.

const (
	resetTTL         = 30 * time.Minute
	resetTokenPrefix = "bpr_"
	resetAccepted    = "If an active account has this address, a link to choose a new password is on its way. " +
		"It is valid for 30 minutes and works once."
)

// Requests per client address, and mails per account: a person may ask
// a few times; nobody fills a mailbox with resets.
var (
	resetAddrLimit    = kv.Limit{Rate: 10, Period: time.Hour, Burst: 10}
	resetAccountLimit = kv.Limit{Rate: 3, Period: time.Hour, Burst: 3}
)

type resetRequestInput struct {
	Body struct {
		Email string `json:"email" minLength:"1" maxLength:"320" example:"ada@example.com"`
	}
}

type resetRequestOutput struct {
	Body struct {
		Status  string `json:"status" enum:"accepted"`
		Message string `json:"message"`
	}
}

type resetConfirmInput struct {
	Body struct {
		Token       string `json:"token" minLength:"1" maxLength:"200" doc:"The token of the link in the mail."`
		NewPassword string `json:"new_password" minLength:"1" maxLength:"1024"`
	}
}

type resetConfirmOutput struct {
	Body struct {
		Message string `json:"message"`
		Ended   Ended  `json:"ended" doc:"What the new password ended: every session, login and keypair of the account."`
	}
}

func (m *Manager) registerPasswordReset() {
	tags := []string{"auth"}
	operation(m, huma.Operation{OperationID: "request-password-reset", Method: http.MethodPost, Path: "/api/auth/reset-password", Tags: tags,
		DefaultStatus: http.StatusAccepted, Errors: []int{http.StatusTooManyRequests},
		Summary: "Ask for a link to choose a new password",
		Description: "Always 202, whether or not the address has an account: an active account gets a mail with a link " +
			"valid for 30 minutes, once. Limited per client address (429 with Retry-After)."}, m.requestPasswordReset)
	operation(m, huma.Operation{OperationID: "confirm-password-reset", Method: http.MethodPost, Path: "/api/auth/reset-password/confirm", Tags: tags,
		Errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusUnprocessableEntity},
		Summary: "Choose a new password with the token of a reset link; every session, token and keypair of the account ends"},
		m.confirmPasswordReset)
}

// codeHash is the keyed hash a one-time secret is kept as: without the key
// (derived from the master key) a copy of the database cannot be searched
// for a short code.
func (m *Manager) codeHash(purpose, userID, secret string) []byte {
	mac := hmac.New(sha256.New, m.codeKey)
	mac.Write([]byte(purpose + "\x00" + userID + "\x00" + secret))
	return mac.Sum(nil)
}

// limitAddr applies l to the client address for the public operation
// named by key: 429 rate-limited with Retry-After once it is spent, the
// detail naming what (e.g. "password-reset").
func (m *Manager) limitAddr(ctx context.Context, key string, l kv.Limit, what string) error {
	res, err := m.kv.RateLimit(ctx, key+":addr:"+clientAddrFrom(ctx), l)
	if err != nil {
		return err
	}
	if !res.Allowed {
		return withRetryAfter(problem(http.StatusTooManyRequests, codeRateLimited,
			"too many "+what+" requests from your address; try again later"), int(res.RetryAfter.Seconds()+1))
	}
	return nil
}

func (m *Manager) requestPasswordReset(ctx context.Context, in *resetRequestInput) (*resetRequestOutput, error) {
	addr := clientAddrFrom(ctx)
	if err := m.limitAddr(ctx, "reset", resetAddrLimit, "password-reset"); err != nil {
		return nil, m.fail(ctx, err)
	}
	out := &resetRequestOutput{}
	out.Body.Status, out.Body.Message = "accepted", resetAccepted
	email, err := berth.NormalizeEmail(in.Body.Email)
	if err != nil {
		return nil, m.fail(ctx, berth.Invalid("email", "must be an email address such as ada@example.com"))
	}
	// The answer does not wait for the lookup or the mail: its time says
	// nothing about the address.
	m.sending.Go(func() { m.sendPasswordReset(context.WithoutCancel(ctx), email, addr) })
	return out, nil
}

// sendPasswordReset mails a reset link to the active account of email,
// if there is one.
func (m *Manager) sendPasswordReset(ctx context.Context, email, addr string) {
	u, err := m.store.UserByEmail(ctx, email)
	if errors.Is(err, berth.ErrNotFound) || (err == nil && u.Status != berth.UserActive) {
		return
	}
	if err != nil {
		m.log.ErrorContext(ctx, "password reset not sent", "event", "password_reset_failed", "error", err)
		return
	}
	if res, err := m.kv.RateLimit(ctx, "reset:acct:"+u.ID, resetAccountLimit); err != nil || !res.Allowed {
		m.auditUser(ctx, u, actPasswordReset, u.ID, berth.AuditFailure, "requested too often; no mail sent")
		return
	}
	token := resetTokenPrefix + randomToken()
	now := m.now().UTC()
	if err := m.store.PutCode(ctx, &berth.OneTimeCode{UserID: u.ID, Purpose: berth.CodePasswordReset,
		Hash: m.codeHash(berth.CodePasswordReset, "", token), ExpiresAt: now.Add(resetTTL), CreatedAt: now}); err != nil {
		m.log.ErrorContext(ctx, "password reset not sent", "event", "password_reset_failed", "error", err)
		return
	}
	_, err = m.sendMail(ctx, mail.TemplatePasswordReset, u.Email, map[string]any{
		"Name": u.Name, "Email": u.Email, "ValidFor": "30 minutes", "ResetURL": m.link("/reset-password?token=" + token),
	}, retryBefore(now.Add(resetTTL)))
	detail := "link mailed"
	if err != nil {
		detail = "link not mailed at once: " + err.Error()
	}
	m.audit(ctx, berth.AuditEvent{Action: actPasswordReset, ActorID: u.ID, ActorEmail: u.Email, Target: u.ID, ClientAddr: addr,
		Outcome: berth.AuditSuccess, Detail: detail})
}

// errResetInvalid is the one answer for a token that is wrong, spent or
// expired: which of them it was is not the caller's business.
var errResetInvalid = problem(http.StatusBadRequest, codeResetInvalid,
	"this password-reset link is invalid, used or expired; ask for a new one at POST /api/auth/reset-password (the sign-in page has a link)")

func (m *Manager) confirmPasswordReset(ctx context.Context, in *resetConfirmInput) (*resetConfirmOutput, error) {
	token := strings.TrimSpace(in.Body.Token)
	if !strings.HasPrefix(token, resetTokenPrefix) {
		return nil, errResetInvalid
	}
	c, err := m.store.CodeByHash(ctx, berth.CodePasswordReset, m.codeHash(berth.CodePasswordReset, "", token))
	switch {
	case errors.Is(err, berth.ErrNotFound):
		return nil, errResetInvalid
	case err != nil:
		return nil, m.fail(ctx, err)
	}
	if !m.now().Before(c.ExpiresAt) {
		_ = m.store.SpendCode(ctx, c.ID)
		return nil, errResetInvalid
	}
	u, err := m.store.User(ctx, c.UserID)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	switch u.Status {
	case berth.UserBlocked:
		return nil, problem(http.StatusForbidden, codeAccountBlocked, "this account is blocked; an administrator can enable it")
	case berth.UserDeleted:
		return nil, errResetInvalid
	}
	// The policy first, so that a weak password does not spend the link.
	if err := password.Check(in.Body.NewPassword, u.Email); err != nil {
		var inv *berth.InvalidError
		if errors.As(err, &inv) {
			err = berth.Invalid("new_password", inv.Reason)
		}
		return nil, m.fail(ctx, err)
	}
	hash, err := m.hasher.Hash(ctx, in.Body.NewPassword)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	if err := m.store.SpendCode(ctx, c.ID); errors.Is(err, berth.ErrNotFound) {
		return nil, errResetInvalid // spent by a request at the same moment
	} else if err != nil {
		return nil, m.fail(ctx, err)
	}
	if err := m.store.SetPassword(ctx, u.ID, hash, false); err != nil {
		return nil, m.fail(ctx, err)
	}
	ended, err := m.endSessions(ctx, u.ID, "", "")
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	m.recordSuccess(ctx, u.Email) // the lock-out that may have led here ends
	m.audit(ctx, berth.AuditEvent{Action: actPasswordReset, ActorID: u.ID, ActorEmail: u.Email, Target: u.ID,
		ClientAddr: clientAddrFrom(ctx), Outcome: berth.AuditSuccess, Detail: "new password set; every session ended"})
	out := &resetConfirmOutput{}
	out.Body.Ended = ended
	out.Body.Message = "Your password is changed, and every session, login and keypair of your account has ended. Sign in with the new password."
	return out, nil
}
