package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-platform/berth/client"
)

// app holds what every client command shares: the environment and the
// --context flag.
type app struct {
	env         *Env
	contextFlag string
}

// Commands returns the client commands, for cmd/berth to add to its root.
func Commands(env *Env) []*cobra.Command {
	a := &app{env: env}
	return []*cobra.Command{
		a.loginCommand(),
		a.logoutCommand(),
		a.whoamiCommand(),
		a.contextCommand(),
		a.fnCommand(),
		a.keysCommand(),
		a.keypairCommand(),
		a.statsCommand(),
		a.adminCommand(),
		a.usageCommand(),
		a.signCommand(),
		a.curlCommand(),
		completionCommand(),
	}
}

// Guide lists the client commands for the short guide 'berth' prints.
const Guide = `Work with a server from this terminal:
  berth login --server URL       sign in; saves a keypair in ~/.config/berth/config.toml
  berth fn init hello            scaffold a function in ./hello and create it
  berth fn deploy hello          build, upload and activate a new version
  berth fn invoke hello -d Ada   call it
  berth fn list | logs | set     see and change functions
  berth keys create hello        an API key for others to call it
  berth stats                    invocations and latency at a glance
  berth curl /api/users/me       any API call, signed
`

// contextFlags adds --context to a command and its children.
func (a *app) contextFlags(cmd *cobra.Command) *cobra.Command {
	cmd.PersistentFlags().StringVar(&a.contextFlag, "context", "", "the context (server and keypair) to use; default: the current one, or BERTH_CONTEXT")
	return cmd
}

// group makes cmd a command that only holds subcommands: alone it prints
// its help; with an unknown subcommand it is a usage error.
func group(cmd *cobra.Command, subs ...*cobra.Command) *cobra.Command {
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usagef("unknown command %q for %q; run '%s --help'", args[0], c.CommandPath(), c.CommandPath())
		}
		return c.Help()
	}
	cmd.AddCommand(subs...)
	return cmd
}

// args checks the number of positional arguments: between min and max
// (max < 0: any), naming them in the error.
func args(minN, maxN int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if len(a) < minN || (maxN >= 0 && len(a) > maxN) {
			return usagef("%s needs %s, got %d argument(s); see '%s --help'", cmd.CommandPath(), names, len(a), cmd.CommandPath())
		}
		return nil
	}
}

// session is a command's connection to its context's server.
type session struct {
	c    *client.Client
	ctx  *Context
	name string
}

// session loads the configuration and connects with the context's keypair.
func (a *app) session() (*session, error) {
	cfg, err := loadConfig(a.env)
	if err != nil {
		return nil, err
	}
	name := cfg.contextName(a.contextFlag, a.env)
	ctx, err := cfg.use(name)
	if err != nil {
		return nil, err
	}
	if ctx.AccessKey == "" || ctx.SecretKey == "" {
		return nil, AuthError{fmt.Errorf("context %q has no keypair: run 'berth login --context %s'", name, name)}
	}
	c, err := a.newClient(ctx.Server, client.WithKeypair(ctx.AccessKey, ctx.SecretKey))
	if err != nil {
		return nil, err
	}
	return &session{c: c, ctx: ctx, name: name}, nil
}

func (a *app) newClient(server string, opts ...client.Option) (*client.Client, error) {
	version := a.env.Version
	if version == "" {
		version = "dev"
	}
	opts = append([]client.Option{client.WithHTTPClient(httpClient()), client.WithUserAgent("berth-cli/" + version)}, opts...)
	c, err := client.New(server, opts...)
	if err != nil {
		return nil, UsageError{fmt.Errorf("server %q: use an http:// or https:// URL such as http://127.0.0.1:8080", server)}
	}
	return c, nil
}

// authed wraps a command that uses the saved keypair: a 401 says how to
// get a working one (unless the command signed with --key).
func authed(run func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := run(cmd, args)
		if k := cmd.Flags().Lookup("key"); k != nil && k.Changed {
			return err // signed with an API key or another keypair, not the context's
		}
		if client.StatusOf(err) == 401 {
			return fmt.Errorf("%w; the saved keypair was refused: run 'berth login' again", err)
		}
		return err
	}
}

// notFoundError is a name or id that matches nothing.
type notFoundError struct{ msg string }

func (e notFoundError) Error() string { return e.msg }

// function opens the session and finds the function ref names: the
// first steps of every command that acts on one function.
func (a *app) function(ctx context.Context, ref string) (*session, *client.Function, error) {
	s, err := a.session()
	if err != nil {
		return nil, nil, err
	}
	f, err := s.resolveFunction(ctx, ref)
	return s, f, err
}

// resolveFunction finds a function by id or by name. A name matches
// exactly, among the caller's own functions (an admin lists everyone's, so
// owners are compared); other users' functions are reached by id.
func (s *session) resolveFunction(ctx context.Context, ref string) (*client.Function, error) {
	if ref == "" {
		return nil, usagef("a function name or id is needed")
	}
	if isUUID(ref) {
		f, err := s.c.Function(ctx, ref)
		if client.StatusOf(err) == 404 {
			return nil, notFoundError{"no function with id " + ref + " (or it is not yours)"}
		}
		return f, err
	}
	if !functionName.MatchString(ref) {
		return nil, notFoundError{fmt.Sprintf("no function named %q: a name is a lower-case DNS label ('berth fn list' shows yours)", ref)}
	}
	var matches []client.Function
	for page := 1; ; page++ {
		l, err := s.c.Functions(ctx, client.ListOptions{Name: ref, Page: page, PerPage: 100})
		if err != nil {
			return nil, err
		}
		for _, f := range l.Items {
			if f.Name == ref {
				matches = append(matches, f)
			}
		}
		if len(l.Items) < 100 || page*100 >= l.Total {
			break
		}
	}
	if len(matches) > 0 {
		owner, err := s.userID(ctx)
		if err != nil {
			return nil, err
		}
		mine := matches[:0]
		for _, f := range matches {
			if f.OwnerID == owner {
				mine = append(mine, f)
			}
		}
		matches = mine
	}
	switch len(matches) {
	case 0:
		return nil, notFoundError{fmt.Sprintf("no function named %q: 'berth fn list' shows yours; another user's function is named by its id", ref)}
	case 1:
		return &matches[0], nil
	}
	ids := make([]string, len(matches))
	for i, f := range matches {
		ids[i] = f.ID
	}
	return nil, fmt.Errorf("the name %q is ambiguous: give one of the ids %s", ref, strings.Join(ids, ", "))
}

// userID is the caller's id: saved at login, else asked of the server.
func (s *session) userID(ctx context.Context) (string, error) {
	if s.ctx.UserID != "" {
		return s.ctx.UserID, nil
	}
	me, err := s.c.Me(ctx)
	if err != nil {
		return "", err
	}
	s.ctx.UserID = me.ID
	return me.ID, nil
}

// isUUID reports whether s has the 8-4-4-4-12 hex form of an id.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
				return false
			}
		}
	}
	return true
}

// absURL joins the server URL and a path the API gave.
func absURL(server, path string) string {
	return strings.TrimRight(server, "/") + path
}
