package reliability

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/berth-platform/berth/client"
)

// hostileFunction is one misbehaving function and the answers the
// platform may give for it.
type hostileFunction struct {
	name string
	// wasm: the module and its settings; container: the behaviour of the
	// container test function (a path of its HTTP trigger).
	module   func(t *testing.T) []byte
	settings client.SettingsPatch
	path     string
	want     []hostileAnswer // one of these
}

// hostileAnswer is an acceptable answer to a hostile function's call.
type hostileAnswer struct {
	status     int
	problem    string // the problem type; "" for the function's own answer
	detail     string // what the detail must say: the cause, named
	execStatus string // the execution record's status
}

// Answers the platform gives for a misbehaving function.
var (
	timedOut    = hostileAnswer{504, "function-timeout", "did not answer in time", "timeout"}
	outOfMemory = hostileAnswer{502, "function-failed", "ran out of memory", "out_of_memory"}
	tooMuch     = hostileAnswer{502, "function-failed", "output too large", "error"}
	exited3     = hostileAnswer{502, "function-failed", "exit status 3", "error"}
	crashed     = hostileAnswer{502, "function-failed", "crashed", "error"}
	trapped     = hostileAnswer{502, "function-failed", "trap", "error"}
	malformed   = hostileAnswer{502, "function-failed", "malformed function response", "error"}
	answered    = hostileAnswer{200, "", "", "success"}
)

// TestHostileFunctions deploys misbehaving functions through the API of a
// running berth — wasm modules that loop, grow memory, flood or overflow
// their output, exit non-zero, trap or answer malformed headers; container
// functions that fork-bomb, eat memory, sleep past their deadline, crash
// or answer too much — and calls each. Every call must get a clean
// problem (or, for a function whose logs overflow, its own answer) that
// names the cause, with an execution record of the right status; after
// each, /health answers and well-behaved functions deployed at the start
// still answer correctly.
func TestHostileFunctions(t *testing.T) {
	containers := havePodman()
	b := startBerth(t, berthConfig{Containers: containers})
	admin, hc := b.admin(), b.adminHTTP()
	good := newFunction(t, admin, "good", "wasm", "application/wasm", readWasm(t, "echo.wasm"))
	var goodCt, hostileCt *client.Function
	if containers {
		goodCt = newFunction(t, admin, "good-box", "container", "application/gzip", containerContext(t, "http", "serve"))
		hostileCt = newFunction(t, admin, "hostile-box", "container", "application/gzip", containerContext(t, "exec", "route"))
		setSettings(t, admin, hostileCt.ID, client.SettingsPatch{MemoryMB: ptr(48), TimeoutMS: ptr(3000)})
	}
	healthy := func(t *testing.T) {
		t.Helper()
		if h := b.health(); h != http.StatusOK {
			t.Errorf("/health answered %d", h)
		}
		for _, f := range []*client.Function{good, goodCt} {
			if f == nil {
				continue
			}
			resp, err := admin.Invoke(ctxT(t), f.ID, []byte("still here"), nil)
			if err != nil || resp.Status != http.StatusOK || string(resp.Body) != "still here" {
				t.Errorf("the well-behaved %s function after a hostile one: %v %+v", f.Runtime, err, resp)
			}
		}
		if hostileCt != nil { // the hostile function's own instance recovers too
			resp, err := admin.Call(ctxT(t), http.MethodPost, "/fn/"+hostileCt.ID+"/echo", []byte("recovered"), nil)
			if err != nil || resp.Status != http.StatusOK || string(resp.Body) != "recovered" {
				t.Errorf("a normal call of the hostile container function: %v %+v", err, resp)
			}
		}
	}
	healthy(t)

	wasm := func(name string) func(t *testing.T) []byte {
		return func(t *testing.T) []byte { return readWasm(t, name) }
	}
	wasmCases := []hostileFunction{
		{name: "InfiniteLoop", module: wasm("loop.wasm"), settings: client.SettingsPatch{TimeoutMS: ptr(1000)}, want: []hostileAnswer{timedOut}},
		{name: "MemoryGrowth", module: wasm("grow.wasm"), settings: client.SettingsPatch{MemoryMB: ptr(16)}, want: []hostileAnswer{outOfMemory}},
		{name: "StdoutFlood", module: wasm("flood.wasm"), want: []hostileAnswer{tooMuch}},
		{name: "HugeStdout", module: func(t *testing.T) []byte { return compileWat(t, "hugeout.wat") }, want: []hostileAnswer{tooMuch}},
		{name: "ExitNonZero", module: wasm("exit3.wasm"), want: []hostileAnswer{exited3}},
		{name: "Trap", module: wasm("trap.wasm"), want: []hostileAnswer{trapped}},
		{name: "NoBlankLine", module: wasm("noblank.wasm"), want: []hostileAnswer{malformed}},
		{name: "HugeHeaders", module: wasm("bigheader.wasm"), want: []hostileAnswer{malformed}},
		// Logs beyond the cap are cut; the answer stands.
		{name: "LogFlood", module: wasm("logflood.wasm"), want: []hostileAnswer{answered}},
	}
	for _, c := range wasmCases {
		t.Run("wasm/"+c.name, func(t *testing.T) {
			f := newFunction(t, admin, strings.ToLower(c.name), "wasm", "application/wasm", c.module(t))
			setSettings(t, admin, f.ID, c.settings)
			checkHostile(t, b, hc, admin, f.ID, "/api/functions/"+f.ID+"/invoke", c)
			healthy(t)
		})
	}

	containerCases := []hostileFunction{
		// Contained either way: by the pids limit until the deadline, or by
		// the memory limit when the copies' page tables fill it first (or a
		// copy's failed clone ends the process).
		{name: "ForkBomb", path: "/forkbomb", want: []hostileAnswer{timedOut, outOfMemory, crashed}},
		{name: "MemoryBomb", path: "/hog", want: []hostileAnswer{outOfMemory}},
		{name: "SleepPastTimeout", path: "/sleep?60000", want: []hostileAnswer{timedOut}},
		{name: "Crash", path: "/crash", want: []hostileAnswer{exited3}},
		{name: "HugeOutput", path: "/huge", want: []hostileAnswer{tooMuch}},
		{name: "OutputFlood", path: "/flood", want: []hostileAnswer{tooMuch}},
		{name: "MalformedResponse", path: "/badresponse", want: []hostileAnswer{malformed}},
	}
	for _, c := range containerCases {
		t.Run("container/"+c.name, func(t *testing.T) {
			if hostileCt == nil {
				needPodman(t)
			}
			checkHostile(t, b, hc, admin, hostileCt.ID, "/fn/"+hostileCt.ID+c.path, c)
			healthy(t)
		})
	}
}

