-- +goose Up
-- When an account proved it reads mail at its address. Accounts made
-- before verification existed count as verified: nothing changes for them.
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
UPDATE users SET email_verified_at = created_at;

-- +goose Down
ALTER TABLE users DROP COLUMN email_verified_at;
