package manager

import (
	"context"
	crand "crypto/rand"
	"crypto/tls"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/clientaddr"
	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/invoke"
	"github.com/berth-platform/berth/internal/kv"
	"github.com/berth-platform/berth/internal/mail"
	"github.com/berth-platform/berth/internal/oidc"
	"github.com/berth-platform/berth/internal/password"
	"github.com/berth-platform/berth/internal/recorder"
	"github.com/berth-platform/berth/internal/secret"
	"github.com/berth-platform/berth/internal/signing"
	"github.com/berth-platform/berth/internal/storecache"
)

// MaxJSONBody caps every JSON request body.
const MaxJSONBody = 1 << 20

// Options are the manager's dependencies, built once in main.
type Options struct {
	Store berth.Store
	// Cache serves the request path's lookups (credentials, functions);
	// nil reads them from Store every time. Writes must go through it (Store
	// is then the cache itself) so that every replica's cache hears of them.
	Cache   *storecache.Store
	KV      kv.Store
	Box     *secret.Box
	Hasher  *password.Hasher
	Logger  *slog.Logger
	Metrics *Metrics // nil: no metrics
	Auth    config.AuthConfig
	// Functions bounds artefacts, invocations and settings.
	Functions config.FunctionsConfig
	// Runtimes run functions, by runtime name ("wasm", "container").
	Runtimes map[string]berth.Runtime
	// Recorder writes execution records in batches.
	Recorder *recorder.Recorder
	// DataDir holds uploaded artefacts.
	DataDir string
	// ReadyChecks are extra dependencies /readyz reports, by name (for
	// instance the container engine).
	ReadyChecks map[string]func(context.Context) error
	// Stats sets how long executions and roll-ups are kept.
	Stats   config.StatsConfig
	Proxies *clientaddr.Resolver
	// Gateway checks the client address a berth webserver asserts; nil
	// believes none.
	Gateway *clientaddr.Gateway
	Version string
	// Now is the clock; nil means time.Now. Tests move it.
	Now func() time.Time
	// MailTLS verifies the SMTP server of the mail settings; nil uses the
	// system's roots (tests trust their own server).
	MailTLS *tls.Config
	// Mail is the configuration file's SMTP server and the outbox bounds;
	// the admin settings' server, when set, wins.
	Mail config.MailConfig
	// MailTemplates are the mails; nil: the built-in ones.
	MailTemplates *mail.Templates
	// PublicURL is where people reach the dashboard, for links in mail
	// (a function: the address is known once the server listens).
	PublicURL func() string
	// CodeKey keys the hashes of one-time codes (password resets,
	// verification codes), so that a copy of the database cannot be
	// searched for them; derived from the master key.
	CodeKey []byte
	// Providers are the OpenID providers people may sign in with; their
	// access tokens are accepted as bearer tokens.
	Providers []*oidc.Provider
	// Services are the feature services of the configuration file; the
	// admin API adds more. Each replica checks them every
	// ServicePollInterval, a check waiting at most ServiceTimeout.
	Services            []config.ServiceConfig
	ServicePollInterval time.Duration
	ServiceTimeout      time.Duration
	// ServiceTransport reaches the services; nil: plugins.NewTransport.
	ServiceTransport http.RoundTripper
	// AssertionSeed keys the identity assertions sent to services
	// (derived from the master key, so that every replica signs alike).
	AssertionSeed []byte
	// BreakGlass is the address of the admin from the configuration
	// (admin.email), the one account that keeps its berth password when
	// auth.local_passwords is false.
	BreakGlass string
}

// Manager serves the API.
type Manager struct {
	store   berth.Store
	cache   *storecache.Store
	touch   touches
	kv      kv.Store
	box     *secret.Box
	hasher  *password.Hasher
	log     *slog.Logger
	metrics *Metrics
	auth    config.AuthConfig
	proxies *clientaddr.Resolver
	gateway *clientaddr.Gateway
	// addrWarned is when warnUnverifiedAddr last logged (Unix seconds).
	addrWarned atomic.Int64
	version    string
	now        func() time.Time
	verifier   *signing.Verifier[*Principal]
	api        huma.API
	mux        *http.ServeMux
	routes     map[string]routeFacts // plain routes' facts, by pattern
	handler    http.Handler

	fn          config.FunctionsConfig
	runtimes    map[string]berth.Runtime
	recorder    *recorder.Recorder
	dataDir     string
	readyChecks map[string]func(context.Context) error
	invoker     *invoke.Invoker

	stats     config.StatsConfig
	apiErrors *errorRing // recent 5xx answers of this process
	mailTLS   *tls.Config
	mailCfg   config.MailConfig
	templates *mail.Templates
	publicURL func() string
	codeKey   []byte
	// sending counts mails being sent outside a request (password
	// resets); Maintain waits for them.
	sending sync.WaitGroup
	quotas  quotas
	oidc    *providers
	svc     *servicesRuntime
	// breakGlass: see Options.BreakGlass.
	breakGlass string
}

