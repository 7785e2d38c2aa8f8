package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The administration beyond accounts: creating accounts with temporary
// passwords, feature roles, tiers, organisations, groups, early access and
// the platform settings. Reads are open to every administrator, writes to
// full administrators.

// NewUser is an account an administrator creates.
type NewUser struct {
	Email          string `json:"email"`
	Name           string `json:"name"`
	Role           string `json:"role,omitempty"`
	AdminRole      string `json:"admin_role,omitempty"`
	OrganizationID string `json:"organization_id,omitempty"`
	TierID         string `json:"tier_id,omitempty"`
}

// TemporaryPassword is how a temporary password was handed over: mailed,
// or in Password (shown once), with MailError when mailing failed.
type TemporaryPassword struct {
	User      User   `json:"user"`
	Password  string `json:"temporary_password,omitempty"`
	Mailed    bool   `json:"mailed"`
	MailError string `json:"mail_error,omitempty"`
}

// AdminCreateUser creates an account with a temporary password.
func (c *Client) AdminCreateUser(ctx context.Context, u NewUser) (*TemporaryPassword, error) {
	var out TemporaryPassword
	return ptr(&out, c.Do(ctx, http.MethodPost, "/api/admin/users", u, &out))
}

// AdminTemporaryPassword gives an account a new temporary password and
// ends every session it holds.
func (c *Client) AdminTemporaryPassword(ctx context.Context, id string) (*TemporaryPassword, error) {
	var out TemporaryPassword
	return ptr(&out, c.Do(ctx, http.MethodPost, "/api/admin/users/"+url.PathEscape(id)+"/temporary-password", nil, &out))
}

// Entitlements are what an account may use.
type Entitlements struct {
	Tier         TierRef  `json:"tier"`
	FeatureRoles []string `json:"feature_roles"`
	OwnRoles     []string `json:"own_feature_roles"`
	Groups       []string `json:"groups"`
}

// TierRef names a tier.
type TierRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// UserDetail is an account with its entitlements.
type UserDetail struct {
	User
	Entitlements
}

// AdminUserDetail returns an account with its tier, feature roles and groups.
func (c *Client) AdminUserDetail(ctx context.Context, id string) (*UserDetail, error) {
	var out UserDetail
	return ptr(&out, c.Do(ctx, http.MethodGet, "/api/admin/users/"+url.PathEscape(id), nil, &out))
}

// MeDetail returns the signed-in account with its entitlements.
func (c *Client) MeDetail(ctx context.Context) (*UserDetail, error) {
	var out UserDetail
	return ptr(&out, c.Do(ctx, http.MethodGet, "/api/users/me", nil, &out))
}

// Usage is one limit of the account's tier with its current use.
type Usage struct {
	Limit string `json:"limit"`
	Max   int64  `json:"max"`
	Used  *int64 `json:"used,omitempty"`
}

// UsageReport is every limit of the account's tier.
type UsageReport struct {
	Tier     TierRef   `json:"tier"`
	Limits   []Usage   `json:"limits"`
	ResetsAt time.Time `json:"resets_at"`
}

// Usage returns the signed-in account's limits and use.
func (c *Client) Usage(ctx context.Context) (*UsageReport, error) {
	var out UsageReport
	return ptr(&out, c.Do(ctx, http.MethodGet, "/api/users/me/usage", nil, &out))
}

// AdminGrantFeatureRole grants an account a feature role of its own.
func (c *Client) AdminGrantFeatureRole(ctx context.Context, userID, role string) error {
	return c.Do(ctx, http.MethodPut, "/api/admin/users/"+url.PathEscape(userID)+"/feature-roles/"+url.PathEscape(role), nil, nil)
}

// AdminRevokeFeatureRole takes an account's own grant back.
func (c *Client) AdminRevokeFeatureRole(ctx context.Context, userID, role string) error {
	return c.Do(ctx, http.MethodDelete, "/api/admin/users/"+url.PathEscape(userID)+"/feature-roles/"+url.PathEscape(role), nil, nil)
}

