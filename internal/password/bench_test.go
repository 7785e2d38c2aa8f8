package password

import (
	"context"
	"sync/atomic"
	"testing"
)

// BenchmarkHashOWASP measures the cost of one login, or one password change,
// at DefaultParams: the time and memory of a single argon2id hash.
func BenchmarkHashOWASP(b *testing.B) {
	h := NewHasher(DefaultParams(), 1, 0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(context.Background(), "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyParallel measures how many logins per second a Hasher with
// the default bound (2 × GOMAXPROCS hashes at once) sustains at DefaultParams
// when more callers than slots compete, and the memory that bound allows.
func BenchmarkVerifyParallel(b *testing.B) {
	h := NewHasher(DefaultParams(), 0, 0)
	encoded := mustHash(b, h, "correct horse battery staple")
	var failed atomic.Int64
	b.SetParallelism(4) // 4 × GOMAXPROCS callers: twice as many as slots
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ok, err := h.Verify(context.Background(), encoded, "correct horse battery staple")
			if !ok || err != nil {
				failed.Add(1)
			}
		}
	})
	if n := failed.Load(); n > 0 {
		b.Errorf("%d of %d verifications failed or were busy", n, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
	b.ReportMetric(float64(cap(h.slots)), "slots")
	b.ReportMetric(float64(cap(h.slots))*float64(h.params.Memory)/1024, "MiB-bound")
}
