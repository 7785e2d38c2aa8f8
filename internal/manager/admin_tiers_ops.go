package manager

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
)

// Tiers (/api/admin/tiers) and feature roles (/api/admin/feature-roles,
// /api/admin/users/{id}/feature-roles/{role}).

// TierLimits are a tier's quotas as the API shows them; 0 is no limit.
// The bounds refuse a negative or absurd quota.
type TierLimits struct {
	MaxFunctions         int   `json:"max_functions" required:"false" minimum:"0" maximum:"100000" doc:"Functions an owner may have (pending deletion included)."`
	MaxInvocationsPerDay int64 `json:"max_invocations_per_day" required:"false" minimum:"0" maximum:"1000000000000" doc:"Calls of an owner's functions per UTC day."`
	MaxMemoryMB          int   `json:"max_memory_mb" required:"false" minimum:"0" maximum:"1048576" doc:"Ceiling of a function's memory_mb."`
	MaxTimeoutMS         int   `json:"max_timeout_ms" required:"false" minimum:"0" maximum:"86400000" doc:"Ceiling of a function's timeout_ms."`
	MaxConcurrentCalls   int   `json:"max_concurrent_calls" required:"false" minimum:"0" maximum:"100000" doc:"Calls of an owner's functions running at once, on each manager."`
	MaxArtefactBytes     int64 `json:"max_artefact_bytes" required:"false" minimum:"0" maximum:"1099511627776" doc:"Largest artefact an owner may deploy."`
	APIRequestsPerSecond int   `json:"api_requests_per_second" required:"false" minimum:"0" maximum:"1000000" doc:"API requests an account may make per second, on each manager."`
}

func (l TierLimits) domain() berth.TierLimits { return berth.TierLimits(l) }

