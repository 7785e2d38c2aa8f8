package storetest

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/berth-platform/berth"
)

// statsDay is a fixed UTC midnight in the past: roll-up tests place
// executions at exact bucket boundaries around it.
var statsDay = time.Date(2026, time.March, 10, 0, 0, 0, 0, time.UTC)

// timed returns a record of f started at t that lasted d.
func timed(f *berth.Function, t time.Time, d time.Duration, status berth.ExecutionStatus) berth.Execution {
	e := newExecution(f, t, status)
	e.DurationUS = d.Microseconds()
	return e
}

func appendAll(t *testing.T, s berth.Store, es []berth.Execution) {
	t.Helper()
	if err := s.AppendExecutions(t.Context(), es); err != nil {
		t.Fatalf("AppendExecutions: %v", err)
	}
}

// expected sums es the way a store must.
func expected(es ...berth.Execution) berth.Rollup {
	var r berth.Rollup
	for i := range es {
		r.Add(&es[i])
	}
	return r
}

func total(t *testing.T, s berth.Store, sc berth.StatsScope, g berth.Granularity, from, until time.Time) berth.Rollup {
	t.Helper()
	r, err := s.RollupTotal(t.Context(), sc, g, from, until)
	if err != nil {
		t.Fatalf("RollupTotal(%+v, %s): %v", sc, g, err)
	}
	return r
}

// sameCounts compares everything but Start.
func sameCounts(got, want berth.Rollup) bool {
	got.Start, want.Start = time.Time{}, time.Time{}
	return got == want
}

func series(t *testing.T, s berth.Store, sc berth.StatsScope, g berth.Granularity, from time.Time, n int) []berth.Rollup {
	t.Helper()
	out, err := s.RollupSeries(t.Context(), sc, g, from, n)
	if err != nil {
		t.Fatalf("RollupSeries(%s, %d): %v", g, n, err)
	}
	return out
}

func invocations(rs []berth.Rollup) []int64 {
	out := make([]int64, len(rs))
	for i := range rs {
		out[i] = rs[i].Invocations
	}
	return out
}

func testStatsBuckets(t *testing.T, s berth.Store) {
	f := newFunction(t, s, newUser(t, s), "bucketed")
	plus5 := time.FixedZone("UTC+5", 5*3600)
	appendAll(t, s, []berth.Execution{
		timed(f, statsDay.Add(11*time.Hour-time.Microsecond), time.Millisecond, berth.ExecSuccess), // 10:59:59.999999
		timed(f, statsDay.Add(11*time.Hour), time.Millisecond, berth.ExecSuccess),                  // 11:00:00
		// 16:30 in UTC+5 is 11:30 UTC: buckets are UTC whatever the zone.
		timed(f, statsDay.Add(11*time.Hour+30*time.Minute).In(plus5), time.Millisecond, berth.ExecError),
		timed(f, statsDay.Add(24*time.Hour-time.Microsecond), time.Millisecond, berth.ExecSuccess), // 23:59:59.999999
		timed(f, statsDay.Add(24*time.Hour), time.Millisecond, berth.ExecSuccess),                  // next day 00:00
	})
	sc := berth.StatsScope{FunctionID: f.ID}
	t.Run("Hourly", func(t *testing.T) {
		// From inside an hour: the series starts on that hour.
		got := series(t, s, sc, berth.Hourly, statsDay.Add(10*time.Hour+30*time.Minute), 3)
		if want := []int64{1, 2, 0}; fmt.Sprint(invocations(got)) != fmt.Sprint(want) {
			t.Fatalf("hourly 10:00–12:00 = %v, want %v", invocations(got), want)
		}
		for i, r := range got {
			if want := statsDay.Add(time.Duration(10+i) * time.Hour); !r.Start.Equal(want) || r.Start.Location() != time.UTC {
				t.Fatalf("point %d starts %v, want %v UTC", i, r.Start, want)
			}
		}
		if got[1].Errors != 1 {
			t.Fatalf("errors at 11:00 = %d, want 1", got[1].Errors)
		}
		late := series(t, s, sc, berth.Hourly, statsDay.Add(23*time.Hour), 2)
		if want := []int64{1, 1}; fmt.Sprint(invocations(late)) != fmt.Sprint(want) {
			t.Fatalf("hourly 23:00–00:00 = %v, want %v", invocations(late), want)
		}
	})
	t.Run("Daily", func(t *testing.T) {
		got := series(t, s, sc, berth.Daily, statsDay.Add(13*time.Hour), 2)
		if want := []int64{4, 1}; fmt.Sprint(invocations(got)) != fmt.Sprint(want) {
			t.Fatalf("daily = %v, want %v", invocations(got), want)
		}
		if !got[0].Start.Equal(statsDay) || !got[1].Start.Equal(statsDay.Add(24*time.Hour)) {
			t.Fatalf("daily starts %v, %v; want midnights UTC", got[0].Start, got[1].Start)
		}
	})
	t.Run("TotalIsHalfOpen", func(t *testing.T) {
		// [11:00, 00:00): 11:00, 11:30 and 23:59:59.999999.
		r := total(t, s, sc, berth.Hourly, statsDay.Add(11*time.Hour), statsDay.Add(24*time.Hour))
		if r.Invocations != 3 || !r.Start.Equal(statsDay.Add(11*time.Hour)) {
			t.Fatalf("total = %d from %v, want 3 from 11:00", r.Invocations, r.Start)
		}
	})
	t.Run("ErrInvalidGranularity", func(t *testing.T) {
		if _, err := s.RollupSeries(t.Context(), sc, "week", statsDay, 1); !errors.Is(err, berth.ErrInvalid) {
			t.Fatalf("granularity week: %v, want ErrInvalid", err)
		}
	})
}

