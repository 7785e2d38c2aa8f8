package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/berth-platform/berth"
)

// AppendAudit implements berth.AuditStore.
func (s *Store) AppendAudit(ctx context.Context, e *berth.AuditEvent) error {
	if e.At.IsZero() {
		e.At = time.Now().UTC().Truncate(time.Microsecond)
	}
	err := s.queryRow(ctx, `INSERT INTO audit_events (at, actor_id, actor_email, action, target, client_addr, outcome, detail)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		dbTime(e.At), e.ActorID, e.ActorEmail, e.Action, e.Target, e.ClientAddr, e.Outcome, e.Detail).Scan(&e.ID)
	return s.wrap("append audit", err)
}

// ListAudit implements berth.AuditStore.
func (s *Store) ListAudit(ctx context.Context, f berth.AuditFilter) ([]berth.AuditEvent, int, error) {
	const op = "list audit"
	var where []string
	var args []any
	if f.ActorID != "" {
		where, args = append(where, "actor_id = ?"), append(args, f.ActorID)
	}
	if f.Target != "" {
		where, args = append(where, "target = ?"), append(args, f.Target)
	}
	if f.Subject != "" {
		where, args = append(where, "(actor_id = ? OR target = ?)"), append(args, f.Subject, f.Subject)
	}
	if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, dbTime(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "at < ?"), append(args, dbTime(f.Until))
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM audit_events`+cond, args...).Scan(&total); err != nil {
		return nil, 0, s.wrap(op, err)
	}
	rows, err := s.query(ctx, `SELECT id, at, actor_id, actor_email, action, target, client_addr, outcome, detail
		FROM audit_events`+cond+` ORDER BY at DESC, id DESC LIMIT ? OFFSET ?`, append(args, f.Page.Size, f.Page.Offset())...)
	if err != nil {
		return nil, 0, s.wrap(op, err)
	}
	defer rows.Close()
	out := []berth.AuditEvent{}
	for rows.Next() {
		var e berth.AuditEvent
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.ActorEmail, &e.Action, &e.Target, &e.ClientAddr, &e.Outcome, &e.Detail); err != nil {
			return nil, 0, s.wrap(op, err)
		}
		e.At = fromDB(at)
		out = append(out, e)
	}
	return out, total, s.wrap(op, rows.Err())
}
