package container

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/runtime/container/watchdog"
)

// Benchmarks (real Podman; they share the tests' private service):
//
//	go test -run '^$' -bench . -benchtime 20x ./internal/runtime/container/
//
// BenchmarkColdStart compares a cold Invoke with `podman run` of the same
// image and the same isolation, in the same run; BenchmarkWarmInvoke
// compares a warm Invoke with the same call sent straight to the
// watchdog's socket; BenchmarkThroughput reports requests/s at
// concurrency 1, 8 and 64.

// stopAll stops every instance of rt and waits until they are gone.
func stopAll(tb testing.TB, rt *Runtime) {
	tb.Helper()
	rt.mu.Lock()
	var gone []chan struct{}
	for _, f := range rt.fns {
		for _, in := range f.instances {
			gone = append(gone, in.gone)
			rt.stopLocked(f, in, "benchmark")
		}
	}
	rt.mu.Unlock()
	for _, g := range gone {
		<-g
	}
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// podmanRun runs the image once with the CLI and the isolation berth
// applies, the command given directly (no watchdog).
func podmanRun(b *testing.B, image, name string, memoryMB int) time.Duration {
	args := []string{"--runtime", "runc", "--cgroup-manager", "cgroupfs", "run", "--name", name,
		"--network=none", "--read-only", "--tmpfs", "/tmp:rw,nosuid,nodev,size=64m", "--cap-drop=ALL",
		"--security-opt=no-new-privileges", "--pids-limit=128", "--memory=" + strconv.Itoa(memoryMB) + "m",
		"--memory-swap=" + strconv.Itoa(memoryMB) + "m", "--cpus=1", "--ulimit=nofile=1024:1024", "--ulimit=nproc=1024:1024",
		"--env=REQUEST_METHOD=GET", "--env=PATH_INFO=/", "--entrypoint=/fn", image, "echo"}
	start := time.Now()
	out, err := exec.Command("podman", args...).CombinedOutput()
	el := time.Since(start)
	if err != nil || !strings.Contains(string(out), "X-Method: GET") {
		b.Fatalf("podman run: %v\n%s", err, out)
	}
	_ = exec.Command("podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "rm", "-f", name).Run()
	return el
}

func BenchmarkColdStart(b *testing.B) {
	rt := newRuntime(b, nil)
	d := prepared(b, rt, fnContext(b, "exec", "/fn", "echo"))
	img := rt.ImageID(d)
	podmanRun(b, img, "berth-bench-warmup-"+shared.runID, 64) // caches, page cache
	var invoke, run []time.Duration
	b.ResetTimer()
	for i := range b.N {
		stopAll(b, rt)
		start := time.Now()
		resp := mustInvoke(b, rt, d, get("/"))
		invoke = append(invoke, time.Since(start))
		if !resp.ColdStart {
			b.Fatal("not a cold start")
		}
		run = append(run, podmanRun(b, img, fmt.Sprintf("berth-bench-%s-%d", shared.runID, i), 64))
	}
	b.StopTimer()
	b.ReportMetric(ms(median(invoke)), "invoke-p50-ms")
	b.ReportMetric(ms(median(run)), "podman-run-p50-ms")
	b.ReportMetric(float64(median(invoke))/float64(median(run)), "ratio")
}

// BenchmarkWarmInvoke alternates a warm Invoke and the same call sent
// straight to the instance's watchdog, and reports both medians and the
// difference: what the runtime adds to a call.
func BenchmarkWarmInvoke(b *testing.B) {
	for _, mode := range []string{"http", "exec"} {
		b.Run(mode, func(b *testing.B) {
			rt := newRuntime(b, nil)
			cmd := []string{"/fn", "serve"}
			if mode == "exec" {
				cmd = []string{"/fn", "echo"}
			}
			d := prepared(b, rt, fnContext(b, mode, cmd...))
			req := func() *berth.InvokeRequest {
				r := get("/bench")
				r.Method, r.Body = http.MethodPost, []byte("ping")
				return r
			}
			mustInvoke(b, rt, d, req())
			ins := rt.Instances()
			if len(ins) != 1 {
				b.Fatalf("%d instances", len(ins))
			}
			_, direct := instanceClient(rt.st.instanceDir(ins[0].ID), 1)
			rt.mu.Lock()
			rec := rt.deployed[deployKey(d.FunctionID, d.Version)].rec
			rt.mu.Unlock()
			lim := rt.effectiveLimits(req().Limits)
			var viaRuntime, viaSocket []time.Duration
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				if resp := mustInvoke(b, rt, d, req()); resp.Status != http.StatusOK || string(resp.Body) != "ping" {
					b.Fatalf("status %d body %q", resp.Status, resp.Body)
				}
				viaRuntime = append(viaRuntime, time.Since(start))

				start = time.Now()
				hreq, err := buildCall(context.Background(), rec, req(), []byte("ping"), lim)
				if err != nil {
					b.Fatal(err)
				}
				resp, err := direct.Do(hreq)
				if err != nil {
					b.Fatal(err)
				}
				res, err := watchdog.ReadResult(resp, 1<<20)
				resp.Body.Close()
				if err != nil || res.Outcome != watchdog.OutcomeOK {
					b.Fatalf("direct: %v %+v", err, res)
				}
				viaSocket = append(viaSocket, time.Since(start))
			}
			b.StopTimer()
			b.ReportMetric(float64(median(viaRuntime).Microseconds()), "runtime-p50-µs")
			b.ReportMetric(float64(median(viaSocket).Microseconds()), "socket-p50-µs")
			b.ReportMetric(float64((median(viaRuntime) - median(viaSocket)).Microseconds()), "added-p50-µs")
			b.ReportMetric(float64(percentile(viaRuntime, 0.99).Microseconds()), "runtime-p99-µs")
		})
	}
}

// BenchmarkThroughput sends b.N warm calls from 1, 8 and 64 goroutines.
func BenchmarkThroughput(b *testing.B) {
	for _, mode := range []string{"http", "exec"} {
		for _, conc := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("%s/c%d", mode, conc), func(b *testing.B) {
				rt := newRuntime(b, func(c *Config) {
					c.InstanceConcurrency = 8
					c.MaxInstances = 8
				})
				cmd := []string{"/fn", "serve"}
				if mode == "exec" {
					cmd = []string{"/fn", "echo"}
				}
				d := prepared(b, rt, fnContext(b, mode, cmd...))
				// Warm the instances the concurrency needs.
				var wg sync.WaitGroup
				for range conc {
					wg.Go(func() { mustInvoke(b, rt, d, get("/warm")) })
				}
				wg.Wait()
				var next atomic.Int64
				b.ResetTimer()
				start := time.Now()
				for range conc {
					wg.Go(func() {
						for next.Add(1) <= int64(b.N) {
							if _, err := rt.Invoke(context.Background(), d, get("/")); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				b.StopTimer()
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
				b.ReportMetric(float64(len(rt.Instances())), "instances")
			})
		}
	}
}
