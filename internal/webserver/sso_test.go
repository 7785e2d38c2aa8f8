package webserver_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/oidc/oidctest"
	"github.com/berth-platform/berth/internal/server"
)

// The provider in these tests is a real OpenID provider (zitadel/oidc's op
// package, internal/oidc/oidctest) on loopback HTTP; berth talks to it as
// to Keycloak: discovery, keys, code flow, introspection, end session.

const (
	ssoClient = "berth"
	ssoSecret = "berth-client-secret"
)

type ssoSite struct {
	*site
	op *oidctest.Server
}

func startSSO(t *testing.T, jwt bool, opts ...option) *ssoSite {
	t.Helper()
	op := oidctest.Start(t)
	op.AddUser(oidctest.User{Subject: "sub-ada", Username: "ada", Password: "pw-ada", Email: "ada@example.test", EmailVerified: true,
		Name: "Ada Lovelace", Groups: []string{"/team-a"}, RealmRoles: []string{"berth-admin"}, ClientRoles: map[string][]string{ssoClient: {"developer"}}})
	op.AddUser(oidctest.User{Subject: "sub-mallory", Username: "mallory", Password: "pw-mallory", Email: adminEmail, EmailVerified: false, Name: "Mallory"})
	op.AddUser(oidctest.User{Subject: "sub-root", Username: "root", Password: "pw-root", Email: adminEmail, EmailVerified: true, Name: "Root"})
	withProvider := func(c *config.Config, _ *server.Options) {
		c.OIDC.Providers = []config.OIDCProvider{config.OIDCProvider{ID: "corp", Name: "Corp SSO", Issuer: op.URL, ClientID: ssoClient,
			ClientSecret: ssoSecret, AllowInsecure: true, TokenCacheTTL: time.Second,
			Mapping: config.OIDCMapping{FullAdmin: []string{"berth-admin"}, FeatureRoles: map[string][]string{"containers": {"developer"}},
				Groups: map[string][]string{"team-a": {"/team-a"}}}}.WithDefaults()}
	}
	// A sign-in is two requests of the login class (start and callback),
	// and these tests sign in often from one address.
	roomy := func(c *config.Config, _ *server.Options) { c.Web.LoginBurst, c.Web.LoginPerMinute = 1000, 1000 }
	st := startSite(t, append([]option{withProvider, roomy}, opts...)...)
	op.AddClient(oidctest.Client{ID: ssoClient, Secret: ssoSecret, JWTAccessTokens: jwt,
		RedirectURIs:           []string{st.url + "/server/oidc/corp/callback", st.url + "/test/callback"},
		PostLogoutRedirectURIs: []string{st.url + "/login"}})
	return &ssoSite{site: st, op: op}
}

// ssoLogin runs a browser's sign-in through the provider and returns
// where berth sent it at the end.
func (s *ssoSite) ssoLogin(t *testing.T, b *browser, user, pw, next string) *url.URL {
	t.Helper()
	a := b.do(http.MethodGet, "/server/oidc/corp/start?next="+url.QueryEscape(next), nil, nil)
	if a.status != http.StatusSeeOther || !strings.HasPrefix(a.header.Get("Location"), s.op.URL) {
		t.Fatalf("start: %d %s %s", a.status, a.header.Get("Location"), a.body)
	}
	back := s.op.Login(t, a.header.Get("Location"), user, pw)
	return s.callback(t, b, back)
}

func (s *ssoSite) callback(t *testing.T, b *browser, back *url.URL) *url.URL {
	t.Helper()
	if !strings.HasPrefix(back.String(), s.url+"/server/oidc/corp/callback") {
		t.Fatalf("the provider sent the browser to %s", back)
	}
	a := b.do(http.MethodGet, back.RequestURI(), nil, nil)
	if a.status != http.StatusSeeOther {
		t.Fatalf("callback: %d %s", a.status, a.body)
	}
	loc, _ := url.Parse(a.header.Get("Location"))
	return loc
}

func whoami(t *testing.T, b *browser) map[string]any {
	t.Helper()
	a := b.do(http.MethodGet, "/server/login-check", nil, nil)
	m := a.json(t)
	if m["authenticated"] != true {
		return nil
	}
	return m["user"].(map[string]any)
}

