package manager

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/mail"
	"github.com/berth-platform/berth/internal/password"
)

type registerInput struct {
	Body struct {
		Email    string `json:"email" minLength:"1" maxLength:"320" example:"ada@example.com"`
		Password string `json:"password" minLength:"1" maxLength:"1024" doc:"12 to 256 characters; not a common password; not containing the email's local part."`
		Name     string `json:"name" minLength:"1" maxLength:"100" example:"Ada Lovelace"`
	}
}

// registerOutput is the new account (201), or, where addresses must be
// verified, the same 202 answer for every address.
type registerOutput struct {
	Status int
	Body   any
}

// registerAccepted is that answer.
type registerAccepted struct {
	Status  string `json:"status" enum:"check-mail"`
	Message string `json:"message"`
}

const registerAcceptedText = "Check your mail: a message to this address says what to do next. " +
	"If it holds a code, sign in and enter it to confirm the address."

type loginInput struct{ Body Credentials }

type tokensOutput struct{ Body Tokens }

type refreshInput struct {
	Body struct {
		RefreshToken string `json:"refresh_token" minLength:"1" maxLength:"128"`
	}
}

type logoutInput struct {
	Body *struct {
		All bool `json:"all,omitempty" doc:"End every session of the user, not only this one."`
	} `required:"false"`
}

// logoutOutput is empty (204) for one session; "log out everywhere"
// answers 200 with what it ended.
type logoutOutput struct {
	Status int
	Body   *Ended
}

type authorizeOutput struct {
	Body struct {
		AccessKey string    `json:"access_key"`
		SecretKey string    `json:"secret_key" doc:"Shown once; sign requests with it (BERTH-HMAC-SHA256)."`
		Role      string    `json:"role" enum:"user,admin"`
		Status    string    `json:"status"`
		ExpiresAt time.Time `json:"expires_at"`
		User      User      `json:"user"`
	}
}

func (m *Manager) registerAuth() {
	tags := []string{"auth"}
	operation(m, huma.Operation{
		OperationID: "register", Method: http.MethodPost, Path: "/api/auth/register", Tags: tags,
		Summary: "Create an account", DefaultStatus: http.StatusCreated,
		Description: "Open only in registration mode open (admin setting registration_mode; default from auth.allow_registration).",
	}, m.register)
	operation(m, huma.Operation{
		OperationID: "login", Method: http.MethodPost, Path: "/api/auth/login", Tags: tags,
		Summary: "Log in and get an access and a refresh token",
	}, m.login)
	operation(m, huma.Operation{
		OperationID: "refresh", Method: http.MethodPost, Path: "/api/auth/refresh", Tags: tags,
		Summary:     "Exchange a refresh token for a new pair",
		Description: "The presented refresh token is spent. Presenting a spent one revokes every token of its login.",
	}, m.refresh)
	operation(m, huma.Operation{
		OperationID: "logout", Method: http.MethodPost, Path: "/api/auth/logout", Tags: tags,
		Summary: "End this session, or every session with {\"all\": true}", Security: authenticated,
		Description: "With {\"all\": true} every login of the user ends — bearer tokens, web sessions and CLI keypairs, " +
			"this one included — and the answer (200) counts each; otherwise 204.",
		DefaultStatus: http.StatusNoContent,
	}, m.logout)
	operation(m, huma.Operation{
		OperationID: "auth-options", Method: http.MethodGet, Path: "/api/auth/options", Tags: tags,
		Summary: "What sign-in offers on this server (for sign-in pages)",
	}, m.authOptions)
	// Delegation exists only where a webserver validates sessions with
	// another service (auth.validate_url): elsewhere it is 404, so an admin
	// keypair that leaks cannot mint sessions for arbitrary accounts.
	if m.auth.ValidateURL != "" {
		operation(m, huma.Operation{
			OperationID: "delegate", Method: http.MethodPost, Path: "/api/auth/delegate", Tags: tags,
			Summary: "Issue a web-session keypair for a user vouched for by another service (admins)",
			Description: "Used by a webserver in external validation mode (auth.validate_url) with its service keypair, " +
				"which must belong to a full admin. The user is created on first sight, with no usable password.",
			Security: authenticated, Metadata: map[string]any{"admin": true},
		}, m.delegate)
	}
	operation(m, huma.Operation{
		OperationID: "authorize", Method: http.MethodPost, Path: "/api/auth/authorize", Tags: tags,
		Summary:     "Log in and get a keypair bound to a web session",
		Description: "Used by the webserver: the keypair expires with the session (auth.session_keypair_ttl).",
	}, m.authorize)
}

