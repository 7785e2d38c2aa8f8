//go:build linux

// Command berth-watchdog runs inside every container instance of a berth
// function: berth mounts it read-only at /.berth/watchdog and makes it the
// entrypoint. It serves berth on a Unix socket and runs (exec mode) or
// fronts (http mode) the function's command; see package
// internal/runtime/container/watchdog for the protocol.
//
// Build it static, so that it runs in any image, even FROM scratch:
//
//	CGO_ENABLED=0 go build -o berth-watchdog ./cmd/berth-watchdog
//
// Usage:
//
//	berth-watchdog -mode exec|http [-port N] [-socket PATH] -- COMMAND [ARG...]
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/berth-platform/berth/internal/runtime/container/watchdog"
)

func main() {
	if watchdog.IsInit() {
		os.Exit(watchdog.RunInit(os.Args))
	}
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("berth-watchdog", flag.ContinueOnError)
	cfg := watchdog.Config{}
	fs.StringVar(&cfg.Socket, "socket", filepath.Join(watchdog.RunDir, watchdog.SocketName), "Unix socket to serve berth on")
	fs.StringVar(&cfg.Mode, "mode", watchdog.ModeExec, "exec (run the command per request, CGI) or http (proxy to the command's server)")
	fs.IntVar(&cfg.Port, "port", 8080, "http mode: the port the command listens on, on 127.0.0.1 (also given to it as PORT)")
	fs.IntVar(&cfg.LogBuffer, "log-buffer", watchdog.DefaultLogBuffer, "http mode: bytes of server output kept between calls")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg.Command = fs.Args()
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := watchdog.Serve(ctx, cfg); err != nil {
		fmt.Fprintf(os.Stderr, "berth-watchdog: %v\n", err)
		return 1
	}
	return 0
}
