// Package sqlstore implements berth.Store once, in portable SQL, for every
// database/sql backend. A Dialect supplies what differs between databases
// (placeholders, error classification); the sqlite and postgres packages
// open connections, run their migrations and hand the *sql.DB over.
//
// Times are stored as BIGINT Unix microseconds (UTC) in every dialect, so
// that comparisons, bucketing and ordering behave the same everywhere.
// This package never logs and never stores a secret in plain text: it only
// sees sealed secrets and token hashes.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/berth-platform/berth"
)

// Dialect describes one database.
type Dialect struct {
	Name string
	// DollarPlaceholders is true for $1, $2…; false keeps '?'.
	DollarPlaceholders bool
	// IsUniqueViolation reports a unique-constraint error.
	IsUniqueViolation func(error) bool
	// IsUnavailable reports an error that means the database cannot serve
	// right now (connection lost, busy, disk full) rather than a bad query.
	IsUnavailable func(error) bool
	// OneWriter is true for a database that admits one writer at a time
	// (SQLite). The store then queues its writers in-process, in arrival
	// order and cancellable by their context, instead of leaving them to
	// the database's busy handler, which polls and lets a writer starve
	// past its timeout under load.
	OneWriter bool
	// UserSearch is the condition that matches accounts whose email or
	// name contains q (lower-case): an indexed substring search.
	UserSearch func(q string) (cond string, args []any)
	// SearchCountsInPage counts a search's matches in the page query (a
	// window) instead of a second query beside it: SQLite evaluates its
	// trigram search once per statement, so this halves the work;
	// PostgreSQL plans the window worse than two queries side by side.
	SearchCountsInPage bool
}

// Store is berth.Store on a database/sql handle.
type Store struct {
	db *sql.DB
	d  Dialect
	// stmts holds prepared statements by source query: SQLite otherwise
	// parses every query anew, which is most of a lookup's cost.
	stmts sync.Map // string -> *sql.Stmt
	// noRollups switches off the roll-up updates (see SetRollups).
	noRollups atomic.Bool
	// writer, for a OneWriter dialect, is the one-slot queue every write
	// (exec and tx) passes through; nil otherwise.
	writer chan struct{}
}

// Interface guard.
var _ berth.Store = (*Store)(nil)

// New wraps db, which must already be migrated.
func New(db *sql.DB, d Dialect) *Store {
	s := &Store{db: db, d: d}
	if d.OneWriter {
		s.writer = make(chan struct{}, 1)
	}
	return s
}

// write waits for the writer slot of a OneWriter database (Go queues the
// waiters of a channel in order) and returns its release; it returns at
// once elsewhere. A context that ends while waiting reports ErrUnavailable.
func (s *Store) write(ctx context.Context, op string) (release func(), err error) {
	if s.writer == nil {
		return func() {}, nil
	}
	select {
	case s.writer <- struct{}{}:
		return func() { <-s.writer }, nil
	case <-ctx.Done():
		return nil, s.wrap(op, ctx.Err())
	}
}

// DB returns the underlying handle (for tests and benchmarks).
func (s *Store) DB() *sql.DB { return s.db }

// Ping implements berth.Store.
func (s *Store) Ping(ctx context.Context) error {
	return s.wrap("ping", s.db.PingContext(ctx))
}

// Close implements berth.Store.
func (s *Store) Close() error {
	s.stmts.Range(func(_, v any) bool {
		_ = v.(*sql.Stmt).Close()
		return true
	})
	return s.db.Close()
}

// stmt returns the prepared statement for query (written with '?'),
// preparing it on first use.
func (s *Store) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, s.q(query))
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		_ = st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// queryRow runs a single-row query through its prepared statement. When
// preparing fails, the plain query reports the same error through Scan.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st, err := s.stmt(ctx, query); err == nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.db.QueryRowContext(ctx, s.q(query), args...)
}

// query runs a query through its prepared statement.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := s.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// q returns query, written with '?' placeholders, in the dialect's form.
func (s *Store) q(query string) string {
	if !s.d.DollarPlaceholders {
		return query
	}
	return rebind(query)
}

