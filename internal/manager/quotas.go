package manager

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/berth-platform/berth"
)

// Tier quotas where they happen. Each check reads the owner's tier through
// the cache; none makes a database round trip on the call path.
//   - functions per owner: initFunction creates within the limit, in one
//     transaction with the count (403 quota-exceeded);
//   - memory and timeout ceilings, artefact size: checked with the other
//     settings (422 naming the limit);
//   - concurrent calls per owner: counted on each manager (429);
//   - invocations per day: counted in the shared store (Redis with
//     several replicas) in blocks each replica reserves and spends locally,
//     so the limit is never exceeded; a replica's unspent block may refuse
//     calls early on another, at most (replicas-1) × block per day (429
//     with Retry-After until the UTC day ends);
//   - API requests per second per account: on each manager (429).

// quotas are the per-replica counters behind the limits.
type quotas struct {
	running sync.Map // owner id -> *atomic.Int64: calls running now
	daily   sync.Map // owner id -> *dailyBlock
	api     sync.Map // user id -> *apiLimiter
}

// dailyBlock is the part of an owner's daily quota this replica holds.
type dailyBlock struct {
	mu        sync.Mutex
	day       string // the UTC day it is for, 2006-01-02
	left      int64  // reserved calls not yet spent
	exhausted int64  // the limit under which the day's quota ran out; 0: not
}

type apiLimiter struct {
	rps int
	*rate.Limiter
}

// quotaError is a 429 quota-exceeded naming the limit.
func quotaError(limit, detail string, retryAfter int) error {
	return withRetryAfter(problem(http.StatusTooManyRequests, codeQuotaExceeded, "tier limit "+limit+" reached: "+detail), retryAfter)
}

// dailyBlockSize is how many calls a replica reserves at once under a
// daily limit: a hundredth of it, from 1 to 100.
func dailyBlockSize(limit int64) int64 { return min(max(limit/100, 1), 100) }

// dailyKey names an owner's counter of calls on day.
func dailyKey(ownerID, day string) string { return "quota:calls:" + ownerID + ":" + day }

// untilMidnight is the time left in now's UTC day.
func untilMidnight(now time.Time) time.Duration {
	now = now.UTC()
	return now.Truncate(24 * time.Hour).Add(24 * time.Hour).Sub(now)
}

// admitCall applies the owner's concurrency and daily quotas to a call of
// f, returning what releases it.
func (m *Manager) admitCall(ctx context.Context, f *berth.Function) (func(), error) {
	owner, err := m.cache.CachedUser(ctx, f.OwnerID)
	if err != nil {
		return nil, err
	}
	t, err := m.tierOf(ctx, owner)
	if err != nil {
		return nil, err
	}
	l := t.Limits
	release := func() {}
	if l.MaxConcurrentCalls > 0 {
		v, _ := m.quotas.running.LoadOrStore(owner.ID, new(atomic.Int64))
		n := v.(*atomic.Int64)
		if n.Add(1) > int64(l.MaxConcurrentCalls) {
			n.Add(-1)
			return nil, quotaError("max_concurrent_calls", strconv.Itoa(l.MaxConcurrentCalls)+" calls of this owner's functions are running "+
				"(tier "+t.Name+"); retry shortly", 1)
		}
		release = func() { n.Add(-1) }
	}
	if l.MaxInvocationsPerDay > 0 {
		if err := m.spendDaily(ctx, owner.ID, t, m.now()); err != nil {
			release()
			return nil, err
		}
	}
	return release, nil
}