// TierLimits are a tier's quotas; 0 is no limit.
type TierLimits struct {
	MaxFunctions         int   `json:"max_functions"`
	MaxInvocationsPerDay int64 `json:"max_invocations_per_day"`
	MaxMemoryMB          int   `json:"max_memory_mb"`
	MaxTimeoutMS         int   `json:"max_timeout_ms"`
	MaxConcurrentCalls   int   `json:"max_concurrent_calls"`
	MaxArtefactBytes     int64 `json:"max_artefact_bytes"`
	APIRequestsPerSecond int   `json:"api_requests_per_second"`
}

// Tier is a named set of limits and feature roles.
type Tier struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	Description   string     `json:"description"`
	Limits        TierLimits `json:"limits"`
	FeatureRoles  []string   `json:"feature_roles"`
	BuiltIn       bool       `json:"built_in"`
	Default       bool       `json:"default"`
	Users         *int       `json:"users,omitempty"`
	Organizations *int       `json:"organizations,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

// TierInput creates a tier or, with nil fields left alone, changes one.
type TierInput struct {
	Name         *string     `json:"name,omitempty"`
	Description  *string     `json:"description,omitempty"`
	Limits       *TierLimits `json:"limits,omitempty"`
	FeatureRoles *[]string   `json:"feature_roles,omitempty"`
}

// AdminTiers lists every tier.
func (c *Client) AdminTiers(ctx context.Context) ([]Tier, error) {
	var out struct {
		Items []Tier `json:"items"`
	}
	err := c.Do(ctx, http.MethodGet, "/api/admin/tiers", nil, &out)
	return out.Items, err
}

// AdminTier returns one tier with how many accounts and organisations are on it.
func (c *Client) AdminTier(ctx context.Context, id string) (*Tier, error) {
	var out Tier
	return ptr(&out, c.Do(ctx, http.MethodGet, "/api/admin/tiers/"+url.PathEscape(id), nil, &out))
}

// AdminCreateTier creates a tier.
func (c *Client) AdminCreateTier(ctx context.Context, t TierInput) (*Tier, error) {
	var out Tier
	return ptr(&out, c.Do(ctx, http.MethodPost, "/api/admin/tiers", t, &out))
}

// AdminUpdateTier changes a tier.
func (c *Client) AdminUpdateTier(ctx context.Context, id string, t TierInput) (*Tier, error) {
	var out Tier
	return ptr(&out, c.Do(ctx, http.MethodPatch, "/api/admin/tiers/"+url.PathEscape(id), t, &out))
}

// AdminDeleteTier deletes a tier nobody is on.
func (c *Client) AdminDeleteTier(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, "/api/admin/tiers/"+url.PathEscape(id), nil, nil)
}

// Organization is an organisation with its member count.
type Organization struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	TierID      string    `json:"tier_id,omitempty"`
	Members     int       `json:"members"`
	CreatedAt   time.Time `json:"created_at"`
}

// OrganizationList is one page of organisations.
type OrganizationList struct {
	Items   []Organization `json:"items"`
	Page    int            `json:"page"`
	PerPage int            `json:"per_page"`
	Total   int            `json:"total"`
}

// LabelInput creates an organisation or group, or with nil fields left
// alone changes one; TierID is for organisations ("" for the default tier).
type LabelInput struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	TierID      *string `json:"tier_id,omitempty"`
}

// AdminOrganizations lists a page of organisations.
func (c *Client) AdminOrganizations(ctx context.Context, page, perPage int) (*OrganizationList, error) {
	var out OrganizationList
	return ptr(&out, c.Do(ctx, http.MethodGet, "/api/admin/organizations?"+pageQuery(page, perPage), nil, &out))
}

// AdminOrganization returns one organisation.
func (c *Client) AdminOrganization(ctx context.Context, id string) (*Organization, error) {
	var out Organization
	return ptr(&out, c.Do(ctx, http.MethodGet, "/api/admin/organizations/"+url.PathEscape(id), nil, &out))
}

// AdminCreateOrganization creates an organisation.
func (c *Client) AdminCreateOrganization(ctx context.Context, o LabelInput) (*Organization, error) {
	var out Organization
	return ptr(&out, c.Do(ctx, http.MethodPost, "/api/admin/organizations", o, &out))
}

// AdminUpdateOrganization changes an organisation.
func (c *Client) AdminUpdateOrganization(ctx context.Context, id string, o LabelInput) (*Organization, error) {
	var out Organization
	return ptr(&out, c.Do(ctx, http.MethodPatch, "/api/admin/organizations/"+url.PathEscape(id), o, &out))
}

// AdminDeleteOrganization deletes an organisation without members.
func (c *Client) AdminDeleteOrganization(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, "/api/admin/organizations/"+url.PathEscape(id), nil, nil)
}

// AdminSetOrganizationMember makes an account a member with role (owner or
// member), or changes a member's role.
func (c *Client) AdminSetOrganizationMember(ctx context.Context, orgID, userID, role string) error {
	return c.Do(ctx, http.MethodPut, "/api/admin/organizations/"+url.PathEscape(orgID)+"/members/"+url.PathEscape(userID),
		map[string]string{"role": role}, nil)
}

// AdminRemoveOrganizationMember ends a membership.
func (c *Client) AdminRemoveOrganizationMember(ctx context.Context, orgID, userID string) error {
	return c.Do(ctx, http.MethodDelete, "/api/admin/organizations/"+url.PathEscape(orgID)+"/members/"+url.PathEscape(userID), nil, nil)
}

// Group is a group with its member count; one group's answer also holds a
// page of its members.
type Group struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Members     int       `json:"members"`
	CreatedAt   time.Time `json:"created_at"`
	Users       *UserList `json:"users,omitempty"`
}

// AdminGroups lists every group.
func (c *Client) AdminGroups(ctx context.Context) ([]Group, error) {
	var out struct {
		Items []Group `json:"items"`
	}
	err := c.Do(ctx, http.MethodGet, "/api/admin/groups", nil, &out)
	return out.Items, err
}

// AdminGroup returns one group with a page of its members.
func (c *Client) AdminGroup(ctx context.Context, id string, page, perPage int) (*Group, error) {
	var out Group
	return ptr(&out, c.Do(ctx, http.MethodGet, "/api/admin/groups/"+url.PathEscape(id)+"?"+pageQuery(page, perPage), nil, &out))
}

// AdminCreateGroup creates a group.
func (c *Client) AdminCreateGroup(ctx context.Context, g LabelInput) (*Group, error) {
	var out Group
	return ptr(&out, c.Do(ctx, http.MethodPost, "/api/admin/groups", g, &out))
}

// AdminUpdateGroup renames a group or changes its description.
func (c *Client) AdminUpdateGroup(ctx context.Context, id string, g LabelInput) (*Group, error) {
	var out Group
	return ptr(&out, c.Do(ctx, http.MethodPatch, "/api/admin/groups/"+url.PathEscape(id), g, &out))
}

// AdminDeleteGroup deletes a group and its memberships.
func (c *Client) AdminDeleteGroup(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, "/api/admin/groups/"+url.PathEscape(id), nil, nil)
}

// AdminAddGroupMember adds an account to a group.
func (c *Client) AdminAddGroupMember(ctx context.Context, groupID, userID string) error {
	return c.Do(ctx, http.MethodPut, "/api/admin/groups/"+url.PathEscape(groupID)+"/members/"+url.PathEscape(userID), nil, nil)
}

// AdminRemoveGroupMember removes an account from a group.
func (c *Client) AdminRemoveGroupMember(ctx context.Context, groupID, userID string) error {
	return c.Do(ctx, http.MethodDelete, "/api/admin/groups/"+url.PathEscape(groupID)+"/members/"+url.PathEscape(userID), nil, nil)
}

// EarlyAccessRequest asks for an account while registration is by early access.
type EarlyAccessRequest struct {
	ID             string     `json:"id"`
	Email          string     `json:"email"`
	Name           string     `json:"name"`
	Reason         string     `json:"reason"`
	Status         string     `json:"status"`
	DecisionReason string     `json:"decision_reason,omitempty"`
	UserID         string     `json:"user_id,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	DecidedAt      *time.Time `json:"decided_at,omitempty"`
}

