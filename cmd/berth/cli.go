package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/berth-platform/berth/internal/cli"
	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/server"
)

// Exit codes: 0 ok, 1 error, 2 usage, 4 not authenticated (see cli.ExitCode).
const exitUsage = cli.ExitUsage

// Main is the berth program with its environment passed in, so that tests
// run it in-process.
type Main struct {
	Stdin          io.Reader // nil: no input
	Stdout, Stderr io.Writer
	Environ        []string
	Version        string
}

// usageError marks a mistake in the command line (exit code 2).
type usageError struct{ error }

// ExitCode is 2.
func (usageError) ExitCode() int { return exitUsage }

// Run executes the command line and returns the exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	root := m.rootCommand()
	root.SetArgs(args)
	root.SetOut(m.Stdout)
	root.SetErr(m.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	err := root.ExecuteContext(ctx)
	if err == nil {
		return cli.ExitOK
	}
	if msg := cli.Message(err); msg != "" {
		fmt.Fprintln(m.Stderr, "berth:", msg)
	}
	return cli.ExitCode(err)
}

const guide = `berth — a self-hosted serverless platform with a secure web gateway.

Start the all-in-one server (SQLite and an in-process store in ./berth-data):
  berth serve

Then open the URL it prints and sign in with the credentials it shows.

` + cli.Guide + `
Other commands:
  berth config print   show the effective configuration (secrets masked)
  berth sign           print BERTH-HMAC-SHA256 headers or a signed curl line
  berth completion     shell completion for bash, zsh and fish
  berth version        show the version
  berth help [command] show help for a command
`

func (m *Main) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "berth",
		Short:         "A self-hosted serverless platform with a secure web gateway",
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Errorf("unknown command %q; run 'berth help'", args[0])}
			}
			fmt.Fprint(cmd.OutOrStdout(), guide)
			return nil
		},
		Args: cobra.ArbitraryArgs,
	}
	root.CompletionOptions.DisableDefaultCmd = true // the client commands bring one with examples
	root.AddCommand(
		m.serveCommand(),
		m.managerCommand(),
		m.webserverCommand(),
		m.configCommand(),
		m.versionCommand(),
	)
	root.AddCommand(m.clientCommands()...) // login, fn, keys, sign, curl… (internal/cli)
	return root
}

// clientCommands are the commands that work with a server from a
// terminal: login, fn, keys, sign, curl, completion…
func (m *Main) clientCommands() []*cobra.Command {
	return cli.Commands(&cli.Env{Stdin: m.Stdin, Stdout: m.Stdout, Stderr: m.Stderr, Environ: m.Environ, Version: m.Version})
}

func (m *Main) serveCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the all-in-one server (manager API and web gateway on one port)",
		Example: `  berth serve
  berth serve --listen 127.0.0.1:9000 --data-dir /var/lib/berth
  BERTH_DATABASE_URL=postgres://berth@db/berth BERTH_REDIS_URL=redis://cache:6379/0 berth serve`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return m.runServer(cmd, server.RoleServe) },
	}
	config.AddFlags(cmd.Flags())
	return cmd
}

func (m *Main) configCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Inspect the configuration", Args: noArgs, Example: "  berth config print"}
	print := &cobra.Command{
		Use:     "print",
		Short:   "Print the effective configuration as TOML, secrets masked",
		Long:    "Print the configuration berth serve would use with the same flags, environment and --config file.\nEach key is followed by its environment variable.",
		Example: "  berth config print\n  BERTH_LISTEN=0.0.0.0:8080 berth config print --config berth.toml",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(cmd.Flags(), m.Environ)
			if err != nil {
				return usageError{err}
			}
			for _, u := range config.CheckEnv(m.Environ) {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning:", u)
			}
			_, err = io.WriteString(cmd.OutOrStdout(), cfg.Masked().TOML())
			return err
		},
	}
	config.AddFlags(print.Flags())
	cmd.AddCommand(print)
	return cmd
}

func (m *Main) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version",
		Example: "  berth version",
		Args:    noArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			commit := "unknown"
			if bi, ok := debug.ReadBuildInfo(); ok {
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" {
						commit = s.Value
					}
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "berth %s (commit %s, %s, %s/%s)\n", m.Version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		},
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), args)}
	}
	return nil
}

// newLogger builds the process logger: text for people, JSON for machines.
func newLogger(w io.Writer, c config.LogConfig) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
