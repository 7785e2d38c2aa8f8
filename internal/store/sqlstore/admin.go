package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/berth-platform/berth"
)

// The administration tables: tiers, organisations, feature-role grants,
// groups, settings and the early-access queue.

// ---- tiers ----

const tierColumns = `id, name, description, limits, feature_roles, created_at, updated_at`

func scanTier(row scanner) (*berth.Tier, error) {
	var t berth.Tier
	var limits, roles string
	var created, updated int64
	if err := row.Scan(&t.ID, &t.Name, &t.Description, &limits, &roles, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(limits), &t.Limits); err != nil {
		return nil, fmt.Errorf("tier %s: stored limits: %w", t.ID, err)
	}
	if err := json.Unmarshal([]byte(roles), &t.FeatureRoles); err != nil {
		return nil, fmt.Errorf("tier %s: stored feature roles: %w", t.ID, err)
	}
	if t.FeatureRoles == nil {
		t.FeatureRoles = []berth.FeatureRole{}
	}
	t.CreatedAt, t.UpdatedAt = fromDB(created), fromDB(updated)
	return &t, nil
}

func tierJSON(t *berth.Tier) (limits, roles string, err error) {
	l, err := json.Marshal(t.Limits)
	if err != nil {
		return "", "", err
	}
	fr := t.FeatureRoles
	if fr == nil {
		fr = []berth.FeatureRole{}
	}
	r, err := json.Marshal(fr)
	return string(l), string(r), err
}

// CreateTier implements berth.AdminStore.
func (s *Store) CreateTier(ctx context.Context, t *berth.Tier) error {
	fillNew(&t.ID, &t.CreatedAt, &t.UpdatedAt)
	limits, roles, err := tierJSON(t)
	if err != nil {
		return fmt.Errorf("create tier: %w", err)
	}
	_, err = s.exec(ctx, "create tier", `INSERT INTO tiers (`+tierColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Name, t.Description, limits, roles, dbTime(t.CreatedAt), dbTime(t.UpdatedAt))
	return err
}

// Tier implements berth.AdminStore.
func (s *Store) Tier(ctx context.Context, id string) (*berth.Tier, error) {
	t, err := scanTier(s.queryRow(ctx, `SELECT `+tierColumns+` FROM tiers WHERE id = ?`, id))
	return t, s.wrap("get tier", err)
}

// ListTiers implements berth.AdminStore.
func (s *Store) ListTiers(ctx context.Context) ([]berth.Tier, error) {
	const op = "list tiers"
	return queryAll(ctx, s, op, scanTier, `SELECT `+tierColumns+` FROM tiers ORDER BY LOWER(name), id`)
}

// UpdateTier implements berth.AdminStore.
func (s *Store) UpdateTier(ctx context.Context, t *berth.Tier) error {
	limits, roles, err := tierJSON(t)
	if err != nil {
		return fmt.Errorf("update tier: %w", err)
	}
	t.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
	return s.execOne(ctx, "update tier", `UPDATE tiers SET name = ?, description = ?, limits = ?, feature_roles = ?, updated_at = ?
		WHERE id = ?`, t.Name, t.Description, limits, roles, dbTime(t.UpdatedAt), t.ID)
}

