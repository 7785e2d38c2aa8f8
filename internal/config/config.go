// Package config loads berth's configuration from defaults, an optional
// TOML file, BERTH_* environment variables and command-line flags, in that
// order of increasing precedence, and validates it.
//
// Every key has exactly one environment variable: BERTH_ followed by the key
// in upper case with '.' replaced by '_' (auth.allow_registration is
// BERTH_AUTH_ALLOW_REGISTRATION). This package never logs a value; Masked
// returns a copy that is safe to print.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/knadh/koanf/parsers/toml/v2"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/posflag"
	"github.com/knadh/koanf/providers/structs"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"
)

// Config is the effective configuration.
type Config struct {
	Listen        string `koanf:"listen"`
	DataDir       string `koanf:"data_dir"`
	DatabaseURL   string `koanf:"database_url"`
	RedisURL      string `koanf:"redis_url"`
	MetricsListen string `koanf:"metrics_listen"`
	// MasterKey encrypts stored secrets; empty: <data_dir>/master.key.
	MasterKey string `koanf:"master_key"`
	// PublicURL is where people reach berth; empty: derived from Listen.
	PublicURL string `koanf:"public_url"`
	// TrustedProxies are the addresses (CIDRs or IPs) whose
	// X-Forwarded-For is believed.
	TrustedProxies  []string      `koanf:"trusted_proxies"`
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout"`

	Log       LogConfig       `koanf:"log"`
	Admin     AdminConfig     `koanf:"admin"`
	Auth      AuthConfig      `koanf:"auth"`
	Functions FunctionsConfig `koanf:"functions"`
	Web       WebConfig       `koanf:"web"`
	Container ContainerConfig `koanf:"container"`
	Stats     StatsConfig     `koanf:"stats"`
	Mail      MailConfig      `koanf:"mail"`
	OIDC      OIDCConfig      `koanf:"oidc"`
	// Services are the feature services ([[services]], file only).
	Services []ServiceConfig `koanf:"services"`
	// ServicePollInterval is how often each replica checks every
	// service's health, and ServiceTimeout how long a check may take.
	ServicePollInterval time.Duration `koanf:"service_poll_interval"`
	ServiceTimeout      time.Duration `koanf:"service_timeout"`
}

// MailConfig is the SMTP server berth sends mail through when the admin
// settings name none (the settings, when set, win). Without smtp_host,
// mail goes to the log: recipient and subject only.
type MailConfig struct {
	From         string `koanf:"from"`
	SMTPHost     string `koanf:"smtp_host"`
	SMTPPort     int    `koanf:"smtp_port"`
	SMTPUsername string `koanf:"smtp_username"`
	SMTPPassword string `koanf:"smtp_password"`
	// TLS is starttls (port 587), tls (implicit, port 465) or none, which
	// is only for a server on a loopback address.
	TLS string `koanf:"tls"`
	// Templates is a directory whose <name>.txt.tmpl and <name>.html.tmpl
	// replace the built-in mails; empty: <data_dir>/mail-templates.
	Templates string `koanf:"templates"`
	// QueueSize bounds the mail waiting to be retried; beyond it a mail
	// that fails is reported at once instead of queued.
	QueueSize int `koanf:"queue_size"`
	// MaxAttempts is how often a mail is tried before it is given up and
	// shown in the admin errors view.
	MaxAttempts int `koanf:"max_attempts"`
}

// StatsConfig governs execution records and their roll-ups.
type StatsConfig struct {
	// ExecutionRetention is how long execution records (with their logs)
	// are kept; a background job prunes older ones in batches.
	ExecutionRetention time.Duration `koanf:"execution_retention"`
	// HourlyRetention keeps hourly roll-ups; the API reads at most 168 h.
	HourlyRetention time.Duration `koanf:"hourly_retention"`
	// RollupRetention keeps daily roll-ups.
	RollupRetention time.Duration `koanf:"rollup_retention"`
	// Rollups false stops updating roll-ups (to measure what they cost).
	Rollups bool `koanf:"rollups"`
}

