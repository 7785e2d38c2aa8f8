// Package oidc is berth's side of OpenID Connect: it discovers a provider,
// sends people there to sign in (authorization code with PKCE, state and
// nonce), checks what comes back (ID tokens, access tokens as JWTs against
// the provider's keys or by RFC 7662 introspection, back-channel logout
// tokens), and reads the claims the configuration points at.
//
// Discovery, the ID token checks and the key set (fetched again when a
// token names a key it has not seen: rotation) come from
// github.com/coreos/go-oidc; the code exchange from golang.org/x/oauth2.
package oidc

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/berth-platform/berth/internal/config"
)

var (
	// ErrUnavailable: the provider could not be reached or answered
	// nonsense; try again later. Nothing about the person is known.
	ErrUnavailable = errors.New("the OpenID provider cannot be reached")
	// ErrInvalid: what was presented is not valid (bad signature, wrong
	// issuer or audience, expired, replayed, inactive).
	ErrInvalid = errors.New("invalid")
)

// rediscoverAfter spaces discovery attempts while a provider is down.
const rediscoverAfter = 5 * time.Second

// Provider is one configured OpenID provider. It discovers the provider
// on first use, not at start, so that berth starts while a provider is
// down; until discovery succeeds every call fails with ErrUnavailable.
type Provider struct {
	cfg    config.OIDCProvider
	client *http.Client
	now    func() time.Time

	mu      sync.Mutex
	d       *discovered
	tried   time.Time
	lastErr error
}

type discovered struct {
	p                 *gooidc.Provider
	id, access, logot *gooidc.IDTokenVerifier
	endpoint          oauth2.Endpoint
	introspection     string
	endSession        string
	device            string
	userinfo          string
	backchannel       bool
}

// New returns the provider of cfg; client makes its HTTP calls (nil: a
// client with a 10 s timeout) and now is the clock (nil: time.Now).
func New(cfg config.OIDCProvider, client *http.Client, now func() time.Time) *Provider {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return &Provider{cfg: cfg, client: client, now: now}
}

// ID and Name are the provider's id and display name.
func (p *Provider) ID() string   { return p.cfg.ID }
func (p *Provider) Name() string { return p.cfg.Name }

// Config is the provider's configuration.
func (p *Provider) Config() config.OIDCProvider { return p.cfg }

func (p *Provider) ctx(ctx context.Context) context.Context {
	return gooidc.ClientContext(ctx, p.client)
}

// discover returns the provider's metadata, fetching it when not known.
func (p *Provider) discover(ctx context.Context) (*discovered, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.d != nil {
		return p.d, nil
	}
	if now := p.now(); now.Sub(p.tried) < rediscoverAfter && p.lastErr != nil {
		return nil, p.lastErr
	}
	p.tried = p.now()
	op, err := gooidc.NewProvider(p.ctx(ctx), p.cfg.Issuer)
	if err != nil {
		p.lastErr = fmt.Errorf("%w: discovery at %s: %w", ErrUnavailable, p.cfg.Issuer, err)
		return nil, p.lastErr
	}
	var extra struct {
		Introspection string `json:"introspection_endpoint"`
		EndSession    string `json:"end_session_endpoint"`
		Device        string `json:"device_authorization_endpoint"`
		Userinfo      string `json:"userinfo_endpoint"`
		Backchannel   bool   `json:"backchannel_logout_supported"`
	}
	if err := op.Claims(&extra); err != nil {
		p.lastErr = fmt.Errorf("%w: discovery at %s: %w", ErrUnavailable, p.cfg.Issuer, err)
		return nil, p.lastErr
	}
	algs := p.cfg.Algorithms
	d := &discovered{p: op, endpoint: op.Endpoint(), introspection: extra.Introspection, endSession: extra.EndSession,
		device: extra.Device, userinfo: extra.Userinfo, backchannel: extra.Backchannel}
	d.endpoint.AuthStyle = oauth2.AuthStyleInHeader
	d.id = op.Verifier(&gooidc.Config{ClientID: p.cfg.ClientID, SupportedSigningAlgs: algs, Now: p.now})
	d.access = op.Verifier(&gooidc.Config{ClientID: p.cfg.Audience, SupportedSigningAlgs: algs, Now: p.now})
	d.logot = op.Verifier(&gooidc.Config{ClientID: p.cfg.ClientID, SupportedSigningAlgs: algs, Now: p.now, SkipExpiryCheck: true})
	p.d, p.lastErr = d, nil
	return d, nil
}