func (m *Manager) register(ctx context.Context, in *registerInput) (*registerOutput, error) {
	addr := clientAddrFrom(ctx)
	if !m.auth.LocalPasswords {
		return nil, m.localPasswordsOff()
	}
	mode, err := m.registrationMode(ctx)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	if mode != regOpen {
		return nil, registrationRefused(mode)
	}
	email, err := berth.NormalizeEmail(in.Body.Email)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	name, err := cleanName(in.Body.Name)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	if err := password.Check(in.Body.Password, email); err != nil {
		return nil, m.fail(ctx, err)
	}
	hash, err := m.hasher.Hash(ctx, in.Body.Password)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	u := &berth.User{Email: email, Name: name, Role: berth.RoleUser, Status: berth.UserActive, PasswordHash: hash}
	if !m.auth.RequireVerifiedEmail {
		u.EmailVerifiedAt = m.now().UTC() // nobody asks for proof: as before
	}
	err = m.store.CreateUser(ctx, u)
	if m.auth.RequireVerifiedEmail {
		return m.registerVerified(ctx, u, addr, err)
	}
	if err != nil {
		if errors.Is(err, berth.ErrConflict) {
			return nil, m.emailTaken(ctx, email, addr)
		}
		return nil, m.fail(ctx, err)
	}
	m.audit(ctx, berth.AuditEvent{ActorID: u.ID, ActorEmail: email, Action: actRegister, ClientAddr: addr, Outcome: berth.AuditSuccess})
	return &registerOutput{Status: http.StatusCreated, Body: userOut(u)}, nil
}

// registerVerified answers a registration where addresses must be
// verified: the same 202 whether the account was made or the address was
// taken. A new account is mailed its code; the owner of a taken address
// is told that someone tried (a look-alike address gets nothing). The
// mail goes after the answer, so that its time says nothing either.
func (m *Manager) registerVerified(ctx context.Context, u *berth.User, addr string, createErr error) (*registerOutput, error) {
	out := &registerOutput{Status: http.StatusAccepted, Body: registerAccepted{Status: "check-mail", Message: registerAcceptedText}}
	bg := context.WithoutCancel(ctx)
	switch {
	case createErr == nil:
		m.audit(ctx, berth.AuditEvent{ActorID: u.ID, ActorEmail: u.Email, Action: actRegister, ClientAddr: addr, Outcome: berth.AuditSuccess,
			Detail: "address to be verified"})
		m.sending.Go(func() { m.mailVerificationCode(bg, u) })
	case errors.Is(createErr, berth.ErrConflict):
		m.audit(ctx, berth.AuditEvent{ActorEmail: u.Email, Action: actRegister, ClientAddr: addr, Outcome: berth.AuditFailure,
			Detail: "email taken or like another account's; the same answer given"})
		m.sending.Go(func() {
			if owner, err := m.store.UserByEmail(bg, u.Email); err == nil && owner.Status == berth.UserActive {
				_, _ = m.sendMail(bg, mail.TemplateRegistrationTaken, owner.Email, map[string]any{
					"Email": owner.Email, "SignInURL": m.link("/signin"), "ResetURL": m.link("/forgot-password"),
				}, retryAlways)
			}
		})
	default:
		return nil, m.fail(ctx, createErr)
	}
	return out, nil
}

