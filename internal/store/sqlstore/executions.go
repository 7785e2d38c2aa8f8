package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/berth-platform/berth"
)

// executionColumns are the columns of a listed execution; a single one adds logs.
const executionColumns = `id, function_id, owner_id, version, status, http_status, error, started_at, duration_us,
	bytes_in, bytes_out, cold_start, caller_kind, caller_key_id`

// executionDest is a scan target for executionColumns; done converts the time.
type executionDest struct {
	e       berth.Execution
	started int64
}

func (d *executionDest) ptrs() []any {
	e := &d.e
	return []any{&e.ID, &e.FunctionID, &e.OwnerID, &e.Version, &e.Status, &e.HTTPStatus, &e.Error, &d.started,
		&e.DurationUS, &e.BytesIn, &e.BytesOut, &e.ColdStart, &e.CallerKind, &e.CallerKeyID}
}

func (d *executionDest) done() berth.Execution {
	e := d.e
	e.StartedAt = fromDB(d.started)
	return e
}

// maxInsertRows caps the rows of one multi-row INSERT: 256 rows of 15
// values stay far below SQLite's 32766 and PostgreSQL's 65535 parameters.
const maxInsertRows = 256

// insertExecutions returns the INSERT statement for n rows; with
// returning, it answers the ids of the rows it inserted (not those it
// skipped as already stored).
func insertExecutions(n int, returning bool) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO executions (` + executionColumns + `, logs) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	b.WriteString(" ON CONFLICT (id) DO NOTHING")
	if returning {
		b.WriteString(" RETURNING id")
	}
	return b.String()
}

// dbText makes text from outside storable everywhere: PostgreSQL refuses
// NUL bytes and invalid UTF-8 in TEXT, and one bad record would otherwise
// fail a whole batch.
func dbText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

func executionArgs(e *berth.Execution) ([]any, error) {
	logs := "[]"
	if len(e.Logs) > 0 {
		// encoding/json replaces invalid UTF-8 and escapes NUL as \u0000.
		raw, err := json.Marshal(e.Logs)
		if err != nil {
			return nil, err
		}
		logs = string(raw)
	}
	return []any{e.ID, e.FunctionID, e.OwnerID, e.Version, e.Status, e.HTTPStatus, dbText(e.Error), dbTime(e.StartedAt),
		e.DurationUS, e.BytesIn, e.BytesOut, e.ColdStart, e.CallerKind, dbText(e.CallerKeyID), logs}, nil
}

// AppendExecutions implements berth.ExecutionStore. Records without an ID
// are given one. A record whose ID is already stored is skipped, so that a
// batch retried after a commit whose answer was lost is not refused for
// ever. The batch goes in one transaction as multi-row INSERTs of
// power-of-two sizes up to maxInsertRows, so that a few prepared statements
// serve every batch size and a batch of hundreds costs a handful of round
// trips; any failure inserts nothing. The records actually inserted are
// added to the roll-ups in the same transaction (see rollups.go), so that a
// retried batch is not counted twice.
func (s *Store) AppendExecutions(ctx context.Context, es []berth.Execution) error {
	const op = "append executions"
	if len(es) == 0 {
		return nil
	}
	for i := range es {
		if es[i].ID == "" {
			es[i].ID = uuid.NewString()
		}
	}
	rollups := !s.noRollups.Load()
	if err := s.prepareAppend(ctx, len(es), rollups); err != nil {
		return s.wrap(op, err)
	}
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		inserted := make(map[string]bool, len(es))
		for rest := es; len(rest) > 0; {
			n := maxInsertRows
			for n > len(rest) {
				n /= 2
			}
			args := make([]any, 0, n*15)
			for i := range rest[:n] {
				a, err := executionArgs(&rest[i])
				if err != nil {
					return fmt.Errorf("%s: %w", op, err)
				}
				args = append(args, a...)
			}
			st, err := s.stmt(ctx, insertExecutions(n, rollups))
			if err != nil {
				return s.wrap(op, err)
			}
			if !rollups {
				if _, err := tx.StmtContext(ctx, st).ExecContext(ctx, args...); err != nil {
					return s.wrap(op, err)
				}
			} else if err := collectIDs(ctx, tx.StmtContext(ctx, st), args, inserted); err != nil {
				return s.wrap(op, err)
			}
			rest = rest[n:]
		}
		if !rollups {
			return nil
		}
		fresh := make([]berth.Execution, 0, len(inserted))
		for i := range es {
			if inserted[es[i].ID] {
				delete(inserted, es[i].ID) // a record repeated in the batch counts once
				fresh = append(fresh, es[i])
			}
		}
		return s.rollUp(ctx, tx, fresh)
	})
}

// collectIDs runs an INSERT … RETURNING id and adds the ids to into.
func collectIDs(ctx context.Context, st *sql.Stmt, args []any, into map[string]bool) error {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		into[id] = true
	}
	return rows.Err()
}

// Execution implements berth.ExecutionStore.
func (s *Store) Execution(ctx context.Context, functionID, id string) (*berth.Execution, error) {
	const op = "get execution"
	var d executionDest
	var logs string
	err := s.queryRow(ctx, `SELECT `+executionColumns+`, logs FROM executions WHERE id = ? AND function_id = ?`, id, functionID).
		Scan(append(d.ptrs(), &logs)...)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	e := d.done()
	if err := json.Unmarshal([]byte(logs), &e.Logs); err != nil {
		return nil, fmt.Errorf("%s: stored logs: %w", op, err)
	}
	if e.Logs == nil {
		e.Logs = []string{}
	}
	return &e, nil
}

