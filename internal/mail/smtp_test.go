package mail_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/mail"
	"github.com/berth-platform/berth/internal/mail/mailtest"
)

const (
	from     = "noreply@berth.example"
	user     = "berth-mailer"
	password = "s3cret-SMTP-pa55"
	wait     = 10 * time.Second
)

// newSMTP returns a sender for srv with the given security and login.
func newSMTP(t *testing.T, srv *mailtest.Server, security, username, pass string) *mail.SMTP {
	t.Helper()
	s, err := mail.NewSMTP(mail.SMTPConfig{
		Host: srv.SMTPHost, Port: srv.SMTPPort, Security: security,
		Username: username, Password: pass, From: from,
		Timeout: 5 * time.Second, TLSConfig: srv.TLSConfig(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sendAndCheck sends a mail through s and checks that srv received exactly it.
func sendAndCheck(t *testing.T, s *mail.SMTP, srv *mailtest.Server, to string) {
	t.Helper()
	m := mail.Message{
		To:      to,
		Subject: "Your temporary password — berth",
		Text:    "Hello Ada,\n\nsign in with: Tmp-Pa55-q7Zx\n\n.\nThe berth team\n",
	}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.WaitFor(t, to, wait)
	if got.From != from || len(got.To) != 1 || got.To[0] != to || got.Subject != m.Subject {
		t.Fatalf("received From %q To %q Subject %q, want %q %q %q", got.From, got.To, got.Subject, from, to, m.Subject)
	}
	if text := strings.ReplaceAll(got.Text, "\r\n", "\n"); text != m.Text {
		t.Fatalf("received text %q, want %q", got.Text, m.Text)
	}
	for _, h := range []string{"Bcc", "Cc", "Reply-To"} {
		if v, ok := got.Headers[h]; ok {
			t.Fatalf("received a %s header: %q", h, v)
		}
	}
	if v := got.Headers["Auto-Submitted"]; len(v) != 1 || v[0] != "auto-generated" {
		t.Fatalf("Auto-Submitted = %q", v)
	}
	if v := got.Headers["Message-Id"]; len(v) != 1 || !strings.HasSuffix(v[0], "@berth.example>") {
		t.Fatalf("Message-ID = %q, want one in the sender's domain", v)
	}
}

func TestSMTPSend(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		srv := mailtest.Start(t)
		sendAndCheck(t, newSMTP(t, srv, mail.SecurityNone, "", ""), srv, "ada@example.com")
	})
	t.Run("OKLogin", func(t *testing.T) {
		srv := mailtest.StartWith(t, mailtest.Options{Username: user, Password: password})
		sendAndCheck(t, newSMTP(t, srv, mail.SecurityNone, user, password), srv, "ada@example.com")
	})
	t.Run("OKAnyLogin", func(t *testing.T) {
		srv := mailtest.Start(t)
		sendAndCheck(t, newSMTP(t, srv, mail.SecurityNone, user, password), srv, "grace@example.com")
	})
	t.Run("OKConcurrent", func(t *testing.T) {
		srv := mailtest.Start(t)
		s := newSMTP(t, srv, mail.SecurityNone, user, password)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				errs[i] = s.Send(context.Background(), mail.Message{To: fmt.Sprintf("user%d@example.com", i), Subject: "Hi", Text: "x"})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("Send %d: %v", i, err)
			}
			srv.WaitFor(t, fmt.Sprintf("user%d@example.com", i), wait)
		}
	})
}

func TestSMTPSendTLS(t *testing.T) {
	t.Run("OKSTARTTLS", func(t *testing.T) {
		srv := mailtest.StartWith(t, mailtest.Options{TLS: "starttls", Username: user, Password: password})
		sendAndCheck(t, newSMTP(t, srv, mail.SecuritySTARTTLS, user, password), srv, "ada@example.com")
	})
	t.Run("OKImplicitTLS", func(t *testing.T) {
		srv := mailtest.StartWith(t, mailtest.Options{TLS: "tls", Username: user, Password: password})
		sendAndCheck(t, newSMTP(t, srv, mail.SecurityTLS, user, password), srv, "ada@example.com")
	})
	t.Run("ErrUntrustedCertificate", func(t *testing.T) {
		srv := mailtest.StartWith(t, mailtest.Options{TLS: "starttls"})
		s, err := mail.NewSMTP(mail.SMTPConfig{Host: srv.SMTPHost, Port: srv.SMTPPort, Security: mail.SecuritySTARTTLS,
			Username: user, Password: password, From: from}) // the system roots do not know the test certificate
		if err != nil {
			t.Fatal(err)
		}
		err = s.Send(context.Background(), mail.Message{To: "ada@example.com", Subject: "Hi"})
		checkError(t, err, "TLS with", "certificate", "mail.smtp_host", "mail.smtp_security")
		if got := srv.Messages(t); len(got) != 0 {
			t.Fatalf("the server received %d mails", len(got))
		}
	})
	t.Run("ErrSTARTTLSNotOffered", func(t *testing.T) {
		srv := mailtest.Start(t)
		err := newSMTP(t, srv, mail.SecuritySTARTTLS, user, password).Send(context.Background(), mail.Message{To: "ada@example.com", Subject: "Hi"})
		checkError(t, err, "TLS with", "STARTTLS", "mail.smtp_security")
	})
	t.Run("ErrTLSToPlainServer", func(t *testing.T) {
		srv := mailtest.Start(t)
		err := newSMTP(t, srv, mail.SecurityTLS, user, password).Send(context.Background(), mail.Message{To: "ada@example.com", Subject: "Hi"})
		checkError(t, err, "TLS with", "mail.smtp_security")
	})
	t.Run("ErrPlainToSTARTTLSServer", func(t *testing.T) {
		srv := mailtest.StartWith(t, mailtest.Options{TLS: "starttls"})
		err := newSMTP(t, srv, mail.SecurityNone, "", "").Send(context.Background(), mail.Message{To: "ada@example.com", Subject: "Hi"})
		checkError(t, err, "mail.smtp_security")
	})
}

