package clientaddr

import (
	"net/http/httptest"
	"testing"
)

func TestAddr(t *testing.T) {
	r, err := New([]string{"10.0.0.0/8", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, peer, xff, want string
	}{
		{"NoProxy", "203.0.113.9:1234", "", "203.0.113.9"},
		{"UntrustedPeerForged", "203.0.113.9:1234", "1.2.3.4", "203.0.113.9"},
		{"TrustedProxy", "127.0.0.1:5555", "198.51.100.7", "198.51.100.7"},
		{"ChainRightmostUntrusted", "10.1.1.1:80", "1.1.1.1, 198.51.100.7, 10.2.2.2", "198.51.100.7"},
		{"ClientPrependsForgery", "127.0.0.1:1", "6.6.6.6, 198.51.100.7", "198.51.100.7"},
		{"AllTrusted", "127.0.0.1:1", "10.0.0.1", "127.0.0.1"},
		{"Malformed", "127.0.0.1:1", "not-an-ip", "127.0.0.1"},
		{"IPv6Peer", "[2001:db8::1]:443", "1.2.3.4", "2001:db8::1"},
		{"MappedTrusted", "[::ffff:127.0.0.1]:1", "198.51.100.7", "198.51.100.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tt.peer
			if tt.xff != "" {
				req.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := r.Addr(req); got != tt.want {
				t.Fatalf("Addr = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := New([]string{"nope"}); err == nil {
		t.Fatal("New accepted a bad address")
	}
	var none *Resolver
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "127.0.0.1:1"
	req.Header.Set("X-Forwarded-For", "1.2.3.4")
	if got := none.Addr(req); got != "127.0.0.1" {
		t.Fatalf("nil resolver trusted a header: %s", got)
	}
}

func FuzzAddr(f *testing.F) {
	f.Add("127.0.0.1:1", "1.2.3.4, 10.0.0.1")
	f.Add("[::1]:1", "::ffff:1.2.3.4,,")
	f.Add("garbage", "")
	r, _ := New([]string{"127.0.0.0/8", "::1", "10.0.0.0/8"})
	f.Fuzz(func(t *testing.T, peer, xff string) {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = peer
		req.Header.Set("X-Forwarded-For", xff)
		got := r.Addr(req)
		if !r.FromTrustedProxy(req) && got != Peer(req) {
			t.Fatalf("untrusted peer %q: header believed, got %q", peer, got)
		}
	})
}
