package headers

import (
	"net/http"
	"testing"
)

func TestRemoveHopByHop(t *testing.T) {
	h := http.Header{"Connection": {"keep-alive, X-Secret, Authorization"}, "X-Secret": {"s"}, "Authorization": {"a"},
		"Keep-Alive": {"5"}, "Upgrade": {"h2c"}, "Transfer-Encoding": {"chunked"}, "Te": {"trailers"}, "X-Kept": {"k"}}
	RemoveHopByHop(h)
	if len(h) != 1 || h.Get("X-Kept") != "k" {
		t.Fatalf("left %v, want only X-Kept", h)
	}
	if !IsHopByHop("proxy-authorization") || IsHopByHop("Content-Type") {
		t.Fatal("IsHopByHop")
	}
}

func TestRemoveBerth(t *testing.T) {
	h := http.Header{"X-Berth-User": {"a"}, "X_berth_role": {"admin"}, "x-BERTH-token": {"t"}, "X-Berthday": {"kept"}, "X-Custom": {"kept"}}
	RemoveBerth(h)
	if len(h) != 2 || h.Get("X-Custom") != "kept" || h.Get("X-Berthday") != "kept" {
		t.Fatalf("left %v", h)
	}
}
