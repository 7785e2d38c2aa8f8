package password

import (
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestVerifyBcrypt(t *testing.T) {
	h := NewHasher(cheapParams(), 0, 0)
	ctx := context.Background()
	legacy, err := bcrypt.GenerateFromPassword([]byte("an imported password"), 4)
	if err != nil {
		t.Fatal(err)
	}
	enc := string(legacy)
	if !IsBcrypt(enc) || !h.NeedsRehash(enc) {
		t.Fatalf("%q: bcrypt %v, needs rehash %v", enc, IsBcrypt(enc), h.NeedsRehash(enc))
	}
	if ok, err := h.Verify(ctx, enc, "an imported password"); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, err := h.Verify(ctx, enc, "another password"); ok || err != nil {
		t.Fatalf("wrong password: %v %v", ok, err)
	}
	// bcrypt reads 72 bytes; a longer password is refused, not truncated.
	long := strings.Repeat("x", 72)
	lh, _ := bcrypt.GenerateFromPassword([]byte(long), 4)
	if ok, _ := h.Verify(ctx, string(lh), long+"tail"); ok {
		t.Fatal("a password longer than 72 bytes matched its truncation")
	}
	// The $2y$ spelling (PHP's) is the same algorithm.
	if ok, err := h.Verify(ctx, "$2y$"+enc[4:], "an imported password"); !ok || err != nil {
		t.Fatalf("$2y$: %v %v", ok, err)
	}
	for _, bad := range []string{"$2a$04$short", "$2a$31$" + enc[7:], "$2x$" + enc[4:]} {
		if err := CheckBcrypt(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("CheckBcrypt(%q) = %v", bad, err)
		}
	}
}
