package password

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/berth-platform/berth"
)

// cheapParams keeps tests fast; one test runs at DefaultParams.
func cheapParams() Params {
	return Params{Memory: 64, Time: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}
}

func mustHash(t testing.TB, h *Hasher, password string) string {
	t.Helper()
	encoded, err := h.Hash(context.Background(), password)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	return encoded
}

// hold takes one of h's slots until the returned func is called.
func hold(t testing.TB, h *Hasher) (release func()) {
	t.Helper()
	release, err := h.acquire(context.Background())
	if err != nil {
		t.Fatalf("acquire: %v", err)
	}
	return release
}

func TestHasherRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		password string
		attempt  string
		want     bool
	}{
		{"OK", "correct horse battery staple", "correct horse battery staple", true},
		{"Unicode", "pässwörd ünïcødé 🐳 ключ", "pässwörd ünïcødé 🐳 ключ", true},
		{"Empty", "", "", true},
		{"WrongPassword", "correct horse battery staple", "correct horse battery stapler", false},
		{"WrongCase", "correct horse battery staple", "Correct horse battery staple", false},
		{"Prefix", "correct horse battery staple", "correct horse battery", false},
		{"EmptyAttempt", "correct horse battery staple", "", false},
		{"TooLongAttempt", "correct horse battery staple", strings.Repeat("x", maxBytes+1), false},
	}
	h := NewHasher(cheapParams(), 0, 0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			encoded := mustHash(t, h, tt.password)
			if want := "$argon2id$v=19$m=64,t=1,p=1$"; !strings.HasPrefix(encoded, want) {
				t.Errorf("Hash = %q, want prefix %q", encoded, want)
			}
			got, err := h.Verify(context.Background(), encoded, tt.attempt)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got != tt.want {
				t.Errorf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHashFreshSalt(t *testing.T) {
	h := NewHasher(cheapParams(), 0, 0)
	a, b := mustHash(t, h, "correct horse battery staple"), mustHash(t, h, "correct horse battery staple")
	if a == b {
		t.Errorf("two hashes of one password are equal: %q", a)
	}
}

func TestHashTooLong(t *testing.T) {
	h := NewHasher(cheapParams(), 0, 0)
	_, err := h.Hash(context.Background(), strings.Repeat("x", maxBytes+1))
	if !errors.Is(err, berth.ErrInvalid) {
		t.Errorf("Hash error = %v, want ErrInvalid", err)
	}
	if _, err := h.Hash(context.Background(), strings.Repeat("🐳", MaxLength)); err != nil {
		t.Errorf("Hash of %d four-byte characters: %v", MaxLength, err)
	}
}

// TestHashOWASP is the one test at DefaultParams: the encoding must be the
// one the rest of the world reads.
func TestHashOWASP(t *testing.T) {
	h := NewHasher(Params{}, 0, 0)
	if h.Params() != DefaultParams() {
		t.Fatalf("Params = %+v, want DefaultParams %+v", h.Params(), DefaultParams())
	}
	encoded := mustHash(t, h, "correct horse battery staple")
	fields := strings.Split(encoded, "$")
	if len(fields) != 6 || strings.Join(fields[:4], "$") != "$argon2id$v=19$m=19456,t=2,p=1" {
		t.Fatalf("Hash = %q, want $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>", encoded)
	}
	if salt, err := b64.DecodeString(fields[4]); err != nil || len(salt) != 16 {
		t.Errorf("salt %q: %d bytes, %v; want 16", fields[4], len(salt), err)
	}
	if key, err := b64.DecodeString(fields[5]); err != nil || len(key) != 32 {
		t.Errorf("key %q: %d bytes, %v; want 32", fields[5], len(key), err)
	}
	for attempt, want := range map[string]bool{"correct horse battery staple": true, "Tr0ub4dor&3": false} {
		if got, err := h.Verify(context.Background(), encoded, attempt); got != want || err != nil {
			t.Errorf("Verify(%q) = %v, %v; want %v, nil", attempt, got, err, want)
		}
	}
	if h.NeedsRehash(encoded) {
		t.Error("NeedsRehash = true for a hash at the current parameters")
	}
}

// TestVerifyArgon2CFFI verifies the example hash in the documentation of
// argon2-cffi, Python's reference binding, at its parameters rather than
// ours: a hash written elsewhere must verify here.
func TestVerifyArgon2CFFI(t *testing.T) {
	const encoded = "$argon2id$v=19$m=65536,t=3,p=4$MIIRqgvgQbgj220jfp0MPA$YfwJSVjtjSU0zzV/P3S9nnQ/USre2wvJMjfCIjrTQbg"
	h := NewHasher(cheapParams(), 0, 0)
	for attempt, want := range map[string]bool{"correct horse battery staple": true, "Tr0ub4dor&3": false} {
		if got, err := h.Verify(context.Background(), encoded, attempt); got != want || err != nil {
			t.Errorf("Verify(%q) = %v, %v; want %v, nil", attempt, got, err, want)
		}
	}
}

// TestVerifyTampered changes one part of a well-formed hash: the result
// still parses, and no longer matches.
func TestVerifyTampered(t *testing.T) {
	const password = "correct horse battery staple"
	h := NewHasher(cheapParams(), 0, 0)
	encoded := mustHash(t, h, password)
	fields := strings.Split(encoded, "$")
	flip := func(s string) string { // change the first character, keep the length
		if s[0] == 'A' {
			return "B" + s[1:]
		}
		return "A" + s[1:]
	}
	tests := []struct {
		name   string
		fields []string
	}{
		{"Key", []string{"", "argon2id", "v=19", fields[3], fields[4], flip(fields[5])}},
		{"Salt", []string{"", "argon2id", "v=19", fields[3], flip(fields[4]), fields[5]}},
		{"Memory", []string{"", "argon2id", "v=19", "m=72,t=1,p=1", fields[4], fields[5]}},
		{"Time", []string{"", "argon2id", "v=19", "m=64,t=2,p=1", fields[4], fields[5]}},
		{"Parallelism", []string{"", "argon2id", "v=19", "m=64,t=1,p=2", fields[4], fields[5]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.Verify(context.Background(), strings.Join(tt.fields, "$"), password)
			if got || err != nil {
				t.Errorf("Verify = %v, %v; want false, nil", got, err)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	current := cheapParams()
	with := func(change func(*Params)) Params {
		p := current
		change(&p)
		return p
	}
	tests := []struct {
		name   string
		params Params
		want   bool
	}{
		{"Same", current, false},
		{"Memory", with(func(p *Params) { p.Memory = 128 }), true},
		{"Time", with(func(p *Params) { p.Time = 2 }), true},
		{"Parallelism", with(func(p *Params) { p.Parallelism = 2 }), true},
		{"SaltLen", with(func(p *Params) { p.SaltLen = 32 }), true},
		{"KeyLen", with(func(p *Params) { p.KeyLen = 64 }), true},
	}
	h := NewHasher(current, 0, 0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			encoded := mustHash(t, NewHasher(tt.params, 0, 0), "correct horse battery staple")
			if got := h.NeedsRehash(encoded); got != tt.want {
				t.Errorf("NeedsRehash(%v) = %v, want %v", tt.params, got, tt.want)
			}
		})
	}
	t.Run("Malformed", func(t *testing.T) {
		if !h.NeedsRehash("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW") {
			t.Error("NeedsRehash = false for a bcrypt hash")
		}
	})
}

func TestNewHasher(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		h := NewHasher(Params{}, 0, 0)
		if h.Params() != DefaultParams() {
			t.Errorf("Params = %+v, want %+v", h.Params(), DefaultParams())
		}
		if got, want := cap(h.slots), 2*runtime.GOMAXPROCS(0); got != want {
			t.Errorf("max concurrent = %d, want 2 × GOMAXPROCS = %d", got, want)
		}
		if h.maxWait != DefaultMaxWait {
			t.Errorf("max wait = %v, want %v", h.maxWait, DefaultMaxWait)
		}
	})
	t.Run("InvalidParams", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("NewHasher did not panic on Memory above 1 GiB")
			}
		}()
		NewHasher(Params{Memory: 2 << 20, Time: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, 0, 0)
	})
}

