package manager_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/testenv"
)

// Shapes of the stats answers, as a client reads them.
type seriesBody struct {
	Granularity string `json:"granularity"`
	Points      []struct {
		Start       time.Time `json:"start"`
		Invocations int64     `json:"invocations"`
		Errors      int64     `json:"errors"`
		P50MS       float64   `json:"p50_ms"`
		P95MS       float64   `json:"p95_ms"`
	} `json:"points"`
}

func (s *seriesBody) sum() (invocations, errs int64) {
	for _, p := range s.Points {
		invocations += p.Invocations
		errs += p.Errors
	}
	return invocations, errs
}

type overviewBody struct {
	Functions      int     `json:"functions"`
	Invocations24h int64   `json:"invocations_24h"`
	Invocations7d  int64   `json:"invocations_7d"`
	Invocations30d int64   `json:"invocations_30d"`
	Errors24h      int64   `json:"errors_24h"`
	ErrorRate      float64 `json:"error_rate"`
	P50MS          float64 `json:"p50_ms"`
	P95MS          float64 `json:"p95_ms"`
	TopFunctions   []struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Invocations int64  `json:"invocations"`
	} `json:"top_functions"`
}

type functionStatsBody struct {
	FunctionID     string  `json:"function_id"`
	Invocations24h int64   `json:"invocations_24h"`
	Invocations7d  int64   `json:"invocations_7d"`
	Invocations30d int64   `json:"invocations_30d"`
	Errors24h      int64   `json:"errors_24h"`
	ColdStarts24h  int64   `json:"cold_starts_24h"`
	P50MS          float64 `json:"p50_ms"`
	P99MS          float64 `json:"p99_ms"`
	MaxMS          float64 `json:"max_ms"`
}

func get[T any](t *testing.T, c *client.Client, path string) *T {
	t.Helper()
	var out T
	if err := c.Do(t.Context(), http.MethodGet, path, nil, &out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return &out
}

func TestStatsCountParameters(t *testing.T) {
	ts := startServer(t, withRegistration)
	email, pw, c := ts.newUser()
	_, tok := ts.login(email, pw)
	f, err := c.InitFunction(t.Context(), "counted", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	fn := "/api/functions/" + f.ID + "/stats"
	bad := []struct{ path, param string }{
		{"/api/stats/overview/hourly?hours=0", "hours"},
		{"/api/stats/overview/hourly?hours=169", "hours"},
		{"/api/stats/overview/hourly?hours=-1", "hours"},
		{"/api/stats/overview/hourly?hours=abc", "hours"},
		{"/api/stats/overview/hourly?hours=2.5", "hours"},
		{"/api/stats/overview/daily?days=91", "days"},
		{"/api/stats/overview/daily?days=0", "days"},
		{"/api/stats/overview/daily?days=abc", "days"},
		{fn + "/hourly?hours=0", "hours"},
		{fn + "/hourly?hours=169", "hours"},
		{fn + "/hourly?hours=-1", "hours"},
		{fn + "/hourly?hours=abc", "hours"},
		{fn + "/daily?days=91", "days"},
	}
	for _, b := range bad {
		t.Run("422 "+b.path, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, ts.url+b.path, nil)
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			status, header, body := ts.raw(req)
			p := problemOf(t, status, header, body)
			if status != http.StatusUnprocessableEntity || p["type"] != "urn:berth:problem:validation" {
				t.Fatalf("%d %v, want 422 urn:berth:problem:validation", status, p["type"])
			}
			errs, _ := p["errors"].([]any)
			if len(errs) != 1 || errs[0].(map[string]any)["location"] != "query."+b.param ||
				!strings.Contains(p["detail"].(string), b.param) {
				t.Fatalf("the problem does not name query.%s: %s", b.param, body)
			}
		})
	}
	good := []struct {
		path   string
		points int
		gran   string
	}{
		{"/api/stats/overview/hourly", 24, "hour"},
		{"/api/stats/overview/hourly?hours=1", 1, "hour"},
		{"/api/stats/overview/hourly?hours=168", 168, "hour"},
		{"/api/stats/overview/daily", 30, "day"},
		{"/api/stats/overview/daily?days=90", 90, "day"},
		{fn + "/hourly?hours=168", 168, "hour"},
		{fn + "/daily?days=1", 1, "day"},
	}
	for _, g := range good {
		t.Run("200 "+g.path, func(t *testing.T) {
			s := get[seriesBody](t, c, g.path)
			if s.Granularity != g.gran || len(s.Points) != g.points {
				t.Fatalf("%s with %d points, want %s with %d", s.Granularity, len(s.Points), g.gran, g.points)
			}
			step := time.Hour
			if g.gran == "day" {
				step = 24 * time.Hour
			}
			now := time.Now().UTC()
			last := s.Points[len(s.Points)-1].Start
			if last.After(now) || now.Sub(last) >= step || !last.Equal(last.Truncate(step)) {
				t.Fatalf("the last point starts %v; want the current %s (now %v)", last, g.gran, now)
			}
			for i := 1; i < len(s.Points); i++ {
				if d := s.Points[i].Start.Sub(s.Points[i-1].Start); d != step || s.Points[i].Invocations != 0 {
					t.Fatalf("point %d: %+v after %v", i, s.Points[i], s.Points[i-1].Start)
				}
			}
		})
	}
}

