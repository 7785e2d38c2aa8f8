package signing

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/berth-platform/berth/internal/headers"
)

// Problem codes; each names one reason a request is refused.
const (
	CodeMalformed            = "malformed-signature"
	CodeUnsupportedAlgorithm = "unsupported-algorithm"
	CodeExpired              = "request-expired"
	CodeInvalidCredentials   = "invalid-credentials" //nolint:gosec // G101: a problem code, not a credential
	CodeBodyMismatch         = "body-hash-mismatch"
	CodeReplayed             = "replayed-request"
)

// Error is a refused signature. Status is 400 for a malformed request and
// 401 for one that is well-formed but not accepted.
type Error struct {
	Status int
	Code   string
	Detail string
}

func (e *Error) Error() string { return e.Detail }

func malformed(format string, args ...any) *Error {
	return &Error{Status: 400, Code: CodeMalformed, Detail: fmt.Sprintf(format, args...)}
}

// ErrUnknownKey is what a KeyLookup returns for a key that does not exist,
// is disabled or expired, or whose owner is not active. The verifier answers
// all of them, and a wrong signature, alike so that key ids cannot be probed.
var ErrUnknownKey = errors.New("signing: unknown key")

// Key is what a lookup returns for a key id: its secret, and its owner of
// the caller's type O, which the verifier hands back untouched.
type Key[O any] struct {
	Secret string
	Owner  O
}

// KeyLookup finds a key by id. It returns ErrUnknownKey when the key must
// not be accepted, and any other error when the lookup itself failed.
type KeyLookup[O any] interface {
	LookupKey(ctx context.Context, keyID string) (Key[O], error)
}

