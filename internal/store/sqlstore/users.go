package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/berth-platform/berth"
)

// userColumns are the columns an account is written with, in
// userArgs's order; userSelect reads them back, with NULL ids as "".
const userColumns = `id, email, name, role, admin_role, status, password_hash, password_change_required, ` +
	`tier_id, organization_id, organization_role, created_at, updated_at, email_verified_at`

var userSelect = userColumnsAs("users")

// userColumnsAs is userSelect qualified by a table alias, for joins.
func userColumnsAs(alias string) string {
	a := alias + "."
	return a + "id, " + a + "email, " + a + "name, " + a + "role, " + a + "admin_role, " + a + "status, " +
		a + "password_hash, " + a + "password_change_required, COALESCE(" + a + "tier_id, ''), COALESCE(" +
		a + "organization_id, ''), " + a + "organization_role, " + a + "created_at, " + a + "updated_at, " + a + "email_verified_at"
}

// userDest is a scan target for userSelect; done converts the times.
type userDest struct {
	u                berth.User
	created, updated int64
	verified         sql.NullInt64
}

func (d *userDest) ptrs() []any {
	u := &d.u
	return []any{&u.ID, &u.Email, &u.Name, &u.Role, &u.AdminRole, &u.Status, &u.PasswordHash, &u.PasswordChangeRequired,
		&u.TierID, &u.OrganizationID, &u.OrganizationRole, &d.created, &d.updated, &d.verified}
}

func (d *userDest) done() *berth.User {
	d.u.CreatedAt, d.u.UpdatedAt = fromDB(d.created), fromDB(d.updated)
	d.u.EmailVerifiedAt = fromDBNull(d.verified)
	return &d.u
}

func scanUser(row interface{ Scan(...any) error }) (*berth.User, error) {
	var d userDest
	if err := row.Scan(d.ptrs()...); err != nil {
		return nil, err
	}
	return d.done(), nil
}

func fillUser(u *berth.User) { fillNew(&u.ID, &u.CreatedAt, &u.UpdatedAt) }

func userArgs(u *berth.User) []any {
	return []any{u.ID, u.Email, u.Name, u.Role, u.AdminRole, u.Status, u.PasswordHash, u.PasswordChangeRequired,
		nullID(u.TierID), nullID(u.OrganizationID), u.OrganizationRole, dbTime(u.CreatedAt), dbTime(u.UpdatedAt), dbTimeNull(u.EmailVerifiedAt)}
}

// insertUser adds an account with its email's skeleton (insertUserArgs).
const insertUser = `INSERT INTO users (` + userColumns + `, email_skeleton) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func insertUserArgs(u *berth.User) []any { return append(userArgs(u), berth.EmailSkeleton(u.Email)) }

// nullID stores an empty reference as NULL, as foreign keys need.
func nullID(id string) sql.NullString { return sql.NullString{String: id, Valid: id != ""} }

// CreateUser implements berth.UserStore. The email's skeleton is stored
// beside it, unique, so that an address that looks like an existing one's
// is an ErrConflict like the same address.
func (s *Store) CreateUser(ctx context.Context, u *berth.User) error {
	fillUser(u)
	_, err := s.exec(ctx, "create user", insertUser, insertUserArgs(u)...)
	return err
}

// CreateFirstAdmin implements berth.UserStore. The insert carries its own
// "no admin yet" condition; a concurrent twin with the same email loses on
// the unique constraint, which counts as not created, as does an address
// that looks like an existing account's.
func (s *Store) CreateFirstAdmin(ctx context.Context, u *berth.User) (bool, error) {
	fillUser(u)
	n, err := s.exec(ctx, "create first admin",
		`INSERT INTO users (`+userColumns+`, email_skeleton) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
		 WHERE NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin')`, insertUserArgs(u)...)
	if errors.Is(err, berth.ErrConflict) {
		return false, nil
	}
	return n == 1, err
}

// FirstAdmin implements berth.UserStore.
func (s *Store) FirstAdmin(ctx context.Context) (*berth.User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userSelect+` FROM users WHERE role = 'admin' ORDER BY created_at, id LIMIT 1`))
	return u, s.wrap("get first admin", err)
}

