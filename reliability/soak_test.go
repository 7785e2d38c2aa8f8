package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/testenv"
)

// Flatness tolerances of the soak: what the server may have grown by
// between the end of the warm-up and the end of the run.
const (
	soakGoroutineSlack = 50              // goroutines
	soakHeapFactor     = 1.5             // heap in use and resident memory: at most this times…
	soakHeapSlack      = 32 << 20        // … plus this many bytes (heap)
	soakRSSSlack       = 64 << 20        // … plus this many bytes (resident memory)
	soakSampleEvery    = time.Second     // samples of one measurement
	soakSamples        = 5               // a measurement is the median of this many
	soakDeployEvery    = 5 * time.Second // a deploy and a rollback
	soakPace           = 10 * time.Millisecond
)

// TestSoak runs mixed traffic against berth on PostgreSQL and Redis for a
// minute (ten with BERTH_RELIABILITY=full): signed API reads, function
// calls signed with an API key, a browser session's calls through the
// webserver's signing proxy with a sign-out and sign-in every few dozen
// requests, and a deploy and a rollback every few seconds. No request may
// fail, and the server's goroutines, heap and resident memory must be as
// flat at the end as after the warm-up, within the stated tolerances.
func TestSoak(t *testing.T) {
	rd := startRedis(t)
	b := startBerth(t, berthConfig{DatabaseURL: testenv.PostgresURL(t), RedisURL: rd.URL()})
	admin := b.admin()
	echo := readWasm(t, "echo.wasm")
	f := newFunction(t, admin, "soak", "wasm", "application/wasm", echo)
	key := newAPIKey(t, admin, f.ID)
	s := &soak{t: t, b: b, fn: f.ID, echo: echo}

	run, warmup := pick(time.Minute, 10*time.Minute), pick(15*time.Second, time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), run)
	defer cancel()
	var wg sync.WaitGroup
	get, invoke := b.adminHTTP(), b.signedHTTP(key.KeyID, key.Secret)
	for w := range 2 {
		wg.Go(func() { s.loop(ctx, soakPace, func(i int) { s.signedGet(get, i+w) }) })
		wg.Go(func() { s.loop(ctx, soakPace, func(i int) { s.invoke(invoke, fmt.Sprintf("w%d-%d", w, i)) }) })
	}
	wg.Go(func() { s.browser(ctx) })
	wg.Go(func() { s.loop(ctx, soakDeployEvery, func(i int) { s.deployAndRollback(admin, i) }) })

	// Both measurements are taken under the same traffic.
	time.Sleep(warmup)
	before := s.measure()
	end, _ := ctx.Deadline()
	time.Sleep(time.Until(end) - soakSamples*soakSampleEvery - time.Second)
	after := s.measure()
	<-ctx.Done()
	wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	t.Logf("soak: %s, %d requests (%d signed reads, %d calls, %d through the session proxy, %d sign-ins, %d deploys with rollback), %d errors",
		run, s.requests.Load(), s.counts["get"], s.counts["invoke"], s.counts["session"], s.counts["login"], s.counts["deploy"], len(s.errors))
	t.Logf("soak: after the %s warm-up: %s; at the end: %s", warmup, before, after)
	for i, e := range s.errors {
		if i == 10 {
			t.Errorf("… and %d more errors", len(s.errors)-10)
			break
		}
		t.Error(e)
	}
	if after.goroutines > before.goroutines+soakGoroutineSlack {
		t.Errorf("goroutines grew from %.0f to %.0f (tolerance +%d)", before.goroutines, after.goroutines, soakGoroutineSlack)
	}
	if limit := before.heap*soakHeapFactor + soakHeapSlack; after.heap > limit {
		t.Errorf("heap in use grew from %s to %s (tolerance %.1f× + %s)", mib(before.heap), mib(after.heap), soakHeapFactor, mib(soakHeapSlack))
	}
	if limit := before.rss*soakHeapFactor + soakRSSSlack; after.rss > limit {
		t.Errorf("resident memory grew from %s to %s (tolerance %.1f× + %s)", mib(before.rss), mib(after.rss), soakHeapFactor, mib(soakRSSSlack))
	}
	if n := b.countLog(`"level":"ERROR"`); n > 0 {
		t.Errorf("berth logged %d errors during the soak", n)
	}
}

