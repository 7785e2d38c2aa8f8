package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berth-platform/berth/client"
)

// Series bounds of the server.
const (
	maxHours = 168
	maxDays  = 90
)

func (a *app) statsCommand() *cobra.Command {
	var out output
	var hourly, daily int
	cmd := &cobra.Command{
		Use:   "stats [NAME] [--hourly 24 | --daily 30]",
		Short: "Invocations, errors and latency, with a chart per hour or day",
		Long: `Show your totals (or one function's): invocations over 24 hours, 7 and 30
days, errors and latency over 24 hours, then a bar chart of invocations per
hour (--hourly N, 1–168, the default with 24) or per day (--daily N, 1–90).
Buckets are UTC hours and days; the last one is the current, partial one.
Errors show in red (▓ without colour). -o json or yaml prints
{"totals": …, "series": …}.`,
		Example: `  berth stats
  berth stats hello
  berth stats hello --hourly 168
  berth stats --daily 30 -o json`,
		Args: args(0, 1, "at most one function NAME"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			f := cmd.Flags()
			if f.Changed("hourly") && f.Changed("daily") {
				return usagef("--hourly and --daily: choose one")
			}
			if f.Changed("hourly") && (hourly < 1 || hourly > maxHours) {
				return usagef("--hourly %d: give 1 to %d hours", hourly, maxHours)
			}
			if f.Changed("daily") && (daily < 1 || daily > maxDays) {
				return usagef("--daily %d: give 1 to %d days", daily, maxDays)
			}
			if !f.Changed("daily") {
				daily = 0
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			if len(argv) == 1 {
				return a.functionStats(cmd, s, argv[0], hourly, daily, out)
			}
			return a.overviewStats(cmd, s, hourly, daily, out)
		}),
	}
	cmd.Flags().IntVar(&hourly, "hourly", 24, "a point per hour, for this many hours (1–168)")
	cmd.Flags().IntVar(&daily, "daily", 30, "a point per day, for this many days (1–90)")
	out.register(cmd)
	return a.contextFlags(cmd)
}

// statsOutput is what stats prints for scripts.
type statsOutput struct {
	Totals any                 `json:"totals"`
	Series *client.StatsSeries `json:"series"`
}

func (a *app) overviewStats(cmd *cobra.Command, s *session, hours, days int, out output) error {
	ctx := cmd.Context()
	o, err := s.c.StatsOverview(ctx)
	if err != nil {
		return err
	}
	series, err := seriesOf(days, func() (*client.StatsSeries, error) { return s.c.StatsDaily(ctx, days) },
		func() (*client.StatsSeries, error) { return s.c.StatsHourly(ctx, hours) })
	if err != nil {
		return err
	}
	return out.print(a.env.Stdout, statsOutput{o, series}, func(w io.Writer) error {
		fmt.Fprintf(w, "%d functions. Invocations: %d in 24 h, %d in 7 d, %d in 30 d.\n", o.Functions, o.Invocations24h, o.Invocations7d, o.Invocations30d)
		fmt.Fprintf(w, "Last 24 h: %s, p50 %s, p95 %s.\n\n", errorsText(o.Errors24h, o.ErrorRate), duration(o.P50MS), duration(o.P95MS))
		a.chart(w, series)
		if len(o.TopFunctions) == 0 {
			return nil
		}
		fmt.Fprintln(w, "\nBusiest functions, last 24 h:")
		t := newTable(w, false, "NAME", "INVOCATIONS", "ERRORS", "AVG")
		for _, f := range o.TopFunctions {
			name := f.Name
			if name == "" {
				name = f.ID + " (deleted)"
			}
			t.row(name, strconv.FormatInt(f.Invocations, 10), errorsCell(f.Errors, f.ErrorRate), duration(f.AvgMS))
		}
		return t.flush()
	})
}

