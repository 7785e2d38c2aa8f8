package berth_test

import (
	"math"
	"testing"
	"time"

	"github.com/berth-platform/berth"
)

func TestDurationBin(t *testing.T) {
	tests := []struct {
		us   int64
		want int
	}{
		{-5, 0}, {0, 0}, {99, 0}, {100, 1}, {118, 1}, {119, 2}, {1_000, 14}, {296_582_079, 86}, {296_582_080, 87}, {math.MaxInt64, 87},
	}
	for _, tt := range tests {
		if got := berth.DurationBin(tt.us); got != tt.want {
			t.Errorf("DurationBin(%d) = %d, want %d", tt.us, got, tt.want)
		}
	}
	for i := range berth.HistogramBins {
		lo, hi := berth.BinBounds(i)
		if berth.DurationBin(lo) != i || (hi >= 0 && (berth.DurationBin(hi-1) != i || berth.DurationBin(hi) != i+1)) {
			t.Fatalf("bin %d [%d, %d) does not hold its bounds", i, lo, hi)
		}
		if i > 1 && hi > 0 {
			if r := float64(hi) / float64(lo); math.Abs(r-math.Pow(2, 0.25)) > 0.01 {
				t.Fatalf("bin %d spans ×%.3f, want ×2^(1/4)", i, r)
			}
		}
	}
}

func TestHistogramQuantile(t *testing.T) {
	var empty berth.Histogram
	if q := empty.Quantile(0.5, 0); q != 0 {
		t.Fatalf("empty: %v", q)
	}
	var h berth.Histogram
	lo, hi := berth.BinBounds(20)
	h[20] = 10
	if q := h.Quantile(0.5, 0); q != float64(lo)+float64(hi-lo)/2 {
		t.Fatalf("one bin, unknown max: p50 = %v, want the bin's middle", q)
	}
	if q := h.Quantile(1, lo+10); q != float64(lo+10) {
		t.Fatalf("p100 = %v, want the maximum %d", q, lo+10)
	}
	if q := h.Quantile(0, 0); q != float64(lo) {
		t.Fatalf("p0 = %v, want the bin's start %d", q, lo)
	}
	var top berth.Histogram
	top[berth.HistogramBins-1] = 4
	start, _ := berth.BinBounds(berth.HistogramBins - 1)
	if q := top.Quantile(0.5, start+4000); q != float64(start+2000) {
		t.Fatalf("last bin: p50 = %v, want half way to the maximum", q)
	}
}

func TestGranularityTruncate(t *testing.T) {
	at := time.Date(2026, 3, 10, 23, 59, 59, 999_999_999, time.FixedZone("UTC-3", -3*3600)) // 02:59:59 on the 11th, UTC
	if got, want := berth.Hourly.Truncate(at), time.Date(2026, 3, 11, 2, 0, 0, 0, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("Hourly.Truncate = %v, want %v", got, want)
	}
	if got, want := berth.Daily.Truncate(at), time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("Daily.Truncate = %v, want %v", got, want)
	}
	if got, want := berth.Daily.Truncate(time.Date(1969, 12, 31, 12, 0, 0, 0, time.UTC)), time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("before 1970: %v, want %v", got, want)
	}
}

func TestRollupAddMerge(t *testing.T) {
	es := []berth.Execution{
		{Status: berth.ExecSuccess, DurationUS: 150, BytesIn: 1, BytesOut: 2, ColdStart: true},
		{Status: berth.ExecTimeout, DurationUS: 9_000, BytesIn: 3},
		{Status: berth.ExecRejected, DurationUS: -1},
	}
	var a, b berth.Rollup
	a.Add(&es[0])
	b.Add(&es[1])
	b.Add(&es[2])
	a.Merge(&b)
	want := berth.Rollup{Invocations: 3, Errors: 2, Timeouts: 1, ColdStarts: 1, DurationUSSum: 9_150, DurationUSMax: 9_000, BytesIn: 4, BytesOut: 2}
	want.Histogram[berth.DurationBin(150)]++
	want.Histogram[berth.DurationBin(9_000)]++
	want.Histogram[0]++
	if a != want {
		t.Fatalf("merged %+v, want %+v", a, want)
	}
	if r := a.ErrorRate(); math.Abs(r-2.0/3) > 1e-12 {
		t.Fatalf("error rate %v", r)
	}
}
