package storecache

import (
	"context"
	"sync"
	"time"

	"github.com/berth-platform/berth"
)

// maxEntries bounds the cache; past it the cache starts again empty.
const maxEntries = 1 << 16

// Store is a berth.Store whose writes move the generation, with cached
// variants of the lookups on the request path.
//
// Every method of berth.Store that is not a read below, nor listed as a
// quiet write, is overridden here to bump (TestEveryWriteBumps holds the
// list against the interface).
type Store struct {
	berth.Store
	gen *Generation

	mu      sync.RWMutex
	entries map[string]entry
}

type entry struct {
	v   any
	gen uint64
	at  time.Time
}

// New wraps inner.
func New(inner berth.Store, gen *Generation) *Store {
	return &Store{Store: inner, gen: gen, entries: map[string]entry{}}
}

// Generation returns the store's generation (for Run and for tests).
func (s *Store) Generation() *Generation { return s.gen }

// Unwrap returns the wrapped store.
func (s *Store) Unwrap() berth.Store { return s.Store }

// Lookup caches what read derives from the store (a parsed setting, say)
// under key, invalidated with everything else at the next generation. Keys
// must not collide with this package's: prefix them with "x:". The value is
// shared: callers must not modify it.
func Lookup[V any](ctx context.Context, s *Store, key string, read func(context.Context) (V, error)) (V, error) {
	return lookup(ctx, s, key, read)
}

// lookup returns the cached value at k or reads it with read and caches
// it. Failures are not cached.
func lookup[V any](ctx context.Context, s *Store, k string, read func(context.Context) (V, error)) (V, error) {
	gen, fresh := s.gen.current()
	now := s.gen.now()
	if fresh {
		s.mu.RLock()
		e, ok := s.entries[k]
		s.mu.RUnlock()
		if ok && e.gen == gen && now.Sub(e.at) < MaxAge {
			return e.v.(V), nil
		}
	}
	v, err := read(ctx)
	if err != nil || !fresh {
		return v, err
	}
	s.mu.Lock()
	if len(s.entries) >= maxEntries {
		clear(s.entries)
	}
	s.entries[k] = entry{v: v, gen: gen, at: now}
	s.mu.Unlock()
	return v, nil
}

// keypairOwnerEntry is a keypair with its owner.
type keypairOwnerEntry struct {
	Keypair *berth.Keypair
	Owner   *berth.User
}

// CachedKeypairOwner is KeypairOwner through the cache. The values are
// shared: callers must not modify them.
func (s *Store) CachedKeypairOwner(ctx context.Context, accessKey string) (*berth.Keypair, *berth.User, error) {
	e, err := lookup(ctx, s, "kp\x00"+accessKey, func(ctx context.Context) (keypairOwnerEntry, error) {
		k, u, err := s.KeypairOwner(ctx, accessKey)
		return keypairOwnerEntry{k, u}, err
	})
	return e.Keypair, e.Owner, err
}

type apiKeyEntry struct {
	key *berth.APIKey
	fn  *berth.Function
}

// CachedAPIKeyByKeyID is APIKeyByKeyID through the cache; the values are
// shared.
func (s *Store) CachedAPIKeyByKeyID(ctx context.Context, keyID string) (*berth.APIKey, *berth.Function, error) {
	e, err := lookup(ctx, s, "ak\x00"+keyID, func(ctx context.Context) (apiKeyEntry, error) {
		k, f, err := s.APIKeyByKeyID(ctx, keyID)
		return apiKeyEntry{k, f}, err
	})
	return e.key, e.fn, err
}

type tokenEntry struct {
	t *berth.Token
	u *berth.User
}

// CachedTokenOwner is TokenOwner through the cache; the values are shared.
func (s *Store) CachedTokenOwner(ctx context.Context, hash []byte, kind berth.TokenKind) (*berth.Token, *berth.User, error) {
	e, err := lookup(ctx, s, "tk\x00"+string(kind)+"\x00"+string(hash), func(ctx context.Context) (tokenEntry, error) {
		t, u, err := s.TokenOwner(ctx, hash, kind)
		return tokenEntry{t, u}, err
	})
	return e.t, e.u, err
}

// CachedUser is User through the cache; the value is shared.
func (s *Store) CachedUser(ctx context.Context, id string) (*berth.User, error) {
	return lookup(ctx, s, "us\x00"+id, func(ctx context.Context) (*berth.User, error) { return s.User(ctx, id) })
}

// CachedFunction is Function through the cache; the value is shared.
func (s *Store) CachedFunction(ctx context.Context, id string) (*berth.Function, error) {
	return lookup(ctx, s, "fn\x00"+id, func(ctx context.Context) (*berth.Function, error) { return s.Function(ctx, id) })
}

// CachedSecrets is Secrets through the cache (sealed values, as stored);
// the map is shared.
func (s *Store) CachedSecrets(ctx context.Context, functionID string) (map[string][]byte, error) {
	return lookup(ctx, s, "se\x00"+functionID, func(ctx context.Context) (map[string][]byte, error) { return s.Secrets(ctx, functionID) })
}
