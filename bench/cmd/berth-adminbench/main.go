// Command berth-adminbench measures the accounts administration at scale
// (`make bench-admin`): it writes 100 000 accounts (spread over tiers,
// organisations and groups, a few blocked and deleted) into a throw-away
// SQLite file and PostgreSQL database, serves each with a real server and,
// signed in as a full admin, times GET /api/admin/users one request at a
// time: the first page, a search, each filter, a deep page and a sort.
// The target is p99 under 50 ms. It writes <out>/<date>-admin.json and .md.
package main

import (
	"context"
	"database/sql"
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
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/bench/load"
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
	Date       time.Time `json:"date"`
	Host       string    `json:"host"`
	Users      int       `json:"users"`
	Backends   []Backend `json:"backends"`
	DurationNS int64     `json:"duration_ns"`
}

// Backend is one database's figures.
type Backend struct {
	Backend    string        `json:"backend"`
	GenerateNS int64         `json:"generate_ns"`
	Queries    []load.Result `json:"queries"`
}

const (
	adminEmail    = "ops@example.test"
	adminPassword = "benchmark admin password"
	target        = 50 * time.Millisecond
)

func main() {
	out := flag.String("out", "bench/results", "directory for the results")
	dur := flag.Duration("duration", 3*time.Second, "length of each timed run")
	users := flag.Int("users", 100_000, "accounts to write")
	pg := flag.String("postgres", envOr("BERTH_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL server for the PostgreSQL run (empty: skip it)")
	keep := flag.Bool("keep", false, "keep the generated databases (and print where they are) to look at plans")
	flag.Parse()
	keepDatabases = *keep
	log.SetFlags(0)
	ctx := context.Background()
	start := time.Now()
	r := Report{Date: start.UTC(), Host: fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version()),
		Users: *users}
	backends := []string{"SQLite"}
	if *pg != "" {
		backends = append(backends, "PostgreSQL")
	}
	slow := 0
	for _, b := range backends {
		log.Printf("== %s: writing %d accounts, then timing GET /api/admin/users", b, *users)
		res, err := measure(ctx, b, *pg, *users, *dur)
		if err != nil {
			log.Fatalf("berth-adminbench: %s: %v", b, err)
		}
		for _, q := range res.Queries {
			if q.P99 > target {
				slow++
			}
		}
		r.Backends = append(r.Backends, *res)
	}
	r.DurationNS = int64(time.Since(start))
	if err := write(*out, &r); err != nil {
		log.Fatal(err)
	}
	if slow > 0 {
		log.Fatalf("berth-adminbench: %d requests above the %s p99 target", slow, target)
	}
}

func envOr(k, def string) string {
	if v, ok := os.LookupEnv(k); ok {
		return v
	}
	return def
}

// keepDatabases leaves the generated databases in place (-keep).
var keepDatabases bool

// database is a throw-away SQLite file or PostgreSQL database.
type database struct {
	url  string
	drop func()
}

