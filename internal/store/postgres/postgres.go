// Package postgres opens berth's production database through pgx, applies
// the migrations at open and returns the shared SQL store. It holds no
// queries of its own; internal/store/sqlstore does.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/berth-platform/berth/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is PostgreSQL's sqlstore.Dialect.
var Dialect = sqlstore.Dialect{
	Name:               "postgres",
	DollarPlaceholders: true,
	IsUniqueViolation:  isUniqueViolation,
	IsUnavailable:      isUnavailable,
	UserSearch:         sqlstore.SearchByExpression,
}

func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

func isUnavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception; 53: insufficient resources (disk
		// full, out of memory, too many connections); 57P: operator
		// intervention (shutdown, restart).
		return pe.Code[:2] == "08" || pe.Code[:2] == "53" || pe.Code[:3] == "57P"
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	return errors.As(err, &ne) || errors.As(err, &ce) || pgconn.SafeToRetry(err)
}

// Open connects to the database at url (postgres://…), applies the pending
// migrations and returns the store.
func Open(ctx context.Context, url string) (*sqlstore.Store, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: the database URL is not valid: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: cannot reach %s@%s:%d/%s: %w", cfg.User, cfg.Host, cfg.Port, cfg.Database, err)
	}
	if err := Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return sqlstore.New(db, Dialect), nil
}

// Migrate applies the pending migrations under a session advisory lock, so
// that replicas starting together migrate once.
func Migrate(ctx context.Context, db *sql.DB) error {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return err
	}
	return sqlstore.Migrate(ctx, db, goose.DialectPostgres, migrations, goose.WithSessionLocker(locker))
}