// soak is the state of a soak run.
type soak struct {
	t    *testing.T
	b    *berthProc
	fn   string
	echo []byte

	requests atomic.Int64
	mu       sync.Mutex
	counts   map[string]int
	errors   []string
}

func (s *soak) ok(kind string) {
	s.requests.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counts == nil {
		s.counts = map[string]int{}
	}
	s.counts[kind]++
}

func (s *soak) fail(format string, args ...any) {
	s.requests.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errors = append(s.errors, time.Now().Format("15:04:05.000 ")+fmt.Sprintf(format, args...))
}

// loop calls step every pace until ctx ends (bounded in count too).
func (s *soak) loop(ctx context.Context, pace time.Duration, step func(i int)) {
	for i := 0; i < 1_000_000 && ctx.Err() == nil; i++ {
		step(i)
		select {
		case <-ctx.Done():
		case <-time.After(pace):
		}
	}
}

// do sends a request and returns the status and body, or fails.
func (s *soak) do(hc *http.Client, kind string, req *http.Request) (int, []byte, bool) {
	resp, err := hc.Do(req)
	if err != nil {
		s.fail("%s %s %s: %v", kind, req.Method, req.URL.Path, err)
		return 0, nil, false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		s.fail("%s %s %s: %d %.200s", kind, req.Method, req.URL.Path, resp.StatusCode, body)
		return resp.StatusCode, body, false
	}
	return resp.StatusCode, body, true
}

// signedGet reads one of a few API resources with the admin's keypair.
func (s *soak) signedGet(hc *http.Client, i int) {
	paths := []string{"/api/users/me", "/api/functions?per_page=5", "/api/functions/" + s.fn, "/api/functions/" + s.fn + "/executions?per_page=5"}
	req, _ := http.NewRequest(http.MethodGet, s.b.url+paths[i%len(paths)], nil)
	if _, _, ok := s.do(hc, "get", req); ok {
		s.ok("get")
	}
}

// invoke calls the function with its API key and checks the echo.
func (s *soak) invoke(hc *http.Client, payload string) {
	req, _ := http.NewRequest(http.MethodPost, s.b.url+"/api/functions/"+s.fn+"/invoke", strings.NewReader(payload))
	req.Header.Set("Content-Type", "text/plain")
	if _, body, ok := s.do(hc, "invoke", req); ok {
		if string(body) != payload {
			s.fail("invoke: answered %.100q, want %q", body, payload)
			return
		}
		s.ok("invoke")
	}
}

