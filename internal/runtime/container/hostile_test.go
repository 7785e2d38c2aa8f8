package container

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/berth-platform/berth"
)

// healthy checks that a normal call still works after a hostile one.
func healthy(t *testing.T, rt *Runtime, d berth.DeploymentRef) {
	t.Helper()
	req := get("/echo")
	req.Header.Set("X-Test", "still alive")
	resp := mustInvoke(t, rt, d, req)
	if resp.Status != 200 || resp.Header.Get("X-Test") != "still alive" {
		t.Fatalf("after the hostile call: status %d, headers %v", resp.Status, resp.Header)
	}
}

func wantKind(t *testing.T, err error, kinds ...error) {
	t.Helper()
	for _, k := range kinds {
		if errors.Is(err, k) {
			return
		}
	}
	t.Fatalf("error %v, want one of %v", err, kinds)
}

// TestHostileBuildContexts: uploads that must be refused before or by the
// build, leaving the active deployment working.
func TestHostileBuildContexts(t *testing.T) {
	rt := newRuntime(t, nil)
	good := deploymentRef(t, "fn-hostile-build", 1, fnContext(t, "exec", "/fn", "route"))
	if err := rt.Prepare(testCtx(t), good); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		files   []file
		message string
	}{
		{"SymlinkOutside", []file{
			{name: "Containerfile", body: []byte("FROM scratch\nCOPY escape /escape\n")},
			{name: "escape", link: "../../../etc/passwd"},
		}, "outside"},
		{"AbsoluteSymlink", []file{
			{name: "Containerfile", body: []byte("FROM scratch\nCOPY escape /escape\n")},
			{name: "escape", link: "/etc/shadow"},
		}, "escape"},
		{"FailingContainerfile", []file{
			{name: "Containerfile", body: []byte("FROM scratch\nCOPY missing-file /missing\n")},
		}, "missing-file"},
		{"UnknownInstruction", []file{
			{name: "Dockerfile", body: []byte("FROM scratch\nFROBNICATE everything\n")},
		}, "build"},
		{"NoContainerfile", []file{
			{name: "main.go", body: []byte("package main\n")},
		}, "no Containerfile"},
		{"RunRefused", []file{
			{name: "Containerfile", body: []byte("FROM scratch\nCOPY fn /fn\nRUN [\"/fn\", \"loop\"]\n")},
			{name: "fn", body: []byte("x"), mode: 0o755},
		}, "RUN runs commands"},
		{"AddFromNetwork", []file{
			{name: "Containerfile", body: []byte("FROM scratch\nADD http://169.254.169.254/latest/meta-data /m\n")},
		}, "fetch from the network"},
		{"OtherFunctionsImage", []file{
			{name: "Containerfile", body: []byte("FROM berth-fn/fn-hostile-build:1\n")},
		}, "another function's image"},
		{"BaseImageMissing", []file{
			{name: "Containerfile", body: []byte("FROM alpine:3\n")},
		}, "not on this server"},
		{"NoCommand", []file{
			{name: "Containerfile", body: []byte("FROM scratch\nCOPY fn /fn\n")},
			{name: "fn", body: []byte("#!/bin/false\n"), mode: 0o755},
		}, "no command"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := deploymentRef(t, "fn-hostile-build", 2+i, buildContext(t, "hostile-"+c.name, c.files...))
			err := rt.Prepare(testCtx(t), d)
			t.Logf("Prepare: %v", err)
			if !errors.Is(err, berth.ErrBadArtefact) || !strings.Contains(err.Error(), c.message) {
				t.Fatalf("Prepare = %v, want ErrBadArtefact mentioning %q", err, c.message)
			}
			if id := rt.ImageID(d); id != "" {
				t.Fatalf("a refused deployment has image %s", id)
			}
			healthy(t, rt, good)
		})
	}
	t.Run("BuildTimeout", func(t *testing.T) {
		// A timeout far below what any build takes. (A RUN step that never
		// ends cannot be used: the engine would keep running it.)
		slow := newRuntime(t, func(c *Config) { c.BuildTimeout = 30 * time.Millisecond })
		d := deploymentRef(t, "fn-hostile-build-slow", 1, fnContext(t, "exec", "/fn", "route"))
		err := slow.Prepare(testCtx(t), d)
		t.Logf("Prepare: %v", err)
		if !errors.Is(err, berth.ErrBadArtefact) || !strings.Contains(err.Error(), "did not finish within 30ms") {
			t.Fatalf("Prepare = %v, want ErrBadArtefact for the build timeout", err)
		}
		if log, err := slow.BuildLog(testCtx(t), d); err != nil || !strings.Contains(log, "the build was stopped after 30ms") {
			t.Fatalf("build log %q, %v", log, err)
		}
		healthy(t, rt, good)
	})
	t.Run("RunAllowed", func(t *testing.T) {
		runs := newRuntime(t, func(c *Config) { c.AllowBuildRun = true })
		d := deploymentRef(t, "fn-hostile-build-run", 1, buildContext(t, "run-allowed",
			file{name: "Containerfile", body: []byte("FROM scratch AS build\nCOPY fn /fn\nRUN [\"/fn\", \"echo\"]\nFROM scratch\nCOPY --from=build /fn /fn\nENTRYPOINT [\"/fn\", \"route\"]\n")},
			file{name: "fn", body: shared.fnBin, mode: 0o755},
			file{name: "berth.toml", body: []byte("[container]\nmode = \"exec\"\n")}))
		if err := runs.Prepare(testCtx(t), d); err != nil {
			t.Fatal(err)
		}
		log, _ := runs.BuildLog(testCtx(t), d)
		if !strings.Contains(log, "X-Method:") {
			t.Fatalf("the RUN step's output is not in the build log:\n%s", log)
		}
		healthy(t, runs, d)
	})
	t.Run("BuildLogOfFailure", func(t *testing.T) {
		d := deploymentRef(t, "fn-hostile-build", 2+2, buildContext(t, "hostile-FailingContainerfile"))
		log, err := rt.BuildLog(testCtx(t), d)
		if err != nil || !strings.Contains(log, "missing-file") {
			t.Fatalf("BuildLog = %q, %v", log, err)
		}
	})
}

