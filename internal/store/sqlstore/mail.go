package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/berth-platform/berth"
)

const outboxColumns = `id, recipient, kind, sealed, attempts, failed, next_attempt_at, last_error, expires_at, created_at, updated_at`

func scanOutbox(row scanner) (*berth.OutboxMail, error) {
	var m berth.OutboxMail
	var next, expires, created, updated int64
	if err := row.Scan(&m.ID, &m.Recipient, &m.Kind, &m.Sealed, &m.Attempts, &m.Failed, &next, &m.LastError, &expires, &created, &updated); err != nil {
		return nil, err
	}
	m.NextAttemptAt, m.CreatedAt, m.UpdatedAt = fromDB(next), fromDB(created), fromDB(updated)
	if expires != 0 {
		m.ExpiresAt = fromDB(expires)
	}
	return &m, nil
}

// QueueMail implements berth.MailStore. The count and the insert are one
// transaction (one writer at a time on SQLite; on PostgreSQL concurrent
// queuers may overshoot the bound by their number, which only matters at
// the bound's scale, not for correctness).
func (s *Store) QueueMail(ctx context.Context, m *berth.OutboxMail, limit int) error {
	const op = "queue mail"
	fillNew(&m.ID, &m.CreatedAt, &m.UpdatedAt)
	if m.NextAttemptAt.IsZero() {
		m.NextAttemptAt = m.CreatedAt
	}
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		var waiting int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM mail_outbox WHERE failed = `+s.falseLit()).Scan(&waiting); err != nil {
			return s.wrap(op, err)
		}
		if waiting >= limit {
			return fmt.Errorf("%s: %w (%d mails wait)", op, berth.ErrQueueFull, waiting)
		}
		var expires int64
		if !m.ExpiresAt.IsZero() {
			expires = dbTime(m.ExpiresAt)
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO mail_outbox (`+outboxColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			m.ID, m.Recipient, m.Kind, m.Sealed, m.Attempts, m.Failed, dbTime(m.NextAttemptAt), m.LastError, expires, dbTime(m.CreatedAt), dbTime(m.UpdatedAt))
		return s.wrap(op, err)
	})
}

func (s *Store) falseLit() string {
	if s.d.DollarPlaceholders {
		return "FALSE"
	}
	return "0"
}

