package manager_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berth-platform/berth/client"
)

func TestLegacyGenerateAPIKey(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	c, f := deployed(t, ts)
	var berthKey map[string]any
	if err := c.Do(ctx, "POST", "/api/functions/"+f.ID+"/api-keys", map[string]any{"name": "berth"}, &berthKey); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := c.Do(ctx, "POST", "/api/apikey/generate", map[string]any{"function_id": f.ID}, &raw); err != nil {
		t.Fatal(err)
	}
	delete(berthKey, "expires_at")
	if got, want := slices.Sorted(maps.Keys(raw)), slices.Sorted(maps.Keys(berthKey)); !slices.Equal(got, want) {
		t.Fatalf("generate answers %v; berth's create answers %v", got, want)
	}
	if raw["name"] != "API key" || raw["expires_at"] != nil {
		t.Fatalf("default name and no expiry: %v", raw)
	}
	k := generate(t, c, map[string]any{"function_id": f.ID, "name": "billing", "validity": 30})
	if _, err := ts.signer(k.KeyID, k.Secret).Invoke(ctx, f.ID, []byte("hi"), nil); err != nil {
		t.Fatalf("invoke with the generated key: %v", err)
	}
	if k.Name != "billing" || k.ExpiresAt == nil || k.ExpiresAt.Sub(k.CreatedAt) != 30*24*time.Hour {
		t.Fatalf("validity 30: %+v", k)
	}
	for validity, want := range map[any]time.Duration{"12h": 12 * time.Hour, "7": 7 * 24 * time.Hour, "90d": 90 * 24 * time.Hour} {
		k := generate(t, c, map[string]any{"function_id": f.ID, "validity": validity})
		if k.ExpiresAt == nil || k.ExpiresAt.Sub(k.CreatedAt) != want {
			t.Errorf("validity %v: expires %v after creation, want %v", validity, k.ExpiresAt.Sub(k.CreatedAt), want)
		}
	}
	for _, bad := range []any{0, 3651, 2.5, "forever", "0", "", -1} {
		err := c.Do(ctx, "POST", "/api/apikey/generate", map[string]any{"function_id": f.ID, "validity": bad}, nil)
		ce := wantStatus(t, err, 422, "validation")
		if !strings.Contains(ce.Error(), "validity") {
			t.Errorf("validity %v: the problem does not name validity: %v", bad, ce)
		}
	}
}

func generate(t *testing.T, c *client.Client, body map[string]any) *client.NewAPIKey {
	t.Helper()
	var k client.NewAPIKey
	if err := c.Do(t.Context(), "POST", "/api/apikey/generate", body, &k); err != nil {
		t.Fatalf("generate %v: %v", body, err)
	}
	if k.Secret == "" || !strings.HasPrefix(k.KeyID, "BF") {
		t.Fatalf("generated %+v", k)
	}
	return &k
}