// WebConfig configures the webserver: the browser-facing gateway.
type WebConfig struct {
	// ManagerURLs are the managers `berth webserver` forwards to; `berth
	// serve` uses its in-process manager.
	ManagerURLs []string `koanf:"manager_urls"`
	// Balance picks a manager: round_robin or least_connections.
	Balance string `koanf:"balance"`
	// AllowedOrigins may call the API from a browser with credentials
	// (CORS); the default is none: same origin only.
	AllowedOrigins []string `koanf:"allowed_origins"`
	// AllowedHosts are host names served besides public_url's host,
	// functions.public_url's host and the loopback names; any other Host
	// is refused (421), so a DNS-rebinding page cannot reach berth. "*"
	// serves every host, and is refused while auth.enabled is false.
	AllowedHosts []string `koanf:"allowed_hosts"`
	// SessionIdle and SessionAbsolute end web sessions.
	SessionIdle     time.Duration `koanf:"session_idle"`
	SessionAbsolute time.Duration `koanf:"session_absolute"`
	// TLSCert and TLSKey serve HTTPS (and HTTP/2) on listen.
	TLSCert string `koanf:"tls_cert"`
	TLSKey  string `koanf:"tls_key"`
	// Rate limits (GCRA) by route class: per session access key, or per
	// client address for anonymous calls.
	LoginPerMinute  int `koanf:"login_per_minute"`
	LoginBurst      int `koanf:"login_burst"`
	APIPerSecond    int `koanf:"api_per_second"`
	APIBurst        int `koanf:"api_burst"`
	InvokePerSecond int `koanf:"invoke_per_second"`
	InvokeBurst     int `koanf:"invoke_burst"`
}

// ContainerConfig turns on and tunes the container runtime (Podman or
// Docker through the Docker-compatible API); see docs/containers.md.
type ContainerConfig struct {
	Enabled bool `koanf:"enabled"`
	// Engine is the API socket (unix:///…); empty starts a private
	// `podman system service` with the settings below.
	Engine        string `koanf:"engine"`
	PodmanPath    string `koanf:"podman_path"`
	Runtime       string `koanf:"runtime"`        // the OCI runtime: runc here (crun fails on these hosts' cgroups)
	CgroupManager string `koanf:"cgroup_manager"` // cgroupfs or systemd
	// WatchdogPath is the static berth-watchdog; empty: next to berth.
	WatchdogPath        string        `koanf:"watchdog_path"`
	BuildTimeout        time.Duration `koanf:"build_timeout"`
	AllowBuildRun       bool          `koanf:"allow_build_run"`
	AllowPull           bool          `koanf:"allow_pull"`
	StartTimeout        time.Duration `koanf:"start_timeout"`
	IdleTimeout         time.Duration `koanf:"idle_timeout"`
	MaxInstances        int           `koanf:"max_instances"`
	InstanceConcurrency int           `koanf:"instance_concurrency"`
	PidsLimit           int           `koanf:"pids_limit"`
	TmpfsMB             int           `koanf:"tmpfs_mb"`
	CPUs                float64       `koanf:"cpus"`
}

// FunctionsConfig bounds what functions may upload, use and keep.
type FunctionsConfig struct {
	// MaxArtefactBytes caps an uploaded artefact.
	MaxArtefactBytes int64 `koanf:"max_artefact_bytes"`
	// MaxInvokeBodyBytes caps a request body sent to a function.
	MaxInvokeBodyBytes int64 `koanf:"max_invoke_body_bytes"`
	// MaxResponseBytes caps what a function may answer (headers and body).
	MaxResponseBytes int64 `koanf:"max_response_bytes"`
	// DeletionGrace is how long a deleted function can be restored.
	DeletionGrace time.Duration `koanf:"deletion_grace"`
	// MaxMemoryMB and MaxTimeout cap what a function's settings may ask for.
	MaxMemoryMB int           `koanf:"max_memory_mb"`
	MaxTimeout  time.Duration `koanf:"max_timeout"`
	// MemoryBudgetMB bounds the memory of every wasm instance running at
	// once: a call reserves its memory_mb from it, waits up to 2 s for room
	// and is otherwise answered 503. 0 (the default) is automatic: half of
	// the machine's memory (or of its cgroup limit), at most 32 GiB and at
	// least MaxMemoryMB.
	MemoryBudgetMB int `koanf:"memory_budget_mb"`
	// PrepareTimeout bounds compiling (or building) one deployment.
	PrepareTimeout time.Duration `koanf:"prepare_timeout"`
	// PublicURL, when set, is the origin functions are served from (a
	// host of their own, e.g. https://fn.example.com): /fn/ on the
	// dashboard's origin then redirects there. The recommended production
	// setup; empty serves functions under /fn/ on the dashboard's origin.
	PublicURL string `koanf:"public_url"`
}

