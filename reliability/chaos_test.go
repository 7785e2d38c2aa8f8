package reliability

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestRedisOutage stops the Redis that holds replay nonces, rate-limit
// counters and sessions while a load runs, then starts it again. Every
// signed request needs its nonce claimed, so during the outage clients
// must get clean 503s; berth must not exit, must serve again within 5 s
// of Redis's return, and every invocation it answered with 2xx must have
// its execution record.
func TestRedisOutage(t *testing.T) {
	pg, rd := startPostgres(t), startRedis(t)
	b := startBerth(t, berthConfig{DatabaseURL: pg.URL(), RedisURL: rd.URL()})
	r := outage(t, b, "Redis", rd.stop, rd.start)
	if r.unavailable == 0 {
		t.Errorf("no request was refused while Redis was down: replay nonces cannot have been claimed")
	}
}

// TestPostgresOutage does the same with the PostgreSQL that holds every
// record. Calls may still succeed from what berth has in memory; those
// that need the database get clean 503s; execution records of answered
// calls are kept and written once the database is back.
func TestPostgresOutage(t *testing.T) {
	pg, rd := startPostgres(t), startRedis(t)
	b := startBerth(t, berthConfig{DatabaseURL: pg.URL(), RedisURL: rd.URL()})
	outage(t, b, "PostgreSQL", pg.stop, pg.start)
}

// outage runs a load against b, stops a service, starts it again and
// checks what the clients saw, that berth stayed up and recovered, and
// that no answered invocation lost its record.
func outage(t *testing.T, b *berthProc, service string, stop, start func()) loadReport {
	admin := b.admin()
	f := newFunction(t, admin, "echo", "wasm", "application/wasm", readWasm(t, "echo.wasm"))
	key := newAPIKey(t, admin, f.ID)
	l := &load{base: b.url, get: b.adminHTTP(), invoke: b.signedHTTP(key.KeyID, key.Secret), function: f.ID,
		workers: 4, pace: 20 * time.Millisecond}

	down := pick(3*time.Second, 10*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.run(ctx, 10_000)
	}()
	time.Sleep(time.Second)

	stop()
	downAt := time.Now()
	t.Logf("%s stopped", service)
	if !b.waitReadyz(http.StatusServiceUnavailable, 5*time.Second) {
		t.Errorf("/readyz did not report %s as unreachable within 5 s", service)
	}
	time.Sleep(down)
	if !b.running() {
		t.Fatalf("berth exited while %s was down: %v\n%s", service, b.proc.err, b.logTail(40))
	}
	start()
	back := time.Now()
	t.Logf("%s back", service)
	time.Sleep(recoveryBound + 2*time.Second)
	cancel()
	<-done

	if !b.running() {
		t.Fatalf("berth exited: %v\n%s", b.proc.err, b.logTail(40))
	}
	if h := b.health(); h != http.StatusOK {
		t.Errorf("/health after the outage: %d", h)
	}
	r := l.report(downAt, back)
	checkOutage(t, service+" outage", r)
	recs := waitRecorded(t, admin, f.ID, r.accepted, 30*time.Second)
	if int64(len(recs)) > l.sent.Load() {
		t.Errorf("%d execution records for %d invocations sent", len(recs), l.sent.Load())
	}
	for _, id := range r.accepted {
		if e := recs[id]; e.Status != "success" || e.HTTPStatus != http.StatusOK {
			t.Errorf("execution %s of an answered call: status %q, http_status %d", id, e.Status, e.HTTPStatus)
		}
	}
	t.Logf("%s outage: %d invocations sent, %d answered 2xx, %d records; recovery: first success %s, last failure %s after %s returned",
		service, l.sent.Load(), len(r.accepted), len(recs), r.firstOKAfter.Round(time.Millisecond), r.lastFailAfter.Round(time.Millisecond), service)
	return r
}

// waitReadyz polls /readyz until it answers want.
func (b *berthProc) waitReadyz(want int, within time.Duration) bool {
	hc := &http.Client{Timeout: 3 * time.Second}
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		resp, err := hc.Get(b.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return true
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}
