package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"
)

// Function is a function.
type Function struct {
	ID            string         `json:"id"`
	OwnerID       string         `json:"owner_id"`
	Name          string         `json:"name"`
	Runtime       string         `json:"runtime"`
	Description   string         `json:"description"`
	Status        string         `json:"status"`
	ActiveVersion *int           `json:"active_version"`
	Settings      Settings       `json:"settings"`
	InvokeURL     string         `json:"invoke_url"`
	TriggerURL    string         `json:"trigger_url"`
	DeleteAfter   *time.Time     `json:"delete_after,omitempty"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	Recent        *RecentSummary `json:"recent,omitempty"`
}

// Settings are a function's settings; secrets read back masked.
type Settings struct {
	MemoryMB       int               `json:"memory_mb"`
	TimeoutMS      int               `json:"timeout_ms"`
	MaxConcurrency int               `json:"max_concurrency"`
	Env            map[string]string `json:"env"`
	Secrets        map[string]string `json:"secrets"`
	Visibility     string            `json:"visibility"`
}

// RecentSummary counts a function's invocations of the last 24 hours.
type RecentSummary struct {
	Since         time.Time  `json:"since"`
	Invocations   int64      `json:"invocations"`
	Errors        int64      `json:"errors"`
	AvgDurationMS float64    `json:"avg_duration_ms"`
	LastAt        *time.Time `json:"last_invoked_at,omitempty"`
}

// SettingsPatch changes some settings; nil fields stay. A secret set to
// nil is removed.
type SettingsPatch struct {
	Description    *string            `json:"description,omitempty"`
	MemoryMB       *int               `json:"memory_mb,omitempty"`
	TimeoutMS      *int               `json:"timeout_ms,omitempty"`
	MaxConcurrency *int               `json:"max_concurrency,omitempty"`
	Env            *map[string]string `json:"env,omitempty"`
	Secrets        map[string]*string `json:"secrets,omitempty"`
	Visibility     *string            `json:"visibility,omitempty"`
}

// List is one page of a list.
type List[T any] struct {
	Items   []T `json:"items"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
	Total   int `json:"total"`
}

// ListOptions select a page and filters; zero values take the server's defaults.
type ListOptions struct {
	Page, PerPage int
	// Name and Status filter functions; Status also filters executions.
	Name, Status string
	Since, Until time.Time
}

