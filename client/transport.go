package client

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/berth-platform/berth/internal/signing"
)

// Transport is an http.RoundTripper that signs each request with
// BERTH-HMAC-SHA256. It reads the body to hash it, unless the request
// already carries X-Berth-Content-SHA256 (set it to stream a large body
// whose hash you computed beforehand).
type Transport struct {
	AccessKey string
	SecretKey string
	// Base sends the signed request; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	hash := r.Header.Get(signing.HeaderContentSHA256)
	if hash == "" {
		hash = signing.EmptyBodyHash
		if req.Body != nil && req.Body != http.NoBody {
			body, err := io.ReadAll(req.Body)
			req.Body.Close()
			if err != nil {
				return nil, err
			}
			hash = signing.BodyHash(body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	if t.AccessKey == "" || t.SecretKey == "" {
		return nil, errors.New("client: a keypair needs both the access key and the secret key")
	}
	if err := signing.Sign(r, signing.Credentials{KeyID: t.AccessKey, Secret: t.SecretKey}, hash, now(), signing.NewNonce()); err != nil {
		return nil, err
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}