// reachable asks for the discovery document again.
func (p *Provider) reachable(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(p.cfg.Issuer, "/")+"/.well-known/openid-configuration", nil)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	var doc map[string]any
	if err := p.getJSON(req, &doc); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// Ready reports whether the provider's metadata could be fetched.
func (p *Provider) Ready(ctx context.Context) error {
	_, err := p.discover(ctx)
	return err
}

func (p *Provider) oauth(d *discovered, redirectURI string) *oauth2.Config {
	return &oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, Endpoint: d.endpoint,
		RedirectURL: redirectURI, Scopes: p.cfg.Scopes}
}

// AuthCodeURL is where to send a browser to sign in: the authorization
// code flow with state, nonce and a PKCE challenge (S256) made from
// verifier.
//
// The provider is asked first whether it answers (its discovery
// document, one small request beside the pages the browser will load
// there): a browser is not sent to a provider that is down, where it
// would see that provider's error page instead of berth's explanation.
func (p *Provider) AuthCodeURL(ctx context.Context, redirectURI, state, nonce, verifier string) (string, error) {
	d, err := p.discover(ctx)
	if err != nil {
		return "", err
	}
	if err := p.reachable(ctx); err != nil {
		return "", err
	}
	return p.oauth(d, redirectURI).AuthCodeURL(state, gooidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// SignIn is what a completed sign-in established.
type SignIn struct {
	Claims Claims
	// IDToken is the raw ID token, a hint for RP-initiated logout.
	IDToken string
	// Refresh is the provider's refresh token (password grant only).
	Refresh string
}

// Exchange redeems an authorization code (with the PKCE verifier) and
// checks the ID token: signature under the provider's keys with a pinned
// algorithm, issuer, audience, expiry, and that its nonce is the one the
// sign-in started with.
func (p *Provider) Exchange(ctx context.Context, redirectURI, code, verifier, nonce string) (*SignIn, error) {
	d, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := p.oauth(d, redirectURI).Exchange(p.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, classify("code exchange", err)
	}
	return p.signIn(ctx, d, tok, nonce)
}

func (p *Provider) signIn(ctx context.Context, d *discovered, tok *oauth2.Token, nonce string) (*SignIn, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, fmt.Errorf("%w: the provider sent no ID token (is the openid scope allowed for this client?)", ErrInvalid)
	}
	idt, err := d.id.Verify(p.ctx(ctx), raw)
	if err != nil {
		return nil, verifyError("ID token", err)
	}
	if nonce != "" && idt.Nonce != nonce {
		return nil, fmt.Errorf("%w: the ID token's nonce is not this sign-in's (replayed or mixed up)", ErrInvalid)
	}
	var all map[string]any
	if err := idt.Claims(&all); err != nil {
		return nil, fmt.Errorf("%w: ID token claims: %w", ErrInvalid, err)
	}
	// Claims the ID token leaves out (many providers keep them for the
	// userinfo endpoint) are asked for with the access token.
	if _, ok := lookup(all, p.cfg.Claims.Email); !ok && d.userinfo != "" && tok.AccessToken != "" {
		if info, err := p.userinfo(ctx, d, tok.AccessToken); err == nil {
			fillFrom(all, info)
		}
	}
	c := p.claims(all, idt.Expiry)
	return &SignIn{Claims: c, IDToken: raw}, nil
}

// VerifyAccessToken checks a bearer token the provider issued: a JWT
// against the provider's keys (issuer, audience, expiry, pinned
// algorithm), anything else by introspection. Claims the token lacks are
// asked of the userinfo endpoint only when withProfile.
func (p *Provider) VerifyAccessToken(ctx context.Context, token string, withProfile bool) (*Claims, error) {
	d, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	var all map[string]any
	var exp time.Time
	if LooksLikeJWT(token) {
		t, err := d.access.Verify(p.ctx(ctx), token)
		if err != nil {
			return nil, verifyError("access token", err)
		}
		if err := t.Claims(&all); err != nil {
			return nil, fmt.Errorf("%w: access token claims: %w", ErrInvalid, err)
		}
		// An ID token is signed by the same keys for the same audience; it
		// proves a sign-in, not a grant to call berth. Its own claims give
		// it away: the nonce, the hashes of the code and access token that
		// came with it (OpenID Connect Core 3.1.3.6), Keycloak's typ "ID".
		for _, c := range []string{"nonce", "at_hash", "c_hash"} {
			if _, ok := all[c]; ok {
				return nil, fmt.Errorf("%w: an ID token is not an access token", ErrInvalid)
			}
		}
		if typ, _ := all["typ"].(string); strings.EqualFold(typ, "ID") {
			return nil, fmt.Errorf("%w: an ID token is not an access token", ErrInvalid)
		}
		exp = t.Expiry
	} else {
		if all, exp, err = p.introspect(ctx, d, token); err != nil {
			return nil, err
		}
	}
	if _, ok := lookup(all, p.cfg.Claims.Email); !ok && withProfile && d.userinfo != "" {
		info, err := p.userinfo(ctx, d, token)
		if err != nil {
			return nil, err
		}
		fillFrom(all, info)
	}
	c := p.claims(all, exp)
	if c.Subject == "" {
		return nil, fmt.Errorf("%w: the token names no subject", ErrInvalid)
	}
	return &c, nil
}

// introspect asks the provider about an opaque token (RFC 7662).
func (p *Provider) introspect(ctx context.Context, d *discovered, token string) (map[string]any, time.Time, error) {
	if d.introspection == "" {
		return nil, time.Time{}, fmt.Errorf("%w: not a JWT, and the provider offers no introspection", ErrInvalid)
	}
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.introspection, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(p.cfg.ClientID), url.QueryEscape(p.cfg.ClientSecret))
	var all map[string]any
	if err := p.getJSON(req, &all); err != nil {
		return nil, time.Time{}, err
	}
	if active, _ := all["active"].(bool); !active {
		return nil, time.Time{}, fmt.Errorf("%w: the provider says the token is not active", ErrInvalid)
	}
	if iss, ok := all["iss"].(string); ok && iss != p.cfg.Issuer {
		return nil, time.Time{}, fmt.Errorf("%w: the token was issued by %s, not %s", ErrInvalid, iss, p.cfg.Issuer)
	}
	if aud, ok := all["aud"]; ok && !slices.Contains(strings1(aud), p.cfg.Audience) {
		return nil, time.Time{}, fmt.Errorf("%w: the token is not for this audience", ErrInvalid)
	}
	var exp time.Time
	if e, ok := all["exp"].(float64); ok {
		exp = time.Unix(int64(e), 0)
		if !p.now().Before(exp) {
			return nil, time.Time{}, fmt.Errorf("%w: the token expired", ErrInvalid)
		}
	}
	return all, exp, nil
}