func rebind(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// wrap classifies a database error: unique violations become ErrConflict,
// unreachable databases ErrUnavailable, sql.ErrNoRows ErrNotFound.
func (s *Store) wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", op, berth.ErrNotFound)
	case s.d.IsUniqueViolation(err):
		return fmt.Errorf("%s: %w", op, berth.ErrConflict)
	case s.d.IsUnavailable(err) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sql.ErrConnDone):
		return fmt.Errorf("%s: %w: %w", op, berth.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// exec runs a statement and returns the affected row count.
func (s *Store) exec(ctx context.Context, op, query string, args ...any) (int64, error) {
	release, err := s.write(ctx, op)
	if err != nil {
		return 0, err
	}
	defer release()
	st, err := s.stmt(ctx, query)
	if err != nil {
		return 0, s.wrap(op, err)
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return 0, s.wrap(op, err)
	}
	n, err := res.RowsAffected()
	return n, s.wrap(op, err)
}

// execOne runs a statement that must touch exactly one row, else ErrNotFound.
func (s *Store) execOne(ctx context.Context, op, query string, args ...any) error {
	n, err := s.exec(ctx, op, query, args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", op, berth.ErrNotFound)
	}
	return nil
}

// tx runs fn in a transaction, committing when it returns nil or an error
// wrapped in commitAnywayError (a reused refresh token ends its family and still
// reports the reuse), and rolling back otherwise.
func (s *Store) tx(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	release, err := s.write(ctx, op)
	if err != nil {
		return err
	}
	defer release()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(op, err)
	}
	ferr := fn(tx)
	var keep *commitAnywayError
	if ferr != nil && !errors.As(ferr, &keep) {
		_ = tx.Rollback()
		return ferr
	}
	if err := tx.Commit(); err != nil {
		return s.wrap(op, err)
	}
	if keep != nil {
		return keep.err
	}
	return nil
}

// notFound reports ErrNotFound for an update that touched no row, or
// wraps err when counting the rows failed.
func (s *Store) notFound(op string, err error) error {
	if err != nil {
		return s.wrap(op, err)
	}
	return fmt.Errorf("%s: %w", op, berth.ErrNotFound)
}

// txNeed locks the row of every non-empty id in its table (lockRow), so
// that a concurrent delete waits for the reference, and returns
// ErrNotFound naming the first that is missing.
func (s *Store) txNeed(ctx context.Context, tx *sql.Tx, op string, refs ...[2]string) error {
	for _, r := range refs {
		if r[1] == "" {
			continue
		}
		if err := s.lockRow(ctx, tx, r[0], r[1]); err != nil {
			return s.wrap(op+": no such "+singular[r[0]], err)
		}
	}
	return nil
}

// lockRow takes the row's write lock on PostgreSQL (SQLite has one
// writer at a time anyway) so that a concurrent reference waits; a
// missing row is sql.ErrNoRows.
func (s *Store) lockRow(ctx context.Context, tx *sql.Tx, table, id string) error {
	var got string
	return tx.QueryRowContext(ctx, s.q(`SELECT id FROM `+table+` WHERE id = ?`+s.forUpdate()), id).Scan(&got)
}

// forUpdate is the row-lock clause of a SELECT in a transaction: FOR
// UPDATE on PostgreSQL, nothing on SQLite, whose write transactions
// hold the database's one write lock from BEGIN.
func (s *Store) forUpdate() string {
	if s.d.DollarPlaceholders {
		return " FOR UPDATE"
	}
	return ""
}

// oneRow is execOne's check for a statement run in a transaction.
func (s *Store) oneRow(op string, res sql.Result, err error) error {
	if err != nil {
		return s.wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return s.notFound(op, err)
	}
	return nil
}

// singular names a table's row in txNeed's errors.
var singular = map[string]string{"tiers": "tier", "organizations": "organization", "users": "user", "groups": "group"}

// queryAll runs a query and scans every row with scan; no rows is an
// empty slice, not nil.
func queryAll[T any](ctx context.Context, s *Store, op string, scan func(scanner) (*T, error), query string, args ...any) ([]T, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, s.wrap(op, err)
		}
		out = append(out, *v)
	}
	return out, s.wrap(op, rows.Err())
}

// scanner is a row to scan: *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// scanValue scans a one-column row.
func scanValue[T any](row scanner) (*T, error) {
	var v T
	return &v, row.Scan(&v)
}

// pageBounds returns the LIMIT and OFFSET of a page, never negative.
func pageBounds(p berth.Page) (limit, offset int) {
	return max(p.Size, 0), max(p.Offset(), 0)
}

// commitAnywayError marks an error after which the transaction's work must still
// be committed.
type commitAnywayError struct{ err error }

func (c *commitAnywayError) Error() string { return c.err.Error() }
func (c *commitAnywayError) Unwrap() error { return c.err }

// Time conversion: BIGINT Unix microseconds, NULL for the zero time.

// fillNew gives a new row its id and times where they are unset: a
// random id, now, and updated = created (updated may be nil for a row
// without one).
func fillNew(id *string, created, updated *time.Time) {
	if *id == "" {
		*id = uuid.NewString()
	}
	if created.IsZero() {
		*created = time.Now().UTC().Truncate(time.Microsecond)
	}
	if updated != nil && updated.IsZero() {
		*updated = *created
	}
}

func dbTime(t time.Time) int64 { return t.UTC().UnixMicro() }

func dbTimeNull(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: dbTime(t), Valid: true}
}

func fromDB(us int64) time.Time { return time.UnixMicro(us).UTC() }

func fromDBNull(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromDB(n.Int64)
}
