package manager_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/store/sqlite"
)

// module reads a test module of the wasm runtime's suite.
func module(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "runtime", "wasm", "testdata", name+".wasm"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// deployed creates a function for a new user and deploys the echo module.
func deployed(t *testing.T, ts *testServer) (*client.Client, *client.Function) {
	t.Helper()
	_, _, c := ts.newUser()
	f, err := c.InitFunction(t.Context(), "echo", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deploy(t.Context(), f.ID, "application/wasm", module(t, "echo")); err != nil {
		t.Fatal(err)
	}
	return c, f
}

func intp(n int) *int { return &n }

// targz builds a .tar.gz from name → content (a "../" name is kept as is).
func targz(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, data := range files {
		mode := int64(0o644)
		if len(data) > 4 && string(data[1:4]) == "ELF" {
			mode = 0o755 // an executable
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFunctionLifecycle(t *testing.T) {
	backends(t, func(t *testing.T, opts ...serverOption) {
		ts := startServer(t, opts...)
		ctx := t.Context()
		_, _, c := ts.newUser()
		f, err := c.InitFunction(ctx, "hello", "wasm", "says hello")
		if err != nil {
			t.Fatal(err)
		}
		if f.Status != "initialized" || f.ActiveVersion != nil || f.Settings.Visibility != "private" || f.Runtime != "wasm" {
			t.Fatalf("init: %+v", f)
		}
		_, err = c.Invoke(ctx, f.ID, nil, nil)
		wantStatus(t, err, 409, "function-not-deployed")

		res, err := c.Deploy(ctx, f.ID, "application/wasm", module(t, "echo"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Deployment.Version != 1 || res.Deployment.Status != "ready" || !res.Deployment.Active || res.Function.Status != "active" {
			t.Fatalf("deploy: %+v", res)
		}
		resp, err := c.Invoke(ctx, f.ID, []byte("ping"), http.Header{"X-Test": {"yes"}})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != 200 || string(resp.Body) != "ping" || resp.Header.Get("X-Method") != "POST" ||
			resp.Header.Get("X-Test") != "yes" || resp.ExecutionID == "" {
			t.Fatalf("invoke: %d %q %v", resp.Status, resp.Body, resp.Header)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
			t.Fatalf("function response without a sandbox CSP: %q", csp)
		}

		t.Run("ExecutionRecorded", func(t *testing.T) {
			e := waitExecution(t, c, f.ID, resp.ExecutionID)
			if e.Status != "success" || e.HTTPStatus != 200 || e.Version != 1 || e.BytesIn != 4 || e.BytesOut != 4 ||
				e.Caller != "owner" || len(e.Logs) == 0 || !strings.Contains(e.Logs[0], "echo: POST /") {
				t.Fatalf("execution %+v", e)
			}
			lines, err := c.Logs(ctx, f.ID, time.Time{}, 10)
			if err != nil || len(lines) == 0 || lines[0].ExecutionID != resp.ExecutionID {
				t.Fatalf("logs %+v %v", lines, err)
			}
			got, err := c.Function(ctx, f.ID)
			if err != nil || got.Recent == nil || got.Recent.Invocations < 1 {
				t.Fatalf("recent summary: %+v %v", got.Recent, err)
			}
		})

		t.Run("FailedDeployKeepsActive", func(t *testing.T) {
			for name, art := range map[string][]byte{
				"NotWasm": module(t, "not-a-module"), "NoStart": module(t, "nostart"), "Truncated": module(t, "echo")[:40],
			} {
				_, err := c.Deploy(ctx, f.ID, "application/wasm", art)
				if ce := wantStatus(t, err, 422, "bad-artefact"); !strings.Contains(ce.Detail, "active version is unchanged") {
					t.Errorf("%s: %s", name, ce.Detail)
				}
			}
			got, _ := c.Function(ctx, f.ID)
			if got.ActiveVersion == nil || *got.ActiveVersion != 1 {
				t.Fatalf("active version moved: %+v", got.ActiveVersion)
			}
			ds, err := c.Deployments(ctx, f.ID, client.ListOptions{})
			if err != nil || ds.Total != 4 || ds.Items[0].Status != "failed" || ds.Items[0].Error == "" || !ds.Items[3].Active {
				t.Fatalf("deployments %+v %v", ds, err)
			}
			if resp, err := c.Invoke(ctx, f.ID, []byte("still"), nil); err != nil || string(resp.Body) != "still" {
				t.Fatalf("invoke after failed deploys: %v", err)
			}
		})

		t.Run("RollbackAndRedeploy", func(t *testing.T) {
			res, err := c.Deploy(ctx, f.ID, "application/wasm", module(t, "trap"))
			if err != nil {
				t.Fatal(err)
			}
			v := res.Deployment.Version
			_, err = c.Invoke(ctx, f.ID, nil, nil)
			wantStatus(t, err, 502, "function-failed")
			if _, err := c.Rollback(ctx, f.ID, 1); err != nil {
				t.Fatal(err)
			}
			if resp, err := c.Invoke(ctx, f.ID, []byte("back"), nil); err != nil || string(resp.Body) != "back" {
				t.Fatalf("after rollback: %v", err)
			}
			_, err = c.Rollback(ctx, f.ID, v-1) // a failed version
			wantStatus(t, err, 422, "validation")
			_, err = c.Rollback(ctx, f.ID, 99)
			wantStatus(t, err, 404, "not-found")
		})

		t.Run("Settings", func(t *testing.T) {
			env := map[string]string{"GREETING": "hi"}
			secret := "s3cr3t-value"
			got, err := c.UpdateFunction(ctx, f.ID, client.SettingsPatch{Env: &env, Secrets: map[string]*string{"API_TOKEN": &secret},
				MemoryMB: intp(64), TimeoutMS: intp(2000), Visibility: strp("public")})
			if err != nil {
				t.Fatal(err)
			}
			if got.Settings.Env["GREETING"] != "hi" || got.Settings.Secrets["API_TOKEN"] != "********" || got.Settings.MemoryMB != 64 ||
				got.Settings.Visibility != "public" {
				t.Fatalf("settings %+v", got.Settings)
			}
			resp, err := c.Invoke(ctx, f.ID, nil, nil)
			if err != nil || resp.Header.Get("X-Greeting") != "hi" {
				t.Fatalf("env not visible to the function: %v %v", err, resp)
			}
			raw, _ := c.Function(ctx, f.ID)
			if strings.Contains(string(mustJSON(t, raw)), secret) {
				t.Fatal("a secret value was read back")
			}
			for name, patch := range map[string]client.SettingsPatch{
				"ReservedEnv":  {Env: &map[string]string{"PATH_INFO": "x"}},
				"HTTPEnv":      {Env: &map[string]string{"HTTP_HOST": "x"}},
				"BadEnvName":   {Env: &map[string]string{"1X": "x"}},
				"TooMuchMem":   {MemoryMB: intp(100000)},
				"TooLittleMem": {MemoryMB: intp(1)},
				"LongTimeout":  {TimeoutMS: intp(3600000)},
				"BadSecret":    {Secrets: map[string]*string{"X-Y": &secret}},
				"BadVis":       {Visibility: strp("world")},
			} {
				_, err := c.UpdateFunction(ctx, f.ID, patch)
				if client.StatusOf(err) != 422 {
					t.Errorf("%s: %v", name, err)
				}
			}
		})
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jsonEncoder(&buf).Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// waitExecution polls until the batch writer has stored the record.
func waitExecution(t *testing.T, c *client.Client, fid, id string) *client.Execution {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		e, err := c.Execution(t.Context(), fid, id)
		if err == nil {
			return e
		}
		if client.StatusOf(err) != 404 || time.Now().After(deadline) {
			t.Fatalf("execution %s: %v", id, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestInitValidation(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	_, _, c := ts.newUser()
	if _, err := c.InitFunction(ctx, "dup", "wasm", ""); err != nil {
		t.Fatal(err)
	}
	_, err := c.InitFunction(ctx, "dup", "wasm", "")
	wantStatus(t, err, 409, "conflict")
	_, _, other := ts.newUser()
	if _, err := other.InitFunction(ctx, "dup", "wasm", ""); err != nil {
		t.Fatalf("names are per owner: %v", err)
	}
	for _, bad := range []string{"Upper", "-lead", "trail-", "has_underscore", "dot.ted", strings.Repeat("a", 64), "spa ce", "ünï"} {
		_, err := c.InitFunction(ctx, bad, "wasm", "")
		if s := client.StatusOf(err); s != 422 {
			t.Errorf("name %q: %v", bad, err)
		}
	}
	_, err = c.InitFunction(ctx, "boxed", "container", "")
	wantStatus(t, err, 422, "runtime-unavailable")
	_, err = c.InitFunction(ctx, "weird", "python", "")
	wantStatus(t, err, 422, "")
}

func TestHostileModules(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	_, _, c := ts.newUser()
	tests := []struct {
		module, status, code, execStatus string
	}{
		{"loop", "504", "function-timeout", "timeout"},
		{"grow", "502", "function-failed", "out_of_memory"},
		{"flood", "502", "function-failed", "error"},
		{"trap", "502", "function-failed", "error"},
		{"exit3", "502", "function-failed", "error"},
		{"noblank", "502", "function-failed", "error"},
		{"bigheader", "502", "function-failed", "error"},
		{"badname", "502", "function-failed", "error"},
	}
	for _, tt := range tests {
		t.Run(tt.module, func(t *testing.T) {
			f, err := c.InitFunction(ctx, tt.module, "wasm", "")
			if err != nil {
				t.Fatal(err)
			}
			timeout := 5000 // generous: under the race detector growing 32 MiB takes a while
			if tt.module == "loop" {
				timeout = 500
			}
			if _, err := c.UpdateFunction(ctx, f.ID, client.SettingsPatch{TimeoutMS: intp(timeout), MemoryMB: intp(32)}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Deploy(ctx, f.ID, "application/wasm", module(t, tt.module)); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = c.Invoke(ctx, f.ID, nil, nil)
			ce := wantStatus(t, err, atoi(tt.status), tt.code)
			if time.Since(start) > 20*time.Second {
				t.Fatalf("took %s", time.Since(start))
			}
			if ce.Detail == "" {
				t.Fatal("no detail")
			}
			// The platform is still healthy and records what happened.
			waitFor(t, func() bool {
				l, err := c.Executions(ctx, f.ID, client.ListOptions{})
				return err == nil && l.Total == 1 && l.Items[0].Status == tt.execStatus
			})
			if err := ts.anon().Ready(ctx); err != nil {
				t.Fatalf("not ready after %s: %v", tt.module, err)
			}
		})
	}
}

// TestSleepingFunctionTimeout: a function asleep in the host past its
// deadline, which answers the moment it wakes, is answered 504 and
// recorded as a timeout, every time.
func TestSleepingFunctionTimeout(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	_, _, c := ts.newUser()
	f, err := c.InitFunction(ctx, "sleepexit", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateFunction(ctx, f.ID, client.SettingsPatch{TimeoutMS: intp(100)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deploy(ctx, f.ID, "application/wasm", module(t, "sleepexit")); err != nil {
		t.Fatal(err)
	}
	const calls = 10
	for range calls {
		_, err := c.Invoke(ctx, f.ID, nil, nil)
		wantStatus(t, err, 504, "function-timeout")
	}
	waitFor(t, func() bool {
		l, err := c.Executions(ctx, f.ID, client.ListOptions{Status: "timeout"})
		return err == nil && l.Total == calls
	})
}

// TestInvokeOverMemoryBudget: with a memory budget that holds one call,
// of two calls at once one runs (here until its deadline) and the other,
// after waiting for room, is answered 503 with Retry-After and recorded as
// rejected.
func TestInvokeOverMemoryBudget(t *testing.T) {
	ts := startServer(t, withRegistration, func(c *config.Config) {
		c.Functions.MaxMemoryMB, c.Functions.MemoryBudgetMB = 16, 16
	})
	ctx := t.Context()
	_, _, c := ts.newUser()
	f, err := c.InitFunction(ctx, "sleep", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	// The call that gets the budget holds it 4 s; the other waits 2 s.
	if _, err := c.UpdateFunction(ctx, f.ID, client.SettingsPatch{TimeoutMS: intp(4000), MemoryMB: intp(16)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deploy(ctx, f.ID, "application/wasm", module(t, "sleep")); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := c.Invoke(ctx, f.ID, nil, nil)
			errs <- err
		}()
	}
	var statuses []int
	for range 2 {
		var ce *client.Error
		if err := <-errs; !errors.As(err, &ce) {
			t.Fatalf("got %v; want a problem", err)
		} else if ce.Status == 503 && (ce.Code() != "unavailable" || ce.RetryAfter < time.Second) {
			t.Fatalf("503 %s with Retry-After %s; want unavailable and at least 1 s", ce.Code(), ce.RetryAfter)
		} else {
			statuses = append(statuses, ce.Status)
		}
	}
	slices.Sort(statuses)
	if !slices.Equal(statuses, []int{503, 504}) {
		t.Fatalf("statuses %v; want one 503 (no room in the budget) and one 504 (the call that ran)", statuses)
	}
	for _, status := range []string{"rejected", "timeout"} {
		waitFor(t, func() bool {
			l, err := c.Executions(ctx, f.ID, client.ListOptions{Status: status})
			return err == nil && l.Total == 1
		})
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestBadArchives(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	_, _, c := ts.newUser()
	f, err := c.InitFunction(ctx, "arch", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	bomb := func() []byte {
		var buf bytes.Buffer
		gz, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		tw := tar.NewWriter(gz)
		const size = 300 << 20
		_ = tw.WriteHeader(&tar.Header{Name: "zeros.wasm", Mode: 0o644, Size: size, Typeflag: tar.TypeReg})
		zero := make([]byte, 1<<20)
		for range size >> 20 {
			_, _ = tw.Write(zero)
		}
		_ = tw.Close()
		_ = gz.Close()
		return buf.Bytes()
	}()
	tests := map[string]struct {
		ct   string
		body []byte
		code int
	}{
		"Traversal":    {"application/gzip", targz(t, map[string][]byte{"../../etc/evil.wasm": module(t, "echo")}), 422},
		"Absolute":     {"application/gzip", targz(t, map[string][]byte{"/abs.wasm": module(t, "echo")}), 422},
		"Bomb":         {"application/gzip", bomb, 422},
		"NoModule":     {"application/gzip", targz(t, map[string][]byte{"README": []byte("hi")}), 422},
		"BadManifest":  {"application/gzip", targz(t, map[string][]byte{"f.wasm": module(t, "echo"), "berth.toml": []byte("[function]\nmemory_mb = \"lots\"\n")}), 422},
		"WrongType":    {"text/plain", module(t, "echo"), 415},
		"TypeMismatch": {"application/zip", module(t, "echo"), 422},
		"Empty":        {"application/wasm", []byte{}, 422},
		"GzipNotTar":   {"application/gzip", []byte("not gzip at all"), 422},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := c.Deploy(ctx, f.ID, tt.ct, tt.body)
			wantStatus(t, err, tt.code, "")
		})
	}
	t.Run("ArchiveWithManifest", func(t *testing.T) {
		art := targz(t, map[string][]byte{"fn/echo.wasm": module(t, "echo"),
			"berth.toml": []byte("[function]\nmemory_mb = 48\n[function.env]\nGREETING = \"from toml\"\n")})
		res, err := c.Deploy(ctx, f.ID, "application/gzip", art)
		if err != nil {
			t.Fatal(err)
		}
		if res.Function.Settings.MemoryMB != 48 || res.Function.Settings.Env["GREETING"] != "from toml" {
			t.Fatalf("manifest not applied: %+v", res.Function.Settings)
		}
		resp, err := c.Invoke(ctx, f.ID, []byte("x"), nil)
		if err != nil || resp.Header.Get("X-Greeting") != "from toml" {
			t.Fatalf("%v %+v", err, resp)
		}
	})
	// Nothing of the refused uploads is left in the incoming directory.
	entries, _ := os.ReadDir(filepath.Join(ts.dataDir, "artefacts", ".incoming"))
	if len(entries) != 0 {
		t.Fatalf("%d leftover uploads", len(entries))
	}
}

func TestArtefactTooLarge(t *testing.T) {
	ts := startServer(t, withRegistration, func(c *config.Config) { c.Functions.MaxArtefactBytes = 64 << 10 })
	ctx := t.Context()
	_, _, c := ts.newUser()
	f, _ := c.InitFunction(ctx, "big", "wasm", "")
	_, err := c.Deploy(ctx, f.ID, "application/wasm", append(module(t, "echo"), make([]byte, 70<<10)...))
	wantStatus(t, err, 413, "body-too-large")
}

func TestConcurrentDeploys(t *testing.T) {
	backends(t, func(t *testing.T, opts ...serverOption) {
		ts := startServer(t, opts...)
		ctx := t.Context()
		_, _, c := ts.newUser()
		f, err := c.InitFunction(ctx, "racy", "wasm", "")
		if err != nil {
			t.Fatal(err)
		}
		const n = 6
		var wg sync.WaitGroup
		versions := make(chan int, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := c.Deploy(ctx, f.ID, "application/wasm", module(t, "echo"))
				if err != nil {
					t.Error(err)
					return
				}
				versions <- res.Deployment.Version
			}()
		}
		wg.Wait()
		close(versions)
		seen := map[int]bool{}
		for v := range versions {
			seen[v] = true
		}
		for v := 1; v <= n; v++ {
			if !seen[v] {
				t.Fatalf("versions %v: %d missing", seen, v)
			}
		}
		ds, _ := c.Deployments(ctx, f.ID, client.ListOptions{})
		if ds.Total != n {
			t.Fatalf("%d deployments recorded", ds.Total)
		}
	})
}

func TestInvokeDuringRollbackAndDeletion(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	c, f := deployed(t, ts)
	if _, err := c.Deploy(ctx, f.ID, "application/wasm", module(t, "echo")); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failures sync.Map
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if resp, err := c.Invoke(ctx, f.ID, []byte("x"), nil); err != nil || resp.Status != 200 {
					failures.Store(err, true)
				}
			}
		}()
	}
	for i := range 20 {
		if _, err := c.Rollback(ctx, f.ID, 1+i%2); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
	failures.Range(func(k, _ any) bool { t.Errorf("invocation failed during rollback: %v", k); return true })

	st, err := c.DeleteFunction(ctx, f.ID)
	if err != nil || st.Status != "pending_deletion" || st.SecondsRemaining == nil || *st.SecondsRemaining < 86000 {
		t.Fatalf("delete: %+v %v", st, err)
	}
	_, err = c.Invoke(ctx, f.ID, nil, nil)
	wantStatus(t, err, 410, "function-pending-deletion")
	_, err = c.Deploy(ctx, f.ID, "application/wasm", module(t, "echo"))
	wantStatus(t, err, 409, "function-pending-deletion")
	_, err = c.DeleteFunction(ctx, f.ID)
	wantStatus(t, err, 409, "function-pending-deletion")
	pend, err := c.PendingDeletions(ctx, client.ListOptions{})
	if err != nil || pend.Total != 1 || pend.Items[0].ID != f.ID {
		t.Fatalf("pending %+v %v", pend, err)
	}
	if _, err := c.CancelDeletion(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	if resp, err := c.Invoke(ctx, f.ID, []byte("alive"), nil); err != nil || string(resp.Body) != "alive" {
		t.Fatalf("after cancel: %v", err)
	}
	_, err = c.CancelDeletion(ctx, f.ID)
	wantStatus(t, err, 409, "conflict")

	t.Run("PurgeAfterGrace", func(t *testing.T) {
		resp, err := c.Invoke(ctx, f.ID, []byte("keep me"), nil)
		if err != nil {
			t.Fatal(err)
		}
		waitExecution(t, c, f.ID, resp.ExecutionID)
		if _, err := c.DeleteFunction(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		ts.clock.Advance(25 * time.Hour)
		ts.Maintain(ctx)
		if _, err := ts.Store().Function(ctx, f.ID); !errors.Is(err, berth.ErrNotFound) {
			t.Fatalf("function not purged: %v", err)
		}
		if _, err := os.Stat(filepath.Join(ts.dataDir, "artefacts", f.ID)); !os.IsNotExist(err) {
			t.Fatalf("artefacts kept: %v", err)
		}
		if _, err := ts.Store().Execution(ctx, f.ID, resp.ExecutionID); err != nil {
			t.Fatalf("execution history not kept for stats: %v", err)
		}
	})
}

func TestAPIKeys(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	c, f := deployed(t, ts)
	other, err := c.InitFunction(ctx, "other", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deploy(ctx, other.ID, "application/wasm", module(t, "echo")); err != nil {
		t.Fatal(err)
	}
	k, err := c.CreateAPIKey(ctx, f.ID, "ci", "30d")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(k.KeyID, "BF") || k.Secret == "" || k.Status != "active" || k.ExpiresAt == nil {
		t.Fatalf("key %+v", k)
	}
	caller := ts.signer(k.KeyID, k.Secret)
	resp, err := caller.Invoke(ctx, f.ID, []byte("by key"), nil)
	if err != nil || string(resp.Body) != "by key" {
		t.Fatalf("invoke with the key: %v", err)
	}
	if e := waitExecution(t, c, f.ID, resp.ExecutionID); e.Caller != "api_key" || e.CallerKey != k.KeyID {
		t.Fatalf("execution caller %+v", e)
	}
	if resp, err := caller.Call(ctx, http.MethodGet, "/fn/"+f.ID+"/a/b?x=1", nil, nil); err != nil ||
		resp.Header.Get("X-Path") != "/a/b" || resp.Header.Get("X-Method") != "GET" || resp.Header.Get("X-Query") != "x=1" {
		t.Fatalf("trigger with the key: %v %+v", err, resp)
	}
	_, err = caller.Invoke(ctx, other.ID, nil, nil)
	wantStatus(t, err, 401, "invalid-credentials")
	_, err = caller.Me(ctx)
	wantStatus(t, err, 403, "forbidden")
	_, err = caller.Functions(ctx, client.ListOptions{})
	wantStatus(t, err, 403, "forbidden")
	_, err = ts.anon().Invoke(ctx, f.ID, nil, nil)
	wantStatus(t, err, 401, "unauthorized")

	list, err := c.APIKeys(ctx, f.ID, client.ListOptions{})
	if err != nil || list.Total != 1 || strings.Contains(string(mustJSON(t, list)), k.Secret) {
		t.Fatalf("list %+v %v", list, err)
	}
	if _, err := c.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	_, err = caller.Invoke(ctx, f.ID, nil, nil)
	wantStatus(t, err, 401, "invalid-credentials")
	if got, _ := c.APIKey(ctx, k.ID); got.Status != "revoked" {
		t.Fatalf("status %s", got.Status)
	}
	if _, err := c.EnableAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := caller.Invoke(ctx, f.ID, nil, nil); err != nil {
		t.Fatalf("after enable: %v", err)
	}
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	if _, err := c.UpdateAPIKey(ctx, k.ID, strp("renamed"), &past); err != nil {
		t.Fatal(err)
	}
	_, err = caller.Invoke(ctx, f.ID, nil, nil)
	wantStatus(t, err, 401, "invalid-credentials")
	rolled, err := c.RollAPIKey(ctx, k.ID, "7d")
	if err != nil || rolled.Status != "active" || rolled.Name != "renamed" {
		t.Fatalf("roll %+v %v", rolled, err)
	}
	if _, err := caller.Invoke(ctx, f.ID, nil, nil); err != nil {
		t.Fatalf("after roll: %v", err)
	}
	_, _, stranger := ts.newUser()
	_, err = stranger.APIKey(ctx, k.ID)
	wantStatus(t, err, 404, "not-found")
	wantStatus(t, stranger.DeleteAPIKey(ctx, k.ID), 404, "not-found")
	if err := c.DeleteAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	_, err = caller.Invoke(ctx, f.ID, nil, nil)
	wantStatus(t, err, 401, "invalid-credentials")
	_, err = c.CreateAPIKey(ctx, f.ID, "bad", "forever")
	wantStatus(t, err, 422, "validation")
}

func TestVisibilityAndOwnership(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	c, f := deployed(t, ts)
	_, _, stranger := ts.newUser()
	_, err := stranger.Function(ctx, f.ID)
	wantStatus(t, err, 404, "not-found")
	_, err = stranger.Invoke(ctx, f.ID, nil, nil)
	wantStatus(t, err, 404, "not-found")
	_, err = stranger.Deploy(ctx, f.ID, "application/wasm", module(t, "echo"))
	wantStatus(t, err, 404, "not-found")
	_, err = stranger.Executions(ctx, f.ID, client.ListOptions{})
	wantStatus(t, err, 404, "not-found")
	if l, err := stranger.Functions(ctx, client.ListOptions{}); err != nil || l.Total != 0 {
		t.Fatalf("stranger sees %+v %v", l, err)
	}
	admin, _ := ts.login(ts.admin, ts.adminPW)
	if l, err := admin.Functions(ctx, client.ListOptions{}); err != nil || l.Total < 1 {
		t.Fatalf("admin list %+v %v", l, err)
	}
	if _, err := c.UpdateFunction(ctx, f.ID, client.SettingsPatch{Visibility: strp("public")}); err != nil {
		t.Fatal(err)
	}
	resp, err := ts.anon().Invoke(ctx, f.ID, []byte("anyone"), nil)
	if err != nil || string(resp.Body) != "anyone" {
		t.Fatalf("public invoke: %v", err)
	}
	if resp, err := stranger.Invoke(ctx, f.ID, []byte("x"), nil); err != nil || resp.Status != 200 {
		t.Fatalf("public invoke by another user: %v", err)
	}
	if e := waitExecution(t, c, f.ID, resp.ExecutionID); e.Caller != "public" {
		t.Fatalf("caller %s", e.Caller)
	}
	for _, bad := range []string{"not-a-uuid", "00000000-0000-0000-0000-000000000000"} {
		_, err := ts.anon().Invoke(ctx, bad, nil, nil)
		wantStatus(t, err, 404, "not-found")
	}
}

func TestInvokeLimits(t *testing.T) {
	ts := startServer(t, withRegistration, func(c *config.Config) { c.Functions.MaxInvokeBodyBytes = 8 << 10 })
	ctx := t.Context()
	c, f := deployed(t, ts)
	_, err := c.Invoke(ctx, f.ID, make([]byte, 9<<10), nil)
	wantStatus(t, err, 413, "body-too-large")
	if resp, err := c.Invoke(ctx, f.ID, make([]byte, 8<<10), nil); err != nil || len(resp.Body) != 8<<10 {
		t.Fatalf("at the limit: %v", err)
	}
	// Credentials and berth's own headers never reach the function.
	resp, err := c.Invoke(ctx, f.ID, nil, http.Header{"Cookie": {"berth_session=secret"}, "X-Test": {"visible"}})
	if err != nil || resp.Header.Get("X-Test") != "visible" {
		t.Fatalf("%v", err)
	}
	e := waitExecution(t, c, f.ID, resp.ExecutionID)
	if e.Status != "success" {
		t.Fatalf("%+v", e)
	}
}

func TestExecutionsFilterAndLogs(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	c, f := deployed(t, ts)
	var last string
	for range 3 {
		resp, err := c.Invoke(ctx, f.ID, []byte("ok"), nil)
		if err != nil {
			t.Fatal(err)
		}
		last = resp.ExecutionID
	}
	if _, err := c.Deploy(ctx, f.ID, "application/wasm", module(t, "trap")); err != nil {
		t.Fatal(err)
	}
	_, _ = c.Invoke(ctx, f.ID, nil, nil)
	waitExecution(t, c, f.ID, last)
	waitFor(t, func() bool {
		l, err := c.Executions(ctx, f.ID, client.ListOptions{Status: "error"})
		return err == nil && l.Total == 1
	})
	all, err := c.Executions(ctx, f.ID, client.ListOptions{PerPage: 2})
	if err != nil || all.Total != 4 || len(all.Items) != 2 || all.Items[0].Status != "error" || all.Items[0].Logs != nil {
		t.Fatalf("list %+v %v", all, err)
	}
	_, err = c.Executions(ctx, f.ID, client.ListOptions{Status: "bogus"})
	wantStatus(t, err, 422, "")
	_, err = c.Execution(ctx, f.ID, "00000000-0000-0000-0000-000000000000")
	wantStatus(t, err, 404, "not-found")

	t.Run("Follow", func(t *testing.T) {
		if _, err := c.Rollback(ctx, f.ID, 1); err != nil {
			t.Fatal(err)
		}
		kp, err := c.CreateKeypair(ctx, "logs")
		if err != nil {
			t.Fatal(err)
		}
		fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(fctx, http.MethodGet, ts.url+"/api/functions/"+f.ID+"/logs?follow=true&since="+
			time.Now().Add(time.Second).UTC().Format(time.RFC3339), nil)
		resp, err := ts.signer(kp.AccessKey, kp.SecretKey).HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
		}
		time.Sleep(1100 * time.Millisecond)
		inv, err := c.Invoke(ctx, f.ID, []byte("live"), nil)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4096)
		var got strings.Builder
		for !strings.Contains(got.String(), inv.ExecutionID) {
			n, err := resp.Body.Read(buf)
			if err != nil {
				t.Fatalf("stream ended before the new line: %v\n%s", err, got.String())
			}
			got.Write(buf[:n])
		}
		if !strings.Contains(got.String(), "event: log") {
			t.Fatalf("not an SSE log event: %s", got.String())
		}
	})
}

// TestNoExecutionLostAtShutdown stops the server right after a burst of
// calls: every call that was answered has its record in the database.
func TestNoExecutionLostAtShutdown(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, withRegistration, func(c *config.Config) { c.DataDir = dir })
	ctx := t.Context()
	c, f := deployed(t, ts)
	const calls = 300
	var wg sync.WaitGroup
	var mu sync.Mutex
	answered := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range calls / 8 {
				if _, err := c.Invoke(ctx, f.ID, []byte("x"), nil); err == nil {
					mu.Lock()
					answered++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	ts.stop()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "berth.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, total, err := s.ListExecutions(ctx, berth.ExecutionFilter{FunctionID: f.ID, Page: berth.Page{Number: 1, Size: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if answered != calls/8*8 || total != answered {
		t.Fatalf("%d calls answered, %d executions recorded", answered, total)
	}
}

func TestInitDefaultsToWasm(t *testing.T) {
	ts := startServer(t, withRegistration)
	_, _, c := ts.newUser()
	var f client.Function
	if err := c.Do(t.Context(), http.MethodPost, "/api/functions/init", map[string]string{"name": "plain"}, &f); err != nil {
		t.Fatal(err)
	}
	if f.Runtime != "wasm" {
		t.Fatalf("runtime %q", f.Runtime)
	}
}

// TestManifestCheckedLikeTheAPI: berth.toml's settings get exactly the
// checks of PATCH /api/functions/{id}; an invalid one answers 422 before
// anything is activated, and neither the active version nor the settings
// move. The API refuses the same values.
func TestManifestCheckedLikeTheAPI(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	c, f := deployed(t, ts)
	before, err := c.Function(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		toml  string
		patch map[string]any
	}{
		"MemoryTooSmall":     {"memory_mb = 1", map[string]any{"memory_mb": 1}},
		"MemoryOverServer":   {"memory_mb = 4096", map[string]any{"memory_mb": 4096}},
		"TimeoutTooShort":    {"timeout_ms = 5", map[string]any{"timeout_ms": 5}},
		"TimeoutOverflows":   {"timeout_ms = 9223372036854", map[string]any{"timeout_ms": 9223372036854}},
		"ConcurrencyOverAPI": {"max_concurrency = 5000", map[string]any{"max_concurrency": 5000}},
		"ReservedEnv":        {"[function.env]\nHTTP_HOST = \"x\"", map[string]any{"env": map[string]string{"HTTP_HOST": "x"}}},
	} {
		t.Run(name, func(t *testing.T) {
			art := targz(t, map[string][]byte{"f.wasm": module(t, "echo"), "berth.toml": []byte("[function]\n" + tc.toml + "\n")})
			_, err := c.Deploy(ctx, f.ID, "application/gzip", art)
			if e := wantStatus(t, err, 422, "bad-artefact"); e != nil && !strings.Contains(e.Detail, "berth.toml") {
				t.Errorf("the problem does not name berth.toml: %q", e.Detail)
			}
			after, err := c.Function(ctx, f.ID)
			if err != nil {
				t.Fatal(err)
			}
			if *after.ActiveVersion != *before.ActiveVersion || after.Settings.MemoryMB != before.Settings.MemoryMB ||
				after.Settings.TimeoutMS != before.Settings.TimeoutMS || after.Settings.MaxConcurrency != before.Settings.MaxConcurrency ||
				len(after.Settings.Env) != len(before.Settings.Env) {
				t.Fatalf("a refused manifest moved the function: %+v -> %+v", before, after)
			}
			wantStatus(t, c.Do(ctx, http.MethodPatch, "/api/functions/"+f.ID, tc.patch, nil), 422, "validation")
		})
	}
}

// TestEnvCannotShadowASecret: a name is an environment variable or a
// secret, never both — whichever is set second is refused, through the
// API and through berth.toml.
func TestEnvCannotShadowASecret(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	c, f := deployed(t, ts)
	if err := c.Do(ctx, http.MethodPatch, "/api/functions/"+f.ID, map[string]any{"secrets": map[string]string{"TOKEN": "s3cret"}}, nil); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, c.Do(ctx, http.MethodPatch, "/api/functions/"+f.ID, map[string]any{"env": map[string]string{"TOKEN": "plain"}}, nil), 422, "validation")
	art := targz(t, map[string][]byte{"f.wasm": module(t, "echo"), "berth.toml": []byte("[function.env]\nTOKEN = \"plain\"\n")})
	_, err := c.Deploy(ctx, f.ID, "application/gzip", art)
	wantStatus(t, err, 422, "bad-artefact")
	// Removing the secret in the same change frees the name.
	if err := c.Do(ctx, http.MethodPatch, "/api/functions/"+f.ID, map[string]any{"secrets": map[string]any{"TOKEN": nil},
		"env": map[string]string{"TOKEN": "plain"}}, nil); err != nil {
		t.Fatalf("env replacing a removed secret: %v", err)
	}
}

// TestRefusedInvocationCannotBeReplayed: a signed call the function
// refused (here: not deployed yet) has spent its nonce, so the same
// request sent again once the function is deployed is a replay, not a
// first run; and the refusal is in the function's executions.
func TestRefusedInvocationCannotBeReplayed(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	_, _, c := ts.newUser()
	f, err := c.InitFunction(ctx, "later", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	k, err := c.CreateAPIKey(ctx, f.ID, "k", "")
	if err != nil {
		t.Fatal(err)
	}
	first := signedRequest(t, http.MethodPost, ts.url+"/api/functions/"+f.ID+"/invoke", "once", k.KeyID, k.Secret, ts.clock.Now())
	again := resend(first, "once")
	if status, _, body := ts.raw(first); status != http.StatusConflict || !strings.Contains(string(body), "function-not-deployed") {
		t.Fatalf("before a deploy: %d %s", status, body)
	}
	if _, err := c.Deploy(ctx, f.ID, "application/wasm", module(t, "echo")); err != nil {
		t.Fatal(err)
	}
	if status, _, body := ts.raw(again); status != http.StatusUnauthorized || !strings.Contains(string(body), "replayed-request") {
		t.Fatalf("the refused request sent again after the deploy: %d %s; want 401 replayed-request", status, body)
	}
	waitFor(t, func() bool {
		l, err := c.Executions(ctx, f.ID, client.ListOptions{Status: "rejected"})
		return err == nil && l.Total == 2
	})
}
