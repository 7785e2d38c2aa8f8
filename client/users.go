package client

import (
	"context"
	"net/http"
	"time"
)

// Me returns the authenticated user.
func (c *Client) Me(ctx context.Context) (*User, error) {
	var u User
	return ptr(&u, c.Do(ctx, http.MethodGet, "/api/users/me", nil, &u))
}

// UpdateMe changes fields of the authenticated user; nil fields stay.
type UpdateMe struct {
	Name            *string `json:"name,omitempty"`
	Password        *string `json:"password,omitempty"`
	CurrentPassword *string `json:"current_password,omitempty"`
}

// UpdateMe applies u.
func (c *Client) UpdateMe(ctx context.Context, u UpdateMe) (*User, error) {
	var out User
	return ptr(&out, c.Do(ctx, http.MethodPatch, "/api/users/me", u, &out))
}

// Preferences are dashboard settings.
type Preferences struct {
	PinnedFunctions []string `json:"pinned_functions"`
	Theme           string   `json:"theme"`
}

// PreferencesPatch changes some preferences; nil fields stay.
type PreferencesPatch struct {
	PinnedFunctions *[]string `json:"pinned_functions,omitempty"`
	Theme           *string   `json:"theme,omitempty"`
}

// Preferences returns the user's preferences.
func (c *Client) Preferences(ctx context.Context) (*Preferences, error) {
	var p Preferences
	return ptr(&p, c.Do(ctx, http.MethodGet, "/api/users/me/preferences", nil, &p))
}

// UpdatePreferences applies p.
func (c *Client) UpdatePreferences(ctx context.Context, p PreferencesPatch) (*Preferences, error) {
	var out Preferences
	return ptr(&out, c.Do(ctx, http.MethodPatch, "/api/users/me/preferences", p, &out))
}

// Profile is a user's personal details.
type Profile struct {
	FullName  string `json:"full_name"`
	Phone     string `json:"phone"`
	Country   string `json:"country"`
	City      string `json:"city"`
	Address   string `json:"address"`
	AvatarURL string `json:"avatar_url"`
}

// Profile returns the user's profile.
func (c *Client) Profile(ctx context.Context) (*Profile, error) {
	var p Profile
	return ptr(&p, c.Do(ctx, http.MethodGet, "/api/users/me/profile", nil, &p))
}

// PutProfile replaces the user's profile.
func (c *Client) PutProfile(ctx context.Context, p Profile) (*Profile, error) {
	var out Profile
	return ptr(&out, c.Do(ctx, http.MethodPut, "/api/users/me/profile", p, &out))
}

// Keypair is a long-lived keypair as listed (without its secret).
type Keypair struct {
	AccessKey  string     `json:"access_key"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// NewKeypair is a created keypair: the only time its secret is shown.
type NewKeypair struct {
	AccessKey string    `json:"access_key"`
	SecretKey string    `json:"secret_key"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Keypairs lists the user's long-lived keypairs.
func (c *Client) Keypairs(ctx context.Context) ([]Keypair, error) {
	var out struct {
		Keypairs []Keypair `json:"keypairs"`
	}
	err := c.Do(ctx, http.MethodGet, "/api/keypairs", nil, &out)
	return out.Keypairs, err
}

// CreateKeypair creates a keypair named name.
func (c *Client) CreateKeypair(ctx context.Context, name string) (*NewKeypair, error) {
	var k NewKeypair
	return ptr(&k, c.Do(ctx, http.MethodPost, "/api/keypairs", map[string]string{"name": name}, &k))
}

// DeleteKeypair deletes a keypair; it stops working at once.
func (c *Client) DeleteKeypair(ctx context.Context, accessKey string) error {
	return c.Do(ctx, http.MethodDelete, "/api/keypairs/"+accessKey, nil, nil)
}

// Ready reports whether the server's database and store answer (/readyz).
func (c *Client) Ready(ctx context.Context) error {
	return c.Do(ctx, http.MethodGet, "/readyz", nil, nil)
}
