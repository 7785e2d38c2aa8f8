package wasm

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/artefact"
)

const cPackages = "clang lld wasi-libc libclang-rt-14-dev-wasm32"

// buildExampleGo builds examples/hello-go for wasip1 into a temporary
// directory.
func buildExampleGo(tb testing.TB) string {
	tb.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		tb.Fatalf("go not on PATH: %v", err)
	}
	out := filepath.Join(tb.TempDir(), "hello-go.wasm")
	cmd := exec.Command(goBin, "build", "-o", out, "github.com/berth-platform/berth/examples/hello-go")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("build examples/hello-go: %v\n%s", err, msg)
	}
	return out
}

// buildExampleC builds examples/hello-c with clang and wasi-libc into a
// temporary directory. Without clang it skips, or fails when CI=true.
func buildExampleC(tb testing.TB) string {
	tb.Helper()
	clang, err := exec.LookPath("clang")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("clang not found: apt-get install -y %s", cPackages)
		}
		tb.Skipf("clang not found (apt-get install -y %s)", cPackages)
	}
	out := filepath.Join(tb.TempDir(), "hello-c.wasm")
	src := filepath.Join("..", "..", "..", "examples", "hello-c", "hello.c")
	if msg, err := exec.Command(clang, "--target=wasm32-wasi", "-O2", "-o", out, src).CombinedOutput(); err != nil {
		tb.Fatalf("build examples/hello-c (needs %s): %v\n%s", cPackages, err, msg)
	}
	return out
}

func TestExampleGo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and compiles a 3 MB module")
	}
	path := buildExampleGo(t)
	cache := t.TempDir() // compiled once, loaded from disk by the second runtime
	t.Run("OK", func(t *testing.T) { exampleGoOK(t, path, cache) })
	t.Run("OutOfMemory", func(t *testing.T) { exampleGoOutOfMemory(t, path, cache) })
}

func exampleGoOK(t *testing.T, path, cache string) {
	rt := newRuntime(t, Config{CacheDir: cache})
	d := refFor(t, "hello-go", path, artefact.MediaTypeWasm)
	if err := rt.Prepare(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	req := get(berth.Limits{})
	req.Method, req.Path, req.RawQuery = "POST", "/hi", "name=Ada"
	req.Body = []byte("12345")
	resp, err := rt.Invoke(context.Background(), d, req)
	if err != nil {
		t.Fatalf("Invoke: %v (logs %q)", err, resp.Logs)
	}
	var g struct {
		Message    string `json:"message"`
		Method     string `json:"method"`
		Path       string `json:"path"`
		Query      string `json:"query"`
		BodyLength int    `json:"body_length"`
	}
	if err := json.Unmarshal(resp.Body, &g); err != nil {
		t.Fatalf("body %q: %v", resp.Body, err)
	}
	if resp.Header.Get("Content-Type") != "application/json" || g.Message != "Hello, Ada!" || g.Method != "POST" ||
		g.Path != "/hi" || g.Query != "name=Ada" || g.BodyLength != 5 {
		t.Fatalf("response %v %+v", resp.Header, g)
	}
	if len(resp.Logs) != 1 || resp.Logs[0] != "greeting Ada (5 body bytes)" {
		t.Fatalf("logs %q", resp.Logs)
	}
}

func exampleGoOutOfMemory(t *testing.T, path, cache string) {
	rt := newRuntime(t, Config{CacheDir: cache})
	d := refFor(t, "hello-go", path, artefact.MediaTypeWasm)
	// The Go runtime starts in 3 MiB but cannot grow its heap there: it
	// exits with status 2, which must be reported as running out of memory,
	// not as a crash.
	resp, err := rt.Invoke(context.Background(), d, get(berth.Limits{MemoryMB: 3}))
	if !errors.Is(err, berth.ErrOutOfMemory) || !strings.Contains(err.Error(), "needed more than 3 MiB") {
		t.Fatalf("Invoke under 3 MiB: %v", err)
	}
	if !resp.ColdStart {
		t.Fatal("a lazily prepared call must report a cold start")
	}
}

func TestExampleC(t *testing.T) {
	rt := newRuntime(t, Config{})
	d := refFor(t, "hello-c", buildExampleC(t), artefact.MediaTypeWasm)
	if err := rt.Prepare(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	req := get(berth.Limits{})
	req.Method = "PUT"
	req.Body = []byte("echo me")
	resp, err := rt.Invoke(context.Background(), d, req)
	if err != nil {
		t.Fatalf("Invoke: %v (logs %q)", err, resp.Logs)
	}
	if string(resp.Body) != "echo me" || resp.Header.Get("X-Echo-Method") != "PUT" || resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("response %v %q", resp.Header, resp.Body)
	}
	if len(resp.Logs) != 1 || resp.Logs[0] != "hello-c: PUT" {
		t.Fatalf("logs %q", resp.Logs)
	}
}