// User implements berth.UserStore.
func (s *Store) User(ctx context.Context, id string) (*berth.User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userSelect+` FROM users WHERE id = ?`, id))
	return u, s.wrap("get user", err)
}

// UserByEmail implements berth.UserStore.
func (s *Store) UserByEmail(ctx context.Context, email string) (*berth.User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userSelect+` FROM users WHERE email = ?`, email))
	return u, s.wrap("get user by email", err)
}

// userOrders maps each user sort to its ORDER BY; id breaks ties, so that
// pages never overlap.
var userOrders = map[berth.UserSort]string{
	berth.SortEmail: "email, id", berth.SortEmailDesc: "email DESC, id DESC",
	berth.SortName: "LOWER(name), id", berth.SortNameDesc: "LOWER(name) DESC, id DESC",
	berth.SortCreatedAt: "created_at, id", berth.SortCreatedAtDesc: "created_at DESC, id DESC",
}

// reversedSort is each user sort's opposite.
var reversedSort = map[berth.UserSort]berth.UserSort{
	berth.SortEmail: berth.SortEmailDesc, berth.SortEmailDesc: berth.SortEmail,
	berth.SortName: berth.SortNameDesc, berth.SortNameDesc: berth.SortName,
	berth.SortCreatedAt: berth.SortCreatedAtDesc, berth.SortCreatedAtDesc: berth.SortCreatedAt,
}

// deepOffset is where a page is deep enough to be worth counting first:
// past the middle of the list it is read from the other end, where it is
// near the start (on PostgreSQL page 2000 of 50 on 100 000 accounts took
// 55 ms from the front, 2 ms from the back).
var deepOffset = 5000

