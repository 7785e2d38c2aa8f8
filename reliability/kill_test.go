package reliability

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/testenv"
)

// TestKillDuringDeploy kills berth with SIGKILL while a ~3 MB module (the
// Go example) is being deployed — during the upload in some rounds, while
// it compiles in others — then starts it again on the same data directory
// and database. After each restart: no temporary upload is left, every
// version the API lists is either failed or has its complete artefact and
// works, the active version still answers, and a new deploy gets the next
// version number.
func TestKillDuringDeploy(t *testing.T) {
	goWasm, err := bin.goWasm()
	if err != nil {
		t.Fatal(err)
	}
	module, err := os.ReadFile(goWasm)
	if err != nil {
		t.Fatal(err)
	}
	b := startBerth(t, berthConfig{}) // SQLite and artefacts side by side in the data directory
	echo := readWasm(t, "echo.wasm")
	f := newFunction(t, b.admin(), "victim", "wasm", "application/wasm", echo)
	rounds := pick(2, 6)
	for round := range rounds {
		phase := []string{"upload", "prepare"}[round%2]
		// A new hash each round: the compilation cache must not make the
		// prepare step instant.
		artefact := withCustomSection(module, "round", []byte(fmt.Sprint(round, time.Now().UnixNano())))
		hit := b.killDuringDeploy(t, f.ID, artefact, phase)
		t.Logf("round %d: killed during the %s (aimed at the %s)", round+1, hit, phase)
		b.start()
		checkDeployments(t, b, f.ID, echo)
	}
	// The function goes on: a new deploy is the next version and active.
	res, err := b.admin().Deploy(ctxT(t), f.ID, "application/wasm", echo)
	if err != nil {
		t.Fatalf("deploy after the restarts: %v", err)
	}
	ds := deployments(t, b.admin(), f.ID)
	if res.Deployment.Version != len(ds) || !res.Deployment.Active {
		t.Fatalf("deploy after the restarts: version %d (active %v), with %d versions listed", res.Deployment.Version, res.Deployment.Active, len(ds))
	}
	checkDeployments(t, b, f.ID, echo)
}

