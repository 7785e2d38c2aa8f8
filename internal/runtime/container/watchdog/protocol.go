package watchdog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Paths inside the container.
const (
	// BinaryPath is where berth mounts the watchdog (read-only).
	BinaryPath = "/.berth/watchdog"
	// RunDir is the directory berth bind-mounts for the socket.
	RunDir = "/.berth/run"
	// SocketName is the socket's name in RunDir.
	SocketName = "watchdog.sock"
)

// Paths of the protocol.
const (
	PathHealth = "/_berth/healthz"
	PathReady  = "/_berth/readyz"
	PathStart  = "/_berth/start"
	PathExec   = "/_berth/exec"
)

// Modes.
const (
	ModeExec = "exec"
	ModeHTTP = "http"
)

// Request headers (berth to watchdog).
const (
	HeaderExecutionID = "X-Berth-Execution-Id"
	HeaderTimeout     = "X-Berth-Timeout-Ms" // the call's deadline, in milliseconds
	HeaderMaxOutput   = "X-Berth-Max-Output" // bytes of CGI response (headers and body)
	HeaderMaxLogs     = "X-Berth-Max-Logs"   // bytes of logs
	HeaderEnvBytes    = "X-Berth-Env-Bytes"  // exec: length of the environment before stdin
	HeaderInvoke      = "X-Berth-Invoke"     // "http" on a call to forward
	HeaderRemoteAddr  = "X-Berth-Remote-Addr"
)

// Response headers (watchdog to berth).
const (
	HeaderOutcome       = "X-Berth-Outcome"
	HeaderDetail        = "X-Berth-Detail"
	HeaderOutputBytes   = "X-Berth-Output-Bytes"
	HeaderLogsTruncated = "X-Berth-Logs-Truncated"
	HeaderRetire        = "X-Berth-Retire"
)

// Outcome says how a call ended.
type Outcome string

// Outcomes.
const (
	OutcomeOK             Outcome = "ok"               // the command exited 0 / the server answered
	OutcomeExit           Outcome = "exit"             // exec: the command ended otherwise (see Detail)
	OutcomeCrashed        Outcome = "crashed"          // http: the server failed or died during the call
	OutcomeTimeout        Outcome = "timeout"          // the deadline passed; the call was stopped
	OutcomeOutputTooLarge Outcome = "output-too-large" // more than the allowed output; stopped
	OutcomeOutOfMemory    Outcome = "out-of-memory"    // the kernel's OOM killer ended it
	OutcomeBadResponse    Outcome = "bad-response"     // http: the server's answer is not HTTP
)

// StartRequest is the body of POST /_berth/start.
type StartRequest struct {
	// Env is added to the image's environment of the server (http mode).
	// It carries secrets: it is sent over the socket, never put in the
	// container's configuration.
	Env map[string]string `json:"env,omitempty"`
	// Spec is an opaque tag berth uses to recognise the instance's
	// settings after a restart; readyz echoes it.
	Spec string `json:"spec,omitempty"`
}

// Status is the body of readyz and of start's answer.
type Status struct {
	Mode    string  `json:"mode"`
	Started bool    `json:"started"`
	Ready   bool    `json:"ready"`
	Spec    string  `json:"spec,omitempty"`
	Outcome Outcome `json:"outcome,omitempty"` // why start failed
	Error   string  `json:"error,omitempty"`
	Logs    string  `json:"logs,omitempty"` // the server's output during a failed start
}

// Result is the envelope of a call's answer.
type Result struct {
	Outcome       Outcome
	Detail        string
	Output        []byte // a CGI response
	Logs          []byte
	LogsTruncated bool
	Retire        bool // the instance cannot serve any more
}

// Write sends the envelope.
func (r *Result) Write(w http.ResponseWriter) {
	h := w.Header()
	h.Set(HeaderOutcome, string(r.Outcome))
	if r.Detail != "" {
		h.Set(HeaderDetail, headerSafe(r.Detail))
	}
	h.Set(HeaderOutputBytes, strconv.Itoa(len(r.Output)))
	if r.LogsTruncated {
		h.Set(HeaderLogsTruncated, "1")
	}
	if r.Retire {
		h.Set(HeaderRetire, "1")
	}
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.Itoa(len(r.Output)+len(r.Logs)))
	w.WriteHeader(http.StatusOK)
	// An octet stream to berth over a Unix socket, never to a browser.
	_, _ = w.Write(r.Output) //nolint:gosec // G705: see above
	_, _ = w.Write(r.Logs)   //nolint:gosec // G705: see above
}

