package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/knadh/koanf/parsers/toml/v2"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"
)

func flags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "berth.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaults(t *testing.T) {
	c, err := Load(flags(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || c.DataDir != "./berth-data" || c.MetricsListen != "127.0.0.1:9180" ||
		c.DatabaseURL != "" || c.RedisURL != "" || c.DatabaseKind() != "sqlite" || c.Auth.AllowRegistration {
		t.Fatalf("defaults: %+v", c)
	}
	if c.SQLitePath() != filepath.Join("berth-data", "berth.db") {
		t.Fatalf("SQLitePath = %s", c.SQLitePath())
	}
}

func TestPrecedence(t *testing.T) {
	path := writeFile(t, `
listen = "127.0.0.1:1001"
data_dir = "/tmp/from-file"
metrics_listen = "127.0.0.1:1003"
[auth]
allow_registration = true
login_window = "5m"
`)
	environ := []string{"BERTH_LISTEN=127.0.0.1:2001", "BERTH_DATA_DIR=/tmp/from-env", "BERTH_UNKNOWN=x", "HOME=/root"}
	c, err := Load(flags(t, "--config", path, "--listen", "127.0.0.1:3001"), environ)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, got, want string }{
		{"FlagBeatsEnvAndFile", c.Listen, "127.0.0.1:3001"},
		{"EnvBeatsFile", c.DataDir, "/tmp/from-env"},
		{"FileBeatsDefault", c.MetricsListen, "127.0.0.1:1003"},
		{"DefaultWhenUnset", c.Log.Level, "info"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q want %q", tt.name, tt.got, tt.want)
		}
	}
	if !c.Auth.AllowRegistration || c.Auth.LoginWindow != 5*time.Minute {
		t.Errorf("nested file keys: %+v", c.Auth)
	}
}

func TestEnvNestedAndLists(t *testing.T) {
	c, err := Load(flags(t), []string{
		"BERTH_AUTH_ALLOW_REGISTRATION=true", "BERTH_AUTH_ACCESS_TOKEN_TTL=15m",
		"BERTH_TRUSTED_PROXIES=10.0.0.0/8, 127.0.0.1", "BERTH_ADMIN_EMAIL=a@example.test", "BERTH_ADMIN_PASSWORD=pw",
		"BERTH_MASTER_KEY=secret-value",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Auth.AllowRegistration || c.Auth.AccessTokenTTL != 15*time.Minute || len(c.TrustedProxies) != 2 ||
		c.Admin.Email != "a@example.test" || c.MasterKey != "secret-value" {
		t.Fatalf("%+v", c)
	}
}

func TestMemoryBudget(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		want    int
	}{
		{"AutomaticByDefault", nil, 0},
		{"FromEnv", []string{"BERTH_FUNCTIONS_MEMORY_BUDGET_MB=8192"}, 8192},
		{"EqualToMaxMemory", []string{"BERTH_FUNCTIONS_MEMORY_BUDGET_MB=256", "BERTH_FUNCTIONS_MAX_MEMORY_MB=256"}, 256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(flags(t), tt.environ)
			if err != nil {
				t.Fatal(err)
			}
			if c.Functions.MemoryBudgetMB != tt.want {
				t.Fatalf("memory_budget_mb = %d, want %d", c.Functions.MemoryBudgetMB, tt.want)
			}
		})
	}
}

func TestConfigFileFromEnv(t *testing.T) {
	path := writeFile(t, `listen = "127.0.0.1:4444"`)
	c, err := Load(flags(t), []string{"BERTH_CONFIG=" + path})
	if err != nil || c.Listen != "127.0.0.1:4444" {
		t.Fatalf("%v %+v", err, c.Listen)
	}
}

