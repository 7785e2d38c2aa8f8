package reliability

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/berth-platform/berth/client"
)

// The first admin of every berth the suite starts.
const (
	adminEmail    = "operator@reliability.test"
	adminPassword = "copper kettle under the stairs"
)

// clientTimeout bounds every request of the suite: an answer that takes
// longer is a hang, and a failure.
const clientTimeout = 15 * time.Second

// berthConfig is how a test starts berth.
type berthConfig struct {
	// DatabaseURL empty: SQLite in the data directory.
	DatabaseURL string
	// RedisURL empty: the in-process store.
	RedisURL string
	// Containers turns the container runtime on (a private Podman service).
	Containers bool
	// Env adds or overrides BERTH_* settings.
	Env map[string]string
}

// berthProc is `berth serve` running as a child process, as an operator
// would run it: configured through flags and the environment.
type berthProc struct {
	t   testing.TB
	cfg berthConfig
	// root holds data/ (the data directory) and the logs of every start;
	// it is short because container socket paths live under it.
	root    string
	dataDir string
	starts  int

	proc       *process
	url        string
	metricsURL string
	logPath    string

	transport *http.Transport

	mu        sync.Mutex
	accessKey string // the admin's keypair, made once and kept across restarts
	secretKey string
}

var bannerOpen = regexp.MustCompile(`^\s*Open\s+(http://\S+?)/?$`)
var bannerMetrics = regexp.MustCompile(`^\s*Metrics\s+(http://\S+)$`)

// startBerth starts berth serve with a fresh data directory and waits
// until it answers /health; the process is stopped (SIGTERM) when the
// test ends, and its log shown if the test failed.
func startBerth(t testing.TB, cfg berthConfig) *berthProc {
	t.Helper()
	root, err := os.MkdirTemp("", "rb")
	if err != nil {
		t.Fatal(err)
	}
	b := &berthProc{t: t, cfg: cfg, root: root, dataDir: filepath.Join(root, "data"),
		transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}}
	t.Cleanup(func() {
		b.stop()
		b.transport.CloseIdleConnections()
		if t.Failed() {
			b.dumpLog()
		}
		if cfg.Containers {
			removeContainers(t, b.dataDir)
		}
		os.RemoveAll(root)
	})
	b.start()
	return b
}

// environ is the process environment: nothing inherited but what programs
// need to run, so that a BERTH_* variable of the machine cannot leak in.
func (b *berthProc) environ() []string {
	env := map[string]string{
		"BERTH_ADMIN_EMAIL":    adminEmail,
		"BERTH_ADMIN_PASSWORD": adminPassword,
		"BERTH_LOG_FORMAT":     "json",
		"BERTH_LOG_LEVEL":      "info",
		// Rate limits are not what this suite measures (the webserver's
		// tests do): the load and soak come from one address.
		"BERTH_WEB_LOGIN_PER_MINUTE": "100000", "BERTH_WEB_LOGIN_BURST": "100000",
		"BERTH_WEB_API_PER_SECOND": "100000", "BERTH_WEB_API_BURST": "100000",
		"BERTH_WEB_INVOKE_PER_SECOND": "100000", "BERTH_WEB_INVOKE_BURST": "100000",
		"BERTH_SHUTDOWN_TIMEOUT": "15s",
	}
	if b.cfg.Containers {
		env["BERTH_CONTAINER_ENABLED"] = "true"
		env["BERTH_CONTAINER_IDLE_TIMEOUT"] = "10m"
	}
	for k, v := range b.cfg.Env {
		env[k] = v
	}
	out := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + b.root, "TMPDIR=" + os.TempDir()}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// start runs the process (again, after stop or kill, on the same data
// directory and database) and waits until it serves.
func (b *berthProc) start() {
	b.t.Helper()
	b.starts++
	b.logPath = filepath.Join(b.root, fmt.Sprintf("berth-%d.log", b.starts))
	args := []string{"--data-dir", b.dataDir}
	if b.cfg.DatabaseURL != "" {
		args = append(args, "--database-url", b.cfg.DatabaseURL)
	}
	if b.cfg.RedisURL != "" {
		args = append(args, "--redis-url", b.cfg.RedisURL)
	}
	b.proc, b.url, b.metricsURL = launch(b.t, "serve", args, b.environ(), b.logPath)
	if err := waitHealthy(b.url, 30*time.Second); err != nil {
		b.t.Fatalf("berth: %v\n%s", err, b.logTail(40))
	}
}

