package webserver_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/server"
	"github.com/berth-platform/berth/internal/testenv"
)

func TestLoginSessionLogout(t *testing.T) {
	st := startSite(t)
	b := st.browser()
	if a := b.do(http.MethodGet, "/server/login-check", nil, nil); a.json(t)["authenticated"] != false {
		t.Fatalf("anonymous login-check: %s", a.body)
	}
	a := b.login(adminEmail, adminPassword)
	if a.status != 200 || a.json(t)["authenticated"] != true {
		t.Fatalf("login: %d %s", a.status, a.body)
	}
	if strings.Contains(string(a.body), "secret") || strings.Contains(string(a.body), "access_key") {
		t.Fatalf("the login answer reveals keys: %s", a.body)
	}
	set := a.header.Get("Set-Cookie")
	for _, want := range []string{"berth_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(set, want) {
			t.Errorf("Set-Cookie %q lacks %s", set, want)
		}
	}
	if strings.Contains(set, "Secure") {
		t.Errorf("Secure cookie on plain http: %q", set)
	}
	c := b.cookie("berth_session")
	if c == nil || len(c.Value) != 43 {
		t.Fatalf("session cookie %+v", c)
	}
	me := b.do(http.MethodGet, "/api/users/me", nil, nil)
	if me.status != 200 || me.json(t)["email"] != adminEmail {
		t.Fatalf("signed proxy GET /api/users/me: %d %s", me.status, me.body)
	}
	if a := b.do(http.MethodGet, "/server/login-check", nil, nil); a.json(t)["authenticated"] != true {
		t.Fatalf("login-check: %s", a.body)
	}
	if a := b.do(http.MethodPost, "/server/extend-session", nil, nil); a.status != 200 || a.json(t)["expires_at"] == nil {
		t.Fatalf("extend: %d %s", a.status, a.body)
	}
	// Another service presents the session id as X-Session-Token.
	other := st.browser()
	v := other.do(http.MethodGet, "/session/validate", nil, http.Header{"X-Session-Token": {c.Value}})
	if v.status != 200 || v.json(t)["user"] != adminEmail || v.header.Get("X-Berth-User") != adminEmail || v.header.Get("X-Berth-User-Id") == "" {
		t.Fatalf("validate by token: %d %s %v", v.status, v.body, v.header)
	}
	if strings.Contains(string(v.body), "BK") || strings.Contains(string(v.body), "secret") {
		t.Fatalf("validate leaks credentials: %s", v.body)
	}
	if v := b.do(http.MethodGet, "/session/validate", nil, nil); v.status != 200 {
		t.Fatalf("validate by cookie: %d", v.status)
	}

	out := b.do(http.MethodPost, "/server/logout", nil, nil)
	if out.status != 200 || !strings.Contains(out.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout: %d %v", out.status, out.header)
	}
	// The old cookie is dead everywhere, and its keypair at the manager.
	replay := st.browser()
	replay.c.Jar.SetCookies(mustURL(t, st.url), []*http.Cookie{c})
	if a := replay.do(http.MethodGet, "/api/users/me", nil, nil); a.status != 401 {
		t.Fatalf("API with an ended session: %d %s", a.status, a.body)
	}
	if v := other.do(http.MethodGet, "/session/validate", nil, http.Header{"X-Session-Token": {c.Value}}); v.status != 401 || v.json(t)["valid"] != false {
		t.Fatalf("validate after logout: %d %s", v.status, v.body)
	}
}

