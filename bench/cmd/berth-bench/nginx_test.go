//go:build unix

package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
)

// startTestNginx starts nginx through startNginx in front of an upstream
// that answers "upstream", and checks that it proxies: so a worker ran.
func startTestNginx(t *testing.T, cl *cleanups) *nginxProxy {
	t.Helper()
	if _, err := nginxPath(); err != nil {
		t.Fatalf("this test runs the real nginx, and it is not here: %v", err)
	}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "upstream")
	}))
	t.Cleanup(upstream.Close)
	n, err := startNginx(context.Background(), cl, upstream.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.stop() })
	resp, err := http.Get(n.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "upstream" {
		t.Fatalf("through nginx: %s %q, want 200 \"upstream\"", resp.Status, body)
	}
	return n
}

// assertGroupGone fails unless no process of the group is left.
func assertGroupGone(t *testing.T, pgid int) {
	t.Helper()
	if err := syscall.Kill(-pgid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("kill(-%d, 0) = %v, want ESRCH: a process of nginx's group is left", pgid, err)
	}
}

func TestStartNginxLeavesNoProcess(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(*nginxProxy, *cleanups) error
	}{
		{"Stop", func(n *nginxProxy, _ *cleanups) error { return n.stop() }},
		// What an interrupted run does.
		{"Cleanups", func(_ *nginxProxy, cl *cleanups) error { cl.runAll(); return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := &cleanups{}
			n := startTestNginx(t, cl)
			pgid := n.proc.pgid()
			if err := syscall.Kill(-pgid, 0); err != nil {
				t.Fatalf("nginx's group %d is not there while it runs: %v", pgid, err)
			}
			if err := tc.end(n, cl); err != nil {
				t.Errorf("stop: %v", err)
			}
			assertGroupGone(t, pgid)
			if left := len(cl.fns); left != 0 {
				t.Errorf("%d cleanups left registered", left)
			}
		})
	}
}
