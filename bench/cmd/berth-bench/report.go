package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// A reportWriter writes a Report as Markdown. With an earlier run, each
// throughput figure (req/s, ns/op) has that run's beside it in brackets.
type reportWriter struct {
	w    io.Writer
	prev *earlierRun // nil: none
}

// writeMarkdown writes r, set beside prev (which may be nil).
func writeMarkdown(w io.Writer, r *Report, prev *earlierRun) {
	rw := reportWriter{w: w, prev: prev}
	fmt.Fprintf(w, "# berth benchmarks — %s\n\n", r.Date.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(w, "%s/%s, %d CPUs, %s. Every ratio compares two figures measured side by side in this run.\n\n",
		r.Host.GOOS, r.Host.GOARCH, r.Host.CPUs, r.Host.GoVersion)
	switch r.Profiled {
	case "":
	case "all":
		fmt.Fprintln(w, "This run was CPU-profiled (-cpuprofile): its figures are a little low.")
		fmt.Fprintln(w)
	case profileInvoke:
		fmt.Fprintln(w, "This run's invocations were CPU-profiled (-cpuprofile-section invoke): their figures are a little low.")
		fmt.Fprintln(w)
	default:
		fmt.Fprintf(w, "This run was CPU-profiled in section %s (-cpuprofile-section): that section's figures are a little low.\n\n", r.Profiled)
	}
	if prev != nil {
		fmt.Fprintf(w, "Figures in brackets are the previous run's, from %s (%s); — where it has no such row.\n\n",
			prev.file, prev.date.UTC().Format("2006-01-02 15:04 UTC"))
	} else {
		fmt.Fprintln(w, "No earlier report in this directory: no previous figures.")
		fmt.Fprintln(w)
	}
	rw.micro(r.Micro)
	rw.http(r.HTTP)
	if wb := r.Web; wb != nil {
		fmt.Fprintln(w, "## The webserver: a session GET /api/users/me through it vs the same signed GET straight to the manager")
		fmt.Fprintln(w)
		rw.pairs(secSession, wb.Session, "direct", "via webserver")
		if len(wb.Nginx) > 0 {
			fmt.Fprintln(w, "For scale, nginx as a plain reverse proxy (keep-alive upstream) in front of the same manager, same direct baseline:")
			fmt.Fprintln(w)
			rw.pairs(secNginx, wb.Nginx, "direct", "via nginx")
		}
	}
	if f := r.Functions; f != nil {
		rw.functions(f)
	}
	if c := r.Containers; c != nil {
		fmt.Fprintln(w, "## A warm container function (http mode): signed POST /invoke vs the same request straight to its watchdog sockets")
		fmt.Fprintln(w)
		rw.invokePairs(secContainers, "socket", c.Invoke)
		fmt.Fprintf(w, "\nBefore each pair, the baseline takes the instances then serving (one at first, %d at the end) and sends them the requests berth would, at most %d at a time on each, as the runtime does; berth may start more under load (default limits: 4 instances, 8 calls each). Cold start and the runtime's own overhead are in the Go benchmarks above (ColdStart, WarmInvoke).\n\n", c.Instances, perInstance)
	}
	if e := r.Ext; e != nil {
		rw.ext(e)
	}
	if len(r.Charts) > 0 {
		fmt.Fprintln(w, "## Latency distributions")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Latency against percentile for each pair above, baseline and subject (and GET /health beside invocations) on one chart (log scale; the tail from p90 to p99.9 gets as much width as the body).")
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

// head names a column of figures set beside the earlier run's.
func (rw reportWriter) head(name string) string {
	if rw.prev == nil {
		return name
	}
	return name + " (prev.)"
}

// figure formats v, the figure k names, with the earlier run's beside it.
func (rw reportWriter) figure(k figureKey, v float64) string {
	s := fmt.Sprintf("%.0f", v)
	if rw.prev == nil {
		return s
	}
	if old, ok := rw.prev.figures[k]; ok {
		return fmt.Sprintf("%s (%.0f)", s, old)
	}
	return s + " (—)"
}

// rps formats a pair's req/s figure of column (colBaseline, colSubject).
func (rw reportWriter) rps(section string, p HTTPPair, column string, v float64) string {
	return rw.figure(figureKey{section, p.Backend, p.Subject.Concurrency, column}, v)
}

func (rw reportWriter) micro(ms []Micro) {
	if len(ms) == 0 {
		return
	}
	w := rw.w
	fmt.Fprintln(w, "## Hot paths (Go benchmarks)")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "| benchmark | %s | B/op | allocs/op | baseline | ratio | other |\n", rw.head("ns/op"))
	fmt.Fprintln(w, "|---|---:|---:|---:|---|---:|---|")
	for _, m := range ms {
		ratio := ""
		if m.BaselineNS > 0 {
			ratio = fmt.Sprintf("%.2f×", m.NsPerOp/m.BaselineNS)
		}
		ns := rw.figure(figureKey{secMicro, microRow(m), 0, colNsPerOp}, m.NsPerOp)
		fmt.Fprintf(w, "| %s %s | %s | %d | %d | %s | %s | %s |\n", strings.TrimPrefix(m.Package, "./internal/"), m.Name, ns, m.BytesPerOp, m.AllocsPerOp, m.Baseline, ratio, m.Extra)
	}
	fmt.Fprintln(w)
}

func (rw reportWriter) http(pairs []HTTPPair) {
	if len(pairs) == 0 {
		return
	}
	w := rw.w
	fmt.Fprintln(w, "## Signed GET /api/users/me vs GET /health on the same server")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "| backend | conc. | /health p50 | signed p50 | ×p50 | /health p99 | signed p99 | ×p99 | %s | %s | req/s ratio | target | errors |\n",
		rw.head("/health req/s"), rw.head("signed req/s"))
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
	for _, p := range pairs {
		b, s := p.Baseline, p.Subject
		r := s.RPS / max(b.RPS, 1)
		target := ""
		if t, ok := signedTarget(p.Backend); ok {
			target = fmt.Sprintf("≥%.2f×: %s", t, metWord(r >= t))
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %.2f | %s | %s | %.2f | %s | %s | %.2f | %s | %d |\n", p.Backend, s.Concurrency,
			us(b.P50), us(s.P50), ratio(s.P50, b.P50), us(b.P99), us(s.P99), ratio(s.P99, b.P99),
			rw.rps(secHTTP, p, colBaseline, b.RPS), rw.rps(secHTTP, p, colSubject, s.RPS), r, target, s.Errors+b.Errors)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Targets: signed ≥ 0.70× /health req/s on SQLite, ≥ 0.50× on PostgreSQL.")
	fmt.Fprintln(w)
}

// pairs renders baseline/subject pairs with the added latency.
func (rw reportWriter) pairs(section string, pairs []HTTPPair, base, subject string) {
	w := rw.w
	fmt.Fprintf(w, "| setup | conc. | %[1]s p50 | %[2]s p50 | added p50 | %[1]s p99 | %[2]s p99 | added p99 | %[3]s | %[4]s | req/s ratio | errors |\n",
		base, subject, rw.head(base+" req/s"), rw.head(subject+" req/s"))
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, p := range pairs {
		b, s := p.Baseline, p.Subject
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %.2f | %d |\n", p.Backend, s.Concurrency, us(b.P50), us(s.P50), us(s.P50-b.P50),
			us(b.P99), us(s.P99), us(s.P99-b.P99), rw.rps(section, p, colBaseline, b.RPS), rw.rps(section, p, colSubject, s.RPS),
			s.RPS/max(b.RPS, 1), s.Errors+b.Errors)
	}
	fmt.Fprintln(w)
}

// invokePairs writes invocation pairs: the baseline (named base in the
// headers) against signed POST /invoke, one row per concurrency.
func (rw reportWriter) invokePairs(section, base string, pairs []HTTPPair) {
	w := rw.w
	fmt.Fprintf(w, "| conc. | %[1]s p50 | invoke p50 | added p50 | %[1]s p99 | invoke p99 | %[2]s | %[3]s | req/s ratio | errors |\n",
		base, rw.head(base+" req/s"), rw.head("invoke req/s"))
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, p := range pairs {
		b, s := p.Baseline, p.Subject
		fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %s | %s | %s | %.2f | %d |\n", s.Concurrency, us(b.P50), us(s.P50),
			us(s.P50-b.P50), us(b.P99), us(s.P99), rw.rps(section, p, colBaseline, b.RPS), rw.rps(section, p, colSubject, s.RPS),
			s.RPS/max(b.RPS, 1), s.Errors+b.Errors)
	}
}