// TierUse implements berth.AdminStore.
func (s *Store) TierUse(ctx context.Context, id string) (berth.TierUse, error) {
	var u berth.TierUse
	err := s.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM users WHERE tier_id = ?), (SELECT COUNT(*) FROM organizations WHERE tier_id = ?)`,
		id, id).Scan(&u.Users, &u.Organizations)
	return u, s.wrap("tier use", err)
}

// DeleteTier implements berth.AdminStore.
func (s *Store) DeleteTier(ctx context.Context, id string) error {
	const op = "delete tier"
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		if err := s.lockRow(ctx, tx, "tiers", id); err != nil {
			return s.wrap(op, err)
		}
		var used int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT (SELECT COUNT(*) FROM users WHERE tier_id = ?) +
			(SELECT COUNT(*) FROM organizations WHERE tier_id = ?)`), id, id).Scan(&used); err != nil {
			return s.wrap(op, err)
		}
		if used > 0 {
			return fmt.Errorf("%s: %w", op, berth.ErrInUse)
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM tiers WHERE id = ?`), id)
		return s.oneRow(op, res, err)
	})
}

// SetUserTier implements berth.AdminStore. The tier's row is locked
// first, so that a concurrent DeleteTier sees the new reference.
func (s *Store) SetUserTier(ctx context.Context, userID, tierID string) error {
	const op = "set user tier"
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		if err := s.txNeed(ctx, tx, op, [2]string{"tiers", tierID}); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`UPDATE users SET tier_id = ?, updated_at = ? WHERE id = ?`),
			nullID(tierID), dbTime(time.Now()), userID)
		return s.oneRow(op, res, err)
	})
}

// ---- organisations ----

const orgColumns = `o.id, o.name, o.description, COALESCE(o.tier_id, ''), o.created_at, o.updated_at,
	(SELECT COUNT(*) FROM users m WHERE m.organization_id = o.id)`

func scanOrg(row scanner) (*berth.Organization, error) {
	var o berth.Organization
	var created, updated int64
	if err := row.Scan(&o.ID, &o.Name, &o.Description, &o.TierID, &created, &updated, &o.Members); err != nil {
		return nil, err
	}
	o.CreatedAt, o.UpdatedAt = fromDB(created), fromDB(updated)
	return &o, nil
}

// CreateOrganization implements berth.AdminStore.
func (s *Store) CreateOrganization(ctx context.Context, o *berth.Organization) error {
	const op = "create organization"
	fillNew(&o.ID, &o.CreatedAt, &o.UpdatedAt)
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		if err := s.txNeed(ctx, tx, op, [2]string{"tiers", o.TierID}); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO organizations (id, name, description, tier_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`), o.ID, o.Name, o.Description, nullID(o.TierID), dbTime(o.CreatedAt), dbTime(o.UpdatedAt))
		return s.wrap(op, err)
	})
}

// Organization implements berth.AdminStore.
func (s *Store) Organization(ctx context.Context, id string) (*berth.Organization, error) {
	o, err := scanOrg(s.queryRow(ctx, `SELECT `+orgColumns+` FROM organizations o WHERE o.id = ?`, id))
	return o, s.wrap("get organization", err)
}