// fillFrom adds to a token's claims what the userinfo answer has and they
// lack, when both name the same subject.
func fillFrom(all, info map[string]any) {
	if info["sub"] != all["sub"] {
		return
	}
	for k, v := range info {
		if _, ok := all[k]; !ok {
			all[k] = v
		}
	}
}

func (p *Provider) userinfo(ctx context.Context, d *discovered, token string) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.userinfo, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	var info map[string]any
	return info, p.getJSON(req, &info)
}

// getJSON sends req and decodes a JSON answer of at most 1 MiB; a 401 or
// 403 is ErrInvalid, anything else that is not 200 ErrUnavailable.
func (p *Provider) getJSON(req *http.Request, v any) error {
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w: %s answered %d", ErrInvalid, req.URL.Path, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("%w: %s answered %d", ErrUnavailable, req.URL.Path, resp.StatusCode)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, req.URL.Path, err)
	}
	return nil
}

// Logout is what a back-channel logout token names: a subject, a
// provider session, or both.
type Logout struct {
	Subject   string
	SessionID string
}

const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// VerifyLogoutToken checks an OIDC back-channel logout token: signed by
// the provider, for this client, recent, with the logout event, no nonce,
// and a subject or session id.
func (p *Provider) VerifyLogoutToken(ctx context.Context, raw string) (*Logout, error) {
	d, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	t, err := d.logot.Verify(p.ctx(ctx), raw)
	if err != nil {
		return nil, verifyError("logout token", err)
	}
	var c struct {
		SID    string                     `json:"sid"`
		Nonce  *string                    `json:"nonce"`
		IAT    float64                    `json:"iat"`
		Events map[string]json.RawMessage `json:"events"`
	}
	if err := t.Claims(&c); err != nil {
		return nil, fmt.Errorf("%w: logout token claims: %w", ErrInvalid, err)
	}
	if _, ok := c.Events[backchannelEvent]; !ok {
		return nil, fmt.Errorf("%w: the logout token lacks the back-channel logout event", ErrInvalid)
	}
	if c.Nonce != nil {
		return nil, fmt.Errorf("%w: a logout token must not carry a nonce", ErrInvalid)
	}
	if iat := time.Unix(int64(c.IAT), 0); p.now().Sub(iat) > 5*time.Minute || iat.Sub(p.now()) > time.Minute {
		return nil, fmt.Errorf("%w: the logout token is not recent", ErrInvalid)
	}
	if t.Subject == "" && c.SID == "" {
		return nil, fmt.Errorf("%w: the logout token names neither a subject nor a session", ErrInvalid)
	}
	return &Logout{Subject: t.Subject, SessionID: c.SID}, nil
}

