package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/berth-platform/berth"
)

const functionColumns = `id, owner_id, name, runtime, description, status, active_version, memory_mb, timeout_ms,
	max_concurrency, env, visibility, delete_after, deletion_requested_at, created_at, updated_at`

// functionColumnsAs is functionColumns qualified by a table alias.
func functionColumnsAs(alias string) string {
	cols := strings.Split(functionColumns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// functionDest is a scan target for functionColumns; done converts the
// times and decodes the environment.
type functionDest struct {
	f                          berth.Function
	env                        string
	deleteAfter, deletionAsked sql.NullInt64
	created, updated           int64
}

func (d *functionDest) ptrs() []any {
	f := &d.f
	return []any{&f.ID, &f.OwnerID, &f.Name, &f.Runtime, &f.Description, &f.Status, &f.ActiveVersion,
		&f.Settings.MemoryMB, &f.Settings.TimeoutMS, &f.Settings.MaxConcurrency, &d.env, &f.Settings.Visibility,
		&d.deleteAfter, &d.deletionAsked, &d.created, &d.updated}
}

func (d *functionDest) done() (berth.Function, error) {
	f := d.f
	f.DeleteAfter, f.DeletionRequestedAt = fromDBNull(d.deleteAfter), fromDBNull(d.deletionAsked)
	f.CreatedAt, f.UpdatedAt = fromDB(d.created), fromDB(d.updated)
	f.SecretNames = []string{}
	if err := json.Unmarshal([]byte(d.env), &f.Settings.Env); err != nil {
		return f, fmt.Errorf("function %s: stored env: %w", f.ID, err)
	}
	if f.Settings.Env == nil {
		f.Settings.Env = map[string]string{}
	}
	return f, nil
}

// functionRows reads functions joined to their secret names (one row per
// secret, or one with a NULL name), ordered by function and then secret
// name, and folds them into functions with SecretNames filled. extra are
// scan targets for columns before the function's, overwritten on each row.
func functionRows(rows *sql.Rows, extra ...any) ([]berth.Function, error) {
	out := []berth.Function{}
	for rows.Next() {
		var d functionDest
		var secret sql.NullString
		if err := rows.Scan(append(append(extra, d.ptrs()...), &secret)...); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != d.f.ID {
			f, err := d.done()
			if err != nil {
				return nil, err
			}
			out = append(out, f)
		}
		if secret.Valid {
			last := &out[len(out)-1]
			last.SecretNames = append(last.SecretNames, secret.String)
		}
	}
	return out, rows.Err()
}

func envJSON(env map[string]string) (string, error) {
	if env == nil {
		return "{}", nil
	}
	raw, err := json.Marshal(env)
	return string(raw), err
}

// CreateFunction implements berth.FunctionStore. An empty Status becomes
// berth.FunctionInitialized.
func (s *Store) CreateFunction(ctx context.Context, f *berth.Function) error {
	const op = "create function"
	env, err := fillFunction(f)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	_, err = s.exec(ctx, op, insertFunction, functionArgs(f, env)...)
	return err
}

// CreateFunctionWithin implements berth.FunctionStore. On PostgreSQL the
// owner's row is locked first, so that concurrent creations by one owner
// count one after the other; SQLite has one writer at a time.
func (s *Store) CreateFunctionWithin(ctx context.Context, f *berth.Function, maxOwned int) error {
	const op = "create function"
	env, err := fillFunction(f)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		if err := s.txNeed(ctx, tx, op, [2]string{"users", f.OwnerID}); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM functions WHERE owner_id = ? AND status <> 'pending_deletion'`),
			f.OwnerID).Scan(&n); err != nil {
			return s.wrap(op, err)
		}
		if n >= maxOwned {
			return fmt.Errorf("%s: %d of %d: %w", op, n, maxOwned, berth.ErrQuota)
		}
		_, err := tx.ExecContext(ctx, s.q(insertFunction), functionArgs(f, env)...)
		return s.wrap(op, err)
	})
}

// CountOwnedFunctions implements berth.FunctionStore.
func (s *Store) CountOwnedFunctions(ctx context.Context, ownerID string) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM functions WHERE owner_id = ? AND status <> 'pending_deletion'`, ownerID).Scan(&n)
	return n, s.wrap("count functions", err)
}

const insertFunction = `INSERT INTO functions (` + functionColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func functionArgs(f *berth.Function, env string) []any {
	st := f.Settings
	return []any{f.ID, f.OwnerID, f.Name, f.Runtime, f.Description, f.Status, f.ActiveVersion, st.MemoryMB, st.TimeoutMS,
		st.MaxConcurrency, env, st.Visibility, dbTimeNull(f.DeleteAfter), dbTimeNull(f.DeletionRequestedAt),
		dbTime(f.CreatedAt), dbTime(f.UpdatedAt)}
}

// fillFunction fills a new function's id, times and status, and returns its env as JSON.
func fillFunction(f *berth.Function) (string, error) {
	fillNew(&f.ID, &f.CreatedAt, &f.UpdatedAt)
	if f.Status == "" {
		f.Status = berth.FunctionInitialized
	}
	return envJSON(f.Settings.Env)
}

// Function implements berth.FunctionStore.
func (s *Store) Function(ctx context.Context, id string) (*berth.Function, error) {
	const op = "get function"
	rows, err := s.query(ctx, `SELECT `+functionColumnsAs("f")+`, sec.name
		FROM functions f LEFT JOIN function_secrets sec ON sec.function_id = f.id
		WHERE f.id = ? ORDER BY sec.name`, id)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	fs, err := functionRows(rows)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	if len(fs) == 0 {
		return nil, fmt.Errorf("%s: %w", op, berth.ErrNotFound)
	}
	return &fs[0], nil
}

// likeEscaper makes user text literal inside a LIKE pattern with ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ListFunctions implements berth.FunctionStore. The name filter is a
// case-insensitive substring match; names order byte-wise.
func (s *Store) ListFunctions(ctx context.Context, f berth.FunctionFilter) ([]berth.Function, int, error) {
	const op = "list functions"
	var where []string
	var args []any
	switch {
	case f.OwnerID != "" && f.SharedWithOrg != "":
		where = append(where, `(owner_id = ? OR (visibility = 'organization' AND owner_id IN (SELECT id FROM users WHERE organization_id = ?)))`)
		args = append(args, f.OwnerID, f.SharedWithOrg)
	case f.OwnerID != "":
		where, args = append(where, "owner_id = ?"), append(args, f.OwnerID)
	}
	if f.Name != "" {
		where = append(where, `LOWER(name) LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscaper.Replace(strings.ToLower(f.Name))+"%")
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM functions`+cond, args...).Scan(&total); err != nil {
		return nil, 0, s.wrap(op, err)
	}
	limit, offset := pageBounds(f.Page)
	rows, err := s.query(ctx, `SELECT `+functionColumnsAs("f")+`, sec.name
		FROM (SELECT `+functionColumns+` FROM functions`+cond+` ORDER BY name, id LIMIT ? OFFSET ?) f
		LEFT JOIN function_secrets sec ON sec.function_id = f.id
		ORDER BY f.name, f.id, sec.name`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, s.wrap(op, err)
	}
	defer rows.Close()
	out, err := functionRows(rows)
	return out, total, s.wrap(op, err)
}

// UpdateFunctionSettings implements berth.FunctionStore.
func (s *Store) UpdateFunctionSettings(ctx context.Context, id string, st berth.FunctionSettings, description string) error {
	const op = "update function settings"
	env, err := envJSON(st.Env)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return s.execOne(ctx, op, `UPDATE functions SET memory_mb = ?, timeout_ms = ?, max_concurrency = ?, env = ?,
		visibility = ?, description = ?, updated_at = ? WHERE id = ?`,
		st.MemoryMB, st.TimeoutMS, st.MaxConcurrency, env, st.Visibility, description, dbTime(time.Now()), id)
}

// PutSecrets implements berth.FunctionStore. Touching the function's
// updated_at first both proves it exists and, on PostgreSQL, locks it
// against a concurrent DeleteFunction.
func (s *Store) PutSecrets(ctx context.Context, functionID string, sealed map[string][]byte) error {
	const op = "put secrets"
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE functions SET updated_at = ? WHERE id = ?`), dbTime(time.Now()), functionID)
		if err := s.oneRow(op, res, err); err != nil {
			return err
		}
		for name, value := range sealed {
			if value == nil {
				_, err = tx.ExecContext(ctx, s.q(`DELETE FROM function_secrets WHERE function_id = ? AND name = ?`), functionID, name)
			} else {
				_, err = tx.ExecContext(ctx, s.q(`INSERT INTO function_secrets (function_id, name, sealed) VALUES (?, ?, ?)
					ON CONFLICT (function_id, name) DO UPDATE SET sealed = excluded.sealed`), functionID, name, value)
			}
			if err != nil {
				return s.wrap(op, err)
			}
		}
		return nil
	})
}

// Secrets implements berth.FunctionStore. A function without secrets, or
// no function at all, has an empty map.
func (s *Store) Secrets(ctx context.Context, functionID string) (map[string][]byte, error) {
	const op = "get secrets"
	rows, err := s.query(ctx, `SELECT name, sealed FROM function_secrets WHERE function_id = ?`, functionID)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var name string
		var sealed []byte
		if err := rows.Scan(&name, &sealed); err != nil {
			return nil, s.wrap(op, err)
		}
		out[name] = sealed
	}
	return out, s.wrap(op, rows.Err())
}

// ScheduleDeletion implements berth.FunctionStore.
func (s *Store) ScheduleDeletion(ctx context.Context, id string, requestedAt, deleteAfter time.Time) error {
	const op = "schedule deletion"
	n, err := s.exec(ctx, op, `UPDATE functions SET status = 'pending_deletion', deletion_requested_at = ?,
		delete_after = ?, updated_at = ? WHERE id = ? AND status <> 'pending_deletion'`,
		dbTime(requestedAt), dbTime(deleteAfter), dbTime(time.Now()), id)
	if err != nil || n == 1 {
		return err
	}
	return s.whyNotPending(ctx, op, id, false)
}

// CancelDeletion implements berth.FunctionStore.
func (s *Store) CancelDeletion(ctx context.Context, id string) error {
	const op = "cancel deletion"
	n, err := s.exec(ctx, op, `UPDATE functions
		SET status = CASE WHEN active_version > 0 THEN 'active' ELSE 'initialized' END,
			deletion_requested_at = NULL, delete_after = NULL, updated_at = ?
		WHERE id = ? AND status = 'pending_deletion'`, dbTime(time.Now()), id)
	if err != nil || n == 1 {
		return err
	}
	return s.whyNotPending(ctx, op, id, true)
}

// whyNotPending explains an update of function id that touched no row
// although it should have found it pending (wantPending) or not pending:
// ErrNotFound when there is no such function, else ErrConflict.
func (s *Store) whyNotPending(ctx context.Context, op, id string, wantPending bool) error {
	var status berth.FunctionStatus
	if err := s.queryRow(ctx, `SELECT status FROM functions WHERE id = ?`, id).Scan(&status); err != nil {
		return s.wrap(op, err)
	}
	if wantPending {
		return fmt.Errorf("%s: the function is not pending deletion: %w", op, berth.ErrConflict)
	}
	return fmt.Errorf("%s: the function is already pending deletion: %w", op, berth.ErrConflict)
}

// DueDeletions implements berth.FunctionStore; the longest overdue come first.
func (s *Store) DueDeletions(ctx context.Context, now time.Time, limit int) ([]berth.Function, error) {
	const op = "due deletions"
	rows, err := s.query(ctx, `SELECT `+functionColumnsAs("f")+`, sec.name
		FROM (SELECT `+functionColumns+` FROM functions WHERE status = 'pending_deletion' AND delete_after <= ?
			ORDER BY delete_after, id LIMIT ?) f
		LEFT JOIN function_secrets sec ON sec.function_id = f.id
		ORDER BY f.delete_after, f.id, sec.name`, dbTime(now), max(limit, 0))
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	out, err := functionRows(rows)
	return out, s.wrap(op, err)
}

// DeleteFunction implements berth.FunctionStore. Deleting a function that
// does not exist (say, one another replica has just deleted) removes
// nothing and is not an error.
func (s *Store) DeleteFunction(ctx context.Context, id string, now time.Time) ([]berth.Deployment, error) {
	const op = "delete function"
	var removed []berth.Deployment
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		removed = []berth.Deployment{}
		// Lock the function first, so that a concurrent CreateDeployment
		// either commits before the deployments are read or finds no
		// function; no deployment can be removed unreported.
		res, err := tx.ExecContext(ctx, s.q(`UPDATE functions SET last_version = last_version
			WHERE id = ? AND status = 'pending_deletion' AND delete_after <= ?`), id, dbTime(now))
		if err != nil {
			return s.wrap(op, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return s.wrap(op, err)
			}
			var status berth.FunctionStatus
			if err := tx.QueryRowContext(ctx, s.q(`SELECT status FROM functions WHERE id = ?`), id).Scan(&status); err != nil {
				return s.wrap(op, err)
			}
			return fmt.Errorf("%s: function is %s, or its grace period has not ended: %w", op, status, berth.ErrConflict)
		}
		rows, err := tx.QueryContext(ctx, s.q(`DELETE FROM deployments WHERE function_id = ? RETURNING `+deploymentColumns), id)
		if err != nil {
			return s.wrap(op, err)
		}
		removed, err = deploymentRows(rows)
		rows.Close()
		if err != nil {
			return s.wrap(op, err)
		}
		sortDeployments(removed)
		for _, q := range []string{
			`DELETE FROM function_secrets WHERE function_id = ?`,
			`DELETE FROM api_keys WHERE function_id = ?`,
			`DELETE FROM functions WHERE id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, s.q(q), id); err != nil {
				return s.wrap(op, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return removed, nil
}
