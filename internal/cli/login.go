package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-platform/berth/client"
)

const defaultServer = "http://127.0.0.1:8080"

func (a *app) loginCommand() *cobra.Command {
	var server, email, sso string
	var passwordStdin, browser bool
	cmd := &cobra.Command{
		Use:   "login [--server URL] [--email EMAIL] [--password-stdin] [--sso [PROVIDER] [--browser]]",
		Short: "Sign in and save a keypair for this machine",
		Long: `Sign in with an email and password, create a long-lived keypair named
"berth CLI on <hostname>", end the password session, and save the server
and the keypair in the configuration file (~/.config/berth/config.toml, or
BERTH_CLI_CONFIG; mode 0600). Every other command signs its requests with it.

On a terminal berth asks for what is missing. From a script, pass --email
and pipe the password in with --password-stdin: berth never asks when
standard input is not a terminal.

--sso signs in through the server's OpenID provider instead (PROVIDER is
its id; needed only when the server offers several). Where the provider
offers the device flow, berth prints a code to enter on any device's
browser and waits; with --browser, or where there is no device flow, it
prints a link to open in a browser on this machine and waits for the
provider to send it back to a port on 127.0.0.1.

--context NAME saves the login under that name (several servers or
accounts side by side); the new login becomes the current context.
Logging in again to a context replaces its keypair and deletes the old one.`,
		Example: `  berth login --server https://berth.example.com
  berth login --server http://127.0.0.1:8080 --email admin@berth.local
  echo "$PASSWORD" | berth login --server "$URL" --email ci@example.com --password-stdin --context ci
  berth login --server https://berth.example.com --sso
  berth login --sso keycloak --browser`,
		Args: args(0, 1, "no arguments, or with --sso the PROVIDER"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			if len(argv) == 1 {
				if !cmd.Flags().Changed("sso") {
					return usagef("berth login takes no arguments; %q names a provider only after --sso", argv[0])
				}
				sso = argv[0]
			}
			if cmd.Flags().Changed("sso") {
				if email != "" || passwordStdin {
					return usagef("--sso signs in at the provider: leave out --email and --password-stdin")
				}
				return a.loginSSO(cmd.Context(), server, sso, browser)
			}
			if browser {
				return usagef("--browser goes with --sso")
			}
			return a.login(cmd.Context(), server, email, passwordStdin)
		},
	}
	f := cmd.Flags()
	f.StringVar(&server, "server", "", "the server's URL (default: the context's server, BERTH_SERVER, or "+defaultServer+")")
	f.StringVar(&email, "email", "", "the account's email (asked on a terminal when missing)")
	f.BoolVar(&passwordStdin, "password-stdin", false, "read the password from standard input (the first line)")
	f.StringVar(&sso, "sso", "", "sign in through the server's OpenID provider (its id when there are several)")
	f.Lookup("sso").NoOptDefVal = " "
	f.BoolVar(&browser, "browser", false, "with --sso: sign in through a browser on this machine, not with a device code")
	return a.contextFlags(cmd)
}

// loginStart reads the configuration and names the context and server
// a login goes to, with a client for that server.
func (a *app) loginStart(server string) (cfg *Config, name, srv string, c *client.Client, err error) {
	if cfg, err = loadConfig(a.env); err != nil {
		return nil, "", "", nil, err
	}
	name, srv = a.loginTarget(cfg, server)
	if !validContextName(name) {
		return nil, "", "", nil, usagef("--context %q: use letters, digits and - _ . : @ (at most 64)", name)
	}
	if c, err = a.newClient(srv); err != nil {
		return nil, "", "", nil, err
	}
	return cfg, name, srv, c, nil
}

func (a *app) login(ctx context.Context, server, email string, passwordStdin bool) error {
	cfg, name, server, c, err := a.loginStart(server)
	if err != nil {
		return err
	}
	if email == "" {
		if email, err = a.env.prompt("email", "pass --email and --password-stdin"); err != nil {
			return err
		}
	}
	var password string
	if passwordStdin {
		password, err = a.env.readStdinSecret("password for --password-stdin")
	} else {
		password, err = a.env.promptSecret("password for "+email, "pipe the password in with --password-stdin")
	}
	if err != nil {
		return err
	}
	tokens, err := c.Login(ctx, email, password)
	if err != nil {
		return err
	}
	bearer, err := a.newClient(server, client.WithBearer(tokens.AccessToken))
	if err != nil {
		return err
	}
	if tokens.User.PasswordChangeRequired {
		if err := a.choosePassword(ctx, bearer, password, passwordStdin); err != nil {
			_ = bearer.Logout(ctx, false)
			return err
		}
	}
	return a.finishLogin(ctx, cfg, name, server, bearer, tokens)
}

