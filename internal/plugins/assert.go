package plugins

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The identity assertion (X-Berth-Assertion) is a JWT signed with ECDSA
// P-256 (ES256) that berth adds to every call it forwards to a service,
// so that the service can verify who the user is instead of trusting a
// header. ES256 rather than EdDSA: it signs in a third of the time on
// amd64, and a signature is made for every forwarded call. Keys rotate
// every day. Every replica derives the same key for a day from the
// master key, so any replica's assertion verifies against any replica's
// key set, and nothing is stored.

// AssertionTTL is how long an assertion is good for.
const AssertionTTL = 60 * time.Second

// keyPeriod is how long one signing key is current.
const keyPeriod = 24 * time.Hour

// AssertionHeader is the header that carries the assertion.
const AssertionHeader = "X-Berth-Assertion"

// Signer makes assertions.
type Signer struct {
	seed   []byte
	issuer func() string
	now    func() time.Time

	// keys caches the derived keys by period: deriving one costs as much
	// as a signature.
	mu   sync.Mutex
	keys map[int64]periodKey
}

type periodKey struct {
	priv *ecdsa.PrivateKey
	kid  string
}

// NewSigner derives keys from seed (32 bytes from the master key);
// issuer names berth in the assertions (its public URL, known once it
// listens).
func NewSigner(seed []byte, issuer func() string, now func() time.Time) *Signer {
	if now == nil {
		now = time.Now
	}
	return &Signer{seed: seed, issuer: issuer, now: now, keys: map[int64]periodKey{}}
}

func (s *Signer) period(t time.Time) int64 { return t.Unix() / int64(keyPeriod/time.Second) }

// key is the signing key of a period: a P-256 scalar from an HMAC of
// the seed (tried again with a counter in the rare case it is not below
// the curve's order).
func (s *Signer) key(period int64) (*ecdsa.PrivateKey, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[period]; ok {
		return k.priv, k.kid
	}
	var priv *ecdsa.PrivateKey
	for i := 0; priv == nil; i++ {
		mac := hmac.New(sha256.New, s.seed)
		mac.Write([]byte("assertion key " + strconv.FormatInt(period, 10) + " " + strconv.Itoa(i)))
		priv, _ = ecdsa.ParseRawPrivateKey(elliptic.P256(), mac.Sum(nil))
	}
	k := periodKey{priv: priv, kid: "berth-" + strconv.FormatInt(period, 10)}
	for p := range s.keys {
		if p < period-1 {
			delete(s.keys, p) // a day gone
		}
	}
	s.keys[period] = k
	return k.priv, k.kid
}

// Identity is who an assertion speaks for.
type Identity struct {
	UserID       string
	Email        string
	Name         string
	Role         string
	AdminRole    string
	Groups       []string
	FeatureRoles []string
}

// Claims are an assertion's claims.
type Claims struct {
	jwt.RegisteredClaims
	Email        string   `json:"email,omitempty"`
	Name         string   `json:"name,omitempty"`
	Role         string   `json:"role,omitempty"`
	AdminRole    string   `json:"admin_role,omitempty"`
	Groups       []string `json:"groups"`
	FeatureRoles []string `json:"feature_roles"`
}

// Assert signs an assertion of id for the service audience.
func (s *Signer) Assert(id Identity, audience string) (string, error) {
	now := s.now()
	priv, kid := s.key(s.period(now))
	var jti [16]byte
	_, _ = rand.Read(jti[:])
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: s.issuer(), Subject: id.UserID, Audience: jwt.ClaimStrings{audience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-5 * time.Second)),
			ExpiresAt: jwt.NewNumericDate(now.Add(AssertionTTL)), ID: base64.RawURLEncoding.EncodeToString(jti[:])},
		Email: id.Email, Name: id.Name, Role: id.Role, AdminRole: id.AdminRole, Groups: nonNil(id.Groups), FeatureRoles: nonNil(id.FeatureRoles),
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	t.Header["kid"] = kid
	return t.SignedString(priv)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// JWKS is the key set services verify assertions with: yesterday's,
// today's and tomorrow's public keys (RFC 7518 EC keys), so that a
// service that fetched it recently verifies across a rotation.
func (s *Signer) JWKS() []byte {
	p := s.period(s.now())
	type jwk struct {
		Kty string `json:"kty"`
		Crv string `json:"crv"`
		X   string `json:"x"`
		Y   string `json:"y"`
		Kid string `json:"kid"`
		Use string `json:"use"`
		Alg string `json:"alg"`
	}
	keys := make([]jwk, 0, 3)
	for _, q := range []int64{p - 1, p, p + 1} {
		priv, kid := s.key(q)
		raw, _ := priv.PublicKey.Bytes() // 0x04 ‖ X ‖ Y, 32 bytes each
		keys = append(keys, jwk{Kty: "EC", Crv: "P-256", X: base64.RawURLEncoding.EncodeToString(raw[1:33]),
			Y: base64.RawURLEncoding.EncodeToString(raw[33:]), Kid: kid, Use: "sig", Alg: "ES256"})
	}
	out, _ := json.Marshal(map[string]any{"keys": keys})
	return out
}

// Verify checks an assertion against this signer's keys, as a service
// would against the key set; berth's tests and the example plugin use a
// JWKS client, this is for berth's own checks.
func (s *Signer) Verify(token, audience string) (*Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		p := s.period(s.now())
		for _, q := range []int64{p - 1, p, p + 1} {
			if priv, k := s.key(q); k == kid {
				return &priv.PublicKey, nil
			}
		}
		return nil, jwt.ErrTokenUnverifiable
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience(audience), jwt.WithIssuer(s.issuer()), jwt.WithTimeFunc(s.now))
	if err != nil {
		return nil, err
	}
	return &c, nil
}
