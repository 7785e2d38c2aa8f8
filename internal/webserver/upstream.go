package webserver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Upstream reaches the manager.
type Upstream interface {
	// Forward sends out, after sign has signed it for its final host, and
	// writes the answer to w, streaming both ways. An upstream that cannot
	// be reached answers with a problem itself.
	Forward(w http.ResponseWriter, out *http.Request, sign func(*http.Request) error)
	// Do performs one of the webserver's own small calls (login, logout);
	// the request's URL holds only the path.
	Do(req *http.Request) (*http.Response, error)
	// WebSocket takes over an upgrade request and relays it to the
	// manager, its handshake signed by sign.
	WebSocket(w http.ResponseWriter, out *http.Request, sign func(*http.Request) error)
}

// Local is the in-process manager of berth serve: requests are handed to
// its handler, no network involved.
type Local struct{ Handler http.Handler }

// Interface guards.
var (
	_ Upstream = Local{}
	_ Upstream = (*Pool)(nil)
)

// Forward implements Upstream.
func (l Local) Forward(w http.ResponseWriter, out *http.Request, sign func(*http.Request) error) {
	if err := sign(out); err != nil {
		writeProblem(w, out, http.StatusInternalServerError, "internal", "the request could not be signed")
		return
	}
	l.Handler.ServeHTTP(w, out)
}

// Do implements Upstream: the manager answers into memory (the
// webserver's own calls have small answers: sign-in, logout, a session
// check).
func (l Local) Do(req *http.Request) (*http.Response, error) {
	if req.Host == "" {
		req.Host = "berth.internal"
	}
	if req.Body == nil {
		req.Body = http.NoBody // a server-side request always has one
	}
	w := &memoryWriter{header: http.Header{}}
	l.Handler.ServeHTTP(w, req)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return &http.Response{Status: http.StatusText(w.status), StatusCode: w.status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: w.header, Body: io.NopCloser(&w.body), ContentLength: int64(w.body.Len()), Request: req}, nil
}

// memoryWriter is the http.ResponseWriter of Local.Do.
type memoryWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *memoryWriter) Header() http.Header { return w.header }

func (w *memoryWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *memoryWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

// ErrNoUpstream reports that no manager is healthy.
var ErrNoUpstream = errors.New("webserver: no healthy manager")

// Pool is a set of remote managers, probed for health and picked round
// robin or by least connections.
type Pool struct {
	targets []*target
	balance string
	next    atomic.Uint64
	log     *slog.Logger
	metrics *metrics
	client  *http.Client

	// Probe settings: every interval, with timeout; fall failures take a
	// manager out, one success brings it back.
	interval, timeout time.Duration
	fall              int
}

type target struct {
	url      *url.URL
	proxy    *httputil.ReverseProxy
	healthy  atomic.Bool
	failures atomic.Int32
	inflight atomic.Int64
}

// PoolOptions configure a Pool.
type PoolOptions struct {
	URLs    []string
	Balance string // round_robin (default) or least_connections
	Logger  *slog.Logger
	// Probe defaults: every 10 s, 2 s timeout, 3 failures.
	Interval, Timeout time.Duration
	Fall              int
}

// transport keeps enough idle connections per manager for a busy gateway:
// a pool of two (Go's default per host) turns every burst into new
// connections.
func transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 1024
	t.MaxIdleConnsPerHost = 512
	t.IdleConnTimeout = 90 * time.Second
	t.ResponseHeaderTimeout = 5 * time.Minute
	return t
}

// NewPool builds a pool; call Run to probe health. Every manager starts
// healthy.
func NewPool(o PoolOptions) (*Pool, error) {
	p := &Pool{balance: o.Balance, log: o.Logger, interval: o.Interval, timeout: o.Timeout, fall: o.Fall}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.interval <= 0 {
		p.interval = 10 * time.Second
	}
	if p.timeout <= 0 {
		p.timeout = 2 * time.Second
	}
	if p.fall <= 0 {
		p.fall = 3
	}
	tr := transport()
	p.client = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	for _, raw := range o.URLs {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return nil, errors.New("webserver: bad manager URL " + raw)
		}
		t := &target{url: u}
		t.healthy.Store(true)
		t.proxy = &httputil.ReverseProxy{Transport: tr, FlushInterval: -1, ErrorHandler: p.proxyError}
		p.targets = append(p.targets, t)
	}
	if len(p.targets) == 0 {
		return nil, errors.New("webserver: no manager URL")
	}
	return p, nil
}

