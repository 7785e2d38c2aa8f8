package server

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// unusedGrace is how long a shutdown waits for a connection that has not
// sent a request yet before closing it.
const unusedGrace = time.Second

// unusedConns tracks connections that have sent no request yet. Go's
// Shutdown waits five seconds for such a connection (a client's spare
// dial, parked in its pool) before treating it as idle, so one spare
// connection held every shutdown for five seconds — past a short
// shutdown_timeout.
type unusedConns struct {
	mu sync.Mutex
	m  map[net.Conn]struct{}
}

// track is an http.Server ConnState hook.
func (u *unusedConns) track(c net.Conn, st http.ConnState) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if st == http.StateNew {
		if u.m == nil {
			u.m = map[net.Conn]struct{}{}
		}
		u.m[c] = struct{}{}
		return
	}
	delete(u.m, c)
}

// closeAfter closes, after d, the connections that still have not sent a
// request; it returns at once.
func (u *unusedConns) closeAfter(d time.Duration) {
	time.AfterFunc(d, func() {
		u.mu.Lock()
		defer u.mu.Unlock()
		for c := range u.m {
			_ = c.Close()
			delete(u.m, c)
		}
	})
}
