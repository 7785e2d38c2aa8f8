package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/berth-platform/berth"
)

// Roll-ups live in four tables of the same shape (see migrations
// 00003_stats.sql): one row per function and bucket (stats_hourly,
// stats_daily, with the owner's id) and one per owner and bucket
// (stats_owner_hourly, stats_owner_daily), each with the counters of
// berth.Rollup and one nullable column per histogram bin (NULL means 0, so
// that empty bins take no space). AppendExecutions updates all four in its
// own transaction (rollUp); reads sum rows and never touch executions. A
// function's numbers come from the function tables, an owner's or
// everyone's from the owner tables: a series reads one row per bucket and
// owner, however many functions the owner has.

// rollupTable is one roll-up table.
type rollupTable struct {
	name     string
	perOwner bool // keyed by owner_id, else by function_id (with owner_id)
}

// idColumns are the columns before the counters.
func (t rollupTable) idColumns() string {
	if t.perOwner {
		return "owner_id, bucket"
	}
	return "function_id, owner_id, bucket"
}

// key is the conflict target.
func (t rollupTable) key() string {
	if t.perOwner {
		return "owner_id, bucket"
	}
	return "function_id, bucket"
}

// values is the number of values of one row.
func (t rollupTable) values() int {
	return strings.Count(t.idColumns(), ",") + 1 + nCounters + berth.HistogramBins
}

// rollupTables are, by granularity, the function table and the owner table.
var rollupTables = map[berth.Granularity][2]rollupTable{
	berth.Hourly: {{name: "stats_hourly"}, {name: "stats_owner_hourly", perOwner: true}},
	berth.Daily:  {{name: "stats_daily"}, {name: "stats_owner_daily", perOwner: true}},
}

// rollupCounters are the columns besides the histogram, in berth.Rollup's
// order; duration_us_max is the only one that is not a sum.
const rollupCounters = "invocations, errors, timeouts, cold_starts, duration_us_sum, duration_us_max, bytes_in, bytes_out"

const nCounters = 8

// maxRollupRows caps the rows of one multi-row upsert: 256 rows of 99
// values stay below SQLite's 32766 parameters.
const maxRollupRows = 256

func histColumn(i int) string { return fmt.Sprintf("h%02d", i) }

// histColumns is "h00, h01, …, h87".
var histColumns = func() string {
	cols := make([]string, berth.HistogramBins)
	for i := range cols {
		cols[i] = histColumn(i)
	}
	return strings.Join(cols, ", ")
}()

// rollupSums is the select list that sums rows into one berth.Rollup.
var rollupSums = func() string {
	var b strings.Builder
	for c := range strings.SplitSeq(rollupCounters, ", ") {
		agg := "SUM"
		if c == "duration_us_max" {
			agg = "MAX"
		}
		fmt.Fprintf(&b, "CAST(COALESCE(%s(%s), 0) AS BIGINT), ", agg, c)
	}
	for i := range berth.HistogramBins {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "CAST(COALESCE(SUM(%s), 0) AS BIGINT)", histColumn(i))
	}
	return b.String()
}()

// upsertRollups returns the statement that adds n rows to t: new buckets
// are inserted, existing ones incremented in place, so that concurrent
// writers never lose each other's counts.
func upsertRollups(t rollupTable, n int) string {
	table := t.name
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + t.idColumns() + ", " + rollupCounters + ", " + histColumns + ") VALUES ")
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", t.values()), ", ") + ")"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(onConflict(t))
	return b.String()
}

// unnestRollups is PostgreSQL's form of upsertRollups: one statement for
// any number of rows, each column sent as one array and unnested, so that
// a batch costs one parameter per column instead of one per value, which
// is measurably cheaper for batches that touch many functions.
// Array order is row order, so rows are still locked in aggregate's order.
func unnestRollups(t rollupTable) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + t.name + " (" + t.idColumns() + ", " + rollupCounters + ", " + histColumns + ") SELECT * FROM unnest(")
	n := 0
	param := func(typ string) {
		if n > 0 {
			b.WriteString(", ")
		}
		n++
		b.WriteString("?::" + typ)
	}
	if !t.perOwner {
		param("text[]")
	}
	param("text[]")
	for range 1 + nCounters + berth.HistogramBins {
		param("bigint[]")
	}
	b.WriteString(")")
	b.WriteString(onConflict(t))
	return b.String()
}

