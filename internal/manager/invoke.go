package manager

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/clientaddr"
	"github.com/berth-platform/berth/internal/headers"
)

// HeaderExecutionID names the execution record on every invocation answer.
const HeaderExecutionID = "X-Berth-Execution-Id"

// functionCSP is sent with every function response. Functions answer on
// the platform's own origin; the sandbox gives their documents an opaque
// origin, so a function's page cannot read the dashboard or use its
// session — whoever wrote the function.
const functionCSP = "sandbox allow-scripts allow-forms allow-popups allow-downloads; frame-ancestors 'none'"

// invokeAPI serves POST /api/functions/{id}/invoke.
func (m *Manager) invokeAPI(w http.ResponseWriter, r *http.Request) {
	m.invoke(w, r, r.PathValue("id"), "/")
}

// trigger serves any method on /fn/{id}/{path...}: the function sees the
// method and the sub-path in PATH_INFO.
func (m *Manager) trigger(w http.ResponseWriter, r *http.Request) {
	m.invoke(w, r, r.PathValue("id"), "/"+r.PathValue("path"))
}

// caller is who an invocation runs for.
type caller struct {
	kind  berth.CallerKind
	keyID string
}

// authorizeInvoke decides whether the request may invoke f. A function's
// API key works only for that function; a private function exists only
// for its owner, full admins and its keys.
func authorizeInvoke(p *Principal, f *berth.Function) (caller, error) {
	public := f.Settings.Visibility == berth.VisibilityPublic
	switch {
	case p != nil && p.APIKey != nil:
		if p.APIKey.FunctionID != f.ID {
			return caller{}, problem(http.StatusUnauthorized, "invalid-credentials",
				"the signature was not accepted: the key is unknown, disabled or expired, or the signature does not match the request")
		}
		return caller{berth.CallerAPIKey, p.APIKey.KeyID}, nil
	case p != nil && canWrite(p, f):
		return caller{berth.CallerOwner, p.AccessKey}, nil
	case public:
		return caller{kind: berth.CallerPublic}, nil
	case p != nil && canRead(p, f):
		return caller{}, problem(http.StatusForbidden, codeForbidden, "read-only administrators (viewer) cannot invoke functions")
	case p != nil:
		return caller{}, functionNotFound(f.ID)
	}
	return caller{}, unauthorized("function " + f.ID + " is private: sign the request with one of its API keys, or authenticate as its owner")
}

func (m *Manager) invoke(w http.ResponseWriter, r *http.Request, id, path string) {
	ctx := r.Context()
	if !uuidRe.MatchString(id) {
		m.writeErr(w, r, functionNotFound(id))
		return
	}
	f, err := m.invokedFunction(ctx, id)
	if err != nil {
		m.writeErr(w, r, err)
		return
	}
	who, err := authorizeInvoke(PrincipalFrom(ctx), f)
	if err != nil {
		m.refuse(w, r, err)
		return
	}
	if who.kind == berth.CallerPublic {
		// Nobody's credential vouches for a public call: the owner's
		// account must still be active (API keys and owners were checked
		// with their credential).
		if err := m.ownerActive(ctx, f); err != nil {
			m.writeErr(w, r, err)
			return
		}
	}
	switch {
	case f.Status == berth.FunctionPendingDeletion:
		m.writeErr(w, r, problem(http.StatusGone, codePendingDeletion, "function "+f.ID+" is scheduled for deletion and cannot be invoked"))
		return
	case f.ActiveVersion == 0:
		m.writeErr(w, r, problem(http.StatusConflict, codeNotDeployed, "function "+f.ID+" has no deployment yet: deploy it first"))
		return
	}
	e := berth.Execution{ID: uuid.NewString(), FunctionID: f.ID, OwnerID: f.OwnerID, Version: f.ActiveVersion,
		StartedAt: m.now().UTC(), CallerKind: who.kind, CallerKeyID: who.keyID}
	w.Header().Set(HeaderExecutionID, e.ID)
	release, err := m.acquireSlot(ctx, f)
	if err != nil {
		m.finishRejected(w, r, &e, err)
		return
	}
	defer release()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, m.fn.MaxInvokeBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			err = tooLarge("request body", m.fn.MaxInvokeBodyBytes)
		} else {
			err = problem(http.StatusBadRequest, codeValidation, "the request body could not be read")
		}
		m.finishRejected(w, r, &e, err)
		return
	}
	e.BytesIn = int64(len(body))
	resp, err := m.run(ctx, f, r, path, body, e.ID)
	if errors.Is(err, berth.ErrBusy) {
		// The runtime had no room for the call and never ran it.
		m.finishRejected(w, r, &e, withRetryAfter(problem(http.StatusServiceUnavailable, codeUnavailable,
			"the server is running as many function calls as its memory budget allows; retry shortly"), 1))
		return
	}
	m.finish(w, r, f, &e, resp, err)
}