func ptr[T any](v T) *T { return &v }

// checkHostile calls a hostile function once and checks the answer and the
// execution record.
func checkHostile(t *testing.T, b *berthProc, hc *http.Client, admin *client.Client, functionID, path string, c hostileFunction) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.url+path, strings.NewReader("hostile"))
	req.Header.Set("Content-Type", "text/plain")
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	t.Logf("%d after %s: %.300s", resp.StatusCode, time.Since(start).Round(time.Millisecond), body)
	var p *problemBody
	if resp.StatusCode != http.StatusOK {
		var err error
		if p, err = decodeProblem(resp, body); err != nil {
			t.Fatal(err)
		}
	} else if ct := resp.Header.Get("Content-Type"); strings.Contains(ct, "problem") {
		t.Fatalf("a problem where the function's own answer was due: %s", body)
	}
	var want *hostileAnswer
	for i, w := range c.want {
		if w.status == resp.StatusCode && (p == nil || p.Type == "urn:berth:problem:"+w.problem && strings.Contains(p.Detail, w.detail)) {
			want = &c.want[i]
		}
	}
	if want == nil {
		t.Fatalf("the answer %d %.300s is none of %+v (a problem of that type whose detail names the cause)", resp.StatusCode, body, c.want)
	}
	id := resp.Header.Get("X-Berth-Execution-Id")
	if id == "" {
		t.Fatal("no X-Berth-Execution-Id")
	}
	e := waitExecution(t, admin, functionID, id)
	if e.Status != want.execStatus {
		t.Errorf("execution recorded as %q (%s), want %q", e.Status, e.Error, want.execStatus)
	}
	if e.HTTPStatus != resp.StatusCode {
		t.Errorf("execution records http_status %d, the caller got %d", e.HTTPStatus, resp.StatusCode)
	}
}

// waitExecution waits for one execution record (they are written in
// batches, off the call's path).
func waitExecution(t *testing.T, c *client.Client, functionID, id string) *client.Execution {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
		e, err := c.Execution(ctx, functionID, id)
		cancel()
		if err == nil {
			return e
		}
		if client.StatusOf(err) != http.StatusNotFound || time.Now().After(deadline) {
			t.Fatalf("execution %s: %v", id, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
