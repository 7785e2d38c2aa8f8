package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// Config is what the plugin needs to know.
type Config struct {
	ID       string // the service id berth knows it by
	Berth    string // berth's public URL
	DataFile string // where the settings are kept
}

// manifest is what the plugin says of itself. The "limits" object is the
// source system's document-service limits: a plugin setting like any other.
const manifest = `{
  "manifest_version": 1,
  "id": %q,
  "name": "Notes",
  "version": "1.0.0",
  "description": "Shared notes for your team, with a word limit per note.",
  "settings_schema": {
    "type": "object",
    "properties": {
      "title": {"type": "string", "title": "Board title", "maxLength": 60},
      "mode": {"title": "Sharing", "enum": ["team", "private"], "description": "Who sees a note"},
      "archive": {"type": "boolean", "title": "Archive notes older than a year"},
      "api_key": {"type": "string", "title": "Search API key", "writeOnly": true, "description": "Kept by the plugin; berth shows only whether it is set"},
      "limits": {
        "type": "object", "title": "Limits",
        "properties": {
          "max_notes": {"type": "integer", "title": "Notes per person", "minimum": 1, "maximum": 10000},
          "max_words": {"type": "integer", "title": "Words per note", "minimum": 10, "maximum": 100000}
        }
      },
      "tags": {"type": "array", "title": "Suggested tags", "items": {"type": "string", "maxLength": 30}, "maxItems": 20}
    },
    "required": ["title"]
  },
  "access": {"allow_superuser": true, "required_groups": [], "required_feature_roles": []},
  "actions": [{"name": "test-connection", "title": "Test the search connection", "description": "Checks that an API key is set", "admin": true}],
  "ui": {"routes": [{"path": "/notes", "title": "Notes"}]}
}`

// plugin serves the contract and the feature routes.
type plugin struct {
	cfg  Config
	keys keyfunc.Keyfunc
	mux  *http.ServeMux

	mu       sync.Mutex
	settings map[string]any
	notes    map[string][]string  // by user id
	seen     map[string]time.Time // assertion ids until they expire
}

func newPlugin(ctx context.Context, cfg Config) (*plugin, error) {
	keys, err := keyfunc.NewDefaultCtx(ctx, []string{strings.TrimSuffix(cfg.Berth, "/") + "/.well-known/berth/jwks.json"})
	if err != nil {
		return nil, fmt.Errorf("berth's key set: %w", err)
	}
	p := &plugin{cfg: cfg, keys: keys, mux: http.NewServeMux(), notes: map[string][]string{}, seen: map[string]time.Time{},
		settings: map[string]any{"title": "Team notes", "mode": "team", "limits": map[string]any{"max_notes": 100, "max_words": 2000}}}
	if raw, err := os.ReadFile(cfg.DataFile); err == nil {
		var s map[string]any
		if json.Unmarshal(raw, &s) == nil {
			p.settings = s
		}
	}
	p.mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	p.mux.HandleFunc("GET /plugin/manifest", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, manifest, cfg.ID)
	})
	p.mux.HandleFunc("GET /plugin/settings", p.verified(p.getSettings))
	p.mux.HandleFunc("PATCH /plugin/settings", p.verified(p.patchSettings))
	p.mux.HandleFunc("POST /plugin/actions/test-connection", p.verified(p.testConnection))
	p.mux.HandleFunc("GET /whoami", p.verified(p.whoami))
	p.mux.HandleFunc("GET /notes", p.verified(p.listNotes))
	p.mux.HandleFunc("POST /notes", p.verified(p.addNote))
	return p, nil
}

func (p *plugin) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.mux.ServeHTTP(w, r) }

// claims are what berth's assertion says.
type claims struct {
	jwt.RegisteredClaims
	Email  string   `json:"email"`
	Name   string   `json:"name"`
	Role   string   `json:"role"`
	Groups []string `json:"groups"`
}

