package manager

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/sessiontoken"
	"github.com/berth-platform/berth/internal/signing"
)

// Principal is who a request acts for: a user (through a bearer token or a
// keypair), or a function API key.
type Principal struct {
	// User is nil for a function API key.
	User *berth.User
	// APIKey is set when a function's API key signed the request; it may
	// only invoke that function.
	APIKey *berth.APIKey
	// Via is "bearer" or "keypair".
	Via string
	// FamilyID is the token family of a bearer token, and tokenHash the
	// token's hash, so that a long-lived connection can check it again.
	FamilyID  string
	tokenHash []byte
	// AccessKey and KeyKind identify the keypair of a signed request.
	AccessKey string
	KeyKind   berth.KeypairKind
	// signed is set for a signed request whose body authentication left
	// to the route (deploy, invocations): the route checks the body's hash
	// and claims the nonce before anything takes effect.
	signed *signing.Signed[*Principal]
}

type principalKey struct{}

// PrincipalFrom returns the authenticated principal, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

const (
	accessTokenPrefix  = "bat_"
	refreshTokenPrefix = "brt_"
	maxTokenLen        = 128
)

var wwwAuthenticate = http.Header{"Www-Authenticate": {`Bearer realm="berth", BERTH-HMAC-SHA256`}}

func unauthorized(detail string) *huma.ErrorModel {
	return problem(http.StatusUnauthorized, codeUnauthorized, detail)
}

