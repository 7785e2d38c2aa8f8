package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// APIVersion is the Docker API version the client speaks; Podman 4 and
// later and every supported Docker Engine serve it.
const APIVersion = "1.41"

// maxErrorBody caps what is read of an error answer.
const maxErrorBody = 64 << 10

// Client talks to one engine. It is safe for concurrent use.
type Client struct {
	socket string
	hc     *http.Client
}

// New returns a client for the engine at endpoint: "unix:///path/to.sock"
// or an absolute socket path. Nothing is dialled until the first call.
func New(endpoint string) (*Client, error) {
	sock, err := SocketPath(endpoint)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
		Proxy:               nil, // a Unix socket is never proxied
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	return &Client{socket: sock, hc: &http.Client{Transport: tr}}, nil
}

// SocketPath returns the socket path of a unix:// endpoint (or of an
// absolute path).
func SocketPath(endpoint string) (string, error) {
	switch {
	case strings.HasPrefix(endpoint, "unix://"):
		u, err := url.Parse(endpoint)
		if err != nil || u.Host != "" || u.Path == "" {
			return "", fmt.Errorf("engine: %q is not a unix:///absolute/path URL", endpoint)
		}
		return u.Path, nil
	case strings.HasPrefix(endpoint, "/"):
		return endpoint, nil
	}
	return "", fmt.Errorf("engine: %q is not a Unix socket: use unix:///path/to/podman.sock (berth talks to engines over Unix sockets only)", endpoint)
}

// Socket is the path of the engine's socket.
func (c *Client) Socket() string { return c.socket }

// Close drops idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// Error is an answer of the engine other than success.
type Error struct {
	Op      string // what was asked, e.g. "create container"
	Status  int    // HTTP status
	Message string // the engine's message
}

func (e *Error) Error() string {
	return fmt.Sprintf("engine: %s: %s (HTTP %d)", e.Op, e.Message, e.Status)
}

// IsNotFound reports whether err is the engine's 404.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// IsConflict reports whether err is the engine's 409 (a name in use, an
// image used by a container).
func IsConflict(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusConflict
}

// request sends one call. body, when not nil, is sent as JSON unless it is
// an io.Reader. The caller closes the answer's body.
func (c *Client) request(ctx context.Context, op, method, path string, query url.Values, body any, contentType string) (*http.Response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case io.Reader:
		rd = b
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("engine: %s: %w", op, err)
		}
		rd, contentType = bytes.NewReader(data), "application/json"
	}
	u := "http://engine/v" + APIVersion + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("engine: %s: %w", op, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("engine: %s: %w", op, err)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		return nil, readError(op, resp)
	}
	return resp, nil
}

func readError(op string, resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var msg struct {
		Message string `json:"message"`
	}
	text := strings.TrimSpace(string(data))
	if json.Unmarshal(data, &msg) == nil && msg.Message != "" {
		text = msg.Message
	}
	if text == "" {
		text = http.StatusText(resp.StatusCode)
	}
	return &Error{Op: op, Status: resp.StatusCode, Message: text}
}

// call sends one call and decodes a JSON answer into out (when not nil).
func (c *Client) call(ctx context.Context, op, method, path string, query url.Values, body, out any) error {
	resp, err := c.request(ctx, op, method, path, query, body, "")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("engine: %s: decode answer: %w", op, err)
	}
	return nil
}

// Ping checks that the engine answers.
func (c *Client) Ping(ctx context.Context) error {
	return c.call(ctx, "ping", http.MethodGet, "/_ping", nil, nil, nil)
}

// Version describes the engine.
type Version struct {
	Version    string `json:"Version"`
	APIVersion string `json:"ApiVersion"`
	Os         string `json:"Os"`
	Arch       string `json:"Arch"`
	Components []struct {
		Name    string `json:"Name"`
		Version string `json:"Version"`
	} `json:"Components"`
}

// Version asks the engine what it is.
func (c *Client) Version(ctx context.Context) (*Version, error) {
	var v Version
	if err := c.call(ctx, "version", http.MethodGet, "/version", nil, nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// labelFilters encodes the first label filter ("key=value" or "key") for a
// list call; matchLabels checks all of them on the answer (Podman 4.3
// answers nothing when given several label filters for images).
func labelFilters(labels []string) url.Values {
	q := url.Values{}
	if len(labels) > 0 {
		f, _ := json.Marshal(map[string][]string{"label": labels[:1]})
		q.Set("filters", string(f))
	}
	return q
}

// matchLabels reports whether have satisfies every filter.
func matchLabels(have map[string]string, filters []string) bool {
	for _, f := range filters {
		k, v, withValue := strings.Cut(f, "=")
		got, ok := have[k]
		if !ok || (withValue && got != v) {
			return false
		}
	}
	return true
}
