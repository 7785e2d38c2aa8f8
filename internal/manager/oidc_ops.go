package manager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"golang.org/x/sync/singleflight"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/oidc"
)

// Sign-in through OpenID providers. The webserver runs the browser part
// (state, nonce and PKCE verifier kept on its side, single use); the
// manager holds the client secrets, builds the authorization URL, redeems
// the code, checks the ID token, finds or creates the account and issues
// the session keypair, as a password sign-in would.
//
// A provider's access token is accepted as a bearer token: checked once
// (JWT signature or introspection), then remembered as a token family of
// its own, keyed by the token's hash, so that every revocation that ends
// berth's tokens — log out everywhere, a password reset, a blocked account,
// a back-channel logout — ends it too, on every replica.

const (
	actSSO       = "auth.sso"
	actSSOLogout = "auth.sso_backchannel_logout"
	// maxProviderToken bounds a bearer token berth will try to check.
	maxProviderToken = 8 << 10
	// ssoPasswordHash marks an account made by a provider: it has no
	// berth password until someone sets one (a reset, an admin).
	ssoPasswordHash = "!oidc"
)

// providers are the configured OpenID providers, in config order.
type providers struct {
	list []*oidc.Provider
	byID map[string]*oidc.Provider
	// flight makes concurrent first uses of one token one check.
	flight singleflight.Group
	// checked is when each introspected token (by hash) was last found
	// active by this replica; it is asked again after token_cache_ttl.
	mu      sync.Mutex
	checked map[string]introspected
}

type introspected struct {
	at, expires time.Time
}

func (m *Manager) initProviders(ps []*oidc.Provider) {
	m.oidc = &providers{byID: map[string]*oidc.Provider{}, checked: map[string]introspected{}}
	for _, p := range ps {
		m.oidc.list = append(m.oidc.list, p)
		m.oidc.byID[p.ID()] = p
	}
}

// ProviderInfo is a provider as sign-in pages show it.
type ProviderInfo struct {
	ID   string `json:"id" example:"keycloak"`
	Name string `json:"name" example:"Company SSO"`
}

func (m *Manager) providerInfos() []ProviderInfo {
	out := make([]ProviderInfo, 0, len(m.oidc.list))
	for _, p := range m.oidc.list {
		out = append(out, ProviderInfo{ID: p.ID(), Name: p.Name()})
	}
	return out
}

type ssoURLInput struct {
	Provider string `path:"provider" maxLength:"32"`
	Body     struct {
		RedirectURI  string `json:"redirect_uri" minLength:"1" maxLength:"2048" doc:"Where the provider sends the browser back (the webserver's callback)."`
		State        string `json:"state" minLength:"22" maxLength:"256"`
		Nonce        string `json:"nonce" minLength:"22" maxLength:"256"`
		CodeVerifier string `json:"code_verifier" minLength:"43" maxLength:"128" doc:"The PKCE verifier; the URL carries its S256 challenge."`
	}
}

type ssoURLOutput struct {
	Body struct {
		URL string `json:"url" doc:"Send the browser here to sign in at the provider."`
	}
}

type ssoAuthorizeInput struct {
	Provider string `path:"provider" maxLength:"32"`
	Body     struct {
		Code                  string `json:"code" minLength:"1" maxLength:"4096"`
		CodeVerifier          string `json:"code_verifier" minLength:"43" maxLength:"128"`
		Nonce                 string `json:"nonce" minLength:"22" maxLength:"256"`
		RedirectURI           string `json:"redirect_uri" minLength:"1" maxLength:"2048"`
		PostLogoutRedirectURI string `json:"post_logout_redirect_uri,omitempty" maxLength:"2048"`
	}
}

type ssoAuthorizeOutput struct {
	Body struct {
		AccessKey string    `json:"access_key"`
		SecretKey string    `json:"secret_key" doc:"Shown once; sign requests with it (BERTH-HMAC-SHA256)."`
		ExpiresAt time.Time `json:"expires_at"`
		User      User      `json:"user"`
		Provider  string    `json:"provider"`
		// LogoutURL ends the provider's session too (RP-initiated logout).
		LogoutURL string `json:"logout_url,omitempty" doc:"Where to send the browser at sign-out so that the provider's session ends too; absent when the provider offers no end-session endpoint."`
	}
}

