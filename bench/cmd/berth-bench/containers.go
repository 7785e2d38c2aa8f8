package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/berth-platform/berth/bench/load"
	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/runtime/container/watchdog"
)

// ContainerStats compare signed POST /invoke of a warm container function
// (http mode) with the same requests sent straight to its instances'
// watchdog sockets — what berth adds in front of the container.
type ContainerStats struct {
	Invoke    []HTTPPair `json:"invoke"`
	Instances int        `json:"instances"` // serving at the end
}

// perInstance is how many calls berth sends one instance at once (the
// default container.instance_concurrency); the baseline keeps to it.
const perInstance = 8

// measureContainers needs Podman (with runc); without it the comparison
// is left out of the report.
func measureContainers(ctx context.Context, cl *cleanups, dur time.Duration) (*ContainerStats, error) {
	if _, err := exec.LookPath("podman"); err != nil {
		log.Printf("  skipped: podman is not installed (apt-get install -y podman runc)")
		return nil, nil
	}
	tmp, err := os.MkdirTemp("", "berth-bench-ct-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	wd, fn := filepath.Join(tmp, "berth-watchdog"), filepath.Join(tmp, "fn")
	for out, pkg := range map[string]string{wd: "./cmd/berth-watchdog", fn: "./internal/runtime/container/testdata/fn"} {
		cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := combinedOutput(ctx, cl, cmd); err != nil {
			return nil, fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
		}
	}
	buildCtx, err := echoContext(fn)
	if err != nil {
		return nil, err
	}

	hasher := cheapHasher()
	dataDir := filepath.Join(tmp, "data")
	s, stop, err := startServer(ctx, backend{name: "SQLite, containers", dataDir: dataDir, watchdog: wd}, hasher)
	if err != nil {
		return nil, err
	}
	// The server's stop stops the instances; what it leaves (and the
	// images, which it keeps for a next start) goes after it.
	var fnID string
	cleanup := cl.add(func() {
		stop()
		if fnID != "" {
			removeContainers(cl, fnID)
			removeImages(cl, fnID)
		}
	})
	defer cleanup()
	base := "http://" + s.Addr()
	f, key, err := callableFunction(ctx, base, "ct-echo", "container", "application/gzip", buildCtx)
	if err != nil {
		return nil, err
	}
	fnID = f.ID
	caller, err := client.New(base, client.WithKeypair(key.KeyID, key.Secret), client.WithHTTPClient(httpClient(64)))
	if err != nil {
		return nil, err
	}
	invoke := func(ctx context.Context) error {
		resp, err := caller.Invoke(ctx, f.ID, []byte(benchBody), nil)
		if err != nil {
			return err
		}
		if string(resp.Body) != benchBody {
			return fmt.Errorf("unexpected body %q", resp.Body)
		}
		return nil
	}
	if err := invoke(ctx); err != nil { // the cold start
		return nil, fmt.Errorf("first call: %w", err)
	}
	out := &ContainerStats{}
	for _, conc := range []int{1, 8, 64} {
		opts := load.Options{Concurrency: conc, Duration: dur, Warmup: 20}
		p := HTTPPair{Backend: "container (http mode), SQLite"}
		socks, err := liveSockets(filepath.Join(dataDir, "ct"))
		if err != nil {
			return nil, err
		}
		if len(socks) == 0 {
			return nil, errors.New("no watchdog socket answers after the first call")
		}
		p.Baseline = load.Run(ctx, "straight to the watchdog sockets", opts, newSocketPool(socks, perInstance).call)
		p.Subject = load.Run(ctx, "signed POST /invoke (API key)", opts, invoke)
		log.Println("  " + p.Baseline.String())
		log.Println("  " + p.Subject.String())
		for _, r := range []load.Result{p.Baseline, p.Subject} {
			if r.FirstError != "" {
				log.Printf("  first error (%s): %s", r.Name, r.FirstError)
			}
		}
		out.Invoke = append(out.Invoke, p)
	}
	if socks, err := liveSockets(filepath.Join(dataDir, "ct")); err == nil {
		out.Instances = len(socks)
	}
	return out, nil
}

// echoContext is a build context whose function, an HTTP server, echoes
// the request body.
func echoContext(fnPath string) ([]byte, error) {
	fn, err := os.ReadFile(fnPath)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range []struct {
		name string
		mode int64
		body []byte
	}{
		{"Containerfile", 0o644, []byte("FROM scratch\nCOPY fn /fn\n")},
		{"berth.toml", 0o644, []byte("[container]\nmode = \"http\"\ncommand = [\"/fn\", \"serve\"]\nport = 8080\n")},
		{"fn", 0o755, fn},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// liveSockets lists the watchdog sockets under dir that accept
// connections: a stopped instance may leave its file for a moment.
func liveSockets(dir string) ([]string, error) {
	var socks []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.Name() != watchdog.SocketName {
			return nil //nolint:nilerr // instances come and go during the walk
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			_ = c.Close()
			socks = append(socks, path)
		}
		return nil
	})
	return socks, err
}

// socketPool spreads calls over instances' sockets, at most per at a time
// on each, the way the runtime does: a call waits for a free slot.
type socketPool struct {
	slots   chan int
	clients []*http.Client
}

func newSocketPool(socks []string, per int) *socketPool {
	p := &socketPool{slots: make(chan int, len(socks)*per)}
	for i, s := range socks {
		p.clients = append(p.clients, socketClient(s, per))
		for range per {
			p.slots <- i
		}
	}
	return p
}

func (p *socketPool) call(ctx context.Context) error {
	var i int
	select {
	case i = <-p.slots:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { p.slots <- i }()
	return callWatchdog(ctx, p.clients[i])
}

func socketClient(sock string, conns int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
		MaxIdleConnsPerHost: conns, DisableCompression: true,
	}}
}