// invokedFunction reads the function to invoke; an API key's own function
// was read with the key moments ago and is not read again.
func (m *Manager) invokedFunction(ctx context.Context, id string) (*berth.Function, error) {
	if p := PrincipalFrom(ctx); p != nil && p.keyFunction != nil && p.keyFunction.ID == id {
		return p.keyFunction, nil
	}
	f, err := m.store.Function(ctx, id)
	if errors.Is(err, berth.ErrNotFound) {
		return nil, functionNotFound(id)
	}
	return f, err
}

// run prepares the call and hands it to the runtime.
func (m *Manager) run(ctx context.Context, f *berth.Function, r *http.Request, path string, body []byte, execID string) (*berth.InvokeResponse, error) {
	d, err := m.deployment(ctx, f.ID, f.ActiveVersion)
	if err != nil {
		return nil, err
	}
	env, err := m.environment(ctx, f)
	if err != nil {
		return nil, err
	}
	rt, ok := m.runtimes[f.Runtime]
	if !ok {
		return nil, problem(http.StatusServiceUnavailable, codeRuntimeOff, "the "+f.Runtime+" runtime is not enabled on this server")
	}
	req := &berth.InvokeRequest{
		ExecutionID: execID, Method: r.Method, Path: path, RawQuery: r.URL.RawQuery, Header: forwardHeaders(r.Header),
		Body: bytes.NewReader(body), ContentLength: int64(len(body)), RemoteAddr: clientAddrFrom(ctx), Env: env,
		Limits: berth.Limits{MemoryMB: f.Settings.MemoryMB, Timeout: time.Duration(f.Settings.TimeoutMS) * time.Millisecond,
			MaxOutputBytes: m.fn.MaxResponseBytes},
	}
	defer m.fnMetrics.running(f.Runtime)()
	return rt.Invoke(ctx, m.ref(f, d), req)
}

// deployment returns a deployment; ready deployments never change, so
// they are kept in memory once read.
func (m *Manager) deployment(ctx context.Context, functionID string, version int) (*berth.Deployment, error) {
	key := functionID + "@" + strconv.Itoa(version)
	if d, ok := m.deployments.Load(key); ok {
		return d.(*berth.Deployment), nil
	}
	d, err := m.store.Deployment(ctx, functionID, version)
	if err != nil {
		return nil, err
	}
	if d.Status == berth.DeploymentReady {
		m.deployments.Store(key, d)
	}
	return d, nil
}

// environment is the function's env with its secrets opened.
func (m *Manager) environment(ctx context.Context, f *berth.Function) (map[string]string, error) {
	env := make(map[string]string, len(f.Settings.Env)+len(f.SecretNames))
	for k, v := range f.Settings.Env {
		env[k] = v
	}
	if len(f.SecretNames) == 0 {
		return env, nil
	}
	sealed, err := m.store.Secrets(ctx, f.ID)
	if err != nil {
		return nil, err
	}
	for k, s := range sealed {
		v, err := m.box.Open(s, secretAAD(f.ID, k))
		if err != nil {
			m.log.ErrorContext(ctx, "function secret cannot be opened: is the master key the one it was sealed with?",
				"event", "secret_open_failed", "function_id", f.ID, "secret", k)
			return nil, problem(http.StatusInternalServerError, codeInternal,
				"secret "+k+" of this function cannot be decrypted; the operator must restore the master key or the owner must set the secret again")
		}
		env[k] = string(v)
	}
	return env, nil
}

// forwardHeaders is what the function sees of the request's headers:
// credentials, cookies, berth's own headers and hop-by-hop headers removed.
func forwardHeaders(in http.Header) http.Header {
	out := in.Clone()
	headers.RemoveHopByHop(out)
	out.Del("Authorization")
	out.Del("Cookie")
	out.Del(clientaddr.HeaderClientAddress)
	headers.RemoveBerth(out)
	return out
}

