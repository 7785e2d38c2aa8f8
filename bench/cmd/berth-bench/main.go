// Command berth-bench runs berth's benchmark suite (`make bench`): the Go
// micro-benchmarks of the hot paths and load runs against real servers
// over loopback, each figure next to a baseline measured in the same run.
// It writes <out>/<date>.json and <out>/<date>.md.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
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

func main() {
	out := flag.String("out", "bench/results", "directory for the results")
	dur := flag.Duration("duration", 3*time.Second, "length of each load run")
	pg := flag.String("postgres", envOr("BERTH_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "PostgreSQL server for the PostgreSQL runs (empty: skip them)")
	redis := flag.String("redis", envOr("BERTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis for the Redis runs (empty: skip them)")
	skipMicro := flag.Bool("skip-micro", false, "skip the Go micro-benchmarks")
	only := flag.String("only", "", "run only these sections, comma-separated: micro, http, web, functions, containers")
	flag.Parse()
	run := func(section string) bool {
		if *only == "" {
			return section != "micro" || !*skipMicro
		}
		return slices.Contains(strings.Split(*only, ","), section)
	}
	log.SetFlags(0)

	start := time.Now()
	r := Report{Date: start.UTC(), Host: Host{runtime.GOOS, runtime.GOARCH, runtime.Version(), runtime.NumCPU()}}
	ctx := context.Background()
	var err error
	if run("micro") {
		log.Println("== Go micro-benchmarks")
		r.Micro = runMicro(ctx)
	}
	if run("http") {
		log.Println("== HTTP load over loopback")
		if r.HTTP, r.Login, err = runHTTP(ctx, *dur, *pg, *redis); err != nil {
			log.Fatalf("berth-bench: %v", err)
		}
	}
	if run("web") {
		log.Println("== Webserver: session proxy vs direct signed calls, and nginx")
		if r.Web, err = measureWeb(ctx, *dur, *redis); err != nil {
			log.Fatalf("berth-bench: %v", err)
		}
	}
	if run("functions") {
		log.Println("== Functions: invoke overhead, records, cold start")
		if r.Functions, err = measureFunctions(ctx, *dur); err != nil {
			log.Fatalf("berth-bench: %v", err)
		}
	}
	if run("containers") {
		log.Println("== Containers: signed POST /invoke vs the watchdog sockets")
		if r.Containers, err = measureContainers(ctx, *dur); err != nil {
			log.Fatalf("berth-bench: %v", err)
		}
	}
	r.DurationNS = int64(time.Since(start))

	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	prefix := start.UTC().Format("2006-01-02")
	base := filepath.Join(*out, prefix)
	removeStaleCharts(*out, prefix)
	if r.Charts, err = writeCharts(*out, prefix, &r); err != nil {
		log.Printf("berth-bench: charts: %v", err)
	}
	raw, _ := json.MarshalIndent(r, "", "  ")
	if err := os.WriteFile(base+".json", append(raw, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	var md strings.Builder
	writeMarkdown(&md, &r)
	if err := os.WriteFile(base+".md", []byte(md.String()), 0o644); err != nil {
		log.Fatal(err)
	}
	_, _ = io.WriteString(os.Stdout, "\n"+md.String())
	log.Printf("wrote %s.json and %s.md in %s", base, base, time.Since(start).Round(time.Second))
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
