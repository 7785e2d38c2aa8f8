package mail_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-platform/berth/internal/mail"
)

func TestTemplatesBuiltIn(t *testing.T) {
	tpl, err := mail.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	m, err := tpl.Render(mail.TemplatePasswordReset, "ada@example.test", map[string]any{
		"Name": "Ada <script>", "Email": "ada@example.test", "ValidFor": "30 minutes", "ResetURL": "https://berth.example/reset-password?token=abc&x=1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.To != "ada@example.test" || m.Subject != "Choose a new berth password" {
		t.Fatalf("to %q subject %q", m.To, m.Subject)
	}
	if !strings.HasPrefix(m.Text, "Hello Ada <script>,\n") || !strings.Contains(m.Text, "https://berth.example/reset-password?token=abc&x=1\n") {
		t.Fatalf("text %q", m.Text)
	}
	// The HTML alternative escapes what it is given.
	if !strings.Contains(m.HTML, "Hello Ada &lt;script&gt;,") || !strings.Contains(m.HTML, `href="https://berth.example/reset-password?token=abc&amp;x=1"`) {
		t.Fatalf("html %q", m.HTML)
	}
	// Missing data is an error, never "<no value>" in a mail.
	if _, err := tpl.Render(mail.TemplatePasswordReset, "ada@example.test", map[string]any{"Name": "Ada"}); err == nil {
		t.Fatal("rendered without the reset link")
	}
	if _, err := tpl.Render("nope", "ada@example.test", nil); err == nil {
		t.Fatal("rendered an unknown template")
	}
}

func TestTemplatesOverride(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("email-verification.txt.tmpl", "Subject: Code {{.Code}} for ACME\n\nYour ACME code is {{.Code}}.\n")
	tpl, err := mail.LoadTemplates(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := tpl.Render(mail.TemplateEmailVerification, "ada@example.test", map[string]any{"Name": "Ada", "Email": "ada@example.test", "Code": "123456", "ValidFor": "15 minutes"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Code 123456 for ACME" || m.Text != "Your ACME code is 123456.\n" {
		t.Fatalf("override not used: %+v", m)
	}
	if !strings.Contains(m.HTML, "123456") { // the built-in HTML stays
		t.Fatalf("html %q", m.HTML)
	}
	// A broken file or one without its subject line stops the load, naming the file.
	for body, want := range map[string]string{"Subject: x {{.Code\n\nbody": "email-verification.txt.tmpl", "Hello {{.Name}}\n": "first line must be"} {
		write("email-verification.txt.tmpl", body)
		if _, err := mail.LoadTemplates(dir); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("load of %q: %v, want an error with %q", body, err, want)
		}
	}
}