func TestVerifyDummy(t *testing.T) {
	h := NewHasher(cheapParams(), 0, 0)
	for _, password := range []string{"", "correct horse battery staple", strings.Repeat("x", maxBytes+1)} {
		if err := h.VerifyDummy(context.Background(), password); err != nil {
			t.Errorf("VerifyDummy: %v", err)
		}
	}
}

// TestHasherBusy saturates a Hasher with one slot and checks each way a wait
// can end. It runs in a synctest bubble, so the five-second default wait
// takes no time and its length can be checked exactly; synctest also fails
// the test if a goroutine is left blocked.
func TestHasherBusy(t *testing.T) {
	encoded := mustHash(t, NewHasher(cheapParams(), 0, 0), "correct horse battery staple")
	calls := []struct {
		name string
		call func(context.Context, *Hasher) error
	}{
		{"Hash", func(ctx context.Context, h *Hasher) error {
			_, err := h.Hash(ctx, "correct horse battery staple")
			return err
		}},
		{"Verify", func(ctx context.Context, h *Hasher) error {
			_, err := h.Verify(ctx, encoded, "correct horse battery staple")
			return err
		}},
		{"VerifyDummy", func(ctx context.Context, h *Hasher) error {
			return h.VerifyDummy(ctx, "correct horse battery staple")
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			t.Run("ErrBusy", func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					h := NewHasher(cheapParams(), 1, 0)
					defer hold(t, h)()
					start := time.Now()
					err := c.call(t.Context(), h)
					if !errors.Is(err, ErrBusy) || !errors.Is(err, berth.ErrUnavailable) {
						t.Errorf("error = %v, want ErrBusy and berth.ErrUnavailable", err)
					}
					if waited := time.Since(start); waited != DefaultMaxWait {
						t.Errorf("waited %v, want %v", waited, DefaultMaxWait)
					}
					if h.Waiting() != 0 || h.InFlight() != 1 {
						t.Errorf("Waiting, InFlight = %d, %d; want 0, 1", h.Waiting(), h.InFlight())
					}
				})
			})
			t.Run("Canceled", func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					h := NewHasher(cheapParams(), 1, 0)
					defer hold(t, h)()
					ctx, cancel := context.WithCancel(t.Context())
					time.AfterFunc(time.Second, cancel)
					start := time.Now()
					err := c.call(ctx, h)
					if !errors.Is(err, ErrBusy) || !errors.Is(err, context.Canceled) {
						t.Errorf("error = %v, want ErrBusy and context.Canceled", err)
					}
					if waited := time.Since(start); waited != time.Second {
						t.Errorf("waited %v, want 1s", waited)
					}
				})
			})
			t.Run("AlreadyCanceled", func(t *testing.T) {
				h := NewHasher(cheapParams(), 1, 0)
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				if err := c.call(ctx, h); !errors.Is(err, ErrBusy) {
					t.Errorf("error = %v, want ErrBusy", err)
				}
			})
			t.Run("SlotFreed", func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					h := NewHasher(cheapParams(), 1, 0)
					release := hold(t, h)
					time.AfterFunc(time.Second, func() {
						if h.Waiting() != 1 || h.InFlight() != 1 {
							t.Errorf("while waiting: Waiting, InFlight = %d, %d; want 1, 1", h.Waiting(), h.InFlight())
						}
						release()
					})
					start := time.Now()
					if err := c.call(t.Context(), h); err != nil {
						t.Errorf("error = %v, want nil", err)
					}
					if waited := time.Since(start); waited != time.Second {
						t.Errorf("waited %v, want 1s", waited)
					}
					if h.Waiting() != 0 || h.InFlight() != 0 {
						t.Errorf("after: Waiting, InFlight = %d, %d; want 0, 0", h.Waiting(), h.InFlight())
					}
				})
			})
		})
	}
}

