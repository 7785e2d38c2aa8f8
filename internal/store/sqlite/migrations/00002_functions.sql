-- +goose Up
CREATE TABLE functions (
    id                    TEXT PRIMARY KEY,
    owner_id              TEXT NOT NULL REFERENCES users (id),
    name                  TEXT NOT NULL,
    runtime               TEXT NOT NULL CHECK (runtime IN ('wasm', 'container')),
    description           TEXT NOT NULL DEFAULT '',
    status                TEXT NOT NULL CHECK (status IN ('initialized', 'active', 'pending_deletion')),
    active_version        INTEGER NOT NULL DEFAULT 0 CHECK (active_version >= 0),
    -- last_version is the highest version ever handed out; deployments
    -- take the next one under the row's write lock.
    last_version          INTEGER NOT NULL DEFAULT 0 CHECK (last_version >= 0),
    memory_mb             INTEGER NOT NULL,
    timeout_ms            INTEGER NOT NULL,
    max_concurrency       INTEGER NOT NULL,
    env                   TEXT NOT NULL DEFAULT '{}', -- JSON object
    visibility            TEXT NOT NULL CHECK (visibility IN ('private', 'public')),
    delete_after          INTEGER,
    deletion_requested_at INTEGER,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    UNIQUE (owner_id, name)
) STRICT;
CREATE INDEX functions_name ON functions (name, id);
CREATE INDEX functions_status ON functions (status, name);
CREATE INDEX functions_due ON functions (delete_after) WHERE status = 'pending_deletion';

CREATE TABLE function_secrets (
    function_id TEXT NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    sealed      BLOB NOT NULL,
    PRIMARY KEY (function_id, name)
) STRICT;

CREATE TABLE deployments (
    function_id  TEXT NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL CHECK (version > 0),
    status       TEXT NOT NULL CHECK (status IN ('building', 'ready', 'failed')),
    sha256       TEXT NOT NULL DEFAULT '',
    size         INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    artefact     TEXT NOT NULL DEFAULT '',
    error        TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (function_id, version)
) STRICT;
CREATE INDEX deployments_building ON deployments (function_id) WHERE status = 'building';

CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    key_id        TEXT NOT NULL UNIQUE,
    function_id   TEXT NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
    name          TEXT NOT NULL DEFAULT '',
    secret_sealed BLOB NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    revoked_at    INTEGER,
    last_used_at  INTEGER
) STRICT;
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
    started_at    INTEGER NOT NULL,
    duration_us   INTEGER NOT NULL,
    bytes_in      INTEGER NOT NULL,
    bytes_out     INTEGER NOT NULL,
    cold_start    INTEGER NOT NULL CHECK (cold_start IN (0, 1)),
    -- '' for a call refused before its caller was known.
    caller_kind   TEXT NOT NULL CHECK (caller_kind IN ('', 'owner', 'api_key', 'public')),
    caller_key_id TEXT NOT NULL DEFAULT '',
    logs          TEXT NOT NULL DEFAULT '[]' -- JSON array of strings
) STRICT;
CREATE INDEX executions_function_started ON executions (function_id, started_at DESC);
CREATE INDEX executions_function_status ON executions (function_id, status, started_at);

-- +goose Down
DROP TABLE executions;
DROP TABLE api_keys;
DROP TABLE deployments;
DROP TABLE function_secrets;
DROP TABLE functions;
