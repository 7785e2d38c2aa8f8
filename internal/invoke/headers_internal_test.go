package invoke

import (
	"net/http"
	"strconv"
	"testing"
)

// TestFunctionCookiesCapped: a function cannot flood the browser's jar
// (and crowd the session cookie out); what it sends is rebuilt.
func TestFunctionCookiesCapped(t *testing.T) {
	fn := http.Header{}
	for i := range 25 {
		fn.Add("Set-Cookie", "c"+strconv.Itoa(i)+"=v; Path=/fn/abc/; HttpOnly;   SameSite=Strict")
	}
	dst := http.Header{}
	copyFunctionHeaders(dst, fn, "abc")
	got := dst.Values("Set-Cookie")
	if len(got) != maxFunctionCookies {
		t.Fatalf("%d cookies passed, want %d", len(got), maxFunctionCookies)
	}
	if got[0] != "c0=v; Path=/fn/abc/; HttpOnly; SameSite=Strict" {
		t.Fatalf("the cookie was not rebuilt from its parsed fields: %q", got[0])
	}
}
