package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/berth-platform/berth/bench/load"
	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/server"
)

// WebStats compare the webserver's session proxy with signed requests
// sent straight to the manager, and with nginx as a plain proxy.
type WebStats struct {
	// Session pairs: Baseline = signed GET to the manager directly,
	// Subject = the same call through the webserver with a session cookie.
	Session []HTTPPair `json:"session"`
	// Nginx pairs: Baseline as above, Subject = the signed call through
	// nginx as a plain reverse proxy to the same manager.
	Nginx []HTTPPair `json:"nginx,omitempty"`
}

func measureWeb(ctx context.Context, cl *cleanups, dur time.Duration, redisURL string) (*WebStats, error) {
	out := &WebStats{}
	serve, err := measureServeSession(ctx, dur)
	if err != nil {
		return nil, err
	}
	out.Session = append(out.Session, serve...)
	setups := []struct {
		name  string
		redis string
	}{{"webserver → manager, in-process stores", ""}}
	if redisURL != "" {
		setups = append(setups, struct {
			name  string
			redis string
		}{"webserver → manager, Redis", redisURL})
	}
	for _, setup := range setups {
		pairs, nginx, err := measureWebSetup(ctx, cl, dur, setup.name, setup.redis, len(out.Nginx) == 0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", setup.name, err)
		}
		out.Session = append(out.Session, pairs...)
		out.Nginx = append(out.Nginx, nginx...)
	}
	return out, nil
}

func measureWebSetup(ctx context.Context, cl *cleanups, dur time.Duration, name, redisURL string, withNginx bool) ([]HTTPPair, []HTTPPair, error) {
	hasher := cheapHasher()
	key := "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc="
	m, stopM, err := startRole(ctx, backend{name: "manager", redisURL: redisURL}, hasher, server.RoleManager, nil, key)
	if err != nil {
		return nil, nil, err
	}
	defer stopM()
	managerURL := "http://" + m.Addr()
	w, stopW, err := startRole(ctx, backend{name: "webserver", redisURL: redisURL}, hasher, server.RoleWebserver, []string{managerURL}, key)
	if err != nil {
		return nil, nil, err
	}
	defer stopW()
	webURL := "http://" + w.Addr()
	kp, err := adminKeypair(ctx, managerURL)
	if err != nil {
		return nil, nil, err
	}
	var nginxURL string
	if withNginx {
		n, err := startNginx(ctx, cl, managerURL)
		if err != nil {
			log.Printf("  nginx comparison skipped: %v", err)
		} else {
			defer func() { _ = n.stop() }()
			nginxURL = n.URL
		}
	}
	var pairs, nginx []HTTPPair
	for _, conc := range []int{1, 8, 64} {
		direct, err := client.New(managerURL, client.WithKeypair(kp.AccessKey, kp.SecretKey), client.WithHTTPClient(httpClient(conc)))
		if err != nil {
			return nil, nil, err
		}
		browser, err := sessionClient(ctx, webURL, conc)
		if err != nil {
			return nil, nil, err
		}
		opts := load.Options{Concurrency: conc, Duration: dur, Warmup: 50}
		p := HTTPPair{Backend: name}
		p.Baseline = load.Run(ctx, "signed GET /api/users/me, direct", opts,
			func(ctx context.Context) error { return get(ctx, direct.HTTPClient(), managerURL+"/api/users/me") })
		p.Subject = load.Run(ctx, "session GET /api/users/me via webserver", opts,
			func(ctx context.Context) error { return get(ctx, browser, webURL+"/api/users/me") })
		log.Println("  " + p.Baseline.String())
		log.Println("  " + p.Subject.String())
		pairs = append(pairs, p)
		if nginxURL != "" {
			viaNginx, err := client.New(nginxURL, client.WithKeypair(kp.AccessKey, kp.SecretKey), client.WithHTTPClient(httpClient(conc)))
			if err != nil {
				return nil, nil, err
			}
			n := HTTPPair{Backend: "nginx plain proxy → manager"}
			n.Baseline = p.Baseline
			n.Subject = load.Run(ctx, "signed GET /api/users/me via nginx", opts,
				func(ctx context.Context) error { return get(ctx, viaNginx.HTTPClient(), nginxURL+"/api/users/me") })
			log.Println("  " + n.Subject.String())
			nginx = append(nginx, n)
		}
	}
	return pairs, nginx, nil
}