// emailTaken audits a registration that CreateUser refused as a conflict
// and says why: the address is taken, or it looks like an existing
// account's (berth.EmailSkeleton) — without saying whose, which would hand
// an impostor the address to imitate.
func (m *Manager) emailTaken(ctx context.Context, email, addr string) error {
	_, err := m.store.UserByEmail(ctx, email)
	switch {
	case err == nil:
		m.audit(ctx, berth.AuditEvent{ActorEmail: email, Action: actRegister, ClientAddr: addr, Outcome: berth.AuditFailure, Detail: "email taken"})
		return problem(http.StatusConflict, codeConflict, "an account with this email already exists; log in instead")
	case errors.Is(err, berth.ErrNotFound):
		m.audit(ctx, berth.AuditEvent{ActorEmail: email, Action: actRegister, ClientAddr: addr, Outcome: berth.AuditFailure, Detail: "email looks like another account's"})
		return problem(http.StatusConflict, codeConflict,
			"an account with a similar-looking address already exists; register with another address")
	}
	return m.fail(ctx, err)
}

// cleanName trims a display name and checks it is printable.
func cleanName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len([]rune(s)) > 100 || !berth.ValidText(s) {
		return "", berth.Invalid("name", "must be 1 to 100 printable characters")
	}
	return s, nil
}

// checkPassword is the password step of every login: lock-out, constant
// work for unknown accounts, failure counting and auditing. It returns the
// user on success and the problem to answer otherwise.
func (m *Manager) checkPassword(ctx context.Context, c Credentials, action string) (*berth.User, error) {
	addr := clientAddrFrom(ctx)
	email, err := berth.NormalizeEmail(c.Email)
	if err != nil {
		email = strings.ToLower(strings.TrimSpace(c.Email)) // cannot be an account; still counted
	}
	fail := func(u *berth.User, detail string) {
		e := berth.AuditEvent{ActorEmail: email, Action: action, ClientAddr: addr, Outcome: berth.AuditFailure, Detail: detail}
		if u != nil {
			e.ActorID = u.ID
		}
		m.audit(ctx, e)
	}
	if !m.auth.LocalPasswords && (m.breakGlass == "" || email != m.breakGlass) {
		fail(nil, "local passwords are off")
		return nil, m.localPasswordsOff()
	}
	if err := m.checkLockout(ctx, email, addr); err != nil {
		fail(nil, "locked out")
		return nil, m.fail(ctx, err)
	}
	u, err := m.store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, berth.ErrNotFound) {
		return nil, m.fail(ctx, err)
	}
	ok, err := m.verifyPassword(ctx, u, c.Password)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	if !ok || u.Status == berth.UserDeleted {
		fail(u, "wrong email or password")
		if err := m.recordFailure(ctx, email, addr); err != nil {
			return nil, m.fail(ctx, err)
		}
		return nil, unauthorized("wrong email or password")
	}
	if u.Status == berth.UserBlocked {
		fail(u, "account blocked")
		return nil, problem(http.StatusForbidden, codeAccountBlocked, "this account is blocked; contact an administrator")
	}
	m.recordSuccess(ctx, email)
	m.rehashIfNeeded(ctx, u, c.Password)
	return u, nil
}

// localPasswordsOff refuses a berth password where they are switched off.
func (m *Manager) localPasswordsOff() error {
	names := make([]string, 0, len(m.oidc.list))
	for _, p := range m.oidc.list {
		names = append(names, p.Name())
	}
	return problem(http.StatusForbidden, codeLocalPasswords,
		"berth passwords are switched off on this server; sign in with "+strings.Join(names, " or "))
}

// verifyPassword checks pw against u's hash; for no user, an account
// without a berth password (made by a provider or another service) or an
// unreadable hash, it burns the same time and reports false.
func (m *Manager) verifyPassword(ctx context.Context, u *berth.User, pw string) (bool, error) {
	if u == nil || strings.HasPrefix(u.PasswordHash, "!") {
		return false, m.hasher.VerifyDummy(ctx, pw)
	}
	ok, err := m.hasher.Verify(ctx, u.PasswordHash, pw)
	if errors.Is(err, password.ErrMalformed) {
		m.log.ErrorContext(ctx, "stored password hash is unreadable", "event", "bad_password_hash", "user_id", u.ID)
		return false, m.hasher.VerifyDummy(ctx, pw)
	}
	return ok, err
}

