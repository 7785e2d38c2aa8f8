package manager

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// health answers /health and /livez: the process is up and serving.
func (m *Manager) health(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// ready answers /readyz: 200 when the database and the shared store answer
// within a second each, 503 naming what failed otherwise.
func (m *Manager) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	checks := map[string]string{"database": "ok", "kv": "ok"}
	status := http.StatusOK
	if err := m.store.Ping(ctx); err != nil {
		checks["database"], status = "unreachable", http.StatusServiceUnavailable
		m.log.WarnContext(ctx, "readiness: database unreachable", "event", "readyz", "error", err)
	}
	if err := m.kv.Ping(ctx); err != nil {
		checks["kv"], status = "unreachable", http.StatusServiceUnavailable
		m.log.WarnContext(ctx, "readiness: kv store unreachable", "event", "readyz", "error", err)
	}
	for name, check := range m.readyChecks {
		checks[name] = "ok"
		if err := check(ctx); err != nil {
			checks[name], status = "unreachable", http.StatusServiceUnavailable
			m.log.WarnContext(ctx, "readiness: dependency unreachable", "event", "readyz", "dependency", name, "error", err)
		}
	}
	body := map[string]any{"status": "ok", "checks": checks}
	if status != http.StatusOK {
		body["status"] = "unavailable"
		w.Header().Set("Retry-After", "2")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
