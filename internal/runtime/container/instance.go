package container

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/runtime/container/engine"
	"github.com/berth-platform/berth/internal/runtime/container/watchdog"
)

// instanceClient returns an HTTP client that reaches an instance's
// watchdog through the socket in dir.
func instanceClient(dir string, conns int) (*http.Transport, *http.Client) {
	sock := filepath.Join(dir, watchdog.SocketName)
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
		Proxy:               nil,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return tr, &http.Client{Transport: tr}
}

// containerConfig is how an instance runs: the isolation documented in
// docs/containers.md, flag by flag.
func (r *Runtime) containerConfig(in *instance, rec *record, lim berth.Limits) *engine.ContainerConfig {
	pids := int64(r.cfg.PidsLimit)
	mem := int64(lim.MemoryMB) << 20
	args := []string{"-mode", rec.Mode, "-socket", watchdog.RunDir + "/" + watchdog.SocketName}
	if rec.Mode == watchdog.ModeHTTP {
		args = append(args, "-port", strconv.Itoa(rec.Port))
	}
	args = append(append(args, "--"), rec.Command...)
	stop := 2
	return &engine.ContainerConfig{
		Image:      rec.ImageID,
		Entrypoint: []string{watchdog.BinaryPath},
		Cmd:        args,
		Labels: map[string]string{
			labelManaged: "true", labelScope: r.cfg.Scope, labelFunction: in.fn,
			labelVersion: strconv.Itoa(in.version), labelInstance: in.id, labelMode: rec.Mode,
		},
		NetworkDisabled: true,
		StopSignal:      "SIGTERM",
		StopTimeout:     &stop,
		HostConfig: engine.HostConfig{
			Binds: []string{
				r.cfg.WatchdogPath + ":" + watchdog.BinaryPath + ":ro",
				in.dir + ":" + watchdog.RunDir + ":rw",
			},
			NetworkMode:    "none",
			ReadonlyRootfs: true,
			Tmpfs:          map[string]string{"/tmp": fmt.Sprintf("rw,nosuid,nodev,size=%dm", r.cfg.TmpfsMB)},
			CapDrop:        []string{"ALL"},
			SecurityOpt:    []string{"no-new-privileges"},
			PidsLimit:      &pids,
			Memory:         mem,
			MemorySwap:     mem, // no swap: the memory limit is the limit
			NanoCPUs:       int64(r.cfg.CPUs * 1e9),
			Ulimits: []engine.Ulimit{
				{Name: "nofile", Soft: int64(r.cfg.NofileLimit), Hard: int64(r.cfg.NofileLimit)},
				{Name: "nproc", Soft: int64(r.cfg.NprocLimit), Hard: int64(r.cfg.NprocLimit)},
			},
			RestartPolicy: engine.RestartPolicy{Name: "no"},
		},
	}
}

// lockedOwner owns an instance's socket directory once the watchdog has
// made its socket: nobody (65534).
const lockedOwner = 65534

// lockDir makes an instance's socket directory read-only for the
// container, once the watchdog's socket is in it: the directory is on the
// host's disk, and a function must not fill that disk. Owned by nobody and
// mode 0555, it cannot be written to, nor its mode changed back, by a
// process without capabilities. (Rootless, berth cannot give it away: the
// mode alone protects it.) The socket itself stays usable.
func lockDir(dir string) error {
	if err := os.Chown(dir, lockedOwner, lockedOwner); err != nil && !errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("container: lock instance directory: %w", err)
	}
	if err := os.Chmod(dir, 0o555); err != nil { //nolint:gosec // G302: a directory: read and search only
		return fmt.Errorf("container: lock instance directory: %w", err)
	}
	return nil
}

// removeDir removes an instance's socket directory, locked or not.
func removeDir(dir string) {
	_ = os.Chmod(dir, 0o700) //nolint:gosec // G302: a directory, about to be removed
	_ = os.RemoveAll(dir)
}

// startError is a failed start with what the function wrote meanwhile.
type startError struct {
	err  error
	logs []string
}

func (e *startError) Error() string { return e.err.Error() }
func (e *startError) Unwrap() error { return e.err }

// startInstance creates and starts in's container and has its watchdog
// start the function, all within Config.StartTimeout (a caller that gives
// up does not stop a start that others may be waiting for).
func (r *Runtime) startInstance(ctx context.Context, in *instance, w want) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.StartTimeout)
	defer cancel()
	begin := now()
	if err := os.MkdirAll(in.dir, 0o700); err != nil {
		return fmt.Errorf("container: instance directory: %w", err)
	}
	// The image's user, whoever it is, must create the socket; the state
	// directory above it is berth's alone (0700).
	if err := os.Chmod(in.dir, 0o777); err != nil { //nolint:gosec // G302: see above
		return fmt.Errorf("container: instance directory: %w", err)
	}
	name := "berth-" + in.id
	id, err := r.eng.CreateContainer(ctx, name, r.containerConfig(in, w.dep.rec, w.lim))
	if err != nil {
		return r.startFailed(ctx, in, err)
	}
	r.mu.Lock()
	in.containerID = id
	r.mu.Unlock()
	if err := r.eng.StartContainer(ctx, id); err != nil {
		return r.startFailed(ctx, in, err)
	}
	if err := r.waitSocket(ctx, in, id); err != nil {
		return r.startFailed(ctx, in, err)
	}
	if err := lockDir(in.dir); err != nil {
		return r.startFailed(ctx, in, err)
	}
	if err := r.startFunction(ctx, in, w); err != nil {
		return r.startFailed(ctx, in, err)
	}
	r.log.Info("container instance started", "event", "container.start", "function_id", in.fn, "version", in.version,
		"instance", in.id, "mode", in.mode, "duration_ms", time.Since(begin).Milliseconds())
	return nil
}