// ListOrganizations implements berth.AdminStore.
func (s *Store) ListOrganizations(ctx context.Context, p berth.Page) ([]berth.Organization, int, error) {
	const op = "list organizations"
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM organizations`).Scan(&total); err != nil {
		return nil, 0, s.wrap(op, err)
	}
	limit, offset := pageBounds(p)
	out, err := queryAll(ctx, s, op, scanOrg, `SELECT `+orgColumns+` FROM organizations o ORDER BY LOWER(o.name), o.id LIMIT ? OFFSET ?`, limit, offset)
	return out, total, err
}

// UpdateOrganization implements berth.AdminStore.
func (s *Store) UpdateOrganization(ctx context.Context, o *berth.Organization) error {
	const op = "update organization"
	o.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		if err := s.txNeed(ctx, tx, op, [2]string{"tiers", o.TierID}); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`UPDATE organizations SET name = ?, description = ?, tier_id = ?, updated_at = ? WHERE id = ?`),
			o.Name, o.Description, nullID(o.TierID), dbTime(o.UpdatedAt), o.ID)
		return s.oneRow(op, res, err)
	})
}

// DeleteOrganization implements berth.AdminStore.
func (s *Store) DeleteOrganization(ctx context.Context, id string) error {
	const op = "delete organization"
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		if err := s.lockRow(ctx, tx, "organizations", id); err != nil {
			return s.wrap(op, err)
		}
		var members int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM users WHERE organization_id = ?`), id).Scan(&members); err != nil {
			return s.wrap(op, err)
		}
		if members > 0 {
			return fmt.Errorf("%s: %w", op, berth.ErrInUse)
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM organizations WHERE id = ?`), id)
		return s.oneRow(op, res, err)
	})
}

// SetOrganizationMember implements berth.AdminStore.
func (s *Store) SetOrganizationMember(ctx context.Context, orgID, userID string, role berth.OrgRole) error {
	const op = "set organization member"
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		if err := s.txNeed(ctx, tx, op, [2]string{"organizations", orgID}); err != nil {
			return err
		}
		var current sql.NullString
		if err := tx.QueryRowContext(ctx, s.q(`SELECT organization_id FROM users WHERE id = ?`), userID).Scan(&current); err != nil {
			return s.wrap(op+": no such user", err)
		}
		if current.Valid && current.String != orgID {
			return fmt.Errorf("%s: the user belongs to another organization: %w", op, berth.ErrConflict)
		}
		_, err := tx.ExecContext(ctx, s.q(`UPDATE users SET organization_id = ?, organization_role = ?, updated_at = ? WHERE id = ?`),
			orgID, role, dbTime(time.Now()), userID)
		return s.wrap(op, err)
	})
}

// RemoveOrganizationMember implements berth.AdminStore.
func (s *Store) RemoveOrganizationMember(ctx context.Context, orgID, userID string) error {
	return s.execOne(ctx, "remove organization member", `UPDATE users SET organization_id = NULL, organization_role = '', updated_at = ?
		WHERE id = ? AND organization_id = ?`, dbTime(time.Now()), userID, orgID)
}

// ---- feature roles ----

// GrantFeatureRole implements berth.AdminStore.
func (s *Store) GrantFeatureRole(ctx context.Context, userID string, role berth.FeatureRole) error {
	const op = "grant feature role"
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		if err := s.txNeed(ctx, tx, op, [2]string{"users", userID}); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM user_feature_roles WHERE user_id = ? AND role = ?`),
			userID, role).Scan(&n); err != nil || n > 0 {
			return s.wrap(op, err)
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO user_feature_roles (user_id, role, granted_at) VALUES (?, ?, ?)`),
			userID, role, dbTime(time.Now()))
		if errors.Is(s.wrap(op, err), berth.ErrConflict) {
			return nil // a concurrent twin granted it
		}
		return s.wrap(op, err)
	})
}

// RevokeFeatureRole implements berth.AdminStore.
func (s *Store) RevokeFeatureRole(ctx context.Context, userID string, role berth.FeatureRole) error {
	return s.execOne(ctx, "revoke feature role", `DELETE FROM user_feature_roles WHERE user_id = ? AND role = ?`, userID, role)
}

// UserFeatureRoles implements berth.AdminStore.
func (s *Store) UserFeatureRoles(ctx context.Context, userID string) ([]berth.FeatureRole, error) {
	const op = "user feature roles"
	return queryAll(ctx, s, op, scanValue[berth.FeatureRole], `SELECT role FROM user_feature_roles WHERE user_id = ? ORDER BY role`, userID)
}

// ---- groups ----

const groupColumns = `g.id, g.name, g.description, g.created_at, g.updated_at,
	(SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id)`

func scanGroup(row scanner) (*berth.Group, error) {
	var g berth.Group
	var created, updated int64
	if err := row.Scan(&g.ID, &g.Name, &g.Description, &created, &updated, &g.Members); err != nil {
		return nil, err
	}
	g.CreatedAt, g.UpdatedAt = fromDB(created), fromDB(updated)
	return &g, nil
}

// CreateGroup implements berth.AdminStore.
func (s *Store) CreateGroup(ctx context.Context, g *berth.Group) error {
	fillNew(&g.ID, &g.CreatedAt, &g.UpdatedAt)
	_, err := s.exec(ctx, "create group", `INSERT INTO groups (id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		g.ID, g.Name, g.Description, dbTime(g.CreatedAt), dbTime(g.UpdatedAt))
	return err
}

