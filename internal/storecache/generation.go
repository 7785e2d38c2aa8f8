package storecache

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/berth-platform/berth/internal/kv"
)

const (
	// PollInterval is how often a replica reads the shared generation.
	PollInterval = 100 * time.Millisecond
	// MaxLag is how old the last successful read of the shared generation
	// may be for cached entries to be used.
	MaxLag = 400 * time.Millisecond
	// MaxAge bounds any entry's life, whatever the generation says: the
	// limit when a replica's change could not be announced.
	MaxAge = time.Second
	// key is the shared generation's kv key; its value is random, so any
	// change is seen as one, and it outlives any pause in writes.
	key    = "storecache:generation"
	keyTTL = 30 * 24 * time.Hour
)

// Generation says whether what was read from the store may still be
// current. It counts locally every change this process made or saw.
type Generation struct {
	kv  kv.Store
	log *slog.Logger
	now func() time.Time

	local   atomic.Uint64 // changes made or seen
	checked atomic.Int64  // when the shared value was last read, Unix ns
	pending atomic.Bool   // a bump is not yet in the shared store

	mu   sync.Mutex
	seen []byte // the shared value as last read
}

// NewGeneration returns a generation shared through store. Run must run
// for cached entries to be trusted beyond MaxLag.
func NewGeneration(store kv.Store, log *slog.Logger, now func() time.Time) *Generation {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Generation{kv: store, log: log, now: now}
}

// current returns the local generation and whether cached entries may be
// used at all: the shared value was read recently and this process has
// announced every change it made.
func (g *Generation) current() (uint64, bool) {
	n := g.local.Load()
	fresh := g.now().UnixNano()-g.checked.Load() <= int64(MaxLag) && !g.pending.Load()
	return n, fresh
}

// Bump records a change: at once in this process, then in the shared
// store. When the shared store cannot be reached the bump is retried by
// Run, and this process uses no cached entry until it lands.
func (g *Generation) Bump(ctx context.Context) {
	g.local.Add(1)
	g.pending.Store(true)
	if err := g.publish(ctx); err != nil {
		g.log.WarnContext(ctx, "store change not yet announced to other replicas; retrying", "event", "cache_bump_failed", "error", err)
	}
}

func (g *Generation) publish(ctx context.Context) error {
	v := make([]byte, 16)
	_, _ = rand.Read(v)
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.kv.Set(context.WithoutCancel(ctx), key, v, keyTTL); err != nil {
		return err
	}
	g.seen = v
	g.pending.Store(false)
	return nil
}

// Poll reads the shared generation once; a value other than the last one
// seen is a change made elsewhere.
func (g *Generation) Poll(ctx context.Context) error {
	if g.pending.Load() {
		if err := g.publish(ctx); err != nil {
			return err
		}
	}
	at := g.now()
	v, err := g.kv.Get(ctx, key)
	if errors.Is(err, kv.ErrNotFound) {
		v, err = nil, nil
	}
	if err != nil {
		return err
	}
	g.mu.Lock()
	if !bytes.Equal(v, g.seen) {
		g.seen = v
		g.local.Add(1)
	}
	g.mu.Unlock()
	g.checked.Store(at.UnixNano())
	return nil
}

// Run polls the shared generation every PollInterval until ctx ends.
func (g *Generation) Run(ctx context.Context) {
	t := time.NewTicker(PollInterval)
	defer t.Stop()
	failing := false
	for {
		if err := g.Poll(ctx); err != nil && ctx.Err() == nil {
			if !failing {
				g.log.WarnContext(ctx, "shared cache generation unreadable: lookups go to the store until it answers",
					"event", "cache_generation_failed", "error", err)
			}
			failing = true
		} else if failing {
			g.log.InfoContext(ctx, "shared cache generation readable again", "event", "cache_generation_ok")
			failing = false
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