func TestSMTPSendLogin(t *testing.T) {
	srv := mailtest.StartWith(t, mailtest.Options{Username: user, Password: password})
	t.Run("ErrWrongPassword", func(t *testing.T) {
		const wrong = "not-the-Pa55word"
		err := newSMTP(t, srv, mail.SecurityNone, user, wrong).Send(context.Background(), mail.Message{To: "ada@example.com", Subject: "Hi"})
		checkError(t, err, "log in to", user, "mail.smtp_username", "smtp_password")
		if strings.Contains(err.Error(), wrong) {
			t.Fatalf("the error holds the password: %v", err)
		}
	})
	t.Run("ErrNoLogin", func(t *testing.T) {
		err := newSMTP(t, srv, mail.SecurityNone, "", "").Send(context.Background(), mail.Message{To: "ada@example.com", Subject: "Hi"})
		checkError(t, err, "mail.smtp_username")
	})
	if got := srv.Messages(t); len(got) != 0 {
		t.Fatalf("the server received %d mails", len(got))
	}
}

func TestSMTPSendConnect(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now
	for _, security := range []string{mail.SecurityNone, mail.SecuritySTARTTLS, mail.SecurityTLS} {
		t.Run("ErrUnavailable/"+security, func(t *testing.T) {
			s, err := mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: port, Security: security,
				Username: user, Password: password, From: from})
			if err != nil {
				t.Fatal(err)
			}
			err = s.Send(context.Background(), mail.Message{To: "ada@example.com", Subject: "Hi"})
			checkError(t, err, "connect to 127.0.0.1:"+strconv.Itoa(port), "mail.smtp_host", "smtp_port")
			if !errors.Is(err, berth.ErrUnavailable) {
				t.Fatalf("error %v is not ErrUnavailable", err)
			}
		})
	}
	t.Run("ErrTimeout", func(t *testing.T) {
		// A server that accepts the connection and never greets.
		silent, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer silent.Close()
		release := make(chan struct{})
		defer close(release)
		go func() {
			if conn, err := silent.Accept(); err == nil {
				<-release
				conn.Close()
			}
		}()
		s, err := mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: silent.Addr().(*net.TCPAddr).Port,
			Security: mail.SecurityNone, From: from, Timeout: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Send(context.Background(), mail.Message{To: "ada@example.com", Subject: "Hi"})
		checkError(t, err, silent.Addr().String(), "try again later")
		if !errors.Is(err, berth.ErrUnavailable) {
			t.Fatalf("error %v is not ErrUnavailable", err)
		}
	})
	t.Run("ErrCanceled", func(t *testing.T) {
		srv := mailtest.Start(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := newSMTP(t, srv, mail.SecurityNone, user, password).Send(ctx, mail.Message{To: "ada@example.com", Subject: "Hi"})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Send = %v, want context.Canceled", err)
		}
		checkError(t, err, srv.SMTPHost)
	})
}

// TestSMTPSendInvalid sends header-injection attempts to a real server:
// each is refused before a connection is made, and nothing arrives.
func TestSMTPSendInvalid(t *testing.T) {
	srv := mailtest.Start(t)
	s := newSMTP(t, srv, mail.SecurityNone, "", "")
	for name, m := range map[string]mail.Message{
		"ToBcc":         {To: "ada@example.com\r\nBcc: eve@example.com", Subject: "Hi"},
		"ToLF":          {To: "ada@example.com\nBcc: eve@example.com", Subject: "Hi"},
		"ToTwo":         {To: "ada@example.com, eve@example.com", Subject: "Hi"},
		"ToSMTPCommand": {To: "ada@example.com>\r\nRCPT TO:<eve@example.com", Subject: "Hi"},
		"SubjectBcc":    {To: "ada@example.com", Subject: "Hi\r\nBcc: eve@example.com"},
		"SubjectBody":   {To: "ada@example.com", Subject: "Hi\r\n\r\nA different body"},
		"SubjectCR":     {To: "ada@example.com", Subject: "Hi\rBcc: eve@example.com"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := s.Send(context.Background(), m); !errors.Is(err, berth.ErrInvalid) {
				t.Fatalf("Send = %v, want ErrInvalid", err)
			}
		})
	}
	// A body that looks like headers and the end of DATA stays body.
	text := "Bcc: eve@example.com\r\n\r\n.\r\nMAIL FROM:<eve@example.com>\r\n"
	if err := s.Send(context.Background(), mail.Message{To: "ada@example.com", Subject: "Hi", Text: text}); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages(t)
	if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "ada@example.com" || got[0].Headers["Bcc"] != nil {
		t.Fatalf("the server received %+v, want one mail to ada@example.com", got)
	}
	if body := strings.ReplaceAll(got[0].Text, "\r\n", "\n"); body != strings.ReplaceAll(text, "\r\n", "\n") {
		t.Fatalf("received text %q, want %q", got[0].Text, text)
	}
}

