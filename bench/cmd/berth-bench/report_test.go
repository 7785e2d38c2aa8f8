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

// TestMarkdownBesideOldReport sets a new report beside an earlier one:
// figures of the rows both have are side by side, and rows the earlier
// one lacks show —.
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
		Functions: &FunctionStats{Invoke: []HTTPPair{
			{Backend: "C example, SQLite", Baseline: run("direct", 1, 17000, 37*time.Microsecond), Subject: run("invoke", 1, 7000, 190*time.Microsecond)},
			{Backend: "C example, SQLite", Baseline: run("direct", 2, 17000, 37*time.Microsecond), Subject: run("invoke", 2, 7000, 190*time.Microsecond)},
		}},
	}
	var md strings.Builder
	writeMarkdown(&md, r, prev)
	for _, want := range []string{
		"from 2026-11-23.json (2026-11-23 17:38 UTC)",
		"| signing Verify | 9000 (9260) |",
		"| 13000 (13279) | 6012 (5975) | 0.46 |",
		"| 1 | 37 µs | 190 µs | 153 µs | 0 µs | 0 µs | 17000 (17121) | 7000 (1645) | 0.41 |",
		"| 2 | 37 µs | 190 µs | 153 µs | 0 µs | 0 µs | 17000 (—) | 7000 (—) | 0.41 |",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, md.String())
		}
	}
}
