// Package websession keeps the webserver's browser sessions in the shared
// kv store (in-process, or Redis under berth:websession:<sha256(id)>), as JSON with
// a TTL. A session holds the keypair the webserver signs the browser's API
// calls with; its secret is stored sealed under the master key, never in
// clear, and never reaches the browser.
//
// Ids are 256 random bits. A session ends at whichever comes first: its idle
// timeout (extended by use) or its absolute timeout (fixed at login).
// This package never logs a session id or a secret.
package websession

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/berth-platform/berth/internal/kv"
	"github.com/berth-platform/berth/internal/secret"
)

// ErrNotFound reports a session that does not exist, expired or was ended.
var ErrNotFound = errors.New("websession: no such session")

// Session is one browser login.
type Session struct {
	ID        string    `json:"-"`
	UserID    string    `json:"user_id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	AdminRole string    `json:"admin_role,omitempty"`
	AccessKey string    `json:"access_key"`
	Sealed    []byte    `json:"secret_sealed"` // the keypair secret, sealed
	CreatedAt time.Time `json:"created_at"`
	LastSeen  time.Time `json:"last_seen"`
	// ExpiresAt is the absolute end, fixed at login.
	ExpiresAt time.Time `json:"expires_at"`
	// Provider is the OpenID provider the session was signed in through,
	// and LogoutURL where sign-out sends the browser so that the
	// provider's session ends too (empty: the provider offers none).
	Provider  string `json:"provider,omitempty"`
	LogoutURL string `json:"logout_url,omitempty"`
}

// IdleEnd is when the session ends if it is not used again.
func (s *Session) IdleEnd(idle time.Duration) time.Time {
	return minTime(s.LastSeen.Add(idle), s.ExpiresAt)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Options configure a Store.
type Options struct {
	Idle     time.Duration // default 30 min
	Absolute time.Duration // default 12 h
	// TouchEvery bounds how often use is written back (default 1 min): the
	// idle timeout is exact to within it, and a busy session costs no
	// store write per request.
	TouchEvery time.Duration
	// CacheFor keeps a read session in memory this long (default 0: off).
	// It is safe because ending a session also revokes its keypair at the
	// manager, which every forwarded request is checked against.
	CacheFor time.Duration
	Now      func() time.Time
}

// Store keeps sessions.
type Store struct {
	kv   kv.Store
	box  *secret.Box
	opts Options

	mu    sync.Mutex
	cache map[string]cached // by hashID, like the store
}

type cached struct {
	s     Session
	until time.Time
}

// New returns a Store over kv, sealing secrets with box.
func New(store kv.Store, box *secret.Box, o Options) *Store {
	if o.Idle <= 0 {
		o.Idle = 30 * time.Minute
	}
	if o.Absolute <= 0 {
		o.Absolute = 12 * time.Hour
	}
	if o.TouchEvery <= 0 {
		o.TouchEvery = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Store{kv: store, box: box, opts: o, cache: map[string]cached{}}
}

// Options returns the store's effective options.
func (st *Store) Options() Options { return st.opts }

// key is where a session is kept: under the SHA-256 of its id, so that
// whoever reads the store (a Redis dump, a memory snapshot) finds no id a
// browser could present.
func key(id string) string { return "websession:" + hashID(id) }

func hashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// NewID returns a fresh random session id: 256 bits, base64url.
func NewID() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ValidID reports whether id has the shape of a session id, so that
// garbage is refused before a store round trip.
func ValidID(id string) bool {
	if len(id) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(id)
	return err == nil
}

func aad(accessKey string) []byte { return []byte("websession:" + accessKey) }

// Create starts a session for a keypair whose secret is sealed here. It
// fills ID, CreatedAt, LastSeen and ExpiresAt.
func (st *Store) Create(ctx context.Context, s *Session, secretKey string) error {
	now := st.opts.Now().UTC()
	s.ID, s.CreatedAt, s.LastSeen, s.ExpiresAt = NewID(), now, now, now.Add(st.opts.Absolute)
	s.Sealed = st.box.Seal([]byte(secretKey), aad(s.AccessKey))
	return st.put(ctx, s)
}

func (st *Store) put(ctx context.Context, s *Session) error {
	// AccessKey is the keypair's public half; its secret is in s.Sealed.
	raw, err := json.Marshal(s) //nolint:gosec // G117: see above
	if err != nil {
		return err
	}
	ttl := s.IdleEnd(st.opts.Idle).Sub(st.opts.Now())
	if ttl <= 0 {
		return ErrNotFound
	}
	return st.kv.Set(ctx, key(s.ID), raw, ttl)
}

// Get returns a live session, or ErrNotFound. Using it extends its idle
// timeout (written back at most every TouchEvery).
func (st *Store) Get(ctx context.Context, id string) (*Session, error) {
	s, err := st.Lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := st.Touch(ctx, s); err != nil {
		return nil, err
	}
	return s, nil
}

// Lookup returns a live session, or ErrNotFound, without extending it:
// for a caller that checks the session's credential first, so that a
// revoked session is never kept alive by being looked at.
func (st *Store) Lookup(ctx context.Context, id string) (*Session, error) {
	if !ValidID(id) {
		return nil, ErrNotFound
	}
	now := st.opts.Now()
	if s, ok := st.cached(id, now); ok {
		return s, nil
	}
	raw, err := st.kv.Get(ctx, key(id))
	if errors.Is(err, kv.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var s Session
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("websession: stored session is corrupt: %w", err)
	}
	s.ID = id
	if !now.Before(s.IdleEnd(st.opts.Idle)) {
		return nil, ErrNotFound
	}
	st.remember(&s, now)
	return &s, nil
}

// Touch records a use of s: its idle timeout restarts, written back at
// most every TouchEvery.
func (st *Store) Touch(ctx context.Context, s *Session) error {
	now := st.opts.Now()
	if now.Sub(s.LastSeen) < st.opts.TouchEvery {
		return nil
	}
	s.LastSeen = now.UTC()
	if err := st.put(ctx, s); err != nil {
		return err
	}
	st.remember(s, now)
	return nil
}

func (st *Store) cached(id string, now time.Time) (*Session, bool) {
	if st.opts.CacheFor <= 0 {
		return nil, false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	c, ok := st.cache[hashID(id)]
	if !ok || now.After(c.until) || !now.Before(c.s.IdleEnd(st.opts.Idle)) {
		return nil, false
	}
	s := c.s
	s.ID = id
	return &s, true
}

// cacheMax bounds the in-process cache; it is emptied when full.
const cacheMax = 100_000

func (st *Store) remember(s *Session, now time.Time) {
	if st.opts.CacheFor <= 0 {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.cache) >= cacheMax {
		st.cache = map[string]cached{}
	}
	c := cached{s: *s, until: now.Add(st.opts.CacheFor)}
	c.s.ID = "" // the id itself is kept nowhere but in the browser
	st.cache[hashID(s.ID)] = c
}

// Detached fills s (sealing secretKey, setting its times) without
// storing it: a session that lives only in the process that made it.
func (st *Store) Detached(s *Session, secretKey string, expiresAt time.Time) {
	now := st.opts.Now().UTC()
	s.ID, s.CreatedAt, s.LastSeen, s.ExpiresAt = "", now, now, expiresAt
	s.Sealed = st.box.Seal([]byte(secretKey), aad(s.AccessKey))
}

// Extend writes a session's use back now (for an explicit extend request)
// and returns its new idle end.
func (st *Store) Extend(ctx context.Context, s *Session) (time.Time, error) {
	s.LastSeen = st.opts.Now().UTC()
	if err := st.put(ctx, s); err != nil {
		return time.Time{}, err
	}
	st.remember(s, st.opts.Now())
	return s.IdleEnd(st.opts.Idle), nil
}

// Delete ends a session; ending a missing one is not an error.
func (st *Store) Delete(ctx context.Context, id string) error {
	st.mu.Lock()
	delete(st.cache, hashID(id))
	st.mu.Unlock()
	if !ValidID(id) {
		return nil
	}
	return st.kv.Delete(ctx, key(id))
}

// Secret opens the session keypair's secret.
func (st *Store) Secret(s *Session) (string, error) {
	b, err := st.box.Open(s.Sealed, aad(s.AccessKey))
	if err != nil {
		return "", err
	}
	return string(b), nil
}