func testStatsZeroFilled(t *testing.T, s berth.Store) {
	f := newFunction(t, s, newUser(t, s), "sparse")
	appendAll(t, s, []berth.Execution{
		timed(f, statsDay.Add(5*time.Hour+time.Minute), 3*time.Millisecond, berth.ExecSuccess),
		timed(f, statsDay.Add(40*time.Hour+59*time.Minute), 3*time.Millisecond, berth.ExecTimeout),
	})
	got := series(t, s, berth.StatsScope{FunctionID: f.ID}, berth.Hourly, statsDay, 48)
	if len(got) != 48 {
		t.Fatalf("%d points, want 48", len(got))
	}
	for i, r := range got {
		want := int64(0)
		if i == 5 || i == 40 {
			want = 1
		}
		if r.Invocations != want || !r.Start.Equal(statsDay.Add(time.Duration(i)*time.Hour)) {
			t.Fatalf("point %d = %d invocations at %v, want %d at %v", i, r.Invocations, r.Start, want,
				statsDay.Add(time.Duration(i)*time.Hour))
		}
		if want == 0 && !sameCounts(r, berth.Rollup{}) {
			t.Fatalf("empty point %d is not zero: %+v", i, r)
		}
	}
	if got[40].Timeouts != 1 || got[40].Errors != 1 || got[40].Quantile(0.5) == 0 {
		t.Fatalf("point 40 = %+v, want one timeout", got[40])
	}
	if empty := series(t, s, berth.StatsScope{FunctionID: uuid.NewString()}, berth.Daily, statsDay, 3); len(empty) != 3 ||
		empty[2].Invocations != 0 || !empty[2].Start.Equal(statsDay.Add(48*time.Hour)) {
		t.Fatalf("unknown function's series = %+v, want 3 zero days", empty)
	}
	if none := series(t, s, berth.StatsScope{FunctionID: f.ID}, berth.Hourly, statsDay, 0); len(none) != 0 {
		t.Fatalf("n = 0 gave %d points", len(none))
	}
}

