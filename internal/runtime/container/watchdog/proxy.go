//go:build linux

package watchdog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is an http-mode function's server process.
type server struct {
	cmd       *exec.Cmd
	logs      *logRing
	addr      string
	client    *http.Client
	exited    chan struct{} // closed when the process has ended
	state     *os.ProcessState
	waitErr   error
	oomBefore int64
	oomFiles  []string

	mu      sync.Mutex
	retired bool // it died, or must not serve again
}

// startServer starts the server with env added to the image's and waits
// until it accepts connections. On failure it returns nil and why.
func (s *Server) startServer(ctx context.Context, program string, extra map[string]string) (*server, Status) {
	env := serverEnv(s.baseEnv, extra, s.cfg.Port)
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, Status{Outcome: OutcomeExit, Error: "pipe: " + err.Error()}
	}
	logs, err := newLogRing(pr, s.cfg.LogBuffer)
	if err != nil {
		_ = pr.Close()
		_ = pw.Close()
		return nil, Status{Outcome: OutcomeExit, Error: "pipe: " + err.Error()}
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.cfg.Port))
	srv := &server{logs: logs, addr: addr, exited: make(chan struct{}), oomFiles: s.cfg.OOMFiles}
	// The server outlives the start call: stop ends it.
	cmd := exec.CommandContext(context.Background(), program, s.cfg.Command[1:]...) //nolint:gosec // G204: running the function's command is the point
	cmd.Args[0] = s.cfg.Command[0]
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	srv.cmd = cmd
	srv.oomBefore = oomKills(s.cfg.OOMFiles)
	err = cmd.Start()
	_ = pw.Close()
	if err != nil {
		_ = pr.Close()
		return nil, Status{Outcome: OutcomeExit, Error: "the command could not be started: " + unwrapPathError(err).Error()}
	}
	preferOOMVictim(cmd.Process.Pid)
	go logs.run()
	go func() {
		srv.waitErr = cmd.Wait()
		srv.state = cmd.ProcessState
		_ = killGroup(cmd.Process.Pid)
		srv.mu.Lock()
		srv.retired = true
		srv.mu.Unlock()
		close(srv.exited)
	}()
	srv.client = upstreamClient(addr)
	if st, ok := srv.waitListening(ctx, s.cfg.Port); !ok {
		srv.stop()
		return nil, st
	}
	s.mu.Lock()
	s.server = srv
	s.mu.Unlock()
	return srv, Status{}
}

// serverEnv is the server's environment: the image's, then what start
// gave (sorted, invalid entries dropped), then PORT.
func serverEnv(base []string, extra map[string]string, port int) []string {
	env := append([]string(nil), base...)
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.ContainsRune(extra[k], 0) || strings.ContainsAny(k, "=\x00") || k == "" {
			continue
		}
		env = append(env, k+"="+extra[k])
	}
	return append(env, "PORT="+strconv.Itoa(port))
}

// upstreamClient reaches the server at addr, and nothing else.
func upstreamClient(addr string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy: nil, // the server is local: never through a proxy from the image's environment
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		},
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}}
}

// waitListening polls the port until it accepts, the process ends or ctx
// ends.
func (srv *server) waitListening(ctx context.Context, port int) (Status, bool) {
	delay := 500 * time.Microsecond
	for {
		var d net.Dialer
		dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		c, err := d.DialContext(dctx, "tcp", srv.addr)
		cancel()
		if err == nil {
			_ = c.Close()
			return Status{}, true
		}
		select {
		case <-srv.exited:
			out, _ := srv.logs.drain(64 << 10)
			oc := OutcomeExit
			if srv.oomKilled() {
				oc = OutcomeOutOfMemory
			}
			return Status{Outcome: oc, Logs: string(out),
				Error: fmt.Sprintf("the server exited during start-up (%s) before listening on port %d", describeExit(srv.state, srv.waitErr), port)}, false
		case <-ctx.Done():
			out, _ := srv.logs.drain(64 << 10)
			return Status{Outcome: OutcomeTimeout, Logs: string(out),
				Error: fmt.Sprintf("the server did not listen on 127.0.0.1:%d within the start timeout", port)}, false
		case <-time.After(delay):
		}
		delay = min(2*delay, 10*time.Millisecond)
	}
}

func (srv *server) oomKilled() bool {
	return srv.state != nil && killedByOOM(srv.state, srv.oomBefore, oomKills(srv.oomFiles))
}

func (srv *server) alive() bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return !srv.retired
}

// stop kills the server and everything it started.
func (srv *server) stop() {
	if srv.cmd.Process != nil {
		_ = killGroup(srv.cmd.Process.Pid)
	}
	select {
	case <-srv.exited:
	case <-time.After(5 * time.Second):
	}
}

// forwardHop are headers of one connection: never forwarded either way.
var forwardHop = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

