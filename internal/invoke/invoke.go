package invoke

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/clientaddr"
	"github.com/berth-platform/berth/internal/headers"
	problems "github.com/berth-platform/berth/internal/problem"
	"github.com/berth-platform/berth/internal/recorder"
	"github.com/berth-platform/berth/internal/secret"
)

// HeaderExecutionID names the execution record on every invocation answer.
const HeaderExecutionID = "X-Berth-Execution-Id"

// functionCSP is sent with every function response. Functions answer on
// the platform's own origin; the sandbox gives their documents an opaque
// origin, so a function's page cannot read the dashboard or use its
// session — whoever wrote the function.
const functionCSP = "sandbox allow-scripts allow-forms allow-popups allow-downloads; frame-ancestors 'none'"

// slotWait is how long an invocation waits for a free slot when the
// function is at max_concurrency.
const slotWait = 2 * time.Second

// Functions is what an invocation reads: functions, their owners and
// sealed secrets (through a cache on the request path: storecache.Store
// serves them), and deployments.
type Functions interface {
	CachedFunction(ctx context.Context, id string) (*berth.Function, error)
	CachedUser(ctx context.Context, id string) (*berth.User, error)
	CachedSecrets(ctx context.Context, functionID string) (map[string][]byte, error)
	Deployment(ctx context.Context, functionID string, version int) (*berth.Deployment, error)
}

// Caller is who an invocation runs for.
type Caller struct {
	Kind  berth.CallerKind
	KeyID string
}

// Answers is how the invoker answers what it refuses: the manager's one
// mapping from errors to problems, so that an invocation's problems are
// the API's.
type Answers interface {
	// Problem maps err to the problem the client sees and the headers it
	// carries (Retry-After); an internal error is logged with the request
	// id and answered without its detail.
	Problem(ctx context.Context, err error) (*huma.ErrorModel, http.Header)
	// Write answers with p and header.
	Write(w http.ResponseWriter, r *http.Request, p *huma.ErrorModel, header http.Header)
	// Refuse answers a refused credential (401 with WWW-Authenticate).
	Refuse(w http.ResponseWriter, r *http.Request, err error)
}

// Options are the invoker's dependencies.
type Options struct {
	Functions Functions
	Box       *secret.Box
	// Runtimes run functions, by runtime name ("wasm", "container").
	Runtimes map[string]berth.Runtime
	// MaxResponseBytes bounds a function's answer.
	MaxResponseBytes int64
	// DataDir holds the artefacts deployments name.
	DataDir  string
	Recorder *recorder.Recorder
	// Registry takes the function collectors; nil: none.
	Registry prometheus.Registerer
	Logger   *slog.Logger
	Now      func() time.Time
	Answers  Answers
	// Authorize decides whether the request may invoke f, and for whom.
	Authorize func(ctx context.Context, f *berth.Function) (Caller, error)
	// Body reads the request body, once, under the invocation limit, and
	// checks it against the request's signature when it has one: the one
	// place that answers 413 (and the body the runtime gets is the one it
	// returned, so no call runs on a body that was not checked).
	Body func(w http.ResponseWriter, r *http.Request) ([]byte, error)
	// ClientAddr is the request's client address, as the API resolved it.
	ClientAddr func(ctx context.Context) string
	// Admit applies the owner's quotas to a call the function can take and
	// returns what ends it; nil admits every call.
	Admit func(ctx context.Context, f *berth.Function) (release func(), err error)
}

// Invoker serves invocations: POST /api/functions/{id}/invoke and
// /fn/{id}/…. It holds only what a call needs.
type Invoker struct {
	o           Options
	log         *slog.Logger
	now         func() time.Time
	metrics     *functionMetrics
	deployments sync.Map // "<function id>@<version>" -> *berth.Deployment (ready ones: immutable)
	limits      limits
}