// onConflict adds a row's counts to the stored row.
func onConflict(t rollupTable) string {
	table := t.name
	var b strings.Builder
	b.WriteString(" ON CONFLICT (" + t.key() + ") DO UPDATE SET ")
	for c := range strings.SplitSeq(rollupCounters, ", ") {
		if c == "duration_us_max" {
			fmt.Fprintf(&b, "%[1]s = CASE WHEN excluded.%[1]s > %[2]s.%[1]s THEN excluded.%[1]s ELSE %[2]s.%[1]s END, ", c, table)
			continue
		}
		fmt.Fprintf(&b, "%[1]s = %[2]s.%[1]s + excluded.%[1]s, ", c, table)
	}
	for i := range berth.HistogramBins {
		if i > 0 {
			b.WriteString(", ")
		}
		// NULL is 0: the sum when both are set, else whichever is.
		fmt.Fprintf(&b, "%[1]s = COALESCE(%[2]s.%[1]s + excluded.%[1]s, %[2]s.%[1]s, excluded.%[1]s)", histColumn(i), table)
	}
	return b.String()
}

// SetRollups switches the roll-up updates of AppendExecutions on (the
// default) or off. Off exists to measure what roll-ups cost; the stats
// then stop counting.
func (s *Store) SetRollups(on bool) { s.noRollups.Store(!on) }

