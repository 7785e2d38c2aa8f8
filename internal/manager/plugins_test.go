package manager_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/config"
)

// A feature service for these tests: a plugin for the group "writers",
// recording what reaches it. It is a real HTTP service on loopback, as a
// plugin beside berth would be.
type featureService struct {
	*httptest.Server
	mu       sync.Mutex
	calls    []*http.Request // beyond the health check and the manifest
	settings map[string]any
}

const writersManifest = `{"manifest_version": 1, "id": "docs", "name": "Documents", "version": "2.0.0", "description": "d",
  "settings_schema": {"type": "object", "properties": {
     "limits": {"type": "object", "properties": {"max_pages": {"type": "integer", "minimum": 1, "maximum": 100}}},
     "api_key": {"type": "string", "format": "password"}}},
  "access": {"allow_superuser": false, "required_groups": ["writers"], "required_feature_roles": []},
  "actions": [{"name": "ping", "title": "Ping"}]}`

func startFeatureService(t *testing.T) *featureService {
	f := &featureService{settings: map[string]any{"limits": map[string]any{"max_pages": 10.0}, "api_key": "secret-1"}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/health":
			return
		case "/plugin/manifest":
			_, _ = w.Write([]byte(writersManifest))
			return
		}
		f.mu.Lock()
		f.calls = append(f.calls, r.Clone(context.Background()))
		f.mu.Unlock()
		switch {
		case r.URL.Path == "/plugin/settings" && r.Method == http.MethodGet:
			f.mu.Lock()
			_ = json.NewEncoder(w).Encode(f.settings)
			f.mu.Unlock()
		case r.URL.Path == "/plugin/settings" && r.Method == http.MethodPatch:
			var patch map[string]any
			_ = json.NewDecoder(r.Body).Decode(&patch)
			f.mu.Lock()
			for k, v := range patch {
				if v == nil {
					delete(f.settings, k)
				} else {
					f.settings[k] = v
				}
			}
			_ = json.NewEncoder(w).Encode(f.settings)
			f.mu.Unlock()
		case r.URL.Path == "/plugin/actions/ping":
			_, _ = w.Write([]byte(`{"ok": true, "message": "pong"}`))
		case r.URL.Path == "/cookie":
			http.SetCookie(w, &http.Cookie{Name: "steal", Value: "x"})
			_, _ = w.Write([]byte("<script>document.cookie</script>"))
		case r.URL.Path == "/huge":
			w.Header().Set("X-Huge", strings.Repeat("a", 100<<10))
		case r.URL.Path == "/ws":
			c, err := websocket.Accept(w, r, nil)
			if err != nil {
				return
			}
			_, msg, _ := c.Read(r.Context())
			_ = c.Write(r.Context(), websocket.MessageText, append([]byte("echo "), msg...))
			_ = c.Close(websocket.StatusNormalClosure, "")
		default:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"path": r.URL.Path, "query": r.URL.RawQuery,
				"user": r.Header.Get("X-Berth-User"), "forwarded": r.Header.Get("X-Forwarded-For") + r.Header.Get("Forwarded")})
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *featureService) forwarded() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func (f *featureService) last() *http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[len(f.calls)-1]
}

func startWithService(t *testing.T, f *featureService) *testServer {
	t.Helper()
	ts := startServer(t, withRegistration, func(c *config.Config) {
		c.Services = []config.ServiceConfig{{ID: "docs", Name: "Documents", URL: f.URL, HealthPath: "/health"}}
		c.ServicePollInterval, c.ServiceTimeout = time.Hour, time.Second
	})
	ts.CheckServices(t.Context())
	return ts
}

// get sends a request with a bearer token and returns status, header and body.
func bearerDo(t *testing.T, ts *testServer, token, method, path string, body string, h http.Header) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, ts.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, data
}