// TestHostileCalls runs each hostile behaviour against one warm exec-mode
// instance and checks, after each, that a normal call works.
func TestHostileCalls(t *testing.T) {
	rt := newRuntime(t, func(c *Config) { c.PidsLimit = 64 })
	d := prepared(t, rt, fnContext(t, "exec", "/fn", "route"))
	healthy(t, rt, d)

	t.Run("MemoryExhaustion", func(t *testing.T) {
		req := get("/hog")
		req.Limits.MemoryMB = 32
		resp, err := rt.Invoke(testCtx(t), d, req)
		wantKind(t, err, berth.ErrOutOfMemory)
		if resp == nil || !strings.Contains(strings.Join(resp.Logs, "\n"), "eating memory") {
			t.Fatalf("logs of the out-of-memory call: %+v", resp)
		}
		healthy(t, rt, d)
	})
	t.Run("ForkBomb", func(t *testing.T) {
		req := get("/forkbomb")
		req.Limits.Timeout = 3 * time.Second
		start := time.Now()
		_, err := rt.Invoke(testCtx(t), d, req)
		t.Logf("Invoke: %v", err)
		// Contained either way: by the pids limit until the deadline, or by
		// the memory limit when the copies' page tables fill it first.
		wantKind(t, err, berth.ErrTimeout, berth.ErrCrashed, berth.ErrOutOfMemory)
		if el := time.Since(start); el > 15*time.Second {
			t.Fatalf("the fork bomb ran for %s", el)
		}
		healthy(t, rt, d)
	})
	t.Run("Network", func(t *testing.T) {
		resp := mustInvoke(t, rt, d, get("/net"))
		body := string(resp.Body)
		if !strings.Contains(body, "interfaces=lo\n") || !strings.Contains(body, "network is unreachable") {
			t.Fatalf("the function saw a network: %s", body)
		}
		healthy(t, rt, d)
	})
	t.Run("WriteRoot", func(t *testing.T) {
		resp := mustInvoke(t, rt, d, get("/write"))
		body := string(resp.Body)
		for _, want := range []string{
			"root=open /written: read-only file system", "tmp=<nil>",
			"run=open /.berth/run/written: permission denied", "chmod=chmod /.berth/run: operation not permitted",
			"watchdog=open /.berth/watchdog: read-only file system",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("writes: %q missing in\n%s", want, body)
			}
		}
		healthy(t, rt, d)
	})
	t.Run("Timeout", func(t *testing.T) {
		req := get("/sleep")
		req.RawQuery = "60000"
		req.Limits.Timeout = 500 * time.Millisecond
		start := time.Now()
		_, err := rt.Invoke(testCtx(t), d, req)
		wantKind(t, err, berth.ErrTimeout)
		if el := time.Since(start); el < 500*time.Millisecond || el > 5*time.Second {
			t.Fatalf("stopped after %s for a 500ms deadline", el)
		}
		healthy(t, rt, d)
	})
	t.Run("HugeResponse", func(t *testing.T) {
		req := get("/huge")
		req.Limits.MaxOutputBytes = 1 << 20
		_, err := rt.Invoke(testCtx(t), d, req)
		wantKind(t, err, berth.ErrOutputTooLarge)
		healthy(t, rt, d)
	})
	t.Run("Isolation", func(t *testing.T) {
		resp := mustInvoke(t, rt, d, get("/isolation"))
		body := string(resp.Body)
		for _, want := range []string{
			"CapEff: 0000000000000000", "CapPrm: 0000000000000000", "CapBnd: 0000000000000000", "NoNewPrivs: 1",
			"nofile: 1024 1024", "nproc: 1024 1024", "pids.max: 64", "memory.limit_in_bytes: 67108864",
		} {
			if !strings.Contains(body, want) && !(strings.HasPrefix(want, "memory") && strings.Contains(body, "memory.max: 67108864")) {
				t.Errorf("isolation: %q missing in\n%s", want, body)
			}
		}
	})
	if n := len(rt.Instances()); n != 1 {
		t.Errorf("%d instances after the hostile calls, want the one warm instance", n)
	}
}

