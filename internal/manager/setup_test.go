package manager_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/password"
	"github.com/berth-platform/berth/internal/server"
	"github.com/berth-platform/berth/internal/testenv"
)

// testServer is a real berth server on a loopback port, with a movable
// clock and captured logs.
type testServer struct {
	*server.Server
	t        testing.TB
	url      string
	logs     *syncBuffer
	clock    *clock
	dataDir  string
	admin    string
	adminPW  string
	postgres bool
	// stop shuts the server down gracefully and waits (also run at cleanup).
	stop func()
}

type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// cheapHasher keeps tests fast; one test measures the real parameters.
func cheapHasher() *password.Hasher {
	return password.NewHasher(password.Params{Memory: 64, Time: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, 4, time.Second)
}

const adminPassword = "correct horse battery staple"

type serverOption func(*config.Config)

func withPostgres(t testing.TB) serverOption {
	url := testenv.PostgresURL(t)
	return func(c *config.Config) { c.DatabaseURL = url }
}

func withRedis() serverOption {
	return func(c *config.Config) { c.RedisURL = testenv.RedisURL() }
}

func withRegistration(c *config.Config) { c.Auth.AllowRegistration = true }

// startServer runs a server until the test ends.
func startServer(t testing.TB, opts ...serverOption) *testServer {
	t.Helper()
	return startServerWith(t, nil, opts...)
}

// startServerWith is startServer with the server's options adjusted by so.
func startServerWith(t testing.TB, so func(*server.Options), opts ...serverOption) *testServer {
	t.Helper()
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.MetricsListen = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Admin = config.AdminConfig{Email: "admin@example.test", Password: adminPassword}
	cfg.ShutdownTimeout = 5 * time.Second
	// The web edge's rate limits would throttle these tests' bursts from
	// one address; the webserver's own tests cover them.
	cfg.Web.LoginPerMinute, cfg.Web.LoginBurst = 1_000_000, 1_000_000
	cfg.Web.APIPerSecond, cfg.Web.APIBurst = 1_000_000, 1_000_000
	cfg.Web.InvokePerSecond, cfg.Web.InvokeBurst = 1_000_000, 1_000_000
	for _, o := range opts {
		o(&cfg)
	}
	ts := &testServer{t: t, logs: &syncBuffer{}, clock: &clock{}, admin: cfg.Admin.Email, adminPW: cfg.Admin.Password, dataDir: cfg.DataDir,
		postgres: cfg.DatabaseKind() == "postgres"}
	log := slog.New(slog.NewJSONHandler(ts.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	o := server.Options{Logger: log, Version: "test", Hasher: cheapHasher(), Now: ts.clock.Now}
	if so != nil {
		so(&o)
	}
	s, err := server.New(t.Context(), cfg, o)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	ts.Server = s
	ts.url = "http://" + s.Addr()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	ts.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(ts.stop)
	return ts
}

// anon is a client without credentials.
func (ts *testServer) anon() *client.Client {
	ts.t.Helper()
	c, err := client.New(ts.url)
	if err != nil {
		ts.t.Fatal(err)
	}
	return c
}

func (ts *testServer) bearer(token string) *client.Client {
	ts.t.Helper()
	c, err := client.New(ts.url, client.WithBearer(token))
	if err != nil {
		ts.t.Fatal(err)
	}
	return c
}

func (ts *testServer) signer(ak, sk string) *client.Client {
	ts.t.Helper()
	c, err := client.New(ts.url, client.WithKeypair(ak, sk), client.WithClock(ts.clock.Now))
	if err != nil {
		ts.t.Fatal(err)
	}
	return c
}

// login logs in and returns a bearer client and the tokens.
func (ts *testServer) login(email, pw string) (*client.Client, *client.Tokens) {
	ts.t.Helper()
	tok, err := ts.anon().Login(ts.t.Context(), email, pw)
	if err != nil {
		ts.t.Fatalf("login %s: %v", email, err)
	}
	return ts.bearer(tok.AccessToken), tok
}

// newUser registers a user directly in the store (registration may be off)
// and returns a bearer client for it.
var userSeq atomic.Int64

func (ts *testServer) newUser() (email, pw string, c *client.Client) {
	ts.t.Helper()
	email = "user" + strconv.FormatInt(userSeq.Add(1), 10) + "-" + testenv.RandomSuffix(3) + "@example.test"
	pw = "a long enough password " + testenv.RandomSuffix(4)
	reg, err := client.New(ts.url)
	if err != nil {
		ts.t.Fatal(err)
	}
	if _, err := reg.Register(ts.t.Context(), email, pw, "Test User"); err != nil {
		ts.t.Fatalf("register: %v (start the server withRegistration)", err)
	}
	c, _ = ts.login(email, pw)
	return email, pw, c
}

// raw sends a request and returns status, headers and body.
func (ts *testServer) raw(req *http.Request) (int, http.Header, []byte) {
	ts.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

// problemOf decodes a problem+json answer and checks its required members.
func problemOf(t *testing.T, status int, header http.Header, body []byte) map[string]any {
	t.Helper()
	if ct := header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d with Content-Type %q, want application/problem+json; body %s", status, ct, body)
	}
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem body is not JSON: %s", body)
	}
	for _, k := range []string{"type", "title", "status", "detail"} {
		if _, ok := p[k]; !ok {
			t.Fatalf("problem lacks %q: %s", k, body)
		}
	}
	if int(p["status"].(float64)) != status {
		t.Fatalf("problem status %v differs from HTTP status %d", p["status"], status)
	}
	return p
}

// wantStatus asserts err is a client *Error with the status (and, when
// code is not empty, the problem code).
func wantStatus(t *testing.T, err error, status int, code string) *client.Error {
	t.Helper()
	var ce *client.Error
	if !errors.As(err, &ce) {
		t.Fatalf("got %v; want a %d problem", err, status)
	}
	if ce.Status != status || (code != "" && ce.Code() != code) {
		t.Fatalf("got %d %s (%s); want %d %s", ce.Status, ce.Code(), ce.Detail, status, code)
	}
	return ce
}

func jsonEncoder(w io.Writer) *json.Encoder { return json.NewEncoder(w) }

// versionOf is the X-Berth-Version the server answers with.
func (ts *testServer) versionOf(t *testing.T) string {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, ts.url+"/api/auth/options", nil)
	_, h, _ := ts.raw(req)
	return h.Get("X-Berth-Version")
}

// errorLogs returns the server's log lines at WARN and ERROR, for a
// failure's message.
func (ts *testServer) errorLogs() string {
	var out []string
	for _, line := range strings.Split(ts.logs.String(), "\n") {
		if strings.Contains(line, `"level":"ERROR"`) || strings.Contains(line, `"level":"WARN"`) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
