package websession_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-platform/berth/internal/kv"
	"github.com/berth-platform/berth/internal/kv/memory"
	kvredis "github.com/berth-platform/berth/internal/kv/redis"
	"github.com/berth-platform/berth/internal/secret"
	"github.com/berth-platform/berth/internal/testenv"
	"github.com/berth-platform/berth/internal/websession"
)

// clock is a movable clock for idle and absolute timeouts.
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(d time.Duration) { c.off.Add(int64(d)) }

type backend struct {
	name string
	new  func(t *testing.T) kv.Store
}

func backends() []backend {
	return []backend{
		{"Memory", func(t *testing.T) kv.Store {
			s := memory.New()
			t.Cleanup(func() { s.Close() })
			return s
		}},
		{"Redis", func(t *testing.T) kv.Store {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			s, err := kvredis.New(ctx, testenv.RedisURL(), "berth-test-"+testenv.RandomSuffix(6)+":")
			if err != nil {
				testenv.Unavailable(t, "Redis at %s: %v", testenv.RedisURL(), err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}},
	}
}

func box(t *testing.T) *secret.Box {
	b, err := secret.NewBox(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestConformance runs every session behaviour against each backend.
func TestConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			tests := map[string]func(t *testing.T, kvs kv.Store){
				"CreateGetDelete":   testCreateGetDelete,
				"SecretSealed":      testSecretSealed,
				"IDNotStored":       testIDNotStored,
				"IdleTimeout":       testIdleTimeout,
				"AbsoluteTimeout":   testAbsoluteTimeout,
				"ExtendKeepsAlive":  testExtend,
				"GarbageIDs":        testGarbageIDs,
				"CacheEndsOnDelete": testCacheDelete,
				"StoredTTLExpires":  testStoredTTL,
			}
			for name, fn := range tests {
				t.Run(name, func(t *testing.T) { fn(t, b.new(t)) })
			}
		})
	}
}

func newSession() *websession.Session {
	return &websession.Session{UserID: "u1", Email: "ada@example.test", Name: "Ada", Role: "user", AccessKey: "BKTEST"}
}

func testCreateGetDelete(t *testing.T, kvs kv.Store) {
	ctx := t.Context()
	st := websession.New(kvs, box(t), websession.Options{})
	s := newSession()
	if err := st.Create(ctx, s, "the-secret"); err != nil {
		t.Fatal(err)
	}
	if !websession.ValidID(s.ID) || len(s.ID) != 43 {
		t.Fatalf("id %q is not 256 random bits in base64url", s.ID)
	}
	other := newSession()
	if err := st.Create(ctx, other, "x"); err != nil || other.ID == s.ID {
		t.Fatalf("second session id %q: %v", other.ID, err)
	}
	got, err := st.Get(ctx, s.ID)
	if err != nil || got.Email != s.Email || got.AccessKey != "BKTEST" || got.ID != s.ID {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	if err := st.Delete(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, s.ID); !errors.Is(err, websession.ErrNotFound) {
		t.Fatalf("after Delete: %v", err)
	}
	if err := st.Delete(ctx, s.ID); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
}

// storedKey is where a session with id is expected in the store: under
// the SHA-256 of the id, never the id itself.
func storedKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return "websession:" + hex.EncodeToString(sum[:])
}

// testIDNotStored: whoever can read the store finds no id a browser could
// present — neither under the id itself nor by presenting the stored key.
func testIDNotStored(t *testing.T, kvs kv.Store) {
	ctx := t.Context()
	st := websession.New(kvs, box(t), websession.Options{})
	s := newSession()
	if err := st.Create(ctx, s, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := kvs.Get(ctx, "websession:"+s.ID); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("the session is stored under its own id: %v", err)
	}
	raw, err := kvs.Get(ctx, storedKey(s.ID))
	if err != nil {
		t.Fatalf("the session is not under the hash of its id: %v", err)
	}
	if strings.Contains(string(raw), s.ID) {
		t.Fatal("the stored value holds the session id")
	}
	// The stored key's hash, presented as an id, is no session.
	sum := sha256.Sum256([]byte(s.ID))
	if _, err := st.Get(ctx, base64.RawURLEncoding.EncodeToString(sum[:])); !errors.Is(err, websession.ErrNotFound) {
		t.Fatalf("the stored hash works as a session id: %v", err)
	}
}

func testSecretSealed(t *testing.T, kvs kv.Store) {
	ctx := t.Context()
	st := websession.New(kvs, box(t), websession.Options{})
	s := newSession()
	if err := st.Create(ctx, s, "very-secret-value"); err != nil {
		t.Fatal(err)
	}
	raw, err := kvs.Get(ctx, storedKey(s.ID))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "very-secret-value") {
		t.Fatal("the secret is stored in clear")
	}
	got, _ := st.Get(ctx, s.ID)
	if sec, err := st.Secret(got); err != nil || sec != "very-secret-value" {
		t.Fatalf("Secret = %q, %v", sec, err)
	}
	// Another master key cannot open it.
	b2, _ := secret.NewBox(bytes.Repeat([]byte{8}, 32))
	if _, err := websession.New(kvs, b2, websession.Options{}).Secret(got); err == nil {
		t.Fatal("opened with another key")
	}
}

