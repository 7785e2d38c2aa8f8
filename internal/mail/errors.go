package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/berth-platform/berth"
)

// sendError is what Send returns when the server was not reached or did
// not take the mail. Its text names the server, the step that failed and
// the setting to check, with the password masked; kind, when set, is the
// error callers test for (berth.ErrUnavailable, or the context's error).
type sendError struct {
	text  string
	kind  error
	cause error
}

func (e *sendError) Error() string { return e.text }

// Unwrap gives errors.Is and errors.As both the kind and the library's
// error (a *gomail.SendError, a *net.OpError, a context error).
func (e *sendError) Unwrap() []error {
	if e.kind == nil {
		return []error{e.cause}
	}
	return []error{e.kind, e.cause}
}

// explain turns an error of go-mail into one that says what to do.
// go-mail reports its steps as wrapped errors and, for the SMTP
// conversation itself, as *gomail.SendError with a Reason; the checks go
// from the first step (connecting) to the last (the message data).
func (s *SMTP) explain(ctx context.Context, err error) error {
	e := &sendError{cause: err}
	// go-mail prefixes the step ("dial failed" also covers TLS and AUTH);
	// the text below names the step better.
	cause := s.redact(err.Error())
	cause = strings.TrimPrefix(strings.TrimPrefix(cause, "dial failed: "), "send failed: ")
	addr := s.addr()
	var opErr *net.OpError
	var sendErr *gomail.SendError
	isSendErr := errors.As(err, &sendErr)
	switch {
	case ctx.Err() != nil:
		e.kind = ctx.Err()
		e.text = fmt.Sprintf("mail: send through %s: %v", addr, ctx.Err())
	case errors.As(err, &opErr) && opErr.Op == "dial":
		e.kind = berth.ErrUnavailable
		e.text = fmt.Sprintf("mail: connect to %s: %s; check mail.smtp_host and smtp_port in the admin settings, and that the server accepts connections from this host", addr, cause)
	case isCertificateError(err):
		e.text = fmt.Sprintf("mail: TLS with %s: %s; the server's certificate must be valid for %s and signed by a trusted authority: check mail.smtp_host (the name on the certificate) and mail.smtp_security in the admin settings", addr, cause, s.cfg.Host)
	case isTLSError(err):
		e.text = fmt.Sprintf("mail: TLS with %s: %s; check mail.smtp_security in the admin settings (starttls for port 587, tls for port 465, none only for a server on this host)", addr, cause)
	case isAuthError(err) && s.cfg.Username == "":
		e.text = fmt.Sprintf("mail: %s wants a login: %s; set mail.smtp_username and smtp_password in the admin settings", addr, cause)
	case isAuthError(err):
		e.text = fmt.Sprintf("mail: log in to %s as %q: %s; check mail.smtp_username and smtp_password in the admin settings", addr, s.cfg.Username, cause)
	case isSendErr && sendErr.Reason == gomail.ErrSMTPMailFrom:
		e.text = fmt.Sprintf("mail: %s refused the sender %s: %s; check mail.from in the admin settings (many servers only accept their own domain's addresses)", addr, s.cfg.From, cause)
	case isSendErr && sendErr.Reason == gomail.ErrSMTPRcptTo:
		e.text = fmt.Sprintf("mail: %s refused the recipient: %s; check the recipient's address", addr, cause)
	default:
		e.text = fmt.Sprintf("mail: send through %s: %s", addr, cause)
	}
	if e.kind == nil && (isSendErr && sendErr.IsTemp() || isTimeout(err)) {
		e.kind = berth.ErrUnavailable
		e.text += " (temporary: try again later)"
	}
	return e
}

// redact masks the password, should a server or the library ever echo it.
func (s *SMTP) redact(text string) string {
	if s.cfg.Password == "" {
		return text
	}
	return strings.ReplaceAll(text, s.cfg.Password, "********")
}

// isCertificateError reports a server certificate that was not trusted.
func isCertificateError(err error) bool {
	var (
		verify    *tls.CertificateVerificationError
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
	)
	return errors.As(err, &verify) || errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalid)
}

// isTLSError reports a failed handshake, or a server that does not offer
// the STARTTLS that was required, or that requires the STARTTLS that was
// not used.
func isTLSError(err error) bool {
	var (
		record tls.RecordHeaderError
		alert  tls.AlertError
	)
	if errors.As(err, &record) || errors.As(err, &alert) {
		return true
	}
	text := err.Error()
	return strings.Contains(text, "STARTTLS") || strings.Contains(text, "tls: ")
}

// isAuthError reports a failed SMTP AUTH: the server refused the login,
// offers no mechanism go-mail may use, offers no AUTH at all, or wants a
// login that was not configured.
func isAuthError(err error) bool {
	for _, target := range []error{
		gomail.ErrNoSupportedAuthDiscovered, gomail.ErrPlainAuthNotSupported, gomail.ErrLoginAuthNotSupported,
		gomail.ErrCramMD5AuthNotSupported, gomail.ErrSCRAMSHA1AuthNotSupported, gomail.ErrSCRAMSHA256AuthNotSupported,
		smtp.ErrUnencrypted, smtp.ErrWrongHostname,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	// go-mail wraps the server's refusal as "SMTP AUTH failed: …" and
	// reports a server without AUTH as "server does not support SMTP AUTH";
	// a server that wants a login answers MAIL FROM with 530 and RFC 4954's
	// "Authentication required".
	text := err.Error()
	return strings.Contains(text, "SMTP AUTH") || strings.Contains(strings.ToLower(text), "authentication required")
}

func isTimeout(err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout()
}