// TestHostileStarts: images whose instances never become ready.
func TestHostileStarts(t *testing.T) {
	rt := newRuntime(t, func(c *Config) { c.StartTimeout = 2 * time.Second })
	good := deploymentRef(t, "fn-hostile-start", 1, fnContext(t, "http", "/fn", "serve"))
	if err := rt.Prepare(testCtx(t), good); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		context string
		want    error
		logs    string
	}{
		{"ExitsAtOnce", fnContext(t, "http", "/fn", "exit-now"), berth.ErrCrashed, "giving up at once"},
		{"NeverListens", fnContext(t, "http", "/fn", "never-listen"), ErrStartTimeout, "not listening"},
		{"ListensTooLate", fnContext(t, "http", "/fn", "serve-late", "5s"), ErrStartTimeout, "listening in 5s"},
		{"CommandMissing", fnContext(t, "exec", "/no/such/program"), berth.ErrCrashed, ""},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := deploymentRef(t, "fn-hostile-start-"+c.name, 1+i, c.context)
			if err := rt.Prepare(testCtx(t), d); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			resp, err := rt.Invoke(testCtx(t), d, get("/"))
			t.Logf("Invoke: %v", err)
			wantKind(t, err, c.want)
			if errors.Is(c.want, ErrStartTimeout) && !errors.Is(err, berth.ErrTimeout) {
				t.Fatalf("a start timeout must be a berth.ErrTimeout: %v", err)
			}
			if el := time.Since(start); el > 8*time.Second {
				t.Fatalf("gave up after %s with a 2s start timeout", el)
			}
			if c.logs != "" && (resp == nil || !strings.Contains(strings.Join(resp.Logs, "\n"), c.logs)) {
				t.Fatalf("logs %+v lack %q", resp, c.logs)
			}
			waitFor(t, "the failed instance to go", func() bool { return countInstances(rt, d.FunctionID) == 0 })
			resp = mustInvoke(t, rt, good, get("/ok"))
			if resp.Header.Get("X-Path") != "/ok" {
				t.Fatalf("the good function answered %v", resp.Header)
			}
		})
	}
	t.Run("ListensLateWithinTimeout", func(t *testing.T) {
		rt := newRuntime(t, func(c *Config) { c.StartTimeout = 10 * time.Second })
		d := prepared(t, rt, fnContext(t, "http", "/fn", "serve-late", "1s"))
		resp := mustInvoke(t, rt, d, get("/late"))
		if !resp.ColdStart || resp.Header.Get("X-Path") != "/late" {
			t.Fatalf("cold %v, headers %v", resp.ColdStart, resp.Header)
		}
	})
}

// TestHostileHTTP: an http server that dies or hogs memory is replaced.
func TestHostileHTTP(t *testing.T) {
	rt := newRuntime(t, nil)
	d := prepared(t, rt, fnContext(t, "http", "/fn", "serve"))
	healthy(t, rt, d)
	t.Run("Crash", func(t *testing.T) {
		resp, err := rt.Invoke(testCtx(t), d, get("/crash"))
		wantKind(t, err, berth.ErrCrashed)
		if resp == nil || !strings.Contains(strings.Join(resp.Logs, "\n"), "about to crash") {
			t.Fatalf("logs: %+v", resp)
		}
		healthy(t, rt, d)
	})
	t.Run("MemoryExhaustion", func(t *testing.T) {
		req := get("/hog")
		req.Limits.MemoryMB = 32
		_, err := rt.Invoke(testCtx(t), d, req)
		wantKind(t, err, berth.ErrOutOfMemory)
		healthy(t, rt, d)
	})
	t.Run("Timeout", func(t *testing.T) {
		req := get("/loop")
		req.Limits.Timeout = 500 * time.Millisecond
		_, err := rt.Invoke(testCtx(t), d, req)
		wantKind(t, err, berth.ErrTimeout)
		healthy(t, rt, d)
	})
	t.Run("Network", func(t *testing.T) {
		resp := mustInvoke(t, rt, d, get("/net"))
		if body := string(resp.Body); !strings.Contains(body, "interfaces=lo\n") || !strings.Contains(body, "network is unreachable") {
			t.Fatalf("the server saw a network: %s", body)
		}
	})
}

func countInstances(rt *Runtime, fn string) int {
	n := 0
	for _, in := range rt.Instances() {
		if in.FunctionID == fn {
			n++
		}
	}
	return n
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
