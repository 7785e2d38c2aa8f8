package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the berth executable built once for these tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "berth-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "berth")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=9.9.9-test", "-o", binary, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0") // the release build is static
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build berth: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// run runs berth to completion and returns its output and exit code.
func run(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}, env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), 0
}

// serving is a berth serve process.
type serving struct {
	cmd    *exec.Cmd
	url    string
	banner string
	stderr *lockedBuffer
	done   chan error
}

// lockedBuffer is written by the process's stderr copier while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var openLine = regexp.MustCompile(`Open\s+(http://\S+)/`)

// serve starts berth serve and waits for its banner.
func serve(t *testing.T, dataDir string, env ...string) *serving {
	t.Helper()
	cmd := exec.Command(binary, "serve", "--data-dir", dataDir, "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0")
	cmd.Env = append([]string{"HOME=" + t.TempDir()}, env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &serving{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.done
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		s.done <- cmd.Wait()
	}()
	timeout := time.After(20 * time.Second)
	var banner strings.Builder
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("berth serve exited before serving:\n%s\n%s", banner.String(), s.stderr)
			}
			banner.WriteString(line + "\n")
			if strings.Contains(line, "Try it:") {
				s.banner = banner.String()
				m := openLine.FindStringSubmatch(s.banner)
				if m == nil {
					t.Fatalf("no URL in banner:\n%s", s.banner)
				}
				s.url = m[1]
				go func() {
					for range lines { // drain the rest
					}
				}()
				return s
			}
		case <-timeout:
			t.Fatalf("no banner within 20 s:\n%s\n%s", banner.String(), s.stderr)
		}
	}
}

// stop sends SIGTERM and returns the exit error.
func (s *serving) stop(t *testing.T) error {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.done:
		s.done <- err // for Cleanup
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("berth did not stop within 20 s of SIGTERM")
		return nil
	}
}

func TestServeFirstStart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s := serve(t, dir)
	pwLine := regexp.MustCompile(`Password\s+(\S+)`).FindStringSubmatch(s.banner)
	if pwLine == nil || !strings.Contains(s.banner, "admin@berth.local") {
		t.Fatalf("banner lacks the generated credentials:\n%s", s.banner)
	}
	generated := pwLine[1]
	for _, f := range []string{"master.key", "initial-admin-password", "berth.db"} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	saved, _ := os.ReadFile(filepath.Join(dir, "initial-admin-password"))
	if !strings.Contains(string(saved), generated) {
		t.Fatal("the saved password differs from the printed one")
	}
	if strings.Contains(s.stderr.String(), generated) {
		t.Fatal("the generated password reached the log")
	}
	body, _ := json.Marshal(map[string]string{"email": "admin@berth.local", "password": generated})
	resp, err := http.Post(s.url+"/api/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("login with the printed password: %d", resp.StatusCode)
	}
	if err := s.stop(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, s.stderr)
	}

	// The second start keeps the admin, the key and the data, and prints no password.
	s2 := serve(t, dir)
	if strings.Contains(s2.banner, generated) || strings.Contains(s2.banner, "Password ") {
		t.Fatalf("second start printed a password:\n%s", s2.banner)
	}
	if !strings.Contains(s2.banner, "initial-admin-password") {
		t.Fatalf("second start does not say where the first password is:\n%s", s2.banner)
	}
	resp, err = http.Post(s2.url+"/api/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("login after restart: %d", resp.StatusCode)
	}
	if err := s2.stop(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, s2.stderr)
	}

	// A later start configured with another admin names the admin there is.
	s3 := serve(t, dir, "BERTH_ADMIN_EMAIL=someone-else@example.test", "BERTH_ADMIN_PASSWORD=a long enough password here")
	if !strings.Contains(s3.banner, "admin@berth.local") || strings.Contains(s3.banner, "someone-else@example.test") {
		t.Fatalf("the banner does not name the real first admin:\n%s", s3.banner)
	}
}

