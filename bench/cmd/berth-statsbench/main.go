// Command berth-statsbench measures the stats at scale (`make bench-stats`).
//
//  1. Queries: it generates owners, functions and executions (bench/statsgen;
//     1 000 functions of 10 owners and 5 million executions over 30 days by
//     default) into a throw-away SQLite file and PostgreSQL database, serves
//     each with a real server and, signed in as the busiest owner, times the
//     stats endpoints one request at a time.
//  2. What roll-ups cost: invocation throughput over HTTP with stats.rollups
//     on vs off, alternating runs on two servers side by side, and the
//     store's AppendExecutions throughput on vs off.
//
// It writes <out>/<date>-stats.json and .md.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/bench/load"
	"github.com/berth-platform/berth/bench/statsgen"
	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/password"
	"github.com/berth-platform/berth/internal/server"
	"github.com/berth-platform/berth/internal/store/postgres"
	"github.com/berth-platform/berth/internal/store/sqlite"
	"github.com/berth-platform/berth/internal/store/sqlstore"
)

// Report is everything one run measured.
type Report struct {
	Date       time.Time      `json:"date"`
	Host       string         `json:"host"`
	Functions  int            `json:"functions"`
	Owners     int            `json:"owners"`
	Executions int            `json:"executions"`
	Backends   []QueryBackend `json:"backends"`
	Invoke     []InvokeCost   `json:"invoke"`
	Writes     []WriteCost    `json:"writes"`
	DurationNS int64          `json:"duration_ns"`
}

// QueryBackend is one database's generation and query figures.
type QueryBackend struct {
	Backend    string        `json:"backend"`
	GenerateNS int64         `json:"generate_ns"`
	PerSecond  float64       `json:"generated_per_second"`
	Owner      string        `json:"owner"`
	Queries    []load.Result `json:"queries"`
}

// InvokeCost compares invocations with roll-ups on and off on one backend.
type InvokeCost struct {
	Backend string  `json:"backend"`
	OnRPS   float64 `json:"on_rps"`
	OffRPS  float64 `json:"off_rps"`
	Ratio   float64 `json:"ratio"`
	// Rounds are the on/off ratios of each pair of runs; Median is theirs,
	// robust to load from outside that changes between pairs.
	Rounds []float64 `json:"rounds"`
	Median float64   `json:"median"`
	// Recorded and RolledUp check the "on" server: every execution written
	// is in the roll-ups.
	Recorded int   `json:"recorded"`
	RolledUp int64 `json:"rolled_up"`
}

// WriteCost compares AppendExecutions throughput with roll-ups on and off.
type WriteCost struct {
	Backend   string  `json:"backend"`
	Shape     string  `json:"shape"`
	OnPerSec  float64 `json:"on_per_second"`
	OffPerSec float64 `json:"off_per_second"`
	Ratio     float64 `json:"ratio"`
}

const (
	adminEmail    = "ops@example.test"
	adminPassword = "benchmark admin password"
	echoModule    = "internal/runtime/wasm/testdata/echo.wasm"
)

func main() {
	out := flag.String("out", "bench/results", "directory for the results")
	dur := flag.Duration("duration", 5*time.Second, "length of each timed run")
	pg := flag.String("postgres", envOr("BERTH_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL server for the PostgreSQL runs (empty: skip them)")
	functions := flag.Int("functions", 1000, "functions to generate")
	owners := flag.Int("owners", 10, "owners of the generated functions")
	executions := flag.Int("executions", 5_000_000, "executions to generate")
	skipQueries := flag.Bool("skip-queries", false, "measure only what roll-ups cost")
	flag.Parse()
	log.SetFlags(0)
	ctx := context.Background()
	start := time.Now()
	r := Report{Date: start.UTC(), Host: fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version()),
		Functions: *functions, Owners: *owners, Executions: *executions}
	gen := statsgen.Options{Functions: *functions, Owners: *owners, Executions: *executions}
	backends := []string{"SQLite"}
	if *pg != "" {
		backends = append(backends, "PostgreSQL")
	}
	for _, b := range backends {
		if *skipQueries {
			break
		}
		log.Printf("== %s: generating %d executions of %d functions, then timing the stats API", b, *executions, *functions)
		q, err := measureQueries(ctx, b, *pg, gen, *dur)
		if err != nil {
			log.Fatalf("berth-statsbench: %s: %v", b, err)
		}
		r.Backends = append(r.Backends, *q)
	}
	for _, b := range backends {
		log.Printf("== %s: what roll-ups cost", b)
		ic, err := measureInvokeCost(ctx, b, *pg, *dur)
		if err != nil {
			log.Fatalf("berth-statsbench: %s: %v", b, err)
		}
		r.Invoke = append(r.Invoke, *ic)
		wc, err := measureWriteCost(ctx, b, *pg)
		if err != nil {
			log.Fatalf("berth-statsbench: %s: %v", b, err)
		}
		r.Writes = append(r.Writes, wc...)
	}
	r.DurationNS = int64(time.Since(start))
	if err := write(*out, &r); err != nil {
		log.Fatal(err)
	}
}

