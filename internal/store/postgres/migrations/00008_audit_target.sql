-- +goose Up
-- The audit trail of one account: what it did and what was done to it.
CREATE INDEX audit_target ON audit_events (target, at);

-- +goose Down
DROP INDEX audit_target;
