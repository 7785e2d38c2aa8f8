//go:build linux

package watchdog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the function: with BERTH_WD_HELPER set it
// behaves as that variable says instead of running the tests.
func TestMain(m *testing.M) {
	if h := os.Getenv("BERTH_WD_HELPER"); h != "" {
		helper(h)
		os.Exit(0)
	}
	// Helpers built with -race would wait a second at exit.
	_ = os.Setenv("GORACE", "atexit_sleep_ms=0")
	os.Exit(m.Run())
}

func helper(what string) {
	switch what {
	case "echo":
		fmt.Fprintf(os.Stderr, "helper: %s\n", os.Getenv("REQUEST_METHOD"))
		body, _ := io.ReadAll(os.Stdin)
		fmt.Printf("Content-Type: text/plain\nX-Secret: %s\n\n%s", os.Getenv("SECRET"), body)
	case "sleep":
		time.Sleep(time.Hour)
	case "sleep-with-child":
		child := exec.Command(os.Args[0])
		child.Env = append(os.Environ(), "BERTH_WD_HELPER=sleep")
		_ = child.Start()
		_ = os.WriteFile(os.Getenv("PIDFILE"), []byte(strconv.Itoa(child.Process.Pid)), 0o600)
		time.Sleep(time.Hour)
	case "flood":
		chunk := bytes.Repeat([]byte("x"), 32<<10)
		for {
			if _, err := os.Stdout.Write(chunk); err != nil {
				os.Exit(1)
			}
		}
	case "logflood":
		_, _ = os.Stderr.Write(bytes.Repeat([]byte("l"), 1<<20))
		fmt.Print("Content-Type: text/plain\n\nok")
	case "oom":
		_ = os.WriteFile(os.Getenv("OOMFILE"), []byte("oom_kill 1\n"), 0o600)
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	case "exit":
		fmt.Fprintln(os.Stderr, "bye")
		os.Exit(3)
	case "serve":
		fmt.Fprintln(os.Stderr, "serving")
		mux := http.NewServeMux()
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(os.Stderr, "served %s\n", r.URL.Path)
			w.Header().Set("X-Secret", os.Getenv("SECRET"))
			w.Header().Set("X-Forwarded", r.Header.Get("X-Forwarded-For"))
			w.Header().Set("X-Leaked", r.Header.Get(HeaderTimeout))
			w.WriteHeader(http.StatusCreated)
			body, _ := io.ReadAll(r.Body)
			_, _ = w.Write(body)
		})
		mux.HandleFunc("/die", func(http.ResponseWriter, *http.Request) { os.Exit(4) })
		mux.HandleFunc("/slow", func(http.ResponseWriter, *http.Request) { time.Sleep(time.Hour) })
		srv := &http.Server{Addr: "127.0.0.1:" + os.Getenv("PORT"), Handler: mux, ReadHeaderTimeout: time.Second}
		_ = srv.ListenAndServe()
	}
}

func newServer(t *testing.T, mode string, port int) *httptest.Server {
	t.Helper()
	oom := filepath.Join(t.TempDir(), "oom")
	if err := os.WriteFile(oom, []byte("oom_kill 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(Config{Socket: "unused", Mode: mode, Port: port, Command: []string{os.Args[0]}, OOMFiles: []string{oom}})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("OOMFILE", oom)
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		hs.Close()
		s.Close()
	})
	return hs
}

func start(t *testing.T, hs *httptest.Server, env map[string]string) (int, Status) {
	t.Helper()
	return startWithin(t, hs, env, "3000")
}

func startWithin(t *testing.T, hs *httptest.Server, env map[string]string, ms string) (int, Status) {
	t.Helper()
	body, _ := json.Marshal(StartRequest{Env: env, Spec: "s1"})
	req, _ := http.NewRequest(http.MethodPost, hs.URL+PathStart, bytes.NewReader(body))
	req.Header.Set(HeaderTimeout, ms)
	resp, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, st
}

func limits(timeoutMS int64) CallLimits {
	return CallLimits{TimeoutMS: timeoutMS, MaxOutput: 1 << 20, MaxLogs: 4 << 10}
}

