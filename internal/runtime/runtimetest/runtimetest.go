package runtimetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-platform/berth"
)

// Fixture is an artefact on local disk.
type Fixture struct {
	Path        string
	ContentType string
}

// Fixtures are the artefacts the suite deploys. Fields marked optional may
// be left empty; their subtests are skipped.
type Fixtures struct {
	// Echo implements the echo contract. Log on stderr the line
	// "echo: <REQUEST_METHOD> <PATH_INFO>". Answer with these headers:
	//   Status: <HTTP_X_STATUS>      only when the X-Status header was sent
	//   Content-Type: text/plain; charset=utf-8
	//   X-Method: <REQUEST_METHOD>
	//   X-Path: <PATH_INFO>
	//   X-Query: <QUERY_STRING>
	//   X-Content-Length: <CONTENT_LENGTH>
	//   X-Test: <HTTP_X_TEST>        when set
	//   X-Greeting: <GREETING>       when set (the function's environment)
	// and the request body, unchanged, as the body.
	Echo Fixture
	// Loop never answers: ErrTimeout.
	Loop Fixture
	// Flood writes to stdout without end: ErrOutputTooLarge.
	Flood Fixture
	// BadResponse writes a header and a body without the blank line between
	// them: ErrBadResponse.
	BadResponse Fixture
	// Crash logs a line, then exits non-zero (or traps) before answering:
	// ErrCrashed.
	Crash Fixture
	// Hog (optional) allocates memory without end: ErrOutOfMemory under a
	// 16 MiB limit.
	Hog Fixture
	// Invalid is refused by Prepare with ErrBadArtefact.
	Invalid Fixture
}

// Run runs the suite. newRuntime returns a fresh runtime for each subtest
// and registers its own clean-up with t.Cleanup.
func Run(t *testing.T, newRuntime func(t *testing.T) berth.Runtime, fx Fixtures) {
	s := &suite{newRuntime: newRuntime, fx: fx}
	tests := []struct {
		name string
		fn   func(*testing.T)
	}{
		{"Echo", s.echo},
		{"Status", s.status},
		{"EmptyBody", s.emptyBody},
		{"CGIVariablesWinOverEnv", s.cgiWins},
		{"Timeout", s.timeout},
		{"OutputTooLarge", s.outputTooLarge},
		{"BadResponse", s.badResponse},
		{"Crash", s.crash},
		{"OutOfMemory", s.outOfMemory},
		{"Concurrent", s.concurrent},
		{"PrepareTwice", s.prepareTwice},
		{"PrepareInvalid", s.prepareInvalid},
		{"RemoveThenInvoke", s.removeThenInvoke},
		{"RemoveUnknown", s.removeUnknown},
		{"InvokeUnprepared", s.invokeUnprepared},
	}
	// Optional capabilities (berth.Activator, berth.BuildLogger) are tested
	// for a runtime that has them, so that a renamed method fails here and
	// not silently in the manager (each implementation also has a
	// compile-time guard).
	probe := newRuntime(t)
	if _, ok := probe.(berth.Activator); ok {
		tests = append(tests, struct {
			name string
			fn   func(*testing.T)
		}{"Activate", s.activate})
	}
	if _, ok := probe.(berth.BuildLogger); ok {
		tests = append(tests, struct {
			name string
			fn   func(*testing.T)
		}{"BuildLog", s.buildLog})
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.fn)
	}
}

type suite struct {
	newRuntime func(t *testing.T) berth.Runtime
	fx         Fixtures
}

// ref describes a fixture as a deployment of its own function.
func ref(t *testing.T, f Fixture) berth.DeploymentRef {
	t.Helper()
	if f.Path == "" {
		t.Skip("fixture not supplied")
	}
	data, err := os.ReadFile(f.Path)
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	sum := sha256.Sum256(data)
	return berth.DeploymentRef{
		FunctionID:   "fn-" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()),
		Version:      1,
		ArtefactPath: f.Path,
		ContentType:  f.ContentType,
		SHA256:       hex.EncodeToString(sum[:]),
	}
}

