package manager

import (
	"context"
	"errors"
	"time"

	"github.com/berth-platform/berth"
)

// Ended counts what a revocation ended, as the answer to "log out
// everywhere" and to a password change reports it.
type Ended struct {
	WebSessions   int64 `json:"web_sessions" doc:"Web sessions ended (each holds one session keypair)."`
	Keypairs      int64 `json:"keypairs" doc:"Long-lived CLI and SDK keypairs ended."`
	TokenFamilies int64 `json:"token_families" doc:"Bearer-token logins ended (access and refresh tokens)."`
}

// endSessions ends every credential of the user derived from a login —
// token families, web-session keypairs and CLI keypairs — except the
// family and the access key of the request that asks (either may be
// empty). Open streams that used them stop at their next re-check.
func (m *Manager) endSessions(ctx context.Context, userID, keepFamily, keepKey string) (Ended, error) {
	var e Ended
	var err error
	if e.TokenFamilies, err = m.store.RevokeUserTokenFamilies(ctx, userID, keepFamily, m.now()); err != nil {
		return e, err
	}
	if e.WebSessions, err = m.store.DeleteUserKeypairs(ctx, userID, berth.KeypairSession, keepKey); err != nil {
		return e, err
	}
	if e.Keypairs, err = m.store.DeleteUserKeypairs(ctx, userID, berth.KeypairCLI, keepKey); err != nil {
		return e, err
	}
	return e, nil
}

// RecheckInterval is how often an open stream or WebSocket reads its
// credential again: a revocation reaches it within this time.
const RecheckInterval = 500 * time.Millisecond

// errRevoked is what a long-lived connection gets when the credential it
// was opened with has ended.
var errRevoked = unauthorized("the credential this connection was opened with has ended (logout, password change, " +
	"blocked account or expiry); sign in again")

// recheck reads the credential behind p again and reports whether it still
// holds: the token family not revoked and the token unspent and current,
// the keypair present and unexpired, the API key usable, and the user
// active, with the role it had. Streams and WebSockets call it for every
// operation and on every poll, so a revocation reaches connections opened
// before it, on every replica (each reads the shared store). It returns errRevoked, or the
// store's error when the store cannot answer.
func (m *Manager) recheck(ctx context.Context, p *Principal) error {
	if p == nil {
		return errRevoked
	}
	now := m.now()
	var u *berth.User
	switch {
	case p.APIKey != nil:
		k, f, err := m.store.APIKeyByKeyID(ctx, p.APIKey.KeyID)
		if err != nil {
			return revokedOr(err)
		}
		if !k.Usable(now) {
			return errRevoked
		}
		if u, err = m.store.User(ctx, f.OwnerID); err != nil {
			return revokedOr(err)
		}
	case p.Via == "bearer":
		t, owner, err := m.store.TokenOwner(ctx, p.tokenHash, berth.TokenAccess)
		if err != nil {
			return revokedOr(err)
		}
		if t.FamilyRevoked || !now.Before(t.ExpiresAt) {
			return errRevoked
		}
		u = owner
	case p.AccessKey != "":
		k, owner, err := m.store.KeypairOwner(ctx, p.AccessKey)
		if err != nil {
			return revokedOr(err)
		}
		if k.Expired(now) {
			return errRevoked
		}
		u = owner
	default:
		return errRevoked
	}
	if !u.Active() {
		return errRevoked
	}
	// A connection acts as the user it was opened for: a changed role ends
	// it, so a demoted admin's WebSocket cannot go on reading others' logs.
	if p.User != nil && (u.ID != p.User.ID || u.Role != p.User.Role || u.AdminRole != p.User.AdminRole) {
		return errRevoked
	}
	return nil
}

func revokedOr(err error) error {
	if errors.Is(err, berth.ErrNotFound) {
		return errRevoked
	}
	return err
}
