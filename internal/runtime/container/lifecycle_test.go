package container

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/runtime/container/engine"
)

func TestWarmReuse(t *testing.T) {
	for _, mode := range []string{"exec", "http"} {
		t.Run(mode, func(t *testing.T) {
			rt := newRuntime(t, nil)
			cmd := []string{"/fn", "route"}
			if mode == "http" {
				cmd = []string{"/fn", "serve"}
			}
			d := prepared(t, rt, fnContext(t, mode, cmd...))
			start := time.Now()
			first := mustInvoke(t, rt, d, get("/echo"))
			cold := time.Since(start)
			ins := rt.Instances()
			start = time.Now()
			second := mustInvoke(t, rt, d, get("/echo"))
			warm := time.Since(start)
			t.Logf("cold %s, warm %s", cold, warm)
			if !first.ColdStart || second.ColdStart {
				t.Fatalf("ColdStart first %v, second %v", first.ColdStart, second.ColdStart)
			}
			if again := rt.Instances(); len(ins) != 1 || len(again) != 1 || ins[0].ID != again[0].ID {
				t.Fatalf("instances before %v, after %v: want the same one", ins, again)
			}
		})
	}
}

func TestIdleInstancesStop(t *testing.T) {
	rt := newRuntime(t, func(c *Config) { c.IdleTimeout = 300 * time.Millisecond })
	d := prepared(t, rt, fnContext(t, "http", "/fn", "serve"))
	mustInvoke(t, rt, d, get("/"))
	if n := countInstances(rt, d.FunctionID); n != 1 {
		t.Fatalf("%d instances after a call", n)
	}
	waitFor(t, "the idle instance to stop", func() bool { return countInstances(rt, d.FunctionID) == 0 })
	waitFor(t, "its container to go", func() bool { return len(containersOf(t, rt)) == 0 })
	if resp := mustInvoke(t, rt, d, get("/")); !resp.ColdStart {
		t.Fatal("the call after scale-to-zero was not a cold start")
	}
}

