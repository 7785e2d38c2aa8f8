package kvtest

import (
	"testing"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/kv"
)

func getTests() []test {
	return []test{
		{"ErrNotFound", func(t *testing.T, s kv.Store) {
			v, err := s.Get(t.Context(), "value")
			wantErrIs(t, "Get of a missing key", err, kv.ErrNotFound)
			if v != nil {
				t.Errorf("Get of a missing key = %q, want nil", v)
			}
		}},
		{"ErrNotFoundAfterExpiry", func(t *testing.T, s kv.Store) {
			set(t, s, "value", []byte("v"), 10*time.Millisecond)
			time.Sleep(20 * time.Millisecond)
			_, err := s.Get(t.Context(), "value")
			wantErrIs(t, "Get of an expired key", err, kv.ErrNotFound)
		}},
	}
}

func setTests() []test {
	return []test{
		{"RoundTrip", func(t *testing.T, s kv.Store) {
			for _, tc := range []struct {
				key   string
				value []byte
			}{
				{"text", []byte("a sealed session")},
				{"binary", []byte{0, 0xff, '\n', 0, 0x80}},
				{"empty", []byte{}},
				{"large", make([]byte, 1<<20)},
			} {
				set(t, s, tc.key, tc.value, time.Hour)
				got := get(t, s, tc.key)
				if len(got) != len(tc.value) {
					t.Errorf("Get(%s) has %d bytes, want %d", tc.key, len(got), len(tc.value))
					continue
				}
				if tc.key != "large" {
					equalBytes(t, "Get("+tc.key+")", got, tc.value)
				}
			}
		}},
		{"Overwrites", func(t *testing.T, s kv.Store) {
			set(t, s, "value", []byte("one"), time.Hour)
			set(t, s, "value", []byte("two"), time.Hour)
			equalBytes(t, "Get", get(t, s, "value"), []byte("two"))
		}},
		{"ValueCopied", func(t *testing.T, s kv.Store) {
			buf := []byte("abc")
			set(t, s, "value", buf, time.Hour)
			buf[0] = 'X'
			got := get(t, s, "value")
			equalBytes(t, "Get after changing the slice passed to Set", got, []byte("abc"))
			got[0] = 'Y'
			equalBytes(t, "Get after changing the slice Get returned", get(t, s, "value"), []byte("abc"))
		}},
		{"TTLExpires", func(t *testing.T, s kv.Store) {
			start := time.Now()
			set(t, s, "value", []byte("v"), ttl)
			expiresAfter(t, start, ttl, func() bool { return present(t, s, "value") })
		}},
		{"OverwriteReplacesTTL", func(t *testing.T, s kv.Store) {
			set(t, s, "value", []byte("one"), ttl)
			set(t, s, "value", []byte("two"), time.Hour)
			time.Sleep(ttl + 50*time.Millisecond)
			equalBytes(t, "Get after the first TTL", get(t, s, "value"), []byte("two"))
		}},
		{"ErrInvalidTTL", func(t *testing.T, s kv.Store) {
			for _, d := range []time.Duration{0, -time.Second} {
				err := s.Set(t.Context(), "value", []byte("v"), d)
				wantErrIs(t, "Set(ttl "+d.String()+")", err, berth.ErrInvalid)
			}
			if present(t, s, "value") {
				t.Error("Get found a value stored with an invalid TTL")
			}
		}},
	}
}

func deleteTests() []test {
	return []test{
		{"Removes", func(t *testing.T, s kv.Store) {
			set(t, s, "value", []byte("v"), time.Hour)
			set(t, s, "other", []byte("o"), time.Hour)
			if err := s.Delete(t.Context(), "value"); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if present(t, s, "value") {
				t.Error("Get found a deleted key")
			}
			if !present(t, s, "other") {
				t.Error("Delete removed another key")
			}
		}},
		{"Missing", func(t *testing.T, s kv.Store) {
			if err := s.Delete(t.Context(), "missing"); err != nil {
				t.Errorf("Delete of a missing key: %v, want nil", err)
			}
		}},
		{"NonceAndCounter", func(t *testing.T, s kv.Store) {
			claim(t, s, "nonce", time.Hour)
			incr(t, s, "counter", time.Hour)
			for _, key := range []string{"nonce", "counter"} {
				if err := s.Delete(t.Context(), key); err != nil {
					t.Fatalf("Delete: %v", err)
				}
			}
			if !claim(t, s, "nonce", time.Hour) {
				t.Error("claim of a deleted nonce refused")
			}
			if n, _ := count(t, s, "counter"); n != 0 {
				t.Errorf("Count of a deleted counter = %d, want 0", n)
			}
		}},
	}
}

func pingTests() []test {
	return []test{
		{"OK", func(t *testing.T, s kv.Store) {
			if err := s.Ping(t.Context()); err != nil {
				t.Errorf("Ping: %v", err)
			}
		}},
	}
}
