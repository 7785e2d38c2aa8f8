package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/password"
	"github.com/berth-platform/berth/internal/server"
)

const (
	adminEmail    = "admin@example.test"
	adminPassword = "river lantern paper stone"
)

// TestBehindBerth runs the example plugin beside a real berth: berth
// polls it and reads its manifest, forwards /api/ext/notes/… with the
// caller's assertion, which the plugin verifies against berth's key set;
// settings go through berth's schema check and masking. The plugin
// refuses forged and replayed assertions.
func TestBehindBerth(t *testing.T) {
	// The plugin's address first: berth's configuration names it.
	handler := http.NotFoundHandler()
	var mu sync.Mutex
	var lastAssertion string
	plug := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if a := r.Header.Get("X-Berth-Assertion"); a != "" {
			lastAssertion = a
		}
		h := handler
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	defer plug.Close()

	cfg := config.Default()
	cfg.Listen, cfg.MetricsListen, cfg.DataDir = "127.0.0.1:0", "", t.TempDir()
	cfg.Admin = config.AdminConfig{Email: adminEmail, Password: adminPassword}
	cfg.Services = []config.ServiceConfig{{ID: "notes", Name: "Notes", URL: plug.URL, HealthPath: "/health"}}
	cfg.ServicePollInterval, cfg.ServiceTimeout = time.Second, time.Second
	srv, err := server.New(t.Context(), cfg, server.Options{Logger: slog.New(slog.DiscardHandler), Version: "test",
		Hasher: password.NewHasher(password.Params{Memory: 64, Time: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, 4, time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	defer func() { cancel(); <-done }()
	berth := srv.URL()

	p, err := newPlugin(t.Context(), Config{ID: "notes", Berth: berth, DataFile: filepath.Join(t.TempDir(), "settings.json")})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	handler = p
	mu.Unlock()

	c := &caller{t: t, base: berth}
	c.login()
	// Within a poll or two, berth has found the plugin.
	deadline := time.Now().Add(15 * time.Second)
	for {
		var list struct {
			Items []struct {
				ID, Status string
				Plugin     bool
			} `json:"items"`
		}
		c.json(http.MethodGet, "/api/services", nil, &list)
		if len(list.Items) == 1 && list.Items[0].Status == "up" && list.Items[0].Plugin {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the plugin did not come up: %+v", list)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The feature route sees the user berth vouched for.
	var who map[string]any
	if code := c.json(http.MethodGet, "/api/ext/notes/whoami", nil, &who); code != http.StatusOK || who["email"] != adminEmail {
		t.Fatalf("whoami: %d %v", code, who)
	}

	// Straight to the plugin: no assertion, a forged one, a replayed one.
	direct := func(assertion string) int {
		req, _ := http.NewRequest(http.MethodGet, plug.URL+"/whoami", nil)
		req.Header.Set("X-Berth-Assertion", assertion)
		req.Header.Set("X-Berth-User", adminEmail) // never trusted on its own
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := direct(""); code != http.StatusUnauthorized {
		t.Fatalf("no assertion: %d", code)
	}
	forgedKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	claims := jwt.MapClaims{"iss": berth, "aud": "notes", "sub": "someone", "exp": time.Now().Add(time.Minute).Unix(), "jti": "x"}
	forged := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	var keys struct {
		Keys []struct{ Kid string } `json:"keys"`
	}
	c.json(http.MethodGet, "/.well-known/berth/jwks.json", nil, &keys)
	forged.Header["kid"] = keys.Keys[1].Kid // berth's current key id, someone else's key
	tok, _ := forged.SignedString(forgedKey)
	if code := direct(tok); code != http.StatusUnauthorized {
		t.Fatalf("forged assertion: %d", code)
	}
	mu.Lock()
	replay := lastAssertion
	mu.Unlock()
	if code := direct(replay); code != http.StatusUnauthorized {
		t.Fatalf("replayed assertion: %d", code)
	}

	// Settings through berth: masked, checked, kept.
	var s map[string]any
	c.json(http.MethodGet, "/api/plugins/notes/settings", nil, &s)
	if s["api_key"] != "" || s["title"] != "Team notes" {
		t.Fatalf("settings = %v", s)
	}
	if code := c.json(http.MethodPatch, "/api/plugins/notes/settings", map[string]any{"api_key": "k-123"}, &s); code != http.StatusOK || s["api_key"] != "********" {
		t.Fatalf("set the key: %d %v", code, s)
	}
	c.json(http.MethodPatch, "/api/plugins/notes/settings", map[string]any{"title": "Ours", "api_key": "********"}, &s)
	var act map[string]any
	if c.json(http.MethodPost, "/api/plugins/notes/actions/test-connection", map[string]any{}, &act); act["ok"] != true {
		t.Fatalf("the masked key sent back was not kept: %v", act)
	}
	var problem struct {
		Errors []struct{ Location, Message string } `json:"errors"`
	}
	if code := c.json(http.MethodPatch, "/api/plugins/notes/settings", map[string]any{"limits": map[string]any{"max_words": 1}}, &problem); code != http.StatusUnprocessableEntity ||
		len(problem.Errors) != 1 || problem.Errors[0].Location != "/limits/max_words" {
		t.Fatalf("a limit out of range: %d %+v", code, problem)
	}
	c.json(http.MethodPatch, "/api/plugins/notes/settings", map[string]any{"limits": map[string]any{"max_words": 10}}, &s)
	var answer map[string]any
	long := strings.Repeat("word ", 11)
	if code := c.json(http.MethodPost, "/api/ext/notes/notes", map[string]any{"text": long}, &answer); code != http.StatusUnprocessableEntity {
		t.Fatalf("the document limit did not apply: %d %v", code, answer)
	}
	if code := c.json(http.MethodPost, "/api/ext/notes/notes", map[string]any{"text": "ten words or fewer"}, &answer); code != http.StatusCreated {
		t.Fatalf("a note within the limit: %d %v", code, answer)
	}
	c.json(http.MethodPatch, "/api/plugins/notes/settings", map[string]any{"api_key": ""}, &s)
	if c.json(http.MethodPost, "/api/plugins/notes/actions/test-connection", map[string]any{}, &act); act["ok"] != false {
		t.Fatalf("a cleared key is still set: %v", act)
	}
}

// caller is a bearer-token client of berth.
type caller struct {
	t     *testing.T
	base  string
	token string
}

func (c *caller) login() {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if code := c.json(http.MethodPost, "/api/auth/login", map[string]string{"email": adminEmail, "password": adminPassword}, &tok); code != http.StatusOK {
		c.t.Fatalf("login: %d", code)
	}
	c.token = tok.AccessToken
}

func (c *caller) json(method, path string, in, out any) int {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		raw, _ := json.Marshal(in)
		body = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, c.base+path, body)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		_ = json.Unmarshal(raw, out)
	}
	return resp.StatusCode
}
