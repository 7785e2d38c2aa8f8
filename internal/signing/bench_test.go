package signing

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// noNonces accepts every nonce so that a benchmark measures verification,
// not a store.
type noNonces struct{}

func (noNonces) ClaimNonce(context.Context, string, time.Duration) (bool, error) { return true, nil }

// BenchmarkVerify measures the server-side cost of one signed request with a
// warm key cache: parse, canonicalise, HMAC and the body hash.
func BenchmarkVerify(b *testing.B) {
	v := loadVectors(b)[1]
	date, _ := time.Parse(DateFormat, v.Date)
	ver := &Verifier[string]{Keys: staticKeys{v.KeyID: v.Secret}, Nonces: noNonces{}, Now: func() time.Time { return date }}
	r := serverRequest(b, v)
	body := []byte(v.Body)
	b.ReportAllocs()
	for b.Loop() {
		s, err := ver.Check(context.Background(), r)
		if err != nil {
			b.Fatal(err)
		}
		if err := ver.Complete(context.Background(), s, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSign measures the client-side cost of signing one request.
func BenchmarkSign(b *testing.B) {
	v := loadVectors(b)[1]
	r, _ := http.NewRequest(v.Method, v.URL, nil)
	r.Header.Set("Content-Type", "application/json")
	hash := BodyHash([]byte(v.Body))
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if err := Sign(r, Credentials{v.KeyID, v.Secret}, hash, now, "00112233445566778899aabbccddeeff"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineHMAC is the floor under Verify and Sign: one SHA-256 of
// a canonical request and one HMAC-SHA256 over a string to sign, with a
// key already derived. The suite reports Verify and Sign as ratios to it.
func BenchmarkBaselineHMAC(b *testing.B) {
	v := loadVectors(b)[1]
	key := SigningKey(v.Secret, v.Date[:8])
	canonical := []byte(v.CanonicalRequest)
	b.ReportAllocs()
	for b.Loop() {
		_ = signature(key, v.Date, canonical)
	}
}
