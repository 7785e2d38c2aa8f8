package client

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxEventBytes caps one server-sent event the client reads.
const maxEventBytes = 1 << 20

// FollowLogs streams a function's log lines: first those since since (zero:
// the last hour), then each new one as it is recorded. It calls each for
// every line and returns when ctx ends (ctx.Err()), when the server ends
// the stream (nil; it does after an hour), or when each returns an error
// (that error). The stream lasts as long as it lasts: use it with an
// http.Client without a Timeout (WithHTTPClient), or the timeout cuts it.
func (c *Client) FollowLogs(ctx context.Context, functionID string, since time.Time, each func(LogLine) error) error {
	q := url.Values{"follow": {"true"}}
	if !since.IsZero() {
		q.Set("since", since.UTC().Format(time.RFC3339))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base.String()+"/api/functions/"+url.PathEscape(functionID)+"/logs?"+q.Encode(), nil)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.Send(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), maxEventBytes)
	var event string
	var data strings.Builder
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if data.Len() > 0 && (event == "" || event == "log") {
				var l LogLine
				if err := json.Unmarshal([]byte(data.String()), &l); err != nil {
					return fmt.Errorf("client: decode a log event: %w", err)
				}
				if err := each(l); err != nil {
					return err
				}
			}
			event = ""
			data.Reset()
		case strings.HasPrefix(line, ":"): // a comment: keep-alive
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			data.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("client: read the log stream: %w", err)
	}
	return nil
}