// LogConfig selects the log format and level.
type LogConfig struct {
	Level  string `koanf:"level"`  // debug, info, warn, error
	Format string `koanf:"format"` // text or json
}

// AdminConfig seeds the first admin on first start.
type AdminConfig struct {
	Email    string `koanf:"email"`
	Password string `koanf:"password"`
}

// AuthConfig governs accounts and credentials.
type AuthConfig struct {
	// Enabled false opens the dashboard as the first admin without signing
	// in; allowed only while listening on loopback.
	Enabled bool `koanf:"enabled"`
	// ValidateURL delegates web session checks to another service's
	// /session/validate; users are provisioned on first sight by email.
	ValidateURL string `koanf:"validate_url"`
	// ServiceAccessKey and ServiceSecretKey are an admin keypair the
	// webserver uses to provision users in external validation mode.
	ServiceAccessKey   string        `koanf:"service_access_key"`
	ServiceSecretKey   string        `koanf:"service_secret_key"`
	AllowRegistration  bool          `koanf:"allow_registration"`
	AccessTokenTTL     time.Duration `koanf:"access_token_ttl"`
	RefreshTokenTTL    time.Duration `koanf:"refresh_token_ttl"`
	SessionKeypairTTL  time.Duration `koanf:"session_keypair_ttl"`
	LoginWindow        time.Duration `koanf:"login_window"`
	MaxAccountFailures int           `koanf:"max_account_failures"`
	MaxAddressFailures int           `koanf:"max_address_failures"`
	// HashConcurrency bounds password hashes in flight (0: 2 × CPUs).
	HashConcurrency int `koanf:"hash_concurrency"`
	// RequireVerifiedEmail: an account that has not confirmed its address
	// with a mailed code may sign in but do nothing else until it does,
	// and registration answers the same whether or not an address is taken.
	RequireVerifiedEmail bool `koanf:"require_verified_email"`
	// LocalPasswords false refuses sign-in with a berth password to
	// everyone but the break-glass admin of admin.email: people sign in
	// through an OpenID provider.
	LocalPasswords bool `koanf:"local_passwords"`
}

// Default returns the embedded defaults: everything local, nothing open.
func Default() Config {
	return Config{
		Listen:          "127.0.0.1:8080",
		DataDir:         "./berth-data",
		MetricsListen:   "127.0.0.1:9180",
		ShutdownTimeout: 30 * time.Second,
		TrustedProxies:  []string{},
		Log:             LogConfig{Level: "info", Format: "text"},
		Functions: FunctionsConfig{
			MaxArtefactBytes:   64 << 20,
			MaxInvokeBodyBytes: 6 << 20,
			MaxResponseBytes:   6 << 20,
			DeletionGrace:      24 * time.Hour,
			MaxMemoryMB:        1024,
			MaxTimeout:         5 * time.Minute,
			PrepareTimeout:     2 * time.Minute,
		},
		Container: ContainerConfig{
			PodmanPath: "podman", Runtime: "runc", CgroupManager: "cgroupfs",
			BuildTimeout: 10 * time.Minute, StartTimeout: 10 * time.Second, IdleTimeout: 5 * time.Minute,
			MaxInstances: 4, InstanceConcurrency: 8, PidsLimit: 128, TmpfsMB: 64, CPUs: 1,
		},
		Web: WebConfig{
			ManagerURLs: []string{}, AllowedOrigins: []string{}, AllowedHosts: []string{}, Balance: "round_robin",
			SessionIdle: 30 * time.Minute, SessionAbsolute: 12 * time.Hour,
			LoginPerMinute: 20, LoginBurst: 10, APIPerSecond: 100, APIBurst: 200, InvokePerSecond: 200, InvokeBurst: 400,
		},
		Stats: StatsConfig{
			ExecutionRetention: 30 * 24 * time.Hour,
			HourlyRetention:    30 * 24 * time.Hour,
			RollupRetention:    400 * 24 * time.Hour,
			Rollups:            true,
		},
		Mail:                MailConfig{SMTPPort: 587, TLS: "starttls", QueueSize: 1000, MaxAttempts: 8},
		ServicePollInterval: 30 * time.Second,
		ServiceTimeout:      5 * time.Second,
		Auth: AuthConfig{
			Enabled:            true,
			LocalPasswords:     true,
			AccessTokenTTL:     time.Hour,
			RefreshTokenTTL:    30 * 24 * time.Hour,
			SessionKeypairTTL:  12 * time.Hour,
			LoginWindow:        20 * time.Minute,
			MaxAccountFailures: 10,
			MaxAddressFailures: 50,
		},
	}
}

