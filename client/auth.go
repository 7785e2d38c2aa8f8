package client

import (
	"context"
	"net/http"
	"net/url"
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
	PasswordChangeRequired bool `json:"password_change_required,omitempty"`
	// EmailVerificationRequired: the server requires confirmed addresses
	// and this one is not; VerifyEmail with the mailed code first.
	EmailVerificationRequired bool      `json:"email_verification_required,omitempty"`
	TierID                    string    `json:"tier_id,omitempty"`
	OrganizationID            string    `json:"organization_id,omitempty"`
	OrganizationRole          string    `json:"organization_role,omitempty"`
	CreatedAt                 time.Time `json:"created_at"`
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

// SignInProvider is an OpenID provider the server offers.
type SignInProvider struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// AuthOptions are what sign-in offers on the server.
type AuthOptions struct {
	Registration   bool             `json:"registration"`
	Providers      []SignInProvider `json:"providers"`
	LocalPasswords bool             `json:"local_passwords"`
}

// AuthOptions reads what sign-in offers.
func (c *Client) AuthOptions(ctx context.Context) (*AuthOptions, error) {
	var o AuthOptions
	return ptr(&o, c.Do(ctx, http.MethodGet, "/api/auth/options", nil, &o))
}

// Device is a device sign-in started at a provider: the person enters
// UserCode at VerificationURI (or opens VerificationURIComplete).
type Device struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete,omitempty"`
	ExpiresIn               int    `json:"expires_in"`
	Interval                int    `json:"interval"`
}

// StartDeviceSignIn starts a device sign-in at the provider (a 404 when
// it offers none).
func (c *Client) StartDeviceSignIn(ctx context.Context, provider string) (*Device, error) {
	var d Device
	return ptr(&d, c.Do(ctx, http.MethodPost, "/api/auth/oidc/"+url.PathEscape(provider)+"/device", nil, &d))
}

// DeviceSignIn is one poll of a device sign-in: Tokens once the person
// approved, else Pending with the seconds to wait.
type DeviceSignIn struct {
	Tokens
	Status   string `json:"status,omitempty"`
	Interval int    `json:"interval,omitempty"`
}

// Pending reports whether the person has not approved yet.
func (d *DeviceSignIn) Pending() bool { return d.AccessToken == "" && d.Status != "" }

// PollDeviceSignIn asks once whether the device sign-in was approved.
func (c *Client) PollDeviceSignIn(ctx context.Context, provider, deviceCode string) (*DeviceSignIn, error) {
	var d DeviceSignIn
	return ptr(&d, c.Do(ctx, http.MethodPost, "/api/auth/oidc/"+url.PathEscape(provider)+"/device/token",
		map[string]string{"device_code": deviceCode}, &d))
}

// SignInURL is where to send a browser to sign in at the provider, back
// to redirectURI.
func (c *Client) SignInURL(ctx context.Context, provider, redirectURI, state, nonce, verifier string) (string, error) {
	var out struct {
		URL string `json:"url"`
	}
	err := c.Do(ctx, http.MethodPost, "/api/auth/oidc/"+url.PathEscape(provider)+"/authorization-url",
		map[string]string{"redirect_uri": redirectURI, "state": state, "nonce": nonce, "code_verifier": verifier}, &out)
	return out.URL, err
}

// RedeemSignIn exchanges the provider's authorization code for a login.
func (c *Client) RedeemSignIn(ctx context.Context, provider, code, verifier, nonce, redirectURI string) (*Tokens, error) {
	var t Tokens
	return ptr(&t, c.Do(ctx, http.MethodPost, "/api/auth/oidc/"+url.PathEscape(provider)+"/token",
		map[string]string{"code": code, "code_verifier": verifier, "nonce": nonce, "redirect_uri": redirectURI}, &t))
}

// SendVerificationCode mails a new six-digit code to the account's address.
func (c *Client) SendVerificationCode(ctx context.Context) error {
	return c.Do(ctx, http.MethodPost, "/api/email-verification/resend", nil, nil)
}

// VerifyEmail confirms the account's address with the mailed code.
func (c *Client) VerifyEmail(ctx context.Context, code string) error {
	return c.Do(ctx, http.MethodPost, "/api/email-verification/verify", map[string]string{"code": code}, nil)
}