func TestStatsOtherUsersFunction(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	_, _, owner := ts.newUser()
	_, _, other := ts.newUser()
	f, err := owner.InitFunction(ctx, "private", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := ts.login(ts.admin, ts.adminPW)
	for _, suffix := range []string{"", "/hourly", "/daily", "/hourly?hours=5", "/daily?days=3"} {
		path := "/api/functions/" + f.ID + "/stats" + suffix
		err := other.Do(ctx, http.MethodGet, path, nil, &struct{}{})
		wantStatus(t, err, http.StatusNotFound, "not-found")
		for _, c := range []*client.Client{owner, admin} {
			if err := c.Do(ctx, http.MethodGet, path, nil, &struct{}{}); err != nil {
				t.Fatalf("GET %s by its owner or an admin: %v", path, err)
			}
		}
	}
	for _, id := range []string{uuid.NewString(), "not-a-uuid"} {
		err := owner.Do(ctx, http.MethodGet, "/api/functions/"+id+"/stats", nil, &struct{}{})
		wantStatus(t, err, http.StatusNotFound, "not-found")
	}
	// The other user's overview does not count the function.
	if o := get[overviewBody](t, other, "/api/stats/overview"); o.Functions != 0 {
		t.Fatalf("another user's overview counts %d functions", o.Functions)
	}
	if o := get[overviewBody](t, owner, "/api/stats/overview"); o.Functions != 1 || o.Invocations24h != 0 || len(o.TopFunctions) != 0 {
		t.Fatalf("owner's overview before any call = %+v", o)
	}
}

// TestStatsConcurrentInvocations sends many concurrent calls of one
// function through the real HTTP API and checks that the roll-ups, the
// API's numbers and the Prometheus counters all equal the executions
// recorded.
func TestStatsConcurrentInvocations(t *testing.T) {
	calls := 10_000
	if testing.Short() {
		calls = 1000
	}
	backends(t, func(t *testing.T, opts ...serverOption) {
		ts := startServer(t, opts...)
		ctx := t.Context()
		email, pw, c := ts.newUser()
		f, err := c.InitFunction(ctx, "busy", "wasm", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Deploy(ctx, f.ID, "application/wasm", module(t, "echo")); err != nil {
			t.Fatal(err)
		}
		mc := 1000
		if _, err := c.UpdateFunction(ctx, f.ID, client.SettingsPatch{MaxConcurrency: &mc}); err != nil {
			t.Fatal(err)
		}
		const workers = 64
		_, tok := ts.login(email, pw)
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = workers, workers
		caller, err := client.New(ts.url, client.WithBearer(tok.AccessToken), client.WithHTTPClient(&http.Client{Transport: tr}))
		if err != nil {
			t.Fatal(err)
		}
		var next, failed atomic.Int64
		var firstErr sync.Once
		start := time.Now()
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for next.Add(1) <= int64(calls) {
					resp, err := caller.Invoke(ctx, f.ID, []byte("x"), nil)
					if err != nil || resp.Status != 200 {
						failed.Add(1)
						firstErr.Do(func() { t.Errorf("invoke: %v", err) })
					}
				}
			})
		}
		wg.Wait()
		t.Logf("%d calls by %d workers in %s", calls, workers, time.Since(start).Round(time.Millisecond))

		// Every answered call has its record once the recorder is done.
		recorded := 0
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			_, total, err := ts.Store().ListExecutions(ctx, berth.ExecutionFilter{FunctionID: f.ID, Page: berth.Page{Number: 1, Size: 1}})
			if err != nil {
				t.Fatal(err)
			}
			if recorded = total; recorded >= calls || time.Now().After(deadline) {
				break
			}
		}
		_, succeeded, err := ts.Store().ListExecutions(ctx, berth.ExecutionFilter{FunctionID: f.ID, Status: berth.ExecSuccess,
			Page: berth.Page{Number: 1, Size: 1}})
		errored := recorded - succeeded
		if err != nil || recorded != calls || failed.Load() != 0 {
			t.Fatalf("%d calls, %d failed, %d executions recorded (%v)", calls, failed.Load(), recorded, err)
		}

		fn := "/api/functions/" + f.ID + "/stats"
		hourly, daily := get[seriesBody](t, c, fn+"/hourly?hours=24"), get[seriesBody](t, c, fn+"/daily?days=2")
		for name, s := range map[string]*seriesBody{"hourly": hourly, "daily": daily} {
			if n, e := s.sum(); n != int64(recorded) || e != int64(errored) {
				t.Fatalf("%s series adds up to %d invocations, %d errors; %d and %d recorded", name, n, e, recorded, errored)
			}
		}
		fs := get[functionStatsBody](t, c, fn)
		if fs.Invocations24h != int64(recorded) || fs.Invocations7d != int64(recorded) || fs.Invocations30d != int64(recorded) ||
			fs.Errors24h != int64(errored) || fs.P50MS <= 0 || fs.P50MS > fs.P99MS || fs.P99MS > fs.MaxMS {
			t.Fatalf("function stats %+v; want %d invocations", fs, recorded)
		}
		o := get[overviewBody](t, c, "/api/stats/overview")
		if o.Functions != 1 || o.Invocations24h != int64(recorded) || o.Invocations30d != int64(recorded) ||
			len(o.TopFunctions) != 1 || o.TopFunctions[0].ID != f.ID || o.TopFunctions[0].Name != "busy" ||
			o.TopFunctions[0].Invocations != int64(recorded) {
			t.Fatalf("overview %+v; want %d invocations of busy", o, recorded)
		}

		t.Run("Metrics", func(t *testing.T) {
			body := scrape(t, ts)
			for _, want := range []string{
				fmt.Sprintf(`berth_function_invocations_total{function=%q,status="success"} %d`, f.ID, recorded-errored),
				fmt.Sprintf(`berth_function_duration_seconds_count{function=%q} %d`, f.ID, recorded),
				`berth_runtime_instances{runtime="wasm"} 0`,
				`berth_execution_write_queue 0`,
			} {
				if !strings.Contains(body, want+"\n") {
					t.Errorf("metrics lack %q", want)
				}
			}
			cold := regexp.MustCompile(`berth_function_cold_starts_total\{function="` + f.ID + `"\} (\d+)`).FindStringSubmatch(body)
			if fs.ColdStarts24h > 0 && (cold == nil || cold[1] != strconv.FormatInt(fs.ColdStarts24h, 10)) {
				t.Errorf("cold starts in metrics %v, in stats %d", cold, fs.ColdStarts24h)
			}
		})
		t.Run("InvokeLog", func(t *testing.T) {
			line := regexp.MustCompile(`\{[^\n]*"event":"invoke"[^\n]*\}`).FindString(ts.logs.String())
			for _, field := range []string{`"user_id":"`, `"function":"busy"`, `"version":1`, `"status":"success"`, `"duration_ms":`} {
				if !strings.Contains(line, field) {
					t.Fatalf("invoke log line %s lacks %s", line, field)
				}
			}
		})
		t.Run("ClockMoves", func(t *testing.T) {
			ts.clock.Advance(2 * time.Hour)
			later, _ := ts.login(email, pw) // the old access token has expired
			s := get[seriesBody](t, later, fn+"/hourly?hours=3")
			if n, _ := s.sum(); n != int64(recorded) || s.Points[2].Invocations != 0 {
				t.Fatalf("two hours later: %+v; want the calls in the first two points", s.Points)
			}
		})
	})
}

