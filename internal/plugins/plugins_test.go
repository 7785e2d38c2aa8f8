package plugins_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/berth-platform/berth/internal/plugins"
)

const notesManifest = `{
  "manifest_version": 1, "id": "notes", "name": "Notes", "version": "1.2.0", "description": "Shared notes",
  "settings_schema": {
    "type": "object",
    "properties": {
      "title": {"type": "string", "maxLength": 40},
      "api_key": {"type": "string", "writeOnly": true},
      "limits": {"type": "object", "properties": {
        "max_pages": {"type": "integer", "minimum": 1, "maximum": 500},
        "token": {"type": "string", "format": "password"}}},
      "mode": {"enum": ["fast", "safe"]}
    },
    "required": ["title"]
  },
  "access": {"allow_superuser": true, "required_groups": ["writers"], "required_feature_roles": []},
  "actions": [{"name": "test-connection", "title": "Test connection"}]
}`

func TestParseManifest(t *testing.T) {
	m, err := plugins.ParseManifest("notes", []byte(notesManifest))
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "Notes" || len(m.Actions) != 1 || len(m.Secrets()) != 2 {
		t.Fatalf("manifest = %+v, secrets %v", m, m.Secrets())
	}
	for name, tt := range map[string]struct{ body, want string }{
		"NotJSON":        {"<html>", "not JSON"},
		"OtherID":        {strings.Replace(notesManifest, `"id": "notes"`, `"id": "billing"`, 1), "cannot claim another's"},
		"BadSchema":      {strings.Replace(notesManifest, `"maxLength": 40`, `"maxLength": "forty"`, 1), "settings_schema"},
		"NotObject":      {strings.Replace(notesManifest, `"type": "object",`+"\n    \"properties\"", `"type": "string",`+"\n    \"properties\"", 1), "object schema"},
		"UnknownField":   {strings.Replace(notesManifest, `"version"`, `"colour": "red", "version"`, 1), "unknown field"},
		"OldVersion":     {strings.Replace(notesManifest, `"manifest_version": 1`, `"manifest_version": 7`, 1), "manifest_version is 7"},
		"BadAction":      {strings.Replace(notesManifest, `"test-connection"`, `"Test Connection!"`, 1), "action"},
		"RemoteRef":      {strings.Replace(notesManifest, `{"type": "string", "maxLength": 40}`, `{"$ref": "http://169.254.169.254/schema.json"}`, 1), "settings_schema"},
		"JavaScriptIcon": {strings.Replace(notesManifest, `"description": "Shared notes"`, `"description": "x", "icon": "javascript:alert(1)"`, 1), "icon"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := plugins.ParseManifest("notes", []byte(tt.body)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to say %q", err, tt.want)
			}
		})
	}
}

func TestSettings(t *testing.T) {
	m, err := plugins.ParseManifest("notes", []byte(notesManifest))
	if err != nil {
		t.Fatal(err)
	}
	current := map[string]any{"title": "Team notes", "api_key": "sk-live-123", "limits": map[string]any{"max_pages": 10.0, "token": ""}}
	masked := m.MaskSettings(current)
	if masked["api_key"] != plugins.Mask || masked["limits"].(map[string]any)["token"] != "" || masked["title"] != "Team notes" {
		t.Fatalf("masked = %v", masked)
	}
	if current["api_key"] != "sk-live-123" {
		t.Fatal("masking changed the original")
	}
	// The dashboard sends the masked key back unchanged and clears the token.
	patch := m.PreparePatch(map[string]any{"api_key": plugins.Mask, "title": "New", "limits": map[string]any{"token": ""}})
	if _, kept := patch["api_key"]; kept || patch["title"] != "New" {
		t.Fatalf("patch = %v", patch)
	}
	if v, ok := patch["limits"].(map[string]any)["token"]; !ok || v != nil {
		t.Fatalf("a cleared secret must be sent as null: %v", patch)
	}
	merged := plugins.MergePatch(current, patch).(map[string]any)
	if merged["api_key"] != "sk-live-123" || merged["title"] != "New" || merged["limits"].(map[string]any)["max_pages"] != 10.0 {
		t.Fatalf("merged = %v", merged)
	}
	if _, ok := merged["limits"].(map[string]any)["token"]; ok {
		t.Fatalf("null must remove: %v", merged)
	}
	if errs := m.Validate(merged); len(errs) != 0 {
		t.Fatalf("valid settings refused: %v", errs)
	}
	bad := plugins.MergePatch(current, map[string]any{"title": nil, "limits": map[string]any{"max_pages": 9000}, "mode": "turbo"})
	errs := m.Validate(bad)
	got := map[string]bool{}
	for _, e := range errs {
		got[e.Pointer] = true
	}
	if !got["/limits/max_pages"] || !got["/mode"] || !got[""] {
		t.Fatalf("errors = %+v; want /limits/max_pages, /mode and the missing title at the root", errs)
	}
}