// EndSessionURL is where to send a browser so that the provider ends its
// session too (RP-initiated logout), or "" when the provider offers none.
func (p *Provider) EndSessionURL(ctx context.Context, idTokenHint, postLogoutRedirect string) string {
	d, err := p.discover(ctx)
	if err != nil || d.endSession == "" {
		return ""
	}
	q := url.Values{"client_id": {p.cfg.ClientID}}
	if idTokenHint != "" {
		q.Set("id_token_hint", idTokenHint)
	}
	if postLogoutRedirect != "" {
		q.Set("post_logout_redirect_uri", postLogoutRedirect)
	}
	sep := "?"
	if strings.Contains(d.endSession, "?") {
		sep = "&"
	}
	return d.endSession + sep + q.Encode()
}

// DeviceEndpoint is the provider's device authorization endpoint (RFC
// 8628), or "".
func (p *Provider) DeviceEndpoint(ctx context.Context) string {
	d, err := p.discover(ctx)
	if err != nil {
		return ""
	}
	return d.device
}

// LooksLikeJWT reports whether token has a JWS compact form's three parts
// with a JSON header.
func LooksLikeJWT(token string) bool {
	h, rest, ok := strings.Cut(token, ".")
	if !ok || strings.Count(rest, ".") != 1 {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(h)
	return err == nil && len(b) > 1 && b[0] == '{'
}

// IssuerOf reads the iss claim of a JWT without checking it, to pick the
// provider that must check it; "" when there is none.
func IssuerOf(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Iss string `json:"iss"`
	}
	if json.Unmarshal(b, &c) != nil {
		return ""
	}
	return c.Iss
}

// Hash is the SHA-256 of a token, the key it is remembered by.
func Hash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// verifyError turns go-oidc's verification error into ErrInvalid, except
// when the key set could not be fetched.
func verifyError(what string, err error) error {
	if strings.Contains(err.Error(), "fetching keys") {
		return fmt.Errorf("%w: %s keys: %w", ErrUnavailable, what, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrInvalid, what, err)
}

// classify sorts an oauth2 error: the provider refusing (invalid_grant
// and the like) is ErrInvalid, a network failure or a 5xx ErrUnavailable.
func classify(what string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
		code := re.ErrorCode
		if code == "" {
			code = re.Response.Status
		}
		return fmt.Errorf("%w: %s refused: %s", ErrInvalid, what, code)
	}
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, what, err)
}

