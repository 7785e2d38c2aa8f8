package cgi

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
	MaxHeaderBytes = 64 << 10
	MaxHeaderLines = 100
)

// hopByHop headers describe one connection, not the response; a function
// may not set them.
var hopByHop = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Te": true,
	"Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

// HopByHop reports whether the canonical header name describes a
// connection rather than a response: a function may not set it.
func HopByHop(name string) bool { return hopByHop[name] }

// Response is a parsed CGI response.
type Response struct {
	Status        int
	Header        http.Header // without Status and Content-Length
	Body          []byte
	ContentLength int64 // declared by the function; -1 when absent
}

// Complete reports whether the function wrote everything it declared: used
// to tell a crash before the answer from a non-zero exit after it. Without
// a Content-Length nothing proves the body was finished.
func (r *Response) Complete() bool {
	return r.ContentLength >= 0 && int64(len(r.Body)) >= r.ContentLength
}

// Trim checks the body against a declared Content-Length and cuts what
// follows it. Call it when the function ended normally.
func (r *Response) Trim() error {
	if r.ContentLength < 0 {
		return nil
	}
	if int64(len(r.Body)) < r.ContentLength {
		return BadResponse("the response declares Content-Length %d but the body has %d bytes: fix the header or write the whole body", r.ContentLength, len(r.Body))
	}
	r.Body = r.Body[:r.ContentLength]
	return nil
}

// BadResponse returns an error wrapping berth.ErrBadResponse.
func BadResponse(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{berth.ErrBadResponse}, args...)...)
}

// Parse parses a CGI response: header lines ending in LF or CRLF, a blank
// line, the body. Status sets the status code ("404" or "404 Not Found");
// Location without Status means 302; Content-Length is checked against the
// body and not passed on (the server sets its own); hop-by-hop headers are
// refused.
func Parse(out []byte) (*Response, error) {
	if len(out) == 0 {
		return nil, BadResponse("the function wrote nothing on stdout: write headers (at least Content-Type), a blank line, then the body")
	}
	resp := &Response{Header: http.Header{}, ContentLength: -1}
	hasStatus := false
	rest := out
	for n := 1; ; n++ {
		consumed := len(out) - len(rest)
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 || consumed+nl > MaxHeaderBytes {
			if consumed+len(rest) > MaxHeaderBytes {
				return nil, BadResponse("the header section is longer than %d bytes: send large data in the body", MaxHeaderBytes)
			}
			return nil, BadResponse("the output has no blank line ending the header section: write headers, an empty line, then the body")
		}
		line := bytes.TrimSuffix(rest[:nl], []byte("\r"))
		rest = rest[nl+1:]
		if len(line) == 0 {
			resp.Body = rest
			break
		}
		if n > MaxHeaderLines {
			return nil, BadResponse("the header section has more than %d lines: send large data in the body", MaxHeaderLines)
		}
		name, value, err := headerLine(line, n)
		if err != nil {
			return nil, err
		}
		switch name {
		case "Status":
			if hasStatus {
				return nil, BadResponse("the Status header appears twice: send it once")
			}
			hasStatus = true
			if resp.Status, err = parseStatus(value); err != nil {
				return nil, err
			}
		case "Content-Length":
			cl, err := strconv.ParseInt(value, 10, 64)
			if err != nil || cl < 0 || (resp.ContentLength >= 0 && cl != resp.ContentLength) {
				return nil, BadResponse("Content-Length %q is not one non-negative integer: fix it or leave it out", clip(value))
			}
			resp.ContentLength = cl
		default:
			if hopByHop[name] {
				return nil, BadResponse("the header %s describes a connection and may not be set by a function: remove it", name)
			}
			resp.Header.Add(name, value)
		}
	}
	if !hasStatus {
		resp.Status = http.StatusOK
		if resp.Header.Get("Location") != "" {
			resp.Status = http.StatusFound
		}
	}
	return resp, nil
}

// headerLine splits and checks one header line (RFC 9110 field syntax; no
// obsolete line folding).
func headerLine(line []byte, n int) (name, value string, err error) {
	if line[0] == ' ' || line[0] == '\t' {
		return "", "", BadResponse("header line %d starts with white space (folded headers are not allowed): put each header on one line", n)
	}
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return "", "", BadResponse("header line %d (%q) has no colon: end the header section with a blank line before the body", n, clip(string(line)))
	}
	rawName := line[:colon]
	if len(rawName) == 0 || !IsToken(rawName) {
		return "", "", BadResponse("header line %d has an invalid header name %q: use letters, digits and -", n, clip(string(rawName)))
	}
	v := bytes.Trim(line[colon+1:], " \t")
	for _, c := range v {
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return "", "", BadResponse("the value of header %s contains a control character: remove it", clip(string(rawName)))
		}
	}
	return textproto.CanonicalMIMEHeaderKey(string(rawName)), string(v), nil
}

func parseStatus(v string) (int, error) {
	if len(v) < 3 || (len(v) > 3 && v[3] != ' ') {
		return 0, BadResponse("Status %q is not a status code: write for example \"Status: 404 Not Found\"", clip(v))
	}
	code, err := strconv.Atoi(v[:3])
	if err != nil || code < 200 || code > 599 {
		return 0, BadResponse("Status %q is not a status code between 200 and 599: write for example \"Status: 404 Not Found\"", clip(v))
	}
	return code, nil
}

// IsToken reports whether b is an RFC 9110 token (a valid header name).
func IsToken(b []byte) bool {
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
