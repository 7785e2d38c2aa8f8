// Package clientaddr finds the address of the client behind a request:
// the TCP peer, or — only when the peer is a configured trusted proxy — the
// right-most address in X-Forwarded-For that is not itself trusted.
//
// A client's own X-Forwarded-For is never believed: lock-outs and rate
// limits key on this address, and a forged header must not move them.
package clientaddr

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver knows which peers are trusted proxies. The zero value trusts none.
type Resolver struct {
	trusted []netip.Prefix
}

// New parses trusted proxy addresses and CIDRs.
func New(trusted []string) (*Resolver, error) {
	r := &Resolver{}
	for _, s := range trusted {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("trusted proxy %q is neither an IP address nor a CIDR", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		r.trusted = append(r.trusted, p.Masked())
	}
	return r, nil
}

func (r *Resolver) isTrusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Peer returns the TCP peer's address of req without the port.
func Peer(req *http.Request) string {
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		return req.RemoteAddr
	}
	return host
}

// FromTrustedProxy reports whether req came straight from a trusted proxy.
func (r *Resolver) FromTrustedProxy(req *http.Request) bool {
	a, err := netip.ParseAddr(Peer(req))
	return err == nil && r != nil && r.isTrusted(a)
}

// Addr returns the client address of req.
func (r *Resolver) Addr(req *http.Request) string {
	peer := Peer(req)
	if !r.FromTrustedProxy(req) {
		return peer
	}
	hops := strings.Split(strings.Join(req.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer // a malformed chain: trust nothing beyond the proxy
		}
		if !r.isTrusted(a) {
			return a.Unmap().String()
		}
	}
	return peer
}
