package wasm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"

	"github.com/berth-platform/berth"
)

// Invoke runs one request in a fresh instance of d's module. See
// berth.Runtime for the outcomes. Zero fields of req.Limits take
// Config.DefaultLimits; MemoryMB is lowered to Config.MaxMemoryMB. A body
// larger than Config.MaxRequestBytes is refused with berth.ErrInvalid before
// the module runs. Every function failure returns a non-nil response with
// the captured logs.
func (r *Runtime) Invoke(ctx context.Context, d berth.DeploymentRef, req *berth.InvokeRequest) (*berth.InvokeResponse, error) {
	dep, cold, err := r.hold(ctx, d)
	if err != nil {
		return nil, err
	}
	defer r.release(dep.mod)
	body, err := r.readBody(req)
	if err != nil {
		return nil, err
	}
	lim := r.effectiveLimits(req.Limits)
	resp := &berth.InvokeResponse{ColdStart: cold}
	if need := dep.mod.minPages; uint64(need)*pageBytes > uint64(lim.MemoryMB)<<20 {
		return resp, fmt.Errorf("%w: the module needs %d MiB at start, over its limit of %d MiB", berth.ErrOutOfMemory, pagesToMB(need), lim.MemoryMB)
	}
	run := r.run(ctx, dep, req, body, lim)
	resp.Logs = run.logs.lines()
	out, err := run.outcome(lim)
	if out != nil {
		resp.Status, resp.Header, resp.Body = out.status, out.header, out.body
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
	if l.MemoryMB <= 0 {
		l.MemoryMB = r.limits.MemoryMB
	}
	l.MemoryMB = min(l.MemoryMB, r.cfg.MaxMemoryMB)
	if l.Timeout <= 0 {
		l.Timeout = r.limits.Timeout
	}
	if l.MaxOutputBytes <= 0 {
		l.MaxOutputBytes = r.limits.MaxOutputBytes
	}
	if l.MaxLogBytes <= 0 {
		l.MaxLogBytes = r.limits.MaxLogBytes
	}
	return l
}

// readBody reads the request body, never more than ContentLength (when
// known) or MaxRequestBytes.
func (r *Runtime) readBody(req *berth.InvokeRequest) ([]byte, error) {
	if req.Body == nil || req.ContentLength == 0 {
		return nil, nil
	}
	limit := r.cfg.MaxRequestBytes
	if req.ContentLength > limit {
		return nil, berth.Invalid("body", fmt.Sprintf("the request body is larger than %d bytes", limit))
	}
	if req.ContentLength > 0 {
		limit = req.ContentLength
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if int64(len(body)) > limit {
		if req.ContentLength > 0 {
			return body[:limit], nil // extra bytes past the declared length are not the body
		}
		return nil, berth.Invalid("body", fmt.Sprintf("the request body is larger than %d bytes", limit))
	}
	return body, nil
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
	cfg := r.base.
		WithArgs(dep.argv0).
		WithStdin(bytes.NewReader(body)).
		WithStdout(res.stdout).
		WithStderr(res.logs).
		// Sleeping in the host must not outlive the deadline: wazero can
		// only stop an instance while it runs guest code.
		WithNanosleep(func(ns int64) { sleep(ctx, ns) })
	for _, kv := range environ(req, len(body)) {
		cfg = cfg.WithEnv(kv[0], kv[1])
	}
	mod, err := r.wz.InstantiateModule(experimental.WithMemoryAllocator(ctx, res.alloc), dep.mod.compiled, cfg)
	if mod != nil {
		_ = mod.Close(context.Background())
	}
	res.err = err
	res.cause = context.Cause(ctx)
	res.parent = parent.Err()
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
func (res *runResult) outcome(lim berth.Limits) (*response, error) {
	switch {
	case errors.Is(res.stdout.stopped, errOutputTooLarge):
		return nil, fmt.Errorf("%w: more than %d bytes on stdout", berth.ErrOutputTooLarge, lim.MaxOutputBytes)
	case errors.Is(res.stdout.stopped, errHeaderTooLarge):
		return nil, badResponse("the header section is longer than %d bytes: send large data in the body", maxHeaderBytes)
	}
	if res.err != nil {
		switch {
		case errors.Is(res.cause, errDeadline), errors.Is(res.parent, context.DeadlineExceeded):
			return nil, fmt.Errorf("%w after %s", berth.ErrTimeout, lim.Timeout)
		case res.parent != nil:
			return nil, fmt.Errorf("invocation abandoned by the caller: %w", res.parent)
		case res.alloc.refused.Load():
			return nil, fmt.Errorf("%w: the module needed more than %d MiB of memory (it ended with %s)", berth.ErrOutOfMemory, lim.MemoryMB, exitDescription(res.err))
		}
	}
	out, perr := parseCGI(res.stdout.buf)
	if res.err != nil {
		if perr == nil && out.complete() {
			return out, nil
		}
		return nil, fmt.Errorf("%w: %s before a complete response", berth.ErrCrashed, exitDescription(res.err))
	}
	if perr != nil {
		return nil, perr
	}
	if out.contentLength >= 0 {
		if int64(len(out.body)) < out.contentLength {
			return nil, badResponse("the response declares Content-Length %d but the body has %d bytes: fix the header or write the whole body", out.contentLength, len(out.body))
		}
		out.body = out.body[:out.contentLength]
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

// environ builds the module's environment: the function's variables, then
// the CGI variables, which win on a conflict (a function cannot make a
// request look different to itself, and a caller's header cannot replace a
// CGI variable). Names that are not portable variable names and values with
// NUL bytes are dropped. The result is sorted by name.
func environ(req *berth.InvokeRequest, bodyLen int) [][2]string {
	vars := make(map[string]string, len(req.Env)+len(req.Header)+10)
	for k, v := range req.Env {
		if validEnvName(k) && !strings.ContainsRune(v, 0) {
			vars[k] = v
		}
	}
	for name, values := range req.Header {
		key, ok := headerVar(name)
		if !ok {
			continue
		}
		v := strings.Join(values, ", ")
		if strings.ContainsRune(v, 0) {
			continue
		}
		vars[key] = v
	}
	vars["GATEWAY_INTERFACE"] = "CGI/1.1"
	vars["SERVER_SOFTWARE"] = "berth"
	vars["SERVER_PROTOCOL"] = "HTTP/1.1"
	vars["REQUEST_METHOD"] = req.Method
	vars["PATH_INFO"] = req.Path
	vars["QUERY_STRING"] = req.RawQuery
	vars["CONTENT_TYPE"] = req.Header.Get("Content-Type")
	vars["CONTENT_LENGTH"] = strconv.Itoa(bodyLen)
	vars["REMOTE_ADDR"] = remoteHost(req.RemoteAddr)
	vars["BERTH_EXECUTION_ID"] = req.ExecutionID
	for k, v := range vars {
		if strings.ContainsRune(v, 0) {
			delete(vars, k)
		}
	}
	out := make([][2]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, [2]string{k, v})
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return out
}

// headerVar maps a header name to its HTTP_ variable. Content-Type and
// Content-Length have their own CGI variables; Proxy is dropped (httpoxy:
// HTTP_PROXY is read as a proxy setting by many programs); names with
// anything but letters, digits and '-' are dropped, so that "X-A" and "X_A"
// cannot both claim HTTP_X_A.
func headerVar(name string) (string, bool) {
	canon := strings.ToUpper(name)
	switch canon {
	case "CONTENT-TYPE", "CONTENT-LENGTH", "PROXY":
		return "", false
	}
	if canon == "" {
		return "", false
	}
	b := make([]byte, 0, len(canon)+5)
	b = append(b, "HTTP_"...)
	for i := 0; i < len(canon); i++ {
		c := canon[i]
		switch {
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			b = append(b, c)
		case c == '-':
			b = append(b, '_')
		default:
			return "", false
		}
	}
	return string(b), true
}

func validEnvName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func remoteHost(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}