// finish answers with the function's response, or the problem its failure
// maps to, and records the execution — before the answer leaves, so that a
// caller never holds an answer whose record a crash could lose (with the
// recorder's journal, the record is on disk by then).
func (m *Manager) finish(w http.ResponseWriter, r *http.Request, f *berth.Function, e *berth.Execution, resp *berth.InvokeResponse, err error) {
	e.DurationUS = m.now().UTC().Sub(e.StartedAt).Microseconds()
	if resp != nil {
		e.Logs, e.ColdStart = resp.Logs, resp.ColdStart
	}
	if err != nil {
		p := m.invokeProblem(r.Context(), err)
		e.Status, e.HTTPStatus, e.Error = executionStatus(err), p.Status, p.Detail
		m.record(r.Context(), f, e)
		writeProblem(w, r, p, nil)
		return
	}
	e.Status, e.HTTPStatus, e.BytesOut = berth.ExecSuccess, resp.Status, int64(len(resp.Body))
	m.record(r.Context(), f, e)
	h := w.Header()
	copyFunctionHeaders(h, resp.Header, f.ID)
	h.Set(HeaderExecutionID, e.ID)
	h.Set("Content-Security-Policy", functionCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body) //nolint:gosec // G705: the function's own answer, sent under a sandbox CSP
}

// finishRejected records and answers an invocation the platform refused
// before running it.
func (m *Manager) finishRejected(w http.ResponseWriter, r *http.Request, e *berth.Execution, err error) {
	e.DurationUS = m.now().UTC().Sub(e.StartedAt).Microseconds()
	e.Status = berth.ExecRejected
	perr := m.fail(r.Context(), err)
	var em interface{ GetStatus() int }
	if errors.As(perr, &em) {
		e.HTTPStatus = em.GetStatus()
	}
	e.Error = err.Error()
	m.record(r.Context(), nil, e)
	m.writeErr(w, r, perr)
}

func executionStatus(err error) berth.ExecutionStatus {
	switch {
	case errors.Is(err, berth.ErrTimeout):
		return berth.ExecTimeout
	case errors.Is(err, berth.ErrOutOfMemory):
		return berth.ExecOutOfMemory
	}
	return berth.ExecError
}

// invokeProblem maps a runtime failure to the problem the caller sees.
func (m *Manager) invokeProblem(ctx context.Context, err error) *problemError {
	switch {
	case errors.Is(err, berth.ErrTimeout):
		return problem(http.StatusGatewayTimeout, codeFunctionTimeout, "the function did not answer in time: "+err.Error())
	case errors.Is(err, berth.ErrOutOfMemory), errors.Is(err, berth.ErrCrashed),
		errors.Is(err, berth.ErrBadResponse), errors.Is(err, berth.ErrOutputTooLarge):
		return problem(http.StatusBadGateway, codeFunctionFailed, "the function failed: "+err.Error()+"; its logs are in the execution record")
	case errors.Is(err, context.Canceled):
		return problem(499, codeUnavailable, "the client went away")
	}
	var em *problemError
	if errors.As(m.fail(ctx, err), &em) {
		return em
	}
	return problem(http.StatusInternalServerError, codeInternal, "internal error")
}

// record hands the execution to the batch writer and logs the invocation.
func (m *Manager) record(ctx context.Context, f *berth.Function, e *berth.Execution) {
	if err := m.recorder.Record(context.WithoutCancel(ctx), *e); err != nil {
		m.log.ErrorContext(ctx, "execution not recorded", "event", "record_failed", "execution_id", e.ID, "error", err)
	}
	m.fnMetrics.observe(e, m.now())
	name := ""
	if f != nil {
		name = f.Name
	}
	m.log.InfoContext(ctx, "invoke", "event", "invoke", "user_id", e.OwnerID, "function_id", e.FunctionID, "function", name,
		"version", e.Version, "status", string(e.Status), "http_status", e.HTTPStatus, "duration_ms", float64(e.DurationUS)/1000,
		"cold_start", e.ColdStart, "execution_id", e.ID, "caller", string(e.CallerKind))
}

// slotWait is how long an invocation waits for a free slot when the
// function is at max_concurrency.
const slotWait = 2 * time.Second

// acquireSlot bounds the calls of one function running at once.
func (m *Manager) acquireSlot(ctx context.Context, f *berth.Function) (func(), error) {
	sem := m.limits.get(f.ID, max(1, f.Settings.MaxConcurrency))
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	default:
	}
	t := time.NewTimer(slotWait)
	defer t.Stop()
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-t.C:
		return nil, withRetryAfter(problem(http.StatusTooManyRequests, codeTooBusy,
			"the function is already running max_concurrency ("+strconv.Itoa(f.Settings.MaxConcurrency)+") calls; retry shortly or raise max_concurrency"), 1)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// limits holds one semaphore per function, sized by its max_concurrency.
type limits struct {
	mu sync.Mutex
	m  map[string]chan struct{}
}

func (l *limits) get(id string, n int) chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]chan struct{}{}
	}
	sem := l.m[id]
	if sem == nil || cap(sem) != n {
		// A changed limit takes effect for new calls; calls holding the
		// old semaphore release into it.
		sem = make(chan struct{}, n)
		l.m[id] = sem
	}
	return sem
}

func (l *limits) forget(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, id)
}