// rehashIfNeeded upgrades a hash made with older parameters; best effort.
func (m *Manager) rehashIfNeeded(ctx context.Context, u *berth.User, pw string) {
	if !m.hasher.NeedsRehash(u.PasswordHash) {
		return
	}
	hash, err := m.hasher.Hash(ctx, pw)
	if err == nil {
		err = m.store.UpdatePasswordHash(ctx, u.ID, hash)
	}
	if err != nil {
		m.log.WarnContext(ctx, "password rehash skipped", "event", "rehash", "user_id", u.ID, "error", err)
	}
}

func (m *Manager) login(ctx context.Context, in *loginInput) (*tokensOutput, error) {
	u, err := m.checkPassword(ctx, in.Body, actLogin)
	if err != nil {
		if p := m.passwordGrantProvider(); p != nil && grantable(err) {
			return m.providerPasswordLogin(ctx, p, in.Body)
		}
		return nil, err
	}
	return m.loginTokens(ctx, u, "")
}

// loginTokens starts a login of u: a token family with its first access
// and refresh token.
func (m *Manager) loginTokens(ctx context.Context, u *berth.User, detail string) (*tokensOutput, error) {
	now := m.now().UTC()
	f := &berth.TokenFamily{ID: uuid.NewString(), UserID: u.ID, ClientAddr: clientAddrFrom(ctx), CreatedAt: now}
	access, refresh, out := m.newTokens(u, now)
	if err := m.store.CreateTokenFamily(ctx, f, access, refresh); err != nil {
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, u, actLogin, f.ID, berth.AuditSuccess, detail)
	return &tokensOutput{Body: out}, nil
}

// newTokens makes an access and a refresh token (as stored) and the answer
// that carries their values.
func (m *Manager) newTokens(u *berth.User, now time.Time) (*berth.Token, *berth.Token, Tokens) {
	av, rv := accessTokenPrefix+randomToken(), refreshTokenPrefix+randomToken()
	access := &berth.Token{Hash: hashToken(av), Kind: berth.TokenAccess, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(m.auth.AccessTokenTTL)}
	refresh := &berth.Token{Hash: hashToken(rv), Kind: berth.TokenRefresh, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(m.auth.RefreshTokenTTL)}
	return access, refresh, Tokens{AccessToken: av, RefreshToken: rv, TokenType: "Bearer",
		ExpiresIn: int(m.auth.AccessTokenTTL / time.Second), User: m.userFor(u)}
}

// randomToken is 256 random bits, base64url.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (m *Manager) refresh(ctx context.Context, in *refreshInput) (*tokensOutput, error) {
	tok := in.Body.RefreshToken
	invalid := unauthorized("the refresh token is invalid, expired or revoked; log in again")
	if !strings.HasPrefix(tok, refreshTokenPrefix) {
		return nil, invalid
	}
	// A login whose password a provider checked refreshes there first,
	// before berth's refresh token is spent: a provider that cannot be
	// reached leaves the login as it was, to be refreshed again.
	if t, _, err := m.store.TokenOwner(ctx, hashToken(tok), berth.TokenRefresh); err == nil && !t.FamilyRevoked {
		if err := m.refreshAtProvider(ctx, t.FamilyID); err != nil {
			return nil, err
		}
	}
	now := m.now().UTC()
	// The user is known only after rotation; tokens are made for a
	// placeholder and bound to the family's user by the store.
	access, refresh, out := m.newTokens(&berth.User{}, now)
	err := m.store.RotateRefreshToken(ctx, hashToken(tok), now, access, refresh)
	switch {
	case errors.Is(err, berth.ErrTokenReused):
		m.audit(ctx, berth.AuditEvent{Action: actRefresh, ClientAddr: clientAddrFrom(ctx), Outcome: berth.AuditFailure,
			Detail: "spent refresh token presented; token family revoked"})
		return nil, m.fail(ctx, err)
	case errors.Is(err, berth.ErrNotFound):
		return nil, invalid
	case err != nil:
		return nil, m.fail(ctx, err)
	}
	u, err := m.store.User(ctx, access.UserID)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	if !u.Active() {
		_ = m.store.RevokeTokenFamily(ctx, access.FamilyID, now)
		return nil, invalid
	}
	out.User = userOut(u)
	m.auditUser(ctx, u, actRefresh, access.FamilyID, berth.AuditSuccess, "")
	return &tokensOutput{Body: out}, nil
}

