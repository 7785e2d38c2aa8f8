// Command berth-bench runs berth's benchmark suite (`make bench`): the Go
// micro-benchmarks of the hot paths and load runs against real servers
// over loopback, each figure next to a baseline measured in the same run.
// It writes <out>/<date>.json and <out>/<date>.md; the Markdown shows,
// beside each throughput figure, the one of the newest earlier report in
// <out> (another date's <date>.json) and says whether the rows meet the
// throughput targets the team tracks (targets.go).
//
// Flags, besides -out, -duration, -postgres, -redis, -only and
// -skip-micro:
//
//	-cpuprofile FILE            write a Go CPU profile of the whole run to FILE
//	-cpuprofile-section NAME    with -cpuprofile, profile only section NAME
//	                            (micro, http, web, functions, containers), or
//	                            only the invocation runs of functions (invoke)
//
// The profile covers the whole process, the load generator and the
// servers under test alike, so that, for example,
//
//	go run ./bench/cmd/berth-bench -only functions -cpuprofile /tmp/invoke.prof -cpuprofile-section invoke
//	go tool pprof -top -cum -focus internal/manager /tmp/invoke.prof
//
// shows where the invoke path's time goes (-cpuprofile-section functions
// also takes in the builds and the Go example's compilation). The Go
// benchmarks run in child processes (go test): no profile sees them.
// Profiling slows the run a little; the report says when it was on.
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
	"cmp"
	"context"
	"encoding/json"
	"errors"
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
	Ext        *ExtStats       `json:"ext,omitempty"`
	Charts     []chartFile     `json:"charts,omitempty"`
	// Previous names the earlier report in the same directory whose
	// figures the Markdown shows beside these (empty: none).
	Previous string `json:"previous,omitempty"`
	// Profiled names what ran under -cpuprofile: "all", a section, or
	// "invoke" (the functions section's invocation runs).
	Profiled   string `json:"profiled,omitempty"`
	DurationNS int64  `json:"duration_ns"`
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
	cpuProfile           string // file; empty: no profile
	cpuProfileSection    string // empty: the whole run
}

// sectionNames are the sections in the order they run.
var sectionNames = []string{"micro", "http", "web", "functions", "containers", "ext"}

func main() {
	var o options
	var only string
	flag.StringVar(&o.out, "out", "bench/results", "directory for the results")
	flag.DurationVar(&o.dur, "duration", 3*time.Second, "length of each load run")
	flag.StringVar(&o.postgres, "postgres", envOr("BERTH_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "PostgreSQL server for the PostgreSQL runs (empty: skip them)")
	flag.StringVar(&o.redis, "redis", envOr("BERTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis for the Redis runs (empty: skip them)")
	flag.BoolVar(&o.skipMicro, "skip-micro", false, "skip the Go micro-benchmarks")
	flag.StringVar(&only, "only", "", "run only these sections, comma-separated: "+strings.Join(sectionNames, ", "))
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a Go CPU profile of the run to this file")
	flag.StringVar(&o.cpuProfileSection, "cpuprofile-section", "", "with -cpuprofile, profile only this section, or invoke: the functions section's invocation runs")
	flag.Parse()
	log.SetFlags(0)
	if only != "" {
		o.only = strings.Split(only, ",")
	}
	if err := o.check(); err != nil {
		log.Fatalf("berth-bench: %v", err)
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
	prof := profiler{path: o.cpuProfile, part: cmp.Or(o.cpuProfileSection, "all")}
	if prof.path != "" {
		r.Profiled = prof.part
	}
	sections := []struct {
		name, title string
		measure     func() error
	}{
		{"micro", "Go micro-benchmarks", func() (err error) { r.Micro, err = runMicro(ctx, cl); return err }},
		{"http", "HTTP load over loopback", func() (err error) { r.HTTP, r.Login, err = runHTTP(ctx, o.dur, o.postgres, o.redis); return err }},
		{"web", "Webserver: session proxy vs direct signed calls, and nginx", func() (err error) { r.Web, err = measureWeb(ctx, cl, o.dur, o.redis); return err }},
		{"functions", "Functions: invoke overhead, records, cold start", func() (err error) {
			r.Functions, err = measureFunctions(ctx, cl, prof, o.dur, o.postgres, o.redis)
			return err
		}},
		{"containers", "Containers: signed POST /invoke vs the watchdog sockets", func() (err error) { r.Containers, err = measureContainers(ctx, cl, o.dur); return err }},
		{"ext", "The feature proxy vs nginx, to the example plugin", func() (err error) { r.Ext, err = measureExt(ctx, cl, o.dur); return err }},
	}
	err := prof.around("all", func() error {
		for _, s := range sections {
			if !o.runs(s.name) {
				continue
			}
			log.Println("== " + s.title)
			err := prof.around(s.name, s.measure)
			if ctx.Err() != nil {
				return fmt.Errorf("%s: interrupted", s.name)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.DurationNS = int64(time.Since(start))
	return writeReport(o.out, start, &r)
}

// check refuses flags that name no section, or a profile of a section
// that does not run.
func (o options) check() error {
	for _, s := range o.only {
		if !slices.Contains(sectionNames, s) {
			return fmt.Errorf("-only: no section %q (%s)", s, strings.Join(sectionNames, ", "))
		}
	}
	switch s := o.cpuProfileSection; {
	case s == "":
	case o.cpuProfile == "":
		return errors.New("-cpuprofile-section needs -cpuprofile FILE")
	case s == profileInvoke:
		if !o.runs("functions") {
			return errors.New("-cpuprofile-section invoke: the functions section does not run (see -only)")
		}
	case !slices.Contains(sectionNames, s):
		return fmt.Errorf("-cpuprofile-section: no section %q (%s, or %s)", s, strings.Join(sectionNames, ", "), profileInvoke)
	case !o.runs(s):
		return fmt.Errorf("-cpuprofile-section %s: the section does not run (see -only, -skip-micro)", s)
	}
	return nil
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
	prev, err := findEarlier(dir, start)
	if err != nil {
		log.Printf("berth-bench: no previous figures: %v", err)
	}
	if prev != nil {
		r.Previous = prev.file
	}
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(base+".json", append(raw, '\n'), 0o644); err != nil {
		return err
	}
	var md strings.Builder
	writeMarkdown(&md, r, prev)
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
