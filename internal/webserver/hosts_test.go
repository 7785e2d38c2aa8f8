package webserver_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/berth-platform/berth/internal/clientaddr"
	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/kv/memory"
	"github.com/berth-platform/berth/internal/secret"
	"github.com/berth-platform/berth/internal/webserver"
	"github.com/berth-platform/berth/internal/websession"
	ui "github.com/berth-platform/berth/web"
)

// hostSite is a webserver with public_url, functions.public_url and extra
// names set, in front of a handler that names the path it was given.
func hostSite(t *testing.T, publicURL, functionsURL string, allowed []string, auth bool) http.Handler {
	t.Helper()
	kvs := memory.New()
	t.Cleanup(func() { kvs.Close() })
	bx, _ := secret.NewBox(bytes.Repeat([]byte{3}, 32))
	web := config.Default().Web
	web.AllowedHosts = allowed
	a := config.Default().Auth
	a.Enabled = auth
	up := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "reached "+r.URL.Path) })
	files, built := ui.UI()
	ws, err := webserver.New(webserver.Options{Upstream: webserver.Local{Handler: up}, Sessions: websession.New(kvs, bx, websession.Options{}),
		KV: kvs, Proxies: &clientaddr.Resolver{}, Web: web, Auth: a, PublicURL: publicURL, FunctionsURL: functionsURL,
		UI: files, UIBuilt: built})
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

func hit(h http.Handler, method, host, path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://"+host+path, nil)
	req.Host = host
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestKnownHostsOnly: a Host that is neither public_url's, an allowed
// name nor a loopback name gets 421 — a DNS-rebinding page included.
func TestKnownHostsOnly(t *testing.T) {
	h := hostSite(t, "https://berth.example.com", "", []string{"berth.internal.example"}, true)
	for _, host := range []string{"berth.example.com", "BERTH.example.com.", "berth.example.com:443", "berth.internal.example",
		"127.0.0.1:8080", "localhost:8080", "app.localhost", "[::1]:8080", "127.9.9.9"} {
		if rec := hit(h, http.MethodGet, host, "/health"); rec.Code != 200 {
			t.Errorf("Host %s: %d %s", host, rec.Code, rec.Body)
		}
	}
	for _, host := range []string{"rebind.attacker.example", "evil.example.com", "berth.example.com.evil.example", "10.0.0.8:8080", "0.0.0.0"} {
		rec := hit(h, http.MethodGet, host, "/api/users/me")
		if rec.Code != http.StatusMisdirectedRequest || !strings.Contains(rec.Body.String(), "unknown-host") {
			t.Errorf("Host %s: %d %s, want 421 unknown-host", host, rec.Code, rec.Body)
		}
		if strings.Contains(rec.Body.String(), "reached") {
			t.Errorf("Host %s reached the manager", host)
		}
	}
}

// TestKnownHostsWithoutAuth: with authentication off, only loopback
// names reach the open dashboard.
func TestKnownHostsWithoutAuth(t *testing.T) {
	h := hostSite(t, "http://127.0.0.1:8080", "", nil, false)
	if rec := hit(h, http.MethodGet, "rebind.attacker.example:8080", "/"); rec.Code != http.StatusMisdirectedRequest {
		t.Fatalf("a rebinding page reached the open dashboard: %d", rec.Code)
	}
	cfg := config.Default()
	cfg.Auth.Enabled, cfg.Web.AllowedHosts = false, []string{"*"}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "web.allowed_hosts") {
		t.Fatalf(`web.allowed_hosts = ["*"] with auth off: %v`, err)
	}
}

// TestFunctionsOrigin: with functions.public_url, functions answer only on
// their own host, which serves nothing else, and /fn/ on the dashboard's
// origin redirects there.
func TestFunctionsOrigin(t *testing.T) {
	h := hostSite(t, "https://berth.example.com", "https://fn.example.com", nil, true)
	rec := hit(h, http.MethodPost, "berth.example.com", "/fn/abc/x?q=1")
	if rec.Code != http.StatusPermanentRedirect || rec.Header().Get("Location") != "https://fn.example.com/fn/abc/x?q=1" {
		t.Errorf("/fn/ on the dashboard's origin: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := hit(h, http.MethodPost, "fn.example.com", "/fn/abc/x"); rec.Code != 200 || rec.Body.String() != "reached /fn/abc/x" {
		t.Errorf("/fn/ on the functions origin: %d %s", rec.Code, rec.Body)
	}
	for _, path := range []string{"/", "/login", "/api/users/me", "/server/login-check", "/session/validate"} {
		if rec := hit(h, http.MethodGet, "fn.example.com", path); rec.Code != 404 || strings.Contains(rec.Body.String(), "reached") {
			t.Errorf("%s on the functions origin: %d %s", path, rec.Code, rec.Body)
		}
	}
	cfg := config.Default()
	cfg.PublicURL, cfg.Functions.PublicURL = "https://berth.example.com", "https://berth.example.com/fn"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "functions.public_url") {
		t.Fatalf("functions.public_url on the dashboard's host: %v", err)
	}
}