// scrape reads the metrics listener.
func scrape(t *testing.T, ts *testServer) string {
	t.Helper()
	resp, err := http.Get("http://" + ts.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// viewer creates a read-only admin and logs it in.
func viewer(t *testing.T, ts *testServer) *client.Client {
	t.Helper()
	pw := "a viewer's long password " + testenv.RandomSuffix(4)
	hash, err := cheapHasher().Hash(t.Context(), pw)
	if err != nil {
		t.Fatal(err)
	}
	u := &berth.User{Email: "viewer-" + testenv.RandomSuffix(4) + "@example.test", Name: "Viewer", Role: berth.RoleAdmin,
		AdminRole: berth.AdminView, Status: berth.UserActive, PasswordHash: hash}
	if err := ts.Store().CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	c, _ := ts.login(u.Email, pw)
	return c
}

type adminStatsBody struct {
	WindowSeconds        int              `json:"window_seconds"`
	InvocationsPerSecond float64          `json:"invocations_per_second"`
	ErrorRate            float64          `json:"error_rate"`
	LiveInstances        map[string]int64 `json:"live_instances"`
	WriteQueue           *int             `json:"write_queue"`
	ThisHour             *struct {
		Invocations int64 `json:"invocations"`
		Errors      int64 `json:"errors"`
	} `json:"this_hour"`
	Database struct{ Status string } `json:"database"`
	KV       struct{ Status string } `json:"kv"`
}

type auditBody struct {
	Items []struct {
		Action     string `json:"action"`
		ActorID    string `json:"actor_id"`
		ActorEmail string `json:"actor_email"`
		Outcome    string `json:"outcome"`
	} `json:"items"`
	Total int `json:"total"`
}

type errorsBody struct {
	Executions []struct {
		ID         string `json:"id"`
		FunctionID string `json:"function_id"`
		OwnerID    string `json:"owner_id"`
		Status     string `json:"status"`
	} `json:"executions"`
	APIErrors []map[string]any `json:"api_errors"`
}

func TestAdminViews(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	_, _, user := ts.newUser()
	admin, _ := ts.login(ts.admin, ts.adminPW)
	view := viewer(t, ts)
	paths := []string{"/api/admin/stats", "/api/admin/audit", "/api/admin/errors", "/api/admin/stats/hourly", "/api/admin/stats/daily"}
	for _, p := range paths {
		wantStatus(t, user.Do(ctx, http.MethodGet, p, nil, &struct{}{}), http.StatusForbidden, "forbidden")
		wantStatus(t, ts.anon().Do(ctx, http.MethodGet, p, nil, &struct{}{}), http.StatusUnauthorized, "unauthorized")
		for _, c := range []*client.Client{admin, view} {
			if err := c.Do(ctx, http.MethodGet, p, nil, &struct{}{}); err != nil {
				t.Fatalf("GET %s by an admin or a viewer: %v", p, err)
			}
		}
	}

	// One call succeeds, one traps (the function's failure: 502), one
	// meets a secret the master key cannot open (the platform's: 500).
	ownerEmail, _, owner := ts.newUser()
	good, bad, broken := deployFn(t, owner, "good", "echo"), deployFn(t, owner, "bad", "trap"), deployFn(t, owner, "broken", "echo")
	if err := ts.Store().PutSecrets(ctx, broken.ID, map[string][]byte{"TOKEN": []byte("not sealed")}); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Invoke(ctx, good.ID, []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	_, err := owner.Invoke(ctx, bad.ID, nil, nil)
	wantStatus(t, err, http.StatusBadGateway, "function-failed")
	_, err = owner.Invoke(ctx, broken.ID, nil, nil)
	wantStatus(t, err, http.StatusInternalServerError, "internal")

	t.Run("Stats", func(t *testing.T) {
		var s *adminStatsBody
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			s = get[adminStatsBody](t, view, "/api/admin/stats")
			if (s.ThisHour != nil && s.ThisHour.Invocations >= 3) || time.Now().After(deadline) {
				break
			}
		}
		if s.WindowSeconds != 60 || s.InvocationsPerSecond != 3.0/60 || s.ErrorRate != 2.0/3 || s.Database.Status != "ok" ||
			s.KV.Status != "ok" || s.WriteQueue == nil || s.ThisHour == nil || s.ThisHour.Invocations != 3 || s.ThisHour.Errors != 2 {
			t.Fatalf("admin stats %+v (this hour %+v)", s, s.ThisHour)
		}
		if n, ok := s.LiveInstances["wasm"]; !ok || n != 0 {
			t.Fatalf("live instances %v, want wasm: 0", s.LiveInstances)
		}
		// The series cover every owner: the three calls are the last hour's
		// and the last day's, also for a viewer.
		type series struct {
			Granularity string `json:"granularity"`
			Points      []struct {
				Invocations int64 `json:"invocations"`
				Errors      int64 `json:"errors"`
			} `json:"points"`
		}
		for path, want := range map[string]struct {
			granularity string
			points      int
		}{"/api/admin/stats/hourly?hours=6": {"hour", 6}, "/api/admin/stats/daily": {"day", 30}} {
			got := get[series](t, view, path)
			last := got.Points[len(got.Points)-1]
			if got.Granularity != want.granularity || len(got.Points) != want.points || last.Invocations != 3 || last.Errors != 2 {
				t.Fatalf("%s: %+v", path, got)
			}
		}
		wantStatus(t, view.Do(ctx, http.MethodGet, "/api/admin/stats/hourly?hours=169", nil, nil), http.StatusUnprocessableEntity, "validation")
	})
	t.Run("Errors", func(t *testing.T) {
		e := get[errorsBody](t, admin, "/api/admin/errors")
		if len(e.Executions) != 2 || e.Executions[0].FunctionID != broken.ID || e.Executions[1].FunctionID != bad.ID ||
			e.Executions[1].OwnerID != bad.OwnerID || e.Executions[1].Status != "error" {
			t.Fatalf("recent failures %+v, want the broken call, then the trap", e.Executions)
		}
		// The 500 is the platform's; the trap's 502 is the function's own.
		if len(e.APIErrors) != 1 || e.APIErrors[0]["status"] != 500.0 || e.APIErrors[0]["error_detail"] != "internal" ||
			e.APIErrors[0]["endpoint"] != "/api/functions/{id}/invoke" || e.APIErrors[0]["request_id"] == "" {
			t.Fatalf("recent 5xx answers %v, want the 500 alone", e.APIErrors)
		}
		if e := get[errorsBody](t, admin, "/api/admin/errors?since="+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)); len(e.Executions) != 0 {
			t.Fatalf("failures since an hour from now: %+v", e.Executions)
		}
	})
	t.Run("Audit", func(t *testing.T) {
		a := get[auditBody](t, view, "/api/admin/audit?action=function.deploy&per_page=100")
		if a.Total != 3 || len(a.Items) != 3 {
			t.Fatalf("deploy events: %+v", a)
		}
		byEmail := get[auditBody](t, view, "/api/admin/audit?actor="+ownerEmail+"&action=function.init")
		if byEmail.Total != 3 || byEmail.Items[0].ActorEmail != ownerEmail {
			t.Fatalf("the owner's init events by email: %+v", byEmail)
		}
		byID := get[auditBody](t, view, "/api/admin/audit?actor="+byEmail.Items[0].ActorID+"&per_page=1")
		if byID.Total < 5 || len(byID.Items) != 1 {
			t.Fatalf("the owner's events by id, one per page: %+v", byID)
		}
		if none := get[auditBody](t, view, "/api/admin/audit?actor=nobody@example.test"); none.Total != 0 || len(none.Items) != 0 {
			t.Fatalf("an unknown actor's events: %+v", none)
		}
		if later := get[auditBody](t, view, "/api/admin/audit?since="+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)); later.Total != 0 {
			t.Fatalf("events after an hour from now: %+v", later)
		}
	})
}

