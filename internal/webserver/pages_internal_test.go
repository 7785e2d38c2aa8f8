package webserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

// A production build's index.html: every <script> and <style> must get
// this request's nonce, and nothing else in the page may change — the
// page is shared by every request.
func TestIndexNonceLeavesThePageIntact(t *testing.T) {
	const index = `<!doctype html><html><head>` +
		`<script type="module" crossorigin src="/assets/index-Bq3x9Zk1.js"></script>` +
		`<link rel="stylesheet" crossorigin href="/assets/index-C7dE2fGh.css"><style>body{}</style>` +
		`</head><body><div id="root"></div></body></html>`
	u, err := newUI(fstest.MapFS{"index.html": {Data: []byte(index)}}, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, nonce := range []string{"first-nonce_A", "second-nonce_B", "third"} {
		req := httptest.NewRequest(http.MethodGet, "/functions/abc", nil)
		req = req.WithContext(context.WithValue(req.Context(), nonceKey{}, nonce))
		rec := httptest.NewRecorder()
		u.serve(rec, req)
		want := `<!doctype html><html><head>` +
			`<script nonce="` + nonce + `" type="module" crossorigin src="/assets/index-Bq3x9Zk1.js"></script>` +
			`<link rel="stylesheet" crossorigin href="/assets/index-C7dE2fGh.css"><style nonce="` + nonce + `">body{}</style>` +
			`</head><body><div id="root"></div></body></html>`
		if got := rec.Body.String(); got != want {
			t.Fatalf("nonce %q:\n got %s\nwant %s", nonce, got, want)
		}
	}
	if string(u.index) != index {
		t.Fatalf("the shared page changed: %s", u.index)
	}
}
