package wasm

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/artefact"
	"github.com/berth-platform/berth/internal/runtime/cgi"
)

const benchBody = "a small request body for the echo"

func benchRequest() *berth.InvokeRequest {
	return &berth.InvokeRequest{
		ExecutionID: "bench", Method: "POST", Path: "/echo", RawQuery: "a=1",
		Header:     http.Header{"Content-Type": {"text/plain"}, "User-Agent": {"bench"}},
		Body:       []byte(benchBody),
		RemoteAddr: "127.0.0.1:1234",
		Limits:     berth.Limits{MemoryMB: 64, Timeout: 10 * time.Second},
	}
}

func invokeOnce(b *testing.B, rt *Runtime, d berth.DeploymentRef) *berth.InvokeResponse {
	resp, err := rt.Invoke(context.Background(), d, benchRequest())
	if err != nil {
		b.Fatal(err)
	}
	return resp
}

// direct is the same module run straight on wazero with the configuration
// Invoke uses, minus berth's work: the baseline for Invoke's overhead.
type direct struct {
	wz       wazero.Runtime
	compiled wazero.CompiledModule
	config   wazero.ModuleConfig
}

func newDirect(b *testing.B, path string) *direct {
	ctx := context.Background()
	code, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	wz := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCloseOnContextDone(true))
	b.Cleanup(func() { _ = wz.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, wz)
	compiled, err := wz.CompileModule(ctx, code)
	if err != nil {
		b.Fatal(err)
	}
	cfg := wazero.NewModuleConfig().WithName("").WithArgs("hello.wasm").
		WithSysWalltime().WithSysNanotime().WithSysNanosleep().WithRandSource(rand.Reader)
	for _, kv := range cgi.Environ(benchRequest(), len(benchBody)) {
		cfg = cfg.WithEnv(kv[0], kv[1])
	}
	return &direct{wz: wz, compiled: compiled, config: cfg}
}

func (d *direct) run(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cfg := d.config.WithStdin(strings.NewReader(benchBody)).WithStdout(&stdout).WithStderr(&stderr)
	mod, err := d.wz.InstantiateModule(ctx, d.compiled, cfg)
	if err != nil {
		b.Fatal(err)
	}
	_ = mod.Close(ctx)
	if !bytes.HasSuffix(stdout.Bytes(), []byte(benchBody)) {
		b.Fatalf("stdout %q", stdout.Bytes())
	}
}

func preparedAt(b *testing.B, cfg Config, fn, path string) (*Runtime, berth.DeploymentRef) {
	rt := newRuntime(b, cfg)
	d := refFor(b, fn, path, artefact.MediaTypeWasm)
	if err := rt.Prepare(context.Background(), d); err != nil {
		b.Fatal(err)
	}
	return rt, d
}

// BenchmarkInvokeC measures a warm call of the C echo through
// Runtime.Invoke: a fresh instance, CGI environment, response parsing.
func BenchmarkInvokeC(b *testing.B) {
	rt, d := preparedAt(b, Config{}, "hello-c", buildExampleC(b))
	b.ReportAllocs()
	for b.Loop() {
		invokeOnce(b, rt, d)
	}
}

// BenchmarkDirectC runs the same compiled module straight on wazero.
func BenchmarkDirectC(b *testing.B) {
	dr := newDirect(b, buildExampleC(b))
	b.ReportAllocs()
	for b.Loop() {
		dr.run(b)
	}
}

// BenchmarkInvokeVsDirectC alternates the two, so that both see the same
// machine noise, and reports Invoke's cost as a ratio of the direct one.
func BenchmarkInvokeVsDirectC(b *testing.B) {
	path := buildExampleC(b)
	rt, d := preparedAt(b, Config{}, "hello-c", path)
	dr := newDirect(b, path)
	var viaInvoke, viaDirect time.Duration
	for b.Loop() {
		start := time.Now()
		invokeOnce(b, rt, d)
		mid := time.Now()
		dr.run(b)
		viaInvoke += mid.Sub(start)
		viaDirect += time.Since(mid)
	}
	b.ReportMetric(float64(viaInvoke.Nanoseconds())/float64(b.N), "invoke-ns/call")
	b.ReportMetric(float64(viaDirect.Nanoseconds())/float64(b.N), "direct-ns/call")
	b.ReportMetric(float64(viaInvoke)/float64(viaDirect), "invoke/direct")
}

// BenchmarkInvokeGo measures a warm call of the Go example (dominated by
// the Go runtime's own start).
func BenchmarkInvokeGo(b *testing.B) {
	rt, d := preparedAt(b, Config{}, "hello-go", buildExampleGo(b))
	b.ReportAllocs()
	for b.Loop() {
		invokeOnce(b, rt, d)
	}
}

// BenchmarkColdFromDiskCacheGo measures the first call after a restart: a
// new Runtime on a warm CacheDir, whose first Invoke prepares lazily from
// the artefact (read, load compiled code, check, run). It also reports
// the compile time without a cache and a warm call, measured once.
func BenchmarkColdFromDiskCacheGo(b *testing.B) {
	path := buildExampleGo(b)
	cache := b.TempDir()
	start := time.Now()
	warm, d := preparedAt(b, Config{CacheDir: cache}, "hello-go", path)
	uncached := time.Since(start)
	start = time.Now()
	const warmCalls = 10
	for range warmCalls {
		invokeOnce(b, warm, d)
	}
	warmCall := time.Since(start) / warmCalls
	_ = warm.Close(context.Background())

	var cold time.Duration
	for b.Loop() {
		rt, err := New(Config{CacheDir: cache})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		resp := invokeOnce(b, rt, d)
		cold += time.Since(start)
		if !resp.ColdStart {
			b.Fatal("not a cold start")
		}
		_ = rt.Close(context.Background())
	}
	b.ReportMetric(float64(uncached.Milliseconds()), "uncached-prepare-ms")
	b.ReportMetric(float64(cold.Microseconds())/1000/float64(b.N), "cold-ms")
	b.ReportMetric(float64(warmCall.Microseconds())/1000, "warm-ms")
	b.ReportMetric(float64(cold)/float64(b.N)/float64(warmCall), "cold/warm")
}
