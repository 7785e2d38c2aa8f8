package berth

import (
	"context"
	"time"
)

// UserFilter selects users for administrators.
type UserFilter struct {
	// Query matches a substring of the email or the name, any case.
	Query     string
	Status    UserStatus
	Role      Role
	AdminRole AdminRole
	// OrganizationID, TierID (DefaultTierID also selects accounts on no
	// tier), FeatureRole (an account's own grant) and GroupID select
	// members.
	OrganizationID string
	TierID         string
	FeatureRole    FeatureRole
	GroupID        string
	Sort           UserSort
	Page           Page
}

// UserSort orders a user list; ties are broken by id.
type UserSort string

// The orders of a user list (a leading "-" is descending).
const (
	SortEmail         UserSort = "email"
	SortEmailDesc     UserSort = "-email"
	SortName          UserSort = "name"
	SortNameDesc      UserSort = "-name"
	SortCreatedAt     UserSort = "created_at"
	SortCreatedAtDesc UserSort = "-created_at"
)

// UserStore keeps accounts, their profiles and preferences.
type UserStore interface {
	// CreateUser inserts u, filling ID, CreatedAt and UpdatedAt when empty.
	// It returns ErrConflict when the email is taken, or when an existing
	// account's email looks like it (the same EmailSkeleton).
	CreateUser(ctx context.Context, u *User) error
	// CreateFirstAdmin inserts u only when no admin exists yet and reports
	// whether it did; concurrent callers create at most one.
	CreateFirstAdmin(ctx context.Context, u *User) (bool, error)
	// FirstAdmin returns the oldest admin account (whatever its status), or
	// ErrNotFound when there is none.
	FirstAdmin(ctx context.Context) (*User, error)
	// User returns the account with id, or ErrNotFound.
	User(ctx context.Context, id string) (*User, error)
	// UserByEmail returns the account with the normalised email, or ErrNotFound.
	UserByEmail(ctx context.Context, email string) (*User, error)
	// ListUsers returns a page of the users f selects, in f's order, and
	// how many it selects in all.
	ListUsers(ctx context.Context, f UserFilter) ([]User, int, error)
	// UpdateUserName sets the display name; ErrNotFound when there is no such user.
	UpdateUserName(ctx context.Context, id, name string) error
	// UpdatePasswordHash replaces the password hash with a new hash of the
	// same password (a rehash at login); ErrNotFound when there is no such user.
	UpdatePasswordHash(ctx context.Context, id, hash string) error
	// SetPassword sets the password hash and whether it is temporary (a
	// temporary one must be changed before anything else); ErrNotFound
	// when there is no such user.
	SetPassword(ctx context.Context, id, hash string, changeRequired bool) error
	// SetEmailVerified records when the account's address was proved
	// (zero: not proved); ErrNotFound when there is no such user.
	SetEmailVerified(ctx context.Context, id string, at time.Time) error
	// UpdateUserStatus sets the status; ErrNotFound when there is no such user.
	UpdateUserStatus(ctx context.Context, id string, status UserStatus) error
	// UpdateUserRole sets a user's role and admin role; ErrNotFound, or
	// ErrLastFullAdmin when it would leave no active full admin (checked
	// in the same transaction, so two admins demoting each other at once
	// cannot both succeed).
	UpdateUserRole(ctx context.Context, id string, role Role, admin AdminRole) error
	// Profile returns the user's profile (zero fields when never set), or ErrNotFound.
	Profile(ctx context.Context, userID string) (Profile, error)
	// PutProfile replaces the profile; ErrNotFound when there is no such user.
	PutProfile(ctx context.Context, userID string, p Profile) error
	// Preferences returns the user's preferences (defaults when never set), or ErrNotFound.
	Preferences(ctx context.Context, userID string) (Preferences, error)
	// PutPreferences replaces the preferences; ErrNotFound when there is no such user.
	PutPreferences(ctx context.Context, userID string, p Preferences) error
}

