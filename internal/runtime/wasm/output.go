package wasm

import (
	"bytes"
	"context"
	"errors"
	"strings"

	"github.com/berth-platform/berth/internal/runtime/cgi"
)

// Causes of an instance being cancelled by the host.
var (
	errOutputTooLarge = errors.New("stdout over the output limit")
	errHeaderTooLarge = errors.New("no end of the header section within the limit")
	errDeadline       = errors.New("deadline")
	// errStopped is what the module's fd_write sees (as EIO) once its
	// output is refused.
	errStopped = errors.New("output refused")
)

// stdout collects a module's response up to max bytes. Past that, or when
// the header section runs past cgi.MaxHeaderBytes without ending, it cancels
// the instance with the reason as the cause.
type stdout struct {
	buf       []byte
	max       int64
	cancel    context.CancelCauseFunc
	scanned   int  // bytes already searched for the end of the headers
	headerEnd bool // the blank line was seen
	stopped   error
}

func (w *stdout) Write(p []byte) (int, error) {
	if w.stopped != nil {
		return 0, errStopped
	}
	if room := w.max - int64(len(w.buf)); int64(len(p)) > room {
		w.buf = append(w.buf, p[:room]...)
		w.stop(errOutputTooLarge)
		return int(room), errStopped
	}
	w.buf = append(w.buf, p...)
	if !w.headerEnd {
		if w.sawHeaderEnd(max(0, w.scanned-2)) {
			w.headerEnd = true
		} else if len(w.buf) > cgi.MaxHeaderBytes+2 {
			w.stop(errHeaderTooLarge)
			return len(p), errStopped
		}
		w.scanned = len(w.buf)
	}
	return len(p), nil
}

func (w *stdout) stop(cause error) {
	w.stopped = cause
	w.cancel(cause)
}

// sawHeaderEnd reports whether buf holds the blank line that ends a header
// section, searching only from "from" on (plus the start of buf, for a
// response without headers).
func (w *stdout) sawHeaderEnd(from int) bool {
	b := w.buf
	if bytes.HasPrefix(b, []byte("\n")) || bytes.HasPrefix(b, []byte("\r\n")) {
		return true
	}
	return bytes.Contains(b[from:], []byte("\n\n")) || bytes.Contains(b[from:], []byte("\n\r\n"))
}

// logs collects stderr up to max bytes and drops the rest, without making
// the module's writes fail.
type logs struct {
	buf       []byte
	max       int
	truncated bool
}

// truncatedMarker ends the logs of an invocation that wrote more than
// Limits.MaxLogBytes.
const truncatedMarker = "[log truncated]"

func (l *logs) Write(p []byte) (int, error) {
	if l.truncated {
		return len(p), nil
	}
	if room := l.max - len(l.buf); len(p) > room {
		l.buf = append(l.buf, p[:room]...)
		l.truncated = true
		return len(p), nil
	}
	l.buf = append(l.buf, p...)
	return len(p), nil
}

// lines splits the captured logs into lines, without their line endings.
func (l *logs) lines() []string {
	var out []string
	s := string(l.buf)
	for s != "" {
		line, rest, _ := strings.Cut(s, "\n")
		out = append(out, strings.TrimSuffix(line, "\r"))
		s = rest
	}
	if l.truncated {
		out = append(out, truncatedMarker)
	}
	return out
}
