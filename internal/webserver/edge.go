package webserver

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/httpstatus"
	"github.com/berth-platform/berth/internal/kv"
)

type nonceKey struct{}

// reqInfo collects what the request's log line needs as it is served.
type reqInfo struct{ userID string }

type infoKey struct{}

func infoOf(r *http.Request) *reqInfo {
	i, _ := r.Context().Value(infoKey{}).(*reqInfo)
	return i
}

// cspNonce returns the request's CSP nonce.
func cspNonce(r *http.Request) string {
	n, _ := r.Context().Value(nonceKey{}).(string)
	return n
}

// edge wraps every route: hygiene first (nothing else runs for a refused
// request), then security headers, CORS, cross-origin protection for
// cookie requests, logging and metrics.
func (s *Server) edge(next http.Handler) http.Handler {
	protected := s.cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := httpstatus.Wrap(w)
		info := &reqInfo{}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
		defer func() { s.observe(r, info, sw.Status(), time.Since(start)) }()
		if reason := refuse(r); reason != "" {
			s.metrics.refused.WithLabelValues(reason).Inc()
			writeProblem(sw, r, http.StatusForbidden, "forbidden", "this request is not served ("+reason+")")
			return
		}
		if !s.hosts.known(r) {
			s.misdirected(sw, r)
			return
		}
		if s.hosts.functionsOnly(r) && !strings.HasPrefix(r.URL.Path, "/fn/") {
			s.metrics.refused.WithLabelValues("functions-origin").Inc()
			writeProblem(sw, r, http.StatusNotFound, "not-found", "this origin serves functions only, under /fn/{id}/…; the dashboard and the API are at public_url")
			return
		}
		var b [16]byte
		_, _ = rand.Read(b[:])
		// URL-safe base64: valid in a CSP nonce-source and unchanged by
		// HTML attribute escaping (html/template writes "+" as "&#43;").
		nonce := base64.RawURLEncoding.EncodeToString(b[:])
		r = r.WithContext(context.WithValue(r.Context(), nonceKey{}, nonce))
		s.securityHeaders(sw, r, nonce)
		if s.cors(sw, r) {
			return // a preflight, answered
		}
		protected.ServeHTTP(sw, r)
	})
}

// unsafeNames are path segments that only a scanner asks for.
var unsafeNames = []string{".git", ".env", ".svn", ".hg", ".htaccess", ".htpasswd", ".ds_store", ".idea", ".vscode"}

// unsafeSuffixes mark backups and editor leftovers.
var unsafeSuffixes = []string{".bak", ".backup", ".old", ".orig", ".swp", ".swo", "~", ".sql", ".tar.gz", ".zip"}

// refuse names why a request is refused at the edge, or "".
func refuse(r *http.Request) string {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(strings.ToLower(host), "[].")
	if isMetadataHost(host) {
		return "metadata host"
	}
	p := r.URL.Path
	if strings.HasPrefix(p, "/fn/") || strings.HasPrefix(p, "/api/") {
		return "" // the function's or the API's own namespace
	}
	if strings.Contains(r.URL.RawPath, "%2f") || strings.Contains(r.URL.RawPath, "%2F") ||
		strings.Contains(r.URL.RawPath, "%5c") || strings.Contains(r.URL.RawPath, "%5C") || strings.Contains(p, "\\") {
		return "encoded separator"
	}
	if path.Clean(p) != p && p != "/" && !strings.HasSuffix(p, "/") {
		return "unclean path"
	}
	for seg := range strings.SplitSeq(strings.ToLower(p), "/") {
		for _, n := range unsafeNames {
			if seg == n || strings.HasPrefix(seg, n+".") {
				return "unsafe name"
			}
		}
		if seg == ".." || seg == "." {
			return "unclean path"
		}
		for _, suf := range unsafeSuffixes {
			if len(seg) > len(suf) && strings.HasSuffix(seg, suf) {
				return "unsafe name"
			}
		}
	}
	return ""
}

