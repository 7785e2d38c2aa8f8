package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// podman runs the podman command line with the settings that work on these
// machines (ENVIRONMENT.md). It talks to the same storage as the private
// service berth starts, so it sees berth's containers even when berth is
// not running.
func podman(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "podman", append([]string{"--runtime", "runc", "--cgroup-manager", "cgroupfs"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("podman %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return out, nil
}

// containerScope is the scope label of the containers a berth data
// directory's runtime makes ("" before its first start with containers).
func containerScope(dataDir string) string {
	b, err := os.ReadFile(filepath.Join(dataDir, "ct", "scope"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// podContainer is what `podman ps --format json` says of a container.
type podContainer struct {
	ID     string            `json:"Id"`
	State  string            `json:"State"`
	Labels map[string]string `json:"Labels"`
}

// berthContainers lists every container (running or not) of a berth data
// directory's scope.
func berthContainers(t testing.TB, dataDir string) []podContainer {
	t.Helper()
	scope := containerScope(dataDir)
	if scope == "" {
		t.Fatalf("no container scope in %s/ct/scope", dataDir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := podman(ctx, "ps", "-a", "--filter", "label=berth.scope="+scope, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var cs []podContainer
	if err := json.Unmarshal(out, &cs); err != nil {
		t.Fatalf("podman ps: %v: %s", err, out)
	}
	return cs
}

// removeContainers removes every container and image of a data
// directory's scope: what the test caused, and nothing of anyone else's.
func removeContainers(t testing.TB, dataDir string) {
	scope := containerScope(dataDir)
	if scope == "" || !havePodman() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	filter := "label=berth.scope=" + scope
	if out, err := podman(ctx, "ps", "-aq", "--filter", filter); err == nil {
		if ids := strings.Fields(string(out)); len(ids) > 0 {
			st, _ := podman(ctx, "ps", "-a", "--filter", filter, "--format", "{{.ID}} {{.State}} {{.Labels}}")
			t.Logf("removing %d containers left in scope %s:\n%s", len(ids), scope, st)
			_, _ = podman(ctx, append([]string{"rm", "-f", "-t", "0"}, ids...)...)
		}
	}
	// Removing an image may leave its parent without a child: go round.
	for range 5 {
		out, err := podman(ctx, "images", "-aq", "--filter", filter)
		ids := strings.Fields(string(out))
		if err != nil || len(ids) == 0 {
			return
		}
		_, _ = podman(ctx, append([]string{"rmi", "-f"}, ids...)...)
	}
}

// TestSharedEngine runs two berth installations (their own data
// directories and databases) on one container engine, as on a host where
// Podman's storage is shared. When the second starts, its reconciliation
// must leave the first's containers and images alone: they belong to
// deployments its database does not know, but they are not its own.
func TestSharedEngine(t *testing.T) {
	needPodman(t)
	first := startBerth(t, berthConfig{Containers: true})
	admin := first.admin()
	f := newFunction(t, admin, "first", "container", "application/gzip", containerContext(t, "http", "serve"))
	call := func(when string) {
		t.Helper()
		resp, err := admin.Invoke(ctxT(t), f.ID, []byte(when), nil)
		if err != nil || resp.Status != http.StatusOK || string(resp.Body) != when {
			t.Fatalf("%s: %v %+v", when, err, resp)
		}
	}
	call("before")
	second := startBerth(t, berthConfig{Containers: true})
	if a, b := containerScope(first.dataDir), containerScope(second.dataDir); a == "" || a == b {
		t.Fatalf("two installations share the container scope %q", a)
	}
	ids := func() []string {
		var out []string
		for _, c := range berthContainers(t, first.dataDir) {
			out = append(out, c.ID+" "+c.State)
		}
		return out
	}
	before := ids()
	call("after")
	if after := ids(); len(before) != 1 || !slices.Equal(before, after) {
		t.Errorf("the first installation's instances changed when the second started: %v, then %v", before, after)
	}
}
