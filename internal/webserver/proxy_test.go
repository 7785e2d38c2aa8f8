package webserver_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-platform/berth/internal/clientaddr"
	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/kv/memory"
	"github.com/berth-platform/berth/internal/secret"
	"github.com/berth-platform/berth/internal/signing"
	"github.com/berth-platform/berth/internal/webserver"
	"github.com/berth-platform/berth/internal/websession"
	"github.com/berth-platform/berth/web"
)

// capture is an upstream that verifies what the webserver forwards with
// the real signature verifier and records it. It stands in for the
// manager where a test must look at the forwarded request itself.
type capture struct {
	mu       sync.Mutex
	last     *http.Request
	body     []byte
	verified error
	ver      *signing.Verifier[string]
	respond  func(w http.ResponseWriter, r *http.Request)
}

type keys map[string]string

func (k keys) LookupKey(_ context.Context, id string) (signing.Key[string], error) {
	s, ok := k[id]
	if !ok {
		return signing.Key[string]{}, signing.ErrUnknownKey
	}
	return signing.Key[string]{Secret: s, Owner: id}, nil
}

type nonces struct {
	mu sync.Mutex
	m  map[string]bool
}

func (n *nonces) ClaimNonce(_ context.Context, key string, _ time.Duration) (bool, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m[key] {
		return false, nil
	}
	n.m[key] = true
	return true, nil
}

func (c *capture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var err error
	var sum []byte
	var body []byte
	if r.Header.Get("Authorization") != "" && strings.HasPrefix(r.Header.Get("Authorization"), signing.Algorithm) {
		var s *signing.Signed[string]
		if s, err = c.ver.Check(r.Context(), r); err == nil {
			h := sha256.New()
			_, _ = io.Copy(h, r.Body)
			sum = h.Sum(nil)
			if !s.BodyMatches(sum) {
				err = errors.New("body hash mismatch")
			}
		}
	} else if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
	}
	c.mu.Lock()
	c.last, c.body, c.verified = r, body, err
	c.mu.Unlock()
	if c.respond != nil {
		c.respond(w, r)
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "upstream ok "+hex.EncodeToString(sum))
}

// gateway is a webserver in front of a capture, with one session.
type gateway struct {
	srv     *httptest.Server
	up      *capture
	cookie  *http.Cookie
	secret  string
	access  string
	handler http.Handler
}

func newGateway(t testing.TB, web2 config.WebConfig) *gateway {
	t.Helper()
	return newGatewayWith(t, web2, config.FunctionsConfig{})
}

// newGatewayWith is newGateway with the functions' body limits.
func newGatewayWith(t testing.TB, web2 config.WebConfig, fn config.FunctionsConfig) *gateway {
	t.Helper()
	kvs := memory.New()
	t.Cleanup(func() { kvs.Close() })
	bx, _ := secret.NewBox(bytes.Repeat([]byte{3}, 32))
	sessions := websession.New(kvs, bx, websession.Options{})
	g := &gateway{access: "BKGATEWAYTEST00001", secret: "gateway-session-secret"}
	g.up = &capture{ver: &signing.Verifier[string]{Keys: keys{g.access: g.secret}, Nonces: &nonces{m: map[string]bool{}}}}
	files, built := web.UI()
	if web2.APIPerSecond == 0 {
		web2 = config.Default().Web
		web2.APIPerSecond, web2.APIBurst, web2.InvokePerSecond, web2.InvokeBurst = 1e6, 1e6, 1e6, 1e6
	}
	auth := config.Default().Auth
	proxies, _ := clientaddr.New([]string{"10.9.9.9"})
	ws, err := webserver.New(webserver.Options{Upstream: webserver.Local{Handler: g.up}, Sessions: sessions, KV: kvs,
		Proxies: proxies, Web: web2, Auth: auth, Functions: fn, UI: files, UIBuilt: built})
	if err != nil {
		t.Fatal(err)
	}
	g.handler = ws
	g.srv = httptest.NewServer(ws)
	t.Cleanup(g.srv.Close)
	s := &websession.Session{UserID: "u1", Email: "a@example.test", Role: "user", AccessKey: g.access}
	if err := sessions.Create(context.Background(), s, g.secret); err != nil {
		t.Fatal(err)
	}
	g.cookie = &http.Cookie{Name: "berth_session", Value: s.ID}
	return g
}