func TestPluginAccess(t *testing.T) {
	f := startFeatureService(t)
	ts := startWithService(t, f)
	ctx := t.Context()
	admin, _ := ts.login(ts.admin, ts.adminPW)
	outsiderEmail, outsiderPW, _ := ts.newUser()
	writerEmail, writerPW, _ := ts.newUser()
	_, writerTok := ts.login(writerEmail, writerPW)
	_, outsiderLogin := ts.login(outsiderEmail, outsiderPW)
	outsiderTok := outsiderLogin.AccessToken
	me, _ := ts.bearer(writerTok.AccessToken).Me(ctx)
	name := "writers"
	g, err := admin.AdminCreateGroup(ctx, client.LabelInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.AdminAddGroupMember(ctx, g.ID, me.ID); err != nil {
		t.Fatal(err)
	}

	// Outside the group: every plugin route is 404, and nothing reaches the service.
	before := f.forwarded()
	for _, rt := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/plugins/docs/manifest", ""},
		{http.MethodGet, "/api/plugins/docs/settings", ""},
		{http.MethodPatch, "/api/plugins/docs/settings", `{"api_key": "x"}`},
		{http.MethodPost, "/api/plugins/docs/actions/ping", `{}`},
		{http.MethodGet, "/api/ext/docs/anything", ""},
		{http.MethodPost, "/api/ext/docs/anything", `{}`},
	} {
		if code, _, body := bearerDo(t, ts, outsiderTok, rt.method, rt.path, rt.body, nil); code != http.StatusNotFound {
			t.Errorf("%s %s as an outsider: %d %s", rt.method, rt.path, code, body)
		}
	}
	if f.forwarded() != before {
		t.Fatalf("%d calls reached the service for an outsider", f.forwarded()-before)
	}
	if code, _, body := bearerDo(t, ts, outsiderTok, http.MethodGet, "/api/plugins", "", nil); code != 200 || strings.Contains(string(body), "docs") {
		t.Fatalf("outsider's plugins: %s", body)
	}
	// The service list is for everyone.
	if _, _, body := bearerDo(t, ts, outsiderTok, http.MethodGet, "/api/services", "", nil); !strings.Contains(string(body), `"status":"up"`) {
		t.Fatalf("services: %s", body)
	}

	// A writer may use it, with the identity forwarded and the client's own headers gone.
	w := writerTok.AccessToken
	if _, _, body := bearerDo(t, ts, w, http.MethodGet, "/api/plugins", "", nil); !strings.Contains(string(body), `"id":"docs"`) {
		t.Fatalf("writer's plugins: %s", body)
	}
	code, hdr, body := bearerDo(t, ts, w, http.MethodGet, "/api/ext/docs/files/a.txt?x=1", "", http.Header{
		"X-Berth-User": {"root@example.test"}, "X-Forwarded-For": {"203.0.113.9"}, "Forwarded": {"for=203.0.113.9"},
		"Cookie": {"berth_session=s"}, "X-Berth-Assertion": {"forged"}})
	if code != http.StatusOK || !strings.Contains(string(body), `"path":"/files/a.txt"`) || !strings.Contains(string(body), `"query":"x=1"`) {
		t.Fatalf("ext: %d %s", code, body)
	}
	got := f.last()
	if got.Header.Get("X-Berth-User") != writerEmail || got.Header.Get("X-Berth-Groups") != "writers" || got.Header.Get("Cookie") != "" ||
		got.Header.Get("Authorization") != "" || got.Header.Get("X-Forwarded-For") != "" || got.Header.Get("Forwarded") != "" ||
		got.Header.Get("X-Berth-Assertion") == "forged" || got.Header.Get("X-Berth-Assertion") == "" {
		t.Fatalf("headers at the service: %v", got.Header)
	}
	if hdr.Get("Content-Security-Policy") == "" {
		t.Fatal("the service's answer is not sandboxed")
	}
	// Cookies from the service never reach the browser; huge headers are refused.
	if code, hdr, _ := bearerDo(t, ts, w, http.MethodGet, "/api/ext/docs/cookie", "", nil); code != 200 || hdr.Get("Set-Cookie") != "" {
		t.Fatalf("cookie: %d %v", code, hdr)
	}
	if code, _, _ := bearerDo(t, ts, w, http.MethodGet, "/api/ext/docs/huge", "", nil); code != http.StatusBadGateway {
		t.Fatalf("huge headers: %d", code)
	}
	// Path traversal out of the service's prefix is refused before anything is sent.
	before = f.forwarded()
	for _, p := range []string{"/api/ext/docs/a/../../admin", "/api/ext/docs/%2e%2e/x", "/api/ext/docs/a%2fb"} {
		req, _ := http.NewRequest(http.MethodGet, ts.url+p, nil)
		req.URL.RawPath, req.URL.Path = p, p
		req.URL.Opaque = p
		req.Header.Set("Authorization", "Bearer "+w)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMovedPermanently {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	if f.forwarded() != before {
		t.Fatalf("a traversal reached the service")
	}
	// A WebSocket goes through.
	hdrs := http.Header{"Authorization": {"Bearer " + w}}
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.url, "http")+"/api/ext/docs/ws", &websocket.DialOptions{HTTPHeader: hdrs})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Write(ctx, websocket.MessageText, []byte("hi"))
	_, msg, err := c.Read(ctx)
	if err != nil || string(msg) != "echo hi" {
		t.Fatalf("websocket: %q %v", msg, err)
	}
	_ = c.Close(websocket.StatusNormalClosure, "")

	// Settings: masked for a writer; changed by full admins only.
	_, _, body = bearerDo(t, ts, w, http.MethodGet, "/api/plugins/docs/settings", "", nil)
	if !strings.Contains(string(body), `"api_key":"********"`) || strings.Contains(string(body), "secret-1") {
		t.Fatalf("settings: %s", body)
	}
	if code, _, _ := bearerDo(t, ts, w, http.MethodPatch, "/api/plugins/docs/settings", `{"limits": {"max_pages": 5}}`, nil); code != http.StatusForbidden {
		t.Fatalf("a writer changed settings: %d", code)
	}
	// The admin is not a writer and allow_superuser is off: 404 for them too.
	_, adminTok := ts.login(ts.admin, ts.adminPW)
	if code, _, _ := bearerDo(t, ts, adminTok.AccessToken, http.MethodGet, "/api/plugins/docs/manifest", "", nil); code != http.StatusNotFound {
		t.Fatalf("admin outside the group: %d", code)
	}
	if code, _, body := bearerDo(t, ts, w, http.MethodPost, "/api/plugins/docs/actions/ping", `{}`, nil); code != 200 || !strings.Contains(string(body), "pong") {
		t.Fatalf("action: %d %s", code, body)
	}
	if code, _, _ := bearerDo(t, ts, w, http.MethodPost, "/api/plugins/docs/actions/nope", `{}`, nil); code != http.StatusNotFound {
		t.Fatalf("undeclared action: %d", code)
	}
}