// DueMail implements berth.MailStore: the due rows are read and their
// next attempt moved in one transaction, rows locked on PostgreSQL (SKIP
// LOCKED: two replicas claim different mails), so that one mail is tried
// by one replica at a time.
func (s *Store) DueMail(ctx context.Context, now time.Time, lease time.Duration, n int) ([]berth.OutboxMail, error) {
	const op = "claim due mail"
	var out []berth.OutboxMail
	lock := ""
	if s.d.DollarPlaceholders {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q(`SELECT `+outboxColumns+` FROM mail_outbox WHERE failed = `+s.falseLit()+
			` AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`+lock), dbTime(now), n)
		if err != nil {
			return s.wrap(op, err)
		}
		for rows.Next() {
			m, err := scanOutbox(rows)
			if err != nil {
				_ = rows.Close()
				return s.wrap(op, err)
			}
			out = append(out, *m)
		}
		if err := rows.Close(); err != nil {
			return s.wrap(op, err)
		}
		next := dbTime(now.Add(lease))
		for i := range out {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE mail_outbox SET next_attempt_at = ? WHERE id = ?`), next, out[i].ID); err != nil {
				return s.wrap(op, err)
			}
			out[i].NextAttemptAt = fromDB(next)
		}
		return nil
	})
	return out, err
}

// MailSent implements berth.MailStore.
func (s *Store) MailSent(ctx context.Context, id string) error {
	_, err := s.exec(ctx, "delete sent mail", `DELETE FROM mail_outbox WHERE id = ?`, id)
	return err
}

// MailRetry implements berth.MailStore.
func (s *Store) MailRetry(ctx context.Context, id string, attempts int, next time.Time, reason string) error {
	return s.execOne(ctx, "reschedule mail", `UPDATE mail_outbox SET attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?`,
		attempts, dbTime(next), reason, dbTime(time.Now()), id)
}

// MailGivenUp implements berth.MailStore.
func (s *Store) MailGivenUp(ctx context.Context, id string, attempts int, reason string) error {
	return s.execOne(ctx, "give up mail", `UPDATE mail_outbox SET failed = `+s.trueLit()+`, attempts = ?, last_error = ?, updated_at = ? WHERE id = ?`,
		attempts, reason, dbTime(time.Now()), id)
}

func (s *Store) trueLit() string {
	if s.d.DollarPlaceholders {
		return "TRUE"
	}
	return "1"
}

// FailedMail implements berth.MailStore.
func (s *Store) FailedMail(ctx context.Context, since time.Time, limit int) ([]berth.OutboxMail, error) {
	return queryAll(ctx, s, "list failed mail", scanOutbox, `SELECT `+outboxColumns+` FROM mail_outbox WHERE failed = `+s.trueLit()+
		` AND updated_at >= ? ORDER BY updated_at DESC, id LIMIT ?`, dbTime(since), limit)
}

const codeColumns = `id, user_id, purpose, hash, attempts, expires_at, created_at`

func scanCode(row scanner) (*berth.OneTimeCode, error) {
	var c berth.OneTimeCode
	var expires, created int64
	if err := row.Scan(&c.ID, &c.UserID, &c.Purpose, &c.Hash, &c.Attempts, &expires, &created); err != nil {
		return nil, err
	}
	c.ExpiresAt, c.CreatedAt = fromDB(expires), fromDB(created)
	return &c, nil
}

// PutCode implements berth.MailStore.
func (s *Store) PutCode(ctx context.Context, c *berth.OneTimeCode) error {
	const op = "put one-time code"
	c.ID = ""
	fillNew(&c.ID, &c.CreatedAt, nil)
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM one_time_codes WHERE user_id = ? AND purpose = ?`), c.UserID, c.Purpose); err != nil {
			return s.wrap(op, err)
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO one_time_codes (`+codeColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			c.ID, c.UserID, c.Purpose, c.Hash, c.Attempts, dbTime(c.ExpiresAt), dbTime(c.CreatedAt))
		return s.wrap(op, err)
	})
}

// CodeByHash implements berth.MailStore.
func (s *Store) CodeByHash(ctx context.Context, purpose string, hash []byte) (*berth.OneTimeCode, error) {
	c, err := scanCode(s.queryRow(ctx, `SELECT `+codeColumns+` FROM one_time_codes WHERE purpose = ? AND hash = ?`, purpose, hash))
	return c, s.wrap("get one-time code", err)
}

// UserCode implements berth.MailStore.
func (s *Store) UserCode(ctx context.Context, userID, purpose string) (*berth.OneTimeCode, error) {
	c, err := scanCode(s.queryRow(ctx, `SELECT `+codeColumns+` FROM one_time_codes WHERE user_id = ? AND purpose = ?`, userID, purpose))
	return c, s.wrap("get one-time code", err)
}

// CodeAttempt implements berth.MailStore.
func (s *Store) CodeAttempt(ctx context.Context, id string) (int, error) {
	const op = "count a code attempt"
	var n int
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE one_time_codes SET attempts = attempts + 1 WHERE id = ?`), id); err != nil {
			return s.wrap(op, err)
		}
		return s.wrap(op, tx.QueryRowContext(ctx, s.q(`SELECT attempts FROM one_time_codes WHERE id = ?`), id).Scan(&n))
	})
	return n, err
}

// SpendCode implements berth.MailStore.
func (s *Store) SpendCode(ctx context.Context, id string) error {
	return s.execOne(ctx, "spend one-time code", `DELETE FROM one_time_codes WHERE id = ?`, id)
}

// PruneMail implements berth.MailStore.
func (s *Store) PruneMail(ctx context.Context, now, giveUpBefore time.Time) (int64, error) {
	codes, err := s.exec(ctx, "prune one-time codes", `DELETE FROM one_time_codes WHERE expires_at <= ?`, dbTime(now))
	if err != nil {
		return 0, err
	}
	mails, err := s.exec(ctx, "prune given-up mail", `DELETE FROM mail_outbox WHERE failed = `+s.trueLit()+` AND updated_at < ?`, dbTime(giveUpBefore))
	return codes + mails, err
}