// finishLogin turns a login into the context's keypair: it makes the
// keypair, deletes the one it replaces, ends the login and saves the
// configuration.
func (a *app) finishLogin(ctx context.Context, cfg *Config, name, server string, bearer *client.Client, tokens *client.Tokens) error {
	if tokens.User.EmailVerificationRequired {
		if err := a.verifyEmail(ctx, bearer, tokens.User.Email); err != nil {
			_ = bearer.Logout(ctx, false)
			return err
		}
	}
	kp, err := bearer.CreateKeypair(ctx, "berth CLI on "+hostname())
	if err != nil {
		_ = bearer.Logout(ctx, false)
		return fmt.Errorf("create a keypair: %w", err)
	}
	old := cfg.Contexts[name]
	if old != nil && old.Server == server && old.AccessKey != "" && old.AccessKey != kp.AccessKey {
		// The keypair this login replaces stops working; an error (already
		// deleted, another account's) changes nothing worth reporting.
		_ = bearer.DeleteKeypair(ctx, old.AccessKey)
	}
	// The password session is not needed any more: the keypair is.
	_ = bearer.Logout(ctx, false)
	cfg.Contexts[name] = &Context{Server: server, Email: tokens.User.Email, UserID: tokens.User.ID,
		AccessKey: kp.AccessKey, SecretKey: kp.SecretKey, LoggedInAt: time.Now().UTC().Truncate(time.Second)}
	cfg.CurrentContext = name
	if err := cfg.save(); err != nil {
		_ = bearer.DeleteKeypair(ctx, kp.AccessKey)
		return err
	}
	fmt.Fprintf(a.env.Stdout, "Logged in to %s as %s (context %q, keypair %s).\n", server, tokens.User.Email, name, kp.AccessKey)
	return nil
}

// verifyEmail confirms the account's address with the mailed code, which
// the server requires before anything else: it asks for the code on the
// terminal, and for a new one when the first has expired or was lost.
func (a *app) verifyEmail(ctx context.Context, c *client.Client, email string) error {
	if !isTerminal(a.env.Stdin) {
		return usagef("this server requires a confirmed address, and %s is not confirmed yet: enter the six-digit code "+
			"from the mail in the dashboard, or run 'berth login' on a terminal", email)
	}
	fmt.Fprintf(a.env.Stderr, "This server requires a confirmed address: a six-digit code was mailed to %s.\n", email)
	for range 5 {
		code, err := a.env.prompt("code from the mail (or \"resend\")", "run berth login on a terminal")
		if err != nil {
			return err
		}
		if code == "resend" {
			if err := c.SendVerificationCode(ctx); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stderr, "A new code is on its way to %s.\n", email)
			continue
		}
		err = c.VerifyEmail(ctx, code)
		var ce *client.Error
		if errors.As(err, &ce) && ce.Status < 500 && ce.Status != http.StatusTooManyRequests {
			fmt.Fprintln(a.env.Stderr, ce.Detail)
			continue
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(a.env.Stderr, "Address confirmed.")
		return nil
	}
	return usagef("the address is still not confirmed; run berth login again to retry")
}

// choosePassword replaces a temporary password, which allows nothing else:
// it asks for a new one twice on the terminal.
func (a *app) choosePassword(ctx context.Context, c *client.Client, current string, stdin bool) error {
	if stdin || !isTerminal(a.env.Stdin) {
		return usagef("this account has a temporary password, which must be changed before anything else: " +
			"run 'berth login' on a terminal to choose a new one, or change it in the dashboard")
	}
	fmt.Fprintln(a.env.Stderr, "This account has a temporary password: choose your own (12 characters or more).")
	for {
		next, err := a.env.promptSecret("new password", "run berth login on a terminal")
		if err != nil {
			return err
		}
		again, err := a.env.promptSecret("new password again", "run berth login on a terminal")
		if err != nil {
			return err
		}
		if next != again {
			fmt.Fprintln(a.env.Stderr, "The two do not match; try again.")
			continue
		}
		_, err = c.UpdateMe(ctx, client.UpdateMe{Password: &next, CurrentPassword: &current})
		var ce *client.Error
		if errors.As(err, &ce) && ce.Status == http.StatusUnprocessableEntity {
			fmt.Fprintln(a.env.Stderr, ce.Detail)
			continue // the policy refused it: ask again
		}
		if err == nil {
			fmt.Fprintln(a.env.Stderr, "Password changed.")
		}
		return err
	}
}

