package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-platform/berth/bench/load"
)

func TestFindEarlier(t *testing.T) {
	today := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		files []string
		want  string
	}{
		{"OK", []string{"2026-11-20.json", "2026-11-23.json", "2026-11-23-stats.json", "2026-12-01.json", "2026-12-05.json", "notes.json"}, "2026-11-23.json"},
		{"None", []string{"2026-12-01.json", "2026-11-30-stats.json"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, f), []byte(`{"date":"2026-11-20T10:00:00Z"}`), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			prev, err := findEarlier(dir, today)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if prev != nil {
				got = prev.file
			}
			if got != tc.want {
				t.Errorf("findEarlier = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestMarkdownBesideOldReport sets a new report beside a report written
// before /health was measured with invocations: old files must load, and
// rows they lack show —.
func TestMarkdownBesideOldReport(t *testing.T) {
	dir := t.TempDir()
	old, err := os.ReadFile("testdata/2026-11-23.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "2026-11-23.json"), old, 0o644); err != nil {
		t.Fatal(err)
	}
	prev, err := findEarlier(dir, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || prev == nil {
		t.Fatalf("findEarlier = %v, %v", prev, err)
	}
	run := func(name string, conc int, rps float64, p50 time.Duration) load.Result {
		return load.Result{Name: name, Concurrency: conc, Requests: 1, RPS: rps, P50: p50}
	}
	r := &Report{
		Date:  time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC),
		Micro: []Micro{{Package: "./internal/signing", Name: "Verify", NsPerOp: 9000}},
		HTTP: []HTTPPair{{Backend: "SQLite + in-process",
			Baseline: run("health", 1, 13000, 60*time.Microsecond), Subject: run("signed", 1, 6012, 120*time.Microsecond)}},
		Functions: &FunctionStats{
			Invoke: []HTTPPair{
				{Backend: invokeSQLite, Baseline: run("direct", 1, 17000, 37*time.Microsecond), Subject: run("invoke", 1, 7000, 190*time.Microsecond)},
				{Backend: invokePostgresRedis, Baseline: run("direct", 1, 17000, 37*time.Microsecond), Subject: run("invoke", 1, 2000, 500*time.Microsecond)},
			},
			Health: []load.Result{run("health", 1, 13000, 60*time.Microsecond), run("health", 1, 4000, 250*time.Microsecond)},
		},
	}
	var md strings.Builder
	writeMarkdown(&md, r, prev)
	for _, want := range []string{
		"from 2026-11-23.json (2026-11-23 17:38 UTC)",
		"| signing Verify | 9000 (9260) |",
		"| 13000 (13279) | 6012 (5975) | 0.46 | ≥0.70×: **not met** |",
		// The old report has invocations but no /health beside them, and no PostgreSQL rows.
		"| " + invokeSQLite + " | 1 | 13000 (—) | 7000 (1645) | 17000 (17121) | 0.54 | 0.41 | 60 µs | 190 µs | 130 µs |",
		"| " + invokePostgresRedis + " | 1 | 4000 (—) | 2000 (—) | 17000 (—) | 0.50 |",
		// Only c=1 is here: the other concurrencies fail the target.
		"Target, " + invokeSQLite + " (invoke ≥ 0.50× /health req/s at 1, 8 and 64 clients, ≤ 150 µs added p50 over /health at 1 client): **not met** — ×0.54 at 1, no /health figure at 8",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, md.String())
		}
	}
}

func TestInvokeTargetCheck(t *testing.T) {
	target := invokeTarget{minRatio: 0.5, concs: []int{1, 8}, maxAddedP50: 150 * time.Microsecond}
	row := func(conc int, healthRPS, invokeRPS float64, added time.Duration) invokeRow {
		h := load.Result{Concurrency: conc, RPS: healthRPS, P50: 100 * time.Microsecond}
		return invokeRow{HTTPPair: HTTPPair{Subject: load.Result{Concurrency: conc, RPS: invokeRPS, P50: h.P50 + added}}, health: &h}
	}
	for _, tc := range []struct {
		name string
		rows []invokeRow
		met  bool
	}{
		{"OK", []invokeRow{row(1, 1000, 600, 150*time.Microsecond), row(8, 2000, 1000, time.Millisecond)}, true},
		{"ErrRatio", []invokeRow{row(1, 1000, 600, 0), row(8, 2000, 999, 0)}, false},
		{"ErrAddedP50", []invokeRow{row(1, 1000, 600, 151*time.Microsecond), row(8, 2000, 1000, 0)}, false},
		{"ErrMissingRow", []invokeRow{row(1, 1000, 600, 0)}, false},
		{"ErrNoHealth", []invokeRow{{HTTPPair: HTTPPair{Subject: load.Result{Concurrency: 1}}}, row(8, 2000, 1000, 0)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if met, figs := target.check(tc.rows); met != tc.met {
				t.Errorf("check = %v (%s), want %v", met, figs, tc.met)
			}
		})
	}
}
