package webserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/password"
	"github.com/berth-platform/berth/internal/server"
)

const (
	adminEmail    = "root@example.test"
	adminPassword = "a configured admin password"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// site is a running berth (serve role unless the options say otherwise).
type site struct {
	*server.Server
	t    testing.TB
	url  string
	logs *lockedBuffer
	stop func()
}

type option func(*config.Config, *server.Options)

func startSite(t testing.TB, opts ...option) *site {
	t.Helper()
	cfg := config.Default()
	cfg.Listen, cfg.MetricsListen, cfg.DataDir = "127.0.0.1:0", "127.0.0.1:0", t.TempDir()
	cfg.Admin = config.AdminConfig{Email: adminEmail, Password: adminPassword}
	cfg.ShutdownTimeout = 5 * time.Second
	logs := &lockedBuffer{}
	so := server.Options{Logger: slog.New(slog.NewJSONHandler(logs, nil)), Version: "test",
		Hasher: password.NewHasher(password.Params{Memory: 64, Time: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, 4, time.Second)}
	for _, o := range opts {
		o(&cfg, &so)
	}
	s, err := server.New(t.Context(), cfg, so)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	st := &site{Server: s, t: t, url: s.URL(), logs: logs}
	st.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(st.stop)
	return st
}

// browser is an HTTP client with a cookie jar, like a browser tab.
type browser struct {
	t   testing.TB
	c   *http.Client
	url string
}

func (st *site) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: st.t, url: st.url, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("not JSON (%d): %s", a.status, a.body)
	}
	return m
}

// do sends a request with optional JSON body and headers.
func (b *browser) do(method, path string, body any, header http.Header) answer {
	b.t.Helper()
	var r io.Reader
	ct := ""
	switch v := body.(type) {
	case nil:
	case string:
		r, ct = strings.NewReader(v), "application/x-www-form-urlencoded"
	default:
		raw, _ := json.Marshal(v)
		r, ct = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequest(method, b.url+path, r)
	if err != nil {
		b.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, data}
}

func (b *browser) login(email, pw string) answer {
	b.t.Helper()
	return b.do(http.MethodPost, "/server/login", map[string]string{"email": email, "password": pw}, nil)
}

func (b *browser) mustLogin() {
	b.t.Helper()
	if a := b.login(adminEmail, adminPassword); a.status != http.StatusOK {
		b.t.Fatalf("login: %d %s", a.status, a.body)
	}
}

func (b *browser) cookie(name string) *http.Cookie {
	req, _ := http.NewRequest(http.MethodGet, b.url+"/", nil)
	for _, c := range b.c.Jar.Cookies(req.URL) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func wantProblem(t testing.TB, a answer, status int, code string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.body)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q: %s", ct, a.body)
	}
	if code != "" && a.json(t)["type"] != "urn:berth:problem:"+code {
		t.Fatalf("type %v, want %s", a.json(t)["type"], code)
	}
}
