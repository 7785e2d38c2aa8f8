// Command berth-bench runs berth's benchmark suite (`make bench`): the Go
// micro-benchmarks of the hot paths and load runs against real servers
// over loopback, each figure next to a baseline measured in the same run.
// It writes <out>/<date>.json and <out>/<date>.md.
//
// What the bench starts ends with it: nginx, builds and `go test` run as
// children in process groups of their own, which are stopped as a whole
// (SIGTERM, then SIGKILL) when their section ends, on an error, and at
// SIGINT or SIGTERM of the bench (an interrupted run writes no report;
// a second signal ends everything at once). On Linux the kernel also
// ends them if the bench is killed outright. Containers are removed with
// their server; ones a killed bench leaves keep the label
// berth.function=<id>.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Report is everything one run measured.
type Report struct {
	Date       time.Time       `json:"date"`
	Host       Host            `json:"host"`
	Micro      []Micro         `json:"micro"`
	HTTP       []HTTPPair      `json:"http"`
	Login      *LoginStats     `json:"login,omitempty"`
	Functions  *FunctionStats  `json:"functions,omitempty"`
	Web        *WebStats       `json:"web,omitempty"`
	Containers *ContainerStats `json:"containers,omitempty"`
	Charts     []chartFile     `json:"charts,omitempty"`
	DurationNS int64           `json:"duration_ns"`
}

// Host describes the machine.
type Host struct {
	GOOS, GOARCH, GoVersion string
	CPUs                    int
}

// options are the command line's.
type options struct {
	out, postgres, redis string
	dur                  time.Duration
	skipMicro            bool
	only                 []string
}

// sectionNames are the sections in the order they run.
var sectionNames = []string{"micro", "http", "web", "functions", "containers"}

