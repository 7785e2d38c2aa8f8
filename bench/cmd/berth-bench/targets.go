package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/berth-platform/berth/bench/load"
)

// The targets the team tracks. The report says of each table whether its
// rows meet them; the runs never fail on them.

// signedTarget is the least signed GET /api/users/me ÷ GET /health req/s
// ratio that the HTTP table's backend should reach, by its store.
func signedTarget(backend string) (float64, bool) {
	switch {
	case strings.HasPrefix(backend, "SQLite"):
		return 0.7, true
	case strings.HasPrefix(backend, "PostgreSQL"):
		return 0.5, true
	}
	return 0, false
}

// An invokeTarget is what signed POST /invoke should reach beside GET
// /health on the same server.
type invokeTarget struct {
	minRatio    float64       // invoke ÷ /health req/s, at each of concs
	concs       []int         // the concurrencies the ratio is checked at
	maxAddedP50 time.Duration // invoke p50 − /health p50 at one client; 0: none
}

// invokeTargetFor is the target of an invocation row (FunctionStats'
// Invoke[i].Backend).
func invokeTargetFor(row string) (invokeTarget, bool) {
	switch row {
	case invokeSQLite:
		return invokeTarget{minRatio: 0.5, concs: []int{1, 8, 64}, maxAddedP50: 150 * time.Microsecond}, true
	case invokePostgresRedis:
		return invokeTarget{minRatio: 0.35, concs: []int{1, 8, 64}}, true
	}
	return invokeTarget{}, false
}

// An invokeRow is an invocation pair with the /health run beside it (nil
// in reports that lack it).
type invokeRow struct {
	HTTPPair
	health *load.Result
}

// invokeRows pairs f's invocations with their /health runs.
func invokeRows(f *FunctionStats) []invokeRow {
	rows := make([]invokeRow, len(f.Invoke))
	for i, p := range f.Invoke {
		rows[i].HTTPPair = p
		if i < len(f.Health) {
			rows[i].health = &f.Health[i]
		}
	}
	return rows
}

// String states the target.
func (t invokeTarget) String() string {
	s := fmt.Sprintf("invoke ≥ %.2f× /health req/s at %s clients", t.minRatio, joinInts(t.concs))
	if t.maxAddedP50 > 0 {
		s += fmt.Sprintf(", ≤ %s added p50 over /health at 1 client", us(t.maxAddedP50))
	}
	return s
}

// check reports whether one backend's rows meet t, with the figures that
// decide it; a figure missing from rows fails the target.
func (t invokeTarget) check(rows []invokeRow) (bool, string) {
	met := true
	var figs []string
	byConc := map[int]invokeRow{}
	for _, r := range rows {
		byConc[r.Subject.Concurrency] = r
	}
	for _, c := range t.concs {
		r, ok := byConc[c]
		if !ok || r.health == nil {
			met = false
			figs = append(figs, fmt.Sprintf("no /health figure at %d", c))
			continue
		}
		ratio := r.Subject.RPS / max(r.health.RPS, 1)
		met = met && ratio >= t.minRatio
		figs = append(figs, fmt.Sprintf("×%.2f at %d", ratio, c))
	}
	if t.maxAddedP50 > 0 {
		if r, ok := byConc[1]; ok && r.health != nil {
			added := r.Subject.P50 - r.health.P50
			met = met && added <= t.maxAddedP50
			figs = append(figs, fmt.Sprintf("+%s p50 at 1", us(added)))
		} else {
			met = false
		}
	}
	return met, strings.Join(figs, ", ")
}

// metWord is how the report says a target is met or not.
func metWord(met bool) string {
	if met {
		return "met"
	}
	return "**not met**"
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