// headerSafe keeps a detail message printable and short.
func headerSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 1024 {
		s = s[:1024]
	}
	return s
}

// ErrProtocol is an answer that does not follow the protocol.
var ErrProtocol = errors.New("watchdog protocol error")

// ReadResult reads an envelope, never more than limit bytes of body.
func ReadResult(resp *http.Response, limit int64) (*Result, error) {
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return nil, fmt.Errorf("%w: HTTP %d: %s", ErrProtocol, resp.StatusCode, bytes.TrimSpace(msg))
	}
	h := resp.Header
	res := &Result{
		Outcome:       Outcome(h.Get(HeaderOutcome)),
		Detail:        h.Get(HeaderDetail),
		LogsTruncated: h.Get(HeaderLogsTruncated) == "1",
		Retire:        h.Get(HeaderRetire) == "1",
	}
	if res.Outcome == "" {
		return nil, fmt.Errorf("%w: no %s", ErrProtocol, HeaderOutcome)
	}
	n, err := strconv.ParseInt(h.Get(HeaderOutputBytes), 10, 64)
	if err != nil || n < 0 || n > limit {
		return nil, fmt.Errorf("%w: %s %q", ErrProtocol, HeaderOutputBytes, h.Get(HeaderOutputBytes))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit || int64(len(body)) < n {
		return nil, fmt.Errorf("%w: body of %d bytes for %d bytes of output", ErrProtocol, len(body), n)
	}
	res.Output, res.Logs = body[:n], body[n:]
	return res, nil
}

// EncodeEnv encodes an environment for an exec call: NAME=value entries,
// each ending in a NUL byte. Entries with NUL bytes or without a name are
// the caller's to drop.
func EncodeEnv(env [][2]string) []byte {
	var b bytes.Buffer
	for _, kv := range env {
		b.WriteString(kv[0])
		b.WriteByte('=')
		b.WriteString(kv[1])
		b.WriteByte(0)
	}
	return b.Bytes()
}

// DecodeEnv decodes EncodeEnv's format into NAME=value strings.
func DecodeEnv(data []byte) ([]string, error) {
	var out []string
	for len(data) > 0 {
		i := bytes.IndexByte(data, 0)
		if i < 0 {
			return nil, fmt.Errorf("%w: environment entry without its NUL terminator", ErrProtocol)
		}
		kv := string(data[:i])
		if eq := strings.IndexByte(kv, '='); eq <= 0 {
			return nil, fmt.Errorf("%w: environment entry without a name", ErrProtocol)
		}
		out = append(out, kv)
		data = data[i+1:]
	}
	return out, nil
}

// CallLimits are the bounds a call carries.
type CallLimits struct {
	TimeoutMS int64
	MaxOutput int64
	MaxLogs   int64
}

// SetHeaders puts the limits on a request.
func (l CallLimits) SetHeaders(h http.Header) {
	h.Set(HeaderTimeout, strconv.FormatInt(l.TimeoutMS, 10))
	h.Set(HeaderMaxOutput, strconv.FormatInt(l.MaxOutput, 10))
	h.Set(HeaderMaxLogs, strconv.FormatInt(l.MaxLogs, 10))
}

// Upper bounds the watchdog accepts from a call.
const (
	maxTimeoutMS = 24 * 3600 * 1000
	maxOutput    = 1 << 30
	maxLogs      = 64 << 20
	maxEnvBytes  = 32 << 20
)

// ParseCallLimits reads the limits of a call.
func ParseCallLimits(h http.Header) (CallLimits, error) {
	var l CallLimits
	var err error
	if l.TimeoutMS, err = headerInt(h, HeaderTimeout, maxTimeoutMS); err != nil {
		return l, err
	}
	if l.MaxOutput, err = headerInt(h, HeaderMaxOutput, maxOutput); err != nil {
		return l, err
	}
	if l.MaxLogs, err = headerInt(h, HeaderMaxLogs, maxLogs); err != nil {
		return l, err
	}
	return l, nil
}

func headerInt(h http.Header, name string, max int64) (int64, error) {
	v, err := strconv.ParseInt(h.Get(name), 10, 64)
	if err != nil || v <= 0 || v > max {
		return 0, fmt.Errorf("%w: %s must be a number between 1 and %d", ErrProtocol, name, max)
	}
	return v, nil
}
