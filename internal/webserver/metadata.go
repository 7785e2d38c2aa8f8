package webserver

import (
	"net/netip"
	"strconv"
	"strings"
)

// metadataAddrs are cloud metadata endpoints besides link-local IPv4
// (169.254.0.0/16, which covers AWS, GCP, Azure and most others).
var metadataAddrs = map[netip.Addr]bool{
	netip.MustParseAddr("100.100.100.200"): true, // Alibaba Cloud
	netip.MustParseAddr("fd00:ec2::254"):   true, // AWS over IPv6
}

// isMetadataHost reports whether a Host names a metadata endpoint in any
// spelling a resolver or an HTTP client accepts: dotted quads, the short
// and numeric forms of inet_aton (2852039166, 0xa9fea9fe, 0251.0376.0251.0376,
// 169.254.43518), and IPv6, IPv4-mapped ([::ffff:a9fe:a9fe]) included.
func isMetadataHost(host string) bool {
	if metadataNames[host] {
		return true
	}
	a, ok := parseAnyIP(host)
	if !ok {
		return false
	}
	a = a.WithZone("").Unmap()
	if nat64.Contains(a) { // 64:ff9b::a9fe:a9fe reaches 169.254.169.254 through NAT64
		b := a.As16()
		a = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	if a.Is4() && a.As4()[0] == 169 && a.As4()[1] == 254 {
		return true
	}
	return metadataAddrs[a]
}

// nat64 is the well-known NAT64 prefix, which embeds an IPv4 address.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// metadataNames are metadata endpoints by name.
var metadataNames = map[string]bool{
	"metadata.google.internal": true, "metadata": true, "metadata.azure.internal": true,
	"metadata.goog": true, "instance-data": true, "instance-data.ec2.internal": true,
}

// parseAnyIP parses an IPv6 address (with or without a zone) or an IPv4
// address in any inet_aton form.
func parseAnyIP(s string) (netip.Addr, bool) {
	if strings.Contains(s, ":") {
		a, err := netip.ParseAddr(s)
		return a, err == nil
	}
	return parseInetAton(s)
}

// parseInetAton reads a.b.c.d, a.b.c, a.b or a, each part decimal, octal
// (leading 0) or hex (0x), the last part filling the remaining bytes.
func parseInetAton(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 || s == "" {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		v, ok := parseAtonPart(p)
		if !ok {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 255 {
			return netip.Addr{}, false
		}
		n |= v << (8 * (3 - i))
	}
	last := vals[len(vals)-1]
	if bits := 8 * (5 - len(vals)); last >= 1<<bits {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

func parseAtonPart(p string) (uint64, bool) {
	base := 10
	switch {
	case p == "":
		return 0, false
	case strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X"):
		base, p = 16, p[2:]
		if p == "" {
			return 0, true // "0x" is 0 to inet_aton
		}
	case len(p) > 1 && p[0] == '0':
		base, p = 8, p[1:]
	}
	v, err := strconv.ParseUint(p, base, 32)
	return v, err == nil
}
