package cli

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/artefact"
)

func testEnv(t *testing.T, environ ...string) *Env {
	t.Helper()
	return &Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Environ: environ, Version: "test"}
}

// TestEveryCommandHasHelp walks the command tree: every command says what
// it does and shows examples.
func TestEveryCommandHasHelp(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Short == "" {
			t.Errorf("%s has no Short", c.CommandPath())
		}
		if c.Example == "" {
			t.Errorf("%s has no Example", c.CommandPath())
		}
		if c.Args == nil && c.Runnable() {
			t.Errorf("%s does not check its arguments", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	root := &cobra.Command{Use: "berth"}
	root.AddCommand(Commands(testEnv(t))...)
	for _, c := range root.Commands() {
		walk(c)
	}
}

func TestParseSettings(t *testing.T) {
	i := func(n int) *int { return &n }
	s := func(v string) *string { return &v }
	tests := map[string]struct {
		in      []string
		want    client.SettingsPatch
		env     map[string]*string
		wantErr string
	}{
		"OK": {in: []string{"memory=128", "timeout=5s", "concurrency=10", "visibility=public", "description=Says hi"},
			want: client.SettingsPatch{MemoryMB: i(128), TimeoutMS: i(5000), MaxConcurrency: i(10), Visibility: s("public"), Description: s("Says hi")}},
		"Units":         {in: []string{"memory=1GB", "timeout=250"}, want: client.SettingsPatch{MemoryMB: i(1024), TimeoutMS: i(250)}},
		"APINames":      {in: []string{"memory_mb=64", "timeout_ms=100", "max_concurrency=2"}, want: client.SettingsPatch{MemoryMB: i(64), TimeoutMS: i(100), MaxConcurrency: i(2)}},
		"Env":           {in: []string{"env.A=1", "env.B=", "env.C=x=y"}, env: map[string]*string{"A": s("1"), "B": nil, "C": s("x=y")}},
		"ErrNoEquals":   {in: []string{"memory"}, wantErr: "is not KEY=VALUE"},
		"ErrUnknown":    {in: []string{"colour=blue"}, wantErr: `unknown setting "colour"`},
		"ErrMemory":     {in: []string{"memory=-1"}, wantErr: "memory="},
		"ErrTimeout":    {in: []string{"timeout=soon"}, wantErr: "timeout="},
		"ErrVisible":    {in: []string{"visibility=secret"}, wantErr: "public or private"},
		"ErrEnvName":    {in: []string{"env.=1"}, wantErr: "name the variable"},
		"ErrConcurrent": {in: []string{"concurrency=0"}, wantErr: "at least 1"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, env, err := parseSettings(tt.in)
			if tt.wantErr != "" {
				var ue UsageError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &ue) {
					t.Fatalf("err = %v, want a usage error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(deref(got)) != fmt.Sprint(deref(tt.want)) {
				t.Errorf("patch = %v, want %v", deref(got), deref(tt.want))
			}
			if tt.env == nil {
				tt.env = map[string]*string{}
			}
			if fmt.Sprint(derefMap(env)) != fmt.Sprint(derefMap(tt.env)) {
				t.Errorf("env = %v, want %v", derefMap(env), derefMap(tt.env))
			}
		})
	}
}

func deref(p client.SettingsPatch) []string {
	str := func(v any) string {
		switch x := v.(type) {
		case *int:
			if x != nil {
				return fmt.Sprint(*x)
			}
		case *string:
			if x != nil {
				return *x
			}
		}
		return "-"
	}
	return []string{str(p.MemoryMB), str(p.TimeoutMS), str(p.MaxConcurrency), str(p.Visibility), str(p.Description)}
}

func derefMap(m map[string]*string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = "<remove>"
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Time{
		"30m":                  now.Add(-30 * time.Minute),
		"1h":                   now.Add(-time.Hour),
		"2d":                   now.Add(-48 * time.Hour),
		"2026-11-01T00:00:00Z": time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
	}
	for in, want := range tests {
		got, err := parseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"yesterday", "-1h", "", "1w"} {
		if _, err := parseSince(bad, now); err == nil {
			t.Errorf("parseSince(%q) accepted", bad)
		}
	}
}

func TestRenderProgress(t *testing.T) {
	tests := []struct {
		done, total int64
		width       int
		want        string
	}{
		{0, 2 << 20, 80, "Uploading x [>                                       ]   0%  0 B/2.0 MiB"},
		{1 << 20, 2 << 20, 80, "Uploading x [====================>                   ]  50%  1.0 MiB/2.0 MiB"},
		{2 << 20, 2 << 20, 80, "Uploading x [========================================] 100%  2.0 MiB/2.0 MiB"},
		{1 << 20, 2 << 20, 48, "Uploading x [=====>     ]  50%  1.0 MiB/2.0 MiB"},
		{1 << 20, 2 << 20, 20, "Uploading x  50%  1.0 MiB/2.0 MiB"},
		{0, 0, 80, "Uploading x [========================================] 100%  0 B/0 B"},
	}
	for _, tt := range tests {
		if got := renderProgress("Uploading x", tt.done, tt.total, tt.width); got != tt.want {
			t.Errorf("renderProgress(%d, %d, %d)\n got %q\nwant %q", tt.done, tt.total, tt.width, got, tt.want)
		}
		if got := renderProgress("Uploading x", tt.done, tt.total, tt.width); len([]rune(got)) > max(tt.width, 40) {
			t.Errorf("wider than %d: %q", tt.width, got)
		}
	}
	// Not a terminal: no bar, and the reader passes through.
	p := newProgress(&bytes.Buffer{}, "x", 10)
	if p != nil {
		t.Fatal("a bar on a buffer")
	}
	r := strings.NewReader("abc")
	if p.reader(r) != r {
		t.Fatal("no bar should leave the reader alone")
	}
	p.clear()
}

func TestConfigFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg")
	path := filepath.Join(dir, "config.toml")
	env := testEnv(t, "BERTH_CLI_CONFIG="+path)

	c, err := loadConfig(env)
	if err != nil || len(c.Contexts) != 0 {
		t.Fatalf("a missing file: %v %v", c, err)
	}
	at := time.Date(2026, 11, 23, 10, 15, 0, 0, time.UTC)
	c.Contexts["default"] = &Context{Server: "http://127.0.0.1:8080", Email: "a@example.test", UserID: "u1", AccessKey: "BKA", SecretKey: "s3cret", LoggedInAt: at}
	c.Contexts["prod"] = &Context{Server: "https://berth.example.com", AccessKey: "BKB", SecretKey: "other"}
	c.CurrentContext = "default"
	if err := c.save(); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", p, fi.Mode().Perm(), err, want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	got, err := loadConfig(env)
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Contexts["default"]; got.CurrentContext != "default" || *d != *c.Contexts["default"] || got.Contexts["prod"].Server != "https://berth.example.com" {
		t.Fatalf("round trip: %+v %+v", got, d)
	}
	if n := got.contextName("", testEnv(t, "BERTH_CONTEXT=prod")); n != "prod" {
		t.Errorf("BERTH_CONTEXT: %s", n)
	}
	if n := got.contextName("x", testEnv(t, "BERTH_CONTEXT=prod")); n != "x" {
		t.Errorf("--context: %s", n)
	}
	if _, err := got.use("nope"); ExitCode(err) != ExitAuth || !strings.Contains(err.Error(), "default, prod") {
		t.Errorf("unknown context: %v", err)
	}
	if _, err := got.use(""); ExitCode(err) != ExitAuth {
		t.Errorf("no context: %v", err)
	}

	// A server configuration, or a broken file, is refused and left alone.
	for name, text := range map[string]string{"ServerConfig": "listen = \"127.0.0.1:9000\"\n", "Broken": "current_context = \n"} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "berth.toml")
			if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := loadConfig(testEnv(t, "BERTH_CLI_CONFIG="+p)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestConfigPath(t *testing.T) {
	tests := map[string]struct {
		env  []string
		want string
	}{
		"Override": {[]string{"BERTH_CLI_CONFIG=/etc/x.toml", "HOME=/home/ada"}, "/etc/x.toml"},
		"XDG":      {[]string{"XDG_CONFIG_HOME=/xdg", "HOME=/home/ada"}, "/xdg/berth/config.toml"},
		"Home":     {[]string{"HOME=/home/ada"}, "/home/ada/.config/berth/config.toml"},
		"Empty":    {[]string{"BERTH_CLI_CONFIG=", "HOME=/home/ada"}, "/home/ada/.config/berth/config.toml"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := configPath(&Env{Environ: tt.env})
			if err != nil || got != tt.want {
				t.Fatalf("%q %v, want %q", got, err, tt.want)
			}
		})
	}
	if _, err := configPath(&Env{}); err == nil {
		t.Fatal("no HOME, no BERTH_CLI_CONFIG: accepted")
	}
}

func TestLoginTarget(t *testing.T) {
	cfg := func() *Config {
		return &Config{CurrentContext: "default", Contexts: map[string]*Context{
			"default": {Server: "http://127.0.0.1:8080"},
			"prod":    {Server: "https://berth.example.com"},
		}}
	}
	tests := map[string]struct {
		cfg                  *Config
		flag, server         string
		environ              []string
		wantName, wantServer string
	}{
		"FirstLogin":        {cfg: &Config{Contexts: map[string]*Context{}}, server: "http://127.0.0.1:9000", wantName: "default", wantServer: "http://127.0.0.1:9000"},
		"FirstLoginDefault": {cfg: &Config{Contexts: map[string]*Context{}}, wantName: "default", wantServer: defaultServer},
		"Again":             {cfg: cfg(), wantName: "default", wantServer: "http://127.0.0.1:8080"},
		"SameServer":        {cfg: cfg(), server: "http://127.0.0.1:8080/", wantName: "default", wantServer: "http://127.0.0.1:8080"},
		"OtherKnownServer":  {cfg: cfg(), server: "https://berth.example.com", wantName: "prod", wantServer: "https://berth.example.com"},
		"NewServer":         {cfg: cfg(), server: "staging.example.com:8443", wantName: "staging.example.com:8443", wantServer: "https://staging.example.com:8443"},
		"Flag":              {cfg: cfg(), flag: "ci", server: "http://localhost:1", wantName: "ci", wantServer: "http://localhost:1"},
		"FlagExisting":      {cfg: cfg(), flag: "prod", wantName: "prod", wantServer: "https://berth.example.com"},
		"EnvServer":         {cfg: &Config{Contexts: map[string]*Context{}}, environ: []string{"BERTH_SERVER=127.0.0.1:7000"}, wantName: "default", wantServer: "http://127.0.0.1:7000"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			a := &app{env: &Env{Environ: tt.environ}, contextFlag: tt.flag}
			n, s := a.loginTarget(tt.cfg, tt.server)
			if n != tt.wantName || s != tt.wantServer {
				t.Fatalf("got %q %q, want %q %q", n, s, tt.wantName, tt.wantServer)
			}
		})
	}
}