func (p *Pool) setMetrics(m *metrics) { p.metrics = m }

// pick returns a healthy manager, or nil.
func (p *Pool) pick() *target {
	n := len(p.targets)
	if p.balance == "least_connections" {
		var best *target
		for _, t := range p.targets {
			if t.healthy.Load() && (best == nil || t.inflight.Load() < best.inflight.Load()) {
				best = t
			}
		}
		return best
	}
	start := p.next.Add(1)
	for i := range n {
		t := p.targets[(int(start)+i)%n]
		if t.healthy.Load() {
			return t
		}
	}
	return nil
}

// Forward implements Upstream.
func (p *Pool) Forward(w http.ResponseWriter, out *http.Request, sign func(*http.Request) error) {
	t := p.pick()
	if t == nil {
		p.count("no_upstream")
		w.Header().Set("Retry-After", "2") // as every 503 of berth: the probes may bring one back
		writeProblem(w, out, http.StatusServiceUnavailable, "unavailable", "no manager is reachable right now; retry shortly")
		return
	}
	t.inflight.Add(1)
	defer t.inflight.Add(-1)
	rp := *t.proxy
	rp.Rewrite = func(pr *httputil.ProxyRequest) {
		pr.SetURL(t.url)
		// The Host stays the one the client used: a request the CLI or an
		// API key signed for the public URL signed that Host, and the
		// session's signature is made below over the same one.
		pr.Out.Host = pr.In.Host
		pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
		pr.Out.Header["X-Forwarded-Proto"] = pr.In.Header["X-Forwarded-Proto"]
		pr.Out.Header["X-Forwarded-Host"] = pr.In.Header["X-Forwarded-Host"]
		if err := sign(pr.Out); err != nil {
			p.log.Error("request not signed", "event", "proxy_sign_failed", "error", err)
			pr.Out.Header.Del("Authorization") // the manager will refuse it
		}
	}
	rp.ServeHTTP(w, out)
}

// Do implements Upstream.
func (p *Pool) Do(req *http.Request) (*http.Response, error) {
	t := p.pick()
	if t == nil {
		return nil, ErrNoUpstream
	}
	u := *t.url
	u.Path, u.RawQuery = req.URL.Path, req.URL.RawQuery
	req.URL = &u
	if req.Host == "" {
		req.Host = u.Host // a request signed before it was sent keeps the Host it signed
	}
	t.inflight.Add(1)
	defer t.inflight.Add(-1)
	return p.client.Do(req)
}

func (p *Pool) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	kind, status := "upstream_error", http.StatusBadGateway
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		kind, status = "client_gone", 499
	case errors.As(err, &ne) && ne.Timeout():
		kind, status = "upstream_timeout", http.StatusGatewayTimeout
	case isRefused(err):
		kind, status = "upstream_unavailable", http.StatusServiceUnavailable
	}
	p.count(kind)
	p.log.Warn("manager not reached", "event", "proxy_error", "kind", kind, "error", err)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "2")
	}
	writeProblem(w, r, status, "unavailable", "the manager could not be reached ("+kind+"); retry shortly")
}

func isRefused(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial"
}

func (p *Pool) count(kind string) {
	if p.metrics != nil {
		p.metrics.proxyErrors.WithLabelValues(kind).Inc()
	}
}

// Run probes every manager's /health until ctx ends.
func (p *Pool) Run(ctx context.Context) {
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		var wg sync.WaitGroup
		for _, tg := range p.targets {
			wg.Add(1)
			go func() { defer wg.Done(); p.probe(ctx, tg) }()
		}
		wg.Wait()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (p *Pool) probe(ctx context.Context, t *target) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	u := *t.url
	u.Path = "/health"
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	resp, err := p.client.Do(req)
	ok := err == nil && resp.StatusCode == http.StatusOK
	if resp != nil {
		resp.Body.Close()
	}
	switch {
	case ok:
		t.failures.Store(0)
		if !t.healthy.Swap(true) {
			p.log.Info("manager is back", "event", "upstream_up", "manager", t.url.Host)
		}
	case int(t.failures.Add(1)) >= p.fall:
		if t.healthy.Swap(false) {
			p.count("upstream_down")
			p.log.Warn("manager taken out after failed health checks", "event", "upstream_down", "manager", t.url.Host)
		}
	}
}

// Healthy counts the managers in rotation.
func (p *Pool) Healthy() int {
	n := 0
	for _, t := range p.targets {
		if t.healthy.Load() {
			n++
		}
	}
	return n
}