func (a *app) functionStats(cmd *cobra.Command, s *session, ref string, hours, days int, out output) error {
	ctx := cmd.Context()
	f, err := s.resolveFunction(ctx, ref)
	if err != nil {
		return err
	}
	st, err := s.c.FunctionStats(ctx, f.ID)
	if err != nil {
		return err
	}
	series, err := seriesOf(days, func() (*client.StatsSeries, error) { return s.c.FunctionStatsDaily(ctx, f.ID, days) },
		func() (*client.StatsSeries, error) { return s.c.FunctionStatsHourly(ctx, f.ID, hours) })
	if err != nil {
		return err
	}
	return out.print(a.env.Stdout, statsOutput{st, series}, func(w io.Writer) error {
		fmt.Fprintf(w, "%s: %d invocations in 24 h, %d in 7 d, %d in 30 d.\n", f.Name, st.Invocations24h, st.Invocations7d, st.Invocations30d)
		fmt.Fprintf(w, "Last 24 h: %s, timeouts %d, cold starts %d; p50 %s, p95 %s, p99 %s, max %s; %s in, %s out.\n\n",
			errorsText(st.Errors24h, st.ErrorRate), st.Timeouts24h, st.ColdStarts24h, duration(st.P50MS), duration(st.P95MS),
			duration(st.P99MS), duration(st.MaxMS), size(st.BytesIn24h), size(st.BytesOut24h))
		a.chart(w, series)
		return nil
	})
}

// seriesOf reads the daily series when days is set, else the hourly one.
func seriesOf(days int, daily, hourly func() (*client.StatsSeries, error)) (*client.StatsSeries, error) {
	if days > 0 {
		return daily()
	}
	return hourly()
}

func errorsText(n int64, rate float64) string {
	switch n {
	case 0:
		return "no errors"
	case 1:
		return fmt.Sprintf("1 error (%.1f %%)", rate*100)
	}
	return fmt.Sprintf("%d errors (%.1f %%)", n, rate*100)
}

// errorsCell is errorsText for a table column.
func errorsCell(n int64, rate float64) string {
	if n == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (%.1f %%)", n, rate*100)
}

// chart writes the series as bars fitted to the terminal's width.
func (a *app) chart(w io.Writer, s *client.StatsSeries) {
	width := 40
	if fd, ok := fdOf(w); ok {
		if cols, _, err := term.GetSize(fd); err == nil && cols > 0 {
			width = min(60, max(10, cols-45))
		}
	}
	colour := a.env.colour(w)
	unit := "hour"
	if s.Granularity == "day" {
		unit = "day"
	}
	fmt.Fprintf(w, "Invocations per %s (UTC): %s success, %s errors\n", unit, paint(colour, green, "█"), paint(colour, red, errorBlock(colour)))
	for _, line := range chartLines(s.Points, s.Granularity == "day", colour, width) {
		fmt.Fprintln(w, line)
	}
}

// eighths end a bar with a partial block, by eighths of a cell.
var eighths = []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}

func errorBlock(colour bool) string {
	if colour {
		return "█"
	}
	return "▓"
}

// chartLines renders one line per point: the bucket's start, a bar of its
// invocations scaled to the largest (errors first, in red or ▓), the count,
// the errors and the p95.
func chartLines(points []client.StatsPoint, daily, colour bool, width int) []string {
	var top int64
	for _, p := range points {
		top = max(top, p.Invocations)
	}
	layout := "Jan 02 15:04"
	if daily {
		layout = "Mon Jan 02"
	}
	lines := make([]string, 0, len(points))
	for _, p := range points {
		errCells, eighthsLeft := barCells(p.Invocations, p.Errors, top, width)
		bar := paint(colour && errCells > 0, red, strings.Repeat(errorBlock(colour), errCells)) +
			paint(colour && eighthsLeft > 0, green, strings.Repeat("█", eighthsLeft/8)+eighths[eighthsLeft%8])
		drawn := errCells + (eighthsLeft+7)/8
		detail := fmt.Sprintf("%7d", p.Invocations)
		if p.Errors > 0 {
			detail += fmt.Sprintf("  %d err", p.Errors)
		}
		if p.Invocations > 0 {
			detail += "  p95 " + duration(p.P95MS)
		}
		lines = append(lines, p.Start.UTC().Format(layout)+"  "+bar+strings.Repeat(" ", max(0, width-drawn))+detail)
	}
	return lines
}

// barCells splits a bar of n invocations (e of them errors) scaled so
// that top fills width cells: whole cells of errors (at least one when
// there are any), then the rest in eighths of a cell (at least one eighth
// when there is any).
func barCells(n, e, top int64, width int) (errCells, okEighths int) {
	if top <= 0 || n <= 0 {
		return 0, 0
	}
	total := int(n * int64(width) * 8 / top)
	if e > 0 {
		errCells = max(1, int((e*int64(width)+top-1)/top))
	}
	okEighths = max(0, total-errCells*8)
	if n > e && okEighths == 0 {
		okEighths = 1
	}
	return errCells, okEighths
}
