package kvtest

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/kv"
)

func claimNonceTests() []test {
	return []test{
		{"FirstWins", func(t *testing.T, s kv.Store) {
			if !claim(t, s, "nonce:a", time.Hour) {
				t.Fatal("first claim refused, want it to win")
			}
			if claim(t, s, "nonce:a", time.Hour) {
				t.Error("second claim won, want it refused")
			}
			if !claim(t, s, "nonce:b", time.Hour) {
				t.Error("claim of another key refused, want it to win")
			}
		}},
		{"Expires", func(t *testing.T, s kv.Store) {
			start := time.Now()
			if !claim(t, s, "nonce", ttl) {
				t.Fatal("first claim refused, want it to win")
			}
			expiresAfter(t, start, ttl, func() bool { return !claim(t, s, "nonce", time.Hour) })
		}},
		{"ConcurrentOneWinner", func(t *testing.T, s kv.Store) {
			var wins atomic.Int64
			together(64, func(int) {
				ok, err := s.ClaimNonce(t.Context(), "nonce", time.Hour)
				if err != nil {
					t.Errorf("ClaimNonce: %v", err)
				}
				if ok {
					wins.Add(1)
				}
			})
			if n := wins.Load(); n != 1 {
				t.Errorf("%d of 64 concurrent claims won, want exactly 1", n)
			}
		}},
		{"ErrInvalidTTL", func(t *testing.T, s kv.Store) {
			for _, d := range []time.Duration{0, -time.Second} {
				_, err := s.ClaimNonce(t.Context(), "nonce", d)
				wantErrIs(t, "ClaimNonce(ttl "+d.String()+")", err, berth.ErrInvalid)
			}
			if !claim(t, s, "nonce", time.Hour) {
				t.Error("claim after invalid ones refused: an invalid claim left state")
			}
		}},
	}
}

func incrTests() []test {
	return []test{
		{"CountsUp", func(t *testing.T, s kv.Store) {
			for want := int64(1); want <= 5; want++ {
				n, left := incr(t, s, "counter", time.Hour)
				if n != want {
					t.Errorf("Incr #%d = %d, want %d", want, n, want)
				}
				within(t, "time left", left, time.Hour-time.Minute, time.Hour)
			}
		}},
		{"KeysIndependent", func(t *testing.T, s kv.Store) {
			incr(t, s, "counter:a", time.Hour)
			incr(t, s, "counter:a", time.Hour)
			if n, _ := incr(t, s, "counter:b", time.Hour); n != 1 {
				t.Errorf("first Incr of another key = %d, want 1", n)
			}
		}},
		{"WindowNotExtended", func(t *testing.T, s kv.Store) {
			incr(t, s, "counter", time.Hour)
			// The window started before the first Incr returned and the
			// second runs after it is called, so at least the time between
			// those two moments has passed on the backend's clock, however
			// long each call queued on its way in or out.
			afterFirst := time.Now()
			time.Sleep(50 * time.Millisecond)
			beforeSecond := time.Now()
			_, left := incr(t, s, "counter", time.Hour)
			// A later increment must not restart the window: an extended one
			// would have nearly the whole hour left, 50ms above this bound.
			hi := time.Hour - beforeSecond.Sub(afterFirst) + msRounding
			within(t, "time left after 50ms", left, time.Hour-time.Minute, hi)
			_, left = incr(t, s, "counter", 10*time.Millisecond)
			within(t, "time left after Incr with a shorter window", left, time.Hour-time.Minute, time.Hour)
		}},
		{"WindowExpires", func(t *testing.T, s kv.Store) {
			start := time.Now()
			incr(t, s, "counter", ttl)
			incr(t, s, "counter", ttl)
			expiresAfter(t, start, ttl, func() bool {
				n, _ := count(t, s, "counter")
				return n > 0
			})
			n, left := incr(t, s, "counter", ttl)
			if n != 1 {
				t.Errorf("Incr after the window = %d, want 1", n)
			}
			within(t, "new window", left, ttl/2, ttl)
		}},
		{"ByAddsAndKeepsTheWindow", func(t *testing.T, s kv.Store) {
			n, left, err := s.IncrBy(t.Context(), "counter", 100, time.Hour)
			if err != nil || n != 100 {
				t.Fatalf("IncrBy 100 on a new counter = %d, %v; want 100", n, err)
			}
			within(t, "time left", left, time.Hour-time.Minute, time.Hour)
			if n, _ = incr(t, s, "counter", time.Minute); n != 101 {
				t.Errorf("Incr after IncrBy 100 = %d, want 101", n)
			}
			n, left, err = s.IncrBy(t.Context(), "counter", 7, time.Minute)
			if err != nil || n != 108 {
				t.Errorf("IncrBy 7 = %d, %v; want 108", n, err)
			}
			within(t, "time left after a shorter window", left, time.Hour-time.Minute, time.Hour)
		}},
		{"ByRefusesLessThanOne", func(t *testing.T, s kv.Store) {
			for _, by := range []int64{0, -5} {
				_, _, err := s.IncrBy(t.Context(), "counter", by, time.Hour)
				wantErrIs(t, "IncrBy("+strconv.FormatInt(by, 10)+")", err, berth.ErrInvalid)
			}
			if n, _ := count(t, s, "counter"); n != 0 {
				t.Errorf("Count after refused IncrBy = %d, want 0", n)
			}
		}},
		{"ErrInvalidWindow", func(t *testing.T, s kv.Store) {
			for _, d := range []time.Duration{0, -time.Second} {
				_, _, err := s.Incr(t.Context(), "counter", d)
				wantErrIs(t, "Incr(window "+d.String()+")", err, berth.ErrInvalid)
			}
			if n, left := count(t, s, "counter"); n != 0 || left != 0 {
				t.Errorf("Count after invalid Incr = %d, %v; want 0, 0", n, left)
			}
		}},
	}
}

func countTests() []test {
	return []test{
		{"Missing", func(t *testing.T, s kv.Store) {
			if n, left := count(t, s, "counter"); n != 0 || left != 0 {
				t.Errorf("Count = %d, %v; want 0, 0", n, left)
			}
		}},
		{"MatchesIncr", func(t *testing.T, s kv.Store) {
			for range 3 {
				incr(t, s, "counter", time.Hour)
			}
			for range 2 { // Count must not count.
				n, left := count(t, s, "counter")
				if n != 3 {
					t.Errorf("Count = %d, want 3", n)
				}
				within(t, "time left", left, time.Hour-time.Minute, time.Hour)
			}
		}},
		{"AfterWindow", func(t *testing.T, s kv.Store) {
			start := time.Now()
			incr(t, s, "counter", ttl)
			expiresAfter(t, start, ttl, func() bool {
				n, _ := count(t, s, "counter")
				return n > 0
			})
			if n, left := count(t, s, "counter"); n != 0 || left != 0 {
				t.Errorf("Count after the window = %d, %v; want 0, 0", n, left)
			}
		}},
	}
}
