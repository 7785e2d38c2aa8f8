package kvtest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-platform/berth/internal/kv"
)

func concurrencyTests() []test {
	return []test{
		{"IncrNoLostUpdates", func(t *testing.T, s kv.Store) {
			const workers, each = 16, 50
			var mu sync.Mutex
			seen := make(map[int64]int, workers*each)
			together(workers, func(int) {
				for range each {
					n, _, err := s.Incr(t.Context(), "counter", time.Hour)
					if err != nil {
						t.Errorf("Incr: %v", err)
						return
					}
					mu.Lock()
					seen[n]++
					mu.Unlock()
				}
			})
			for n := int64(1); n <= workers*each; n++ {
				if seen[n] != 1 {
					t.Errorf("count %d returned %d times, want once", n, seen[n])
				}
			}
			if n, _ := count(t, s, "counter"); n != workers*each {
				t.Errorf("Count = %d, want %d", n, workers*each)
			}
		}},
		{"IncrByBlocksDisjoint", func(t *testing.T, s kv.Store) {
			// Replicas reserving blocks of a quota: every block's end is
			// distinct, so no two replicas hold the same calls.
			const workers, each, block = 8, 25, 10
			var mu sync.Mutex
			ends := map[int64]bool{}
			together(workers, func(int) {
				for range each {
					n, _, err := s.IncrBy(t.Context(), "quota", block, time.Hour)
					if err != nil {
						t.Errorf("IncrBy: %v", err)
						return
					}
					mu.Lock()
					if ends[n] || n%block != 0 {
						t.Errorf("block end %d returned twice or not on a block boundary", n)
					}
					ends[n] = true
					mu.Unlock()
				}
			})
			if n, _ := count(t, s, "quota"); n != workers*each*block {
				t.Errorf("Count = %d, want %d", n, workers*each*block)
			}
		}},
		{"RateLimitNoOverAdmit", func(t *testing.T, s kv.Store) {
			const workers, each, burst = 16, 5, 10
			l := kv.Limit{Rate: 1, Period: time.Hour, Burst: burst}
			var allowed atomic.Int64
			together(workers, func(int) {
				for range each {
					res, err := s.RateLimit(t.Context(), "limit", l)
					if err != nil {
						t.Errorf("RateLimit: %v", err)
						return
					}
					if res.Allowed {
						allowed.Add(1)
					}
				}
			})
			if n := allowed.Load(); n != burst {
				t.Errorf("%d of %d concurrent events allowed, want %d", n, workers*each, burst)
			}
		}},
		{"SetGetDelete", func(t *testing.T, s kv.Store) {
			const workers, each = 8, 25
			together(workers, func(w int) {
				for i := range each {
					key := fmt.Sprintf("value:%d:%d", w, i)
					want := []byte(key)
					if err := s.Set(t.Context(), key, want, time.Hour); err != nil {
						t.Errorf("Set: %v", err)
						return
					}
					got, err := s.Get(t.Context(), key)
					if err != nil || string(got) != string(want) {
						t.Errorf("Get = %q, %v; want %q", got, err, want)
						return
					}
					if err := s.Delete(t.Context(), key); err != nil {
						t.Errorf("Delete: %v", err)
						return
					}
				}
			})
		}},
	}
}
