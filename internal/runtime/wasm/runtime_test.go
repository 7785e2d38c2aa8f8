package wasm

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/artefact"
	"github.com/berth-platform/berth/internal/runtime/runtimetest"
)

func testdata(name string) string { return filepath.Join("testdata", name) }

func newRuntime(t testing.TB, cfg Config) *Runtime {
	t.Helper()
	rt, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	return rt
}

func refFor(t testing.TB, fn, path, contentType string) berth.DeploymentRef {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return berth.DeploymentRef{FunctionID: fn, Version: 1, ArtefactPath: path, ContentType: contentType, SHA256: hex.EncodeToString(sum[:])}
}

func prepared(t testing.TB, rt *Runtime, fn, module string) berth.DeploymentRef {
	t.Helper()
	d := refFor(t, fn, testdata(module), artefact.MediaTypeWasm)
	if err := rt.Prepare(context.Background(), d); err != nil {
		t.Fatalf("Prepare %s: %v", module, err)
	}
	return d
}

func get(limits berth.Limits) *berth.InvokeRequest {
	return &berth.InvokeRequest{Method: "GET", Path: "/", Header: http.Header{}, Limits: limits}
}

func TestConformance(t *testing.T) {
	wasmFixture := func(name string) runtimetest.Fixture {
		return runtimetest.Fixture{Path: testdata(name), ContentType: artefact.MediaTypeWasm}
	}
	runtimetest.Run(t, func(t *testing.T) berth.Runtime {
		return newRuntime(t, Config{CacheDir: t.TempDir()})
	}, runtimetest.Fixtures{
		Echo:        wasmFixture("echo.wasm"),
		Loop:        wasmFixture("loop.wasm"),
		Flood:       wasmFixture("flood.wasm"),
		BadResponse: wasmFixture("noblank.wasm"),
		Crash:       wasmFixture("exit3.wasm"),
		Hog:         wasmFixture("grow.wasm"),
		Invalid:     wasmFixture("nostart.wasm"),
	})
}

func TestHostileModules(t *testing.T) {
	rt := newRuntime(t, Config{})
	cases := []struct {
		module   string
		limits   berth.Limits
		want     error
		contains string
		logs     string // a log line the response must carry
	}{
		{"loop.wasm", berth.Limits{Timeout: 200 * time.Millisecond}, berth.ErrTimeout, "after 200ms", ""},
		{"grow.wasm", berth.Limits{MemoryMB: 8}, berth.ErrOutOfMemory, "more than 8 MiB", ""},
		{"flood.wasm", berth.Limits{MaxOutputBytes: 100 << 10}, berth.ErrOutputTooLarge, "102400 bytes", ""},
		{"trap.wasm", berth.Limits{}, berth.ErrCrashed, "a trap (unreachable)", "about to trap"},
		{"exit3.wasm", berth.Limits{}, berth.ErrCrashed, "exit status 3 before a complete response", "exiting with status 3"},
		{"noblank.wasm", berth.Limits{}, berth.ErrBadResponse, "no blank line", ""},
		{"badname.wasm", berth.Limits{}, berth.ErrBadResponse, `invalid header name "Bad Header"`, ""},
		{"bigheader.wasm", berth.Limits{}, berth.ErrBadResponse, "longer than 65536 bytes", ""},
	}
	for _, c := range cases {
		t.Run(strings.TrimSuffix(c.module, ".wasm"), func(t *testing.T) {
			d := prepared(t, rt, "fn-"+c.module, c.module)
			start := time.Now()
			resp, err := rt.Invoke(context.Background(), d, get(c.limits))
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.contains) {
				t.Fatalf("error = %v, want %v mentioning %q", err, c.want, c.contains)
			}
			if time.Since(start) > 10*time.Second {
				t.Fatalf("took %s", time.Since(start))
			}
			if resp == nil {
				t.Fatal("a function failure must come with a response carrying the logs")
			}
			if c.logs != "" && (len(resp.Logs) == 0 || resp.Logs[0] != c.logs) {
				t.Fatalf("logs = %q, want %q first", resp.Logs, c.logs)
			}
		})
	}
}