// spendDaily spends one call of the owner's daily quota, reserving a new
// block from the shared counter when this replica's is spent.
func (m *Manager) spendDaily(ctx context.Context, ownerID string, t *berth.Tier, now time.Time) error {
	limit := t.Limits.MaxInvocationsPerDay
	day := now.UTC().Format(time.DateOnly)
	v, _ := m.quotas.daily.LoadOrStore(ownerID, &dailyBlock{})
	b := v.(*dailyBlock)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.day != day {
		b.day, b.left, b.exhausted = day, 0, 0
	}
	if b.left > 0 {
		b.left--
		return nil
	}
	left := untilMidnight(now)
	over := quotaError("max_invocations_per_day", strconv.FormatInt(limit, 10)+" calls of this owner's functions today (tier "+t.Name+
		"); the quota renews at midnight UTC", int(left.Seconds())+1)
	if b.exhausted == limit { // spent under this limit; a raised one is asked again
		return over
	}
	size := dailyBlockSize(limit)
	// The counter outlives the day by an hour, so that a replica whose
	// clock is a little behind still finds it.
	total, _, err := m.kv.IncrBy(ctx, dailyKey(ownerID, day), size, left+time.Hour)
	if err != nil {
		return err
	}
	start := total - size
	if start >= limit {
		b.exhausted = limit
		return over
	}
	b.left = min(size, limit-start) - 1
	return nil
}

// dailyUsed is how many calls of the owner's daily quota are spent or
// reserved today, across replicas.
func (m *Manager) dailyUsed(ctx context.Context, ownerID string, limit int64) (int64, error) {
	n, _, err := m.kv.Count(ctx, dailyKey(ownerID, m.now().UTC().Format(time.DateOnly)))
	if limit > 0 {
		n = min(n, limit)
	}
	return n, err
}

// runningCalls is how many calls of the owner's functions run on this replica.
func (m *Manager) runningCalls(ownerID string) int64 {
	if v, ok := m.quotas.running.Load(ownerID); ok {
		return v.(*atomic.Int64).Load()
	}
	return 0
}

// admitAPI applies the account's API request rate.
func (m *Manager) admitAPI(ctx context.Context, u *berth.User) error {
	t, err := m.tierOf(ctx, u)
	if err != nil {
		return err
	}
	rps := t.Limits.APIRequestsPerSecond
	if rps <= 0 {
		return nil
	}
	v, ok := m.quotas.api.Load(u.ID)
	if !ok || v.(*apiLimiter).rps != rps {
		v = &apiLimiter{rps: rps, Limiter: rate.NewLimiter(rate.Limit(rps), rps)}
		m.quotas.api.Store(u.ID, v)
	}
	if !v.(*apiLimiter).AllowN(m.now(), 1) {
		return quotaError("api_requests_per_second", strconv.Itoa(rps)+" API requests per second (tier "+t.Name+"); slow down", 1)
	}
	return nil
}

// pruneQuotas forgets the daily blocks of past days.
func (m *Manager) pruneQuotas(now time.Time) {
	day := now.UTC().Format(time.DateOnly)
	m.quotas.daily.Range(func(k, v any) bool {
		b := v.(*dailyBlock)
		b.mu.Lock()
		old := b.day != day
		b.mu.Unlock()
		if old {
			m.quotas.daily.Delete(k)
		}
		return true
	})
}

// checkTierSettings refuses function settings above the owner's tier: the
// memory and timeout ceilings (422 naming the limit) and making a function
// public without the public-functions feature role (403). Only what the
// change sets is checked, so a lowered ceiling does not lock existing
// functions out of other changes.
func (m *Manager) checkTierSettings(ctx context.Context, f *berth.Function, in *patchFunctionInput) error {
	owner, err := m.cache.CachedUser(ctx, f.OwnerID)
	if err != nil {
		return err
	}
	e, err := m.entitlementsOf(ctx, owner)
	if err != nil {
		return err
	}
	l, b := e.tier.Limits, &in.Body
	if b.MemoryMB != nil && l.MaxMemoryMB > 0 && *b.MemoryMB > l.MaxMemoryMB {
		return berth.Invalid("memory_mb", "is above the tier limit max_memory_mb of "+strconv.Itoa(l.MaxMemoryMB)+" (tier "+e.tier.Name+")")
	}
	if b.TimeoutMS != nil && l.MaxTimeoutMS > 0 && *b.TimeoutMS > l.MaxTimeoutMS {
		return berth.Invalid("timeout_ms", "is above the tier limit max_timeout_ms of "+strconv.Itoa(l.MaxTimeoutMS)+" (tier "+e.tier.Name+")")
	}
	if b.Visibility != nil && berth.Visibility(*b.Visibility) == berth.VisibilityPublic &&
		f.Settings.Visibility != berth.VisibilityPublic && !e.has(berth.FeaturePublicFunctions) {
		return problem(http.StatusForbidden, codeFeatureRole, "making a function public needs the feature role public-functions, "+
			"which the function's owner does not have (neither from tier "+e.tier.Name+" nor granted); ask an administrator")
	}
	return nil
}

