package manager

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/kv"
	"github.com/berth-platform/berth/internal/password"
)

// Accounts that administrators make: POST /api/admin/users, a new
// temporary password for an account, and the early-access queue. Each
// account starts with a temporary password, mailed when mail is configured
// and otherwise shown once to the admin; until it is changed the account
// may do nothing else (authenticate refuses with password-change-required).

type createUserInput struct {
	Body struct {
		Email          string `json:"email" minLength:"3" maxLength:"320" format:"email"`
		Name           string `json:"name" minLength:"1" maxLength:"100"`
		Role           string `json:"role,omitempty" enum:"user,admin" default:"user"`
		AdminRole      string `json:"admin_role,omitempty" enum:"full_admin,viewer" doc:"With role admin."`
		OrganizationID string `json:"organization_id,omitempty" maxLength:"36" doc:"Make the account a member of this organisation."`
		TierID         string `json:"tier_id,omitempty" maxLength:"36" doc:"The account's own tier; empty for its organisation's or the default."`
	}
}

// TemporaryPassword is how an account's temporary password was handed over.
type TemporaryPassword struct {
	User     User   `json:"user"`
	Password string `json:"temporary_password,omitempty" doc:"Shown once, only when mail is not configured: hand it to the user, who must change it at first sign-in."`
	Mailed   bool   `json:"mailed" doc:"Whether it was mailed to the account's address instead."`
	// MailError says why mailing failed; the password is then shown here.
	MailError string `json:"mail_error,omitempty" doc:"Mail is configured but sending failed (the password is shown instead): fix the mail settings."`
}

type temporaryPasswordOutput struct{ Body TemporaryPassword }

func (m *Manager) registerAdminAccounts(tags []string, admin, write map[string]any) {
	operation(m, huma.Operation{OperationID: "admin-create-user", Method: http.MethodPost, Path: "/api/admin/users", Tags: tags,
		Security: authenticated, Metadata: write, DefaultStatus: http.StatusCreated,
		Errors:  []int{http.StatusForbidden, http.StatusConflict, http.StatusUnprocessableEntity},
		Summary: "Create an account with a temporary password (mailed when mail is configured, else in the answer, once)",
		Description: "The account can do nothing but change the password until it does (403 password-change-required). " +
			"An email of a deleted account stays taken until the account is restored or purged (409)."}, m.createUser)
	operation(m, huma.Operation{OperationID: "admin-temporary-password", Method: http.MethodPost, Path: "/api/admin/users/{id}/temporary-password", Tags: tags,
		Security: authenticated, Metadata: write, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
		Summary: "Give an account a new temporary password, ending every session, token and keypair it holds"}, m.temporaryPassword)

	operation(m, huma.Operation{OperationID: "request-early-access", Method: http.MethodPost, Path: "/api/early-access", Tags: []string{"auth"},
		DefaultStatus: http.StatusAccepted, Errors: []int{http.StatusForbidden, http.StatusTooManyRequests},
		Summary: "Ask for an account while registration is by early access",
		Description: "The answer is the same whether or not the address has an account or a pending request. " +
			"Limited per client address (429 with Retry-After)."}, m.requestEarlyAccess)
	operation(m, huma.Operation{OperationID: "admin-list-early-access", Method: http.MethodGet, Path: "/api/admin/early-access", Tags: tags,
		Security: authenticated, Metadata: admin, Errors: []int{http.StatusForbidden},
		Summary: "Early-access requests, oldest first"}, m.listEarlyAccess)
	operation(m, huma.Operation{OperationID: "admin-approve-early-access", Method: http.MethodPost, Path: "/api/admin/early-access/{id}/approve", Tags: tags,
		Security: authenticated, Metadata: write, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
		Summary: "Approve a request: the account is created with a temporary password (409 beyond early_access_capacity)"}, m.approveEarlyAccess)
	operation(m, huma.Operation{OperationID: "admin-reject-early-access", Method: http.MethodPost, Path: "/api/admin/early-access/{id}/reject", Tags: tags,
		Security: authenticated, Metadata: write, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
		Summary: "Reject a request, with a reason kept for the admins"}, m.rejectEarlyAccess)
}

