package plugins

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Service is a feature service berth knows of: from the configuration
// ([[services]]) or the admin API.
type Service struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	URL        string `json:"url"`
	HealthPath string `json:"health_path"`
	// Source is "config" or "api".
	Source string `json:"source"`
}

// Status is a service's health.
type Status string

// Statuses.
const (
	StatusUp      Status = "up"
	StatusDown    Status = "down"
	StatusUnknown Status = "unknown"
)

// State is what this replica last found of a service.
type State struct {
	Service
	Status    Status
	CheckedAt time.Time
	Latency   time.Duration
	LastError string
	// Manifest is the plugin's manifest, nil for a service that is no
	// plugin or whose manifest was refused (ManifestError says why).
	Manifest      *Manifest
	ManifestError string
}

// Registry keeps the services and polls their health.
type Registry struct {
	client  *http.Client
	timeout time.Duration
	now     func() time.Time
	log     *slog.Logger

	mu       sync.RWMutex
	states   map[string]*State
	inFlight map[string]bool
}

// NewTransport is the HTTP transport berth talks to services with: no
// proxy from the environment, bounded response headers, no compression
// surprises, keep-alives.
func NewTransport() *http.Transport {
	return &http.Transport{
		DialContext:            (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:           256,
		MaxIdleConnsPerHost:    64,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    5 * time.Second,
		ResponseHeaderTimeout:  60 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		ForceAttemptHTTP2:      true,
	}
}

// NewRegistry makes an empty registry; each check waits at most timeout.
func NewRegistry(transport http.RoundTripper, timeout time.Duration, now func() time.Time, log *slog.Logger) *Registry {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Registry{
		client:  &http.Client{Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		timeout: timeout, now: now, log: log, states: map[string]*State{}, inFlight: map[string]bool{},
	}
}

// Sync makes the registry hold exactly these services: new ones start
// unknown, a changed address starts over, removed ones go.
func (r *Registry) Sync(services []Service) {
	r.mu.Lock()
	defer r.mu.Unlock()
	keep := map[string]bool{}
	for _, s := range services {
		keep[s.ID] = true
		if s.HealthPath == "" {
			s.HealthPath = "/health"
		}
		cur, ok := r.states[s.ID]
		if !ok || cur.URL != s.URL || cur.HealthPath != s.HealthPath {
			r.states[s.ID] = &State{Service: s, Status: StatusUnknown}
			continue
		}
		cur.Name, cur.Source = s.Name, s.Source
	}
	for id := range r.states {
		if !keep[id] {
			delete(r.states, id)
		}
	}
}

// List is every service's state, by id.
func (r *Registry) List() []State {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]State, 0, len(r.states))
	for _, s := range r.states {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b State) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Get is one service's state.
func (r *Registry) Get(id string) (State, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.states[id]
	if !ok {
		return State{}, false
	}
	return *s, true
}

// CheckAll checks every service not being checked already, at once, and
// returns when they are done.
func (r *Registry) CheckAll(ctx context.Context) {
	r.mu.Lock()
	var todo []Service
	for id, s := range r.states {
		if !r.inFlight[id] {
			r.inFlight[id] = true
			todo = append(todo, s.Service)
		}
	}
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range todo {
		wg.Go(func() {
			st := r.check(ctx, s)
			r.mu.Lock()
			defer r.mu.Unlock()
			delete(r.inFlight, s.ID)
			if cur, ok := r.states[s.ID]; ok && cur.URL == s.URL {
				if st.Manifest == nil && st.ManifestError == "" && st.Status == StatusDown {
					st.Manifest = cur.Manifest // a service that is down keeps what it said it is
				}
				st.Service = cur.Service
				r.states[s.ID] = &st
			}
		})
	}
	wg.Wait()
}

// Run checks every service now and then every interval until ctx ends;
// list gives the services each time (the configuration's and the
// store's), and a failing list keeps the ones known.
func (r *Registry) Run(ctx context.Context, interval time.Duration, list func(context.Context) ([]Service, error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if services, err := list(ctx); err != nil {
			r.log.Warn("services could not be listed; polling the known ones", "event", "services_list", "error", err)
		} else {
			r.Sync(services)
		}
		r.CheckAll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// check polls one service: its health and, when up, its manifest.
func (r *Registry) check(ctx context.Context, s Service) State {
	st := State{Service: s, CheckedAt: r.now()}
	start := time.Now()
	code, _, err := r.get(ctx, s.URL, s.HealthPath, 64<<10)
	st.Latency = time.Since(start)
	switch {
	case err != nil:
		st.Status, st.LastError = StatusDown, err.Error()
		return st
	case code < 200 || code > 299:
		st.Status, st.LastError = StatusDown, fmt.Sprintf("the health check answered %d", code)
		return st
	}
	st.Status = StatusUp
	code, body, err := r.get(ctx, s.URL, "/plugin/manifest", MaxManifestBytes+1)
	switch {
	case err != nil:
		st.ManifestError = "the manifest could not be read: " + err.Error()
	case code == http.StatusNotFound:
		// no plugin: a feature service only
	case code != http.StatusOK:
		st.ManifestError = fmt.Sprintf("GET /plugin/manifest answered %d", code)
	default:
		m, err := ParseManifest(s.ID, body)
		if err != nil {
			st.ManifestError = err.Error()
		} else {
			st.Manifest = m
		}
	}
	if st.ManifestError != "" {
		r.log.Warn("a plugin manifest was refused", "event", "plugin_manifest", "service", s.ID, "error", st.ManifestError)
	}
	return st
}

// get fetches base+path within the registry's timeout, reading at most
// limit bytes of the body.
func (r *Registry) get(ctx context.Context, base, path string, limit int64) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	u, err := Join(base, path)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "berth-health")
	resp, err := r.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, nil, fmt.Errorf("no answer within %s", r.timeout)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, nil, fmt.Errorf("no whole answer within %s", r.timeout)
		}
		return 0, nil, err
	}
	return resp.StatusCode, body, nil
}