func TestAdminServices(t *testing.T) {
	f := startFeatureService(t)
	ts := startWithService(t, f)
	_, adminTok := ts.login(ts.admin, ts.adminPW)
	a := adminTok.AccessToken
	code, _, body := bearerDo(t, ts, a, http.MethodGet, "/api/admin/services", "", nil)
	if code != 200 || !strings.Contains(string(body), `"source":"config"`) || !strings.Contains(string(body), `"plugin":{"id":"docs"`) {
		t.Fatalf("admin services: %d %s", code, body)
	}
	if code, _, _ := bearerDo(t, ts, a, http.MethodDelete, "/api/admin/services/docs", "", nil); code != http.StatusConflict {
		t.Fatalf("deleting a config service: %d", code)
	}
	if code, _, body := bearerDo(t, ts, a, http.MethodPost, "/api/admin/services", `{"id": "docs", "name": "x", "url": "http://127.0.0.1:1"}`, nil); code != http.StatusConflict {
		t.Fatalf("taking a config id: %d %s", code, body)
	}
	if code, _, body := bearerDo(t, ts, a, http.MethodPost, "/api/admin/services", `{"id": "down", "name": "Down", "url": "ftp://x"}`, nil); code != http.StatusUnprocessableEntity {
		t.Fatalf("bad url: %d %s", code, body)
	}
	code, _, body = bearerDo(t, ts, a, http.MethodPost, "/api/admin/services", `{"id": "down", "name": "Down", "url": "http://127.0.0.1:1"}`, nil)
	if code != http.StatusCreated || !strings.Contains(string(body), `"status":"down"`) || !strings.Contains(string(body), `"source":"api"`) {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, _, body := bearerDo(t, ts, a, http.MethodPatch, "/api/admin/services/down", `{"url": "`+f.URL+`"}`, nil); code != 200 || !strings.Contains(string(body), `"status":"up"`) {
		t.Fatalf("update: %d %s", code, body)
	}
	// The manifest claims the id docs: refused for the service down.
	if _, _, body := bearerDo(t, ts, a, http.MethodGet, "/api/admin/services", "", nil); !strings.Contains(string(body), "cannot claim another") {
		t.Fatalf("a manifest claiming another id was not reported: %s", body)
	}
	if code, _, _ := bearerDo(t, ts, a, http.MethodDelete, "/api/admin/services/down", "", nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	// Users may not.
	ue, upw, _ := ts.newUser()
	_, ul := ts.login(ue, upw)
	if code, _, _ := bearerDo(t, ts, ul.AccessToken, http.MethodGet, "/api/admin/services", "", nil); code != http.StatusForbidden {
		t.Fatalf("a user listed admin services: %d", code)
	}
	// The key set is public.
	resp, err := http.Get(ts.url + "/.well-known/berth/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	jw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(jw), `"crv":"P-256"`) {
		t.Fatalf("jwks: %d %s", resp.StatusCode, jw)
	}
}
