package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pressly/goose/v3"
)

// Migration 7 lets functions.visibility be 'organization'. PostgreSQL
// swaps the CHECK constraint. SQLite cannot alter a CHECK: it rebuilds the
// table the way its documentation prescribes (foreign keys off on one
// connection, the copy, the swap and a foreign-key check in one
// transaction), so that dropping the old table cascades to nothing.

func visibilityMigration(dialect goose.Dialect) *goose.Migration {
	return goose.NewGoMigration(7, &goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error {
		if dialect == goose.DialectPostgres {
			_, err := db.ExecContext(ctx, `ALTER TABLE functions DROP CONSTRAINT functions_visibility_check,
				ADD CONSTRAINT functions_visibility_check CHECK (visibility IN ('private', 'public', 'organization'))`)
			return err
		}
		return rebuildSQLiteFunctions(ctx, db)
	}}, nil)
}

// sqliteFunctions is the functions table of migration 2 with the new CHECK.
const sqliteFunctions = `CREATE TABLE functions_new (
    id                    TEXT PRIMARY KEY,
    owner_id              TEXT NOT NULL REFERENCES users (id),
    name                  TEXT NOT NULL,
    runtime               TEXT NOT NULL CHECK (runtime IN ('wasm', 'container')),
    description           TEXT NOT NULL DEFAULT '',
    status                TEXT NOT NULL CHECK (status IN ('initialized', 'active', 'pending_deletion')),
    active_version        INTEGER NOT NULL DEFAULT 0 CHECK (active_version >= 0),
    last_version          INTEGER NOT NULL DEFAULT 0 CHECK (last_version >= 0),
    memory_mb             INTEGER NOT NULL,
    timeout_ms            INTEGER NOT NULL,
    max_concurrency       INTEGER NOT NULL,
    env                   TEXT NOT NULL DEFAULT '{}',
    visibility            TEXT NOT NULL CHECK (visibility IN ('private', 'public', 'organization')),
    delete_after          INTEGER,
    deletion_requested_at INTEGER,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    UNIQUE (owner_id, name)
) STRICT`

func rebuildSQLiteFunctions(ctx context.Context, db *sql.DB) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	defer func() {
		if _, ferr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); ferr != nil && err == nil {
			err = ferr
		}
	}()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return err
	}
	for _, stmt := range []string{
		sqliteFunctions,
		`INSERT INTO functions_new SELECT id, owner_id, name, runtime, description, status, active_version, last_version,
			memory_mb, timeout_ms, max_concurrency, env, visibility, delete_after, deletion_requested_at, created_at, updated_at FROM functions`,
		`DROP TABLE functions`,
		`ALTER TABLE functions_new RENAME TO functions`,
		`CREATE INDEX functions_name ON functions (name, id)`,
		`CREATE INDEX functions_status ON functions (status, name)`,
		`CREATE INDEX functions_due ON functions (delete_after) WHERE status = 'pending_deletion'`,
	} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
			return fmt.Errorf("rebuild functions: %w", err)
		}
	}
	rows, err := conn.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
		return err
	}
	broken := rows.Next()
	rows.Close()
	if broken {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
		return errors.New("rebuild functions: a foreign key no longer holds; nothing was changed")
	}
	_, err = conn.ExecContext(ctx, `COMMIT`)
	return err
}
