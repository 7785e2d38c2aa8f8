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