// TestHasherFlood runs many more logins than slots on the real clock. Each
// must succeed or fail with ErrBusy, and nothing may be left behind: no slot, no waiter, no goroutine.
func TestHasherFlood(t *testing.T) {
	const (
		slots   = 2
		callers = 64
	)
	before := runtime.NumGoroutine()
	// Enough memory that a hash takes a moment, so callers really queue.
	h := NewHasher(Params{Memory: 1024, Time: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, slots, 5*time.Millisecond)
	encoded := mustHash(t, h, "correct horse battery staple")

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		outcomes = map[string]int{}
	)
	for i := range callers {
		wg.Go(func() {
			var err error
			switch i % 3 {
			case 0:
				_, err = h.Hash(t.Context(), "correct horse battery staple")
			case 1:
				_, err = h.Verify(t.Context(), encoded, "correct horse battery staple")
			case 2:
				err = h.VerifyDummy(t.Context(), "correct horse battery staple")
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				outcomes["ok"]++
			case errors.Is(err, ErrBusy):
				outcomes["busy"]++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
	wg.Wait()
	t.Logf("outcomes: %v", outcomes)
	if outcomes["ok"]+outcomes["busy"] != callers {
		t.Errorf("outcomes %v do not add up to %d callers", outcomes, callers)
	}
	if h.InFlight() != 0 || h.Waiting() != 0 {
		t.Errorf("after the flood: InFlight, Waiting = %d, %d; want 0, 0", h.InFlight(), h.Waiting())
	}
	// Exited goroutines take a moment to be counted out.
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("goroutines: %d before, %d after", before, after)
	}
}
