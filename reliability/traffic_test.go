package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-platform/berth/client"
)

// outcome is one request of a load run and what came of it.
type outcome struct {
	kind       string // "get" or "invoke"
	start, end time.Time
	status     int    // 0: no HTTP answer
	problem    string // the problem type of a non-2xx answer
	bad        string // why the answer is not acceptable; "" when it is
	execID     string // of an invocation
}

func (o outcome) ok() bool { return o.bad == "" && o.status >= 200 && o.status < 300 }

// load sends a bounded mix of signed GETs (the admin's keypair) and
// invocations signed with a function's API key, from a few workers, and
// classifies every answer: 2xx, or a clean 503 problem with Retry-After.
// Anything else — another status, a problem without its fields, a reset
// connection, no answer within the client timeout — is a failure.
type load struct {
	base     string
	get      *http.Client
	invoke   *http.Client
	function string
	workers  int
	pace     time.Duration // between two requests of one worker

	mu       sync.Mutex
	outcomes []outcome
	sent     atomic.Int64 // invocations sent (answered or not)
}

// run sends requests until ctx ends, at most maxPerWorker per worker.
func (l *load) run(ctx context.Context, maxPerWorker int) {
	var wg sync.WaitGroup
	for w := range l.workers {
		wg.Go(func() {
			for i := 0; i < maxPerWorker && ctx.Err() == nil; i++ {
				if (i+w)%2 == 0 {
					l.record(l.doGet(ctx))
				} else {
					l.record(l.doInvoke(ctx, fmt.Sprintf("w%d-%d", w, i)))
				}
				select {
				case <-ctx.Done():
				case <-time.After(l.pace):
				}
			}
		})
	}
	wg.Wait()
}

