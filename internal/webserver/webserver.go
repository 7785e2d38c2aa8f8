// Package webserver is berth's browser-facing gateway. It serves the
// dashboard and the sign-in page, keeps web sessions, logs users in through
// the manager, and forwards the browser's /api/ calls to the manager signed
// with the session's keypair — so the browser never holds a secret, and the
// manager checks every call as it checks any other signed request.
//
// It also hardens the edge: security headers with a per-request CSP nonce,
// CORS from an explicit allow-list, cross-origin protection for cookie
// requests, GCRA rate limits, login lock-out, refusal of cloud-metadata
// hosts and unsafe paths, and /session/validate for other services.
//
// It never logs a session id, a cookie, a secret or a request body, never
// forwards the session cookie, and never lets a client's own X-Berth-*
// headers reach the manager on a session request.
package webserver

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/berth-platform/berth/internal/clientaddr"
	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/kv"
	"github.com/berth-platform/berth/internal/websession"
)

// Options are the webserver's dependencies, built once in main.
type Options struct {
	// Upstream reaches the manager: in-process (berth serve) or a pool of
	// remote managers (berth webserver).
	Upstream Upstream
	Sessions *websession.Store
	// KV holds rate-limit and lock-out counters.
	KV      kv.Store
	Proxies *clientaddr.Resolver
	// Gateway asserts the client's address to the manager (a MAC under a
	// key derived from the master key); nil asserts nothing.
	Gateway *clientaddr.Gateway
	Web     config.WebConfig
	Auth    config.AuthConfig
	// Functions gives the body limits of uploads and invocations, which
	// the proxy applies before it spools a body to disk.
	Functions config.FunctionsConfig
	// PublicURL is where people reach berth, and FunctionsURL the origin
	// of functions when they have their own (functions.public_url; empty:
	// /fn/ on PublicURL). Their hosts are served, with web.allowed_hosts
	// and the loopback names; other hosts are refused.
	PublicURL    string
	FunctionsURL string
	// UI is the dashboard's files; UIBuilt false means the placeholder.
	UI      fs.FS
	UIBuilt bool
	// TLS reports that the public listener serves HTTPS.
	TLS bool
	// LogProxied logs one line per forwarded API request; off when the
	// manager runs in-process and logs them itself.
	LogProxied bool
	// OpenSession, when auth is disabled, returns the first admin's
	// session for every request.
	OpenSession func(ctx context.Context) (*websession.Session, error)
	Logger      *slog.Logger
	Registry    prometheus.Registerer
	// Observe feeds the API request metrics (shared with the manager).
	Observe Observer
	Now     func() time.Time
}

// Server is the webserver; it is an http.Handler.
type Server struct {
	o       Options
	log     *slog.Logger
	metrics *metrics
	handler http.Handler
	ui      *ui
	cop     *http.CrossOriginProtection
	origins map[string]bool
	limits  limits
	valid   *validator
	// confirmed remembers the manager's recent word on session credentials.
	confirmed confirmations
	hosts     hosts
}

// New builds the webserver's routes.
func New(o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{o: o, log: o.Logger, origins: map[string]bool{}, hosts: newHosts(o.PublicURL, o.FunctionsURL, o.Web.AllowedHosts)}
	s.metrics = newMetrics(o.Registry)
	if c, ok := o.KV.(kv.Counter); ok && o.Registry != nil {
		o.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "berth_web_sessions",
			Help: "Live web sessions in the session store (counted at scrape time)."}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			n, err := c.CountPrefix(ctx, "websession:")
			if err != nil {
				return -1
			}
			return float64(n)
		}))
	}
	if p, ok := o.Upstream.(*Pool); ok {
		p.setMetrics(s.metrics)
	}
	s.cop = http.NewCrossOriginProtection()
	for _, origin := range o.Web.AllowedOrigins {
		s.origins[origin] = true
		if err := s.cop.AddTrustedOrigin(origin); err != nil {
			return nil, err
		}
	}
	s.cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
	s.limits = newLimits(o.Web)
	var err error
	if s.ui, err = newUI(o.UI, o.UIBuilt); err != nil {
		return nil, err
	}
	if o.Auth.ValidateURL != "" {
		s.valid = newValidator(o.Auth.ValidateURL, s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /server/login", s.login)
	mux.HandleFunc("POST /server/logout", s.logout)
	mux.HandleFunc("GET /server/login-check", s.loginCheck)
	mux.HandleFunc("POST /server/extend-session", s.extendSession)
	mux.HandleFunc("GET /session/validate", s.validate)
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("GET /server/oidc/{provider}/start", s.ssoStart)
	mux.HandleFunc("GET /server/oidc/{provider}/callback", s.ssoCallback)
	mux.HandleFunc("/api/", s.proxy)
	mux.HandleFunc("/fn/", s.fnRoute)
	for _, p := range []string{"/health", "/livez", "/readyz", "/.well-known/berth/jwks.json"} {
		mux.HandleFunc("GET "+p, s.passThrough)
	}
	mux.HandleFunc("/", s.ui.serve)
	s.handler = s.edge(mux)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }
