// Command berth is the berth platform in one binary: `berth serve` runs the
// all-in-one server; `berth login`, `berth fn …` and the other client
// commands (internal/cli) work with a server from a terminal. This package
// only parses the command line and wires the parts together.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Environ: os.Environ(), Version: version}
	os.Exit(m.Run(ctx, os.Args[1:]))
}