// functions writes the invocation table, each row beside GET /health on
// the same server and direct wazero, with a line per backend on its
// target, then the Go example's figures.
func (rw reportWriter) functions(f *FunctionStats) {
	w := rw.w
	fmt.Fprintln(w, "## Invoking the C example: signed POST /invoke vs GET /health on the same server and the same module straight on wazero")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "| backend | conc. | %s | %s | %s | invoke ÷ /health | invoke ÷ direct | /health p50 | invoke p50 | added p50 over /health | direct p50 | invoke p99 | errors |\n",
		rw.head("/health req/s"), rw.head("invoke req/s"), rw.head("direct req/s"))
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	rows := invokeRows(f)
	var backends []string
	for _, r := range rows {
		if !slices.Contains(backends, r.Backend) {
			backends = append(backends, r.Backend)
		}
		b, s := r.Baseline, r.Subject
		health, byHealth, healthP50, added, errs := "—", "—", "—", "—", s.Errors+b.Errors
		if h := r.health; h != nil {
			health = rw.figure(figureKey{secFunctions, r.Backend, s.Concurrency, colHealth}, h.RPS)
			byHealth = fmt.Sprintf("%.2f", s.RPS/max(h.RPS, 1))
			healthP50, added = us(h.P50), us(s.P50-h.P50)
			errs += h.Errors
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %.2f | %s | %s | %s | %s | %s | %d |\n", r.Backend, s.Concurrency,
			health, rw.rps(secFunctions, r.HTTPPair, colSubject, s.RPS), rw.rps(secFunctions, r.HTTPPair, colBaseline, b.RPS),
			byHealth, s.RPS/max(b.RPS, 1), healthP50, us(s.P50), added, us(b.P50), us(s.P99), errs)
	}
	fmt.Fprintln(w)
	for _, backend := range backends {
		t, ok := invokeTargetFor(backend)
		if !ok {
			continue
		}
		var mine []invokeRow
		for _, r := range rows {
			if r.Backend == backend {
				mine = append(mine, r)
			}
		}
		met, figs := t.check(mine)
		fmt.Fprintf(w, "Target, %s (%s): %s — %s.\n\n", backend, t, metWord(met), figs)
	}
	fmt.Fprintf(w, "Calls sent %d, answered %d, executions recorded %d (calls cut off by the end of a run are recorded without their answer reaching the client; answered ≤ recorded ≤ sent is checked).\n\n", f.Sent, f.Calls, f.Recorded)
	fmt.Fprintf(w, "Go example (%s): deploy with compilation %s; first call after a restart (compiled code from the disk cache) %s",
		"examples/hello-go", f.GoDeploy.Round(time.Millisecond), f.GoColdAfterRestart.Round(time.Millisecond))
	if g := f.GoWarm; g != nil {
		fmt.Fprintf(w, "; warm calls p50 %s, p99 %s, %.0f req/s", us(g.P50), us(g.P99), g.RPS)
	}
	fmt.Fprintln(w, ".")
	fmt.Fprintln(w)
}

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/1e3) }

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
