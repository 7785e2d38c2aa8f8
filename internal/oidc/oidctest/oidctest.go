// Package oidctest runs a real OpenID provider for tests, on loopback
// HTTP: github.com/zitadel/oidc's certified provider implementation (its op
// package, with its example storage and login pages), plus what tests need
// to steer it — users with groups and Keycloak-style roles, clients, key
// rotation, an outage switch, counts of introspection calls, and signed
// back-channel logout tokens.
//
// It is not a mock: berth talks to it as to any provider, over HTTP, with
// discovery, JWKS, the authorization code flow with PKCE, the token,
// userinfo, introspection, revocation, end-session and device endpoints.
package oidctest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/oauth2"
)

// User is a person at the provider.
type User struct {
	Subject       string
	Username      string
	Password      string
	Email         string
	EmailVerified bool
	Name          string
	// Groups go in a flat groups claim; RealmRoles in
	// realm_access.roles and ClientRoles in resource_access.<client>.roles,
	// as Keycloak lays them out.
	Groups      []string
	RealmRoles  []string
	ClientRoles map[string][]string
}

// Client is a relying party registered at the provider.
type Client struct {
	ID, Secret             string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	// RedirectURIGlobs are patterns of further redirect URIs, such as
	// http://127.0.0.1:*/callback for a CLI's loopback redirect.
	RedirectURIGlobs []string
	// JWTAccessTokens: access tokens are signed JWTs; otherwise opaque
	// strings that only introspection can read.
	JWTAccessTokens bool
}

// Server is a running provider.
type Server struct {
	// URL is the issuer.
	URL string
	srv *httptest.Server
	st  *store

	// refresh holds the refresh tokens of the password grant, which this
	// package serves itself (the op package has no password grant).
	grantMu sync.Mutex
	refresh map[string]string // token → subject

	introspections atomic.Int64
	tokenCalls     atomic.Int64
	down           atomic.Bool
}

// Start runs a provider on a free loopback port until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Listen runs a provider on addr until Close.
func Listen(addr string) (*Server, error) {
	l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{refresh: map[string]string{}}
	var h http.Handler
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.down.Load() {
			http.Error(w, "provider down for the test", http.StatusServiceUnavailable)
			return
		}
		switch r.URL.Path {
		case "/favicon.ico": // browsers ask; the login pages have none
			w.WriteHeader(http.StatusNoContent)
			return
		case "/oauth/introspect":
			s.introspections.Add(1)
		case "/oauth/token":
			s.tokenCalls.Add(1)
			if s.ownGrant(w, r) {
				return
			}
		}
		h.ServeHTTP(w, r)
	}))
	_ = s.srv.Listener.Close()
	s.srv.Listener = l
	s.srv.Start()
	s.URL = s.srv.URL
	s.st = newStore()
	quiet := slog.New(slog.DiscardHandler)
	h = exampleop.SetupServer(s.URL, s.st, quiet, false, op.WithLogger(quiet))
	return s, nil
}

// Close stops the provider.
func (s *Server) Close() { s.srv.Close() }

// AddUser adds a person who can sign in with Username and Password.
func (s *Server) AddUser(u User) {
	if u.Subject == "" {
		u.Subject = uuid.NewString()
	}
	s.st.users.put(u)
}

// AddClient registers a relying party.
func (s *Server) AddClient(c Client) {
	s.st.addClient(c)
}

// RotateKey makes a new signing key current. With keepOld the old public
// key stays in the key set (a graceful rotation); without, tokens signed
// by it no longer verify.
func (s *Server) RotateKey(keepOld bool) { s.st.rotate(keepOld) }

// SetDown makes every endpoint answer 503 (true) or serve again (false).
func (s *Server) SetDown(down bool) { s.down.Store(down) }

// Introspections counts calls to the introspection endpoint, and
// TokenCalls to the token endpoint.
func (s *Server) Introspections() int64 { return s.introspections.Load() }
func (s *Server) TokenCalls() int64     { return s.tokenCalls.Load() }

