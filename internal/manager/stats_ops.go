package manager

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
)

// Stats answer from the roll-ups (berth.StatsStore), never from executions.
// The windows, all in UTC buckets and all ending with the current, partial
// bucket:
//   - 24 h: the current hour and the 23 before, the sum of hourly?hours=24;
//   - 7 d and 30 d: today and the 6 or 29 days before, the sums of
//     daily?days=7 and daily?days=30.
//
// Error rate, percentiles and top functions are over the 24 h window.

// Series bounds.
const (
	maxHours     = 168
	defaultHours = 24
	maxDays      = 90
	defaultDays  = 30
	topFunctions = 5
)

// SeriesPoint is one bucket of a series.
type SeriesPoint struct {
	Start       time.Time `json:"start" doc:"Start of the bucket (RFC 3339, UTC)."`
	Invocations int64     `json:"invocations"`
	Errors      int64     `json:"errors" doc:"Invocations whose status is not success."`
	P50MS       float64   `json:"p50_ms" doc:"Median duration in milliseconds, interpolated from the roll-up histogram; 0 without invocations."`
	P95MS       float64   `json:"p95_ms" doc:"95th percentile duration in milliseconds; 0 without invocations."`
}

// Series is a zero-filled series of buckets.
type Series struct {
	Granularity string        `json:"granularity" enum:"hour,day"`
	Points      []SeriesPoint `json:"points" doc:"Exactly the number of points asked for, oldest first; the last is the current, partial, hour or day."`
}

// TopFunction is one of the busiest functions of the last 24 hours.
type TopFunction struct {
	ID          string  `json:"id" format:"uuid"`
	Name        string  `json:"name" doc:"Empty for a function deleted since."`
	Invocations int64   `json:"invocations"`
	Errors      int64   `json:"errors"`
	ErrorRate   float64 `json:"error_rate"`
	AvgMS       float64 `json:"avg_ms"`
}

// Overview is the caller's totals.
type Overview struct {
	GeneratedAt    time.Time     `json:"generated_at"`
	Functions      int           `json:"functions" doc:"Your functions, those pending deletion included."`
	Invocations24h int64         `json:"invocations_24h" doc:"The current UTC hour and the 23 before."`
	Invocations7d  int64         `json:"invocations_7d" doc:"Today (UTC) and the 6 days before."`
	Invocations30d int64         `json:"invocations_30d" doc:"Today (UTC) and the 29 days before."`
	Errors24h      int64         `json:"errors_24h"`
	ErrorRate      float64       `json:"error_rate" doc:"errors_24h / invocations_24h; 0 without invocations."`
	P50MS          float64       `json:"p50_ms" doc:"Median duration over the 24 h window, in milliseconds."`
	P95MS          float64       `json:"p95_ms" doc:"95th percentile duration over the 24 h window, in milliseconds."`
	TopFunctions   []TopFunction `json:"top_functions" doc:"Up to 5 functions with the most invocations in the 24 h window, most first."`
}

// FunctionStats is one function's totals.
type FunctionStats struct {
	FunctionID     string    `json:"function_id" format:"uuid"`
	Name           string    `json:"name"`
	GeneratedAt    time.Time `json:"generated_at"`
	Invocations24h int64     `json:"invocations_24h" doc:"The current UTC hour and the 23 before."`
	Invocations7d  int64     `json:"invocations_7d" doc:"Today (UTC) and the 6 days before."`
	Invocations30d int64     `json:"invocations_30d" doc:"Today (UTC) and the 29 days before."`
	Errors24h      int64     `json:"errors_24h"`
	Timeouts24h    int64     `json:"timeouts_24h"`
	ColdStarts24h  int64     `json:"cold_starts_24h"`
	ErrorRate      float64   `json:"error_rate" doc:"errors_24h / invocations_24h; 0 without invocations."`
	P50MS          float64   `json:"p50_ms"`
	P95MS          float64   `json:"p95_ms"`
	P99MS          float64   `json:"p99_ms"`
	AvgMS          float64   `json:"avg_ms"`
	MaxMS          float64   `json:"max_ms"`
	BytesIn24h     int64     `json:"bytes_in_24h"`
	BytesOut24h    int64     `json:"bytes_out_24h"`
}

