package manager

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/clientaddr"
	"github.com/berth-platform/berth/internal/httpstatus"
)

// requestInfo collects what a request's metrics and log line need as the
// request passes through authentication, routing and the handler.
type requestInfo struct {
	id         string
	clientAddr string
	endpoint   string // the route pattern, once routing has found one
	// pattern is the mux's pattern for the request, looked up once as it
	// arrives: authentication reads the route's facts by it, and metrics
	// fall back to it for a request refused before routing.
	pattern     string
	userID      string
	operation   string
	errorDetail string
}

type infoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	i, _ := ctx.Value(infoKey{}).(*requestInfo)
	return i
}

func requestID(ctx context.Context) string {
	if i := infoFrom(ctx); i != nil {
		return i.id
	}
	return ""
}

// clientAddr is the address a berth webserver asserts for the request
// (made under the master key: no configuration needed), else the one the
// trusted proxies give (see clientaddr).
func (m *Manager) clientAddr(r *http.Request) string {
	if addr, ok := m.gateway.Verified(r); ok {
		return addr
	}
	if r.Header.Get(clientaddr.HeaderClientAddress) != "" {
		m.warnUnverifiedAddr()
	}
	return m.proxies.Addr(r)
}

// warnUnverifiedAddr says, at most once a minute, that client addresses
// arrive that this manager cannot verify: most likely a webserver with a
// master key of its own, which makes every client its address.
func (m *Manager) warnUnverifiedAddr() {
	now := time.Now().Unix()
	last := m.addrWarned.Load()
	if now-last < 60 || !m.addrWarned.CompareAndSwap(last, now) {
		return
	}
	m.log.Warn("a client address assertion did not verify: do the webservers share this manager's master key? "+
		"Until they do, every client behind them counts as the webserver's address", "event", "client_address_unverified")
}

// clientAddrFrom returns the client address of the request (see clientaddr).
func clientAddrFrom(ctx context.Context) string {
	if i := infoFrom(ctx); i != nil {
		return i.clientAddr
	}
	return ""
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Metrics are the API's Prometheus collectors.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// mail counts mails by outcome: sent, queued for a retry, failed (given
	// up), lost (neither sent nor queued).
	mail *prometheus.CounterVec
	// reg also takes the function collectors of a manager (internal/invoke).
	reg prometheus.Registerer
	// series keeps each label set's counter and histogram once resolved:
	// resolving hashes every label value, on every request.
	series sync.Map // seriesKey -> *seriesPair
}

type seriesKey struct {
	method, endpoint, domain, operation, errorDetail string
	status                                           int
}

type seriesPair struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

var apiLabels = []string{"method", "endpoint", "domain", "operation", "error_detail", "status_code"}

// NewMetrics registers the API collectors on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			// The _total name is the one the source system's queries use.
			Name: "berth_api_request_count_total", Help: "API requests answered, by route pattern and outcome.",
		}, apiLabels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "berth_api_request_duration_sec", Help: "API request duration in seconds, by route pattern and outcome.",
			Buckets: []float64{0.001, 0.01, 0.1, 0.5, 1, 2, 5, 10, 30},
		}, apiLabels),
	}
	m.reg = reg
	m.mail = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "berth_mail_total", Help: "Mails by outcome: sent, failed (given up or refused), lost (neither sent nor queued).",
	}, []string{"outcome"})
	reg.MustRegister(m.requests, m.duration, m.mail)
	return m
}

// Observe records one answered request. The webserver calls it for the
// routes it serves itself, so that both roles feed the same series.
//
// domain, operation and error_detail describe a failure: on success
// (status below 400) they are empty, as in the source system's metrics, so
// that the series of one route stay few.
func (m *Metrics) Observe(method, endpoint, domain, operation, errorDetail string, status int, d time.Duration) {
	if status < 400 {
		domain, operation, errorDetail = "", "", ""
	}
	k := seriesKey{method, endpoint, domain, operation, errorDetail, status}
	v, ok := m.series.Load(k)
	if !ok {
		labels := prometheus.Labels{"method": method, "endpoint": endpoint, "domain": domain, "operation": operation,
			"error_detail": errorDetail, "status_code": strconv.Itoa(status)}
		v, _ = m.series.LoadOrStore(k, &seriesPair{m.requests.With(labels), m.duration.With(labels)})
	}
	p := v.(*seriesPair)
	p.requests.Inc()
	p.duration.Observe(d.Seconds())
}

// observe gives every request an id, and afterwards records its metrics and
// one log line. The endpoint label is the matched route pattern, never the
// raw path, so ids in paths cannot explode the label space.
func (m *Manager) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{id: newRequestID(), clientAddr: m.clientAddr(r)}
		_, info.pattern = m.mux.Handler(r)
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
		sw := httpstatus.Wrap(w)
		w.Header().Set("X-Request-Id", info.id)
		w.Header().Set(berth.HeaderVersion, berth.APIVersion)
		next.ServeHTTP(sw, r)
		status := sw.Status()
		elapsed := time.Since(start)
		endpoint := info.endpoint
		if endpoint == "" {
			// The manager's route pattern, also for a request refused
			// before routing (authentication): never "unmatched" for a
			// path that has one. (r.Pattern may be a webserver's.)
			endpoint = info.pattern
		}
		if _, path, ok := strings.Cut(endpoint, " "); ok {
			endpoint = path
		}
		if endpoint == "" || endpoint == "/api/" {
			endpoint = "unmatched"
		}
		if m.metrics != nil {
			m.metrics.Observe(r.Method, endpoint, domainOf(endpoint), info.operation, info.errorDetail, status, elapsed)
		}
		if status >= 500 {
			m.noteServerError(info, r.Method, endpoint, status)
		}
		m.log.LogAttrs(r.Context(), levelFor(status), "request",
			slogAttrs(info, r.Method, endpoint, status, elapsed)...)
	})
}

// domainOf is the API area of an endpoint: the segment after /api/.
func domainOf(endpoint string) string {
	rest, ok := strings.CutPrefix(endpoint, "/api/")
	if !ok {
		return "system"
	}
	d, _, _ := strings.Cut(rest, "/")
	return d
}

func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

func slogAttrs(info *requestInfo, method, endpoint string, status int, d time.Duration) []slog.Attr {
	return []slog.Attr{
		slog.String("event", "http_request"),
		slog.String("request_id", info.id),
		slog.String("user_id", info.userID),
		slog.String("method", method),
		slog.String("endpoint", endpoint),
		slog.String("operation", info.operation),
		slog.Int("status", status),
		slog.String("error_detail", info.errorDetail),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
	}
}
