package manager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/mail"
)

// How mail is sent: at once when the server takes it; otherwise, where
// the caller allows it, into the outbox that every replica drains (a
// restart loses nothing), retried with growing pauses and given up after
// mail.max_attempts, when the admins see it in GET /api/admin/errors.
const (
	mailSendTimeout = 15 * time.Second
	mailLease       = 2 * time.Minute // a claimed mail is another replica's again after this
	mailBatch       = 20
	mailFirstRetry  = 30 * time.Second
	mailMaxPause    = time.Hour
	mailDrainEvery  = 10 * time.Second
)

// mailer returns the Sender in effect: the admin settings' SMTP server
// when they name one, else the configuration file's (mail.smtp_host), else
// nil (mail then goes to the log). It is built per message: settings
// change at run time and mail is rare.
func (m *Manager) mailer(ctx context.Context) (mail.Sender, error) {
	s, err := m.settings(ctx)
	if err != nil {
		return nil, err
	}
	if s.Mail.configured() {
		var pw []byte
		if len(s.Mail.passwordSealed) > 0 {
			if pw, err = m.box.Open(s.Mail.passwordSealed, mailAAD()); err != nil {
				return nil, fmt.Errorf("the SMTP password setting cannot be opened (is the master key the one it was sealed with?): %w", err)
			}
		}
		return mail.NewSMTP(mail.SMTPConfig{Host: s.Mail.SMTPHost, Port: s.Mail.SMTPPort, Username: s.Mail.SMTPUsername,
			Password: string(pw), Security: s.Mail.SMTPSecurity, From: s.Mail.From, TLSConfig: m.mailTLS, Timeout: mailSendTimeout})
	}
	if c := m.mailCfg; c.SMTPHost != "" {
		return mail.NewSMTP(mail.SMTPConfig{Host: c.SMTPHost, Port: c.SMTPPort, Username: c.SMTPUsername,
			Password: c.SMTPPassword, Security: c.TLS, From: c.From, TLSConfig: m.mailTLS, Timeout: mailSendTimeout})
	}
	return nil, nil
}

// sealedMail is what the outbox keeps of a mail, sealed.
type sealedMail struct {
	Subject string `json:"s"`
	Text    string `json:"t"`
	HTML    string `json:"h,omitempty"`
}

func outboxAAD(id string) []byte { return []byte("mail-outbox:" + id) }

// sendMail renders template kind for to and sends it. It reports whether
// the server took the mail. When it did not and retry is set, the mail is
// queued and tried again in the background until retry, when it is not
// zero (what the mail carries stops working then), and the error says so;
// without an SMTP server the mail goes to the log (recipient and subject
// only) and the error is mail.ErrNotConfigured. A mail that cannot be
// composed is an error and nothing is sent.
func (m *Manager) sendMail(ctx context.Context, kind, to string, data any, retry retryUntil) (bool, error) {
	msg, err := m.templates.Render(kind, to, data)
	if err != nil {
		return false, err
	}
	sender, err := m.mailer(ctx)
	if err != nil {
		return false, err
	}
	if sender == nil {
		return false, mail.Log{Logger: m.log}.Send(ctx, msg)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), mailSendTimeout)
	err = sender.Send(sctx, msg)
	cancel()
	if err == nil {
		m.countMail("sent")
		return true, nil
	}
	if errors.Is(err, berth.ErrInvalid) || !retry.ok {
		m.countMail("failed")
		m.log.WarnContext(ctx, "mail not sent", "event", "mail_failed", "kind", kind, "error", err)
		return false, err
	}
	if qerr := m.queueMail(ctx, kind, msg, retry.until, err); qerr != nil {
		m.countMail("lost")
		m.log.ErrorContext(ctx, "mail not sent and not queued", "event", "mail_lost", "kind", kind, "error", err, "queue_error", qerr)
		return false, fmt.Errorf("%w; it could not be queued either: %w", err, qerr)
	}
	m.log.WarnContext(ctx, "mail not sent; queued to try again", "event", "mail_queued", "kind", kind, "error", err)
	return false, fmt.Errorf("%w; %w", err, errMailQueued)
}

// errMailQueued ends the error of a mail that did not go at once but waits
// in the outbox: the caller may treat it as on its way.
var errMailQueued = errors.New("it is queued and will be tried again")

// retryUntil says whether a mail that did not go is queued, and until
// when (zero: as long as its attempts last).
type retryUntil struct {
	ok    bool
	until time.Time
}

var (
	noRetry     = retryUntil{}
	retryAlways = retryUntil{ok: true}
)

func retryBefore(t time.Time) retryUntil { return retryUntil{ok: true, until: t} }

// queueMail seals msg into the outbox after its first failed attempt, due
// after the first pause.
func (m *Manager) queueMail(ctx context.Context, kind string, msg mail.Message, expires time.Time, cause error) error {
	const attempts = 1
	id := uuid.NewString()
	body, err := json.Marshal(sealedMail{Subject: msg.Subject, Text: msg.Text, HTML: msg.HTML})
	if err != nil {
		return err
	}
	now := m.now().UTC()
	limit := m.mailCfg.QueueSize
	return m.store.QueueMail(context.WithoutCancel(ctx), &berth.OutboxMail{ID: id, Recipient: msg.To, Kind: kind,
		Sealed: m.box.Seal(body, outboxAAD(id)), Attempts: attempts, NextAttemptAt: now.Add(mailPause(attempts)),
		LastError: cause.Error(), ExpiresAt: expires, CreatedAt: now, UpdatedAt: now}, limit)
}

