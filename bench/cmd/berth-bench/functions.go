package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/bench/load"
	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/server"
)

// FunctionStats are the invocation figures.
type FunctionStats struct {
	// Invoke pairs signed POST /invoke of the C example (Subject) with the
	// same module instantiated straight on wazero (Baseline), one row per
	// server (Backend) and concurrency.
	Invoke []HTTPPair `json:"invoke"`
	// Health is GET /health on the same server at the same concurrency,
	// measured beside Invoke[i] as Health[i]. Reports before 2026-12 lack it.
	Health []load.Result `json:"health,omitempty"`
	// Calls sent, calls answered, and executions recorded for them, over
	// all the servers. A call cut short by the end of a run may be
	// recorded without its answer reaching the client, so answered <=
	// recorded <= sent must hold (it is checked on each server).
	Sent     int64 `json:"sent"`
	Calls    int64 `json:"answered"`
	Recorded int   `json:"recorded"`
	// The Go example: first call after a restart (compiled code from the
	// disk cache) and warm calls.
	GoColdAfterRestart time.Duration `json:"go_cold_after_restart_ns"`
	GoDeploy           time.Duration `json:"go_deploy_ns"`
	GoWarm             *load.Result  `json:"go_warm,omitempty"`
}

const benchBody = "hello from the load generator"

// buildExamples compiles the example functions into dir.
func buildExamples(ctx context.Context, cl *cleanups, dir string) (cPath, goPath string, err error) {
	goPath = filepath.Join(dir, "hello-go.wasm")
	build := exec.Command("go", "build", "-o", goPath, "./examples/hello-go")
	build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := combinedOutput(ctx, cl, build); err != nil {
		return "", "", fmt.Errorf("build examples/hello-go: %w\n%s", err, out)
	}
	cPath = filepath.Join(dir, "hello-c.wasm")
	clang := exec.Command("clang", "--target=wasm32-wasi", "-O2", "-o", cPath, "examples/hello-c/hello.c")
	if out, err := combinedOutput(ctx, cl, clang); err != nil {
		return "", "", fmt.Errorf("build examples/hello-c (needs clang lld wasi-libc libclang-rt-14-dev-wasm32): %w\n%s", err, out)
	}
	return cPath, goPath, nil
}

// direct runs a module straight on wazero, the way a Go program embedding
// wazero would: one compiled module, a fresh instance per call.
type direct struct {
	wz       wazero.Runtime
	compiled wazero.CompiledModule
	cfg      wazero.ModuleConfig
}

func newDirect(ctx context.Context, path string) (*direct, error) {
	code, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	wz := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCloseOnContextDone(true))
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, wz); err != nil {
		return nil, err
	}
	compiled, err := wz.CompileModule(ctx, code)
	if err != nil {
		return nil, err
	}
	cfg := wazero.NewModuleConfig().WithName("").WithArgs("hello.wasm").WithSysWalltime().WithSysNanotime().
		WithRandSource(rand.Reader).WithEnv("REQUEST_METHOD", "POST").WithEnv("PATH_INFO", "/").
		WithEnv("CONTENT_LENGTH", fmt.Sprint(len(benchBody))).WithEnv("CONTENT_TYPE", "text/plain")
	return &direct{wz: wz, compiled: compiled, cfg: cfg}, nil
}

func (d *direct) call(ctx context.Context) error {
	var stdout, stderr bytes.Buffer
	mod, err := d.wz.InstantiateModule(ctx, d.compiled,
		d.cfg.WithStdin(strings.NewReader(benchBody)).WithStdout(&stdout).WithStderr(&stderr))
	if err != nil {
		return err
	}
	_ = mod.Close(ctx)
	if !bytes.HasSuffix(stdout.Bytes(), []byte(benchBody)) {
		return fmt.Errorf("unexpected output %q", stdout.Bytes())
	}
	return nil
}

// The invocation rows' names: the report's targets are looked up by them.
const (
	invokeSQLite        = "C example, SQLite"
	invokePostgresRedis = "C example, PostgreSQL + Redis"
)