func TestSSOBrowserSignIn(t *testing.T) {
	s := startSSO(t, false)
	b := s.browser()
	// A planted session id does not survive the sign-in.
	b.c.Jar.SetCookies(mustURL(t, s.url), []*http.Cookie{{Name: "berth_session", Value: "planted", Path: "/"}})
	if loc := s.ssoLogin(t, b, "ada", "pw-ada", "/functions?tab=1"); loc.String() != "/functions?tab=1" {
		t.Fatalf("landed on %s, want the next page", loc)
	}
	u := whoami(t, b)
	if u == nil || u["email"] != "ada@example.test" || u["name"] != "Ada Lovelace" || u["role"] != "admin" || u["admin_role"] != "full_admin" {
		t.Fatalf("signed in as %v", u)
	}
	if c := b.cookie("berth_session"); c == nil || c.Value == "planted" {
		t.Fatalf("session cookie %v", c)
	}
	me := b.do(http.MethodGet, "/api/users/me", nil, nil).json(t)
	if me["email_verified"] != true || !strings.Contains(strings.Join(anyStrings(me["feature_roles"]), ","), "containers") {
		t.Fatalf("me = %v", me)
	}
	admin := s.browser()
	admin.mustLogin()
	groups := admin.do(http.MethodGet, "/api/admin/groups", nil, nil)
	if !strings.Contains(string(groups.body), `"team-a"`) {
		t.Fatalf("mapped group not made: %s", groups.body)
	}

	// At the provider, ada loses the admin role and the group: the next
	// sign-in applies it.
	s.op.AddUser(oidctest.User{Subject: "sub-ada", Username: "ada", Password: "pw-ada", Email: "ada@example.test", EmailVerified: true, Name: "Ada Lovelace"})
	b2 := s.browser()
	s.ssoLogin(t, b2, "ada", "pw-ada", "/")
	if u := whoami(t, b2); u == nil || u["role"] != "user" || u["admin_role"] != nil {
		t.Fatalf("after losing the role: %v", u)
	}
	me = b2.do(http.MethodGet, "/api/users/me", nil, nil).json(t)
	if strings.Contains(strings.Join(anyStrings(me["feature_roles"]), ","), "containers") {
		t.Fatalf("mapped feature role kept: %v", me["feature_roles"])
	}

	// The page offers the provider.
	page := s.browser().do(http.MethodGet, "/login?next=/x", nil, nil)
	if !strings.Contains(string(page.body), `href="/server/oidc/corp/start?next=%2fx"`) || !strings.Contains(string(page.body), "Sign in with Corp SSO") {
		t.Fatalf("login page: %s", page.body)
	}
	opts := s.browser().do(http.MethodGet, "/api/auth/options", nil, nil).json(t)
	if ps, _ := opts["providers"].([]any); len(ps) != 1 || opts["local_passwords"] != true {
		t.Fatalf("options = %v", opts)
	}
}

