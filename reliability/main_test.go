package reliability

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// bin holds the programs built once for every test of the package.
var bin struct {
	dir      string // berth and berth-watchdog, side by side
	berth    string
	watchdog string

	// Built on first use: they are not needed by every run.
	goWasm   func() (string, error) // the Go example as a wasip1 module (~3 MB)
	fnStatic func() (string, error) // the container tests' function, static
}

// TestMain builds berth and berth-watchdog the way `make build` does, so
// that every test runs the real binary.
func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	flag.Parse()
	dir, err := os.MkdirTemp("", "berth-reliability-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, "reliability:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin.dir = dir
	bin.berth = filepath.Join(dir, "berth")
	bin.watchdog = filepath.Join(dir, "berth-watchdog")
	start := time.Now()
	if err := goBuild(nil, dir+string(filepath.Separator), "./cmd/berth", "./cmd/berth-watchdog"); err != nil {
		fmt.Fprintln(os.Stderr, "reliability: building berth:", err)
		return 1
	}
	if testing.Verbose() {
		fmt.Printf("reliability: built berth and berth-watchdog in %s\n", time.Since(start).Round(time.Millisecond))
	}
	bin.goWasm = sync.OnceValues(func() (string, error) {
		out := filepath.Join(dir, "hello-go.wasm")
		return out, goBuild([]string{"GOOS=wasip1", "GOARCH=wasm"}, out, "./examples/hello-go")
	})
	bin.fnStatic = sync.OnceValues(func() (string, error) {
		out := filepath.Join(dir, "fn")
		return out, goBuild(nil, out, "./internal/runtime/container/testdata/fn")
	})
	return m.Run()
}

// goBuild builds packages of this module (paths relative to its root)
// without cgo, into out (a file, or a directory ending in a separator).
func goBuild(env []string, out string, pkgs ...string) error {
	args := append([]string{"build", "-trimpath", "-o", out}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Dir = ".."
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0"), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %v: %w\n%s", pkgs, err, b)
	}
	return nil
}

// full reports the long mode (BERTH_RELIABILITY=full, `make reliability`);
// otherwise the suite runs sized for CI.
func full() bool { return os.Getenv("BERTH_RELIABILITY") == "full" }

// pick returns short in the CI mode and long in the full mode.
func pick[T any](short, long T) T {
	if full() {
		return long
	}
	return short
}
