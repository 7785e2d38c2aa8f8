package headers

import (
	"net/http"
	"strings"
)

// hopByHop are connection-level headers (RFC 9110 section 7.6.1 and the
// older ones proxies still see); they never cross a hop.
var hopByHop = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// RemoveHopByHop deletes the hop-by-hop headers from h, and every header
// its Connection header names (so "Connection: X-Berth-Token" can remove
// nothing that matters past this hop, because it is removed here first).
func RemoveHopByHop(h http.Header) {
	for _, c := range h.Values("Connection") {
		for name := range strings.SplitSeq(c, ",") {
			if n := strings.TrimSpace(name); n != "" {
				h.Del(n)
			}
		}
	}
	for _, name := range hopByHop {
		h.Del(name)
	}
}

// IsHopByHop reports whether name is a hop-by-hop header.
func IsHopByHop(name string) bool {
	name = http.CanonicalHeaderKey(name)
	for _, h := range hopByHop {
		if h == name {
			return true
		}
	}
	return false
}

// IsBerth reports whether name is one of the platform's own headers,
// X-Berth-*, in any spelling a server might take for it (case, and "_"
// for "-").
func IsBerth(name string) bool {
	const prefix = "x-berth-"
	if len(name) < len(prefix) {
		return false
	}
	for i := range len(prefix) {
		c := name[i]
		switch {
		case c == '_':
			c = '-'
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// RemoveBerth deletes every X-Berth-* header from h, in any spelling.
func RemoveBerth(h http.Header) {
	for k := range h {
		if IsBerth(k) {
			delete(h, k)
		}
	}
}