func TestSSORefusals(t *testing.T) {
	s := startSSO(t, false)
	t.Run("ReplayedState", func(t *testing.T) {
		b := s.browser()
		a := b.do(http.MethodGet, "/server/oidc/corp/start", nil, nil)
		back := s.op.Login(t, a.header.Get("Location"), "ada", "pw-ada")
		if loc := s.callback(t, b, back); loc.Path != "/" {
			t.Fatalf("first use: %s", loc)
		}
		if loc := s.callback(t, s.browser(), back); loc.Query().Get("error") != "sso-refused" {
			t.Fatalf("replay in another browser: %s", loc)
		}
		if loc := s.callback(t, b, back); loc.Query().Get("error") != "sso-refused" {
			t.Fatalf("replay: %s", loc)
		}
	})
	t.Run("OtherBrowser", func(t *testing.T) {
		// A sign-in started in the attacker's browser, finished in the
		// victim's (login CSRF): the victim has no binding cookie.
		attacker, victim := s.browser(), s.browser()
		a := attacker.do(http.MethodGet, "/server/oidc/corp/start", nil, nil)
		back := s.op.Login(t, a.header.Get("Location"), "ada", "pw-ada")
		if loc := s.callback(t, victim, back); loc.Query().Get("error") != "sso-refused" {
			t.Fatalf("other browser: %s", loc)
		}
		if whoami(t, victim) != nil {
			t.Fatal("the victim was signed in")
		}
	})
	t.Run("UnknownState", func(t *testing.T) {
		b := s.browser()
		a := b.do(http.MethodGet, "/server/oidc/corp/callback?code=x&state=made-up-state-value", nil, nil)
		if a.status != http.StatusSeeOther || !strings.Contains(a.header.Get("Location"), "error=sso-refused") {
			t.Fatalf("%d %s", a.status, a.header.Get("Location"))
		}
	})
	t.Run("UnverifiedEmailOfExistingAccount", func(t *testing.T) {
		b := s.browser()
		loc := s.ssoLogin(t, b, "mallory", "pw-mallory", "/")
		if loc.Query().Get("error") != "sso-email-unverified" || whoami(t, b) != nil {
			t.Fatalf("unverified address linked: %s", loc)
		}
		// The page explains.
		page := b.do(http.MethodGet, loc.RequestURI(), nil, nil)
		if !strings.Contains(string(page.body), "has not verified that the address is yours") {
			t.Fatalf("page: %s", page.body)
		}
	})
	t.Run("VerifiedEmailLinks", func(t *testing.T) {
		b := s.browser()
		s.ssoLogin(t, b, "root", "pw-root", "/")
		if u := whoami(t, b); u == nil || u["email"] != adminEmail || u["admin_role"] != "full_admin" {
			t.Fatalf("verified address did not link to the existing admin: %v", u)
		}
	})
	t.Run("BlockedAccount", func(t *testing.T) {
		b := s.browser()
		s.ssoLogin(t, b, "ada", "pw-ada", "/")
		u := whoami(t, b)
		admin := s.browser()
		admin.mustLogin()
		if a := admin.do(http.MethodPost, "/api/admin/users/"+u["id"].(string)+"/block", map[string]string{"reason": "test"}, nil); a.status != http.StatusOK {
			t.Fatalf("block: %d %s", a.status, a.body)
		}
		if !signedOut(t, b) {
			t.Fatal("the blocked account's session lives on")
		}
		if loc := s.ssoLogin(t, s.browser(), "ada", "pw-ada", "/"); loc.Query().Get("error") != "account-blocked" {
			t.Fatalf("blocked account signed in again: %s", loc)
		}
		if a := admin.do(http.MethodPost, "/api/admin/users/"+u["id"].(string)+"/enable", nil, nil); a.status != http.StatusOK {
			t.Fatalf("enable: %d %s", a.status, a.body)
		}
	})
	t.Run("ProviderDown", func(t *testing.T) {
		b := s.browser()
		s.ssoLogin(t, b, "ada", "pw-ada", "/")
		s.op.SetDown(true)
		defer s.op.SetDown(false)
		a := s.browser().do(http.MethodGet, "/server/oidc/corp/start", nil, nil)
		if a.status != http.StatusSeeOther || !strings.Contains(a.header.Get("Location"), "error=") {
			t.Fatalf("start while down: %d %s", a.status, a.header.Get("Location"))
		}
		if whoami(t, b) == nil {
			t.Fatal("an existing session ended because the provider is down")
		}
		if a := b.do(http.MethodGet, "/api/users/me", nil, nil); a.status != http.StatusOK {
			t.Fatalf("API while the provider is down: %d", a.status)
		}
	})
	t.Run("UnknownProvider", func(t *testing.T) {
		a := s.browser().do(http.MethodGet, "/server/oidc/nope/start", nil, nil)
		if !strings.Contains(a.header.Get("Location"), "error=not-found") {
			t.Fatalf("%d %s", a.status, a.header.Get("Location"))
		}
	})
}

