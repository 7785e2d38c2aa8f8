package manager_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/oidc/oidctest"
)

// BenchmarkSignedGetMe measures one signed GET /api/users/me over loopback
// against SQLite, client signing included; BenchmarkHealth is its baseline
// on the same kind of server.
func BenchmarkSignedGetMe(b *testing.B) {
	ts := startServer(b)
	c, _ := ts.login(ts.admin, ts.adminPW)
	kp, err := c.CreateKeypair(context.Background(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	hc := ts.signer(kp.AccessKey, kp.SecretKey).HTTPClient()
	benchGet(b, hc, ts.url+"/api/users/me")
}

func BenchmarkHealth(b *testing.B) {
	ts := startServer(b)
	benchGet(b, http.DefaultClient, ts.url+"/health")
}

func benchGet(b *testing.B, hc *http.Client, url string) {
	b.ReportAllocs()
	for b.Loop() {
		resp, err := hc.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatal(resp.Status)
		}
	}
}

// BenchmarkInvokeEcho measures one API-key-signed POST /invoke of the echo
// test module over loopback, client signing included.
func BenchmarkInvokeEcho(b *testing.B) {
	ts := startServer(b)
	c, _ := ts.login(ts.admin, ts.adminPW)
	ctx := context.Background()
	f, err := c.InitFunction(ctx, "echo", "wasm", "")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Deploy(ctx, f.ID, "application/wasm", module(b, "echo")); err != nil {
		b.Fatal(err)
	}
	k, err := c.CreateAPIKey(ctx, f.ID, "bench", "")
	if err != nil {
		b.Fatal(err)
	}
	caller := ts.signer(k.KeyID, k.Secret)
	body := []byte("hello")
	b.ReportAllocs()
	for b.Loop() {
		resp, err := caller.Invoke(ctx, f.ID, body, nil)
		if err != nil || resp.Status != 200 {
			b.Fatal(err)
		}
	}
}

// BenchmarkBearerProvider measures GET /api/users/me over loopback with
// an OpenID provider's JWT access token, once berth has seen it (the
// provider runs in-process: internal/oidc/oidctest); BenchmarkBearerBerth
// is its baseline, the same request with a berth access token. The
// difference is what a provider's token costs on the request path.
func BenchmarkBearerProvider(b *testing.B) {
	ts, tok := providerServer(b)
	hc := &http.Client{Transport: bearerTransport(tok)}
	benchGet(b, hc, ts.url+"/api/users/me")
}

func BenchmarkBearerBerth(b *testing.B) {
	ts, _ := providerServer(b)
	_, tok := ts.login(ts.admin, ts.adminPW)
	hc := &http.Client{Transport: bearerTransport(tok.AccessToken)}
	benchGet(b, hc, ts.url+"/api/users/me")
}

// providerServer is a server with a provider configured, and a JWT
// access token of a person at it.
func providerServer(b *testing.B) (*testServer, string) {
	b.Helper()
	op := oidctest.Start(b)
	op.AddUser(oidctest.User{Subject: "bench", Username: "bench", Password: "pw", Email: "bench@example.test", EmailVerified: true, Name: "Bench"})
	ts := startServer(b, func(c *config.Config) {
		c.OIDC.Providers = []config.OIDCProvider{config.OIDCProvider{ID: "corp", Issuer: op.URL, ClientID: "berth", ClientSecret: "s",
			AllowInsecure: true}.WithDefaults()}
	})
	op.AddClient(oidctest.Client{ID: "berth", Secret: "s", RedirectURIs: []string{ts.url + "/cb"}, JWTAccessTokens: true})
	return ts, op.Tokens(b, "berth", "s", ts.url+"/cb", "bench", "pw").AccessToken
}

type bearerTransport string

func (t bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(t))
	return http.DefaultTransport.RoundTrip(r)
}