func (m *Manager) createUser(ctx context.Context, in *createUserInput) (*temporaryPasswordOutput, error) {
	b := &in.Body
	email, err := berth.NormalizeEmail(b.Email)
	if err != nil {
		return nil, err
	}
	name, err := cleanName(b.Name)
	if err != nil {
		return nil, err
	}
	u := &berth.User{Email: email, Name: name, Role: berth.Role(b.Role), AdminRole: berth.AdminRole(b.AdminRole), Status: berth.UserActive}
	switch {
	case u.Role == berth.RoleAdmin && u.AdminRole == berth.AdminNone:
		return nil, berth.Invalid("admin_role", "an admin needs an admin role: full_admin or viewer")
	case u.Role != berth.RoleAdmin && u.AdminRole != berth.AdminNone:
		return nil, berth.Invalid("admin_role", "a user has no admin role: send role admin with it, or leave it out")
	}
	if b.TierID != "" {
		if _, err := m.existingTier(ctx, "tier_id", b.TierID); err != nil {
			return nil, err
		}
		u.TierID = b.TierID
	}
	if b.OrganizationID != "" {
		if _, err := m.store.Organization(ctx, b.OrganizationID); err != nil || !berth.ValidID(b.OrganizationID) {
			if err == nil || errors.Is(err, berth.ErrNotFound) {
				return nil, berth.Invalid("organization_id", "names no organization: "+b.OrganizationID)
			}
			return nil, err
		}
		u.OrganizationID, u.OrganizationRole = b.OrganizationID, berth.OrgMember
	}
	pw, err := m.newTemporaryPassword(ctx, u)
	if err != nil {
		return nil, err
	}
	if err := m.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, berth.ErrConflict) {
			return nil, m.adminEmailTaken(ctx, email)
		}
		return nil, err
	}
	out, err := m.handOver(ctx, u, pw, false)
	if err != nil {
		return nil, err
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAdminUserCreate, u.ID, berth.AuditSuccess, "account "+email+" as "+
		roleText(u.Role, u.AdminRole)+", tier "+orNone(u.TierID)+", organization "+orNone(u.OrganizationID)+"; temporary password "+handedText(out))
	return &temporaryPasswordOutput{Body: out}, nil
}

// newTemporaryPassword generates a password and sets its hash on u, marked
// temporary.
func (m *Manager) newTemporaryPassword(ctx context.Context, u *berth.User) (string, error) {
	pw := password.Generate()
	hash, err := m.hasher.Hash(ctx, pw)
	if err != nil {
		return "", err
	}
	u.PasswordHash, u.PasswordChangeRequired = hash, true
	return pw, nil
}

func handedText(t TemporaryPassword) string {
	if t.Mailed {
		return "mailed"
	}
	return "shown to the admin"
}

// adminEmailTaken says to an admin why an email is taken: a deleted
// account keeps it until restored or purged.
func (m *Manager) adminEmailTaken(ctx context.Context, email string) error {
	old, err := m.store.UserByEmail(ctx, email)
	switch {
	case err == nil && old.Status == berth.UserDeleted:
		return problem(http.StatusConflict, codeConflict, "the deleted account "+old.ID+" still holds "+email+
			": restore it (POST /api/admin/users/"+old.ID+"/restore) or wait until it is purged")
	case err == nil:
		return problem(http.StatusConflict, codeConflict, "account "+old.ID+" has the email "+email+" already")
	case errors.Is(err, berth.ErrNotFound):
		return problem(http.StatusConflict, codeConflict, "an account with an address that looks like "+email+" exists already; use another address")
	}
	return err
}

