package manager

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/kv"
	"github.com/berth-platform/berth/internal/mail"
)

// Email verification: a six-digit code by mail (15 minutes, kept as a
// keyed hash, at most 5 tries). Where the operator requires verified
// addresses (auth.require_verified_email), an account that has not proved
// its address may sign in but do nothing else until it does, and
// registration answers the same whether or not the address is taken.

const (
	verifyTTL         = 15 * time.Minute
	verifyMaxAttempts = 5
)

// A code may be sent again after a minute, at most 5 times an hour.
var (
	verifyResendGap   = kv.Limit{Rate: 1, Period: time.Minute, Burst: 1}
	verifyHourlyLimit = kv.Limit{Rate: 5, Period: time.Hour, Burst: 5}
)

// verifyRoutes are what an unverified account may call where verification
// is required: read itself, the verification operations, sign out.
var verifyRoutes = map[string]bool{
	"GET /api/users/me": true, "POST /api/auth/logout": true, "GET /api/auth/options": true,
	"POST /api/email-verification/send": true, "POST /api/email-verification/resend": true, "POST /api/email-verification/verify": true,
}

var errVerifyRequired = problem(http.StatusForbidden, codeVerifyRequired,
	"confirm your email address first: enter the code we mailed you (POST /api/email-verification/verify {code}; "+
		"POST /api/email-verification/resend sends a new one)")

type verifySendOutput struct {
	Body struct {
		Status  string `json:"status" enum:"sent,verified"`
		Message string `json:"message"`
		// ExpiresAt is when the code stops working.
		ExpiresAt *time.Time `json:"expires_at,omitempty"`
	}
}

type verifyInput struct {
	Body struct {
		Code string `json:"code" minLength:"1" maxLength:"20" example:"042917" doc:"The six digits from the mail."`
	}
}

type verifyOutput struct {
	Body struct {
		Verified bool   `json:"verified"`
		Message  string `json:"message"`
	}
}

func (m *Manager) registerEmailVerification() {
	tags := []string{"users"}
	for _, op := range []struct{ id, path, summary string }{
		{"send-email-verification", "/api/email-verification/send", "Mail a code that proves your address"},
		{"resend-email-verification", "/api/email-verification/resend", "Mail a new code (the old one stops working)"},
	} {
		operation(m, huma.Operation{OperationID: op.id, Method: http.MethodPost, Path: op.path, Tags: tags, Security: authenticated,
			DefaultStatus: http.StatusAccepted, Errors: []int{http.StatusTooManyRequests, http.StatusServiceUnavailable},
			Summary:     op.summary,
			Description: "Six digits, valid for 15 minutes, 5 tries. Once a minute and 5 times an hour (429 with Retry-After)."}, m.sendVerification)
	}
	operation(m, huma.Operation{OperationID: "verify-email", Method: http.MethodPost, Path: "/api/email-verification/verify", Tags: tags,
		Security: authenticated, Errors: []int{http.StatusBadRequest, http.StatusUnprocessableEntity},
		Summary: "Prove your address with the mailed code"}, m.verifyEmail)
}

// needsVerification says whether u must prove its address before anything else.
func (m *Manager) needsVerification(u *berth.User) bool {
	return m.auth.RequireVerifiedEmail && u.EmailVerifiedAt.IsZero()
}

func (m *Manager) sendVerification(ctx context.Context, _ *struct{}) (*verifySendOutput, error) {
	u := PrincipalFrom(ctx).User
	out := &verifySendOutput{}
	if !u.EmailVerifiedAt.IsZero() {
		out.Body.Status, out.Body.Message = "verified", "your address "+u.Email+" is confirmed already"
		return out, nil
	}
	for _, l := range []struct {
		key   string
		limit kv.Limit
	}{{"verify:gap:" + u.ID, verifyResendGap}, {"verify:hour:" + u.ID, verifyHourlyLimit}} {
		res, err := m.kv.RateLimit(ctx, l.key, l.limit)
		if err != nil {
			return nil, m.fail(ctx, err)
		}
		if !res.Allowed {
			return nil, withRetryAfter(problem(http.StatusTooManyRequests, codeRateLimited,
				"a code was sent a moment ago; wait before asking for another (check your spam folder)"), int(res.RetryAfter.Seconds()+1))
		}
	}
	expires, err := m.newVerificationCode(ctx, u)
	switch {
	case errors.Is(err, mail.ErrNotConfigured):
		return nil, problem(http.StatusServiceUnavailable, codeUnavailable,
			"this server cannot send mail yet (no SMTP server is configured); ask an administrator")
	case err != nil && !errors.Is(err, errMailQueued):
		return nil, problem(http.StatusServiceUnavailable, codeUnavailable, "the code could not be mailed; try again in a few minutes")
	}
	// A queued code goes out as soon as the mail server takes it.
	m.auditUser(ctx, u, actEmailVerify, u.ID, berth.AuditSuccess, "code sent")
	out.Body.Status, out.Body.ExpiresAt = "sent", &expires
	out.Body.Message = "A code is on its way to " + u.Email + "; it is valid for 15 minutes."
	return out, nil
}