// TestServeWarnsUnknownEnv: a misspelt BERTH_* variable, which Load
// ignores, is reported in the log at start with the key that was likely
// meant, and without its value; config print says the same on stderr.
func TestServeWarnsUnknownEnv(t *testing.T) {
	s := serve(t, filepath.Join(t.TempDir(), "data"), "BERTH_LISTNE=127.0.0.1:4321")
	logged := s.stderr.String()
	if !strings.Contains(logged, "did you mean BERTH_LISTEN?") || !strings.Contains(logged, "level=WARN") {
		t.Errorf("no warning for BERTH_LISTNE in the log:\n%s", logged)
	}
	if strings.Contains(logged, "4321") {
		t.Errorf("the warning shows the variable's value:\n%s", logged)
	}
	_, stderr, code := run(t, []string{"BERTH_LISTNE=127.0.0.1:4321"}, "config", "print")
	if code != 0 || !strings.Contains(stderr, "did you mean BERTH_LISTEN?") {
		t.Errorf("config print: code %d, stderr %q", code, stderr)
	}
}

func TestServeAdminFromEnvAndMasterKey(t *testing.T) {
	dir := t.TempDir()
	s := serve(t, dir, "BERTH_ADMIN_EMAIL=Root@Example.test", "BERTH_ADMIN_PASSWORD=a configured admin password",
		"BERTH_MASTER_KEY=BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=")
	if !strings.Contains(s.banner, "root@example.test") || strings.Contains(s.banner, "a configured admin password") {
		t.Fatalf("banner:\n%s", s.banner)
	}
	for _, f := range []string{"master.key", "initial-admin-password"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("%s written although configured: %v", f, err)
		}
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}

func TestServeRefusesWeakAdminPassword(t *testing.T) {
	_, stderr, code := run(t, []string{"BERTH_ADMIN_EMAIL=a@example.test", "BERTH_ADMIN_PASSWORD=short"},
		"serve", "--data-dir", t.TempDir(), "--listen", "127.0.0.1:0", "--metrics-listen", "")
	if code != 1 || !strings.Contains(stderr, "BERTH_ADMIN_PASSWORD") {
		t.Fatalf("code %d, stderr %s", code, stderr)
	}
}