// ListExecutions implements berth.ExecutionStore. Since is inclusive,
// Until exclusive.
func (s *Store) ListExecutions(ctx context.Context, f berth.ExecutionFilter) ([]berth.Execution, int, error) {
	const op = "list executions"
	where, args := []string{"function_id = ?"}, []any{f.FunctionID}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "started_at >= ?"), append(args, dbTime(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "started_at < ?"), append(args, dbTime(f.Until))
	}
	cond := " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM executions`+cond, args...).Scan(&total); err != nil {
		return nil, 0, s.wrap(op, err)
	}
	limit, offset := pageBounds(f.Page)
	rows, err := s.query(ctx, `SELECT `+executionColumns+` FROM executions`+cond+`
		ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, s.wrap(op, err)
	}
	defer rows.Close()
	out := []berth.Execution{}
	for rows.Next() {
		var d executionDest
		if err := rows.Scan(d.ptrs()...); err != nil {
			return nil, 0, s.wrap(op, err)
		}
		out = append(out, d.done())
	}
	return out, total, s.wrap(op, rows.Err())
}

// RecentLogs implements berth.ExecutionStore: the newest limit lines of
// the executions started after since. It reads executions newest first,
// skipping those without logs, until it has limit lines (so at most limit
// rows), then returns them oldest first.
func (s *Store) RecentLogs(ctx context.Context, functionID string, since time.Time, limit int) ([]berth.LogLine, error) {
	lines, err := s.Logs(ctx, berth.LogFilter{FunctionID: functionID, Since: since, Limit: limit})
	for i := range lines {
		lines[i].FunctionID = "" // one function's lines do not repeat its id
	}
	return lines, err
}

// Logs implements berth.ExecutionStore. A text filter is applied to the
// stored JSON first (a superset: an escaped character may hide a match
// there, never create one) and then to each line.
func (s *Store) Logs(ctx context.Context, f berth.LogFilter) ([]berth.LogLine, error) {
	const op = "logs"
	out := []berth.LogLine{}
	if f.Limit <= 0 {
		return out, nil
	}
	where, args := []string{"started_at > ?", "logs <> '[]'"}, []any{dbTime(f.Since)}
	if f.FunctionID != "" {
		where, args = append(where, "function_id = ?"), append(args, f.FunctionID)
	}
	if f.OwnerID != "" {
		where, args = append(where, "owner_id = ?"), append(args, f.OwnerID)
	}
	if f.Failed {
		where = append(where, "status <> 'success'")
	}
	text := strings.ToLower(f.Text)
	if text != "" && !strings.ContainsAny(text, `\"<>&`) && isPrintableASCII(text) {
		where = append(where, `LOWER(logs) LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscaper.Replace(text)+"%")
	}
	// A text filter may drop every line of an execution: read more of them.
	rowLimit := f.Limit
	if text != "" {
		rowLimit = f.Limit * 4
	}
	rows, err := s.query(ctx, `SELECT id, function_id, started_at, logs FROM executions WHERE `+strings.Join(where, " AND ")+`
		ORDER BY started_at DESC, id DESC LIMIT ?`, append(args, rowLimit)...)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	// Each execution's lines are appended in reverse, so that out is
	// newest first throughout; it is reversed once at the end.
	for len(out) < f.Limit && rows.Next() {
		var id, fn, logs string
		var started int64
		if err := rows.Scan(&id, &fn, &started, &logs); err != nil {
			return nil, s.wrap(op, err)
		}
		var lines []string
		if err := json.Unmarshal([]byte(logs), &lines); err != nil {
			return nil, fmt.Errorf("%s: stored logs of %s: %w", op, id, err)
		}
		at := fromDB(started)
		for i := len(lines) - 1; i >= 0 && len(out) < f.Limit; i-- {
			if text != "" && !strings.Contains(strings.ToLower(lines[i]), text) {
				continue
			}
			out = append(out, berth.LogLine{FunctionID: fn, ExecutionID: id, At: at, Line: lines[i]})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(op, err)
	}
	slices.Reverse(out)
	return out, nil
}

// isPrintableASCII reports whether s is printable ASCII: JSON stores such
// text as it is, so a LIKE on the stored logs can find it.
func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// FunctionSummary implements berth.ExecutionStore; since is inclusive.
// The average is computed from the sum, as AVG's type differs between
// databases.
func (s *Store) FunctionSummary(ctx context.Context, functionID string, since time.Time) (berth.ExecutionSummary, error) {
	var sum berth.ExecutionSummary
	var total int64
	var last sql.NullInt64
	err := s.queryRow(ctx, `SELECT COUNT(*),
			COALESCE(SUM(CASE WHEN status <> 'success' THEN 1 ELSE 0 END), 0),
			CAST(COALESCE(SUM(duration_us), 0) AS BIGINT), MAX(started_at)
		FROM executions WHERE function_id = ? AND started_at >= ?`, functionID, dbTime(since)).
		Scan(&sum.Invocations, &sum.Errors, &total, &last)
	if err != nil {
		return berth.ExecutionSummary{}, s.wrap("function summary", err)
	}
	if sum.Invocations > 0 {
		sum.AvgDurationUS = total / sum.Invocations
	}
	sum.LastAt = fromDBNull(last)
	return sum, nil
}
