package manager

import (
	"context"
	"fmt"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/mail"
)

// mailer returns the Sender the mail settings describe, or nil when mail is
// not configured. It is built per message: settings change at run time and
// mail is rare.
func (m *Manager) mailer(ctx context.Context) (mail.Sender, error) {
	s, err := m.settings(ctx)
	if err != nil {
		return nil, err
	}
	if !s.Mail.configured() {
		return nil, nil
	}
	var pw []byte
	if len(s.Mail.passwordSealed) > 0 {
		if pw, err = m.box.Open(s.Mail.passwordSealed, mailAAD()); err != nil {
			return nil, fmt.Errorf("the SMTP password setting cannot be opened (is the master key the one it was sealed with?): %w", err)
		}
	}
	return mail.NewSMTP(mail.SMTPConfig{Host: s.Mail.SMTPHost, Port: s.Mail.SMTPPort, Username: s.Mail.SMTPUsername,
		Password: string(pw), Security: s.Mail.SMTPSecurity, From: s.Mail.From, TLSConfig: m.mailTLS})
}

// mailTemporaryPassword mails u its temporary password when mail is
// configured and reports whether it did; a refused mail is an error for
// handOver to show, never a lost password.
func (m *Manager) mailTemporaryPassword(ctx context.Context, u *berth.User, pw string) (bool, error) {
	s, err := m.mailer(ctx)
	if err != nil || s == nil {
		return false, err
	}
	err = s.Send(ctx, mail.Message{To: u.Email, Subject: "Your berth account",
		Text: "Hello " + u.Name + ",\n\nAn administrator has set up your berth account (" + u.Email + ").\n\n" +
			"Temporary password: " + pw + "\n\nSign in with it; you will be asked to choose your own password at once.\n"})
	if err != nil {
		m.log.WarnContext(ctx, "temporary password not mailed", "event", "mail_failed", "user_id", u.ID, "error", err)
		return false, err
	}
	return true, nil
}