// Tier is a tier as admins see it.
type Tier struct {
	ID           string     `json:"id" format:"uuid"`
	Name         string     `json:"name"`
	Description  string     `json:"description"`
	Limits       TierLimits `json:"limits"`
	FeatureRoles []string   `json:"feature_roles"`
	BuiltIn      bool       `json:"built_in" doc:"The built-in default tier: it can be changed, not deleted."`
	Default      bool       `json:"default" doc:"The tier of accounts without one of their own or of their organisation."`
	Users        *int       `json:"users,omitempty" doc:"Accounts on the tier (one tier's answer only)."`
	Orgs         *int       `json:"organizations,omitempty" doc:"Organisations on the tier (one tier's answer only)."`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

func tierOut(t *berth.Tier, defaultID string) Tier {
	out := Tier{ID: t.ID, Name: t.Name, Description: t.Description, Limits: TierLimits(t.Limits), FeatureRoles: []string{},
		BuiltIn: t.ID == berth.DefaultTierID, Default: t.ID == defaultID, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	for _, r := range t.FeatureRoles {
		out.FeatureRoles = append(out.FeatureRoles, string(r))
	}
	return out
}

// TierIDParam is a tier id in the path.
type TierIDParam struct {
	ID string `path:"id" format:"uuid" maxLength:"36" doc:"The tier's id."`
}

type tierBody struct {
	Name         string     `json:"name" minLength:"1" maxLength:"63"`
	Description  string     `json:"description,omitempty" maxLength:"500"`
	Limits       TierLimits `json:"limits,omitempty"`
	FeatureRoles []string   `json:"feature_roles,omitempty" maxItems:"16" uniqueItems:"true" enum:"containers,public-functions"`
}

type createTierInput struct{ Body tierBody }

type patchTierInput struct {
	TierIDParam
	Body struct {
		Name         *string     `json:"name,omitempty" minLength:"1" maxLength:"63"`
		Description  *string     `json:"description,omitempty" maxLength:"500"`
		Limits       *TierLimits `json:"limits,omitempty" doc:"Replaces every limit: send them all."`
		FeatureRoles *[]string   `json:"feature_roles,omitempty" maxItems:"16" uniqueItems:"true" enum:"containers,public-functions"`
	}
}

type tierOutput struct{ Body Tier }

type tiersOutput struct {
	Body struct {
		Items []Tier `json:"items"`
	}
}

// FeatureRole describes one feature role.
type FeatureRole struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type featureRolesOutput struct {
	Body struct {
		Items []FeatureRole `json:"items"`
	}
}

type featureRoleInput struct {
	UserIDParam
	Role string `path:"role" enum:"containers,public-functions" doc:"The feature role."`
}

func (m *Manager) registerTiers(tags []string, admin, write map[string]any) {
	operation(m, huma.Operation{OperationID: "admin-list-tiers", Method: http.MethodGet, Path: "/api/admin/tiers", Tags: tags,
		Security: authenticated, Metadata: admin, Errors: []int{http.StatusForbidden},
		Summary: "Every tier, by name"}, m.listTiers)
	operation(m, huma.Operation{OperationID: "admin-create-tier", Method: http.MethodPost, Path: "/api/admin/tiers", Tags: tags,
		Security: authenticated, Metadata: write, DefaultStatus: http.StatusCreated,
		Errors:  []int{http.StatusForbidden, http.StatusConflict, http.StatusUnprocessableEntity},
		Summary: "Create a tier: limits (0 is none) and feature roles"}, m.createTier)
	operation(m, huma.Operation{OperationID: "admin-get-tier", Method: http.MethodGet, Path: "/api/admin/tiers/{id}", Tags: tags,
		Security: authenticated, Metadata: admin, Errors: []int{http.StatusForbidden, http.StatusNotFound},
		Summary: "One tier, with how many accounts and organisations are on it"}, m.getTier)
	operation(m, huma.Operation{OperationID: "admin-patch-tier", Method: http.MethodPatch, Path: "/api/admin/tiers/{id}", Tags: tags,
		Security: authenticated, Metadata: write, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
		Summary: "Change a tier; its accounts get the new limits within a second, on every replica"}, m.patchTier)
	operation(m, huma.Operation{OperationID: "admin-delete-tier", Method: http.MethodDelete, Path: "/api/admin/tiers/{id}", Tags: tags,
		Security: authenticated, Metadata: write, DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
		Summary: "Delete a tier nobody is on (409 while an account or organisation is, or while it is the default)"}, m.deleteTier)

	operation(m, huma.Operation{OperationID: "admin-feature-roles", Method: http.MethodGet, Path: "/api/admin/feature-roles", Tags: tags,
		Security: authenticated, Metadata: admin, Errors: []int{http.StatusForbidden},
		Summary: "The feature roles and what each allows"}, m.listFeatureRoles)
	operation(m, huma.Operation{OperationID: "admin-grant-feature-role", Method: http.MethodPut, Path: "/api/admin/users/{id}/feature-roles/{role}", Tags: tags,
		Security: authenticated, Metadata: write, DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusForbidden, http.StatusNotFound},
		Summary: "Grant an account a feature role of its own (granting one it holds changes nothing)"}, m.grantFeatureRole)
	operation(m, huma.Operation{OperationID: "admin-revoke-feature-role", Method: http.MethodDelete, Path: "/api/admin/users/{id}/feature-roles/{role}", Tags: tags,
		Security: authenticated, Metadata: write, DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusForbidden, http.StatusNotFound},
		Summary: "Take back an account's own grant (the roles of its tier stay)"}, m.revokeFeatureRole)
}

func (m *Manager) defaultTierID(ctx context.Context) (string, error) {
	s, err := m.settings(ctx)
	if err != nil {
		return "", err
	}
	if s.DefaultTierID != "" {
		return s.DefaultTierID, nil
	}
	return berth.DefaultTierID, nil
}