// measureServeSession compares, on one berth serve (the default: the
// webserver and the manager in one process), a session GET with the same
// signed GET sent with a keypair — the webserver's cost without a second
// network hop.
func measureServeSession(ctx context.Context, dur time.Duration) ([]HTTPPair, error) {
	hasher := cheapHasher()
	s, stop, err := startServer(ctx, backend{name: "serve"}, hasher)
	if err != nil {
		return nil, err
	}
	defer stop()
	base := "http://" + s.Addr()
	kp, err := adminKeypair(ctx, base)
	if err != nil {
		return nil, err
	}
	var pairs []HTTPPair
	for _, conc := range []int{1, 8, 64} {
		direct, err := client.New(base, client.WithKeypair(kp.AccessKey, kp.SecretKey), client.WithHTTPClient(httpClient(conc)))
		if err != nil {
			return nil, err
		}
		browser, err := sessionClient(ctx, base, conc)
		if err != nil {
			return nil, err
		}
		opts := load.Options{Concurrency: conc, Duration: dur, Warmup: 50}
		p := HTTPPair{Backend: "berth serve (in-process), SQLite"}
		p.Baseline = load.Run(ctx, "signed GET /api/users/me (keypair)", opts,
			func(ctx context.Context) error { return get(ctx, direct.HTTPClient(), base+"/api/users/me") })
		p.Subject = load.Run(ctx, "session GET /api/users/me (cookie)", opts,
			func(ctx context.Context) error { return get(ctx, browser, base+"/api/users/me") })
		log.Println("  " + p.Baseline.String())
		log.Println("  " + p.Subject.String())
		pairs = append(pairs, p)
	}
	return pairs, nil
}

// sessionClient signs in like a browser and returns a client with the
// session cookie.
func sessionClient(ctx context.Context, webURL string, conc int) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	hc := httpClient(conc)
	hc.Jar = jar
	body, _ := json.Marshal(map[string]string{"email": adminEmail, "password": adminPassword})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, webURL+"/server/login", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("web login: %s", resp.Status)
	}
	return hc, nil
}

// nginxProxy is nginx running as a plain reverse proxy, a child of the
// bench in a process group of its own (the master and its workers).
type nginxProxy struct {
	URL  string
	proc *proc
	stop func() error // ends the group, waits for it and removes dir
}

// nginxPath finds nginx: on PATH, or where Debian puts it (/usr/sbin is
// not on every user's PATH).
func nginxPath() (string, error) {
	if bin, err := exec.LookPath("nginx"); err == nil {
		return bin, nil
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx", nil
	}
	return "", errors.New("nginx is not installed (apt-get install nginx-light)")
}

// startNginx runs nginx in the foreground as a plain reverse proxy
// (keep-alive to the upstream, as one would configure it) in front of
// target, and returns once it accepts connections. Stop it with stop;
// cl stops it if the bench ends first, and the kernel sends its master
// SIGTERM if the bench is killed: the master then ends its workers,
// which a SIGKILL would leave running.
func startNginx(ctx context.Context, cl *cleanups, target string) (*nginxProxy, error) {
	bin, err := nginxPath()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "berth-bench-nginx-")
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(nginxConf(dir, addr, strings.TrimPrefix(target, "http://"))), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	var stderr bytes.Buffer // read only once nginx is reaped
	cmd := exec.Command(bin, "-c", path, "-p", dir, "-e", filepath.Join(dir, "error.log"))
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	p, err := startProc(cl, cmd, syscall.SIGTERM)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start nginx: %w", err)
	}
	var stopErr error
	stop := cl.add(func() { stopErr = p.stop(); os.RemoveAll(dir) })
	n := &nginxProxy{URL: "http://" + addr, proc: p, stop: func() error { stop(); return stopErr }}
	if err := waitListening(ctx, addr, p.done, 5*time.Second); err != nil {
		_ = n.stop()
		return nil, fmt.Errorf("nginx: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return n, nil
}

// waitListening waits until addr accepts a connection, exited is closed
// or timeout passes.
func waitListening(ctx context.Context, addr string, exited <-chan struct{}, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return c.Close()
		}
		select {
		case <-exited:
			return errors.New("exited at start")
		case <-ctx.Done():
			return fmt.Errorf("not listening on %s: %w", addr, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// nginxConf is the proxy's configuration: everything it writes stays in
// dir, and `daemon off` keeps the master a child of the bench.
func nginxConf(dir, listen, upstream string) string {
	return fmt.Sprintf(`daemon off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %[1]s/body; proxy_temp_path %[1]s/proxy; fastcgi_temp_path %[1]s/fcgi;
  uwsgi_temp_path %[1]s/uwsgi; scgi_temp_path %[1]s/scgi;
  upstream manager { server %[3]s; keepalive 128; }
  server {
    listen %[2]s;
    location / {
      proxy_pass http://manager;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
    }
  }
}
`, dir, listen, upstream)
}