// forward handles a call in http mode: it sends the request to the server
// and answers with the server's response converted to CGI.
func (s *Server) forward(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	srv := s.server
	s.mu.Unlock()
	if s.cfg.Mode != ModeHTTP || srv == nil {
		http.Error(w, "not started in http mode", http.StatusServiceUnavailable)
		return
	}
	lim, err := ParseCallLimits(r.Header)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx, cancel := callContext(r, lim)
	defer cancel()
	res := srv.call(ctx, r, lim)
	if r.Context().Err() != nil {
		return
	}
	res.Logs, res.LogsTruncated = srv.logs.drain(lim.MaxLogs)
	res.Write(w)
}

func (srv *server) call(ctx context.Context, r *http.Request, lim CallLimits) *Result {
	if !srv.alive() {
		return srv.failure(nil)
	}
	// The host and port are the watchdog's own, fixed at start; only the
	// path comes from the call.
	up, err := http.NewRequestWithContext(ctx, r.Method, "http://"+srv.addr+r.URL.RequestURI(), r.Body) //nolint:gosec // G704: see above
	if err != nil {
		return &Result{Outcome: OutcomeCrashed, Detail: "the request cannot be forwarded: " + err.Error()}
	}
	up.ContentLength = r.ContentLength
	for k, vs := range r.Header {
		if forwardHop[k] || (strings.HasPrefix(k, "X-Berth-") && k != HeaderExecutionID) {
			continue
		}
		up.Header[k] = vs
	}
	if ra := r.Header.Get(HeaderRemoteAddr); ra != "" {
		up.Header.Set("X-Forwarded-For", ra)
	}
	up.Host = "localhost"
	resp, err := srv.client.Do(up) //nolint:gosec // G704: 127.0.0.1:PORT, see above
	if err != nil {
		return srv.callError(ctx, err, lim)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return &Result{Outcome: OutcomeBadResponse, Detail: "the server switched protocols (101): WebSocket and other upgrades are not supported"}
	}
	var out bytes.Buffer
	writeHead(&out, resp)
	if int64(out.Len()) > lim.MaxOutput {
		return &Result{Outcome: OutcomeOutputTooLarge, Detail: fmt.Sprintf("the response headers are larger than %d bytes", lim.MaxOutput)}
	}
	n, err := io.Copy(&out, io.LimitReader(resp.Body, lim.MaxOutput-int64(out.Len())+1))
	switch {
	case int64(out.Len()) > lim.MaxOutput:
		return &Result{Outcome: OutcomeOutputTooLarge, Detail: fmt.Sprintf("more than %d bytes of response", lim.MaxOutput)}
	case err != nil:
		return srv.callError(ctx, err, lim)
	case resp.ContentLength >= 0 && n < resp.ContentLength:
		return &Result{Outcome: OutcomeCrashed, Detail: "the server's response body ended early"}
	}
	return &Result{Outcome: OutcomeOK, Output: out.Bytes()}
}

// writeHead writes a response's status and headers as a CGI header
// section; the server's Content-Length and hop-by-hop headers are left out
// (the body's length is known once read).
func writeHead(b *bytes.Buffer, resp *http.Response) {
	fmt.Fprintf(b, "Status: %d\r\n", resp.StatusCode)
	keys := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if forwardHop[k] || k == "Content-Length" {
			continue
		}
		for _, v := range resp.Header[k] {
			b.WriteString(k)
			b.WriteString(": ")
			b.WriteString(v)
			b.WriteString("\r\n")
		}
	}
	b.WriteString("\r\n")
}

// callError explains a call that failed.
func (srv *server) callError(ctx context.Context, err error, lim CallLimits) *Result {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Result{Outcome: OutcomeTimeout, Detail: fmt.Sprintf("no complete response after %d ms", lim.TimeoutMS)}
	}
	// A server that dies closes its connections before its exit is seen.
	select {
	case <-srv.exited:
	case <-time.After(100 * time.Millisecond):
	}
	if !srv.alive() {
		return srv.failure(err)
	}
	msg := err.Error()
	if strings.Contains(msg, "malformed HTTP") || strings.Contains(msg, "malformed MIME") {
		return &Result{Outcome: OutcomeBadResponse, Detail: "the server's answer is not valid HTTP (" + clip(msg) + "): write a status line, headers, a blank line, then the body"}
	}
	return &Result{Outcome: OutcomeCrashed, Detail: "the call to the server failed: " + clip(msg)}
}

// failure reports that the server has died.
func (srv *server) failure(err error) *Result {
	res := &Result{Outcome: OutcomeCrashed, Retire: true}
	select {
	case <-srv.exited:
		res.Detail = "the server ended: " + describeExit(srv.state, srv.waitErr)
		if srv.oomKilled() {
			res.Outcome = OutcomeOutOfMemory
		}
	default:
		res.Detail = "the server is not serving"
		if err != nil {
			res.Detail += ": " + clip(err.Error())
		}
	}
	return res
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