// handOver mails the temporary password when mail is configured, and
// otherwise — or when the mail server refuses it — returns it to show
// once, so that a password is never set that nobody received.
func (m *Manager) handOver(ctx context.Context, u *berth.User, pw string, earlyAccess bool) (TemporaryPassword, error) {
	out := TemporaryPassword{User: userOut(u)}
	mailed, err := m.mailTemporaryPassword(ctx, u, pw, earlyAccess)
	if err != nil {
		out.MailError = err.Error()
	}
	out.Mailed = mailed
	if !mailed {
		out.Password = pw
	} else if u.EmailVerifiedAt.IsZero() {
		// Only the mailbox holds the password: signing in proves it.
		if err := m.store.SetEmailVerified(ctx, u.ID, m.now().UTC()); err != nil {
			return out, err
		}
		u.EmailVerifiedAt = m.now().UTC()
		out.User = userOut(u)
	}
	return out, nil
}

func (m *Manager) temporaryPassword(ctx context.Context, in *UserIDParam) (*temporaryPasswordOutput, error) {
	actor := PrincipalFrom(ctx).User
	if in.ID == actor.ID {
		return nil, problem(http.StatusConflict, codeConflict, "change your own password at PATCH /api/users/me")
	}
	u, err := m.adminTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if u.Status == berth.UserDeleted {
		return nil, problem(http.StatusConflict, codeConflict, "user "+u.ID+" is deleted; restore the account first")
	}
	pw, err := m.newTemporaryPassword(ctx, u)
	if err != nil {
		return nil, err
	}
	if err := m.store.SetPassword(ctx, u.ID, u.PasswordHash, true); err != nil {
		return nil, err
	}
	ended, err := m.endSessions(ctx, u.ID, "", "")
	if err != nil {
		return nil, err
	}
	out, err := m.handOver(ctx, u, pw, false)
	if err != nil {
		return nil, err
	}
	m.auditUser(ctx, actor, actAdminTempPW, u.ID, berth.AuditSuccess, "temporary password "+handedText(out)+"; "+
		strconv.FormatInt(ended.WebSessions+ended.Keypairs+ended.TokenFamilies, 10)+" sessions, keypairs and logins ended")
	return &temporaryPasswordOutput{Body: out}, nil
}

// passwordChangeRoutes are what an account with a temporary password may
// call: read itself, change the password, sign out, and what anyone may
// (the sign-in options, which a page asks for whoever is signed in).
var passwordChangeRoutes = map[string]bool{
	"GET /api/users/me": true, "PATCH /api/users/me": true, "POST /api/auth/logout": true, "GET /api/auth/options": true,
}

// errPasswordChange refuses every other call.
var errPasswordChange = problem(http.StatusForbidden, codePasswordChange,
	"this account has a temporary password: change it first (PATCH /api/users/me with current_password and password; "+
		"berth login and the dashboard lead you there)")

// Early access.

type earlyAccessInput struct {
	Body struct {
		Email  string `json:"email" minLength:"3" maxLength:"320" format:"email"`
		Name   string `json:"name" minLength:"1" maxLength:"100"`
		Reason string `json:"reason,omitempty" maxLength:"1000" doc:"What you would use berth for."`
	}
}

type earlyAccessAnswer struct {
	Body struct {
		Status  string `json:"status" enum:"received"`
		Message string `json:"message"`
	}
}

// EarlyAccessRequest is a request as admins see it.
type EarlyAccessRequest struct {
	ID             string     `json:"id" format:"uuid"`
	Email          string     `json:"email"`
	Name           string     `json:"name"`
	Reason         string     `json:"reason"`
	Status         string     `json:"status" enum:"pending,approved,rejected"`
	DecisionReason string     `json:"decision_reason,omitempty"`
	DecidedBy      string     `json:"decided_by,omitempty"`
	UserID         string     `json:"user_id,omitempty" doc:"The account an approval created."`
	CreatedAt      time.Time  `json:"created_at"`
	DecidedAt      *time.Time `json:"decided_at,omitempty"`
}