// Join appends path to a service's base URL.
func Join(base, path string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	rel, err := url.Parse(path)
	if err != nil {
		return "", err
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/" + strings.TrimPrefix(rel.Path, "/")
	u.RawPath = ""
	u.RawQuery = rel.RawQuery
	return u.String(), nil
}

// Collector exports each service's state as Prometheus metrics, read at
// scrape time: berth_service_up (1 up, 0 down or not yet checked),
// berth_service_check_seconds (the last check's latency) and
// berth_plugin_manifest_valid (1 when the service serves a manifest berth
// uses, 0 when it serves one berth refused).
func (r *Registry) Collector() prometheus.Collector { return collector{r} }

type collector struct{ r *Registry }

var (
	descUp       = prometheus.NewDesc("berth_service_up", "Whether the feature service answered its last health check (1) or not (0), on this replica.", []string{"service"}, nil)
	descLatency  = prometheus.NewDesc("berth_service_check_seconds", "How long the last health check of the feature service took.", []string{"service"}, nil)
	descManifest = prometheus.NewDesc("berth_plugin_manifest_valid", "Whether the plugin's manifest is in use (1) or was refused (0); absent for a service without one.", []string{"service"}, nil)
)

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descUp
	ch <- descLatency
	ch <- descManifest
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.r.List() {
		up := 0.0
		if s.Status == StatusUp {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, up, s.ID)
		if !s.CheckedAt.IsZero() {
			ch <- prometheus.MustNewConstMetric(descLatency, prometheus.GaugeValue, s.Latency.Seconds(), s.ID)
		}
		switch {
		case s.Manifest != nil:
			ch <- prometheus.MustNewConstMetric(descManifest, prometheus.GaugeValue, 1, s.ID)
		case s.ManifestError != "":
			ch <- prometheus.MustNewConstMetric(descManifest, prometheus.GaugeValue, 0, s.ID)
		}
	}
}