func TestNewSMTP(t *testing.T) {
	ok := mail.SMTPConfig{Host: "smtp.example.com", Port: 587, Security: mail.SecuritySTARTTLS, From: from}
	for name, tc := range map[string]struct {
		edit  func(*mail.SMTPConfig)
		field string // "" when valid
	}{
		"OK":              {edit: func(*mail.SMTPConfig) {}},
		"OKIPv6":          {edit: func(c *mail.SMTPConfig) { c.Host = "::1" }},
		"OKLogin":         {edit: func(c *mail.SMTPConfig) { c.Username, c.Password = user, password }},
		"HostEmpty":       {edit: func(c *mail.SMTPConfig) { c.Host = "" }, field: "mail.smtp_host"},
		"HostWithPort":    {edit: func(c *mail.SMTPConfig) { c.Host = "smtp.example.com:587" }, field: "mail.smtp_host"},
		"HostWithScheme":  {edit: func(c *mail.SMTPConfig) { c.Host = "smtp://smtp.example.com" }, field: "mail.smtp_host"},
		"HostUnix":        {edit: func(c *mail.SMTPConfig) { c.Host = "unix:///run/smtp.sock" }, field: "mail.smtp_host"},
		"HostSpace":       {edit: func(c *mail.SMTPConfig) { c.Host = "smtp example.com" }, field: "mail.smtp_host"},
		"PortZero":        {edit: func(c *mail.SMTPConfig) { c.Port = 0 }, field: "mail.smtp_port"},
		"PortTooHigh":     {edit: func(c *mail.SMTPConfig) { c.Port = 65536 }, field: "mail.smtp_port"},
		"SecurityEmpty":   {edit: func(c *mail.SMTPConfig) { c.Security = "" }, field: "mail.smtp_security"},
		"SecurityOther":   {edit: func(c *mail.SMTPConfig) { c.Security = "ssl" }, field: "mail.smtp_security"},
		"FromEmpty":       {edit: func(c *mail.SMTPConfig) { c.From = "" }, field: "mail.from"},
		"FromTwo":         {edit: func(c *mail.SMTPConfig) { c.From = "a@example.com, b@example.com" }, field: "mail.from"},
		"FromCRLF":        {edit: func(c *mail.SMTPConfig) { c.From = "a@example.com\r\nBcc: eve@example.com" }, field: "mail.from"},
		"UsernameCRLF":    {edit: func(c *mail.SMTPConfig) { c.Username = "u\r\nRSET" }, field: "mail.smtp_username"},
		"TimeoutNegative": {edit: func(c *mail.SMTPConfig) { c.Timeout = -time.Second }, field: "timeout"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			s, err := mail.NewSMTP(cfg)
			if tc.field == "" {
				if err != nil || s == nil {
					t.Fatalf("NewSMTP = %v, %v", s, err)
				}
				return
			}
			var invalid *berth.InvalidError
			if !errors.As(err, &invalid) || invalid.Field != tc.field || !errors.Is(err, berth.ErrInvalid) {
				t.Fatalf("NewSMTP = %v, want an ErrInvalid for %s", err, tc.field)
			}
			if strings.Contains(err.Error(), password) {
				t.Fatalf("the error holds the password: %v", err)
			}
		})
	}
}

// checkError checks that err says each of want, and never the password.
func checkError(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("Send succeeded, want an error")
	}
	t.Logf("error: %v", err)
	if errors.Is(err, berth.ErrInvalid) {
		t.Fatalf("error %v is ErrInvalid", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	if strings.Contains(err.Error(), password) {
		t.Fatalf("the error holds the password: %v", err)
	}
}

// TestSMTPHTMLAlternative: a message with HTML arrives with both bodies.
func TestSMTPHTMLAlternative(t *testing.T) {
	srv := mailtest.Start(t)
	s := newSMTP(t, srv, mail.SecurityNone, "", "")
	m := mail.Message{To: "html@example.test", Subject: "Both", Text: "plain body\n", HTML: "<p>rich <strong>body</strong></p>"}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, m.To, wait)
	if strings.ReplaceAll(got.Text, "\r\n", "\n") != m.Text || !strings.Contains(got.HTML, "<strong>body</strong>") {
		t.Fatalf("text %q html %q", got.Text, got.HTML)
	}
}