// newVerificationCode stores a new code for u (the old one stops working)
// and mails it; a mail the server does not take now is retried while the
// code lives.
func (m *Manager) newVerificationCode(ctx context.Context, u *berth.User) (time.Time, error) {
	code, err := sixDigits()
	if err != nil {
		return time.Time{}, err
	}
	now := m.now().UTC()
	expires := now.Add(verifyTTL)
	if err := m.store.PutCode(ctx, &berth.OneTimeCode{UserID: u.ID, Purpose: berth.CodeEmailVerification,
		Hash: m.codeHash(berth.CodeEmailVerification, u.ID, code), ExpiresAt: expires, CreatedAt: now}); err != nil {
		return time.Time{}, err
	}
	_, err = m.sendMail(ctx, mail.TemplateEmailVerification, u.Email, map[string]any{
		"Name": u.Name, "Email": u.Email, "Code": code, "ValidFor": "15 minutes",
	}, retryBefore(expires))
	return expires, err
}

// mailVerificationCode sends a new account its first code.
func (m *Manager) mailVerificationCode(ctx context.Context, u *berth.User) {
	if _, err := m.newVerificationCode(ctx, u); err != nil {
		m.log.WarnContext(ctx, "verification code not mailed at once", "event", "verification_mail_failed", "user_id", u.ID, "error", err)
	}
}

// sixDigits is a uniformly random code from 000000 to 999999.
func sixDigits() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

var errVerifyNoCode = problem(http.StatusBadRequest, codeVerifyInvalid,
	"there is no code to check (none was sent, or it expired or was tried too often); ask for a new one: POST /api/email-verification/resend")

func (m *Manager) verifyEmail(ctx context.Context, in *verifyInput) (*verifyOutput, error) {
	u := PrincipalFrom(ctx).User
	out := &verifyOutput{}
	if !u.EmailVerifiedAt.IsZero() {
		out.Body.Verified, out.Body.Message = true, "your address is confirmed already"
		return out, nil
	}
	c, err := m.store.UserCode(ctx, u.ID, berth.CodeEmailVerification)
	switch {
	case errors.Is(err, berth.ErrNotFound):
		return nil, errVerifyNoCode
	case err != nil:
		return nil, m.fail(ctx, err)
	}
	if !m.now().Before(c.ExpiresAt) || c.Attempts >= verifyMaxAttempts {
		_ = m.store.SpendCode(ctx, c.ID)
		return nil, errVerifyNoCode
	}
	code := strings.Join(strings.Fields(in.Body.Code), "") // "042 917" is fine
	if !hmac.Equal(m.codeHash(berth.CodeEmailVerification, u.ID, code), c.Hash) {
		n, err := m.store.CodeAttempt(ctx, c.ID)
		if err != nil {
			return nil, m.fail(ctx, err)
		}
		m.auditUser(ctx, u, actEmailVerify, u.ID, berth.AuditFailure, "wrong code")
		if n >= verifyMaxAttempts {
			_ = m.store.SpendCode(ctx, c.ID)
			return nil, problem(http.StatusBadRequest, codeVerifyInvalid,
				"that code is wrong, and it was the last try for this one; ask for a new code: POST /api/email-verification/resend")
		}
		return nil, m.fail(ctx, berth.Invalid("code", fmt.Sprintf("is not the code we mailed; %d tries left", verifyMaxAttempts-n)))
	}
	if err := m.store.SpendCode(ctx, c.ID); errors.Is(err, berth.ErrNotFound) {
		return nil, errVerifyNoCode
	} else if err != nil {
		return nil, m.fail(ctx, err)
	}
	if err := m.store.SetEmailVerified(ctx, u.ID, m.now().UTC()); err != nil {
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, u, actEmailVerify, u.ID, berth.AuditSuccess, "address confirmed")
	out.Body.Verified, out.Body.Message = true, "Your address "+u.Email+" is confirmed."
	return out, nil
}
