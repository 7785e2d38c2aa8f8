package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// StatsPoint is one bucket (an hour or a day, UTC) of a series.
type StatsPoint struct {
	Start       time.Time `json:"start"`
	Invocations int64     `json:"invocations"`
	Errors      int64     `json:"errors"`
	P50MS       float64   `json:"p50_ms"`
	P95MS       float64   `json:"p95_ms"`
}

// StatsSeries is a zero-filled series, oldest first; the last point is the
// current, partial, hour or day.
type StatsSeries struct {
	Granularity string       `json:"granularity"` // "hour" or "day"
	Points      []StatsPoint `json:"points"`
}

// TopFunction is one of the busiest functions of the last 24 hours.
type TopFunction struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Invocations int64   `json:"invocations"`
	Errors      int64   `json:"errors"`
	ErrorRate   float64 `json:"error_rate"`
	AvgMS       float64 `json:"avg_ms"`
}

// StatsOverview is the caller's totals: invocations over 24 hours, 7 and
// 30 days; errors, latency and the busiest functions over 24 hours.
type StatsOverview struct {
	GeneratedAt    time.Time     `json:"generated_at"`
	Functions      int           `json:"functions"`
	Invocations24h int64         `json:"invocations_24h"`
	Invocations7d  int64         `json:"invocations_7d"`
	Invocations30d int64         `json:"invocations_30d"`
	Errors24h      int64         `json:"errors_24h"`
	ErrorRate      float64       `json:"error_rate"`
	P50MS          float64       `json:"p50_ms"`
	P95MS          float64       `json:"p95_ms"`
	TopFunctions   []TopFunction `json:"top_functions"`
}

// FunctionStats is one function's totals.
type FunctionStats struct {
	FunctionID     string    `json:"function_id"`
	Name           string    `json:"name"`
	GeneratedAt    time.Time `json:"generated_at"`
	Invocations24h int64     `json:"invocations_24h"`
	Invocations7d  int64     `json:"invocations_7d"`
	Invocations30d int64     `json:"invocations_30d"`
	Errors24h      int64     `json:"errors_24h"`
	Timeouts24h    int64     `json:"timeouts_24h"`
	ColdStarts24h  int64     `json:"cold_starts_24h"`
	ErrorRate      float64   `json:"error_rate"`
	P50MS          float64   `json:"p50_ms"`
	P95MS          float64   `json:"p95_ms"`
	P99MS          float64   `json:"p99_ms"`
	AvgMS          float64   `json:"avg_ms"`
	MaxMS          float64   `json:"max_ms"`
	BytesIn24h     int64     `json:"bytes_in_24h"`
	BytesOut24h    int64     `json:"bytes_out_24h"`
}

// StatsOverview returns the caller's totals.
func (c *Client) StatsOverview(ctx context.Context) (*StatsOverview, error) {
	var o StatsOverview
	return ptr(&o, c.Do(ctx, http.MethodGet, "/api/stats/overview", nil, &o))
}

// StatsHourly returns the caller's invocations per hour, the last hours
// (1–168) of them; StatsDaily per day (1–90 days).
func (c *Client) StatsHourly(ctx context.Context, hours int) (*StatsSeries, error) {
	return c.series(ctx, "/api/stats/overview/hourly", "hours", hours)
}

// StatsDaily returns the caller's invocations per day.
func (c *Client) StatsDaily(ctx context.Context, days int) (*StatsSeries, error) {
	return c.series(ctx, "/api/stats/overview/daily", "days", days)
}

// FunctionStats returns one function's totals.
func (c *Client) FunctionStats(ctx context.Context, id string) (*FunctionStats, error) {
	var s FunctionStats
	return ptr(&s, c.Do(ctx, http.MethodGet, "/api/functions/"+url.PathEscape(id)+"/stats", nil, &s))
}

// FunctionStatsHourly returns a function's invocations per hour.
func (c *Client) FunctionStatsHourly(ctx context.Context, id string, hours int) (*StatsSeries, error) {
	return c.series(ctx, "/api/functions/"+url.PathEscape(id)+"/stats/hourly", "hours", hours)
}

// FunctionStatsDaily returns a function's invocations per day.
func (c *Client) FunctionStatsDaily(ctx context.Context, id string, days int) (*StatsSeries, error) {
	return c.series(ctx, "/api/functions/"+url.PathEscape(id)+"/stats/daily", "days", days)
}

// series reads a series; n 0 takes the server's default length.
func (c *Client) series(ctx context.Context, path, param string, n int) (*StatsSeries, error) {
	if n > 0 {
		path += "?" + param + "=" + strconv.Itoa(n)
	}
	var s StatsSeries
	return ptr(&s, c.Do(ctx, http.MethodGet, path, nil, &s))
}