type overviewOutput struct{ Body Overview }

type functionStatsOutput struct{ Body FunctionStats }

type seriesOutput struct{ Body Series }

// The counts are strings so that the handler can name the parameter and
// its range in the problem (422, like every other validation error); the
// OpenAPI document describes them as the integers they are (countParam).
type hourlyInput struct {
	Hours string `query:"hours"`
}

type dailyInput struct {
	Days string `query:"days"`
}

type functionHourlyInput struct {
	IDParam
	Hours string `query:"hours"`
}

type functionDailyInput struct {
	IDParam
	Days string `query:"days"`
}

func countParam(name string, hi, def int) *huma.Param {
	lo, top := 1.0, float64(hi)
	return &huma.Param{Name: name, In: "query",
		Description: fmt.Sprintf("Number of points, 1–%d (default %d); anything else answers 422.", hi, def),
		Schema:      &huma.Schema{Type: "integer", Minimum: &lo, Maximum: &top, Default: def}}
}

func (m *Manager) registerStats() {
	tags := []string{"stats"}
	hours, days := []*huma.Param{countParam("hours", maxHours, defaultHours)}, []*huma.Param{countParam("days", maxDays, defaultDays)}
	hourly := "Zero-filled hourly series, oldest first, ending with the current (partial) UTC hour."
	daily := "Zero-filled daily series, oldest first, ending with the current (partial) UTC day."
	op := func(id, path, summary, desc string, params []*huma.Param) huma.Operation {
		var errs []int
		if params != nil {
			errs = append(errs, http.StatusUnprocessableEntity)
		}
		if strings.Contains(path, "{id}") {
			errs = append(errs, http.StatusNotFound)
		}
		return huma.Operation{OperationID: id, Method: http.MethodGet, Path: path, Tags: tags, Security: authenticated,
			Summary: summary, Description: desc, Parameters: params, Errors: errs}
	}
	operation(m, op("stats-overview", "/api/stats/overview", "Your totals: functions, invocations, errors, latency, busiest functions",
		"Invocations over 24 h, 7 d and 30 d; error rate, p50 and p95 and the top 5 functions over 24 h. Admins see their own functions here; "+
			"GET /api/admin/stats covers everyone.", nil), m.statsOverview)
	operation(m, op("stats-overview-hourly", "/api/stats/overview/hourly", "Your invocations per hour", hourly, hours), m.statsOverviewHourly)
	operation(m, op("stats-overview-daily", "/api/stats/overview/daily", "Your invocations per day", daily, days), m.statsOverviewDaily)
	operation(m, op("function-stats", "/api/functions/{id}/stats", "A function's totals: invocations, errors, timeouts, latency",
		"Invocations over 24 h, 7 d and 30 d; everything else over 24 h.", nil), m.functionStats)
	operation(m, op("function-stats-hourly", "/api/functions/{id}/stats/hourly", "A function's invocations per hour", hourly, hours),
		m.functionStatsHourly)
	operation(m, op("function-stats-daily", "/api/functions/{id}/stats/daily", "A function's invocations per day", daily, days),
		m.functionStatsDaily)
}

// windows are a scope's totals over the overview's windows.
type windows struct {
	day         berth.Rollup // the 24 h window
	week, month int64        // invocations over 7 and 30 days
	from, until time.Time    // the 24 h window
}

func (m *Manager) statsWindows(ctx context.Context, sc berth.StatsScope, now time.Time) (windows, error) {
	hour := berth.Hourly.Truncate(now)
	w := windows{from: hour.Add(-23 * time.Hour), until: hour.Add(time.Hour)}
	var err error
	if w.day, err = m.store.RollupTotal(ctx, sc, berth.Hourly, w.from, w.until); err != nil {
		return w, err
	}
	days, err := m.store.RollupSeries(ctx, sc, berth.Daily, berth.Daily.Truncate(now).Add(-29*24*time.Hour), 30)
	if err != nil {
		return w, err
	}
	for i, d := range days {
		w.month += d.Invocations
		if i >= len(days)-7 {
			w.week += d.Invocations
		}
	}
	return w, nil
}

