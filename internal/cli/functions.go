package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-platform/berth/client"
)

func (a *app) fnCommand() *cobra.Command {
	cmd := group(&cobra.Command{
		Use:     "fn",
		Aliases: []string{"function", "functions"},
		Short:   "Create, deploy, call and manage functions",
		Long: `Functions are named by name or by id everywhere. A name is looked up among
your own functions; another user's function (for an admin) is named by id.`,
		Example: `  berth fn init hello && berth fn deploy hello
  berth fn invoke hello -d 'Ada'
  berth fn list
  berth fn logs hello --follow`,
	},
		a.fnInitCommand(), a.fnDeployCommand(), a.fnListCommand(), a.fnGetCommand(), a.fnDeploymentsCommand(),
		a.fnExecutionsCommand(), a.fnInvokeCommand(), a.fnLogsCommand(), a.fnRollbackCommand(), a.fnDeleteCommand(),
		a.fnUndeleteCommand(), a.fnSetCommand(), a.fnSecretCommand())
	return a.contextFlags(cmd)
}

func (a *app) fnListCommand() *cobra.Command {
	var out output
	var status string
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List your functions (an admin's: everyone's)",
		Example: "  berth fn list\n  berth fn list --status pending_deletion\n  berth fn list -o json",
		Args:    args(0, 0, "no arguments"),
		RunE: authed(func(cmd *cobra.Command, _ []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			fs, err := allPages(func(page int) (*client.List[client.Function], error) {
				return s.c.Functions(cmd.Context(), client.ListOptions{Page: page, PerPage: 100, Status: status})
			})
			if err != nil {
				return err
			}
			return out.print(a.env.Stdout, fs, func(w io.Writer) error {
				if len(fs) == 0 {
					_, err := fmt.Fprintln(w, "No functions yet: 'berth fn init NAME' scaffolds one.")
					return err
				}
				now := time.Now()
				t := newTable(w, a.env.colour(w), "NAME", "ID", "RUNTIME", t0(a.env.colour(w), "STATUS"), "VERSION", "VISIBILITY", "UPDATED")
				for _, f := range fs {
					t.row(f.Name, f.ID, f.Runtime, t.status(f.Status), version(f.ActiveVersion), f.Settings.Visibility, ago(f.UpdatedAt, now))
				}
				return t.flush()
			})
		}),
	}
	cmd.Flags().StringVar(&status, "status", "", "only functions in this status: initialized, active or pending_deletion")
	out.register(cmd)
	return cmd
}

// t0 paints a header cell of a coloured column so that it lines up.
func t0(colour bool, s string) string { return paint(colour, plain, s) }

func version(v *int) string {
	if v == nil {
		return "-"
	}
	return strconv.Itoa(*v)
}

// allPages reads every page of a list.
func allPages[T any](get func(page int) (*client.List[T], error)) ([]T, error) {
	items := []T{}
	for page := 1; page <= 1000; page++ {
		l, err := get(page)
		if err != nil {
			return nil, err
		}
		items = append(items, l.Items...)
		if len(l.Items) == 0 || len(items) >= l.Total {
			break
		}
	}
	return items, nil
}

func (a *app) fnGetCommand() *cobra.Command {
	var out output
	cmd := &cobra.Command{
		Use:     "get NAME",
		Short:   "Show a function: version, settings, URLs and the last 24 hours",
		Example: "  berth fn get hello\n  berth fn get 6f0c2a9e-… -o yaml",
		Args:    args(1, 1, "a function NAME or id"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, f, err := a.function(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			if f.Recent == nil { // a list entry: read the full function
				if f, err = s.c.Function(cmd.Context(), f.ID); err != nil {
					return err
				}
			}
			return out.print(a.env.Stdout, f, func(w io.Writer) error { return a.printFunction(w, s, f) })
		}),
	}
	out.register(cmd)
	return cmd
}

