package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Credentials of the first admin of every server a script starts.
const (
	scriptAdminEmail    = "admin@example.test"
	scriptAdminPassword = "river lantern paper stone"
)

// TestScripts runs the CLI scripts in testdata/script: the real binary
// against a real server, each script with its own server (started by the
// startserver command), configuration file and home.
//
// Scripts see $SERVER, $EMAIL, $PASSWORD (after startserver), $ECHO_WASM
// (a tiny ready module), $BERTH_CONFIG and $HOME, and these commands:
//
//	startserver              start berth serve on 127.0.0.1:0 with a fresh data dir
//	stopserver               stop it (SIGTERM), e.g. to see a client fail
//	jsonfield VAR PATH [WANT] set $VAR from the last stdout, a JSON value (PATH: a.b.0.c),
//	                         and require it to be WANT when given
//	writeenv FILE VAR        write $VAR to FILE, for stdin
//	checkmode PATH PERM      PATH has permission bits PERM (octal)
//	sleep DURATION           wait (execution records are written within ~100 ms)
//	exits CODE PROG ARGS...  run PROG and require exit code CODE; for 2 and 4, standard
//	                         error must be one line "berth: …" (or curl's status line)
func TestScripts(t *testing.T) {
	goEnv := goEnvironment(t)
	echo, err := filepath.Abs("../../internal/runtime/wasm/testdata/echo.wasm")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", filepath.Dir(binary)+string(os.PathListSeparator)+os.Getenv("PATH"))
			env.Setenv("HOME", filepath.Join(env.WorkDir, "home"))
			env.Setenv("BERTH_CLI_CONFIG", filepath.Join(env.WorkDir, "config", "berth.toml"))
			env.Setenv("ECHO_WASM", echo)
			env.Setenv("EMAIL", scriptAdminEmail)
			env.Setenv("PASSWORD", scriptAdminPassword)
			env.Values["server"] = &scriptServer{}
			for k, v := range goEnv {
				env.Setenv(k, v)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"startserver": startServerCmd,
			"stopserver":  stopServerCmd,
			"jsonfield":   jsonFieldCmd,
			"writeenv":    writeEnvCmd,
			"checkmode":   checkModeCmd,
			"sleep":       sleepCmd,
			"exits":       exitsCmd,
		},
	})
}

// goEnvironment is what a script's go build needs from the test's Go:
// its caches (HOME is not the real one) and no toolchain downloads.
func goEnvironment(t *testing.T) map[string]string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	v := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(v) != 4 {
		t.Fatalf("go env: %q", out)
	}
	return map[string]string{"GOCACHE": v[0], "GOMODCACHE": v[1], "GOPATH": v[2], "GOROOT": v[3],
		"GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod -buildvcs=false", "GOPROXY": "off"}
}

// scriptServer is the berth serve process of one script.
type scriptServer struct {
	cmd  *exec.Cmd
	done chan error
}

var httpStatusLine = regexp.MustCompile(`^HTTP/\S+ \d{3} `)

var bannerURL = regexp.MustCompile(`Open\s+(http://\S+?)/?$`)

func startServerCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: startserver")
	}
	s, ok := ts.Value("server").(*scriptServer)
	if !ok || s.cmd != nil {
		ts.Fatalf("startserver: one server per script")
	}
	dir := ts.MkAbs("server-data")
	cmd := exec.Command(binary, "serve", "--data-dir", dir, "--listen", "127.0.0.1:0", "--metrics-listen", "")
	cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "BERTH_ADMIN_EMAIL=" + scriptAdminEmail,
		"BERTH_ADMIN_PASSWORD=" + scriptAdminPassword, "BERTH_LOG_LEVEL=warn"}
	stdout, err := cmd.StdoutPipe()
	ts.Check(err)
	logFile, err := os.Create(ts.MkAbs("server.log"))
	ts.Check(err)
	cmd.Stderr = logFile
	ts.Check(cmd.Start())
	s.cmd, s.done = cmd, make(chan error, 1)
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := bannerURL.FindStringSubmatch(strings.TrimSpace(sc.Text())); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		s.done <- cmd.Wait()
		logFile.Close()
	}()
	ts.Defer(func() {
		_ = cmd.Process.Kill()
		<-s.done
	})
	select {
	case url := <-urls:
		waitLive(ts, url)
		ts.Setenv("SERVER", url)
	case err := <-s.done:
		s.done <- err
		ts.Fatalf("berth serve exited before serving: %v\n%s", err, ts.ReadFile("server.log"))
	case <-time.After(30 * time.Second):
		ts.Fatalf("no banner from berth serve within 30 s\n%s", ts.ReadFile("server.log"))
	}
}

func waitLive(ts *testscript.TestScript, url string) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/livez")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.Fatalf("%s/livez did not answer 200 within 10 s", url)
}

func stopServerCmd(ts *testscript.TestScript, neg bool, args []string) {
	s, ok := ts.Value("server").(*scriptServer)
	if neg || len(args) != 0 || !ok || s.cmd == nil {
		ts.Fatalf("usage: stopserver (after startserver)")
	}
	ts.Check(s.cmd.Process.Signal(os.Interrupt))
	select {
	case err := <-s.done:
		s.done <- err
		if err != nil {
			ts.Fatalf("berth serve stopped with %v", err)
		}
	case <-time.After(20 * time.Second):
		ts.Fatalf("berth serve did not stop within 20 s")
	}
}

// jsonFieldCmd sets $VAR to the value at PATH in the last command's
// stdout, which must be JSON; strings are set as they are, other values as
// JSON.
func jsonFieldCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 && len(args) != 3 {
		ts.Fatalf("usage: jsonfield VAR PATH [WANT]")
	}
	var v any
	if err := json.Unmarshal([]byte(ts.ReadFile("stdout")), &v); err != nil {
		ts.Fatalf("stdout is not JSON: %v", err)
	}
	for _, part := range strings.Split(args[1], ".") {
		switch node := v.(type) {
		case map[string]any:
			v = node[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(node) {
				v = nil
				break
			}
			v = node[i]
		default:
			v = nil
		}
	}
	if neg {
		if v != nil {
			ts.Fatalf("%s is present: %v", args[1], v)
		}
		return
	}
	if v == nil {
		ts.Fatalf("no %s in stdout", args[1])
	}
	s, ok := v.(string)
	if !ok {
		b, _ := json.Marshal(v)
		s = string(b)
	}
	if len(args) == 3 && s != args[2] {
		ts.Fatalf("%s is %s, want %s", args[1], s, args[2])
	}
	ts.Setenv(args[0], s)
}

func writeEnvCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: writeenv FILE VAR")
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(ts.Getenv(args[1])+"\n"), 0o600))
}

func checkModeCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: checkmode PATH PERM")
	}
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	fi, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	if got := uint64(fi.Mode().Perm()); (got == want) == neg {
		ts.Fatalf("%s has mode %o; want %s%o", args[0], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

func sleepCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}

func exitsCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("exit code %d, want %d", got, want)
	}
	stderr := ts.ReadFile("stderr")
	oneLine := strings.Count(stderr, "\n") == 1 && (strings.HasPrefix(stderr, "berth: ") || httpStatusLine.MatchString(stderr))
	if (want == 2 || want == 4) && !oneLine {
		ts.Fatalf("standard error is not one line \"berth: …\" (or curl's status line): %q", stderr)
	}
	if strings.Count(stderr, "berth: ") > 1 {
		ts.Fatalf("more than one error line: %q", stderr)
	}
}