// artefactLimit is the largest artefact the owner may deploy: the
// server's limit, or the tier's when lower.
func (m *Manager) artefactLimit(ctx context.Context, ownerID string) (int64, string, error) {
	owner, err := m.cache.CachedUser(ctx, ownerID)
	if err != nil {
		return 0, "", err
	}
	t, err := m.tierOf(ctx, owner)
	if err != nil {
		return 0, "", err
	}
	if l := t.Limits.MaxArtefactBytes; l > 0 && l < m.fn.MaxArtefactBytes {
		return l, "the tier limit max_artefact_bytes (tier " + t.Name + ")", nil
	}
	return m.fn.MaxArtefactBytes, "functions.max_artefact_bytes", nil
}

// Usage is one tier limit with the account's current use.
type Usage struct {
	Limit string `json:"limit" doc:"The limit's name, as in a tier's limits."`
	Max   int64  `json:"max" doc:"The limit; 0 means none."`
	Used  *int64 `json:"used,omitempty" doc:"Current use, where it is counted: functions owned, calls today (spent or reserved by a manager), calls running on the manager that answered."`
}

type usageOutput struct {
	Body struct {
		Tier   TierRef `json:"tier"`
		Limits []Usage `json:"limits"`
		// ResetsAt is when the daily invocation count starts again.
		ResetsAt time.Time `json:"resets_at" doc:"When the daily invocation count starts again (midnight UTC)."`
	}
}

func (m *Manager) getUsage(ctx context.Context, _ *struct{}) (*usageOutput, error) {
	return m.usageOf(ctx, PrincipalFrom(ctx).User)
}

// adminGetUsage is GET /api/admin/users/{id}/usage: one account's limits
// and use, as it sees them at GET /api/users/me/usage.
func (m *Manager) adminGetUsage(ctx context.Context, in *UserIDParam) (*usageOutput, error) {
	u, err := m.adminTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return m.usageOf(ctx, u)
}

// usageOf is each limit of the tier that covers u with u's current use.
// The running count is that of the manager that answers.
func (m *Manager) usageOf(ctx context.Context, u *berth.User) (*usageOutput, error) {
	t, err := m.tierOf(ctx, u)
	if err != nil {
		return nil, err
	}
	owned, err := m.store.CountOwnedFunctions(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	today, err := m.dailyUsed(ctx, u.ID, t.Limits.MaxInvocationsPerDay)
	if err != nil {
		return nil, err
	}
	running := m.runningCalls(u.ID)
	n := int64(owned)
	l := t.Limits
	out := &usageOutput{}
	out.Body.Tier = TierRef{ID: t.ID, Name: t.Name}
	now := m.now().UTC()
	out.Body.ResetsAt = now.Truncate(24 * time.Hour).Add(24 * time.Hour)
	out.Body.Limits = []Usage{
		{Limit: "max_functions", Max: int64(l.MaxFunctions), Used: &n},
		{Limit: "max_invocations_per_day", Max: l.MaxInvocationsPerDay, Used: &today},
		{Limit: "max_concurrent_calls", Max: int64(l.MaxConcurrentCalls), Used: &running},
		{Limit: "max_memory_mb", Max: int64(l.MaxMemoryMB)},
		{Limit: "max_timeout_ms", Max: int64(l.MaxTimeoutMS)},
		{Limit: "max_artefact_bytes", Max: l.MaxArtefactBytes},
		{Limit: "api_requests_per_second", Max: int64(l.APIRequestsPerSecond)},
	}
	return out, nil
}