// startFailed explains a failed start; an expired start context is the
// start timeout.
func (r *Runtime) startFailed(ctx context.Context, in *instance, err error) error {
	var se *startError
	if errors.As(err, &se) || errors.Is(err, berth.ErrTimeout) {
		r.log.Warn("container instance did not start", "event", "container.start", "function_id", in.fn,
			"version", in.version, "instance", in.id, "error", err)
		return err
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("%w: %w: the instance was not ready within %s (%w)", berth.ErrTimeout, ErrStartTimeout, r.cfg.StartTimeout, err)
	} else {
		err = fmt.Errorf("container: start instance: %w", err)
	}
	r.log.Warn("container instance did not start", "event", "container.start", "function_id", in.fn,
		"version", in.version, "instance", in.id, "error", err)
	return err
}

// waitSocket waits until the watchdog answers on its socket, watching
// for a container that exits before.
func (r *Runtime) waitSocket(ctx context.Context, in *instance, id string) error {
	sock := filepath.Join(in.dir, watchdog.SocketName)
	delay := 500 * time.Microsecond
	nextCheck := now().Add(200 * time.Millisecond)
	for {
		if _, err := os.Stat(sock); err == nil {
			var d net.Dialer
			if c, err := d.DialContext(ctx, "unix", sock); err == nil {
				_ = c.Close()
				return nil
			}
		}
		if now().After(nextCheck) {
			nextCheck = now().Add(200 * time.Millisecond)
			if c, err := r.eng.InspectContainer(ctx, id); err == nil && !c.State.Running {
				return r.exitedAtStart(ctx, id, c)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 10*time.Millisecond)
	}
}

// exitedAtStart explains a container that ended before its watchdog
// served.
func (r *Runtime) exitedAtStart(ctx context.Context, id string, c *engine.Container) error {
	logs, _ := r.eng.Logs(ctx, id, 50, 8<<10)
	se := &startError{logs: splitLines([]byte(logs), false)}
	kind := berth.ErrCrashed
	if c.State.OOMKilled {
		kind = berth.ErrOutOfMemory
	}
	msg := c.State.Error
	if msg == "" {
		msg = "exit code " + strconv.Itoa(c.State.ExitCode)
	}
	se.err = fmt.Errorf("%w: the instance exited at once (%s) before its watchdog served", kind, msg)
	return se
}

// startFunction has the watchdog start (http) or check (exec) the command.
func (r *Runtime) startFunction(ctx context.Context, in *instance, w want) error {
	dl, _ := ctx.Deadline()
	body := watchdog.StartRequest{Spec: w.spec}
	if in.mode == watchdog.ModeHTTP {
		body.Env = w.env
	}
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://instance"+watchdog.PathStart, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(watchdog.HeaderTimeout, strconv.FormatInt(max(1, time.Until(dl).Milliseconds()-50), 10))
	resp, err := in.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var st watchdog.Status
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&st); err != nil {
		return fmt.Errorf("watchdog start: HTTP %d, %w", resp.StatusCode, err)
	}
	if resp.StatusCode == http.StatusOK && st.Ready {
		return nil
	}
	se := &startError{logs: splitLines([]byte(st.Logs), false)}
	switch st.Outcome {
	case watchdog.OutcomeTimeout:
		se.err = fmt.Errorf("%w: %w: %s (%s)", berth.ErrTimeout, ErrStartTimeout, st.Error, r.cfg.StartTimeout)
	case watchdog.OutcomeOutOfMemory:
		se.err = fmt.Errorf("%w: %s: the memory limit is %d MiB", berth.ErrOutOfMemory, st.Error, w.lim.MemoryMB)
	default:
		se.err = fmt.Errorf("%w: %s", berth.ErrCrashed, st.Error)
	}
	return se
}

// splitLines splits captured output into lines, without line endings.
func splitLines(b []byte, truncated bool) []string {
	var out []string
	s := string(b)
	for s != "" {
		line, rest, _ := strings.Cut(s, "\n")
		out = append(out, strings.TrimSuffix(line, "\r"))
		s = rest
	}
	if truncated {
		out = append(out, truncatedMarker)
	}
	return out
}

// truncatedMarker ends the logs of a call that wrote more than
// Limits.MaxLogBytes.
const truncatedMarker = "[log truncated]"
