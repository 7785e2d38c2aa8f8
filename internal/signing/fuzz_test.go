package signing

import (
	"errors"
	"strings"
	"testing"
)

func FuzzParseAuthorization(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(v.ExpectedHeaders["Authorization"])
	}
	f.Add("BERTH-HMAC-SHA256 Credential=/, SignedHeaders=;, Signature=")
	f.Add("BERTH-HMAC-SHA256 ,,,")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := ParseAuthorization(h)
		if err != nil {
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not *Error", err)
			}
			return
		}
		if a.KeyID == "" || len(a.Day) != 8 || len(a.SignedHeaders) == 0 {
			t.Fatalf("accepted incomplete header %q: %+v", h, a)
		}
		for i := 1; i < len(a.SignedHeaders); i++ {
			if a.SignedHeaders[i-1] >= a.SignedHeaders[i] {
				t.Fatalf("accepted unsorted headers %q", h)
			}
		}
	})
}

func FuzzCanonicalPath(f *testing.F) {
	for _, s := range []string{"/api/fn/caf%C3%A9/x%20y", "/a/../b", "%2F%2f", "/%", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		c, err := CanonicalPath(p)
		if err != nil {
			return
		}
		again, err := CanonicalPath(c)
		if err != nil || again != c {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", p, c, again, err)
		}
		for i := 0; i < len(c); i++ {
			if ch := c[i]; !isUnreserved(ch) && ch != '/' && ch != '%' {
				t.Fatalf("byte %q left unencoded in %q", ch, c)
			}
		}
	})
}

func FuzzCanonicalQuery(f *testing.F) {
	for _, s := range []string{"page=2&per_page=20&q=a%20b", "x=%2F&b=1&a=2", "a&&b", "=&=", "a=b=c", "+%2B+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		c, err := CanonicalQuery(q)
		if err != nil {
			return
		}
		again, err := CanonicalQuery(c)
		if err != nil || again != c {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", q, c, again, err)
		}
		if strings.ContainsAny(c, " /+") {
			t.Fatalf("unencoded byte in %q", c)
		}
	})
}
