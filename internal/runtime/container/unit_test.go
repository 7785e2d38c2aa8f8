package container

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/berth-platform/berth"
)

// repoComponent is the grammar of one path component of an image name.
var repoComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*$`)

func TestSafeName(t *testing.T) {
	ids := []string{
		"0b6f4b9e-8a47-4d2c-9c61-1f0e7f3a2b11", "fn-TestConformance-Echo", "fn-testconformance-echo",
		"UPPER", "upper", "a/b", "a_b", "-lead", "trail-", "a--b", "", "ü", strings.Repeat("x", 200),
	}
	seen := map[string]string{}
	for _, id := range ids {
		n := safeName(id)
		if !repoComponent.MatchString(n) || len(n) > 64 {
			t.Errorf("safeName(%q) = %q: not an image name component", id, n)
		}
		if other, dup := seen[n]; dup {
			t.Errorf("safeName(%q) = safeName(%q) = %q", id, other, n)
		}
		seen[n] = id
	}
	if got := safeName(ids[0]); got != ids[0] {
		t.Errorf("a UUID changed: %q", got)
	}
	if tag := imageTag(ids[0], 7); tag != "berth-fn/"+ids[0]+":7" {
		t.Errorf("imageTag = %q", tag)
	}
}

func TestBuildLogWriter(t *testing.T) {
	w := newBuildLogWriter(1000)
	for i := range 500 {
		fmt.Fprintf(w, "line %03d\n", i)
	}
	s := w.String()
	if !strings.HasPrefix(s, "line 000\n") || !strings.HasSuffix(s, "line 499\n") || !strings.Contains(s, "bytes of build output left out") {
		t.Fatalf("log %q", s)
	}
	if len(s) > 1100 {
		t.Fatalf("kept %d bytes of a 1000-byte log", len(s))
	}
	small := newBuildLogWriter(1000)
	fmt.Fprint(small, "short\n")
	if small.String() != "short\n" {
		t.Fatalf("short log %q", small.String())
	}
}

func TestExposedPort(t *testing.T) {
	for ports, want := range map[string]int{"": DefaultPort, "9000/tcp": 9000, "53/udp": DefaultPort, "80/tcp,443/tcp": DefaultPort, "x/tcp": DefaultPort} {
		m := map[string]struct{}{}
		for _, p := range strings.Split(ports, ",") {
			if p != "" {
				m[p] = struct{}{}
			}
		}
		if got := exposedPort(m); got != want {
			t.Errorf("exposedPort(%q) = %d, want %d", ports, got, want)
		}
	}
}

func TestSpec(t *testing.T) {
	lim := berth.Limits{MemoryMB: 64}
	a, b := map[string]string{"K": "1"}, map[string]string{"K": "2"}
	if spec("exec", lim, a) != spec("exec", lim, b) {
		t.Error("exec mode: the environment goes with each call and must not change the spec")
	}
	if spec("http", lim, a) == spec("http", lim, b) {
		t.Error("http mode: another environment needs another instance")
	}
	if spec("exec", lim, nil) == spec("exec", berth.Limits{MemoryMB: 128}, nil) {
		t.Error("another memory limit needs another instance")
	}
}

func TestConfigChecks(t *testing.T) {
	for name, cfg := range map[string]Config{
		"NoStateDir":   {Engine: "unix:///x.sock"},
		"NoEngine":     {StateDir: t.TempDir()},
		"LongStateDir": {Engine: "unix:///x.sock", StateDir: "/" + strings.Repeat("d", 90)},
		"NoWatchdog":   {Engine: "unix:///x.sock", StateDir: t.TempDir(), WatchdogPath: "/nonexistent/berth-watchdog"},
		"NotELF":       {Engine: "unix:///x.sock", StateDir: t.TempDir(), WatchdogPath: "unit_test.go"},
	} {
		if _, err := withDefaults(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestStateScope: a state directory keeps one scope of its own; one that
// held deployment records before scopes were kept keeps DefaultScope,
// which its containers carry.
func TestStateScope(t *testing.T) {
	fresh := state{dir: t.TempDir()}
	other := state{dir: t.TempDir()}
	for _, s := range []state{fresh, other} {
		if err := s.init(); err != nil {
			t.Fatal(err)
		}
	}
	a, err := fresh.scope()
	if err != nil || !isSafe(a) || a == DefaultScope {
		t.Fatalf("scope of a fresh directory: %q, %v", a, err)
	}
	if again, err := fresh.scope(); err != nil || again != a {
		t.Fatalf("the scope changed from %q to %q (%v)", a, again, err)
	}
	if b, _ := other.scope(); b == a {
		t.Fatalf("two state directories share the scope %q", a)
	}
	legacy := state{dir: t.TempDir()}
	if err := legacy.init(); err != nil {
		t.Fatal(err)
	}
	if err := legacy.saveRecord(&record{FunctionID: "fn-legacy", Version: 1}); err != nil {
		t.Fatal(err)
	}
	if s, err := legacy.scope(); err != nil || s != DefaultScope {
		t.Fatalf("scope of a directory from before scopes: %q, %v", s, err)
	}
}
