-- +goose Up
-- Names sort and compare byte-wise (COLLATE "C") as they do in SQLite,
-- whatever the database's locale.
CREATE TABLE functions (
    id                    TEXT PRIMARY KEY,
    owner_id              TEXT NOT NULL REFERENCES users (id),
    name                  TEXT COLLATE "C" NOT NULL,
    runtime               TEXT NOT NULL CHECK (runtime IN ('wasm', 'container')),
    description           TEXT NOT NULL DEFAULT '',
    status                TEXT NOT NULL CHECK (status IN ('initialized', 'active', 'pending_deletion')),
    active_version        INTEGER NOT NULL DEFAULT 0 CHECK (active_version >= 0),
    -- last_version is the highest version ever handed out; deployments
    -- take the next one under the row's lock.
    last_version          INTEGER NOT NULL DEFAULT 0 CHECK (last_version >= 0),
    memory_mb             INTEGER NOT NULL,
    timeout_ms            INTEGER NOT NULL,
    max_concurrency       INTEGER NOT NULL,
    env                   TEXT NOT NULL DEFAULT '{}', -- JSON object
    visibility            TEXT NOT NULL CHECK (visibility IN ('private', 'public')),
    delete_after          BIGINT,
    deletion_requested_at BIGINT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    UNIQUE (owner_id, name)
);
CREATE INDEX functions_name ON functions (name, id);
CREATE INDEX functions_status ON functions (status, name);
CREATE INDEX functions_due ON functions (delete_after) WHERE status = 'pending_deletion';

CREATE TABLE function_secrets (
    function_id TEXT NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
    name        TEXT COLLATE "C" NOT NULL,
    sealed      BYTEA NOT NULL,
    PRIMARY KEY (function_id, name)
);

CREATE TABLE deployments (
    function_id  TEXT NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL CHECK (version > 0),
    status       TEXT NOT NULL CHECK (status IN ('building', 'ready', 'failed')),
    sha256       TEXT NOT NULL DEFAULT '',
    size         BIGINT NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    artefact     TEXT NOT NULL DEFAULT '',
    error        TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (function_id, version)
);
CREATE INDEX deployments_building ON deployments (function_id) WHERE status = 'building';

CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    key_id        TEXT NOT NULL UNIQUE,
    function_id   TEXT NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
    name          TEXT NOT NULL DEFAULT '',
    secret_sealed BYTEA NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    revoked_at    BIGINT,
    last_used_at  BIGINT
);
CREATE INDEX api_keys_function ON api_keys (function_id, created_at);

-- Executions outlive their function (for stats), so no foreign key.
CREATE TABLE executions (
    id            TEXT PRIMARY KEY,
    function_id   TEXT NOT NULL,
    owner_id      TEXT NOT NULL,
    version       INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('success', 'error', 'timeout', 'out_of_memory', 'rejected')),
    http_status   INTEGER NOT NULL,
    error         TEXT NOT NULL DEFAULT '',
    started_at    BIGINT NOT NULL,
    duration_us   BIGINT NOT NULL,
    bytes_in      BIGINT NOT NULL,
    bytes_out     BIGINT NOT NULL,
    cold_start    BOOLEAN NOT NULL,
    -- '' for a call refused before its caller was known.
    caller_kind   TEXT NOT NULL CHECK (caller_kind IN ('', 'owner', 'api_key', 'public')),
    caller_key_id TEXT NOT NULL DEFAULT '',
    logs          TEXT NOT NULL DEFAULT '[]' -- JSON array of strings
);
CREATE INDEX executions_function_started ON executions (function_id, started_at DESC);
CREATE INDEX executions_function_status ON executions (function_id, status, started_at);

-- +goose Down
DROP TABLE executions;
DROP TABLE api_keys;
DROP TABLE deployments;
DROP TABLE function_secrets;
DROP TABLE functions;
