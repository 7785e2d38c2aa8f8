package reliability

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5"

	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/testenv"
)

// revocationWithin is how soon a revocation must reach every replica: the
// promise is one second; the rest is room for a loaded machine.
const revocationWithin = 3 * time.Second

// revocationAcrossReplicas (a case of TestHostileClients) runs two berth serve processes sharing
// PostgreSQL, Redis and the master key. A user signs in on replica A in a
// browser, opens a GraphQL subscription over a WebSocket and a log stream;
// then "log out everywhere" is called through replica B. On A the session
// must end — /session/validate 401, login-check signed out — the open
// subscription must end and a new one on the same WebSocket fail, and the
// log stream must close, all within about a second. A block made straight
// in the database ends the next session the same way, and the blocked
// owner's public function is refused.
func revocationAcrossReplicas(t *testing.T) {
	db, rd := testenv.PostgresURL(t), startRedis(t)
	env := map[string]string{"BERTH_MASTER_KEY": "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
		"BERTH_AUTH_ALLOW_REGISTRATION": "true"}
	a := startBerth(t, berthConfig{DatabaseURL: db, RedisURL: rd.URL(), Env: env})
	b := startBerth(t, berthConfig{DatabaseURL: db, RedisURL: rd.URL(), Env: env})
	ctx := ctxT(t)
	const email, pw = "leaving@example.test", "a password that is long enough"
	if _, err := a.client().Register(ctx, email, pw, "Leaving"); err != nil {
		t.Fatal(err)
	}
	tok, err := b.client().Login(ctx, email, pw)
	if err != nil {
		t.Fatal(err)
	}
	onB := b.client(client.WithBearer(tok.AccessToken))
	fn := newFunction(t, onB, "mine", "wasm", "application/wasm", readWasm(t, "echo.wasm"))

	br := newBrowser(t, a)
	br.login(t, email, pw)
	if v := br.get(t, "/session/validate"); v.StatusCode != http.StatusOK {
		t.Fatalf("validate before logout: %d", v.StatusCode)
	}
	ws := br.graphqlWS(t)
	ws.subscribe(t, "1", fn.ID)
	stream := br.follow(t, fn.ID)

	ended, err := onB.LogoutEverywhere(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ended.WebSessions != 1 || ended.TokenFamilies != 1 {
		t.Errorf("logout everywhere ended %+v, want the web session and this login", ended)
	}
	revoked := time.Now()
	waitUntil(t, revocationWithin, "/session/validate on the other replica answers 401", func() bool {
		return br.get(t, "/session/validate").StatusCode == http.StatusUnauthorized
	})
	t.Logf("/session/validate refused %v after the logout on the other replica", time.Since(revoked).Round(time.Millisecond))
	if lc := br.getJSON(t, "/server/login-check"); lc["authenticated"] != false {
		t.Errorf("login-check after logout everywhere: %v", lc)
	}
	if !ws.ends(t, "1", revocationWithin) {
		t.Error("the subscription opened before the logout is still open")
	}
	if ws.subscribe(t, "2", fn.ID); !ws.refused(t, "2", revocationWithin) {
		t.Error("a subscription started after the logout was accepted")
	}
	select {
	case <-stream:
	case <-time.After(revocationWithin):
		t.Error("the log stream opened before the logout is still open")
	}

	// A block made straight in the database, on any replica's next check.
	br2 := newBrowser(t, a)
	br2.login(t, email, pw)
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	public := "public"
	tok2, _ := b.client().Login(ctx, email, pw)
	if _, err := b.client(client.WithBearer(tok2.AccessToken)).UpdateFunction(ctx, fn.ID, client.SettingsPatch{Visibility: &public}); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `UPDATE users SET status = 'blocked' WHERE email = $1`, email); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, revocationWithin, "a session of a user blocked in the database ends", func() bool {
		return br2.get(t, "/session/validate").StatusCode == http.StatusUnauthorized
	})
	resp, err := b.httpClient().Post(b.url+"/fn/"+fn.ID+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("the public function of a blocked owner answered %d, want 403", resp.StatusCode)
	}
}

func waitUntil(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// browser is a cookie jar on one replica, with the dashboard's origin.
type browser struct {
	b *berthProc
	c *http.Client
}

func newBrowser(t *testing.T, b *berthProc) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{b: b, c: &http.Client{Jar: jar, Timeout: clientTimeout}}
}

func (br *browser) login(t *testing.T, email, pw string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": pw})
	resp, err := br.c.Post(br.b.url+"/server/login", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("browser sign-in: %d", resp.StatusCode)
	}
}

func (br *browser) get(t *testing.T, path string) *http.Response {
	t.Helper()
	resp, err := br.c.Get(br.b.url + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func (br *browser) getJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	resp, err := br.c.Get(br.b.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return m
}

// follow opens GET /api/functions/{id}/logs?follow=true as the browser;
// the channel closes when the stream ends.
func (br *browser) follow(t *testing.T, fnID string) <-chan struct{} {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, br.b.url+"/api/functions/"+fnID+"/logs?follow=true", nil)
	hc := &http.Client{Jar: br.c.Jar}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("log stream: %d", resp.StatusCode)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
		}
	}()
	return done
}

