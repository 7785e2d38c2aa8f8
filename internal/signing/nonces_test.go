package signing

import (
	"context"
	"sync"
	"time"
)

// memNonces is a minimal NonceStore for this package's tests; the real
// stores live in internal/kv and pass their own conformance suite.
type memNonces struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func newMemNonces() *memNonces { return &memNonces{m: map[string]time.Time{}} }

func (n *memNonces) ClaimNonce(_ context.Context, key string, ttl time.Duration) (bool, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if exp, ok := n.m[key]; ok && time.Now().Before(exp) {
		return false, nil
	}
	n.m[key] = time.Now().Add(ttl)
	return true, nil
}