func (m *Manager) logout(ctx context.Context, in *logoutInput) (*logoutOutput, error) {
	p := PrincipalFrom(ctx)
	now := m.now()
	all := in.Body != nil && in.Body.All
	out := &logoutOutput{Status: http.StatusNoContent}
	var err error
	switch {
	case all:
		var ended Ended
		if ended, err = m.endSessions(ctx, p.User.ID, "", ""); err == nil {
			out.Status, out.Body = http.StatusOK, &ended
		}
	case p.Via == "bearer":
		err = m.store.RevokeTokenFamily(ctx, p.FamilyID, now)
	case p.KeyKind == berth.KeypairSession:
		err = m.store.DeleteKeypair(ctx, p.User.ID, p.AccessKey)
	}
	if err != nil && !errors.Is(err, berth.ErrNotFound) {
		return nil, m.fail(ctx, err)
	}
	detail := ""
	if all {
		detail = "all sessions"
	}
	m.auditUser(ctx, p.User, actLogout, p.FamilyID+p.AccessKey, berth.AuditSuccess, detail)
	return out, nil
}

func (m *Manager) authorize(ctx context.Context, in *loginInput) (*authorizeOutput, error) {
	u, err := m.checkPassword(ctx, in.Body, actAuthorize)
	if err != nil {
		return nil, err
	}
	now := m.now().UTC()
	k, secretKey := m.newKeypair(u, berth.KeypairSession, "web session", now)
	k.ExpiresAt = now.Add(m.auth.SessionKeypairTTL)
	if err := m.store.CreateKeypair(ctx, k); err != nil {
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, u, actAuthorize, k.AccessKey, berth.AuditSuccess, "")
	out := &authorizeOutput{}
	out.Body.AccessKey, out.Body.SecretKey = k.AccessKey, secretKey
	out.Body.Role, out.Body.Status, out.Body.ExpiresAt = string(u.Role), string(u.Status), k.ExpiresAt
	out.Body.User = userOut(u)
	out.Body.User.EmailVerificationRequired = m.needsVerification(u)
	return out, nil
}

// SessionKeypair issues a web-session keypair for u, valid for ttl, and
// returns it with its secret. The server uses it for its own sessions
// (authentication switched off on loopback).
func (m *Manager) SessionKeypair(ctx context.Context, u *berth.User, ttl time.Duration) (*berth.Keypair, string, error) {
	now := m.now().UTC()
	k, secretKey := m.newKeypair(u, berth.KeypairSession, "local session", now)
	k.ExpiresAt = now.Add(ttl)
	if err := m.store.CreateKeypair(ctx, k); err != nil {
		return nil, "", err
	}
	return k, secretKey, nil
}

// newKeypair makes a keypair with a sealed secret and returns the secret's
// value, which exists nowhere else once the answer is sent.
func (m *Manager) newKeypair(u *berth.User, kind berth.KeypairKind, name string, now time.Time) (*berth.Keypair, string) {
	var id [10]byte
	_, _ = rand.Read(id[:])
	ak := "BK" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(id[:]) // 2 + 16 characters
	sk := randomToken()
	return &berth.Keypair{AccessKey: ak, UserID: u.ID, Kind: kind, Name: name,
		SecretSealed: m.box.Seal([]byte(sk), keypairAAD(ak)), CreatedAt: now}, sk
}

type delegateInput struct {
	Body struct {
		Email string `json:"email" minLength:"1" maxLength:"320"`
		Name  string `json:"name,omitempty" maxLength:"100"`
	}
}