// killDuringDeploy streams artefact as a deploy and kills berth in the
// given phase: "upload" once half of it is sent, "prepare" once the API
// lists the new version as building. It returns the phase actually hit.
func (b *berthProc) killDuringDeploy(t *testing.T, functionID string, artefact []byte, phase string) string {
	t.Helper()
	c := b.admin()
	before := len(deployments(t, c, functionID))
	sum := sha256.Sum256(artefact)
	pr, pw := io.Pipe()
	half := make(chan struct{})
	go func() {
		const chunk = 64 << 10
		for off := 0; off < len(artefact); off += chunk {
			if _, err := pw.Write(artefact[off:min(off+chunk, len(artefact))]); err != nil {
				return
			}
			if off <= len(artefact)/2 && off+chunk > len(artefact)/2 {
				close(half)
				if phase == "upload" {
					<-time.After(200 * time.Millisecond) // the server has written part of it to disk
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
		pw.Close()
	}()
	result := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := c.DeployReader(ctx, functionID, "application/wasm", pr, int64(len(artefact)), hex.EncodeToString(sum[:]))
		result <- err
	}()
	hit := phase
	switch phase {
	case "upload":
		<-half
		time.Sleep(100 * time.Millisecond)
	case "prepare":
		hit = waitBuilding(t, c, functionID, before, result)
	}
	b.kill9()
	pw.CloseWithError(io.ErrClosedPipe)
	<-result
	return hit
}

// waitBuilding waits until the new version is listed as building; it
// returns "prepare", or "finished deploy" when the deploy ended first.
func waitBuilding(t *testing.T, c *client.Client, functionID string, before int, result chan error) string {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-result:
			result <- err
			return "finished deploy"
		default:
		}
		ds := deployments(t, c, functionID)
		if len(ds) > before && ds[0].Status == "building" {
			return "prepare"
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the deploy was not listed as building within a minute")
	return ""
}

// deployments lists every version of a function, newest first.
func deployments(t testing.TB, c *client.Client, functionID string) []client.Deployment {
	t.Helper()
	var out []client.Deployment
	for page := 1; ; page++ {
		l, err := c.Deployments(ctxT(t), functionID, client.ListOptions{Page: page, PerPage: 100})
		if err != nil {
			t.Fatalf("deployments: %v", err)
		}
		out = append(out, l.Items...)
		if len(l.Items) < 100 {
			return out
		}
	}
}

// checkDeployments checks what a restarted berth holds of a function's
// versions: no temporary upload files; versions numbered 1..n; every
// ready version's artefact complete on disk and runnable; nothing but a
// ready version active, and the active one answering.
func checkDeployments(t *testing.T, b *berthProc, functionID string, echo []byte) {
	t.Helper()
	_ = filepath.WalkDir(b.dataDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && (strings.HasPrefix(d.Name(), "upload-") || strings.HasPrefix(d.Name(), ".tmp-")) {
			t.Errorf("temporary file left in the data directory after the restart: %s", path)
		}
		return nil
	})
	c := b.admin()
	f, err := c.Function(ctxT(t), functionID)
	if err != nil {
		t.Fatal(err)
	}
	ds := deployments(t, c, functionID)
	var versions []int
	active := 0
	for _, d := range ds {
		versions = append(versions, d.Version)
		switch d.Status {
		case "ready":
			checkArtefact(t, b, functionID, d)
		case "failed":
			if d.Error == "" {
				t.Errorf("version %d failed without saying why", d.Version)
			}
		case "building":
			// A deploy the kill interrupted: the maintenance job marks it
			// failed once it is older than functions.prepare_timeout plus
			// a minute (another replica might still be preparing it).
			t.Logf("version %d is still listed as building (interrupted)", d.Version)
		default:
			t.Errorf("version %d has status %q", d.Version, d.Status)
		}
		if d.Active {
			active = d.Version
			if d.Status != "ready" {
				t.Errorf("active version %d is %s", d.Version, d.Status)
			}
		}
	}
	slices.Sort(versions)
	for i, v := range versions {
		if v != i+1 {
			t.Errorf("versions are not consecutive: %v", versions)
			break
		}
	}
	if f.ActiveVersion == nil || *f.ActiveVersion != active {
		t.Errorf("function's active version %v, deployments say %d", f.ActiveVersion, active)
	}
	// Every ready version runs: roll back to each, call it, come back.
	echoSum := sha256.Sum256(echo)
	for _, d := range ds {
		if d.Status != "ready" {
			continue
		}
		if d.Version != active {
			if _, err := c.Rollback(ctxT(t), functionID, d.Version); err != nil {
				t.Errorf("rollback to ready version %d: %v", d.Version, err)
				continue
			}
		}
		invokeVersion(t, c, functionID, d, d.SHA256 == hex.EncodeToString(echoSum[:]))
	}
	if active != 0 {
		if _, err := c.Rollback(ctxT(t), functionID, active); err != nil {
			t.Errorf("rollback to the active version %d: %v", active, err)
		}
	}
}

// checkArtefact checks a ready version's artefact on disk: present, of its
// recorded size and hash.
func checkArtefact(t *testing.T, b *berthProc, functionID string, d client.Deployment) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(b.dataDir, "artefacts", functionID, d.SHA256))
	if err != nil {
		t.Errorf("ready version %d has no artefact: %v", d.Version, err)
		return
	}
	sum := sha256.Sum256(data)
	if int64(len(data)) != d.Size || hex.EncodeToString(sum[:]) != d.SHA256 {
		t.Errorf("ready version %d: artefact of %d bytes with hash %x, recorded %d bytes %s", d.Version, len(data), sum, d.Size, d.SHA256)
	}
}

// invokeVersion calls the function and checks the answer of the echo
// module or of the Go example.
func invokeVersion(t *testing.T, c *client.Client, functionID string, d client.Deployment, isEcho bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a first call may compile
	defer cancel()
	resp, err := c.Invoke(ctx, functionID, []byte("ping"), nil)
	switch {
	case err != nil:
		t.Errorf("version %d does not answer: %v", d.Version, err)
	case resp.Status != http.StatusOK:
		t.Errorf("version %d answered %d: %s", d.Version, resp.Status, resp.Body)
	case isEcho && string(resp.Body) != "ping":
		t.Errorf("version %d (echo) answered %q", d.Version, resp.Body)
	case !isEcho && !bytes.Contains(resp.Body, []byte(`"message":"Hello, world!"`)):
		t.Errorf("version %d (Go example) answered %q", d.Version, resp.Body)
	}
}