// Login drives the provider's login page as a browser would: it follows
// authURL's redirects, posts the username and password, and returns the
// URL the provider sends the browser back to (the client's redirect URI
// with code and state), without requesting it.
func (s *Server) Login(t testing.TB, authURL, username, password string) *url.URL {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	next := authURL
	posted := false
	for range 10 {
		resp, err := do(c, http.MethodGet, s.abs(next), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && strings.Contains(next, "/login/username") && !posted {
			// The login page: post the form as the browser would.
			u, _ := url.Parse(s.abs(next))
			resp, err = do(c, http.MethodPost, s.URL+"/login/username", url.Values{"id": {u.Query().Get("authRequestID")},
				"username": {username}, "password": {password}})
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			posted = true
			if resp.StatusCode == http.StatusOK {
				t.Fatalf("the provider refused %s's password", username)
			}
		}
		if resp.StatusCode/100 != 3 {
			t.Fatalf("provider answered %d at %s: %s", resp.StatusCode, next, body)
		}
		loc, err := resp.Location()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(loc.String(), s.URL) {
			return loc // back to the relying party
		}
		next = loc.String()
	}
	t.Fatal("the provider's login did not end in 10 redirects")
	return nil
}

func (s *Server) abs(u string) string {
	if strings.HasPrefix(u, "/") {
		return s.URL + u
	}
	return u
}

// ownGrant serves the resource-owner password grant (RFC 6749 4.3), which
// the op package does not implement, and the refresh of the tokens it
// gave; it reports whether it answered.
func (s *Server) ownGrant(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		return false
	}
	grant := r.PostForm.Get("grant_type")
	s.grantMu.Lock()
	_, ours := s.refresh[r.PostForm.Get("refresh_token")]
	s.grantMu.Unlock()
	if grant != "password" && !(grant == "refresh_token" && ours) {
		return false
	}
	fail := func(status int, code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, `{"error":%q}`, code)
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	s.st.mu.Lock()
	c, known := s.st.clients[id]
	s.st.mu.Unlock()
	if !known || c.Secret != secret {
		fail(http.StatusUnauthorized, "invalid_client")
		return true
	}
	var subject string
	if grant == "password" {
		u := s.st.users.GetUserByUsername(r.PostForm.Get("username"))
		if u == nil {
			for _, cand := range s.st.users.all() {
				if strings.EqualFold(cand.Email, r.PostForm.Get("username")) {
					u = toExample(cand)
				}
			}
		}
		if u == nil || u.Password != r.PostForm.Get("password") {
			fail(http.StatusBadRequest, "invalid_grant")
			return true
		}
		subject = u.ID
	} else {
		s.grantMu.Lock()
		subject = s.refresh[r.PostForm.Get("refresh_token")]
		delete(s.refresh, r.PostForm.Get("refresh_token")) // rotated
		s.grantMu.Unlock()
	}
	u, _ := s.st.users.get(subject)
	now := time.Now()
	claims := map[string]any{"iss": s.URL, "sub": subject, "aud": []string{id}, "azp": id, "iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "email": u.Email, "email_verified": u.EmailVerified, "name": u.Name}
	for k, v := range s.st.extra(subject) {
		claims[k] = v
	}
	refresh := uuid.NewString()
	s.grantMu.Lock()
	s.refresh[refresh] = subject
	s.grantMu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": uuid.NewString(), "token_type": "Bearer", "expires_in": 3600,
		"refresh_token": refresh, "id_token": s.sign(claims)})
	return true
}

// EndSessions ends, at the provider, every session of the person: the
// refresh tokens of the password grant stop working.
func (s *Server) EndSessions(subject string) {
	s.grantMu.Lock()
	defer s.grantMu.Unlock()
	for t, sub := range s.refresh {
		if sub == subject {
			delete(s.refresh, t)
		}
	}
}