// delegate issues a session keypair for a user another service vouched
// for, creating the account on first sight.
func (m *Manager) delegate(ctx context.Context, in *delegateInput) (*authorizeOutput, error) {
	p := PrincipalFrom(ctx)
	if p.User.AdminRole != berth.AdminFull {
		return nil, problem(http.StatusForbidden, codeForbidden, "delegating sessions needs a full admin's keypair")
	}
	email, err := berth.NormalizeEmail(in.Body.Email)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	u, err := m.store.UserByEmail(ctx, email)
	if errors.Is(err, berth.ErrNotFound) {
		name := strings.TrimSpace(in.Body.Name)
		if name == "" || !berth.ValidText(name) {
			name, _, _ = strings.Cut(email, "@")
		}
		// No password: the account signs in only through the validator.
		u = &berth.User{Email: email, Name: name, Role: berth.RoleUser, Status: berth.UserActive, PasswordHash: "!external"}
		if err := m.store.CreateUser(ctx, u); err != nil && !errors.Is(err, berth.ErrConflict) {
			return nil, m.fail(ctx, err)
		}
		// A conflict is a concurrent twin (found now) or a look-alike of
		// another account (not found).
		if u, err = m.store.UserByEmail(ctx, email); errors.Is(err, berth.ErrNotFound) {
			return nil, m.emailTaken(ctx, email, clientAddrFrom(ctx))
		} else if err != nil {
			return nil, m.fail(ctx, err)
		}
		m.audit(ctx, berth.AuditEvent{ActorID: u.ID, ActorEmail: email, Action: actRegister, ClientAddr: clientAddrFrom(ctx),
			Outcome: berth.AuditSuccess, Detail: "provisioned by " + p.User.Email})
	} else if err != nil {
		return nil, m.fail(ctx, err)
	}
	if !u.Active() {
		return nil, problem(http.StatusForbidden, codeAccountBlocked, "this account is "+string(u.Status))
	}
	k, secretKey, err := m.SessionKeypair(ctx, u, m.auth.SessionKeypairTTL)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, u, actAuthorize, k.AccessKey, berth.AuditSuccess, "delegated by "+p.User.Email)
	out := &authorizeOutput{}
	out.Body.AccessKey, out.Body.SecretKey = k.AccessKey, secretKey
	out.Body.Role, out.Body.Status, out.Body.ExpiresAt = string(u.Role), string(u.Status), k.ExpiresAt
	out.Body.User = userOut(u)
	out.Body.User.EmailVerificationRequired = m.needsVerification(u)
	return out, nil
}

type authOptionsOutput struct {
	Body struct {
		Registration     bool   `json:"registration" doc:"Whether anyone may create an account (POST /api/auth/register)."`
		RegistrationMode string `json:"registration_mode" enum:"open,early_access,invite,closed" doc:"early_access: ask at POST /api/early-access."`
		MinPassword      int    `json:"min_password_length"`
		// VerifiedEmail: accounts must confirm their address with a mailed
		// code before they may do anything (auth.require_verified_email).
		VerifiedEmail bool `json:"require_verified_email"`
		// Providers are the OpenID providers to offer as "Sign in with …".
		Providers []ProviderInfo `json:"providers"`
		// LocalPasswords false: berth passwords are off (auth.local_passwords);
		// sign-in pages show only the providers.
		LocalPasswords bool `json:"local_passwords"`
	}
}

func (m *Manager) authOptions(ctx context.Context, _ *struct{}) (*authOptionsOutput, error) {
	mode, err := m.registrationMode(ctx)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	out := &authOptionsOutput{}
	out.Body.Registration, out.Body.RegistrationMode, out.Body.MinPassword = mode == regOpen, mode, password.MinLength
	out.Body.VerifiedEmail = m.auth.RequireVerifiedEmail
	out.Body.Providers, out.Body.LocalPasswords = m.providerInfos(), m.auth.LocalPasswords
	if !m.auth.LocalPasswords {
		out.Body.Registration = false // an account comes from a provider
	}
	return out, nil
}

// userFor is userOut with what only the manager knows about the account:
// whether it must confirm its address first.
func (m *Manager) userFor(u *berth.User) User {
	out := userOut(u)
	out.EmailVerificationRequired = m.needsVerification(u)
	return out
}
