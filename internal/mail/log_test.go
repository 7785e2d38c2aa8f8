package mail_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/mail"
)

func TestLogSend(t *testing.T) {
	const secret = "Tmp-Pa55-q7Zx"
	for name, handler := range map[string]func(*bytes.Buffer) slog.Handler{
		"JSON": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		"Text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			sender := mail.Log{Logger: slog.New(handler(&out))}
			err := sender.Send(context.Background(), mail.Message{
				To:      "ada@example.com",
				Subject: "Your temporary password",
				Text:    "Sign in with this temporary password: " + secret + "\n",
			})
			if !errors.Is(err, mail.ErrNotConfigured) {
				t.Fatalf("Send = %v, want ErrNotConfigured", err)
			}
			logged := out.String()
			for _, want := range []string{"ada@example.com", "Your temporary password", "mail_not_sent"} {
				if !strings.Contains(logged, want) {
					t.Errorf("log lacks %q:\n%s", want, logged)
				}
			}
			for _, never := range []string{secret, "Sign in with"} {
				if strings.Contains(logged, never) {
					t.Errorf("log holds %q:\n%s", never, logged)
				}
			}
		})
	}
	t.Run("ErrInvalid", func(t *testing.T) {
		var out bytes.Buffer
		sender := mail.Log{Logger: slog.New(slog.NewTextHandler(&out, nil))}
		err := sender.Send(context.Background(), mail.Message{To: "ada@example.com\r\nBcc: eve@example.com", Subject: "Hi", Text: secret})
		if !errors.Is(err, berth.ErrInvalid) {
			t.Fatalf("Send = %v, want ErrInvalid", err)
		}
		if out.Len() != 0 {
			t.Fatalf("logged an invalid message:\n%s", out.String())
		}
	})
}