func (m *Manager) statsOverview(ctx context.Context, _ *struct{}) (*overviewOutput, error) {
	u := PrincipalFrom(ctx).User
	sc := berth.StatsScope{OwnerID: u.ID}
	now := m.now().UTC()
	w, err := m.statsWindows(ctx, sc, now)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	_, n, err := m.store.ListFunctions(ctx, berth.FunctionFilter{OwnerID: u.ID, Page: berth.Page{Number: 1}})
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	top, err := m.store.TopFunctions(ctx, sc, berth.Hourly, w.from, w.until, topFunctions)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	out := Overview{GeneratedAt: now, Functions: n, Invocations24h: w.day.Invocations, Invocations7d: w.week, Invocations30d: w.month,
		Errors24h: w.day.Errors, ErrorRate: w.day.ErrorRate(), P50MS: ms(w.day.Quantile(0.5)), P95MS: ms(w.day.Quantile(0.95)),
		TopFunctions: make([]TopFunction, len(top))}
	for i, f := range top {
		out.TopFunctions[i] = TopFunction{ID: f.FunctionID, Name: f.Name, Invocations: f.Invocations, Errors: f.Errors,
			ErrorRate: ratio(f.Errors, f.Invocations), AvgMS: ms(float64(f.DurationUSSum) / float64(max(f.Invocations, 1)))}
	}
	return &overviewOutput{Body: out}, nil
}

