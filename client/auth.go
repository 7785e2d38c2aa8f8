package client

import (
	"context"
	"net/http"
	"time"
)

// User is an account.
type User struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	AdminRole string `json:"admin_role,omitempty"`
	Status    string `json:"status"`
	// PasswordChangeRequired: the account holds a temporary password and
	// may do nothing but change it (UpdateMe with the current password).
	PasswordChangeRequired bool      `json:"password_change_required,omitempty"`
	TierID                 string    `json:"tier_id,omitempty"`
	OrganizationID         string    `json:"organization_id,omitempty"`
	OrganizationRole       string    `json:"organization_role,omitempty"`
	CreatedAt              time.Time `json:"created_at"`
	// Ended is set by UpdateMe after a password change: what it ended.
	Ended *Ended `json:"ended,omitempty"`
}

// Ended counts the credentials a revocation ended.
type Ended struct {
	WebSessions   int64 `json:"web_sessions"`
	Keypairs      int64 `json:"keypairs"`
	TokenFamilies int64 `json:"token_families"`
}

// Tokens is the answer to a login or a refresh.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	User         User   `json:"user"`
}

// SessionKeypair is the answer to Authorize.
type SessionKeypair struct {
	AccessKey string    `json:"access_key"`
	SecretKey string    `json:"secret_key"`
	Role      string    `json:"role"`
	Status    string    `json:"status"`
	ExpiresAt time.Time `json:"expires_at"`
	User      User      `json:"user"`
}

// Register creates an account (where the server allows registration).
func (c *Client) Register(ctx context.Context, email, password, name string) (*User, error) {
	var u User
	err := c.Do(ctx, http.MethodPost, "/api/auth/register",
		map[string]string{"email": email, "password": password, "name": name}, &u)
	return ptr(&u, err)
}

// Login exchanges an email and password for tokens.
func (c *Client) Login(ctx context.Context, email, password string) (*Tokens, error) {
	var t Tokens
	err := c.Do(ctx, http.MethodPost, "/api/auth/login", map[string]string{"email": email, "password": password}, &t)
	return ptr(&t, err)
}

// Refresh exchanges a refresh token for a new pair; the old one is spent.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*Tokens, error) {
	var t Tokens
	err := c.Do(ctx, http.MethodPost, "/api/auth/refresh", map[string]string{"refresh_token": refreshToken}, &t)
	return ptr(&t, err)
}

// Logout ends the client's session, or every session of the user.
func (c *Client) Logout(ctx context.Context, all bool) error {
	var body any
	if all {
		body = map[string]bool{"all": true}
	}
	return c.Do(ctx, http.MethodPost, "/api/auth/logout", body, nil)
}

// LogoutEverywhere ends every login of the user — bearer tokens, web
// sessions and CLI keypairs, this client's own credential included — and
// returns how many of each ended.
func (c *Client) LogoutEverywhere(ctx context.Context) (*Ended, error) {
	var out Ended
	return ptr(&out, c.Do(ctx, http.MethodPost, "/api/auth/logout", map[string]bool{"all": true}, &out))
}

// Authorize exchanges an email and password for a keypair bound to a web
// session.
func (c *Client) Authorize(ctx context.Context, email, password string) (*SessionKeypair, error) {
	var k SessionKeypair
	err := c.Do(ctx, http.MethodPost, "/api/auth/authorize", map[string]string{"email": email, "password": password}, &k)
	return ptr(&k, err)
}

func ptr[T any](v *T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}
