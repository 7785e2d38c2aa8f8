package manager

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/oidc"
)

// Sign-in through a provider for the CLI (berth login --sso): the device
// authorization grant where the provider offers it, else the
// authorization code with PKCE to a loopback redirect on the CLI's
// machine. Either ends in a berth login (access and refresh token), from
// which the CLI makes its keypair as after a password login.

type ssoDeviceInput struct {
	Provider string `path:"provider" maxLength:"32"`
}

type ssoDeviceOutput struct{ Body oidc.Device }

type ssoDeviceTokenInput struct {
	Provider string `path:"provider" maxLength:"32"`
	Body     struct {
		DeviceCode string `json:"device_code" minLength:"1" maxLength:"4096"`
	}
}

// DevicePending says to ask again.
type DevicePending struct {
	Status   string `json:"status" enum:"authorization_pending,slow_down"`
	Interval int    `json:"interval" doc:"Seconds to wait before asking again."`
}

type ssoDeviceTokenOutput struct {
	Status int
	Body   any
}

type ssoTokenInput struct {
	Provider string `path:"provider" maxLength:"32"`
	Body     struct {
		Code         string `json:"code" minLength:"1" maxLength:"4096"`
		CodeVerifier string `json:"code_verifier" minLength:"43" maxLength:"128"`
		Nonce        string `json:"nonce" minLength:"22" maxLength:"256"`
		RedirectURI  string `json:"redirect_uri" minLength:"1" maxLength:"2048" doc:"The loopback redirect the CLI listened on."`
	}
}

func (m *Manager) registerSSOCLI() {
	tags := []string{"auth"}
	operation(m, huma.Operation{
		OperationID: "sso-device", Method: http.MethodPost, Path: "/api/auth/oidc/{provider}/device", Tags: tags,
		Summary:     "Start a device sign-in at an OpenID provider (RFC 8628), for a CLI",
		Description: "The answer's user_code is entered at verification_uri; poll POST …/device/token with device_code. 404 when the provider offers no device flow.",
		Errors:      []int{http.StatusNotFound, http.StatusServiceUnavailable},
	}, m.ssoDevice)
	operation(m, huma.Operation{
		OperationID: "sso-device-token", Method: http.MethodPost, Path: "/api/auth/oidc/{provider}/device/token", Tags: tags,
		Summary:     "Finish a device sign-in: a berth login once the person approved (202 while they have not)",
		Description: "200 with an access and a refresh token as POST /api/auth/login answers; 202 {status, interval} until then; 401 sso-refused when refused or expired.",
		Errors:      []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusServiceUnavailable},
	}, m.ssoDeviceToken)
	operation(m, huma.Operation{
		OperationID: "sso-token", Method: http.MethodPost, Path: "/api/auth/oidc/{provider}/token", Tags: tags,
		Summary: "Redeem an authorization code (PKCE, loopback redirect) for a berth login, for a CLI",
		Errors:  []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusServiceUnavailable},
	}, m.ssoToken)
}

func (m *Manager) ssoDevice(ctx context.Context, in *ssoDeviceInput) (*ssoDeviceOutput, error) {
	p, err := m.provider(in.Provider)
	if err != nil {
		return nil, err
	}
	d, err := p.StartDevice(ctx)
	if errors.Is(err, oidc.ErrNoDeviceFlow) {
		return nil, problem(http.StatusNotFound, codeNotFound, p.Name()+" offers no device sign-in; sign in through a browser on this machine")
	}
	if err != nil {
		return nil, m.providerError(ctx, p, err)
	}
	return &ssoDeviceOutput{Body: *d}, nil
}

func (m *Manager) ssoDeviceToken(ctx context.Context, in *ssoDeviceTokenInput) (*ssoDeviceTokenOutput, error) {
	p, err := m.provider(in.Provider)
	if err != nil {
		return nil, err
	}
	s, err := p.PollDevice(ctx, in.Body.DeviceCode)
	switch {
	case errors.Is(err, oidc.ErrPending):
		return &ssoDeviceTokenOutput{Status: http.StatusAccepted, Body: DevicePending{Status: "authorization_pending", Interval: 5}}, nil
	case errors.Is(err, oidc.ErrSlowDown):
		return &ssoDeviceTokenOutput{Status: http.StatusAccepted, Body: DevicePending{Status: "slow_down", Interval: 10}}, nil
	case err != nil:
		return nil, m.providerError(ctx, p, err)
	}
	out, err := m.providerLogin(ctx, p, s.Claims, "device sign-in through ")
	if err != nil {
		return nil, err
	}
	return &ssoDeviceTokenOutput{Status: http.StatusOK, Body: out.Body}, nil
}

