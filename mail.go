package berth

import (
	"context"
	"fmt"
	"time"
)

// ErrQueueFull refuses a mail when the outbox holds as many as it may; it
// is an ErrUnavailable.
var ErrQueueFull = fmt.Errorf("%w: the mail queue is full", ErrUnavailable)

// OutboxMail is a mail that could not be sent at once and waits to be
// tried again. Its subject and bodies are sealed with the master key:
// they may hold a temporary password or a reset link.
type OutboxMail struct {
	ID        string
	Recipient string
	Kind      string // the template it was made from, e.g. "password-reset"
	Sealed    []byte
	Attempts  int
	// Failed is set once the mail is given up; it stays for the admins.
	Failed        bool
	NextAttemptAt time.Time
	LastError     string
	// ExpiresAt, when set, is when what the mail carries stops working
	// (a reset link): it is given up then rather than sent late.
	ExpiresAt time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// One-time code purposes.
const (
	CodePasswordReset     = "password_reset"
	CodeEmailVerification = "email_verification"
)

// OneTimeCode is a secret sent to an account by mail, kept as a keyed hash:
// a password-reset token or an email-verification code.
type OneTimeCode struct {
	ID        string
	UserID    string
	Purpose   string
	Hash      []byte
	Attempts  int
	ExpiresAt time.Time
	CreatedAt time.Time
}

// MailStore keeps the mail outbox and the one-time codes mail carries.
type MailStore interface {
	// QueueMail adds m, filling ID and times, unless limit mails wait
	// already (ErrQueueFull).
	QueueMail(ctx context.Context, m *OutboxMail, limit int) error
	// DueMail claims up to n waiting mails due at now: their next attempt
	// moves to now+lease, so that another replica does not take them while
	// this one tries.
	DueMail(ctx context.Context, now time.Time, lease time.Duration, n int) ([]OutboxMail, error)
	// MailSent removes a mail that was sent: its text is not kept.
	MailSent(ctx context.Context, id string) error
	// MailRetry records a failed attempt, to be tried again at next.
	MailRetry(ctx context.Context, id string, attempts int, next time.Time, reason string) error
	// MailGivenUp marks a mail failed for good; it stays, for the admins.
	MailGivenUp(ctx context.Context, id string, attempts int, reason string) error
	// FailedMail lists the mails given up since a time, newest first.
	FailedMail(ctx context.Context, since time.Time, limit int) ([]OutboxMail, error)

	// PutCode stores c, filling ID and CreatedAt, in place of the
	// account's other codes of the same purpose.
	PutCode(ctx context.Context, c *OneTimeCode) error
	// CodeByHash returns the code of purpose with hash; ErrNotFound when
	// there is none (spent codes are deleted).
	CodeByHash(ctx context.Context, purpose string, hash []byte) (*OneTimeCode, error)
	// UserCode returns the account's code of purpose; ErrNotFound.
	UserCode(ctx context.Context, userID, purpose string) (*OneTimeCode, error)
	// CodeAttempt counts a wrong try and returns the attempts so far.
	CodeAttempt(ctx context.Context, id string) (int, error)
	// SpendCode deletes the code; ErrNotFound when another call spent it
	// first, so that a code works once even under a race.
	SpendCode(ctx context.Context, id string) error
	// PruneMail deletes codes expired before now and given-up mails last
	// tried before giveUpBefore, and returns how many rows went.
	PruneMail(ctx context.Context, now, giveUpBefore time.Time) (int64, error)
}