// database is a throw-away database: a SQLite file or a PostgreSQL database.
type database struct {
	url  string // for config.DatabaseURL
	drop func()
}

func newDatabase(ctx context.Context, backend, pgAdmin string) (*database, error) {
	if backend == "SQLite" {
		dir, err := os.MkdirTemp("", "berth-statsbench-")
		if err != nil {
			return nil, err
		}
		return &database{url: "sqlite:" + filepath.Join(dir, "berth.db"), drop: func() { os.RemoveAll(dir) }}, nil
	}
	conn, err := pgx.Connect(ctx, pgAdmin)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("berth_statsbench_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	u, _ := url.Parse(pgAdmin)
	u.Path = "/" + name
	return &database{url: u.String(), drop: func() {
		_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		conn.Close(context.Background())
	}}, nil
}

func (d *database) open(ctx context.Context) (*sqlstore.Store, error) {
	if p, ok := strings.CutPrefix(d.url, "sqlite:"); ok {
		return sqlite.Open(ctx, p)
	}
	return postgres.Open(ctx, d.url)
}

func cheapHasher() *password.Hasher {
	return password.NewHasher(password.Params{Memory: 64, Time: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, 4, time.Second)
}

// startServer runs an all-in-one server on db, with roll-ups on or off.
func startServer(ctx context.Context, db string, rollups bool) (*server.Server, func(), error) {
	dir, err := os.MkdirTemp("", "berth-statsbench-data-")
	if err != nil {
		return nil, nil, err
	}
	cfg := config.Default()
	cfg.Listen, cfg.MetricsListen, cfg.DataDir, cfg.DatabaseURL = "127.0.0.1:0", "", dir, db
	cfg.Admin = config.AdminConfig{Email: adminEmail, Password: adminPassword}
	cfg.Auth.MaxAccountFailures, cfg.Auth.MaxAddressFailures = 1<<30, 1<<30
	cfg.Web.LoginPerMinute, cfg.Web.LoginBurst = 1<<30, 1<<30
	cfg.Web.APIPerSecond, cfg.Web.APIBurst = 1<<30, 1<<30
	cfg.Web.InvokePerSecond, cfg.Web.InvokeBurst = 1<<30, 1<<30
	cfg.Stats.Rollups = rollups
	s, err := server.New(ctx, cfg, server.Options{Logger: slog.New(slog.DiscardHandler), Version: "statsbench", Hasher: cheapHasher()})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = s.Run(runCtx); close(done) }()
	return s, func() { cancel(); <-done; os.RemoveAll(dir) }, nil
}

func httpClient(conc int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = conc*2, conc*2
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}

func measureQueries(ctx context.Context, backend, pgAdmin string, gen statsgen.Options, dur time.Duration) (*QueryBackend, error) {
	db, err := newDatabase(ctx, backend, pgAdmin)
	if err != nil {
		return nil, err
	}
	defer db.drop()
	s, err := db.open(ctx)
	if err != nil {
		return nil, err
	}
	hash, err := cheapHasher().Hash(ctx, statsgen.Password)
	if err != nil {
		return nil, err
	}
	gen.PasswordHash = hash
	last := time.Now()
	gen.Progress = func(n int) {
		if time.Since(last) > 30*time.Second {
			last = time.Now()
			log.Printf("  %d executions written", n)
		}
	}
	res, err := statsgen.Generate(ctx, s, gen)
	if err == nil && backend == "PostgreSQL" {
		// Planner statistics, as autovacuum would gather them after a bulk load.
		_, err = s.DB().ExecContext(ctx, "ANALYZE") //nolint:misspell // the SQL keyword
	}
	s.Close()
	if err != nil {
		return nil, err
	}
	q := &QueryBackend{Backend: backend, GenerateNS: int64(res.Elapsed), PerSecond: float64(res.Executions) / res.Elapsed.Seconds(),
		Owner: fmt.Sprintf("owner 0 of %d: %d functions, the busiest included", len(res.Owners), len(res.Owners[0].Functions))}
	log.Printf("  generated in %s (%.0f executions/s)", res.Elapsed.Round(time.Second), q.PerSecond)

	srv, stop, err := startServer(ctx, db.url, true)
	if err != nil {
		return nil, err
	}
	defer stop()
	base := "http://" + srv.Addr()
	hc := httpClient(1)
	tok, err := must(client.New(base, client.WithHTTPClient(hc))).Login(ctx, res.Owners[0].Email, statsgen.Password)
	if err != nil {
		return nil, err
	}
	owner := must(client.New(base, client.WithBearer(tok.AccessToken), client.WithHTTPClient(hc)))
	admin, err := must(client.New(base, client.WithHTTPClient(hc))).Login(ctx, adminEmail, adminPassword)
	if err != nil {
		return nil, err
	}
	adminClient := must(client.New(base, client.WithBearer(admin.AccessToken), client.WithHTTPClient(hc)))
	fn := "/api/functions/" + res.Owners[0].Functions[0] + "/stats"
	for _, e := range []struct {
		c    *client.Client
		path string
	}{
		{owner, "/api/stats/overview"},
		{owner, "/api/stats/overview/hourly?hours=168"},
		{owner, "/api/stats/overview/daily?days=90"},
		{owner, fn},
		{owner, fn + "/hourly?hours=168"},
		{owner, fn + "/daily?days=90"},
		{adminClient, "/api/admin/stats"},
	} {
		r := load.Run(ctx, backend+" GET "+e.path, load.Options{Concurrency: 1, Duration: dur, Warmup: 10},
			func(ctx context.Context) error { return e.c.Do(ctx, http.MethodGet, e.path, nil, &json.RawMessage{}) })
		log.Println("  " + r.String())
		if r.Errors > 0 {
			return nil, fmt.Errorf("GET %s: %s", e.path, r.FirstError)
		}
		q.Queries = append(q.Queries, r)
	}
	return q, nil
}

// measureInvokeCost runs the echo module on two servers of one backend,
// roll-ups on and off, in alternating rounds so that drift hits both.
func measureInvokeCost(ctx context.Context, backend, pgAdmin string, dur time.Duration) (*InvokeCost, error) {
	const conc, rounds = 16, 10
	code, err := os.ReadFile(echoModule)
	if err != nil {
		return nil, fmt.Errorf("%w (run from the repository's root)", err)
	}
	type side struct {
		srv    *server.Server
		caller *client.Client
		fn     string
		runs   []load.Result
	}
	sides := map[bool]*side{}
	var cleanup []func()
	defer func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}()
	for _, on := range []bool{true, false} {
		db, err := newDatabase(ctx, backend, pgAdmin)
		if err != nil {
			return nil, err
		}
		cleanup = append(cleanup, db.drop)
		srv, stop, err := startServer(ctx, db.url, on)
		if err != nil {
			return nil, err
		}
		cleanup = append(cleanup, stop)
		base := "http://" + srv.Addr()
		hc := httpClient(conc)
		tok, err := must(client.New(base, client.WithHTTPClient(hc))).Login(ctx, adminEmail, adminPassword)
		if err != nil {
			return nil, err
		}
		c := must(client.New(base, client.WithBearer(tok.AccessToken), client.WithHTTPClient(hc)))
		f, err := c.InitFunction(ctx, "echo", "wasm", "")
		if err != nil {
			return nil, err
		}
		mc := 1000
		if _, err := c.UpdateFunction(ctx, f.ID, client.SettingsPatch{MaxConcurrency: &mc}); err != nil {
			return nil, err
		}
		if _, err := c.Deploy(ctx, f.ID, "application/wasm", code); err != nil {
			return nil, err
		}
		sides[on] = &side{srv: srv, caller: c, fn: f.ID}
	}
	run := func(on bool, d time.Duration) load.Result {
		sd := sides[on]
		return load.Run(ctx, fmt.Sprintf("%s POST /invoke, roll-ups %v", backend, on), load.Options{Concurrency: conc, Duration: d, Warmup: 20},
			func(ctx context.Context) error { _, err := sd.caller.Invoke(ctx, sd.fn, []byte("x"), nil); return err })
	}
	run(true, time.Second) // warm both: caches, connections, compiled code
	run(false, time.Second)
	ic := &InvokeCost{Backend: backend}
	for i := range rounds {
		order := []bool{false, true} // ABBA: alternate which goes first, so drift cancels
		if i%2 == 1 {
			order = []bool{true, false}
		}
		for _, on := range order {
			r := run(on, max(dur/2, time.Second))
			log.Println("  " + r.String())
			sides[on].runs = append(sides[on].runs, r)
		}
		ic.Rounds = append(ic.Rounds, sides[true].runs[i].RPS/sides[false].runs[i].RPS)
	}
	rps := func(rs []load.Result) float64 {
		var n int
		var d time.Duration
		for _, r := range rs {
			n, d = n+r.Requests, d+r.Elapsed
		}
		return float64(n) / d.Seconds()
	}
	ic.OnRPS, ic.OffRPS = rps(sides[true].runs), rps(sides[false].runs)
	ic.Ratio = ic.OnRPS / ic.OffRPS
	sorted := slices.Sorted(slices.Values(ic.Rounds))
	ic.Median = (sorted[(len(sorted)-1)/2] + sorted[len(sorted)/2]) / 2
	// Every recorded execution of the "on" server is in its roll-ups.
	on := sides[true]
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, total, err := on.srv.Store().ListExecutions(ctx, berth.ExecutionFilter{FunctionID: on.fn, Page: berth.Page{Number: 1, Size: 1}})
		if err != nil {
			return nil, err
		}
		r, err := on.srv.Store().RollupTotal(ctx, berth.StatsScope{FunctionID: on.fn}, berth.Daily, time.Now().Add(-48*time.Hour), time.Now().Add(time.Hour))
		if err != nil {
			return nil, err
		}
		ic.Recorded, ic.RolledUp = total, r.Invocations
		if (total > 0 && int64(total) == r.Invocations) || time.Now().After(deadline) {
			break
		}
	}
	log.Printf("  invocations/s with roll-ups %.0f, without %.0f: ratio %.3f, median of pairs %.3f; %d executions recorded, %d rolled up",
		ic.OnRPS, ic.OffRPS, ic.Ratio, ic.Median, ic.Recorded, ic.RolledUp)
	if int64(ic.Recorded) != ic.RolledUp {
		return nil, fmt.Errorf("roll-ups count %d executions, %d recorded", ic.RolledUp, ic.Recorded)
	}
	return ic, nil
}