func (m *Manager) ssoToken(ctx context.Context, in *ssoTokenInput) (*tokensOutput, error) {
	b := in.Body
	p, s, err := m.redeem(ctx, in.Provider, b.RedirectURI, b.Code, b.CodeVerifier, b.Nonce)
	if err != nil {
		return nil, err
	}
	return m.providerLogin(ctx, p, s.Claims, "sign-in through ")
}

// providerLogin is a berth login of the person the provider vouched for.
func (m *Manager) providerLogin(ctx context.Context, p *oidc.Provider, c oidc.Claims, how string) (*tokensOutput, error) {
	u, err := m.providerAccount(ctx, p, c)
	if err != nil {
		return nil, err
	}
	return m.loginTokens(ctx, u, how+p.ID())
}

// passwordGrantProvider is the provider that checks passwords berth
// cannot check itself (password_grant), or nil.
func (m *Manager) passwordGrantProvider() *oidc.Provider {
	for _, p := range m.oidc.list {
		if p.Config().PasswordGrant {
			return p
		}
	}
	return nil
}

// grantable reports whether a refused password login may be tried at the
// provider: a wrong password (or no berth password at all), or berth
// passwords switched off. A lock-out, a blocked account or an outage is
// answered as it is.
func grantable(err error) bool {
	var em *huma.ErrorModel
	if !errors.As(err, &em) {
		return false
	}
	return em.Status == http.StatusUnauthorized || em.Type == ProblemTypeBase+codeLocalPasswords
}

// providerPasswordLogin checks the password at the provider and starts a
// berth login that keeps the provider's refresh token.
func (m *Manager) providerPasswordLogin(ctx context.Context, p *oidc.Provider, c Credentials) (*tokensOutput, error) {
	s, err := p.PasswordGrant(ctx, strings.TrimSpace(c.Email), c.Password)
	if errors.Is(err, oidc.ErrInvalid) {
		return nil, unauthorized("wrong email or password")
	}
	if err != nil {
		return nil, m.providerError(ctx, p, err)
	}
	u, err := m.providerAccount(ctx, p, s.Claims)
	if err != nil {
		return nil, err
	}
	if email, err := berth.NormalizeEmail(c.Email); err == nil {
		m.recordSuccess(ctx, email)
	}
	now := m.now().UTC()
	f := &berth.TokenFamily{ID: uuid.NewString(), UserID: u.ID, ClientAddr: clientAddrFrom(ctx), CreatedAt: now, Provider: p.ID()}
	if s.Refresh != "" {
		f.ProviderRefresh = m.box.Seal([]byte(s.Refresh), providerRefreshAAD(f.ID))
	}
	access, refresh, out := m.newTokens(u, now)
	if err := m.store.CreateTokenFamily(ctx, f, access, refresh); err != nil {
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, u, actLogin, f.ID, berth.AuditSuccess, "password checked by "+p.ID())
	return &tokensOutput{Body: out}, nil
}

func providerRefreshAAD(familyID string) []byte { return []byte("provider-refresh:" + familyID) }

// refreshAtProvider refreshes a login whose password a provider checked:
// the provider's refresh token is exchanged (and kept, rotated); when the
// provider refuses, the login ends.
func (m *Manager) refreshAtProvider(ctx context.Context, familyID string) error {
	f, err := m.store.TokenFamily(ctx, familyID)
	if err != nil {
		return m.fail(ctx, err)
	}
	if f.Provider == "" || len(f.ProviderRefresh) == 0 {
		return nil
	}
	p := m.oidc.byID[f.Provider]
	ended := func(why string) error {
		if err := m.store.RevokeTokenFamily(ctx, familyID, m.now()); err != nil {
			return m.fail(ctx, err)
		}
		m.audit(ctx, berth.AuditEvent{ActorID: f.UserID, Action: actRefresh, ClientAddr: clientAddrFrom(ctx), Outcome: berth.AuditFailure,
			Target: familyID, Detail: why})
		return unauthorized("the sign-in provider ended this session; log in again")
	}
	if p == nil {
		return ended("provider " + f.Provider + " is no longer configured")
	}
	plain, err := m.box.Open(f.ProviderRefresh, providerRefreshAAD(familyID))
	if err != nil {
		return ended("the provider's refresh token cannot be opened (master key changed?)")
	}
	next, err := p.RefreshToken(ctx, string(plain))
	if errors.Is(err, oidc.ErrInvalid) {
		return ended(p.ID() + " refused the refresh: " + err.Error())
	}
	if err != nil {
		return m.providerError(ctx, p, err)
	}
	if next != string(plain) {
		if err := m.store.SetProviderRefresh(ctx, familyID, m.box.Seal([]byte(next), providerRefreshAAD(familyID))); err != nil {
			return m.fail(ctx, err)
		}
	}
	return nil
}