func TestPrepareRefuses(t *testing.T) {
	rt := newRuntime(t, Config{})
	echo, err := os.ReadFile(testdata("echo.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(t.TempDir(), "truncated.wasm")
	if err := os.WriteFile(truncated, echo[:len(echo)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path, contentType, contains string
	}{
		{"NoStart", testdata("nostart.wasm"), artefact.MediaTypeWasm,
			"module has no _start export: build it as a WASI command (GOOS=wasip1 / --target=wasm32-wasi)"},
		{"ForeignImport", testdata("badimport.wasm"), artefact.MediaTypeWasm, "imports env.http_fetch"},
		{"NotAModule", testdata("not-a-module.wasm"), artefact.MediaTypeWasm, "not a WebAssembly module"},
		{"NotAModuleUndeclared", testdata("not-a-module.wasm"), "", "neither a WebAssembly module"},
		{"Truncated", truncated, artefact.MediaTypeWasm, "not valid WebAssembly"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := rt.Prepare(context.Background(), refFor(t, "fn-"+c.name, c.path, c.contentType))
			if !errors.Is(err, berth.ErrBadArtefact) || !strings.Contains(err.Error(), c.contains) {
				t.Fatalf("Prepare = %v, want ErrBadArtefact mentioning %q", err, c.contains)
			}
		})
	}
}

func TestColdStartAfterRestart(t *testing.T) {
	cache := t.TempDir()
	first := newRuntime(t, Config{CacheDir: cache})
	d := prepared(t, first, "fn-echo", "echo.wasm")
	resp, err := first.Invoke(context.Background(), d, get(berth.Limits{}))
	if err != nil || resp.ColdStart {
		t.Fatalf("invoke after Prepare: cold=%v, %v", resp != nil && resp.ColdStart, err)
	}
	if entries, _ := os.ReadDir(cache); len(entries) == 0 {
		t.Fatal("nothing in the compilation cache")
	}
	_ = first.Close(context.Background())

	second := newRuntime(t, Config{CacheDir: cache})
	resp, err = second.Invoke(context.Background(), d, get(berth.Limits{}))
	if err != nil || !resp.ColdStart {
		t.Fatalf("first invoke after restart: cold=%v, %v", resp != nil && resp.ColdStart, err)
	}
	resp, err = second.Invoke(context.Background(), d, get(berth.Limits{}))
	if err != nil || resp.ColdStart {
		t.Fatalf("second invoke after restart: cold=%v, %v", resp != nil && resp.ColdStart, err)
	}
}

func TestLazyPrepareArtefactGone(t *testing.T) {
	rt := newRuntime(t, Config{})
	d := berth.DeploymentRef{FunctionID: "gone", Version: 3, ArtefactPath: filepath.Join(t.TempDir(), "missing.wasm"), ContentType: artefact.MediaTypeWasm}
	if _, err := rt.Invoke(context.Background(), d, get(berth.Limits{})); !errors.Is(err, berth.ErrNotDeployed) {
		t.Fatalf("Invoke = %v, want ErrNotDeployed", err)
	}
}

func TestSharedModule(t *testing.T) {
	rt := newRuntime(t, Config{})
	a := prepared(t, rt, "fn-a", "echo.wasm")
	b := prepared(t, rt, "fn-b", "echo.wasm")
	rt.mu.Lock()
	shared := rt.deployed[deployKey(a)].mod == rt.deployed[deployKey(b)].mod && len(rt.modules) == 1
	rt.mu.Unlock()
	if !shared {
		t.Fatal("two deployments of the same bytes compiled twice")
	}
	if err := rt.Remove(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Invoke(context.Background(), b, get(berth.Limits{})); err != nil {
		t.Fatalf("the other deployment broke: %v", err)
	}
	if err := rt.Remove(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if len(rt.modules) != 0 {
		t.Fatalf("compiled modules left after removing every deployment: %d", len(rt.modules))
	}
}

func TestRemoveDuringInvoke(t *testing.T) {
	rt := newRuntime(t, Config{})
	d := prepared(t, rt, "fn-loop", "loop.wasm")
	var wg sync.WaitGroup
	var err error
	wg.Go(func() {
		_, err = rt.Invoke(context.Background(), d, get(berth.Limits{Timeout: 500 * time.Millisecond}))
	})
	time.Sleep(100 * time.Millisecond)
	if rerr := rt.Remove(context.Background(), d); rerr != nil {
		t.Fatal(rerr)
	}
	wg.Wait()
	if !errors.Is(err, berth.ErrTimeout) {
		t.Fatalf("the running invocation ended with %v, want ErrTimeout", err)
	}
	if _, err := rt.Invoke(context.Background(), d, get(berth.Limits{})); !errors.Is(err, berth.ErrNotDeployed) {
		t.Fatalf("after Remove: %v", err)
	}
	if err := rt.Prepare(context.Background(), d); err != nil {
		t.Fatalf("Prepare after Remove: %v", err)
	}
}

func TestLogsTruncated(t *testing.T) {
	rt := newRuntime(t, Config{})
	d := prepared(t, rt, "fn-logs", "logflood.wasm")
	resp, err := rt.Invoke(context.Background(), d, get(berth.Limits{MaxLogBytes: 10_000}))
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "ok" {
		t.Fatalf("body %q", resp.Body)
	}
	n := len(resp.Logs)
	if n != 4 || resp.Logs[n-1] != truncatedMarker || len(resp.Logs[2]) != 10_000-2*4096 {
		t.Fatalf("got %d log lines ending %q", n, resp.Logs[n-1])
	}
}

func TestCompleteResponseThenExit(t *testing.T) {
	rt := newRuntime(t, Config{})
	d := prepared(t, rt, "fn-exitafter", "exitafter.wasm")
	resp, err := rt.Invoke(context.Background(), d, get(berth.Limits{}))
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "ok" || len(resp.Logs) != 1 || !strings.Contains(resp.Logs[0], "exit status 1 after its response") {
		t.Fatalf("body %q, logs %q", resp.Body, resp.Logs)
	}
	if resp.Header.Get("Content-Length") != "" {
		t.Fatal("Content-Length passed on")
	}
}

func TestMemoryLimitPerInvocation(t *testing.T) {
	rt := newRuntime(t, Config{})
	d := prepared(t, rt, "fn-echo", "echo.wasm")
	// The echo module needs one page for itself plus room for the
	// environment: a 1 MiB limit fits, a large environment does not.
	req := get(berth.Limits{MemoryMB: 1})
	if _, err := rt.Invoke(context.Background(), d, req); err != nil {
		t.Fatalf("small environment under 1 MiB: %v", err)
	}
	req.Env = map[string]string{"BIG": strings.Repeat("x", 2<<20)}
	if _, err := rt.Invoke(context.Background(), d, req); !errors.Is(err, berth.ErrOutOfMemory) {
		t.Fatalf("2 MiB environment under 1 MiB: %v, want ErrOutOfMemory", err)
	}
	req.Limits.MemoryMB = 8
	if _, err := rt.Invoke(context.Background(), d, req); err != nil {
		t.Fatalf("same module under 8 MiB: %v", err)
	}
}

func TestArchiveArtefact(t *testing.T) {
	echo, err := os.ReadFile(testdata("echo.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range []struct{ name, body string }{
		{"berth.toml", "[wasm]\nmodule = \"bin/echo.wasm\"\n"},
		{"bin/echo.wasm", string(echo)},
		{"bin/other.wasm", "not used"},
	} {
		_ = tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body))})
		_, _ = tw.Write([]byte(f.body))
	}
	_ = tw.Close()
	_ = zw.Close()
	path := filepath.Join(t.TempDir(), "artefact")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	rt := newRuntime(t, Config{})
	d := refFor(t, "fn-archive", path, artefact.MediaTypeGzip)
	if err := rt.Prepare(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	rt.mu.Lock()
	argv0 := rt.deployed[deployKey(d)].argv0
	rt.mu.Unlock()
	if argv0 != "echo.wasm" {
		t.Fatalf("argv0 = %q", argv0)
	}
	req := get(berth.Limits{})
	req.Body = []byte("from an archive")
	resp, err := rt.Invoke(context.Background(), d, req)
	if err != nil || string(resp.Body) != "from an archive" {
		t.Fatalf("Invoke: %v, %+v", err, resp)
	}
}

func TestRequestBody(t *testing.T) {
	rt := newRuntime(t, Config{MaxRequestBytes: 10})
	d := prepared(t, rt, "fn-echo", "echo.wasm")
	cases := []struct {
		name    string
		body    string
		want    string
		wantErr error
	}{
		{"AtMax", "0123456789", "0123456789", nil},
		{"Short", "01234", "01234", nil},
		{"Empty", "", "", nil},
		{"TooLarge", "0123456789ab", "", berth.ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := get(berth.Limits{})
			req.Body = []byte(c.body)
			resp, err := rt.Invoke(context.Background(), d, req)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("error = %v, want %v", err, c.wantErr)
				}
				return
			}
			if err != nil || string(resp.Body) != c.want {
				t.Fatalf("Invoke: %v, body %q", err, resp.Body)
			}
		})
	}
}