func deployFn(t *testing.T, c *client.Client, name, mod string) *client.Function {
	t.Helper()
	f, err := c.InitFunction(t.Context(), name, "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deploy(t.Context(), f.ID, "application/wasm", module(t, mod)); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestRetention(t *testing.T) {
	backends(t, func(t *testing.T, opts ...serverOption) {
		ts := startServer(t, opts...)
		ctx := context.Background()
		fid, owner := uuid.NewString(), uuid.NewString()
		now := time.Now().UTC()
		var es []berth.Execution
		for _, age := range []time.Duration{45 * 24 * time.Hour, 31 * 24 * time.Hour, 29 * 24 * time.Hour, time.Hour} {
			es = append(es, berth.Execution{ID: uuid.NewString(), FunctionID: fid, OwnerID: owner, Version: 1, Status: berth.ExecSuccess,
				HTTPStatus: 200, StartedAt: now.Add(-age), DurationUS: 1000, CallerKind: berth.CallerOwner})
		}
		if err := ts.Store().AppendExecutions(ctx, es); err != nil {
			t.Fatal(err)
		}
		ts.Maintain(ctx)
		_, left, err := ts.Store().ListExecutions(ctx, berth.ExecutionFilter{FunctionID: fid, Page: berth.Page{Number: 1, Size: 10}})
		if err != nil || left != 2 {
			t.Fatalf("%d executions left (%v), want the 2 younger than 30 days", left, err)
		}
		sc := berth.StatsScope{FunctionID: fid}
		daily, err := ts.Store().RollupTotal(ctx, sc, berth.Daily, now.Add(-60*24*time.Hour), now.Add(time.Hour))
		if err != nil || daily.Invocations != 4 {
			t.Fatalf("daily roll-ups after pruning: %d (%v), want all 4 kept", daily.Invocations, err)
		}
		hourly, err := ts.Store().RollupTotal(ctx, sc, berth.Hourly, now.Add(-60*24*time.Hour), now.Add(time.Hour))
		if err != nil || hourly.Invocations != 2 {
			t.Fatalf("hourly roll-ups after pruning: %d (%v), want the 2 younger than 30 days", hourly.Invocations, err)
		}
		// 402 days later only the clock has moved: everything goes.
		ts.clock.Advance(402 * 24 * time.Hour)
		ts.Maintain(ctx)
		if daily, err := ts.Store().RollupTotal(ctx, sc, berth.Daily, now.Add(-60*24*time.Hour), now.Add(time.Hour)); err != nil || daily.Invocations != 0 {
			t.Fatalf("daily roll-ups 402 days later: %d (%v), want none", daily.Invocations, err)
		}
		if !strings.Contains(ts.logs.String(), `"event":"retention"`) {
			t.Fatal("retention logged nothing")
		}
	})
}
