package mail

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/berth-platform/berth"
)

// ErrNotConfigured reports a mail that was not sent because no SMTP server
// is configured.
var ErrNotConfigured = errors.New("mail: no SMTP server is configured; set mail.from and mail.smtp_host in the admin settings")

// Limits on a Message, so that a mail stays within what SMTP servers take
// and a request cannot make the platform send megabytes.
const (
	maxSubjectBytes = 998     // the longest line RFC 5322 allows
	maxTextBytes    = 1 << 20 // 1 MiB
)

// Message is one mail: plain text, with an HTML alternative when HTML is
// set (mail readers show one of the two).
type Message struct {
	To      string // a single address, e.g. "ada@example.com"
	Subject string // one line of printable text; surrounding spaces are dropped
	Text    string // UTF-8 with line breaks and tabs, at most 1 MiB
	HTML    string // optional: the same as an HTML document, at most 1 MiB
}

// Sender sends mail.
type Sender interface {
	// Send delivers m to the server it was configured with. It returns nil
	// once the server has accepted the mail, an error wrapping
	// berth.ErrInvalid when m is not a valid message (nothing was sent),
	// ErrNotConfigured when there is nowhere to send it, and otherwise an
	// error that says what failed and which setting to check.
	Send(ctx context.Context, m Message) error
}

// Interface guards.
var (
	_ Sender = (*SMTP)(nil)
	_ Sender = Log{}
)

// validate returns m with its recipient normalised, or an error wrapping
// berth.ErrInvalid that names the field. Line breaks are refused before
// anything else: in a header they would start a new header (a Bcc, say).
func (m Message) validate() (Message, error) {
	if strings.ContainsAny(m.To, "\r\n") {
		return Message{}, berth.Invalid("to", "must be a single address without line breaks")
	}
	to, err := berth.NormalizeEmail(m.To)
	if err != nil {
		return Message{}, berth.Invalid("to", "must be a single email address such as ada@example.com")
	}
	switch {
	case strings.ContainsAny(m.Subject, "\r\n"):
		return Message{}, berth.Invalid("subject", "must be one line, without line breaks")
	case !berth.ValidText(m.Subject):
		return Message{}, berth.Invalid("subject", "must be printable UTF-8 text")
	case len(m.Subject) > maxSubjectBytes:
		return Message{}, berth.Invalid("subject", "must be at most 998 bytes long")
	case len(m.Text) > maxTextBytes:
		return Message{}, berth.Invalid("text", "must be at most 1 MiB long")
	case !validText(m.Text):
		return Message{}, berth.Invalid("text", "must be printable UTF-8 text; line breaks and tabs are allowed")
	case len(m.HTML) > maxTextBytes:
		return Message{}, berth.Invalid("html", "must be at most 1 MiB long")
	case !validText(m.HTML):
		return Message{}, berth.Invalid("html", "must be printable UTF-8 text; line breaks and tabs are allowed")
	}
	m.To = to
	m.Subject = strings.TrimSpace(m.Subject)
	// One kind of line end: a lone CR is not one that mail carries intact.
	m.Text = strings.ReplaceAll(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\r", "\n")
	return m, nil
}

// validText reports whether s is UTF-8 without control characters other
// than line ends and tabs.
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}

// Log is the Sender used when no SMTP server is configured: it logs that a
// mail was not sent, with the recipient and subject only — never the text,
// which may carry a secret such as a temporary password.
type Log struct {
	Logger *slog.Logger // nil: slog.Default()
}

// Send validates m, logs that it was not sent, and returns ErrNotConfigured;
// an invalid m gives an error wrapping berth.ErrInvalid, as SMTP.Send does.
func (l Log) Send(ctx context.Context, m Message) error {
	m, err := m.validate()
	if err != nil {
		return err
	}
	logger := l.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.LogAttrs(ctx, slog.LevelWarn, "mail not sent: no SMTP server is configured",
		slog.String("event", "mail_not_sent"), slog.String("to", m.To), slog.String("subject", m.Subject))
	return ErrNotConfigured
}