func testStatsCounters(t *testing.T, s berth.Store) {
	f := newFunction(t, s, newUser(t, s), "counted")
	statuses := []berth.ExecutionStatus{berth.ExecSuccess, berth.ExecError, berth.ExecTimeout, berth.ExecOutOfMemory, berth.ExecRejected}
	var es []berth.Execution
	for i := range 300 {
		// Durations from 0 to past the last bin's bound (≈ 296.6 s), one negative.
		d := time.Duration(math.Pow(1.09, float64(i))) * time.Microsecond
		e := timed(f, statsDay.Add(time.Duration(i)*time.Second), d, statuses[i%len(statuses)])
		e.ColdStart, e.BytesIn, e.BytesOut = i%4 == 0, int64(i), int64(3*i)
		if i == 7 {
			e.DurationUS = -5
		}
		es = append(es, e)
	}
	appendAll(t, s, es)
	want := expected(es...)
	if want.Histogram[berth.HistogramBins-1] == 0 || want.Histogram[0] == 0 {
		t.Fatal("the fixture does not reach both ends of the histogram")
	}
	for _, g := range []berth.Granularity{berth.Hourly, berth.Daily} {
		got := total(t, s, berth.StatsScope{FunctionID: f.ID}, g, statsDay, statsDay.Add(24*time.Hour))
		if !sameCounts(got, want) {
			t.Fatalf("%s total = %+v, want %+v", g, got, want)
		}
	}
	if want.Errors != 240 || want.Timeouts != 60 || want.ColdStarts != 75 {
		t.Fatalf("fixture counts %+v", want)
	}
}

func testStatsPercentiles(t *testing.T, s berth.Store) {
	u := newUser(t, s)
	spread, single := newFunction(t, s, u, "spread"), newFunction(t, s, u, "single")
	var es []berth.Execution
	for i := 1; i <= 1000; i++ {
		es = append(es, timed(spread, statsDay.Add(time.Duration(i)*time.Second), time.Duration(i)*time.Millisecond, berth.ExecSuccess))
		if i <= 200 {
			es = append(es, timed(single, statsDay.Add(time.Duration(i)*time.Second), 2*time.Millisecond, berth.ExecSuccess))
		}
	}
	appendAll(t, s, es)
	r := total(t, s, berth.StatsScope{FunctionID: spread.ID}, berth.Hourly, statsDay, statsDay.Add(time.Hour))
	// Bins are 2^(1/4) wide; interpolation inside a bin keeps a uniform
	// spread within a few per cent.
	for _, q := range []float64{0.5, 0.95, 0.99} {
		got, want := r.Quantile(q)/1000, q*1000 // ms
		if math.Abs(got-want)/want > 0.05 {
			t.Errorf("p%.0f = %.1f ms, want %.0f ms ± 5 %%", q*100, got, want)
		}
	}
	if got := r.Quantile(1); got != 1_000_000 {
		t.Errorf("p100 = %.0f µs, want the maximum 1000000", got)
	}
	one := total(t, s, berth.StatsScope{FunctionID: single.ID}, berth.Daily, statsDay, statsDay.Add(24*time.Hour))
	lo, _ := berth.BinBounds(berth.DurationBin(2000))
	for _, q := range []float64{0.5, 0.95, 0.99} {
		// Never above the maximum, never below the bin.
		if got := one.Quantile(q); got < float64(lo) || got > 2000 {
			t.Errorf("constant 2 ms: p%.0f = %.0f µs, want within [%d, 2000]", q*100, got, lo)
		}
	}
}

