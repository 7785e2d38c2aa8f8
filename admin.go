package berth

import (
	"context"
	"fmt"
	"time"
)

// DefaultTierID is the built-in tier, created with the schema: no limits,
// and the public-functions feature role. It is the platform's default
// tier until an administrator names another.
const DefaultTierID = "00000000-0000-4000-8000-000000000001"

// ErrInUse refuses to delete something others still refer to (a tier
// with accounts or organisations on it, an organisation with members);
// it is an ErrConflict.
var ErrInUse = fmt.Errorf("%w: it is in use", ErrConflict)

// FeatureRole gates a platform feature. An account holds the roles of its
// tier and its own grants; full admins hold them all.
type FeatureRole string

// Feature roles.
const (
	FeatureContainers      FeatureRole = "containers"       // may use the container runtime
	FeaturePublicFunctions FeatureRole = "public-functions" // may make a function public
)

// FeatureRoleInfo describes one feature role.
type FeatureRoleInfo struct {
	Name        FeatureRole `json:"name"`
	Description string      `json:"description"`
}

// FeatureRoles are the roles berth knows, in display order.
var FeatureRoles = []FeatureRoleInfo{
	{FeatureContainers, "May create functions on the container runtime."},
	{FeaturePublicFunctions, "May make a function public (callable without credentials)."},
}

// KnownFeatureRole reports whether r is one of FeatureRoles.
func KnownFeatureRole(r FeatureRole) bool {
	for _, f := range FeatureRoles {
		if f.Name == r {
			return true
		}
	}
	return false
}

// TierLimits are a tier's quotas; zero means no limit.
type TierLimits struct {
	MaxFunctions         int   `json:"max_functions,omitempty"`
	MaxInvocationsPerDay int64 `json:"max_invocations_per_day,omitempty"`
	MaxMemoryMB          int   `json:"max_memory_mb,omitempty"`
	MaxTimeoutMS         int   `json:"max_timeout_ms,omitempty"`
	MaxConcurrentCalls   int   `json:"max_concurrent_calls,omitempty"`
	MaxArtefactBytes     int64 `json:"max_artefact_bytes,omitempty"`
	APIRequestsPerSecond int   `json:"api_requests_per_second,omitempty"`
}