// NonceStore remembers nonces. ClaimNonce returns true the first time a key
// is claimed within ttl and false afterwards; the store must be shared by
// every replica that accepts the same keys.
type NonceStore interface {
	ClaimNonce(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// DefaultSkew is how far X-Berth-Date may be from the server clock.
const DefaultSkew = 5 * time.Minute

// Verifier checks signed requests in the order SIGNING.md gives; O is the
// type of the keys' owners.
type Verifier[O any] struct {
	Keys   KeyLookup[O]
	Nonces NonceStore
	Skew   time.Duration    // DefaultSkew when zero
	Now    func() time.Time // time.Now when nil

	keys keyCache
}

// Signed is a request whose signature has been verified (steps 1–4); its
// body and nonce are still to be checked with Complete, or with BodyMatches
// and ClaimNonce for a body that is streamed.
type Signed[O any] struct {
	KeyID    string
	Key      Key[O]
	Date     time.Time
	nonce    string
	bodyHash [32]byte
}

// Check parses and verifies the signature of r: well-formedness (400), the
// date window, the key, and the signature (401). It reads no body.
func (v *Verifier[O]) Check(ctx context.Context, r *http.Request) (*Signed[O], error) {
	auth, err := ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return nil, err
	}
	s, err := checkHeaders[O](r, auth)
	if err != nil {
		return nil, err
	}
	if d := v.now().Sub(s.Date); d > v.skew() || d < -v.skew() {
		return nil, &Error{Status: 401, Code: CodeExpired,
			Detail: fmt.Sprintf("X-Berth-Date is %s away from the server clock; the limit is %s: check the client's clock", d.Round(time.Second).Abs(), v.skew())}
	}
	key, err := v.Keys.LookupKey(ctx, auth.KeyID)
	if errors.Is(err, ErrUnknownKey) {
		return nil, invalidCredentials()
	}
	if err != nil {
		return nil, err
	}
	canonical, err := appendCanonicalRequest(make([]byte, 0, 512), r, auth.SignedHeaders, r.Header.Get(HeaderContentSHA256))
	if err != nil {
		return nil, malformed("the request path or query is not valid percent-encoding")
	}
	date := r.Header.Get(HeaderDate)
	want := signature(v.keys.signingKey(auth.KeyID, key.Secret, auth.Day), date, canonical)
	if !hmac.Equal(want, auth.Signature[:]) {
		return nil, invalidCredentials()
	}
	s.KeyID, s.Key = auth.KeyID, key
	return s, nil
}

func invalidCredentials() *Error {
	return &Error{Status: 401, Code: CodeInvalidCredentials,
		Detail: "the signature was not accepted: the key is unknown, disabled or expired, or the signature does not match the request"}
}

// checkHeaders validates the x-berth-* headers and the signed-header list.
func checkHeaders[O any](r *http.Request, auth Authorization) (*Signed[O], error) {
	date := r.Header.Get(HeaderDate)
	t, err := time.Parse(DateFormat, date)
	if err != nil || len(date) != len(DateFormat) {
		return nil, malformed("X-Berth-Date must be yyyymmddThhmmssZ in UTC, like 20261123T101500Z")
	}
	if date[:8] != auth.Day {
		return nil, malformed("the Credential date %s differs from the day of X-Berth-Date", auth.Day)
	}
	nonce := r.Header.Get(HeaderNonce)
	if len(nonce) < 32 || len(nonce) > 128 || !isHex(nonce) {
		return nil, malformed("X-Berth-Nonce must be 32 to 128 hex characters (at least 16 random bytes)")
	}
	s := &Signed[O]{Date: t, nonce: nonce}
	bodyHash := r.Header.Get(HeaderContentSHA256)
	if len(bodyHash) != 64 || !isHex(bodyHash) {
		return nil, malformed("X-Berth-Content-SHA256 must be the 64-character hex SHA-256 of the body")
	}
	_, _ = hex.Decode(s.bodyHash[:], []byte(strings.ToLower(bodyHash)))
	if err := checkSignedList(r, auth.SignedHeaders); err != nil {
		return nil, err
	}
	return s, nil
}

func checkSignedList(r *http.Request, signed []string) error {
	has := func(name string) bool {
		for _, n := range signed {
			if n == name {
				return true
			}
		}
		return false
	}
	for _, req := range [...]string{"host", "x-berth-content-sha256", "x-berth-date", "x-berth-nonce"} {
		if !has(req) {
			return malformed("SignedHeaders must include %s", req)
		}
	}
	if r.Header.Get("Content-Type") != "" && !has("content-type") {
		return malformed("SignedHeaders must include content-type when the request has one")
	}
	for k := range r.Header {
		if !headers.IsBerth(k) {
			continue
		}
		if strings.ContainsRune(k, '_') {
			return malformed("header %s spells an X-Berth-* name with '_'; use '-'", clip(k))
		}
		if lk := strings.ToLower(k); !has(lk) {
			return malformed("header %s is not signed; every X-Berth-* header must be in SignedHeaders", clip(k))
		}
	}
	for _, n := range signed {
		if n != "host" && len(r.Header.Values(n)) == 0 {
			return malformed("signed header %s is missing from the request", n)
		}
	}
	return nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// BodyMatches reports whether sum, the SHA-256 of the body as read, is the
// one the request declared.
func (s *Signed[O]) BodyMatches(sum []byte) bool {
	return subtle.ConstantTimeCompare(sum, s.bodyHash[:]) == 1
}

// ClaimNonce performs the replay check (step 6). The nonce is remembered for
// as long as a request with its date could still be accepted.
func (v *Verifier[O]) ClaimNonce(ctx context.Context, s *Signed[O]) error {
	ttl := s.Date.Add(v.skew()).Sub(v.now()) + time.Second
	ok, err := v.Nonces.ClaimNonce(ctx, s.KeyID+":"+s.nonce, max(ttl, time.Second))
	if err != nil {
		return fmt.Errorf("signing: nonce store: %w", err)
	}
	if !ok {
		return &Error{Status: 401, Code: CodeReplayed,
			Detail: "replayed request: this nonce was already used; sign every request with a fresh X-Berth-Nonce"}
	}
	return nil
}

// Complete checks a fully read body against the declared hash (step 5) and
// then the nonce (step 6).
func (v *Verifier[O]) Complete(ctx context.Context, s *Signed[O], body []byte) error {
	sum := sha256.Sum256(body)
	if !s.BodyMatches(sum[:]) {
		return ErrBodyMismatch
	}
	return v.ClaimNonce(ctx, s)
}

// ErrBodyMismatch is the answer for a body that differs from its declared hash.
var ErrBodyMismatch = &Error{Status: 401, Code: CodeBodyMismatch,
	Detail: "the body does not match X-Berth-Content-SHA256; nothing was changed"}

func (v *Verifier[O]) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier[O]) skew() time.Duration {
	if v.Skew > 0 {
		return v.Skew
	}
	return DefaultSkew
}

// keyCache keeps derived signing keys per (key id, secret, day): deriving
// one costs two HMACs, and a busy key signs many requests a day. It holds
// only derived keys, never decides whether a key is valid, and is bounded.
type keyCache struct {
	mu sync.Mutex
	m  map[string]cachedKey
}

type cachedKey struct {
	secretSum [32]byte
	key       []byte
}

const keyCacheMax = 10000

func (c *keyCache) signingKey(keyID, secret, day string) []byte {
	id := keyID + "/" + day
	sum := sha256.Sum256([]byte(secret))
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[id]; ok && e.secretSum == sum {
		return e.key
	}
	k := SigningKey(secret, day)
	if c.m == nil || len(c.m) >= keyCacheMax {
		c.m = make(map[string]cachedKey, 64)
	}
	c.m[id] = cachedKey{secretSum: sum, key: k}
	return k
}
