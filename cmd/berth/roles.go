package main

import (
	"github.com/spf13/cobra"

	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/server"
)

// runServer loads the configuration and runs one role until a signal.
func (m *Main) runServer(cmd *cobra.Command, role server.Role) error {
	cfg, err := config.Load(cmd.Flags(), m.Environ)
	if err != nil {
		return usageError{err}
	}
	log := newLogger(m.Stderr, cfg.Log)
	for _, u := range config.CheckEnv(m.Environ) {
		log.Warn(u.String(), "event", "config_unknown_env", "name", u.Name, "did_you_mean", u.DidYouMean)
	}
	s, err := server.New(cmd.Context(), cfg, server.Options{Role: role, Logger: log, Version: m.Version})
	if err != nil {
		return err
	}
	s.PrintBanner(m.Stdout, m.Version)
	log.Info("serving", "event", "start", "role", string(role), "addr", s.Addr(), "metrics", s.MetricsAddr(), "version", m.Version)
	if err := s.Run(cmd.Context()); err != nil {
		return err
	}
	log.Info("stopped", "event", "stop")
	return nil
}

func (m *Main) managerCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "manager",
		Short: "Run the manager alone: the API, without the web gateway",
		Long: `Run the manager role alone. It owns the database, verifies every signature and runs
functions; put one or more "berth webserver" processes in front of it for browsers.`,
		Example: `  BERTH_DATABASE_URL=postgres://berth@db/berth BERTH_REDIS_URL=redis://cache:6379/0 \
    berth manager --listen 10.0.0.5:8081`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return m.runServer(cmd, server.RoleManager) },
	}
	config.AddFlags(cmd.Flags())
	return cmd
}

func (m *Main) webserverCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webserver",
		Short: "Run the browser gateway in front of one or more managers",
		Long: `Run the webserver role: the dashboard, sign-in, sessions and the signing proxy, in front of
remote managers. Replicas share sessions through Redis and need the same master key.`,
		Example: `  BERTH_REDIS_URL=redis://cache:6379/0 BERTH_MASTER_KEY=$KEY \
    berth webserver --manager-url http://10.0.0.5:8081,http://10.0.0.6:8081 --listen 0.0.0.0:8080`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return m.runServer(cmd, server.RoleWebserver) },
	}
	config.AddFlags(cmd.Flags())
	cmd.Flags().StringSlice("manager-url", nil, "manager URL(s), comma-separated (env BERTH_WEB_MANAGER_URLS)")
	return cmd
}
