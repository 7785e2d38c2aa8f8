package manager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
)

// Execution is one invocation as the API shows it.
type Execution struct {
	ID         string    `json:"id" format:"uuid"`
	FunctionID string    `json:"function_id" format:"uuid"`
	Version    int       `json:"version"`
	Status     string    `json:"status" enum:"success,error,timeout,out_of_memory,rejected"`
	HTTPStatus int       `json:"http_status"`
	Error      string    `json:"error,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	DurationMS float64   `json:"duration_ms"`
	BytesIn    int64     `json:"bytes_in"`
	BytesOut   int64     `json:"bytes_out"`
	ColdStart  bool      `json:"cold_start"`
	Caller     string    `json:"caller" enum:"owner,api_key,public"`
	CallerKey  string    `json:"caller_key,omitempty" doc:"The API key's key_id or the keypair's access key."`
	Logs       []string  `json:"logs,omitempty" doc:"Captured log lines; only when reading one execution."`
}

func executionOut(e *berth.Execution) Execution {
	return Execution{ID: e.ID, FunctionID: e.FunctionID, Version: e.Version, Status: string(e.Status), HTTPStatus: e.HTTPStatus,
		Error: e.Error, StartedAt: e.StartedAt, DurationMS: float64(e.DurationUS) / 1000, BytesIn: e.BytesIn, BytesOut: e.BytesOut,
		ColdStart: e.ColdStart, Caller: string(e.CallerKind), CallerKey: e.CallerKeyID, Logs: e.Logs}
}

type executionsInput struct {
	IDParam
	PageParams
	Status string    `query:"status" enum:"success,error,timeout,out_of_memory,rejected"`
	Since  time.Time `query:"since" doc:"Only executions started at or after this RFC 3339 time."`
	Until  time.Time `query:"until" doc:"Only executions started before this RFC 3339 time."`
}

type executionsOutput struct{ Body Page[Execution] }

type executionInput struct {
	IDParam
	ExecutionID string `path:"execution_id" maxLength:"64"`
}

type executionOutput struct{ Body Execution }

func (m *Manager) registerExecutions() {
	tags := []string{"executions"}
	operation(m, huma.Operation{OperationID: "list-executions", Method: http.MethodGet, Path: "/api/functions/{id}/executions",
		Tags: tags, Security: authenticated, Summary: "A function's invocations, newest first"}, m.listExecutions)
	operation(m, huma.Operation{OperationID: "get-execution", Method: http.MethodGet, Path: "/api/functions/{id}/executions/{execution_id}",
		Tags: tags, Security: authenticated, Summary: "One invocation with its log lines"}, m.getExecution)
}

func (m *Manager) listExecutions(ctx context.Context, in *executionsInput) (*executionsOutput, error) {
	f, err := m.readableFunction(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	es, total, err := m.store.ListExecutions(ctx, berth.ExecutionFilter{FunctionID: f.ID, Status: berth.ExecutionStatus(in.Status),
		Since: in.Since, Until: in.Until, Page: in.page()})
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	out := &executionsOutput{Body: Page[Execution]{Items: make([]Execution, len(es)), Page: in.Page, PerPage: in.PerPage, Total: total}}
	for i := range es {
		out.Body.Items[i] = executionOut(&es[i])
		out.Body.Items[i].Logs = nil
	}
	return out, nil
}

func (m *Manager) getExecution(ctx context.Context, in *executionInput) (*executionOutput, error) {
	f, err := m.readableFunction(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	e, err := m.store.Execution(ctx, f.ID, in.ExecutionID)
	if errors.Is(err, berth.ErrNotFound) {
		return nil, problem(http.StatusNotFound, codeNotFound, "function "+f.ID+" has no execution "+in.ExecutionID+
			" (records are written within a fraction of a second of the call)")
	}
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	out := executionOut(e)
	if out.Logs == nil {
		out.Logs = []string{}
	}
	return &executionOutput{Body: out}, nil
}

// Log streaming bounds.
const (
	maxLogLines     = 1000
	logPollInterval = time.Second
	logKeepAlive    = 15 * time.Second
	maxFollow       = time.Hour
)

// logs serves GET /api/functions/{id}/logs: recent log lines as JSON, or
// with follow=true a stream of server-sent events (event "log", one line
// each) that ends after an hour or when the client goes away.
func (m *Manager) logs(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if p := PrincipalFrom(ctx); p == nil || p.User == nil {
		m.refuse(w, r, unauthorized("authentication required"))
		return
	}
	f, err := m.readableFunction(ctx, r.PathValue("id"))
	if err != nil {
		m.writeErr(w, r, err)
		return
	}
	q := r.URL.Query()
	since := m.now().Add(-time.Hour)
	if s := q.Get("since"); s != "" {
		if since, err = time.Parse(time.RFC3339, s); err != nil {
			m.writeErr(w, r, queryInvalid("since", "must be an RFC 3339 time such as 2026-11-23T10:00:00Z"))
			return
		}
	}
	limit := 200
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > maxLogLines {
			m.writeErr(w, r, queryInvalid("limit", "must be a number from 1 to 1000"))
			return
		}
	}
	lines, err := m.store.RecentLogs(ctx, f.ID, since, limit)
	if err != nil {
		m.writeErr(w, r, err)
		return
	}
	fetch := func(ctx context.Context, since time.Time) ([]berth.LogLine, error) {
		return m.store.RecentLogs(ctx, f.ID, since, maxLogLines)
	}
	switch {
	case isWebSocket(r):
		m.logsWebSocket(w, r, fetch, since, lines)
	case q.Get("follow") == "true":
		m.followLogs(w, r, fetch, since, lines)
	default:
		writeJSON(w, http.StatusOK, map[string]any{"lines": nonNil(lines)})
	}
}

func nonNil(l []berth.LogLine) []berth.LogLine {
	if l == nil {
		return []berth.LogLine{}
	}
	return l
}

func queryInvalid(param, reason string) error {
	return problem(http.StatusUnprocessableEntity, codeValidation, "validation failed: "+param+": "+reason,
		&huma.ErrorDetail{Location: "query." + param, Message: reason})
}

// followLogs streams lines as server-sent events (event "log").
func (m *Manager) followLogs(w http.ResponseWriter, r *http.Request, fetch logFetch, since time.Time, first []berth.LogLine) {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	emit := func(lines []berth.LogLine) error {
		for _, l := range lines {
			data, _ := json.Marshal(l)
			if _, err := fmt.Fprintf(w, "event: log\ndata: %s\n\n", data); err != nil {
				return err
			}
		}
		return rc.Flush()
	}
	alive := func() error {
		if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
			return err
		}
		return rc.Flush()
	}
	if m.tail(r.Context(), fetch, since, first, emit, alive) {
		_, _ = fmt.Fprint(w, "event: end\ndata: {\"reason\":\"the credential this stream was opened with has ended; sign in again\"}\n\n")
		_ = rc.Flush()
	}
}

// logsWebSocket streams lines over a WebSocket, one JSON text message
// each. The request is authenticated by its signature (the webserver
// signed the handshake), never by a cookie, so the origin needs no check
// here; the webserver checks it for browsers.
func (m *Manager) logsWebSocket(w http.ResponseWriter, r *http.Request, fetch logFetch, since time.Time, first []berth.LogLine) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	ctx := c.CloseRead(r.Context()) // the client only listens; its close ends the stream
	emit := func(lines []berth.LogLine) error {
		for _, l := range lines {
			data, _ := json.Marshal(l)
			if err := c.Write(ctx, websocket.MessageText, data); err != nil {
				return err
			}
		}
		return nil
	}
	alive := func() error {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return c.Ping(pctx)
	}
	if m.tail(ctx, fetch, since, first, emit, alive) {
		_ = c.Close(websocket.StatusPolicyViolation, "credential ended: sign in again")
		return
	}
	_ = c.Close(websocket.StatusNormalClosure, "stream ended")
}

// logFetch reads the lines of executions started after since.
type logFetch func(ctx context.Context, since time.Time) ([]berth.LogLine, error)

// tail sends first, then polls the store for lines of executions recorded
// after the last one sent (at first: after since), until ctx ends, an hour
// passes, the client goes away, or the credential the stream was opened
// with ends — it is checked again at every RecheckInterval, so a logout, a password
// change or a blocked account closes the stream within RecheckInterval on
// every replica. It reports whether the credential ended it.
func (m *Manager) tail(ctx context.Context, fetch logFetch, since time.Time, first []berth.LogLine,
	emit func([]berth.LogLine) error, alive func() error,
) (revoked bool) {
	ctx, cancel := context.WithTimeout(ctx, maxFollow)
	defer cancel()
	p := PrincipalFrom(ctx)
	seen := map[string]bool{}
	last := since
	send := func(lines []berth.LogLine) error {
		for _, l := range lines {
			seen[l.ExecutionID] = true
			if l.At.After(last) {
				last = l.At
			}
		}
		return emit(lines)
	}
	if send(first) != nil {
		return false
	}
	poll := time.NewTicker(logPollInterval)
	defer poll.Stop()
	keep := time.NewTicker(logKeepAlive)
	defer keep.Stop()
	check := time.NewTicker(RecheckInterval)
	defer check.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-keep.C:
			if alive() != nil {
				return false
			}
		case <-check.C:
			if err := m.recheck(ctx, p); errors.Is(err, errRevoked) {
				return true
			}
		case <-poll.C:
			lines, err := fetch(ctx, last)
			if err != nil {
				continue // the store may come back; the stream stays open
			}
			var fresh []berth.LogLine
			for _, l := range lines {
				if !seen[l.ExecutionID] || l.At.After(last) {
					fresh = append(fresh, l)
				}
			}
			if len(fresh) > 0 && send(fresh) != nil {
				return false
			}
		}
	}
}

// isWebSocket reports an upgrade to the WebSocket protocol.
func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade")
}

// systemLogs serves GET /api/admin/logs: log lines across every function,
// for admins, filtered by owner (user_id or email), function, level
// (error: executions that did not succeed) and text; follow=true streams.
func (m *Manager) systemLogs(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := PrincipalFrom(ctx)
	if p == nil || p.User == nil {
		m.refuse(w, r, unauthorized("authentication required"))
		return
	}
	if p.User.Role != berth.RoleAdmin {
		m.writeErr(w, r, problem(http.StatusForbidden, codeForbidden, "this operation is for administrators"))
		return
	}
	q := r.URL.Query()
	f := berth.LogFilter{FunctionID: q.Get("function_id"), Text: q.Get("q"), Since: m.now().Add(-time.Hour), Limit: 200}
	if f.FunctionID != "" && !berth.ValidID(f.FunctionID) {
		m.writeErr(w, r, queryInvalid("function_id", "must be a function's id (a UUID)"))
		return
	}
	if len(f.Text) > 200 || !berth.ValidText(f.Text) {
		m.writeErr(w, r, queryInvalid("q", "must be at most 200 printable characters"))
		return
	}
	switch level := q.Get("level"); level {
	case "", "info":
	case "error":
		f.Failed = true
	default:
		m.writeErr(w, r, queryInvalid("level", "must be info (every line) or error (lines of executions that failed)"))
		return
	}
	var err error
	if user := strings.TrimSpace(q.Get("user")); user != "" {
		if strings.Contains(user, "@") {
			u, uerr := m.userByEmail(ctx, user)
			if errors.Is(uerr, berth.ErrNotFound) {
				writeJSON(w, http.StatusOK, map[string]any{"lines": []berth.LogLine{}})
				return
			}
			if uerr != nil {
				m.writeErr(w, r, uerr)
				return
			}
			user = u.ID
		} else if !berth.ValidID(user) {
			m.writeErr(w, r, queryInvalid("user", "must be a user's id or email"))
			return
		}
		f.OwnerID = user
	}
	if s := q.Get("since"); s != "" {
		if f.Since, err = time.Parse(time.RFC3339, s); err != nil {
			m.writeErr(w, r, queryInvalid("since", "must be an RFC 3339 time such as 2026-11-23T10:00:00Z"))
			return
		}
	}
	if s := q.Get("limit"); s != "" {
		if f.Limit, err = strconv.Atoi(s); err != nil || f.Limit < 1 || f.Limit > maxLogLines {
			m.writeErr(w, r, queryInvalid("limit", "must be a number from 1 to 1000"))
			return
		}
	}
	lines, err := m.store.Logs(ctx, f)
	if err != nil {
		m.writeErr(w, r, err)
		return
	}
	fetch := func(ctx context.Context, since time.Time) ([]berth.LogLine, error) {
		next := f
		next.Since, next.Limit = since, maxLogLines
		return m.store.Logs(ctx, next)
	}
	switch {
	case isWebSocket(r):
		m.logsWebSocket(w, r, fetch, f.Since, lines)
	case q.Get("follow") == "true":
		m.followLogs(w, r, fetch, f.Since, lines)
	default:
		writeJSON(w, http.StatusOK, map[string]any{"lines": nonNil(lines)})
	}
}
