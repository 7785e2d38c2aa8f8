package webserver_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-platform/berth/internal/testenv"
)

// nginxAuthRequest is the configuration docs/webserver.md recommends for
// putting another service behind berth's sessions with auth_request.
const nginxAuthRequest = `
daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[1]s/body; proxy_temp_path %[1]s/proxy; fastcgi_temp_path %[1]s/fcgi;
  uwsgi_temp_path %[1]s/uwsgi; scgi_temp_path %[1]s/scgi;
  server {
    listen 127.0.0.1:%[2]d;
    location /app/ {
      auth_request /_berth_validate;
      auth_request_set $berth_user $upstream_http_x_berth_user;
      auth_request_set $berth_user_id $upstream_http_x_berth_user_id;
      proxy_set_header X-Berth-User $berth_user;
      proxy_set_header X-Berth-User-Id $berth_user_id;
      proxy_pass http://%[3]s;
    }
    location = /_berth_validate {
      internal;
      proxy_pass http://%[4]s/session/validate;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header Cookie $http_cookie;
      proxy_set_header X-Session-Token $http_x_session_token;
      proxy_set_header Host %[4]s;
    }
  }
}
`

// TestNginxAuthRequest runs nginx with the documented auth_request
// configuration in front of a small service and checks that berth's
// sessions gate it and name the user.
func TestNginxAuthRequest(t *testing.T) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		testenv.Unavailable(t, "nginx is not installed (apt-get install nginx-light): %v", err)
	}
	st := startSite(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s (%s)", r.Header.Get("X-Berth-User"), r.Header.Get("X-Berth-User-Id"))
	}))
	defer app.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	conf := filepath.Join(dir, "nginx.conf")
	berthAddr := strings.TrimPrefix(st.url, "http://")
	if err := os.WriteFile(conf, fmt.Appendf(nil, nginxAuthRequest, dir, port, strings.TrimPrefix(app.URL, "http://"), berthAddr), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", conf, "-p", dir)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	front := fmt.Sprintf("http://127.0.0.1:%d", port)
	var resp *http.Response
	for i := 0; i < 50; i++ {
		if resp, err = http.Get(front + "/app/x"); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("nginx did not start: %v\n%s", err, out.String())
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without a session nginx answered %d", resp.StatusCode)
	}
	b := st.browser()
	b.mustLogin()
	c := b.cookie("berth_session")
	for name, h := range map[string]http.Header{"Cookie": {"Cookie": {c.String()}}, "Token": {"X-Session-Token": {c.Value}}} {
		req, _ := http.NewRequest(http.MethodGet, front+"/app/x", nil)
		req.Header = h
		req.Header.Set("X-Berth-User", "forged@example.test") // nginx replaces it
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "hello "+adminEmail) {
			t.Fatalf("%s: %d %s", name, resp.StatusCode, body)
		}
	}
}
