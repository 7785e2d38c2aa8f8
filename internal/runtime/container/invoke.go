package container

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/runtime/cgi"
	"github.com/berth-platform/berth/internal/runtime/container/watchdog"
)

// callGrace is how long past a call's deadline berth waits for the
// watchdog's answer before it takes the instance for wedged.
const callGrace = 3 * time.Second

// Invoke runs one request on an instance of d, starting one when needed
// (see the package documentation for the life cycle). See berth.Runtime
// for the outcomes; a start that fails is reported like a call that
// fails, with the start's logs, and an instance that is not ready within
// Config.StartTimeout gives an error wrapping berth.ErrTimeout and
// ErrStartTimeout. Zero fields of req.Limits take Config.DefaultLimits;
// MemoryMB is kept between MinMemoryMB and Config.MaxMemoryMB.
func (r *Runtime) Invoke(ctx context.Context, d berth.DeploymentRef, req *berth.InvokeRequest) (*berth.InvokeResponse, error) {
	dep, built, err := r.deployment(ctx, d, false)
	if err != nil {
		return nil, err
	}
	if err := req.CheckBody(r.cfg.MaxRequestBytes); err != nil {
		return nil, err
	}
	body := req.Body
	lim := r.effectiveLimits(req.Limits)
	w := want{dep: dep, lim: lim, spec: spec(dep.rec.Mode, lim, req.Env)}
	if dep.rec.Mode == watchdog.ModeHTTP {
		w.env = req.Env
	}
	for attempt := 0; ; attempt++ {
		in, cold, err := r.acquire(ctx, w)
		resp := &berth.InvokeResponse{ColdStart: cold || built}
		if err != nil {
			var se *startError
			if errors.As(err, &se) {
				resp.Logs = se.logs
			}
			return resp, err
		}
		res, err := r.call(ctx, in, dep.rec, req, body, lim)
		if errors.Is(err, errUnreachable) && attempt == 0 {
			// The instance died while idle (its container was stopped
			// from outside, or killed): nothing reached it, so try a
			// fresh one once.
			r.release(in, true)
			continue
		}
		if err != nil {
			// A caller that went away says nothing about the instance:
			// it stays in service (a stuck handler is retired by the next
			// call's timeout). Any other failure leaves it unusable.
			r.release(in, ctx.Err() == nil)
			return resp, err
		}
		out, ferr, retire := outcome(res, lim, dep.rec.Mode)
		r.release(in, retire || res.Retire)
		resp.Logs = splitLines(res.Logs, res.LogsTruncated)
		if out != nil {
			resp.Status, resp.Header, resp.Body = out.Status, out.Header, out.Body
		}
		if ferr == nil && res.Outcome == watchdog.OutcomeExit {
			resp.Logs = append(resp.Logs, "[function ended with "+res.Detail+" after its response]")
		}
		return resp, ferr
	}
}

