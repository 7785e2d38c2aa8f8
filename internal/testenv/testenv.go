// Package testenv gives tests the real services they run against: a fresh
// PostgreSQL database per test and the local Redis. Without a service a test
// skips on a developer's machine and fails when CI=true, so that CI never
// passes by skipping.
package testenv

import (
	"context"
	"crypto/rand"

	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// CI reports whether the tests run in CI, where every service must exist.
func CI() bool { return os.Getenv("CI") == "true" }

// Unavailable skips the test outside CI and fails it in CI.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if CI() {
		t.Fatalf(format, args...)
	}
	t.Skipf(format+" (CI=true turns this skip into a failure)", args...)
}

// PostgresAdminURL is the server the tests create their databases on.
func PostgresAdminURL() string {
	if u := os.Getenv("BERTH_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// RandomSuffix returns n random bytes in hex, for database names and key prefixes.
func RandomSuffix(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// PostgresURL creates an empty database for this test, drops it when the
// test ends, and returns its URL.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := PostgresAdminURL()
	cfg, err := pgx.ParseConfig(admin)
	if err != nil {
		t.Fatalf("BERTH_TEST_POSTGRES_URL: %v", err)
	}
	db := stdlib.OpenDB(*cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		Unavailable(t, "PostgreSQL at %s is not reachable: %v", admin, err)
	}
	name := "berth_test_" + RandomSuffix(6)
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	return u.String()
}

// RedisURL returns the Redis the tests use (BERTH_TEST_REDIS_URL, default the
// local server, database 0); callers isolate themselves with a key prefix.
func RedisURL() string {
	if u := os.Getenv("BERTH_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}
