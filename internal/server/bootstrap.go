package server

import (
	"time"

	"context"
	"fmt"
	"path/filepath"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/password"
	"github.com/berth-platform/berth/internal/secret"
)

// DefaultAdminEmail is the first admin's email when none is configured.
const DefaultAdminEmail = "admin@berth.local"

// AdminPasswordFile is where a generated first-admin password is kept.
const AdminPasswordFile = "initial-admin-password"

// Bootstrap reports how the first admin was set up at this start.
type Bootstrap struct {
	Email string
	// Created is true when this start created the first admin.
	Created bool
	// GeneratedPassword is set only when this start generated it.
	GeneratedPassword string
	PasswordFile      string
}

// seedAdmin creates the first admin when the database has none: from
// BERTH_ADMIN_EMAIL / BERTH_ADMIN_PASSWORD, or with a generated password
// that is written 0600 into the data dir and shown once.
func seedAdmin(ctx context.Context, store berth.Store, hasher *password.Hasher, cfg *config.Config) (Bootstrap, error) {
	b := Bootstrap{Email: DefaultAdminEmail, PasswordFile: filepath.Join(cfg.DataDir, AdminPasswordFile)}
	pw := cfg.Admin.Password
	if cfg.Admin.Email != "" {
		email, err := berth.NormalizeEmail(cfg.Admin.Email)
		if err != nil {
			return b, fmt.Errorf("BERTH_ADMIN_EMAIL: %w", err)
		}
		if err := password.Check(pw, email); err != nil {
			return b, fmt.Errorf("BERTH_ADMIN_PASSWORD: %w", err)
		}
		b.Email = email
	} else {
		pw = password.Generate()
	}
	hash, err := hasher.Hash(ctx, pw)
	if err != nil {
		return b, err
	}
	u := &berth.User{Email: b.Email, Name: "Administrator", Role: berth.RoleAdmin, AdminRole: berth.AdminFull,
		Status: berth.UserActive, PasswordHash: hash}
	u.EmailVerifiedAt = time.Now().UTC() // the operator chose the address
	created, err := store.CreateFirstAdmin(ctx, u)
	if err != nil {
		return b, fmt.Errorf("create the first admin: %w", err)
	}
	if !created {
		// The banner names the admin there is, not the one configured
		// now (BERTH_ADMIN_EMAIL may have changed since the first start).
		if first, err := store.FirstAdmin(ctx); err == nil {
			b.Email = first.Email
		}
		return b, nil
	}
	b.Created = true
	if cfg.Admin.Email == "" {
		content := fmt.Sprintf("email: %s\npassword: %s\n", b.Email, pw)
		if err := secret.WriteFileAtomic(b.PasswordFile, []byte(content), 0o600); err != nil {
			return b, fmt.Errorf("write %s: %w", b.PasswordFile, err)
		}
		b.GeneratedPassword = pw
	}
	return b, nil
}
