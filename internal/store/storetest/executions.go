package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/berth-platform/berth"
)

// newExecution returns a record of f (not yet stored) with one log line per line.
func newExecution(f *berth.Function, started time.Time, status berth.ExecutionStatus, lines ...string) berth.Execution {
	return berth.Execution{ID: uuid.NewString(), FunctionID: f.ID, OwnerID: f.OwnerID, Version: 1, Status: status,
		HTTPStatus: 200, StartedAt: started, DurationUS: 1500, BytesIn: 10, BytesOut: 20, ColdStart: false,
		CallerKind: berth.CallerOwner, CallerKeyID: "BK" + fmt.Sprint(seq.Add(1)), Logs: lines}
}

func sameExecution(got, want *berth.Execution) bool {
	return got.ID == want.ID && got.FunctionID == want.FunctionID && got.OwnerID == want.OwnerID && got.Version == want.Version &&
		got.Status == want.Status && got.HTTPStatus == want.HTTPStatus && got.Error == want.Error &&
		got.StartedAt.Equal(want.StartedAt) && got.DurationUS == want.DurationUS && got.BytesIn == want.BytesIn &&
		got.BytesOut == want.BytesOut && got.ColdStart == want.ColdStart && got.CallerKind == want.CallerKind &&
		got.CallerKeyID == want.CallerKeyID
}

func testExecutionsAppendList(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	f, g := newFunction(t, s, u, "recorded"), newFunction(t, s, u, "other")
	base := time.Now().UTC().Truncate(time.Microsecond)
	// 300 records cross every multi-row insert size a backend might use.
	const n = 300
	es := make([]berth.Execution, 0, n+5)
	for i := range n {
		status := berth.ExecSuccess
		if i%10 == 0 {
			status = berth.ExecError
		}
		e := newExecution(f, base.Add(-time.Duration(n-i)*time.Second), status, fmt.Sprintf("line %d", i))
		e.Version, e.HTTPStatus, e.DurationUS, e.BytesIn, e.BytesOut = 1+i%3, 200+i%5, int64(1000+i), int64(i), int64(2*i)
		e.ColdStart, e.CallerKind, e.CallerKeyID = i%7 == 0, berth.CallerAPIKey, fmt.Sprintf("BF%d", i)
		if status == berth.ExecError {
			e.Error = fmt.Sprintf("crash %d", i)
		}
		es = append(es, e)
	}
	for range 5 {
		es = append(es, newExecution(g, base, berth.ExecSuccess, "other"))
	}
	if err := s.AppendExecutions(ctx, es); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendExecutions(ctx, nil); err != nil {
		t.Fatalf("empty batch: %v", err)
	}
	for _, i := range []int{0, 7, 150, n - 1} {
		got, err := s.Execution(ctx, f.ID, es[i].ID)
		if err != nil || !sameExecution(got, &es[i]) || !slices.Equal(got.Logs, es[i].Logs) {
			t.Fatalf("Execution(%d) = %+v, %v; want %+v", i, got, err, es[i])
		}
	}

	all := berth.Page{Number: 1, Size: 1000}
	list, total, err := s.ListExecutions(ctx, berth.ExecutionFilter{FunctionID: f.ID, Page: all})
	if err != nil || total != n || len(list) != n {
		t.Fatalf("ListExecutions = %d (total %d), %v; want %d", len(list), total, err, n)
	}
	for i, e := range list {
		if want := &es[n-1-i]; !sameExecution(&e, want) || len(e.Logs) != 0 {
			t.Fatalf("listed execution %d = %+v; want %+v without logs", i, e, want)
		}
	}
	tests := []struct {
		name  string
		f     berth.ExecutionFilter
		total int
		first int // index into es of the first record listed
	}{
		{"Status", berth.ExecutionFilter{Status: berth.ExecError, Page: all}, 30, 290},
		{"Since", berth.ExecutionFilter{Since: base.Add(-100 * time.Second), Page: all}, 100, n - 1},
		{"Until", berth.ExecutionFilter{Until: base.Add(-100 * time.Second), Page: all}, 200, 199},
		{"StatusSinceUntil", berth.ExecutionFilter{Status: berth.ExecError, Since: base.Add(-200 * time.Second),
			Until: base.Add(-100 * time.Second), Page: all}, 10, 190},
		{"Page2", berth.ExecutionFilter{Page: berth.Page{Number: 2, Size: 50}}, n, 249},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.f.FunctionID = f.ID
			got, total, err := s.ListExecutions(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if total != tt.total || len(got) == 0 || got[0].ID != es[tt.first].ID {
				t.Fatalf("ListExecutions = %d records (total %d); want total %d, first %s", len(got), total, tt.total, es[tt.first].ID)
			}
		})
	}

	t.Run("Atomic", func(t *testing.T) {
		good := newExecution(f, base, berth.ExecSuccess)
		bad := newExecution(f, base, "exploded") // not a status: the database refuses it
		if err := s.AppendExecutions(ctx, []berth.Execution{good, bad}); err == nil {
			t.Fatal("a batch with an invalid record was accepted")
		}
		if _, err := s.Execution(ctx, f.ID, good.ID); !errors.Is(err, berth.ErrNotFound) {
			t.Fatalf("a record of a failed batch was kept: %v", err)
		}
	})
	t.Run("RetryIsHarmless", func(t *testing.T) {
		if err := s.AppendExecutions(ctx, es[:3]); err != nil {
			t.Fatalf("appending stored records again: %v", err)
		}
		if _, total, err := s.ListExecutions(ctx, berth.ExecutionFilter{FunctionID: f.ID, Page: all}); err != nil || total != n {
			t.Fatalf("after a retried batch: total %d, %v; want %d", total, err, n)
		}
	})
	t.Run("FillsID", func(t *testing.T) {
		batch := []berth.Execution{newExecution(g, base, berth.ExecSuccess)}
		batch[0].ID = ""
		if err := s.AppendExecutions(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Execution(ctx, g.ID, batch[0].ID); batch[0].ID == "" || err != nil {
			t.Fatalf("record without an ID: ID %q, %v", batch[0].ID, err)
		}
	})
}

