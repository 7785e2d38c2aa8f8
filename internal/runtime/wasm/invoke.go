package wasm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/runtime/cgi"
)

// Invoke runs one request in a fresh instance of d's module. See
// berth.Runtime for the outcomes. Zero fields of req.Limits take
// Config.DefaultLimits; MemoryMB is lowered to Config.MaxMemoryMB. A body
// larger than Config.MaxRequestBytes is refused with berth.ErrInvalid before
// the module runs. The call's MemoryMB is reserved from Config.MemoryBudgetMB
// for as long as its instance lives; berth.ErrBusy (with a nil response)
// when there is no room within Config.MemoryWait. Every function failure
// returns a non-nil response with the captured logs.
func (r *Runtime) Invoke(ctx context.Context, d berth.DeploymentRef, req *berth.InvokeRequest) (*berth.InvokeResponse, error) {
	dep, cold, err := r.hold(ctx, d)
	if err != nil {
		return nil, err
	}
	defer r.release(dep.mod)
	if err := req.CheckBody(r.cfg.MaxRequestBytes); err != nil {
		return nil, err
	}
	body := req.Body
	lim := r.effectiveLimits(req.Limits)
	resp := &berth.InvokeResponse{ColdStart: cold}
	if need := dep.mod.minPages; uint64(need)*pageBytes > uint64(lim.MemoryMB)<<20 {
		return resp, fmt.Errorf("%w: the module needs %d MiB at start, over its limit of %d MiB", berth.ErrOutOfMemory, pagesToMB(need), lim.MemoryMB)
	}
	release, err := r.budget.reserve(ctx, lim.MemoryMB)
	if err != nil {
		return nil, err
	}
	run := r.run(ctx, dep, req, body, lim)
	release() // run returns once the instance and its memory are gone
	resp.Logs = run.logs.lines()
	out, err := run.outcome(lim)
	if out != nil {
		resp.Status, resp.Header, resp.Body = out.Status, out.Header, out.Body
	}
	if err == nil && run.err != nil {
		// A complete answer followed by a crash: the caller gets the answer,
		// the logs say what happened after it.
		resp.Logs = append(resp.Logs, fmt.Sprintf("[function ended with %s after its response]", exitDescription(run.err)))
	}
	return resp, err
}

// hold returns d's deployment with a reference on its module, preparing it
// lazily from the artefact when this process has not (after a restart).
func (r *Runtime) hold(ctx context.Context, d berth.DeploymentRef) (*deployment, bool, error) {
	for {
		dep, cold, err := r.deployment(ctx, d, false)
		if err != nil {
			return nil, false, err
		}
		r.mu.Lock()
		if r.deployed[deployKey(d)] == dep {
			dep.mod.refs++
			r.mu.Unlock()
			return dep, cold, nil
		}
		r.mu.Unlock() // removed (or replaced) in between: look again
	}
}

func (r *Runtime) effectiveLimits(l berth.Limits) berth.Limits {
	l = l.Or(r.limits)
	l.MemoryMB = min(l.MemoryMB, r.cfg.MaxMemoryMB)
	return l
}

// runResult is what one instance did.
type runResult struct {
	err    error // from wazero: nil, *sys.ExitError or a trap
	cause  error // why the instance's context ended, if it did
	parent error // the caller's context error, if any
	stdout *stdout
	logs   *logs
	alloc  *allocator
}

func (r *Runtime) run(ctx context.Context, dep *deployment, req *berth.InvokeRequest, body []byte, lim berth.Limits) *runResult {
	parent := ctx
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ctx, stop := context.WithTimeoutCause(ctx, lim.Timeout, errDeadline)
	defer stop()

	res := &runResult{
		stdout: &stdout{max: lim.MaxOutputBytes, cancel: cancel},
		logs:   &logs{max: lim.MaxLogBytes},
		alloc:  newAllocator(lim.MemoryMB),
	}
	defer res.alloc.release() // after the instance has stopped and closed
	cfg := r.base.
		WithArgs(dep.argv0).
		WithStdin(bytes.NewReader(body)).
		WithStdout(res.stdout).
		WithStderr(res.logs).
		// Sleeping in the host must not outlive the deadline: wazero can
		// only stop an instance while it runs guest code.
		WithNanosleep(func(ns int64) { sleep(ctx, ns) })
	call := withEnviron(experimental.WithMemoryAllocator(ctx, res.alloc), newEnviron(cgi.Environ(req, len(body))))
	mod, err := r.wz.InstantiateModule(call, dep.mod.compiled, cfg)
	res.err = err
	res.cause = context.Cause(ctx) // the call ends here: what has passed by now counts
	res.parent = parent.Err()
	if mod != nil {
		_ = mod.Close(context.Background())
	}
	return res
}

func sleep(ctx context.Context, ns int64) {
	t := time.NewTimer(time.Duration(ns))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// outcome turns what the instance did into a response or a function error.
//
// A call whose deadline passed before it ended is a timeout, whatever the
// module did: the first reason the instance was stopped decides, before
// the output is looked at or how the module ended. wazero stops a module
// from a watcher goroutine, and only when the module next enters a
// function or loop, so a module woken from a host sleep at the deadline can
// still write an answer and return, or call proc_exit(0), before it is
// stopped; wazero then reports a normal end.
func (res *runResult) outcome(lim berth.Limits) (*cgi.Response, error) {
	switch {
	case errors.Is(res.cause, errDeadline), errors.Is(res.parent, context.DeadlineExceeded):
		return nil, fmt.Errorf("%w after %s", berth.ErrTimeout, lim.Timeout)
	case errors.Is(res.stdout.stopped, errOutputTooLarge):
		return nil, fmt.Errorf("%w: more than %d bytes on stdout", berth.ErrOutputTooLarge, lim.MaxOutputBytes)
	case errors.Is(res.stdout.stopped, errHeaderTooLarge):
		return nil, cgi.BadResponse("the header section is longer than %d bytes: send large data in the body", cgi.MaxHeaderBytes)
	}
	if res.err != nil {
		switch {
		case res.parent != nil:
			return nil, fmt.Errorf("invocation abandoned by the caller: %w", res.parent)
		case res.alloc.refused.Load():
			return nil, fmt.Errorf("%w: the module needed more than %d MiB of memory (it ended with %s)", berth.ErrOutOfMemory, lim.MemoryMB, exitDescription(res.err))
		}
	}
	out, perr := cgi.Parse(res.stdout.buf)
	if res.err != nil {
		if perr == nil && out.Complete() {
			return out, nil
		}
		return nil, fmt.Errorf("%w: %s before a complete response", berth.ErrCrashed, exitDescription(res.err))
	}
	if perr != nil {
		return nil, perr
	}
	if err := out.Trim(); err != nil {
		return nil, err
	}
	return out, nil
}

// exitDescription names how an instance ended, for messages.
func exitDescription(err error) string {
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return "exit status " + strconv.FormatUint(uint64(exit.ExitCode()), 10)
	}
	msg := firstLine(err)
	if i := strings.Index(msg, "wasm error: "); i >= 0 {
		return "a trap (" + msg[i+len("wasm error: "):] + ")"
	}
	return msg
}
