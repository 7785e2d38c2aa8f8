package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/berth-platform/berth"
)

// The queries of berth.StatsStore; rollups.go writes what they read.

// scopeWhere is the condition that selects a scope's rows of a table,
// with its arguments, followed by the bucket range (two more arguments).
func scopeWhere(sc berth.StatsScope) (string, []any) {
	var where []string
	var args []any
	if sc.FunctionID != "" {
		where, args = append(where, "function_id = ?"), append(args, sc.FunctionID)
	}
	if sc.OwnerID != "" {
		where, args = append(where, "owner_id = ?"), append(args, sc.OwnerID)
	}
	where = append(where, "bucket >= ?", "bucket < ?")
	return strings.Join(where, " AND "), args
}

// tableFor returns the table that answers for a scope: a function's rows
// are in the function table, an owner's and everyone's in the owner table.
func tableFor(op string, g berth.Granularity, sc berth.StatsScope) (string, error) {
	ts, ok := rollupTables[g]
	if !ok {
		return "", fmt.Errorf("%s: granularity %q: %w", op, g, berth.ErrInvalid)
	}
	if sc.FunctionID != "" {
		return ts[0].name, nil
	}
	return ts[1].name, nil
}

// rollupDest returns scan targets for rollupSums into r.
func rollupDest(r *berth.Rollup) []any {
	dest := []any{&r.Invocations, &r.Errors, &r.Timeouts, &r.ColdStarts, &r.DurationUSSum, &r.DurationUSMax, &r.BytesIn, &r.BytesOut}
	for i := range r.Histogram {
		dest = append(dest, &r.Histogram[i])
	}
	return dest
}

// RollupTotal implements berth.StatsStore.
func (s *Store) RollupTotal(ctx context.Context, sc berth.StatsScope, g berth.Granularity, from, until time.Time) (berth.Rollup, error) {
	const op = "rollup total"
	table, err := tableFor(op, g, sc)
	if err != nil {
		return berth.Rollup{}, err
	}
	r := berth.Rollup{Start: g.Truncate(from)}
	cond, args := scopeWhere(sc)
	err = s.queryRow(ctx, `SELECT `+rollupSums+` FROM `+table+` WHERE `+cond, append(args, dbTime(r.Start), dbTime(until))...).
		Scan(rollupDest(&r)...)
	return r, s.wrap(op, err)
}

// RollupSeries implements berth.StatsStore.
func (s *Store) RollupSeries(ctx context.Context, sc berth.StatsScope, g berth.Granularity, from time.Time, n int) ([]berth.Rollup, error) {
	const op = "rollup series"
	table, err := tableFor(op, g, sc)
	if err != nil {
		return nil, err
	}
	out := make([]berth.Rollup, max(n, 0))
	if n <= 0 {
		return out, nil
	}
	start := g.Truncate(from)
	width := g.Duration()
	for i := range out {
		out[i].Start = start.Add(time.Duration(i) * width)
	}
	cond, args := scopeWhere(sc)
	rows, err := s.query(ctx, `SELECT bucket, `+rollupSums+` FROM `+table+` WHERE `+cond+` GROUP BY bucket`,
		append(args, dbTime(start), dbTime(start.Add(time.Duration(n)*width)))...)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var bucket int64
		var r berth.Rollup
		if err := rows.Scan(append([]any{&bucket}, rollupDest(&r)...)...); err != nil {
			return nil, s.wrap(op, err)
		}
		i := int((bucket - dbTime(start)) / width.Microseconds())
		if i < 0 || i >= n {
			continue // a bucket not on this granularity's grid; never written by rollUp
		}
		r.Start = out[i].Start
		out[i] = r
	}
	return out, s.wrap(op, rows.Err())
}

// TopFunctions implements berth.StatsStore. It ranks on the roll-ups
// alone and joins the names of the few functions it returns.
func (s *Store) TopFunctions(ctx context.Context, sc berth.StatsScope, g berth.Granularity, from, until time.Time, limit int) ([]berth.FunctionRollup, error) {
	const op = "top functions"
	ts, ok := rollupTables[g]
	if !ok {
		return nil, fmt.Errorf("%s: granularity %q: %w", op, g, berth.ErrInvalid)
	}
	table := ts[0].name // functions are ranked on the function table, whatever the scope
	out := []berth.FunctionRollup{}
	if limit <= 0 {
		return out, nil
	}
	cond, args := scopeWhere(sc)
	rows, err := s.query(ctx, `SELECT t.function_id, COALESCE(f.name, ''), t.n, t.e, t.d FROM (
			SELECT function_id, CAST(SUM(invocations) AS BIGINT) AS n, CAST(SUM(errors) AS BIGINT) AS e,
				CAST(SUM(duration_us_sum) AS BIGINT) AS d
			FROM `+table+` WHERE `+cond+` GROUP BY function_id HAVING SUM(invocations) > 0
			ORDER BY n DESC, function_id LIMIT ?) t
		LEFT JOIN functions f ON f.id = t.function_id
		ORDER BY t.n DESC, t.function_id`, append(args, dbTime(g.Truncate(from)), dbTime(until), limit)...)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var f berth.FunctionRollup
		if err := rows.Scan(&f.FunctionID, &f.Name, &f.Invocations, &f.Errors, &f.DurationUSSum); err != nil {
			return nil, s.wrap(op, err)
		}
		out = append(out, f)
	}
	return out, s.wrap(op, rows.Err())
}

// RecentFailures implements berth.StatsStore; it reads the partial index
// executions_failed, so that the failures are found without walking the
// successes between them.
func (s *Store) RecentFailures(ctx context.Context, since time.Time, limit int) ([]berth.Execution, error) {
	const op = "recent failures"
	out := []berth.Execution{}
	if limit <= 0 {
		return out, nil
	}
	rows, err := s.query(ctx, `SELECT `+executionColumns+` FROM executions
		WHERE status <> 'success' AND started_at >= ? ORDER BY started_at DESC, id DESC LIMIT ?`, dbTime(since), limit)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var d executionDest
		if err := rows.Scan(d.ptrs()...); err != nil {
			return nil, s.wrap(op, err)
		}
		out = append(out, d.done())
	}
	return out, s.wrap(op, rows.Err())
}

// PruneExecutions implements berth.StatsStore: one bounded DELETE, so that
// a large backlog is removed in short transactions between other writes.
func (s *Store) PruneExecutions(ctx context.Context, before time.Time, limit int) (int64, error) {
	if limit <= 0 {
		return 0, nil
	}
	return s.exec(ctx, "prune executions", `DELETE FROM executions WHERE id IN (
		SELECT id FROM executions WHERE started_at < ? ORDER BY started_at LIMIT ?)`, dbTime(before), limit)
}

// PruneRollups implements berth.StatsStore, bounded like PruneExecutions:
// the function table first, then the owner table, limit rows in all.
func (s *Store) PruneRollups(ctx context.Context, g berth.Granularity, before time.Time, limit int) (int64, error) {
	const op = "prune rollups"
	ts, ok := rollupTables[g]
	if !ok {
		return 0, fmt.Errorf("%s: granularity %q: %w", op, g, berth.ErrInvalid)
	}
	var total int64
	for _, t := range ts {
		if total >= int64(limit) {
			break
		}
		n, err := s.exec(ctx, op, `DELETE FROM `+t.name+` WHERE (`+t.key()+`) IN (
			SELECT `+t.key()+` FROM `+t.name+` WHERE bucket < ? ORDER BY bucket LIMIT ?)`, dbTime(before), int64(limit)-total)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}
