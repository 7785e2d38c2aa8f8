package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/berth-platform/berth"
)

const deploymentColumns = `function_id, version, status, sha256, size, content_type, artefact, error, created_by, created_at`

func scanDeployment(row interface{ Scan(...any) error }) (*berth.Deployment, error) {
	var d berth.Deployment
	var created int64
	if err := row.Scan(&d.FunctionID, &d.Version, &d.Status, &d.SHA256, &d.Size, &d.ContentType, &d.Artefact,
		&d.Error, &d.CreatedBy, &created); err != nil {
		return nil, err
	}
	d.CreatedAt = fromDB(created)
	return &d, nil
}

func deploymentRows(rows *sql.Rows) ([]berth.Deployment, error) {
	out := []berth.Deployment{}
	for rows.Next() {
		d, err := scanDeployment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, rows.Err()
}

// CreateDeployment implements berth.FunctionStore. The version comes from
// incrementing functions.last_version inside the transaction: PostgreSQL
// holds the row lock until commit and SQLite's immediate transactions
// serialise writers, so concurrent deploys queue on the function and get
// consecutive versions. The increment's condition also refuses a function
// pending deletion, re-checked after any wait for the lock.
func (s *Store) CreateDeployment(ctx context.Context, d *berth.Deployment, activate bool) error {
	const op = "create deployment"
	if d.CreatedAt.IsZero() {
		d.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	}
	var version int
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.q(`UPDATE functions SET last_version = last_version + 1, updated_at = ?
			WHERE id = ? AND status <> 'pending_deletion' RETURNING last_version`),
			dbTime(time.Now()), d.FunctionID).Scan(&version)
		if err != nil {
			return s.wrap(op, err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO deployments (`+deploymentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			d.FunctionID, version, d.Status, d.SHA256, d.Size, d.ContentType, d.Artefact, d.Error, d.CreatedBy,
			dbTime(d.CreatedAt)); err != nil {
			return s.wrap(op, err)
		}
		if !activate || d.Status != berth.DeploymentReady {
			return nil
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE functions SET active_version = ?, status = 'active' WHERE id = ?`),
			version, d.FunctionID)
		return s.wrap(op, err)
	})
	if err != nil {
		return err
	}
	d.Version = version
	return nil
}

// FinishDeployment implements berth.FunctionStore. It locks the function
// before the deployment, in the order CreateDeployment and DeleteFunction
// take them, so that the three cannot deadlock on PostgreSQL. A status
// other than ready or failed is ErrInvalid.
func (s *Store) FinishDeployment(ctx context.Context, functionID string, version int, status berth.DeploymentStatus, errText string, activate bool) error {
	const op = "finish deployment"
	switch status {
	case berth.DeploymentReady:
		errText = ""
	case berth.DeploymentFailed:
	default:
		return fmt.Errorf("%s: status %q does not end a deployment: %w", op, status, berth.ErrInvalid)
	}
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		var fnStatus berth.FunctionStatus
		err := tx.QueryRowContext(ctx, s.q(`UPDATE functions SET updated_at = ? WHERE id = ? RETURNING status`),
			dbTime(time.Now()), functionID).Scan(&fnStatus)
		if err != nil {
			return s.wrap(op, err)
		}
		res, err := tx.ExecContext(ctx, s.q(`UPDATE deployments SET status = ?, error = ?
			WHERE function_id = ? AND version = ? AND status = 'building'`), status, errText, functionID, version)
		if err != nil {
			return s.wrap(op, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return s.wrap(op, err)
			}
			var was berth.DeploymentStatus
			if err := tx.QueryRowContext(ctx, s.q(`SELECT status FROM deployments WHERE function_id = ? AND version = ?`),
				functionID, version).Scan(&was); err != nil {
				return s.wrap(op, err)
			}
			return fmt.Errorf("%s: version %d is already %s: %w", op, version, was, berth.ErrConflict)
		}
		if status != berth.DeploymentReady || !activate {
			return nil
		}
		if fnStatus == berth.FunctionPendingDeletion {
			// The deployment stays ready; only its activation is refused.
			return &commitAnywayError{fmt.Errorf("%s: the function is pending deletion: %w", op, berth.ErrConflict)}
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE functions SET active_version = ?, status = 'active'
			WHERE id = ? AND (active_version IS NULL OR active_version < ?)`), version, functionID, version)
		return s.wrap(op, err)
	})
}

// FailStaleDeployments implements berth.FunctionStore.
func (s *Store) FailStaleDeployments(ctx context.Context, before time.Time, errText string) (int64, error) {
	return s.exec(ctx, "fail stale deployments",
		`UPDATE deployments SET status = 'failed', error = ? WHERE status = 'building' AND created_at < ?`, errText, dbTime(before))
}

// Deployment implements berth.FunctionStore.
func (s *Store) Deployment(ctx context.Context, functionID string, version int) (*berth.Deployment, error) {
	d, err := scanDeployment(s.queryRow(ctx, `SELECT `+deploymentColumns+` FROM deployments
		WHERE function_id = ? AND version = ?`, functionID, version))
	return d, s.wrap("get deployment", err)
}

// ListDeployments implements berth.FunctionStore.
func (s *Store) ListDeployments(ctx context.Context, functionID string, p berth.Page) ([]berth.Deployment, int, error) {
	const op = "list deployments"
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM deployments WHERE function_id = ?`, functionID).Scan(&total); err != nil {
		return nil, 0, s.wrap(op, err)
	}
	limit, offset := pageBounds(p)
	rows, err := s.query(ctx, `SELECT `+deploymentColumns+` FROM deployments WHERE function_id = ?
		ORDER BY version DESC LIMIT ? OFFSET ?`, functionID, limit, offset)
	if err != nil {
		return nil, 0, s.wrap(op, err)
	}
	defer rows.Close()
	out, err := deploymentRows(rows)
	return out, total, s.wrap(op, err)
}

// ActivateDeployment implements berth.FunctionStore. One conditional
// update does the work, so that it cannot overwrite a concurrent
// ScheduleDeletion; only when it touches nothing is the reason looked up.
func (s *Store) ActivateDeployment(ctx context.Context, functionID string, version int) error {
	const op = "activate deployment"
	n, err := s.exec(ctx, op, `UPDATE functions SET active_version = ?, status = 'active', updated_at = ?
		WHERE id = ? AND status <> 'pending_deletion'
		  AND EXISTS (SELECT 1 FROM deployments d WHERE d.function_id = functions.id AND d.version = ? AND d.status = 'ready')`,
		version, dbTime(time.Now()), functionID, version)
	if err != nil || n == 1 {
		return err
	}
	var status berth.FunctionStatus
	if err := s.queryRow(ctx, `SELECT status FROM functions WHERE id = ?`, functionID).Scan(&status); err != nil {
		return s.wrap(op, err)
	}
	d, err := s.Deployment(ctx, functionID, version)
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", op, err)
	case d.Status != berth.DeploymentReady:
		return fmt.Errorf("%s: version %d is %s, not ready: %w", op, version, d.Status, berth.ErrInvalid)
	}
	return fmt.Errorf("%s: the function is pending deletion: %w", op, berth.ErrConflict)
}

// sortDeployments orders deployments by version; RETURNING has no order.
func sortDeployments(ds []berth.Deployment) {
	slices.SortFunc(ds, func(a, b berth.Deployment) int { return a.Version - b.Version })
}