func (g *gateway) send(t testing.TB, method, path string, body io.Reader, h http.Header) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, g.srv.URL+path, body)
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

func TestProxyHeaderHygiene(t *testing.T) {
	g := newGateway(t, config.WebConfig{})
	h := http.Header{
		"Cookie":            {g.cookie.String() + "; other=1"},
		"X-Berth-User":      {"admin@example.test"},
		"X-Berth-User-Id":   {"forged"},
		"X_berth_user":      {"underscore-forged"},
		"X-Berth-Token":     {"forged.jwt.token"},
		"X-Berth-Groups":    {"admin"},
		"Connection":        {"keep-alive, X-Berth-Token, Authorization, X-Berth-Date"},
		"X-Forwarded-For":   {"6.6.6.6"},
		"X-Forwarded-Proto": {"https"},
		"Forwarded":         {"for=6.6.6.6;proto=https"},
		"X-Custom":          {"kept"},
		"Content-Type":      {"application/json"},
	}
	resp, _ := g.send(t, http.MethodPost, "/api/functions", strings.NewReader(`{"x":1}`), h)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	g.up.mu.Lock()
	r, verr := g.up.last, g.up.verified
	g.up.mu.Unlock()
	if verr != nil {
		t.Fatalf("the forwarded request does not verify: %v", verr)
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "BERTH-HMAC-SHA256 Credential="+g.access+"/") {
		t.Fatalf("not signed with the session keypair: %q", r.Header.Get("Authorization"))
	}
	for _, k := range []string{"X-Berth-User", "X-Berth-User-Id", "X_berth_user", "X-Berth-Token", "X-Berth-Groups", "Cookie"} {
		if v := r.Header.Values(k); len(v) > 0 {
			t.Errorf("%s reached the manager: %v", k, v)
		}
	}
	if r.Header.Get("X-Custom") != "kept" {
		t.Errorf("an ordinary header was dropped")
	}
	if xff := r.Header.Get("X-Forwarded-For"); xff != "127.0.0.1" {
		t.Errorf("X-Forwarded-For %q: an untrusted client's chain was believed", xff)
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p != "http" {
		t.Errorf("X-Forwarded-Proto %q from an untrusted client", p)
	}
	if v := r.Header.Get("X-Berth-Version"); v != "v1" {
		t.Errorf("X-Berth-Version %q: the webserver names the API version it speaks", v)
	}
	if f := r.Header.Get("Forwarded"); !strings.HasPrefix(f, "for=127.0.0.1;") {
		t.Errorf("Forwarded %q: a client's own was believed or none was set", f)
	}
}

func TestProxyPassThroughUntouched(t *testing.T) {
	g := newGateway(t, config.WebConfig{})
	body := []byte(`{"name":"x"}`)
	req, _ := http.NewRequest(http.MethodPost, g.srv.URL+"/api/keypairs", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if err := signing.Sign(req, signing.Credentials{KeyID: g.access, Secret: g.secret}, signing.BodyHash(body), time.Now(), signing.NewNonce()); err != nil {
		t.Fatal(err)
	}
	want := req.Header.Get("Authorization")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	g.up.mu.Lock()
	defer g.up.mu.Unlock()
	if g.up.verified != nil || g.up.last.Header.Get("Authorization") != want {
		t.Fatalf("a client-signed request was altered: %v %q", g.up.verified, g.up.last.Header.Get("Authorization"))
	}
}

func TestProxyAnonymousStripsIdentity(t *testing.T) {
	g := newGateway(t, config.WebConfig{})
	resp, _ := g.send(t, http.MethodGet, "/api/users/me", nil, http.Header{"X-Berth-User": {"admin@example.test"}})
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	g.up.mu.Lock()
	defer g.up.mu.Unlock()
	if g.up.last.Header.Get("X-Berth-User") != "" || g.up.last.Header.Get("Authorization") != "" {
		t.Fatalf("anonymous request forwarded with identity: %v", g.up.last.Header)
	}
}

func TestProxyTrustedForwardedFor(t *testing.T) {
	g := newGateway(t, config.WebConfig{})
	// Only a configured proxy's chain is believed; httptest connects from
	// 127.0.0.1, which is not one here, so the chain is replaced.
	resp, _ := g.send(t, http.MethodGet, "/api/x", nil, http.Header{"X-Forwarded-For": {"1.2.3.4"}, "Cookie": {g.cookie.String()}})
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	g.up.mu.Lock()
	defer g.up.mu.Unlock()
	if g.up.last.Header.Get("X-Forwarded-For") != "127.0.0.1" {
		t.Fatalf("XFF %q", g.up.last.Header.Get("X-Forwarded-For"))
	}
}

// TestProxyLargeBodiesConstantMemory streams 1 GiB up and 1 GiB down
// through a session request and checks the heap does not grow with it.
func TestProxyLargeBodiesConstantMemory(t *testing.T) {
	g := newGateway(t, config.WebConfig{})
	const size = 1 << 30
	g.up.respond = func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/api/download" {
			w.Header().Set("Content-Length", "1073741824")
			chunk := make([]byte, 1<<20)
			for range size >> 20 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			return
		}
		w.WriteHeader(http.StatusOK)
	}
	var peak uint64
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
		}
	}()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	up := io.LimitReader(zeros{}, size)
	resp, _ := g.send(t, http.MethodPost, "/api/functions/x/deploy", up, http.Header{"Cookie": {g.cookie.String()}, "Content-Type": {"application/gzip"}})
	if resp.StatusCode != 200 {
		t.Fatalf("upload: %s", resp.Status)
	}
	g.up.mu.Lock()
	verr := g.up.verified
	g.up.mu.Unlock()
	if verr != nil {
		t.Fatalf("the 1 GiB upload's signature does not verify: %v", verr)
	}
	req, _ := http.NewRequest(http.MethodGet, g.srv.URL+"/api/download", nil)
	req.Header.Set("Cookie", g.cookie.String())
	dl, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, dl.Body)
	dl.Body.Close()
	close(stop)
	<-sampled
	if n != size {
		t.Fatalf("downloaded %d bytes", n)
	}
	if grew := int64(peak) - int64(base.HeapInuse); grew > 64<<20 {
		t.Fatalf("heap grew by %d MiB while streaming 1 GiB each way", grew>>20)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// BenchmarkSessionProxy measures the webserver's own cost for one session
// GET: edge, rate limit, session, signing, and the hand-over to an
// in-process upstream that checks the signature.
func BenchmarkSessionProxy(b *testing.B) {
	g := newGateway(b, config.WebConfig{})
	req := httptest.NewRequest(http.MethodGet, "http://berth.test/api/users/me", nil)
	req.Header.Set("Cookie", g.cookie.String())
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		g.handler.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

// TestProxyBodyLimitsBeforeSpooling: a session's body over its route's
// limit is refused with 413 naming the limit, before the manager sees it
// and without spooling it: JSON routes take 1 MiB, invocations and
// uploads their configured limits.
func TestProxyBodyLimitsBeforeSpooling(t *testing.T) {
	g := newGatewayWith(t, config.WebConfig{}, config.FunctionsConfig{MaxArtefactBytes: 3 << 20, MaxInvokeBodyBytes: 64 << 10})
	calls := 0
	g.up.respond = func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			calls++ // (the session check is a GET)
		}
		w.WriteHeader(http.StatusOK)
	}
	cookie := http.Header{"Cookie": {g.cookie.String()}, "Content-Type": {"application/octet-stream"}}
	for _, tc := range []struct {
		path  string
		size  int64
		limit string
	}{
		{"/api/users/me", 2 << 20, "1024 KiB"},
		{"/api/functions/x/invoke", 65<<10 + 1, "64 KiB"},
		{"/api/functions/x/deploy", 4 << 20, "3072 KiB"},
	} {
		for _, chunked := range []bool{false, true} {
			body := io.LimitReader(zeros{}, tc.size)
			if chunked {
				body = struct{ io.Reader }{body} // no length known: read until the limit
			}
			resp, data := g.send(t, http.MethodPost, tc.path, body, cookie)
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(data), tc.limit) {
				t.Errorf("%s, %d bytes (chunked %v): %d %s", tc.path, tc.size, chunked, resp.StatusCode, data)
			}
		}
	}
	if calls != 0 {
		t.Fatalf("the manager received %d bodies over their limit", calls)
	}
	if resp, _ := g.send(t, http.MethodPost, "/api/functions/x/deploy", io.LimitReader(zeros{}, 2<<20), cookie); resp.StatusCode != 200 {
		t.Fatalf("an upload under the limit: %d", resp.StatusCode)
	}
}
