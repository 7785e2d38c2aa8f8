package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// An earlierRun is the report a new one is set beside: the newest
// <date>.json of an earlier date in the same directory.
type earlierRun struct {
	file    string    // its name in the directory
	date    time.Time // when it ran
	figures figures
}

// findEarlier loads the newest report in dir dated before date (as in its
// name, 2006-01-02.json; other JSON files, such as -stats.json, are not
// reports). It returns nil when there is none.
func findEarlier(dir string, date time.Time) (*earlierRun, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	day := date.UTC().Format(time.DateOnly)
	newest := ""
	for _, path := range names {
		name := filepath.Base(path)
		d := name[:len(name)-len(".json")]
		if _, err := time.Parse(time.DateOnly, d); err != nil || d >= day {
			continue
		}
		newest = max(newest, name)
	}
	if newest == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(filepath.Join(dir, newest))
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", newest, err)
	}
	if r.Date.IsZero() {
		r.Date, _ = time.Parse(time.DateOnly, newest[:len(newest)-len(".json")])
	}
	return &earlierRun{file: newest, date: r.Date, figures: reportFigures(&r)}, nil
}

// A figureKey names one throughput figure of a report: a table (section),
// its row (backend or setup; package and benchmark), the concurrency (0
// for the Go benchmarks) and the column.
type figureKey struct {
	section, row string
	conc         int
	column       string
}

// The sections and columns of figureKeys.
const (
	secMicro      = "micro"
	secHTTP       = "http"
	secSession    = "web/session"
	secNginx      = "web/nginx"
	secFunctions  = "functions"
	secContainers = "containers"
	secExtBerth   = "ext/berth"
	secExtNginx   = "ext/nginx"

	colBaseline = "baseline" // req/s
	colSubject  = "subject"  // req/s
	colHealth   = "health"   // req/s of GET /health beside an invocation
	colNsPerOp  = "ns/op"
)

// figures are a report's throughput figures.
type figures map[figureKey]float64

// reportFigures indexes r's throughput figures.
func reportFigures(r *Report) figures {
	f := figures{}
	for _, m := range r.Micro {
		f[figureKey{secMicro, microRow(m), 0, colNsPerOp}] = m.NsPerOp
	}
	f.addPairs(secHTTP, r.HTTP)
	if r.Web != nil {
		f.addPairs(secSession, r.Web.Session)
		f.addPairs(secNginx, r.Web.Nginx)
	}
	if r.Functions != nil {
		for _, row := range invokeRows(r.Functions) {
			f.addPairs(secFunctions, []HTTPPair{row.HTTPPair})
			if row.health != nil {
				f[figureKey{secFunctions, row.Backend, row.Subject.Concurrency, colHealth}] = row.health.RPS
			}
		}
	}
	if r.Containers != nil {
		f.addPairs(secContainers, r.Containers.Invoke)
	}
	if r.Ext != nil {
		f.addPairs(secExtBerth, r.Ext.Berth)
		f.addPairs(secExtNginx, r.Ext.Nginx)
	}
	return f
}

func (f figures) addPairs(section string, pairs []HTTPPair) {
	for _, p := range pairs {
		c := p.Subject.Concurrency
		f[figureKey{section, p.Backend, c, colBaseline}] = p.Baseline.RPS
		f[figureKey{section, p.Backend, c, colSubject}] = p.Subject.RPS
	}
}

// microRow is a Go benchmark's row name: its package and name.
func microRow(m Micro) string { return m.Package + " " + m.Name }