// New builds an invoker.
func New(o Options) *Invoker {
	in := &Invoker{o: o, log: o.Logger, now: o.Now}
	if in.log == nil {
		in.log = slog.New(slog.DiscardHandler)
	}
	if in.now == nil {
		in.now = time.Now
	}
	if in.o.ClientAddr == nil {
		in.o.ClientAddr = func(context.Context) string { return "" }
	}
	var queue func() int
	if o.Recorder != nil {
		queue = o.Recorder.Pending
	}
	names := make([]string, 0, len(o.Runtimes))
	for name := range o.Runtimes {
		names = append(names, name)
	}
	in.metrics = newFunctionMetrics(o.Registry, names, queue)
	return in
}

// Serve invokes function id with the request; path is what the function
// sees in PATH_INFO.
func (in *Invoker) Serve(w http.ResponseWriter, r *http.Request, id, path string) {
	ctx := r.Context()
	if !berth.ValidID(id) {
		in.fail(w, r, functionNotFound(id))
		return
	}
	f, err := in.o.Functions.CachedFunction(ctx, id)
	if errors.Is(err, berth.ErrNotFound) {
		err = functionNotFound(id)
	}
	if err != nil {
		in.fail(w, r, err)
		return
	}
	who, err := in.o.Authorize(ctx, f)
	if err != nil {
		in.o.Answers.Refuse(w, r, err)
		return
	}
	// From here on the call is the caller's, and whatever answers it is
	// recorded. The body comes first: a signed call's nonce is spent
	// before anything about the function can refuse it, so that a call
	// refused now (busy, not deployed) cannot be replayed to run later.
	e := berth.Execution{ID: uuid.NewString(), FunctionID: f.ID, OwnerID: f.OwnerID, Version: f.ActiveVersion,
		StartedAt: in.now().UTC(), CallerKind: who.Kind, CallerKeyID: who.KeyID}
	w.Header().Set(HeaderExecutionID, e.ID)
	body, err := in.o.Body(w, r)
	if err != nil {
		in.finishRejected(w, r, &e, err)
		return
	}
	e.BytesIn = int64(len(body))
	if err := in.runnable(ctx, f, who); err != nil {
		in.finishRejected(w, r, &e, err)
		return
	}
	if in.o.Admit != nil {
		done, err := in.o.Admit(ctx, f)
		if err != nil {
			in.finishRejected(w, r, &e, err)
			return
		}
		defer done()
	}
	release, err := in.acquireSlot(ctx, f)
	if err != nil {
		in.finishRejected(w, r, &e, err)
		return
	}
	defer release()
	resp, err := in.run(ctx, f, r, path, body, e.ID)
	if errors.Is(err, berth.ErrBusy) {
		// The runtime had no room for the call and never ran it.
		in.finishRejected(w, r, &e, problems.WithRetryAfter(problems.New(http.StatusServiceUnavailable, problems.Unavailable,
			"the server is running as many function calls as its memory budget allows; retry shortly"), 1))
		return
	}
	in.finish(w, r, f, &e, resp, err)
}

// runnable refuses a call the function cannot take: scheduled for
// deletion, never deployed, or — for a public call, which nobody's
// credential vouches for — an owner whose account has ended (API keys and
// owners were checked with their credential).
func (in *Invoker) runnable(ctx context.Context, f *berth.Function, who Caller) error {
	switch {
	case f.Status == berth.FunctionPendingDeletion:
		return problems.New(http.StatusGone, problems.PendingDeletion, "function "+f.ID+" is scheduled for deletion and cannot be invoked")
	case f.ActiveVersion == 0:
		return problems.New(http.StatusConflict, problems.NotDeployed, "function "+f.ID+" has no deployment yet: deploy it first")
	case who.Kind == berth.CallerPublic:
		return in.ownerActive(ctx, f)
	}
	return nil
}

func functionNotFound(id string) error {
	return problems.New(http.StatusNotFound, problems.NotFound, "no function "+id+" (or it is not yours)")
}

// fail answers with err's problem.
func (in *Invoker) fail(w http.ResponseWriter, r *http.Request, err error) {
	p, header := in.o.Answers.Problem(r.Context(), err)
	in.o.Answers.Write(w, r, p, header)
}