// gqlWS is a graphql-transport-ws connection through the webserver.
type gqlWS struct {
	c    *websocket.Conn
	msgs chan map[string]any // closed when the connection ends
}

func (br *browser) graphqlWS(t *testing.T) *gqlWS {
	t.Helper()
	h := http.Header{"Origin": {br.b.url}}
	req, _ := http.NewRequest(http.MethodGet, br.b.url+"/api/graphql", nil)
	for _, c := range br.c.Jar.Cookies(req.URL) {
		h.Add("Cookie", c.String())
	}
	c, _, err := websocket.Dial(t.Context(), "ws"+strings.TrimPrefix(br.b.url, "http")+"/api/graphql",
		&websocket.DialOptions{HTTPHeader: h, Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatalf("GraphQL WebSocket: %v", err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	ws := &gqlWS{c: c, msgs: make(chan map[string]any, 16)}
	go func() {
		defer close(ws.msgs)
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var m map[string]any
			if json.Unmarshal(data, &m) == nil && m["type"] != "ping" && m["type"] != "pong" {
				ws.msgs <- m
			}
		}
	}()
	ws.send(t, map[string]any{"type": "connection_init"})
	select {
	case m := <-ws.msgs:
		if m["type"] != "connection_ack" {
			t.Fatalf("GraphQL WebSocket: %v instead of connection_ack", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("GraphQL WebSocket: no connection_ack")
	}
	return ws
}

func (ws *gqlWS) send(t *testing.T, m map[string]any) {
	t.Helper()
	data, _ := json.Marshal(m)
	_ = ws.c.Write(t.Context(), websocket.MessageText, data) // a closed connection shows in ends/refused
}

func (ws *gqlWS) subscribe(t *testing.T, id, fnID string) {
	ws.send(t, map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{
		"query": `subscription($f: ID!) { logs(functionId: $f) { line } }`, "variables": map[string]any{"f": fnID}}})
}

// ends reports whether operation id completes or errs, or the connection
// closes, within d.
func (ws *gqlWS) ends(t *testing.T, id string, d time.Duration) bool {
	timeout := time.After(d)
	for {
		select {
		case m, open := <-ws.msgs:
			if !open {
				return true
			}
			if m["id"] == id && (m["type"] == "complete" || m["type"] == "error") {
				return true
			}
			if m["id"] == id && m["type"] == "next" {
				if p, _ := json.Marshal(m["payload"]); strings.Contains(string(p), `"errors"`) {
					return true
				}
			}
		case <-timeout:
			return false
		}
	}
}

// refused is ends for an operation that must never deliver data.
func (ws *gqlWS) refused(t *testing.T, id string, d time.Duration) bool { return ws.ends(t, id, d) }

// splitModeClientAddress (a case of TestHostileClients) runs berth manager
// and berth webserver as two processes sharing the master key and nothing
// else. Sign-ins through the webserver from 127.0.0.2 reach the manager's
// per-address limit; a client at 127.0.0.3 still signs in, so the manager
// counts the real client, not the webserver. A request the CLI signs for
// the webserver's URL verifies at the manager.
func splitModeClientAddress(t *testing.T) {
	root := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + root, "BERTH_LOG_FORMAT=json",
		"BERTH_MASTER_KEY=BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
		"BERTH_ADMIN_EMAIL=" + adminEmail, "BERTH_ADMIN_PASSWORD=" + adminPassword,
		"BERTH_AUTH_MAX_ADDRESS_FAILURES=3", "BERTH_WEB_LOGIN_PER_MINUTE=100000", "BERTH_WEB_LOGIN_BURST=100000"}
	_, mgr, _ := launch(t, "manager", []string{"--data-dir", root + "/m"}, env, root+"/manager.log")
	webEnv := append(slices.Clone(env), "BERTH_AUTH_MAX_ADDRESS_FAILURES=1000") // the webserver's own counters stay out of the way
	_, web, _ := launch(t, "webserver", []string{"--data-dir", root + "/w", "--manager-url", mgr}, webEnv, root+"/web.log")
	if err := waitHealthy(web, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	from := func(addr string) *http.Client {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(addr)}, Timeout: 5 * time.Second}
		return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: clientTimeout}
	}
	login := func(hc *http.Client, password string) int {
		body, _ := json.Marshal(map[string]string{"email": adminEmail, "password": password})
		resp, err := hc.Post(web+"/server/login", "application/json", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	attacker, user := from("127.0.0.2"), from("127.0.0.3")
	for range 4 {
		login(attacker, "wrong password, again and again")
	}
	if st := login(attacker, adminPassword); st != http.StatusTooManyRequests {
		t.Fatalf("the attacking address is not locked out at the manager: %d", st)
	}
	if st := login(user, adminPassword); st != http.StatusOK {
		t.Fatalf("one address locked out another client: %d", st)
	}
	anon, _ := client.New(web)
	tok, err := anon.Login(ctxT(t), adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := client.New(web, client.WithBearer(tok.AccessToken))
	kp, err := admin.CreateKeypair(ctxT(t), "cli")
	if err != nil {
		t.Fatal(err)
	}
	signed, _ := client.New(web, client.WithKeypair(kp.AccessKey, kp.SecretKey))
	if _, err := signed.Me(ctxT(t)); err != nil {
		t.Fatalf("a request the CLI signed for the webserver's URL: %v", err)
	}
}
