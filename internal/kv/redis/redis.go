package redis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/kv"
)

// Interface guards.
var _ kv.Store = (*Store)(nil)

// DefaultPrefix is put before every key when New is given no prefix.
const DefaultPrefix = "berth:"

// Timeouts used unless the URL sets its own (dial_timeout, read_timeout,
// write_timeout): short, so that a dead Redis fails fast.
const (
	dialTimeout  = time.Second
	readTimeout  = time.Second
	writeTimeout = time.Second
)

// maxMicros bounds a rate limit's interval plus tolerance so that the TAT,
// in µs since 1970 as a Lua double, stays exact (about 70 years).
const maxMicros = 1 << 51

// Store is a kv.Store on Redis. It is safe for concurrent use.
type Store struct {
	client    *goredis.Client
	prefix    string
	incr      *goredis.Script
	count     *goredis.Script
	rateLimit *goredis.Script
}

// New connects to the Redis at rawURL (redis://[user:password@]host:port/db,
// rediss:// for TLS, or unix://; go-redis query options such as
// dial_timeout are honoured) and checks that it answers. Every key is
// stored under prefix, DefaultPrefix when empty. A URL that does not parse
// yields an error wrapping berth.ErrInvalid, a Redis that does not answer
// within ctx and the timeouts one wrapping berth.ErrUnavailable.
func New(ctx context.Context, rawURL, prefix string) (*Store, error) {
	opts, err := goredis.ParseURL(rawURL)
	if err != nil {
		// url.Error quotes the whole URL, password included.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return nil, fmt.Errorf("kv/redis: parse URL: %w: %w", berth.ErrInvalid, err)
	}
	setDefaults(opts)
	if prefix == "" {
		prefix = DefaultPrefix
	}
	s := &Store{
		client:    goredis.NewClient(opts),
		prefix:    prefix,
		incr:      goredis.NewScript(incrScript),
		count:     goredis.NewScript(countScript),
		rateLimit: goredis.NewScript(rateLimitScript),
	}
	if err := s.Ping(ctx); err != nil {
		_ = s.client.Close()
		return nil, err
	}
	return s, nil
}

func setDefaults(o *goredis.Options) {
	if o.DialTimeout == 0 {
		o.DialTimeout = dialTimeout
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = readTimeout
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = writeTimeout
	}
	if o.MaxRetries == 0 {
		// One retry replaces a pooled connection that Redis closed (a
		// restart) without failing the request; more would only delay
		// the error when Redis is down.
		o.MaxRetries = 1
	}
	if o.DialerRetries == 0 {
		o.DialerRetries = 1
	}
	// A caller's deadline shortens the socket timeouts.
	o.ContextTimeoutEnabled = true
}

// ClaimNonce implements kv.Store with SET NX PX.
func (s *Store) ClaimNonce(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, invalidTTL("claim nonce", ttl)
	}
	ok, err := s.client.SetNX(ctx, s.key(key), "1", roundUp(ttl)).Result()
	if err != nil {
		return false, wrap("claim nonce", err)
	}
	return ok, nil
}

// Incr implements kv.Store with a script: INCR, then PEXPIRE on the first
// increment, then PTTL, atomically.
func (s *Store) Incr(ctx context.Context, key string, window time.Duration) (int64, time.Duration, error) {
	return s.IncrBy(ctx, key, 1, window)
}

// IncrBy implements kv.Store with the same script, adding n.
func (s *Store) IncrBy(ctx context.Context, key string, n int64, window time.Duration) (int64, time.Duration, error) {
	if window <= 0 {
		return 0, 0, invalidTTL("incr", window)
	}
	if n < 1 {
		return 0, 0, fmt.Errorf("kv/redis: incr by %d: the increment must be at least 1: %w", n, berth.ErrInvalid)
	}
	r, err := s.incr.Run(ctx, s.client, []string{s.key(key)}, roundUp(window).Milliseconds(), n).Int64Slice()
	if err != nil {
		return 0, 0, wrap("incr", err)
	}
	return counter("incr", r)
}

