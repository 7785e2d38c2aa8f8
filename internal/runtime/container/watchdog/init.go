//go:build linux

package watchdog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// childEnv marks the watchdog started by its own init.
const childEnv = "BERTH_WATCHDOG_CHILD"

// IsInit reports whether this process is the container's PID 1 and must
// run as its init (RunInit) rather than serve.
func IsInit() bool { return os.Getpid() == 1 && os.Getenv(childEnv) == "" }

// RunInit is the container's init: it starts the watchdog again as its
// child, forwards SIGTERM, SIGINT and SIGHUP to it, and reaps every process
// of the container, so that processes orphaned by the function's commands
// never stay zombies (they would count against the pids limit). It returns
// the watchdog's exit code; the container ends with it.
func RunInit(args []string) int {
	self, err := os.Executable()
	if err != nil {
		self = args[0]
	}
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	cmd := exec.CommandContext(context.Background(), self, args[1:]...) //nolint:gosec // G204: this very program; it lives as long as the container
	cmd.Args[0] = args[0]
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "berth-watchdog init: %v\n", err)
		return 1
	}
	child := cmd.Process.Pid
	go func() {
		for sig := range signals {
			_ = syscall.Kill(child, sig.(syscall.Signal))
		}
	}()
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, 0, nil)
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case err != nil:
			fmt.Fprintf(os.Stderr, "berth-watchdog init: wait: %v\n", err)
			return 1
		case pid != child:
			continue // an orphan, reaped
		case ws.Exited():
			return ws.ExitStatus()
		default:
			return 128 + int(ws.Signal())
		}
	}
}
