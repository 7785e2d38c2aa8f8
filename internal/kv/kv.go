// Package kv declares the small shared store behind replay nonces, login
// counters, rate limits and web sessions. Implementations live in
// subpackages (memory for one process, redis for many replicas) and pass the
// one conformance suite in kvtest.
//
// A kv.Store never interprets values and never logs keys or values: keys may
// carry e-mail addresses and values may carry sealed secrets.
package kv

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by Get for a key that does not exist or expired.
var ErrNotFound = errors.New("kv: not found")

// Limit is a GCRA rate limit: Rate events per Period with bursts of Burst.
type Limit struct {
	Rate   int
	Period time.Duration
	Burst  int
}

// RateResult is the outcome of one RateLimit call.
type RateResult struct {
	Allowed    bool
	Remaining  int           // events still allowed right now
	RetryAfter time.Duration // when not allowed: how long until one event is
	ResetAfter time.Duration // how long until the limiter is back to a full burst
}

// Store is a key-value store with expiry. Every method that fails because
// the backend cannot be reached returns an error wrapping
// berth.ErrUnavailable.
type Store interface {
	// ClaimNonce sets key for ttl if it is absent and reports whether it did.
	ClaimNonce(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Incr adds one to the counter at key. The first increment starts a
	// window of length window; the counter disappears when it ends. It
	// returns the new count and the time left in the window.
	Incr(ctx context.Context, key string, window time.Duration) (int64, time.Duration, error)
	// IncrBy is Incr adding n (at least 1): a replica reserving a block
	// of a shared quota at once.
	IncrBy(ctx context.Context, key string, n int64, window time.Duration) (int64, time.Duration, error)
	// Count returns a counter's value and the time left in its window; 0, 0
	// when there is none.
	Count(ctx context.Context, key string) (int64, time.Duration, error)
	// RateLimit records one event against key under l and says whether it is
	// allowed (GCRA). A refused event is not recorded.
	RateLimit(ctx context.Context, key string, l Limit) (RateResult, error)
	// Get returns the value at key, or ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value at key for ttl (which must be positive).
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete removes key; removing a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Ping reports whether the backend answers.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// Counter is an optional capability: counting the live keys that start
// with a prefix, for gauges such as live web sessions. It may be
// approximate and slow on a large store; call it at scrape time only.
type Counter interface {
	CountPrefix(ctx context.Context, prefix string) (int, error)
}
