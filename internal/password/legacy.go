package password

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Legacy hashes: accounts imported from another system keep their bcrypt
// hash until their first successful login, when the caller stores an
// argon2id one instead (NeedsRehash reports true for them).

// IsBcrypt reports whether encoded is a bcrypt hash ($2a$, $2b$ or $2y$).
func IsBcrypt(encoded string) bool {
	return len(encoded) == 60 && (strings.HasPrefix(encoded, "$2a$") || strings.HasPrefix(encoded, "$2b$") || strings.HasPrefix(encoded, "$2y$"))
}

// CheckBcrypt reports whether encoded is a bcrypt hash this package can
// verify, and with a cost it accepts (4 to 31; above 14 a login would take
// seconds, so such a hash is refused at import).
func CheckBcrypt(encoded string) error {
	if !IsBcrypt(encoded) {
		return fmt.Errorf("%w: not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)", ErrMalformed)
	}
	cost, err := bcrypt.Cost([]byte(encoded))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if cost > 14 {
		return fmt.Errorf("%w: bcrypt cost %d is above 14", ErrMalformed, cost)
	}
	return nil
}

// verifyBcrypt checks password against a bcrypt hash in a hashing slot,
// as argon2id hashes are.
func (h *Hasher) verifyBcrypt(ctx context.Context, encoded, password string) (bool, error) {
	if err := CheckBcrypt(encoded); err != nil {
		return false, err
	}
	if len(password) > 72 { // bcrypt reads no further; refuse rather than truncate
		return false, nil
	}
	release, err := h.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	err = bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	}
	return false, fmt.Errorf("%w: %w", ErrMalformed, err)
}
