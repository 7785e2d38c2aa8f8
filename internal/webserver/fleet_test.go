package webserver_test

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/server"
	"github.com/berth-platform/berth/internal/testenv"
)

const masterKey = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc="

// TestSeveralManagers puts a webserver in front of two managers sharing
// PostgreSQL and Redis, stops them one after the other, and checks that
// calls keep working while one is up and get clean 503s when none is.
func TestSeveralManagers(t *testing.T) {
	db, rdb := testenv.PostgresURL(t), testenv.RedisURL()
	shared := func(c *config.Config, _ *server.Options) {
		c.DatabaseURL, c.RedisURL, c.MasterKey = db, rdb, masterKey
	}
	a := startSite(t, shared, func(_ *config.Config, o *server.Options) { o.Role = server.RoleManager })
	b := startSite(t, shared, func(_ *config.Config, o *server.Options) { o.Role = server.RoleManager })
	w := startSite(t, func(c *config.Config, o *server.Options) {
		c.RedisURL, c.MasterKey = rdb, masterKey
		c.Web.ManagerURLs = []string{a.url, b.url}
		c.Web.APIPerSecond, c.Web.APIBurst = 1e6, 1e6
		o.Role, o.ProbeInterval = server.RoleWebserver, 100*time.Millisecond
	})
	br := w.browser()
	br.mustLogin()
	for range 10 {
		if r := br.do(http.MethodGet, "/api/users/me", nil, nil); r.status != 200 {
			t.Fatalf("through two managers: %d %s", r.status, r.body)
		}
	}
	a.stop()
	time.Sleep(time.Second) // three failed probes take it out
	for range 10 {
		if r := br.do(http.MethodGet, "/api/users/me", nil, nil); r.status != 200 {
			t.Fatalf("with one manager down: %d %s", r.status, r.body)
		}
	}
	b.stop()
	time.Sleep(time.Second)
	r := br.do(http.MethodGet, "/api/users/me", nil, nil)
	wantProblem(t, r, 503, "unavailable")
	if r := br.do(http.MethodGet, "/server/login-check", nil, nil); r.status != 200 {
		t.Fatalf("the webserver itself stopped answering: %d", r.status)
	}
}

// TestRedisStoppedMidRun stops the Redis holding the sessions while the
// server runs: calls get clean 503s, nothing crashes, and sign-in works
// again as soon as Redis is back.
func TestRedisStoppedMidRun(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		testenv.Unavailable(t, "redis-server is not installed: %v", err)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
		cmd.Stdout, cmd.Stderr = &bytes.Buffer{}, &bytes.Buffer{}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 50; i++ {
			if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
				c.Close()
				return cmd
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatal("redis-server did not start")
		return nil
	}
	redis := start()
	t.Cleanup(func() { _ = redis.Process.Kill(); _, _ = redis.Process.Wait() })
	st := startSite(t, func(c *config.Config, _ *server.Options) { c.RedisURL = fmt.Sprintf("redis://127.0.0.1:%d/0", port) })
	br := st.browser()
	br.mustLogin()
	if r := br.do(http.MethodGet, "/api/users/me", nil, nil); r.status != 200 {
		t.Fatalf("before: %d", r.status)
	}
	_ = redis.Process.Kill()
	_, _ = redis.Process.Wait()
	time.Sleep(2500 * time.Millisecond) // past the session read cache
	for _, path := range []string{"/api/users/me", "/server/login-check"} {
		r := br.do(http.MethodGet, path, nil, nil)
		wantProblem(t, r, 503, "unavailable")
		if r.header.Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", path)
		}
	}
	if r := st.browser().do(http.MethodGet, "/health", nil, nil); r.status != 200 {
		t.Fatalf("/health with Redis down: %d", r.status)
	}
	if r := st.browser().do(http.MethodGet, "/readyz", nil, nil); r.status != 503 {
		t.Fatalf("/readyz with Redis down: %d", r.status)
	}
	redis = start()
	deadline := time.Now().Add(5 * time.Second)
	for {
		nb := st.browser()
		if r := nb.login(adminEmail, adminPassword); r.status == 200 {
			if r := nb.do(http.MethodGet, "/api/users/me", nil, nil); r.status == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no recovery within 5 s of Redis returning")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestExternalValidation delegates session checks to another berth's
// /session/validate: a user signed in there is provisioned here on first
// sight, by email, and acts through this server's API.
func TestExternalValidation(t *testing.T) {
	validator := startSite(t, withRegistrationOn)
	// The gateway's service keypair belongs to its own first admin.
	dir := t.TempDir()
	first := startSite(t, func(c *config.Config, _ *server.Options) { c.DataDir = dir; c.MasterKey = masterKey })
	admin, err := client.New(first.url)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := admin.Login(t.Context(), adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	authed, _ := client.New(first.url, client.WithBearer(tok.AccessToken))
	svc, err := authed.CreateKeypair(t.Context(), "gateway service")
	if err != nil {
		t.Fatal(err)
	}
	first.stop()
	gw := startSite(t, func(c *config.Config, _ *server.Options) {
		c.DataDir, c.MasterKey = dir, masterKey
		c.Auth.ValidateURL = validator.url + "/session/validate"
		c.Auth.ServiceAccessKey, c.Auth.ServiceSecretKey = svc.AccessKey, svc.SecretKey
	})
	// A user of the other service signs in there.
	reg, _ := client.New(validator.url)
	if _, err := reg.Register(t.Context(), "outsider@example.test", "correct horse battery staple", "Outsider"); err != nil {
		t.Fatal(err)
	}
	out := validator.browser()
	if r := out.login("outsider@example.test", "correct horse battery staple"); r.status != 200 {
		t.Fatalf("validator login: %d %s", r.status, r.body)
	}
	c := out.cookie("berth_session")
	// Their session reaches the gateway (a shared parent domain would
	// carry the cookie; here the header does).
	br := gw.browser()
	me := br.do(http.MethodGet, "/api/users/me", nil, http.Header{"X-Session-Token": {c.Value}})
	if me.status != 200 || me.json(t)["email"] != "outsider@example.test" {
		t.Fatalf("external session: %d %s", me.status, me.body)
	}
	if r := br.do(http.MethodGet, "/api/users/me", nil, http.Header{"X-Session-Token": {"forged-token-value"}}); r.status != 401 {
		t.Fatalf("forged external session: %d %s", r.status, r.body)
	}
	if r := br.login(adminEmail, adminPassword); r.status != 409 {
		t.Fatalf("local sign-in in external mode: %d", r.status)
	}
}

func withRegistrationOn(c *config.Config, _ *server.Options) { c.Auth.AllowRegistration = true }
