package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/berth-platform/berth"
)

const insertToken = `INSERT INTO tokens (hash, kind, family_id, user_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`

func tokenArgs(t *berth.Token) []any {
	return []any{t.Hash, t.Kind, t.FamilyID, t.UserID, dbTime(t.ExpiresAt), dbTime(t.CreatedAt)}
}

// CreateTokenFamily implements berth.TokenStore.
func (s *Store) CreateTokenFamily(ctx context.Context, f *berth.TokenFamily, access, refresh *berth.Token) error {
	const op = "create token family"
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO token_families (id, user_id, client_addr, created_at, provider, provider_refresh)
			VALUES (?, ?, ?, ?, ?, ?)`), f.ID, f.UserID, f.ClientAddr, dbTime(f.CreatedAt), f.Provider, f.ProviderRefresh); err != nil {
			return s.wrap(op, err)
		}
		for _, t := range []*berth.Token{access, refresh} {
			if t == nil {
				continue // a provider's token: berth keeps no refresh token for it
			}
			t.FamilyID, t.UserID = f.ID, f.UserID
			if _, err := tx.ExecContext(ctx, s.q(insertToken), tokenArgs(t)...); err != nil {
				return s.wrap(op, err)
			}
		}
		return nil
	})
}

// TokenFamily implements berth.TokenStore.
func (s *Store) TokenFamily(ctx context.Context, id string) (*berth.TokenFamily, error) {
	f := berth.TokenFamily{ID: id}
	var created int64
	err := s.queryRow(ctx, `SELECT user_id, client_addr, created_at, provider, provider_refresh FROM token_families WHERE id = ?`, id).
		Scan(&f.UserID, &f.ClientAddr, &created, &f.Provider, &f.ProviderRefresh)
	if err != nil {
		return nil, s.wrap("get token family", err)
	}
	f.CreatedAt = fromDB(created)
	return &f, nil
}

// SetProviderRefresh implements berth.TokenStore.
func (s *Store) SetProviderRefresh(ctx context.Context, familyID string, sealed []byte) error {
	return s.execOne(ctx, "set provider refresh token", `UPDATE token_families SET provider_refresh = ? WHERE id = ?`, sealed, familyID)
}

// TokenOwner implements berth.TokenStore.
func (s *Store) TokenOwner(ctx context.Context, hash []byte, kind berth.TokenKind) (*berth.Token, *berth.User, error) {
	t := berth.Token{Hash: hash, Kind: kind}
	var expires, created int64
	var u userDest
	err := s.queryRow(ctx, `SELECT t.family_id, t.user_id, t.expires_at, t.created_at, f.revoked_at IS NOT NULL, `+userColumnsAs("u")+`
		 FROM tokens t JOIN token_families f ON f.id = t.family_id JOIN users u ON u.id = t.user_id
		 WHERE t.hash = ? AND t.kind = ? AND t.spent_at IS NULL`, hash, kind).
		Scan(append([]any{&t.FamilyID, &t.UserID, &expires, &created, &t.FamilyRevoked}, u.ptrs()...)...)
	if err != nil {
		return nil, nil, s.wrap("get token owner", err)
	}
	t.ExpiresAt, t.CreatedAt = fromDB(expires), fromDB(created)
	return &t, u.done(), nil
}

// ListTokenFamilies implements berth.TokenStore.
func (s *Store) ListTokenFamilies(ctx context.Context, userID string, now time.Time) ([]berth.TokenFamily, error) {
	const op = "list token families"
	rows, err := s.query(ctx, `SELECT f.id, f.user_id, f.client_addr, f.created_at, MAX(t.expires_at)
		FROM token_families f JOIN tokens t ON t.family_id = f.id
		WHERE f.user_id = ? AND f.revoked_at IS NULL AND t.spent_at IS NULL AND t.expires_at > ?
		GROUP BY f.id, f.user_id, f.client_addr, f.created_at
		ORDER BY f.created_at DESC, f.id`, userID, dbTime(now))
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	out := []berth.TokenFamily{}
	for rows.Next() {
		var f berth.TokenFamily
		var created, expires int64
		if err := rows.Scan(&f.ID, &f.UserID, &f.ClientAddr, &created, &expires); err != nil {
			return nil, s.wrap(op, err)
		}
		f.CreatedAt, f.ExpiresAt = fromDB(created), fromDB(expires)
		out = append(out, f)
	}
	return out, s.wrap(op, rows.Err())
}

// RotateRefreshToken implements berth.TokenStore.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash []byte, now time.Time, access, refresh *berth.Token) error {
	const op = "rotate refresh token"
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		var family, user string
		err := tx.QueryRowContext(ctx, s.q(
			`UPDATE tokens SET spent_at = ?
			 WHERE hash = ? AND kind = 'refresh' AND spent_at IS NULL AND expires_at > ?
			   AND family_id IN (SELECT id FROM token_families WHERE revoked_at IS NULL)
			 RETURNING family_id, user_id`), dbTime(now), oldHash, dbTime(now)).Scan(&family, &user)
		if errors.Is(err, sql.ErrNoRows) {
			return s.refreshRefused(ctx, tx, oldHash, now)
		}
		if err != nil {
			return s.wrap(op, err)
		}
		// The access tokens issued before this rotation end with it: a
		// refreshed login has one live access token, as the source system's
		// blacklist of the replaced token gives.
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE tokens SET spent_at = ? WHERE family_id = ? AND kind = 'access' AND spent_at IS NULL`),
			dbTime(now), family); err != nil {
			return s.wrap(op, err)
		}
		for _, t := range []*berth.Token{access, refresh} {
			t.FamilyID, t.UserID = family, user
			if _, err := tx.ExecContext(ctx, s.q(insertToken), tokenArgs(t)...); err != nil {
				return s.wrap(op, err)
			}
		}
		return nil
	})
}

