package signing

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"
)

// SigningKey derives the key for one day: HMAC(HMAC("BERTH"+secret, day), "berth_request").
func SigningKey(secret, day string) []byte {
	m := hmac.New(sha256.New, []byte("BERTH"+secret))
	m.Write([]byte(day))
	k := m.Sum(nil)
	m = hmac.New(sha256.New, k)
	m.Write([]byte(scopeName))
	return m.Sum(nil)
}

// signature computes the raw signature over the canonical request.
func signature(key []byte, date string, canonical []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(StringToSign(date, canonical)))
	return m.Sum(nil)
}

// NewNonce returns 16 random bytes in hex, the minimum the scheme allows.
func NewNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms.
	return hex.EncodeToString(b[:])
}

// BodyHash returns the hex SHA-256 of body, the value of X-Berth-Content-SHA256.
func BodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// SignedHeaderNames lists the headers a client signs for r: host,
// content-type when present and every x-berth-* header, sorted.
func SignedHeaderNames(r *http.Request) []string {
	names := []string{"host"}
	for k := range r.Header {
		lk := strings.ToLower(k)
		if lk == "content-type" || strings.HasPrefix(lk, "x-berth-") {
			names = append(names, lk)
		}
	}
	sort.Strings(names)
	return names
}

// Credentials identify the signer.
type Credentials struct {
	KeyID  string
	Secret string
}

// Sign adds the signature headers to r. bodyHash is the hex SHA-256 of the
// exact body r will carry (BodyHash, or EmptyBodyHash when there is none).
// now and nonce are parameters so that tests can reproduce fixed vectors;
// pass time.Now() and NewNonce() otherwise.
func Sign(r *http.Request, c Credentials, bodyHash string, now time.Time, nonce string) error {
	if c.KeyID == "" || c.Secret == "" {
		return errors.New("signing: key id and secret are required")
	}
	date := now.UTC().Format(DateFormat)
	r.Header.Set(HeaderDate, date)
	r.Header.Set(HeaderNonce, nonce)
	r.Header.Set(HeaderContentSHA256, bodyHash)
	r.Header.Del("Authorization")
	signed := SignedHeaderNames(r)
	canonical, err := appendCanonicalRequest(make([]byte, 0, 512), r, signed, bodyHash)
	if err != nil {
		return err
	}
	sig := signature(SigningKey(c.Secret, date[:8]), date, canonical)
	r.Header.Set("Authorization", Algorithm+" Credential="+c.KeyID+"/"+date[:8]+
		", SignedHeaders="+strings.Join(signed, ";")+", Signature="+hex.EncodeToString(sig))
	return nil
}