func (m *Manager) functionStats(ctx context.Context, in *IDParam) (*functionStatsOutput, error) {
	f, err := m.readableFunction(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	now := m.now().UTC()
	w, err := m.statsWindows(ctx, berth.StatsScope{FunctionID: f.ID}, now)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	d := &w.day
	return &functionStatsOutput{Body: FunctionStats{FunctionID: f.ID, Name: f.Name, GeneratedAt: now,
		Invocations24h: d.Invocations, Invocations7d: w.week, Invocations30d: w.month, Errors24h: d.Errors,
		Timeouts24h: d.Timeouts, ColdStarts24h: d.ColdStarts, ErrorRate: d.ErrorRate(),
		P50MS: ms(d.Quantile(0.5)), P95MS: ms(d.Quantile(0.95)), P99MS: ms(d.Quantile(0.99)),
		AvgMS: ms(float64(d.DurationUSSum) / float64(max(d.Invocations, 1))), MaxMS: ms(float64(d.DurationUSMax)),
		BytesIn24h: d.BytesIn, BytesOut24h: d.BytesOut}}, nil
}

func (m *Manager) statsOverviewHourly(ctx context.Context, in *hourlyInput) (*seriesOutput, error) {
	return m.statsSeries(ctx, berth.StatsScope{OwnerID: PrincipalFrom(ctx).User.ID}, berth.Hourly, in.Hours)
}

func (m *Manager) statsOverviewDaily(ctx context.Context, in *dailyInput) (*seriesOutput, error) {
	return m.statsSeries(ctx, berth.StatsScope{OwnerID: PrincipalFrom(ctx).User.ID}, berth.Daily, in.Days)
}

// adminStatsHourly and adminStatsDaily are the series of every
// function: the empty scope.
func (m *Manager) adminStatsHourly(ctx context.Context, in *hourlyInput) (*seriesOutput, error) {
	return m.statsSeries(ctx, berth.StatsScope{}, berth.Hourly, in.Hours)
}

func (m *Manager) adminStatsDaily(ctx context.Context, in *dailyInput) (*seriesOutput, error) {
	return m.statsSeries(ctx, berth.StatsScope{}, berth.Daily, in.Days)
}

func (m *Manager) functionStatsHourly(ctx context.Context, in *functionHourlyInput) (*seriesOutput, error) {
	f, err := m.readableFunction(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return m.statsSeries(ctx, berth.StatsScope{FunctionID: f.ID}, berth.Hourly, in.Hours)
}

func (m *Manager) functionStatsDaily(ctx context.Context, in *functionDailyInput) (*seriesOutput, error) {
	f, err := m.readableFunction(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return m.statsSeries(ctx, berth.StatsScope{FunctionID: f.ID}, berth.Daily, in.Days)
}

// statsSeries answers n buckets of g ending with the current one; raw is
// the hours or days parameter as sent.
func (m *Manager) statsSeries(ctx context.Context, sc berth.StatsScope, g berth.Granularity, raw string) (*seriesOutput, error) {
	param, hi, def := "hours", maxHours, defaultHours
	if g == berth.Daily {
		param, hi, def = "days", maxDays, defaultDays
	}
	n, err := parseCount(param, raw, hi, def)
	if err != nil {
		return nil, err
	}
	last := g.Truncate(m.now())
	rs, err := m.store.RollupSeries(ctx, sc, g, last.Add(-time.Duration(n-1)*g.Duration()), n)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	out := Series{Granularity: string(g), Points: make([]SeriesPoint, len(rs))}
	for i := range rs {
		r := &rs[i]
		out.Points[i] = SeriesPoint{Start: r.Start, Invocations: r.Invocations, Errors: r.Errors,
			P50MS: ms(r.Quantile(0.5)), P95MS: ms(r.Quantile(0.95))}
	}
	return &seriesOutput{Body: out}, nil
}

// parseCount reads a count parameter: empty gives def; anything but a
// whole number from 1 to hi is a 422 validation problem naming it.
func parseCount(param, raw string, hi, def int) (int, error) {
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > hi {
		reason := fmt.Sprintf("must be a whole number from 1 to %d", hi)
		return 0, queryInvalid(param, reason)
	}
	return n, nil
}

// ms converts microseconds to milliseconds, rounded to the microsecond.
func ms(us float64) float64 { return math.Round(us) / 1000 }

func ratio(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// Retention: executions and roll-ups past their configured age are
// deleted by the minute job, in bounded batches so that a large backlog
// (after lowering a retention, or a long stop) never holds the database
// in one long transaction; at most pruneBatch × pruneMaxBatches rows of
// each kind go per run, the rest at the next.
const (
	pruneBatch      = 5000
	pruneMaxBatches = 100
)

func (m *Manager) applyRetention(ctx context.Context) {
	now := m.now()
	if r := m.stats.ExecutionRetention; r > 0 {
		m.prune(ctx, "executions", func(ctx context.Context) (int64, error) {
			return m.store.PruneExecutions(ctx, now.Add(-r), pruneBatch)
		})
	}
	for _, k := range []struct {
		g    berth.Granularity
		keep time.Duration
		what string
	}{{berth.Hourly, m.stats.HourlyRetention, "hourly roll-ups"}, {berth.Daily, m.stats.RollupRetention, "daily roll-ups"}} {
		if k.keep <= 0 {
			continue
		}
		m.prune(ctx, k.what, func(ctx context.Context) (int64, error) {
			return m.store.PruneRollups(ctx, k.g, k.g.Truncate(now.Add(-k.keep)), pruneBatch)
		})
	}
}

func (m *Manager) prune(ctx context.Context, what string, batch func(context.Context) (int64, error)) {
	var total int64
	for range pruneMaxBatches {
		n, err := batch(ctx)
		if err != nil {
			m.log.WarnContext(ctx, "retention: pruning failed", "event", "retention", "what", what, "error", err)
			break
		}
		total += n
		if n < pruneBatch || ctx.Err() != nil {
			break
		}
	}
	if total > 0 {
		m.log.InfoContext(ctx, "retention: pruned", "event", "retention", "what", what, "count", total)
	}
}