// TestKillDuringInvocations kills berth with SIGKILL while a wasm and a
// container function are being called, then starts it again on the same
// data directory and database. After the restart: the container instances
// of the earlier process are adopted or removed, and after a graceful stop
// none is left (nothing orphaned); every call answered 2xx before the
// kill has its execution record (the recorder's journal), every record
// has a final status, none more than the calls sent; both functions
// answer again.
// Without Podman only the wasm half runs (and the test is then reported
// as skipped, or failed in CI).
func TestKillDuringInvocations(t *testing.T) {
	containers := havePodman()
	b := startBerth(t, berthConfig{DatabaseURL: testenv.PostgresURL(t), Containers: containers})
	admin := b.admin()
	wasmFn := newFunction(t, admin, "echo", "wasm", "application/wasm", readWasm(t, "echo.wasm"))
	targets := []*killTarget{{fn: wasmFn, key: newAPIKey(t, admin, wasmFn.ID)}}
	if containers {
		ctFn := newFunction(t, admin, "boxed", "container", "application/gzip", containerContext(t, "http", "serve"))
		targets = append(targets, &killTarget{fn: ctFn, key: newAPIKey(t, admin, ctFn.ID)})
	}
	for _, tg := range targets {
		tg.hc = b.signedHTTP(tg.key.KeyID, tg.key.Secret)
		if !tg.call(b.url, "warm-up") {
			t.Fatalf("%s does not answer before the kill: %v", tg.fn.Name, tg.failures)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			tg := targets[w%len(targets)]
			for i := 0; i < 10_000 && ctx.Err() == nil; i++ {
				tg.call(b.url, fmt.Sprintf("w%d-%d", w, i))
			}
		})
	}
	time.Sleep(pick(1500*time.Millisecond, 5*time.Second))
	b.kill9()
	cancel()
	wg.Wait()
	for _, tg := range targets {
		kinds := map[string]int{}
		for _, f := range tg.failures {
			kinds[f[:min(len(f), 60)]]++
		}
		t.Logf("%s: %d calls sent, %d answered 2xx before the kill; the others: %v", tg.fn.Name, tg.sent, len(tg.ok), kinds)
	}

	b.start()
	if containers {
		for _, c := range berthContainers(t, b.dataDir) {
			if c.State != "running" {
				t.Errorf("after the restart, container %.12s of %s is %s: neither adopted nor removed", c.ID, c.Labels["berth.function"], c.State)
			}
		}
	}
	for _, tg := range targets {
		if !tg.call(b.url, "after the restart") {
			t.Errorf("%s does not answer after the restart: %v", tg.fn.Name, tg.failures[len(tg.failures)-1])
		}
	}
	b.stop()
	if !b.exitedCleanly() {
		t.Errorf("berth did not stop cleanly: %v", b.proc.err)
	}
	if containers {
		for _, c := range berthContainers(t, b.dataDir) {
			t.Errorf("orphaned container %.12s (%s, function %s) after a graceful stop", c.ID, c.State, c.Labels["berth.function"])
		}
	}
	b.start()
	for _, tg := range targets {
		recs, err := executionIDs(ctxT(t), b.admin(), tg.fn.ID)
		if err != nil {
			t.Fatal(err)
		}
		lost := 0
		for _, id := range tg.ok {
			if _, ok := recs[id]; !ok {
				lost++
			}
		}
		byStatus := map[string]int{}
		for _, e := range recs {
			byStatus[e.Status]++
			if !slices.Contains([]string{"success", "error", "timeout", "out_of_memory", "rejected"}, e.Status) {
				t.Errorf("%s: execution %s has status %q", tg.fn.Name, e.ID, e.Status)
			}
		}
		t.Logf("%s: %d records %v for %d calls sent, %d answered", tg.fn.Name, len(recs), byStatus, tg.sent, len(tg.ok))
		if lost > 0 { // the journal keeps every record from before the answer
			t.Errorf("%s: %d of %d answered calls have no execution record after the kill", tg.fn.Name, lost, len(tg.ok))
		}
		if len(recs) > tg.sent {
			t.Errorf("%s: %d execution records for %d calls", tg.fn.Name, len(recs), tg.sent)
		}
	}
	if !containers {
		needPodman(t) // the container half did not run
	}
}

// killTarget is one function called during TestKillDuringInvocations.
type killTarget struct {
	fn  *client.Function
	key *client.NewAPIKey
	hc  *http.Client

	mu       sync.Mutex
	sent     int
	ok       []string // execution ids answered 200
	failures []string
}

// call invokes the function once and reports whether it answered 200 with
// the echo of payload.
func (k *killTarget) call(base, payload string) bool {
	k.mu.Lock()
	k.sent++
	k.mu.Unlock()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/functions/"+k.fn.ID+"/invoke", strings.NewReader(payload))
	req.Header.Set("Content-Type", "text/plain")
	resp, err := k.hc.Do(req)
	if err != nil {
		k.fail(err.Error())
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != payload {
		k.fail(fmt.Sprintf("%d %.200s", resp.StatusCode, body))
		return false
	}
	k.mu.Lock()
	k.ok = append(k.ok, resp.Header.Get("X-Berth-Execution-Id"))
	k.mu.Unlock()
	return true
}

func (k *killTarget) fail(s string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.failures = append(k.failures, s)
}
