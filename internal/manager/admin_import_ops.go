package manager

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/password"
	"github.com/berth-platform/berth/internal/userimport"
)

// Importing accounts from another system (berth admin users import): the
// source's bcrypt hashes are kept as they are and replaced by argon2id at
// each account's first successful sign-in. Import is idempotent: an
// address that has an account is skipped, and the answer says why each
// skipped line was.

const (
	actAdminUserImport = "admin.user_import"
	// importedNoPassword marks an imported account without a hash: it
	// signs in after a password reset, or through an OpenID provider.
	importedNoPassword = "!import"
)

type importUsersInput struct {
	Body struct {
		Users []userimport.Record `json:"users" minItems:"1" maxItems:"10000" doc:"The accounts: email, name (default: the address's local part), password_hash (bcrypt $2a$/$2b$/$2y$, or empty: none), email_verified."`
	}
}

// ImportSkip is an account the import left out.
type ImportSkip struct {
	Index  int    `json:"index" doc:"The account's position in users, from 1."`
	Email  string `json:"email"`
	Reason string `json:"reason"`
}

type importUsersOutput struct {
	Body struct {
		Created int          `json:"created"`
		Skipped []ImportSkip `json:"skipped"`
	}
}

func (m *Manager) registerAdminImport(tags []string, write map[string]any) {
	operation(m, huma.Operation{OperationID: "admin-import-users", Method: http.MethodPost, Path: "/api/admin/users/import", Tags: tags,
		Security: authenticated, Metadata: write, Errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		Summary: "Import accounts from another system, keeping their bcrypt password hashes",
		Description: "Idempotent: an address that already has an account (or a look-alike of one) is skipped, as is a line with a bad " +
			"address, name or hash, each with its reason. A bcrypt hash is re-hashed with argon2id at the account's first sign-in."}, m.importUsers)
}

func (m *Manager) importUsers(ctx context.Context, in *importUsersInput) (*importUsersOutput, error) {
	p := PrincipalFrom(ctx)
	out := &importUsersOutput{}
	out.Body.Skipped = []ImportSkip{}
	seen := map[string]bool{}
	now := m.now().UTC()
	for i, r := range in.Body.Users {
		skip := func(reason string) {
			out.Body.Skipped = append(out.Body.Skipped, ImportSkip{Index: i + 1, Email: r.Email, Reason: reason})
		}
		email, err := berth.NormalizeEmail(r.Email)
		if err != nil {
			skip("not a usable email address: " + err.Error())
			continue
		}
		if seen[email] {
			skip("listed twice; the first is imported")
			continue
		}
		seen[email] = true
		hash := r.PasswordHash
		switch {
		case hash == "":
			hash = importedNoPassword
		case password.IsBcrypt(hash):
			if err := password.CheckBcrypt(hash); err != nil {
				skip(err.Error())
				continue
			}
		default:
			skip("the password hash is not bcrypt ($2a$, $2b$ or $2y$); leave it empty to import the account without a password")
			continue
		}
		name := strings.TrimSpace(r.Name)
		if name == "" {
			name, _, _ = strings.Cut(email, "@")
		}
		if len(name) > 100 || !berth.ValidText(name) {
			skip("the name is over 100 characters or holds control characters")
			continue
		}
		existing, err := m.store.UserByEmail(ctx, email)
		switch {
		case err == nil && existing.Status == berth.UserDeleted:
			skip("a deleted account holds this address; restore or purge it first")
			continue
		case err == nil:
			skip("an account with this address exists")
			continue
		case !errors.Is(err, berth.ErrNotFound):
			return nil, m.fail(ctx, err)
		}
		u := &berth.User{Email: email, Name: name, Role: berth.RoleUser, Status: berth.UserActive, PasswordHash: hash}
		if r.EmailVerified {
			u.EmailVerifiedAt = now
		}
		if err := m.store.CreateUser(ctx, u); errors.Is(err, berth.ErrConflict) {
			skip("an account with this address, or a look-alike of it, exists")
			continue
		} else if err != nil {
			return nil, m.fail(ctx, err)
		}
		out.Body.Created++
	}
	m.auditUser(ctx, p.User, actAdminUserImport, "", berth.AuditSuccess,
		fmt.Sprintf("created %d, skipped %d of %d", out.Body.Created, len(out.Body.Skipped), len(in.Body.Users)))
	return out, nil
}