// Flags are the command-line flags that map to keys; every other key is
// set through the file or the environment.
var flagKeys = map[string]string{
	"listen":         "listen",
	"data-dir":       "data_dir",
	"database-url":   "database_url",
	"redis-url":      "redis_url",
	"metrics-listen": "metrics_listen",
	"public-url":     "public_url",
	"log-level":      "log.level",
	"log-format":     "log.format",
	"manager-url":    "web.manager_urls",
}

// AddFlags registers the configuration flags on fs, with the defaults shown
// in help. --config names the TOML file.
func AddFlags(fs *pflag.FlagSet) {
	d := Default()
	fs.String("config", "", "TOML configuration file (env BERTH_CONFIG)")
	fs.String("listen", d.Listen, "address the API and UI listen on")
	fs.String("data-dir", d.DataDir, "directory for the database, keys and artefacts")
	fs.String("database-url", "", "postgres://… for PostgreSQL (default: SQLite file in the data dir)")
	fs.String("redis-url", "", "redis://… for shared sessions, nonces and counters (default: in-process)")
	fs.String("metrics-listen", d.MetricsListen, "address of the Prometheus metrics listener (empty: off)")
	fs.String("public-url", "", "URL people use to reach berth (default: from --listen)")
	fs.String("log-level", d.Log.Level, "debug, info, warn or error")
	fs.String("log-format", d.Log.Format, "text or json")
}

// Load builds the configuration: defaults, then the file named by --config
// or BERTH_CONFIG, then BERTH_* variables from environ, then changed flags.
func Load(fs *pflag.FlagSet, environ []string) (Config, error) {
	ko := koanf.New(".")
	if err := ko.Load(structs.Provider(Default(), "koanf"), nil); err != nil {
		return Config{}, err
	}
	keys := knownKeys()
	path := lookupEnv(environ, "BERTH_CONFIG")
	if fs != nil {
		if f := fs.Lookup("config"); f != nil && f.Changed {
			path = f.Value.String()
		}
	}
	if path != "" {
		fileKo := koanf.New(".")
		if err := fileKo.Load(file.Provider(path), toml.Parser()); err != nil {
			return Config{}, fmt.Errorf("config file %s: %w", path, err)
		}
		if err := checkTables(path, "oidc.providers", fileKo.Get("oidc.providers"), oidcProviderKeys); err != nil {
			return Config{}, err
		}
		if err := checkTables(path, "services", fileKo.Get("services"), serviceKeys); err != nil {
			return Config{}, err
		}
		for _, k := range fileKo.Keys() {
			if !slices.Contains(keys, k) {
				return Config{}, fmt.Errorf("config file %s: unknown key %q (known keys: %s)", path, k, strings.Join(keys, ", "))
			}
		}
		if err := ko.Merge(fileKo); err != nil {
			return Config{}, err
		}
	}
	envKeys := map[string]string{}
	for _, k := range keys {
		envKeys[EnvName(k)] = k
	}
	err := ko.Load(env.Provider(".", env.Opt{
		Prefix:      "BERTH_",
		EnvironFunc: func() []string { return environ },
		TransformFunc: func(k, v string) (string, any) {
			key, ok := envKeys[k]
			if !ok || key == "oidc.providers" || key == "services" {
				return "", nil
			}
			if key == "trusted_proxies" || key == "web.manager_urls" || key == "web.allowed_origins" || key == "web.allowed_hosts" {
				return key, splitList(v)
			}
			return key, v
		},
	}), nil)
	if err != nil {
		return Config{}, err
	}
	if fs != nil {
		err := ko.Load(posflag.ProviderWithFlag(fs, ".", ko, func(f *pflag.Flag) (string, any) {
			key, ok := flagKeys[f.Name]
			if !ok || !f.Changed {
				return "", nil
			}
			return key, posflag.FlagVal(fs, f)
		}), nil)
		if err != nil {
			return Config{}, err
		}
	}
	var c Config
	if err := ko.UnmarshalWithConf("", &c, koanf.UnmarshalConf{Tag: "koanf"}); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	c.withOIDCDefaults(environ)
	c.withServiceDefaults()
	return c, c.Validate()
}