// measureWriteCost times AppendExecutions in the recorder's batches of 500
// on fresh databases, roll-ups on and off: records of one function within
// 100 ms (a busy function), and records spread over 100 functions.
func measureWriteCost(ctx context.Context, backend, pgAdmin string) ([]WriteCost, error) {
	const batches, size = 200, 500
	var out []WriteCost
	for _, spread := range []int{1, 100} {
		wc := WriteCost{Backend: backend, Shape: fmt.Sprintf("batches of %d records of %d function(s)", size, spread)}
		for _, on := range []bool{false, true} {
			db, err := newDatabase(ctx, backend, pgAdmin)
			if err != nil {
				return nil, err
			}
			s, err := db.open(ctx)
			if err != nil {
				db.drop()
				return nil, err
			}
			s.SetRollups(on)
			fns := make([]string, spread)
			for i := range fns {
				fns[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
			}
			all := make([][]berth.Execution, batches)
			t0 := time.Now()
			for b := range all {
				all[b] = make([]berth.Execution, size)
				for i := range all[b] {
					all[b][i] = berth.Execution{FunctionID: fns[i%spread], OwnerID: "owner", Version: 1, Status: berth.ExecSuccess,
						HTTPStatus: 200, StartedAt: t0.Add(time.Duration(b*size+i) * 200 * time.Microsecond), DurationUS: int64(300 + i),
						BytesIn: 10, BytesOut: 20, CallerKind: berth.CallerOwner}
				}
			}
			start := time.Now()
			for _, batch := range all {
				if err := s.AppendExecutions(ctx, batch); err != nil {
					s.Close()
					db.drop()
					return nil, err
				}
			}
			rate := float64(batches*size) / time.Since(start).Seconds()
			s.Close()
			db.drop()
			if on {
				wc.OnPerSec = rate
			} else {
				wc.OffPerSec = rate
			}
		}
		wc.Ratio = wc.OnPerSec / wc.OffPerSec
		log.Printf("  AppendExecutions, %s: %.0f records/s with roll-ups, %.0f without (ratio %.2f)", wc.Shape, wc.OnPerSec, wc.OffPerSec, wc.Ratio)
		out = append(out, wc)
	}
	return out, nil
}

func write(dir string, r *Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	base := filepath.Join(dir, r.Date.Format("2006-01-02")+"-stats")
	raw, _ := json.MarshalIndent(r, "", "  ")
	if err := os.WriteFile(base+".json", append(raw, '\n'), 0o644); err != nil {
		return err
	}
	var md strings.Builder
	writeMarkdown(&md, r)
	if err := os.WriteFile(base+".md", []byte(md.String()), 0o644); err != nil {
		return err
	}
	_, _ = io.WriteString(os.Stdout, "\n"+md.String())
	log.Printf("wrote %s.json and %s.md in %s", base, base, time.Duration(r.DurationNS).Round(time.Second))
	return nil
}

func writeMarkdown(w io.Writer, r *Report) {
	fmt.Fprintf(w, "# berth stats benchmarks — %s\n\n%s.\n\n", r.Date.Format("2006-01-02 15:04 UTC"), r.Host)
	fmt.Fprintf(w, "## Stats API on %d functions (%d owners) and %d executions over 30 days\n\n", r.Functions, r.Owners, r.Executions)
	fmt.Fprintln(w, "One request at a time over loopback, signed in as the busiest owner; target p99 < 50 ms.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| backend | request | p50 | p99 | max | req/s |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|")
	for _, b := range r.Backends {
		for _, q := range b.Queries {
			fmt.Fprintf(w, "| %s | `%s` | %s | %s | %s | %.0f |\n", b.Backend, strings.TrimPrefix(q.Name, b.Backend+" "), msec(q.P50), msec(q.P99), msec(q.Max), q.RPS)
		}
	}
	fmt.Fprintln(w)
	for _, b := range r.Backends {
		fmt.Fprintf(w, "- %s: generated through AppendExecutions (roll-ups included) in %s, %.0f executions/s; %s.\n",
			b.Backend, time.Duration(b.GenerateNS).Round(time.Second), b.PerSecond, b.Owner)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## What roll-ups cost")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Invocations of the echo module over HTTP (16 callers), two servers side by side, 10 pairs of runs in ABBA order;")
	fmt.Fprintln(w, "the median of the pairs' ratios is robust to load from outside that changes between pairs. Target ≥ 0.95.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| backend | with roll-ups req/s | without req/s | ratio of totals | median ratio of pairs | pairs | executions recorded = rolled up |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---|---|")
	for _, c := range r.Invoke {
		pairs := make([]string, len(c.Rounds))
		for i, x := range c.Rounds {
			pairs[i] = fmt.Sprintf("%.3f", x)
		}
		fmt.Fprintf(w, "| %s | %.0f | %.0f | %.3f | %.3f | %s | %d = %d |\n", c.Backend, c.OnRPS, c.OffRPS, c.Ratio, c.Median,
			strings.Join(pairs, ", "), c.Recorded, c.RolledUp)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "The store alone: AppendExecutions of 100 000 records in the recorder's batches of 500.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| backend | shape | with roll-ups records/s | without | ratio |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|")
	for _, c := range r.Writes {
		fmt.Fprintf(w, "| %s | %s | %.0f | %.0f | %.2f |\n", c.Backend, c.Shape, c.OnPerSec, c.OffPerSec, c.Ratio)
	}
	fmt.Fprintln(w)
}

func msec(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/1e6) }

func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}

func envOr(k, def string) string {
	if v, ok := os.LookupEnv(k); ok {
		return v
	}
	return def
}
