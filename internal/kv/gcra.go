package kv

import (
	"fmt"
	"math"
	"time"

	"github.com/berth-platform/berth"
)

// GCRA returns the two parameters of the generic cell rate algorithm that
// enforces l, so that every Store implements the same limiter:
//
//   - interval T = Period/Rate, the steady-state gap between two events;
//   - tolerance τ = (Burst-1)·T, how far the theoretical arrival time (TAT)
//     may run ahead of the clock. A Burst below 1 counts as 1.
//
// With TAT the stored value for the key (the current time when there is
// none or it is in the past), one RateLimit call at time now does:
//
//	if TAT-now > τ: refuse; RetryAfter = TAT-τ-now, ResetAfter = TAT-now
//	else: store TAT+T, expiring at TAT+T;
//	      Remaining = ⌊(τ-(TAT-now))/T⌋, ResetAfter = TAT+T-now
//
// So a fresh key admits Burst events at once, then one every T, and a
// refused event changes nothing. GCRA returns an error wrapping
// berth.ErrInvalid when Rate or Period is not positive, Burst is negative,
// or τ does not fit in a time.Duration.
func (l Limit) GCRA() (interval, tolerance time.Duration, err error) {
	if l.Rate <= 0 || l.Period <= 0 || l.Burst < 0 {
		return 0, 0, fmt.Errorf("kv: limit %d per %s burst %d: %w", l.Rate, l.Period, l.Burst, berth.ErrInvalid)
	}
	interval = max(l.Period/time.Duration(l.Rate), 1)
	extra := int64(max(l.Burst, 1) - 1)
	if extra > math.MaxInt64/int64(interval)/2 {
		return 0, 0, fmt.Errorf("kv: limit burst %d too large: %w", l.Burst, berth.ErrInvalid)
	}
	return interval, time.Duration(extra) * interval, nil
}
