package container

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/artefact"
	"github.com/berth-platform/berth/internal/testenv"
)

// The package's tests share one private Podman service (started through
// Config.StartPodman by the first test that needs it), the watchdog and the
// test function built once, and the build contexts made from them. Each
// runtime gets its own scope, so that one test's Reconcile never touches
// another's containers.
var shared struct {
	once    sync.Once
	err     error
	skip    string
	root    string // short temporary directory: socket paths are short
	host    *Runtime
	fnBin   []byte
	wd      string
	runID   string
	counter atomic.Int64

	mu       sync.Mutex
	contexts map[string]string // build contexts, by description
}

func TestMain(m *testing.M) {
	code := m.Run()
	cleanupShared()
	os.Exit(code)
}

func cleanupShared() {
	if shared.host == nil {
		_ = os.RemoveAll(shared.root)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if cs, err := shared.host.eng.ListContainers(ctx, []string{labelManaged + "=true"}); err == nil {
		for _, c := range cs {
			if strings.HasPrefix(c.Labels[labelScope], "t"+shared.runID) {
				_ = shared.host.eng.RemoveContainer(ctx, c.ID)
			}
		}
	}
	// Images the tests built, tagged or left as build cache: every scope of
	// this run. Removing one may leave its parent dangling: go round again.
	for range 10 {
		imgs, err := shared.host.eng.ListImages(ctx, []string{labelManaged + "=true"})
		removed := 0
		for _, img := range imgs {
			if err == nil && strings.HasPrefix(img.Labels[labelScope], "t"+shared.runID) {
				for _, tag := range img.RepoTags {
					_ = shared.host.eng.RemoveImage(ctx, tag)
				}
				if shared.host.eng.RemoveImage(ctx, img.ID) == nil {
					removed++
				}
			}
		}
		if removed == 0 {
			break
		}
	}
	_ = shared.host.Close(ctx)
	_ = os.RemoveAll(shared.root)
}

// setup builds the binaries and starts the engine, once.
func setup(t testing.TB) {
	t.Helper()
	shared.once.Do(func() { shared.err = setupOnce() })
	if shared.skip != "" {
		testenv.Unavailable(t, "%s", shared.skip)
	}
	if shared.err != nil {
		t.Fatalf("container test set-up: %v", shared.err)
	}
}

func setupOnce() error {
	if !havePodman() {
		shared.skip = "podman is not installed (apt-get install -y podman runc)"
		return nil
	}
	root, err := os.MkdirTemp("", "bct")
	if err != nil {
		return err
	}
	shared.root = root
	shared.runID = testenv.RandomSuffix(3)
	shared.contexts = map[string]string{}
	shared.wd = filepath.Join(root, "berth-watchdog")
	build := func(out, pkg string) error {
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
		}
		return nil
	}
	if err := build(shared.wd, "github.com/berth-platform/berth/cmd/berth-watchdog"); err != nil {
		return err
	}
	fnPath := filepath.Join(root, "fn")
	if err := build(fnPath, "./testdata/fn"); err != nil {
		return err
	}
	if shared.fnBin, err = os.ReadFile(fnPath); err != nil {
		return err
	}
	cfg := testConfig("host")
	cfg.Engine = ""
	cfg.StartPodman = true
	host, err := New(context.Background(), cfg)
	if err != nil {
		return err
	}
	shared.host = host
	return nil
}

func havePodman() bool {
	_, err := exec.LookPath("podman")
	return err == nil
}

