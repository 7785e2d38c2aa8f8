package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/store/sqlstore"
)

// TestVisibilityMigrationKeepsChildren: migration 7 rebuilds the functions
// table; the rows that hang off a function (secrets, deployments, API
// keys, executions) must all survive it, and the new visibility must be
// accepted afterwards.
func TestVisibilityMigrationKeepsChildren(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "berth.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := sqlstore.MigrateTo(ctx, db, goose.DialectSQLite3, migrations, 6); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`INSERT INTO users (id, email, name, role, admin_role, status, password_hash, created_at, updated_at)
			VALUES ('u1', 'a@example.test', 'A', 'user', '', 'active', 'x', 1, 1)`,
		`INSERT INTO functions (id, owner_id, name, runtime, status, active_version, last_version, memory_mb, timeout_ms,
			max_concurrency, visibility, created_at, updated_at) VALUES ('f1', 'u1', 'fn', 'wasm', 'active', 1, 1, 64, 1000, 1, 'public', 1, 1)`,
		`INSERT INTO function_secrets (function_id, name, sealed) VALUES ('f1', 'TOKEN', x'00')`,
		`INSERT INTO deployments (function_id, version, status, created_at) VALUES ('f1', 1, 'ready', 1)`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if _, err := db.ExecContext(ctx, `UPDATE functions SET visibility = 'organization' WHERE id = 'f1'`); err == nil {
		t.Fatal("version 6 accepted visibility organization: the test does not test the migration")
	}
	if err := Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	for table, want := range map[string]int{"functions": 1, "function_secrets": 1, "deployments": 1} {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil || n != want {
			t.Fatalf("%s after the migration: %d rows, %v; want %d", table, n, err, want)
		}
	}
	if _, err := db.ExecContext(ctx, `UPDATE functions SET visibility = ? WHERE id = 'f1'`, berth.VisibilityOrganization); err != nil {
		t.Fatalf("visibility organization after the migration: %v", err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE functions SET visibility = 'everyone' WHERE id = 'f1'`); err == nil {
		t.Fatal("the rebuilt table lost its CHECK")
	}
	// Foreign keys hold again: a deployment of no function is refused, and
	// deleting the function cascades.
	if _, err := db.ExecContext(ctx, `INSERT INTO deployments (function_id, version, status, created_at) VALUES ('nope', 1, 'ready', 1)`); err == nil {
		t.Fatal("foreign keys are off after the migration")
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM functions WHERE id = 'f1'`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM deployments`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the cascade is gone: %d deployments left, %v", n, err)
	}
}
