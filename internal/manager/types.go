package manager

import (
	"time"

	"github.com/berth-platform/berth"
)

// User is an account as the API shows it.
type User struct {
	ID        string `json:"id" format:"uuid"`
	Email     string `json:"email" format:"email"`
	Name      string `json:"name"`
	Role      string `json:"role" enum:"user,admin"`
	AdminRole string `json:"admin_role,omitempty" enum:"full_admin,viewer" doc:"Only for admins: full_admin (read-write) or viewer (read-only)."`
	Status    string `json:"status" enum:"active,blocked,deleted"`
	// PasswordChangeRequired: the account holds a temporary password and
	// may do nothing but change it (PATCH /api/users/me).
	PasswordChangeRequired bool   `json:"password_change_required,omitempty"`
	TierID                 string `json:"tier_id,omitempty" doc:"The account's own tier; empty: its organisation's or the default."`
	OrganizationID         string `json:"organization_id,omitempty"`
	OrganizationRole       string `json:"organization_role,omitempty" enum:"owner,member"`
	// EmailVerified: the account proved its address (a mailed code, or a
	// temporary password that came by mail).
	EmailVerified bool `json:"email_verified"`
	// EmailVerificationRequired: the operator requires confirmed addresses
	// and this one is not: nothing works until it is (see
	// /api/email-verification).
	EmailVerificationRequired bool      `json:"email_verification_required,omitempty"`
	CreatedAt                 time.Time `json:"created_at"`
}

func userOut(u *berth.User) User {
	return User{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), AdminRole: string(u.AdminRole),
		Status: string(u.Status), PasswordChangeRequired: u.PasswordChangeRequired, TierID: u.TierID,
		OrganizationID: u.OrganizationID, OrganizationRole: string(u.OrganizationRole), EmailVerified: !u.EmailVerifiedAt.IsZero(),
		CreatedAt: u.CreatedAt}
}

// Entitlements are what an account may use.
type Entitlements struct {
	Tier         TierRef  `json:"tier" doc:"The tier that covers the account: its own, its organisation's or the default."`
	FeatureRoles []string `json:"feature_roles" doc:"Effective feature roles: the tier's and the account's own (full admins hold all)."`
	OwnRoles     []string `json:"own_feature_roles" doc:"The feature roles granted to the account itself."`
	Groups       []string `json:"groups" doc:"The names of the account's groups."`
	// Organization names the account's organisation, which its members
	// cannot list otherwise.
	Organization *OrgRef `json:"organization,omitempty" doc:"The account's organisation, when it has one."`
}

// OrgRef names an organisation.
type OrgRef struct {
	ID   string `json:"id" format:"uuid"`
	Name string `json:"name"`
}

// TierRef names a tier.
type TierRef struct {
	ID   string `json:"id" format:"uuid"`
	Name string `json:"name"`
}

func entitlementsOut(e *entitlements) Entitlements {
	out := Entitlements{Tier: TierRef{ID: e.tier.ID, Name: e.tier.Name}, FeatureRoles: []string{}, OwnRoles: []string{}, Groups: []string{}}
	for _, r := range e.roles {
		out.FeatureRoles = append(out.FeatureRoles, string(r))
	}
	for _, r := range e.own {
		out.OwnRoles = append(out.OwnRoles, string(r))
	}
	out.Groups = append(out.Groups, e.groups...)
	return out
}

// UserDetail is an account with its entitlements.
type UserDetail struct {
	User
	Entitlements
}

// Tokens is a login's token pair.
type Tokens struct {
	AccessToken  string `json:"access_token" doc:"Send as Authorization: Bearer <access_token>."`
	RefreshToken string `json:"refresh_token" doc:"Exchange at POST /api/auth/refresh for a new pair; usable once."`
	TokenType    string `json:"token_type" enum:"Bearer"`
	ExpiresIn    int    `json:"expires_in" doc:"Seconds until the access token expires."`
	User         User   `json:"user"`
}

// Credentials are an email and a password.
type Credentials struct {
	Email    string `json:"email" minLength:"1" maxLength:"320" example:"ada@example.com"`
	Password string `json:"password" minLength:"1" maxLength:"1024"`
}

// Keypair is a keypair as listed: never with its secret.
type Keypair struct {
	AccessKey  string     `json:"access_key"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

func keypairOut(k *berth.Keypair) Keypair {
	return Keypair{AccessKey: k.AccessKey, Name: k.Name, CreatedAt: k.CreatedAt,
		ExpiresAt: timePtr(k.ExpiresAt), LastUsedAt: timePtr(k.LastUsedAt)}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
