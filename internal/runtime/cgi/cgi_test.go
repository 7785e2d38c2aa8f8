package cgi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/berth-platform/berth"
)

func TestParse(t *testing.T) {
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
			r, err := Parse([]byte(c.out))
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != c.status || string(r.Body) != c.body || fmt.Sprint(r.Header) != fmt.Sprint(c.header) {
				t.Fatalf("got %d %v %q, want %d %v %q", r.Status, r.Header, r.Body, c.status, c.header, c.body)
			}
		})
	}
}

func TestParseRefused(t *testing.T) {
	many := strings.Repeat("X-A: b\n", MaxHeaderLines+1) + "\n"
	long := "X-Long: " + strings.Repeat("a", MaxHeaderBytes) + "\n\n"
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
			_, err := Parse([]byte(c.out))
			if !errors.Is(err, berth.ErrBadResponse) || !strings.Contains(err.Error(), c.contains) {
				t.Fatalf("error = %v, want ErrBadResponse mentioning %q", err, c.contains)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"Content-Type: text/plain\n\nhello", "Status: 404 Not Found\r\n\r\n", "Location: /x\n\n",
		"\n", "A\n\n", "Status: 2000\n\n", "X: \x00\n\n", "Content-Length: 5\n\nabc",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		r, err := Parse(out)
		if err != nil {
			if !errors.Is(err, berth.ErrBadResponse) {
				t.Fatalf("%v does not wrap ErrBadResponse", err)
			}
			return
		}
		if r.Status < 200 || r.Status > 599 {
			t.Fatalf("status %d", r.Status)
		}
		if len(r.Body) > len(out) {
			t.Fatal("body longer than the output")
		}
		for name, values := range r.Header {
			if !IsToken([]byte(name)) || HopByHop(name) || name == "Status" || name == "Content-Length" {
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

func TestEnviron(t *testing.T) {
	req := &berth.InvokeRequest{
		ExecutionID: "ex-9", Method: "POST", Path: "/p", RawQuery: "a=b", RemoteAddr: "[::1]:5555",
		Header: http.Header{
			"Content-Type":    {"application/json"},
			"Content-Length":  {"999"},
			"X-Many":          {"1", "2"},
			"Proxy":           {"http://evil"},
			"X_Underscore":    {"smuggled"},
			"Accept-Language": {"en"},
		},
		Env: map[string]string{"REQUEST_METHOD": "FAKE", "TOKEN": "s3cret", "BAD=NAME": "x", "NUL": "a\x00b", "HTTP_X_MANY": "mine"},
	}
	got := map[string]string{}
	for _, kv := range Environ(req, 42) {
		got[kv[0]] = kv[1]
	}
	want := map[string]string{
		"REQUEST_METHOD": "POST", "PATH_INFO": "/p", "QUERY_STRING": "a=b", "CONTENT_TYPE": "application/json",
		"CONTENT_LENGTH": "42", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "::1", "GATEWAY_INTERFACE": "CGI/1.1",
		"SERVER_SOFTWARE": "berth", "BERTH_EXECUTION_ID": "ex-9", "HTTP_X_MANY": "1, 2", "HTTP_ACCEPT_LANGUAGE": "en",
		"TOKEN": "s3cret",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for _, k := range []string{"HTTP_PROXY", "HTTP_X_UNDERSCORE", "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "BAD=NAME", "NUL"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s must not be set", k)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d variables, want %d: %v", len(got), len(want), got)
	}
}
