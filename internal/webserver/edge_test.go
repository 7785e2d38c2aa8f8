package webserver_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/server"
	"github.com/berth-platform/berth/web"
)

func TestSecurityHeaders(t *testing.T) {
	st := startSite(t)
	b := st.browser()
	a1 := b.do(http.MethodGet, "/", nil, nil)
	a2 := b.do(http.MethodGet, "/functions/xyz", nil, nil) // a client route: the app's shell
	for _, a := range []answer{a1, a2} {
		if a.status != 200 || !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") || a.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("shell: %d %v", a.status, a.header)
		}
		csp := a.header.Get("Content-Security-Policy")
		for _, want := range []string{"frame-ancestors 'none'", "object-src 'none'", "script-src 'self' 'nonce-"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %s", csp, want)
			}
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin", "X-Frame-Options": "DENY"} {
			if a.header.Get(k) != v {
				t.Errorf("%s = %q", k, a.header.Get(k))
			}
		}
		if a.header.Get("Server") != "" || a.header.Get("Strict-Transport-Security") != "" {
			t.Errorf("Server or HSTS on plain http: %v", a.header)
		}
	}
	n1, n2 := between(a1.header.Get("Content-Security-Policy"), "'nonce-", "'"), between(a2.header.Get("Content-Security-Policy"), "'nonce-", "'")
	if n1 == "" || n1 == n2 {
		t.Fatalf("nonces %q and %q: not fresh per request", n1, n2)
	}
	// Whichever UI this binary embeds (the placeholder or the real build)
	// has a stylesheet under assets/.
	files, _ := web.UI()
	css, _ := fs.Glob(files, "assets/*.css")
	if len(css) == 0 {
		t.Fatal("the embedded UI has no assets/*.css")
	}
	asset := b.do(http.MethodGet, "/"+css[0], nil, nil)
	if asset.status != 200 || !strings.HasPrefix(asset.header.Get("Content-Type"), "text/css") {
		t.Fatalf("asset: %d %v", asset.status, asset.header)
	}
	if a := b.do(http.MethodGet, "/assets/missing.js", nil, nil); a.status != 404 {
		t.Fatalf("a missing asset answered %d", a.status)
	}
	if a := b.do(http.MethodGet, "/assets/", nil, nil); a.status != 200 || strings.Contains(string(a.body), path.Base(css[0])+"\"") && strings.Contains(string(a.body), "<pre>") {
		t.Fatalf("directory listing: %s", a.body)
	}
	if a := b.do(http.MethodPost, "/functions", nil, nil); a.status != 405 && a.status != 403 {
		t.Fatalf("POST to a page: %d", a.status)
	}
}

// rawGet sends a request line verbatim, so that paths reach the server
// exactly as written (no client-side cleaning).
func rawGet(t *testing.T, addr, target, host string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, host)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestStaticTraversalAndUnsafeNames(t *testing.T) {
	st := startSite(t)
	addr := st.Addr()
	for _, target := range []string{
		"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/assets/..%2f..%2fetc/passwd", "/..%5c..%5cetc%5cpasswd",
		"/assets\\..\\..\\etc\\passwd", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/assets/%2e%2e/%2e%2e/go.mod",
		"/.git/config", "/.env", "/config/.env.local", "/backup.sql", "/index.html.bak", "/index.html~", "/.svn/entries",
		"/db.sqlite.old", "/.DS_Store", "/site.tar.gz",
	} {
		status, body := rawGet(t, addr, target, addr)
		if status != 403 && status != 404 && status != 400 {
			t.Errorf("GET %s answered %d", target, status)
		}
		if strings.Contains(body, "root:") || strings.Contains(body, "module github.com") || strings.Contains(body, "[core]") {
			t.Errorf("GET %s leaked a file: %.80s", target, body)
		}
	}
	for _, host := range []string{"169.254.169.254", "metadata.google.internal", "169.254.170.2", "100.100.100.200", "[fd00:ec2::254]"} {
		if status, _ := rawGet(t, addr, "/latest/meta-data/", host); status != 403 {
			t.Errorf("Host %s answered %d", host, status)
		}
	}
}

