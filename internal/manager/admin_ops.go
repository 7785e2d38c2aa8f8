package manager

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/invoke"
)

// Admin views: the system's load, the audit log and recent errors. Every
// operation is for administrators (Metadata "admin": requireAuth answers
// 403 to anyone else); full_admin and viewer alike may read them.

// HealthCheck is one dependency's answer to a ping.
type HealthCheck struct {
	Status    string  `json:"status" enum:"ok,unreachable"`
	LatencyMS float64 `json:"latency_ms" doc:"How long the ping took (at most a second)."`
}

// HourTotals are every replica's invocations in the current UTC hour.
type HourTotals struct {
	Since       time.Time `json:"since" doc:"Start of the current UTC hour."`
	Invocations int64     `json:"invocations"`
	Errors      int64     `json:"errors"`
	ErrorRate   float64   `json:"error_rate"`
	P50MS       float64   `json:"p50_ms"`
	P95MS       float64   `json:"p95_ms"`
}

// AdminStats is the system's load.
type AdminStats struct {
	At                   time.Time        `json:"at"`
	WindowSeconds        int              `json:"window_seconds" doc:"Span of the per-second figures: the last minute."`
	InvocationsPerSecond float64          `json:"invocations_per_second" doc:"Invocations this process finished per second over the window."`
	ErrorsPerSecond      float64          `json:"errors_per_second" doc:"Of those, failed ones (status not success) per second."`
	ErrorRate            float64          `json:"error_rate" doc:"Failed / all invocations of this process over the window; 0 without any."`
	ThisHour             *HourTotals      `json:"this_hour" doc:"Every replica's invocations in the current UTC hour, from the roll-ups; null when the database cannot be read."`
	LiveInstances        map[string]int64 `json:"live_instances" doc:"Function instances running on this process now, by runtime (wasm: invocations in flight)."`
	WriteQueue           int              `json:"write_queue" doc:"Execution records this process has yet to write to the database."`
	Database             HealthCheck      `json:"database"`
	KV                   HealthCheck      `json:"kv" doc:"The shared store: Redis, or the in-process store."`
}

// AuditEntry is one audit event.
type AuditEntry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    string    `json:"actor_id,omitempty" doc:"Empty when the actor is unknown (a failed login for an unknown email)."`
	ActorEmail string    `json:"actor_email,omitempty"`
	Action     string    `json:"action" doc:"e.g. auth.login, function.deploy, api_key.revoke."`
	Target     string    `json:"target,omitempty"`
	ClientAddr string    `json:"client_addr,omitempty"`
	Outcome    string    `json:"outcome" enum:"success,failure"`
	Detail     string    `json:"detail,omitempty"`
}

// FailedExecution is a failed invocation of anyone's function.
type FailedExecution struct {
	Execution
	OwnerID string `json:"owner_id" format:"uuid"`
}

// APIError is one 5xx answer of this process.
type APIError struct {
	At          time.Time `json:"at"`
	Method      string    `json:"method"`
	Endpoint    string    `json:"endpoint" doc:"The route pattern, never the raw path."`
	Status      int       `json:"status"`
	ErrorDetail string    `json:"error_detail,omitempty" doc:"The problem type's code, e.g. internal or unavailable."`
	RequestID   string    `json:"request_id" doc:"Names the request's log line."`
	UserID      string    `json:"user_id,omitempty"`
}

// AdminErrors are recent failures across all users.
type AdminErrors struct {
	Executions []FailedExecution `json:"executions" doc:"Failed invocations (every status but success), newest first, from the database: every replica's."`
	APIErrors  []APIError        `json:"api_errors" doc:"The latest 5xx answers of this process (at most 200, kept in memory since it started), newest first; function failures (502 function-failed, 504 function-timeout) are in executions instead."`
	Mail       []FailedMail      `json:"mail" doc:"Mails given up after their attempts (every replica's), newest first; their text is never shown."`
}

// FailedMail is a mail berth gave up sending.
type FailedMail struct {
	ID        string    `json:"id" format:"uuid"`
	Recipient string    `json:"recipient"`
	Kind      string    `json:"kind" doc:"What it was: password-reset, email-verification, temporary-password, registration-taken."`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error"`
	QueuedAt  time.Time `json:"queued_at"`
	GivenUpAt time.Time `json:"given_up_at"`
}

type adminStatsOutput struct{ Body AdminStats }

type auditInput struct {
	PageParams
	Actor   string    `query:"actor" maxLength:"320" doc:"A user id, or an email (which selects that user's id)."`
	Target  string    `query:"target" maxLength:"100" doc:"Only events about this object: a user's, function's or key's id."`
	Subject string    `query:"subject" maxLength:"320" doc:"Only events by or about this account (a user id or an email): its audit trail."`
	Action  string    `query:"action" maxLength:"100" doc:"An exact action, e.g. auth.login."`
	Since   time.Time `query:"since" doc:"Only events at or after this RFC 3339 time."`
	Until   time.Time `query:"until" doc:"Only events before this RFC 3339 time."`
}