func TestAccess(t *testing.T) {
	a := plugins.Access{AllowSuperuser: true, RequiredGroups: []string{"writers", "editors"}, RequiredFeatureRoles: []string{"containers"}}
	for _, tt := range []struct {
		admin         bool
		groups, roles []string
		want          bool
	}{
		{false, []string{"editors"}, []string{"containers"}, true},
		{false, []string{"editors"}, nil, false},
		{false, nil, []string{"containers"}, false},
		{true, nil, nil, true},
	} {
		if got := a.Allows(tt.admin, tt.groups, tt.roles); got != tt.want {
			t.Errorf("Allows(%v, %v, %v) = %v", tt.admin, tt.groups, tt.roles, got)
		}
	}
	if !(plugins.Access{}).Allows(false, nil, nil) {
		t.Error("a plugin without rules is for every signed-in user")
	}
}

func TestAssertion(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	s := plugins.NewSigner([]byte("0123456789abcdef0123456789abcdef"), func() string { return "https://berth.example" }, clock)
	tok, err := s.Assert(plugins.Identity{UserID: "u1", Email: "ada@example.test", Groups: []string{"writers"}}, "notes")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Verify(tok, "notes")
	if err != nil || c.Subject != "u1" || c.Email != "ada@example.test" || c.Groups[0] != "writers" || c.ID == "" {
		t.Fatalf("claims = %+v, %v", c, err)
	}
	if _, err := s.Verify(tok, "billing"); err == nil {
		t.Fatal("an assertion for another service verified")
	}
	// A day later the key rotated; the assertion expired long before.
	later := plugins.NewSigner([]byte("0123456789abcdef0123456789abcdef"), func() string { return "https://berth.example" },
		func() time.Time { return now.Add(26 * time.Hour) })
	if _, err := later.Verify(tok, "notes"); err == nil {
		t.Fatal("an old assertion verified")
	}
	var set struct {
		Keys []struct{ Kid, Kty, Crv, X, Alg string } `json:"keys"`
	}
	if err := json.Unmarshal(s.JWKS(), &set); err != nil || len(set.Keys) != 3 || set.Keys[1].Alg != "ES256" || set.Keys[1].Crv != "P-256" {
		t.Fatalf("JWKS = %s", s.JWKS())
	}
	// Another replica with the same seed signs alike.
	twin := plugins.NewSigner([]byte("0123456789abcdef0123456789abcdef"), func() string { return "https://berth.example" }, clock)
	if _, err := twin.Verify(tok, "notes"); err != nil {
		t.Fatalf("another replica's key set refused it: %v", err)
	}
}

// service is a feature service for the registry tests, with switches.
type service struct {
	*httptest.Server
	health   atomic.Int32 // status to answer; 0: 200
	manifest atomic.Value // string; "" is 404
	delay    atomic.Int64 // ns before answering
	calls    atomic.Int64
}