// refreshRefused tells an unknown or dead refresh token from a spent one;
// a spent one ends its family, and that must be committed.
func (s *Store) refreshRefused(ctx context.Context, tx *sql.Tx, hash []byte, now time.Time) error {
	const op = "rotate refresh token"
	var family string
	var spent sql.NullInt64
	err := tx.QueryRowContext(ctx, s.q(`SELECT family_id, spent_at FROM tokens WHERE hash = ? AND kind = 'refresh'`), hash).
		Scan(&family, &spent)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !spent.Valid {
		return fmt.Errorf("%s: %w", op, berth.ErrNotFound)
	}
	if err != nil {
		return s.wrap(op, err)
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE token_families SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`),
		dbTime(now), family); err != nil {
		return s.wrap(op, err)
	}
	return &commitAnywayError{fmt.Errorf("%s: %w", op, berth.ErrTokenReused)}
}

// RevokeTokenFamily implements berth.TokenStore.
func (s *Store) RevokeTokenFamily(ctx context.Context, familyID string, now time.Time) error {
	_, err := s.exec(ctx, "revoke token family",
		`UPDATE token_families SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, dbTime(now), familyID)
	return err
}

// RevokeUserTokenFamilies implements berth.TokenStore.
func (s *Store) RevokeUserTokenFamilies(ctx context.Context, userID, exceptID string, now time.Time) (int64, error) {
	return s.exec(ctx, "revoke user token families",
		`UPDATE token_families SET revoked_at = ? WHERE user_id = ? AND id <> ? AND revoked_at IS NULL`,
		dbTime(now), userID, exceptID)
}

// DeleteExpiredTokens implements berth.TokenStore.
func (s *Store) DeleteExpiredTokens(ctx context.Context, before time.Time) (int64, error) {
	const op = "delete expired tokens"
	var n int64
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM tokens WHERE expires_at < ?`), dbTime(before))
		if err != nil {
			return s.wrap(op, err)
		}
		n, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, `DELETE FROM token_families WHERE NOT EXISTS (SELECT 1 FROM tokens t WHERE t.family_id = token_families.id)`)
		return s.wrap(op, err)
	})
	return n, err
}