func testLogger() *slog.Logger {
	if os.Getenv("BERTH_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// testConfig is a Config with a fresh state directory and scope.
func testConfig(name string) Config {
	n := shared.counter.Add(1)
	cfg := Config{
		StateDir:     filepath.Join(shared.root, fmt.Sprintf("s%d", n)),
		WatchdogPath: shared.wd,
		Scope:        fmt.Sprintf("t%s-%d-%s", shared.runID, n, name),
		StartTimeout: 10 * time.Second,
		BuildTimeout: 2 * time.Minute,
		Logger:       testLogger(),
	}
	if shared.host != nil {
		cfg.Engine, _ = shared.host.Engine()
	}
	return cfg
}

// newRuntime returns a runtime on the shared engine, closed when the test
// ends.
func newRuntime(t testing.TB, edit func(*Config)) *Runtime {
	t.Helper()
	setup(t)
	cfg := testConfig(strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()))
	if edit != nil {
		edit(&cfg)
	}
	rt, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := rt.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return rt
}

// file is one entry of a build context.
type file struct {
	name string
	body []byte
	mode int64
	link string // a symbolic link's target
}

// buildContext writes a .tar.gz build context once per description and
// returns its path.
func buildContext(t testing.TB, desc string, files ...file) string {
	t.Helper()
	setup(t)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if p, ok := shared.contexts[desc]; ok {
		return p
	}
	var buf bytes.Buffer
	// Stored, not compressed: the race detector makes inflating slow.
	zw, _ := gzip.NewWriterLevel(&buf, gzip.NoCompression)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}
		if hdr.Mode == 0 {
			hdr.Mode = 0o644
		}
		if f.link != "" {
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeSymlink, f.link, 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if f.link == "" {
			_, _ = tw.Write(f.body)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	_ = zw.Close()
	p := filepath.Join(shared.root, fmt.Sprintf("ctx%d.tar.gz", len(shared.contexts)))
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	shared.contexts[desc] = p
	return p
}

const containerfile = "FROM scratch\nCOPY fn /fn\nENTRYPOINT [\"/fn\"]\n"

// fnContext is a build context of the test function with berth.toml
// saying mode and command.
func fnContext(t testing.TB, mode string, command ...string) string {
	t.Helper()
	setup(t)
	quoted := make([]string, len(command))
	for i, c := range command {
		quoted[i] = fmt.Sprintf("%q", c)
	}
	toml := fmt.Sprintf("[container]\nmode = %q\ncommand = [%s]\n", mode, strings.Join(quoted, ", "))
	if mode == "http" {
		toml += "port = 8080\n"
	}
	return buildContext(t, toml,
		file{name: "Containerfile", body: []byte(containerfile)},
		file{name: "fn", body: shared.fnBin, mode: 0o755},
		file{name: "berth.toml", body: []byte(toml)})
}

// deploymentRef describes a build context as version v of function fn.
func deploymentRef(t testing.TB, fn string, v int, path string) berth.DeploymentRef {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return berth.DeploymentRef{FunctionID: fn, Version: v, ArtefactPath: path, ContentType: artefact.MediaTypeGzip, SHA256: hex.EncodeToString(sum[:])}
}

// prepared builds a context as a deployment of a function named after the
// test.
func prepared(t testing.TB, rt *Runtime, path string) berth.DeploymentRef {
	t.Helper()
	d := deploymentRef(t, "fn-"+strings.NewReplacer("/", "-").Replace(t.Name()), 1, path)
	if err := rt.Prepare(testCtx(t), d); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	return d
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func get(path string) *berth.InvokeRequest {
	return &berth.InvokeRequest{
		ExecutionID: "exec-test", Method: http.MethodGet, Path: path, Header: http.Header{},
		RemoteAddr: "127.0.0.1:4000",
		Limits:     berth.Limits{MemoryMB: 64, Timeout: 20 * time.Second, MaxOutputBytes: 1 << 20, MaxLogBytes: 16 << 10},
	}
}

func mustInvoke(t testing.TB, rt *Runtime, d berth.DeploymentRef, req *berth.InvokeRequest) *berth.InvokeResponse {
	t.Helper()
	resp, err := rt.Invoke(testCtx(t), d, req)
	if err != nil {
		var logs []string
		if resp != nil {
			logs = resp.Logs
		}
		t.Fatalf("Invoke %s: %v (logs %q)", req.Path, err, logs)
	}
	return resp
}