func lookupEnv(environ []string, name string) string {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}

func splitList(v string) []string {
	out := []string{}
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// EnvName returns the environment variable for a key.
func EnvName(key string) string {
	return "BERTH_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// knownKeys lists every key of Config, dotted, sorted.
func knownKeys() []string {
	var keys []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for f := range t.Fields() {
			tag := f.Tag.Get("koanf")
			if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Time]() {
				walk(f.Type, prefix+tag+".")
				continue
			}
			keys = append(keys, prefix+tag)
		}
	}
	walk(reflect.TypeFor[Config](), "")
	slices.Sort(keys)
	return keys
}

// Validate checks the configuration and says what to fix. The errors come
// in the same order on every run (the order of the checks), so the message
// can be compared, diffed and quoted in a bug report.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s (%s): %s", key, EnvName(key), fmt.Sprintf(format, args...)))
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		bad("listen", "%q is not host:port, e.g. 127.0.0.1:8080", c.Listen)
	}
	if c.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(c.MetricsListen); err != nil {
			bad("metrics_listen", "%q is not host:port, e.g. 127.0.0.1:9180", c.MetricsListen)
		}
	}
	if c.DataDir == "" {
		bad("data_dir", "must not be empty")
	}
	if c.DatabaseURL != "" && c.DatabaseKind() == "" {
		bad("database_url", "use postgres://… (or leave it empty for SQLite in the data dir, or sqlite:PATH)")
	}
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			bad("redis_url", "use redis://[:password@]host:port/db or rediss://…, or leave it empty")
		}
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("public_url", "use an absolute http:// or https:// URL")
		}
	}
	for _, p := range c.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			bad("trusted_proxies", "%q is neither an IP address nor a CIDR", p)
		}
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		bad("log.level", "use debug, info, warn or error")
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		bad("log.format", "use text or json")
	}
	for _, d := range []struct {
		key string
		d   time.Duration
	}{
		{"shutdown_timeout", c.ShutdownTimeout}, {"auth.access_token_ttl", c.Auth.AccessTokenTTL},
		{"auth.refresh_token_ttl", c.Auth.RefreshTokenTTL}, {"auth.session_keypair_ttl", c.Auth.SessionKeypairTTL},
		{"auth.login_window", c.Auth.LoginWindow}, {"functions.deletion_grace", c.Functions.DeletionGrace},
		{"web.session_idle", c.Web.SessionIdle}, {"web.session_absolute", c.Web.SessionAbsolute},
		{"container.build_timeout", c.Container.BuildTimeout}, {"container.start_timeout", c.Container.StartTimeout},
		{"container.idle_timeout", c.Container.IdleTimeout},
		{"functions.max_timeout", c.Functions.MaxTimeout}, {"functions.prepare_timeout", c.Functions.PrepareTimeout},
	} {
		if d.d <= 0 {
			bad(d.key, "must be a positive duration such as 30s, 15m or 12h")
		}
	}
	if c.Stats.ExecutionRetention < time.Hour {
		bad("stats.execution_retention", "must be at least 1h")
	}
	if c.Stats.HourlyRetention < 7*24*time.Hour {
		bad("stats.hourly_retention", "must be at least 168h: the hourly stats reach 7 days back")
	}
	if c.Stats.RollupRetention < 90*24*time.Hour {
		bad("stats.rollup_retention", "must be at least 2160h: the daily stats reach 90 days back")
	}
	if c.Auth.MaxAccountFailures < 1 || c.Auth.MaxAddressFailures < 1 {
		bad("auth.max_account_failures", "failure limits must be at least 1")
	}
	for _, n := range []struct {
		key string
		n   int64
	}{
		{"functions.max_artefact_bytes", c.Functions.MaxArtefactBytes}, {"functions.max_invoke_body_bytes", c.Functions.MaxInvokeBodyBytes},
		{"functions.max_response_bytes", c.Functions.MaxResponseBytes},
	} {
		if n.n < 1024 {
			bad(n.key, "must be at least 1024 bytes")
		}
	}
	if c.Functions.MaxMemoryMB < 16 || c.Functions.MaxMemoryMB > 4096 {
		bad("functions.max_memory_mb", "must be between 16 and 4096")
	}
	if b := c.Functions.MemoryBudgetMB; b != 0 && (b < c.Functions.MaxMemoryMB || b > 1<<20) {
		bad("functions.memory_budget_mb", "must be 0 (automatic: half of the machine's memory) or between functions.max_memory_mb (%d) and 1048576: a call at the largest memory_mb must fit", c.Functions.MaxMemoryMB)
	}
	if c.Container.Engine != "" && !strings.HasPrefix(c.Container.Engine, "unix://") {
		bad("container.engine", "use unix:///path/to/podman.sock (or docker.sock), or leave it empty to start a private Podman service")
	}
	if c.Container.MaxInstances < 1 || c.Container.InstanceConcurrency < 1 || c.Container.PidsLimit < 16 || c.Container.CPUs <= 0 {
		bad("container.max_instances", "instances and concurrency must be at least 1, pids_limit at least 16, cpus above 0")
	}
	if c.Web.Balance != "round_robin" && c.Web.Balance != "least_connections" {
		bad("web.balance", "use round_robin or least_connections")
	}
	for _, u := range c.Web.ManagerURLs {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			bad("web.manager_urls", "%q is not an http(s) URL", u)
		}
	}
	for _, o := range c.Web.AllowedOrigins {
		if pu, err := url.Parse(o); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" || pu.Path != "" {
			bad("web.allowed_origins", "%q is not an origin such as https://app.example.com", o)
		}
	}
	for _, h := range c.Web.AllowedHosts {
		if h == "*" {
			if !c.Auth.Enabled {
				bad("web.allowed_hosts", `"*" is refused while auth.enabled is false: a page on any site could reach the open dashboard through DNS rebinding`)
			}
			continue
		}
		if h == "" || strings.ContainsAny(h, "/:@ ") {
			bad("web.allowed_hosts", "%q is not a host name such as berth.example.com (no scheme, no port)", h)
		}
	}
	if c.Functions.PublicURL != "" {
		fu, err := url.Parse(c.Functions.PublicURL)
		switch {
		case err != nil || (fu.Scheme != "http" && fu.Scheme != "https") || fu.Host == "" || (fu.Path != "" && fu.Path != "/"):
			bad("functions.public_url", "use an origin of its own such as https://fn.example.com (no path)")
		case c.PublicURL != "" && sameHost(fu, c.PublicURL):
			bad("functions.public_url", "must be another host than public_url: functions need an origin of their own")
		}
	}
	if (c.Web.TLSCert == "") != (c.Web.TLSKey == "") {
		bad("web.tls_cert", "set both web.tls_cert and web.tls_key, or neither")
	}
	for _, n := range []struct {
		key string
		n   int
	}{
		{"web.login_per_minute", c.Web.LoginPerMinute}, {"web.login_burst", c.Web.LoginBurst},
		{"web.api_per_second", c.Web.APIPerSecond}, {"web.api_burst", c.Web.APIBurst},
		{"web.invoke_per_second", c.Web.InvokePerSecond}, {"web.invoke_burst", c.Web.InvokeBurst},
	} {
		if n.n < 1 {
			bad(n.key, "must be at least 1")
		}
	}
	if c.Auth.ValidateURL != "" {
		if pu, err := url.Parse(c.Auth.ValidateURL); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			bad("auth.validate_url", "must be an absolute http(s) URL of another service's /session/validate")
		}
	}
	if (c.Auth.ServiceAccessKey == "") != (c.Auth.ServiceSecretKey == "") {
		bad("auth.service_access_key", "set both the service access key and its secret, or neither")
	}
	if c.Auth.HashConcurrency < 0 {
		bad("auth.hash_concurrency", "must be 0 (automatic) or more")
	}
	if (c.Admin.Email == "") != (c.Admin.Password == "") {
		bad("admin.email", "set both BERTH_ADMIN_EMAIL and BERTH_ADMIN_PASSWORD, or neither")
	}
	c.validateMail(bad)
	c.validateOIDC(bad)
	c.validateServices(bad)
	return errors.Join(errs...)
}