// Group implements berth.AdminStore.
func (s *Store) Group(ctx context.Context, id string) (*berth.Group, error) {
	g, err := scanGroup(s.queryRow(ctx, `SELECT `+groupColumns+` FROM groups g WHERE g.id = ?`, id))
	return g, s.wrap("get group", err)
}

// ListGroups implements berth.AdminStore.
func (s *Store) ListGroups(ctx context.Context) ([]berth.Group, error) {
	const op = "list groups"
	return queryAll(ctx, s, op, scanGroup, `SELECT `+groupColumns+` FROM groups g ORDER BY LOWER(g.name), g.id`)
}

// UpdateGroup implements berth.AdminStore.
func (s *Store) UpdateGroup(ctx context.Context, g *berth.Group) error {
	g.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
	return s.execOne(ctx, "update group", `UPDATE groups SET name = ?, description = ?, updated_at = ? WHERE id = ?`,
		g.Name, g.Description, dbTime(g.UpdatedAt), g.ID)
}

// DeleteGroup implements berth.AdminStore.
func (s *Store) DeleteGroup(ctx context.Context, id string) error {
	const op = "delete group"
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM group_members WHERE group_id = ?`), id); err != nil {
			return s.wrap(op, err)
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM groups WHERE id = ?`), id)
		return s.oneRow(op, res, err)
	})
}

// AddGroupMember implements berth.AdminStore.
func (s *Store) AddGroupMember(ctx context.Context, groupID, userID string) error {
	const op = "add group member"
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		if err := s.txNeed(ctx, tx, op, [2]string{"groups", groupID}, [2]string{"users", userID}); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO group_members (group_id, user_id, added_at) VALUES (?, ?, ?)`),
			groupID, userID, dbTime(time.Now()))
		return s.wrap(op, err)
	})
}

// RemoveGroupMember implements berth.AdminStore.
func (s *Store) RemoveGroupMember(ctx context.Context, groupID, userID string) error {
	return s.execOne(ctx, "remove group member", `DELETE FROM group_members WHERE group_id = ? AND user_id = ?`, groupID, userID)
}

// UserGroups implements berth.AdminStore.
func (s *Store) UserGroups(ctx context.Context, userID string) ([]string, error) {
	const op = "user groups"
	return queryAll(ctx, s, op, scanValue[string], `SELECT g.name FROM group_members m JOIN groups g ON g.id = m.group_id
		WHERE m.user_id = ? ORDER BY g.name`, userID)
}

// ---- settings ----

// Settings implements berth.AdminStore.
func (s *Store) Settings(ctx context.Context) (map[string]string, error) {
	const op = "get settings"
	rows, err := s.query(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, s.wrap(op, err)
		}
		out[k] = v
	}
	return out, s.wrap(op, rows.Err())
}

// PutSettings implements berth.AdminStore.
func (s *Store) PutSettings(ctx context.Context, values map[string]string) error {
	const op = "put settings"
	now := dbTime(time.Now())
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		for k, v := range values {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`), k, v, now); err != nil {
				return s.wrap(op, err)
			}
		}
		return nil
	})
}

// ---- early access ----

const earlyColumns = `id, email, name, reason, status, decision_reason, decided_by, user_id, created_at, decided_at`

func scanEarly(row scanner) (*berth.EarlyAccessRequest, error) {
	var r berth.EarlyAccessRequest
	var created int64
	var decided sql.NullInt64
	if err := row.Scan(&r.ID, &r.Email, &r.Name, &r.Reason, &r.Status, &r.DecisionReason, &r.DecidedBy, &r.UserID,
		&created, &decided); err != nil {
		return nil, err
	}
	r.CreatedAt, r.DecidedAt = fromDB(created), fromDBNull(decided)
	return &r, nil
}

