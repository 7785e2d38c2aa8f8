package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"

	"github.com/berth-platform/berth"
)

// Migrate applies the pending migrations found under "migrations" in fsys;
// goose records applied versions in goose_db_version. The Go migrations
// below, shared by every dialect, are numbered between the SQL files.
func Migrate(ctx context.Context, db *sql.DB, dialect goose.Dialect, fsys fs.FS, opts ...goose.ProviderOption) error {
	return MigrateTo(ctx, db, dialect, fsys, 0, opts...)
}

// MigrateTo is Migrate up to version (0: every one), for tests that write
// rows as an older schema held them.
func MigrateTo(ctx context.Context, db *sql.DB, dialect goose.Dialect, fsys fs.FS, version int64, opts ...goose.ProviderOption) error {
	sub, err := fs.Sub(fsys, "migrations")
	if err != nil {
		return err
	}
	opts = append(opts, goose.WithGoMigrations(
		goose.NewGoMigration(5, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return backfillEmailSkeletons(ctx, tx, dialect)
		}}, nil),
		visibilityMigration(dialect),
		userSearchMigration(dialect),
	))
	p, err := goose.NewProvider(dialect, db, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if version > 0 {
		_, err = p.UpTo(ctx, version)
	} else {
		_, err = p.Up(ctx)
	}
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return nil
}

// BackfillEmailSkeletons runs migration 5's backfill again, for tests
// that add rows as they were before it.
func (s *Store) BackfillEmailSkeletons(ctx context.Context) error {
	dialect := goose.DialectSQLite3
	if s.d.DollarPlaceholders {
		dialect = goose.DialectPostgres
	}
	return s.tx(ctx, "backfill email skeletons", func(tx *sql.Tx) error { return backfillEmailSkeletons(ctx, tx, dialect) })
}

// backfillEmailSkeletons fills users.email_skeleton (migration 4) for the
// accounts that existed before it, oldest first. Where two existing
// addresses already look alike, the older account keeps the skeleton and
// the younger one's stays NULL: both go on working, and the older one is
// what a new look-alike registration is refused against.
func backfillEmailSkeletons(ctx context.Context, tx *sql.Tx, dialect goose.Dialect) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, email FROM users WHERE email_skeleton IS NULL ORDER BY created_at, id`)
	if err != nil {
		return fmt.Errorf("email skeletons: %w", err)
	}
	type user struct{ id, skeleton string }
	var users []user
	for rows.Next() {
		var id, email string
		if err := rows.Scan(&id, &email); err != nil {
			rows.Close()
			return fmt.Errorf("email skeletons: %w", err)
		}
		users = append(users, user{id, berth.EmailSkeleton(email)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("email skeletons: %w", err)
	}
	update := `UPDATE users SET email_skeleton = ? WHERE id = ?`
	if dialect == goose.DialectPostgres {
		update = `UPDATE users SET email_skeleton = $1 WHERE id = $2`
	}
	taken := map[string]bool{}
	for _, u := range users {
		if taken[u.skeleton] {
			continue
		}
		taken[u.skeleton] = true
		if _, err := tx.ExecContext(ctx, update, u.skeleton, u.id); err != nil {
			return fmt.Errorf("email skeletons: %w", err)
		}
	}
	return nil
}