// EarlyAccessList is one page of requests.
type EarlyAccessList struct {
	Items   []EarlyAccessRequest `json:"items"`
	Page    int                  `json:"page"`
	PerPage int                  `json:"per_page"`
	Total   int                  `json:"total"`
}

// AdminEarlyAccess lists requests with status ("" for all), oldest first.
func (c *Client) AdminEarlyAccess(ctx context.Context, status string, page, perPage int) (*EarlyAccessList, error) {
	q := pageQuery(page, perPage)
	if status != "" {
		q += "&status=" + url.QueryEscape(status)
	}
	var out EarlyAccessList
	return ptr(&out, c.Do(ctx, http.MethodGet, "/api/admin/early-access?"+q, nil, &out))
}

// EarlyAccessApproval is an approved request and how the new account's
// temporary password was handed over.
type EarlyAccessApproval struct {
	Request EarlyAccessRequest `json:"request"`
	TemporaryPassword
}

// AdminApproveEarlyAccess approves a request, creating the account.
func (c *Client) AdminApproveEarlyAccess(ctx context.Context, id string) (*EarlyAccessApproval, error) {
	var out EarlyAccessApproval
	return ptr(&out, c.Do(ctx, http.MethodPost, "/api/admin/early-access/"+url.PathEscape(id)+"/approve", nil, &out))
}