func TestWriteYAML(t *testing.T) {
	var b bytes.Buffer
	v := struct {
		Name    string            `json:"name"`
		Version int               `json:"version"`
		Flag    string            `json:"flag"`
		Env     map[string]string `json:"env"`
		Items   []int             `json:"items"`
	}{"hello", 3, "true", map[string]string{"A": "1"}, []int{1, 2}}
	if err := writeYAML(&b, v); err != nil {
		t.Fatal(err)
	}
	want := "name: hello\nversion: 3\nflag: \"true\"\nenv:\n  A: \"1\"\nitems:\n  - 1\n  - 2\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestMessageAndExitCode(t *testing.T) {
	problem := &client.Error{Status: 404, Title: "Not Found", Detail: "no function x"}
	dial := fmt.Errorf("client: GET http://127.0.0.1:1/api/users/me: %w",
		&net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, Err: errors.New("connect: connection refused")})
	tests := map[string]struct {
		err  error
		msg  string
		code int
	}{
		"Problem":      {problem, "404 Not Found: no function x", ExitError},
		"Wrapped":      {fmt.Errorf("create the function: %w", problem), "create the function: 404 Not Found: no function x", ExitError},
		"Unauthorized": {&client.Error{Status: 401, Detail: "wrong email or password"}, "401 Unauthorized: wrong email or password", ExitAuth},
		"RetryAfter":   {&client.Error{Status: 429, Detail: "too many", RetryAfter: 30 * time.Second}, "429 Too Many Requests: too many (retry in 30s)", ExitError},
		"Usage":        {usagef("bad\nflag"), "bad flag", ExitUsage},
		"Auth":         {AuthError{errors.New("not logged in")}, "not logged in", ExitAuth},
		"Quiet":        {quietError{ExitError}, "", ExitError},
		"Dial": {fmt.Errorf("%w (--force)", dial),
			"cannot reach the server at 127.0.0.1:1: connect: connection refused; is it running? 'berth context list' shows the server of each context (--force)", ExitError},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Message(tt.err); got != tt.msg {
				t.Errorf("Message = %q, want %q", got, tt.msg)
			}
			if got := ExitCode(tt.err); got != tt.code {
				t.Errorf("ExitCode = %d, want %d", got, tt.code)
			}
		})
	}
}

