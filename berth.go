// Package berth holds the domain of the berth platform: its types, the
// errors every layer shares, and the interfaces between the parts (stores,
// runtimes). It imports no adapter; adapters import it.
package berth

import (
	"errors"
	"fmt"
	"time"
)

// Domain errors. Adapters wrap them with %w; the API maps them to HTTP
// problems in one place.
var (
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrInvalid      = errors.New("invalid")
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
	// ErrTokenReused reports a refresh token presented after it was spent:
	// the token family has been revoked.
	ErrTokenReused = errors.New("refresh token reused")
	// ErrUnavailable reports a dependency (database, Redis) that cannot be
	// reached right now; the request may be retried.
	ErrUnavailable = errors.New("unavailable")
	// ErrLastFullAdmin refuses a change that would leave the platform
	// without an active full admin; it is an ErrConflict.
	// ErrQuota refuses what would go beyond a tier's limit.
	ErrQuota         = errors.New("quota exceeded")
	ErrLastFullAdmin = fmt.Errorf("%w: it would leave no active full admin", ErrConflict)
)

// APIVersion is the version of the manager's API: the manager answers
// every request with it in HeaderVersion, and the webserver sends it on the
// requests it forwards, as the source system's X-BackendAI-Version.
const APIVersion = "v1"

// HeaderVersion carries APIVersion.
const HeaderVersion = "X-Berth-Version"

// InvalidError is an ErrInvalid that names the offending field.
type InvalidError struct {
	Field  string // JSON name, e.g. "password" or "profile.phone"
	Reason string // a sentence that says what to do
}

func (e *InvalidError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Reason) }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// Invalid returns an *InvalidError.
func Invalid(field, reason string) error { return &InvalidError{Field: field, Reason: reason} }

// UserStatus is the life-cycle state of an account.
type UserStatus string

// User statuses.
const (
	UserActive  UserStatus = "active"
	UserBlocked UserStatus = "blocked"
	UserDeleted UserStatus = "deleted"
)

// Role is what an account may do on the platform.
type Role string

// Roles.
const (
	RoleUser  Role = "user"
	RoleAdmin Role = "admin"
)

// AdminRole refines RoleAdmin.
type AdminRole string

// Admin sub-roles.
const (
	AdminNone AdminRole = ""
	AdminFull AdminRole = "full_admin" // read-write
	AdminView AdminRole = "viewer"     // read-only
)

// User is an account.
type User struct {
	ID           string
	Email        string // normalised: NFC, lower-case
	Name         string
	Role         Role
	AdminRole    AdminRole
	Status       UserStatus
	PasswordHash string // argon2id, PHC string format
	// PasswordChangeRequired marks a temporary password: until it is
	// changed the account may do nothing else.
	PasswordChangeRequired bool
	TierID                 string  // "" for the platform's default tier
	OrganizationID         string  // "" for none
	OrganizationRole       OrgRole // with OrganizationID
	CreatedAt              time.Time
	UpdatedAt              time.Time
	// EmailVerifiedAt is when the account proved it reads its mail (a
	// verification code, or a temporary password that came by mail);
	// zero: not yet.
	EmailVerifiedAt time.Time
}

// Active reports whether the account may authenticate.
func (u *User) Active() bool { return u.Status == UserActive }

// Theme is a dashboard colour scheme.
type Theme string

// Themes.
const (
	ThemeLight  Theme = "light"
	ThemeDark   Theme = "dark"
	ThemeSystem Theme = "system"
)

// MaxPinnedFunctions caps Preferences.PinnedFunctions.
const MaxPinnedFunctions = 50

// Preferences are a user's dashboard settings.
type Preferences struct {
	PinnedFunctions []string `json:"pinned_functions"`
	Theme           Theme    `json:"theme"`
}

// Profile is a user's optional personal details.
type Profile struct {
	FullName  string `json:"full_name"`
	Phone     string `json:"phone"`
	Country   string `json:"country"`
	City      string `json:"city"`
	Address   string `json:"address"`
	AvatarURL string `json:"avatar_url"`
}

// TokenKind tells access tokens from refresh tokens.
type TokenKind string

// Token kinds.
const (
	TokenAccess  TokenKind = "access"
	TokenRefresh TokenKind = "refresh"
)

// Token is a bearer token as stored: only the SHA-256 of its value.
type Token struct {
	Hash      []byte
	Kind      TokenKind
	FamilyID  string
	UserID    string
	ExpiresAt time.Time
	CreatedAt time.Time
	// FamilyRevoked is set on lookup when the token's family has ended.
	FamilyRevoked bool
}

// TokenFamily is one login: the chain of access and refresh tokens that
// rotation produces from it. Ending the family ends every token in it.
type TokenFamily struct {
	ID         string
	UserID     string
	ClientAddr string
	CreatedAt  time.Time
	// ExpiresAt is when its last token expires (set by ListTokenFamilies).
	ExpiresAt time.Time
	// Provider is the OpenID provider that checked the password of this
	// login, and ProviderRefresh its refresh token, sealed; empty for a
	// login berth checked itself.
	Provider        string
	ProviderRefresh []byte
}

// KeypairKind tells a web session's keypair from a long-lived one.
type KeypairKind string

// Keypair kinds.
const (
	KeypairSession KeypairKind = "session" // bound to a web session, with a TTL
	KeypairCLI     KeypairKind = "cli"     // long-lived, for the CLI and SDK
)

// Keypair is an access key and its secret, which is kept encrypted.
type Keypair struct {
	AccessKey string
	UserID    string
	Kind      KeypairKind
	Name      string
	// SecretSealed is the secret encrypted under the master key.
	SecretSealed []byte
	CreatedAt    time.Time
	ExpiresAt    time.Time // zero: never
	LastUsedAt   time.Time // zero: never used
}

// Expired reports whether the keypair is past its expiry at now.
func (k *Keypair) Expired(now time.Time) bool {
	return !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt)
}

// AuditOutcome is how an audited action ended.
type AuditOutcome string

// Audit outcomes.
const (
	AuditSuccess AuditOutcome = "success"
	AuditFailure AuditOutcome = "failure"
)

// AuditEvent records one authentication event or change.
type AuditEvent struct {
	ID         int64
	At         time.Time
	ActorID    string // empty when unknown (a failed login for an unknown email)
	ActorEmail string
	Action     string // e.g. "auth.login", "keypair.create"
	Target     string // what the action touched, e.g. an access key
	ClientAddr string
	Outcome    AuditOutcome
	Detail     string // a short reason, never a secret
}

// AuditFilter selects audit events; zero fields match everything.
type AuditFilter struct {
	ActorID string
	// Target selects events about this object (an account, a function…).
	Target string
	// Subject selects events by or about this account (actor or target).
	Subject string
	Action  string
	Since   time.Time
	Until   time.Time
	Page    Page
}

// Page selects a slice of a list: 1-based page number and its size.
type Page struct {
	Number int
	Size   int
}

// Offset returns the number of items before the page.
func (p Page) Offset() int { return (p.Number - 1) * p.Size }