// spec identifies the settings an instance is started with: a call only
// goes to an instance with its own spec. The environment counts in http
// mode only (exec mode passes it per call); it is hashed, never kept.
func spec(mode string, lim berth.Limits, env map[string]string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00", mode, lim.MemoryMB)
	if mode == watchdog.ModeHTTP {
		keys := make([]string, 0, len(env))
		for k := range env {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(h, "%s=%s\x00", k, env[k])
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

func (r *Runtime) effectiveLimits(l berth.Limits) berth.Limits {
	l = l.Or(r.limits)
	l.MemoryMB = max(min(l.MemoryMB, r.cfg.MaxMemoryMB), MinMemoryMB)
	return l
}

// errUnreachable: the instance's socket refused the connection.
var errUnreachable = errors.New("instance unreachable")

// call sends one call to an instance's watchdog and reads its envelope.
func (r *Runtime) call(ctx context.Context, in *instance, rec *record, req *berth.InvokeRequest, body []byte, lim berth.Limits) (*watchdog.Result, error) {
	cctx, cancel := context.WithTimeout(ctx, lim.Timeout+callGrace)
	defer cancel()
	hreq, err := buildCall(cctx, rec, req, body, lim)
	if err != nil {
		return nil, err
	}
	resp, err := in.client.Do(hreq)
	if err != nil {
		return nil, r.callFailed(ctx, cctx, in, err, lim)
	}
	defer resp.Body.Close()
	res, err := watchdog.ReadResult(resp, lim.MaxOutputBytes+int64(lim.MaxLogBytes))
	if err != nil {
		if errors.Is(err, watchdog.ErrProtocol) {
			return nil, fmt.Errorf("container: instance %s: %w", in.id, err)
		}
		return nil, r.callFailed(ctx, cctx, in, err, lim)
	}
	return res, nil
}

func buildCall(ctx context.Context, rec *record, req *berth.InvokeRequest, body []byte, lim berth.Limits) (*http.Request, error) {
	var hreq *http.Request
	var err error
	if rec.Mode == watchdog.ModeExec {
		env := watchdog.EncodeEnv(cgi.Environ(req, len(body)))
		payload := make([]byte, 0, len(env)+len(body))
		payload = append(append(payload, env...), body...)
		hreq, err = http.NewRequestWithContext(ctx, http.MethodPost, "http://instance"+watchdog.PathExec, bytes.NewReader(payload))
		if err != nil {
			return nil, err
		}
		hreq.Header.Set(watchdog.HeaderEnvBytes, strconv.Itoa(len(env)))
	} else {
		u := &url.URL{Scheme: "http", Host: "instance", Path: req.Path, RawQuery: req.RawQuery}
		if u.Path == "" {
			u.Path = "/"
		}
		hreq, err = http.NewRequestWithContext(ctx, req.Method, u.String(), bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("%w", berth.Invalid("method", "the request cannot be forwarded: "+err.Error()))
		}
		for k, vs := range req.Header {
			if k == "Host" || k == "Content-Length" || strings.HasPrefix(k, "X-Berth-") {
				continue
			}
			hreq.Header[k] = vs
		}
		hreq.Header.Set(watchdog.HeaderInvoke, watchdog.ModeHTTP)
		if req.RemoteAddr != "" {
			hreq.Header.Set(watchdog.HeaderRemoteAddr, cgi.RemoteHost(req.RemoteAddr))
		}
	}
	if req.ExecutionID != "" {
		hreq.Header.Set(watchdog.HeaderExecutionID, req.ExecutionID)
	}
	watchdog.CallLimits{
		TimeoutMS: max(1, lim.Timeout.Milliseconds()),
		MaxOutput: lim.MaxOutputBytes,
		MaxLogs:   int64(max(1, lim.MaxLogBytes)),
	}.SetHeaders(hreq.Header)
	return hreq, nil
}

// callFailed explains a call whose envelope never came: nothing reached
// the instance (errUnreachable), the caller left, the watchdog stayed
// silent past the deadline (the call is counted a timeout and the
// instance retired), or the instance died under the call.
func (r *Runtime) callFailed(parent, cctx context.Context, in *instance, err error, lim berth.Limits) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return fmt.Errorf("%w: %w", errUnreachable, err)
	}
	switch {
	case parent.Err() != nil:
		return fmt.Errorf("invocation abandoned by the caller: %w", parent.Err())
	case cctx.Err() != nil:
		return fmt.Errorf("%w after %s (the instance did not answer and was stopped)", berth.ErrTimeout, lim.Timeout)
	}
	ictx, cancel := context.WithTimeout(context.WithoutCancel(parent), 5*time.Second)
	defer cancel()
	r.mu.Lock()
	id := in.containerID
	r.mu.Unlock()
	for range 20 { // the engine sees the death a moment after the socket does
		c, ierr := r.eng.InspectContainer(ictx, id)
		if ierr != nil {
			break
		}
		if c.State.OOMKilled {
			return fmt.Errorf("%w: the instance was killed for using more than %d MiB", berth.ErrOutOfMemory, lim.MemoryMB)
		}
		if !c.State.Running {
			return fmt.Errorf("%w: the instance stopped during the call (exit code %d)", berth.ErrCrashed, c.State.ExitCode)
		}
		time.Sleep(25 * time.Millisecond)
	}
	return fmt.Errorf("%w: the instance failed during the call: %w", berth.ErrCrashed, err)
}

// outcome turns an envelope into a response or a function error, and says
// whether the instance must be retired.
func outcome(res *watchdog.Result, lim berth.Limits, mode string) (*cgi.Response, error, bool) {
	switch res.Outcome {
	case watchdog.OutcomeOK:
		out, err := cgi.Parse(res.Output)
		if err == nil {
			err = out.Trim()
		}
		if err != nil {
			return nil, err, false
		}
		return out, nil, false
	case watchdog.OutcomeExit:
		out, err := cgi.Parse(res.Output)
		if err == nil && out.Complete() {
			out.Body = out.Body[:out.ContentLength]
			return out, nil, false
		}
		return nil, fmt.Errorf("%w: %s before a complete response", berth.ErrCrashed, res.Detail), false
	case watchdog.OutcomeTimeout:
		// A stuck handler of an http server may hold the server: retire it.
		return nil, fmt.Errorf("%w after %s", berth.ErrTimeout, lim.Timeout), mode == watchdog.ModeHTTP
	case watchdog.OutcomeOutputTooLarge:
		return nil, fmt.Errorf("%w: %s (the limit is %d bytes)", berth.ErrOutputTooLarge, res.Detail, lim.MaxOutputBytes), false
	case watchdog.OutcomeOutOfMemory:
		return nil, fmt.Errorf("%w: the function needed more than its %d MiB (%s)", berth.ErrOutOfMemory, lim.MemoryMB, res.Detail), false
	case watchdog.OutcomeBadResponse:
		return nil, fmt.Errorf("%w: %s", berth.ErrBadResponse, res.Detail), false
	case watchdog.OutcomeCrashed:
		return nil, fmt.Errorf("%w: %s", berth.ErrCrashed, res.Detail), false
	}
	return nil, fmt.Errorf("container: watchdog answered with an unknown outcome %q", res.Outcome), true
}
