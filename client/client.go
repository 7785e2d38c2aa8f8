// Package client is the Go client of the berth API: typed calls over an
// http.Client whose transport signs every request with BERTH-HMAC-SHA256
// (a keypair) or adds a bearer token. The berth CLI is built on it, and so
// are berth's own end-to-end tests.
//
//	c, err := client.New("http://127.0.0.1:8080", client.WithKeypair(accessKey, secretKey))
//	me, err := c.Me(ctx)
//
// The client never logs and never puts a secret in an error.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client calls one berth server.
type Client struct {
	base       *url.URL
	httpClient *http.Client
	signer     *Transport
	bearer     string
	userAgent  string
	clock      func() time.Time
}

// Option configures a Client.
type Option func(*Client)

// WithKeypair signs every request with an access key and its secret.
func WithKeypair(accessKey, secretKey string) Option {
	return func(c *Client) {
		c.signer = &Transport{AccessKey: accessKey, SecretKey: secretKey}
	}
}

// WithClock makes the signer date requests with now instead of the system
// clock (for a client whose clock is known to be off, and for tests).
func WithClock(now func() time.Time) Option {
	return func(c *Client) { c.clock = now }
}

// WithBearer sends an access token with every request.
func WithBearer(accessToken string) Option {
	return func(c *Client) { c.bearer = accessToken }
}

// WithHTTPClient uses hc (its Transport is wrapped for signing).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.httpClient = hc }
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.userAgent = ua }
}

// New returns a client for the server at baseURL (scheme, host and
// optional path prefix, e.g. http://127.0.0.1:8080).
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: %q is not an http:// or https:// server URL", baseURL)
	}
	c := &Client{base: u, userAgent: "berth-client"}
	for _, o := range opts {
		o(c)
	}
	if c.httpClient == nil {
		c.httpClient = &http.Client{Timeout: 60 * time.Second}
	}
	if c.signer != nil {
		hc := *c.httpClient
		c.signer.Base = hc.Transport
		c.signer.Now = c.clock
		hc.Transport = c.signer
		c.httpClient = &hc
	}
	return c, nil
}

// BaseURL returns the server URL.
func (c *Client) BaseURL() string { return c.base.String() }

// HTTPClient returns the (signing) http.Client, for calls this package has
// no typed method for.
func (c *Client) HTTPClient() *http.Client { return c.httpClient }

// Error is a problem (RFC 9457) the server answered with.
type Error struct {
	Status     int           `json:"status"`
	Type       string        `json:"type"`
	Title      string        `json:"title"`
	Detail     string        `json:"detail"`
	Errors     []ErrorDetail `json:"errors,omitempty"`
	RetryAfter time.Duration `json:"-"`
}

// ErrorDetail names one invalid field.
type ErrorDetail struct {
	Location string `json:"location"`
	Message  string `json:"message"`
}

func (e *Error) Error() string {
	msg := e.Detail
	if msg == "" {
		msg = e.Title
	}
	for _, d := range e.Errors {
		msg += "; " + strings.TrimPrefix(d.Location, "body.") + ": " + d.Message
	}
	return fmt.Sprintf("berth: %d %s: %s", e.Status, http.StatusText(e.Status), msg)
}

// Code is the problem's code: the part of its type after
// "urn:berth:problem:", e.g. "replayed-request".
func (e *Error) Code() string { return strings.TrimPrefix(e.Type, "urn:berth:problem:") }

// StatusOf returns the HTTP status of a *Error in err's chain, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// maxResponse caps a response body the client reads.
const maxResponse = 16 << 20

// Do sends a request with a JSON body (when in is not nil) and decodes a
// JSON answer into out (when not nil). A non-2xx answer is an *Error.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	var raw []byte
	if in != nil {
		var err error
		if raw, err = json.Marshal(in); err != nil {
			return fmt.Errorf("client: encode request: %w", err)
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, body)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.Send(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("client: read response: %w", err)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("client: decode %s %s response: %w", method, path, err)
	}
	return nil
}

// Send sends req with the client's credentials; a non-2xx answer is
// returned as an *Error (with the body consumed and closed).
func (c *Client) Send(req *http.Request) (*http.Response, error) {
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", req.Method, req.URL.Redacted(), err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, decodeError(resp)
}

func decodeError(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &Error{Status: resp.StatusCode}
	if err := json.Unmarshal(data, e); err != nil || e.Status == 0 {
		e = &Error{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode), Detail: strings.TrimSpace(string(data))}
		if len(e.Detail) > 200 {
			e.Detail = e.Detail[:200] + "…"
		}
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	return e
}