// ListUsers implements berth.UserStore.
func (s *Store) ListUsers(ctx context.Context, f berth.UserFilter) ([]berth.User, int, error) {
	const op = "list users"
	var where []string
	var args []any
	if f.Query != "" {
		cond, a := s.d.UserSearch(strings.ToLower(f.Query))
		where, args = append(where, cond), append(args, a...)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if f.Role != "" {
		where, args = append(where, "role = ?"), append(args, f.Role)
	}
	if f.AdminRole != "" {
		where, args = append(where, "admin_role = ?"), append(args, f.AdminRole)
	}
	if f.OrganizationID != "" {
		where, args = append(where, "organization_id = ?"), append(args, f.OrganizationID)
	}
	switch f.TierID {
	case "":
	case berth.DefaultTierID:
		where, args = append(where, "(tier_id IS NULL OR tier_id = ?)"), append(args, f.TierID)
	default:
		where, args = append(where, "tier_id = ?"), append(args, f.TierID)
	}
	// IN, not EXISTS: the planner can start from the few members.
	if f.FeatureRole != "" {
		where, args = append(where, "id IN (SELECT user_id FROM user_feature_roles WHERE role = ?)"), append(args, f.FeatureRole)
	}
	// A group's members are read first, whole (MATERIALIZED): a planner
	// that walks the email index hoping to meet members soon may walk most
	// of it when members' addresses sit together.
	with := ""
	if f.GroupID != "" {
		with = "WITH members AS MATERIALIZED (SELECT user_id FROM group_members WHERE group_id = ?) "
		where = append(where, "id IN (SELECT user_id FROM members)")
		args = append([]any{f.GroupID}, args...)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	sort := f.Sort
	if _, ok := userOrders[sort]; !ok {
		sort = berth.SortEmail
	}
	order := userOrders[sort]
	limit, offset := pageBounds(f.Page)
	if f.Query != "" && s.d.SearchCountsInPage {
		return s.searchUsers(ctx, with, cond, order, args, limit, offset)
	}
	if offset >= deepOffset {
		return s.deepUsers(ctx, with, cond, sort, args, limit, offset)
	}
	// The count and the page run side by side, on two connections.
	var total int
	var out []berth.User
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return s.wrap(op, s.queryRow(gctx, with+`SELECT COUNT(*) FROM users`+cond, args...).Scan(&total))
	})
	g.Go(func() error {
		var err error
		out, err = s.usersPage(gctx, with, cond, order, args, limit, offset)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// usersPage reads one page: the page's ids first, from an index where one
// fits, then their rows, so that a deep page skips index entries, not rows.
func (s *Store) usersPage(ctx context.Context, with, cond, order string, args []any, limit, offset int) ([]berth.User, error) {
	const op = "list users"
	rows, err := s.query(ctx, with+`SELECT `+userSelect+` FROM users WHERE id IN (SELECT id FROM users`+cond+` ORDER BY `+order+
		` LIMIT ? OFFSET ?) ORDER BY `+order, append(slices.Clone(args), limit, offset)...)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	var out []berth.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, s.wrap(op, err)
		}
		out = append(out, *u)
	}
	return out, s.wrap(op, rows.Err())
}

// deepUsers reads a deep page: the count first, then the page from the
// nearer end of the list — in the opposite order, turned round.
func (s *Store) deepUsers(ctx context.Context, with, cond string, sort berth.UserSort, args []any, limit, offset int) ([]berth.User, int, error) {
	var total int
	if err := s.queryRow(ctx, with+`SELECT COUNT(*) FROM users`+cond, args...).Scan(&total); err != nil {
		return nil, 0, s.wrap("list users", err)
	}
	if offset >= total {
		return nil, total, nil
	}
	after := total - offset - limit // entries after the page
	if after >= offset {
		out, err := s.usersPage(ctx, with, cond, userOrders[sort], args, limit, offset)
		return out, total, err
	}
	if after < 0 { // the last page, short
		limit += after
		after = 0
	}
	out, err := s.usersPage(ctx, with, cond, userOrders[reversedSort[sort]], args, limit, after)
	slices.Reverse(out)
	return out, total, err
}

// UpdateUserName implements berth.UserStore.
func (s *Store) UpdateUserName(ctx context.Context, id, name string) error {
	return s.execOne(ctx, "update user name",
		`UPDATE users SET name = ?, updated_at = ? WHERE id = ?`, name, dbTime(time.Now()), id)
}

// UpdatePasswordHash implements berth.UserStore.
func (s *Store) UpdatePasswordHash(ctx context.Context, id, hash string) error {
	return s.execOne(ctx, "update password",
		`UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, dbTime(time.Now()), id)
}

// SetPassword implements berth.UserStore.
func (s *Store) SetPassword(ctx context.Context, id, hash string, changeRequired bool) error {
	return s.execOne(ctx, "set password", `UPDATE users SET password_hash = ?, password_change_required = ?, updated_at = ?
		WHERE id = ?`, hash, changeRequired, dbTime(time.Now()), id)
}

// SetEmailVerified implements berth.UserStore.
func (s *Store) SetEmailVerified(ctx context.Context, id string, at time.Time) error {
	return s.execOne(ctx, "set email verified",
		`UPDATE users SET email_verified_at = ?, updated_at = ? WHERE id = ?`, dbTimeNull(at), dbTime(time.Now()), id)
}

// UpdateUserStatus implements berth.UserStore.
func (s *Store) UpdateUserStatus(ctx context.Context, id string, status berth.UserStatus) error {
	return s.execOne(ctx, "update user status",
		`UPDATE users SET status = ?, updated_at = ? WHERE id = ?`, status, dbTime(time.Now()), id)
}

// UpdateUserRole implements berth.UserStore. On PostgreSQL the active full
// admins are locked first, so that two demotions at once run one after
// the other and the second sees the first; SQLite runs one writer at a
// time anyway.
func (s *Store) UpdateUserRole(ctx context.Context, id string, role berth.Role, admin berth.AdminRole) error {
	const op = "update user role"
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		if s.d.DollarPlaceholders {
			rows, err := tx.QueryContext(ctx, `SELECT id FROM users WHERE role = 'admin' AND admin_role = 'full_admin' AND status = 'active' FOR UPDATE`)
			if err != nil {
				return s.wrap(op, err)
			}
			_ = rows.Close()
		}
		var exists, others int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM users WHERE id = ?`), id).Scan(&exists); err != nil {
			return s.wrap(op, err)
		}
		if exists == 0 {
			return fmt.Errorf("%s: %w", op, berth.ErrNotFound)
		}
		if role != berth.RoleAdmin || admin != berth.AdminFull {
			if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM users WHERE id <> ? AND role = 'admin'
				AND admin_role = 'full_admin' AND status = 'active'`), id).Scan(&others); err != nil {
				return s.wrap(op, err)
			}
			var self int
			if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM users WHERE id = ? AND role = 'admin'
				AND admin_role = 'full_admin' AND status = 'active'`), id).Scan(&self); err != nil {
				return s.wrap(op, err)
			}
			if self == 1 && others == 0 {
				return fmt.Errorf("%s: %w", op, berth.ErrLastFullAdmin)
			}
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE users SET role = ?, admin_role = ?, updated_at = ? WHERE id = ?`),
			role, admin, dbTime(time.Now()), id); err != nil {
			return s.wrap(op, err)
		}
		return nil
	})
}

// Profile implements berth.UserStore.
func (s *Store) Profile(ctx context.Context, userID string) (berth.Profile, error) {
	var p berth.Profile
	return p, s.getJSON(ctx, "get profile", "profile", userID, &p)
}

// PutProfile implements berth.UserStore.
func (s *Store) PutProfile(ctx context.Context, userID string, p berth.Profile) error {
	return s.putJSON(ctx, "put profile", "profile", userID, p)
}

// Preferences implements berth.UserStore.
func (s *Store) Preferences(ctx context.Context, userID string) (berth.Preferences, error) {
	p := berth.Preferences{Theme: berth.ThemeSystem}
	err := s.getJSON(ctx, "get preferences", "preferences", userID, &p)
	if p.PinnedFunctions == nil {
		p.PinnedFunctions = []string{}
	}
	return p, err
}

// PutPreferences implements berth.UserStore.
func (s *Store) PutPreferences(ctx context.Context, userID string, p berth.Preferences) error {
	return s.putJSON(ctx, "put preferences", "preferences", userID, p)
}

// getJSON decodes a JSON column of users; column is one of two constants.
func (s *Store) getJSON(ctx context.Context, op, column, userID string, v any) error {
	var raw sql.NullString
	err := s.queryRow(ctx, `SELECT `+column+` FROM users WHERE id = ?`, userID).Scan(&raw)
	if err != nil {
		return s.wrap(op, err)
	}
	if !raw.Valid || raw.String == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(raw.String), v); err != nil {
		return fmt.Errorf("%s: stored JSON: %w", op, err)
	}
	return nil
}

func (s *Store) putJSON(ctx context.Context, op, column, userID string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return s.execOne(ctx, op, `UPDATE users SET `+column+` = ?, updated_at = ? WHERE id = ?`,
		string(raw), dbTime(time.Now()), userID)
}

// searchUsers is ListUsers with a search: the matches are sorted whole
// for the page anyway, so the page query counts them too (a window), and
// the search runs once.
func (s *Store) searchUsers(ctx context.Context, with, cond, order string, args []any, limit, offset int) ([]berth.User, int, error) {
	const op = "search users"
	rows, err := s.query(ctx, with+`SELECT `+userSelect+`, p.n FROM users JOIN (SELECT id AS pid, COUNT(*) OVER () AS n FROM users`+cond+
		` ORDER BY `+order+` LIMIT ? OFFSET ?) p ON p.pid = users.id ORDER BY `+order, append(slices.Clone(args), limit, offset)...)
	if err != nil {
		return nil, 0, s.wrap(op, err)
	}
	defer rows.Close()
	var out []berth.User
	total := 0
	for rows.Next() {
		var d userDest
		if err := rows.Scan(append(d.ptrs(), &total)...); err != nil {
			return nil, 0, s.wrap(op, err)
		}
		out = append(out, *d.done())
	}
	if err := rows.Err(); err != nil {
		return nil, 0, s.wrap(op, err)
	}
	if len(out) == 0 && offset > 0 { // past the last page: count on its own
		if err := s.queryRow(ctx, with+`SELECT COUNT(*) FROM users`+cond, args...).Scan(&total); err != nil {
			return nil, 0, s.wrap(op, err)
		}
	}
	return out, total, nil
}

// SearchByExpression is UserSearch for a database that indexes the
// expression itself (PostgreSQL with pg_trgm).
func SearchByExpression(q string) (string, []any) {
	return `(email || ' ' || LOWER(name)) LIKE ?`, []any{"%" + likeEscaper.Replace(q) + "%"}
}