func (m *Manager) registerSSO() {
	tags := []string{"auth"}
	operation(m, huma.Operation{
		OperationID: "sso-authorization-url", Method: http.MethodPost, Path: "/api/auth/oidc/{provider}/authorization-url", Tags: tags,
		Summary:     "Where to send a browser to sign in at an OpenID provider",
		Description: "Used by the webserver, which keeps state, nonce and verifier (single use) and checks them on the way back.",
	}, m.ssoURL)
	operation(m, huma.Operation{
		OperationID: "sso-authorize", Method: http.MethodPost, Path: "/api/auth/oidc/{provider}/authorize", Tags: tags,
		Summary: "Redeem a provider's authorization code for a web-session keypair",
		Description: "The code is exchanged with the PKCE verifier; the ID token's signature, issuer, audience, expiry and nonce are checked. " +
			"The account is the one linked to the provider's subject, else the one with the same address when the provider verified it, " +
			"else a new one; roles and groups follow the provider's claims per the mapping.",
	}, m.ssoAuthorize)
}

func (m *Manager) provider(id string) (*oidc.Provider, error) {
	if p := m.oidc.byID[id]; p != nil {
		return p, nil
	}
	return nil, problem(http.StatusNotFound, codeNotFound, fmt.Sprintf("no OpenID provider %q is configured here", id))
}

// providerError is the answer to a failed exchange with a provider.
func (m *Manager) providerError(ctx context.Context, p *oidc.Provider, err error) error {
	if errors.Is(err, oidc.ErrUnavailable) {
		m.log.WarnContext(ctx, "OpenID provider unavailable", "event", "oidc_unavailable", "provider", p.ID(), "error", err)
		return withRetryAfter(problem(http.StatusServiceUnavailable, codeProviderDown,
			fmt.Sprintf("%s cannot be reached right now; try again in a minute, or sign in another way", p.Name())), 30)
	}
	m.log.InfoContext(ctx, "sign-in through an OpenID provider refused", "event", "oidc_refused", "provider", p.ID(), "reason", err.Error())
	return problem(http.StatusUnauthorized, codeSSORefused,
		fmt.Sprintf("the sign-in with %s could not be completed (%s); start it again", p.Name(), strings.TrimPrefix(err.Error(), "invalid: ")))
}

func (m *Manager) ssoURL(ctx context.Context, in *ssoURLInput) (*ssoURLOutput, error) {
	p, err := m.provider(in.Provider)
	if err != nil {
		return nil, err
	}
	if u, err := url.Parse(in.Body.RedirectURI); err != nil || !u.IsAbs() {
		return nil, problem(http.StatusUnprocessableEntity, codeValidation, "redirect_uri must be an absolute URL")
	}
	u, err := p.AuthCodeURL(ctx, in.Body.RedirectURI, in.Body.State, in.Body.Nonce, in.Body.CodeVerifier)
	if err != nil {
		return nil, m.providerError(ctx, p, err)
	}
	out := &ssoURLOutput{}
	out.Body.URL = u
	return out, nil
}

// redeem exchanges an authorization code at the provider named by id; a
// failure is audited and answered as a refused sign-in.
func (m *Manager) redeem(ctx context.Context, id, redirectURI, code, verifier, nonce string) (*oidc.Provider, *oidc.SignIn, error) {
	p, err := m.provider(id)
	if err != nil {
		return nil, nil, err
	}
	s, err := p.Exchange(ctx, redirectURI, code, verifier, nonce)
	if err != nil {
		m.audit(ctx, berth.AuditEvent{Action: actSSO, ClientAddr: clientAddrFrom(ctx), Outcome: berth.AuditFailure,
			Detail: p.ID() + ": " + err.Error()})
		return nil, nil, m.providerError(ctx, p, err)
	}
	return p, s, nil
}

func (m *Manager) ssoAuthorize(ctx context.Context, in *ssoAuthorizeInput) (*ssoAuthorizeOutput, error) {
	b := in.Body
	p, s, err := m.redeem(ctx, in.Provider, b.RedirectURI, b.Code, b.CodeVerifier, b.Nonce)
	if err != nil {
		return nil, err
	}
	u, err := m.providerAccount(ctx, p, s.Claims)
	if err != nil {
		return nil, err
	}
	now := m.now().UTC()
	k, secretKey := m.newKeypair(u, berth.KeypairSession, "web session ("+p.Name()+")", now)
	k.ExpiresAt = now.Add(m.auth.SessionKeypairTTL)
	if err := m.store.CreateKeypair(ctx, k); err != nil {
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, u, actAuthorize, k.AccessKey, berth.AuditSuccess, "through "+p.ID())
	out := &ssoAuthorizeOutput{}
	out.Body.AccessKey, out.Body.SecretKey, out.Body.ExpiresAt = k.AccessKey, secretKey, k.ExpiresAt
	out.Body.User, out.Body.Provider = m.userFor(u), p.ID()
	out.Body.LogoutURL = p.EndSessionURL(ctx, s.IDToken, b.PostLogoutRedirectURI)
	return out, nil
}

