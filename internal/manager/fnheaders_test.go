package manager_test

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestFunctionCannotActOnTheOrigin: functions answer on the dashboard's
// origin, so what works origin-wide never leaves berth from a function,
// the platform's headers always win, and only cookies scoped to the
// function's own path pass.
func TestFunctionCannotActOnTheOrigin(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	_, _, c := ts.newUser()
	f, err := c.InitFunction(ctx, "raw", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deploy(ctx, f.ID, "application/wasm", module(t, "raw")); err != nil {
		t.Fatal(err)
	}
	kp, err := c.CreateKeypair(ctx, "raw")
	if err != nil {
		t.Fatal(err)
	}
	signer := ts.signer(kp.AccessKey, kp.SecretKey)
	own := "/fn/" + f.ID
	answer := strings.Join([]string{
		"Content-Type: text/plain",
		"X-Custom: kept",
		"Referrer-Policy: no-referrer",
		"Clear-Site-Data: \"*\"",
		"Strict-Transport-Security: max-age=63072000; includeSubDomains",
		"Content-Security-Policy: default-src *",
		"Cross-Origin-Opener-Policy: unsafe-none",
		"X-Frame-Options: ALLOWALL",
		"Access-Control-Allow-Origin: https://evil.example",
		"Access-Control-Allow-Credentials: true",
		"Alt-Svc: h3=\":443\"",
		"Service-Worker-Allowed: /",
		"X-Berth-Execution-Id: forged",
		"X-Berth-User: admin@example.test",
		"X_Berth_Role: admin",
		"X-Request-Id: forged",
		"RateLimit-Remaining: 42",
		"Set-Cookie: ok=1; Path=" + own + "/; HttpOnly",
		"Set-Cookie: exact=1; Path=" + own,
		"Set-Cookie: nopath=1",
		"Set-Cookie: root=1; Path=/",
		"Set-Cookie: other=1; Path=/fn/00000000-0000-4000-8000-000000000000/",
		"Set-Cookie: prefix=1; Path=" + own + "x/",
		"Set-Cookie: domain=1; Path=" + own + "/; Domain=example.test",
		"Set-Cookie: emptydomain=1; Path=" + own + "/; Domain=",
		"Set-Cookie: berth_session=stolen; Path=" + own + "/",
		"Set-Cookie: __Host-berth_session=stolen; Path=/; Secure",
		"Set-Cookie: not a cookie",
		// Browsers trim attribute names; Go does not: "Path =/" must not pass.
		"Set-Cookie: spaced=1; Path=" + own + "; Path =/; Domain =example.test",
		"Set-Cookie: odd=1; Path=" + own + "/; Frobnicate=yes",
		"",
		"body",
	}, "\n")
	for _, path := range []string{"/api/functions/" + f.ID + "/invoke", own + "/page"} {
		t.Run(strings.Split(path, "/")[1], func(t *testing.T) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.url+path, bytes.NewReader([]byte(answer)))
			resp, err := signer.HTTPClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			h := resp.Header
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if h.Get("X-Custom") != "kept" || h.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("the function's own headers were dropped: %v", h)
			}
			for _, gone := range []string{"Clear-Site-Data", "Strict-Transport-Security", "Access-Control-Allow-Origin",
				"Access-Control-Allow-Credentials", "Alt-Svc", "Service-Worker-Allowed", "X-Berth-User", "X_berth_role"} {
				if v := h.Values(gone); len(v) > 0 {
					t.Errorf("%s passed from the function: %q", gone, v)
				}
			}
			if id := h.Get("X-Berth-Execution-Id"); id == "forged" || id == "" || len(h.Values("X-Berth-Execution-Id")) != 1 {
				t.Errorf("execution id %q: the platform's header must win", h.Values("X-Berth-Execution-Id"))
			}
			if h.Get("X-Request-Id") == "forged" {
				t.Error("the function set the request id")
			}
			if csp := h.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") || len(h.Values("Content-Security-Policy")) != 1 {
				t.Errorf("CSP %q: the platform's sandbox must win", h.Values("Content-Security-Policy"))
			}
			if v := h.Get("X-Frame-Options"); v == "ALLOWALL" {
				t.Error("the function relaxed X-Frame-Options")
			}
			if v := h.Get("Cross-Origin-Opener-Policy"); v == "unsafe-none" {
				t.Error("the function relaxed Cross-Origin-Opener-Policy")
			}
			if v := h.Get("RateLimit-Remaining"); v == "42" {
				t.Errorf("the function set the platform's rate-limit headers: %v", h)
			}
			var names []string
			for _, sc := range resp.Cookies() {
				names = append(names, sc.Name)
			}
			slices.Sort(names)
			if !slices.Equal(names, []string{"exact", "ok"}) {
				t.Errorf("cookies that passed: %v, want only those scoped to %s", names, own)
			}
		})
	}
}