func TestSSOLogout(t *testing.T) {
	s := startSSO(t, false)
	b := s.browser()
	s.ssoLogin(t, b, "ada", "pw-ada", "/")
	a := b.do(http.MethodPost, "/server/logout", map[string]any{}, nil)
	lo, _ := a.json(t)["logout_url"].(string)
	if !strings.HasPrefix(lo, s.op.URL+"/end_session?") || !strings.Contains(lo, "id_token_hint=") ||
		!strings.Contains(lo, url.QueryEscape(s.url+"/login")) {
		t.Fatalf("logout_url = %q", lo)
	}
	resp, err := b.c.Get(lo)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 != 3 || !strings.HasPrefix(loc, s.url+"/login") {
		t.Fatalf("the provider's end session answered %d → %s", resp.StatusCode, loc)
	}

	// Back-channel logout ends every session of the person.
	b1, b2 := s.browser(), s.browser()
	s.ssoLogin(t, b1, "ada", "pw-ada", "/")
	s.ssoLogin(t, b2, "ada", "pw-ada", "/")
	bad := s.browser().do(http.MethodPost, "/api/auth/oidc/corp/backchannel-logout", "logout_token=not.a.token", nil)
	if bad.status != http.StatusBadRequest || bad.json(t)["error"] != "invalid_request" {
		t.Fatalf("bad logout token: %d %s", bad.status, bad.body)
	}
	if whoami(t, b1) == nil {
		t.Fatal("a refused logout token ended a session")
	}
	tok := s.op.LogoutToken(t, ssoClient, "sub-ada", "")
	ok := s.browser().do(http.MethodPost, "/api/auth/oidc/corp/backchannel-logout", "logout_token="+url.QueryEscape(tok), nil)
	if ok.status != http.StatusOK {
		t.Fatalf("logout: %d %s", ok.status, ok.body)
	}
	if !signedOut(t, b1) || !signedOut(t, b2) {
		t.Fatal("sessions outlived the provider's back-channel logout")
	}
}

func TestSSOBearerJWT(t *testing.T) {
	s := startSSO(t, true)
	tok := s.op.Tokens(t, ssoClient, ssoSecret, s.url+"/test/callback", "ada", "pw-ada").AccessToken
	c := s.browser()
	bearer := http.Header{"Authorization": {"Bearer " + tok}}
	me := c.do(http.MethodGet, "/api/users/me", nil, bearer)
	if me.status != http.StatusOK || me.json(t)["email"] != "ada@example.test" {
		t.Fatalf("me with the provider's JWT: %d %s", me.status, me.body)
	}
	// Log out everywhere ends the provider's token here too.
	if a := c.do(http.MethodPost, "/api/auth/logout", map[string]bool{"all": true}, bearer); a.status != http.StatusOK {
		t.Fatalf("logout all: %d %s", a.status, a.body)
	}
	if a := c.do(http.MethodGet, "/api/users/me", nil, bearer); a.status != http.StatusUnauthorized {
		t.Fatalf("after logout: %d %s", a.status, a.body)
	}
	// An ID token is not an access token.
	id := s.op.Tokens(t, ssoClient, ssoSecret, s.url+"/test/callback", "ada", "pw-ada").Extra("id_token").(string)
	if a := c.do(http.MethodGet, "/api/users/me", nil, http.Header{"Authorization": {"Bearer " + id}}); a.status != http.StatusUnauthorized {
		t.Fatalf("an ID token was taken as an access token: %d %s", a.status, a.body)
	}
}

