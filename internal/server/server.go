// Package server assembles a berth process from its configuration: it opens
// the stores the configuration names, seeds the first admin, builds the
// roles and runs their listeners until it is shut down. It is the only
// place that chooses implementations; everything else receives interfaces.
//
// It prints the first admin's generated password once, to the terminal
// writer it is given; it never logs it.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/clientaddr"
	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/kv"
	kvmemory "github.com/berth-platform/berth/internal/kv/memory"
	kvredis "github.com/berth-platform/berth/internal/kv/redis"
	"github.com/berth-platform/berth/internal/mail"
	"github.com/berth-platform/berth/internal/manager"
	"github.com/berth-platform/berth/internal/oidc"
	"github.com/berth-platform/berth/internal/password"
	"github.com/berth-platform/berth/internal/recorder"
	"github.com/berth-platform/berth/internal/runtime/container"
	"github.com/berth-platform/berth/internal/runtime/wasm"
	"github.com/berth-platform/berth/internal/secret"
	"github.com/berth-platform/berth/internal/store/postgres"
	"github.com/berth-platform/berth/internal/store/sqlite"
	"github.com/berth-platform/berth/internal/storecache"
	"github.com/berth-platform/berth/internal/webserver"
)

// Server is a running berth process.
type Server struct {
	cfg  config.Config
	role Role
	log  *slog.Logger

	readHeaderTimeout time.Duration
	web               *webserver.Server
	pool              *webserver.Pool
	store             berth.Store
	cache             *storecache.Store
	kv                kv.Store
	wasm              *wasm.Runtime
	containers        *container.Runtime // nil unless container.enabled
	recorder          *recorder.Recorder
	gateway           *clientaddr.Gateway // client-address assertions between webserver and manager
	codeKey           []byte              // keys the hashes of one-time codes sent by mail
	assertionSeed     []byte              // the identity assertions to feature services derive from it
	manager           *manager.Manager
	public            *http.Server
	unused            unusedConns // connections with no request yet, for shutdown
	metrics           *http.Server
	listener          net.Listener
	mlistener         net.Listener
	bootstrap         Bootstrap

	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// Role is what a process runs.
type Role string

// Roles.
const (
	RoleServe     Role = "serve"     // manager and webserver on one port
	RoleManager   Role = "manager"   // the API alone
	RoleWebserver Role = "webserver" // the browser gateway in front of remote managers
)

// Options carry what is not configuration.
type Options struct {
	// Role defaults to RoleServe.
	Role    Role
	Logger  *slog.Logger
	Version string
	// Hasher overrides the password hasher (tests use cheap parameters).
	Hasher *password.Hasher
	// Now overrides the clock (tests move it); nil means time.Now.
	Now func() time.Time
	// MailTLS verifies SMTP servers; nil uses the system's roots (tests
	// trust their own server's certificate).
	MailTLS *tls.Config
	// ReadHeaderTimeout bounds reading a request's headers (slow clients);
	// default 10 s. Tests shorten it.
	ReadHeaderTimeout time.Duration
	// ProbeInterval is how often the webserver role checks its managers'
	// health (default 10 s). Tests shorten it.
	ProbeInterval time.Duration
	// WrapStore, when set, wraps the opened store: tests inject failures
	// with it.
	WrapStore func(berth.Store) berth.Store
}

// stores maps the database kind of the configuration to its opener.
var stores = map[string]func(ctx context.Context, c *config.Config) (berth.Store, error){
	"sqlite": func(ctx context.Context, c *config.Config) (berth.Store, error) {
		return sqlite.Open(ctx, c.SQLitePath())
	},
	"postgres": func(ctx context.Context, c *config.Config) (berth.Store, error) {
		return postgres.Open(ctx, c.DatabaseURL)
	},
}

// openKV picks the shared store: Redis when configured, else in-process.
func openKV(ctx context.Context, c *config.Config) (kv.Store, error) {
	if c.RedisURL == "" {
		return kvmemory.New(), nil
	}
	return kvredis.New(ctx, c.RedisURL, "berth:")
}

// New opens everything the configuration names and binds the listeners,
// so that a port conflict or an unreachable database fails here, before
// anything is served. Call Run next, and Close in any case.
func New(ctx context.Context, cfg config.Config, o Options) (_ *Server, err error) {
	s := &Server{cfg: cfg, log: o.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	if err := cfg.EnsureDataDir(); err != nil {
		return nil, err
	}
	fixed, err := privateDataDir(cfg.DataDir)
	if len(fixed) > 0 {
		s.log.Warn("made files in the data directory private: group or others could read them",
			"event", "data_dir_private", "path", cfg.DataDir, "count", len(fixed), "fixed", summarise(fixed, 20))
	}
	if err != nil {
		s.log.Warn("could not make every file in the data directory private", "event", "data_dir_private", "error", err)
	}
	key, created, err := secret.LoadOrCreateKey(cfg.DataDir, cfg.MasterKey)
	if err != nil {
		return nil, err
	}
	if created {
		s.log.Warn("generated a new master key; back it up: without it, stored secrets cannot be read",
			"event", "master_key_created", "path", cfg.DataDir+"/"+secret.KeyFileName)
		if o.Role == RoleWebserver {
			s.log.Warn("this webserver made a master key of its own: give it the managers' (BERTH_MASTER_KEY), "+
				"or they will not believe the client addresses it passes on", "event", "master_key_not_shared")
		}
	}
	box, err := secret.NewBox(key)
	if err != nil {
		return nil, err
	}
	// Webservers and managers that share the master key trust each other's
	// client-address assertions (docs/webserver.md).
	s.gateway = clientaddr.NewGateway(secret.DeriveKey(key, "berth gateway client address v1"), o.Now)
	s.codeKey = secret.DeriveKey(key, "berth one-time codes v1")
	s.assertionSeed = secret.DeriveKey(key, "berth plugin assertions v1")
	if o.Role == "" {
		o.Role = RoleServe
	}
	s.role = o.Role
	proxies, err := clientaddr.New(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := manager.NewMetrics(reg)
	if s.kv, err = openKV(ctx, &cfg); err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	if o.Role != RoleWebserver {
		if err := s.openManager(ctx, &cfg, o, box, proxies, metrics); err != nil {
			return nil, err
		}
	}
	if o.Role != RoleManager {
		if err := s.openWebserver(ctx, &cfg, o, box, proxies, reg, metrics); err != nil {
			return nil, err
		}
	}
	s.readHeaderTimeout = o.ReadHeaderTimeout
	if s.readHeaderTimeout <= 0 {
		s.readHeaderTimeout = 10 * time.Second
	}
	if err := s.listen(ctx, reg); err != nil {
		return nil, err
	}
	return s, nil
}

// openManager opens the database and builds the manager.
func (s *Server) openManager(ctx context.Context, cfg *config.Config, o Options, box *secret.Box, proxies *clientaddr.Resolver, metrics *manager.Metrics) error {
	var err error
	if s.store, err = stores[cfg.DatabaseKind()](ctx, cfg); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	// Roll-ups can be switched off to measure what they cost (stats.rollups).
	if r, ok := s.store.(interface{ SetRollups(on bool) }); ok {
		r.SetRollups(cfg.Stats.Rollups)
	}
	if o.WrapStore != nil {
		s.store = o.WrapStore(s.store)
	}
	// Every write goes through the cache, so that every replica's cached
	// lookups end when what they read changes (internal/storecache).
	s.cache = storecache.New(s.store, storecache.NewGeneration(s.kv, s.log, o.Now))
	s.store = s.cache
	hasher := o.Hasher
	if hasher == nil {
		hasher = password.NewHasher(password.DefaultParams(), cfg.Auth.HashConcurrency, 0)
	}
	if s.bootstrap, err = seedAdmin(ctx, s.store, hasher, cfg); err != nil {
		return err
	}
	s.wasm, err = wasm.New(wasm.Config{
		CacheDir: filepath.Join(cfg.DataDir, "cache", "wasm"), MaxMemoryMB: cfg.Functions.MaxMemoryMB,
		MemoryBudgetMB: cfg.Functions.MemoryBudgetMB, MaxRequestBytes: cfg.Functions.MaxInvokeBodyBytes, Logger: s.log,
	})
	if err != nil {
		return err
	}
	runtimes := map[string]berth.Runtime{berth.RuntimeWasm: s.wasm}
	ready := map[string]func(context.Context) error{}
	if cfg.Container.Enabled {
		if err := s.openContainers(ctx, cfg, runtimes, ready); err != nil {
			return err
		}
	}
	s.recorder, err = recorder.Open(s.store, recorder.Options{Logger: s.log, JournalDir: filepath.Join(cfg.DataDir, "journal")})
	if err != nil {
		return err
	}
	dir := cfg.Mail.Templates
	if dir == "" {
		dir = filepath.Join(cfg.DataDir, "mail-templates")
	}
	templates, err := mail.LoadTemplates(dir)
	if err != nil {
		return fmt.Errorf("%w (fix the file, or remove it to use the built-in mail)", err)
	}
	var providers []*oidc.Provider
	for _, pc := range cfg.OIDC.Providers {
		p := oidc.New(pc, nil, o.Now)
		providers = append(providers, p)
		go func() { // discovery now, so that a misconfiguration shows at start; sign-in retries it
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := p.Ready(dctx); err != nil {
				s.log.Warn("OpenID provider not reachable yet; sign-in through it fails until it is",
					"event", "oidc_unavailable", "provider", p.ID(), "error", err)
			}
		}()
	}
	s.manager = manager.New(manager.Options{
		Store: s.store, Cache: s.cache, KV: s.kv, Box: box, Hasher: hasher, Logger: s.log, Metrics: metrics,
		Auth: cfg.Auth, Proxies: proxies, Gateway: s.gateway, Version: o.Version, Now: o.Now,
		Functions: cfg.Functions, Runtimes: runtimes, ReadyChecks: ready,
		Recorder: s.recorder, DataDir: cfg.DataDir, Stats: cfg.Stats,
		Mail: cfg.Mail, MailTemplates: templates, MailTLS: o.MailTLS, PublicURL: s.URL, CodeKey: s.codeKey,
		Providers: providers, BreakGlass: cfg.Admin.Email,
		Services: cfg.Services, ServicePollInterval: cfg.ServicePollInterval, ServiceTimeout: cfg.ServiceTimeout,
		AssertionSeed: s.assertionSeed,
	})
	return nil
}

func (s *Server) listen(ctx context.Context, reg *prometheus.Registry) error {
	var lc net.ListenConfig
	var err error
	if s.listener, err = lc.Listen(ctx, "tcp", s.cfg.Listen); err != nil {
		return fmt.Errorf("listen on %s: %w (is another berth running? choose another address with --listen)", s.cfg.Listen, err)
	}
	handler := http.Handler(s.web)
	if s.role == RoleManager {
		handler = s.manager
	}
	s.public = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: s.readHeaderTimeout,
		ReadTimeout:       5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ConnState:         s.unused.track,
	}
	if s.cfg.MetricsListen == "" {
		return nil
	}
	if s.mlistener, err = lc.Listen(ctx, "tcp", s.cfg.MetricsListen); err != nil {
		return fmt.Errorf("metrics listener on %s: %w (choose another with --metrics-listen, or empty to switch it off)", s.cfg.MetricsListen, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	s.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return nil
}

// Addr is the public listener's address (useful with port 0).
func (s *Server) Addr() string { return s.listener.Addr().String() }

// MetricsAddr is the metrics listener's address, or "" when off.
func (s *Server) MetricsAddr() string {
	if s.mlistener == nil {
		return ""
	}
	return s.mlistener.Addr().String()
}

// URL is where people reach the server.
func (s *Server) URL() string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	if s.cfg.Web.TLSCert != "" {
		return "https://" + s.Addr()
	}
	return "http://" + s.Addr()
}

// Store returns the metadata store (for tests and tools).
func (s *Server) Store() berth.Store { return s.store }

// CheckServices runs one round of the feature services' health checks
// (the manager does it every service_poll_interval).
func (s *Server) CheckServices(ctx context.Context) {
	if s.manager != nil {
		s.manager.CheckServices(ctx)
	}
}

// Maintain runs the manager's background jobs once, now.
func (s *Server) Maintain(ctx context.Context) {
	if s.manager != nil {
		s.manager.Maintain(ctx)
	}
}

// Bootstrap says how the first admin was set up.
func (s *Server) Bootstrap() Bootstrap { return s.bootstrap }

// Run serves until ctx ends or a listener fails, then shuts down gracefully:
// in-flight requests finish (up to shutdown_timeout), background jobs stop,
// stores close.
func (s *Server) Run(ctx context.Context) error {
	jobs, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	if s.manager != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.manager.Run(jobs)
		}()
	}
	if s.cache != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.cache.Generation().Run(jobs)
		}()
	}
	errc := make(chan error, 2)
	if s.pool != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.pool.Run(jobs)
		}()
	}
	go func() {
		if s.cfg.Web.TLSCert != "" {
			errc <- s.public.ServeTLS(s.listener, s.cfg.Web.TLSCert, s.cfg.Web.TLSKey)
			return
		}
		errc <- s.public.Serve(s.listener)
	}()
	if s.metrics != nil {
		go func() { errc <- s.metrics.Serve(s.mlistener) }()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
		err = fmt.Errorf("listener stopped: %w", err)
	}
	s.log.Info("shutting down: finishing in-flight requests", "event", "shutdown")
	return errors.Join(err, s.shutdown())
}