// callWatchdog sends what the runtime sends for an invocation in http
// mode, and reads the envelope back.
func callWatchdog(ctx context.Context, hc *http.Client) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://instance/", strings.NewReader(benchBody))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set(watchdog.HeaderInvoke, watchdog.ModeHTTP)
	watchdog.CallLimits{TimeoutMS: 10_000, MaxOutput: 6 << 20, MaxLogs: 64 << 10}.SetHeaders(req.Header)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	res, err := watchdog.ReadResult(resp, 6<<20)
	if err != nil {
		return err
	}
	if res.Outcome != watchdog.OutcomeOK || !bytes.HasSuffix(res.Output, []byte(benchBody)) {
		return fmt.Errorf("watchdog: %s %s", res.Outcome, res.Detail)
	}
	return nil
}

// podman runs the podman CLI the way the runtime runs its service (runc,
// cgroupfs), for at most a minute, and returns its standard output. It
// takes no context: it cleans up after runs whose context has ended.
func podman(cl *cleanups, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.Command("podman", append([]string{"--runtime", "runc", "--cgroup-manager", "cgroupfs"}, args...)...)
	cmd.Stdout = &out
	err := runProc(ctx, cl, cmd)
	return out.Bytes(), err
}

// removeContainers deletes the function's containers that the server's
// stop left, found by the label the runtime puts on them (berth.function,
// internal/runtime/container's naming.go).
func removeContainers(cl *cleanups, functionID string) {
	out, err := podman(cl, "ps", "--all", "--quiet", "--filter", "label=berth.function="+functionID)
	if err != nil {
		log.Printf("  listing the function's containers: %v", err)
		return
	}
	ids := strings.Fields(string(out))
	if len(ids) == 0 {
		return
	}
	log.Printf("  removing %d container(s) the server left", len(ids))
	if _, err := podman(cl, append([]string{"rm", "--force", "--time", "0"}, ids...)...); err != nil {
		log.Printf("  removing the function's containers: %v", err)
	}
}

// removeImages deletes the function's images: the data directory that
// would let berth reconcile them is about to go.
func removeImages(cl *cleanups, functionID string) {
	out, err := podman(cl, "images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", "reference=berth-fn/"+functionID)
	if err != nil {
		return
	}
	for _, ref := range strings.Fields(string(out)) {
		_, _ = podman(cl, "rmi", "-f", ref)
	}
}
