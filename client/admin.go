package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// UserList is one page of accounts.
type UserList struct {
	Items   []User `json:"items"`
	Page    int    `json:"page"`
	PerPage int    `json:"per_page"`
	Total   int    `json:"total"`
}

// UserQuery selects accounts for AdminUsers; zero fields match everything.
type UserQuery struct {
	Query, Status, Role, AdminRole string
	// OrganizationID, TierID, FeatureRole and GroupID select members.
	OrganizationID, TierID, FeatureRole, GroupID string
	// Sort is email (default), name or created_at, with a leading "-" for
	// descending.
	Sort          string
	Page, PerPage int
}

// AdminUsers lists accounts (administrators, viewers included).
func (c *Client) AdminUsers(ctx context.Context, q UserQuery) (*UserList, error) {
	v := url.Values{}
	for k, s := range map[string]string{"q": q.Query, "status": q.Status, "role": q.Role, "admin_role": q.AdminRole, "sort": q.Sort,
		"organization_id": q.OrganizationID, "tier_id": q.TierID, "feature_role": q.FeatureRole, "group_id": q.GroupID} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Page > 0 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if q.PerPage > 0 {
		v.Set("per_page", strconv.Itoa(q.PerPage))
	}
	var out UserList
	return ptr(&out, c.Do(ctx, http.MethodGet, "/api/admin/users?"+v.Encode(), nil, &out))
}

// AdminUser returns one account.
func (c *Client) AdminUser(ctx context.Context, id string) (*User, error) {
	var out User
	return ptr(&out, c.Do(ctx, http.MethodGet, "/api/admin/users/"+url.PathEscape(id), nil, &out))
}

// AdminBlockUser blocks an account, ending every session it holds (full
// administrators only).
func (c *Client) AdminBlockUser(ctx context.Context, id, reason string) (*User, error) {
	var out User
	return ptr(&out, c.Do(ctx, http.MethodPost, "/api/admin/users/"+url.PathEscape(id)+"/block", map[string]string{"reason": reason}, &out))
}

// AdminEnableUser lets a blocked account sign in again.
func (c *Client) AdminEnableUser(ctx context.Context, id string) (*User, error) {
	var out User
	return ptr(&out, c.Do(ctx, http.MethodPost, "/api/admin/users/"+url.PathEscape(id)+"/enable", nil, &out))
}

// UserPatch changes an account; nil fields stay. AdminRole "none" clears
// it (with Role "user").
type UserPatch struct {
	Name      *string `json:"name,omitempty"`
	Role      *string `json:"role,omitempty"`
	AdminRole *string `json:"admin_role,omitempty"`
	// TierID puts the account on a tier of its own ("" for none);
	// OrganizationID moves it into an organisation as a member ("" out).
	TierID         *string `json:"tier_id,omitempty"`
	OrganizationID *string `json:"organization_id,omitempty"`
}

// AdminUpdateUser renames an account or changes its role (full
// administrators only).
func (c *Client) AdminUpdateUser(ctx context.Context, id string, p UserPatch) (*User, error) {
	var out User
	return ptr(&out, c.Do(ctx, http.MethodPatch, "/api/admin/users/"+url.PathEscape(id), p, &out))
}

// AdminDeleteUser deletes an account softly (full administrators only).
func (c *Client) AdminDeleteUser(ctx context.Context, id string) (*User, error) {
	var out User
	return ptr(&out, c.Do(ctx, http.MethodDelete, "/api/admin/users/"+url.PathEscape(id), nil, &out))
}

// AdminRestoreUser restores a deleted account.
func (c *Client) AdminRestoreUser(ctx context.Context, id string) (*User, error) {
	var out User
	return ptr(&out, c.Do(ctx, http.MethodPost, "/api/admin/users/"+url.PathEscape(id)+"/restore", nil, &out))
}

// Login is one bearer-token login of an account.
type Login struct {
	ID         string    `json:"id"`
	ClientAddr string    `json:"client_addr,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// UserSessions is what an account is signed in with.
type UserSessions struct {
	WebSessions []Keypair `json:"web_sessions"`
	Keypairs    []Keypair `json:"keypairs"`
	Logins      []Login   `json:"logins"`
}

// AdminUserSessions lists an account's web sessions, keypairs and logins.
func (c *Client) AdminUserSessions(ctx context.Context, id string) (*UserSessions, error) {
	var out UserSessions
	return ptr(&out, c.Do(ctx, http.MethodGet, "/api/admin/users/"+url.PathEscape(id)+"/sessions", nil, &out))
}

// AdminEndUserSession ends one of them: a keypair by access key, a login
// by id.
func (c *Client) AdminEndUserSession(ctx context.Context, id, session string) error {
	return c.Do(ctx, http.MethodDelete, "/api/admin/users/"+url.PathEscape(id)+"/sessions/"+url.PathEscape(session), nil, nil)
}