func testExecutionsHostileText(t *testing.T, s berth.Store) {
	ctx := t.Context()
	f := newFunction(t, s, newUser(t, s), "noisy")
	e := newExecution(f, time.Now().UTC().Truncate(time.Microsecond), berth.ExecError,
		"nul\x00inside", "invalid \xff utf-8", `quotes " and ' and \`, "emoji 🙂", "", "[]")
	e.Error = "bad\x00byte\xff"
	if err := s.AppendExecutions(ctx, []berth.Execution{e}); err != nil {
		t.Fatalf("a record with NUL bytes and invalid UTF-8: %v", err)
	}
	got, err := s.Execution(ctx, f.ID, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantLogs := []string{"nul\x00inside", "invalid \uFFFD utf-8", `quotes " and ' and \`, "emoji 🙂", "", "[]"}
	if !slices.Equal(got.Logs, wantLogs) || got.Error != "bad\uFFFDbyte\uFFFD" {
		t.Fatalf("stored logs %q, error %q; want %q, %q", got.Logs, got.Error, wantLogs, "bad\uFFFDbyte\uFFFD")
	}
}

func testExecutionsRecentLogs(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	f, g := newFunction(t, s, u, "chatty"), newFunction(t, s, u, "quiet")
	base := time.Now().UTC().Truncate(time.Microsecond)
	old := newExecution(f, base.Add(-time.Hour), berth.ExecSuccess, "ancient")
	a := newExecution(f, base.Add(-3*time.Minute), berth.ExecSuccess, "a1", "a2")
	silent := newExecution(f, base.Add(-2*time.Minute), berth.ExecSuccess)
	c := newExecution(f, base.Add(-time.Minute), berth.ExecError, "c1", "c2", "c3")
	elsewhere := newExecution(g, base, berth.ExecSuccess, "not mine")
	// Out of order on purpose: the store orders by start time.
	if err := s.AppendExecutions(ctx, []berth.Execution{c, old, elsewhere, silent, a}); err != nil {
		t.Fatal(err)
	}
	type line struct{ exec, text string }
	tests := []struct {
		name  string
		since time.Time
		limit int
		want  []line
	}{
		{"All", base.Add(-10 * time.Minute), 100, []line{{a.ID, "a1"}, {a.ID, "a2"}, {c.ID, "c1"}, {c.ID, "c2"}, {c.ID, "c3"}}},
		{"LimitCutsOldest", base.Add(-10 * time.Minute), 4, []line{{a.ID, "a2"}, {c.ID, "c1"}, {c.ID, "c2"}, {c.ID, "c3"}}},
		{"LimitWithinOne", base.Add(-10 * time.Minute), 2, []line{{c.ID, "c2"}, {c.ID, "c3"}}},
		{"Since", base.Add(-150 * time.Second), 100, []line{{c.ID, "c1"}, {c.ID, "c2"}, {c.ID, "c3"}}},
		{"SinceIsExclusive", c.StartedAt, 100, []line{}},
		{"ZeroLimit", base.Add(-10 * time.Minute), 0, []line{}},
		{"EverythingSinceZero", time.Time{}, 100, []line{{old.ID, "ancient"}, {a.ID, "a1"}, {a.ID, "a2"}, {c.ID, "c1"}, {c.ID, "c2"}, {c.ID, "c3"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.RecentLogs(ctx, f.ID, tt.since, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			lines := make([]line, len(got))
			for i, l := range got {
				lines[i] = line{l.ExecutionID, l.Line}
				want := a.StartedAt
				switch l.ExecutionID {
				case c.ID:
					want = c.StartedAt
				case old.ID:
					want = old.StartedAt
				}
				if !l.At.Equal(want) {
					t.Errorf("line %q at %v, want its execution's start %v", l.Line, l.At, want)
				}
			}
			if !slices.Equal(lines, tt.want) {
				t.Fatalf("RecentLogs = %q, want %q", lines, tt.want)
			}
		})
	}
	if got, err := s.RecentLogs(ctx, uuid.NewString(), time.Time{}, 10); err != nil || len(got) != 0 {
		t.Fatalf("RecentLogs of an unknown function = %q, %v", got, err)
	}
}

func testExecutionsSummary(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	f, g := newFunction(t, s, u, "counted"), newFunction(t, s, u, "uncounted")
	base := time.Now().UTC().Truncate(time.Microsecond)
	var es []berth.Execution
	for i, st := range []berth.ExecutionStatus{berth.ExecSuccess, berth.ExecSuccess, berth.ExecSuccess, berth.ExecError,
		berth.ExecTimeout, berth.ExecRejected} {
		e := newExecution(f, base.Add(-time.Duration(6-i)*time.Minute), st)
		e.DurationUS = int64(100 * (i + 1)) // 100 … 600
		es = append(es, e)
	}
	tooOld := newExecution(f, base.Add(-2*time.Hour), berth.ExecError)
	tooOld.DurationUS = 1_000_000
	es = append(es, tooOld, newExecution(g, base, berth.ExecError))
	if err := s.AppendExecutions(ctx, es); err != nil {
		t.Fatal(err)
	}
	sum, err := s.FunctionSummary(ctx, f.ID, base.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := berth.ExecutionSummary{Invocations: 6, Errors: 3, AvgDurationUS: 350, LastAt: es[5].StartedAt}
	if sum.Invocations != want.Invocations || sum.Errors != want.Errors || sum.AvgDurationUS != want.AvgDurationUS ||
		!sum.LastAt.Equal(want.LastAt) {
		t.Fatalf("FunctionSummary = %+v, want %+v", sum, want)
	}
	// Since is inclusive.
	if sum, err := s.FunctionSummary(ctx, f.ID, es[5].StartedAt); err != nil || sum.Invocations != 1 || sum.AvgDurationUS != 600 {
		t.Fatalf("FunctionSummary since the last start = %+v, %v; want 1 invocation of 600µs", sum, err)
	}
	sum, err = s.FunctionSummary(ctx, uuid.NewString(), time.Time{})
	if err != nil || sum.Invocations != 0 || sum.Errors != 0 || sum.AvgDurationUS != 0 || !sum.LastAt.IsZero() {
		t.Fatalf("FunctionSummary of an unknown function = %+v, %v; want zero", sum, err)
	}
}

func testExecutionsOtherFunction(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	f, g := newFunction(t, s, u, "mine"), newFunction(t, s, u, "theirs")
	e := newExecution(f, time.Now().UTC().Truncate(time.Microsecond), berth.ExecSuccess, "hello")
	if err := s.AppendExecutions(ctx, []berth.Execution{e}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Execution(ctx, f.ID, e.ID); err != nil || !sameExecution(got, &e) || !slices.Equal(got.Logs, e.Logs) {
		t.Fatalf("Execution = %+v, %v", got, err)
	}
	if _, err := s.Execution(ctx, g.ID, e.ID); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("another function's execution: %v, want ErrNotFound", err)
	}
	if _, err := s.Execution(ctx, f.ID, uuid.NewString()); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("unknown execution: %v, want ErrNotFound", err)
	}
	if list, total, err := s.ListExecutions(ctx, berth.ExecutionFilter{FunctionID: g.ID, Page: berth.Page{Number: 1, Size: 10}}); err != nil || total != 0 || len(list) != 0 {
		t.Fatalf("another function's list = %d (total %d), %v; want none", len(list), total, err)
	}
}