// providerAccount is the account of the person the provider vouches for:
// linked by subject; else, only when the provider verified the address,
// the account with that address; else a new account. A blocked or
// deleted account is refused whatever the provider says. The mapped
// roles and groups are applied every time.
func (m *Manager) providerAccount(ctx context.Context, p *oidc.Provider, c oidc.Claims) (*berth.User, error) {
	addr := clientAddrFrom(ctx)
	now := m.now().UTC()
	_, u, err := m.store.IdentityUser(ctx, p.ID(), c.Subject)
	switch {
	case err == nil:
		if email, err := berth.NormalizeEmail(c.Email); err == nil {
			c.Email = email
		}
		if err := m.store.TouchIdentity(ctx, p.ID(), c.Subject, c.Email, now); err != nil {
			return nil, m.fail(ctx, err)
		}
	case errors.Is(err, berth.ErrNotFound):
		if u, err = m.linkOrCreate(ctx, p, c, now); err != nil {
			return nil, err
		}
	default:
		return nil, m.fail(ctx, err)
	}
	switch u.Status {
	case berth.UserDeleted:
		m.audit(ctx, berth.AuditEvent{ActorID: u.ID, ActorEmail: u.Email, Action: actSSO, ClientAddr: addr, Outcome: berth.AuditFailure,
			Detail: p.ID() + ": account deleted"})
		return nil, problem(http.StatusForbidden, codeAccountBlocked, "the berth account of this person was deleted; ask an administrator to restore it")
	case berth.UserBlocked:
		m.audit(ctx, berth.AuditEvent{ActorID: u.ID, ActorEmail: u.Email, Action: actSSO, ClientAddr: addr, Outcome: berth.AuditFailure,
			Detail: p.ID() + ": account blocked"})
		return nil, accountBlocked()
	}
	if err := m.applyMapping(ctx, p, u, c); err != nil {
		return nil, err
	}
	return m.store.User(ctx, u.ID)
}

// linkOrCreate makes the first link of a subject.
func (m *Manager) linkOrCreate(ctx context.Context, p *oidc.Provider, c oidc.Claims, now time.Time) (*berth.User, error) {
	email, err := berth.NormalizeEmail(c.Email)
	if err != nil {
		return nil, problem(http.StatusForbidden, codeSSORefused, fmt.Sprintf(
			"%s gave no usable email address for this person (claim %q), and berth needs one for a new account; "+
				"ask the provider's administrator to release the address to berth", p.Name(), p.Config().Claims.Email))
	}
	u, err := m.store.UserByEmail(ctx, email)
	switch {
	case err == nil:
		if !c.EmailVerified {
			m.audit(ctx, berth.AuditEvent{ActorID: u.ID, ActorEmail: email, Action: actSSO, ClientAddr: clientAddrFrom(ctx),
				Outcome: berth.AuditFailure, Detail: p.ID() + ": unverified address matches an existing account; not linked"})
			return nil, problem(http.StatusForbidden, codeSSOUnverified, fmt.Sprintf(
				"an account with this address exists, and %s has not verified that the address is yours, so it cannot be linked; "+
					"verify the address at %s, or sign in with your berth password", p.Name(), p.Name()))
		}
	case errors.Is(err, berth.ErrNotFound):
		name := strings.TrimSpace(c.Name)
		if name == "" || !berth.ValidText(name) || len(name) > 100 {
			name, _, _ = strings.Cut(email, "@")
		}
		u = &berth.User{Email: email, Name: name, Role: berth.RoleUser, Status: berth.UserActive, PasswordHash: ssoPasswordHash}
		if c.EmailVerified {
			u.EmailVerifiedAt = now
		}
		if err := m.store.CreateUser(ctx, u); errors.Is(err, berth.ErrConflict) {
			// A concurrent first sign-in of the same person, or a look-alike.
			if u, err = m.store.UserByEmail(ctx, email); err != nil {
				return nil, problem(http.StatusConflict, codeConflict, "an account with a look-alike address exists; ask an administrator")
			}
		} else if err != nil {
			return nil, m.fail(ctx, err)
		} else {
			m.audit(ctx, berth.AuditEvent{ActorID: u.ID, ActorEmail: email, Action: actRegister, ClientAddr: clientAddrFrom(ctx),
				Outcome: berth.AuditSuccess, Detail: "provisioned through " + p.ID()})
		}
	default:
		return nil, m.fail(ctx, err)
	}
	link := &berth.Identity{Provider: p.ID(), Subject: c.Subject, UserID: u.ID, Email: email, CreatedAt: now}
	if err := m.store.LinkIdentity(ctx, link); errors.Is(err, berth.ErrConflict) {
		_, linked, err := m.store.IdentityUser(ctx, p.ID(), c.Subject) // linked at the same moment elsewhere
		if err != nil {
			return nil, m.fail(ctx, err)
		}
		return linked, nil
	} else if err != nil {
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, u, actSSO, p.ID()+":"+c.Subject, berth.AuditSuccess, "linked to "+p.ID())
	return u, nil
}