// ownerActive refuses a call of a function whose owner's account ended.
func (in *Invoker) ownerActive(ctx context.Context, f *berth.Function) error {
	u, err := in.o.Functions.CachedUser(ctx, f.OwnerID)
	status := berth.UserDeleted
	switch {
	case errors.Is(err, berth.ErrNotFound):
	case err != nil:
		return err
	case u.Active():
		return nil
	default:
		status = u.Status
	}
	return problems.New(http.StatusForbidden, problems.OwnerInactive,
		"function "+f.ID+" cannot be invoked: its owner's account is "+string(status)+"; ask an administrator")
}

// run prepares the call and hands it to the runtime.
func (in *Invoker) run(ctx context.Context, f *berth.Function, r *http.Request, path string, body []byte, execID string) (*berth.InvokeResponse, error) {
	d, err := in.deployment(ctx, f.ID, f.ActiveVersion)
	if err != nil {
		return nil, err
	}
	env, err := in.environment(ctx, f)
	if err != nil {
		return nil, err
	}
	rt, ok := in.o.Runtimes[f.Runtime]
	if !ok {
		return nil, problems.New(http.StatusServiceUnavailable, problems.RuntimeOff, "the "+f.Runtime+" runtime is not enabled on this server")
	}
	req := &berth.InvokeRequest{
		ExecutionID: execID, Method: r.Method, Path: path, RawQuery: r.URL.RawQuery, Header: forwardHeaders(r.Header),
		Body: body, RemoteAddr: in.o.ClientAddr(ctx), Env: env,
		Limits: berth.Limits{MemoryMB: f.Settings.MemoryMB, Timeout: time.Duration(f.Settings.TimeoutMS) * time.Millisecond,
			MaxOutputBytes: in.o.MaxResponseBytes},
	}
	defer in.metrics.running(f.Runtime)()
	return rt.Invoke(ctx, berth.DeploymentRef{FunctionID: f.ID, Version: d.Version, ArtefactPath: filepath.Join(in.o.DataDir, d.Artefact),
		ContentType: d.ContentType, SHA256: d.SHA256}, req)
}

// deployment returns a deployment; ready deployments never change, so
// they are kept in memory once read.
func (in *Invoker) deployment(ctx context.Context, functionID string, version int) (*berth.Deployment, error) {
	key := functionID + "@" + strconv.Itoa(version)
	if d, ok := in.deployments.Load(key); ok {
		return d.(*berth.Deployment), nil
	}
	d, err := in.o.Functions.Deployment(ctx, functionID, version)
	if err != nil {
		return nil, err
	}
	if d.Status == berth.DeploymentReady {
		in.deployments.Store(key, d)
	}
	return d, nil
}

// Forget drops what the invoker keeps of a function being deleted: its
// deployments and its concurrency slots.
func (in *Invoker) Forget(functionID string, versions []int) {
	for _, v := range versions {
		in.deployments.Delete(functionID + "@" + strconv.Itoa(v))
	}
	in.limits.forget(functionID)
}

// environment is the function's env with its secrets opened.
func (in *Invoker) environment(ctx context.Context, f *berth.Function) (map[string]string, error) {
	env := make(map[string]string, len(f.Settings.Env)+len(f.SecretNames))
	for k, v := range f.Settings.Env {
		env[k] = v
	}
	if len(f.SecretNames) == 0 {
		return env, nil
	}
	sealed, err := in.o.Functions.CachedSecrets(ctx, f.ID)
	if err != nil {
		return nil, err
	}
	for k, s := range sealed {
		v, err := in.o.Box.Open(s, SecretAAD(f.ID, k))
		if err != nil {
			in.log.ErrorContext(ctx, "function secret cannot be opened: is the master key the one it was sealed with?",
				"event", "secret_open_failed", "function_id", f.ID, "secret", k)
			return nil, problems.New(http.StatusInternalServerError, problems.Internal,
				"secret "+k+" of this function cannot be decrypted; the operator must restore the master key or the owner must set the secret again")
		}
		env[k] = string(v)
	}
	return env, nil
}