// launch runs a berth role listening on free loopback ports, its standard
// error into logPath, and waits for the banner that names its addresses.
// The process is stopped (SIGTERM) when the test ends.
func launch(t testing.TB, role string, args, env []string, logPath string) (proc *process, url, metricsURL string) {
	t.Helper()
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin.berth, append([]string{role, "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = env
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	proc = startProcessGraceful(t, "berth "+role, cmd, syscall.SIGTERM)
	logFile.Close()
	found := make(chan [2]string, 1)
	go func() {
		var open, metrics string
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := bannerOpen.FindStringSubmatch(sc.Text()); m != nil {
				open = m[1]
			}
			if m := bannerMetrics.FindStringSubmatch(sc.Text()); m != nil {
				metrics = m[1]
			}
			if open != "" && metrics != "" {
				found <- [2]string{open, metrics}
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	tail := func() string {
		data, _ := os.ReadFile(logPath)
		return string(data[max(0, len(data)-4000):])
	}
	select {
	case urls := <-found:
		return proc, urls[0], urls[1]
	case <-proc.done:
		t.Fatalf("berth %s exited before serving: %v\n%s", role, proc.err, tail())
	case <-time.After(90 * time.Second):
		t.Fatalf("berth %s printed no banner within 90 s\n%s", role, tail())
	}
	return nil, "", ""
}

// waitHealthy polls /health until it answers 200.
func waitHealthy(base string, within time.Duration) error {
	deadline := time.Now().Add(within)
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := hc.Get(base + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = errors.New(resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s/health did not answer 200 within %s (last: %w)", base, within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// running reports whether the berth process is alive.
func (b *berthProc) running() bool { return b.proc != nil && b.proc.running() }

// stop shuts berth down gracefully (SIGTERM), as an init system would; a
// berth that is still running 30 s later is killed and the test fails.
func (b *berthProc) stop() {
	if b.proc == nil || !b.proc.running() {
		return
	}
	if !b.proc.signal(syscall.SIGTERM, 30*time.Second) {
		b.proc.kill()
		b.t.Errorf("berth did not stop within 30 s of SIGTERM")
	}
}

// kill9 kills berth with SIGKILL: no shutdown work at all.
func (b *berthProc) kill9() {
	b.proc.kill()
	b.transport.CloseIdleConnections()
}

// exitedCleanly reports whether the last run ended with status 0.
func (b *berthProc) exitedCleanly() bool {
	return b.proc != nil && !b.proc.running() && b.proc.err == nil
}

// health returns the status of GET /health (0 when unreachable).
func (b *berthProc) health() int {
	hc := &http.Client{Timeout: 5 * time.Second}
	resp, err := hc.Get(b.url + "/health")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// httpClient is a plain client over the process's connection pool.
func (b *berthProc) httpClient() *http.Client {
	return &http.Client{Transport: b.transport, Timeout: clientTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// client returns a client of the API with the given options.
func (b *berthProc) client(opts ...client.Option) *client.Client {
	b.t.Helper()
	c, err := client.New(b.url, append([]client.Option{client.WithHTTPClient(b.httpClient())}, opts...)...)
	if err != nil {
		b.t.Fatal(err)
	}
	return c
}

// admin returns a client that signs every request with a keypair of the
// first admin (created on first use, kept across restarts).
func (b *berthProc) admin() *client.Client {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.accessKey == "" {
		ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
		defer cancel()
		anon := b.client()
		tok, err := anon.Login(ctx, adminEmail, adminPassword)
		if err != nil {
			b.t.Fatalf("admin login: %v", err)
		}
		kp, err := b.client(client.WithBearer(tok.AccessToken)).CreateKeypair(ctx, "reliability suite")
		if err != nil {
			b.t.Fatalf("admin keypair: %v", err)
		}
		b.accessKey, b.secretKey = kp.AccessKey, kp.SecretKey
	}
	return b.client(client.WithKeypair(b.accessKey, b.secretKey))
}

// signedHTTP returns an http.Client whose requests are signed with the
// given key (a keypair or a function API key), for raw requests whose
// every header the test wants to see.
func (b *berthProc) signedHTTP(keyID, secret string) *http.Client {
	hc := b.httpClient()
	hc.Transport = &client.Transport{AccessKey: keyID, SecretKey: secret, Base: b.transport}
	return hc
}

// adminHTTP is signedHTTP with the admin's keypair.
func (b *berthProc) adminHTTP() *http.Client {
	b.admin()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.signedHTTP(b.accessKey, b.secretKey)
}

// metrics scrapes the metrics listener and returns the samples without
// labels (go_goroutines, process_resident_memory_bytes, …).
func (b *berthProc) metrics() (map[string]float64, error) {
	hc := &http.Client{Timeout: 5 * time.Second}
	resp, err := hc.Get(b.metricsURL)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics: %s", resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.Contains(line, "{") {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
			out[name] = v
		}
	}
	return out, sc.Err()
}

// logTail returns the last n lines of the current run's log.
func (b *berthProc) logTail(n int) string {
	data, _ := os.ReadFile(b.logPath)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// logText returns the whole log of the current run.
func (b *berthProc) logText() string {
	data, _ := os.ReadFile(b.logPath)
	return string(data)
}

func (b *berthProc) dumpLog() {
	b.t.Logf("last lines of berth's log (%s):\n%s", b.logPath, b.logTail(60))
}

// countLog counts the log lines of the current run holding every one of
// the fragments.
func (b *berthProc) countLog(fragments ...string) int {
	n := 0
	sc := bufio.NewScanner(bytes.NewReader([]byte(b.logText())))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
next:
	for sc.Scan() {
		for _, f := range fragments {
			if !strings.Contains(sc.Text(), f) {
				continue next
			}
		}
		n++
	}
	return n
}

// hostPort is the host:port of the public listener.
func (b *berthProc) hostPort() string { return strings.TrimPrefix(b.url, "http://") }

// port is the port of the public listener.
func (b *berthProc) port() string { return b.url[strings.LastIndex(b.url, ":")+1:] }
