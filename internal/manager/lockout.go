package manager

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"
)

// Login lock-out: failures are counted per account and per client address
// in fixed windows (config auth.login_window). Reaching a limit refuses
// further attempts with 429 until the window ends, without hashing, so a
// locked-out flood costs no argon2 time. A success clears the account's
// counter (not the address's: one valid login must not launder a spray).

func accountKey(email string) string {
	sum := sha256.Sum256([]byte(email)) // keys never carry an email in clear
	return "login:acct:" + hex.EncodeToString(sum[:16])
}

func addressKey(addr string) string { return "login:addr:" + addr }

// checkLockout returns a 429 problem when the account or the address is
// locked out.
func (m *Manager) checkLockout(ctx context.Context, email, addr string) error {
	for _, c := range []struct {
		key   string
		limit int
		what  string
	}{
		{accountKey(email), m.auth.MaxAccountFailures, "this account"},
		{addressKey(addr), m.auth.MaxAddressFailures, "your address"},
	} {
		n, ttl, err := m.kv.Count(ctx, c.key)
		if err != nil {
			return err
		}
		if n >= int64(c.limit) {
			return lockedOut(c.what, ttl)
		}
	}
	return nil
}

func lockedOut(what string, ttl time.Duration) error {
	secs := int(ttl.Round(time.Second) / time.Second)
	return withRetryAfter(problem(http.StatusTooManyRequests, codeTooManyLogins,
		fmt.Sprintf("too many failed logins for %s; try again in %d minutes, or choose a new password by mail "+
			"(\"Forgot your password?\" on the sign-in page, or POST /api/auth/reset-password)", what, max(1, (secs+59)/60))), secs)
}

// recordFailure counts a failed login and returns the 429 problem when this
// failure reached a limit, else nil.
func (m *Manager) recordFailure(ctx context.Context, email, addr string) error {
	na, ttlA, err := m.kv.Incr(ctx, accountKey(email), m.auth.LoginWindow)
	if err != nil {
		return err
	}
	nb, ttlB, err := m.kv.Incr(ctx, addressKey(addr), m.auth.LoginWindow)
	if err != nil {
		return err
	}
	switch {
	case na >= int64(m.auth.MaxAccountFailures):
		return lockedOut("this account", ttlA)
	case nb >= int64(m.auth.MaxAddressFailures):
		return lockedOut("your address", ttlB)
	}
	return nil
}

// recordSuccess clears the account's failure counter.
func (m *Manager) recordSuccess(ctx context.Context, email string) {
	if err := m.kv.Delete(ctx, accountKey(email)); err != nil {
		m.log.WarnContext(ctx, "login counter not reset", "event", "lockout_reset", "error", err)
	}
}