// verified answers only requests with a valid, fresh, unreplayed
// assertion for this plugin; the headers beside it are never trusted.
func (p *plugin) verified(h func(http.ResponseWriter, *http.Request, *claims)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var c claims
		_, err := jwt.ParseWithClaims(r.Header.Get("X-Berth-Assertion"), &c, p.keys.Keyfunc,
			jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience(p.cfg.ID), jwt.WithIssuer(strings.TrimSuffix(p.cfg.Berth, "/")),
			jwt.WithExpirationRequired(), jwt.WithLeeway(5*time.Second))
		if err != nil {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "assertion refused: " + err.Error()})
			return
		}
		if !p.fresh(c.ID, c.ExpiresAt.Time) {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "assertion refused: replayed"})
			return
		}
		h(w, r, &c)
	}
}

// fresh records an assertion id and reports whether it is new.
func (p *plugin) fresh(id string, exp time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	for k, until := range p.seen {
		if now.After(until) {
			delete(p.seen, k)
		}
	}
	if id == "" || !p.seen[id].IsZero() {
		return false
	}
	p.seen[id] = exp.Add(10 * time.Second)
	return true
}

func (p *plugin) getSettings(w http.ResponseWriter, _ *http.Request, _ *claims) {
	p.mu.Lock()
	defer p.mu.Unlock()
	writeJSON(w, http.StatusOK, p.settings)
}

// patchSettings applies a JSON merge patch (berth checked it against the
// schema already) and keeps the result.
func (p *plugin) patchSettings(w http.ResponseWriter, r *http.Request, _ *claims) {
	var patch map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&patch); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "not a JSON object"})
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	next := merge(p.settings, patch)
	raw, _ := json.MarshalIndent(next, "", "  ")
	if err := os.WriteFile(p.cfg.DataFile, raw, 0o600); err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "the settings could not be saved: " + err.Error()})
		return
	}
	p.settings = next
	writeJSON(w, http.StatusOK, p.settings)
}

func merge(doc map[string]any, patch map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range doc {
		out[k] = v
	}
	for k, v := range patch {
		if v == nil {
			delete(out, k)
			continue
		}
		if pv, ok := v.(map[string]any); ok {
			dv, _ := out[k].(map[string]any)
			out[k] = merge(dv, pv)
			continue
		}
		out[k] = v
	}
	return out
}

func (p *plugin) testConnection(w http.ResponseWriter, _ *http.Request, _ *claims) {
	p.mu.Lock()
	key, _ := p.settings["api_key"].(string)
	p.mu.Unlock()
	if key == "" {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "message": "No API key is set: enter one in the settings."})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "message": "The search service accepted the key."})
}

func (p *plugin) whoami(w http.ResponseWriter, _ *http.Request, c *claims) {
	writeJSON(w, http.StatusOK, map[string]any{"user_id": c.Subject, "email": c.Email, "name": c.Name, "groups": c.Groups})
}

func (p *plugin) listNotes(w http.ResponseWriter, _ *http.Request, c *claims) {
	p.mu.Lock()
	defer p.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"notes": append([]string{}, p.notes[c.Subject]...)})
}

func (p *plugin) addNote(w http.ResponseWriter, r *http.Request, c *claims) {
	var in struct {
		Text string `json:"text"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&in); err != nil || strings.TrimSpace(in.Text) == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `send {"text": "…"}`})
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	limits, _ := p.settings["limits"].(map[string]any)
	if maxWords, ok := limits["max_words"].(float64); ok && float64(len(strings.Fields(in.Text))) > maxWords {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": fmt.Sprintf("a note has at most %d words", int(maxWords))})
		return
	}
	if maxNotes, ok := limits["max_notes"].(float64); ok && float64(len(p.notes[c.Subject])) >= maxNotes {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": fmt.Sprintf("at most %d notes per person", int(maxNotes))})
		return
	}
	p.notes[c.Subject] = append(p.notes[c.Subject], in.Text)
	writeJSON(w, http.StatusCreated, map[string]any{"notes": p.notes[c.Subject]})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