func execCall(t *testing.T, hs *httptest.Server, env [][2]string, stdin string, lim CallLimits) *Result {
	t.Helper()
	e := EncodeEnv(env)
	req, _ := http.NewRequest(http.MethodPost, hs.URL+PathExec, io.MultiReader(bytes.NewReader(e), strings.NewReader(stdin)))
	req.Header.Set(HeaderEnvBytes, strconv.Itoa(len(e)))
	lim.SetHeaders(req.Header)
	resp, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	res, err := ReadResult(resp, 16<<20)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func helperEnv(what string, more ...string) [][2]string {
	env := [][2]string{{"BERTH_WD_HELPER", what}}
	for i := 0; i+1 < len(more); i += 2 {
		env = append(env, [2]string{more[i], more[i+1]})
	}
	return env
}

func TestExec(t *testing.T) {
	hs := newServer(t, ModeExec, 0)
	if code, st := start(t, hs, nil); code != http.StatusOK || !st.Ready {
		t.Fatalf("start: %d %+v", code, st)
	}
	t.Run("OK", func(t *testing.T) {
		res := execCall(t, hs, helperEnv("echo", "REQUEST_METHOD", "PUT", "SECRET", "s3"), "body!", limits(5000))
		if res.Outcome != OutcomeOK || string(res.Output) != "Content-Type: text/plain\nX-Secret: s3\n\nbody!" || string(res.Logs) != "helper: PUT\n" {
			t.Fatalf("%+v output %q logs %q", res, res.Output, res.Logs)
		}
	})
	t.Run("Exit", func(t *testing.T) {
		res := execCall(t, hs, helperEnv("exit"), "", limits(5000))
		if res.Outcome != OutcomeExit || res.Detail != "exit status 3" || string(res.Logs) != "bye\n" {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("TimeoutKillsTheGroup", func(t *testing.T) {
		pidfile := filepath.Join(t.TempDir(), "pid")
		start := time.Now()
		res := execCall(t, hs, helperEnv("sleep-with-child", "PIDFILE", pidfile), "", limits(300))
		if res.Outcome != OutcomeTimeout || time.Since(start) > 3*time.Second {
			t.Fatalf("%+v after %s", res, time.Since(start))
		}
		data, _ := os.ReadFile(pidfile)
		pid, _ := strconv.Atoi(string(data))
		if pid == 0 || alive(pid) {
			t.Fatalf("the command's child %d outlived the call", pid)
		}
	})
	t.Run("OutputTooLarge", func(t *testing.T) {
		lim := limits(5000)
		lim.MaxOutput = 100 << 10
		res := execCall(t, hs, helperEnv("flood"), "", lim)
		if res.Outcome != OutcomeOutputTooLarge || len(res.Output) != 0 {
			t.Fatalf("%s with %d bytes of output", res.Outcome, len(res.Output))
		}
	})
	t.Run("LogsCapped", func(t *testing.T) {
		res := execCall(t, hs, helperEnv("logflood"), "", limits(5000))
		if res.Outcome != OutcomeOK || len(res.Logs) != 4<<10 || !res.LogsTruncated {
			t.Fatalf("%s, %d bytes of logs, truncated %v", res.Outcome, len(res.Logs), res.LogsTruncated)
		}
	})
	t.Run("OutOfMemory", func(t *testing.T) {
		res := execCall(t, hs, helperEnv("oom", "OOMFILE", os.Getenv("OOMFILE")), "", limits(5000))
		if res.Outcome != OutcomeOutOfMemory {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("ProtocolErrors", func(t *testing.T) {
		for name, h := range map[string]http.Header{
			"NoLimits":  {HeaderEnvBytes: {"0"}},
			"BadEnvLen": {HeaderEnvBytes: {"-1"}, HeaderTimeout: {"1"}, HeaderMaxOutput: {"1"}, HeaderMaxLogs: {"1"}},
		} {
			req, _ := http.NewRequest(http.MethodPost, hs.URL+PathExec, nil)
			req.Header = h
			resp, err := hs.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: HTTP %d", name, resp.StatusCode)
			}
		}
	})
}

// alive reports whether pid runs (a zombie does not count).
func alive(pid int) bool {
	for range 100 {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return false
		}
		if f := strings.Fields(string(data)); len(f) > 2 && f[2] == "Z" {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func forward(t *testing.T, hs *httptest.Server, path string, lim CallLimits) *Result {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, hs.URL+path, strings.NewReader("payload"))
	req.Header.Set(HeaderInvoke, ModeHTTP)
	req.Header.Set(HeaderRemoteAddr, "203.0.113.9")
	req.Header.Set("Connection", "X-Hop")
	lim.SetHeaders(req.Header)
	resp, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	res, err := ReadResult(resp, 16<<20)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestHTTP(t *testing.T) {
	hs := newServer(t, ModeHTTP, freePort(t))
	code, st := start(t, hs, map[string]string{"BERTH_WD_HELPER": "serve", "SECRET": "s3"})
	if code != http.StatusOK || !st.Ready || st.Spec != "s1" {
		t.Fatalf("start: %d %+v", code, st)
	}
	if code, _ := start(t, hs, nil); code != http.StatusOK {
		t.Fatalf("a second start with the same spec: %d", code)
	}
	t.Run("Forward", func(t *testing.T) {
		for i := range 50 { // the log line written before the answer is always there
			res := forward(t, hs, fmt.Sprintf("/p/%d?q=1", i), limits(5000))
			out := string(res.Output)
			if res.Outcome != OutcomeOK || !strings.HasPrefix(out, "Status: 201\r\n") || !strings.HasSuffix(out, "\r\n\r\npayload") ||
				!strings.Contains(out, "X-Secret: s3\r\n") || !strings.Contains(out, "X-Forwarded: 203.0.113.9\r\n") ||
				!strings.Contains(out, "X-Leaked: \r\n") {
				t.Fatalf("%+v output %q", res, out)
			}
			if want := fmt.Sprintf("served /p/%d\n", i); !strings.HasSuffix(string(res.Logs), want) {
				t.Fatalf("call %d: logs %q lack %q", i, res.Logs, want)
			}
		}
	})
	t.Run("Timeout", func(t *testing.T) {
		res := forward(t, hs, "/slow", limits(200))
		if res.Outcome != OutcomeTimeout {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("ServerDies", func(t *testing.T) {
		res := forward(t, hs, "/die", limits(5000))
		if res.Outcome != OutcomeCrashed || !res.Retire || !strings.Contains(res.Detail, "exit status 4") {
			t.Fatalf("%+v", res)
		}
		resp, err := hs.Client().Get(hs.URL + PathReady)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("readyz after the server died: %d", resp.StatusCode)
		}
	})
}

func TestExecStartFails(t *testing.T) {
	s, err := NewServer(Config{Socket: "unused", Mode: ModeExec, Command: []string{"/no/such/program"}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer hs.Close()
	code, st := start(t, hs, nil)
	if code != http.StatusServiceUnavailable || st.Ready || !strings.Contains(st.Error, "/no/such/program") {
		t.Fatalf("%d %+v", code, st)
	}
	resp, err := hs.Client().Get(hs.URL + PathReady)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz after a failed start: %d", resp.StatusCode)
	}
}

func TestHTTPStartFails(t *testing.T) {
	t.Run("Exits", func(t *testing.T) {
		hs := newServer(t, ModeHTTP, freePort(t))
		code, st := start(t, hs, map[string]string{"BERTH_WD_HELPER": "exit"})
		if code != http.StatusServiceUnavailable || st.Outcome != OutcomeExit || st.Logs != "bye\n" || !strings.Contains(st.Error, "exit status 3") {
			t.Fatalf("%d %+v", code, st)
		}
	})
	t.Run("NeverListens", func(t *testing.T) {
		hs := newServer(t, ModeHTTP, freePort(t))
		code, st := startWithin(t, hs, map[string]string{"BERTH_WD_HELPER": "sleep"}, "300")
		if code != http.StatusGatewayTimeout || st.Outcome != OutcomeTimeout {
			t.Fatalf("%d %+v", code, st)
		}
	})
}

func TestServeOnSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), SocketName)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, Config{Socket: sock, Mode: ModeExec, Command: []string{os.Args[0]}})
	}()
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	var resp *http.Response
	var err error
	for range 200 {
		if resp, err = client.Get("http://wd" + PathHealth); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Perm() != 0o666 {
		t.Fatalf("socket: %v %v", fi, err)
	}
	resp, err = client.Get("http://wd" + PathReady)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("ready before start: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestEnvRoundTrip(t *testing.T) {
	env := [][2]string{{"A", "1"}, {"B", "x=y"}, {"EMPTY", ""}}
	got, err := DecodeEnv(EncodeEnv(env))
	if err != nil || strings.Join(got, ",") != "A=1,B=x=y,EMPTY=" {
		t.Fatalf("%q %v", got, err)
	}
	for _, bad := range []string{"A=1", "=x\x00", "noequals\x00"} {
		if _, err := DecodeEnv([]byte(bad)); err == nil {
			t.Errorf("DecodeEnv(%q) accepted", bad)
		}
	}
}

func FuzzDecodeEnv(f *testing.F) {
	f.Add([]byte("A=1\x00B=2\x00"))
	f.Add([]byte("=\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := DecodeEnv(data)
		if err != nil {
			return
		}
		for _, kv := range env {
			if i := strings.IndexByte(kv, '='); i <= 0 || strings.ContainsRune(kv, 0) {
				t.Fatalf("entry %q passed", kv)
			}
		}
	})
}

func TestReadResultRefuses(t *testing.T) {
	cases := map[string]func(http.Header){
		"NoOutcome":     func(h http.Header) { h.Del(HeaderOutcome) },
		"BadLength":     func(h http.Header) { h.Set(HeaderOutputBytes, "x") },
		"LengthTooLong": func(h http.Header) { h.Set(HeaderOutputBytes, "99") },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			(&Result{Outcome: OutcomeOK, Output: []byte("out"), Logs: []byte("log")}).Write(rec)
			resp := rec.Result()
			edit(resp.Header)
			if _, err := ReadResult(resp, 1<<20); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
