package webserver

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// hosts is the set of names the webserver answers for: public_url's host,
// functions.public_url's host, web.allowed_hosts, and the loopback names.
// A request for any other Host is refused with 421 before anything else
// runs, so a page that rebinds its own DNS name to this machine cannot
// reach the dashboard or the API — most of all an open one (auth.enabled
// false on loopback).
type hosts struct {
	any      bool // web.allowed_hosts = ["*"]
	names    map[string]bool
	fnHost   string // functions.public_url's host, or ""
	fnOrigin string // functions.public_url without a trailing slash
}

func newHosts(publicURL, functionsURL string, allowed []string) hosts {
	h := hosts{names: map[string]bool{}}
	for _, raw := range []string{publicURL, functionsURL} {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			h.names[normalHost(u.Host)] = true
		}
	}
	for _, a := range allowed {
		if a == "*" {
			h.any = true
		}
		h.names[normalHost(a)] = true
	}
	if u, err := url.Parse(functionsURL); err == nil && u.Host != "" {
		h.fnHost, h.fnOrigin = normalHost(u.Host), strings.TrimSuffix(functionsURL, "/")
	}
	return h
}

// normalHost is a Host header's name: lower case, without port, brackets
// or a trailing dot.
func normalHost(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.TrimSuffix(strings.Trim(strings.ToLower(host), "[]"), ".")
}

// isLoopbackName reports localhost, *.localhost and loopback addresses.
func isLoopbackName(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// known reports whether the webserver answers for r's Host.
func (h hosts) known(r *http.Request) bool {
	host := normalHost(r.Host)
	return h.any || h.names[host] || isLoopbackName(host)
}

// functionsOnly reports a request on functions.public_url's host, which
// serves /fn/ and nothing of the dashboard or the API.
func (h hosts) functionsOnly(r *http.Request) bool {
	return h.fnHost != "" && normalHost(r.Host) == h.fnHost
}

// misdirected answers a request for a host berth does not serve.
func (s *Server) misdirected(w http.ResponseWriter, r *http.Request) {
	s.metrics.refused.WithLabelValues("unknown-host").Inc()
	writeProblem(w, r, http.StatusMisdirectedRequest, "unknown-host",
		"berth does not serve the host "+strings.ReplaceAll(normalHost(r.Host), "\"", "")+
			"; an operator adds it with public_url or web.allowed_hosts")
}

// fnRoute serves /fn/: on functions.public_url's host it is the function;
// on the dashboard's origin, once functions have their own, it redirects
// there (308 keeps the method and body), so no function answers on the
// dashboard's origin.
func (s *Server) fnRoute(w http.ResponseWriter, r *http.Request) {
	if s.hosts.fnHost != "" && !s.hosts.functionsOnly(r) {
		target := s.hosts.fnOrigin + r.URL.EscapedPath()
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		// The origin is functions.public_url's; only the path and query are
		// the client's.
		http.Redirect(w, r, target, http.StatusPermanentRedirect) //nolint:gosec // G710: see above
		return
	}
	s.passThrough(w, r)
}