func (m *Manager) listTiers(ctx context.Context, _ *struct{}) (*tiersOutput, error) {
	def, err := m.defaultTierID(ctx)
	if err != nil {
		return nil, err
	}
	ts, err := m.store.ListTiers(ctx)
	if err != nil {
		return nil, err
	}
	out := &tiersOutput{}
	out.Body.Items = make([]Tier, len(ts))
	for i := range ts {
		out.Body.Items[i] = tierOut(&ts[i], def)
	}
	return out, nil
}

func (m *Manager) tierTarget(ctx context.Context, id string) (*berth.Tier, error) {
	t, err := m.store.Tier(ctx, id)
	if errors.Is(err, berth.ErrNotFound) {
		return nil, problem(http.StatusNotFound, codeNotFound, "no tier "+id)
	}
	return t, err
}

func (m *Manager) getTier(ctx context.Context, in *TierIDParam) (*tierOutput, error) {
	t, err := m.tierTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	def, err := m.defaultTierID(ctx)
	if err != nil {
		return nil, err
	}
	use, err := m.store.TierUse(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	out := tierOut(t, def)
	out.Users, out.Orgs = &use.Users, &use.Organizations
	return &tierOutput{Body: out}, nil
}

// cleanLabel checks a tier, group or organisation name or description.
func cleanLabel(field, s string, maxLen int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if (required && s == "") || len([]rune(s)) > maxLen || !berth.ValidText(s) {
		min := "0"
		if required {
			min = "1"
		}
		return "", berth.Invalid(field, "must be "+min+" to "+strconv.Itoa(maxLen)+" printable characters")
	}
	return s, nil
}

func featureRoles(names []string) []berth.FeatureRole {
	out := make([]berth.FeatureRole, 0, len(names))
	for _, n := range names {
		out = append(out, berth.FeatureRole(n))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (m *Manager) createTier(ctx context.Context, in *createTierInput) (*tierOutput, error) {
	name, err := cleanLabel("name", in.Body.Name, 63, true)
	if err != nil {
		return nil, err
	}
	desc, err := cleanLabel("description", in.Body.Description, 500, false)
	if err != nil {
		return nil, err
	}
	t := &berth.Tier{Name: name, Description: desc, Limits: in.Body.Limits.domain(), FeatureRoles: featureRoles(in.Body.FeatureRoles)}
	if err := m.store.CreateTier(ctx, t); err != nil {
		if errors.Is(err, berth.ErrConflict) {
			return nil, problem(http.StatusConflict, codeConflict, "a tier named "+strconv.Quote(name)+" exists already (names are unique in any case)")
		}
		return nil, err
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAdminTierCreate, t.ID, berth.AuditSuccess, "tier "+strconv.Quote(name)+" "+limitsText(t))
	def, err := m.defaultTierID(ctx)
	if err != nil {
		return nil, err
	}
	return &tierOutput{Body: tierOut(t, def)}, nil
}

// limitsText describes a tier's limits and roles for the audit log.
func limitsText(t *berth.Tier) string {
	l := t.Limits
	roles := make([]string, len(t.FeatureRoles))
	for i, r := range t.FeatureRoles {
		roles[i] = string(r)
	}
	return "limits{functions " + strconv.Itoa(l.MaxFunctions) + ", invocations/day " + strconv.FormatInt(l.MaxInvocationsPerDay, 10) +
		", memory_mb " + strconv.Itoa(l.MaxMemoryMB) + ", timeout_ms " + strconv.Itoa(l.MaxTimeoutMS) +
		", concurrent " + strconv.Itoa(l.MaxConcurrentCalls) + ", artefact_bytes " + strconv.FormatInt(l.MaxArtefactBytes, 10) +
		", api_rps " + strconv.Itoa(l.APIRequestsPerSecond) + "} roles[" + strings.Join(roles, ",") + "]"
}

func (m *Manager) patchTier(ctx context.Context, in *patchTierInput) (*tierOutput, error) {
	t, err := m.tierTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	before := *t
	b := &in.Body
	if b.Name != nil {
		if t.Name, err = cleanLabel("name", *b.Name, 63, true); err != nil {
			return nil, err
		}
	}
	if b.Description != nil {
		if t.Description, err = cleanLabel("description", *b.Description, 500, false); err != nil {
			return nil, err
		}
	}
	if b.Limits != nil {
		t.Limits = b.Limits.domain()
	}
	if b.FeatureRoles != nil {
		t.FeatureRoles = featureRoles(*b.FeatureRoles)
	}
	if err := m.store.UpdateTier(ctx, t); err != nil {
		if errors.Is(err, berth.ErrConflict) {
			return nil, problem(http.StatusConflict, codeConflict, "a tier named "+strconv.Quote(t.Name)+" exists already (names are unique in any case)")
		}
		return nil, err
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAdminTierUpdate, t.ID, berth.AuditSuccess,
		strconv.Quote(before.Name)+" "+limitsText(&before)+" → "+strconv.Quote(t.Name)+" "+limitsText(t))
	def, err := m.defaultTierID(ctx)
	if err != nil {
		return nil, err
	}
	return &tierOutput{Body: tierOut(t, def)}, nil
}

func (m *Manager) deleteTier(ctx context.Context, in *TierIDParam) (*struct{}, error) {
	t, err := m.tierTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	def, err := m.defaultTierID(ctx)
	if err != nil {
		return nil, err
	}
	switch t.ID {
	case berth.DefaultTierID:
		return nil, problem(http.StatusConflict, codeConflict, "the built-in default tier cannot be deleted; change its limits instead")
	case def:
		return nil, problem(http.StatusConflict, codeConflict, "tier "+strconv.Quote(t.Name)+" is the platform's default tier "+
			"(setting default_tier_id): name another default first")
	}
	if err := m.store.DeleteTier(ctx, t.ID); err != nil {
		if errors.Is(err, berth.ErrInUse) {
			use, uerr := m.store.TierUse(ctx, t.ID)
			if uerr != nil {
				return nil, uerr
			}
			return nil, problem(http.StatusConflict, codeConflict, "tier "+strconv.Quote(t.Name)+" is in use by "+strconv.Itoa(use.Users)+
				" accounts and "+strconv.Itoa(use.Organizations)+" organisations: move them to another tier first")
		}
		return nil, err
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAdminTierDelete, t.ID, berth.AuditSuccess, "tier "+strconv.Quote(t.Name)+" deleted")
	return &struct{}{}, nil
}

func (m *Manager) listFeatureRoles(context.Context, *struct{}) (*featureRolesOutput, error) {
	out := &featureRolesOutput{}
	for _, r := range berth.FeatureRoles {
		out.Body.Items = append(out.Body.Items, FeatureRole{Name: string(r.Name), Description: r.Description})
	}
	return out, nil
}

func (m *Manager) grantFeatureRole(ctx context.Context, in *featureRoleInput) (*struct{}, error) {
	u, err := m.adminTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	own, err := m.store.UserFeatureRoles(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	role := berth.FeatureRole(in.Role)
	if slices.Contains(own, role) {
		return &struct{}{}, nil
	}
	if err := m.store.GrantFeatureRole(ctx, u.ID, role); err != nil {
		return nil, err
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAdminFeatureSet, u.ID, berth.AuditSuccess, "feature role "+in.Role+" granted")
	return &struct{}{}, nil
}

func (m *Manager) revokeFeatureRole(ctx context.Context, in *featureRoleInput) (*struct{}, error) {
	u, err := m.adminTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	err = m.store.RevokeFeatureRole(ctx, u.ID, berth.FeatureRole(in.Role))
	if errors.Is(err, berth.ErrNotFound) {
		return nil, problem(http.StatusNotFound, codeNotFound, "user "+u.ID+" has no grant of "+in.Role+
			" of their own (a role of their tier is changed on the tier)")
	}
	if err != nil {
		return nil, err
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAdminFeatureDel, u.ID, berth.AuditSuccess, "feature role "+in.Role+" revoked")
	return &struct{}{}, nil
}
