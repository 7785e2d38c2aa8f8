package invoke

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/berth-platform/berth"
)

// functionMetrics counts invocations as they finish: for Prometheus (when
// the invoker has a registry) and for the admins' load view, which needs the
// last minute and not the hourly roll-ups. Both are per process.
type functionMetrics struct {
	inflight map[string]*atomic.Int64 // by runtime name; the keys are fixed at New
	load     loadWindow
	prom     *functionCollectors // nil without Metrics
}

// functionCollectors are the Prometheus series of function calls. Label
// cardinality: invocations has one series per function and status (five
// statuses), duration 13 per function (10 buckets, +Inf, sum, count), cold
// starts one per function; docs/observability.md has the arithmetic.
type functionCollectors struct {
	invocations *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	coldStarts  *prometheus.CounterVec
}

// functionDurationBuckets spread over half decades from 1 ms to a minute.
var functionDurationBuckets = []float64{0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 60}

// newFunctionMetrics builds the counters and, when reg is not nil,
// registers the function collectors on it: invocations, duration, cold
// starts, instances per runtime and the write queue's depth.
func newFunctionMetrics(reg prometheus.Registerer, runtimes []string, queue func() int) *functionMetrics {
	fm := &functionMetrics{inflight: make(map[string]*atomic.Int64, len(runtimes))}
	for _, name := range runtimes {
		fm.inflight[name] = &atomic.Int64{}
	}
	if reg == nil {
		return fm
	}
	c := &functionCollectors{
		invocations: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "berth_function_invocations_total", Help: "Function invocations finished, by function id and execution status.",
		}, []string{"function", "status"})),
		duration: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "berth_function_duration_seconds", Help: "Duration of function invocations in seconds, by function id.",
			Buckets: functionDurationBuckets,
		}, []string{"function"})),
		coldStarts: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "berth_function_cold_starts_total", Help: "Invocations that paid for starting an instance, by function id.",
		}, []string{"function"})),
	}
	fm.prom = c
	for name, n := range fm.inflight {
		register(reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "berth_runtime_instances", Help: "Function instances running now, by runtime (wasm: invocations in flight).",
			ConstLabels: prometheus.Labels{"runtime": name},
		}, func() float64 { return float64(n.Load()) }))
	}
	if queue != nil {
		register(reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "berth_execution_write_queue", Help: "Execution records waiting to be written to the database.",
		}, func() float64 { return float64(queue()) }))
	}
	return fm
}

// register registers c, or returns the collector already registered
// under its name (a second manager on the same registry shares it).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	return c
}

// running marks an invocation entering the runtime; call the function it
// returns when the invocation leaves.
func (fm *functionMetrics) running(runtime string) func() {
	n := fm.inflight[runtime]
	if n == nil {
		return func() {}
	}
	n.Add(1)
	return func() { n.Add(-1) }
}

// live returns the instances running now, by runtime.
func (fm *functionMetrics) live() map[string]int64 {
	out := make(map[string]int64, len(fm.inflight))
	for name, n := range fm.inflight {
		out[name] = n.Load()
	}
	return out
}

// observe counts one finished invocation.
func (fm *functionMetrics) observe(e *berth.Execution, now time.Time) {
	fm.load.add(now, e.Status != berth.ExecSuccess)
	if fm.prom == nil {
		return
	}
	fm.prom.invocations.WithLabelValues(e.FunctionID, string(e.Status)).Inc()
	fm.prom.duration.WithLabelValues(e.FunctionID).Observe(float64(max(e.DurationUS, 0)) / 1e6)
	if e.ColdStart {
		fm.prom.coldStarts.WithLabelValues(e.FunctionID).Inc()
	}
}

// LoadWindowSeconds is the span of the load view.
const LoadWindowSeconds = 60

// loadWindow counts invocations and failures per second over the last
// minute, in a ring of one-second slots.
type loadWindow struct {
	mu    sync.Mutex
	slots [LoadWindowSeconds]loadSlot
}

type loadSlot struct {
	second              int64 // Unix seconds
	invocations, errors int64
}

func (w *loadWindow) add(now time.Time, failed bool) {
	sec := now.Unix()
	w.mu.Lock()
	defer w.mu.Unlock()
	s := &w.slots[sec%LoadWindowSeconds]
	if s.second != sec {
		*s = loadSlot{second: sec}
	}
	s.invocations++
	if failed {
		s.errors++
	}
}

// totals sums the slots of the last LoadWindowSeconds seconds, the
// current one included.
func (w *loadWindow) totals(now time.Time) (invocations, errs int64) {
	sec := now.Unix()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range w.slots {
		if s.second > sec-LoadWindowSeconds && s.second <= sec {
			invocations += s.invocations
			errs += s.errors
		}
	}
	return invocations, errs
}
