package webserver

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Observer records one answered request in the API metrics
// (berth_api_request_count_total and berth_api_request_duration_sec), shared
// with the manager so that both roles feed the same series.
type Observer func(method, endpoint, domain, operation, errorDetail string, status int, d time.Duration)

type metrics struct {
	proxyErrors *prometheus.CounterVec
	refused     *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
	logins      *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		proxyErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "berth_proxy_errors_total",
			Help: "Requests the webserver could not forward or serve, by kind (upstream_unavailable, upstream_timeout, session_store, …)."}, []string{"kind"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "berth_web_refused_total",
			Help: "Requests refused at the edge, by reason (metadata host, unsafe name, cross-origin, …)."}, []string{"reason"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "berth_web_rate_limited_total",
			Help: "Requests refused by a rate limit, by route class."}, []string{"class"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "berth_web_logins_total",
			Help: "Web sign-ins by outcome (success, failure, locked_out)."}, []string{"outcome"}),
	}
	if reg != nil {
		reg.MustRegister(m.proxyErrors, m.refused, m.rateLimited, m.logins)
	}
	return m
}

// observe records a request the webserver answered itself (and, when
// LogProxied, one it forwarded) and logs it.
func (s *Server) observe(r *http.Request, info *reqInfo, status int, d time.Duration) {
	if status == 0 {
		status = http.StatusOK
	}
	endpoint := r.Pattern
	if _, p, ok := strings.Cut(endpoint, " "); ok {
		endpoint = p
	}
	proxied := endpoint == "/api/" || endpoint == "/fn/" || endpoint == "/health" || endpoint == "/livez" || endpoint == "/readyz"
	if proxied && !s.o.LogProxied {
		return // the in-process manager records and logs these itself
	}
	switch endpoint {
	case "/api/":
		endpoint = "/api/*"
	case "/fn/":
		endpoint = "/fn/*"
	case "":
		endpoint = "edge"
	}
	if s.o.Observe != nil {
		s.o.Observe(r.Method, endpoint, "web", "", "", status, d)
	}
	s.log.LogAttrs(r.Context(), levelFor(status), "request", append(attrs(r, endpoint, status, d), slog.String("user_id", info.userID))...)
}

func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

func attrs(r *http.Request, endpoint string, status int, d time.Duration) []slog.Attr {
	return []slog.Attr{
		slog.String("event", "http_request"), slog.String("role", "webserver"),
		slog.String("method", r.Method), slog.String("endpoint", endpoint),
		slog.Int("status", status), slog.Float64("duration_ms", float64(d.Microseconds())/1000),
	}
}
