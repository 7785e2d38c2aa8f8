// Package secret seals values that the server must be able to read back
// (keypair secrets, function secrets) with AES-256-GCM under the master key.
//
// It never logs, never returns a key or a plaintext in an error, and binds
// every ciphertext to its context (additional data) so that a sealed value
// copied into another row does not open there.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the master key length in bytes.
const KeySize = 32

// version prefixes every sealed value so that the format (and later the key
// generation) can change without ambiguity.
const version byte = 1

// ErrOpen reports a sealed value that cannot be opened: wrong master key,
// tampered data or another context.
var ErrOpen = errors.New("secret: cannot open sealed value (wrong master key or tampered data)")

// Box seals and opens values. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// NewBox returns a Box for a 32-byte key.
func NewBox(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: master key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext bound to aad (the context, e.g. "keypair:BK…").
func (b *Box) Seal(plaintext, aad []byte) []byte {
	ns := b.aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plaintext)+b.aead.Overhead())
	out[0] = version
	_, _ = rand.Read(out[1 : 1+ns])                      // crypto/rand.Read never fails on supported platforms.
	return b.aead.Seal(out, out[1:1+ns], plaintext, aad) //nolint:gosec // G407: the nonce is random, read just above

}

// Open decrypts a value sealed with the same key and aad, or returns ErrOpen.
func (b *Box) Open(sealed, aad []byte) ([]byte, error) {
	ns := b.aead.NonceSize()
	if len(sealed) < 1+ns+b.aead.Overhead() || sealed[0] != version {
		return nil, ErrOpen
	}
	pt, err := b.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// KeyFileName is the master key's file in the data directory.
const KeyFileName = "master.key"

// ParseKey decodes a master key given as 64 hex characters or as standard or
// URL-safe base64 (padded or not) of 32 bytes.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if k, err := hex.DecodeString(s); err == nil && len(k) == KeySize {
		return k, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	return nil, errors.New("secret: the master key must be 32 bytes, as 64 hex characters or base64 (generate one with: openssl rand -base64 32)")
}

// LoadOrCreateKey returns the master key: from configured when it is not
// empty, else from <dataDir>/master.key, which it creates (mode 0600) with a
// fresh random key when absent. created reports that a new key was written.
func LoadOrCreateKey(dataDir, configured string) (key []byte, created bool, err error) {
	if configured != "" {
		k, err := ParseKey(configured)
		return k, false, err
	}
	path := filepath.Join(dataDir, KeyFileName)
	raw, err := os.ReadFile(path)
	if err == nil {
		k, err := ParseKey(string(raw))
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		return k, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("secret: read master key: %w", err)
	}
	k := make([]byte, KeySize)
	_, _ = rand.Read(k)
	if err := WriteFileAtomic(path, []byte(base64.StdEncoding.EncodeToString(k)+"\n"), 0o600); err != nil {
		return nil, false, fmt.Errorf("secret: write master key: %w", err)
	}
	return k, true, nil
}

// WriteFileAtomic writes data to path through a synced temporary file and a
// rename, so that a crash leaves either the old file or the new one. It
// refuses to replace an existing file.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful link
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// Link rather than rename: it fails when path exists, so two processes
	// starting at once cannot overwrite each other's key.
	if err := os.Link(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// DeriveKey returns a 32-byte key for one purpose, derived from the master
// key with HKDF-SHA256 under label: processes that share the master key
// share it, and it reveals nothing of the master key or of other labels.
func DeriveKey(master []byte, label string) []byte {
	k, err := hkdf.Key(sha256.New, master, nil, label, KeySize)
	if err != nil {
		panic("secret: HKDF of a 32-byte key cannot fail: " + err.Error())
	}
	return k
}