func (c *Config) validateMail(bad func(key, format string, args ...any)) {
	m := &c.Mail
	switch m.TLS {
	case "starttls", "tls":
	case "none":
		if m.SMTPHost != "" && !loopbackHost(m.SMTPHost) {
			bad("mail.tls", "none (no TLS) is only for an SMTP server on a loopback address; use starttls or tls for %s", m.SMTPHost)
		}
	default:
		bad("mail.tls", "must be starttls, tls or none")
	}
	if m.SMTPHost != "" && m.From == "" {
		bad("mail.from", "set the sender address (for example berth@example.com) with mail.smtp_host")
	}
	if m.SMTPPort < 1 || m.SMTPPort > 65535 {
		bad("mail.smtp_port", "must be a port from 1 to 65535")
	}
	if m.QueueSize < 0 || m.QueueSize > 1_000_000 {
		bad("mail.queue_size", "must be from 0 (no retries) to 1000000")
	}
	if m.MaxAttempts < 1 || m.MaxAttempts > 50 {
		bad("mail.max_attempts", "must be from 1 to 50")
	}
}

// loopbackHost reports whether host is localhost or a loopback address.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func sameHost(u *url.URL, other string) bool {
	o, err := url.Parse(other)
	return err == nil && strings.EqualFold(u.Hostname(), o.Hostname())
}

