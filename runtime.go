package berth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Runtime failures. A runtime wraps one of these so that the API can answer
// with the right status and the execution record can name what happened.
var (
	// ErrBadArtefact: the artefact cannot be deployed (not a module, no
	// _start, a build that fails). The previous deployment stays active.
	ErrBadArtefact = errors.New("artefact rejected")
	// ErrTimeout: the invocation outlived its deadline and was stopped.
	ErrTimeout = errors.New("function timed out")
	// ErrOutOfMemory: the invocation exceeded its memory limit.
	ErrOutOfMemory = errors.New("function ran out of memory")
	// ErrOutputTooLarge: the function wrote more than it may.
	ErrOutputTooLarge = errors.New("function output too large")
	// ErrBadResponse: the function's output is not a valid response
	// (malformed or oversized CGI headers).
	ErrBadResponse = errors.New("malformed function response")
	// ErrCrashed: the function trapped or exited non-zero before answering.
	ErrCrashed = errors.New("function crashed")
	// ErrNotDeployed: the runtime holds nothing for that deployment.
	ErrNotDeployed = errors.New("deployment not prepared")
	// ErrBusy: the runtime had no room for the invocation (its memory
	// budget was spent) and did not run it; a retry shortly may succeed.
	ErrBusy = errors.New("runtime busy")
)

// The limits of a call whose function leaves them unset. They live here
// only: a new function's settings and both runtimes' defaults take them.
const (
	DefaultMemoryMB       = 128
	DefaultTimeout        = 10 * time.Second
	DefaultMaxOutputBytes = 6 << 20
	DefaultMaxLogBytes    = 64 << 10
)

// DefaultLimits returns the default limits as one value.
func DefaultLimits() Limits {
	return Limits{MemoryMB: DefaultMemoryMB, Timeout: DefaultTimeout, MaxOutputBytes: DefaultMaxOutputBytes, MaxLogBytes: DefaultMaxLogBytes}
}

// Limits bound one invocation.
type Limits struct {
	MemoryMB       int           // linear memory / container memory cap
	Timeout        time.Duration // wall-clock deadline
	MaxOutputBytes int64         // response headers and body together
	MaxLogBytes    int           // captured stderr; the rest is dropped
}

// Or returns l with every unset (zero or negative) field taken from def.
func (l Limits) Or(def Limits) Limits {
	if l.MemoryMB <= 0 {
		l.MemoryMB = def.MemoryMB
	}
	if l.Timeout <= 0 {
		l.Timeout = def.Timeout
	}
	if l.MaxOutputBytes <= 0 {
		l.MaxOutputBytes = def.MaxOutputBytes
	}
	if l.MaxLogBytes <= 0 {
		l.MaxLogBytes = def.MaxLogBytes
	}
	return l
}

// DeploymentRef names a deployment for a runtime.
type DeploymentRef struct {
	FunctionID string
	Version    int
	// ArtefactPath is the uploaded artefact on local disk (a module or an
	// archive); the runtime may read it during Prepare only.
	ArtefactPath string
	// ContentType is the artefact's media type as uploaded.
	ContentType string
	SHA256      string // hex digest of the artefact
}

// InvokeRequest is one call of a function, as the runtime sees it.
type InvokeRequest struct {
	ExecutionID string
	Method      string
	Path        string // PATH_INFO: the sub-path after the function's base
	RawQuery    string
	Header      http.Header // credentials already removed
	// Body is the whole request body, read once by the caller under its
	// limit (and, for a signed request, checked against the signature).
	Body       []byte
	RemoteAddr string
	Env        map[string]string // the function's environment and secrets
	Limits     Limits
}

// CheckBody refuses a body over max bytes with an *InvalidError: the
// runtime's own bound, behind the caller's (which answers 413 first).
func (r *InvokeRequest) CheckBody(max int64) error {
	if int64(len(r.Body)) > max {
		return Invalid("body", fmt.Sprintf("the request body is larger than %d bytes", max))
	}
	return nil
}

// InvokeResponse is what the function answered.
type InvokeResponse struct {
	Status    int
	Header    http.Header
	Body      []byte
	Logs      []string // captured log lines (stderr), capped by Limits.MaxLogBytes
	ColdStart bool     // the call paid for starting an instance
}

// Runtime runs deployments of functions. Implementations: wasm (wazero),
// container (Podman/Docker API); every one passes runtimetest.
type Runtime interface {
	// Prepare validates and compiles (or builds) a deployment so that Invoke
	// pays no compile cost. Outcomes: nil; an error wrapping ErrBadArtefact
	// with a message for the user; any other error is the platform's fault.
	// It is safe to call again for a deployment already prepared.
	Prepare(ctx context.Context, d DeploymentRef) error
	// Invoke runs one request. A function's own failure is reported as an
	// error wrapping ErrTimeout, ErrOutOfMemory, ErrOutputTooLarge,
	// ErrBadResponse or ErrCrashed, with the response's Logs still filled
	// when the response is non-nil. ErrNotDeployed when Prepare never
	// succeeded for d (after a restart the runtime may prepare lazily).
	// ErrBusy when the runtime had no room for the call and did not run it.
	Invoke(ctx context.Context, d DeploymentRef, req *InvokeRequest) (*InvokeResponse, error)
	// Remove frees what the runtime holds for a deployment (compiled code,
	// images, instances). Removing an unknown deployment is not an error.
	Remove(ctx context.Context, d DeploymentRef) error
}

// Activator is an optional Runtime capability: the runtime is told when d
// became its function's active version (a deploy or a rollback) and lets
// go of the function's other versions — wasm unloads their compiled code,
// containers drain their instances. Outcomes: nil; an error when the
// runtime is closed. Versions let go of still work: a call to one prepares
// it again. Without it, old versions stay until the first call of the new
// one (containers) or until the process ends (wasm).
type Activator interface {
	Activate(ctx context.Context, d DeploymentRef) error
}

// BuildLogger is an optional Runtime capability: the log of d's last
// build, a failed one's too. Outcomes: the log; an error wrapping
// ErrNotDeployed when none is kept for d.
type BuildLogger interface {
	BuildLog(ctx context.Context, d DeploymentRef) (string, error)
}