// Count implements kv.Store with a script reading the counter and its TTL.
func (s *Store) Count(ctx context.Context, key string) (int64, time.Duration, error) {
	r, err := s.count.Run(ctx, s.client, []string{s.key(key)}).Int64Slice()
	if err != nil {
		return 0, 0, wrap("count", err)
	}
	return counter("count", r)
}

// counter turns a script's {count, ms left} into Incr's results.
func counter(op string, r []int64) (int64, time.Duration, error) {
	if len(r) != 2 {
		return 0, 0, fmt.Errorf("kv/redis: %s: script returned %d values, want 2", op, len(r))
	}
	return r[0], time.Duration(max(r[1], 0)) * time.Millisecond, nil
}

// RateLimit implements kv.Store with the GCRA script; see kv.Limit.GCRA.
// It measures time in whole microseconds on the Redis server's clock.
func (s *Store) RateLimit(ctx context.Context, key string, l kv.Limit) (kv.RateResult, error) {
	interval, tolerance, err := l.GCRA()
	if err != nil {
		return kv.RateResult{}, err
	}
	intervalUS := max(int64(interval/time.Microsecond), 1)
	toleranceUS := int64(tolerance/interval) * intervalUS
	if intervalUS+toleranceUS > maxMicros {
		return kv.RateResult{}, fmt.Errorf("kv/redis: rate limit: period too long: %w", berth.ErrInvalid)
	}
	r, err := s.rateLimit.Run(ctx, s.client, []string{s.key(key)}, intervalUS, toleranceUS).Int64Slice()
	if err != nil {
		return kv.RateResult{}, wrap("rate limit", err)
	}
	if len(r) != 4 {
		return kv.RateResult{}, fmt.Errorf("kv/redis: rate limit: script returned %d values, want 4", len(r))
	}
	return kv.RateResult{
		Allowed:    r[0] == 1,
		Remaining:  int(r[1]),
		RetryAfter: time.Duration(r[2]) * time.Microsecond,
		ResetAfter: time.Duration(r[3]) * time.Microsecond,
	}, nil
}

// Get implements kv.Store.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := s.client.Get(ctx, s.key(key)).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, kv.ErrNotFound
	}
	if err != nil {
		return nil, wrap("get", err)
	}
	return v, nil
}

// Set implements kv.Store with SET PX; TTLs round up to whole milliseconds.
func (s *Store) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return invalidTTL("set", ttl)
	}
	if err := s.client.Set(ctx, s.key(key), value, roundUp(ttl)).Err(); err != nil {
		return wrap("set", err)
	}
	return nil
}

// Delete implements kv.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.client.Del(ctx, s.key(key)).Err(); err != nil {
		return wrap("delete", err)
	}
	return nil
}

// Ping implements kv.Store.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx).Err(); err != nil {
		return wrap("ping", err)
	}
	return nil
}

// Close closes the connections. Calls after Close fail.
func (s *Store) Close() error {
	if err := s.client.Close(); err != nil {
		return fmt.Errorf("kv/redis: close: %w", err)
	}
	return nil
}

func (s *Store) key(k string) string { return s.prefix + k }

// roundUp rounds d up to a whole millisecond, the unit of PX.
func roundUp(d time.Duration) time.Duration {
	if r := d % time.Millisecond; r != 0 && d <= math.MaxInt64-time.Millisecond {
		d += time.Millisecond - r
	}
	return d
}

func invalidTTL(op string, d time.Duration) error {
	return fmt.Errorf("kv/redis: %s: ttl %s is not positive: %w", op, d, berth.ErrInvalid)
}

// Interface guard.
var _ kv.Counter = (*Store)(nil)

// CountPrefix implements kv.Counter with SCAN: it walks the keyspace in
// batches, so it costs O(keys) on the server and is meant for scrapes.
func (s *Store) CountPrefix(ctx context.Context, prefix string) (int, error) {
	var cursor uint64
	n := 0
	for {
		keys, next, err := s.client.Scan(ctx, cursor, s.key(prefix)+"*", 1000).Result()
		if err != nil {
			return 0, wrap("count prefix", err)
		}
		n += len(keys)
		if cursor = next; cursor == 0 {
			return n, nil
		}
	}
}
