package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	texttemplate "text/template"
)

// The mails berth sends, by template name.
const (
	TemplateTemporaryPassword = "temporary-password" // an account made by an admin or an approved early-access request
	TemplatePasswordReset     = "password-reset"     // a link to choose a new password
	TemplateEmailVerification = "email-verification" // a six-digit code
	TemplateRegistrationTaken = "registration-taken" // someone registered with an address that has an account
)

// names are every template berth needs; a set lacking one does not load.
var names = []string{TemplateTemporaryPassword, TemplatePasswordReset, TemplateEmailVerification, TemplateRegistrationTaken}

//go:embed templates/*.tmpl
var embedded embed.FS

// Templates are the mails berth sends: for each name a text template
// (<name>.txt.tmpl, whose first line is "Subject: …", then an empty line,
// then the body) and an optional HTML one (<name>.html.tmpl, html/template,
// so values are escaped). Built in, each may be replaced by a file of the
// same name in an operator's directory.
type Templates struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

// LoadTemplates reads the built-in templates and, when dir is not empty,
// the files in dir that replace them. A file that does not parse, or a
// text template without its subject line, fails the load with its path, so
// that a typo stops the start rather than a mail.
func LoadTemplates(dir string) (*Templates, error) {
	t := &Templates{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	for _, name := range names {
		src, where, err := source(dir, name+".txt.tmpl")
		if err != nil {
			return nil, err
		}
		if src == nil {
			return nil, fmt.Errorf("mail templates: %s.txt.tmpl is missing", name)
		}
		tt, err := texttemplate.New(name).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("mail template %s: %w", where, err)
		}
		if !strings.HasPrefix(string(src), "Subject: ") {
			return nil, fmt.Errorf("mail template %s: the first line must be \"Subject: …\"", where)
		}
		t.text[name] = tt
		src, where, err = source(dir, name+".html.tmpl")
		if err != nil {
			return nil, err
		}
		if src != nil {
			ht, err := htmltemplate.New(name).Option("missingkey=error").Parse(string(src))
			if err != nil {
				return nil, fmt.Errorf("mail template %s: %w", where, err)
			}
			t.html[name] = ht
		}
	}
	return t, nil
}

// source is the operator's file when there is one, else the built-in
// template, else nil; where names the one read.
func source(dir, file string) ([]byte, string, error) {
	if dir != "" {
		p := filepath.Join(dir, file)
		b, err := os.ReadFile(p)
		if err == nil {
			return b, p, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, p, fmt.Errorf("mail template %s: %w", p, err)
		}
	}
	b, err := embedded.ReadFile("templates/" + file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil
	}
	return b, "built-in " + file, err
}

// Render makes the mail of template name for to with data. It fails only
// for a template that needs data it was not given.
func (t *Templates) Render(name, to string, data any) (Message, error) {
	tt, ok := t.text[name]
	if !ok {
		return Message{}, fmt.Errorf("mail: no template %q", name)
	}
	var b bytes.Buffer
	if err := tt.Execute(&b, data); err != nil {
		return Message{}, fmt.Errorf("mail template %s: %w", name, err)
	}
	head, body, _ := strings.Cut(b.String(), "\n")
	m := Message{To: to, Subject: strings.TrimSpace(strings.TrimPrefix(head, "Subject:")), Text: strings.TrimLeft(body, "\n")}
	if ht, ok := t.html[name]; ok {
		b.Reset()
		if err := ht.Execute(&b, data); err != nil {
			return Message{}, fmt.Errorf("mail template %s (HTML): %w", name, err)
		}
		m.HTML = b.String()
	}
	return m, nil
}
