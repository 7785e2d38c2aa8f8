package invoke

import (
	"net/http"
	"strings"

	"github.com/berth-platform/berth/internal/headers"
)

// originWide are response headers whose effect reaches past the one
// answer — the whole origin, every later visit, or the platform's own
// protections. Functions answer on the dashboard's origin by default, so a
// function never sends them; the platform's versions (set by the web edge
// and below) are the only ones.
var originWide = map[string]bool{
	"Clear-Site-Data":                     true,
	"Strict-Transport-Security":           true,
	"Alt-Svc":                             true,
	"Service-Worker-Allowed":              true,
	"Origin-Agent-Cluster":                true,
	"Nel":                                 true,
	"Report-To":                           true,
	"Reporting-Endpoints":                 true,
	"Content-Security-Policy":             true,
	"Content-Security-Policy-Report-Only": true,
	"Cross-Origin-Opener-Policy":          true,
	"Cross-Origin-Embedder-Policy":        true,
	"Cross-Origin-Resource-Policy":        true,
	"X-Frame-Options":                     true,
	"X-Content-Type-Options":              true,
	"Permissions-Policy":                  true,
	"Access-Control-Allow-Origin":         true,
	"Access-Control-Allow-Credentials":    true,
	"Access-Control-Allow-Headers":        true,
	"Access-Control-Allow-Methods":        true,
	"Access-Control-Expose-Headers":       true,
	"Access-Control-Max-Age":              true,
	"X-Request-Id":                        true,
	"Content-Length":                      true, // set from the body the platform sends
}

// platformCookies are the names the platform's own cookies use; a
// function never sets one, wherever it scopes it.
func platformCookie(name string) bool {
	n := strings.ToLower(name)
	return strings.HasPrefix(n, "berth") || strings.HasPrefix(n, "__host-")
}

// copyFunctionHeaders adds to dst what the function's answer may carry:
// everything but hop-by-hop headers (and those Connection names), the
// platform's X-Berth-* and RateLimit-* headers, the origin-wide headers
// above, and cookies not scoped to the function's own path. The caller
// sets the platform's own headers after it, so that they always win.
func copyFunctionHeaders(dst, fn http.Header, functionID string) {
	fn = fn.Clone()
	headers.RemoveHopByHop(fn)
	for k, vs := range fn {
		ck := http.CanonicalHeaderKey(k)
		switch {
		case originWide[ck], headers.IsBerth(ck):
		case ck == "Set-Cookie":
			n := 0
			for _, v := range vs {
				if c := functionCookie(v, functionID); c != "" && n < maxFunctionCookies {
					dst.Add("Set-Cookie", c)
					n++
				}
			}
		case strings.HasPrefix(ck, "Ratelimit-"): // the platform's rate limits
		default:
			dst[ck] = vs
		}
	}
}

// maxFunctionCookies bounds the cookies one answer may set: a function
// must not crowd the platform's session cookie out of the browser's jar.
const maxFunctionCookies = 10

// functionCookie returns the Set-Cookie value to send for a function's v,
// or "" to drop it. A cookie passes when it is well formed, names no
// Domain, has an explicit Path inside /fn/{id} and a name the platform
// does not use, and carries no attribute Go does not know: browsers trim
// attribute names ("Path =/" is a Path to them, an unknown attribute to
// Go), so anything unparsed is refused, and what is sent is rebuilt from
// the parsed fields, never the function's own text. A cookie without Path
// would default to the request's directory, which for /fn/{id} is /fn —
// every function's.
func functionCookie(v, functionID string) string {
	c, err := http.ParseSetCookie(v)
	if err != nil || c.Domain != "" || len(c.Unparsed) > 0 || platformCookie(c.Name) {
		return ""
	}
	for _, attr := range strings.Split(v, ";")[1:] {
		if k, _, _ := strings.Cut(attr, "="); strings.EqualFold(strings.TrimSpace(k), "domain") {
			return "" // even an empty Domain attribute is refused
		}
	}
	own := "/fn/" + functionID
	if c.Path != own && !strings.HasPrefix(c.Path, own+"/") {
		return ""
	}
	// The function's own attributes, as it chose them (a function cookie,
	// not the platform's).
	out := &http.Cookie{ //nolint:gosec // G124: see above
		Name: c.Name, Value: c.Value, Quoted: c.Quoted, Path: c.Path, Expires: c.Expires, MaxAge: c.MaxAge,
		Secure: c.Secure, HttpOnly: c.HttpOnly, SameSite: c.SameSite, Partitioned: c.Partitioned}
	return out.String()
}