// CreateEarlyAccess implements berth.AdminStore.
func (s *Store) CreateEarlyAccess(ctx context.Context, r *berth.EarlyAccessRequest) (bool, error) {
	fillNew(&r.ID, &r.CreatedAt, nil)
	r.Status = berth.EarlyAccessPending
	_, err := s.exec(ctx, "create early-access request", `INSERT INTO early_access_requests (`+earlyColumns+`)
		VALUES (?, ?, ?, ?, ?, '', '', '', ?, NULL)`, r.ID, r.Email, r.Name, r.Reason, r.Status, dbTime(r.CreatedAt))
	if errors.Is(err, berth.ErrConflict) {
		return false, nil
	}
	return err == nil, err
}

// EarlyAccess implements berth.AdminStore.
func (s *Store) EarlyAccess(ctx context.Context, id string) (*berth.EarlyAccessRequest, error) {
	r, err := scanEarly(s.queryRow(ctx, `SELECT `+earlyColumns+` FROM early_access_requests WHERE id = ?`, id))
	return r, s.wrap("get early-access request", err)
}

// ListEarlyAccess implements berth.AdminStore.
func (s *Store) ListEarlyAccess(ctx context.Context, status berth.EarlyAccessStatus, p berth.Page) ([]berth.EarlyAccessRequest, int, error) {
	const op = "list early-access requests"
	cond, args := "", []any{}
	if status != "" {
		cond, args = " WHERE status = ?", append(args, status)
	}
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM early_access_requests`+cond, args...).Scan(&total); err != nil {
		return nil, 0, s.wrap(op, err)
	}
	limit, offset := pageBounds(p)
	out, err := queryAll(ctx, s, op, scanEarly, `SELECT `+earlyColumns+` FROM early_access_requests`+cond+
		` ORDER BY created_at, id LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	return out, total, err
}

// pendingEarly locks a pending request, or says why it is not one.
func (s *Store) pendingEarly(ctx context.Context, tx *sql.Tx, op, id string) error {
	var st berth.EarlyAccessStatus
	if err := tx.QueryRowContext(ctx, s.q(`SELECT status FROM early_access_requests WHERE id = ?`+s.forUpdate()), id).Scan(&st); err != nil {
		return s.wrap(op, err)
	}
	if st != berth.EarlyAccessPending {
		return fmt.Errorf("%s: the request is %s already: %w", op, st, berth.ErrConflict)
	}
	return nil
}

// ApproveEarlyAccess implements berth.AdminStore. On PostgreSQL the
// approvals serialise on an advisory lock, so that two at once cannot
// both take the last place.
func (s *Store) ApproveEarlyAccess(ctx context.Context, id, by string, u *berth.User, capacity int) error {
	const op = "approve early-access request"
	fillUser(u)
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		if s.d.DollarPlaceholders {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7460401)`); err != nil {
				return s.wrap(op, err)
			}
		}
		if err := s.pendingEarly(ctx, tx, op, id); err != nil {
			return err
		}
		if capacity > 0 {
			var approved int
			if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM early_access_requests WHERE status = 'approved'`)).Scan(&approved); err != nil {
				return s.wrap(op, err)
			}
			if approved >= capacity {
				return fmt.Errorf("%s: %w", op, berth.ErrCapacity)
			}
		}
		if _, err := tx.ExecContext(ctx, s.q(insertUser), insertUserArgs(u)...); err != nil {
			return s.wrap(op, err)
		}
		_, err := tx.ExecContext(ctx, s.q(`UPDATE early_access_requests SET status = 'approved', decided_by = ?, user_id = ?, decided_at = ?
			WHERE id = ?`), by, u.ID, dbTime(time.Now()), id)
		return s.wrap(op, err)
	})
}

// RejectEarlyAccess implements berth.AdminStore.
func (s *Store) RejectEarlyAccess(ctx context.Context, id, by, reason string) error {
	const op = "reject early-access request"
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		if err := s.pendingEarly(ctx, tx, op, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`UPDATE early_access_requests SET status = 'rejected', decided_by = ?, decision_reason = ?,
			decided_at = ? WHERE id = ?`), by, reason, dbTime(time.Now()), id)
		return s.wrap(op, err)
	})
}
