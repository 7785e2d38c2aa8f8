package redis_test

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/kv"
	"github.com/berth-platform/berth/internal/kv/kvtest"
	kvredis "github.com/berth-platform/berth/internal/kv/redis"
)

// fast bounds how long any call may take to fail against a dead Redis.
const fast = 3 * time.Second

// redisURL returns the test Redis, BERTH_TEST_REDIS_URL or the local
// default. If it does not answer, tb is skipped, or failed when CI=true.
func redisURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("BERTH_TEST_REDIS_URL")
	if u == "" {
		u = "redis://127.0.0.1:6379/0"
	}
	s, err := kvredis.New(tb.Context(), u, "")
	switch {
	case errors.Is(err, berth.ErrUnavailable) && os.Getenv("CI") != "true":
		tb.Skipf("no Redis (set BERTH_TEST_REDIS_URL; CI=true makes this fatal): %v", err)
	case err != nil:
		tb.Fatalf("Redis for tests: %v", err)
	}
	if err := s.Close(); err != nil {
		tb.Fatalf("Close: %v", err)
	}
	return u
}

// openStore returns a store on a fresh random prefix whose keys are
// deleted when tb ends.
func openStore(tb testing.TB, rawURL string) (*kvredis.Store, string) {
	tb.Helper()
	return openStoreVia(tb, rawURL, rawURL)
}

// openStoreVia is openStore for a store that reaches the Redis at rawURL
// through storeURL.
func openStoreVia(tb testing.TB, storeURL, rawURL string) (*kvredis.Store, string) {
	tb.Helper()
	prefix := "berth-test:" + rand.Text() + ":"
	s, err := kvredis.New(tb.Context(), storeURL, prefix)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
		deleteKeys(tb, rawURL, prefix)
	})
	return s, prefix
}

// rawClient is a plain go-redis client for looking behind the store.
func rawClient(tb testing.TB, rawURL string) *goredis.Client {
	tb.Helper()
	opts, err := goredis.ParseURL(rawURL)
	if err != nil {
		tb.Fatalf("ParseURL: %v", err)
	}
	c := goredis.NewClient(opts)
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

func deleteKeys(tb testing.TB, rawURL, prefix string) {
	tb.Helper()
	ctx := context.Background() // tb.Context is done during cleanup
	c := rawClient(tb, rawURL)
	it := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for it.Next(ctx) {
		if err := c.Del(ctx, it.Val()).Err(); err != nil {
			tb.Errorf("deleting test keys: %v", err)
			return
		}
	}
	if err := it.Err(); err != nil {
		tb.Errorf("scanning test keys: %v", err)
	}
}

func TestConformance(t *testing.T) {
	u := redisURL(t)
	kvtest.Run(t, func(t *testing.T) kv.Store {
		s, _ := openStore(t, u)
		return s
	})
}

// TestConformanceUnderLoad runs the suite with every call delayed on its
// way to Redis and back, as on a loaded CI machine, where Redis's
// millisecond TTLs and the queueing must both fit the suite's bounds.
func TestConformanceUnderLoad(t *testing.T) {
	u := redisURL(t)
	kvtest.Run(t, func(t *testing.T) kv.Store {
		s, _ := openStore(t, u)
		return kvtest.Slowed(s, 10*time.Millisecond)
	})
}

func TestPrefix(t *testing.T) {
	u := redisURL(t)
	raw := rawClient(t, u)
	t.Run("Given", func(t *testing.T) {
		s, prefix := openStore(t, u)
		if err := s.Set(t.Context(), "session", []byte("v"), time.Minute); err != nil {
			t.Fatalf("Set: %v", err)
		}
		if got, err := raw.Get(t.Context(), prefix+"session").Result(); err != nil || got != "v" {
			t.Errorf("raw GET of the prefixed key = %q, %v; want %q", got, err, "v")
		}
		if n, err := raw.Exists(t.Context(), "session").Result(); err != nil || n != 0 {
			t.Errorf("raw EXISTS of the bare key = %d, %v; want 0", n, err)
		}
	})
	t.Run("Default", func(t *testing.T) {
		s, err := kvredis.New(t.Context(), u, "")
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		defer s.Close()
		key := "kvtest-" + rand.Text()
		t.Cleanup(func() { raw.Del(context.Background(), kvredis.DefaultPrefix+key) })
		if _, err := s.ClaimNonce(t.Context(), key, time.Minute); err != nil {
			t.Fatalf("ClaimNonce: %v", err)
		}
		if n, err := raw.Exists(t.Context(), "berth:"+key).Result(); err != nil || n != 1 {
			t.Errorf(`raw EXISTS of "berth:"+key = %d, %v; want 1`, n, err)
		}
	})
}

func TestNew(t *testing.T) {
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, u := range []string{
			"http://127.0.0.1:6379/0",
			"redis://127.0.0.1:6379/zero",
			"redis://:s3cret@127.0.0.1:port/0",
			"redis://127.0.0.1:6379/0?bogus=1",
		} {
			_, err := kvredis.New(t.Context(), u, "")
			if !errors.Is(err, berth.ErrInvalid) {
				t.Errorf("New(%q): %v, want an error wrapping berth.ErrInvalid", u, err)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("New(%q): error %q shows the password", u, err)
			}
		}
	})
	t.Run("ErrUnavailableRefused", func(t *testing.T) {
		start := time.Now()
		_, err := kvredis.New(t.Context(), "redis://127.0.0.1:1/0", "")
		checkUnavailable(t, "New", err, start)
	})
	t.Run("ErrUnavailableNoAnswer", func(t *testing.T) {
		// A server that accepts connections and never answers.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("Listen: %v", err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() { _, _ = io.Copy(io.Discard, c) }()
			}
		}()
		start := time.Now()
		_, err = kvredis.New(t.Context(), "redis://"+ln.Addr().String()+"/0", "")
		checkUnavailable(t, "New", err, start)
	})
}

