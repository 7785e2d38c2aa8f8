package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/berth-platform/berth"
)

const keypairColumns = `access_key, user_id, kind, name, secret_sealed, created_at, expires_at, last_used_at`

// keypairDest is a scan target for keypairColumns; done converts the times.
type keypairDest struct {
	k             berth.Keypair
	created       int64
	expires, used sql.NullInt64
}

func (d *keypairDest) ptrs() []any {
	k := &d.k
	return []any{&k.AccessKey, &k.UserID, &k.Kind, &k.Name, &k.SecretSealed, &d.created, &d.expires, &d.used}
}

func (d *keypairDest) done() *berth.Keypair {
	d.k.CreatedAt, d.k.ExpiresAt, d.k.LastUsedAt = fromDB(d.created), fromDBNull(d.expires), fromDBNull(d.used)
	return &d.k
}

func scanKeypair(row interface{ Scan(...any) error }) (*berth.Keypair, error) {
	var d keypairDest
	if err := row.Scan(d.ptrs()...); err != nil {
		return nil, err
	}
	return d.done(), nil
}

// KeypairOwner implements berth.KeypairStore.
func (s *Store) KeypairOwner(ctx context.Context, accessKey string) (*berth.Keypair, *berth.User, error) {
	var k keypairDest
	var u userDest
	err := s.queryRow(ctx, `SELECT k.access_key, k.user_id, k.kind, k.name, k.secret_sealed, k.created_at,
		k.expires_at, k.last_used_at, `+userColumnsAs("u")+`
		FROM keypairs k JOIN users u ON u.id = k.user_id WHERE k.access_key = ?`, accessKey).
		Scan(append(k.ptrs(), u.ptrs()...)...)
	if err != nil {
		return nil, nil, s.wrap("get keypair owner", err)
	}
	return k.done(), u.done(), nil
}

// CreateKeypair implements berth.KeypairStore.
func (s *Store) CreateKeypair(ctx context.Context, k *berth.Keypair) error {
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	}
	_, err := s.exec(ctx, "create keypair",
		`INSERT INTO keypairs (`+keypairColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		k.AccessKey, k.UserID, k.Kind, k.Name, k.SecretSealed, dbTime(k.CreatedAt), dbTimeNull(k.ExpiresAt), dbTimeNull(k.LastUsedAt))
	return err
}

// Keypair implements berth.KeypairStore.
func (s *Store) Keypair(ctx context.Context, accessKey string) (*berth.Keypair, error) {
	k, err := scanKeypair(s.queryRow(ctx, `SELECT `+keypairColumns+` FROM keypairs WHERE access_key = ?`, accessKey))
	return k, s.wrap("get keypair", err)
}

// ListKeypairs implements berth.KeypairStore.
func (s *Store) ListKeypairs(ctx context.Context, userID string, kind berth.KeypairKind) ([]berth.Keypair, error) {
	rows, err := s.query(ctx, `SELECT `+keypairColumns+` FROM keypairs
		WHERE user_id = ? AND kind = ? ORDER BY created_at DESC, access_key`, userID, kind)
	if err != nil {
		return nil, s.wrap("list keypairs", err)
	}
	defer rows.Close()
	out := []berth.Keypair{}
	for rows.Next() {
		k, err := scanKeypair(rows)
		if err != nil {
			return nil, s.wrap("list keypairs", err)
		}
		out = append(out, *k)
	}
	return out, s.wrap("list keypairs", rows.Err())
}

// DeleteKeypair implements berth.KeypairStore.
func (s *Store) DeleteKeypair(ctx context.Context, userID, accessKey string) error {
	return s.execOne(ctx, "delete keypair", `DELETE FROM keypairs WHERE user_id = ? AND access_key = ?`, userID, accessKey)
}

// DeleteUserKeypairs implements berth.KeypairStore.
func (s *Store) DeleteUserKeypairs(ctx context.Context, userID string, kind berth.KeypairKind, exceptKey string) (int64, error) {
	return s.exec(ctx, "delete user keypairs",
		`DELETE FROM keypairs WHERE user_id = ? AND kind = ? AND access_key <> ?`, userID, kind, exceptKey)
}

// touchEvery coalesces last-use writes: at most one per key per minute.
const touchEvery = time.Minute

// TouchKeypair implements berth.KeypairStore.
func (s *Store) TouchKeypair(ctx context.Context, accessKey string, at time.Time) error {
	_, err := s.exec(ctx, "touch keypair",
		`UPDATE keypairs SET last_used_at = ? WHERE access_key = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
		dbTime(at), accessKey, dbTime(at.Add(-touchEvery)))
	return err
}

// DeleteExpiredKeypairs implements berth.KeypairStore.
func (s *Store) DeleteExpiredKeypairs(ctx context.Context, before time.Time) (int64, error) {
	return s.exec(ctx, "delete expired keypairs",
		`DELETE FROM keypairs WHERE expires_at IS NOT NULL AND expires_at < ?`, dbTime(before))
}
