-- +goose Up
-- A login made with a password checked at an OpenID provider keeps the
-- provider's refresh token (sealed), so that refreshing the login
-- refreshes at the provider too.
ALTER TABLE token_families ADD COLUMN provider TEXT NOT NULL DEFAULT '';
ALTER TABLE token_families ADD COLUMN provider_refresh BLOB;

-- +goose Down
ALTER TABLE token_families DROP COLUMN provider_refresh;
ALTER TABLE token_families DROP COLUMN provider;