// DatabaseKind is "sqlite" or "postgres", or "" for an unsupported URL.
func (c *Config) DatabaseKind() string {
	switch {
	case c.DatabaseURL == "", strings.HasPrefix(c.DatabaseURL, "sqlite:"):
		return "sqlite"
	case strings.HasPrefix(c.DatabaseURL, "postgres://"), strings.HasPrefix(c.DatabaseURL, "postgresql://"):
		return "postgres"
	}
	return ""
}

// SQLitePath is the SQLite file: from a sqlite: URL, else in the data dir.
func (c *Config) SQLitePath() string {
	if p, ok := strings.CutPrefix(c.DatabaseURL, "sqlite:"); ok && p != "" {
		return p
	}
	return filepath.Join(c.DataDir, "berth.db")
}

// EnsureDataDir creates the data directory (0700) when absent.
func (c *Config) EnsureDataDir() error {
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("data_dir %s: %w", c.DataDir, err)
	}
	return nil
}

// Mask is what a masked secret prints as.
const Mask = "********"

// Masked returns a copy safe to print: keys and passwords replaced, URL
// passwords redacted.
func (c Config) Masked() Config {
	if c.MasterKey != "" {
		c.MasterKey = Mask
	}
	if c.Admin.Password != "" {
		c.Admin.Password = Mask
	}
	if c.Auth.ServiceSecretKey != "" {
		c.Auth.ServiceSecretKey = Mask
	}
	if c.Mail.SMTPPassword != "" {
		c.Mail.SMTPPassword = Mask
	}
	c.OIDC.Providers = slices.Clone(c.OIDC.Providers)
	for i := range c.OIDC.Providers {
		if c.OIDC.Providers[i].ClientSecret != "" {
			c.OIDC.Providers[i].ClientSecret = Mask
		}
	}
	c.DatabaseURL = redactURL(c.DatabaseURL)
	c.RedisURL = redactURL(c.RedisURL)
	return c
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		if strings.Contains(s, "@") || strings.Contains(s, "password") {
			return Mask // unparseable but possibly secret-bearing
		}
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	for k := range q {
		if strings.Contains(strings.ToLower(k), "password") {
			q.Set(k, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}
