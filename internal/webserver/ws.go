package webserver

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/berth-platform/berth/internal/clientaddr"
	"github.com/berth-platform/berth/internal/signing"
)

// isWebSocket reports an upgrade to the WebSocket protocol.
func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade")
}

// sameOrigin reports whether the browser's Origin is this site (or an
// allowed origin): WebSockets are not covered by CORS, so the check that
// stops cross-site WebSocket hijacking is this one.
func (s *Server) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser
	}
	return origin == s.scheme(r)+"://"+r.Host || s.origins[origin]
}

// wsOriginAllowed answers 403 to a WebSocket from another site and
// reports whether it may go on.
func (s *Server) wsOriginAllowed(w http.ResponseWriter, r *http.Request) bool {
	if s.sameOrigin(r) {
		return true
	}
	s.metrics.refused.WithLabelValues("websocket-origin").Inc()
	writeProblem(w, r, http.StatusForbidden, "cross-origin", "WebSockets are accepted from the dashboard's own origin only")
	return false
}

// proxyWebSocket relays an authenticated session's WebSocket to the
// manager, signing the handshake with the session's keypair.
func (s *Server) proxyWebSocket(w http.ResponseWriter, r *http.Request, cur *current) {
	if !s.wsOriginAllowed(w, r) {
		return
	}
	out := r.Clone(r.Context())
	out.Header = http.Header{}
	for _, k := range []string{"Upgrade", "Connection", "Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Protocol", "Sec-Websocket-Extensions", "Origin"} {
		if v := r.Header.Values(k); len(v) > 0 {
			out.Header[k] = v
		}
	}
	s.forwardedFor(r, out.Header)
	s.o.Gateway.Assert(out, s.o.Proxies.Addr(r))
	out.Header.Set(signing.HeaderContentSHA256, signing.EmptyBodyHash)
	s.o.Upstream.WebSocket(w, out, func(req *http.Request) error { return s.sign(req, cur) })
}

// passWebSocket relays a WebSocket that carries its own credentials (a
// bearer token or a signature) to the manager as the client made it,
// cookies aside; the manager checks the credential.
func (s *Server) passWebSocket(w http.ResponseWriter, r *http.Request) {
	if !s.wsOriginAllowed(w, r) {
		return
	}
	out := r.Clone(r.Context())
	out.Header = http.Header{}
	for k, v := range r.Header {
		if k != "Cookie" && k != clientaddr.HeaderClientAddress && k != "Forwarded" && !strings.HasPrefix(k, "X-Forwarded-") {
			out.Header[k] = v
		}
	}
	s.forwardedFor(r, out.Header)
	s.o.Gateway.Assert(out, s.o.Proxies.Addr(r))
	s.o.Upstream.WebSocket(w, out, func(*http.Request) error { return nil })
}

// WebSocket implements Upstream: the in-process manager takes the
// connection itself.
func (l Local) WebSocket(w http.ResponseWriter, out *http.Request, sign func(*http.Request) error) {
	l.Forward(w, out, sign)
}

// wsPing keeps idle relays (and the proxies between) from timing out.
const wsPing = 30 * time.Second

// WebSocket implements Upstream: the browser's connection is accepted
// here and relayed frame by frame to a manager, closes propagated both
// ways.
func (p *Pool) WebSocket(w http.ResponseWriter, out *http.Request, sign func(*http.Request) error) {
	t := p.pick()
	if t == nil {
		p.count("no_upstream")
		w.Header().Set("Retry-After", "2")
		writeProblem(w, out, http.StatusServiceUnavailable, "unavailable", "no manager is reachable right now; retry shortly")
		return
	}
	// The host is a configured manager's; only the path comes from the client.
	hs, _ := http.NewRequestWithContext(out.Context(), http.MethodGet, t.url.String()+out.URL.RequestURI(), nil) //nolint:gosec // G704: see above
	hs.Host = t.url.Host
	for k, v := range out.Header {
		if strings.HasPrefix(k, "X-") || k == clientaddr.HeaderClientAddress || k == "Forwarded" || k == "Authorization" {
			hs.Header[k] = v
		}
	}
	if err := sign(hs); err != nil {
		writeProblem(w, out, http.StatusInternalServerError, "internal", "the request could not be signed")
		return
	}
	wsURL := "ws" + strings.TrimPrefix(hs.URL.String(), "http")
	// coder/websocket closes resp.Body itself ("You never need to close resp.Body yourself").
	upstream, resp, err := websocket.Dial(out.Context(), wsURL, //nolint:bodyclose // see above
		&websocket.DialOptions{HTTPHeader: hs.Header, HTTPClient: p.client})
	if err != nil {
		status := http.StatusBadGateway
		if resp != nil {
			status = resp.StatusCode
		}
		p.count("websocket_dial")
		writeProblem(w, out, status, "unavailable", "the manager refused or could not take the WebSocket")
		return
	}
	client, err := websocket.Accept(w, out, &websocket.AcceptOptions{InsecureSkipVerify: true}) // the origin was checked above
	if err != nil {
		_ = upstream.Close(websocket.StatusInternalError, "client handshake failed")
		return
	}
	relay(out.Context(), client, upstream)
}

// relay copies messages both ways until either side closes, then closes
// the other with the same status.
func relay(ctx context.Context, a, b *websocket.Conn) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a.SetReadLimit(1 << 20)
	b.SetReadLimit(1 << 20)
	done := make(chan struct{}, 2) // one per direction; the first ends the relay
	pipe := func(from, to *websocket.Conn) {
		for {
			typ, data, err := from.Read(ctx)
			if err != nil {
				_ = closeWith(to, err) // the other side may already be gone
				done <- struct{}{}
				return
			}
			if err := to.Write(ctx, typ, data); err != nil {
				_ = closeWith(from, err)
				done <- struct{}{}
				return
			}
		}
	}
	go pipe(a, b)
	go pipe(b, a)
	ping := time.NewTicker(wsPing)
	defer ping.Stop()
	for {
		select {
		case <-done:
			return
		case <-ping.C:
			for _, c := range []*websocket.Conn{a, b} {
				pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
				err := c.Ping(pctx)
				pcancel()
				if err != nil {
					_ = a.Close(websocket.StatusGoingAway, "peer unresponsive")
					_ = b.Close(websocket.StatusGoingAway, "peer unresponsive")
					return
				}
			}
		}
	}
}

// closeWith closes c with the status the other side closed with.
func closeWith(c *websocket.Conn, cause error) error {
	status := websocket.CloseStatus(cause)
	if status == -1 {
		status = websocket.StatusGoingAway
	}
	var ce websocket.CloseError
	reason := ""
	if errors.As(cause, &ce) {
		reason = ce.Reason
	}
	_ = c.Close(status, reason)
	return cause
}
