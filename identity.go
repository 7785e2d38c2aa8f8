package berth

import (
	"context"
	"time"
)

// Identity links an account to a person at an OpenID provider: the
// provider's id (from the config) and its subject for that person, which
// never changes even when their address does.
type Identity struct {
	Provider string
	Subject  string
	UserID   string
	// Email is the address the provider last gave, for the admins' view.
	Email       string
	CreatedAt   time.Time
	LastLoginAt time.Time
}

// IdentityStore keeps the links between accounts and provider subjects.
type IdentityStore interface {
	// IdentityUser returns the link of provider's subject and its account
	// (ErrNotFound when none).
	IdentityUser(ctx context.Context, provider, subject string) (*Identity, *User, error)
	// LinkIdentity adds a link, filling the times; ErrConflict when that
	// subject is linked already.
	LinkIdentity(ctx context.Context, id *Identity) error
	// TouchIdentity records a sign-in through the link, with the address
	// the provider gave this time.
	TouchIdentity(ctx context.Context, provider, subject, email string, at time.Time) error
	// UserIdentities lists an account's links, oldest first.
	UserIdentities(ctx context.Context, userID string) ([]Identity, error)
}