// applyMapping makes the account's admin role, mapped feature roles and
// mapped groups what the provider's claims say. What the mapping does not
// name is left as an administrator set it.
func (m *Manager) applyMapping(ctx context.Context, p *oidc.Provider, u *berth.User, c oidc.Claims) error {
	mp := p.Config().Mapping
	// The break-glass admin of the configuration keeps the rights the
	// configuration gives it, whatever a provider says.
	if mp.AdminMapped() && (m.breakGlass == "" || u.Email != m.breakGlass) {
		role, admin := berth.RoleUser, berth.AdminNone
		switch {
		case c.Matches(mp.FullAdmin):
			role, admin = berth.RoleAdmin, berth.AdminFull
		case c.Matches(mp.Viewer):
			role, admin = berth.RoleAdmin, berth.AdminView
		}
		if role != u.Role || admin != u.AdminRole {
			err := m.store.UpdateUserRole(ctx, u.ID, role, admin)
			switch {
			case errors.Is(err, berth.ErrLastFullAdmin):
				m.log.WarnContext(ctx, "provider claims would demote the last full admin; kept", "event", "oidc_mapping", "user_id", u.ID)
			case err != nil:
				return m.fail(ctx, err)
			default:
				m.auditUser(ctx, u, actAdminUserUpdate, u.ID, berth.AuditSuccess,
					fmt.Sprintf("admin role %s → %s (from %s)", orNone(string(u.AdminRole)), orNone(string(admin)), p.ID()))
			}
		}
	}
	if len(mp.FeatureRoles) > 0 {
		have, err := m.store.UserFeatureRoles(ctx, u.ID)
		if err != nil {
			return m.fail(ctx, err)
		}
		for _, name := range sortedKeys(mp.FeatureRoles) {
			role := berth.FeatureRole(name)
			want, has := c.Matches(mp.FeatureRoles[name]), slices.Contains(have, role)
			switch {
			case want && !has:
				err = m.store.GrantFeatureRole(ctx, u.ID, role)
			case !want && has:
				err = m.store.RevokeFeatureRole(ctx, u.ID, role)
			default:
				continue
			}
			if err != nil {
				return m.fail(ctx, err)
			}
			m.auditUser(ctx, u, actAdminFeatureSet, u.ID, berth.AuditSuccess, fmt.Sprintf("feature role %s: %v (from %s)", name, want, p.ID()))
		}
	}
	if len(mp.Groups) > 0 {
		return m.applyGroups(ctx, p, u, c)
	}
	return nil
}