func TestCrossSiteRequestsRefused(t *testing.T) {
	st := startSite(t)
	b := st.browser()
	b.mustLogin()
	cross := http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}
	wantProblem(t, b.do(http.MethodPost, "/api/keypairs", map[string]string{"name": "x"}, cross), 403, "cross-origin")
	wantProblem(t, b.do(http.MethodPost, "/server/logout", "", cross), 403, "cross-origin")
	// A cross-site form login (login CSRF) is refused too.
	wantProblem(t, st.browser().do(http.MethodPost, "/server/login", "email=root%40example.test&password=a+configured+admin+password",
		http.Header{"Origin": {"https://evil.example"}}), 403, "cross-origin")
	// Same-origin and non-browser requests pass.
	same := http.Header{"Origin": {st.url}, "Sec-Fetch-Site": {"same-origin"}}
	if a := b.do(http.MethodPost, "/api/keypairs", map[string]string{"name": "x"}, same); a.status != 201 {
		t.Fatalf("same-origin POST: %d %s", a.status, a.body)
	}
	// GET is not a state change: no refusal.
	if a := b.do(http.MethodGet, "/api/users/me", nil, cross); a.status != 200 {
		t.Fatalf("cross-site GET: %d", a.status)
	}
}

func TestCORS(t *testing.T) {
	st := startSite(t, func(c *config.Config, _ *server.Options) { c.Web.AllowedOrigins = []string{"https://app.example"} })
	b := st.browser()
	pre := b.do(http.MethodOptions, "/api/users/me", nil, http.Header{"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"POST"}})
	if pre.status != 204 || pre.header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		pre.header.Get("Access-Control-Allow-Credentials") != "true" || !strings.Contains(pre.header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Fatalf("allowed preflight: %d %v", pre.status, pre.header)
	}
	bad := b.do(http.MethodOptions, "/api/users/me", nil, http.Header{"Origin": {"https://evil.example"}, "Access-Control-Request-Method": {"POST"}})
	if bad.status != 403 || bad.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("foreign preflight: %d %v", bad.status, bad.header)
	}
	simple := b.do(http.MethodGet, "/api/users/me", nil, http.Header{"Origin": {"https://evil.example"}})
	if simple.header.Get("Access-Control-Allow-Origin") != "" || simple.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("CORS headers for a foreign origin: %v", simple.header)
	}
	b.mustLogin()
	if a := b.do(http.MethodPost, "/api/keypairs", map[string]string{"name": "x"}, http.Header{"Origin": {"https://app.example"}, "Sec-Fetch-Site": {"cross-site"}}); a.status != 201 {
		t.Fatalf("a listed origin's credentialed POST: %d %s", a.status, a.body)
	}
}

func TestRateLimits(t *testing.T) {
	st := startSite(t, func(c *config.Config, _ *server.Options) {
		c.Web.APIPerSecond, c.Web.APIBurst = 1, 3
		c.Web.LoginPerMinute, c.Web.LoginBurst = 1, 2
	})
	b := st.browser()
	var last answer
	for range 4 {
		last = b.do(http.MethodGet, "/api/openapi.json", nil, nil)
	}
	wantProblem(t, last, 429, "rate-limited")
	if ra, err := strconv.Atoi(last.header.Get("Retry-After")); err != nil || ra < 1 {
		t.Fatalf("Retry-After %q", last.header.Get("Retry-After"))
	}
	for _, h := range []string{"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} {
		if last.header.Get(h) == "" {
			t.Errorf("no %s", h)
		}
	}
	for range 2 {
		b.login(adminEmail, "wrong password entirely")
	}
	wantProblem(t, b.login(adminEmail, adminPassword), 429, "rate-limited")
}