type auditOutput struct{ Body Page[AuditEntry] }

type adminErrorsInput struct {
	Limit int       `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"At most this many of each list."`
	Since time.Time `query:"since" doc:"Only failed executions started at or after this RFC 3339 time; default 24 hours ago."`
}

type adminErrorsOutput struct{ Body AdminErrors }

func (m *Manager) registerAdmin() {
	tags := []string{"admin"}
	admin := map[string]any{"admin": true}
	operation(m, huma.Operation{OperationID: "admin-stats", Method: http.MethodGet, Path: "/api/admin/stats", Tags: tags,
		Security: authenticated, Metadata: admin, Errors: []int{http.StatusForbidden},
		Summary:     "System load: invocations per second, error rate, live instances, database and Redis health, write queue",
		Description: "Per-second figures, live instances and the write queue are this process's; this_hour sums every replica's roll-ups."},
		m.adminStats)
	everyone := []*huma.Param{countParam("hours", maxHours, defaultHours)}
	operation(m, huma.Operation{OperationID: "admin-stats-hourly", Method: http.MethodGet, Path: "/api/admin/stats/hourly", Tags: tags,
		Security: authenticated, Metadata: admin, Errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity}, Parameters: everyone,
		Summary:     "Every function's invocations per hour",
		Description: "Zero-filled hourly series of every replica's roll-ups, oldest first, ending with the current (partial) UTC hour."},
		m.adminStatsHourly)
	operation(m, huma.Operation{OperationID: "admin-stats-daily", Method: http.MethodGet, Path: "/api/admin/stats/daily", Tags: tags,
		Security: authenticated, Metadata: admin, Errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		Parameters:  []*huma.Param{countParam("days", maxDays, defaultDays)},
		Summary:     "Every function's invocations per day",
		Description: "Zero-filled daily series of every replica's roll-ups, oldest first, ending with the current (partial) UTC day."},
		m.adminStatsDaily)
	operation(m, huma.Operation{OperationID: "admin-audit", Method: http.MethodGet, Path: "/api/admin/audit", Tags: tags,
		Security: authenticated, Metadata: admin, Errors: []int{http.StatusForbidden},
		Summary: "The audit log, newest first; filter by actor, action and time"}, m.adminAudit)
	operation(m, huma.Operation{OperationID: "admin-errors", Method: http.MethodGet, Path: "/api/admin/errors", Tags: tags,
		Security: authenticated, Metadata: admin, Errors: []int{http.StatusForbidden},
		Summary: "Recent failed executions across all users, and this process's recent 5xx answers"}, m.adminErrors)
	write := map[string]any{"admin": true, "adminWrite": true}
	m.registerAdminUsers(tags, admin, write)
	m.registerAdminAccounts(tags, admin, write)
	m.registerAdminImport(tags, write)
	m.registerPlugins(admin, write)
	m.registerTiers(tags, admin, write)
	m.registerGroups(tags, admin, write)
	m.registerOrganizations(tags, admin, write)
	m.registerSettings(tags, admin, write)
}

func (m *Manager) adminStats(ctx context.Context, _ *struct{}) (*adminStatsOutput, error) {
	now := m.now().UTC()
	calls, failed := m.invoker.Load(now)
	out := AdminStats{At: now, WindowSeconds: invoke.LoadWindowSeconds,
		InvocationsPerSecond: float64(calls) / invoke.LoadWindowSeconds, ErrorsPerSecond: float64(failed) / invoke.LoadWindowSeconds,
		ErrorRate: ratio(failed, calls), LiveInstances: m.invoker.Live(),
		Database: m.check(ctx, "database", m.store.Ping), KV: m.check(ctx, "kv", m.kv.Ping)}
	if m.recorder != nil {
		out.WriteQueue = m.recorder.Pending()
	}
	hour := berth.Hourly.Truncate(now)
	if r, err := m.store.RollupTotal(ctx, berth.StatsScope{}, berth.Hourly, hour, hour.Add(time.Hour)); err == nil {
		out.ThisHour = &HourTotals{Since: hour, Invocations: r.Invocations, Errors: r.Errors, ErrorRate: r.ErrorRate(),
			P50MS: ms(r.Quantile(0.5)), P95MS: ms(r.Quantile(0.95))}
	} else {
		m.log.WarnContext(ctx, "admin stats: roll-ups not read", "event", "admin_stats", "error", err)
	}
	return &adminStatsOutput{Body: out}, nil
}