// TestUnavailable cuts the store off a working Redis: pooled connections
// see EOF, new ones are refused. Every method must fail fast with
// berth.ErrUnavailable, and a caller's cancellation must not be mistaken for it.
func TestUnavailable(t *testing.T) {
	u := redisURL(t)
	p := startProxy(t, u)
	s, _ := openStoreVia(t, p.url, u)
	ctx := t.Context()
	if err := s.Set(ctx, "value", []byte("v"), time.Minute); err != nil {
		t.Fatalf("Set through the proxy: %v", err)
	}
	p.kill()
	l := kv.Limit{Rate: 1, Period: time.Second, Burst: 1}
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"ClaimNonce", func() error { _, err := s.ClaimNonce(ctx, "nonce", time.Minute); return err }},
		{"Incr", func() error { _, _, err := s.Incr(ctx, "counter", time.Minute); return err }},
		{"Count", func() error { _, _, err := s.Count(ctx, "counter"); return err }},
		{"RateLimit", func() error { _, err := s.RateLimit(ctx, "limit", l); return err }},
		{"Get", func() error { _, err := s.Get(ctx, "value"); return err }},
		{"Set", func() error { return s.Set(ctx, "value", []byte("v"), time.Minute) }},
		{"Delete", func() error { return s.Delete(ctx, "value") }},
		{"Ping", func() error { return s.Ping(ctx) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			checkUnavailable(t, tc.name, tc.call(), start)
		})
	}
	t.Run("CanceledIsNot", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := s.Ping(ctx)
		if !errors.Is(err, context.Canceled) || errors.Is(err, berth.ErrUnavailable) {
			t.Errorf("Ping with a cancelled context: %v, want context.Canceled and not berth.ErrUnavailable", err)
		}
	})
}

func checkUnavailable(t *testing.T, what string, err error, start time.Time) {
	t.Helper()
	if !errors.Is(err, berth.ErrUnavailable) {
		t.Errorf("%s: %v, want an error wrapping berth.ErrUnavailable", what, err)
	}
	if d := time.Since(start); d > fast {
		t.Errorf("%s took %v to fail, want under %v", what, d, fast)
	}
}

// proxy forwards TCP connections to Redis until kill cuts them all.
type proxy struct {
	url string
	ln  net.Listener

	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, rawURL string) *proxy {
	t.Helper()
	opts, err := goredis.ParseURL(rawURL)
	if err != nil {
		t.Fatalf("ParseURL: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	u, _ := url.Parse(rawURL)
	u.Host = ln.Addr().String()
	p := &proxy{url: u.String(), ln: ln}
	t.Cleanup(p.kill)
	go p.serve(opts.Addr)
	return p
}

func (p *proxy) serve(target string) {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		r, err := net.Dial("tcp", target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, r)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(r, c); _ = r.Close() }()
		go func() { _, _ = io.Copy(c, r); _ = c.Close() }()
	}
}

func (p *proxy) kill() {
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// BenchmarkClaimNonce measures one round trip claiming a fresh nonce.
func BenchmarkClaimNonce(b *testing.B) {
	s, _ := openStore(b, redisURL(b))
	ctx := b.Context()
	for b.Loop() {
		if ok, err := s.ClaimNonce(ctx, rand.Text(), time.Minute); !ok || err != nil {
			b.Fatalf("ClaimNonce = %v, %v", ok, err)
		}
	}
}

// BenchmarkRateLimit measures one round trip of the GCRA script.
func BenchmarkRateLimit(b *testing.B) {
	s, _ := openStore(b, redisURL(b))
	ctx := b.Context()
	l := kv.Limit{Rate: 100, Period: time.Second, Burst: 20}
	for b.Loop() {
		if _, err := s.RateLimit(ctx, "limit", l); err != nil {
			b.Fatalf("RateLimit: %v", err)
		}
	}
}
