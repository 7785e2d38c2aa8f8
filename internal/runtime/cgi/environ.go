package cgi

import (
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-platform/berth"
)

// Environ builds a function's environment for one request: the function's
// variables, then the CGI variables, which win on a conflict (a function
// cannot make a request look different to itself, and a caller's header
// cannot replace a CGI variable). Names that are not portable variable
// names and values with NUL bytes are dropped. The result is sorted by name.
func Environ(req *berth.InvokeRequest, bodyLen int) [][2]string {
	vars := make(map[string]string, len(req.Env)+len(req.Header)+10)
	for k, v := range req.Env {
		if ValidEnvName(k) && !strings.ContainsRune(v, 0) {
			vars[k] = v
		}
	}
	for name, values := range req.Header {
		key, ok := headerVar(name)
		if !ok {
			continue
		}
		v := strings.Join(values, ", ")
		if strings.ContainsRune(v, 0) {
			continue
		}
		vars[key] = v
	}
	vars["GATEWAY_INTERFACE"] = "CGI/1.1"
	vars["SERVER_SOFTWARE"] = "berth"
	vars["SERVER_PROTOCOL"] = "HTTP/1.1"
	vars["REQUEST_METHOD"] = req.Method
	vars["PATH_INFO"] = req.Path
	vars["QUERY_STRING"] = req.RawQuery
	vars["CONTENT_TYPE"] = req.Header.Get("Content-Type")
	vars["CONTENT_LENGTH"] = strconv.Itoa(bodyLen)
	vars["REMOTE_ADDR"] = RemoteHost(req.RemoteAddr)
	vars["BERTH_EXECUTION_ID"] = req.ExecutionID
	for k, v := range vars {
		if strings.ContainsRune(v, 0) {
			delete(vars, k)
		}
	}
	out := make([][2]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, [2]string{k, v})
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return out
}

// headerVar maps a header name to its HTTP_ variable. Content-Type and
// Content-Length have their own CGI variables; Proxy is dropped (httpoxy:
// HTTP_PROXY is read as a proxy setting by many programs); names with
// anything but letters, digits and '-' are dropped, so that "X-A" and "X_A"
// cannot both claim HTTP_X_A.
func headerVar(name string) (string, bool) {
	canon := strings.ToUpper(name)
	switch canon {
	case "CONTENT-TYPE", "CONTENT-LENGTH", "PROXY":
		return "", false
	}
	if canon == "" {
		return "", false
	}
	b := make([]byte, 0, len(canon)+5)
	b = append(b, "HTTP_"...)
	for i := 0; i < len(canon); i++ {
		c := canon[i]
		switch {
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			b = append(b, c)
		case c == '-':
			b = append(b, '_')
		default:
			return "", false
		}
	}
	return string(b), true
}

// ValidEnvName reports whether k is a portable environment variable name.
func ValidEnvName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// RemoteHost is the host part of a client address, or the address itself.
func RemoteHost(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}
