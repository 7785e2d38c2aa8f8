package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/berth-platform/berth/bench/load"
	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/server"
)

// ExtStats compare the feature proxy with nginx: GET /health of the
// example plugin (examples/plugin-notes) straight, through nginx as a
// plain reverse proxy, and through berth's /api/ext/notes/health with a
// bearer token (authentication, access rules, identity headers and the
// signed assertion included), at the same concurrencies in one run.
type ExtStats struct {
	Nginx []HTTPPair `json:"nginx"`
	Berth []HTTPPair `json:"berth"`
}

// extTarget is the most the feature proxy may add over the direct call,
// as a multiple of what nginx adds, at each concurrency.
const extTarget = 1.2

func measureExt(ctx context.Context, cl *cleanups, dur time.Duration) (*ExtStats, error) {
	dir, err := os.MkdirTemp("", "berth-bench-ext-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "plugin-notes")
	if out, err := exec.Command("go", "build", "-o", bin, "./examples/plugin-notes").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the example plugin: %w\n%s", err, out)
	}
	pluginAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	pluginURL := "http://" + pluginAddr
	s, stop, err := startRole(ctx, backend{name: "serve", services: []config.ServiceConfig{{ID: "notes", Name: "Notes", URL: pluginURL, HealthPath: "/health"}}},
		cheapHasher(), server.RoleServe, nil, "")
	if err != nil {
		return nil, err
	}
	defer stop()
	berthURL := s.URL()
	plugin, err := startProc(cl, exec.Command(bin, "-listen", pluginAddr, "-berth", berthURL, "-data", filepath.Join(dir, "settings.json")), syscall.SIGKILL)
	if err != nil {
		return nil, err
	}
	defer func() { _ = plugin.stop() }()
	if err := waitHealthy(ctx, pluginURL+"/health"); err != nil {
		return nil, err
	}
	anon, err := client.New(berthURL)
	if err != nil {
		return nil, err
	}
	tok, err := anon.Login(ctx, adminEmail, adminPassword)
	if err != nil {
		return nil, err
	}
	bearerClient := func(conc int) *http.Client {
		hc := httpClient(conc)
		hc.Transport = bearerTransport{token: tok.AccessToken, next: hc.Transport}
		return hc
	}
	// Within a poll berth has seen the plugin up.
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := get(ctx, bearerClient(1), berthURL+"/api/ext/notes/health")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("berth does not reach the plugin: %w", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	n, err := startNginx(ctx, cl, pluginURL)
	if err != nil {
		return nil, err
	}
	defer func() { _ = n.stop() }()
	out := &ExtStats{}
	for _, conc := range []int{1, 8, 64} {
		opts := load.Options{Concurrency: conc, Duration: dur, Warmup: 50}
		direct := httpClient(conc)
		bc := bearerClient(conc)
		base := load.Run(ctx, "GET /health of the plugin, direct", opts, func(ctx context.Context) error { return get(ctx, direct, pluginURL+"/health") })
		ng := load.Run(ctx, "GET /health via nginx", opts, func(ctx context.Context) error { return get(ctx, direct, n.URL+"/health") })
		be := load.Run(ctx, "GET /api/ext/notes/health via berth", opts, func(ctx context.Context) error {
			return get(ctx, bc, berthURL+"/api/ext/notes/health")
		})
		for _, r := range []load.Result{base, ng, be} {
			log.Println("  " + r.String())
		}
		out.Nginx = append(out.Nginx, HTTPPair{Backend: "nginx plain proxy → plugin", Baseline: base, Subject: ng})
		out.Berth = append(out.Berth, HTTPPair{Backend: "berth /api/ext → plugin", Baseline: base, Subject: be})
	}
	return out, nil
}

// bearerTransport adds a bearer token to each request.
type bearerTransport struct {
	token string
	next  http.RoundTripper
}

func (t bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return t.next.RoundTrip(r)
}

// freeAddr is a loopback address nothing listens on (yet).
func freeAddr() (string, error) {
	l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

func waitHealthy(ctx context.Context, u string) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if err := get(ctx, http.DefaultClient, u); err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New(u + " did not answer within 10 s")
}

// extRows pairs the two tables row by row: what each proxy added at p50.
func extRows(e *ExtStats) []extRow {
	rows := make([]extRow, 0, len(e.Berth))
	for i := range e.Berth {
		if i >= len(e.Nginx) {
			break
		}
		b, n := e.Berth[i], e.Nginx[i]
		r := extRow{conc: b.Subject.Concurrency, direct: b.Baseline.P50, nginx: n.Subject.P50, berth: b.Subject.P50}
		r.nginxAdded, r.berthAdded = r.nginx-r.direct, r.berth-r.direct
		r.ratio = float64(r.berthAdded) / float64(max(r.nginxAdded, time.Microsecond))
		rows = append(rows, r)
	}
	return rows
}

type extRow struct {
	conc                   int
	direct, nginx, berth   time.Duration
	nginxAdded, berthAdded time.Duration
	ratio                  float64
}

func (rw reportWriter) ext(e *ExtStats) {
	w := rw.w
	fmt.Fprintln(w, "## The feature proxy: GET /health of the example plugin straight, through nginx, and through /api/ext")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "berth's call carries a bearer token; berth authenticates it, applies the plugin's access rules, strips the client's headers and adds the identity headers and a signed assertion.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| conc. | direct p50 | nginx p50 | berth p50 | nginx adds | berth adds | berth ÷ nginx | target ≤ 1.2 |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range extRows(e) {
		met := "met"
		if r.ratio > extTarget {
			met = "**not met**"
		}
		fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %s | %.2f | %s |\n", r.conc, us(r.direct), us(r.nginx), us(r.berth), us(r.nginxAdded), us(r.berthAdded), r.ratio, met)
	}
	fmt.Fprintln(w)
	rw.pairs(secExtBerth, e.Berth, "direct", "via berth")
	rw.pairs(secExtNginx, e.Nginx, "direct", "via nginx")
}
