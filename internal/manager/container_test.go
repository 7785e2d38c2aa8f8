package manager_test

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/testenv"
)

// staticBuild compiles a Go package into a static binary.
func staticBuild(t *testing.T, out, pkg string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
}

// TestContainerFunctionThroughAPI deploys a container function (a scratch
// image around a static Go binary made here), invokes it, deploys a
// second version, rolls back, reads the build log and deletes it — all
// through the API against a private Podman service.
func TestContainerFunctionThroughAPI(t *testing.T) {
	if _, err := exec.LookPath("podman"); err != nil {
		testenv.Unavailable(t, "podman is not installed (apt-get install -y podman runc): %v", err)
	}
	bin := t.TempDir()
	watchdog, fn := filepath.Join(bin, "berth-watchdog"), filepath.Join(bin, "fn")
	staticBuild(t, watchdog, "github.com/berth-platform/berth/cmd/berth-watchdog")
	staticBuild(t, fn, "github.com/berth-platform/berth/internal/runtime/container/testdata/fn")
	fnBin, err := os.ReadFile(fn)
	if err != nil {
		t.Fatal(err)
	}
	// A short data dir: the engine's sockets live under it.
	dir, err := os.MkdirTemp("", "bm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ts := startServer(t, withRegistration, func(c *config.Config) {
		c.DataDir = dir
		c.Container.Enabled = true
		c.Container.WatchdogPath = watchdog
		c.Container.IdleTimeout = time.Minute
	})
	ctx := t.Context()
	if err := ts.anon().Ready(ctx); err != nil {
		t.Fatalf("readyz with the engine: %v", err)
	}
	_, _, c := ts.newUser()
	// The container runtime is a feature role of its own.
	_, err = c.InitFunction(ctx, "boxed", "container", "")
	wantStatus(t, err, http.StatusForbidden, "feature-role-required")
	ts.grant(t, c, "containers")
	f, err := c.InitFunction(ctx, "boxed", "container", "")
	if err != nil {
		t.Fatal(err)
	}
	context := func(greeting string) []byte {
		return targz(t, map[string][]byte{
			"Containerfile": []byte("FROM scratch\nCOPY fn /fn\n"),
			"fn":            fnBin,
			"berth.toml":    []byte("[container]\nmode = \"exec\"\ncommand = [\"/fn\", \"echo\"]\n[function.env]\nGREETING = \"" + greeting + "\"\n"),
		})
	}
	res, err := c.Deploy(ctx, f.ID, "application/gzip", context("one"))
	if err != nil {
		t.Fatalf("deploy: %v\nthe server's errors:\n%s", err, ts.errorLogs())
	}
	if res.Deployment.Version != 1 || !res.Deployment.Active {
		t.Fatalf("deploy: %+v", res.Deployment)
	}
	resp, err := c.Invoke(ctx, f.ID, []byte("ping"), http.Header{"X-Test": {"yes"}})
	if err != nil || resp.Status != 200 || string(resp.Body) != "ping" {
		t.Fatalf("invoke: %v %+v", err, resp)
	}
	e := waitExecution(t, c, f.ID, resp.ExecutionID)
	if e.Status != "success" || len(e.Logs) == 0 || !strings.Contains(strings.Join(e.Logs, "\n"), "echo: POST /") {
		t.Fatalf("execution %+v", e)
	}
	var bl struct{ Log string }
	if err := c.Do(ctx, http.MethodGet, "/api/functions/"+f.ID+"/deployments/1/build-log", nil, &bl); err != nil || bl.Log == "" {
		t.Fatalf("build log: %q %v", bl.Log, err)
	}
	// A failing build is a failed version; the active one stays.
	bad := targz(t, map[string][]byte{"Containerfile": []byte("FROM scratch\nCOPY missing /missing\n")})
	_, err = c.Deploy(ctx, f.ID, "application/gzip", bad)
	wantStatus(t, err, 422, "bad-artefact")
	if err := c.Do(ctx, http.MethodGet, "/api/functions/"+f.ID+"/deployments/2/build-log", nil, &bl); err != nil || bl.Log == "" {
		t.Fatalf("failed build's log: %v", err)
	}
	if _, err := c.Deploy(ctx, f.ID, "application/gzip", context("two")); err != nil {
		t.Fatalf("second deploy: %v", err)
	}
	if resp, err := c.Invoke(ctx, f.ID, []byte("v3"), nil); err != nil || string(resp.Body) != "v3" {
		t.Fatalf("version 3: %v", err)
	}
	if _, err := c.Rollback(ctx, f.ID, 1); err != nil {
		t.Fatal(err)
	}
	if resp, err := c.Invoke(ctx, f.ID, []byte("back"), nil); err != nil || string(resp.Body) != "back" {
		t.Fatalf("after rollback: %v", err)
	}
	ds, err := c.Deployments(ctx, f.ID, client.ListOptions{})
	if err != nil || ds.Total != 3 || ds.Items[1].Status != "failed" {
		t.Fatalf("deployments %+v %v", ds, err)
	}
	if _, err := c.DeleteFunction(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Invoke(ctx, f.ID, nil, nil)
	wantStatus(t, err, 410, "function-pending-deletion")
	ts.clock.Advance(25 * time.Hour)
	ts.Maintain(ctx)
	out, err := exec.Command("podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--url",
		"unix://"+filepath.Join(dir, "ct", "podman.sock"), "images", "--format", "{{.Repository}}").CombinedOutput()
	if err == nil && strings.Contains(string(out), f.ID) {
		t.Fatalf("images of a purged function remain:\n%s", out)
	}
}