// measureFunctions measures invocations on SQLite and, unless pgAdmin or
// redisURL is empty, on PostgreSQL with Redis, then the Go example's
// restart.
func measureFunctions(ctx context.Context, cl *cleanups, prof profiler, dur time.Duration, pgAdmin, redisURL string) (*FunctionStats, error) {
	tmp, err := os.MkdirTemp("", "berth-bench-fn-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cPath, goPath, err := buildExamples(ctx, cl, tmp)
	if err != nil {
		return nil, err
	}
	stats := &FunctionStats{}
	err = prof.around(profileInvoke, func() error {
		if err := measureInvoke(ctx, dur, backend{name: invokeSQLite}, cPath, stats); err != nil {
			return err
		}
		switch {
		case pgAdmin == "":
			log.Printf("  %s skipped: -postgres is empty", invokePostgresRedis)
		case redisURL == "":
			log.Printf("  %s skipped: -redis is empty", invokePostgresRedis)
		default:
			dbURL, drop, err := createDatabase(ctx, pgAdmin)
			if err != nil {
				return fmt.Errorf("PostgreSQL: %w (pass -postgres '' to skip)", err)
			}
			defer drop()
			if err := measureInvoke(ctx, dur, backend{name: invokePostgresRedis, databaseURL: dbURL, redisURL: redisURL}, cPath, stats); err != nil {
				return fmt.Errorf("%s: %w", invokePostgresRedis, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := measureGoRestart(ctx, dur, goPath, filepath.Join(tmp, "data"), stats); err != nil {
		return nil, err
	}
	return stats, nil
}

// measureInvoke compares, on a server with backend b, signed invocations
// of the C example with GET /health on the same server and with direct
// wazero calls, at 1, 8 and 64 concurrent callers, then checks that every
// call has its execution record. The rows are named b.name.
func measureInvoke(ctx context.Context, dur time.Duration, b backend, cPath string, stats *FunctionStats) error {
	s, stop, err := startServer(ctx, b, cheapHasher())
	if err != nil {
		return err
	}
	defer stop()
	base := "http://" + s.Addr()
	module, err := os.ReadFile(cPath)
	if err != nil {
		return err
	}
	f, key, err := callableFunction(ctx, base, "hello-c", "wasm", "application/wasm", module)
	if err != nil {
		return err
	}
	dr, err := newDirect(ctx, cPath)
	if err != nil {
		return err
	}
	defer dr.wz.Close(ctx)
	log.Printf("  %s:", b.name)
	var sent, calls atomic.Int64
	for _, conc := range []int{1, 8, 64} {
		hc := httpClient(conc)
		caller, err := client.New(base, client.WithKeypair(key.KeyID, key.Secret), client.WithHTTPClient(hc))
		if err != nil {
			return err
		}
		invoke := func(ctx context.Context) error {
			sent.Add(1)
			resp, err := caller.Invoke(ctx, f.ID, []byte(benchBody), nil)
			if err != nil {
				return err
			}
			calls.Add(1)
			if string(resp.Body) != benchBody {
				return fmt.Errorf("unexpected body %q", resp.Body)
			}
			return nil
		}
		health := func(ctx context.Context) error { return get(ctx, hc, base+"/health") }
		opts := load.Options{Concurrency: conc, Duration: dur, Warmup: 20}
		h := load.Run(ctx, "GET /health", opts, health)
		p := HTTPPair{Backend: b.name}
		p.Baseline = load.Run(ctx, "direct wazero instantiate+run", opts, dr.call)
		p.Subject = load.Run(ctx, "signed POST /invoke (API key)", opts, invoke)
		logInvokeRound(h, p)
		stats.Health = append(stats.Health, h)
		stats.Invoke = append(stats.Invoke, p)
	}
	recorded, err := countExecutions(ctx, s, f.ID, sent.Load())
	if err != nil {
		return err
	}
	log.Printf("  calls sent: %d, answered: %d, executions recorded: %d", sent.Load(), calls.Load(), recorded)
	if int64(recorded) < calls.Load() || int64(recorded) > sent.Load() {
		return fmt.Errorf("execution records lost or invented: %d sent, %d answered, %d recorded", sent.Load(), calls.Load(), recorded)
	}
	stats.Sent += sent.Load()
	stats.Calls += calls.Load()
	stats.Recorded += recorded
	return nil
}

// logInvokeRound logs one concurrency's three runs and how invoke
// compares with /health, against the row's target.
func logInvokeRound(health load.Result, p HTTPPair) {
	for _, r := range []load.Result{health, p.Baseline, p.Subject} {
		log.Println("  " + r.String())
		if r.FirstError != "" {
			log.Printf("  first error (%s): %s", r.Name, r.FirstError)
		}
	}
	target := ""
	if t, ok := invokeTargetFor(p.Backend); ok {
		target = fmt.Sprintf(" (target ≥%.2f×)", t.minRatio)
	}
	log.Printf("  invoke ÷ /health ×%.2f%s, invoke ÷ direct ×%.2f, added p50 over /health %s",
		p.Subject.RPS/max(health.RPS, 1), target, p.Subject.RPS/max(p.Baseline.RPS, 1), us(p.Subject.P50-health.P50))
}

// countExecutions waits, for up to 15 s, until the function has at least
// want execution records, and returns how many it has.
func countExecutions(ctx context.Context, s *server.Server, functionID string, want int64) (int, error) {
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, total, err := s.Store().ListExecutions(ctx, berth.ExecutionFilter{FunctionID: functionID, Page: berth.Page{Number: 1, Size: 1}})
		if err != nil {
			return 0, err
		}
		if int64(total) >= want || time.Now().After(deadline) {
			return total, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// measureGoRestart deploys the Go example, restarts the server on the same
// data directory and times the first call (compiled code comes from the
// disk cache) and then warm calls.
func measureGoRestart(ctx context.Context, dur time.Duration, goPath, dataDir string, stats *FunctionStats) error {
	hasher := cheapHasher()
	b := backend{name: "SQLite", dataDir: dataDir}
	s, stop, err := startServer(ctx, b, hasher)
	if err != nil {
		return err
	}
	base := "http://" + s.Addr()
	owner, err := adminClient(ctx, base)
	if err != nil {
		stop()
		return err
	}
	f, err := owner.InitFunction(ctx, "hello-go", "wasm", "")
	if err != nil {
		stop()
		return err
	}
	t0 := time.Now()
	if _, err := owner.DeployFile(ctx, f.ID, "application/wasm", goPath); err != nil {
		stop()
		return err
	}
	stats.GoDeploy = time.Since(t0)
	stop()

	s, stop, err = startServer(ctx, b, hasher)
	if err != nil {
		return err
	}
	defer stop()
	base = "http://" + s.Addr()
	if owner, err = adminClient(ctx, base, client.WithHTTPClient(httpClient(1))); err != nil {
		return err
	}
	t0 = time.Now()
	if _, err := owner.Invoke(ctx, f.ID, []byte(benchBody), nil); err != nil {
		return err
	}
	stats.GoColdAfterRestart = time.Since(t0)
	warm := load.Run(ctx, "Go example, warm POST /invoke (bearer)", load.Options{Concurrency: 1, Duration: dur},
		func(ctx context.Context) error { _, err := owner.Invoke(ctx, f.ID, []byte(benchBody), nil); return err })
	stats.GoWarm = &warm
	log.Printf("  Go example: deploy (compile) %s, first call after restart %s", stats.GoDeploy.Round(time.Millisecond),
		stats.GoColdAfterRestart.Round(time.Millisecond))
	log.Println("  " + warm.String())
	return nil
}

// callableFunction signs in as the admin, creates a function that takes
// any number of calls at once, deploys artefact to it and makes an API
// key to call it with.
func callableFunction(ctx context.Context, base, name, runtime, contentType string, artefact []byte) (*client.Function, *client.NewAPIKey, error) {
	owner, err := adminClient(ctx, base)
	if err != nil {
		return nil, nil, err
	}
	f, err := owner.InitFunction(ctx, name, runtime, "")
	if err != nil {
		return nil, nil, err
	}
	mc := 1000
	if _, err := owner.UpdateFunction(ctx, f.ID, client.SettingsPatch{MaxConcurrency: &mc}); err != nil {
		return nil, nil, err
	}
	if _, err := owner.Deploy(ctx, f.ID, contentType, artefact); err != nil {
		return nil, nil, err
	}
	key, err := owner.CreateAPIKey(ctx, f.ID, "bench", "")
	if err != nil {
		return nil, nil, err
	}
	return f, key, nil
}