func newDatabase(ctx context.Context, backend, pgAdmin string) (*database, error) {
	if backend == "SQLite" {
		dir, err := os.MkdirTemp("", "berth-adminbench-")
		if err != nil {
			return nil, err
		}
		return &database{url: "sqlite:" + filepath.Join(dir, "berth.db"), drop: func() { os.RemoveAll(dir) }}, nil
	}
	conn, err := pgx.Connect(ctx, pgAdmin)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("berth_adminbench_%d", time.Now().UnixNano())
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

// population is what generate wrote, for the queries to name.
type population struct {
	tier, org, group string
}

// generate writes n accounts in one transaction: every tenth on a tier of
// its own, every fifth in one of 50 organisations, every third in one of
// 20 groups, one in a hundred blocked and one in two hundred deleted.
func generate(ctx context.Context, s *sqlstore.Store, n int, pgDialect bool) (*population, error) {
	const orgs, groups = 50, 20
	st := time.Now().UTC()
	tier := &berth.Tier{Name: "bench", Limits: berth.TierLimits{MaxFunctions: 10}}
	if err := s.CreateTier(ctx, tier); err != nil {
		return nil, err
	}
	var orgIDs, groupIDs []string
	for i := range orgs {
		o := &berth.Organization{Name: fmt.Sprintf("org-%02d", i)}
		if err := s.CreateOrganization(ctx, o); err != nil {
			return nil, err
		}
		orgIDs = append(orgIDs, o.ID)
	}
	for i := range groups {
		g := &berth.Group{Name: fmt.Sprintf("group-%02d", i)}
		if err := s.CreateGroup(ctx, g); err != nil {
			return nil, err
		}
		groupIDs = append(groupIDs, g.ID)
	}
	q := func(s string) string {
		if !pgDialect {
			return s
		}
		var b strings.Builder
		n := 0
		for _, c := range s {
			if c == '?' {
				n++
				fmt.Fprintf(&b, "$%d", n)
				continue
			}
			b.WriteRune(c)
		}
		return b.String()
	}
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	insUser, err := tx.PrepareContext(ctx, q(`INSERT INTO users (id, email, name, role, admin_role, status, password_hash,
		password_change_required, tier_id, organization_id, organization_role, created_at, updated_at, email_skeleton)
		VALUES (?, ?, ?, 'user', '', ?, 'x', ?, ?, ?, ?, ?, ?, ?)`))
	if err != nil {
		return nil, err
	}
	insMember, err := tx.PrepareContext(ctx, q(`INSERT INTO group_members (group_id, user_id, added_at) VALUES (?, ?, ?)`))
	if err != nil {
		return nil, err
	}
	first := []string{"ada", "grace", "alan", "edsger", "barbara", "donald", "margaret", "ken", "dennis", "frances"}
	last := []string{"lovelace", "hopper", "turing", "dijkstra", "liskov", "knuth", "hamilton", "thompson", "ritchie", "allen"}
	for i := range n {
		status := berth.UserActive
		switch {
		case i%200 == 7:
			status = berth.UserDeleted
		case i%100 == 3:
			status = berth.UserBlocked
		}
		var tierID, orgID sql.NullString
		role := ""
		if i%10 == 1 {
			tierID = sql.NullString{String: tier.ID, Valid: true}
		}
		if i%5 == 2 {
			orgID, role = sql.NullString{String: orgIDs[i%orgs], Valid: true}, "member"
		}
		email := fmt.Sprintf("%s.%s%d@example%d.test", first[i%10], last[(i/10)%10], i, i%97)
		at := st.Add(-time.Duration(n-i) * time.Minute).UnixMicro()
		id := uuid.NewString()
		if _, err := insUser.ExecContext(ctx, id, email, strings.ToUpper(first[i%10][:1])+first[i%10][1:]+" "+last[(i/10)%10],
			status, false, tierID, orgID, role, at, at, berth.EmailSkeleton(email)); err != nil {
			return nil, fmt.Errorf("user %d: %w", i, err)
		}
		if i%3 == 0 {
			if _, err := insMember.ExecContext(ctx, groupIDs[i%groups], id, at); err != nil {
				return nil, err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	// Planner statistics and PostgreSQL's visibility map, as autovacuum
	// (or a periodic analysis on SQLite) would leave them after a bulk load.
	settle := "ANALYZE" //nolint:misspell // the SQL keyword
	if pgDialect {
		settle = "VACUUM ANALYZE" //nolint:misspell // the SQL keyword
	}
	if _, err := s.DB().ExecContext(ctx, settle); err != nil {
		return nil, err
	}
	return &population{tier: tier.ID, org: orgIDs[7], group: groupIDs[5]}, nil
}

func cheapHasher() *password.Hasher {
	return password.NewHasher(password.Params{Memory: 64, Time: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, 4, time.Second)
}

func measure(ctx context.Context, backend, pgAdmin string, n int, dur time.Duration) (*Backend, error) {
	db, err := newDatabase(ctx, backend, pgAdmin)
	if err != nil {
		return nil, err
	}
	if keepDatabases {
		log.Printf("  kept: %s", db.url)
	} else {
		defer db.drop()
	}
	s, err := db.open(ctx)
	if err != nil {
		return nil, err
	}
	began := time.Now()
	pop, err := generate(ctx, s, n, backend == "PostgreSQL")
	s.Close()
	if err != nil {
		return nil, err
	}
	res := &Backend{Backend: backend, GenerateNS: int64(time.Since(began))}
	log.Printf("  written in %s", time.Since(began).Round(time.Millisecond))

	dir, err := os.MkdirTemp("", "berth-adminbench-data-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.Listen, cfg.MetricsListen, cfg.DataDir, cfg.DatabaseURL = "127.0.0.1:0", "", dir, db.url
	cfg.Admin = config.AdminConfig{Email: adminEmail, Password: adminPassword}
	cfg.Web.APIPerSecond, cfg.Web.APIBurst = 1<<30, 1<<30
	srv, err := server.New(ctx, cfg, server.Options{Logger: slog.New(slog.DiscardHandler), Version: "adminbench", Hasher: cheapHasher()})
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = srv.Run(runCtx); close(done) }()
	defer func() { cancel(); <-done }()
	base := "http://" + srv.Addr()
	tok, err := mustClient(client.New(base)).Login(ctx, adminEmail, adminPassword)
	if err != nil {
		return nil, err
	}
	admin := mustClient(client.New(base, client.WithBearer(tok.AccessToken)))
	for _, path := range []string{
		"/api/admin/users",
		"/api/admin/users?q=hopper",
		"/api/admin/users?q=grace.knuth42",
		"/api/admin/users?status=blocked",
		"/api/admin/users?tier_id=" + pop.tier,
		"/api/admin/users?organization_id=" + pop.org,
		"/api/admin/users?group_id=" + pop.group,
		"/api/admin/users?sort=-created_at&per_page=100",
		"/api/admin/users?page=2000&per_page=50",
		"/api/admin/users?status=active&q=example3&sort=name",
	} {
		r := load.Run(ctx, backend+" GET "+path, load.Options{Concurrency: 1, Duration: dur, Warmup: 5},
			func(ctx context.Context) error { return admin.Do(ctx, http.MethodGet, path, nil, &json.RawMessage{}) })
		log.Println("  " + r.String())
		if r.Errors > 0 {
			return nil, fmt.Errorf("GET %s: %s", path, r.FirstError)
		}
		res.Queries = append(res.Queries, r)
	}
	return res, nil
}

func mustClient(c *client.Client, err error) *client.Client {
	if err != nil {
		panic(err)
	}
	return c
}

func write(dir string, r *Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	base := filepath.Join(dir, r.Date.Format("2006-01-02")+"-admin")
	raw, _ := json.MarshalIndent(r, "", "  ")
	if err := os.WriteFile(base+".json", append(raw, '\n'), 0o644); err != nil {
		return err
	}
	var md strings.Builder
	fmt.Fprintf(&md, "# berth admin benchmarks — %s\n\n%s.\n\n", r.Date.Format("2006-01-02 15:04 UTC"), r.Host)
	fmt.Fprintf(&md, "## GET /api/admin/users on %d accounts\n\nOne request at a time over loopback, as a full admin; target p99 < %s.\n\n", r.Users, target)
	fmt.Fprintln(&md, "| backend | request | p50 | p99 | max | req/s |")
	fmt.Fprintln(&md, "|---|---|---:|---:|---:|---:|")
	for _, b := range r.Backends {
		for _, q := range b.Queries {
			fmt.Fprintf(&md, "| %s | `%s` | %s | %s | %s | %.0f |\n", b.Backend, strings.TrimPrefix(q.Name, b.Backend+" GET "),
				msec(q.P50), msec(q.P99), msec(q.Max), q.RPS)
		}
	}
	fmt.Fprintln(&md)
	for _, b := range r.Backends {
		fmt.Fprintf(&md, "- %s: accounts written in %s.\n", b.Backend, time.Duration(b.GenerateNS).Round(time.Millisecond))
	}
	if err := os.WriteFile(base+".md", []byte(md.String()), 0o644); err != nil {
		return err
	}
	_, _ = io.WriteString(os.Stdout, "\n"+md.String())
	log.Printf("wrote %s.json and %s.md in %s", base, base, time.Duration(r.DurationNS).Round(time.Second))
	return nil
}

func msec(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}
