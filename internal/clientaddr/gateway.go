package clientaddr

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HeaderClientAddress carries the client's address from a berth webserver
// (outside the X-Berth-* names, which a client's signature must cover)
// to a manager, with a MAC that only processes sharing the master key can
// make: "<addr>; t=<unix seconds>; mac=<hex>". The manager believes it
// without any trusted_proxies setting, so a webserver in front of it no
// longer makes every client one address (one lock-out for everyone).
const HeaderClientAddress = "Berth-Client-Address"

// assertionWindow bounds how old an assertion may be, as signatures are.
const assertionWindow = 5 * time.Minute

// Gateway makes and checks client-address assertions.
type Gateway struct {
	key  []byte
	now  func() time.Time
	macs sync.Pool // hash.Hash keyed with key: hmac.New derives the pads on every call
}

// NewGateway returns a Gateway over a key derived from the master key
// (secret.DeriveKey); now nil means time.Now.
func NewGateway(key []byte, now func() time.Time) *Gateway {
	if now == nil {
		now = time.Now
	}
	return &Gateway{key: key, now: now}
}

// mac binds the address to the time and to the request's method and path,
// so an assertion seen on one request is no use on another.
func (g *Gateway) mac(addr string, t int64, method, path string) string {
	m, _ := g.macs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, g.key)
	}
	defer func() { m.Reset(); g.macs.Put(m) }()
	var buf [128]byte
	b := append(buf[:0], addr...)
	b = append(b, '\n')
	b = strconv.AppendInt(b, t, 10)
	b = append(b, '\n')
	b = append(b, method...)
	b = append(b, '\n')
	b = append(b, path...)
	m.Write(b)
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0]))
}

// Assert sets the assertion of addr on out (any client-sent value is
// replaced). A nil Gateway asserts nothing.
func (g *Gateway) Assert(out *http.Request, addr string) {
	out.Header.Del(HeaderClientAddress)
	if g == nil || addr == "" {
		return
	}
	t := g.now().Unix()
	out.Header.Set(HeaderClientAddress, addr+"; t="+strconv.FormatInt(t, 10)+"; mac="+g.mac(addr, t, out.Method, out.URL.Path))
}

// Verified returns the address asserted on r, when the assertion is well
// formed, current and made with this gateway's key; else "" and false.
func (g *Gateway) Verified(r *http.Request) (string, bool) {
	v := r.Header.Get(HeaderClientAddress)
	if g == nil || v == "" || len(v) > 256 {
		return "", false
	}
	parts := strings.Split(v, "; ")
	if len(parts) != 3 || !strings.HasPrefix(parts[1], "t=") || !strings.HasPrefix(parts[2], "mac=") {
		return "", false
	}
	addr, err := netip.ParseAddr(parts[0])
	if err != nil {
		return "", false
	}
	t, err := strconv.ParseInt(parts[1][2:], 10, 64)
	if err != nil {
		return "", false
	}
	if d := g.now().Sub(time.Unix(t, 0)); d > assertionWindow || d < -assertionWindow {
		return "", false
	}
	if !hmac.Equal([]byte(parts[2][4:]), []byte(g.mac(parts[0], t, r.Method, r.URL.Path))) {
		return "", false
	}
	return addr.Unmap().String(), true
}
