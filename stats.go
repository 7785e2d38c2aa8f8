package berth

import (
	"context"
	"math"
	"sort"
	"time"
)

// Granularity is the width of a roll-up bucket. Buckets are aligned to UTC:
// an hourly bucket starts on the hour, a daily bucket at midnight UTC.
type Granularity string

// Granularities.
const (
	Hourly Granularity = "hour"
	Daily  Granularity = "day"
)

// Duration is the width of one bucket.
func (g Granularity) Duration() time.Duration {
	if g == Daily {
		return 24 * time.Hour
	}
	return time.Hour
}

// Truncate returns the start of the bucket that holds t, in UTC.
func (g Granularity) Truncate(t time.Time) time.Time {
	us := t.UTC().UnixMicro()
	width := g.Duration().Microseconds()
	start := us - us%width
	if us < 0 && us%width != 0 { // times before 1970 round down, too
		start -= width
	}
	return time.UnixMicro(start).UTC()
}

// HistogramBins is the number of bins of a duration histogram.
const HistogramBins = 88

// histogramBase is the upper bound of the first bin, in microseconds; each
// further bound is 2^(1/4) (about 19 %) above the previous one, so the bins
// reach 100 µs · 2^21.5 ≈ 296.6 s and the last bin holds everything longer.
const histogramBase = 100

// histogramBounds[i] is the exclusive upper bound of bin i, in microseconds
// (bin HistogramBins-1 has none).
var histogramBounds = func() [HistogramBins - 1]int64 {
	var b [HistogramBins - 1]int64
	for i := range b {
		b[i] = int64(math.Round(histogramBase * math.Pow(2, float64(i)/4)))
	}
	return b
}()

// DurationBin returns the histogram bin of a duration in microseconds.
// Negative durations (a clock that stepped back) count as zero.
func DurationBin(us int64) int {
	return sort.Search(len(histogramBounds), func(i int) bool { return us < histogramBounds[i] })
}

// BinBounds returns the range [lo, hi) of bin i in microseconds; hi is -1
// for the last bin, which has no upper bound.
func BinBounds(i int) (lo, hi int64) {
	if i > 0 {
		lo = histogramBounds[i-1]
	}
	if i < len(histogramBounds) {
		return lo, histogramBounds[i]
	}
	return lo, -1
}

// Histogram counts durations in HistogramBins fixed, log-spaced bins (see
// DurationBin). Histograms of any buckets add up bin by bin, which is what
// makes percentiles of arbitrary windows possible from roll-ups.
type Histogram [HistogramBins]int64

// Quantile estimates the q-quantile (0 ≤ q ≤ 1) in microseconds: it finds
// the bin holding the q·total-th duration and interpolates linearly inside
// it. maxUS, the largest duration observed, caps the estimate and closes the
// last bin; 0 when it is unknown. An empty histogram gives 0.
func (h *Histogram) Quantile(q float64, maxUS int64) float64 {
	var total int64
	for _, n := range h {
		total += n
	}
	if total == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := q * float64(total)
	var cum int64
	for i, n := range h {
		if n == 0 {
			continue
		}
		if float64(cum+n) < rank {
			cum += n
			continue
		}
		lo, hi := BinBounds(i)
		if hi < 0 || (maxUS >= lo && maxUS < hi) {
			// The highest occupied bin ends at the largest duration seen.
			hi = max(maxUS, lo)
		}
		return float64(lo) + float64(hi-lo)*(rank-float64(cum))/float64(n)
	}
	return float64(maxUS)
}

// Rollup sums the executions of one bucket, or of a window of buckets.
type Rollup struct {
	// Start is the first bucket's start (UTC).
	Start         time.Time
	Invocations   int64
	Errors        int64 // every status but success
	Timeouts      int64
	ColdStarts    int64
	DurationUSSum int64
	DurationUSMax int64
	BytesIn       int64
	BytesOut      int64
	Histogram     Histogram
}

