package manager

import (
	"time"

	"github.com/berth-platform/berth"
)

// User is an account as the API shows it.
type User struct {
	ID        string    `json:"id" format:"uuid"`
	Email     string    `json:"email" format:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role" enum:"user,admin"`
	AdminRole string    `json:"admin_role,omitempty" enum:"full_admin,viewer" doc:"Only for admins: full_admin (read-write) or viewer (read-only)."`
	Status    string    `json:"status" enum:"active,blocked,deleted"`
	CreatedAt time.Time `json:"created_at"`
}

func userOut(u *berth.User) User {
	return User{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), AdminRole: string(u.AdminRole),
		Status: string(u.Status), CreatedAt: u.CreatedAt}
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
