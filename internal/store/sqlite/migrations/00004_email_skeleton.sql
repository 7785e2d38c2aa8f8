-- +goose Up
-- The confusable skeleton of each account's email (berth.EmailSkeleton):
-- unique, so that no account can be registered under an address that
-- looks like another's. NULL until migration 5 fills the existing rows (in
-- Go: SQL cannot compute a skeleton), and for an old account whose address
-- already looked like an older account's.
ALTER TABLE users ADD COLUMN email_skeleton TEXT;
CREATE UNIQUE INDEX users_email_skeleton ON users (email_skeleton);

-- +goose Down
DROP INDEX users_email_skeleton;
ALTER TABLE users DROP COLUMN email_skeleton;
