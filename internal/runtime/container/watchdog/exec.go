//go:build linux

package watchdog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// waitDelay bounds how long a finished command's pipes are read while a
// process it left behind still holds them.
const waitDelay = 100 * time.Millisecond

// errDeadline and errOutputTooLarge are why a call's context ended.
var (
	errDeadline       = errors.New("deadline")
	errOutputTooLarge = errors.New("output too large")
)

// exec handles POST /_berth/exec: one run of the command.
func (s *Server) exec(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	program := s.program
	s.mu.Unlock()
	if s.cfg.Mode != ModeExec || program == "" {
		http.Error(w, "not started in exec mode", http.StatusServiceUnavailable)
		return
	}
	lim, err := ParseCallLimits(r.Header)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	n, err := headerInt(r.Header, HeaderEnvBytes, maxEnvBytes)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	raw := make([]byte, n)
	if _, err := io.ReadFull(r.Body, raw); err != nil {
		http.Error(w, "exec: short environment", http.StatusBadRequest)
		return
	}
	env, err := DecodeEnv(raw)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	res := s.run(r.Context(), program, append(append([]string(nil), s.baseEnv...), env...), r.Body, lim)
	if r.Context().Err() != nil {
		return // berth went away: nobody to answer
	}
	res.Write(w)
}

// run runs the command once and says how it ended.
func (s *Server) run(ctx context.Context, program string, env []string, stdin io.Reader, lim CallLimits) *Result {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ctx, stop := context.WithTimeoutCause(ctx, time.Duration(lim.TimeoutMS)*time.Millisecond, errDeadline)
	defer stop()

	out := &capWriter{max: lim.MaxOutput, full: func() { cancel(errOutputTooLarge) }}
	logs := &capBuffer{max: lim.MaxLogs}
	cmd := exec.CommandContext(ctx, program, s.cfg.Command[1:]...) //nolint:gosec // G204: running the function's command is the point
	cmd.Args[0] = s.cfg.Command[0]
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, out, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.WaitDelay = waitDelay

	before := oomKills(s.cfg.OOMFiles)
	err := cmd.Start()
	if err != nil {
		return &Result{Outcome: OutcomeExit, Detail: "the command could not be started: " + unwrapPathError(err).Error()}
	}
	preferOOMVictim(cmd.Process.Pid)
	err = cmd.Wait()
	_ = killGroup(cmd.Process.Pid) // whatever it left behind goes with it

	res := &Result{}
	res.Output, _ = out.result()
	res.Logs, res.LogsTruncated = logs.result()
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, errOutputTooLarge):
		res.Outcome, res.Detail = OutcomeOutputTooLarge, fmt.Sprintf("more than %d bytes on stdout", lim.MaxOutput)
		res.Output = nil
	case errors.Is(cause, errDeadline):
		res.Outcome, res.Detail = OutcomeTimeout, fmt.Sprintf("killed after %d ms", lim.TimeoutMS)
	case err == nil || (errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState.Success()):
		res.Outcome = OutcomeOK
	default:
		res.Outcome, res.Detail = OutcomeExit, describeExit(cmd.ProcessState, err)
		if killedByOOM(cmd.ProcessState, before, oomKills(s.cfg.OOMFiles)) {
			res.Outcome = OutcomeOutOfMemory
		}
	}
	return res
}

// killGroup kills a process group until it is empty (a fork bomb's
// members may be forking while they are killed). Killed members stay in
// the group, and count against the container's pids limit, until init
// reaps them, so it waits for that too (up to killWait): the next call
// must find room to start its command.
func killGroup(pgid int) error {
	deadline := time.Now().Add(killWait)
	for pause := time.Millisecond; ; pause = min(2*pause, 20*time.Millisecond) {
		err := syscall.Kill(-pgid, syscall.SIGKILL)
		if errors.Is(err, syscall.ESRCH) {
			return nil // nothing left
		}
		if err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return errors.New("process group survived SIGKILL")
		}
		time.Sleep(pause)
	}
}

// killWait bounds how long killGroup waits for a group to be gone.
const killWait = 3 * time.Second

// killedByOOM reports whether a process died of SIGKILL while the OOM
// counter of the container went up.
func killedByOOM(ps *os.ProcessState, before, after int64) bool {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL && before >= 0 && after > before //nolint:misspell // the standard library's name
}

// describeExit names how a process ended, for messages.
func describeExit(ps *os.ProcessState, err error) string {
	if ps != nil {
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok {
			switch {
			case ws.Signaled(): //nolint:misspell // the standard library's name
				return "killed by signal " + strconv.Itoa(int(ws.Signal())) + " (" + ws.Signal().String() + ")"
			case ws.Exited():
				return "exit status " + strconv.Itoa(ws.ExitStatus())
			}
		}
	}
	if err != nil {
		return err.Error()
	}
	return "ended"
}