func (m *Manager) applyGroups(ctx context.Context, p *oidc.Provider, u *berth.User, c oidc.Claims) error {
	mp := p.Config().Mapping
	groups, err := m.store.ListGroups(ctx)
	if err != nil {
		return m.fail(ctx, err)
	}
	byName := map[string]berth.Group{}
	for _, g := range groups {
		byName[g.Name] = g
	}
	member, err := m.store.UserGroups(ctx, u.ID)
	if err != nil {
		return m.fail(ctx, err)
	}
	for _, name := range sortedKeys(mp.Groups) {
		want, has := c.Matches(mp.Groups[name]), slices.Contains(member, name)
		if want == has {
			continue
		}
		g, ok := byName[name]
		if !ok {
			if !want {
				continue
			}
			g = berth.Group{Name: name, Description: "Members come from " + p.Name() + " (oidc mapping)."}
			if err := m.store.CreateGroup(ctx, &g); err != nil && !errors.Is(err, berth.ErrConflict) {
				return m.fail(ctx, err)
			}
			if g.ID == "" { // created at the same moment elsewhere
				continue
			}
		}
		if want {
			err = m.store.AddGroupMember(ctx, g.ID, u.ID)
		} else {
			err = m.store.RemoveGroupMember(ctx, g.ID, u.ID)
		}
		if err != nil && !errors.Is(err, berth.ErrNotFound) && !errors.Is(err, berth.ErrConflict) {
			return m.fail(ctx, err)
		}
		m.auditUser(ctx, u, actAdminGroupAdd, g.ID, berth.AuditSuccess, fmt.Sprintf("group %s: %v (from %s)", name, want, p.ID()))
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// providerBearer resolves a bearer token that is not berth's own: a
// provider's access token. The first sight checks it at the provider
// (once, however many requests bring it at the same moment) and records
// it as a token family whose only token has the provider token's hash and
// expiry; later requests find it as they find berth's tokens. An opaque
// token is introspected again after the provider's token_cache_ttl, and
// its family ended when the provider says it is no longer active.
func (m *Manager) providerBearer(ctx context.Context, token string) (*Principal, error) {
	invalid := unauthorized("the access token is invalid, expired or revoked; refresh it or log in again")
	if len(token) > maxProviderToken || len(m.oidc.list) == 0 {
		return nil, invalid
	}
	hash := oidc.Hash(token)
	t, u, err := m.cache.CachedTokenOwner(ctx, hash, berth.TokenAccess)
	if errors.Is(err, berth.ErrNotFound) {
		v, err, _ := m.oidc.flight.Do(string(hash), func() (any, error) { return m.firstSight(ctx, token, hash) })
		if err != nil {
			return nil, err
		}
		return v.(*Principal), nil
	}
	if err != nil {
		return nil, err
	}
	if t.FamilyRevoked || !m.now().Before(t.ExpiresAt) || u.Status == berth.UserDeleted {
		return nil, invalid
	}
	if !oidc.LooksLikeJWT(token) {
		if err := m.recheckIntrospected(ctx, token, hash, t); err != nil {
			return nil, err
		}
	}
	if !u.Active() {
		return nil, accountBlocked()
	}
	return &Principal{User: u, Via: "bearer", FamilyID: t.FamilyID, tokenHash: hash}, nil
}

// candidates are the providers that may have issued token: the one whose
// issuer a JWT names, or every provider for an opaque token.
func (m *Manager) candidates(token string) []*oidc.Provider {
	if !oidc.LooksLikeJWT(token) {
		return m.oidc.list
	}
	iss := oidc.IssuerOf(token)
	for _, p := range m.oidc.list {
		if p.Config().Issuer == iss {
			return []*oidc.Provider{p}
		}
	}
	return nil
}

func (m *Manager) firstSight(ctx context.Context, token string, hash []byte) (*Principal, error) {
	invalid := unauthorized("the access token is invalid, expired or revoked; refresh it or log in again")
	var lastErr error
	for _, p := range m.candidates(token) {
		c, err := p.VerifyAccessToken(ctx, token, true)
		if errors.Is(err, oidc.ErrUnavailable) {
			lastErr = m.providerError(ctx, p, err)
			continue
		}
		if err != nil {
			continue
		}
		u, err := m.providerAccount(ctx, p, *c)
		if err != nil {
			return nil, err
		}
		now := m.now().UTC()
		exp := c.Expiry
		if exp.IsZero() {
			exp = now.Add(p.Config().TokenCacheTTL) // no expiry given: asked again after the cache period
		}
		f := &berth.TokenFamily{ID: uuid.NewString(), UserID: u.ID, ClientAddr: clientAddrFrom(ctx), CreatedAt: now}
		access := &berth.Token{Hash: hash, Kind: berth.TokenAccess, UserID: u.ID, CreatedAt: now, ExpiresAt: exp}
		if err := m.store.CreateTokenFamily(ctx, f, access, nil); errors.Is(err, berth.ErrConflict) {
			t, _, err := m.store.TokenOwner(ctx, hash, berth.TokenAccess) // another replica was first
			if err != nil {
				return nil, m.fail(ctx, err)
			}
			f.ID = t.FamilyID
		} else if err != nil {
			return nil, m.fail(ctx, err)
		}
		if !oidc.LooksLikeJWT(token) {
			m.oidc.mu.Lock()
			m.oidc.checked[string(hash)] = introspected{at: now, expires: exp}
			m.oidc.mu.Unlock()
		}
		return &Principal{User: u, Via: "bearer", FamilyID: f.ID, tokenHash: hash}, nil
	}
	if lastErr != nil {
		return nil, lastErr
	}
	return nil, invalid
}

// recheckIntrospected asks the provider again about an opaque token once
// its cache period has passed on this replica. An inactive token's family
// ends (on every replica); a provider that cannot be reached leaves the
// token working until it expires, as existing sessions do.
func (m *Manager) recheckIntrospected(ctx context.Context, token string, hash []byte, t *berth.Token) error {
	now := m.now()
	m.oidc.mu.Lock()
	last, ok := m.oidc.checked[string(hash)]
	m.oidc.mu.Unlock()
	ttl := m.minCacheTTL()
	if ok && now.Sub(last.at) < ttl {
		return nil
	}
	_, err, _ := m.oidc.flight.Do("re\x00"+string(hash), func() (any, error) {
		var unavailable bool
		for _, p := range m.candidates(token) {
			c, err := p.VerifyAccessToken(ctx, token, false)
			if errors.Is(err, oidc.ErrUnavailable) {
				unavailable = true
				continue
			}
			if err == nil && c != nil {
				m.oidc.mu.Lock()
				m.oidc.checked[string(hash)] = introspected{at: now, expires: t.ExpiresAt}
				m.oidc.mu.Unlock()
				return nil, nil
			}
		}
		if unavailable {
			return nil, nil
		}
		if err := m.store.RevokeTokenFamily(ctx, t.FamilyID, now); err != nil {
			return nil, m.fail(ctx, err)
		}
		return nil, unauthorized("the provider says this access token is no longer active; sign in again")
	})
	return err
}

func (m *Manager) minCacheTTL() time.Duration {
	ttl := time.Duration(0)
	for _, p := range m.oidc.list {
		if d := p.Config().TokenCacheTTL; ttl == 0 || d < ttl {
			ttl = d
		}
	}
	return ttl
}

// pruneIntrospected forgets the checks of tokens that have expired.
func (m *Manager) pruneIntrospected(now time.Time) {
	m.oidc.mu.Lock()
	defer m.oidc.mu.Unlock()
	for k, v := range m.oidc.checked {
		if !now.Before(v.expires) {
			delete(m.oidc.checked, k)
		}
	}
}

// backchannelLogout serves OIDC back-channel logout: the provider posts a
// signed logout token, and every berth session of the person it names
// ends — web sessions, CLI keypairs, bearer tokens including the
// provider's own access tokens berth had accepted.
func (m *Manager) backchannelLogout(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	p := m.oidc.byID[r.PathValue("provider")]
	if p == nil {
		writeProblem(w, r, problem(http.StatusNotFound, codeNotFound, "no such OpenID provider here"), nil)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || r.PostForm.Get("logout_token") == "" {
		writeOAuthError(w, "invalid_request", "send logout_token as application/x-www-form-urlencoded")
		return
	}
	l, err := p.VerifyLogoutToken(r.Context(), r.PostForm.Get("logout_token"))
	if errors.Is(err, oidc.ErrUnavailable) {
		m.refuse(w, r, m.providerError(r.Context(), p, err))
		return
	}
	if err != nil {
		writeOAuthError(w, "invalid_request", err.Error())
		return
	}
	if l.Subject == "" {
		writeOAuthError(w, "invalid_request", "berth ends sessions by subject: the logout token must carry sub")
		return
	}
	_, u, err := m.store.IdentityUser(r.Context(), p.ID(), l.Subject)
	if errors.Is(err, berth.ErrNotFound) {
		w.WriteHeader(http.StatusOK) // nobody here to sign out
		return
	}
	if err != nil {
		m.refuse(w, r, err)
		return
	}
	ended, err := m.endSessions(r.Context(), u.ID, "", "")
	if err != nil {
		m.refuse(w, r, err)
		return
	}
	m.audit(r.Context(), berth.AuditEvent{ActorID: u.ID, ActorEmail: u.Email, Action: actSSOLogout, Target: u.ID,
		ClientAddr: clientAddrFrom(r.Context()), Outcome: berth.AuditSuccess,
		Detail: fmt.Sprintf("%s ended %d web sessions, %d keypairs, %d token families", p.ID(), ended.WebSessions, ended.Keypairs, ended.TokenFamilies)})
	w.WriteHeader(http.StatusOK)
}

// writeOAuthError answers as the OAuth specifications expect a provider's
// callers to be answered: 400 with {error, error_description}.
func writeOAuthError(w http.ResponseWriter, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}
