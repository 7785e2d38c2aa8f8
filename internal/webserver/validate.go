package webserver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/berth-platform/berth/internal/signing"
	"github.com/berth-platform/berth/internal/websession"
)

// validate answers other services (nginx auth_request, Traefik
// forwardAuth, …): is the session in the cookie or X-Session-Token live,
// and whose is it. It never returns a token or a key.
func (s *Server) validate(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	// The same path as every other request: the session store, then the
	// manager's word on the keypair and the user (so a logout, a password
	// change or a blocked account ends it here too), then the use is
	// recorded; without authentication, the open session.
	// Other services gate access on this answer: a session no manager
	// could confirm is refused with 503, never vouched for.
	cur, err := s.session(r, true, true)
	if err != nil {
		s.storeDown(w, r, err)
		return
	}
	if cur == nil {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"valid": false})
		return
	}
	if cur.passwordChange {
		// The account may do nothing until its temporary password is
		// changed, at berth's own sign-in.
		writeJSON(w, http.StatusForbidden, map[string]any{"valid": false, "reason": "password-change-required"})
		return
	}
	if cur.verifyEmail {
		// Nor until its address is confirmed, where the operator asks so.
		writeJSON(w, http.StatusForbidden, map[string]any{"valid": false, "reason": "email-verification-required"})
		return
	}
	// admin for berth's administrators, then the account's berth groups
	// (names without commas: the header is a comma-separated list).
	groups := []string{}
	if cur.sess.Role == "admin" {
		groups = append(groups, "admin")
	}
	groups = append(groups, cur.groups...)
	h := w.Header()
	h.Set("X-Berth-User", cur.sess.Email)
	h.Set("X-Berth-User-Id", cur.sess.UserID)
	h.Set("X-Berth-Groups", strings.Join(groups, ","))
	writeJSON(w, http.StatusOK, map[string]any{"valid": true, "user": cur.sess.Email, "user_id": cur.sess.UserID, "groups": groups})
}

// validator delegates session checks to another service's
// /session/validate (auth.validate_url). A valid answer names a user by
// email; the manager provisions the user on first sight and issues a
// keypair, through the webserver's service keypair (an admin's).
type validator struct {
	url    string
	s      *Server
	client *http.Client
	mu     sync.Mutex
	cache  map[string]validated
	// keys keeps each user's delegated keypair until shortly before it
	// expires, so that a new decision does not mint a new keypair.
	keys map[string]*current
}

type validated struct {
	cur   *current // nil: refused
	until time.Time
}

// validateCacheFor bounds how long the other service's decision is reused:
// a sign-out there must end the session here within about a second, as a
// revocation here does.
const validateCacheFor = time.Second

func newValidator(url string, s *Server) *validator {
	return &validator{url: url, s: s, client: &http.Client{Timeout: 5 * time.Second}, cache: map[string]validated{},
		keys: map[string]*current{}}
}

// cacheKey covers everything the decision depends on: the validator's URL,
// every cookie and the session token.
func (v *validator) cacheKey(r *http.Request) string {
	h := sha256.New()
	h.Write([]byte(v.url))
	h.Write([]byte{0})
	h.Write([]byte(strings.Join(r.Header.Values("Cookie"), "; ")))
	h.Write([]byte{0})
	h.Write([]byte(r.Header.Get("X-Session-Token")))
	return hex.EncodeToString(h.Sum(nil))
}

// validatorDownError reports that the external validator did not answer.
type validatorDownError struct {
	err     error
	timeout bool
}

func (e validatorDownError) Error() string { return "webserver: session validator: " + e.err.Error() }
func (e validatorDownError) Unwrap() error { return e.err }

// forget drops every decision and the delegated keypair of a user whose
// berth credential ended, so that the next request asks again.
func (v *validator) forget(email string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.keys, email)
	for k, c := range v.cache {
		if c.cur != nil && c.cur.sess.Email == email {
			delete(v.cache, k)
		}
	}
}

func (v *validator) current(r *http.Request) (*current, error) {
	if r.Header.Get("Cookie") == "" && r.Header.Get("X-Session-Token") == "" {
		return nil, nil
	}
	key := v.cacheKey(r)
	now := v.s.o.Now()
	v.mu.Lock()
	if c, ok := v.cache[key]; ok && now.Before(c.until) {
		v.mu.Unlock()
		return c.cur, nil
	}
	v.mu.Unlock()
	cur, err := v.ask(r)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	if len(v.cache) > 10_000 {
		v.cache = map[string]validated{}
	}
	v.cache[key] = validated{cur: cur, until: now.Add(validateCacheFor)}
	v.mu.Unlock()
	return cur, nil
}

// ask calls the external validator and, for a valid session, obtains a
// keypair for its user.
func (v *validator) ask(r *http.Request) (*current, error) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, v.url, nil)
	for _, c := range r.Header.Values("Cookie") {
		req.Header.Add("Cookie", c)
	}
	if t := r.Header.Get("X-Session-Token"); t != "" {
		req.Header.Set("X-Session-Token", t)
	}
	resp, err := v.client.Do(req)
	if err != nil {
		var ne interface{ Timeout() bool }
		return nil, validatorDownError{err: err, timeout: errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())}
	}
	defer resp.Body.Close()
	var ans struct {
		Valid bool   `json:"valid"`
		User  string `json:"user"`
		Name  string `json:"name"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&ans)
	if resp.StatusCode != http.StatusOK || !ans.Valid || ans.User == "" {
		return nil, nil
	}
	return v.delegate(ctx, ans.User, ans.Name)
}

// delegate asks the manager for a keypair of the user with this email,
// creating the account on first sight.
func (v *validator) delegate(ctx context.Context, email, name string) (*current, error) {
	s := v.s
	email = strings.ToLower(strings.TrimSpace(email))
	v.mu.Lock()
	if c, ok := v.keys[email]; ok && s.o.Now().Before(c.sess.ExpiresAt.Add(-5*time.Minute)) {
		v.mu.Unlock()
		return c, nil
	}
	v.mu.Unlock()
	body, _ := json.Marshal(map[string]string{"email": email, "name": name})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "/api/auth/delegate", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Host = "berth.internal"
	if err := signing.Sign(req, signing.Credentials{KeyID: s.o.Auth.ServiceAccessKey, Secret: s.o.Auth.ServiceSecretKey},
		signing.BodyHash(body), s.o.Now(), signing.NewNonce()); err != nil {
		return nil, err
	}
	resp, err := s.o.Upstream.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.log.WarnContext(ctx, "external session not provisioned", "event", "delegate_refused", "status", resp.StatusCode)
		return nil, nil
	}
	var ans authorizeAnswer
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&ans); err != nil {
		return nil, err
	}
	sess := &websession.Session{UserID: ans.User.ID, Email: ans.User.Email, Name: ans.User.Name, Role: ans.User.Role,
		AdminRole: ans.User.AdminRole, AccessKey: ans.AccessKey, ExpiresAt: ans.ExpiresAt, LastSeen: s.o.Now()}
	cur := &current{sess: sess, secret: ans.SecretKey}
	v.mu.Lock()
	if len(v.keys) > 10_000 {
		v.keys = map[string]*current{}
	}
	v.keys[email] = cur
	v.mu.Unlock()
	return cur, nil
}