func (a *app) printFunction(w io.Writer, s *session, f *client.Function) error {
	colour := a.env.colour(w)
	kv := []string{
		"Name", f.Name, "ID", f.ID, "Runtime", f.Runtime,
		"Status", paint(colour, statusColour(f.Status), f.Status),
		"Version", version(f.ActiveVersion),
		"Visibility", f.Settings.Visibility,
		"Memory", fmt.Sprintf("%d MB", f.Settings.MemoryMB),
		"Timeout", (time.Duration(f.Settings.TimeoutMS) * time.Millisecond).String(),
		"Concurrency", strconv.Itoa(f.Settings.MaxConcurrency),
	}
	if f.Description != "" {
		kv = append(kv, "Description", f.Description)
	}
	kv = append(kv, "Env", joinEnv(f.Settings.Env), "Secrets", joinKeys(f.Settings.Secrets))
	kv = append(kv, "Invoke URL", absURL(s.ctx.Server, f.InvokeURL), "Trigger URL", absURL(s.ctx.Server, f.TriggerURL))
	if f.Recent != nil {
		r := f.Recent
		recent := fmt.Sprintf("%d invocations, %d errors", r.Invocations, r.Errors)
		if r.Invocations > 0 {
			recent += ", avg " + duration(r.AvgDurationMS)
		}
		if r.LastAt != nil {
			recent += ", last " + ago(*r.LastAt, time.Now())
		}
		kv = append(kv, "Last 24 h", recent)
	}
	if f.DeleteAfter != nil {
		kv = append(kv, "Deleted after", f.DeleteAfter.Local().Format(time.RFC3339)+" (berth fn undelete "+f.Name+" cancels)")
	}
	kv = append(kv, "Created", f.CreatedAt.Local().Format(time.RFC3339), "Updated", f.UpdatedAt.Local().Format(time.RFC3339))
	return fields(w, kv...)
}

func joinEnv(env map[string]string) string {
	if len(env) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + env[k]
	}
	return strings.Join(parts, " ")
}

func joinKeys(m map[string]string) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, " ")
}

func (a *app) fnDeploymentsCommand() *cobra.Command {
	var out output
	cmd := &cobra.Command{
		Use:     "deployments NAME",
		Aliases: []string{"versions"},
		Short:   "List a function's versions, newest first",
		Example: "  berth fn deployments hello\n  berth fn deployments hello -o json",
		Args:    args(1, 1, "a function NAME or id"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, f, err := a.function(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			ds, err := allPages(func(page int) (*client.List[client.Deployment], error) {
				return s.c.Deployments(cmd.Context(), f.ID, client.ListOptions{Page: page, PerPage: 100})
			})
			if err != nil {
				return err
			}
			return out.print(a.env.Stdout, ds, func(w io.Writer) error {
				if len(ds) == 0 {
					_, err := fmt.Fprintf(w, "%s has no deployments yet: 'berth fn deploy' uploads one.\n", f.Name)
					return err
				}
				now := time.Now()
				colour := a.env.colour(w)
				t := newTable(w, colour, "VERSION", t0(colour, "STATUS"), "ACTIVE", "SIZE", "SHA256", "CREATED", "ERROR")
				for _, d := range ds {
					active := ""
					if d.Active {
						active = "*"
					}
					t.row(strconv.Itoa(d.Version), t.status(d.Status), active, size(d.Size), short(d.SHA256, 12), ago(d.CreatedAt, now), d.Error)
				}
				return t.flush()
			})
		}),
	}
	out.register(cmd)
	return cmd
}