func startService(t *testing.T) *service {
	s := &service{}
	s.manifest.Store(notesManifest)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.calls.Add(1)
		time.Sleep(time.Duration(s.delay.Load()))
		switch r.URL.Path {
		case "/health":
			if c := s.health.Load(); c != 0 {
				w.WriteHeader(int(c))
				return
			}
			_, _ = w.Write([]byte("ok"))
		case "/plugin/manifest":
			m := s.manifest.Load().(string)
			if m == "" {
				http.NotFound(w, r)
				return
			}
			_, _ = w.Write([]byte(m))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func TestRegistry(t *testing.T) {
	svc := startService(t)
	r := plugins.NewRegistry(plugins.NewTransport(), 300*time.Millisecond, nil, nil)
	r.Sync([]plugins.Service{{ID: "notes", Name: "Notes", URL: svc.URL, Source: "config"},
		{ID: "gone", Name: "Gone", URL: "http://127.0.0.1:1", Source: "api"}})
	if st, _ := r.Get("notes"); st.Status != plugins.StatusUnknown {
		t.Fatalf("before the first check: %v", st.Status)
	}
	ctx := context.Background()
	r.CheckAll(ctx)
	st, _ := r.Get("notes")
	if st.Status != plugins.StatusUp || st.Manifest == nil || st.Manifest.Version != "1.2.0" || st.HealthPath != "/health" || st.CheckedAt.IsZero() {
		t.Fatalf("notes = %+v", st)
	}
	if down, _ := r.Get("gone"); down.Status != plugins.StatusDown || down.LastError == "" {
		t.Fatalf("gone = %+v", down)
	}
	// Flapping: 503, then up again; the manifest stays while it is down.
	svc.health.Store(503)
	r.CheckAll(ctx)
	if st, _ := r.Get("notes"); st.Status != plugins.StatusDown || st.LastError != "the health check answered 503" || st.Manifest == nil {
		t.Fatalf("flapped down: %+v", st)
	}
	svc.health.Store(0)
	r.CheckAll(ctx)
	if st, _ := r.Get("notes"); st.Status != plugins.StatusUp {
		t.Fatalf("back up: %+v", st)
	}
	// Slow: over the timeout counts as down.
	svc.delay.Store(int64(time.Second))
	r.CheckAll(ctx)
	if st, _ := r.Get("notes"); st.Status != plugins.StatusDown || !strings.Contains(st.LastError, "no answer within") {
		t.Fatalf("slow: %+v", st)
	}
	svc.delay.Store(0)
	// A manifest that turns bad is dropped whole and reported.
	svc.manifest.Store(`{"manifest_version": 1, "id": "notes"`)
	r.CheckAll(ctx)
	if st, _ := r.Get("notes"); st.Manifest != nil || !strings.Contains(st.ManifestError, "not JSON") {
		t.Fatalf("garbage manifest: %+v", st)
	}
	// New access rules apply at the next poll.
	svc.manifest.Store(strings.Replace(notesManifest, `"required_groups": ["writers"]`, `"required_groups": ["admins"]`, 1))
	r.CheckAll(ctx)
	if st, _ := r.Get("notes"); st.Manifest == nil || st.Manifest.Access.RequiredGroups[0] != "admins" {
		t.Fatalf("new rules: %+v", st)
	}
	// No manifest: a feature service only.
	svc.manifest.Store("")
	r.CheckAll(ctx)
	if st, _ := r.Get("notes"); st.Manifest != nil || st.ManifestError != "" || st.Status != plugins.StatusUp {
		t.Fatalf("no manifest: %+v", st)
	}
	// A removed service goes; a moved one starts over.
	r.Sync([]plugins.Service{{ID: "notes", Name: "Notes", URL: svc.URL + "/v2", Source: "config"}})
	if _, ok := r.Get("gone"); ok {
		t.Fatal("a removed service stayed")
	}
	if st, _ := r.Get("notes"); st.Status != plugins.StatusUnknown {
		t.Fatalf("moved: %+v", st)
	}
}

func TestOneCheckInFlight(t *testing.T) {
	svc := startService(t)
	svc.delay.Store(int64(200 * time.Millisecond))
	r := plugins.NewRegistry(plugins.NewTransport(), 2*time.Second, nil, nil)
	r.Sync([]plugins.Service{{ID: "notes", Name: "Notes", URL: svc.URL}})
	done := make(chan struct{})
	for range 5 {
		go func() { r.CheckAll(context.Background()); done <- struct{}{} }()
	}
	for range 5 {
		<-done
	}
	// One round: the health check and the manifest; the others found it in flight.
	if n := svc.calls.Load(); n != 2 {
		t.Fatalf("%d calls at the service, want 2", n)
	}
}

func TestJoin(t *testing.T) {
	for base, want := range map[string]string{
		"http://127.0.0.1:9000":       "http://127.0.0.1:9000/plugin/manifest",
		"http://127.0.0.1:9000/":      "http://127.0.0.1:9000/plugin/manifest",
		"http://127.0.0.1:9000/notes": "http://127.0.0.1:9000/notes/plugin/manifest",
	} {
		if got, err := plugins.Join(base, "/plugin/manifest"); err != nil || got != want {
			t.Errorf("Join(%s) = %s, %v", base, got, err)
		}
	}
}

func TestCollector(t *testing.T) {
	svc := startService(t)
	r := plugins.NewRegistry(plugins.NewTransport(), time.Second, nil, nil)
	r.Sync([]plugins.Service{{ID: "notes", URL: svc.URL}, {ID: "gone", URL: "http://127.0.0.1:1"}})
	r.CheckAll(context.Background())
	reg := prometheus.NewRegistry()
	reg.MustRegister(r.Collector())
	out, err := testutil.GatherAndCount(reg, "berth_service_up", "berth_plugin_manifest_valid")
	if err != nil || out != 3 {
		t.Fatalf("%d series, %v", out, err)
	}
	want := `
# HELP berth_service_up Whether the feature service answered its last health check (1) or not (0), on this replica.
# TYPE berth_service_up gauge
berth_service_up{service="gone"} 0
berth_service_up{service="notes"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "berth_service_up"); err != nil {
		t.Fatal(err)
	}
}
