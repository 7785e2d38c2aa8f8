package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/berth-platform/berth"
	"golang.org/x/crypto/argon2"
)

// ErrBusy reports that no hashing slot freed up in time: too many logins are
// being checked at once. The request may be retried; the API answers 503 with
// Retry-After. errors.Is(ErrBusy, berth.ErrUnavailable) is true.
var ErrBusy = fmt.Errorf("password hashing is busy: %w", berth.ErrUnavailable)

// DefaultMaxWait is how long a Hasher waits for a slot unless told otherwise.
const DefaultMaxWait = 5 * time.Second

// Hasher hashes and verifies passwords with argon2id, never running more
// than a fixed number of hashes at once: each holds its whole memory cost
// (19 MiB at the default parameters), so an unbounded login flood would
// exhaust memory. A Hasher is safe for concurrent use.
type Hasher struct {
	params  Params
	slots   chan struct{} // a buffered semaphore: one element per running hash
	maxWait time.Duration
	waiting atomic.Int64
	dummy   phc // what VerifyDummy verifies against
}

// NewHasher returns a Hasher that hashes with p and runs at most
// maxConcurrent hashes at once, waiting at most maxWait for a slot.
// The zero Params stands for DefaultParams, maxConcurrent <= 0 for
// 2 × runtime.GOMAXPROCS(0) and maxWait <= 0 for DefaultMaxWait.
// NewHasher panics if p is not valid (see Params.Validate): the parameters
// are fixed when the program is written or configured, and validating a
// configured value is the caller's job.
func NewHasher(p Params, maxConcurrent int, maxWait time.Duration) *Hasher {
	if p == (Params{}) {
		p = DefaultParams()
	}
	if err := p.Validate(); err != nil {
		panic("password: NewHasher: " + err.Error())
	}
	if maxConcurrent <= 0 {
		maxConcurrent = 2 * runtime.GOMAXPROCS(0)
	}
	if maxWait <= 0 {
		maxWait = DefaultMaxWait
	}
	return &Hasher{
		params:  p,
		slots:   make(chan struct{}, maxConcurrent),
		maxWait: maxWait,
		// Any salt and key do: no password derives this all-zero key, and the
		// cost of argon2id does not depend on the bytes it is given.
		dummy: phc{params: p, salt: make([]byte, p.SaltLen), key: make([]byte, p.KeyLen)},
	}
}

// Params returns the parameters the Hasher hashes with.
func (h *Hasher) Params() Params { return h.params }

// Hash returns the PHC string of password under a fresh random salt.
// It returns an error that is ErrBusy if no slot freed up within the
// Hasher's wait or before ctx ended, and one that is berth.ErrInvalid if the
// password is longer than MaxLength characters can be. Hash does not apply
// the policy: call Check first for a password a person chose.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if len(password) > maxBytes {
		return "", errTooLong()
	}
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	release, err := h.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	key := derive(password, salt, h.params)
	return phc{params: h.params, salt: salt, key: key}.encode(), nil
}

// Verify reports whether password matches encoded, a PHC string from Hash
// (or a bcrypt hash of an imported account: see legacy.go),
// at the parameters stored in encoded. It returns:
//   - true, nil if the password matches;
//   - false, nil if it does not (a password too long to have been hashed
//     does not match, and costs nothing);
//   - false and an error that is ErrMalformed if encoded cannot be parsed or
//     is outside the limits of Params.Validate;
//   - false and an error that is ErrBusy if no slot freed up within the
//     Hasher's wait or before ctx ended.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	if IsBcrypt(encoded) {
		return h.verifyBcrypt(ctx, encoded, password)
	}
	stored, err := parse(encoded)
	if err != nil {
		return false, err
	}
	return h.verify(ctx, stored, password)
}

// VerifyDummy costs what Verify costs for a hash at the Hasher's parameters,
// and always fails: a login for an unknown account calls it so that it takes
// as long as one for a known account. It returns nil, or an error that is
// ErrBusy exactly when Verify would have.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	_, err := h.verify(ctx, h.dummy, password)
	return err
}

// NeedsRehash reports whether encoded was hashed with parameters other than
// the Hasher's, so that the caller should store a new hash after the next
// successful login. It reports true for a string it cannot parse.
func (h *Hasher) NeedsRehash(encoded string) bool {
	stored, err := parse(encoded)
	return err != nil || stored.params != h.params
}

// InFlight returns the number of hashes running now.
func (h *Hasher) InFlight() int { return len(h.slots) }

// Waiting returns the number of calls waiting for a slot now.
func (h *Hasher) Waiting() int { return int(h.waiting.Load()) }

func (h *Hasher) verify(ctx context.Context, stored phc, password string) (bool, error) {
	if len(password) > maxBytes {
		return false, nil
	}
	release, err := h.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	key := derive(password, stored.salt, stored.params)
	return subtle.ConstantTimeCompare(key, stored.key) == 1, nil
}

// acquire takes a slot, waiting at most h.maxWait. The caller must call
// release exactly once when its hash is done.
func (h *Hasher) acquire(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBusy, context.Cause(ctx))
	}
	release = func() { <-h.slots }
	select {
	case h.slots <- struct{}{}:
		return release, nil
	default:
	}
	h.waiting.Add(1)
	defer h.waiting.Add(-1)
	timer := time.NewTimer(h.maxWait)
	defer timer.Stop()
	select {
	case h.slots <- struct{}{}:
		return release, nil
	case <-timer.C:
		return nil, fmt.Errorf("%w: no slot free after %v", ErrBusy, h.maxWait)
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrBusy, context.Cause(ctx))
	}
}

func derive(password string, salt []byte, p Params) []byte {
	return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Parallelism, p.KeyLen)
}
