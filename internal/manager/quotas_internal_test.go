package manager

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-platform/berth"
	kvredis "github.com/berth-platform/berth/internal/kv/redis"
	"github.com/berth-platform/berth/internal/testenv"
)

// TestDailyQuotaAcrossReplicas: two managers sharing one Redis spend one
// owner's daily quota at once, eight callers each. Every call admitted is
// within the limit, and the limit is reached exactly: each manager spends
// what it reserved before it asks for more, so nothing is left stranded
// once both have been refused.
func TestDailyQuotaAcrossReplicas(t *testing.T) {
	shared, err := kvredis.New(t.Context(), testenv.RedisURL(), "berth-test-"+testenv.RandomSuffix(6)+":")
	if err != nil {
		testenv.Unavailable(t, "redis: %v", err)
	}
	t.Cleanup(func() { _ = shared.Close() })
	for _, limit := range []int64{7, 1000, 25_000} {
		now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC).Add(time.Duration(limit) * time.Hour * 24)
		replicas := []*Manager{{kv: shared, now: func() time.Time { return now }}, {kv: shared, now: func() time.Time { return now }}}
		tier := &berth.Tier{Name: "t", Limits: berth.TierLimits{MaxInvocationsPerDay: limit}}
		var admitted atomic.Int64
		var wg sync.WaitGroup
		for _, m := range replicas {
			for range 8 {
				wg.Go(func() {
					for {
						if err := m.spendDaily(t.Context(), "owner", tier, now); err != nil {
							return // refused: the day's quota is spent
						}
						admitted.Add(1)
					}
				})
			}
		}
		wg.Wait()
		if got := admitted.Load(); got != limit {
			t.Fatalf("limit %d: %d calls admitted across two replicas", limit, got)
		}
		// A raised limit is asked of the shared counter again (which also
		// counts the reservations refused at the end, a block per caller
		// at most).
		tier.Limits.MaxInvocationsPerDay = 2*limit + 16*dailyBlockSize(limit)
		if err := replicas[0].spendDaily(t.Context(), "owner", tier, now); err != nil {
			t.Fatalf("limit raised to %d: %v", tier.Limits.MaxInvocationsPerDay, err)
		}
	}
}
