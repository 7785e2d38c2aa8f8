package memory_test

import (
	"testing"
	"time"

	"github.com/berth-platform/berth/internal/kv"
	"github.com/berth-platform/berth/internal/kv/kvtest"
	"github.com/berth-platform/berth/internal/kv/memory"
)

func newStore(t *testing.T) kv.Store {
	t.Helper()
	s := memory.New()
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	kvtest.Run(t, newStore)
}

// TestConformanceUnderLoad runs the suite with every call delayed on its
// way in and out, so that its timing bounds are checked against a backend
// that acts some time after the call and answers some time before the
// return, as on a loaded CI machine.
func TestConformanceUnderLoad(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) kv.Store { return kvtest.Slowed(newStore(t), 10*time.Millisecond) })
}