// New builds the manager and its routes.
func New(o Options) *Manager {
	m := &Manager{
		store: o.Store, kv: o.KV, box: o.Box, hasher: o.Hasher, log: o.Logger, metrics: o.Metrics,
		auth: o.Auth, proxies: o.Proxies, gateway: o.Gateway, version: o.Version, now: o.Now,
		fn: o.Functions, runtimes: o.Runtimes, recorder: o.Recorder, dataDir: o.DataDir, readyChecks: o.ReadyChecks,
		stats: o.Stats, apiErrors: newErrorRing(maxAPIErrors), mailTLS: o.MailTLS,
		mailCfg: o.Mail, templates: o.MailTemplates, publicURL: o.PublicURL, codeKey: o.CodeKey,
		breakGlass: strings.ToLower(strings.TrimSpace(o.BreakGlass)),
	}
	m.initProviders(o.Providers)
	if m.templates == nil {
		t, err := mail.LoadTemplates("")
		if err != nil {
			panic("the built-in mail templates do not load: " + err.Error())
		}
		m.templates = t
	}
	if m.publicURL == nil {
		m.publicURL = func() string { return "http://127.0.0.1:8080" }
	}
	if m.mailCfg.MaxAttempts == 0 { // a zero Options: the defaults
		m.mailCfg = config.Default().Mail
	}
	if len(m.codeKey) == 0 {
		m.codeKey = make([]byte, 32)
		_, _ = crand.Read(m.codeKey)
	}
	if m.cache = o.Cache; m.cache == nil {
		// Never polled, so never trusted: every lookup reads the store.
		m.cache = storecache.New(o.Store, storecache.NewGeneration(o.KV, m.log, o.Now))
	}
	if m.runtimes == nil {
		m.runtimes = map[string]berth.Runtime{}
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.removeInterruptedUploads()
	m.initServices(o)
	m.invoker = m.newInvoker(o)
	m.verifier = &signing.Verifier[*Principal]{Keys: keyLookup{m}, Nonces: m.kv, Now: m.now}
	mux := http.NewServeMux()
	m.mux, m.routes = mux, map[string]routeFacts{}
	m.api = humago.New(mux, apiConfig(m.version))
	m.api.UseMiddleware(m.requireAuth)
	m.registerAuth()
	m.registerSSO()
	m.registerSSOCLI()
	m.registerPasswordReset()
	m.registerEmailVerification()
	m.registerUsers()
	m.registerKeypairs()
	m.registerFunctions()
	m.registerAPIKeys()
	m.registerExecutions()
	m.registerStats()
	m.registerAdmin()
	m.registerLegacy()
	m.registerPlainRoutes(mux)
	mux.HandleFunc("GET /health", m.health)
	mux.HandleFunc("GET /livez", m.health)
	mux.HandleFunc("GET /readyz", m.ready)
	mux.HandleFunc("/api/", m.notFound)
	m.handler = m.observe(m.authenticate(mux))
	return m
}

// ServeHTTP implements http.Handler.
func (m *Manager) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.handler.ServeHTTP(w, r) }

// OpenAPI returns the API description (served at /api/openapi.json).
func (m *Manager) OpenAPI() *huma.OpenAPI { return m.api.OpenAPI() }

func apiConfig(version string) huma.Config {
	cfg := huma.DefaultConfig("berth", version)
	cfg.OpenAPIPath = "/api/openapi"
	cfg.DocsPath = "" // the docs renderer loads scripts from a CDN; the spec is enough
	cfg.SchemasPath = ""
	cfg.CreateHooks = nil // no $schema links in bodies
	cfg.Info.Description = "The berth manager API. Authenticate with a bearer access token " +
		"(POST /api/auth/login) or sign requests with BERTH-HMAC-SHA256 using a keypair."
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "Access token from POST /api/auth/login."},
		"berthSignature": {Type: "apiKey", In: "header", Name: "Authorization",
			Description: "BERTH-HMAC-SHA256 signature made with a keypair or a function API key; see docs/api.md."},
	}
	cfg.Transformers = append(cfg.Transformers, problemTypeTransformer)
	return cfg
}

// authenticated is the security requirement of every non-public operation.
var authenticated = []map[string][]string{{"bearer": {}}, {"berthSignature": {}}}

// Run runs the background jobs until ctx ends.
func (m *Manager) Run(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	mailT := time.NewTicker(mailDrainEvery)
	defer mailT.Stop()
	m.cleanup(ctx)
	m.drainOutbox(ctx)
	go m.runServices(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-mailT.C:
			m.drainOutbox(ctx)
		case <-t.C:
			m.cleanup(ctx)
		}
	}
}

// Maintain runs the background jobs once (Run runs them every minute).
func (m *Manager) Maintain(ctx context.Context) {
	m.sending.Wait()
	m.cleanup(ctx)
	m.drainOutbox(ctx)
}

// cleanup removes expired tokens and session keypairs, functions whose
// deletion is due, and executions and roll-ups past their retention.
func (m *Manager) cleanup(ctx context.Context) {
	m.purgeDue(ctx)
	m.applyRetention(ctx)
	m.failStaleDeployments(ctx)
	now := m.now()
	m.touch.prune(now)
	m.pruneQuotas(now)
	m.pruneIntrospected(now)
	if n, err := m.store.DeleteExpiredTokens(ctx, now); err != nil {
		m.log.Warn("token clean-up failed", "event", "cleanup", "error", err)
	} else if n > 0 {
		m.log.Info("expired tokens removed", "event", "cleanup", "count", n)
	}
	if n, err := m.store.DeleteExpiredKeypairs(ctx, now); err != nil {
		m.log.Warn("keypair clean-up failed", "event", "cleanup", "error", err)
	} else if n > 0 {
		m.log.Info("expired keypairs removed", "event", "cleanup", "count", n)
	}
	// Given-up mail stays a month for the admins to see.
	if n, err := m.store.PruneMail(ctx, now, now.Add(-30*24*time.Hour)); err != nil {
		m.log.Warn("mail clean-up failed", "event", "cleanup", "error", err)
	} else if n > 0 {
		m.log.Info("expired codes and old given-up mail removed", "event", "cleanup", "count", n)
	}
}