func testStatsRetryNotDoubleCounted(t *testing.T, s berth.Store) {
	f := newFunction(t, s, newUser(t, s), "retried")
	var a []berth.Execution
	for i := range 10 {
		a = append(a, timed(f, statsDay.Add(time.Duration(i)*time.Minute), time.Millisecond, berth.ExecSuccess))
	}
	sc := berth.StatsScope{FunctionID: f.ID}
	count := func() int64 {
		return total(t, s, sc, berth.Hourly, statsDay, statsDay.Add(24*time.Hour)).Invocations
	}
	appendAll(t, s, a)
	appendAll(t, s, a) // a retry after a commit whose answer was lost
	if n := count(); n != 10 {
		t.Fatalf("after a retried batch: %d invocations, want 10", n)
	}
	overlap := append([]berth.Execution{}, a[:5]...)
	for i := range 5 {
		overlap = append(overlap, timed(f, statsDay.Add(time.Duration(30+i)*time.Minute), time.Millisecond, berth.ExecError))
	}
	appendAll(t, s, overlap)
	if n := count(); n != 15 {
		t.Fatalf("after a half-stored batch: %d invocations, want 15", n)
	}
	twice := timed(f, statsDay.Add(50*time.Minute), time.Millisecond, berth.ExecSuccess)
	appendAll(t, s, []berth.Execution{twice, twice})
	if n := count(); n != 16 {
		t.Fatalf("a record repeated within a batch: %d invocations, want 16", n)
	}
	daily := total(t, s, sc, berth.Daily, statsDay, statsDay.Add(24*time.Hour))
	if daily.Invocations != 16 || daily.Errors != 5 {
		t.Fatalf("daily = %d invocations, %d errors; want 16, 5", daily.Invocations, daily.Errors)
	}

	t.Run("FailedBatchCountsNothing", func(t *testing.T) {
		good := timed(f, statsDay.Add(time.Hour), time.Millisecond, berth.ExecSuccess)
		bad := timed(f, statsDay.Add(time.Hour), time.Millisecond, "exploded")
		if err := s.AppendExecutions(t.Context(), []berth.Execution{good, bad}); err == nil {
			t.Fatal("a batch with an invalid record was accepted")
		}
		if n := count(); n != 16 {
			t.Fatalf("after a failed batch: %d invocations, want 16", n)
		}
	})
}

