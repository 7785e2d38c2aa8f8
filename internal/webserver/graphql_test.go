package webserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/golang-jwt/jwt/v5"

	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/server"
	"github.com/berth-platform/berth/internal/signing"
)

func echoModule(t testing.TB) []byte {
	b, err := os.ReadFile("../runtime/wasm/testdata/echo.wasm")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// adminClient is a keypair-signed client of the site's first admin.
func (st *site) adminClient(t testing.TB) *client.Client {
	t.Helper()
	tok, err := must(client.New(st.url)).Login(t.Context(), adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	return must(client.New(st.url, client.WithBearer(tok.AccessToken)))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestGraphQLThroughSession(t *testing.T) {
	st := startSite(t, func(c *config.Config, _ *server.Options) { c.Auth.AllowRegistration = true })
	ctx := t.Context()
	admin := st.adminClient(t)
	f, err := admin.InitFunction(ctx, "gql", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Deploy(ctx, f.ID, "application/wasm", echoModule(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateAPIKey(ctx, f.ID, "ci", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Invoke(ctx, f.ID, []byte("hi"), nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the execution record is written in a batch
	b := st.browser()
	b.mustLogin()
	// Small pages: the cost of nested default pages is over the limit.
	q := `{ me { email role } functions(perPage: 5) { total items { name activeVersion settings { memoryMB secrets }
	  deployments(perPage: 5) { total items { version active } } executions(perPage: 5) { total items { status httpStatus } }
	  apiKeys(perPage: 5) { items { name status keyId } } } } }`
	a := b.do(http.MethodPost, "/api/graphql", map[string]string{"query": q}, nil)
	if a.status != 200 {
		t.Fatalf("graphql: %d %s", a.status, a.body)
	}
	var res struct {
		Data struct {
			Me        struct{ Email, Role string }
			Functions struct {
				Total int
				Items []struct {
					Name          string
					ActiveVersion int
					Deployments   struct{ Total int }
					Executions    struct {
						Total int
						Items []struct{ Status string }
					}
					APIKeys struct {
						Items []struct{ Name, Status, KeyID string }
					} `json:"apiKeys"`
				}
			}
		}
		Errors []any
	}
	if err := json.Unmarshal(a.body, &res); err != nil || len(res.Errors) > 0 {
		t.Fatalf("%s %v", a.body, err)
	}
	d := res.Data
	if d.Me.Email != adminEmail || d.Functions.Total != 1 || d.Functions.Items[0].Name != "gql" || d.Functions.Items[0].ActiveVersion != 1 ||
		d.Functions.Items[0].Deployments.Total != 1 || d.Functions.Items[0].Executions.Total != 1 || len(d.Functions.Items[0].APIKeys.Items) != 1 {
		t.Fatalf("graphql data: %s", a.body)
	}
	if strings.Contains(string(a.body), "secret") && !strings.Contains(string(a.body), `"secrets":[]`) {
		t.Fatalf("a secret value in GraphQL: %s", a.body)
	}
	// Another user sees nothing of the admin's function.
	reg := must(client.New(st.url))
	if _, err := reg.Register(ctx, "other@example.test", "correct horse battery staple", "Other"); err != nil {
		t.Fatal(err)
	}
	o := st.browser()
	if r := o.login("other@example.test", "correct horse battery staple"); r.status != 200 {
		t.Fatal(r.status)
	}
	a = o.do(http.MethodPost, "/api/graphql", map[string]string{"query": `{ function(id: "` + f.ID + `") { name } functions { total } }`}, nil)
	if !strings.Contains(string(a.body), `"function":null`) || !strings.Contains(string(a.body), `"total":0`) {
		t.Fatalf("another user's view: %s", a.body)
	}
	// Anonymous: refused by the manager.
	if a := st.browser().do(http.MethodPost, "/api/graphql", map[string]string{"query": `{ me { email } }`}, nil); a.status != 401 {
		t.Fatalf("anonymous graphql: %d", a.status)
	}
}

// TestGraphQLSessionToken signs GraphQL requests with a web session's
// keypair, as the webserver does, with and without a valid X-Berth-Token.
func TestGraphQLSessionToken(t *testing.T) {
	st := startSite(t)
	ctx := t.Context()
	kp, err := must(client.New(st.url)).Authorize(ctx, adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"query":"{ me { email } }"}`)
	send := func(token string) int {
		req, _ := http.NewRequest(http.MethodPost, st.url+"/api/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("X-Berth-Token", token)
		}
		if err := signing.Sign(req, signing.Credentials{KeyID: kp.AccessKey, Secret: kp.SecretKey}, signing.BodyHash(body), time.Now(), signing.NewNonce()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	tok := func(key, secret string, iat time.Time, life time.Duration) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"access_key": key, "role": "admin",
			"iat": iat.Unix(), "exp": iat.Add(life).Unix()}).SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	now := time.Now()
	cases := []struct {
		name  string
		token string
		want  int
	}{
		{"Valid", tok(kp.AccessKey, kp.SecretKey, now, 15*time.Minute), 200},
		{"Missing", "", 401},
		{"OtherSecret", tok(kp.AccessKey, "not the secret", now, 15*time.Minute), 401},
		{"OtherKey", tok("BKSOMEONEELSE00000", kp.SecretKey, now, 15*time.Minute), 401},
		{"Expired", tok(kp.AccessKey, kp.SecretKey, now.Add(-time.Hour), 15*time.Minute), 401},
		{"TooLong", tok(kp.AccessKey, kp.SecretKey, now, 24*time.Hour), 401},
		{"Garbage", "a.b.c", 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := send(c.token); got != c.want {
				t.Fatalf("status %d, want %d", got, c.want)
			}
		})
	}
}

// TestGraphQLLogsSubscription subscribes to a function's logs over a
// WebSocket through the session proxy and sees a new call's log line.
func TestGraphQLLogsSubscription(t *testing.T) {
	st := startSite(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	admin := st.adminClient(t)
	f, err := admin.InitFunction(ctx, "live", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Deploy(ctx, f.ID, "application/wasm", echoModule(t)); err != nil {
		t.Fatal(err)
	}
	b := st.browser()
	b.mustLogin()
	h := http.Header{"Cookie": {b.cookie("berth_session").String()}, "Origin": {st.url}}
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(st.url, "http")+"/api/graphql",
		&websocket.DialOptions{HTTPHeader: h, Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(websocket.StatusNormalClosure, "")
	if err := wsjson.Write(ctx, c, map[string]any{"type": "connection_init"}); err != nil {
		t.Fatal(err)
	}
	var ack map[string]any
	if err := wsjson.Read(ctx, c, &ack); err != nil || ack["type"] != "connection_ack" {
		t.Fatalf("ack: %v %v", ack, err)
	}
	if err := wsjson.Write(ctx, c, map[string]any{"id": "1", "type": "subscribe",
		"payload": map[string]any{"query": `subscription { logs(functionId: "` + f.ID + `") { executionId line } }`}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	resp, err := admin.Invoke(ctx, f.ID, []byte("ping"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for {
		var msg struct {
			Type    string `json:"type"`
			Payload struct {
				Data struct {
					Logs struct{ ExecutionID, Line string }
				}
			}
		}
		if err := wsjson.Read(ctx, c, &msg); err != nil {
			t.Fatalf("no log line arrived: %v", err)
		}
		if msg.Type == "ping" {
			continue
		}
		if msg.Type != "next" {
			t.Fatalf("message %+v", msg)
		}
		if msg.Payload.Data.Logs.ExecutionID == resp.ExecutionID && strings.Contains(msg.Payload.Data.Logs.Line, "echo:") {
			return
		}
	}
}

// TestLogsWebSocket follows a function's logs over a WebSocket through the
// session proxy; the manager takes the signed handshake.
func TestLogsWebSocket(t *testing.T) {
	st := startSite(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	admin := st.adminClient(t)
	f, err := admin.InitFunction(ctx, "tail", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Deploy(ctx, f.ID, "application/wasm", echoModule(t)); err != nil {
		t.Fatal(err)
	}
	b := st.browser()
	b.mustLogin()
	h := http.Header{"Cookie": {b.cookie("berth_session").String()}, "Origin": {st.url}}
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(st.url, "http")+"/api/functions/"+f.ID+"/logs?since="+
		time.Now().Add(time.Second).UTC().Format(time.RFC3339), &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(websocket.StatusNormalClosure, "")
	time.Sleep(1100 * time.Millisecond)
	resp, err := admin.Invoke(ctx, f.ID, []byte("ping"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for {
		var line struct {
			ExecutionID string `json:"execution_id"`
			Line        string `json:"line"`
		}
		if err := wsjson.Read(ctx, c, &line); err != nil {
			t.Fatalf("no line: %v", err)
		}
		if line.ExecutionID == resp.ExecutionID {
			return
		}
	}
}
