package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/berth-platform/berth/bench/load"
	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/password"
	"github.com/berth-platform/berth/internal/server"
)

// HTTPPair is a subject measured against its baseline in the same run.
type HTTPPair struct {
	Backend  string      `json:"backend"`
	Baseline load.Result `json:"baseline"`
	Subject  load.Result `json:"subject"`
}

// LoginStats is the login throughput at the real hashing parameters.
type LoginStats struct {
	HashNS int64       `json:"hash_ns"`
	Slots  int         `json:"slots"`
	Bound  float64     `json:"bound_per_s"`
	Result load.Result `json:"result"`
}

const (
	adminEmail    = "ops@example.test"
	adminPassword = "benchmark admin password"
)

type backend struct {
	name        string
	databaseURL string
	redisURL    string
	dataDir     string // empty: a temporary one, removed at stop
	watchdog    string // set: the container runtime on, with this berth-watchdog
	services    []config.ServiceConfig
}

func runHTTP(ctx context.Context, dur time.Duration, pgAdmin, redisURL string) ([]HTTPPair, *LoginStats, error) {
	backends := []backend{{name: "SQLite + in-process"}}
	if pgAdmin != "" {
		dbURL, drop, err := createDatabase(ctx, pgAdmin)
		if err != nil {
			return nil, nil, fmt.Errorf("PostgreSQL: %w (pass -postgres '' to skip)", err)
		}
		defer drop()
		backends = append(backends, backend{name: "PostgreSQL + in-process", databaseURL: dbURL})
		if redisURL != "" {
			backends = append(backends, backend{name: "PostgreSQL + Redis", databaseURL: dbURL, redisURL: redisURL})
		}
	}
	var pairs []HTTPPair
	for _, b := range backends {
		p, err := measureBackend(ctx, b, dur)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", b.name, err)
		}
		pairs = append(pairs, p...)
	}
	login, err := measureLogins(ctx, dur)
	return pairs, login, err
}

// startServer runs an all-in-one server on a loopback port.
func startServer(ctx context.Context, b backend, hasher *password.Hasher) (*server.Server, func(), error) {
	return startRole(ctx, b, hasher, server.RoleServe, nil, "")
}

// startRole runs one role on a loopback port; a webserver forwards to
// managers. masterKey empty: a fresh one in the data dir.
func startRole(ctx context.Context, b backend, hasher *password.Hasher, role server.Role, managers []string, masterKey string) (*server.Server, func(), error) {
	dir, keep := b.dataDir, b.dataDir != ""
	if !keep {
		var err error
		if dir, err = os.MkdirTemp("", "berth-bench-"); err != nil {
			return nil, nil, err
		}
	}
	removeDir := func() {
		if !keep {
			os.RemoveAll(dir)
		}
	}
	cfg := config.Default()
	cfg.Listen, cfg.MetricsListen, cfg.DataDir = "127.0.0.1:0", "", dir
	cfg.DatabaseURL, cfg.RedisURL, cfg.MasterKey = b.databaseURL, b.redisURL, masterKey
	cfg.Admin = config.AdminConfig{Email: adminEmail, Password: adminPassword}
	cfg.Auth.MaxAccountFailures, cfg.Auth.MaxAddressFailures = 1<<30, 1<<30
	cfg.Web.ManagerURLs = managers
	if len(b.services) > 0 {
		cfg.Services, cfg.ServicePollInterval, cfg.ServiceTimeout = b.services, time.Second, time.Second
	}
	if b.watchdog != "" {
		cfg.Container.Enabled, cfg.Container.WatchdogPath = true, b.watchdog
	}
	// The load generator is one address sending far beyond any sane
	// per-client limit; the limits are measured elsewhere.
	cfg.Web.LoginPerMinute, cfg.Web.LoginBurst = 1<<30, 1<<30
	cfg.Web.APIPerSecond, cfg.Web.APIBurst = 1<<30, 1<<30
	cfg.Web.InvokePerSecond, cfg.Web.InvokeBurst = 1<<30, 1<<30
	s, err := server.New(ctx, cfg, server.Options{Role: role, Logger: slog.New(slog.DiscardHandler), Version: "bench", Hasher: hasher})
	if err != nil {
		removeDir()
		return nil, nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = s.Run(runCtx); close(done) }()
	return s, func() { cancel(); <-done; removeDir() }, nil
}

func httpClient(conc int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = conc*2, conc*2
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}

