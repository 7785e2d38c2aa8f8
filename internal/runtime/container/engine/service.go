package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// PodmanOptions configure a private `podman system service`.
type PodmanOptions struct {
	// Path is the podman program. Default "podman" (looked up in PATH).
	Path string
	// Runtime is the OCI runtime (--runtime). Default "runc".
	Runtime string
	// CgroupManager is --cgroup-manager. Default "cgroupfs".
	CgroupManager string
	// Args are further global flags put before "system service", such as
	// --root, --runroot or --storage-driver.
	Args []string
	// Dir holds the socket; it is created with mode 0700. Required; keep the
	// path short (a Unix socket path has at most 107 bytes).
	Dir string
	// StartTimeout bounds the wait for the service to answer. Default 30 s.
	StartTimeout time.Duration
	// Logger receives the service's own output, line by line, at debug
	// level (warnings at warn level). Nil discards it.
	Logger *slog.Logger
}

// PodmanService is a running private `podman system service`.
type PodmanService struct {
	// Endpoint is the service's unix:// URL.
	Endpoint string

	cmd     *exec.Cmd
	out     *lineLogger
	done    chan struct{}
	waitErr error
}

// StartPodman starts `podman system service` on a socket in o.Dir and
// waits until it answers. The service dies with this process (it gets
// SIGTERM when berth exits, even by kill -9); containers it started keep
// running under conmon and are found again by the runtime's reconcile.
func StartPodman(ctx context.Context, o PodmanOptions) (*PodmanService, error) {
	if o.Dir == "" {
		return nil, errors.New("engine: PodmanOptions.Dir is required")
	}
	if o.Path == "" {
		o.Path = "podman"
	}
	if o.Runtime == "" {
		o.Runtime = "runc"
	}
	if o.CgroupManager == "" {
		o.CgroupManager = "cgroupfs"
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	path, err := exec.LookPath(o.Path)
	if err != nil {
		return nil, fmt.Errorf("engine: podman not found (%q): install podman or set the path: %w", o.Path, err)
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("engine: podman socket directory: %w", err)
	}
	if err := os.Chmod(o.Dir, 0o700); err != nil { //nolint:gosec // G302: a directory: 0700 keeps the socket private
		return nil, fmt.Errorf("engine: podman socket directory: %w", err)
	}
	sock := filepath.Join(o.Dir, "podman.sock")
	if len(sock) > 107 {
		return nil, fmt.Errorf("engine: socket path %s is longer than 107 bytes: use a shorter directory", sock)
	}
	_ = os.Remove(sock)
	endpoint := "unix://" + sock
	args := append([]string{"--runtime", o.Runtime, "--cgroup-manager", o.CgroupManager}, o.Args...)
	args = append(args, "system", "service", "--time=0", endpoint)
	// The service outlives ctx (which bounds the start only): Close stops it.
	cmd := exec.CommandContext(context.Background(), path, args...) //nolint:gosec // G204: the operator's configured podman with fixed subcommands
	out := &lineLogger{log: o.Logger}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = serviceAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("engine: start podman: %w", err)
	}
	s := &PodmanService{Endpoint: endpoint, cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(ctx, o.StartTimeout); err != nil {
		_ = s.Close(context.Background())
		return nil, err
	}
	o.Logger.Info("private podman service started", "event", "container.podman_start", "socket", sock, "pid", cmd.Process.Pid)
	return s, nil
}

func (s *PodmanService) waitReady(ctx context.Context, timeout time.Duration) error {
	c, err := New(s.Endpoint)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		pctx, pcancel := context.WithTimeout(ctx, time.Second)
		err := c.Ping(pctx)
		pcancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("engine: podman system service exited at start (%w): %s", s.waitErr, s.out.tail())
		case <-ctx.Done():
			return fmt.Errorf("engine: podman system service did not answer within %s: %w; its output: %s", timeout, err, s.out.tail())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Close stops the service: SIGTERM, then SIGKILL when it has not exited
// when ctx ends (or after 10 s). Containers keep running.
func (s *PodmanService) Close(ctx context.Context) error {
	select {
	case <-s.done:
		return nil
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
	case <-t.C:
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
	return nil
}

// lineLogger passes a process's output to a logger line by line and keeps
// the last lines for error messages.
type lineLogger struct {
	log     *slog.Logger
	mu      sync.Mutex
	partial []byte
	last    []string
}

const keepLines = 20

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := string(l.partial[:i])
		l.partial = l.partial[i+1:]
		l.last = append(l.last, line)
		if len(l.last) > keepLines {
			l.last = l.last[1:]
		}
		level := slog.LevelDebug
		if strings.Contains(line, "level=warning") || strings.Contains(line, "level=error") {
			level = slog.LevelWarn
		}
		l.log.Log(context.Background(), level, "podman: "+line, "event", "container.podman_output")
	}
	if len(l.partial) > 64<<10 {
		l.partial = l.partial[:0]
	}
	return len(p), nil
}

func (l *lineLogger) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.last, "\n")
}