func short(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func (a *app) fnExecutionsCommand() *cobra.Command {
	var out output
	var status string
	var limit int
	cmd := &cobra.Command{
		Use:     "executions NAME [EXECUTION_ID]",
		Aliases: []string{"execs"},
		Short:   "List a function's recent invocations, or show one with its logs",
		Example: `  berth fn executions hello
  berth fn executions hello --status error --limit 50
  berth fn executions hello 0b5f0d6e-…        # one invocation with its log lines`,
		Args: args(1, 2, "a function NAME or id, and optionally an EXECUTION_ID"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			if limit < 1 {
				return usagef("--limit must be at least 1")
			}
			s, f, err := a.function(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			if len(argv) == 2 {
				e, err := s.c.Execution(cmd.Context(), f.ID, argv[1])
				if err != nil {
					return err
				}
				return out.print(a.env.Stdout, e, func(w io.Writer) error { return a.printExecution(w, e) })
			}
			es, err := a.executions(cmd.Context(), s, f.ID, status, limit)
			if err != nil {
				return err
			}
			return out.print(a.env.Stdout, es, func(w io.Writer) error {
				if len(es) == 0 {
					_, err := fmt.Fprintf(w, "No invocations of %s recorded yet.\n", f.Name)
					return err
				}
				now := time.Now()
				colour := a.env.colour(w)
				t := newTable(w, colour, "ID", t0(colour, "STATUS"), "HTTP", "VERSION", "DURATION", "STARTED", "CALLER", "ERROR")
				for _, e := range es {
					t.row(e.ID, t.status(e.Status), strconv.Itoa(e.HTTPStatus), strconv.Itoa(e.Version), duration(e.DurationMS),
						ago(e.StartedAt, now), caller(e), short(e.Error, 60))
				}
				return t.flush()
			})
		}),
	}
	f := cmd.Flags()
	f.StringVar(&status, "status", "", "only this status: success, error, timeout, out_of_memory or rejected")
	f.IntVar(&limit, "limit", 20, "at most this many, newest first")
	out.register(cmd)
	return cmd
}

func (a *app) executions(ctx context.Context, s *session, id, status string, limit int) ([]client.Execution, error) {
	var es []client.Execution
	for page := 1; len(es) < limit; page++ {
		per := min(limit, 100)
		l, err := s.c.Executions(ctx, id, client.ListOptions{Page: page, PerPage: per, Status: status})
		if err != nil {
			return nil, err
		}
		es = append(es, l.Items...)
		if len(l.Items) < per {
			break
		}
	}
	if len(es) > limit {
		es = es[:limit]
	}
	if es == nil {
		es = []client.Execution{}
	}
	return es, nil
}

func caller(e client.Execution) string {
	if e.CallerKey != "" {
		return e.Caller + " " + e.CallerKey
	}
	return e.Caller
}

func (a *app) printExecution(w io.Writer, e *client.Execution) error {
	cold := "no"
	if e.ColdStart {
		cold = "yes"
	}
	kv := []string{"ID", e.ID, "Status", paint(a.env.colour(w), statusColour(e.Status), e.Status), "HTTP status", strconv.Itoa(e.HTTPStatus),
		"Version", strconv.Itoa(e.Version), "Started", e.StartedAt.Local().Format(time.RFC3339Nano), "Duration", duration(e.DurationMS),
		"Cold start", cold, "Bytes in/out", fmt.Sprintf("%d / %d", e.BytesIn, e.BytesOut), "Caller", caller(*e)}
	if e.Error != "" {
		kv = append(kv, "Error", e.Error)
	}
	if err := fields(w, kv...); err != nil {
		return err
	}
	if len(e.Logs) == 0 {
		_, err := fmt.Fprintln(w, "Logs:         (none)")
		return err
	}
	fmt.Fprintln(w, "Logs:")
	for _, l := range e.Logs {
		fmt.Fprintln(w, "  "+l)
	}
	return nil
}

func (a *app) fnRollbackCommand() *cobra.Command {
	var to int
	cmd := &cobra.Command{
		Use:     "rollback NAME --to VERSION",
		Short:   "Make an earlier (or later) ready version the active one",
		Example: "  berth fn rollback hello --to 2\n  berth fn deployments hello    # the versions to choose from",
		Args:    args(1, 1, "a function NAME or id"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			if to < 1 {
				return usagef("--to VERSION is required: the version to activate ('berth fn deployments %s' lists them)", argv[0])
			}
			s, f, err := a.function(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			f, err = s.c.Rollback(cmd.Context(), f.ID, to)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "%s now serves version %s.\n", f.Name, version(f.ActiveVersion))
			return nil
		}),
	}
	cmd.Flags().IntVar(&to, "to", 0, "the version to make active")
	return cmd
}

func (a *app) fnDeleteCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Schedule a function's deletion (it can be undone until the grace period ends)",
		Long: `Schedule the deletion of a function: it stops answering at once (410) and is
removed for good when the server's grace period (24 hours by default) ends.
Until then 'berth fn undelete NAME' restores it with its versions and keys.`,
		Example: "  berth fn delete hello\n  berth fn undelete hello",
		Args:    args(1, 1, "a function NAME or id"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, f, err := a.function(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			st, err := s.c.DeleteFunction(cmd.Context(), f.ID)
			if err != nil {
				return err
			}
			when := "at the end of the grace period"
			if st.DeleteAfter != nil {
				when = "after " + st.DeleteAfter.Local().Format(time.RFC3339)
			}
			fmt.Fprintf(a.env.Stdout, "%s is scheduled for deletion %s; 'berth fn undelete %s' cancels it.\n", f.Name, when, f.Name)
			return nil
		}),
	}
}

func (a *app) fnUndeleteCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "undelete NAME",
		Aliases: []string{"cancel-deletion"},
		Short:   "Cancel a scheduled deletion",
		Example: "  berth fn undelete hello",
		Args:    args(1, 1, "a function NAME or id"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, f, err := a.function(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			if f, err = s.c.CancelDeletion(cmd.Context(), f.ID); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "%s is restored (status %s).\n", f.Name, f.Status)
			return nil
		}),
	}
}