func TestManifestModule(t *testing.T) {
	tests := map[string]struct{ toml, want, err string }{
		"Default": {toml: "[function]\nmemory_mb = 64\n", want: "hello.wasm"},
		"Path":    {toml: "[wasm]\nmodule = \"build/x.wasm\"\n", want: "build/x.wasm"},
		"Clean":   {toml: "[wasm]\nmodule = \"./a/../x.wasm\"\n", want: "x.wasm"},
		"Outside": {toml: "[wasm]\nmodule = \"../x.wasm\"\n", err: "inside the archive"},
		"Abs":     {toml: "[wasm]\nmodule = \"/x.wasm\"\n", err: "inside the archive"},
		"Broken":  {toml: "[wasm\n", err: "not valid TOML"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := manifestModule([]byte(tt.toml), "hello")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("%q %v, want %q", got, err, tt.want)
			}
		})
	}
}

// TestScaffolds renders every template for every runtime; the berth.toml
// of each passes the server's own manifest check.
func TestScaffolds(t *testing.T) {
	for _, rt := range []string{"wasm", "container"} {
		for _, tmpl := range []string{"go", "c"} {
			t.Run(rt+"/"+tmpl, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "hello")
				files, err := scaffold{Name: "hello", Runtime: rt, Template: tmpl}.write(dir)
				if err != nil {
					t.Fatal(err)
				}
				if len(files) < 4 {
					t.Fatalf("only %v", files)
				}
				data, err := os.ReadFile(filepath.Join(dir, "berth.toml"))
				if err != nil {
					t.Fatal(err)
				}
				m, err := artefact.ParseManifest(data)
				if err != nil {
					t.Fatalf("berth.toml refused by the server's check: %v", err)
				}
				if (m.Container.Mode == "exec") != (rt == "container") {
					t.Errorf("container mode %q for %s", m.Container.Mode, rt)
				}
				readme, _ := os.ReadFile(filepath.Join(dir, "README.md"))
				if !strings.Contains(string(readme), "berth fn invoke hello") || strings.Contains(string(readme), "{{") {
					t.Errorf("README:\n%s", readme)
				}
				if _, err := (scaffold{Name: "hello", Runtime: rt, Template: tmpl}).write(dir); err == nil {
					t.Error("wrote over a folder that is not empty")
				}
			})
		}
	}
}

