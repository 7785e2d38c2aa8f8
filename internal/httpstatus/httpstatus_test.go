package httpstatus

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		name  string
		serve func(w http.ResponseWriter)
		want  int
	}{
		{"nothing written", func(http.ResponseWriter) {}, 200},
		{"body only", func(w http.ResponseWriter) { _, _ = w.Write([]byte("x")) }, 200},
		{"explicit", func(w http.ResponseWriter) { w.WriteHeader(404) }, 404},
		{"first wins", func(w http.ResponseWriter) { w.WriteHeader(503); w.WriteHeader(200) }, 503},
		{"write then header", func(w http.ResponseWriter) { _, _ = w.Write(nil); w.WriteHeader(500) }, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			w := Wrap(rec)
			tc.serve(w)
			if w.Status() != tc.want {
				t.Fatalf("Status() = %d, want %d", w.Status(), tc.want)
			}
			if rec.Code != tc.want {
				t.Fatalf("the wrapped writer got %d, want %d", rec.Code, tc.want)
			}
		})
	}
}

func TestUnwrap(t *testing.T) {
	rec := httptest.NewRecorder()
	if err := http.NewResponseController(Wrap(rec)).Flush(); err != nil {
		t.Fatalf("Flush through the wrapper: %v", err)
	}
	if !rec.Flushed {
		t.Fatal("the flush did not reach the wrapped writer")
	}
}