func TestOIDCProviders(t *testing.T) {
	path := writeFile(t, `
[[oidc.providers]]
id = "kc"
name = "Company SSO"
issuer = "https://sso.example.com/realms/acme"
client_id = "berth"
client_secret_env = "KC_SECRET"
[oidc.providers.claims]
groups = ["groups"]
[oidc.providers.mapping]
full_admin = ["berth-admin"]
feature_roles = { containers = ["dev"] }

[[oidc.providers]]
id = "dex"
issuer = "http://127.0.0.1:5556"
allow_insecure = true
client_id = "b"
client_secret = "x"
scopes = ["openid", "groups"]
`)
	c, err := Load(flags(t, "--config", path), []string{"KC_SECRET=from-env", "BERTH_AUTH_LOCAL_PASSWORDS=false"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.OIDC.Providers) != 2 || c.Auth.LocalPasswords {
		t.Fatalf("providers = %+v, local passwords %v", c.OIDC.Providers, c.Auth.LocalPasswords)
	}
	kc, dex := c.OIDC.Providers[0], c.OIDC.Providers[1]
	if kc.ClientSecret != "from-env" || kc.Audience != "berth" || kc.Claims.Email != "email" ||
		strings.Join(kc.Claims.Roles, ",") != "realm_access.roles,resource_access.berth.roles" ||
		strings.Join(kc.Scopes, " ") != "openid email profile" || kc.TokenCacheTTL != 30*time.Second ||
		strings.Join(kc.Mapping.FeatureRoles["containers"], ",") != "dev" || !kc.Mapping.AdminMapped() {
		t.Fatalf("kc = %+v", kc)
	}
	if dex.Name != "dex" || strings.Join(dex.Scopes, " ") != "openid groups" || strings.Join(dex.Algorithms, ",") != "RS256" {
		t.Fatalf("dex = %+v", dex)
	}
	printed := c.Masked().TOML()
	if strings.Contains(printed, "from-env") || !strings.Contains(printed, "[[oidc.providers]]") ||
		!strings.Contains(printed, `feature_roles          = { "containers" = ["dev"] }`) {
		t.Fatalf("printed:\n%s", printed)
	}
	if c.OIDC.Providers[0].ClientSecret != "from-env" {
		t.Fatal("Masked changed the loaded config")
	}
}

func TestLoadErrors(t *testing.T) {
	tests := map[string]struct {
		file    string
		environ []string
		args    []string
		want    string
	}{
		"UnknownFileKey":          {file: `listne = "x"`, want: `unknown key "listne"`},
		"BadTOML":                 {file: `listen = `, want: "config file"},
		"BadListen":               {args: []string{"--listen", "nope"}, want: "BERTH_LISTEN"},
		"BadDatabaseURL":          {environ: []string{"BERTH_DATABASE_URL=mysql://x"}, want: "database_url"},
		"BadRedisURL":             {environ: []string{"BERTH_REDIS_URL=http://x"}, want: "redis_url"},
		"BadDuration":             {environ: []string{"BERTH_AUTH_LOGIN_WINDOW=soon"}, want: "login_window"},
		"NegativeDuration":        {environ: []string{"BERTH_AUTH_LOGIN_WINDOW=-1s"}, want: "positive duration"},
		"BadProxy":                {environ: []string{"BERTH_TRUSTED_PROXIES=not-an-ip"}, want: "trusted_proxies"},
		"AdminEmailOnly":          {environ: []string{"BERTH_ADMIN_EMAIL=a@example.test"}, want: "BERTH_ADMIN_PASSWORD"},
		"BadLogFormat":            {args: []string{"--log-format", "xml"}, want: "log.format"},
		"MissingConfigFile":       {args: []string{"--config", "/nonexistent/berth.toml"}, want: "/nonexistent/berth.toml"},
		"BadPublicURL":            {args: []string{"--public-url", "ftp://x"}, want: "public_url"},
		"BadMetricsListen":        {args: []string{"--metrics-listen", "9180"}, want: "metrics_listen"},
		"DatabaseURLFromEnv":      {environ: []string{"BERTH_DATABASE_URL=postgres://u:p@h/db", "BERTH_LISTEN=x"}, want: "listen"},
		"ShortExecutionRetention": {environ: []string{"BERTH_STATS_EXECUTION_RETENTION=10m"}, want: "stats.execution_retention"},
		"ShortHourlyRetention":    {environ: []string{"BERTH_STATS_HOURLY_RETENTION=24h"}, want: "stats.hourly_retention"},
		"ShortRollupRetention":    {file: "[stats]\nrollup_retention = \"720h\"", want: "stats.rollup_retention"},
		"BudgetUnderMaxMemory":    {environ: []string{"BERTH_FUNCTIONS_MEMORY_BUDGET_MB=512"}, want: "functions.memory_budget_mb"},
		"NegativeBudget":          {file: "[functions]\nmemory_budget_mb = -1", want: "BERTH_FUNCTIONS_MEMORY_BUDGET_MB"},
		"MailNoTLSRemote":         {file: "[mail]\nsmtp_host = \"smtp.example.com\"\nfrom = \"b@example.com\"\ntls = \"none\"", want: "mail.tls"},
		"MailBadTLS":              {environ: []string{"BERTH_MAIL_TLS=ssl"}, want: "must be starttls, tls or none"},
		"MailWithoutFrom":         {environ: []string{"BERTH_MAIL_SMTP_HOST=smtp.example.com"}, want: "mail.from"},
		"MailBadPort":             {environ: []string{"BERTH_MAIL_SMTP_PORT=70000"}, want: "mail.smtp_port"},
		"MailAttempts":            {environ: []string{"BERTH_MAIL_MAX_ATTEMPTS=0"}, want: "mail.max_attempts"},
		"OIDCUnknownKey":          {file: "[[oidc.providers]]\nid = \"kc\"\nissuer = \"https://sso.example.com/realms/a\"\nclient_id = \"berth\"\nclient_secret = \"s\"\nclient_sercet = \"x\"", want: `oidc.providers[0]: unknown key "client_sercet"`},
		"OIDCBadID":               {file: strings.Replace("[[oidc.providers]]\nid = \"kc\"\nissuer = \"https://sso.example.com/realms/a\"\nclient_id = \"berth\"\nclient_secret = \"s\"\n", `"kc"`, `"K C"`, 1), want: "oidc.providers[0].id"},
		"OIDCTwice":               {file: "[[oidc.providers]]\nid = \"kc\"\nissuer = \"https://sso.example.com/realms/a\"\nclient_id = \"berth\"\nclient_secret = \"s\"\n[[oidc.providers]]\nid = \"kc\"\nissuer = \"https://sso.example.com/realms/a\"\nclient_id = \"berth\"\nclient_secret = \"s\"\n", want: `"kc" names two providers`},
		"OIDCHTTPIssuer":          {file: strings.Replace("[[oidc.providers]]\nid = \"kc\"\nissuer = \"https://sso.example.com/realms/a\"\nclient_id = \"berth\"\nclient_secret = \"s\"\n", "https://sso.example.com", "http://sso.example.com", 1), want: "must be https"},
		"OIDCNoSecret":            {file: strings.Replace("[[oidc.providers]]\nid = \"kc\"\nissuer = \"https://sso.example.com/realms/a\"\nclient_id = \"berth\"\nclient_secret = \"s\"\n", `client_secret = "s"`, `client_secret_env = "KC_SECRET"`, 1), want: "KC_SECRET"},
		"OIDCHS256":               {file: "[[oidc.providers]]\nid = \"kc\"\nissuer = \"https://sso.example.com/realms/a\"\nclient_id = \"berth\"\nclient_secret = \"s\"\nalgorithms = [\"HS256\"]", want: "HS256 and none never are"},
		"OIDCNotTables":           {file: "[oidc]\nproviders = \"kc\"", want: "list of [[oidc.providers]] tables"},
		"ServiceUnknownKey":       {file: "[[services]]\nid = \"notes\"\nurl = \"http://127.0.0.1:9\"\nhealth = \"/h\"", want: `services[0]: unknown key "health"`},
		"ServiceBadURL":           {file: "[[services]]\nid = \"notes\"\nurl = \"ftp://x\"", want: "services[0].url"},
		"ServiceBadID":            {file: "[[services]]\nid = \"No tes\"\nurl = \"http://127.0.0.1:9\"", want: "services[0].id"},
		"ServiceTimeout":          {environ: []string{"BERTH_SERVICE_TIMEOUT=1m"}, want: "service_timeout"},
		"NoWayToSignIn":           {environ: []string{"BERTH_AUTH_LOCAL_PASSWORDS=false"}, want: "auth.local_passwords"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				args = append(args, "--config", writeFile(t, tt.file))
			}
			_, err := Load(flags(t, args...), tt.environ)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v; want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestMaskedTOML(t *testing.T) {
	c := Default()
	c.MasterKey = "top-secret-master"
	c.Admin = AdminConfig{Email: "a@example.test", Password: "hunter2hunter2"}
	c.DatabaseURL = "postgres://berth:dbpass@db.example/berth?sslmode=disable"
	c.RedisURL = "redis://:redispass@127.0.0.1:6379/0"
	c.Mail.SMTPPassword = "smtp-pass-w0rd"
	out := c.Masked().TOML()
	for _, secret := range []string{"top-secret-master", "hunter2hunter2", "dbpass", "redispass", "smtp-pass-w0rd"} {
		if strings.Contains(out, secret) {
			t.Errorf("printed config contains %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{"BERTH_MASTER_KEY", "[auth]", `listen`, "a@example.test", "db.example"} {
		if !strings.Contains(out, want) {
			t.Errorf("printed config lacks %q:\n%s", want, out)
		}
	}
	// The output is valid TOML that loads back.
	ko := koanf.New(".")
	if err := ko.Load(rawbytes.Provider([]byte(out)), toml.Parser()); err != nil {
		t.Fatalf("printed config is not TOML: %v\n%s", err, out)
	}
	if ko.String("auth.login_window") != "20m0s" {
		t.Fatalf("auth.login_window = %q", ko.String("auth.login_window"))
	}
}

// TestValidateStableOrder: every duration, byte and rate check fails at
// once, and the joined message is the same on every run, so it can be
// compared and quoted; map iteration made it differ between runs.
func TestValidateStableOrder(t *testing.T) {
	c := Default()
	c.ShutdownTimeout, c.Auth.AccessTokenTTL, c.Auth.RefreshTokenTTL, c.Auth.SessionKeypairTTL = 0, 0, 0, 0
	c.Auth.LoginWindow, c.Functions.DeletionGrace, c.Web.SessionIdle, c.Web.SessionAbsolute = 0, 0, 0, 0
	c.Container.BuildTimeout, c.Container.StartTimeout, c.Container.IdleTimeout = 0, 0, 0
	c.Functions.MaxTimeout, c.Functions.PrepareTimeout = 0, 0
	c.Functions.MaxArtefactBytes, c.Functions.MaxInvokeBodyBytes, c.Functions.MaxResponseBytes = 0, 0, 0
	c.Web.LoginPerMinute, c.Web.LoginBurst, c.Web.APIPerSecond, c.Web.APIBurst = 0, 0, 0, 0
	c.Web.InvokePerSecond, c.Web.InvokeBurst = 0, 0
	first := c.Validate()
	if first == nil {
		t.Fatal("Validate accepted zero durations, sizes and rates")
	}
	for range 50 {
		if got := c.Validate(); got.Error() != first.Error() {
			t.Fatalf("Validate's text changed between runs:\n%s\n---\n%s", first, got)
		}
	}
	// The order is the order of the checks, the same as written in Validate.
	msg := first.Error()
	for _, pair := range [][2]string{
		{"shutdown_timeout (", "functions.prepare_timeout ("},
		{"functions.max_artefact_bytes (", "functions.max_response_bytes ("},
		{"web.login_per_minute (", "web.invoke_burst ("},
	} {
		if i, j := strings.Index(msg, pair[0]), strings.Index(msg, pair[1]); i < 0 || j < 0 || i > j {
			t.Errorf("%q should come before %q in:\n%s", pair[0], pair[1], msg)
		}
	}
}

func TestCheckEnv(t *testing.T) {
	tests := map[string]struct {
		environ []string
		want    []string // the warnings' text
	}{
		"Misspelt":       {[]string{"BERTH_LISTNE=127.0.0.1:1"}, []string{"unknown environment variable BERTH_LISTNE is ignored; did you mean BERTH_LISTEN?"}},
		"MisspeltNested": {[]string{"BERTH_AUTH_ALOW_REGISTRATION=true"}, []string{"did you mean BERTH_AUTH_ALLOW_REGISTRATION?"}},
		"NothingClose":   {[]string{"BERTH_ZZZZZZZZZZZZ=1"}, []string{"BERTH_ZZZZZZZZZZZZ is ignored (berth config print"}},
		"Known":          {[]string{"BERTH_LISTEN=x", "BERTH_AUTH_LOGIN_WINDOW=5m", "BERTH_MASTER_KEY=k"}, nil},
		"ReadElsewhere":  {[]string{"BERTH_CONFIG=x", "BERTH_CLI_CONFIG=x", "BERTH_SECRET_KEY=s", "BERTH_TEST_POSTGRES_URL=x", "BERTH_TEST_REDIS_URL=x", "BERTH_RELIABILITY=full"}, nil},
		"NotOurs":        {[]string{"LISTNE=x", "HOME=/root", "BERTHA=1"}, nil},
		"SortedOnce":     {[]string{"BERTH_ZZZZZZZZZZZZ=1", "BERTH_LISTNE=a", "BERTH_LISTNE=b"}, []string{"BERTH_LISTNE", "BERTH_ZZZZZZZZZZZZ"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := CheckEnv(tt.environ)
			if len(got) != len(tt.want) {
				t.Fatalf("CheckEnv = %v; want %d warnings", got, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i].String(), w) {
					t.Errorf("warning %d = %q; want it to contain %q", i, got[i], w)
				}
			}
		})
	}
	t.Run("NoValue", func(t *testing.T) {
		for _, u := range CheckEnv([]string{"BERTH_ADMIN_PASWORD=hunter2hunter2"}) {
			if strings.Contains(u.String(), "hunter2") {
				t.Fatalf("warning shows the value: %s", u)
			}
		}
	})
}