func measureBackend(ctx context.Context, b backend, dur time.Duration) ([]HTTPPair, error) {
	// Cheap hashing: logins are measured separately at the real parameters.
	hasher := cheapHasher()
	s, stop, err := startServer(ctx, b, hasher)
	if err != nil {
		return nil, err
	}
	defer stop()
	base := "http://" + s.Addr()
	kp, err := adminKeypair(ctx, base)
	if err != nil {
		return nil, err
	}
	var out []HTTPPair
	for _, conc := range []int{1, 8, 64} {
		hc := httpClient(conc)
		plain := func(ctx context.Context) error { return get(ctx, hc, base+"/health") }
		signer, err := client.New(base, client.WithKeypair(kp.AccessKey, kp.SecretKey), client.WithHTTPClient(hc))
		if err != nil {
			return nil, err
		}
		signed := func(ctx context.Context) error { return get(ctx, signer.HTTPClient(), base+"/api/users/me") }
		opts := load.Options{Concurrency: conc, Duration: dur, Warmup: 50}
		p := HTTPPair{Backend: b.name}
		p.Baseline = load.Run(ctx, b.name+" GET /health", opts, plain)
		p.Subject = load.Run(ctx, b.name+" signed GET /api/users/me", opts, signed)
		log.Println("  " + p.Baseline.String())
		log.Println("  " + p.Subject.String())
		if p.Subject.FirstError != "" {
			log.Printf("  first error: %s", p.Subject.FirstError)
		}
		out = append(out, p)
	}
	return out, nil
}

func get(ctx context.Context, hc *http.Client, u string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", u, resp.Status)
	}
	return nil
}

// measureLogins drives POST /api/auth/login at the OWASP parameters with
// more clients than hash slots, so the bound is what limits throughput.
func measureLogins(ctx context.Context, dur time.Duration) (*LoginStats, error) {
	hasher := password.NewHasher(password.DefaultParams(), 0, 0)
	s, stop, err := startServer(ctx, backend{name: "SQLite"}, hasher)
	if err != nil {
		return nil, err
	}
	defer stop()
	enc, err := hasher.Hash(ctx, "x")
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	const rounds = 10
	for range rounds {
		_, _ = hasher.Verify(ctx, enc, "x")
	}
	hashNS := time.Since(t0).Nanoseconds() / rounds
	conc := 16
	c, err := client.New("http://"+s.Addr(), client.WithHTTPClient(httpClient(conc)))
	if err != nil {
		return nil, err
	}
	r := load.Run(ctx, "POST /api/auth/login (argon2id OWASP)", load.Options{Concurrency: conc, Duration: dur},
		func(ctx context.Context) error { _, err := c.Login(ctx, adminEmail, adminPassword); return err })
	log.Println("  " + r.String())
	n := 2 * runtime.GOMAXPROCS(0) // the Hasher's default bound
	return &LoginStats{HashNS: hashNS, Slots: n, Bound: float64(min(n, runtime.NumCPU())) / (float64(hashNS) / 1e9), Result: r}, nil
}

// adminClient signs in as the admin at base and returns a client that
// sends the access token, with opts.
func adminClient(ctx context.Context, base string, opts ...client.Option) (*client.Client, error) {
	anon, err := client.New(base)
	if err != nil {
		return nil, err
	}
	tok, err := anon.Login(ctx, adminEmail, adminPassword)
	if err != nil {
		return nil, err
	}
	return client.New(base, append([]client.Option{client.WithBearer(tok.AccessToken)}, opts...)...)
}

// adminKeypair makes a keypair of the admin's at base, to sign with.
func adminKeypair(ctx context.Context, base string) (*client.NewKeypair, error) {
	owner, err := adminClient(ctx, base)
	if err != nil {
		return nil, err
	}
	return owner.CreateKeypair(ctx, "bench")
}

// createDatabase makes a throw-away database on the server at admin.
func createDatabase(ctx context.Context, admin string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", nil, err
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "berth_bench_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		return "", nil, err
	}
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	return u.String(), func() {
		_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		conn.Close(context.Background())
	}, nil
}

// cheapHasher hashes passwords at a tiny cost: the servers whose other
// paths are measured sign in a few times, and real argon2id would only
// slow their start (logins are measured on their own, at the real cost).
func cheapHasher() *password.Hasher {
	return password.NewHasher(password.Params{Memory: 64, Time: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, 4, time.Second)
}
