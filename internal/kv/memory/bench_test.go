package memory

import (
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-platform/berth/internal/kv"
)

// BenchmarkClaimNonce claims a fresh nonce per operation from all Ps, as
// the signing proxy does; the map's growth is part of the cost.
func BenchmarkClaimNonce(b *testing.B) {
	s := New()
	defer s.Close()
	b.ReportAllocs()
	benchKeys(b, b.N, func(key string) {
		if ok, err := s.ClaimNonce(b.Context(), key, 5*time.Minute); !ok || err != nil {
			b.Errorf("ClaimNonce = %v, %v; want true, nil", ok, err)
		}
	})
}

// BenchmarkRateLimit checks events against 1024 keys from all Ps, as the
// edge does for client addresses.
func BenchmarkRateLimit(b *testing.B) {
	s := New()
	defer s.Close()
	l := kv.Limit{Rate: 100, Period: time.Second, Burst: 20}
	b.ReportAllocs()
	benchKeys(b, 1024, func(key string) {
		if _, err := s.RateLimit(b.Context(), key, l); err != nil {
			b.Errorf("RateLimit: %v", err)
		}
	})
}

// BenchmarkIncr counts failed logins on 1024 keys from all Ps.
func BenchmarkIncr(b *testing.B) {
	s := New()
	defer s.Close()
	b.ReportAllocs()
	benchKeys(b, 1024, func(key string) {
		if _, _, err := s.Incr(b.Context(), key, time.Minute); err != nil {
			b.Errorf("Incr: %v", err)
		}
	})
}

// BenchmarkShards compares one lock with the sharded map under parallel
// load: fresh nonces (a growing map) and rate limits on 1024 hot keys.
func BenchmarkShards(b *testing.B) {
	l := kv.Limit{Rate: 100, Period: time.Second, Burst: 20}
	for _, n := range []int{1, 8, shardCount, 128} {
		b.Run("ClaimNonce/shards="+strconv.Itoa(n), func(b *testing.B) {
			s := newStore(n, time.Hour)
			defer s.Close()
			benchKeys(b, b.N, func(key string) { _, _ = s.ClaimNonce(b.Context(), key, time.Minute) })
		})
		b.Run("RateLimit/shards="+strconv.Itoa(n), func(b *testing.B) {
			s := newStore(n, time.Hour)
			defer s.Close()
			benchKeys(b, 1024, func(key string) { _, _ = s.RateLimit(b.Context(), key, l) })
		})
	}
}

// benchKeys calls f from all Ps on keys made before the timer starts:
// a distinct key per call when n >= b.N, n keys in turn otherwise.
// Goroutines take keys in blocks so that handing them out does not contend.
func benchKeys(b *testing.B, n int, f func(key string)) {
	const block = 256
	if n >= b.N {
		// Each goroutine may take one block it does not use up.
		n = b.N + block*runtime.GOMAXPROCS(0)
	}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
	}
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i, end := 0, 0
		for pb.Next() {
			if i == end {
				i = int(next.Add(block) - block)
				end = i + block
			}
			f(keys[i%n])
			i++
		}
	})
}
