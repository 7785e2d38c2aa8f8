package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3"
)

// Migration 9 makes the admins' account list fast at 100 000 accounts:
// indexes for each filter and sort, and a trigram index for the search on
// email and name (a substring match, which no B-tree serves).
//   - SQLite: an FTS5 table with the trigram tokenizer, kept by triggers,
//     holding "email name" folded to lower case (berth_fold, which the
//     sqlite package registers: SQLite's own lower() knows ASCII only)
//     under the user's rowid;
//   - PostgreSQL: a GIN trigram index on the same expression when the
//     pg_trgm extension can be created (it is a trusted extension, shipped
//     with PostgreSQL); without it the search still works, by a scan.

func userSearchMigration(dialect goose.Dialect) *goose.Migration {
	return goose.NewGoMigration(9, &goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error {
		// Each filter's index is in the list's default order (email, id),
		// so that a page is read off one index, already sorted; id in
		// every index lets the page's ids come from the index alone.
		common := []string{
			`CREATE INDEX users_email_id ON users (email, id)`,
			`CREATE INDEX users_status_email ON users (status, email, id)`,
			`CREATE INDEX users_created ON users (created_at, id)`,
			`CREATE INDEX users_name ON users (LOWER(name), id)`,
			`DROP INDEX users_tier`,
			`CREATE INDEX users_tier ON users (tier_id, email, id)`,
			`DROP INDEX users_organization`,
			`CREATE INDEX users_organization ON users (organization_id, email, id)`,
		}
		if dialect == goose.DialectPostgres {
			if err := execAll(ctx, db, common); err != nil {
				return err
			}
			if _, err := db.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS pg_trgm`); err != nil {
				return nil // no extension: the search scans
			}
			return execAll(ctx, db, []string{`CREATE INDEX users_search ON users USING gin ((email || ' ' || LOWER(name)) gin_trgm_ops)`})
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }()
		for _, stmt := range append(common,
			`CREATE VIRTUAL TABLE users_search USING fts5(text, tokenize = 'trigram')`,
			`INSERT INTO users_search (rowid, text) SELECT rowid, berth_fold(email || ' ' || name) FROM users`,
			`CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
				INSERT INTO users_search (rowid, text) VALUES (new.rowid, berth_fold(new.email || ' ' || new.name));
			END`,
			`CREATE TRIGGER users_search_update AFTER UPDATE OF email, name ON users BEGIN
				UPDATE users_search SET text = berth_fold(new.email || ' ' || new.name) WHERE rowid = old.rowid;
			END`,
			`CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
				DELETE FROM users_search WHERE rowid = old.rowid;
			END`,
		) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("user search: %w", err)
			}
		}
		return tx.Commit()
	}}, nil)
}

func execAll(ctx context.Context, db *sql.DB, stmts []string) error {
	for _, stmt := range stmts {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}
