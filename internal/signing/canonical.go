package signing

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Names fixed by the scheme.
const (
	Algorithm           = "BERTH-HMAC-SHA256"
	HeaderDate          = "X-Berth-Date"
	HeaderNonce         = "X-Berth-Nonce"
	HeaderContentSHA256 = "X-Berth-Content-SHA256"
	// DateFormat is the layout of X-Berth-Date (always UTC).
	DateFormat = "20060102T150405Z"
	// DayFormat is the layout of the credential scope date.
	DayFormat = "20060102"
	scopeName = "berth_request"
	// EmptyBodyHash is the hex SHA-256 of the empty body.
	EmptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// errBadEscape reports a path or query that is not valid percent-encoding.
var errBadEscape = errors.New("invalid percent-encoding")

const upperHex = "0123456789ABCDEF"

// appendEncoded appends s with every byte outside A-Z a-z 0-9 - _ . ~ (and
// '/' when keepSlash) percent-encoded in upper-case hex.
func appendEncoded(b []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || (keepSlash && c == '/') {
			b = append(b, c)
			continue
		}
		b = append(b, '%', upperHex[c>>4], upperHex[c&15])
	}
	return b
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// CanonicalPath returns the canonical form of an escaped request path: decoded
// once, then re-encoded with '/' kept. An empty path becomes "/".
func CanonicalPath(escapedPath string) (string, error) {
	if escapedPath == "" {
		return "/", nil
	}
	decoded, err := url.PathUnescape(escapedPath)
	if err != nil {
		return "", errBadEscape
	}
	return string(appendEncoded(make([]byte, 0, len(decoded)+8), decoded, true)), nil
}

// CanonicalQuery returns the canonical form of a raw query string: each pair
// decoded ('+' is a space), re-encoded with '/' encoded too, sorted by key
// then value and joined by '&'. Empty segments ("a&&b") are ignored.
func CanonicalQuery(rawQuery string) (string, error) {
	if rawQuery == "" {
		return "", nil
	}
	type pair struct{ k, v string }
	pairs := make([]pair, 0, strings.Count(rawQuery, "&")+1)
	for seg := range strings.SplitSeq(rawQuery, "&") {
		if seg == "" {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		dk, err := url.QueryUnescape(k)
		if err != nil {
			return "", errBadEscape
		}
		dv, err := url.QueryUnescape(v)
		if err != nil {
			return "", errBadEscape
		}
		pairs = append(pairs, pair{
			string(appendEncoded(nil, dk, false)),
			string(appendEncoded(nil, dv, false)),
		})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String(), nil
}

// appendHeaderValue appends the canonical form of a header's values: each
// trimmed, inner runs of spaces and tabs collapsed to one space, several
// values joined by ','.
func appendHeaderValue(b []byte, values []string) []byte {
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		v = strings.Trim(v, " \t")
		space := false
		for j := 0; j < len(v); j++ {
			c := v[j]
			if c == ' ' || c == '\t' {
				space = true
				continue
			}
			if space {
				b = append(b, ' ')
				space = false
			}
			b = append(b, c)
		}
	}
	return b
}

// headerValues returns the values of a signed header; "host" is the request's
// Host, which Go keeps outside Header.
func headerValues(r *http.Request, name string) []string {
	if name == "host" {
		host := r.Host
		if host == "" && r.URL != nil {
			host = r.URL.Host
		}
		return []string{host}
	}
	return r.Header.Values(name)
}

// CanonicalRequest builds the canonical request of r for the given sorted,
// lower-case signed header names and body hash.
func CanonicalRequest(r *http.Request, signed []string, bodyHash string) (string, error) {
	b, err := appendCanonicalRequest(make([]byte, 0, 512), r, signed, bodyHash)
	return string(b), err
}

func appendCanonicalRequest(b []byte, r *http.Request, signed []string, bodyHash string) ([]byte, error) {
	path, err := CanonicalPath(r.URL.EscapedPath())
	if err != nil {
		return nil, err
	}
	query, err := CanonicalQuery(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	b = append(b, strings.ToUpper(r.Method)...)
	b = append(b, '\n')
	b = append(b, path...)
	b = append(b, '\n')
	b = append(b, query...)
	b = append(b, '\n')
	for _, name := range signed {
		b = append(b, name...)
		b = append(b, ':')
		b = appendHeaderValue(b, headerValues(r, name))
		b = append(b, '\n')
	}
	b = append(b, '\n')
	for i, name := range signed {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, name...)
	}
	b = append(b, '\n')
	b = append(b, bodyHash...)
	return b, nil
}

// StringToSign builds the string to sign from the X-Berth-Date value and the
// canonical request.
func StringToSign(date string, canonicalRequest []byte) string {
	sum := sha256.Sum256(canonicalRequest)
	return Algorithm + "\n" + date + "\n" + date[:8] + "/" + scopeName + "\n" + hex.EncodeToString(sum[:])
}
