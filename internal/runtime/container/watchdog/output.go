//go:build linux

package watchdog

import (
	"errors"
	"io"
	"os"
	"sync"
	"syscall"
)

// errOutputFull is what a command's write sees once its output is refused.
var errOutputFull = errors.New("output limit reached")

// capWriter keeps a command's stdout up to max bytes; past that it calls
// full once and refuses further writes.
type capWriter struct {
	mu   sync.Mutex
	buf  []byte
	max  int64
	over bool
	full func()
}

func (w *capWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.over {
		return 0, errOutputFull
	}
	if room := w.max - int64(len(w.buf)); int64(len(p)) > room {
		w.buf = append(w.buf, p[:room]...)
		w.over = true
		w.full()
		return int(room), errOutputFull
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

func (w *capWriter) result() ([]byte, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf, w.over
}

// capBuffer keeps the first max bytes written and drops the rest without
// failing the writer: a command that logs too much keeps running.
type capBuffer struct {
	mu        sync.Mutex
	buf       []byte
	max       int64
	truncated bool
}

func (b *capBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - int64(len(b.buf)); int64(len(p)) > room {
		b.buf = append(b.buf, p[:max(room, 0)]...)
		b.truncated = true
		return len(p), nil
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *capBuffer) result() ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf, b.truncated
}

// logRing collects an http-mode server's stdout and stderr (one pipe)
// between calls, keeping the newest size bytes. Reading the pipe and
// appending happen under one lock, so that drain can first empty the pipe
// and then know it holds everything written before it was called.
type logRing struct {
	mu      sync.Mutex
	buf     []byte
	size    int
	dropped bool
	pipe    *os.File
	raw     syscall.RawConn
	scratch []byte
}

func newLogRing(pipe *os.File, size int) (*logRing, error) {
	raw, err := pipe.SyscallConn()
	if err != nil {
		return nil, err
	}
	return &logRing{size: size, pipe: pipe, raw: raw, scratch: make([]byte, 32<<10)}, nil
}

// run reads the pipe until the server and every process holding it have
// closed it.
func (l *logRing) run() {
	defer l.pipe.Close()
	for {
		eof := false
		err := l.raw.Read(func(fd uintptr) bool {
			l.mu.Lock()
			defer l.mu.Unlock()
			n, err := l.readLocked(fd)
			if (n == 0 && err == nil) || (err != nil && !errors.Is(err, syscall.EAGAIN)) {
				eof = true
			}
			return !errors.Is(err, syscall.EAGAIN)
		})
		if eof || err != nil {
			return
		}
	}
}

// readLocked reads what the pipe holds now. It returns 0, nil at end of
// file and EAGAIN when the pipe is empty.
func (l *logRing) readLocked(fd uintptr) (int, error) {
	total := 0
	for {
		n, err := syscall.Read(int(fd), l.scratch)
		if n > 0 {
			l.appendLocked(l.scratch[:n])
			total += n
			continue
		}
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if n == 0 && err == nil {
			if total > 0 {
				return total, nil
			}
			return 0, nil
		}
		return total, err
	}
}

func (l *logRing) appendLocked(p []byte) {
	l.buf = append(l.buf, p...)
	if over := len(l.buf) - l.size; over > 0 {
		l.buf = append(l.buf[:0], l.buf[over:]...)
		l.dropped = true
	}
}

// Write adds the watchdog's own notes (a crash of the server) to the logs.
func (l *logRing) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.appendLocked(p)
	return len(p), nil
}

// drain empties the pipe into the ring, then takes at most max bytes of
// what was collected (the newest), reporting whether any was dropped.
func (l *logRing) drain(max int64) ([]byte, bool) {
	_ = l.raw.Control(func(fd uintptr) {
		l.mu.Lock()
		defer l.mu.Unlock()
		_, _ = l.readLocked(fd)
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	out, dropped := l.buf, l.dropped
	if int64(len(out)) > max {
		out, dropped = out[int64(len(out))-max:], true
	}
	out = append([]byte(nil), out...)
	l.buf, l.dropped = l.buf[:0], false
	return out, dropped
}

var _ io.Writer = (*logRing)(nil)
