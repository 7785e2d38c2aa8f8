-- +goose Up
-- Mail that could not be sent at once, retried in the background; its
-- subject and bodies are sealed with the master key. Sent mail is deleted.
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    recipient       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    sealed          BLOB NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    failed          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    expires_at      INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX mail_outbox_due ON mail_outbox (failed, next_attempt_at);

-- One-time codes sent by mail (password reset, email verification), as
-- keyed hashes; one per account and purpose.
CREATE TABLE one_time_codes (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('password_reset', 'email_verification')),
    hash       BLOB NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, purpose)
) STRICT;
CREATE UNIQUE INDEX one_time_codes_hash ON one_time_codes (purpose, hash);

-- +goose Down
DROP TABLE one_time_codes;
DROP TABLE mail_outbox;
