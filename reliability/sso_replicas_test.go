package reliability

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/oidc/oidctest"
	"github.com/berth-platform/berth/internal/testenv"
)

// providerTokensAcrossReplicas (a case of TestHostileClients) runs two
// berth serve processes sharing PostgreSQL, Redis and the master key,
// both configured with one OpenID provider (a real one, in this test
// process: internal/oidc/oidctest). A provider's access token first seen
// by replica A is ended through replica B — by "log out everywhere", and
// by the provider's back-channel logout — and A must refuse it within the
// revocation bound: the token berth remembers lives in the shared store,
// not in a replica's memory.
func providerTokensAcrossReplicas(t *testing.T) {
	op := oidctest.Start(t)
	op.AddUser(oidctest.User{Subject: "sub-ada", Username: "ada", Password: "pw-ada", Email: "ada@example.test", EmailVerified: true, Name: "Ada"})
	const redirect = "http://127.0.0.1:9/callback"
	op.AddClient(oidctest.Client{ID: "berth", Secret: "replica-secret", RedirectURIs: []string{redirect}, JWTAccessTokens: true})
	conf := filepath.Join(t.TempDir(), "berth.toml")
	if err := os.WriteFile(conf, []byte("[[oidc.providers]]\nid = \"corp\"\nissuer = \""+op.URL+"\"\nallow_insecure = true\n"+
		"client_id = \"berth\"\nclient_secret = \"replica-secret\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db, rd := testenv.PostgresURL(t), startRedis(t)
	env := map[string]string{"BERTH_MASTER_KEY": "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=", "BERTH_CONFIG": conf}
	a := startBerth(t, berthConfig{DatabaseURL: db, RedisURL: rd.URL(), Env: env})
	b := startBerth(t, berthConfig{DatabaseURL: db, RedisURL: rd.URL(), Env: env})
	ctx := ctxT(t)
	me := func(p *berthProc, token string) int {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"/api/users/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := p.httpClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	// Log out everywhere through B ends the token A accepted.
	tok := op.Tokens(t, "berth", "replica-secret", redirect, "ada", "pw-ada").AccessToken
	if code := me(a, tok); code != http.StatusOK {
		t.Fatalf("the provider's token on A: %d", code)
	}
	if code := me(b, tok); code != http.StatusOK {
		t.Fatalf("the same token on B: %d", code)
	}
	if _, err := b.client(client.WithBearer(tok)).LogoutEverywhere(ctx); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, revocationWithin, "replica A refuses the provider token ended on B", func() bool { return me(a, tok) == http.StatusUnauthorized })

	// The provider's back-channel logout, received by B, ends a new token on A.
	tok = op.Tokens(t, "berth", "replica-secret", redirect, "ada", "pw-ada").AccessToken
	if code := me(a, tok); code != http.StatusOK {
		t.Fatalf("a new provider token on A: %d", code)
	}
	form := url.Values{"logout_token": {op.LogoutToken(t, "berth", "sub-ada", "")}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, b.url+"/api/auth/oidc/corp/backchannel-logout", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.httpClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("back-channel logout on B: %d", resp.StatusCode)
	}
	waitUntil(t, revocationWithin, "replica A refuses the token after the back-channel logout on B", func() bool { return me(a, tok) == http.StatusUnauthorized })
}
