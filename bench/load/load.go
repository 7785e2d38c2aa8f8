// Package load is a small closed-loop load generator: a fixed number of
// workers send requests back to back for a bounded time and count, and the
// latencies of every request give percentiles and throughput. It only
// sends traffic where its callers point it — loopback in berth's suites.
package load

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Result summarises one run.
type Result struct {
	Name        string        `json:"name"`
	Concurrency int           `json:"concurrency"`
	Requests    int           `json:"requests"`
	Errors      int           `json:"errors"`
	FirstError  string        `json:"first_error,omitempty"`
	Elapsed     time.Duration `json:"elapsed_ns"`
	RPS         float64       `json:"rps"`
	P50         time.Duration `json:"p50_ns"`
	P90         time.Duration `json:"p90_ns"`
	P99         time.Duration `json:"p99_ns"`
	Max         time.Duration `json:"max_ns"`
	// Latencies are every successful request's latency, sorted; kept for
	// charts and not written to JSON.
	Latencies []time.Duration `json:"-"`
}

// Options bound a run: it stops at Duration or after MaxRequests,
// whichever comes first.
type Options struct {
	Concurrency int
	Duration    time.Duration
	MaxRequests int
	// Warmup requests per worker, not measured.
	Warmup int
}

// Run calls do from opts.Concurrency workers until a bound is reached.
func Run(ctx context.Context, name string, opts Options, do func(ctx context.Context) error) Result {
	if opts.Concurrency < 1 {
		opts.Concurrency = 1
	}
	if opts.MaxRequests <= 0 {
		opts.MaxRequests = 1 << 30
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Duration)
	defer cancel()
	for range opts.Warmup {
		_ = do(ctx)
	}
	var (
		mu       sync.Mutex
		all      []time.Duration
		errs     int
		firstErr error
		issued   int
		wg       sync.WaitGroup
	)
	take := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if issued >= opts.MaxRequests {
			return false
		}
		issued++
		return true
	}
	start := time.Now()
	for range opts.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			lerrs := 0
			var lfirst error
			for ctx.Err() == nil && take() {
				t0 := time.Now()
				err := do(ctx)
				d := time.Since(t0)
				if err != nil {
					if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
						break // the run ended mid-request
					}
					lerrs++
					if lfirst == nil {
						lfirst = err
					}
					continue
				}
				local = append(local, d)
			}
			mu.Lock()
			all = append(all, local...)
			errs += lerrs
			if firstErr == nil {
				firstErr = lfirst
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(all)
	r := Result{Name: name, Concurrency: opts.Concurrency, Requests: len(all), Errors: errs, Elapsed: elapsed, Latencies: all}
	if firstErr != nil {
		r.FirstError = firstErr.Error()
	}
	if len(all) > 0 {
		r.RPS = float64(len(all)) / elapsed.Seconds()
		r.P50, r.P90, r.P99, r.Max = Percentile(all, 50), Percentile(all, 90), Percentile(all, 99), all[len(all)-1]
	}
	return r
}

// Percentile returns the p-th percentile (nearest rank) of sorted.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// String is one human line.
func (r Result) String() string {
	return fmt.Sprintf("%-44s c=%-3d n=%-7d err=%-3d rps=%9.0f p50=%9s p99=%9s", r.Name, r.Concurrency, r.Requests, r.Errors,
		r.RPS, r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond))
}
