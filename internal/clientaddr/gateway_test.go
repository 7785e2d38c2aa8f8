package clientaddr

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestGatewayAssertion(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	g := NewGateway(bytes.Repeat([]byte{1}, 32), clock)
	other := NewGateway(bytes.Repeat([]byte{2}, 32), clock)
	asserted := func(addr string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/api/auth/authorize", nil)
		g.Assert(r, addr)
		return r
	}
	t.Run("OK", func(t *testing.T) {
		for _, addr := range []string{"203.0.113.7", "2001:db8::1", "::ffff:198.51.100.2"} {
			got, ok := g.Verified(asserted(addr))
			if !ok || got != strings.TrimPrefix(addr, "::ffff:") {
				t.Errorf("%s: %q, %v", addr, got, ok)
			}
		}
	})
	refused := map[string]func(r *http.Request){
		"OtherKey": func(r *http.Request) {},
		"AltereAddress": func(r *http.Request) {
			r.Header.Set(HeaderClientAddress, strings.Replace(r.Header.Get(HeaderClientAddress), "7;", "8;", 1))
		},
		"OtherPath":    func(r *http.Request) { r.URL.Path = "/api/auth/login" },
		"OtherMethod":  func(r *http.Request) { r.Method = http.MethodGet },
		"Garbage":      func(r *http.Request) { r.Header.Set(HeaderClientAddress, "127.0.0.1") },
		"NotAnAddress": func(r *http.Request) { r.Header.Set(HeaderClientAddress, "evil; t=1800000000; mac=00") },
	}
	for name, spoil := range refused {
		t.Run("Err"+name, func(t *testing.T) {
			r := asserted("203.0.113.7")
			spoil(r)
			verifier := g
			if name == "OtherKey" {
				verifier = other
			}
			if got, ok := verifier.Verified(r); ok {
				t.Fatalf("accepted %q", got)
			}
		})
	}
	t.Run("ErrStale", func(t *testing.T) {
		r := asserted("203.0.113.7")
		later := NewGateway(bytes.Repeat([]byte{1}, 32), func() time.Time { return now.Add(6 * time.Minute) })
		if _, ok := later.Verified(r); ok {
			t.Fatal("a six-minute-old assertion was accepted")
		}
	})
	t.Run("ClientValueReplaced", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set(HeaderClientAddress, "forged")
		var none *Gateway
		none.Assert(r, "203.0.113.7")
		if r.Header.Get(HeaderClientAddress) != "" {
			t.Fatal("a client's own assertion was forwarded")
		}
	})
}

func FuzzGatewayVerified(f *testing.F) {
	g := NewGateway(bytes.Repeat([]byte{1}, 32), func() time.Time { return time.Unix(1_800_000_000, 0) })
	r := httptest.NewRequest(http.MethodGet, "/x", nil)
	g.Assert(r, "203.0.113.7")
	f.Add(r.Header.Get(HeaderClientAddress))
	f.Add("::1; t=1800000000; mac=")
	f.Add("; ; ")
	f.Fuzz(func(t *testing.T, v string) {
		req := httptest.NewRequest(http.MethodGet, "/x", nil)
		req.Header.Set(HeaderClientAddress, v)
		if addr, ok := g.Verified(req); ok && v != r.Header.Get(HeaderClientAddress) {
			t.Fatalf("accepted a value the gateway did not make: %q -> %q", v, addr)
		}
	})
}
