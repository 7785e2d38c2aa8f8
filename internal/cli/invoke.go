package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-platform/berth/client"
)

// maxDataBytes caps a request body read from a file or standard input
// (the server's own limit is lower by default).
const maxDataBytes = 64 << 20

func (a *app) fnInvokeCommand() *cobra.Command {
	var data, key, method, path, server string
	var headers, query []string
	cmd := &cobra.Command{
		Use:   "invoke NAME [-d DATA | -d @FILE] [-H 'Name: value'] [--key KEY_ID]",
		Short: "Call a function; its body goes to stdout, the status line to stderr",
		Long: `Call a function through POST /api/functions/{id}/invoke, signed with the
context's keypair, and write its answer's body to standard output and its
status, execution id and time to standard error. A function that answers
400 or more ends the command with exit code 1 (its body is still printed).

With --key, the call is signed with one of the function's API keys (BF…)
instead; its secret is read from BERTH_SECRET_KEY, else from standard
input (asked on a terminal). Without a login, name the function by id and
give --server.

With --path (and optionally -X), the call goes to the HTTP trigger
/fn/{id}/PATH instead, with that method.`,
		Example: `  berth fn invoke hello -d 'Ada'
  berth fn invoke hello -d @request.json -H 'Content-Type: application/json'
  berth fn invoke hello --query name=Ada
  berth fn invoke hello -X GET --path /greet
  echo "$SECRET" | berth fn invoke 6f0c2a9e-… --key BFXXXXXXXXXXXXXXXX --server https://berth.example.com -d 'Ada'`,
		Args: args(1, 1, "a function NAME or id"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			hdr, err := parseHeaders(headers)
			if err != nil {
				return err
			}
			if key != "" && data == "@-" && a.env.Getenv("BERTH_SECRET_KEY") == "" {
				return usagef("-d @- and --key both want standard input: set BERTH_SECRET_KEY for the key's secret")
			}
			body, err := a.readData(data)
			if err != nil {
				return err
			}
			fid, c, err := a.invokeClient(cmd.Context(), argv[0], key, server)
			if err != nil {
				return err
			}
			method, target := invokeTarget(fid, method, path, query)
			if body != nil && hdr.Get("Content-Type") == "" {
				hdr.Set("Content-Type", "application/octet-stream")
			}
			start := time.Now()
			resp, err := c.Call(cmd.Context(), method, target, body, hdr)
			if err != nil {
				return err
			}
			return a.printAnswer(resp, time.Since(start))
		}),
	}
	f := cmd.Flags()
	f.StringVarP(&data, "data", "d", "", "request body; @FILE reads a file, @- standard input")
	f.StringArrayVarP(&headers, "header", "H", nil, "request header 'Name: value' (repeatable)")
	f.StringArrayVarP(&query, "query", "q", nil, "query parameter name=value (repeatable)")
	f.StringVar(&key, "key", "", "sign with this API key id (BF…) of the function; the secret comes from BERTH_SECRET_KEY or standard input")
	f.StringVarP(&method, "request", "X", "", "HTTP method, for the trigger (default POST)")
	f.StringVar(&path, "path", "", "call the HTTP trigger /fn/{id}/PATH instead of /invoke")
	f.StringVar(&server, "server", "", "the server, with --key and no login (default: the context's, or BERTH_SERVER)")
	return cmd
}

// invokeTarget is the method and path of a call: POST to /invoke, or with
// a sub-path or another method, the HTTP trigger /fn/{id}/PATH.
func invokeTarget(id, method, path string, query []string) (string, string) {
	target := "/api/functions/" + url.PathEscape(id) + "/invoke"
	method = strings.ToUpper(method)
	if path != "" || (method != "" && method != http.MethodPost) {
		target = "/fn/" + url.PathEscape(id) + "/" + strings.TrimPrefix(path, "/")
	}
	if method == "" {
		method = http.MethodPost
	}
	if len(query) > 0 {
		q := url.Values{}
		for _, kv := range query {
			k, v, _ := strings.Cut(kv, "=")
			q.Add(k, v)
		}
		target += "?" + q.Encode()
	}
	return method, target
}

// printAnswer writes a function's body to stdout and its status line to
// stderr; a status of 400 or more ends the command with exit code 1.
func (a *app) printAnswer(resp *client.Response, took time.Duration) error {
	if _, err := a.env.Stdout.Write(resp.Body); err != nil {
		return err
	}
	if len(resp.Body) > 0 && resp.Body[len(resp.Body)-1] != '\n' && isTerminal(a.env.Stdout) {
		fmt.Fprintln(a.env.Stdout) // keep the prompt and the status line off the body's last line
	}
	code := green
	if resp.Status >= 400 {
		code = red
	}
	status := paint(a.env.colour(a.env.Stderr), code, strconv.Itoa(resp.Status)+" "+http.StatusText(resp.Status))
	fmt.Fprintf(a.env.Stderr, "%s  execution %s  %s\n", status, resp.ExecutionID, took.Round(100*time.Microsecond))
	if resp.Status >= 400 {
		return quietError{ExitError}
	}
	return nil
}

