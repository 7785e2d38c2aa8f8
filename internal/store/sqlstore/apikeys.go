package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/berth-platform/berth"
)

//nolint:gosec // G101: column names, not a credential
const apiKeyColumns = `id, key_id, function_id, name, secret_sealed, created_at, expires_at, revoked_at, last_used_at`

// apiKeyDest is a scan target for apiKeyColumns; done converts the times.
type apiKeyDest struct {
	k                      berth.APIKey
	created                int64
	expires, revoked, used sql.NullInt64
}

func (d *apiKeyDest) ptrs() []any {
	k := &d.k
	return []any{&k.ID, &k.KeyID, &k.FunctionID, &k.Name, &k.SecretSealed, &d.created, &d.expires, &d.revoked, &d.used}
}

func (d *apiKeyDest) done() *berth.APIKey {
	k := d.k
	k.CreatedAt, k.ExpiresAt = fromDB(d.created), fromDBNull(d.expires)
	k.RevokedAt, k.LastUsedAt = fromDBNull(d.revoked), fromDBNull(d.used)
	return &k
}

func scanAPIKey(row interface{ Scan(...any) error }) (*berth.APIKey, error) {
	var d apiKeyDest
	if err := row.Scan(d.ptrs()...); err != nil {
		return nil, err
	}
	return d.done(), nil
}

// CreateAPIKey implements berth.FunctionStore. A key for a function that
// does not exist is refused with ErrNotFound.
func (s *Store) CreateAPIKey(ctx context.Context, k *berth.APIKey) error {
	const op = "create api key"
	if k.ID == "" {
		k.ID = uuid.NewString()
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	}
	n, err := s.exec(ctx, op, `INSERT INTO api_keys (`+apiKeyColumns+`)
		SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM functions WHERE id = ?)`,
		k.ID, k.KeyID, k.FunctionID, k.Name, k.SecretSealed, dbTime(k.CreatedAt), dbTimeNull(k.ExpiresAt),
		dbTimeNull(k.RevokedAt), dbTimeNull(k.LastUsedAt), k.FunctionID)
	if err == nil && n == 0 {
		return fmt.Errorf("%s: no such function: %w", op, berth.ErrNotFound)
	}
	return err
}

// APIKey implements berth.FunctionStore.
func (s *Store) APIKey(ctx context.Context, id string) (*berth.APIKey, error) {
	k, err := scanAPIKey(s.queryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`, id))
	return k, s.wrap("get api key", err)
}

// APIKeyByKeyID implements berth.FunctionStore: the key, its function and
// the function's secret names come in one query, a row per secret.
func (s *Store) APIKeyByKeyID(ctx context.Context, keyID string) (*berth.APIKey, *berth.Function, error) {
	const op = "get api key by key id"
	rows, err := s.query(ctx, `SELECT k.id, k.key_id, k.function_id, k.name, k.secret_sealed, k.created_at,
		k.expires_at, k.revoked_at, k.last_used_at, `+functionColumnsAs("f")+`, sec.name
		FROM api_keys k JOIN functions f ON f.id = k.function_id
		LEFT JOIN function_secrets sec ON sec.function_id = f.id
		WHERE k.key_id = ? ORDER BY sec.name`, keyID)
	if err != nil {
		return nil, nil, s.wrap(op, err)
	}
	defer rows.Close()
	var k apiKeyDest
	fs, err := functionRows(rows, k.ptrs()...)
	if err != nil {
		return nil, nil, s.wrap(op, err)
	}
	if len(fs) == 0 {
		return nil, nil, fmt.Errorf("%s: %w", op, berth.ErrNotFound)
	}
	return k.done(), &fs[0], nil
}

// ListAPIKeys implements berth.FunctionStore.
func (s *Store) ListAPIKeys(ctx context.Context, functionID string, p berth.Page) ([]berth.APIKey, int, error) {
	const op = "list api keys"
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM api_keys WHERE function_id = ?`, functionID).Scan(&total); err != nil {
		return nil, 0, s.wrap(op, err)
	}
	limit, offset := pageBounds(p)
	rows, err := s.query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE function_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, functionID, limit, offset)
	if err != nil {
		return nil, 0, s.wrap(op, err)
	}
	defer rows.Close()
	out := []berth.APIKey{}
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, 0, s.wrap(op, err)
		}
		out = append(out, *k)
	}
	return out, total, s.wrap(op, rows.Err())
}

// UpdateAPIKey implements berth.FunctionStore.
func (s *Store) UpdateAPIKey(ctx context.Context, k *berth.APIKey) error {
	return s.execOne(ctx, "update api key", `UPDATE api_keys SET name = ?, expires_at = ?, revoked_at = ? WHERE id = ?`,
		k.Name, dbTimeNull(k.ExpiresAt), dbTimeNull(k.RevokedAt), k.ID)
}

// ReplaceAPIKeySecret implements berth.FunctionStore: the update only
// happens while the secret is still old, and a miss tells a missing key
// from a lost race.
func (s *Store) ReplaceAPIKeySecret(ctx context.Context, id string, old, sealed []byte) error {
	const op = "replace api key secret"
	n, err := s.exec(ctx, op, `UPDATE api_keys SET secret_sealed = ? WHERE id = ? AND secret_sealed = ?`, sealed, id, old)
	if err != nil || n == 1 {
		return err
	}
	var one int
	if err := s.queryRow(ctx, `SELECT 1 FROM api_keys WHERE id = ?`, id).Scan(&one); err != nil {
		return s.wrap(op, err)
	}
	return fmt.Errorf("%s: the secret was replaced meanwhile: %w", op, berth.ErrConflict)
}

// DeleteAPIKey implements berth.FunctionStore.
func (s *Store) DeleteAPIKey(ctx context.Context, id string) error {
	return s.execOne(ctx, "delete api key", `DELETE FROM api_keys WHERE id = ?`, id)
}

// TouchAPIKey implements berth.FunctionStore; like TouchKeypair it writes
// at most once a minute per key.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	_, err := s.exec(ctx, "touch api key",
		`UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
		dbTime(at), id, dbTime(at.Add(-touchEvery)))
	return err
}
