package sqlstore

import (
	"context"
	"time"

	"github.com/berth-platform/berth"
)

// IdentityUser implements berth.IdentityStore.
func (s *Store) IdentityUser(ctx context.Context, provider, subject string) (*berth.Identity, *berth.User, error) {
	id := berth.Identity{Provider: provider, Subject: subject}
	var created, last int64
	var u userDest
	err := s.queryRow(ctx, `SELECT i.user_id, i.email, i.created_at, i.last_login_at, `+userColumnsAs("u")+`
		FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.provider = ? AND i.subject = ?`, provider, subject).
		Scan(append([]any{&id.UserID, &id.Email, &created, &last}, u.ptrs()...)...)
	if err != nil {
		return nil, nil, s.wrap("get identity", err)
	}
	id.CreatedAt, id.LastLoginAt = fromDB(created), fromDB(last)
	return &id, u.done(), nil
}

// LinkIdentity implements berth.IdentityStore.
func (s *Store) LinkIdentity(ctx context.Context, id *berth.Identity) error {
	if id.CreatedAt.IsZero() {
		id.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	}
	if id.LastLoginAt.IsZero() {
		id.LastLoginAt = id.CreatedAt
	}
	_, err := s.exec(ctx, "link identity",
		`INSERT INTO user_identities (provider, subject, user_id, email, created_at, last_login_at) VALUES (?, ?, ?, ?, ?, ?)`,
		id.Provider, id.Subject, id.UserID, id.Email, dbTime(id.CreatedAt), dbTime(id.LastLoginAt))
	return err
}

// TouchIdentity implements berth.IdentityStore.
func (s *Store) TouchIdentity(ctx context.Context, provider, subject, email string, at time.Time) error {
	return s.execOne(ctx, "touch identity",
		`UPDATE user_identities SET email = ?, last_login_at = ? WHERE provider = ? AND subject = ?`,
		email, dbTime(at), provider, subject)
}

// UserIdentities implements berth.IdentityStore.
func (s *Store) UserIdentities(ctx context.Context, userID string) ([]berth.Identity, error) {
	rows, err := s.query(ctx, `SELECT provider, subject, user_id, email, created_at, last_login_at
		FROM user_identities WHERE user_id = ? ORDER BY created_at, provider, subject`, userID)
	if err != nil {
		return nil, s.wrap("list identities", err)
	}
	defer rows.Close()
	out := []berth.Identity{}
	for rows.Next() {
		var id berth.Identity
		var created, last int64
		if err := rows.Scan(&id.Provider, &id.Subject, &id.UserID, &id.Email, &created, &last); err != nil {
			return nil, s.wrap("list identities", err)
		}
		id.CreatedAt, id.LastLoginAt = fromDB(created), fromDB(last)
		out = append(out, id)
	}
	return out, s.wrap("list identities", rows.Err())
}
