package manager_test

import (
	"context"
	"io"
	"net/http"
	"testing"
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
