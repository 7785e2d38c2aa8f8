package mail

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"slices"
	"strings"
	"testing"

	"github.com/berth-platform/berth"
)

func TestMessageValidate(t *testing.T) {
	ok := Message{To: "ada@example.com", Subject: "Your temporary password", Text: "It is hunter2.\n"}
	for name, tc := range map[string]struct {
		m     Message
		field string // "" when m is valid
	}{
		"OK":                   {m: ok},
		"OKUnicode":            {m: Message{To: "用户@例子.广告", Subject: "Grüße", Text: "é\n"}},
		"OKEmptyText":          {m: Message{To: "ada@example.com", Subject: "Hi"}},
		"ToEmpty":              {m: Message{Subject: "Hi"}, field: "to"},
		"ToTwo":                {m: Message{To: "ada@example.com, eve@example.com", Subject: "Hi"}, field: "to"},
		"ToTwoSemicolon":       {m: Message{To: "ada@example.com;eve@example.com", Subject: "Hi"}, field: "to"},
		"ToWithName":           {m: Message{To: "Ada <ada@example.com>", Subject: "Hi"}, field: "to"},
		"ToCRLFBcc":            {m: Message{To: "ada@example.com\r\nBcc: eve@example.com", Subject: "Hi"}, field: "to"},
		"ToTrailingCRLF":       {m: Message{To: "ada@example.com\r\n", Subject: "Hi"}, field: "to"},
		"ToLF":                 {m: Message{To: "ada@example.com\nBcc: eve@example.com", Subject: "Hi"}, field: "to"},
		"SubjectCRLFBcc":       {m: Message{To: "ada@example.com", Subject: "Hi\r\nBcc: eve@example.com"}, field: "subject"},
		"SubjectLF":            {m: Message{To: "ada@example.com", Subject: "Hi\nX-Evil: 1"}, field: "subject"},
		"SubjectCR":            {m: Message{To: "ada@example.com", Subject: "Hi\rX-Evil: 1"}, field: "subject"},
		"SubjectBodyInjection": {m: Message{To: "ada@example.com", Subject: "Hi\r\n\r\nfake body"}, field: "subject"},
		"SubjectNUL":           {m: Message{To: "ada@example.com", Subject: "Hi\x00"}, field: "subject"},
		"SubjectLineSeparator": {m: Message{To: "ada@example.com", Subject: "Hi\u2028there"}, field: "subject"},
		"SubjectNotUTF8":       {m: Message{To: "ada@example.com", Subject: "Hi\xff"}, field: "subject"},
		"SubjectTooLong":       {m: Message{To: "ada@example.com", Subject: strings.Repeat("a", maxSubjectBytes+1)}, field: "subject"},
		"TextNotUTF8":          {m: Message{To: "ada@example.com", Subject: "Hi", Text: "\xff"}, field: "text"},
		"TextNUL":              {m: Message{To: "ada@example.com", Subject: "Hi", Text: "a\x00b"}, field: "text"},
		"OKTextLineEnds":       {m: Message{To: "ada@example.com", Subject: "Hi", Text: "a\r\nb\rc\n\td"}},
		"TextTooLong":          {m: Message{To: "ada@example.com", Subject: "Hi", Text: strings.Repeat("a", maxTextBytes+1)}, field: "text"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tc.m.validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("validate: %v", err)
				}
				return
			}
			var invalid *berth.InvalidError
			if !errors.Is(err, berth.ErrInvalid) || !errors.As(err, &invalid) || invalid.Field != tc.field {
				t.Fatalf("validate = %v, want an ErrInvalid for %q", err, tc.field)
			}
		})
	}
}

// FuzzMessageValidate checks that a Message either fails validation with
// ErrInvalid, or becomes a mail with exactly the headers berth sets, one
// recipient (the normalised To), the subject's words and the text: no
// input can add a header, a recipient or a second body.
func FuzzMessageValidate(f *testing.F) {
	for _, m := range []Message{
		{To: "ada@example.com", Subject: "Your temporary password", Text: "It is hunter2.\n"},
		{To: "ADA@Example.COM ", Subject: "  Grüße, =?UTF-8?q?x?= ", Text: "line\r\nline\rline\n.\n"},
		{To: "ada@example.com\r\nBcc: eve@example.com", Subject: "Hi"},
		{To: "ada@example.com", Subject: "Hi\r\nBcc: eve@example.com", Text: "x"},
		{To: "ada@example.com", Subject: "Hi", Text: "\r\n\r\nBcc: eve@example.com\r\n.\r\nMAIL FROM:<eve@example.com>"},
		{To: "用户@例子.广告", Subject: strings.Repeat("long words ", 40), Text: strings.Repeat("é", 200)},
		{To: "a@b.c, d@e.f", Subject: "x"},
		{To: "0@0", Subject: "0", Text: "\r\x00\n0"},
		{To: "0@0", Subject: "0", Text: "a\rb\r\n\tc"},
	} {
		f.Add(m.To, m.Subject, m.Text)
	}
	s, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: 25, Security: SecurityNone, From: "noreply@example.com"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, to, subject, text string) {
		m, err := Message{To: to, Subject: subject, Text: text}.validate()
		if err != nil {
			if !errors.Is(err, berth.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if strings.ContainsAny(m.To+m.Subject, "\r\n") {
			t.Fatalf("accepted a line break: %q", m)
		}
		msg, err := s.message(m)
		if err != nil {
			t.Fatalf("compose %q: %v", m, err)
		}
		var raw bytes.Buffer
		if _, err := msg.WriteTo(&raw); err != nil {
			t.Fatalf("write %q: %v", m, err)
		}
		checkMail(t, m, raw.Bytes())
	})
}

// checkMail parses raw as a recipient would and compares it with m.
func checkMail(t *testing.T, m Message, raw []byte) {
	t.Helper()
	parsed, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse %q: %v\n%s", m, err, raw)
	}
	var names []string
	for name, values := range parsed.Header {
		if len(values) != 1 {
			t.Fatalf("header %s %d times in\n%s", name, len(values), raw)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	want := []string{"Auto-Submitted", "Content-Transfer-Encoding", "Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Subject", "To"}
	if !slices.Equal(names, want) {
		t.Fatalf("headers %v, want %v in\n%s", names, want, raw)
	}
	rcpts, err := parsed.Header.AddressList("To")
	if err != nil || len(rcpts) != 1 || rcpts[0].Address != m.To || rcpts[0].Name != "" {
		t.Fatalf("To %v (%v), want only %q in\n%s", rcpts, err, m.To, raw)
	}
	if from := parsed.Header.Get("From"); from != "<noreply@example.com>" {
		t.Fatalf("From %q", from)
	}
	// Folding may change runs of spaces, and a subject that looks like an
	// encoded word is decoded like one: compare the words of the rest.
	if !strings.Contains(m.Subject, "=?") {
		subject, err := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
		if err != nil || !slices.Equal(strings.Fields(subject), strings.Fields(m.Subject)) {
			t.Fatalf("Subject %q (%v), want %q in\n%s", subject, err, m.Subject, raw)
		}
	}
	body, err := io.ReadAll(quotedprintable.NewReader(parsed.Body))
	if err != nil {
		t.Fatalf("body of %q: %v\n%s", m, err, raw)
	}
	if got, want := lines(string(body)), lines(m.Text); got != want {
		t.Fatalf("body %q, want %q in\n%s", got, want, raw)
	}
}

// lines normalises line ends to "\n", as mail transport does.
func lines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}
