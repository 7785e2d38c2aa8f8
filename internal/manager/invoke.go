package manager

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/invoke"
	"github.com/berth-platform/berth/internal/signing"
)

// HeaderExecutionID names the execution record on every invocation answer.
const HeaderExecutionID = invoke.HeaderExecutionID

// The invocation routes are served by internal/invoke; the manager gives
// it who the caller is, the request's verified body, and its answers.

// invokeAPI serves POST /api/functions/{id}/invoke.
func (m *Manager) invokeAPI(w http.ResponseWriter, r *http.Request) {
	m.invoker.Serve(w, r, r.PathValue("id"), "/")
}

// trigger serves any method on /fn/{id}/{path...}: the function sees the
// method and the sub-path in PATH_INFO.
func (m *Manager) trigger(w http.ResponseWriter, r *http.Request) {
	m.invoker.Serve(w, r, r.PathValue("id"), "/"+r.PathValue("path"))
}

// newInvoker builds the invoker from the manager's dependencies.
func (m *Manager) newInvoker(o Options) *invoke.Invoker {
	io := invoke.Options{
		Functions: m.cache, Box: m.box, Runtimes: m.runtimes, MaxResponseBytes: m.fn.MaxResponseBytes,
		DataDir: m.dataDir, Recorder: m.recorder, Logger: m.log, Now: m.now, Answers: answers{m},
		Authorize: m.authorizeInvoke, Body: m.invokeBody, ClientAddr: clientAddrFrom, Admit: m.admitCall,
	}
	if o.Metrics != nil {
		io.Registry = o.Metrics.reg
	}
	return invoke.New(io)
}

// authorizeInvoke decides whether the request may invoke f. A function's
// API key works only for that function; a private function exists only
// for its owner, full admins and its keys.
func (m *Manager) authorizeInvoke(ctx context.Context, f *berth.Function) (invoke.Caller, error) {
	p := PrincipalFrom(ctx)
	public := f.Settings.Visibility == berth.VisibilityPublic
	switch {
	case p != nil && p.APIKey != nil:
		if p.APIKey.FunctionID != f.ID {
			return invoke.Caller{}, problem(http.StatusUnauthorized, "invalid-credentials",
				"the signature was not accepted: the key is unknown, disabled or expired, or the signature does not match the request")
		}
		return invoke.Caller{Kind: berth.CallerAPIKey, KeyID: p.APIKey.KeyID}, nil
	case p != nil && canWrite(p, f):
		return invoke.Caller{Kind: berth.CallerOwner, KeyID: p.AccessKey}, nil
	case p != nil && f.Settings.Visibility == berth.VisibilityOrganization:
		member, _, err := m.orgAccess(ctx, p, f)
		if err != nil {
			return invoke.Caller{}, err
		}
		if member {
			return invoke.Caller{Kind: berth.CallerOwner, KeyID: p.AccessKey}, nil
		}
	}
	switch {
	case public:
		return invoke.Caller{Kind: berth.CallerPublic}, nil
	case p != nil && canRead(p, f):
		return invoke.Caller{}, problem(http.StatusForbidden, codeForbidden, "read-only administrators (viewer) cannot invoke functions")
	case p != nil:
		return invoke.Caller{}, functionNotFound(f.ID)
	}
	return invoke.Caller{}, unauthorized("function " + f.ID + " is private: sign the request with one of its API keys, or authenticate as its owner")
}

// invokeBody reads an invocation's body once, under the invocation limit,
// and — for a signed request, whose body authentication left to this
// route — checks it against the signature and spends the nonce.
func (m *Manager) invokeBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := readBody(w, r, m.fn.MaxInvokeBodyBytes)
	if err != nil {
		return nil, err
	}
	if p := PrincipalFrom(r.Context()); p != nil && p.signed != nil {
		if err := m.verifier.Complete(r.Context(), p.signed, body); err != nil {
			return nil, err
		}
	}
	return body, nil
}

// readBody reads a request body under limit: the one place that answers
// a body over its route's limit with 413.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, problem(http.StatusRequestEntityTooLarge, codeBodyTooLarge,
			"the request body is larger than this endpoint's limit of "+strconv.FormatInt(limit>>10, 10)+" KiB")
	}
	if err != nil {
		return nil, problem(http.StatusBadRequest, signing.CodeMalformed, "the request body could not be read")
	}
	return body, nil
}

// answers gives the invoker the manager's mapping of errors to problems.
type answers struct{ m *Manager }

func (a answers) Problem(ctx context.Context, err error) (*huma.ErrorModel, http.Header) {
	em, header := a.m.problemOf(ctx, err)
	if em.Status == http.StatusUnauthorized {
		header = wwwAuthenticate
	}
	return em, header
}

func (a answers) Write(w http.ResponseWriter, r *http.Request, p *huma.ErrorModel, header http.Header) {
	writeProblem(w, r, p, header)
}

func (a answers) Refuse(w http.ResponseWriter, r *http.Request, err error) { a.m.refuse(w, r, err) }