// containersOf lists the engine's containers of rt's scope.
func containersOf(t testing.TB, rt *Runtime) []engine.ContainerSummary {
	t.Helper()
	cs, err := rt.eng.ListContainers(context.Background(), []string{labelScope + "=" + rt.cfg.Scope})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestScaleOut(t *testing.T) {
	const limit = 3
	rt := newRuntime(t, func(c *Config) {
		c.MaxInstances = limit
		c.InstanceConcurrency = 1
	})
	d := prepared(t, rt, fnContext(t, "exec", "/fn", "route"))
	var wg sync.WaitGroup
	errs := make(chan error, 2*limit)
	peak := 0
	stop := make(chan struct{})
	var pwg sync.WaitGroup
	pwg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			peak = max(peak, countInstances(rt, d.FunctionID))
		}
	})
	for range 2 * limit {
		wg.Go(func() {
			req := get("/sleep")
			req.RawQuery = "700"
			if _, err := rt.Invoke(testCtx(t), d, req); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(stop)
	pwg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := countInstances(rt, d.FunctionID); peak != limit || n != limit {
		t.Fatalf("peak %d instances, %d now; want the limit %d", peak, n, limit)
	}
}

func TestReplacedVersionDrains(t *testing.T) {
	rt := newRuntime(t, nil)
	ctx := testCtx(t)
	path := fnContext(t, "http", "/fn", "serve")
	v1 := deploymentRef(t, "fn-drain", 1, path)
	v2 := deploymentRef(t, "fn-drain", 2, path)
	for _, d := range []berth.DeploymentRef{v1, v2} {
		if err := rt.Prepare(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	mustInvoke(t, rt, v1, get("/"))
	// A long call on v1 is in flight when v2 takes over: it must finish.
	slow := make(chan error, 1)
	go func() {
		req := get("/sleep")
		req.RawQuery = "1500"
		resp, err := rt.Invoke(ctx, v1, req)
		if err == nil && string(resp.Body) != "slept\n" {
			err = fmt.Errorf("body %q", resp.Body)
		}
		slow <- err
	}()
	waitFor(t, "the slow call to start", func() bool {
		ins := rt.Instances()
		return len(ins) == 1 && ins[0].InFlight == 1
	})
	mustInvoke(t, rt, v2, get("/"))
	states := map[int]string{}
	for _, in := range rt.Instances() {
		states[in.Version] = in.State
	}
	if states[1] != "draining" || states[2] != "ready" {
		t.Fatalf("instances by version: %v", states)
	}
	if err := <-slow; err != nil {
		t.Fatalf("the call in flight on the replaced version: %v", err)
	}
	waitFor(t, "v1's instance to stop", func() bool {
		ins := rt.Instances()
		return len(ins) == 1 && ins[0].Version == 2
	})
	// Activate (rollback) drains the other way.
	if err := rt.Activate(ctx, v1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "v2's instance to stop", func() bool { return len(rt.Instances()) == 0 })
}

func TestRemove(t *testing.T) {
	rt := newRuntime(t, nil)
	ctx := testCtx(t)
	d := prepared(t, rt, fnContext(t, "http", "/fn", "serve"))
	mustInvoke(t, rt, d, get("/"))
	id := rt.ImageID(d)
	if !strings.HasPrefix(id, "sha256:") {
		t.Fatalf("ImageID = %q", id)
	}
	if err := rt.Remove(ctx, d); err != nil {
		t.Fatal(err)
	}
	if n := len(containersOf(t, rt)); n != 0 {
		t.Fatalf("%d containers left after Remove", n)
	}
	if _, err := rt.eng.InspectImage(ctx, imageTag(d.FunctionID, d.Version)); !engine.IsNotFound(err) {
		t.Fatalf("the image is still tagged: %v", err)
	}
	if rt.ImageID(d) != "" {
		t.Fatal("ImageID after Remove")
	}
	if log, err := rt.BuildLog(ctx, d); err != nil || !strings.Contains(log, "COPY fn /fn") {
		t.Fatalf("the build log must outlive Remove: %q, %v", log, err)
	}
	if _, err := rt.Invoke(ctx, d, get("/")); !errors.Is(err, berth.ErrNotDeployed) {
		t.Fatalf("Invoke after Remove: %v", err)
	}
}

// TestRestart: a new runtime on the same state directory uses the kept
// deployment without building again.
func TestRestart(t *testing.T) {
	var cfg Config
	rt := newRuntime(t, func(c *Config) { cfg = *c })
	d := prepared(t, rt, fnContext(t, "exec", "/fn", "route"))
	id := rt.ImageID(d)
	if err := rt.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	again := newRuntime(t, func(c *Config) { *c = cfg })
	if got := again.ImageID(d); got != id {
		t.Fatalf("ImageID after restart %q, want %q", got, id)
	}
	lazy := d
	lazy.ArtefactPath = "" // the artefact is not needed: the kept image is used
	resp := mustInvoke(t, again, lazy, get("/echo"))
	if resp.Status != 200 {
		t.Fatalf("status %d", resp.Status)
	}
	if log, _ := again.BuildLog(testCtx(t), d); !strings.Contains(log, "COPY fn /fn") {
		t.Fatalf("build log after restart: %q", log)
	}
}

// TestReconcile simulates berth killed with -9: instances keep running,
// a new runtime adopts those of known deployments and removes the rest,
// including a container labelled out of band.
func TestReconcile(t *testing.T) {
	var cfg Config
	rt := newRuntime(t, func(c *Config) { cfg = *c })
	ctx := testCtx(t)
	path := fnContext(t, "http", "/fn", "serve")
	keep := deploymentRef(t, "fn-reconcile-keep", 1, path)
	drop := deploymentRef(t, "fn-reconcile-drop", 1, path)
	for _, d := range []berth.DeploymentRef{keep, drop} {
		if err := rt.Prepare(ctx, d); err != nil {
			t.Fatal(err)
		}
		mustInvoke(t, rt, d, get("/"))
	}
	before := rt.Instances()
	crash(rt)

	// A container that claims to be berth's, made behind berth's back.
	rec, _ := rt.st.loadRecord(keep.FunctionID, keep.Version)
	stray := &engine.ContainerConfig{
		Image: rec.ImageID, Entrypoint: []string{"/fn"}, Cmd: []string{"never-listen"},
		Labels:     map[string]string{labelManaged: "true", labelScope: cfg.Scope, labelFunction: "fn-unknown", labelVersion: "3", labelInstance: "0123456789abcdef"},
		HostConfig: engine.HostConfig{NetworkMode: "none", Ulimits: []engine.Ulimit{{Name: "nofile", Soft: 1024, Hard: 1024}, {Name: "nproc", Soft: 1024, Hard: 1024}}},
	}
	id, err := rt.eng.CreateContainer(ctx, "berth-stray-"+shared.runID, stray)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.eng.RemoveContainer(context.Background(), id) })
	if err := rt.eng.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	if n := len(containersOf(t, rt)); n != 3 {
		t.Fatalf("%d containers before reconcile, want 3", n)
	}

	again := newRuntime(t, func(c *Config) { *c = cfg })
	// A database that fails stops reconcile before anything is removed.
	failing := func(context.Context, string, int) (bool, error) { return false, errors.New("database down") }
	if _, err := again.Reconcile(ctx, failing); err == nil || len(containersOf(t, again)) != 3 {
		t.Fatalf("reconcile with a failing database: %v, %d containers left", err, len(containersOf(t, again)))
	}
	res, err := again.Reconcile(ctx, func(_ context.Context, fn string, v int) (bool, error) {
		return fn == keep.FunctionID && v == keep.Version, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Adopted != 1 || res.RemovedContainers != 2 || res.RemovedImages != 1 {
		t.Fatalf("reconcile %+v: want 1 adopted, 2 containers and 1 image removed", res)
	}
	cs := containersOf(t, again)
	if len(cs) != 1 || cs[0].Labels[labelFunction] != keep.FunctionID {
		t.Fatalf("containers after reconcile: %v", cs)
	}
	ins := again.Instances()
	if len(ins) != 1 || ins[0].FunctionID != keep.FunctionID || !sameInstance(before, ins[0].ID) {
		t.Fatalf("instances after reconcile %v, before %v", ins, before)
	}
	resp := mustInvoke(t, again, keep, get("/adopted"))
	if resp.ColdStart || resp.Header.Get("X-Path") != "/adopted" {
		t.Fatalf("the adopted instance: cold %v, headers %v", resp.ColdStart, resp.Header)
	}
	if _, err := again.BuildLog(ctx, drop); !errors.Is(err, berth.ErrNotDeployed) {
		t.Fatalf("the build log of an unknown deployment survived: %v", err)
	}
	gone := drop
	gone.ArtefactPath = ""
	if _, err := again.Invoke(ctx, gone, get("/")); !errors.Is(err, berth.ErrNotDeployed) {
		t.Fatalf("an unknown deployment's record survived: %v", err)
	}
}

// crash abandons a runtime as a kill -9 would: its instances stay.
func crash(rt *Runtime) {
	rt.mu.Lock()
	rt.closed = true
	close(rt.stop)
	rt.fns = map[string]*fnState{}
	rt.mu.Unlock()
	rt.bg.Wait()
	rt.eng.Close()
}

func sameInstance(list []InstanceInfo, id string) bool {
	for _, in := range list {
		if in.ID == id {
			return true
		}
	}
	return false
}

// TestSecretsStayOut: a function's environment reaches the function, and
// neither the runtime's logs nor the container's configuration.
func TestSecretsStayOut(t *testing.T) {
	const secret = "s3cret-value-8c1f"
	var logs syncBuffer
	rt := newRuntime(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	for _, mode := range []string{"http", "exec"} {
		cmd := []string{"/fn", "serve"}
		if mode == "exec" {
			cmd = []string{"/fn", "route"}
		}
		d := prepared(t, rt, fnContext(t, mode, cmd...))
		req := get("/echo")
		req.Env = map[string]string{"GREETING": secret}
		if resp := mustInvoke(t, rt, d, req); resp.Header.Get("X-Greeting") != secret {
			t.Fatalf("%s: the function did not get its environment: %v", mode, resp.Header)
		}
		for _, in := range rt.Instances() {
			out, err := exec.Command("podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "inspect", in.ContainerID).CombinedOutput()
			if err != nil {
				t.Fatalf("podman inspect: %v\n%s", err, out)
			}
			if strings.Contains(string(out), secret) {
				t.Fatalf("%s: the secret is in the container's configuration", mode)
			}
		}
	}
	if strings.Contains(logs.String(), secret) {
		t.Fatal("the secret is in the runtime's logs")
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCallerGoneKeepsInstance: a caller that gives up mid-call (a browser
// closed, a client timeout) says nothing about the instance, which stays
// warm for the next call instead of being stopped and started again.
func TestCallerGoneKeepsInstance(t *testing.T) {
	rt := newRuntime(t, nil)
	d := prepared(t, rt, fnContext(t, "http", "/fn", "serve"))
	mustInvoke(t, rt, d, get("/"))
	before := rt.Instances()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	slow := get("/sleep")
	slow.RawQuery = "2000"
	if _, err := rt.Invoke(ctx, d, slow); err == nil {
		t.Fatal("a call abandoned after 300 ms of a 2 s sleep succeeded")
	}
	resp := mustInvoke(t, rt, d, get("/"))
	after := rt.Instances()
	if resp.ColdStart || len(before) != 1 || len(after) != 1 || before[0].ID != after[0].ID {
		t.Fatalf("after an abandoned call: cold start %v, instances before %v, after %v: want the same warm one",
			resp.ColdStart, before, after)
	}
}