// SecretAAD binds a sealed secret to its function and name.
func SecretAAD(functionID, name string) []byte { return []byte("secret:" + functionID + ":" + name) }

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
func (in *Invoker) finish(w http.ResponseWriter, r *http.Request, f *berth.Function, e *berth.Execution, resp *berth.InvokeResponse, err error) {
	e.DurationUS = in.now().UTC().Sub(e.StartedAt).Microseconds()
	if resp != nil {
		e.Logs, e.ColdStart = resp.Logs, resp.ColdStart
	}
	if err != nil {
		p, header := in.problem(r.Context(), err)
		e.Status, e.HTTPStatus, e.Error = executionStatus(err), p.Status, p.Detail
		in.record(r.Context(), f, e)
		in.o.Answers.Write(w, r, p, header)
		return
	}
	e.Status, e.HTTPStatus, e.BytesOut = berth.ExecSuccess, resp.Status, int64(len(resp.Body))
	in.record(r.Context(), f, e)
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
// before running it: every refusal is recorded the same way.
func (in *Invoker) finishRejected(w http.ResponseWriter, r *http.Request, e *berth.Execution, err error) {
	e.DurationUS = in.now().UTC().Sub(e.StartedAt).Microseconds()
	e.Status = berth.ExecRejected
	p, header := in.o.Answers.Problem(r.Context(), err)
	e.HTTPStatus, e.Error = p.Status, err.Error()
	in.record(r.Context(), nil, e)
	in.o.Answers.Write(w, r, p, header)
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

// problem maps a runtime failure to the problem the caller sees; what is
// not a runtime failure goes to the API's mapping.
func (in *Invoker) problem(ctx context.Context, err error) (*huma.ErrorModel, http.Header) {
	switch {
	case errors.Is(err, berth.ErrTimeout):
		return problems.New(http.StatusGatewayTimeout, problems.FunctionTimeout, "the function did not answer in time: "+err.Error()), nil
	case errors.Is(err, berth.ErrOutOfMemory), errors.Is(err, berth.ErrCrashed),
		errors.Is(err, berth.ErrBadResponse), errors.Is(err, berth.ErrOutputTooLarge):
		return problems.New(http.StatusBadGateway, problems.FunctionFailed, "the function failed: "+err.Error()+"; its logs are in the execution record"), nil
	case errors.Is(err, context.Canceled):
		return problems.New(499, problems.Unavailable, "the client went away"), nil
	}
	return in.o.Answers.Problem(ctx, err)
}

// record hands the execution to the batch writer and logs the invocation.
func (in *Invoker) record(ctx context.Context, f *berth.Function, e *berth.Execution) {
	if err := in.o.Recorder.Record(context.WithoutCancel(ctx), *e); err != nil {
		in.log.ErrorContext(ctx, "execution not recorded", "event", "record_failed", "execution_id", e.ID, "error", err)
	}
	in.metrics.observe(e, in.now())
	if !in.log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	name := ""
	if f != nil {
		name = f.Name
	}
	in.log.InfoContext(ctx, "invoke", "event", "invoke", "user_id", e.OwnerID, "function_id", e.FunctionID, "function", name,
		"version", e.Version, "status", string(e.Status), "http_status", e.HTTPStatus, "duration_ms", float64(e.DurationUS)/1000,
		"cold_start", e.ColdStart, "execution_id", e.ID, "caller", string(e.CallerKind))
}

// Load returns the invocations that finished in the last minute on this
// process, and how many of them failed.
func (in *Invoker) Load(now time.Time) (calls, failed int64) { return in.metrics.load.totals(now) }

// Live returns the function instances running now, by runtime.
func (in *Invoker) Live() map[string]int64 { return in.metrics.live() }

// acquireSlot bounds the calls of one function running at once.
func (in *Invoker) acquireSlot(ctx context.Context, f *berth.Function) (func(), error) {
	sem := in.limits.get(f.ID, max(1, f.Settings.MaxConcurrency))
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
		return nil, problems.WithRetryAfter(problems.New(http.StatusTooManyRequests, problems.TooBusy,
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
