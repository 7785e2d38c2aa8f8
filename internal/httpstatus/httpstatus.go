// Package httpstatus records the status code a handler answered with, for
// the access logs and metrics of the manager and the webserver.
package httpstatus

import "net/http"

// Writer wraps a ResponseWriter and remembers the first status written:
// an explicit WriteHeader, or 200 at the first Write.
type Writer struct {
	http.ResponseWriter
	status int
}

// Wrap returns a Writer around w.
func Wrap(w http.ResponseWriter) *Writer { return &Writer{ResponseWriter: w} }

// Status is the status sent, 200 when the handler wrote nothing (net/http
// answers 200 then).
func (w *Writer) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// WriteHeader records code and sends it.
func (w *Writer) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records 200 when nothing was sent yet.
func (w *Writer) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flushing,
// deadlines, hijacking for WebSockets) through this wrapper.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