// securityHeaders sets the headers every answer carries. The CSP nonce is
// fresh per request; the dashboard's HTML carries it on its scripts.
func (s *Server) securityHeaders(w http.ResponseWriter, r *http.Request, nonce string) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-"+nonce+"'; style-src 'self' 'nonce-"+nonce+
		"'; img-src 'self' data: https:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	if s.scheme(r) == "https" {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}

// corsAllowHeaders are what an allowed origin may send.
const corsAllowHeaders = "Authorization, Content-Type, X-Berth-Date, X-Berth-Nonce, X-Berth-Content-SHA256, X-Session-Token"

// cors answers for origins on the allow-list only; others get no CORS
// headers at all, so browsers keep them out. It reports whether it
// answered a preflight.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	if !s.origins[origin] {
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			w.WriteHeader(http.StatusForbidden)
			return true
		}
		return false
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Expose-Headers", "X-Berth-Execution-Id, X-Request-Id, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset")
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
		h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
		h.Set("Access-Control-Max-Age", "600")
		h.Add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	s.metrics.refused.WithLabelValues("cross-origin").Inc()
	writeProblem(w, r, http.StatusForbidden, "cross-origin",
		"cross-site requests that change state are refused; send them from the dashboard's own origin")
}

// Route classes for rate limits.
const (
	classLogin  = "login"
	classAPI    = "api"
	classInvoke = "invoke"
)

func classFor(r *http.Request) string {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/fn/"),
		strings.HasPrefix(p, "/api/functions/") && strings.HasSuffix(p, "/invoke"):
		return classInvoke
	case strings.HasPrefix(p, "/api/auth/"), p == "/server/login", strings.HasPrefix(p, "/server/oidc/"):
		return classLogin
	}
	return classAPI
}

type limits map[string]kv.Limit

func newLimits(w config.WebConfig) limits {
	return limits{
		classLogin:  {Rate: w.LoginPerMinute, Period: time.Minute, Burst: w.LoginBurst},
		classAPI:    {Rate: w.APIPerSecond, Period: time.Second, Burst: w.APIBurst},
		classInvoke: {Rate: w.InvokePerSecond, Period: time.Second, Burst: w.InvokeBurst},
	}
}

// allow applies the class's limit to the session's access key, or to the
// client address for anonymous calls, and sets RateLimit-* headers. A
// refusal is answered here (429 with Retry-After). A store that cannot be
// reached does not block traffic: the manager still authenticates every
// call; it is logged and counted.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, class, accessKey string) bool {
	l, ok := s.limits[class]
	if !ok || l.Rate <= 0 {
		return true
	}
	who := "addr:" + s.o.Proxies.Addr(r)
	if accessKey != "" {
		who = "key:" + accessKey
	}
	res, err := s.o.KV.RateLimit(r.Context(), "rl:"+class+":"+who, l)
	if err != nil {
		s.metrics.proxyErrors.WithLabelValues("rate_limit_store").Inc()
		s.log.WarnContext(r.Context(), "rate limit not applied: store unavailable", "event", "rate_limit_store", "error", err)
		return true
	}
	h := w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(l.Burst))
	h.Set("RateLimit-Remaining", strconv.Itoa(res.Remaining))
	h.Set("RateLimit-Reset", strconv.Itoa(int((res.ResetAfter+time.Second-1)/time.Second)))
	if res.Allowed {
		return true
	}
	s.metrics.rateLimited.WithLabelValues(class).Inc()
	h.Set("Retry-After", strconv.Itoa(max(1, int((res.RetryAfter+time.Second-1)/time.Second))))
	writeProblem(w, r, http.StatusTooManyRequests, "rate-limited", "too many requests; slow down and retry after the Retry-After seconds")
	return false
}

// writeProblem answers with an RFC 9457 problem.
func writeProblem(w http.ResponseWriter, _ *http.Request, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	title := http.StatusText(status)
	if title == "" {
		title = "Client Closed Request"
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]any{"type": "urn:berth:problem:" + code, "title": title, "status": status, "detail": detail})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
