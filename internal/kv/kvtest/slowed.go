package kvtest

import (
	"context"
	"time"

	"github.com/berth-platform/berth/internal/kv"
)

// Slowed wraps s so that every call waits d before it reaches s and d
// again before it returns, as on a loaded machine where a request queues
// before the backend runs it and its answer queues on the way back. Run
// the suite over it to check that the suite's timing bounds hold when the
// backend acts at any moment between a call and its return, not only at
// once. s must implement kv.Counter, as every berth store does.
func Slowed(s kv.Store, d time.Duration) kv.Store {
	return slowed{s: s, c: s.(kv.Counter), d: d}
}

type slowed struct {
	s kv.Store
	c kv.Counter
	d time.Duration
}

// Interface guards.
var (
	_ kv.Store   = slowed{}
	_ kv.Counter = slowed{}
)

func (w slowed) wait()           { time.Sleep(w.d) }
func (w slowed) around(f func()) { w.wait(); f(); w.wait() }
func (w slowed) Close() error    { return w.s.Close() }
func (w slowed) Ping(ctx context.Context) (err error) {
	w.around(func() { err = w.s.Ping(ctx) })
	return err
}

func (w slowed) ClaimNonce(ctx context.Context, key string, ttl time.Duration) (ok bool, err error) {
	w.around(func() { ok, err = w.s.ClaimNonce(ctx, key, ttl) })
	return ok, err
}

func (w slowed) IncrBy(ctx context.Context, key string, by int64, window time.Duration) (n int64, left time.Duration, err error) {
	w.around(func() { n, left, err = w.s.IncrBy(ctx, key, by, window) })
	return n, left, err
}

func (w slowed) Incr(ctx context.Context, key string, window time.Duration) (n int64, left time.Duration, err error) {
	w.around(func() { n, left, err = w.s.Incr(ctx, key, window) })
	return n, left, err
}

func (w slowed) Count(ctx context.Context, key string) (n int64, left time.Duration, err error) {
	w.around(func() { n, left, err = w.s.Count(ctx, key) })
	return n, left, err
}

func (w slowed) RateLimit(ctx context.Context, key string, l kv.Limit) (res kv.RateResult, err error) {
	w.around(func() { res, err = w.s.RateLimit(ctx, key, l) })
	return res, err
}

func (w slowed) Get(ctx context.Context, key string) (v []byte, err error) {
	w.around(func() { v, err = w.s.Get(ctx, key) })
	return v, err
}

func (w slowed) Set(ctx context.Context, key string, value []byte, ttl time.Duration) (err error) {
	w.around(func() { err = w.s.Set(ctx, key, value, ttl) })
	return err
}

func (w slowed) Delete(ctx context.Context, key string) (err error) {
	w.around(func() { err = w.s.Delete(ctx, key) })
	return err
}

func (w slowed) CountPrefix(ctx context.Context, prefix string) (n int, err error) {
	w.around(func() { n, err = w.c.CountPrefix(ctx, prefix) })
	return n, err
}