func TestDeadlineCutsHostSleep(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	sleep(ctx, int64(time.Hour))
	if time.Since(start) > 5*time.Second {
		t.Fatal("sleep outlived its context")
	}
}

// TestDeadlineDuringHostSleep runs modules that sleep in poll_oneoff past
// their deadline and answer as soon as they wake. wazero stops a module
// only when it next enters guest code, so such a module often finishes
// normally after the deadline; every call must still be a timeout. Many
// iterations, because it is a race.
func TestDeadlineDuringHostSleep(t *testing.T) {
	rt := newRuntime(t, Config{})
	for _, module := range []string{"sleep.wasm", "sleepexit.wasm"} {
		t.Run(strings.TrimSuffix(module, ".wasm"), func(t *testing.T) {
			d := prepared(t, rt, "fn-"+module, module)
			for i := range 50 {
				start := time.Now()
				resp, err := rt.Invoke(context.Background(), d, get(berth.Limits{Timeout: 20 * time.Millisecond}))
				if !errors.Is(err, berth.ErrTimeout) {
					status := 0
					if resp != nil {
						status = resp.Status
					}
					t.Fatalf("call %d: error = %v (status %d), want ErrTimeout", i, err, status)
				}
				if resp == nil {
					t.Fatalf("call %d: a timeout must come with a response carrying the logs", i)
				}
				if took := time.Since(start); took > 5*time.Second {
					t.Fatalf("call %d took %s: the host sleep outlived the deadline", i, took)
				}
			}
		})
	}
}

