package secret

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestBoxRoundTrip(t *testing.T) {
	key := bytes.Repeat([]byte{7}, KeySize)
	b, err := NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := b.Seal([]byte("s3cret"), []byte("keypair:BK1"))
	if bytes.Contains(sealed, []byte("s3cret")) {
		t.Fatal("plaintext visible in sealed value")
	}
	got, err := b.Open(sealed, []byte("keypair:BK1"))
	if err != nil || string(got) != "s3cret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	t.Run("ErrOpenOtherContext", func(t *testing.T) {
		if _, err := b.Open(sealed, []byte("keypair:BK2")); !errors.Is(err, ErrOpen) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrOpenTampered", func(t *testing.T) {
		bad := bytes.Clone(sealed)
		bad[len(bad)-1] ^= 1
		if _, err := b.Open(bad, []byte("keypair:BK1")); !errors.Is(err, ErrOpen) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrOpenOtherKey", func(t *testing.T) {
		other, _ := NewBox(bytes.Repeat([]byte{8}, KeySize))
		if _, err := other.Open(sealed, []byte("keypair:BK1")); !errors.Is(err, ErrOpen) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrOpenShort", func(t *testing.T) {
		if _, err := b.Open(sealed[:5], nil); !errors.Is(err, ErrOpen) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("NonceUnique", func(t *testing.T) {
		if bytes.Equal(b.Seal([]byte("x"), nil), b.Seal([]byte("x"), nil)) {
			t.Fatal("two seals are identical")
		}
	})
}

func TestParseKey(t *testing.T) {
	for name, in := range map[string]string{
		"Hex":       "0707070707070707070707070707070707070707070707070707070707070707",
		"Base64":    "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
		"RawBase64": "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc",
		"Spaces":    "  BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n",
	} {
		k, err := ParseKey(in)
		if err != nil || !bytes.Equal(k, bytes.Repeat([]byte{7}, KeySize)) {
			t.Errorf("%s: %x, %v", name, k, err)
		}
	}
	for _, in := range []string{"", "short", "BwcHBw==", "zz07070707070707070707070707070707070707070707070707070707070707"} {
		if _, err := ParseKey(in); err == nil {
			t.Errorf("ParseKey(%q) accepted", in)
		}
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	dir := t.TempDir()
	k1, created, err := LoadOrCreateKey(dir, "")
	if err != nil || !created || len(k1) != KeySize {
		t.Fatalf("first: %v %v %d", err, created, len(k1))
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	k2, created, err := LoadOrCreateKey(dir, "")
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("second: %v %v", err, created)
	}
	k3, _, err := LoadOrCreateKey(dir, "0707070707070707070707070707070707070707070707070707070707070707")
	if err != nil || bytes.Equal(k3, k1) {
		t.Fatalf("configured key not preferred: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, KeyFileName), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateKey(dir, ""); err == nil {
		t.Fatal("corrupt key file accepted")
	}
}