func earlyOut(r *berth.EarlyAccessRequest) EarlyAccessRequest {
	return EarlyAccessRequest{ID: r.ID, Email: r.Email, Name: r.Name, Reason: r.Reason, Status: string(r.Status),
		DecisionReason: r.DecisionReason, DecidedBy: r.DecidedBy, UserID: r.UserID, CreatedAt: r.CreatedAt, DecidedAt: timePtr(r.DecidedAt)}
}

type listEarlyAccessInput struct {
	PageParams
	Status string `query:"status" enum:"pending,approved,rejected"`
}

type EarlyIDParam struct {
	ID string `path:"id" format:"uuid" maxLength:"36" doc:"The request's id."`
}

type rejectEarlyInput struct {
	EarlyIDParam
	Body struct {
		Reason string `json:"reason" minLength:"1" maxLength:"500"`
	}
}

type approveEarlyOutput struct {
	Body struct {
		Request EarlyAccessRequest `json:"request"`
		TemporaryPassword
	}
}

// earlyAccessLimit bounds requests per client address.
var earlyAccessLimit = kv.Limit{Rate: 5, Period: time.Hour, Burst: 5}

func (m *Manager) requestEarlyAccess(ctx context.Context, in *earlyAccessInput) (*earlyAccessAnswer, error) {
	mode, err := m.registrationMode(ctx)
	if err != nil {
		return nil, err
	}
	if mode != regEarlyAccess {
		return nil, registrationRefused(mode)
	}
	addr := clientAddrFrom(ctx)
	if err := m.limitAddr(ctx, "early", earlyAccessLimit, "early-access"); err != nil {
		return nil, err
	}
	email, err := berth.NormalizeEmail(in.Body.Email)
	if err != nil {
		return nil, err
	}
	name, err := cleanName(in.Body.Name)
	if err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(in.Body.Reason)
	if !berth.ValidText(reason) {
		return nil, berth.Invalid("reason", "must be printable text on one line")
	}
	out := &earlyAccessAnswer{}
	out.Body.Status = "received"
	out.Body.Message = "Thank you: an administrator will look at your request. If it is approved, you will receive your sign-in details."
	// An address with an account is not queued, and the answer does not say so.
	if _, err := m.store.UserByEmail(ctx, email); err == nil {
		m.audit(ctx, berth.AuditEvent{ActorEmail: email, Action: actEarlyAccessAsk, ClientAddr: addr, Outcome: berth.AuditFailure, Detail: "the address has an account"})
		return out, nil
	} else if !errors.Is(err, berth.ErrNotFound) {
		return nil, err
	}
	r := &berth.EarlyAccessRequest{Email: email, Name: name, Reason: reason, Status: berth.EarlyAccessPending}
	queued, err := m.store.CreateEarlyAccess(ctx, r)
	if err != nil {
		return nil, err
	}
	detail := "queued"
	if !queued {
		detail = "a request for the address is pending already"
	}
	m.audit(ctx, berth.AuditEvent{ActorEmail: email, Action: actEarlyAccessAsk, Target: r.ID, ClientAddr: addr, Outcome: berth.AuditSuccess, Detail: detail})
	return out, nil
}

// registrationRefused says why the public cannot create an account.
func registrationRefused(mode string) error {
	switch mode {
	case regEarlyAccess:
		return problem(http.StatusForbidden, codeRegistrationOff,
			"registration on this server is by early access: ask for an account at POST /api/early-access (the sign-in page has a form)")
	case regInvite:
		return problem(http.StatusForbidden, codeRegistrationOff, "accounts on this server are by invitation: ask an administrator to create one")
	case regOpen:
		return problem(http.StatusForbidden, codeRegistrationOff, "registration is open: create an account at POST /api/auth/register")
	}
	return problem(http.StatusForbidden, codeRegistrationOff, "registration is closed on this server; ask an administrator for an account")
}