// AdminRejectEarlyAccess rejects a request with a reason.
func (c *Client) AdminRejectEarlyAccess(ctx context.Context, id, reason string) (*EarlyAccessRequest, error) {
	var out EarlyAccessRequest
	return ptr(&out, c.Do(ctx, http.MethodPost, "/api/admin/early-access/"+url.PathEscape(id)+"/reject", map[string]string{"reason": reason}, &out))
}

// PlatformSettings are the platform settings; the SMTP password reads ********
// when one is set.
type PlatformSettings struct {
	RegistrationMode    string       `json:"registration_mode"`
	EarlyAccessCapacity int          `json:"early_access_capacity"`
	DefaultTierID       string       `json:"default_tier_id"`
	Mail                MailSettings `json:"mail"`
}

// MailSettings are how berth sends mail.
type MailSettings struct {
	From         string `json:"from"`
	SMTPHost     string `json:"smtp_host"`
	SMTPPort     int    `json:"smtp_port"`
	SMTPUsername string `json:"smtp_username"`
	SMTPPassword string `json:"smtp_password"`
	SMTPSecurity string `json:"smtp_security"`
	Configured   bool   `json:"configured"`
}

// AdminSettings returns the platform settings.
func (c *Client) AdminSettings(ctx context.Context) (*PlatformSettings, error) {
	var out PlatformSettings
	return ptr(&out, c.Do(ctx, http.MethodGet, "/api/admin/settings", nil, &out))
}

// AdminUpdateSettings changes the settings patch names (a JSON object of
// the fields to change; mail's fields under "mail").
func (c *Client) AdminUpdateSettings(ctx context.Context, patch map[string]any) (*PlatformSettings, error) {
	var out PlatformSettings
	return ptr(&out, c.Do(ctx, http.MethodPatch, "/api/admin/settings", patch, &out))
}

func pageQuery(page, perPage int) string {
	v := url.Values{}
	if page > 0 {
		v.Set("page", strconv.Itoa(page))
	}
	if perPage > 0 {
		v.Set("per_page", strconv.Itoa(perPage))
	}
	return v.Encode()
}

// ImportUser is one account to import: its hash is bcrypt from the system
// it comes from, or empty for none.
type ImportUser struct {
	Email         string `json:"email"`
	Name          string `json:"name,omitempty"`
	PasswordHash  string `json:"password_hash,omitempty"`
	EmailVerified bool   `json:"email_verified,omitempty"`
}

// ImportResult counts what an import created and says why it skipped
// each account it left out (Index is the position in the list, from 1).
type ImportResult struct {
	Created int `json:"created"`
	Skipped []struct {
		Index  int    `json:"index"`
		Email  string `json:"email"`
		Reason string `json:"reason"`
	} `json:"skipped"`
}

// AdminImportUsers imports accounts (full admins); it is idempotent.
func (c *Client) AdminImportUsers(ctx context.Context, users []ImportUser) (*ImportResult, error) {
	var out ImportResult
	return ptr(&out, c.Do(ctx, http.MethodPost, "/api/admin/users/import", map[string]any{"users": users}, &out))
}