func main() {
	var o options
	var only string
	flag.StringVar(&o.out, "out", "bench/results", "directory for the results")
	flag.DurationVar(&o.dur, "duration", 3*time.Second, "length of each load run")
	flag.StringVar(&o.postgres, "postgres", envOr("BERTH_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "PostgreSQL server for the PostgreSQL runs (empty: skip them)")
	flag.StringVar(&o.redis, "redis", envOr("BERTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis for the Redis runs (empty: skip them)")
	flag.BoolVar(&o.skipMicro, "skip-micro", false, "skip the Go micro-benchmarks")
	flag.StringVar(&only, "only", "", "run only these sections, comma-separated: "+strings.Join(sectionNames, ", "))
	flag.Parse()
	log.SetFlags(0)
	if only != "" {
		o.only = strings.Split(only, ",")
		for _, s := range o.only {
			if !slices.Contains(sectionNames, s) {
				log.Fatalf("berth-bench: -only: no section %q (%s)", s, strings.Join(sectionNames, ", "))
			}
		}
	}

	cl := &cleanups{}
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go stopOnSignal(sigs, cancel, cl)
	err := run(ctx, o, cl)
	cl.runAll() // nothing should be left; in case something is
	cancel()
	if err != nil {
		log.Printf("berth-bench: %v", err)
		os.Exit(1)
	}
}

// stopOnSignal cancels the run at SIGINT or SIGTERM, so that each section
// unwinds and stops what it started. At a second signal, or if the run
// has not ended 30 s later, it ends whatever is left itself and exits.
func stopOnSignal(sigs <-chan os.Signal, cancel context.CancelFunc, cl *cleanups) {
	sig := <-sigs
	log.Printf("berth-bench: %s: stopping (again to force)", sig)
	cancel()
	select {
	case <-sigs:
	case <-time.After(30 * time.Second):
	}
	log.Printf("berth-bench: ending the processes and containers left")
	cl.runAll()
	os.Exit(1)
}

// run measures the selected sections and writes the report.
func run(ctx context.Context, o options, cl *cleanups) error {
	start := time.Now()
	r := Report{Date: start.UTC(), Host: Host{runtime.GOOS, runtime.GOARCH, runtime.Version(), runtime.NumCPU()}}
	sections := []struct {
		name, title string
		measure     func() error
	}{
		{"micro", "Go micro-benchmarks", func() (err error) { r.Micro, err = runMicro(ctx, cl); return err }},
		{"http", "HTTP load over loopback", func() (err error) { r.HTTP, r.Login, err = runHTTP(ctx, o.dur, o.postgres, o.redis); return err }},
		{"web", "Webserver: session proxy vs direct signed calls, and nginx", func() (err error) { r.Web, err = measureWeb(ctx, cl, o.dur, o.redis); return err }},
		{"functions", "Functions: invoke overhead, records, cold start", func() (err error) { r.Functions, err = measureFunctions(ctx, cl, o.dur); return err }},
		{"containers", "Containers: signed POST /invoke vs the watchdog sockets", func() (err error) { r.Containers, err = measureContainers(ctx, cl, o.dur); return err }},
	}
	for _, s := range sections {
		if !o.runs(s.name) {
			continue
		}
		log.Println("== " + s.title)
		err := s.measure()
		if ctx.Err() != nil {
			return fmt.Errorf("%s: interrupted", s.name)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	r.DurationNS = int64(time.Since(start))
	return writeReport(o.out, start, &r)
}

// runs reports whether the section is selected.
func (o options) runs(section string) bool {
	if len(o.only) == 0 {
		return section != "micro" || !o.skipMicro
	}
	return slices.Contains(o.only, section)
}

// writeReport writes <dir>/<date>.json and .md and the charts, and the
// Markdown to stdout too.
func writeReport(dir string, start time.Time, r *Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	prefix := start.UTC().Format("2006-01-02")
	base := filepath.Join(dir, prefix)
	removeStaleCharts(dir, prefix)
	var err error
	if r.Charts, err = writeCharts(dir, prefix, r); err != nil {
		log.Printf("berth-bench: charts: %v", err)
	}
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(base+".json", append(raw, '\n'), 0o644); err != nil {
		return err
	}
	var md strings.Builder
	writeMarkdown(&md, r)
	if err := os.WriteFile(base+".md", []byte(md.String()), 0o644); err != nil {
		return err
	}
	_, _ = io.WriteString(os.Stdout, "\n"+md.String())
	log.Printf("wrote %s.json and %s.md in %s", base, base, time.Since(start).Round(time.Second))
	return nil
}

func envOr(k, def string) string {
	if v, ok := os.LookupEnv(k); ok {
		return v
	}
	return def
}

func writeMarkdown(w io.Writer, r *Report) {
	fmt.Fprintf(w, "# berth benchmarks — %s\n\n", r.Date.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(w, "%s/%s, %d CPUs, %s. Every ratio compares two figures measured side by side in this run.\n\n",
		r.Host.GOOS, r.Host.GOARCH, r.Host.CPUs, r.Host.GoVersion)
	if len(r.Micro) > 0 {
		fmt.Fprintln(w, "## Hot paths (Go benchmarks)")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| benchmark | ns/op | B/op | allocs/op | baseline | ratio | other |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---|---:|---|")
		for _, m := range r.Micro {
			ratio := ""
			if m.BaselineNS > 0 {
				ratio = fmt.Sprintf("%.2f×", m.NsPerOp/m.BaselineNS)
			}
			fmt.Fprintf(w, "| %s %s | %.0f | %d | %d | %s | %s | %s |\n", strings.TrimPrefix(m.Package, "./internal/"), m.Name, m.NsPerOp, m.BytesPerOp, m.AllocsPerOp, m.Baseline, ratio, m.Extra)
		}
		fmt.Fprintln(w)
	}
	if len(r.HTTP) > 0 {
		fmt.Fprintln(w, "## Signed GET /api/users/me vs GET /health on the same server")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| backend | conc. | /health p50 | signed p50 | ×p50 | /health p99 | signed p99 | ×p99 | /health req/s | signed req/s | req/s ratio | errors |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, p := range r.HTTP {
			b, s := p.Baseline, p.Subject
			fmt.Fprintf(w, "| %s | %d | %s | %s | %.2f | %s | %s | %.2f | %.0f | %.0f | %.2f | %d |\n", p.Backend, s.Concurrency,
				us(b.P50), us(s.P50), ratio(s.P50, b.P50), us(b.P99), us(s.P99), ratio(s.P99, b.P99), b.RPS, s.RPS, s.RPS/max(b.RPS, 1), s.Errors+b.Errors)
		}
		fmt.Fprintln(w)
	}
	if wb := r.Web; wb != nil {
		fmt.Fprintln(w, "## The webserver: a session GET /api/users/me through it vs the same signed GET straight to the manager")
		fmt.Fprintln(w)
		writePairs(w, wb.Session, "direct", "via webserver")
		if len(wb.Nginx) > 0 {
			fmt.Fprintln(w, "For scale, nginx as a plain reverse proxy (keep-alive upstream) in front of the same manager, same direct baseline:")
			fmt.Fprintln(w)
			writePairs(w, wb.Nginx, "direct", "via nginx")
		}
	}
	if f := r.Functions; f != nil {
		fmt.Fprintln(w, "## Invoking the C example: signed POST /invoke vs the same module straight on wazero")
		fmt.Fprintln(w)
		writeInvokeTable(w, "direct", f.Invoke)
		fmt.Fprintf(w, "\nCalls sent %d, answered %d, executions recorded %d (calls cut off by the end of a run are recorded without their answer reaching the client; answered ≤ recorded ≤ sent is checked).\n\n", f.Sent, f.Calls, f.Recorded)
		fmt.Fprintf(w, "Go example (%s): deploy with compilation %s; first call after a restart (compiled code from the disk cache) %s",
			"examples/hello-go", f.GoDeploy.Round(time.Millisecond), f.GoColdAfterRestart.Round(time.Millisecond))
		if g := f.GoWarm; g != nil {
			fmt.Fprintf(w, "; warm calls p50 %s, p99 %s, %.0f req/s", us(g.P50), us(g.P99), g.RPS)
		}
		fmt.Fprintln(w, ".")
		fmt.Fprintln(w)
	}
	if c := r.Containers; c != nil {
		fmt.Fprintln(w, "## A warm container function (http mode): signed POST /invoke vs the same request straight to its watchdog sockets")
		fmt.Fprintln(w)
		writeInvokeTable(w, "socket", c.Invoke)
		fmt.Fprintf(w, "\nBefore each pair, the baseline takes the instances then serving (one at first, %d at the end) and sends them the requests berth would, at most %d at a time on each, as the runtime does; berth may start more under load (default limits: 4 instances, 8 calls each). Cold start and the runtime's own overhead are in the Go benchmarks above (ColdStart, WarmInvoke).\n\n", c.Instances, perInstance)
	}
	if len(r.Charts) > 0 {
		fmt.Fprintln(w, "## Latency distributions")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Latency against percentile for each pair above, baseline and subject on one chart (log scale; the tail from p90 to p99.9 gets as much width as the body).")
		fmt.Fprintln(w)
		for _, c := range r.Charts {
			fmt.Fprintf(w, "![%s](%s)\n\n", c.Title, c.File)
		}
	}
	if l := r.Login; l != nil {
		fmt.Fprintln(w, "## Logins at OWASP argon2id parameters (19 MiB, t=2, p=1)")
		fmt.Fprintln(w)
		fmt.Fprintf(w, "- one hash: %s (BenchmarkHashOWASP); hashes allowed at once: %d (%d MiB of hash memory at most)\n",
			time.Duration(l.HashNS).Round(time.Microsecond), l.Slots, l.Slots*19)
		fmt.Fprintf(w, "- %s\n", l.Result.String())
		fmt.Fprintf(w, "- logins/s: %.1f, against a bound of min(slots, CPUs) ÷ hash time = %.1f/s (×%.2f): hashing is CPU-bound, so the slots beyond the CPU count only bound memory\n\n",
			l.Result.RPS, l.Bound, l.Result.RPS/max(l.Bound, 1e-9))
	}
}

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/1e3) }

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// writePairs renders baseline/subject pairs with the added latency.
func writePairs(w io.Writer, pairs []HTTPPair, base, subject string) {
	fmt.Fprintf(w, "| setup | conc. | %s p50 | %s p50 | added p50 | %s p99 | %s p99 | added p99 | req/s ratio | errors |\n", base, subject, base, subject)
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, p := range pairs {
		b, s := p.Baseline, p.Subject
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s | %s | %.2f | %d |\n", p.Backend, s.Concurrency, us(b.P50), us(s.P50), us(s.P50-b.P50),
			us(b.P99), us(s.P99), us(s.P99-b.P99), s.RPS/max(b.RPS, 1), s.Errors+b.Errors)
	}
	fmt.Fprintln(w)
}

// writeInvokeTable writes invocation pairs: the baseline (named base in
// the headers) against signed POST /invoke, one row per concurrency.
func writeInvokeTable(w io.Writer, base string, pairs []HTTPPair) {
	fmt.Fprintf(w, "| conc. | %[1]s p50 | invoke p50 | added p50 | %[1]s p99 | invoke p99 | %[1]s req/s | invoke req/s | req/s ratio | errors |\n", base)
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, p := range pairs {
		b, s := p.Baseline, p.Subject
		fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %s | %.0f | %.0f | %.2f | %d |\n", s.Concurrency, us(b.P50), us(s.P50),
			us(s.P50-b.P50), us(b.P99), us(s.P99), b.RPS, s.RPS, s.RPS/max(b.RPS, 1), s.Errors+b.Errors)
	}
}
