package berth

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	ok := map[string]string{
		"alice@example.com":            "alice@example.com",
		"  Alice@Example.COM ":         "alice@example.com",
		"o'brien+tag@example.co.uk":    "o'brien+tag@example.co.uk",
		"ÜSER@bücher.example":          "üser@bücher.example",
		"u\u0308ser@example.com":       "üser@example.com", // NFD → NFC
		"用户@例子.广告":                     "用户@例子.广告",
		"admin@localhost":              "admin@localhost",
		strings.Repeat("a", 64) + "@x": strings.Repeat("a", 64) + "@x",
	}
	for in, want := range ok {
		got, err := NormalizeEmail(in)
		if err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []string{
		"", "plain", "@example.com", "a@", "a@@b.com", "a@b@c.com", "a b@example.com", "a@exa mple.com",
		".a@example.com", "a.@example.com", "a..b@example.com", `"quoted"@example.com`, "a@[127.0.0.1]",
		"a@-example.com", "a@example-.com", "a@example..com", "a\x00@example.com", "a@exam\nple.com",
		"a\u202e@example.com", strings.Repeat("a", 65) + "@x", "a@" + strings.Repeat("b", 64) + ".com",
		"a@" + strings.Repeat("b.", 127) + "com", "\xff@example.com", "x'); DROP TABLE users;--@example.com",
	}
	for _, in := range bad {
		_, err := NormalizeEmail(in)
		var ie *InvalidError
		if !errors.As(err, &ie) || ie.Field != "email" || !errors.Is(err, ErrInvalid) {
			t.Errorf("NormalizeEmail(%q) = %v; want an InvalidError for email", in, err)
		}
	}
}

func TestValidText(t *testing.T) {
	for s, want := range map[string]bool{"Zoë Ünïcode 用户": true, "": true, "a\tb": false, "a\nb": false, "\x00": false, "\xff": false, "a\u2028b": false} {
		if got := ValidText(s); got != want {
			t.Errorf("ValidText(%q) = %v", s, got)
		}
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"a@example.com", "ÜSER@bücher.example", `"q"@x`, "a..b@x", "用户@例子.广告", "\xff@x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeEmail(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		again, err := NormalizeEmail(got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", s, got, again, err)
		}
		if strings.Count(got, "@") != 1 || len(got) > 254 || !ValidText(got) || strings.ContainsAny(got, " \"") {
			t.Fatalf("accepted %q as %q", s, got)
		}
	})
}

func TestEmailSkeleton(t *testing.T) {
	same := map[string][2]string{
		"CyrillicA":      {"paypal@x.io", "p\u0430ypal@x.io"},                          // а U+0430
		"CyrillicDomain": {"paypal@x.io", "paypal@\u0445.io"},                          // х U+0445
		"Fullwidth":      {"paypal@x.io", "\uff50\uff41\uff59\uff50\uff41\uff4c@x.io"}, // ｐａｙｐａｌ
		"RnAndM":         {"modern@x.io", "rnodern@x.io"},
		"OneAndL":        {"bill@x.io", "bi1l@x.io"},
		"ZeroAndO":       {"bob@x.io", "b0b@x.io"},
		"Case":           {"Paypal@X.io", "paypal@x.io"},
		"Decomposed":     {"\u00fcser@x.io", "u\u0308ser@x.io"},
	}
	for name, pair := range same {
		t.Run("Same/"+name, func(t *testing.T) {
			if a, b := EmailSkeleton(pair[0]), EmailSkeleton(pair[1]); a != b {
				t.Errorf("skeletons of %q and %q differ: %q, %q", pair[0], pair[1], a, b)
			}
		})
	}
	differ := map[string][2]string{
		"OtherName":   {"paypal@x.io", "paypa@x.io"},
		"OtherDomain": {"paypal@x.io", "paypal@y.io"},
		"Umlaut":      {"user@x.io", "\u00fcser@x.io"},
	}
	for name, pair := range differ {
		t.Run("Differ/"+name, func(t *testing.T) {
			if a, b := EmailSkeleton(pair[0]), EmailSkeleton(pair[1]); a == b {
				t.Errorf("skeletons of %q and %q are both %q", pair[0], pair[1], a)
			}
		})
	}
}
