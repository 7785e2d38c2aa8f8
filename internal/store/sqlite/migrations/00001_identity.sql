-- +goose Up
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('user', 'admin')),
    admin_role    TEXT NOT NULL DEFAULT '' CHECK (admin_role IN ('', 'full_admin', 'viewer')),
    status        TEXT NOT NULL CHECK (status IN ('active', 'blocked', 'deleted')),
    password_hash TEXT NOT NULL,
    profile       TEXT,
    preferences   TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE token_families (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_addr TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
) STRICT;
CREATE INDEX token_families_user ON token_families (user_id);

CREATE TABLE tokens (
    hash       BLOB PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    family_id  TEXT NOT NULL REFERENCES token_families (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    spent_at   INTEGER
) STRICT;
CREATE INDEX tokens_family ON tokens (family_id);
CREATE INDEX tokens_expires ON tokens (expires_at);

CREATE TABLE keypairs (
    access_key    TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('session', 'cli')),
    name          TEXT NOT NULL DEFAULT '',
    secret_sealed BLOB NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    last_used_at  INTEGER
) STRICT;
CREATE INDEX keypairs_user ON keypairs (user_id, kind);
CREATE INDEX keypairs_expires ON keypairs (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    actor_email TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target      TEXT NOT NULL DEFAULT '',
    client_addr TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit_events (at);
CREATE INDEX audit_actor ON audit_events (actor_id, at);
CREATE INDEX audit_action ON audit_events (action, at);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE keypairs;
DROP TABLE tokens;
DROP TABLE token_families;
DROP TABLE users;
