package webserver

import (
	"bytes"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// fileModTime is the embedded files' time: unknown, so no Last-Modified.
var fileModTime time.Time

// loginPage is the server-rendered sign-in page: a plain form that works
// with JavaScript off. html/template escapes every value.
var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · berth</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style nonce="{{.Nonce}}">
body{font-family:system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:#f6f8fa;color:#1b1f24}
form{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15);width:min(22rem,90vw)}
h1{margin-top:0;font-size:1.4rem}label{display:block;margin:.8rem 0 .3rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #8c959f;border-radius:6px;font-size:1rem}
button{margin-top:1.2rem;width:100%;padding:.65rem;border:0;border-radius:6px;background:#0969da;color:#fff;font-size:1rem;cursor:pointer}
button:focus-visible,input:focus-visible{outline:3px solid #0969da;outline-offset:2px}
.sso{display:block;margin-top:.8rem;padding:.65rem;border:1px solid #0969da;border-radius:6px;color:#0969da;text-align:center;text-decoration:none;font-weight:600}
.sso:focus-visible{outline:3px solid #0969da;outline-offset:2px}.or{text-align:center;color:#57606a;margin:1.2rem 0 0}
.error{background:#ffebe9;border:1px solid #cf222e;color:#82071e;padding:.6rem;border-radius:6px}
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}form{background:#161b22}input{background:#0d1117;color:#e6edf3}.error{background:#490202;color:#ffa198}}
</style></head>
<body><main>
<form method="post" action="/server/login">
<h1>Sign in to berth</h1>
{{with .Error}}<p class="error" role="alert">{{.}}</p>{{end}}
{{range .Providers}}<a class="sso" href="/server/oidc/{{.ID}}/start?next={{$.Next}}">Sign in with {{.Name}}</a>
{{end}}{{if .Passwords}}{{if .Providers}}<p class="or">or with your berth password</p>{{end}}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<input type="hidden" name="next" value="{{.Next}}">
<button type="submit">Sign in</button>{{else}}<p class="or"><a href="/login?password=1">Administrator sign-in with a password</a></p>{{end}}
</form>
</main></body></html>
`))

// loginErrors turn the error code of a failed form sign-in into words.
var loginErrors = map[string]string{
	"unauthorized":            "Wrong email or password.",
	"too-many-login-failures": "Too many failed sign-ins. Wait a few minutes, then try again.",
	"account-blocked":         "This account is blocked. Contact an administrator.",
	"validation":              "Enter your email and password.",
	"unavailable":             "Sign-in is unavailable right now. Try again in a moment.",
	"rate-limited":            "Too many attempts. Wait a minute, then try again.",
	"sso-refused":             "The sign-in with your provider could not be completed. Start it again.",
	"sso-cancelled":           "The sign-in was cancelled at your provider.",
	"sso-email-unverified": "An account with your address exists, and your provider has not verified that the address is yours. " +
		"Verify it at your provider, or sign in with your berth password.",
	"identity-provider-unavailable": "Your sign-in provider cannot be reached right now. Try again in a minute, or sign in another way.",
	"local-passwords-disabled":      "Passwords are switched off here: sign in with your provider.",
	"not-found":                     "That sign-in provider is not configured here.",
	"external-login":                "Sign in through the service that issues your session.",
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	msg := ""
	if code := q.Get("error"); code != "" {
		if msg = loginErrors[code]; msg == "" {
			msg = "Sign-in failed. Try again."
		}
	}
	opts := s.signInOptions(r)
	var buf bytes.Buffer
	if err := loginPage.Execute(&buf, map[string]any{"Nonce": cspNonce(r), "Error": msg, "Next": safeNext(q.Get("next")),
		"Providers": opts.Providers, "Passwords": opts.LocalPasswords || len(opts.Providers) == 0 || q.Get("password") == "1"}); err != nil {
		writeProblem(w, r, http.StatusInternalServerError, "internal", "the page could not be rendered")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// safeNext returns next when it is a relative path on this site, else "/".
// It refuses anything a browser could read as another origin: "//host",
// "/\host", schemes, control characters and whitespace (browsers drop
// tabs and newlines inside URLs), and backslashes anywhere.
func safeNext(next string) string {
	if next == "" || len(next) > 2048 || !strings.HasPrefix(next, "/") {
		return "/"
	}
	for _, r := range next {
		if r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) || r == '\u00a0' {
			return "/"
		}
	}
	if strings.HasPrefix(next, "//") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	// Percent-encoded separators that some servers decode into "//" or
	// "/\" are refused too, as are dot segments.
	lower := strings.ToLower(next)
	for _, bad := range []string{"%2f", "%5c", "%09", "%0a", "%0d", "%00", "%20", "/./", "/../"} {
		if strings.Contains(lower, bad) {
			return "/"
		}
	}
	if strings.HasSuffix(next, "/..") || strings.HasSuffix(next, "/.") {
		return "/"
	}
	// Functions answer under /fn/ on this origin: a sign-in never lands
	// the fresh session on a page a function wrote.
	if p := strings.ToLower(u.Path); p == "/fn" || strings.HasPrefix(p, "/fn/") {
		return "/"
	}
	return next
}

// ui serves the dashboard: files by path, index.html for client routes,
// no directory listings, and cache headers by type.
type ui struct {
	files   fs.FS
	index   []byte
	built   bool
	hashed  *regexp.Regexp
	noncePh *regexp.Regexp
}

func newUI(files fs.FS, built bool) (*ui, error) {
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		return nil, err
	}
	return &ui{files: files, index: index, built: built,
		hashed:  regexp.MustCompile(`[.-][A-Za-z0-9_-]{8,}\.(js|css|woff2?|svg|png|jpg|webp|ico)$`),
		noncePh: regexp.MustCompile(`<(script|style)\b`)}, nil
}

func (u *ui) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeProblem(w, r, http.StatusMethodNotAllowed, "method-not-allowed", "the dashboard's pages answer GET only")
		return
	}
	p := path.Clean("/" + r.URL.Path)
	name := strings.TrimPrefix(p, "/")
	if name != "" && name != "index.html" {
		if fi, err := fs.Stat(u.files, name); err == nil && !fi.IsDir() {
			u.file(w, r, name)
			return
		}
		if path.Ext(name) != "" {
			http.Error(w, "not found", http.StatusNotFound) // a missing asset, not a client route
			return
		}
	}
	// A client route: the app's shell, with this request's nonce.
	// tag aliases u.index, shared by every request: build a new slice
	// rather than append to it, which would overwrite the bytes after it.
	attr := []byte(` nonce="` + cspNonce(r) + `"`)
	html := u.noncePh.ReplaceAllFunc(u.index, func(tag []byte) []byte {
		return append(append(make([]byte, 0, len(tag)+len(attr)), tag...), attr...)
	})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(html)
}

func (u *ui) file(w http.ResponseWriter, r *http.Request, name string) {
	open := name
	// The build ships name.gz beside compressible files: sent as is to
	// clients that accept gzip, so nothing is compressed per request.
	if acceptsGzip(r) {
		if fi, err := fs.Stat(u.files, name+".gz"); err == nil && !fi.IsDir() {
			open = name + ".gz"
			w.Header().Set("Content-Encoding", "gzip")
		}
	}
	w.Header().Add("Vary", "Accept-Encoding")
	f, err := u.files.Open(open)
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	defer func() { _ = f.Close() }() // read-only, embedded
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	switch {
	case strings.HasPrefix(ct, "text/html"), strings.HasPrefix(ct, "application/json"):
		h.Set("Cache-Control", "no-store")
	case u.built && u.hashed.MatchString(name):
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	default:
		h.Set("Cache-Control", "public, max-age=300")
	}
	if rs, ok := f.(io.ReadSeeker); ok && open == name {
		http.ServeContent(w, r, name, fileModTime, rs)
		return
	}
	_, _ = io.Copy(w, f)
}

func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}