// Add counts one execution.
func (r *Rollup) Add(e *Execution) {
	d := max(e.DurationUS, 0)
	r.Invocations++
	if e.Status != ExecSuccess {
		r.Errors++
	}
	if e.Status == ExecTimeout {
		r.Timeouts++
	}
	if e.ColdStart {
		r.ColdStarts++
	}
	r.DurationUSSum += d
	r.DurationUSMax = max(r.DurationUSMax, d)
	r.BytesIn += e.BytesIn
	r.BytesOut += e.BytesOut
	r.Histogram[DurationBin(d)]++
}

// Merge adds o's counts to r (Start is left alone).
func (r *Rollup) Merge(o *Rollup) {
	r.Invocations += o.Invocations
	r.Errors += o.Errors
	r.Timeouts += o.Timeouts
	r.ColdStarts += o.ColdStarts
	r.DurationUSSum += o.DurationUSSum
	r.DurationUSMax = max(r.DurationUSMax, o.DurationUSMax)
	r.BytesIn += o.BytesIn
	r.BytesOut += o.BytesOut
	for i, n := range o.Histogram {
		r.Histogram[i] += n
	}
}

// Quantile estimates the q-quantile of the durations, in microseconds.
func (r *Rollup) Quantile(q float64) float64 { return r.Histogram.Quantile(q, r.DurationUSMax) }

// ErrorRate is errors per invocation, 0 without invocations.
func (r *Rollup) ErrorRate() float64 {
	if r.Invocations == 0 {
		return 0
	}
	return float64(r.Errors) / float64(r.Invocations)
}

// StatsScope selects whose roll-ups a query sums: one function's (FunctionID),
// one owner's functions' (OwnerID), or, both empty, everyone's.
type StatsScope struct {
	FunctionID string
	OwnerID    string
}

// FunctionRollup is one function's counts over a window.
type FunctionRollup struct {
	FunctionID    string
	Name          string // empty when the function has been deleted since
	Invocations   int64
	Errors        int64
	DurationUSSum int64
}

// StatsStore keeps per-function roll-ups of executions in hourly and daily
// UTC buckets. An implementation updates them in the same transaction as
// ExecutionStore.AppendExecutions, counting only the records it inserts, so
// that no execution is lost or counted twice; queries never read executions.
type StatsStore interface {
	// RollupSeries returns n consecutive buckets of granularity g, oldest
	// first, the first being the bucket that holds from. Buckets without
	// executions are zero, with Start set. n ≤ 0 gives an empty series.
	RollupSeries(ctx context.Context, scope StatsScope, g Granularity, from time.Time, n int) ([]Rollup, error)
	// RollupTotal sums the buckets of granularity g that start in [from,
	// until); Start is from's bucket. No executions: a zero Rollup.
	RollupTotal(ctx context.Context, scope StatsScope, g Granularity, from, until time.Time) (Rollup, error)
	// TopFunctions returns up to limit functions of the scope with the most
	// invocations in the buckets of granularity g that start in [from,
	// until), most first (ties by id); functions without any are left out.
	TopFunctions(ctx context.Context, scope StatsScope, g Granularity, from, until time.Time, limit int) ([]FunctionRollup, error)
	// RecentFailures returns up to limit executions of any function whose
	// status is not success, started at or after since, newest first,
	// without their logs.
	RecentFailures(ctx context.Context, since time.Time, limit int) ([]Execution, error)
	// PruneExecutions deletes up to limit executions started before t,
	// oldest first, and returns how many it deleted; roll-ups are kept.
	PruneExecutions(ctx context.Context, before time.Time, limit int) (int64, error)
	// PruneRollups deletes up to limit roll-up buckets of granularity g
	// that started before t, and returns how many it deleted.
	PruneRollups(ctx context.Context, g Granularity, before time.Time, limit int) (int64, error)
}