// authenticate resolves the Authorization header of /api/ requests into a
// Principal. A request without one continues anonymously (operations that
// need a principal refuse it in requireAuth); a request with a bad one is
// refused here, before any handler runs.
func (m *Manager) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" || !(strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/fn/")) {
			next.ServeHTTP(w, r)
			return
		}
		var p *Principal
		var err error
		scheme, token, _ := strings.Cut(h, " ")
		switch {
		case strings.EqualFold(scheme, "Bearer"):
			p, err = m.bearer(r.Context(), strings.TrimSpace(token))
		case signing.IsSigned(h):
			p, err = m.signed(w, r)
		default:
			err = problem(http.StatusBadRequest, signing.CodeUnsupportedAlgorithm,
				"unsupported Authorization scheme; use Bearer <access token> or BERTH-HMAC-SHA256")
		}
		if err != nil {
			m.refuse(w, r, err)
			return
		}
		info := infoFrom(r.Context())
		if info != nil && p.User != nil {
			info.userID = p.User.ID
		}
		if p.User != nil && p.User.PasswordChangeRequired && (info == nil || !passwordChangeRoutes[info.pattern]) {
			m.refuse(w, r, errPasswordChange)
			return
		}
		if p.User != nil && m.needsVerification(p.User) && (info == nil || !verifyRoutes[info.pattern]) {
			m.refuse(w, r, errVerifyRequired)
			return
		}
		if p.User != nil {
			if err := m.admitAPI(r.Context(), p.User); err != nil {
				m.refuse(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

// refuse writes the problem for a failed authentication.
func (m *Manager) refuse(w http.ResponseWriter, r *http.Request, err error) {
	var em *huma.ErrorModel
	if !errors.As(m.fail(r.Context(), err), &em) {
		em = unauthorized("authentication failed")
	}
	var header http.Header
	switch {
	case em.Status == http.StatusUnauthorized:
		header = wwwAuthenticate
	case em.Status == http.StatusServiceUnavailable:
		header = http.Header{"Retry-After": {"2"}}
	}
	writeProblem(w, r, em, header)
}

// bearer resolves an access token.
func (m *Manager) bearer(ctx context.Context, token string) (*Principal, error) {
	invalid := unauthorized("the access token is invalid, expired or revoked; refresh it or log in again")
	if strings.HasPrefix(token, refreshTokenPrefix) {
		return nil, unauthorized("a refresh token cannot authenticate requests; exchange it at POST /api/auth/refresh")
	}
	if !strings.HasPrefix(token, accessTokenPrefix) {
		return m.providerBearer(ctx, token)
	}
	if len(token) > maxTokenLen {
		return nil, invalid
	}
	hash := hashToken(token)
	t, u, err := m.cache.CachedTokenOwner(ctx, hash, berth.TokenAccess)
	if errors.Is(err, berth.ErrNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	if t.FamilyRevoked || !m.now().Before(t.ExpiresAt) || u.Status == berth.UserDeleted {
		return nil, invalid
	}
	if !u.Active() {
		return nil, accountBlocked()
	}
	return &Principal{User: u, Via: "bearer", FamilyID: t.FamilyID, tokenHash: hash}, nil
}

// accountBlocked refuses a valid credential of a blocked account. It is
// answered only after the credential itself has been verified, so that it
// reveals nothing to someone who does not hold one; a deleted account's
// credentials stay plainly invalid.
func accountBlocked() error {
	return problem(http.StatusForbidden, codeAccountBlocked, "this account is blocked; contact an administrator")
}

// signed verifies a BERTH-HMAC-SHA256 request: the signature first, then —
// having read the capped body — its hash and the nonce, so that a request
// whose body was altered has no effect and spends no nonce.
func (m *Manager) signed(w http.ResponseWriter, r *http.Request) (*Principal, error) {
	s, err := m.verifier.Check(r.Context(), r)
	if err != nil {
		return nil, err
	}
	owner := s.Key.Owner
	if owner.User != nil && !owner.User.Active() {
		return nil, accountBlocked() // the signature is valid: LookupKey lets blocked owners through to here
	}
	facts := m.factsOf(r)
	limit := facts.bodyLimit
	if limit <= 0 {
		limit = MaxJSONBody
	}
	if facts.stream {
		p := *owner
		p.signed = s
		return &p, nil
	}
	body, err := readBody(w, r, limit)
	if err != nil {
		return nil, err
	}
	if err := m.verifier.Complete(r.Context(), s, body); err != nil {
		return nil, err
	}
	if r.URL.Path == graphqlPath && owner.KeyKind == berth.KeypairSession {
		if err := m.checkSessionToken(r, owner, s.Key.Secret); err != nil {
			return nil, err
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return owner, nil
}

// keyLookup resolves access keys for the verifier.
type keyLookup struct{ m *Manager }

// LookupKey implements signing.KeyLookup.
func (l keyLookup) LookupKey(ctx context.Context, id string) (signing.Key[*Principal], error) {
	m := l.m
	if strings.HasPrefix(id, "BF") {
		return m.lookupAPIKey(ctx, id)
	}
	k, u, err := m.cache.CachedKeypairOwner(ctx, id)
	if errors.Is(err, berth.ErrNotFound) {
		return signing.Key[*Principal]{}, signing.ErrUnknownKey
	}
	if err != nil {
		return signing.Key[*Principal]{}, err
	}
	now := m.now()
	// A blocked owner's key is returned so that the signature is checked
	// before signed answers 403; a deleted owner's is unknown.
	if k.Expired(now) || u.Status == berth.UserDeleted {
		return signing.Key[*Principal]{}, signing.ErrUnknownKey
	}
	sec, err := m.box.Open(k.SecretSealed, keypairAAD(k.AccessKey))
	if err != nil {
		m.log.ErrorContext(ctx, "keypair secret cannot be opened: is the master key the one it was sealed with?",
			"event", "secret_open_failed", "access_key", k.AccessKey)
		return signing.Key[*Principal]{}, signing.ErrUnknownKey
	}
	if m.touch.due("kp\x00"+k.AccessKey, k.LastUsedAt, now) {
		if err := m.store.TouchKeypair(ctx, k.AccessKey, now); err != nil {
			m.log.WarnContext(ctx, "keypair last-use not recorded", "event", "keypair_touch", "error", err)
		}
	}
	return signing.Key[*Principal]{Secret: string(sec), Owner: &Principal{User: u, Via: "keypair", AccessKey: k.AccessKey, KeyKind: k.Kind}}, nil
}

// lookupAPIKey resolves a function API key. The key must be usable, its
// function not pending deletion, and its owner active.
func (m *Manager) lookupAPIKey(ctx context.Context, id string) (signing.Key[*Principal], error) {
	k, f, err := m.cache.CachedAPIKeyByKeyID(ctx, id)
	if errors.Is(err, berth.ErrNotFound) {
		return signing.Key[*Principal]{}, signing.ErrUnknownKey
	}
	if err != nil {
		return signing.Key[*Principal]{}, err
	}
	now := m.now()
	if !k.Usable(now) {
		return signing.Key[*Principal]{}, signing.ErrUnknownKey
	}
	owner, err := m.cache.CachedUser(ctx, f.OwnerID)
	if errors.Is(err, berth.ErrNotFound) || (err == nil && !owner.Active()) {
		return signing.Key[*Principal]{}, signing.ErrUnknownKey
	}
	if err != nil {
		return signing.Key[*Principal]{}, err
	}
	sec, err := m.box.Open(k.SecretSealed, apiKeyAAD(k.KeyID))
	if err != nil {
		m.log.ErrorContext(ctx, "API key secret cannot be opened: is the master key the one it was sealed with?",
			"event", "secret_open_failed", "key_id", k.KeyID)
		return signing.Key[*Principal]{}, signing.ErrUnknownKey
	}
	if m.touch.due("ak\x00"+k.ID, k.LastUsedAt, now) {
		if err := m.store.TouchAPIKey(ctx, k.ID, now); err != nil {
			m.log.WarnContext(ctx, "API key last-use not recorded", "event", "api_key_touch", "error", err)
		}
	}
	return signing.Key[*Principal]{Secret: string(sec), Owner: &Principal{APIKey: k}}, nil
}

// touchInterval is how stale a keypair's last use may get before a request
// records it; the store coalesces on the same interval.
const touchInterval = time.Minute

// touches remembers when this process last recorded a credential's use:
// the cached credential keeps the last use it was read with.
type touches struct{ at sync.Map } // key -> time.Time

// due reports whether a use at now should be recorded, and if so notes
// it; stored is the last use the store reported.
func (t *touches) due(key string, stored, now time.Time) bool {
	if v, ok := t.at.Load(key); ok && v.(time.Time).After(stored) {
		stored = v.(time.Time)
	}
	if now.Sub(stored) <= touchInterval {
		return false
	}
	t.at.Store(key, now)
	return true
}

// prune forgets uses older than touchInterval: the store has them.
func (t *touches) prune(now time.Time) {
	t.at.Range(func(k, v any) bool {
		if now.Sub(v.(time.Time)) > touchInterval {
			t.at.Delete(k)
		}
		return true
	})
}

func keypairAAD(accessKey string) []byte { return []byte("keypair:" + accessKey) }

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// requireAuth refuses operations that declare a security requirement when
// the request carries no principal. Operations are authenticated unless
// registered as public, so a forgotten flag fails closed.
func (m *Manager) requireAuth(ctx huma.Context, next func(huma.Context)) {
	op := ctx.Operation()
	if info := infoFrom(ctx.Context()); info != nil {
		info.operation, info.endpoint = op.OperationID, op.Path
	}
	if len(op.Security) == 0 {
		next(ctx)
		return
	}
	p := PrincipalFrom(ctx.Context())
	if p != nil && p.User == nil {
		r, w := humago.Unwrap(ctx)
		writeProblem(w, r, problem(http.StatusForbidden, codeForbidden,
			"a function API key can only invoke its function (POST /api/functions/{id}/invoke or /fn/{id}/…)"), nil)
		return
	}
	if p == nil {
		r, w := humago.Unwrap(ctx)
		writeProblem(w, r, unauthorized("authentication required: send Authorization: Bearer <access token> or sign the request with BERTH-HMAC-SHA256"), wwwAuthenticate)
		return
	}
	if op.Metadata["admin"] == true && p.User.Role != berth.RoleAdmin {
		r, w := humago.Unwrap(ctx)
		writeProblem(w, r, problem(http.StatusForbidden, codeForbidden, "this operation is for administrators"), nil)
		return
	}
	if op.Metadata["adminWrite"] == true && (p.User.Role != berth.RoleAdmin || p.User.AdminRole != berth.AdminFull) {
		r, w := humago.Unwrap(ctx)
		writeProblem(w, r, problem(http.StatusForbidden, codeForbidden,
			"this operation changes the platform: it is for full administrators (read-only administrators, viewer, may only read)"), nil)
		return
	}
	next(ctx)
}

// graphqlPath is the endpoint where web sessions also present a token.
const graphqlPath = "/api/graphql"

// checkSessionToken verifies the X-Berth-Token a webserver sends with a
// session's GraphQL request (internal/sessiontoken).
func (m *Manager) checkSessionToken(r *http.Request, p *Principal, secret string) error {
	if err := sessiontoken.Check(r.Header.Get(sessiontoken.Header), p.AccessKey, secret, m.now()); err != nil {
		return problem(http.StatusUnauthorized, codeUnauthorized, sessiontoken.Header+" refused: "+err.Error())
	}
	return nil
}
