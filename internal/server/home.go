package server

import (
	"html/template"
	"net/http"
)

// homePage stands in for the dashboard until it exists: it says what runs
// here and how to use the API.
var homePage = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>berth</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<h1>berth is running</h1>
<p>The web dashboard is not part of this build yet. The API is ready:</p>
<ul>
<li>API description: <a href="/api/openapi.json">/api/openapi.json</a></li>
<li>Log in: <code>curl -s {{.}}/api/auth/login -H 'Content-Type: application/json' -d '{"email":"…","password":"…"}'</code></li>
<li>Health: <a href="/health">/health</a>, readiness: <a href="/readyz">/readyz</a></li>
</ul>
<p>The first admin's credentials were printed when the server first started.</p>
</body></html>
`))

func (s *Server) home(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	_ = homePage.Execute(w, s.URL())
}