// check pings a dependency for at most a second.
func (m *Manager) check(ctx context.Context, name string, ping func(context.Context) error) HealthCheck {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	start := time.Now()
	err := ping(ctx)
	hc := HealthCheck{Status: "ok", LatencyMS: ms(float64(time.Since(start).Microseconds()))}
	if err != nil {
		hc.Status = "unreachable"
		m.log.WarnContext(ctx, "admin stats: dependency unreachable", "event", "admin_stats", "dependency", name, "error", err)
	}
	return hc
}

func (m *Manager) adminAudit(ctx context.Context, in *auditInput) (*auditOutput, error) {
	out := &auditOutput{Body: Page[AuditEntry]{Items: []AuditEntry{}, Page: in.Page, PerPage: in.PerPage}}
	actor := strings.TrimSpace(in.Actor)
	if strings.Contains(actor, "@") {
		u, err := m.userByEmail(ctx, actor)
		if errors.Is(err, berth.ErrNotFound) {
			return out, nil // nobody: no events
		}
		if err != nil {
			return nil, m.fail(ctx, err)
		}
		actor = u.ID
	}
	subject := strings.TrimSpace(in.Subject)
	if strings.Contains(subject, "@") {
		u, err := m.userByEmail(ctx, subject)
		if errors.Is(err, berth.ErrNotFound) {
			return out, nil
		}
		if err != nil {
			return nil, m.fail(ctx, err)
		}
		subject = u.ID
	}
	es, total, err := m.store.ListAudit(ctx, berth.AuditFilter{ActorID: actor, Target: strings.TrimSpace(in.Target), Subject: subject,
		Action: in.Action, Since: in.Since, Until: in.Until, Page: in.page()})
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	out.Body.Total = total
	for _, e := range es {
		out.Body.Items = append(out.Body.Items, AuditEntry{ID: e.ID, At: e.At, ActorID: e.ActorID, ActorEmail: e.ActorEmail,
			Action: e.Action, Target: e.Target, ClientAddr: e.ClientAddr, Outcome: string(e.Outcome), Detail: e.Detail})
	}
	return out, nil
}

// userByEmail finds an account by an email as typed; an email that does
// not normalise is nobody's.
func (m *Manager) userByEmail(ctx context.Context, email string) (*berth.User, error) {
	norm, err := berth.NormalizeEmail(email)
	if err != nil {
		return nil, berth.ErrNotFound
	}
	return m.store.UserByEmail(ctx, norm)
}

func (m *Manager) adminErrors(ctx context.Context, in *adminErrorsInput) (*adminErrorsOutput, error) {
	since := in.Since
	if since.IsZero() {
		since = m.now().Add(-24 * time.Hour)
	}
	es, err := m.store.RecentFailures(ctx, since, in.Limit)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	mails, err := m.store.FailedMail(ctx, since, in.Limit)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	out := AdminErrors{Executions: make([]FailedExecution, len(es)), APIErrors: m.apiErrors.recent(in.Limit), Mail: make([]FailedMail, len(mails))}
	for i := range es {
		out.Executions[i] = FailedExecution{Execution: executionOut(&es[i]), OwnerID: es[i].OwnerID}
	}
	for i, f := range mails {
		out.Mail[i] = FailedMail{ID: f.ID, Recipient: f.Recipient, Kind: f.Kind, Attempts: f.Attempts, LastError: f.LastError,
			QueuedAt: f.CreatedAt, GivenUpAt: f.UpdatedAt}
	}
	return &adminErrorsOutput{Body: out}, nil
}

// maxAPIErrors bounds the 5xx answers a process remembers.
const maxAPIErrors = 200

// noteServerError remembers a 5xx answer for GET /api/admin/errors. A
// function's own failure is its execution's record, not the platform's.
func (m *Manager) noteServerError(info *requestInfo, method, endpoint string, status int) {
	if info.errorDetail == codeFunctionFailed || info.errorDetail == codeFunctionTimeout {
		return
	}
	m.apiErrors.add(APIError{At: m.now().UTC(), Method: method, Endpoint: endpoint, Status: status,
		ErrorDetail: info.errorDetail, RequestID: info.id, UserID: info.userID})
}

// errorRing keeps the latest answers in a fixed ring.
type errorRing struct {
	mu   sync.Mutex
	buf  []APIError
	next int // where the next one goes
	n    int // how many are kept
}

func newErrorRing(size int) *errorRing { return &errorRing{buf: make([]APIError, size)} }

func (r *errorRing) add(e APIError) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf[r.next] = e
	r.next = (r.next + 1) % len(r.buf)
	r.n = min(r.n+1, len(r.buf))
}

// recent returns up to limit answers, newest first.
func (r *errorRing) recent(limit int) []APIError {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]APIError, 0, min(limit, r.n))
	for i := 1; i <= r.n && len(out) < limit; i++ {
		out = append(out, r.buf[(r.next-i+len(r.buf))%len(r.buf)])
	}
	return out
}