// loginTarget picks the context a login writes and its server. The name
// is --context (or BERTH_CONTEXT), else the current context when the
// server is not given or is its server, else a context of that server,
// else "default" for the first login or a name made from the server's
// host. The server is --server, else BERTH_SERVER, else the context's,
// else the local default.
func (a *app) loginTarget(cfg *Config, server string) (name, srv string) {
	if server == "" {
		server = a.env.Getenv("BERTH_SERVER")
	}
	if server != "" {
		server = normaliseServer(server)
	}
	explicit := a.contextFlag
	if explicit == "" {
		explicit = a.env.Getenv("BERTH_CONTEXT")
	}
	switch cur := cfg.Contexts[cfg.CurrentContext]; {
	case explicit != "":
		name = explicit
	case cur != nil && (server == "" || sameServer(cur.Server, server)):
		name = cfg.CurrentContext
	default:
		for _, n := range cfg.names() {
			if server != "" && sameServer(cfg.Contexts[n].Server, server) {
				name = n
				break
			}
		}
	}
	if server == "" {
		if c := cfg.Contexts[name]; c != nil {
			server = c.Server
		} else {
			server = defaultServer
		}
	}
	if name == "" {
		name = "default"
		if u, err := url.Parse(server); err == nil && len(cfg.Contexts) > 0 && validContextName(u.Host) {
			name = u.Host
		}
		for i := 2; cfg.Contexts[name] != nil; i++ {
			name = fmt.Sprintf("%s-%d", strings.TrimSuffix(name, fmt.Sprintf("-%d", i-1)), i)
		}
	}
	return name, server
}

// normaliseServer completes a server given without a scheme: http for
// this machine, https otherwise.
func normaliseServer(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "://") && s != "" {
		if strings.HasPrefix(s, "localhost") || strings.HasPrefix(s, "127.") || strings.HasPrefix(s, "[::1]") {
			s = "http://" + s
		} else {
			s = "https://" + s
		}
	}
	return strings.TrimRight(s, "/")
}

func sameServer(a, b string) bool { return normaliseServer(a) == normaliseServer(b) }

func (a *app) logoutCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Delete this machine's keypair at the server and forget it",
		Long: `Delete the context's keypair at the server (it stops working at once) and
remove the context from the configuration file. When the server cannot be
reached, --force removes the context locally anyway (the keypair then stays
valid until deleted with 'berth keypair revoke' elsewhere).`,
		Example: `  berth logout
  berth logout --context staging
  berth logout --context old-laptop --force`,
		Args: args(0, 0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(a.env)
			if err != nil {
				return err
			}
			name := cfg.contextName(a.contextFlag, a.env)
			kctx, err := cfg.use(name)
			if err != nil {
				return err
			}
			if kctx.AccessKey != "" {
				err = a.deleteOwnKeypair(cmd.Context(), kctx)
				switch {
				case err == nil:
				case force:
					fmt.Fprintf(a.env.Stderr, "berth: warning: the keypair %s was not deleted at the server: %s\n", kctx.AccessKey, Message(err))
				default:
					return fmt.Errorf("%w (--force forgets the context anyway)", err)
				}
			}
			delete(cfg.Contexts, name)
			if cfg.CurrentContext == name {
				cfg.CurrentContext = ""
			}
			if err := cfg.save(); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Logged out of %s (context %q removed).\n", kctx.Server, name)
			if cfg.CurrentContext == "" && len(cfg.Contexts) > 0 {
				fmt.Fprintf(a.env.Stdout, "Other contexts: %s; choose one with 'berth context use NAME'.\n", strings.Join(cfg.names(), ", "))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "forget the context even when the server cannot delete the keypair")
	return a.contextFlags(cmd)
}