// browser signs in through the webserver, makes session calls through its
// signing proxy, and signs out and in again every 40 calls.
func (s *soak) browser(ctx context.Context) {
	jar, _ := cookiejar.New(nil)
	hc := s.b.httpClient()
	hc.Jar = jar
	login := func() bool {
		body, _ := json.Marshal(map[string]string{"email": adminEmail, "password": adminPassword})
		req, _ := http.NewRequest(http.MethodPost, s.b.url+"/server/login", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if _, _, ok := s.do(hc, "login", req); !ok {
			return false
		}
		s.ok("login")
		return true
	}
	signedIn := login()
	paths := []string{"/api/users/me", "/api/functions", "/server/login-check", "/api/users/me/preferences"}
	s.loop(ctx, 2*soakPace, func(i int) {
		if !signedIn {
			signedIn = login()
			return
		}
		if i%40 == 39 {
			req, _ := http.NewRequest(http.MethodPost, s.b.url+"/server/logout", nil)
			if _, _, ok := s.do(hc, "logout", req); ok {
				s.ok("session")
			}
			signedIn = login()
			return
		}
		req, _ := http.NewRequest(http.MethodGet, s.b.url+paths[i%len(paths)], nil)
		_, body, ok := s.do(hc, "session", req)
		switch {
		case ok && !json.Valid(body):
			s.fail("session %s: %.100s", req.URL.Path, body)
		case ok:
			s.ok("session")
		}
	})
}

// deployAndRollback deploys a new version (the echo module with another
// hash), then rolls back to version 1; calls go on throughout.
func (s *soak) deployAndRollback(c *client.Client, i int) {
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	module := withCustomSection(s.echo, "soak", []byte(fmt.Sprint(i, time.Now().UnixNano())))
	res, err := c.Deploy(ctx, s.fn, "application/wasm", module)
	if err != nil {
		s.fail("deploy: %v", err)
		return
	}
	if !res.Deployment.Active {
		s.fail("deploy: version %d is not active", res.Deployment.Version)
	}
	if _, err := c.Rollback(ctx, s.fn, 1); err != nil {
		s.fail("rollback: %v", err)
		return
	}
	s.ok("deploy")
}

// footprint is one measurement of the server's process.
type footprint struct{ goroutines, heap, rss float64 }

func (f footprint) String() string {
	return fmt.Sprintf("%.0f goroutines, heap in use %s, resident %s", f.goroutines, mib(f.heap), mib(f.rss))
}

func mib(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }

// measure samples the server's metrics a few times: goroutines and
// resident memory are the median; the heap in use is the smallest sample,
// the nearest to the live heap (between two collections it also holds
// garbage, such as a sign-in's 19 MiB of argon2 memory).
func (s *soak) measure() footprint {
	var g, h, r []float64
	for i := range soakSamples {
		if i > 0 {
			time.Sleep(soakSampleEvery)
		}
		m, err := s.b.metrics()
		if err != nil {
			s.t.Fatalf("metrics: %v", err)
		}
		for _, name := range []string{"go_goroutines", "go_memstats_heap_inuse_bytes", "process_resident_memory_bytes"} {
			if _, ok := m[name]; !ok {
				s.t.Fatalf("the metrics listener has no %s", name)
			}
		}
		g, h, r = append(g, m["go_goroutines"]), append(h, m["go_memstats_heap_inuse_bytes"]), append(r, m["process_resident_memory_bytes"])
	}
	median := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
	return footprint{median(g), slices.Min(h), median(r)}
}

// versionsRSSSlack is how much resident memory a server may gain over
// versionsDeployed deploys of the Go example: one version's compiled code
// is about 18 MiB, and only the versions in use stay loaded.
const versionsRSSSlack = 64 << 20

// TestVersionsDoNotAccumulate deploys new versions of the Go example, one
// after the other, calling each and rolling back to the first after each:
// compiled code of versions no longer active must leave memory, so the
// server's resident memory does not grow with the number of deploys.
func TestVersionsDoNotAccumulate(t *testing.T) {
	goWasm, err := bin.goWasm()
	if err != nil {
		t.Fatal(err)
	}
	module, err := os.ReadFile(goWasm)
	if err != nil {
		t.Fatal(err)
	}
	b := startBerth(t, berthConfig{})
	admin := b.admin()
	echo := readWasm(t, "echo.wasm")
	f := newFunction(t, admin, "versions", "wasm", "application/wasm", echo)
	cycle := func(i int) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		d, err := admin.Deploy(ctx, f.ID, "application/wasm", withCustomSection(module, "version", []byte(fmt.Sprint(i))))
		if err != nil {
			t.Fatalf("deploy %d: %v", i, err)
		}
		invokeVersion(t, admin, f.ID, d.Deployment, false)
		if _, err := admin.Rollback(ctx, f.ID, 1); err != nil {
			t.Fatal(err)
		}
		invokeVersion(t, admin, f.ID, client.Deployment{Version: 1}, true)
	}
	rss := func() float64 {
		var v []float64
		for range 3 {
			time.Sleep(300 * time.Millisecond)
			m, err := b.metrics()
			if err != nil {
				t.Fatal(err)
			}
			v = append(v, m["process_resident_memory_bytes"])
		}
		slices.Sort(v)
		return v[1]
	}
	cycle(0) // the compiler's own allocations
	before := rss()
	n := pick(8, 20)
	for i := 1; i <= n; i++ {
		cycle(i)
	}
	after := rss()
	t.Logf("resident memory: %s after the first version of the Go example, %s after %d more", mib(before), mib(after), n)
	if after > before+versionsRSSSlack {
		t.Errorf("resident memory grew by %s over %d deploys (tolerance %s): versions no longer active stay loaded",
			mib(after-before), n, mib(versionsRSSSlack))
	}
}
