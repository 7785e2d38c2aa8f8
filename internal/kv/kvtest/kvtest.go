package kvtest

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/berth-platform/berth/internal/kv"
)

const (
	// ttl is the lifetime of entries in expiry tests.
	ttl = 150 * time.Millisecond
	// early is how much sooner than its TTL an entry may vanish: backends
	// that count in milliseconds round the clock.
	early = 5 * time.Millisecond
	// msRounding is how far above the exact value a backend that counts
	// whole milliseconds may report the time left: it truncates both the
	// window's start and the present to the millisecond, so their
	// difference can be short by up to one.
	msRounding = time.Millisecond
	// patience bounds every wait beyond a TTL, for slow race-enabled runs.
	patience = 3 * time.Second
	// poll is the gap between two looks at an expiring entry.
	poll = 5 * time.Millisecond
)

// test is one subtest; it gets its own store.
type test struct {
	name string
	run  func(t *testing.T, s kv.Store)
}

// Run runs the conformance suite. newStore returns a fresh, empty store for
// one subtest and registers with t.Cleanup whatever releases it (Close,
// deleting its keys). Subtests run in parallel, each on its own store, so a
// backend shared between them (one Redis) must keep their keys apart, for
// instance with a key prefix per store.
func Run(t *testing.T, newStore func(t *testing.T) kv.Store) {
	t.Helper()
	groups := []struct {
		name  string
		tests []test
	}{
		{"ClaimNonce", claimNonceTests()},
		{"Incr", incrTests()},
		{"Count", countTests()},
		{"RateLimit", rateLimitTests()},
		{"Get", getTests()},
		{"Set", setTests()},
		{"Delete", deleteTests()},
		{"Ping", pingTests()},
		{"Concurrency", concurrencyTests()},
		{"Counter", counterTests()},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.run(t, newStore(t))
				})
			}
		})
	}
}

// expiresAfter polls present until it reports false and fails t if that
// happens more than early before start+ttl or not within patience after.
// start must be taken before the write that set the TTL.
func expiresAfter(t *testing.T, start time.Time, ttl time.Duration, present func() bool) {
	t.Helper()
	for {
		gone := !present()
		elapsed := time.Since(start)
		if gone {
			if elapsed < ttl-early {
				t.Fatalf("gone after %v, want at least %v", elapsed, ttl)
			}
			return
		}
		if elapsed > ttl+patience {
			t.Fatalf("still present after %v, want gone after %v", elapsed, ttl)
		}
		time.Sleep(poll)
	}
}

// within fails t unless lo <= d <= hi.
func within(t *testing.T, what string, d, lo, hi time.Duration) {
	t.Helper()
	if d < lo || d > hi {
		t.Errorf("%s = %v, want in [%v, %v]", what, d, lo, hi)
	}
}

// together runs f(i) for i in [0, n) on n goroutines released at once.
func together(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

func claim(t *testing.T, s kv.Store, key string, ttl time.Duration) bool {
	t.Helper()
	ok, err := s.ClaimNonce(t.Context(), key, ttl)
	if err != nil {
		t.Fatalf("ClaimNonce: %v", err)
	}
	return ok
}

func incr(t *testing.T, s kv.Store, key string, window time.Duration) (int64, time.Duration) {
	t.Helper()
	n, left, err := s.Incr(t.Context(), key, window)
	if err != nil {
		t.Fatalf("Incr: %v", err)
	}
	return n, left
}

func count(t *testing.T, s kv.Store, key string) (int64, time.Duration) {
	t.Helper()
	n, left, err := s.Count(t.Context(), key)
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	return n, left
}

func rateLimit(t *testing.T, s kv.Store, key string, l kv.Limit) kv.RateResult {
	t.Helper()
	res, err := s.RateLimit(t.Context(), key, l)
	if err != nil {
		t.Fatalf("RateLimit: %v", err)
	}
	return res
}

func set(t *testing.T, s kv.Store, key string, value []byte, ttl time.Duration) {
	t.Helper()
	if err := s.Set(t.Context(), key, value, ttl); err != nil {
		t.Fatalf("Set: %v", err)
	}
}

func get(t *testing.T, s kv.Store, key string) []byte {
	t.Helper()
	v, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return v
}

// present reports whether Get finds key, failing t on any other error.
func present(t *testing.T, s kv.Store, key string) bool {
	t.Helper()
	_, err := s.Get(t.Context(), key)
	if err != nil && !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("Get: %v", err)
	}
	return err == nil
}

func wantErrIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want one wrapping %v", what, err, target)
	}
}

func equalBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}