// Device authorization (RFC 8628), for a CLI on a machine without a
// browser: berth asks the provider for a code the person enters at the
// provider's page, then polls the token endpoint with its client secret.

var (
	// ErrNoDeviceFlow: the provider offers no device authorization.
	ErrNoDeviceFlow = errors.New("the provider offers no device authorization")
	// ErrPending: the person has not approved yet; ask again after the
	// interval (longer after ErrSlowDown).
	ErrPending  = errors.New("authorization pending")
	ErrSlowDown = errors.New("slow down")
)

// Device is a started device authorization.
type Device struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete,omitempty"`
	ExpiresIn               int    `json:"expires_in"`
	Interval                int    `json:"interval"`
}

// StartDevice asks the provider for a device and a user code.
func (p *Provider) StartDevice(ctx context.Context) (*Device, error) {
	d, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	if d.device == "" {
		return nil, ErrNoDeviceFlow
	}
	form := url.Values{"client_id": {p.cfg.ClientID}, "scope": {strings.Join(p.cfg.Scopes, " ")}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.device, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(p.cfg.ClientID), url.QueryEscape(p.cfg.ClientSecret))
	var dev Device
	if err := p.getJSON(req, &dev); err != nil {
		return nil, err
	}
	if dev.DeviceCode == "" || dev.UserCode == "" || dev.VerificationURI == "" {
		return nil, fmt.Errorf("%w: the device authorization answer lacks its codes", ErrUnavailable)
	}
	if dev.Interval <= 0 {
		dev.Interval = 5
	}
	return &dev, nil
}

// PollDevice asks once whether the person approved: the sign-in when
// they did, ErrPending or ErrSlowDown while they have not, ErrInvalid
// when they refused or the code expired.
func (p *Provider) PollDevice(ctx context.Context, deviceCode string) (*SignIn, error) {
	d, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {deviceCode},
		"client_id": {p.cfg.ClientID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.endpoint.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(p.cfg.ClientID), url.QueryEscape(p.cfg.ClientSecret))
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("%w: token endpoint answered %d, not JSON", ErrUnavailable, resp.StatusCode)
	}
	if resp.StatusCode != http.StatusOK {
		code, _ := raw["error"].(string)
		switch {
		case code == "authorization_pending":
			return nil, ErrPending
		case code == "slow_down":
			return nil, ErrSlowDown
		case resp.StatusCode >= 500:
			return nil, fmt.Errorf("%w: token endpoint answered %d", ErrUnavailable, resp.StatusCode)
		}
		return nil, fmt.Errorf("%w: device authorization refused: %s", ErrInvalid, code)
	}
	access, _ := raw["access_token"].(string)
	tok := (&oauth2.Token{AccessToken: access}).WithExtra(raw)
	return p.signIn(ctx, d, tok, "")
}

// PasswordGrant checks a person's password at the provider (the
// resource-owner password grant, which an operator enables per provider
// with password_grant; Keycloak calls it direct access grants). The
// sign-in carries the provider's refresh token for RefreshToken.
func (p *Provider) PasswordGrant(ctx context.Context, username, password string) (*SignIn, error) {
	d, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := p.oauth(d, "").PasswordCredentialsToken(p.ctx(ctx), username, password)
	if err != nil {
		return nil, classify("password grant", err)
	}
	s, err := p.signIn(ctx, d, tok, "")
	if err != nil {
		return nil, err
	}
	s.Refresh = tok.RefreshToken
	return s, nil
}

// RefreshToken refreshes at the provider and returns its next refresh
// token (the same one when the provider does not rotate them); ErrInvalid
// when the provider ended the session.
func (p *Provider) RefreshToken(ctx context.Context, refresh string) (string, error) {
	d, err := p.discover(ctx)
	if err != nil {
		return "", err
	}
	src := p.oauth(d, "").TokenSource(p.ctx(ctx), &oauth2.Token{RefreshToken: refresh, Expiry: time.Unix(1, 0)})
	tok, err := src.Token()
	if err != nil {
		return "", classify("refresh", err)
	}
	if tok.RefreshToken == "" {
		return refresh, nil
	}
	return tok.RefreshToken, nil
}