func (m *Manager) listEarlyAccess(ctx context.Context, in *listEarlyAccessInput) (*struct{ Body Page[EarlyAccessRequest] }, error) {
	rs, total, err := m.store.ListEarlyAccess(ctx, berth.EarlyAccessStatus(in.Status), in.page())
	if err != nil {
		return nil, err
	}
	out := &struct{ Body Page[EarlyAccessRequest] }{Body: Page[EarlyAccessRequest]{Items: make([]EarlyAccessRequest, len(rs)),
		Page: in.Page, PerPage: in.PerPage, Total: total}}
	for i := range rs {
		out.Body.Items[i] = earlyOut(&rs[i])
	}
	return out, nil
}

func (m *Manager) earlyTarget(ctx context.Context, id string) (*berth.EarlyAccessRequest, error) {
	r, err := m.store.EarlyAccess(ctx, id)
	if errors.Is(err, berth.ErrNotFound) {
		return nil, problem(http.StatusNotFound, codeNotFound, "no early-access request "+id)
	}
	if err == nil && r.Status != berth.EarlyAccessPending {
		return nil, problem(http.StatusConflict, codeConflict, "request "+id+" was "+string(r.Status)+" already")
	}
	return r, err
}

func (m *Manager) approveEarlyAccess(ctx context.Context, in *EarlyIDParam) (*approveEarlyOutput, error) {
	actor := PrincipalFrom(ctx).User
	r, err := m.earlyTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	s, err := m.settings(ctx)
	if err != nil {
		return nil, err
	}
	u := &berth.User{Email: r.Email, Name: r.Name, Role: berth.RoleUser, Status: berth.UserActive}
	pw, err := m.newTemporaryPassword(ctx, u)
	if err != nil {
		return nil, err
	}
	err = m.store.ApproveEarlyAccess(ctx, r.ID, actor.ID, u, s.EarlyAccessCapacity)
	switch {
	case errors.Is(err, berth.ErrCapacity):
		return nil, problem(http.StatusConflict, codeConflict, "the early-access capacity of "+strconv.Itoa(s.EarlyAccessCapacity)+
			" approved accounts is reached: raise early_access_capacity in the settings, or reject the request")
	case errors.Is(err, berth.ErrConflict):
		if _, uerr := m.store.UserByEmail(ctx, r.Email); uerr == nil {
			return nil, m.adminEmailTaken(ctx, r.Email)
		}
		return nil, problem(http.StatusConflict, codeConflict, "request "+r.ID+" was decided meanwhile")
	case err != nil:
		return nil, err
	}
	handed, err := m.handOver(ctx, u, pw, true)
	if err != nil {
		return nil, err
	}
	m.auditUser(ctx, actor, actAdminEarlyOK, r.ID, berth.AuditSuccess, "approved "+r.Email+" as account "+u.ID+"; temporary password "+handedText(handed))
	r.Status, r.DecidedBy, r.UserID, r.DecidedAt = berth.EarlyAccessApproved, actor.ID, u.ID, m.now().UTC()
	out := &approveEarlyOutput{}
	out.Body.Request, out.Body.TemporaryPassword = earlyOut(r), handed
	return out, nil
}

func (m *Manager) rejectEarlyAccess(ctx context.Context, in *rejectEarlyInput) (*struct{ Body EarlyAccessRequest }, error) {
	actor := PrincipalFrom(ctx).User
	r, err := m.earlyTarget(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(in.Body.Reason)
	if reason == "" || !berth.ValidText(reason) {
		return nil, berth.Invalid("reason", "must be 1 to 500 printable characters on one line")
	}
	if err := m.store.RejectEarlyAccess(ctx, r.ID, actor.ID, reason); err != nil {
		if errors.Is(err, berth.ErrConflict) {
			return nil, problem(http.StatusConflict, codeConflict, "request "+r.ID+" was decided meanwhile")
		}
		return nil, err
	}
	m.auditUser(ctx, actor, actAdminEarlyNo, r.ID, berth.AuditSuccess, "rejected "+r.Email+": "+reason)
	r.Status, r.DecidedBy, r.DecisionReason, r.DecidedAt = berth.EarlyAccessRejected, actor.ID, reason, m.now().UTC()
	return &struct{ Body EarlyAccessRequest }{Body: earlyOut(r)}, nil
}
