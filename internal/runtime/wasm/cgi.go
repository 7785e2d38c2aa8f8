package wasm

import (
	"bytes"
	"fmt"
	"net/http"
	"net/textproto"
	"strconv"

	"github.com/berth-platform/berth"
)

// Bounds of a CGI response's header section.
const (
	maxHeaderBytes = 64 << 10
	maxHeaderLines = 100
)

// hopByHop headers describe one connection, not the response; a function
// may not set them.
var hopByHop = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Te": true,
	"Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

// response is a parsed CGI response.
type response struct {
	status        int
	header        http.Header
	body          []byte
	contentLength int64 // declared by the module; -1 when absent
}

// complete reports whether the module wrote everything it declared: used to
// tell a crash before the answer from a non-zero exit after it. Without a
// Content-Length nothing proves the body was finished.
func (r *response) complete() bool {
	return r.contentLength >= 0 && int64(len(r.body)) >= r.contentLength
}

func badResponse(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{berth.ErrBadResponse}, args...)...)
}

// parseCGI parses a CGI response: header lines ending in LF or CRLF, a blank
// line, the body. Status sets the status code ("404" or "404 Not Found");
// Location without Status means 302; Content-Length is checked against the
// body and not passed on (the server sets its own); hop-by-hop headers are
// refused.
func parseCGI(out []byte) (*response, error) {
	if len(out) == 0 {
		return nil, badResponse("the function wrote nothing on stdout: write headers (at least Content-Type), a blank line, then the body")
	}
	resp := &response{header: http.Header{}, contentLength: -1}
	hasStatus := false
	rest := out
	for n := 1; ; n++ {
		consumed := len(out) - len(rest)
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 || consumed+nl > maxHeaderBytes {
			if consumed+len(rest) > maxHeaderBytes {
				return nil, badResponse("the header section is longer than %d bytes: send large data in the body", maxHeaderBytes)
			}
			return nil, badResponse("the output has no blank line ending the header section: write headers, an empty line, then the body")
		}
		line := bytes.TrimSuffix(rest[:nl], []byte("\r"))
		rest = rest[nl+1:]
		if len(line) == 0 {
			resp.body = rest
			break
		}
		if n > maxHeaderLines {
			return nil, badResponse("the header section has more than %d lines: send large data in the body", maxHeaderLines)
		}
		name, value, err := headerLine(line, n)
		if err != nil {
			return nil, err
		}
		switch name {
		case "Status":
			if hasStatus {
				return nil, badResponse("the Status header appears twice: send it once")
			}
			hasStatus = true
			if resp.status, err = parseStatus(value); err != nil {
				return nil, err
			}
		case "Content-Length":
			cl, err := strconv.ParseInt(value, 10, 64)
			if err != nil || cl < 0 || (resp.contentLength >= 0 && cl != resp.contentLength) {
				return nil, badResponse("Content-Length %q is not one non-negative integer: fix it or leave it out", clip(value))
			}
			resp.contentLength = cl
		default:
			if hopByHop[name] {
				return nil, badResponse("the header %s describes a connection and may not be set by a function: remove it", name)
			}
			resp.header.Add(name, value)
		}
	}
	if !hasStatus {
		resp.status = http.StatusOK
		if resp.header.Get("Location") != "" {
			resp.status = http.StatusFound
		}
	}
	return resp, nil
}

// headerLine splits and checks one header line (RFC 9110 field syntax; no
// obsolete line folding).
func headerLine(line []byte, n int) (name, value string, err error) {
	if line[0] == ' ' || line[0] == '\t' {
		return "", "", badResponse("header line %d starts with white space (folded headers are not allowed): put each header on one line", n)
	}
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return "", "", badResponse("header line %d (%q) has no colon: end the header section with a blank line before the body", n, clip(string(line)))
	}
	rawName := line[:colon]
	if len(rawName) == 0 || !isToken(rawName) {
		return "", "", badResponse("header line %d has an invalid header name %q: use letters, digits and -", n, clip(string(rawName)))
	}
	v := bytes.Trim(line[colon+1:], " \t")
	for _, c := range v {
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return "", "", badResponse("the value of header %s contains a control character: remove it", clip(string(rawName)))
		}
	}
	return textproto.CanonicalMIMEHeaderKey(string(rawName)), string(v), nil
}

func parseStatus(v string) (int, error) {
	if len(v) < 3 || (len(v) > 3 && v[3] != ' ') {
		return 0, badResponse("Status %q is not a status code: write for example \"Status: 404 Not Found\"", clip(v))
	}
	code, err := strconv.Atoi(v[:3])
	if err != nil || code < 200 || code > 599 {
		return 0, badResponse("Status %q is not a status code between 200 and 599: write for example \"Status: 404 Not Found\"", clip(v))
	}
	return code, nil
}

// isToken reports whether b is an RFC 9110 token.
func isToken(b []byte) bool {
	for _, c := range b {
		if !isTokenChar(c) {
			return false
		}
	}
	return true
}

func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// clip shortens what a message quotes from a module's output.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
