package memory

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/kv"
)

// Interface guards.
var _ kv.Store = (*Store)(nil)

const (
	// shardCount spreads keys over this many locks (a power of two); see
	// BenchmarkShards for the measurement behind it.
	shardCount = 32
	// sweepEvery is how often the janitor drops expired keys that nobody
	// reads again (most nonces).
	sweepEvery = 30 * time.Second
)

// errWrongKind reports a key used for one purpose (value, counter, rate
// limit) and then for another. It names no key on purpose.
var errWrongKind = errors.New("kv/memory: key holds another kind of entry")

// Store is an in-process kv.Store. Its zero value is not usable; call New.
type Store struct {
	seed   maphash.Seed
	shards []shard
	start  time.Time // origin of the monotonic clock behind every expiry

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

type shard struct {
	mu sync.Mutex
	m  map[string]entry
	_  [48]byte // keeps neighbouring shards' locks off one cache line
}

type kind uint8

const (
	kindValue kind = iota
	kindCounter
	kindTAT
)

// entry is one key's state; expires and the TAT in n are nanoseconds on the
// store's monotonic clock.
type entry struct {
	value   []byte
	n       int64
	expires int64
	kind    kind
}

// New returns an empty Store and starts its janitor; Close stops it.
func New() *Store {
	return newStore(shardCount, sweepEvery)
}

func newStore(shards int, every time.Duration) *Store {
	s := &Store{
		seed:   maphash.MakeSeed(),
		shards: make([]shard, shards),
		start:  time.Now(),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	for i := range s.shards {
		s.shards[i].m = make(map[string]entry)
	}
	go s.janitor(every)
	return s
}

// ClaimNonce implements kv.Store.
func (s *Store) ClaimNonce(_ context.Context, key string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, invalidTTL("claim nonce", ttl)
	}
	now := s.now()
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.lookup(key, now); ok {
		return false, nil
	}
	sh.m[key] = entry{expires: deadline(now, ttl), kind: kindValue}
	return true, nil
}

// Incr implements kv.Store.
func (s *Store) Incr(ctx context.Context, key string, window time.Duration) (int64, time.Duration, error) {
	return s.IncrBy(ctx, key, 1, window)
}

// IncrBy implements kv.Store.
func (s *Store) IncrBy(_ context.Context, key string, n int64, window time.Duration) (int64, time.Duration, error) {
	if window <= 0 {
		return 0, 0, invalidTTL("incr", window)
	}
	if n < 1 {
		return 0, 0, fmt.Errorf("kv/memory: incr by %d: the increment must be at least 1: %w", n, berth.ErrInvalid)
	}
	now := s.now()
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.lookup(key, now)
	switch {
	case !ok:
		e = entry{expires: deadline(now, window), kind: kindCounter}
	case e.kind != kindCounter:
		return 0, 0, errWrongKind
	}
	e.n += n
	sh.m[key] = e
	return e.n, time.Duration(e.expires - now), nil
}

// Count implements kv.Store.
func (s *Store) Count(_ context.Context, key string) (int64, time.Duration, error) {
	now := s.now()
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.lookup(key, now)
	switch {
	case !ok:
		return 0, 0, nil
	case e.kind != kindCounter:
		return 0, 0, errWrongKind
	}
	return e.n, time.Duration(e.expires - now), nil
}

// RateLimit implements kv.Store with the GCRA described at kv.Limit.GCRA.
func (s *Store) RateLimit(_ context.Context, key string, l kv.Limit) (kv.RateResult, error) {
	interval, tolerance, err := l.GCRA()
	if err != nil {
		return kv.RateResult{}, err
	}
	now := s.now()
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	tat := now
	if e, ok := sh.lookup(key, now); ok {
		if e.kind != kindTAT {
			return kv.RateResult{}, errWrongKind
		}
		tat = e.n
	}
	res, next := gcra(now, tat, interval, tolerance)
	if res.Allowed {
		sh.m[key] = entry{n: next, expires: next, kind: kindTAT}
	}
	return res, nil
}

// gcra applies one event at now to the theoretical arrival time tat and
// returns the outcome and the TAT to store if the event is allowed.
func gcra(now, tat int64, interval, tolerance time.Duration) (kv.RateResult, int64) {
	ahead := time.Duration(max(tat, now) - now)
	if ahead > tolerance {
		return kv.RateResult{RetryAfter: ahead - tolerance, ResetAfter: ahead}, tat
	}
	return kv.RateResult{
		Allowed:    true,
		Remaining:  int((tolerance - ahead) / interval),
		ResetAfter: ahead + interval,
	}, now + int64(ahead+interval)
}

// Get implements kv.Store. The slice it returns is the caller's.
func (s *Store) Get(_ context.Context, key string) ([]byte, error) {
	now := s.now()
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.lookup(key, now)
	switch {
	case !ok:
		return nil, kv.ErrNotFound
	case e.kind == kindCounter:
		return strconv.AppendInt(nil, e.n, 10), nil
	case e.kind != kindValue:
		return nil, errWrongKind
	}
	return append([]byte{}, e.value...), nil
}

// Set implements kv.Store. It keeps a copy of value.
func (s *Store) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return invalidTTL("set", ttl)
	}
	v := append([]byte{}, value...)
	now := s.now()
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.m[key] = entry{value: v, expires: deadline(now, ttl), kind: kindValue}
	return nil
}

// Delete implements kv.Store.
func (s *Store) Delete(_ context.Context, key string) error {
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	delete(sh.m, key)
	return nil
}

// Ping implements kv.Store; an in-process store always answers.
func (s *Store) Ping(context.Context) error { return nil }

// Close stops the janitor and waits for it to exit. It is safe to call more
// than once. The store keeps answering afterwards, expiring keys lazily.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
	})
	return nil
}

func (s *Store) janitor(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.sweep()
		}
	}
}

// sweep drops expired entries one shard at a time, so no lock is held for
// longer than one shard's scan.
func (s *Store) sweep() {
	for i := range s.shards {
		sh := &s.shards[i]
		now := s.now()
		sh.mu.Lock()
		for k, e := range sh.m {
			if e.expires <= now {
				delete(sh.m, k)
			}
		}
		sh.mu.Unlock()
	}
}

// now reads the monotonic clock in nanoseconds since New.
func (s *Store) now() int64 { return int64(time.Since(s.start)) }

func (s *Store) shard(key string) *shard {
	return &s.shards[maphash.String(s.seed, key)&uint64(len(s.shards)-1)]
}

// lookup returns the live entry at key, dropping it if it has expired.
// The caller holds sh.mu.
func (sh *shard) lookup(key string, now int64) (entry, bool) {
	e, ok := sh.m[key]
	if ok && e.expires <= now {
		delete(sh.m, key)
		return entry{}, false
	}
	return e, ok
}

// deadline returns now+d, saturating instead of overflowing.
func deadline(now int64, d time.Duration) int64 {
	if int64(d) > math.MaxInt64-now {
		return math.MaxInt64
	}
	return now + int64(d)
}

func invalidTTL(op string, d time.Duration) error {
	return fmt.Errorf("kv/memory: %s: ttl %s is not positive: %w", op, d, berth.ErrInvalid)
}

// Interface guard.
var _ kv.Counter = (*Store)(nil)

// CountPrefix implements kv.Counter: the live keys starting with prefix.
func (s *Store) CountPrefix(_ context.Context, prefix string) (int, error) {
	now := s.now()
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for k, e := range sh.m {
			if e.expires > now && strings.HasPrefix(k, prefix) {
				n++
			}
		}
		sh.mu.Unlock()
	}
	return n, nil
}