// PendingDevice waits up to timeout for a device authorization that is
// not yet approved, and returns its user code.
func (s *Server) PendingDevice(timeout time.Duration) (string, bool) {
	deadline := time.Now().Add(timeout)
	for {
		s.st.mu.Lock()
		n := len(s.st.pending)
		var code string
		if n > 0 {
			code = s.st.pending[n-1]
		}
		s.st.mu.Unlock()
		if code != "" {
			return code, true
		}
		if time.Now().After(deadline) {
			return "", false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ApproveDevice does what a person does on the provider's device page:
// enters the user code, signs in, and allows (or denies) the device.
func (s *Server) ApproveDevice(t testing.TB, userCode, username, password string, allow bool) {
	t.Helper()
	jar := &cookieJar{}
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := do(c, http.MethodPost, s.URL+"/device/login", url.Values{"user_code": {userCode}, "username": {username}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("device login: %d %s", resp.StatusCode, body)
	}
	action := "denied"
	if allow {
		action = "allowed"
	}
	resp, err = do(c, http.MethodPost, s.URL+"/device/confirm", url.Values{"action": {action}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Device authorization "+action) {
		t.Fatalf("device confirm: %d %s", resp.StatusCode, body)
	}
	s.st.mu.Lock()
	for i, c := range s.st.pending {
		if c == userCode {
			s.st.pending = append(s.st.pending[:i], s.st.pending[i+1:]...)
			break
		}
	}
	s.st.mu.Unlock()
}

// cookieJar keeps every cookie, whatever its domain (the device pages set
// one and read it back).
type cookieJar struct {
	mu sync.Mutex
	c  []*http.Cookie
}

func (j *cookieJar) SetCookies(_ *url.URL, cs []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.c = append(j.c, cs...)
}

func (j *cookieJar) Cookies(*url.URL) []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.c
}

// Tokens signs username in with the authorization code flow (PKCE) as
// the client clientID, whose redirectURI must be registered, and returns
// the provider's tokens.
func (s *Server) Tokens(t testing.TB, clientID, secret, redirectURI, username, password string) *oauth2.Token {
	t.Helper()
	cfg := oauth2.Config{ClientID: clientID, ClientSecret: secret, RedirectURL: redirectURI, Scopes: []string{"openid", "email", "profile"},
		Endpoint: oauth2.Endpoint{AuthURL: s.URL + "/auth", TokenURL: s.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	verifier := oauth2.GenerateVerifier()
	back := s.Login(t, cfg.AuthCodeURL("test-state", oauth2.S256ChallengeOption(verifier)), username, password)
	tok, err := cfg.Exchange(t.Context(), back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Revoke revokes a token at the provider (RFC 7009), as a person signing
// out there would.
func (s *Server) Revoke(t testing.TB, clientID, secret, token string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, s.URL+"/revoke", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
}

// LogoutToken is a back-channel logout token for subject (and sid when
// not empty), signed with the provider's current key, for clientID.
func (s *Server) LogoutToken(t testing.TB, clientID, subject, sid string) string {
	t.Helper()
	claims := map[string]any{
		"iss": s.URL, "aud": clientID, "iat": time.Now().Unix(), "jti": uuid.NewString(),
		"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
	}
	if subject != "" {
		claims["sub"] = subject
	}
	if sid != "" {
		claims["sid"] = sid
	}
	return s.Sign(t, claims)
}

// Sign signs claims with the provider's current key (RS256), as any token
// of the provider is signed.
func (s *Server) Sign(t testing.TB, claims map[string]any) string {
	t.Helper()
	return s.sign(claims)
}

func (s *Server) sign(claims map[string]any) string {
	k := s.st.current()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: k.priv, KeyID: k.id}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		panic(err) // an RSA key always makes a signer
	}
	payload, _ := json.Marshal(claims)
	sig, err := signer.Sign(payload)
	if err != nil {
		panic(err)
	}
	out, err := sig.CompactSerialize()
	if err != nil {
		panic(err)
	}
	return out
}

// PublicKey is the current signing key's public half (for forging tokens
// that must fail, such as HS256 keyed with it).
func (s *Server) PublicKey() *rsa.PublicKey { return &s.st.current().priv.PublicKey }

// key is one signing key.
type key struct {
	id   string
	priv *rsa.PrivateKey
}

func (k *key) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *key) Key() any                                    { return k.priv }
func (k *key) ID() string                                  { return k.id }

type publicKey struct{ k *key }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return &p.k.priv.PublicKey }

func newKey() *key {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return &key{id: uuid.NewString(), priv: priv}
}

// store is the example storage with this package's users, clients, keys
// and claims.
type store struct {
	*storage.Storage
	users *users

	mu      sync.Mutex
	pending []string // user codes of device authorizations, newest last
	keys    []*key   // current first
	clients map[string]Client
	raw     map[string]*storage.Client
}

func newStore() *store {
	st := &store{users: &users{m: map[string]User{}}, keys: []*key{newKey()}, clients: map[string]Client{},
		raw: map[string]*storage.Client{}}
	st.Storage = storage.NewStorageWithClients(st.users, st.raw)
	return st
}

func (st *store) addClient(c Client) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.clients[c.ID] = c
	st.raw[c.ID] = storage.WebClient(c.ID, c.Secret, c.RedirectURIs...)
}

func (st *store) current() *key {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.keys[0]
}

func (st *store) rotate(keepOld bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if keepOld {
		st.keys = append([]*key{newKey()}, st.keys...)
	} else {
		st.keys = []*key{newKey()}
	}
}

// SigningKey, SignatureAlgorithms and KeySet serve the rotating keys.
func (st *store) SigningKey(context.Context) (op.SigningKey, error) { return st.current(), nil }
func (st *store) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}
func (st *store) KeySet(context.Context) ([]op.Key, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]op.Key, len(st.keys))
	for i, k := range st.keys {
		out[i] = publicKey{k}
	}
	return out, nil
}

// GetClientByClientID returns the client with this package's choices:
// JWT or opaque access tokens, claims in the ID token (as Keycloak puts
// them), post-logout redirects and every grant including the device flow.
func (st *store) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	base, err := st.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	c := st.clients[id]
	st.mu.Unlock()
	return client{Client: base, c: c}, nil
}

type client struct {
	op.Client
	c Client
}