func testIdleTimeout(t *testing.T, kvs kv.Store) {
	ctx := t.Context()
	c := &clock{}
	st := websession.New(kvs, box(t), websession.Options{Idle: 30 * time.Minute, Now: c.now})
	s := newSession()
	if err := st.Create(ctx, s, "x"); err != nil {
		t.Fatal(err)
	}
	c.advance(29 * time.Minute)
	if _, err := st.Get(ctx, s.ID); err != nil {
		t.Fatalf("within the idle timeout: %v", err)
	}
	// Use extended it: 29 more minutes are fine.
	c.advance(29 * time.Minute)
	if _, err := st.Get(ctx, s.ID); err != nil {
		t.Fatalf("after use: %v", err)
	}
	c.advance(31 * time.Minute)
	if _, err := st.Get(ctx, s.ID); !errors.Is(err, websession.ErrNotFound) {
		t.Fatalf("idle for 31 minutes: %v", err)
	}
}

func testAbsoluteTimeout(t *testing.T, kvs kv.Store) {
	ctx := t.Context()
	c := &clock{}
	st := websession.New(kvs, box(t), websession.Options{Idle: time.Hour, Absolute: 3 * time.Hour, Now: c.now})
	s := newSession()
	if err := st.Create(ctx, s, "x"); err != nil {
		t.Fatal(err)
	}
	for range 5 { // used every 50 minutes: never idle
		c.advance(50 * time.Minute)
		_, err := st.Get(ctx, s.ID)
		if c.now().Sub(s.CreatedAt) < 3*time.Hour && err != nil {
			t.Fatalf("before the absolute timeout: %v", err)
		}
		if c.now().Sub(s.CreatedAt) >= 3*time.Hour && !errors.Is(err, websession.ErrNotFound) {
			t.Fatalf("past the absolute timeout: %v", err)
		}
	}
}

func testExtend(t *testing.T, kvs kv.Store) {
	ctx := t.Context()
	c := &clock{}
	st := websession.New(kvs, box(t), websession.Options{Idle: 10 * time.Minute, TouchEvery: time.Hour, Now: c.now})
	s := newSession()
	if err := st.Create(ctx, s, "x"); err != nil {
		t.Fatal(err)
	}
	c.advance(9 * time.Minute)
	got, _ := st.Get(ctx, s.ID) // not written back: TouchEvery is an hour
	end, err := st.Extend(ctx, got)
	if err != nil || end.Sub(c.now()) < 9*time.Minute {
		t.Fatalf("Extend = %v, %v", end, err)
	}
	c.advance(9 * time.Minute)
	if _, err := st.Get(ctx, s.ID); err != nil {
		t.Fatalf("extended session ended: %v", err)
	}
}

func testGarbageIDs(t *testing.T, kvs kv.Store) {
	st := websession.New(kvs, box(t), websession.Options{})
	for _, id := range []string{"", "short", strings.Repeat("A", 42), strings.Repeat("A", 44), strings.Repeat("!", 43), "../../etc/passwd"} {
		if _, err := st.Get(t.Context(), id); !errors.Is(err, websession.ErrNotFound) {
			t.Errorf("Get(%q) = %v", id, err)
		}
	}
	if _, err := st.Get(t.Context(), websession.NewID()); !errors.Is(err, websession.ErrNotFound) {
		t.Errorf("unknown well-formed id: %v", err)
	}
}

func testCacheDelete(t *testing.T, kvs kv.Store) {
	ctx := t.Context()
	st := websession.New(kvs, box(t), websession.Options{CacheFor: time.Minute})
	s := newSession()
	if err := st.Create(ctx, s, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, s.ID); !errors.Is(err, websession.ErrNotFound) {
		t.Fatalf("cached session outlived Delete: %v", err)
	}
}

func testStoredTTL(t *testing.T, kvs kv.Store) {
	ctx := t.Context()
	st := websession.New(kvs, box(t), websession.Options{Idle: 200 * time.Millisecond})
	s := newSession()
	if err := st.Create(ctx, s, "x"); err != nil {
		t.Fatal(err)
	}
	// The backend itself forgets the session after its idle end.
	deadline := time.Now().Add(3 * time.Second)
	for {
		_, err := kvs.Get(ctx, storedKey(s.ID))
		if errors.Is(err, kv.ErrNotFound) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the stored session has no TTL")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// BenchmarkSessionMemory reports the heap held by 100 000 live sessions in
// the in-process store.
func BenchmarkSessionMemory(b *testing.B) {
	for b.Loop() {
		kvs := memory.New()
		bx, _ := secret.NewBox(bytes.Repeat([]byte{9}, 32))
		st := websession.New(kvs, bx, websession.Options{})
		before := heapInUse()
		for range 100_000 {
			s := newSession()
			if err := st.Create(context.Background(), s, "s3cret-key-0123456789abcdef0123456789abcdef"); err != nil {
				b.Fatal(err)
			}
		}
		after := heapInUse()
		b.ReportMetric(float64(after-before)/(1<<20), "MiB/100k-sessions")
		b.ReportMetric(float64(after-before)/100_000, "B/session")
		kvs.Close()
	}
}
