package webserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// confirmFor bounds how long the manager's word that a session's
// credential holds is reused. A logout, a password change, a blocked or
// deleted account or an expired keypair — made through any replica, or
// straight in the database — ends the session within this time everywhere,
// for /session/validate and /server/login-check as for the proxy.
const confirmFor = 500 * time.Millisecond

// errSessionEnded reports that the manager no longer accepts a session's
// keypair or its user.
var errSessionEnded = errors.New("webserver: the session's credential has ended")

// managerDownError reports that no manager could say whether a session's
// credential holds.
type managerDownError struct{ err error }

func (e managerDownError) Error() string { return "webserver: manager unreachable: " + e.err.Error() }
func (e managerDownError) Unwrap() error { return e.err }

// confirmations remembers recent confirmations, by access key.
type confirmations struct {
	mu    sync.Mutex
	until map[string]confirmed
}

// confirmed is what the manager said of a session's account, and until
// when it is reused.
type confirmed struct {
	until time.Time
	account
}

// account is what /session/validate tells other services of a session's
// account beyond the session itself.
type account struct {
	// groups are the account's berth groups, by name.
	groups []string
	// passwordChange: the account holds a temporary password and may do
	// nothing until it is changed.
	passwordChange bool
	// verifyEmail: the account must confirm its address first.
	verifyEmail bool
}

// confirmMax bounds the remembered confirmations; the map is emptied when full.
const confirmMax = 100_000

func (c *confirmations) fresh(key string, now time.Time) (account, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.until[key]
	return t.account, ok && now.Before(t.until)
}

func (c *confirmations) remember(key string, until time.Time, a account) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.until == nil || len(c.until) >= confirmMax {
		c.until = map[string]confirmed{}
	}
	c.until[key] = confirmed{until: until, account: a}
}

func (c *confirmations) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.until, key)
}

// confirm asks the manager whether cur's keypair and its user still hold,
// with a signed GET /api/users/me — the check every proxied call gets. It
// returns nil, errSessionEnded, or managerDownError.
func (s *Server) confirm(ctx context.Context, r *http.Request, cur *current) error {
	now := s.o.Now()
	if a, ok := s.confirmed.fresh(cur.sess.AccessKey, now); ok {
		cur.account = a
		return nil
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "/api/users/me", nil)
	s.asClient(r, req)
	if err := s.signInternal(req, cur); err != nil {
		return managerDownError{err}
	}
	resp, err := s.o.Upstream.Do(req)
	if err != nil {
		return managerDownError{err}
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		// The session vouches for who the user is (other services read
		// X-Berth-Groups from /session/validate): a changed role or
		// address ends it, and the user signs in as who they are now.
		var me struct {
			ID             string   `json:"id"`
			Email          string   `json:"email"`
			Role           string   `json:"role"`
			AdminRole      string   `json:"admin_role"`
			Groups         []string `json:"groups"`
			PasswordChange bool     `json:"password_change_required"`
			VerifyEmail    bool     `json:"email_verification_required"`
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&me); err != nil {
			return managerDownError{fmt.Errorf("GET /api/users/me: %w", err)}
		}
		if me.ID != cur.sess.UserID || me.Email != cur.sess.Email || me.Role != cur.sess.Role || me.AdminRole != cur.sess.AdminRole {
			s.confirmed.forget(cur.sess.AccessKey)
			return errSessionEnded
		}
		cur.account = account{groups: me.Groups, passwordChange: me.PasswordChange, verifyEmail: me.VerifyEmail}
		s.confirmed.remember(cur.sess.AccessKey, now.Add(confirmFor), cur.account)
		return nil
	case http.StatusUnauthorized, http.StatusForbidden:
		s.confirmed.forget(cur.sess.AccessKey)
		return errSessionEnded
	}
	return managerDownError{fmt.Errorf("GET /api/users/me answered %d", resp.StatusCode)}
}
