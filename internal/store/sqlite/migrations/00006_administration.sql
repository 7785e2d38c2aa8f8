-- +goose Up
-- Administration: tiers with their limits and feature roles, organisations
-- and groups, per-user feature-role grants, platform settings, the
-- early-access queue, and the columns an account gains from them.

-- limits and feature_roles are JSON (berth.TierLimits, a list of role
-- names): a new limit is a new field, not a migration.
CREATE TABLE tiers (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    limits        TEXT NOT NULL DEFAULT '{}',
    feature_roles TEXT NOT NULL DEFAULT '[]',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX tiers_name ON tiers (LOWER(name));
-- The built-in default tier (berth.DefaultTierID): no limits, and the
-- public-functions role every account had before tiers existed.
INSERT INTO tiers (id, name, description, limits, feature_roles, created_at, updated_at)
VALUES ('00000000-0000-4000-8000-000000000001', 'default', 'Everyone without another tier.', '{}', '["public-functions"]',
        CAST(unixepoch('subsec') * 1000000 AS INTEGER), CAST(unixepoch('subsec') * 1000000 AS INTEGER));

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    tier_id     TEXT REFERENCES tiers (id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX organizations_name ON organizations (LOWER(name));
CREATE INDEX organizations_tier ON organizations (tier_id);

ALTER TABLE users ADD COLUMN password_change_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN tier_id TEXT REFERENCES tiers (id);
ALTER TABLE users ADD COLUMN organization_id TEXT REFERENCES organizations (id);
ALTER TABLE users ADD COLUMN organization_role TEXT NOT NULL DEFAULT '' CHECK (organization_role IN ('', 'owner', 'member'));
CREATE INDEX users_tier ON users (tier_id);
CREATE INDEX users_organization ON users (organization_id);

CREATE TABLE user_feature_roles (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, role)
) STRICT;
CREATE INDEX user_feature_roles_role ON user_feature_roles (role, user_id);

CREATE TABLE groups (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX groups_name ON groups (LOWER(name));

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
) STRICT;
CREATE INDEX group_members_user ON group_members (user_id, group_id);

-- Platform settings, one typed value per key as JSON; secrets are sealed
-- before they reach this table.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE early_access_requests (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decision_reason TEXT NOT NULL DEFAULT '',
    decided_by      TEXT NOT NULL DEFAULT '',
    user_id         TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    decided_at      INTEGER
) STRICT;
-- One open request per address: asking again while one waits changes nothing.
CREATE UNIQUE INDEX early_access_pending ON early_access_requests (email) WHERE status = 'pending';
CREATE INDEX early_access_status ON early_access_requests (status, created_at);

-- +goose Down
DROP TABLE early_access_requests;
DROP TABLE settings;
DROP TABLE group_members;
DROP TABLE groups;
DROP TABLE user_feature_roles;
DROP INDEX users_organization;
DROP INDEX users_tier;
ALTER TABLE users DROP COLUMN organization_role;
ALTER TABLE users DROP COLUMN organization_id;
ALTER TABLE users DROP COLUMN tier_id;
ALTER TABLE users DROP COLUMN password_change_required;
DROP TABLE organizations;
DROP TABLE tiers;