func TestCallerCancels(t *testing.T) {
	rt := newRuntime(t, Config{})
	d := prepared(t, rt, "fn-loop", "loop.wasm")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := rt.Invoke(ctx, d, get(berth.Limits{Timeout: time.Minute}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}

func TestNew(t *testing.T) {
	if _, err := New(Config{MaxMemoryMB: 5000}); err == nil {
		t.Fatal("MaxMemoryMB over 4096 accepted")
	}
	rt := newRuntime(t, Config{})
	if rt.limits.MemoryMB != DefaultMemoryMB || rt.limits.Timeout != DefaultTimeout ||
		rt.limits.MaxOutputBytes != DefaultMaxOutputBytes || rt.limits.MaxLogBytes != DefaultMaxLogBytes {
		t.Fatalf("defaults = %+v", rt.limits)
	}
	if got := rt.effectiveLimits(berth.Limits{MemoryMB: 1 << 20}).MemoryMB; got != DefaultMaxMemoryMB {
		t.Fatalf("MemoryMB not capped: %d", got)
	}
}

func TestNoSecretsInLogs(t *testing.T) {
	var buf bytes.Buffer
	rt := newRuntime(t, Config{Logger: slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	d := prepared(t, rt, "fn-echo", "echo.wasm")
	req := get(berth.Limits{})
	req.Env = map[string]string{"API_TOKEN": "env-secret-value"}
	req.Header.Set("Authorization", "Bearer header-secret-value")
	req.Body = []byte("body-secret-value")
	if _, err := rt.Invoke(context.Background(), d, req); err != nil {
		t.Fatal(err)
	}
	if err := rt.Remove(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"event":"wasm.compile"`) {
		t.Fatalf("no compile event logged: %s", buf.String())
	}
	for _, secret := range []string{"env-secret-value", "header-secret-value", "body-secret-value"} {
		if strings.Contains(buf.String(), secret) {
			t.Fatalf("log holds %q: %s", secret, buf.String())
		}
	}
}

func TestActivateUnloadsOtherVersions(t *testing.T) {
	rt := newRuntime(t, Config{})
	ctx := context.Background()
	v1 := prepared(t, rt, "fn-a", "echo.wasm")
	v2 := refFor(t, "fn-a", testdata("loop.wasm"), artefact.MediaTypeWasm)
	v2.Version = 2
	if err := rt.Prepare(ctx, v2); err != nil {
		t.Fatal(err)
	}
	other := prepared(t, rt, "fn-a-other", "echo.wasm") // a prefix of no other id
	if err := rt.Activate(ctx, v2); err != nil {
		t.Fatal(err)
	}
	rt.mu.Lock()
	_, v1Loaded := rt.deployed[deployKey(v1)]
	_, v2Loaded := rt.deployed[deployKey(v2)]
	_, otherLoaded := rt.deployed[deployKey(other)]
	rt.mu.Unlock()
	if v1Loaded || !v2Loaded || !otherLoaded {
		t.Fatalf("after Activate(v2): v1 loaded %v (want false), v2 %v, other function %v (want true)", v1Loaded, v2Loaded, otherLoaded)
	}
	// Unloaded is not removed: a rollback or a late call prepares v1 again.
	resp, err := rt.Invoke(ctx, v1, get(berth.Limits{}))
	if err != nil {
		t.Fatalf("invoking the unloaded version: %v", err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("unloaded version answered %d", resp.Status)
	}
	if _, err := rt.Invoke(ctx, other, get(berth.Limits{})); err != nil {
		t.Fatalf("the other function broke: %v", err)
	}
}