func testStatsConcurrentAppends(t *testing.T, s berth.Store) {
	u := newUser(t, s)
	fs := []*berth.Function{newFunction(t, s, u, "busy-a"), newFunction(t, s, u, "busy-b"), newFunction(t, s, u, "busy-c")}
	const writers, batches, size = 6, 8, 60
	var mu sync.Mutex
	var all []berth.Execution
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			var prev []berth.Execution
			for b := range batches {
				batch := make([]berth.Execution, 0, size)
				for i := range size {
					// Three hours, three functions: writers share rows.
					at := statsDay.Add(time.Duration((w*batches*size+b*size+i)%(3*3600)) * time.Second)
					batch = append(batch, timed(fs[i%len(fs)], at, time.Duration(1+i)*time.Millisecond, berth.ExecSuccess))
				}
				if err := s.AppendExecutions(t.Context(), batch); err != nil {
					errs <- err
					return
				}
				if prev != nil { // and a retry of the previous batch
					if err := s.AppendExecutions(t.Context(), prev); err != nil {
						errs <- err
						return
					}
				}
				prev = batch
				mu.Lock()
				all = append(all, batch...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent AppendExecutions: %v", err)
	}
	if len(all) != writers*batches*size {
		t.Fatalf("%d records written, want %d", len(all), writers*batches*size)
	}
	for _, f := range fs {
		var mine []berth.Execution
		for _, e := range all {
			if e.FunctionID == f.ID {
				mine = append(mine, e)
			}
		}
		want := expected(mine...)
		for _, g := range []berth.Granularity{berth.Hourly, berth.Daily} {
			if got := total(t, s, berth.StatsScope{FunctionID: f.ID}, g, statsDay, statsDay.Add(24*time.Hour)); !sameCounts(got, want) {
				t.Fatalf("%s %s: %d invocations (%+v), want %d", f.Name, g, got.Invocations, got, want.Invocations)
			}
		}
	}
	got := series(t, s, berth.StatsScope{OwnerID: u.ID}, berth.Hourly, statsDay, 3)
	if sum := got[0].Invocations + got[1].Invocations + got[2].Invocations; sum != int64(len(all)) {
		t.Fatalf("hourly series adds up to %d, want %d", sum, len(all))
	}
}

func testStatsScopes(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u, v := newUser(t, s), newUser(t, s)
	f1, f2, f3 := newFunction(t, s, u, "one"), newFunction(t, s, u, "two"), newFunction(t, s, v, "three")
	var es []berth.Execution
	add := func(f *berth.Function, n int, status berth.ExecutionStatus) {
		for i := range n {
			es = append(es, timed(f, statsDay.Add(time.Duration(i)*time.Minute), 2*time.Millisecond, status))
		}
	}
	add(f1, 3, berth.ExecSuccess)
	add(f2, 5, berth.ExecSuccess)
	add(f2, 1, berth.ExecError)
	add(f3, 7, berth.ExecSuccess)
	appendAll(t, s, es)
	day := func(sc berth.StatsScope) int64 {
		return total(t, s, sc, berth.Daily, statsDay, statsDay.Add(24*time.Hour)).Invocations
	}
	for name, c := range map[string]struct {
		sc   berth.StatsScope
		want int64
	}{
		"Function":            {berth.StatsScope{FunctionID: f2.ID}, 6},
		"Owner":               {berth.StatsScope{OwnerID: u.ID}, 9},
		"OtherOwner":          {berth.StatsScope{OwnerID: v.ID}, 7},
		"Everyone":            {berth.StatsScope{}, 16},
		"FunctionOfAnother":   {berth.StatsScope{FunctionID: f3.ID, OwnerID: u.ID}, 0},
		"FunctionAndItsOwner": {berth.StatsScope{FunctionID: f1.ID, OwnerID: u.ID}, 3},
	} {
		if got := day(c.sc); got != c.want {
			t.Errorf("%s: %d invocations, want %d", name, got, c.want)
		}
	}
	top, err := s.TopFunctions(ctx, berth.StatsScope{OwnerID: u.ID}, berth.Hourly, statsDay, statsDay.Add(time.Hour), 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(top) != 2 || top[0].FunctionID != f2.ID || top[0].Name != "two" || top[0].Invocations != 6 || top[0].Errors != 1 ||
		top[0].DurationUSSum != 12000 || top[1].FunctionID != f1.ID || top[1].Invocations != 3 {
		t.Fatalf("TopFunctions = %+v, want two (6, 1 error), then one (3)", top)
	}
	if one, err := s.TopFunctions(ctx, berth.StatsScope{}, berth.Daily, statsDay, statsDay.Add(24*time.Hour), 1); err != nil ||
		len(one) != 1 || one[0].FunctionID != f3.ID {
		t.Fatalf("TopFunctions of everyone, limit 1 = %+v, %v; want three", one, err)
	}
	t.Run("DeletedFunctionKeepsItsCounts", func(t *testing.T) {
		now := time.Now()
		if err := s.ScheduleDeletion(ctx, f2.ID, now, now); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeleteFunction(ctx, f2.ID, now.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		top, err := s.TopFunctions(ctx, berth.StatsScope{OwnerID: u.ID}, berth.Hourly, statsDay, statsDay.Add(time.Hour), 5)
		if err != nil || len(top) != 2 || top[0].FunctionID != f2.ID || top[0].Name != "" {
			t.Fatalf("TopFunctions after deleting two = %+v, %v; want it first without a name", top, err)
		}
		if got := day(berth.StatsScope{OwnerID: u.ID}); got != 9 {
			t.Fatalf("owner total after a deletion = %d, want 9", got)
		}
	})
}

func testStatsPrune(t *testing.T, s berth.Store) {
	ctx := t.Context()
	f := newFunction(t, s, newUser(t, s), "aging")
	var es []berth.Execution
	for i := range 10 { // one per day, statsDay-9 … statsDay
		es = append(es, timed(f, statsDay.Add(-time.Duration(9-i)*24*time.Hour+time.Hour), time.Millisecond, berth.ExecSuccess))
	}
	appendAll(t, s, es)
	cut := statsDay.Add(-5 * 24 * time.Hour) // keeps the last 6
	var pruned int64
	for {
		n, err := s.PruneExecutions(ctx, cut, 2)
		if err != nil {
			t.Fatal(err)
		}
		if n > 2 {
			t.Fatalf("PruneExecutions(limit 2) deleted %d", n)
		}
		if n == 0 {
			break
		}
		pruned += n
	}
	_, left, err := s.ListExecutions(ctx, berth.ExecutionFilter{FunctionID: f.ID, Page: berth.Page{Number: 1, Size: 100}})
	if err != nil || pruned != 4 || left != 6 {
		t.Fatalf("pruned %d, %d left (%v); want 4 pruned, 6 left", pruned, left, err)
	}
	if _, err := s.Execution(ctx, f.ID, es[3].ID); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("an old execution survived: %v", err)
	}
	sc := berth.StatsScope{FunctionID: f.ID}
	all := func(g berth.Granularity) int64 {
		return total(t, s, sc, g, statsDay.Add(-30*24*time.Hour), statsDay.Add(24*time.Hour)).Invocations
	}
	if h, d := all(berth.Hourly), all(berth.Daily); h != 10 || d != 10 {
		t.Fatalf("roll-ups after pruning executions: hourly %d, daily %d; want 10 (kept)", h, d)
	}
	owner := func(g berth.Granularity) int64 {
		return total(t, s, berth.StatsScope{OwnerID: f.OwnerID}, g, statsDay.Add(-30*24*time.Hour), statsDay.Add(24*time.Hour)).Invocations
	}
	// Four old buckets in the function's table and four in its owner's.
	var prunedRows int64
	for _, limit := range []int{3, 3, 3} {
		n, err := s.PruneRollups(ctx, berth.Hourly, cut, limit)
		if err != nil || n > int64(limit) {
			t.Fatalf("PruneRollups(hourly, limit %d) = %d, %v", limit, n, err)
		}
		prunedRows += n
	}
	if n, err := s.PruneRollups(ctx, berth.Hourly, cut, 100); err != nil || prunedRows != 8 || n != 0 {
		t.Fatalf("PruneRollups(hourly) deleted %d rows in 3s then %d (%v); want 8, then none", prunedRows, n, err)
	}
	if h, d, oh, od := all(berth.Hourly), all(berth.Daily), owner(berth.Hourly), owner(berth.Daily); h != 6 || d != 10 || oh != 6 || od != 10 {
		t.Fatalf("after pruning hourly roll-ups: hourly %d, daily %d, owner's %d, %d; want 6, 10, 6, 10", h, d, oh, od)
	}
	if n, err := s.PruneRollups(ctx, berth.Daily, cut, 100); err != nil || n != 8 || all(berth.Daily) != 6 || owner(berth.Daily) != 6 {
		t.Fatalf("PruneRollups(daily) = %d, %v; want 8 rows, and 6 invocations left", n, err)
	}
}

func testStatsRecentFailures(t *testing.T, s berth.Store) {
	ctx := t.Context()
	f, g := newFunction(t, s, newUser(t, s), "flaky"), newFunction(t, s, newUser(t, s), "shaky")
	base := time.Now().UTC().Truncate(time.Microsecond)
	es := []berth.Execution{
		timed(f, base.Add(-5*time.Minute), time.Millisecond, berth.ExecError),
		timed(f, base.Add(-4*time.Minute), time.Millisecond, berth.ExecSuccess),
		timed(g, base.Add(-3*time.Minute), time.Millisecond, berth.ExecTimeout),
		timed(f, base.Add(-2*time.Minute), time.Millisecond, berth.ExecSuccess),
		timed(g, base.Add(-time.Minute), time.Millisecond, berth.ExecRejected),
		timed(f, base.Add(-2*time.Hour), time.Millisecond, berth.ExecError),
	}
	es[0].Error = "it crashed"
	es[0].Logs = []string{"not listed"}
	appendAll(t, s, es)
	got, err := s.RecentFailures(ctx, base.Add(-10*time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != es[4].ID || got[1].ID != es[2].ID || got[2].ID != es[0].ID {
		t.Fatalf("RecentFailures = %+v; want the rejected, timed-out and failed calls, newest first", got)
	}
	if !sameExecution(&got[2], &es[0]) || len(got[2].Logs) != 0 {
		t.Fatalf("listed failure = %+v, want %+v without logs", got[2], es[0])
	}
	if lim, err := s.RecentFailures(ctx, time.Time{}, 2); err != nil || len(lim) != 2 || lim[0].ID != es[4].ID {
		t.Fatalf("RecentFailures(limit 2) = %+v, %v", lim, err)
	}
	if since, err := s.RecentFailures(ctx, es[2].StartedAt, 10); err != nil || len(since) != 2 {
		t.Fatalf("RecentFailures since the timeout (inclusive) = %d, %v; want 2", len(since), err)
	}
	if all, err := s.RecentFailures(ctx, time.Time{}, 10); err != nil || len(all) != 4 {
		t.Fatalf("RecentFailures since ever = %d, %v; want 4", len(all), err)
	}
}