func mustURL(t testing.TB, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestPlantedCookieNeverSurvivesLogin(t *testing.T) {
	st := startSite(t)
	victim := st.browser()
	planted := &http.Cookie{Name: "berth_session", Value: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", Path: "/"}
	victim.c.Jar.SetCookies(mustURL(t, st.url), []*http.Cookie{planted})
	victim.mustLogin()
	if c := victim.cookie("berth_session"); c == nil || c.Value == planted.Value {
		t.Fatalf("the planted id survived login: %+v", c)
	}
	// An attacker's own session id, planted in the victim's browser, is
	// replaced, and stays the attacker's.
	attacker := st.browser()
	attacker.mustLogin()
	fixed := attacker.cookie("berth_session")
	victim2 := st.browser()
	victim2.c.Jar.SetCookies(mustURL(t, st.url), []*http.Cookie{{Name: "berth_session", Value: fixed.Value, Path: "/"}})
	victim2.mustLogin()
	if victim2.cookie("berth_session").Value == fixed.Value {
		t.Fatal("login kept the fixated session id")
	}
	if a := attacker.do(http.MethodGet, "/server/login-check", nil, nil); a.json(t)["authenticated"] != false {
		t.Fatalf("the fixated session still works for its planter: %s", a.body)
	}
}

func TestForgedAndTruncatedCookies(t *testing.T) {
	st := startSite(t)
	real := st.browser()
	real.mustLogin()
	v := real.cookie("berth_session").Value
	for name, value := range map[string]string{
		"Truncated": v[:20], "Flipped": flip(v), "Garbage": "../../etc/passwd", "Empty": "",
		"Huge": strings.Repeat("A", 4000),
	} {
		t.Run(name, func(t *testing.T) {
			b := st.browser()
			b.c.Jar.SetCookies(mustURL(t, st.url), []*http.Cookie{{Name: "berth_session", Value: value, Path: "/"}})
			if a := b.do(http.MethodGet, "/api/users/me", nil, nil); a.status != 401 {
				t.Fatalf("forged cookie: %d %s", a.status, a.body)
			}
			if a := b.do(http.MethodGet, "/server/login-check", nil, nil); a.json(t)["authenticated"] != false {
				t.Fatalf("forged cookie authenticated: %s", a.body)
			}
		})
	}
}

func flip(s string) string {
	b := []byte(s)
	if b[5] == 'A' {
		b[5] = 'B'
	} else {
		b[5] = 'A'
	}
	return string(b)
}

func TestFormLogin(t *testing.T) {
	st := startSite(t)
	b := st.browser()
	page := b.do(http.MethodGet, "/login?next=/functions/abc", nil, nil)
	if page.status != 200 || !strings.Contains(string(page.body), `name="next" value="/functions/abc"`) ||
		!strings.Contains(string(page.body), `<form method="post" action="/server/login">`) {
		t.Fatalf("login page: %d %s", page.status, page.body)
	}
	nonce := between(page.header.Get("Content-Security-Policy"), "'nonce-", "'")
	if nonce == "" || !strings.Contains(string(page.body), `nonce="`+nonce+`"`) {
		t.Fatalf("the page's style does not carry the CSP nonce %q", nonce)
	}
	bad := b.do(http.MethodPost, "/server/login", "email=root%40example.test&password=wrong+wrong+wrong&next=%2Ffunctions%2Fabc", nil)
	if bad.status != 303 || !strings.HasPrefix(bad.header.Get("Location"), "/login?") || !strings.Contains(bad.header.Get("Location"), "error=unauthorized") {
		t.Fatalf("failed form login: %d %v", bad.status, bad.header)
	}
	errPage := b.do(http.MethodGet, bad.header.Get("Location"), nil, nil)
	if !strings.Contains(string(errPage.body), "Wrong email or password.") {
		t.Fatalf("error not shown: %s", errPage.body)
	}
	good := b.do(http.MethodPost, "/server/login", "email=root%40example.test&password=a+configured+admin+password&next=%2Ffunctions%2Fabc", nil)
	if good.status != 303 || good.header.Get("Location") != "/functions/abc" {
		t.Fatalf("form login: %d %v", good.status, good.header)
	}
	evil := st.browser().do(http.MethodPost, "/server/login", "email=root%40example.test&password=a+configured+admin+password&next=%2F%2Fevil.example", nil)
	if evil.status != 303 || evil.header.Get("Location") != "/" {
		t.Fatalf("open redirect: %d %v", evil.status, evil.header)
	}
	out := b.do(http.MethodPost, "/server/logout", "", nil)
	if out.status != 303 || out.header.Get("Location") != "/login" {
		t.Fatalf("form logout: %d %v", out.status, out.header)
	}
}

func between(s, a, b string) string {
	_, rest, ok := strings.Cut(s, a)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, b)
	return v
}

func TestLoginLockout(t *testing.T) {
	st := startSite(t, func(c *config.Config, _ *server.Options) { c.Web.LoginPerMinute, c.Web.LoginBurst = 1000, 1000 })
	b := st.browser()
	for i := range 9 {
		if a := b.login(adminEmail, "wrong password "+strconv.Itoa(i)); a.status != 401 {
			t.Fatalf("failure %d: %d %s", i+1, a.status, a.body)
		}
	}
	a := b.login(adminEmail, "tenth wrong password")
	wantProblem(t, a, 429, "too-many-login-failures")
	if ra, _ := strconv.Atoi(a.header.Get("Retry-After")); ra < 60 {
		t.Fatalf("Retry-After %q", a.header.Get("Retry-After"))
	}
	wantProblem(t, b.login(adminEmail, adminPassword), 429, "too-many-login-failures")
}

func TestLoginBadInput(t *testing.T) {
	st := startSite(t)
	b := st.browser()
	for name, tt := range map[string]struct {
		body   string
		ct     string
		status int
	}{
		"MalformedJSON": {`{"email":`, "application/json", 400},
		"UnknownField":  {`{"email":"a@b.c","password":"x","admin":true}`, "application/json", 400},
		"TextPlain":     {`email=a`, "text/plain", 400},
		"Oversized":     {`{"email":"` + strings.Repeat("a", 20<<10) + `"}`, "application/json", 400},
	} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, st.url+"/server/login", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.ct)
			resp, err := b.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
}

func TestSessionIdleTimeout(t *testing.T) {
	st := startSite(t, func(c *config.Config, _ *server.Options) { c.Web.SessionIdle = time.Second })
	b := st.browser()
	b.mustLogin()
	time.Sleep(3500 * time.Millisecond) // past the idle timeout and the 2 s read cache
	if a := b.do(http.MethodGet, "/server/login-check", nil, nil); a.json(t)["authenticated"] != false {
		t.Fatalf("idle session still alive: %s", a.body)
	}
}

func TestRedisSessions(t *testing.T) {
	st := startSite(t, func(c *config.Config, _ *server.Options) { c.RedisURL = testenv.RedisURL() })
	b := st.browser()
	b.mustLogin()
	if a := b.do(http.MethodGet, "/api/users/me", nil, nil); a.status != 200 {
		t.Fatalf("with Redis sessions: %d %s", a.status, a.body)
	}
}