// deleteOwnKeypair deletes a context's keypair with itself; a keypair the
// server no longer knows (401) is as good as deleted.
func (a *app) deleteOwnKeypair(ctx context.Context, kctx *Context) error {
	c, err := a.newClient(kctx.Server, client.WithKeypair(kctx.AccessKey, kctx.SecretKey))
	if err != nil {
		return err
	}
	err = c.DeleteKeypair(ctx, kctx.AccessKey)
	if st := client.StatusOf(err); st == 401 || st == 404 {
		return nil
	}
	return err
}

func (a *app) whoamiCommand() *cobra.Command {
	var out output
	cmd := &cobra.Command{
		Use:     "whoami",
		Short:   "Show who the current context signs in as",
		Example: "  berth whoami\n  berth whoami --context staging -o json",
		Args:    args(0, 0, "no arguments"),
		RunE: authed(func(cmd *cobra.Command, _ []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			me, err := s.c.Me(cmd.Context())
			if err != nil {
				return err
			}
			type whoami struct {
				*client.User
				Context   string `json:"context"`
				Server    string `json:"server"`
				AccessKey string `json:"access_key"`
			}
			return out.print(a.env.Stdout, whoami{me, s.name, s.ctx.Server, s.ctx.AccessKey}, func(w io.Writer) error {
				role := me.Role
				if me.AdminRole != "" {
					role += ", " + me.AdminRole
				}
				_, err := fmt.Fprintf(w, "%s (%s) on %s, context %q, keypair %s\n", me.Email, role, s.ctx.Server, s.name, s.ctx.AccessKey)
				return err
			})
		}),
	}
	out.register(cmd)
	return a.contextFlags(cmd)
}

func (a *app) contextCommand() *cobra.Command {
	var out output
	list := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the saved contexts; * marks the current one",
		Example: "  berth context list\n  berth context list -o json",
		Args:    args(0, 0, "no arguments"),
		RunE: func(_ *cobra.Command, _ []string) error {
			cfg, err := loadConfig(a.env)
			if err != nil {
				return err
			}
			type row struct {
				Name      string    `json:"name"`
				Current   bool      `json:"current"`
				Server    string    `json:"server"`
				Email     string    `json:"email"`
				AccessKey string    `json:"access_key"`
				LoggedIn  time.Time `json:"logged_in_at"`
			}
			rows := []row{}
			for _, n := range cfg.names() {
				c := cfg.Contexts[n]
				rows = append(rows, row{n, n == cfg.CurrentContext, c.Server, c.Email, c.AccessKey, c.LoggedInAt})
			}
			return out.print(a.env.Stdout, rows, func(w io.Writer) error {
				if len(rows) == 0 {
					_, err := fmt.Fprintln(w, "No contexts yet: run 'berth login --server URL'.")
					return err
				}
				t := newTable(w, false, "CURRENT", "NAME", "SERVER", "EMAIL", "ACCESS KEY")
				for _, r := range rows {
					mark := ""
					if r.Current {
						mark = "*"
					}
					t.row(mark, r.Name, r.Server, r.Email, r.AccessKey)
				}
				return t.flush()
			})
		},
	}
	out.register(list)
	use := &cobra.Command{
		Use:     "use NAME",
		Short:   "Make a saved context the current one",
		Example: "  berth context use staging",
		Args:    args(1, 1, "the context's NAME"),
		RunE: func(_ *cobra.Command, argv []string) error {
			cfg, err := loadConfig(a.env)
			if err != nil {
				return err
			}
			if _, ok := cfg.Contexts[argv[0]]; !ok {
				if len(cfg.Contexts) == 0 {
					return AuthError{fmt.Errorf("no context %q: there are none yet; run 'berth login --context %s'", argv[0], argv[0])}
				}
				return fmt.Errorf("no context %q; the contexts are %s", argv[0], strings.Join(cfg.names(), ", "))
			}
			cfg.CurrentContext = argv[0]
			if err := cfg.save(); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Now using context %q (%s).\n", argv[0], cfg.Contexts[argv[0]].Server)
			return nil
		},
	}
	return group(&cobra.Command{
		Use:   "context",
		Short: "List and switch between saved logins (server + keypair)",
		Long: `A context is a server and the keypair berth signs its requests with, saved by
'berth login' under a name. Every command takes --context NAME (or
BERTH_CONTEXT) to use another one than the current.`,
		Example: "  berth context list\n  berth context use staging\n  berth fn list --context staging",
	}, list, use)
}