// deploy returns a runtime with f prepared.
func (s *suite) deploy(t *testing.T, f Fixture) (berth.Runtime, berth.DeploymentRef) {
	t.Helper()
	d := ref(t, f)
	rt := s.newRuntime(t)
	if err := rt.Prepare(ctx(t), d); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	return rt, d
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func request(method, path, query, body string) *berth.InvokeRequest {
	return &berth.InvokeRequest{
		ExecutionID: "exec-1",
		Method:      method,
		Path:        path,
		RawQuery:    query,
		Header:      http.Header{"Content-Type": {"text/plain"}},
		Body:        []byte(body),
		RemoteAddr:  "127.0.0.1:40000",
		Limits:      berth.Limits{MemoryMB: 64, Timeout: 30 * time.Second, MaxOutputBytes: 1 << 20, MaxLogBytes: 16 << 10},
	}
}

func invoke(t *testing.T, rt berth.Runtime, d berth.DeploymentRef, req *berth.InvokeRequest) *berth.InvokeResponse {
	t.Helper()
	resp, err := rt.Invoke(ctx(t), d, req)
	if err != nil {
		t.Fatalf("Invoke: %v (logs %q)", err, logsOf(resp))
	}
	return resp
}

func logsOf(r *berth.InvokeResponse) []string {
	if r == nil {
		return nil
	}
	return r.Logs
}

// wantErr invokes and checks the error kind; the response, when given,
// must carry the logs.
func wantErr(t *testing.T, rt berth.Runtime, d berth.DeploymentRef, req *berth.InvokeRequest, want error) (*berth.InvokeResponse, error) {
	t.Helper()
	resp, err := rt.Invoke(ctx(t), d, req)
	if !errors.Is(err, want) {
		t.Fatalf("Invoke error = %v, want %v", err, want)
	}
	return resp, err
}

func (s *suite) echo(t *testing.T) {
	rt, d := s.deploy(t, s.fx.Echo)
	req := request("POST", "/greet/you", "lang=en&x=1", "ping body")
	req.Header.Set("X-Test", "hello there")
	req.Env = map[string]string{"GREETING": "hi"}
	resp := invoke(t, rt, d, req)
	if resp.Status != http.StatusOK || string(resp.Body) != "ping body" {
		t.Fatalf("status %d, body %q", resp.Status, resp.Body)
	}
	want := map[string]string{
		"Content-Type":     "text/plain; charset=utf-8",
		"X-Method":         "POST",
		"X-Path":           "/greet/you",
		"X-Query":          "lang=en&x=1",
		"X-Content-Length": "9",
		"X-Test":           "hello there",
		"X-Greeting":       "hi",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if !containsLine(resp.Logs, "echo: POST /greet/you") {
		t.Errorf("logs %q lack the echo line", resp.Logs)
	}
}

func (s *suite) status(t *testing.T) {
	rt, d := s.deploy(t, s.fx.Echo)
	req := request("GET", "/missing", "", "")
	req.Header.Set("X-Status", "404 Not Found")
	resp := invoke(t, rt, d, req)
	if resp.Status != http.StatusNotFound {
		t.Fatalf("status %d, want 404", resp.Status)
	}
	if resp.Header.Get("Status") != "" {
		t.Fatalf("Status leaked into the headers: %v", resp.Header)
	}
}

func (s *suite) emptyBody(t *testing.T) {
	rt, d := s.deploy(t, s.fx.Echo)
	req := request("GET", "/", "", "")
	req.Body = nil
	resp := invoke(t, rt, d, req)
	if len(resp.Body) != 0 || resp.Header.Get("X-Content-Length") != "0" {
		t.Fatalf("body %q, X-Content-Length %q", resp.Body, resp.Header.Get("X-Content-Length"))
	}
}

func (s *suite) cgiWins(t *testing.T) {
	rt, d := s.deploy(t, s.fx.Echo)
	req := request("DELETE", "/x", "", "")
	req.Env = map[string]string{"REQUEST_METHOD": "FAKE", "PATH_INFO": "/fake", "GREETING": "hello"}
	resp := invoke(t, rt, d, req)
	if m, p := resp.Header.Get("X-Method"), resp.Header.Get("X-Path"); m != "DELETE" || p != "/x" {
		t.Fatalf("X-Method %q, X-Path %q: the function's env replaced CGI variables", m, p)
	}
	if g := resp.Header.Get("X-Greeting"); g != "hello" {
		t.Fatalf("X-Greeting %q", g)
	}
}

func (s *suite) timeout(t *testing.T) {
	rt, d := s.deploy(t, s.fx.Loop)
	req := request("GET", "/", "", "")
	req.Limits.Timeout = 300 * time.Millisecond
	start := time.Now()
	_, _ = wantErr(t, rt, d, req, berth.ErrTimeout)
	if el := time.Since(start); el < req.Limits.Timeout || el > req.Limits.Timeout+10*time.Second {
		t.Fatalf("stopped after %s for a %s deadline", el, req.Limits.Timeout)
	}
}

func (s *suite) outputTooLarge(t *testing.T) {
	rt, d := s.deploy(t, s.fx.Flood)
	req := request("GET", "/", "", "")
	req.Limits.MaxOutputBytes = 256 << 10
	_, _ = wantErr(t, rt, d, req, berth.ErrOutputTooLarge)
}

func (s *suite) badResponse(t *testing.T) {
	rt, d := s.deploy(t, s.fx.BadResponse)
	_, err := wantErr(t, rt, d, request("GET", "/", "", ""), berth.ErrBadResponse)
	if !strings.Contains(err.Error(), "blank line") {
		t.Fatalf("error %q does not say what is wrong", err)
	}
}

func (s *suite) crash(t *testing.T) {
	rt, d := s.deploy(t, s.fx.Crash)
	resp, _ := wantErr(t, rt, d, request("GET", "/", "", ""), berth.ErrCrashed)
	if resp == nil || len(resp.Logs) == 0 {
		t.Fatalf("a crash must come with the logs written before it: %+v", resp)
	}
}

func (s *suite) outOfMemory(t *testing.T) {
	rt, d := s.deploy(t, s.fx.Hog)
	req := request("GET", "/", "", "")
	req.Limits.MemoryMB = 16
	_, _ = wantErr(t, rt, d, req, berth.ErrOutOfMemory)
}

func (s *suite) concurrent(t *testing.T) {
	rt, d := s.deploy(t, s.fx.Echo)
	const workers, each = 16, 4
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				body := fmt.Sprintf("worker %d call %d %s", w, i, strings.Repeat("x", w*100))
				resp, err := rt.Invoke(ctx(t), d, request("PUT", fmt.Sprintf("/w/%d", w), "", body))
				switch {
				case err != nil:
					errs <- err
				case string(resp.Body) != body || resp.Header.Get("X-Path") != fmt.Sprintf("/w/%d", w):
					errs <- fmt.Errorf("worker %d got body %q path %q", w, resp.Body, resp.Header.Get("X-Path"))
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func (s *suite) prepareTwice(t *testing.T) {
	rt, d := s.deploy(t, s.fx.Echo)
	if err := rt.Prepare(ctx(t), d); err != nil {
		t.Fatalf("second Prepare: %v", err)
	}
	invoke(t, rt, d, request("GET", "/", "", ""))
}

func (s *suite) prepareInvalid(t *testing.T) {
	d := ref(t, s.fx.Invalid)
	err := s.newRuntime(t).Prepare(ctx(t), d)
	if !errors.Is(err, berth.ErrBadArtefact) {
		t.Fatalf("Prepare = %v, want ErrBadArtefact", err)
	}
}

func (s *suite) removeThenInvoke(t *testing.T) {
	rt, d := s.deploy(t, s.fx.Echo)
	invoke(t, rt, d, request("GET", "/", "", ""))
	if err := rt.Remove(ctx(t), d); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	_, _ = wantErr(t, rt, d, request("GET", "/", "", ""), berth.ErrNotDeployed)
	if err := rt.Remove(ctx(t), d); err != nil {
		t.Fatalf("second Remove: %v", err)
	}
}

func (s *suite) removeUnknown(t *testing.T) {
	rt := s.newRuntime(t)
	if err := rt.Remove(ctx(t), berth.DeploymentRef{FunctionID: "never-deployed", Version: 7}); err != nil {
		t.Fatalf("Remove of an unknown deployment: %v", err)
	}
}

func (s *suite) invokeUnprepared(t *testing.T) {
	rt := s.newRuntime(t)
	d := berth.DeploymentRef{FunctionID: "never-prepared", Version: 1}
	_, _ = wantErr(t, rt, d, request("GET", "/", "", ""), berth.ErrNotDeployed)
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if strings.Contains(l, want) {
			return true
		}
	}
	return false
}

// activate: after Activate of version 2, both versions still answer (a
// version let go of is prepared again) and activating again is harmless.
func (s *suite) activate(t *testing.T) {
	rt, v1 := s.deploy(t, s.fx.Echo)
	a := rt.(berth.Activator)
	v2 := v1
	v2.Version = 2
	if err := rt.Prepare(ctx(t), v2); err != nil {
		t.Fatalf("Prepare v2: %v", err)
	}
	for range 2 {
		if err := a.Activate(ctx(t), v2); err != nil {
			t.Fatalf("Activate: %v", err)
		}
	}
	for _, d := range []berth.DeploymentRef{v2, v1} {
		if _, err := rt.Invoke(ctx(t), d, request("GET", "/", "", "")); err != nil {
			t.Fatalf("version %d after Activate(v2): %v", d.Version, err)
		}
	}
}

// buildLog: a prepared deployment has a log (possibly empty); an unknown
// one is ErrNotDeployed.
func (s *suite) buildLog(t *testing.T) {
	rt, d := s.deploy(t, s.fx.Echo)
	bl := rt.(berth.BuildLogger)
	if _, err := bl.BuildLog(ctx(t), d); err != nil {
		t.Fatalf("BuildLog of a prepared deployment: %v", err)
	}
	unknown := d
	unknown.Version = 99
	if _, err := bl.BuildLog(ctx(t), unknown); !errors.Is(err, berth.ErrNotDeployed) {
		t.Fatalf("BuildLog of an unknown version = %v, want ErrNotDeployed", err)
	}
}
