package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-platform/berth/bench/load"
)

func latencies(n int, base time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = base + time.Duration(i)*time.Microsecond
	}
	return out
}

func TestChartWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.svg")
	c := chart{title: "direct vs proxied", series: []*load.Result{
		{Name: "direct", Concurrency: 8, Latencies: latencies(1000, 50*time.Microsecond)},
		{Name: "proxied", Concurrency: 8, Latencies: latencies(1000, 90*time.Microsecond)},
	}}
	if err := c.write(path); err != nil {
		t.Fatal(err)
	}
	svg, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "direct vs proxied", "direct (c=8)", "proxied (c=8)", "p50", "p99.9"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("the chart lacks %q", want)
		}
	}
	if out := os.Getenv("BERTH_CHART_OUT"); out != "" { // to look at it
		_ = os.WriteFile(out, svg, 0o644)
	}
}

func TestChartWithoutLatencies(t *testing.T) {
	c := chart{title: "empty", series: []*load.Result{{Name: "none"}}}
	if err := c.write(filepath.Join(t.TempDir(), "c.svg")); err == nil {
		t.Fatal("a chart without any latency was written")
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"webserver → manager, Redis, c=64": "webserver-manager-redis-c-64",
		"Invoke (C example)":               "invoke-c-example",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}