func (s *Server) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	s.unused.closeAfter(unusedGrace)
	if err := s.public.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("shutdown: %w", err))
	}
	if s.metrics != nil {
		_ = s.metrics.Shutdown(ctx)
	}
	errs = append(errs, s.Close())
	return errors.Join(errs...)
}

// Close stops background work and closes listeners and stores. It is safe
// to call more than once, and after a failed New.
func (s *Server) Close() error {
	var errs []error
	s.closeOnce.Do(func() {
		if s.cancel != nil {
			s.cancel()
		}
		s.wg.Wait()
		for _, l := range []net.Listener{s.listener, s.mlistener} {
			if l != nil {
				_ = l.Close()
			}
		}
		// Records of finished calls reach the database before it closes.
		if s.recorder != nil {
			ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
			errs = append(errs, s.recorder.Close(ctx))
			cancel()
		}
		if s.wasm != nil {
			errs = append(errs, s.wasm.Close(context.Background()))
		}
		if s.containers != nil {
			ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
			errs = append(errs, s.containers.Close(ctx))
			cancel()
		}
		if s.kv != nil {
			errs = append(errs, s.kv.Close())
		}
		if s.store != nil {
			errs = append(errs, s.store.Close())
		}
	})
	return errors.Join(errs...)
}

// PrintBanner tells the person who started the server where to go and how
// to sign in. It is the only place the generated admin password appears
// besides its 0600 file.
func (s *Server) PrintBanner(w io.Writer, version string) {
	fmt.Fprintf(w, "\nberth %s is running\n\n", version)
	fmt.Fprintf(w, "  Open        %s/\n", s.URL())
	fmt.Fprintf(w, "  API         %s/api/openapi.json\n", s.URL())
	if a := s.MetricsAddr(); a != "" {
		fmt.Fprintf(w, "  Metrics     http://%s/metrics\n", a)
	}
	db := "SQLite " + s.cfg.SQLitePath()
	if s.cfg.DatabaseKind() == "postgres" {
		db = "PostgreSQL " + s.cfg.Masked().DatabaseURL
	}
	fmt.Fprintf(w, "  Database    %s\n", db)
	b := s.bootstrap
	switch {
	case b.GeneratedPassword != "":
		fmt.Fprintf(w, "\n  Sign in as  %s\n  Password    %s\n", b.Email, b.GeneratedPassword)
		fmt.Fprintf(w, "              (shown once; also saved to %s, mode 0600 — change it after signing in)\n", b.PasswordFile)
	case b.Created:
		fmt.Fprintf(w, "\n  Sign in as  %s with BERTH_ADMIN_PASSWORD\n", b.Email)
	default:
		fmt.Fprintf(w, "\n  Sign in as  %s (the first admin), or with your own account.\n", b.Email)
		if _, err := os.Stat(b.PasswordFile); err == nil {
			fmt.Fprintf(w, "              The first admin's generated password is in %s.\n", b.PasswordFile)
		}
	}
	fmt.Fprintf(w, "\n  Try it:     curl -s %s/api/auth/login -H 'Content-Type: application/json' \\\n", s.URL())
	fmt.Fprintf(w, "                -d '{\"email\":\"%s\",\"password\":\"…\"}'\n\n", b.Email)
}