func TestLegacyAPIKeyLifecycle(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	c, f := deployed(t, ts)
	fn := "/api/apikey/" + f.ID
	err := c.Do(ctx, "GET", fn, nil, nil)
	wantStatus(t, err, 404, "not-found")
	older := generate(t, c, map[string]any{"function_id": f.ID, "name": "older"})
	time.Sleep(2 * time.Millisecond) // distinct created_at
	newer := generate(t, c, map[string]any{"function_id": f.ID, "name": "newer"})

	var active map[string]any
	if err := c.Do(ctx, "GET", fn, nil, &active); err != nil || active["id"] != newer.ID {
		t.Fatalf("newest active key: %v %v", active, err)
	}
	if _, leaked := active["secret"]; leaked {
		t.Fatalf("the active key is shown with its secret: %v", active)
	}
	var list client.List[client.APIKey]
	if err := c.Do(ctx, "GET", fn+"/list?per_page=1&page=2", nil, &list); err != nil ||
		list.Total != 2 || len(list.Items) != 1 || list.Items[0].ID != older.ID {
		t.Fatalf("list page 2: %+v %v", list, err)
	}
	err = c.Do(ctx, "GET", fn+"/list?per_page=101", nil, nil)
	wantStatus(t, err, 422, "validation")

	key := "/api/apikey/" + newer.ID
	var revoked client.APIKey
	if err := c.Do(ctx, "DELETE", key+"/revoke", nil, &revoked); err != nil || revoked.Status != "revoked" {
		t.Fatalf("revoke: %+v %v", revoked, err)
	}
	_, err = ts.signer(newer.KeyID, newer.Secret).Invoke(ctx, f.ID, nil, nil)
	wantStatus(t, err, 401, "invalid-credentials")
	if err := c.Do(ctx, "GET", fn, nil, &active); err != nil || active["id"] != older.ID {
		t.Fatalf("after revoking the newest, the active key is %v %v", active, err)
	}
	var enabled client.APIKey
	if err := c.Do(ctx, "PUT", key+"/enable", nil, &enabled); err != nil || enabled.Status != "active" {
		t.Fatalf("enable: %+v %v", enabled, err)
	}
	if _, err := ts.signer(newer.KeyID, newer.Secret).Invoke(ctx, f.ID, nil, nil); err != nil {
		t.Fatalf("after enable: %v", err)
	}

	var rolled client.NewAPIKey
	if err := c.Do(ctx, "PUT", key+"/roll", nil, &rolled); err != nil {
		t.Fatal(err)
	}
	if rolled.ID != newer.ID || rolled.KeyID != newer.KeyID || rolled.Secret == "" || rolled.Secret == newer.Secret ||
		rolled.Name != "newer" || rolled.ExpiresAt != nil {
		t.Fatalf("roll: %+v (was %+v)", rolled, newer)
	}
	_, err = ts.signer(newer.KeyID, newer.Secret).Invoke(ctx, f.ID, nil, nil)
	wantStatus(t, err, 401, "invalid-credentials")
	if _, err := ts.signer(rolled.KeyID, rolled.Secret).Invoke(ctx, f.ID, nil, nil); err != nil {
		t.Fatalf("the rolled secret: %v", err)
	}
	if strings.Contains(string(mustJSON(t, get[client.APIKey](t, c, "/api/api-keys/"+newer.ID))), rolled.Secret) {
		t.Fatal("the rolled secret is shown again")
	}

	var updated client.APIKey
	if err := c.Do(ctx, "PUT", key+"/update", map[string]any{"name": "renamed"}, &updated); err != nil ||
		updated.Name != "renamed" || updated.ExpiresAt != nil {
		t.Fatalf("update name: %+v %v", updated, err)
	}
	if err := c.Do(ctx, "PUT", key+"/update", map[string]any{"validity": 2}, &updated); err != nil ||
		updated.Name != "renamed" || updated.ExpiresAt == nil || time.Until(*updated.ExpiresAt) < 47*time.Hour {
		t.Fatalf("update validity: %+v %v", updated, err)
	}
	updated = client.APIKey{} // expires_at is left out when there is none
	if err := c.Do(ctx, "PUT", key+"/update", map[string]any{"expires_at": "never"}, &updated); err != nil || updated.ExpiresAt != nil {
		t.Fatalf("update expires_at: %+v %v", updated, err)
	}
	err = c.Do(ctx, "PUT", key+"/update", map[string]any{"validity": 2, "expires_at": "never"}, nil)
	wantStatus(t, err, 422, "validation")

	if err := c.Do(ctx, "DELETE", key, nil, nil); err != nil {
		t.Fatal(err)
	}
	_, err = c.APIKey(ctx, newer.ID)
	wantStatus(t, err, 404, "not-found")
}

// TestLegacyOwnership checks that the legacy paths keep berth's rule:
// another user's function or key does not exist for the caller.
func TestLegacyOwnership(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	c, f := deployed(t, ts)
	k := generate(t, c, map[string]any{"function_id": f.ID})
	_, _, stranger := ts.newUser()
	calls := []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/apikey/generate", map[string]any{"function_id": f.ID}},
		{"GET", "/api/apikey/" + f.ID, nil},
		{"GET", "/api/apikey/" + f.ID + "/list", nil},
		{"PUT", "/api/apikey/" + k.ID + "/roll", nil},
		{"PUT", "/api/apikey/" + k.ID + "/update", map[string]any{"name": "mine now"}},
		{"PUT", "/api/apikey/" + k.ID + "/enable", nil},
		{"DELETE", "/api/apikey/" + k.ID + "/revoke", nil},
		{"DELETE", "/api/apikey/" + k.ID, nil},
	}
	for _, call := range calls {
		t.Run(call.method+" "+call.path, func(t *testing.T) {
			err := stranger.Do(ctx, call.method, call.path, call.body, nil)
			wantStatus(t, err, 404, "not-found")
		})
	}
	got, err := c.APIKey(ctx, k.ID)
	if err != nil || got.Name != "API key" || got.Status != "active" {
		t.Fatalf("a stranger's calls changed the key: %+v %v", got, err)
	}
	if _, err := ts.signer(k.KeyID, k.Secret).Invoke(ctx, f.ID, nil, nil); err != nil {
		t.Fatalf("a stranger's roll replaced the secret: %v", err)
	}
}

func TestLegacyProfile(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	_, _, c := ts.newUser()
	var put client.Profile
	if err := c.Do(ctx, "PUT", "/api/profile", map[string]string{"full_name": "Grace Hopper", "country": "US"}, &put); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Profile(ctx); err != nil || *got != put || got.FullName != "Grace Hopper" {
		t.Fatalf("PUT /api/profile stored %+v %v", got, err)
	}
	var got client.Profile
	if err := c.Do(ctx, "GET", "/api/profile", nil, &got); err != nil || got != put {
		t.Fatalf("GET /api/profile: %+v %v", got, err)
	}
	err := c.Do(ctx, "PUT", "/api/profile", map[string]string{"country": "usa"}, nil)
	wantStatus(t, err, 422, "validation")
}

// TestLegacyPathsDeprecated checks that every legacy path is in the OpenAPI
// document, deprecated, and names the path to use instead.
func TestLegacyPathsDeprecated(t *testing.T) {
	ts := startServer(t)
	req, _ := http.NewRequest("GET", ts.url+"/api/openapi.json", nil)
	status, _, body := ts.raw(req)
	var doc struct {
		Paths map[string]map[string]struct {
			Deprecated  bool   `json:"deprecated"`
			Description string `json:"description"`
		} `json:"paths"`
	}
	if status != 200 || json.Unmarshal(body, &doc) != nil {
		t.Fatalf("openapi: %d", status)
	}
	legacy := map[string][]string{
		"/api/apikey/generate":    {"post"},
		"/api/apikey/{id}":        {"get", "delete"},
		"/api/apikey/{id}/list":   {"get"},
		"/api/apikey/{id}/roll":   {"put"},
		"/api/apikey/{id}/update": {"put"},
		"/api/apikey/{id}/enable": {"put"},
		"/api/apikey/{id}/revoke": {"delete"},
		"/api/profile":            {"get", "put"},
	}
	for path, methods := range legacy {
		for _, method := range methods {
			op, ok := doc.Paths[path][method]
			if !ok {
				t.Errorf("openapi lacks %s %s", method, path)
				continue
			}
			if !op.Deprecated || !strings.HasPrefix(op.Description, "Deprecated: use ") {
				t.Errorf("%s %s: deprecated %v, description %q", method, path, op.Deprecated, op.Description)
			}
		}
	}
	if doc.Paths["/api/users/me/profile"]["get"].Deprecated {
		t.Error("berth's own paths are not deprecated")
	}
}