func TestSSOBearerIntrospection(t *testing.T) {
	s := startSSO(t, false)
	tok := s.op.Tokens(t, ssoClient, ssoSecret, s.url+"/test/callback", "ada", "pw-ada").AccessToken
	bearer := http.Header{"Authorization": {"Bearer " + tok}}
	before := s.op.Introspections()
	var wg sync.WaitGroup
	codes := make(chan int, 64)
	for range 64 {
		wg.Go(func() { codes <- s.browser().do(http.MethodGet, "/api/users/me", nil, bearer).status })
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != http.StatusOK {
			t.Fatalf("a concurrent request got %d", code)
		}
	}
	if n := s.op.Introspections() - before; n != 1 {
		t.Fatalf("64 concurrent requests made %d introspection calls, want 1", n)
	}
	// Revoked at the provider: refused once the cache period (1 s) ends.
	s.op.Revoke(t, ssoClient, ssoSecret, tok)
	deadline := time.Now().Add(10 * time.Second)
	for {
		a := s.browser().do(http.MethodGet, "/api/users/me", nil, bearer)
		if a.status == http.StatusUnauthorized {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a token the provider revoked still works: %d", a.status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	elapsed := s.op.Introspections() - before
	if elapsed > 1+11 { // at most one per second of the loop, and the first
		t.Fatalf("%d introspection calls: the cache does not hold", elapsed)
	}
}

// signedOut waits out the webserver's reuse of the manager's word on a
// session (half a second) and reports whether b's session ended.
func signedOut(t *testing.T, b *browser) bool {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for whoami(t, b) != nil {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

func anyStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func TestLocalPasswordsOff(t *testing.T) {
	s := startSSO(t, false, func(c *config.Config, _ *server.Options) {
		c.Auth.LocalPasswords, c.Auth.AllowRegistration = false, true
	})
	// An account that has a berth password (made before the switch).
	b := s.browser()
	s.ssoLogin(t, b, "ada", "pw-ada", "/")
	wantProblem(t, b.login("ada@example.test", "any password at all"), http.StatusForbidden, "local-passwords-disabled")
	reg := s.browser().do(http.MethodPost, "/api/auth/register", map[string]string{"email": "new@example.test",
		"password": "a long enough password", "name": "New"}, nil)
	wantProblem(t, reg, http.StatusForbidden, "local-passwords-disabled")
	// The break-glass admin from the configuration still signs in.
	s.browser().mustLogin()
	opts := s.browser().do(http.MethodGet, "/api/auth/options", nil, nil).json(t)
	if opts["local_passwords"] != false || opts["registration"] != false {
		t.Fatalf("options = %v", opts)
	}
	page := string(s.browser().do(http.MethodGet, "/login", nil, nil).body)
	if strings.Contains(page, `name="password"`) || !strings.Contains(page, "Sign in with Corp SSO") {
		t.Fatalf("login page offers passwords: %s", page)
	}
}

func TestSSOPasswordGrant(t *testing.T) {
	s := startSSO(t, false, func(c *config.Config, _ *server.Options) { c.OIDC.Providers[0].PasswordGrant = true })
	c := s.browser()
	// Ada has no berth password: the provider checks it.
	a := c.do(http.MethodPost, "/api/auth/login", map[string]string{"email": "ada@example.test", "password": "pw-ada"}, nil)
	if a.status != http.StatusOK {
		t.Fatalf("login through the provider: %d %s", a.status, a.body)
	}
	tok := a.json(t)
	if tok["user"].(map[string]any)["email"] != "ada@example.test" {
		t.Fatalf("tokens = %v", tok)
	}
	wantProblem(t, c.do(http.MethodPost, "/api/auth/login", map[string]string{"email": "ada@example.test", "password": "wrong"}, nil),
		http.StatusUnauthorized, "unauthorized")
	// berth's own passwords are checked by berth first.
	if a := c.do(http.MethodPost, "/api/auth/login", map[string]string{"email": adminEmail, "password": adminPassword}, nil); a.status != http.StatusOK {
		t.Fatalf("local login: %d %s", a.status, a.body)
	}
	// A refresh refreshes at the provider too.
	calls := s.op.TokenCalls()
	r := c.do(http.MethodPost, "/api/auth/refresh", map[string]string{"refresh_token": tok["refresh_token"].(string)}, nil)
	if r.status != http.StatusOK || s.op.TokenCalls() != calls+1 {
		t.Fatalf("refresh: %d %s (%d provider calls)", r.status, r.body, s.op.TokenCalls()-calls)
	}
	next := r.json(t)["refresh_token"].(string)
	// The provider is down: the refresh fails, and the login stays usable.
	s.op.SetDown(true)
	wantProblem(t, c.do(http.MethodPost, "/api/auth/refresh", map[string]string{"refresh_token": next}, nil), http.StatusServiceUnavailable,
		"identity-provider-unavailable")
	s.op.SetDown(false)
	// The provider ends the person's sessions: the next refresh ends the login.
	s.op.EndSessions("sub-ada")
	wantProblem(t, c.do(http.MethodPost, "/api/auth/refresh", map[string]string{"refresh_token": next}, nil), http.StatusUnauthorized, "unauthorized")
	access := http.Header{"Authorization": {"Bearer " + r.json(t)["access_token"].(string)}}
	if a := c.do(http.MethodGet, "/api/users/me", nil, access); a.status != http.StatusUnauthorized {
		t.Fatalf("the ended login's access token still works: %d", a.status)
	}
}