func (o ListOptions) query() string {
	q := url.Values{}
	if o.Page > 0 {
		q.Set("page", strconv.Itoa(o.Page))
	}
	if o.PerPage > 0 {
		q.Set("per_page", strconv.Itoa(o.PerPage))
	}
	if o.Name != "" {
		q.Set("name", o.Name)
	}
	if o.Status != "" {
		q.Set("status", o.Status)
	}
	if !o.Since.IsZero() {
		q.Set("since", o.Since.Format(time.RFC3339Nano))
	}
	if !o.Until.IsZero() {
		q.Set("until", o.Until.Format(time.RFC3339Nano))
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// Deployment is one version of a function.
type Deployment struct {
	Version     int       `json:"version"`
	Status      string    `json:"status"`
	Active      bool      `json:"active"`
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	Error       string    `json:"error,omitempty"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// DeployResult is the answer to a deploy.
type DeployResult struct {
	Deployment Deployment `json:"deployment"`
	Function   Function   `json:"function"`
}

// DeletionStatus says whether and when a function will be deleted.
type DeletionStatus struct {
	Status              string     `json:"status"`
	DeletionRequestedAt *time.Time `json:"deletion_requested_at,omitempty"`
	DeleteAfter         *time.Time `json:"delete_after,omitempty"`
	SecondsRemaining    *int64     `json:"seconds_remaining,omitempty"`
}

// InitFunction creates a function.
func (c *Client) InitFunction(ctx context.Context, name, runtime, description string) (*Function, error) {
	var f Function
	body := map[string]string{"name": name, "runtime": runtime}
	if description != "" {
		body["description"] = description
	}
	return ptr(&f, c.Do(ctx, http.MethodPost, "/api/functions/init", body, &f))
}

// Functions lists functions.
func (c *Client) Functions(ctx context.Context, o ListOptions) (*List[Function], error) {
	var l List[Function]
	return ptr(&l, c.Do(ctx, http.MethodGet, "/api/functions"+o.query(), nil, &l))
}

// PendingDeletions lists functions scheduled for deletion.
func (c *Client) PendingDeletions(ctx context.Context, o ListOptions) (*List[Function], error) {
	var l List[Function]
	return ptr(&l, c.Do(ctx, http.MethodGet, "/api/functions/pending-deletions"+o.query(), nil, &l))
}

// Function returns one function.
func (c *Client) Function(ctx context.Context, id string) (*Function, error) {
	var f Function
	return ptr(&f, c.Do(ctx, http.MethodGet, "/api/functions/"+url.PathEscape(id), nil, &f))
}

// UpdateFunction applies a settings patch.
func (c *Client) UpdateFunction(ctx context.Context, id string, p SettingsPatch) (*Function, error) {
	var f Function
	return ptr(&f, c.Do(ctx, http.MethodPatch, "/api/functions/"+url.PathEscape(id), p, &f))
}

// DeleteFunction schedules a function's deletion after the grace period.
func (c *Client) DeleteFunction(ctx context.Context, id string) (*DeletionStatus, error) {
	var s DeletionStatus
	return ptr(&s, c.Do(ctx, http.MethodDelete, "/api/functions/"+url.PathEscape(id), nil, &s))
}

// CancelDeletion cancels a scheduled deletion.
func (c *Client) CancelDeletion(ctx context.Context, id string) (*Function, error) {
	var f Function
	return ptr(&f, c.Do(ctx, http.MethodPost, "/api/functions/"+url.PathEscape(id)+"/cancel-deletion", nil, &f))
}

// DeletionStatus reports whether and when a function will be deleted.
func (c *Client) DeletionStatus(ctx context.Context, id string) (*DeletionStatus, error) {
	var s DeletionStatus
	return ptr(&s, c.Do(ctx, http.MethodGet, "/api/functions/"+url.PathEscape(id)+"/deletion-status", nil, &s))
}

// Deploy uploads an artefact held in memory; contentType is
// application/wasm, application/gzip or application/zip.
func (c *Client) Deploy(ctx context.Context, id, contentType string, artefact []byte) (*DeployResult, error) {
	sum := sha256.Sum256(artefact)
	return c.deploy(ctx, id, contentType, bytes.NewReader(artefact), int64(len(artefact)), hex.EncodeToString(sum[:]))
}

// DeployFile uploads an artefact from disk, streaming it; it reads the
// file twice (once to hash it for the signature).
func (c *Client) DeployFile(ctx context.Context, id, contentType, path string) (*DeployResult, error) {
	return c.DeployFileWatched(ctx, id, contentType, path, nil)
}

// DeployFileWatched is DeployFile with watch, when not nil, wrapping the
// file's reader once its size is known: to show the upload's progress.
func (c *Client) DeployFileWatched(ctx context.Context, id, contentType, path string, watch func(r io.Reader, size int64) io.Reader) (*DeployResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	var body io.Reader = f
	if watch != nil {
		body = watch(f, n)
	}
	return c.deploy(ctx, id, contentType, body, n, hex.EncodeToString(h.Sum(nil)))
}

func (c *Client) deploy(ctx context.Context, id, contentType string, body io.Reader, size int64, sha string) (*DeployResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base.String()+"/api/functions/"+url.PathEscape(id)+"/deploy", body)
	if err != nil {
		return nil, err
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", contentType)
	if c.signer != nil {
		req.Header.Set("X-Berth-Content-SHA256", sha) // lets the signer stream instead of buffering
	}
	resp, err := c.Send(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out DeployResult
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponse)).Decode(&out); err != nil {
		return nil, fmt.Errorf("client: decode deploy response: %w", err)
	}
	return &out, nil
}

// Deployments lists a function's versions, newest first.
func (c *Client) Deployments(ctx context.Context, id string, o ListOptions) (*List[Deployment], error) {
	var l List[Deployment]
	return ptr(&l, c.Do(ctx, http.MethodGet, "/api/functions/"+url.PathEscape(id)+"/deployments"+o.query(), nil, &l))
}

// Rollback makes a ready version the active one.
func (c *Client) Rollback(ctx context.Context, id string, version int) (*Function, error) {
	var f Function
	return ptr(&f, c.Do(ctx, http.MethodPost, "/api/functions/"+url.PathEscape(id)+"/rollback", map[string]int{"version": version}, &f))
}

// Response is a function's answer to an invocation.
type Response struct {
	Status      int
	Header      http.Header
	Body        []byte
	ExecutionID string
}

// Invoke calls a function through POST /api/functions/{id}/invoke. A
// function's own error statuses are answers, not errors; the platform's
// refusals (401, 404, 413, 429, 502, 504…) are *Error.
func (c *Client) Invoke(ctx context.Context, id string, body []byte, header http.Header) (*Response, error) {
	return c.Call(ctx, http.MethodPost, "/api/functions/"+url.PathEscape(id)+"/invoke", body, header)
}

// Call sends any request (e.g. to the HTTP trigger /fn/{id}/…) and returns
// the function's answer. Answers that are berth problems
// (application/problem+json) come back as *Error.
func (c *Client) Call(ctx context.Context, method, path string, body []byte, header http.Header) (*Response, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, r)
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") == "application/problem+json" {
		return nil, decodeError(resp)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, err
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data, ExecutionID: resp.Header.Get("X-Berth-Execution-Id")}, nil
}

// APIKey is a function API key (never with its secret).
type APIKey struct {
	ID         string     `json:"id"`
	KeyID      string     `json:"key_id"`
	FunctionID string     `json:"function_id"`
	Name       string     `json:"name"`
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// NewAPIKey is a created key: the only time its secret is shown.
type NewAPIKey struct {
	APIKey
	Secret string `json:"secret"`
}

// CreateAPIKey creates a key for a function; expiresIn is like "90d", or
// empty for a key that never expires.
func (c *Client) CreateAPIKey(ctx context.Context, functionID, name, expiresIn string) (*NewAPIKey, error) {
	var k NewAPIKey
	body := map[string]string{"name": name}
	if expiresIn != "" {
		body["expires_in"] = expiresIn
	}
	return ptr(&k, c.Do(ctx, http.MethodPost, "/api/functions/"+url.PathEscape(functionID)+"/api-keys", body, &k))
}

// APIKeys lists a function's keys.
func (c *Client) APIKeys(ctx context.Context, functionID string, o ListOptions) (*List[APIKey], error) {
	var l List[APIKey]
	return ptr(&l, c.Do(ctx, http.MethodGet, "/api/functions/"+url.PathEscape(functionID)+"/api-keys"+o.query(), nil, &l))
}

// APIKey returns one key by its id.
func (c *Client) APIKey(ctx context.Context, id string) (*APIKey, error) {
	var k APIKey
	return ptr(&k, c.Do(ctx, http.MethodGet, "/api/api-keys/"+url.PathEscape(id), nil, &k))
}

// UpdateAPIKey renames a key and/or sets its expiry (RFC 3339, or "never").
func (c *Client) UpdateAPIKey(ctx context.Context, id string, name, expiresAt *string) (*APIKey, error) {
	var k APIKey
	body := map[string]*string{}
	if name != nil {
		body["name"] = name
	}
	if expiresAt != nil {
		body["expires_at"] = expiresAt
	}
	return ptr(&k, c.Do(ctx, http.MethodPatch, "/api/api-keys/"+url.PathEscape(id), body, &k))
}

// RollAPIKey extends a key's expiry from now (expiresIn like "90d"; empty: 90 days).
func (c *Client) RollAPIKey(ctx context.Context, id, expiresIn string) (*APIKey, error) {
	var k APIKey
	var body any
	if expiresIn != "" {
		body = map[string]string{"expires_in": expiresIn}
	}
	return ptr(&k, c.Do(ctx, http.MethodPost, "/api/api-keys/"+url.PathEscape(id)+"/roll", body, &k))
}

// ReplaceAPIKeySecret gives a key a new secret, returned this once; the
// old secret stops working at once.
func (c *Client) ReplaceAPIKeySecret(ctx context.Context, id string) (*NewAPIKey, error) {
	var k NewAPIKey
	return ptr(&k, c.Do(ctx, http.MethodPost, "/api/api-keys/"+url.PathEscape(id)+"/secret", nil, &k))
}

// RevokeAPIKey stops a key at once; EnableAPIKey undoes it.
func (c *Client) RevokeAPIKey(ctx context.Context, id string) (*APIKey, error) {
	var k APIKey
	return ptr(&k, c.Do(ctx, http.MethodPost, "/api/api-keys/"+url.PathEscape(id)+"/revoke", nil, &k))
}

// EnableAPIKey re-enables a revoked key.
func (c *Client) EnableAPIKey(ctx context.Context, id string) (*APIKey, error) {
	var k APIKey
	return ptr(&k, c.Do(ctx, http.MethodPost, "/api/api-keys/"+url.PathEscape(id)+"/enable", nil, &k))
}

// DeleteAPIKey deletes a key for good.
func (c *Client) DeleteAPIKey(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, "/api/api-keys/"+url.PathEscape(id), nil, nil)
}

// Execution is one invocation's record.
type Execution struct {
	ID         string    `json:"id"`
	FunctionID string    `json:"function_id"`
	Version    int       `json:"version"`
	Status     string    `json:"status"`
	HTTPStatus int       `json:"http_status"`
	Error      string    `json:"error,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	DurationMS float64   `json:"duration_ms"`
	BytesIn    int64     `json:"bytes_in"`
	BytesOut   int64     `json:"bytes_out"`
	ColdStart  bool      `json:"cold_start"`
	Caller     string    `json:"caller"`
	CallerKey  string    `json:"caller_key,omitempty"`
	Logs       []string  `json:"logs,omitempty"`
}

// Executions lists a function's invocations, newest first.
func (c *Client) Executions(ctx context.Context, functionID string, o ListOptions) (*List[Execution], error) {
	var l List[Execution]
	return ptr(&l, c.Do(ctx, http.MethodGet, "/api/functions/"+url.PathEscape(functionID)+"/executions"+o.query(), nil, &l))
}

// Execution returns one invocation with its logs.
func (c *Client) Execution(ctx context.Context, functionID, id string) (*Execution, error) {
	var e Execution
	return ptr(&e, c.Do(ctx, http.MethodGet, "/api/functions/"+url.PathEscape(functionID)+"/executions/"+url.PathEscape(id), nil, &e))
}

// LogLine is one line a function logged.
type LogLine struct {
	ExecutionID string    `json:"execution_id"`
	At          time.Time `json:"at"`
	Line        string    `json:"line"`
}

// Logs returns recent log lines of a function (since zero: the last hour).
func (c *Client) Logs(ctx context.Context, functionID string, since time.Time, limit int) ([]LogLine, error) {
	q := url.Values{}
	if !since.IsZero() {
		q.Set("since", since.Format(time.RFC3339))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out struct {
		Lines []LogLine `json:"lines"`
	}
	err := c.Do(ctx, http.MethodGet, "/api/functions/"+url.PathEscape(functionID)+"/logs?"+q.Encode(), nil, &out)
	return out.Lines, err
}