func (l *load) record(o outcome) {
	if o.kind == "" {
		return // not sent: the run was ending
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.outcomes = append(l.outcomes, o)
}

func (l *load) doGet(ctx context.Context) outcome {
	o := outcome{kind: "get", start: time.Now()}
	req, _ := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodGet, l.base+"/api/users/me", nil)
	resp, err := l.get.Do(req)
	o.end = time.Now()
	if err != nil {
		o.bad = "no answer: " + err.Error()
		return o
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	o.status = resp.StatusCode
	if o.status == http.StatusOK {
		var me client.User
		if err := json.Unmarshal(body, &me); err != nil || me.Email != adminEmail {
			o.bad = fmt.Sprintf("200 with an unexpected body: %.200s", body)
		}
		return o
	}
	o.problem, o.bad = checkUnavailable(resp, body)
	return o
}

func (l *load) doInvoke(ctx context.Context, payload string) outcome {
	if ctx.Err() != nil {
		return outcome{}
	}
	o := outcome{kind: "invoke", start: time.Now()}
	req, _ := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodPost,
		l.base+"/api/functions/"+l.function+"/invoke", bytes.NewReader([]byte(payload)))
	req.Header.Set("Content-Type", "text/plain")
	l.sent.Add(1)
	resp, err := l.invoke.Do(req)
	o.end = time.Now()
	if err != nil {
		o.bad = "no answer: " + err.Error()
		return o
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	o.status = resp.StatusCode
	o.execID = resp.Header.Get("X-Berth-Execution-Id")
	if o.status == http.StatusOK {
		if string(body) != payload || o.execID == "" {
			o.bad = fmt.Sprintf("200 with body %.100q (want %q) and execution id %q", body, payload, o.execID)
		}
		return o
	}
	o.problem, o.bad = checkUnavailable(resp, body)
	return o
}

// checkUnavailable accepts a non-2xx answer only when it is a clean 503:
// an RFC 9457 problem with its fields and a Retry-After. It returns the
// problem's type and what is wrong, if anything.
func checkUnavailable(resp *http.Response, body []byte) (problemType, bad string) {
	p, err := decodeProblem(resp, body)
	if err != nil {
		return "", fmt.Sprintf("%d: %v", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable {
		return p.Type, fmt.Sprintf("%d %s: %s", resp.StatusCode, p.Type, p.Detail)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 {
		return p.Type, fmt.Sprintf("503 without a usable Retry-After (%q): %s", resp.Header.Get("Retry-After"), p.Detail)
	}
	return p.Type, ""
}

// problemBody is an RFC 9457 problem.
type problemBody struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

// decodeProblem checks that an answer is a complete problem+json whose
// status matches the answer's.
func decodeProblem(resp *http.Response, body []byte) (*problemBody, error) {
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		return nil, fmt.Errorf("Content-Type %q, want application/problem+json (body %.200q)", ct, body)
	}
	var p problemBody
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("problem body is not JSON: %w (%.200q)", err, body)
	}
	if p.Type == "" || p.Title == "" || p.Detail == "" || p.Status != resp.StatusCode {
		return nil, fmt.Errorf("incomplete problem (type, title, detail, status %d): %s", resp.StatusCode, body)
	}
	return &p, nil
}

// loadReport summarises a run around an outage that ended at back.
type loadReport struct {
	total, ok, unavailable int
	bad                    []outcome
	byKindAfter            map[string]int // successes that started past back+recoveryBound
	okDuring               int            // successes started while the service was down
	firstOKAfter           time.Duration  // from back to the end of the first success started after it
	lastFailAfter          time.Duration  // from back to the end of the last failure (0: none after back)
	accepted               []string       // execution ids of 2xx invocations
}

// recoveryBound is how soon after a service returns requests must succeed
// again (issue 9).
const recoveryBound = 5 * time.Second

func (l *load) report(down, back time.Time) loadReport {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := loadReport{byKindAfter: map[string]int{}, firstOKAfter: -1}
	for _, o := range l.outcomes {
		r.total++
		switch {
		case o.bad != "":
			r.bad = append(r.bad, o)
		case o.ok():
			r.ok++
		default:
			r.unavailable++
		}
		if o.ok() && o.kind == "invoke" {
			r.accepted = append(r.accepted, o.execID)
		}
		if back.IsZero() {
			continue
		}
		if o.ok() && o.start.After(down) && o.end.Before(back) {
			r.okDuring++
		}
		if !o.ok() && o.end.After(back) {
			r.lastFailAfter = max(r.lastFailAfter, o.end.Sub(back))
		}
		if o.ok() && !o.start.Before(back) {
			if d := o.end.Sub(back); r.firstOKAfter < 0 || d < r.firstOKAfter {
				r.firstOKAfter = d
			}
			if o.start.After(back.Add(recoveryBound)) {
				r.byKindAfter[o.kind]++
			}
		}
	}
	return r
}

// checkOutage fails the test unless every answer of the run was a 2xx or a
// clean 503, and requests of both kinds succeeded again within
// recoveryBound of back.
func checkOutage(t *testing.T, what string, r loadReport) {
	t.Helper()
	t.Logf("%s: %d requests: %d ok (%d of them while the service was down), %d clean 503, %d bad; after the service returned: first success after %s, last failure after %s",
		what, r.total, r.ok, r.okDuring, r.unavailable, len(r.bad), r.firstOKAfter.Round(time.Millisecond), r.lastFailAfter.Round(time.Millisecond))
	for i, o := range r.bad {
		if i == 10 {
			t.Errorf("… and %d more", len(r.bad)-10)
			break
		}
		t.Errorf("%s %s at +%s: %s", what, o.kind, o.start.Format("15:04:05.000"), o.bad)
	}
	if r.lastFailAfter > recoveryBound {
		t.Errorf("%s: requests still failed %s after the service returned (bound %s)", what, r.lastFailAfter.Round(time.Millisecond), recoveryBound)
	}
	for _, kind := range []string{"get", "invoke"} {
		if r.byKindAfter[kind] == 0 {
			t.Errorf("%s: no %s succeeded more than %s after the service returned", what, kind, recoveryBound)
		}
	}
}

// executionIDs lists every execution record of a function, all pages.
func executionIDs(ctx context.Context, c *client.Client, functionID string) (map[string]client.Execution, error) {
	out := map[string]client.Execution{}
	for page := 1; page <= 1000; page++ {
		l, err := c.Executions(ctx, functionID, client.ListOptions{Page: page, PerPage: 100})
		if err != nil {
			return nil, err
		}
		for _, e := range l.Items {
			out[e.ID] = e
		}
		if len(l.Items) < 100 || page*100 >= l.Total {
			return out, nil
		}
	}
	return nil, errors.New("more than 100 000 executions: the listing does not end")
}

// waitRecorded waits until every accepted execution id is listed by the
// executions API, and returns the records. Records are written in batches
// off the invocation path, and retried while the database is away, so
// they may arrive a few seconds late — but never not at all.
func waitRecorded(t *testing.T, c *client.Client, functionID string, accepted []string, within time.Duration) map[string]client.Execution {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
		recs, err := executionIDs(ctx, c, functionID)
		cancel()
		var missing []string
		if err == nil {
			for _, id := range accepted {
				if _, ok := recs[id]; !ok {
					missing = append(missing, id)
				}
			}
			if len(missing) == 0 {
				return recs
			}
		}
		if time.Now().After(deadline) {
			slices.Sort(missing)
			t.Fatalf("after %s, %d of %d answered invocations have no execution record (listing error: %v); first missing: %v",
				within, len(missing), len(accepted), err, missing[:min(5, len(missing))])
		}
		time.Sleep(250 * time.Millisecond)
	}
}