// mailPause is the wait after the given number of failed attempts: 30 s,
// doubling, at most an hour, with a fifth of jitter so that replicas and
// mails do not retry in step.
func mailPause(attempts int) time.Duration {
	d := mailFirstRetry << min(max(attempts-1, 0), 16)
	d = min(d, mailMaxPause)
	return d - time.Duration(rand.Int64N(int64(d/5)+1)) //nolint:gosec // G404: jitter, not a secret
}

// drainOutbox tries the mails that are due, until none is or ctx ends.
func (m *Manager) drainOutbox(ctx context.Context) {
	for ctx.Err() == nil {
		due, err := m.store.DueMail(ctx, m.now().UTC(), mailLease, mailBatch)
		if err != nil {
			m.log.WarnContext(ctx, "mail outbox not read", "event", "mail_outbox_failed", "error", err)
			return
		}
		if len(due) == 0 {
			return
		}
		sender, err := m.mailer(ctx)
		for i := range due {
			m.retryMail(ctx, &due[i], sender, err)
		}
	}
}

// retryMail tries one mail from the outbox again.
func (m *Manager) retryMail(ctx context.Context, o *berth.OutboxMail, sender mail.Sender, senderErr error) {
	plain, err := m.box.Open(o.Sealed, outboxAAD(o.ID))
	var sm sealedMail
	if err == nil {
		err = json.Unmarshal(plain, &sm)
	}
	if err != nil { // cannot become sendable: give up at once
		m.giveUpMail(ctx, o, o.Attempts, fmt.Errorf("the queued mail cannot be opened (was the master key changed?): %w", err))
		return
	}
	if !o.ExpiresAt.IsZero() && !m.now().Before(o.ExpiresAt) {
		m.giveUpMail(ctx, o, o.Attempts, fmt.Errorf("%s; what it carries expired before it could be sent", o.LastError))
		return
	}
	switch {
	case senderErr != nil:
		err = senderErr
	case sender == nil:
		err = mail.ErrNotConfigured
	default:
		sctx, cancel := context.WithTimeout(ctx, mailSendTimeout)
		err = sender.Send(sctx, mail.Message{To: o.Recipient, Subject: sm.Subject, Text: sm.Text, HTML: sm.HTML})
		cancel()
	}
	attempts := o.Attempts + 1
	switch {
	case err == nil:
		if err := m.store.MailSent(ctx, o.ID); err != nil {
			m.log.WarnContext(ctx, "sent mail not removed from the outbox; it may be sent twice", "event", "mail_outbox_failed", "error", err)
		}
		m.countMail("sent")
		m.log.InfoContext(ctx, "queued mail sent", "event", "mail_sent", "kind", o.Kind, "attempts", attempts)
	case errors.Is(err, berth.ErrInvalid) || attempts >= m.mailCfg.MaxAttempts:
		m.giveUpMail(ctx, o, attempts, err)
	default:
		if err := m.store.MailRetry(ctx, o.ID, attempts, m.now().UTC().Add(mailPause(attempts)), err.Error()); err != nil {
			m.log.WarnContext(ctx, "mail retry not recorded", "event", "mail_outbox_failed", "error", err)
		}
	}
}

func (m *Manager) giveUpMail(ctx context.Context, o *berth.OutboxMail, attempts int, cause error) {
	m.countMail("failed")
	m.log.ErrorContext(ctx, "mail given up", "event", "mail_given_up", "kind", o.Kind, "attempts", attempts, "error", cause)
	if err := m.store.MailGivenUp(ctx, o.ID, attempts, cause.Error()); err != nil {
		m.log.WarnContext(ctx, "given-up mail not recorded", "event", "mail_outbox_failed", "error", err)
	}
}

func (m *Manager) countMail(outcome string) {
	if m.metrics != nil && m.metrics.mail != nil {
		m.metrics.mail.WithLabelValues(outcome).Inc()
	}
}

// mailTemporaryPassword mails u its temporary password when mail is
// configured and reports whether it did. It is not queued: when the mail
// does not go, the admin is shown the password (handOver), and a later
// mail could carry one that was replaced meanwhile.
func (m *Manager) mailTemporaryPassword(ctx context.Context, u *berth.User, pw string, earlyAccess bool) (bool, error) {
	mailed, err := m.sendMail(ctx, mail.TemplateTemporaryPassword, u.Email, map[string]any{
		"Name": u.Name, "Email": u.Email, "Password": pw, "EarlyAccess": earlyAccess, "SignInURL": m.link("/signin"),
	}, noRetry)
	if errors.Is(err, mail.ErrNotConfigured) {
		return false, nil // the answer carries the password; nothing failed
	}
	return mailed, err
}

// link is an absolute address of the dashboard.
func (m *Manager) link(path string) string { return strings.TrimSuffix(m.publicURL(), "/") + path }
