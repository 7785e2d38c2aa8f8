package kvtest

import (
	"fmt"
	"testing"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/kv"
)

func rateLimitTests() []test {
	return []test{
		{"BurstThenRefuse", func(t *testing.T, s kv.Store) {
			l := kv.Limit{Rate: 10, Period: 10 * time.Second, Burst: 3} // one per second
			const T = time.Second
			start := time.Now()
			for i := 1; i <= 3; i++ {
				res := rateLimit(t, s, "limit", l)
				if !res.Allowed || res.Remaining != 3-i || res.RetryAfter != 0 {
					t.Errorf("event %d: %+v, want allowed with %d remaining", i, res, 3-i)
				}
				within(t, fmt.Sprintf("event %d ResetAfter", i), res.ResetAfter, time.Duration(i)*T-time.Since(start), time.Duration(i)*T)
			}
			res := rateLimit(t, s, "limit", l)
			if res.Allowed || res.Remaining != 0 {
				t.Errorf("event 4: %+v, want refused with 0 remaining", res)
			}
			within(t, "RetryAfter", res.RetryAfter, T-time.Since(start), T)
			within(t, "ResetAfter", res.ResetAfter, 3*T-time.Since(start), 3*T)
		}},
		{"RefusedNotRecorded", func(t *testing.T, s kv.Store) {
			l := kv.Limit{Rate: 10, Period: time.Second, Burst: 1} // one per 100ms
			const T = 100 * time.Millisecond
			start := time.Now()
			if !rateLimit(t, s, "limit", l).Allowed {
				t.Fatal("first event refused")
			}
			for i := range 5 {
				res := rateLimit(t, s, "limit", l)
				if res.Allowed {
					if time.Since(start) < T-early {
						t.Fatalf("refusal %d allowed after %v, want refused", i, time.Since(start))
					}
					t.Skip("machine too slow: a whole interval passed")
				}
				// Had refusals been recorded, each would push RetryAfter out by T.
				within(t, fmt.Sprintf("refusal %d RetryAfter", i), res.RetryAfter, T-time.Since(start), T)
			}
			// Refused until a whole interval after the first event, and no
			// longer: the stored state must outlive neither more nor less.
			expiresAfter(t, start, T, func() bool { return !rateLimit(t, s, "limit", l).Allowed })
		}},
		{"Refills", func(t *testing.T, s kv.Store) {
			l := kv.Limit{Rate: 20, Period: time.Second, Burst: 2} // one per 50ms
			const T = 50 * time.Millisecond
			start := time.Now()
			rateLimit(t, s, "limit", l)
			rateLimit(t, s, "limit", l)
			expiresAfter(t, start, T, func() bool { return !rateLimit(t, s, "limit", l).Allowed })
		}},
		{"FullAfterResetAfter", func(t *testing.T, s kv.Store) {
			l := kv.Limit{Rate: 20, Period: time.Second, Burst: 3} // one per 50ms
			var res kv.RateResult
			for range 3 {
				res = rateLimit(t, s, "limit", l)
			}
			time.Sleep(res.ResetAfter + early)
			if res = rateLimit(t, s, "limit", l); !res.Allowed || res.Remaining != 2 {
				t.Errorf("after ResetAfter: %+v, want allowed with a full burst (2 remaining)", res)
			}
		}},
		{"ZeroBurstMeansOne", func(t *testing.T, s kv.Store) {
			l := kv.Limit{Rate: 1, Period: time.Hour}
			if res := rateLimit(t, s, "limit", l); !res.Allowed || res.Remaining != 0 {
				t.Errorf("first event: %+v, want allowed with 0 remaining", res)
			}
			res := rateLimit(t, s, "limit", l)
			if res.Allowed {
				t.Errorf("second event: %+v, want refused", res)
			}
			within(t, "RetryAfter", res.RetryAfter, time.Hour-time.Minute, time.Hour)
		}},
		{"KeysIndependent", func(t *testing.T, s kv.Store) {
			l := kv.Limit{Rate: 1, Period: time.Hour, Burst: 1}
			rateLimit(t, s, "limit:a", l)
			if rateLimit(t, s, "limit:a", l).Allowed {
				t.Error("second event on a allowed, want refused")
			}
			if !rateLimit(t, s, "limit:b", l).Allowed {
				t.Error("first event on b refused, want allowed")
			}
		}},
		{"ErrInvalid", func(t *testing.T, s kv.Store) {
			for _, l := range []kv.Limit{
				{Rate: 0, Period: time.Second, Burst: 1},
				{Rate: -1, Period: time.Second, Burst: 1},
				{Rate: 1, Period: 0, Burst: 1},
				{Rate: 1, Period: -time.Second, Burst: 1},
				{Rate: 1, Period: time.Second, Burst: -1},
			} {
				_, err := s.RateLimit(t.Context(), "limit", l)
				wantErrIs(t, fmt.Sprintf("RateLimit(%+v)", l), err, berth.ErrInvalid)
			}
			l := kv.Limit{Rate: 1, Period: time.Hour, Burst: 2}
			if res := rateLimit(t, s, "limit", l); !res.Allowed || res.Remaining != 1 {
				t.Errorf("after invalid limits: %+v, want allowed with 1 remaining", res)
			}
		}},
	}
}
