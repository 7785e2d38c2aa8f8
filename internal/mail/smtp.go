package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/berth-platform/berth"
)

// The values of SMTPConfig.Security.
const (
	SecuritySTARTTLS = "starttls" // plain connect, then STARTTLS, which the server must offer (port 587)
	SecurityTLS      = "tls"      // TLS from the first byte (port 465)
	SecurityNone     = "none"     // no TLS at all: for loopback test servers
)

// DefaultTimeout bounds connecting and each step of the conversation with
// the server when SMTPConfig.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// SMTPConfig is how to reach an SMTP server.
type SMTPConfig struct {
	Host     string // a host name or IP address, without scheme or port
	Port     int    // 1-65535
	Username string // empty: no SMTP AUTH
	Password string
	// Security is SecuritySTARTTLS (require STARTTLS), SecurityTLS
	// (implicit TLS, e.g. port 465) or SecurityNone (plain, for loopback test
	// servers; a password then crosses the network in the clear).
	Security string
	From     string        // sender address, e.g. noreply@example.com
	Timeout  time.Duration // 0: DefaultTimeout
	// TLSConfig, when non-nil, is used for starttls and tls (tests pass one
	// trusting a test CA); its ServerName defaults to Host. Nil uses the
	// system roots with ServerName = Host.
	TLSConfig *tls.Config
}

// SMTP sends mail through one SMTP server, one connection per mail. It is
// safe for concurrent use.
type SMTP struct {
	cfg    SMTPConfig // validated: From normalised, TLSConfig set, Timeout > 0
	domain string     // of From, for Message-IDs
}

// NewSMTP validates cfg and returns a Sender for it, or an error wrapping
// berth.ErrInvalid that names the setting at fault (e.g. "mail.smtp_port").
// It does not connect: the first Send tells whether the server answers.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	switch {
	case !validHost(cfg.Host):
		return nil, berth.Invalid("mail.smtp_host", "must be a host name or IP address, without scheme or port (e.g. smtp.example.com)")
	case cfg.Port < 1 || cfg.Port > 65535:
		return nil, berth.Invalid("mail.smtp_port", "must be 1 to 65535 (587 for starttls, 465 for tls)")
	case cfg.Security != SecuritySTARTTLS && cfg.Security != SecurityTLS && cfg.Security != SecurityNone:
		return nil, berth.Invalid("mail.smtp_security", `must be "starttls", "tls" or "none"`)
	case !berth.ValidText(cfg.Username):
		return nil, berth.Invalid("mail.smtp_username", "must be printable text")
	case cfg.Timeout < 0:
		return nil, berth.Invalid("timeout", "must not be negative")
	}
	from, err := berth.NormalizeEmail(cfg.From)
	if err != nil {
		return nil, berth.Invalid("mail.from", "must be an email address such as noreply@example.com")
	}
	cfg.From = from
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.TLSConfig == nil {
		cfg.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		cfg.TLSConfig = cfg.TLSConfig.Clone()
	}
	if cfg.TLSConfig.ServerName == "" {
		cfg.TLSConfig.ServerName = cfg.Host
	}
	_, domain, _ := strings.Cut(from, "@")
	return &SMTP{cfg: cfg, domain: domain}, nil
}

// validHost accepts a host name or an IP address, and nothing a dialer
// could read as a port, a scheme or a Unix socket.
func validHost(h string) bool {
	if h == "" || len(h) > 253 || !berth.ValidText(h) || strings.ContainsAny(h, " /[]@") {
		return false
	}
	return !strings.Contains(h, ":") || net.ParseIP(h) != nil
}

// Send delivers m in one SMTP session. It returns nil once the server has
// accepted the mail; an error wrapping berth.ErrInvalid when m is invalid
// (nothing was sent); an error wrapping berth.ErrUnavailable when the
// server could not be reached or answered "try later"; otherwise an error
// that says which step failed and which setting to check. No error carries
// the password. The context bounds connecting; Timeout bounds each step.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	m, err := m.validate()
	if err != nil {
		return err
	}
	msg, err := s.message(m)
	if err != nil {
		return fmt.Errorf("mail: compose the message: %w", err)
	}
	client, err := gomail.NewClient(s.dialHost(), s.options()...)
	if err != nil {
		return fmt.Errorf("mail: set up the SMTP client for %s: %w", s.addr(), err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return s.explain(ctx, err)
	}
	return nil
}

// message builds the mail of a validated m.
func (s *SMTP) message(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(s.cfg.From); err != nil {
		return nil, err
	}
	if err := msg.To(m.To); err != nil {
		return nil, err
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	// The sender's domain rather than this host's name: the host may be a
	// container whose name means nothing outside.
	msg.SetMessageIDWithValue(rand.Text() + "@" + s.domain)
	// RFC 3834: no out-of-office replies to platform mail.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// options turns the configuration into the client's options. A client is
// made per mail: go-mail's Client keeps per-session state (the chosen
// authentication mechanism), so one shared client would race.
func (s *SMTP) options() []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSConfig(s.cfg.TLSConfig),
	}
	switch s.cfg.Security {
	case SecuritySTARTTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case SecurityTLS:
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.cfg.Username == "" {
		return opts
	}
	opts = append(opts, gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	if s.cfg.Security == SecurityNone {
		// Auto-discovery refuses PLAIN and LOGIN without TLS. Prefer the
		// mechanisms that never send the password itself, then accept the
		// plain ones, which is what an admin who chose "none" asked for.
		return append(opts, gomail.WithOpportunisticSMTPAuth(
			gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthCramMD5,
			gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc))
	}
	return append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover))
}

// dialHost is Host as go-mail joins it with the port: IPv6 literals need
// their brackets.
func (s *SMTP) dialHost() string {
	if strings.Contains(s.cfg.Host, ":") {
		return "[" + s.cfg.Host + "]"
	}
	return s.cfg.Host
}

func (s *SMTP) addr() string { return net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port)) }