// stmtFor is stmt for a statement too large to rebuild at every use: it
// is cached under key (which no SQL text equals) and built once.
func (s *Store) stmtFor(ctx context.Context, key string, build func() string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(key); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, s.q(build()))
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(key, st); loaded {
		_ = st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// prepareAppend prepares, before AppendExecutions' transaction begins,
// every statement it may use for a batch of n: preparing takes a
// connection from the pool, and inside the transaction, with the other
// connections held by writers waiting for SQLite's write lock, there may
// be none to take.
func (s *Store) prepareAppend(ctx context.Context, n int, rollups bool) error {
	if rollups && s.unnest() {
		for _, tables := range rollupTables {
			for _, t := range tables {
				if _, err := s.stmtFor(ctx, unnestKey(t), func() string { return unnestRollups(t) }); err != nil {
					return err
				}
			}
		}
	}
	for size := 1; size <= min(n, maxRollupRows, maxInsertRows); size *= 2 {
		if _, err := s.stmt(ctx, insertExecutions(size, rollups)); err != nil {
			return err
		}
		if !rollups || s.unnest() {
			continue
		}
		for _, tables := range rollupTables {
			for _, t := range tables {
				if _, err := s.stmtFor(ctx, upsertKey(t, size), func() string { return upsertRollups(t, size) }); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func upsertKey(t rollupTable, n int) string { return fmt.Sprintf("\x00upsert %s %d", t.name, n) }

func unnestKey(t rollupTable) string { return "\x00unnest " + t.name }

// unnest reports whether roll-ups are written with unnestRollups.
func (s *Store) unnest() bool { return s.d.Name == "postgres" }

// unnestArgs are the column arrays of unnestRollups; a zero bin is NULL.
func unnestArgs(t rollupTable, keys []rollupKey, rows map[rollupKey]*rollupRow) []any {
	ids, owners := make([]string, len(keys)), make([]string, len(keys))
	nums := make([][]int64, 1+nCounters)
	for i := range nums {
		nums[i] = make([]int64, len(keys))
	}
	bins := make([][]*int64, berth.HistogramBins)
	for i := range bins {
		bins[i] = make([]*int64, len(keys))
	}
	for i, k := range keys {
		row := rows[k]
		r := &row.r
		ids[i], owners[i] = k.id, row.owner
		for j, v := range []int64{k.bucket, r.Invocations, r.Errors, r.Timeouts, r.ColdStarts, r.DurationUSSum, r.DurationUSMax, r.BytesIn, r.BytesOut} {
			nums[j][i] = v
		}
		for j := range r.Histogram {
			if r.Histogram[j] != 0 {
				bins[j][i] = &r.Histogram[j]
			}
		}
	}
	args := make([]any, 0, 2+len(nums)+len(bins))
	if !t.perOwner {
		args = append(args, ids)
	}
	args = append(args, owners)
	for _, col := range nums {
		args = append(args, col)
	}
	for _, col := range bins {
		args = append(args, col)
	}
	return args
}

// rollupKey is one row of a roll-up table: a function's or an owner's.
type rollupKey struct {
	id     string
	bucket int64
}

type rollupRow struct {
	owner string
	r     berth.Rollup
}

// aggregate sums es per row of t (of granularity g), in a stable order
// (id, then bucket), so that concurrent transactions lock the rows they
// share in the same order and cannot deadlock.
func aggregate(es []berth.Execution, g berth.Granularity, t rollupTable) ([]rollupKey, map[rollupKey]*rollupRow) {
	rows := map[rollupKey]*rollupRow{}
	var keys []rollupKey
	for i := range es {
		e := &es[i]
		id := e.FunctionID
		if t.perOwner {
			id = e.OwnerID
		}
		k := rollupKey{id, dbTime(g.Truncate(e.StartedAt))}
		row := rows[k]
		if row == nil {
			row = &rollupRow{owner: e.OwnerID}
			rows[k] = row
			keys = append(keys, k)
		}
		row.r.Add(e)
	}
	slices.SortFunc(keys, func(a, b rollupKey) int {
		return cmp.Or(strings.Compare(a.id, b.id), cmp.Compare(a.bucket, b.bucket))
	})
	return keys, rows
}

func rollupArgs(t rollupTable, k rollupKey, row *rollupRow, args []any) []any {
	r := &row.r
	if !t.perOwner {
		args = append(args, k.id)
	}
	args = append(args, row.owner, k.bucket, r.Invocations, r.Errors, r.Timeouts, r.ColdStarts,
		r.DurationUSSum, r.DurationUSMax, r.BytesIn, r.BytesOut)
	for _, n := range r.Histogram {
		if n == 0 {
			args = append(args, nil)
			continue
		}
		args = append(args, n)
	}
	return args
}

// rollUp adds the executions just inserted to the four roll-up tables, in
// tx, always in the same order.
func (s *Store) rollUp(ctx context.Context, tx *sql.Tx, es []berth.Execution) error {
	if len(es) == 0 {
		return nil
	}
	for _, g := range []berth.Granularity{berth.Hourly, berth.Daily} {
		for _, t := range rollupTables[g] {
			if err := s.upsert(ctx, tx, t, g, es); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Store) upsert(ctx context.Context, tx *sql.Tx, t rollupTable, g berth.Granularity, es []berth.Execution) error {
	const op = "roll up executions"
	keys, rows := aggregate(es, g, t)
	if s.unnest() && len(keys) > 0 {
		st, err := s.stmtFor(ctx, unnestKey(t), func() string { return unnestRollups(t) })
		if err != nil {
			return s.wrap(op, err)
		}
		_, err = tx.StmtContext(ctx, st).ExecContext(ctx, unnestArgs(t, keys, rows)...)
		return s.wrap(op, err)
	}
	for rest := keys; len(rest) > 0; {
		n := maxRollupRows
		for n > len(rest) {
			n /= 2
		}
		args := make([]any, 0, n*t.values())
		for _, k := range rest[:n] {
			args = rollupArgs(t, k, rows[k], args)
		}
		st, err := s.stmtFor(ctx, upsertKey(t, n), func() string { return upsertRollups(t, n) })
		if err != nil {
			return s.wrap(op, err)
		}
		if _, err := tx.StmtContext(ctx, st).ExecContext(ctx, args...); err != nil {
			return s.wrap(op, err)
		}
		rest = rest[n:]
	}
	return nil
}
