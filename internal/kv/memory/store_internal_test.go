package memory

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/berth-platform/berth/internal/kv"
)

func (s *Store) len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}

func TestJanitor(t *testing.T) {
	t.Run("SweepsUnreadKeys", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newStore(4, time.Second)
			defer s.Close()
			for i := range 100 {
				if _, err := s.ClaimNonce(t.Context(), "short:"+strconv.Itoa(i), 500*time.Millisecond); err != nil {
					t.Fatalf("ClaimNonce: %v", err)
				}
			}
			if err := s.Set(t.Context(), "long", []byte("v"), time.Hour); err != nil {
				t.Fatalf("Set: %v", err)
			}
			if n := s.len(); n != 101 {
				t.Fatalf("%d entries before the sweep, want 101", n)
			}
			time.Sleep(1500 * time.Millisecond)
			synctest.Wait()
			if n := s.len(); n != 1 {
				t.Errorf("%d entries after the sweep, want 1 (the unexpired one)", n)
			}
		})
	})
	t.Run("CloseStopsIt", func(t *testing.T) {
		before := janitors()
		stores := make([]*Store, 5)
		for i := range stores {
			stores[i] = New()
		}
		waitJanitors(t, before+len(stores))
		for _, s := range stores {
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
		}
		waitJanitors(t, before)
	})
}

// waitJanitors waits up to a second for want janitors to be running: a
// goroutine shows in stacks a little after go starts it, and a janitor that
// Close waited for still has to unwind.
func waitJanitors(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for janitors() != want {
		if time.Now().After(deadline) {
			t.Fatalf("%d janitors running, want %d", janitors(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// janitors counts the goroutines running (*Store).janitor.
func janitors() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "memory.(*Store).janitor(")
		}
		buf = make([]byte, 2*len(buf))
	}
}

func TestGCRA(t *testing.T) {
	const T = 100 * time.Millisecond
	l := kv.Limit{Rate: 10, Period: time.Second, Burst: 3}
	interval, tolerance, err := l.GCRA()
	if err != nil || interval != T || tolerance != 2*T {
		t.Fatalf("GCRA() = %v, %v, %v; want %v, %v, nil", interval, tolerance, err, T, 2*T)
	}
	ms := int64(time.Millisecond)
	for _, tc := range []struct {
		name     string
		now, tat int64
		want     kv.RateResult
		wantTAT  int64
	}{
		{"Fresh", 1000 * ms, 0, kv.RateResult{Allowed: true, Remaining: 2, ResetAfter: T}, 1100 * ms},
		{"TATNow", 1000 * ms, 1000 * ms, kv.RateResult{Allowed: true, Remaining: 2, ResetAfter: T}, 1100 * ms},
		{"OneUsed", 1000 * ms, 1100 * ms, kv.RateResult{Allowed: true, Remaining: 1, ResetAfter: 2 * T}, 1200 * ms},
		{"PartlyRefilled", 1000 * ms, 1150 * ms, kv.RateResult{Allowed: true, Remaining: 0, ResetAfter: 250 * time.Millisecond}, 1250 * ms},
		{"LastOne", 1000 * ms, 1200 * ms, kv.RateResult{Allowed: true, Remaining: 0, ResetAfter: 3 * T}, 1300 * ms},
		{"Refused", 1000 * ms, 1300 * ms, kv.RateResult{RetryAfter: T, ResetAfter: 3 * T}, 1300 * ms},
		{"RefusedAlmost", 1000 * ms, 1201 * ms, kv.RateResult{RetryAfter: time.Millisecond, ResetAfter: 201 * time.Millisecond}, 1201 * ms},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, tat := gcra(tc.now, tc.tat, interval, tolerance)
			if got != tc.want || tat != tc.wantTAT {
				t.Errorf("gcra = %+v, %d; want %+v, %d", got, tat, tc.want, tc.wantTAT)
			}
		})
	}
}