// Tier is a named set of limits and feature roles.
type Tier struct {
	ID           string
	Name         string
	Description  string
	Limits       TierLimits
	FeatureRoles []FeatureRole
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Has reports whether the tier carries the feature role r.
func (t *Tier) Has(r FeatureRole) bool {
	for _, x := range t.FeatureRoles {
		if x == r {
			return true
		}
	}
	return false
}

// TierUse is how many accounts and organisations are on a tier.
type TierUse struct {
	Users         int
	Organizations int
}

// OrgRole is a member's role in an organisation.
type OrgRole string

// Organisation member roles.
const (
	OrgNone   OrgRole = ""
	OrgOwner  OrgRole = "owner"  // may also manage the organisation's shared functions and see its members
	OrgMember OrgRole = "member" // may read and invoke them
)

// Organization groups accounts under one tier; a user belongs to at most one.
type Organization struct {
	ID          string
	Name        string
	Description string
	TierID      string // "" for the default tier
	Members     int    // filled by reads
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Group is a named set of accounts that services behind berth authorise by.
type Group struct {
	ID          string
	Name        string
	Description string
	Members     int // filled by reads
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// EarlyAccessStatus is where an early-access request stands.
type EarlyAccessStatus string

// Early-access request statuses.
const (
	EarlyAccessPending  EarlyAccessStatus = "pending"
	EarlyAccessApproved EarlyAccessStatus = "approved"
	EarlyAccessRejected EarlyAccessStatus = "rejected"
)

// EarlyAccessRequest asks for an account while registration is by early access.
type EarlyAccessRequest struct {
	ID             string
	Email          string
	Name           string
	Reason         string
	Status         EarlyAccessStatus
	DecisionReason string
	DecidedBy      string // the deciding admin's id
	UserID         string // the account an approval created
	CreatedAt      time.Time
	DecidedAt      time.Time
}

// ErrCapacity refuses an early-access approval beyond the capacity; it is an ErrConflict.
var ErrCapacity = fmt.Errorf("%w: early-access capacity reached", ErrConflict)

// AdminStore keeps what administrators manage beyond accounts.
type AdminStore interface {
	// CreateTier inserts t, filling ID and times; ErrConflict when the name is taken (any case).
	CreateTier(ctx context.Context, t *Tier) error
	// Tier returns one tier, or ErrNotFound.
	Tier(ctx context.Context, id string) (*Tier, error)
	// ListTiers returns every tier by name.
	ListTiers(ctx context.Context) ([]Tier, error)
	// UpdateTier replaces a tier's name, description, limits and roles;
	// ErrNotFound, or ErrConflict when the new name is taken.
	UpdateTier(ctx context.Context, t *Tier) error
	// TierUse counts the accounts and organisations on a tier.
	TierUse(ctx context.Context, id string) (TierUse, error)
	// DeleteTier removes an unused tier: ErrNotFound, or ErrInUse while an
	// account or organisation is on it (checked in the same transaction).
	DeleteTier(ctx context.Context, id string) error
	// SetUserTier puts an account on a tier ("" for the default); ErrNotFound
	// for no such user or tier.
	SetUserTier(ctx context.Context, userID, tierID string) error

	// CreateOrganization inserts o; ErrConflict when the name is taken (any case),
	// ErrNotFound when its tier does not exist.
	CreateOrganization(ctx context.Context, o *Organization) error
	// Organization returns one organisation with its member count, or ErrNotFound.
	Organization(ctx context.Context, id string) (*Organization, error)
	// ListOrganizations returns a page of organisations by name, and how many there are.
	ListOrganizations(ctx context.Context, p Page) ([]Organization, int, error)
	// UpdateOrganization replaces name, description and tier; ErrNotFound or ErrConflict.
	UpdateOrganization(ctx context.Context, o *Organization) error
	// DeleteOrganization removes an organisation without members: ErrNotFound or ErrInUse.
	DeleteOrganization(ctx context.Context, id string) error
	// SetOrganizationMember makes the user a member of the organisation
	// with role, or changes the role of a member; ErrNotFound for no such
	// user or organisation, ErrConflict when the user belongs to another.
	SetOrganizationMember(ctx context.Context, orgID, userID string, role OrgRole) error
	// RemoveOrganizationMember ends a membership; ErrNotFound when the user is not a member.
	RemoveOrganizationMember(ctx context.Context, orgID, userID string) error

	// GrantFeatureRole gives a user a feature role of their own; granting
	// one they hold is not an error. ErrNotFound for no such user.
	GrantFeatureRole(ctx context.Context, userID string, role FeatureRole) error
	// RevokeFeatureRole removes a grant; ErrNotFound when the user has no such grant.
	RevokeFeatureRole(ctx context.Context, userID string, role FeatureRole) error
	// UserFeatureRoles returns a user's own grants (not their tier's), by name.
	UserFeatureRoles(ctx context.Context, userID string) ([]FeatureRole, error)

	// CreateGroup inserts g; ErrConflict when the name is taken (any case).
	CreateGroup(ctx context.Context, g *Group) error
	// Group returns one group with its member count, or ErrNotFound.
	Group(ctx context.Context, id string) (*Group, error)
	// ListGroups returns every group with its member count, by name.
	ListGroups(ctx context.Context) ([]Group, error)
	// UpdateGroup replaces name and description; ErrNotFound or ErrConflict.
	UpdateGroup(ctx context.Context, g *Group) error
	// DeleteGroup removes a group and its memberships; ErrNotFound.
	DeleteGroup(ctx context.Context, id string) error
	// AddGroupMember adds a user; ErrNotFound for no such group or user,
	// ErrConflict when they are a member already.
	AddGroupMember(ctx context.Context, groupID, userID string) error
	// RemoveGroupMember removes a user; ErrNotFound when they are not a member.
	RemoveGroupMember(ctx context.Context, groupID, userID string) error
	// UserGroups returns the names of a user's groups, sorted.
	UserGroups(ctx context.Context, userID string) ([]string, error)

	// Settings returns every stored platform setting as raw JSON by key.
	Settings(ctx context.Context) (map[string]string, error)
	// PutSettings stores the given settings in one transaction.
	PutSettings(ctx context.Context, values map[string]string) error

	// CreateEarlyAccess queues r unless a request for its email is pending
	// already, and reports whether it queued it.
	CreateEarlyAccess(ctx context.Context, r *EarlyAccessRequest) (bool, error)
	// EarlyAccess returns one request, or ErrNotFound.
	EarlyAccess(ctx context.Context, id string) (*EarlyAccessRequest, error)
	// ListEarlyAccess returns a page of requests with status ("" for all),
	// oldest first, and how many match.
	ListEarlyAccess(ctx context.Context, status EarlyAccessStatus, p Page) ([]EarlyAccessRequest, int, error)
	// ApproveEarlyAccess creates u and marks the pending request approved
	// in one transaction, unless capacity (> 0) approved requests exist
	// already (ErrCapacity). ErrNotFound, or ErrConflict when the request
	// is decided already or the email is taken.
	ApproveEarlyAccess(ctx context.Context, id, by string, u *User, capacity int) error
	// RejectEarlyAccess marks a pending request rejected; ErrNotFound or
	// ErrConflict when it is decided already.
	RejectEarlyAccess(ctx context.Context, id, by, reason string) error
}
