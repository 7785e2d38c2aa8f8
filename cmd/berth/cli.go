package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/server"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// Main is the berth program with its environment passed in, so that tests
// run it in-process.
type Main struct {
	Stdout, Stderr io.Writer
	Environ        []string
	Version        string
}

// usageError marks a mistake in the command line (exit code 2).
type usageError struct{ error }

// Run executes the command line and returns the exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	root := m.rootCommand()
	root.SetArgs(args)
	root.SetOut(m.Stdout)
	root.SetErr(m.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(m.Stderr, "berth:", err)
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitError
}

const guide = `berth — a self-hosted serverless platform with a secure web gateway.

Start the all-in-one server (SQLite and an in-process store in ./berth-data):
  berth serve

Then open the URL it prints and sign in with the credentials it shows.

Other commands:
  berth config print   show the effective configuration (secrets masked)
  berth sign           print BERTH-HMAC-SHA256 headers or a signed curl line
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
	root.AddCommand(m.serveCommand(), m.configCommand(), m.signCommand(), m.versionCommand())
	return root
}

func (m *Main) serveCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the all-in-one server (manager API and web gateway on one port)",
		Example: `  berth serve
  berth serve --listen 127.0.0.1:9000 --data-dir /var/lib/berth
  BERTH_DATABASE_URL=postgres://berth@db/berth BERTH_REDIS_URL=redis://cache:6379/0 berth serve`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(cmd.Flags(), m.Environ)
			if err != nil {
				return usageError{err}
			}
			log := newLogger(m.Stderr, cfg.Log)
			s, err := server.New(cmd.Context(), cfg, server.Options{Logger: log, Version: m.Version})
			if err != nil {
				return err
			}
			s.PrintBanner(m.Stdout, m.Version)
			log.Info("serving", "event", "start", "addr", s.Addr(), "metrics", s.MetricsAddr(), "version", m.Version)
			if err := s.Run(cmd.Context()); err != nil {
				return err
			}
			log.Info("stopped", "event", "stop")
			return nil
		},
	}
	config.AddFlags(cmd.Flags())
	return cmd
}

func (m *Main) configCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Inspect the configuration", Args: noArgs}
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
		Use:   "version",
		Short: "Print the version",
		Args:  noArgs,
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