func (c client) AccessTokenType() op.AccessTokenType {
	if c.c.JWTAccessTokens {
		return op.AccessTokenTypeJWT
	}
	return op.AccessTokenTypeBearer
}
func (c client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c client) RedirectURIGlobs() []string           { return c.c.RedirectURIGlobs }
func (c client) PostLogoutRedirectURIGlobs() []string { return nil }
func (c client) PostLogoutRedirectURIs() []string     { return c.c.PostLogoutRedirectURIs }
func (c client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeDeviceCode}
}

// StoreDeviceAuthorization remembers the user code for ApproveDevice.
func (st *store) StoreDeviceAuthorization(ctx context.Context, clientID, deviceCode, userCode string, expires time.Time, scopes []string) error {
	if err := st.Storage.StoreDeviceAuthorization(ctx, clientID, deviceCode, userCode, expires, scopes); err != nil {
		return err
	}
	st.mu.Lock()
	st.pending = append(st.pending, userCode)
	st.mu.Unlock()
	return nil
}

// CompleteDeviceAuthorization: the example's device pages name the
// person by username; tokens must carry the subject.
func (st *store) CompleteDeviceAuthorization(ctx context.Context, userCode, username string) error {
	subject := username
	if u := st.users.GetUserByUsername(username); u != nil {
		subject = u.ID
	}
	return st.Storage.CompleteDeviceAuthorization(ctx, userCode, subject)
}

// extra is the claims beyond the standard ones: groups and roles.
func (st *store) extra(userID string) map[string]any {
	u, ok := st.users.get(userID)
	if !ok {
		return nil
	}
	out := map[string]any{}
	if u.Groups != nil {
		out["groups"] = u.Groups
	}
	if u.RealmRoles != nil {
		out["realm_access"] = map[string]any{"roles": u.RealmRoles}
	}
	if u.ClientRoles != nil {
		ra := map[string]any{}
		for c, roles := range u.ClientRoles {
			ra[c] = map[string]any{"roles": roles}
		}
		out["resource_access"] = ra
	}
	return out
}

// SetUserinfoFromRequest fills the ID token: the example's claims (email,
// email_verified, name, …) and the groups and roles.
func (st *store) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := st.Storage.SetUserinfoFromRequest(ctx, info, req, scopes); err != nil {
		return err
	}
	for k, v := range st.extra(req.GetSubject()) {
		info.AppendClaims(k, v)
	}
	return nil
}

// GetPrivateClaimsFromScopes adds the groups and roles to JWT access tokens.
func (st *store) GetPrivateClaimsFromScopes(ctx context.Context, userID, clientID string, scopes []string) (map[string]any, error) {
	claims, err := st.Storage.GetPrivateClaimsFromScopes(ctx, userID, clientID, scopes)
	if err != nil {
		return nil, err
	}
	if claims == nil {
		claims = map[string]any{}
	}
	for k, v := range st.extra(userID) {
		claims[k] = v
	}
	return claims, nil
}

// SetIntrospectionFromToken adds the groups and roles to introspection.
func (st *store) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	if err := st.Storage.SetIntrospectionFromToken(ctx, resp, tokenID, subject, clientID); err != nil {
		return err
	}
	if resp.Claims == nil {
		resp.Claims = map[string]any{}
	}
	for k, v := range st.extra(subject) {
		resp.Claims[k] = v
	}
	return nil
}

// users is the example storage's user store over this package's users.
type users struct {
	mu sync.Mutex
	m  map[string]User // by subject
}

func (us *users) put(u User) {
	us.mu.Lock()
	defer us.mu.Unlock()
	us.m[u.Subject] = u
}

func (us *users) get(id string) (User, bool) {
	us.mu.Lock()
	defer us.mu.Unlock()
	u, ok := us.m[id]
	return u, ok
}

func toExample(u User) *storage.User {
	first, last, _ := strings.Cut(u.Name, " ")
	return &storage.User{ID: u.Subject, Username: u.Username, Password: u.Password, FirstName: first, LastName: last,
		Email: u.Email, EmailVerified: u.EmailVerified}
}

func (us *users) all() []User {
	us.mu.Lock()
	defer us.mu.Unlock()
	out := make([]User, 0, len(us.m))
	for _, u := range us.m {
		out = append(out, u)
	}
	return out
}

func (us *users) GetUserByID(id string) *storage.User {
	u, ok := us.get(id)
	if !ok {
		return nil
	}
	return toExample(u)
}

func (us *users) GetUserByUsername(name string) *storage.User {
	us.mu.Lock()
	defer us.mu.Unlock()
	for _, u := range us.m {
		if u.Username == name {
			return toExample(u)
		}
	}
	return nil
}

func (us *users) ExampleClientID() string { return "berth-service" }

// do sends a GET, or a POST of form when it is not nil.
func do(c *http.Client, method, u string, form url.Values) (*http.Response, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(context.Background(), method, u, body)
	if err != nil {
		return nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return c.Do(req)
}
