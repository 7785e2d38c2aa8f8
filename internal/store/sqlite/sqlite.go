// Package sqlite opens berth's embedded database: a single SQLite file in
// WAL mode through the pure-Go modernc.org/sqlite driver, migrated at open.
// It holds no queries of its own; internal/store/sqlstore does.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/berth-platform/berth/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is SQLite's sqlstore.Dialect.
var Dialect = sqlstore.Dialect{
	Name:              "sqlite",
	IsUniqueViolation: isUniqueViolation,
	IsUnavailable:     isUnavailable,
	OneWriter:         true,
	UserSearch:        userSearch,
	// See sqlstore.Dialect.
	SearchCountsInPage: true,
}

// foldFunction is the SQL function that lower-cases text the way Go does
// (all of Unicode; SQLite's lower() knows ASCII only): the account search
// stores and is asked in this one case. Every connection of this driver
// has it; another program writing accounts into this database must not.
const foldFunction = "berth_fold"

// registerFunctions registers foldFunction with the driver, once, before
// the first connection that may need it (Open, Migrate).
var registerFunctions = sync.OnceFunc(func() {
	sqlite.MustRegisterDeterministicScalarFunction(foldFunction, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return strings.ToLower(v), nil
		case nil:
			return nil, nil
		}
		return nil, fmt.Errorf("%s: want text, got %T", foldFunction, args[0])
	})
})

// userSearch matches through the users_search trigram table (migration
// 9). A text of three characters or more is a phrase of trigrams: FTS5
// answers it from its index alone, where LIKE reads back every candidate
// row to test it (a search that holds one account in ten took seven times
// as long). Inside a quoted phrase every character is literal, '"'
// doubled. A shorter text has no trigram to look up, so it takes LIKE,
// which FTS5 answers by a scan; LIKE is served by the index only without
// an ESCAPE clause, so a wildcard character takes the escaped form.
func userSearch(q string) (string, []any) {
	if utf8.RuneCountInString(q) >= 3 {
		return `users.rowid IN (SELECT rowid FROM users_search WHERE users_search MATCH ?)`, []any{`"` + strings.ReplaceAll(q, `"`, `""`) + `"`}
	}
	if !strings.ContainsAny(q, `%_\`) {
		return `users.rowid IN (SELECT rowid FROM users_search WHERE text LIKE ?)`, []any{"%" + q + "%"}
	}
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q)
	return `users.rowid IN (SELECT rowid FROM users_search WHERE text LIKE ? ESCAPE '\')`, []any{"%" + esc + "%"}
}

func code(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

func isUniqueViolation(err error) bool {
	c := code(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func isUnavailable(err error) bool {
	switch code(err) & 0xff { // primary result code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY:
		return true
	}
	return false
}

// Open opens (creating when absent) the database file at path, applies the
// pending migrations and returns the store. The file and its -wal and -shm
// are readable by their owner only (0600), whatever the umask.
func Open(ctx context.Context, path string) (*sqlstore.Store, error) {
	registerFunctions()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: create directory: %w", err)
	}
	// SQLite creates the -wal and -shm files with the mode of the database
	// file, so creating that one 0600 first covers the others.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	f.Close()
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(5000)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	// Write transactions take the lock at BEGIN, so that two writers wait
	// on busy_timeout instead of failing on a lock upgrade.
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)*2))
	db.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)*2))
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := private(path); err != nil {
		db.Close()
		return nil, err
	}
	if err := Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return sqlstore.New(db, Dialect), nil
}

// private makes the database and its -wal and -shm files 0600: they hold
// password hashes and sealed secrets, and an older berth (or a copy) may
// have left them readable to others.
func private(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil && fi.Mode().Perm() != 0o600 {
			err = os.Chmod(p, 0o600)
		}
		if err != nil {
			return fmt.Errorf("sqlite: make %s private: %w", p, err)
		}
	}
	return nil
}

// Migrate applies the pending migrations.
func Migrate(ctx context.Context, db *sql.DB) error {
	registerFunctions()
	return sqlstore.Migrate(ctx, db, goose.DialectSQLite3, migrations)
}