// invokeClient returns the function's id and the client to call it with:
// the context's keypair, or the API key given with --key.
func (a *app) invokeClient(ctx context.Context, ref, key, server string) (string, *client.Client, error) {
	if key == "" {
		s, err := a.session()
		if err != nil {
			return "", nil, err
		}
		f, err := s.resolveFunction(ctx, ref)
		if err != nil {
			return "", nil, err
		}
		return f.ID, s.c, nil
	}
	secret := a.env.Getenv("BERTH_SECRET_KEY")
	if secret == "" {
		var err error
		if isTerminal(a.env.Stdin) {
			secret, err = a.env.promptSecret("secret of "+key, "")
		} else {
			secret, err = a.env.readStdinSecret("secret for --key (pipe it in, or set BERTH_SECRET_KEY)")
		}
		if err != nil {
			return "", nil, err
		}
	}
	id := ref
	s, serr := a.session()
	if !isUUID(ref) {
		if serr != nil {
			return "", nil, UsageError{fmt.Errorf("with --key and no login, name the function by its id: an API key cannot look names up (%s)", Message(serr))}
		}
		f, err := s.resolveFunction(ctx, ref)
		if err != nil {
			return "", nil, err
		}
		id = f.ID
	}
	if server == "" {
		server = a.env.Getenv("BERTH_SERVER")
	}
	if server == "" && serr == nil {
		server = s.ctx.Server
	}
	if server == "" {
		return "", nil, usagef("--server is needed with --key when no context is logged in")
	}
	c, err := a.newClient(normaliseServer(server), client.WithKeypair(key, secret))
	return id, c, err
}

// parseHeaders reads 'Name: value' flags.
func parseHeaders(hs []string) (http.Header, error) {
	h := http.Header{}
	for _, kv := range hs {
		k, v, ok := strings.Cut(kv, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, usagef("header %q must be 'Name: value'", kv)
		}
		h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return h, nil
}

// readData reads -d: text as is, @FILE a file, @- standard input. No -d
// is no body (nil).
func (a *app) readData(d string) ([]byte, error) {
	name, isFile := strings.CutPrefix(d, "@")
	switch {
	case d == "":
		return nil, nil
	case !isFile:
		return []byte(d), nil
	case name == "-":
		return readCapped(a.env.stdin(), "-d @-")
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, UsageError{fmt.Errorf("-d @%s: %w", name, err)}
	}
	defer f.Close()
	return readCapped(f, "-d @"+name)
}

func readCapped(r io.Reader, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxDataBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(b) > maxDataBytes {
		return nil, fmt.Errorf("%s: larger than 64 MiB", what)
	}
	return b, nil
}

func (a *app) fnLogsCommand() *cobra.Command {
	var out output
	var follow bool
	var since string
	var limit int
	cmd := &cobra.Command{
		Use:   "logs NAME [--follow] [--since 1h]",
		Short: "Print a function's recent log lines; --follow streams new ones",
		Long: `Print the lines functions wrote on standard error, across invocations, oldest
first: the time, the execution id and the line. --since takes a duration
back from now (30m, 1h, 2d) or an RFC 3339 time; the default is one hour.
--follow keeps printing new lines until Ctrl-C (the server ends a stream
after an hour). -o json prints a JSON array, or with --follow one JSON
object per line.`,
		Example: `  berth fn logs hello
  berth fn logs hello --since 24h --limit 1000
  berth fn logs hello --follow
  berth fn logs hello --follow -o json | jq .line`,
		Args: args(1, 1, "a function NAME or id"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			from, err := parseSince(since, time.Now())
			if err != nil {
				return err
			}
			if limit < 1 || limit > 1000 {
				return usagef("--limit must be between 1 and 1000")
			}
			s, f, err := a.function(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			if follow {
				return a.followLogs(cmd.Context(), s, f.ID, from, out)
			}
			lines, err := s.c.Logs(cmd.Context(), f.ID, from, limit)
			if err != nil {
				return err
			}
			if lines == nil {
				lines = []client.LogLine{}
			}
			return out.print(a.env.Stdout, lines, func(w io.Writer) error {
				for _, l := range lines {
					a.printLogLine(w, l)
				}
				return nil
			})
		}),
	}
	fl := cmd.Flags()
	fl.BoolVarP(&follow, "follow", "f", false, "keep printing new lines as they come")
	fl.StringVar(&since, "since", "1h", "lines since this long ago (30m, 1h, 2d) or an RFC 3339 time")
	fl.IntVar(&limit, "limit", 200, "at most this many lines (1–1000; not with --follow)")
	out.register(cmd)
	return cmd
}

func (a *app) followLogs(ctx context.Context, s *session, id string, from time.Time, out output) error {
	err := s.c.FollowLogs(ctx, id, from, func(l client.LogLine) error {
		switch out.format {
		case "json":
			b, _ := jsonLine(l)
			_, err := a.env.Stdout.Write(b)
			return err
		case "yaml":
			fmt.Fprintln(a.env.Stdout, "---")
			return writeYAML(a.env.Stdout, l)
		}
		a.printLogLine(a.env.Stdout, l)
		return nil
	})
	if errors.Is(err, context.Canceled) {
		return nil // Ctrl-C ends a follow normally
	}
	return err
}

func (a *app) printLogLine(w io.Writer, l client.LogLine) {
	colour := a.env.colour(w)
	fmt.Fprintf(w, "%s %s %s\n", paint(colour, cyan, l.At.Local().Format("2006-01-02 15:04:05.000")), paint(colour, yellow, short(l.ExecutionID, 8)), l.Line)
}

// parseSince reads a duration back from now (with d for days) or an RFC
// 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return time.Time{}, usagef("--since %q: give a duration such as 30m, 1h or 2d, or an RFC 3339 time", s)
	}
	return now.Add(-d), nil
}
