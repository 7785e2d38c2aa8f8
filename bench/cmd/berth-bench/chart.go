package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/berth-platform/berth/bench/load"
)

// A chart is one latency distribution figure: each series is a load run,
// drawn as latency against percentile so that the baseline and its subject
// measured side by side in this run read against each other.
type chart struct {
	title  string
	series []*load.Result
}

// chartPalette keeps baselines grey-blue and subjects orange across charts.
var chartPalette = []color.Color{
	color.RGBA{R: 0x3b, G: 0x6e, B: 0xa8, A: 0xff},
	color.RGBA{R: 0xe0, G: 0x7b, B: 0x1a, A: 0xff},
	color.RGBA{R: 0x4c, G: 0x9a, B: 0x2a, A: 0xff},
	color.RGBA{R: 0x9b, G: 0x3b, B: 0xa8, A: 0xff},
}

// percentileCurve samples a sorted latency list at percentiles spread so
// that the tail (p90…p99.9) gets as many points as the body.
func percentileCurve(sorted []time.Duration) plotter.XYs {
	if len(sorted) == 0 {
		return nil
	}
	var pts plotter.XYs
	for i := 0; i <= 200; i++ {
		// 0 → p0, 100 → p90, 200 → p99.9: linear in -log10(1-p).
		q := 1 - math.Pow(10, -3*float64(i)/200)
		p := q * 100
		if i == 0 {
			p = 0.01
		}
		d := load.Percentile(sorted, p)
		pts = append(pts, plotter.XY{X: 3 * float64(i) / 200, Y: float64(d) / 1e3})
	}
	return pts
}

// percentileTicks labels the transformed percentile axis.
type percentileTicks struct{}

func (percentileTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for _, t := range []struct {
		x     float64
		label string
	}{{0, "p0"}, {math.Log10(2), "p50"}, {1, "p90"}, {2, "p99"}, {3, "p99.9"}} {
		if t.x >= lo && t.x <= hi {
			ts = append(ts, plot.Tick{Value: t.x, Label: t.label})
		}
	}
	return ts
}

// write renders the chart as SVG at path.
func (c chart) write(path string) error {
	p := plot.New()
	p.Title.Text = c.title
	p.X.Label.Text = "percentile"
	p.Y.Label.Text = "latency (µs, log scale)"
	p.X.Tick.Marker = percentileTicks{}
	p.X.Min, p.X.Max = 0, 3.25 // room for the last label, p99.9
	p.Title.Padding = vg.Points(8)
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = true
	drawn := 0
	for i, r := range c.series {
		pts := percentileCurve(r.Latencies)
		if len(pts) == 0 {
			continue
		}
		for j := range pts { // a log scale cannot show 0
			pts[j].Y = math.Max(pts[j].Y, 1)
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		line.Color = chartPalette[i%len(chartPalette)]
		line.Width = vg.Points(1.5)
		p.Add(line)
		p.Legend.Add(fmt.Sprintf("%s (c=%d)", r.Name, r.Concurrency), line)
		drawn++
	}
	if drawn == 0 {
		return fmt.Errorf("chart %q: no latencies", c.title)
	}
	return p.Save(7*vg.Inch, 4*vg.Inch, path)
}

// writeCharts renders the report's latency distributions next to the
// Markdown summary and returns the files' names, relative to dir, by title.
func writeCharts(dir, prefix string, r *Report) ([]chartFile, error) {
	var charts []chart
	for _, p := range r.HTTP {
		charts = append(charts, chart{
			title:  fmt.Sprintf("Signed GET vs /health — %s, c=%d", p.Backend, p.Subject.Concurrency),
			series: []*load.Result{&p.Baseline, &p.Subject},
		})
	}
	if wb := r.Web; wb != nil {
		for _, p := range append(append([]HTTPPair(nil), wb.Session...), wb.Nginx...) {
			charts = append(charts, chart{
				title:  fmt.Sprintf("%s, c=%d", p.Backend, p.Subject.Concurrency),
				series: []*load.Result{&p.Baseline, &p.Subject},
			})
		}
	}
	if f := r.Functions; f != nil {
		for _, row := range invokeRows(f) {
			c := chart{
				title:  fmt.Sprintf("Invoke vs direct wazero and /health — %s, c=%d", row.Backend, row.Subject.Concurrency),
				series: []*load.Result{&row.Baseline, &row.Subject},
			}
			if row.health != nil {
				c.series = append(c.series, row.health)
			}
			charts = append(charts, c)
		}
	}
	if c := r.Containers; c != nil {
		for _, p := range c.Invoke {
			charts = append(charts, chart{
				title:  fmt.Sprintf("Container invoke vs watchdog sockets, c=%d", p.Subject.Concurrency),
				series: []*load.Result{&p.Baseline, &p.Subject},
			})
		}
	}
	var files []chartFile
	for i, c := range charts {
		name := fmt.Sprintf("%s-%02d-%s.svg", prefix, i+1, slug(c.title))
		if err := c.write(filepath.Join(dir, name)); err != nil {
			return files, err
		}
		files = append(files, chartFile{Title: c.title, File: name})
	}
	return files, nil
}

type chartFile struct {
	Title string `json:"title"`
	File  string `json:"file"`
}

// slug turns a title into a short file-name part.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	out := b.String()
	if len(out) > 48 {
		out = out[:48]
	}
	return strings.TrimSuffix(out, "-")
}

// removeStaleCharts deletes an earlier run's charts for the same date.
func removeStaleCharts(dir, prefix string) {
	old, _ := filepath.Glob(filepath.Join(dir, prefix+"-[0-9][0-9]-*.svg"))
	for _, f := range old {
		_ = os.Remove(f)
	}
}