func TestHugeHeaderAndSlowClient(t *testing.T) {
	st := startSite(t, func(_ *config.Config, o *server.Options) { o.ReadHeaderTimeout = 500 * time.Millisecond })
	conn, err := net.Dial("tcp", st.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 1<<20))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("1 MiB header: %v %v", resp, err)
	}
	// Slowloris: a client that trickles its headers is cut off.
	slow, err := net.Dial("tcp", st.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	start := time.Now()
	_, _ = io.WriteString(slow, "GET / HTTP/1.1\r\nHost: x\r\n")
	closed := false
	for i := 0; i < 40 && !closed; i++ {
		time.Sleep(100 * time.Millisecond)
		if _, err := io.WriteString(slow, "X-A: b\r\n"); err != nil {
			closed = true
		}
		_ = slow.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		if n, err := slow.Read(make([]byte, 1)); n == 0 && err != nil && !isTimeout(err) {
			closed = true
		}
	}
	if !closed || time.Since(start) > 3*time.Second {
		t.Fatalf("a slow client kept its connection for %s", time.Since(start))
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestWebSocketForeignOriginRefused(t *testing.T) {
	st := startSite(t)
	b := st.browser()
	b.mustLogin()
	c := b.cookie("berth_session")
	h := http.Header{"Cookie": {c.String()}, "Origin": {"https://evil.example"}}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(st.url, "http")+"/api/functions/x/logs", &websocket.DialOptions{HTTPHeader: h})
	if err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("foreign-origin WebSocket: %v %v", resp, err)
	}
}

func TestTLSAndSecureCookie(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	st := startSite(t, func(c *config.Config, _ *server.Options) { c.Web.TLSCert, c.Web.TLSKey = cert, key })
	if !strings.HasPrefix(st.url, "https://") {
		t.Fatalf("URL %s", st.url)
	}
	b := st.browser()
	b.c.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true} //nolint:gosec // the test's own self-signed certificate
	a := b.login(adminEmail, adminPassword)
	if a.status != 200 {
		t.Fatalf("login over TLS: %d %s", a.status, a.body)
	}
	set := a.header.Get("Set-Cookie")
	if !strings.HasPrefix(set, "__Host-berth_session=") || !strings.Contains(set, "Secure") {
		t.Fatalf("Set-Cookie over TLS: %q", set)
	}
	if !strings.Contains(a.header.Get("Strict-Transport-Security"), "max-age=") {
		t.Fatalf("no HSTS over TLS")
	}
	req, _ := http.NewRequest(http.MethodGet, st.url+"/api/users/me", nil)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ProtoMajor != 2 {
		t.Fatalf("session over TLS: %d, HTTP/%d", resp.StatusCode, resp.ProtoMajor)
	}
}

func selfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(priv)
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	_ = os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	_ = os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cert, key
}

func TestAuthDisabledOnLoopback(t *testing.T) {
	st := startSite(t, func(c *config.Config, _ *server.Options) { c.Auth.Enabled = false })
	b := st.browser()
	if a := b.do(http.MethodGet, "/api/users/me", nil, nil); a.status != 200 || a.json(t)["email"] != adminEmail {
		t.Fatalf("auth disabled: %d %s", a.status, a.body)
	}
	if !strings.Contains(st.logs.String(), "AUTHENTICATION IS OFF") {
		t.Fatal("no warning at start")
	}
	cfg := config.Default()
	cfg.Listen, cfg.MetricsListen, cfg.DataDir = "0.0.0.0:0", "", t.TempDir()
	cfg.Auth.Enabled = false
	if _, err := server.New(t.Context(), cfg, server.Options{}); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("auth disabled on a public address: %v", err)
	}
}

func TestWebserverMetrics(t *testing.T) {
	st := startSite(t)
	b := st.browser()
	b.login(adminEmail, "wrong password entirely")
	b.mustLogin()
	rawGet(t, st.Addr(), "/.git/config", st.Addr())
	resp, err := http.Get("http://" + st.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	m, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`berth_web_logins_total{outcome="success"} 1`, `berth_web_logins_total{outcome="failure"} 1`,
		`berth_web_refused_total{reason="unsafe name"} 1`, `berth_web_sessions 1`,
		`berth_api_request_count_total{domain="",endpoint="/server/login",error_detail="",method="POST",operation="",status_code="200"} 1`,
	} {
		if !strings.Contains(string(m), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
