package kvtest

import (
	"testing"
	"time"

	"github.com/berth-platform/berth/internal/kv"
)

// counterTests cover kv.Counter, which every berth store implements.
func counterTests() []test {
	return []test{
		{"CountsLiveKeysWithPrefix", func(t *testing.T, s kv.Store) {
			c, ok := s.(kv.Counter)
			if !ok {
				t.Fatalf("%T does not implement kv.Counter", s)
			}
			for _, k := range []string{"websession:a", "websession:b", "websession:c", "other:x"} {
				set(t, s, k, []byte("v"), time.Minute)
			}
			set(t, s, "websession:short", []byte("v"), 20*time.Millisecond)
			time.Sleep(60 * time.Millisecond)
			n, err := c.CountPrefix(t.Context(), "websession:")
			if err != nil || n != 3 {
				t.Fatalf("CountPrefix = %d, %v; want the 3 live keys", n, err)
			}
			if n, err := c.CountPrefix(t.Context(), "nothing:"); err != nil || n != 0 {
				t.Fatalf("CountPrefix of an unused prefix = %d, %v", n, err)
			}
		}},
	}
}