func TestPackDir(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{"Containerfile": "FROM scratch\n", "src/main.go": "package main\n", ".git/HEAD": "ref\n"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "ctx.tar.gz")
	if err := packDir(dir, out); err != nil {
		t.Fatal(err)
	}
	a, err := artefact.Open(out, "application/gzip", artefact.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	entries, err := a.List()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, " "); got != "Containerfile src/main.go" {
		t.Fatalf("entries: %s", got)
	}

	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := packDir(dir, filepath.Join(t.TempDir(), "bad.tar.gz")); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("a link was packed: %v", err)
	}
}

func TestDefaultName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hello")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(dir)
	if n := defaultName(dir, fi); n != "hello" {
		t.Errorf("folder: %s", n)
	}
	for file, want := range map[string]string{"api.wasm": "api", "ctx.tar.gz": "ctx", "ctx.tgz": "ctx", "x.zip": "x"} {
		p := filepath.Join(dir, file)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(p)
		if n := defaultName(p, fi); n != want {
			t.Errorf("%s: %s, want %s", file, n, want)
		}
	}
}

func TestInvokeTarget(t *testing.T) {
	tests := []struct {
		method, path string
		query        []string
		wantMethod   string
		wantTarget   string
	}{
		{"", "", nil, "POST", "/api/functions/f1/invoke"},
		{"post", "", []string{"name=Ada", "x=a b"}, "POST", "/api/functions/f1/invoke?name=Ada&x=a+b"},
		{"GET", "", nil, "GET", "/fn/f1/"},
		{"", "/greet", nil, "POST", "/fn/f1/greet"},
		{"delete", "items/3", nil, "DELETE", "/fn/f1/items/3"},
	}
	for _, tt := range tests {
		m, target := invokeTarget("f1", tt.method, tt.path, tt.query)
		if m != tt.wantMethod || target != tt.wantTarget {
			t.Errorf("invokeTarget(%q, %q, %v) = %s %s, want %s %s", tt.method, tt.path, tt.query, m, target, tt.wantMethod, tt.wantTarget)
		}
	}
}

