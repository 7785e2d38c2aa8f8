package memory_test

import (
	"testing"

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