// TokenStore keeps bearer tokens (as hashes) and their families.
type TokenStore interface {
	// CreateTokenFamily starts a login: the family and its first access and
	// (unless nil) refresh token, atomically; ErrConflict when a token's
	// hash is known already.
	CreateTokenFamily(ctx context.Context, f *TokenFamily, access, refresh *Token) error
	// TokenOwner returns the unspent token with this hash and kind, with
	// FamilyRevoked filled in, and its owner's account — in one round trip,
	// as it is the lookup behind every bearer-authenticated request. It
	// returns ErrNotFound for no such token, and does not check expiry.
	TokenOwner(ctx context.Context, hash []byte, kind TokenKind) (*Token, *User, error)
	// RotateRefreshToken spends the refresh token with oldHash and adds the
	// new pair to its family, atomically. The new tokens' FamilyID and
	// UserID are filled in from the old one, and the family's earlier access
	// tokens are spent with the old refresh token. Outcomes: nil; ErrNotFound (no
	// such live token, expired, or family ended); ErrTokenReused (it was
	// already spent: the family is ended before returning).
	RotateRefreshToken(ctx context.Context, oldHash []byte, now time.Time, access, refresh *Token) error
	// TokenFamily returns one family with its provider fields
	// (ErrNotFound when none).
	TokenFamily(ctx context.Context, id string) (*TokenFamily, error)
	// SetProviderRefresh replaces the provider's refresh token of a family.
	SetProviderRefresh(ctx context.Context, familyID string, sealed []byte) error
	// RevokeTokenFamily ends one family; ending an ended or unknown family is not an error.
	RevokeTokenFamily(ctx context.Context, familyID string, now time.Time) error
	// ListTokenFamilies returns a user's live logins at now — families not
	// revoked with a token not yet expired — newest first.
	ListTokenFamilies(ctx context.Context, userID string, now time.Time) ([]TokenFamily, error)
	// RevokeUserTokenFamilies ends every family of the user except exceptID
	// (which may be empty) and returns how many it ended.
	RevokeUserTokenFamilies(ctx context.Context, userID, exceptID string, now time.Time) (int64, error)
	// DeleteExpiredTokens removes tokens that expired before t, and families
	// left with none, and returns how many tokens it removed.
	DeleteExpiredTokens(ctx context.Context, before time.Time) (int64, error)
}

// KeypairStore keeps access keys and their sealed secrets.
type KeypairStore interface {
	// CreateKeypair inserts k; ErrConflict when the access key exists.
	CreateKeypair(ctx context.Context, k *Keypair) error
	// Keypair returns the keypair, or ErrNotFound. It does not check expiry.
	Keypair(ctx context.Context, accessKey string) (*Keypair, error)
	// KeypairOwner is Keypair and the owner's account in one round trip:
	// the lookup behind every signed request.
	KeypairOwner(ctx context.Context, accessKey string) (*Keypair, *User, error)
	// ListKeypairs returns the user's keypairs of one kind, newest first.
	ListKeypairs(ctx context.Context, userID string, kind KeypairKind) ([]Keypair, error)
	// DeleteKeypair removes the user's keypair; ErrNotFound when the user has
	// no such keypair (including when another user has it).
	DeleteKeypair(ctx context.Context, userID, accessKey string) error
	// DeleteUserKeypairs removes the user's keypairs of one kind except
	// exceptKey (which may be empty) and returns how many it removed.
	DeleteUserKeypairs(ctx context.Context, userID string, kind KeypairKind, exceptKey string) (int64, error)
	// TouchKeypair records a use; it is best effort and may be coalesced.
	TouchKeypair(ctx context.Context, accessKey string, at time.Time) error
	// DeleteExpiredKeypairs removes keypairs that expired before t.
	DeleteExpiredKeypairs(ctx context.Context, before time.Time) (int64, error)
}

// AuditStore keeps the audit log; it is append-only.
type AuditStore interface {
	// AppendAudit records e, filling ID.
	AppendAudit(ctx context.Context, e *AuditEvent) error
	// ListAudit returns the events the filter selects, newest first, and the
	// total number that match.
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEvent, int, error)
}

// Store is everything the manager keeps in its database.
type Store interface {
	UserStore
	TokenStore
	KeypairStore
	AuditStore
	AdminStore
	FunctionStore
	ExecutionStore
	StatsStore
	MailStore
	IdentityStore
	ServiceStore
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// Close releases the database; the store is unusable afterwards.
	Close() error
}
