// Command hello-go is a berth function written in Go: a WAGI module that
// greets the caller in JSON and echoes what it saw of the request.
//
// Build it for berth with
//
//	GOOS=wasip1 GOARCH=wasm go build -o examples/hello-go/hello.wasm ./examples/hello-go
//
// It is plain Go with no build tags (a WAGI function is a CGI program), so it
// also builds and runs natively, which is how its test runs.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
)

// maxBody bounds what the function reads from stdin; berth bounds it too.
const maxBody = 1 << 20

// greeting is the response body.
type greeting struct {
	Message    string `json:"message"`
	Method     string `json:"method"`
	Path       string `json:"path"`
	Query      string `json:"query"`
	BodyLength int    `json:"body_length"`
}

func main() {
	if err := respond(os.Stdout, os.Getenv, os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "hello-go:", err)
		os.Exit(1)
	}
}

// respond reads the request (CGI variables through getenv, the body from
// body) and writes a CGI response to w: headers, a blank line, the body.
func respond(w io.Writer, getenv func(string) string, body io.Reader) error {
	n, err := io.Copy(io.Discard, io.LimitReader(body, maxBody))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	name := "world"
	if q, err := url.ParseQuery(getenv("QUERY_STRING")); err == nil && q.Get("name") != "" {
		name = q.Get("name")
	}
	// Logs go to stderr; berth keeps them with the execution.
	fmt.Fprintf(os.Stderr, "greeting %s (%d body bytes)\n", name, n)
	g := greeting{
		Message:    "Hello, " + name + "!",
		Method:     getenv("REQUEST_METHOD"),
		Path:       getenv("PATH_INFO"),
		Query:      getenv("QUERY_STRING"),
		BodyLength: int(n),
	}
	if _, err := io.WriteString(w, "Content-Type: application/json\n\n"); err != nil {
		return err
	}
	return json.NewEncoder(w).Encode(g)
}