func TestBarCells(t *testing.T) {
	tests := []struct {
		n, e, top    int64
		width        int
		errs, ok8ths int
	}{
		{0, 0, 10, 40, 0, 0},
		{10, 0, 10, 40, 0, 320},
		{5, 0, 10, 40, 0, 160},
		{1, 0, 1000, 40, 0, 1},  // anything above zero shows
		{10, 10, 10, 40, 40, 0}, // all errors
		{7, 1, 7, 40, 6, 272},   // errors round up to whole cells
		{1000, 1, 1000, 40, 1, 312},
		{0, 0, 0, 40, 0, 0},
	}
	for _, tt := range tests {
		e, ok := barCells(tt.n, tt.e, tt.top, tt.width)
		if e != tt.errs || ok != tt.ok8ths {
			t.Errorf("barCells(%d, %d, %d, %d) = %d, %d; want %d, %d", tt.n, tt.e, tt.top, tt.width, e, ok, tt.errs, tt.ok8ths)
		}
		if e*8+ok > tt.width*8 && tt.n > 0 {
			t.Errorf("barCells(%d, %d, %d) overflows %d cells", tt.n, tt.e, tt.top, tt.width)
		}
	}
}

func TestChartLines(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	points := []client.StatsPoint{
		{Start: at, Invocations: 0},
		{Start: at.Add(time.Hour), Invocations: 4, Errors: 1, P95MS: 12.5},
		{Start: at.Add(2 * time.Hour), Invocations: 2, P95MS: 0.5},
	}
	got := chartLines(points, false, false, 8)
	want := []string{
		"Nov 23 10:00          " + "      0",
		"Nov 23 11:00  ▓▓██████" + "      4  1 err  p95 12.5 ms",
		"Nov 23 12:00  ████    " + "      2  p95 500 µs",
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d\n got %q\nwant %q", i, got[i], want[i])
		}
	}
	daily := chartLines(points[:1], true, false, 8)
	if !strings.HasPrefix(daily[0], "Mon Nov 23  ") {
		t.Errorf("daily label: %q", daily[0])
	}
	coloured := chartLines(points[1:2], false, true, 8)
	if !strings.Contains(coloured[0], "\x1b[31m██\x1b[0m\x1b[32m██████\x1b[0m") {
		t.Errorf("colour: %q", coloured[0])
	}
}