// TestGracefulShutdown sends SIGTERM while a request is half sent: the
// request still gets its answer and the process exits 0.
func TestGracefulShutdown(t *testing.T) {
	s := serve(t, t.TempDir())
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"email":"nobody@example.test","password":"wrong password entirely"}`
	fmt.Fprintf(conn, "POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
	_, _ = io.WriteString(conn, body[:10])
	time.Sleep(100 * time.Millisecond)
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	_, _ = io.WriteString(conn, body[10:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request lost at shutdown: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("in-flight request answered %d", resp.StatusCode)
	}
	select {
	case err := <-s.done:
		s.done <- err
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, s.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	if !strings.Contains(s.stderr.String(), "event=stop") {
		t.Fatalf("no clean stop logged:\n%s", s.stderr)
	}
}

func TestConfigPrint(t *testing.T) {
	file := filepath.Join(t.TempDir(), "berth.toml")
	if err := os.WriteFile(file, []byte("listen = \"127.0.0.1:7000\"\nmetrics_listen = \"127.0.0.1:7001\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := run(t, []string{
		"BERTH_LISTEN=127.0.0.1:7100", "BERTH_MASTER_KEY=very-secret-key", "BERTH_ADMIN_PASSWORD=admin-secret-pw",
		"BERTH_ADMIN_EMAIL=a@example.test", "BERTH_DATABASE_URL=postgres://berth:db-secret@db.example/berth",
	}, "config", "print", "--config", file, "--data-dir", "/srv/berth")
	if code != 0 {
		t.Fatalf("code %d: %s", code, stderr)
	}
	for _, want := range []string{`"127.0.0.1:7100"`, `"127.0.0.1:7001"`, `"/srv/berth"`, "BERTH_REDIS_URL", "[auth]"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	for _, secret := range []string{"very-secret-key", "admin-secret-pw", "db-secret"} {
		if strings.Contains(out, secret) {
			t.Errorf("output shows %s:\n%s", secret, out)
		}
	}
}

func TestVersionAndUsage(t *testing.T) {
	out, _, code := run(t, nil, "version")
	if code != 0 || !strings.Contains(out, "berth 9.9.9-test") {
		t.Fatalf("%d %s", code, out)
	}
	out, _, code = run(t, nil)
	if code != 0 || !strings.Contains(out, "berth serve") {
		t.Fatalf("bare berth: %d %s", code, out)
	}
	tests := map[string][]string{
		"UnknownFlag":    {"serve", "--no-such-flag"},
		"UnknownCommand": {"frobnicate"},
		"ExtraArgs":      {"version", "extra"},
		"BadListen":      {"serve", "--listen", "nonsense"},
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			_, stderr, code := run(t, nil, args...)
			if code != 2 || !strings.HasPrefix(stderr, "berth: ") || strings.Count(strings.TrimSpace(stderr), "\n") > 2 {
				t.Fatalf("code %d, stderr %q", code, stderr)
			}
		})
	}
}

func TestServePortTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, stderr, code := run(t, nil, "serve", "--data-dir", t.TempDir(), "--listen", l.Addr().String(), "--metrics-listen", "")
	if code != 1 || !strings.Contains(stderr, "--listen") {
		t.Fatalf("code %d: %s", code, stderr)
	}
}

// runIn runs berth with stdin.
func runIn(t *testing.T, stdin string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"HOME=" + t.TempDir()}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), 0
}

// TestSignCurl signs a request with berth sign --curl and runs the line
// against a real server.
func TestSignCurl(t *testing.T) {
	s := serve(t, t.TempDir(), "BERTH_ADMIN_EMAIL=root@example.test", "BERTH_ADMIN_PASSWORD=a configured admin password")
	body, _ := json.Marshal(map[string]string{"email": "root@example.test", "password": "a configured admin password"})
	resp, err := http.Post(s.url+"/api/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodPost, s.url+"/api/keypairs", strings.NewReader(`{"name":"sign test"}`))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var kp struct {
		AccessKey string `json:"access_key"`
		SecretKey string `json:"secret_key"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&kp)
	resp.Body.Close()

	line, stderr, code := runIn(t, kp.SecretKey+"\n", nil, "sign", "PATCH", s.url+"/api/users/me",
		"-d", `{"name":"Signed O'Neil"}`, "-H", "Content-Type: application/json", "--key", kp.AccessKey, "--secret-stdin", "--curl")
	if code != 0 || !strings.HasPrefix(line, "curl ") {
		t.Fatalf("sign: %d %s %s", code, line, stderr)
	}
	if strings.Contains(line, kp.SecretKey) {
		t.Fatal("the curl line contains the secret")
	}
	out, err := exec.Command("sh", "-c", line).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"name":"Signed O'Neil"`) {
		t.Fatalf("curl: %v %s", err, out)
	}
	// The same line again is a replay.
	out, _ = exec.Command("sh", "-c", line).CombinedOutput()
	if !strings.Contains(string(out), "replayed-request") {
		t.Fatalf("replayed curl line: %s", out)
	}

	headers, _, code := runIn(t, "", []string{"BERTH_SECRET_KEY=" + kp.SecretKey}, "sign", "GET", s.url+"/api/users/me", "--key", kp.AccessKey)
	if code != 0 || !strings.Contains(headers, "Authorization: BERTH-HMAC-SHA256 Credential="+kp.AccessKey+"/") ||
		!strings.Contains(headers, "X-Berth-Nonce: ") {
		t.Fatalf("headers: %s", headers)
	}
	for name, args := range map[string][]string{
		"NoKey":    {"sign", "GET", s.url + "/api/users/me", "--secret-stdin"},
		"NoSecret": {"sign", "GET", s.url + "/api/users/me", "--key", "BKX"},
		"BadURL":   {"sign", "GET", "not a url", "--key", "BKX", "--secret-stdin"},
		"NoArgs":   {"sign"},
	} {
		t.Run(name, func(t *testing.T) {
			_, stderr, code := runIn(t, "", nil, args...)
			if code != 2 || !strings.HasPrefix(stderr, "berth: ") {
				t.Fatalf("%d %q", code, stderr)
			}
		})
	}
}
