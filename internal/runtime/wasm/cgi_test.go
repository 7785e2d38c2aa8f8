package wasm

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/berth-platform/berth"
)

func TestParseCGI(t *testing.T) {
	cases := []struct {
		name   string
		out    string
		status int
		header http.Header
		body   string
	}{
		{"OK", "Content-Type: text/plain\n\nhello", 200, http.Header{"Content-Type": {"text/plain"}}, "hello"},
		{"CRLF", "Content-Type: text/plain\r\nX-A:  b \r\n\r\nhello\r\n", 200, http.Header{"Content-Type": {"text/plain"}, "X-A": {"b"}}, "hello\r\n"},
		{"Status", "Status: 404 Not Found\ncontent-type: text/html\n\n", 404, http.Header{"Content-Type": {"text/html"}}, ""},
		{"StatusCodeOnly", "Status: 201\n\n", 201, http.Header{}, ""},
		{"Location", "Location: /elsewhere\n\n", 302, http.Header{"Location": {"/elsewhere"}}, ""},
		{"LocationWithStatus", "Status: 301\nLocation: /moved\n\n", 301, http.Header{"Location": {"/moved"}}, ""},
		{"Repeated", "Set-Cookie: a=1\nSet-Cookie: b=2\n\n", 200, http.Header{"Set-Cookie": {"a=1", "b=2"}}, ""},
		{"NoHeaders", "\nbody only", 200, http.Header{}, "body only"},
		{"EmptyValue", "X-Empty:\n\n", 200, http.Header{"X-Empty": {""}}, ""},
		{"BodyWithBlankLines", "A: b\n\nline\n\nmore", 200, http.Header{"A": {"b"}}, "line\n\nmore"},
		{"ContentLengthDropped", "Content-Length: 2\n\nok", 200, http.Header{}, "ok"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := parseCGI([]byte(c.out))
			if err != nil {
				t.Fatal(err)
			}
			if r.status != c.status || string(r.body) != c.body || fmt.Sprint(r.header) != fmt.Sprint(c.header) {
				t.Fatalf("got %d %v %q, want %d %v %q", r.status, r.header, r.body, c.status, c.header, c.body)
			}
		})
	}
}

func TestParseCGIRefused(t *testing.T) {
	many := strings.Repeat("X-A: b\n", maxHeaderLines+1) + "\n"
	long := "X-Long: " + strings.Repeat("a", maxHeaderBytes) + "\n\n"
	cases := []struct{ name, out, contains string }{
		{"Empty", "", "wrote nothing"},
		{"NoBlankLine", "Content-Type: text/plain\nbody", "no blank line"},
		{"NoNewline", "just a body", "no blank line"},
		{"NoColon", "Content-Type: text/plain\nhello\n\n", `header line 2 ("hello") has no colon`},
		{"InvalidName", "Bad Header: x\n\n", `invalid header name "Bad Header"`},
		{"EmptyName", ": x\n\n", "invalid header name"},
		{"ControlInValue", "X-A: a\x01b\n\n", "control character"},
		{"CRInValue", "X-A: a\rb\n\n", "control character"},
		{"Folded", "X-A: a\n b\n\n", "folded"},
		{"TooManyLines", many, "more than 100 lines"},
		{"TooLong", long, "longer than 65536 bytes"},
		{"BadStatus", "Status: abc\n\n", "not a status code"},
		{"StatusOutOfRange", "Status: 99\n\n", "not a status code"},
		{"Status1xx", "Status: 101 Switching Protocols\n\n", "between 200 and 599"},
		{"StatusTwice", "Status: 200\nStatus: 404\n\n", "appears twice"},
		{"StatusTrailing", "Status: 2000\n\n", "not a status code"},
		{"HopByHop", "Transfer-Encoding: chunked\n\n", "Transfer-Encoding"},
		{"BadContentLength", "Content-Length: -1\n\n", "Content-Length"},
		{"ConflictingContentLength", "Content-Length: 1\nContent-Length: 2\n\n", "Content-Length"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseCGI([]byte(c.out))
			if !errors.Is(err, berth.ErrBadResponse) || !strings.Contains(err.Error(), c.contains) {
				t.Fatalf("error = %v, want ErrBadResponse mentioning %q", err, c.contains)
			}
		})
	}
}

func TestStdoutStopsEndlessHeaders(t *testing.T) {
	var cause error
	w := &stdout{max: 10 << 20, cancel: func(err error) { cause = err }}
	line := []byte("X-Filler: " + strings.Repeat("a", 100) + "\n")
	for range 1000 {
		if _, err := w.Write(line); err != nil {
			break
		}
	}
	if !errors.Is(cause, errHeaderTooLarge) || len(w.buf) > maxHeaderBytes+len(line)+2 {
		t.Fatalf("cause %v after %d bytes", cause, len(w.buf))
	}
}

func TestStdoutFindsSplitBlankLine(t *testing.T) {
	w := &stdout{max: 1 << 20, cancel: func(error) { t.Fatal("cancelled") }}
	for _, chunk := range []string{"A: b\r", "\n", "\r", "\nbody"} {
		_, _ = w.Write([]byte(chunk))
	}
	if !w.headerEnd {
		t.Fatal("blank line split across writes not seen")
	}
}

func FuzzParseCGI(f *testing.F) {
	for _, s := range []string{
		"Content-Type: text/plain\n\nhello", "Status: 404 Not Found\r\n\r\n", "Location: /x\n\n",
		"\n", "A\n\n", "Status: 2000\n\n", "X: \x00\n\n", "Content-Length: 5\n\nabc",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		r, err := parseCGI(out)
		if err != nil {
			if !errors.Is(err, berth.ErrBadResponse) {
				t.Fatalf("%v does not wrap ErrBadResponse", err)
			}
			return
		}
		if r.status < 200 || r.status > 599 {
			t.Fatalf("status %d", r.status)
		}
		if len(r.body) > len(out) {
			t.Fatal("body longer than the output")
		}
		for name, values := range r.header {
			if !isToken([]byte(name)) || hopByHop[name] || name == "Status" || name == "Content-Length" {
				t.Fatalf("header %q passed", name)
			}
			for _, v := range values {
				if strings.ContainsAny(v, "\r\n\x00") {
					t.Fatalf("value %q passed", v)
				}
			}
		}
	})
}
