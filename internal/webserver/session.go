package webserver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/berth-platform/berth/internal/clientaddr"
	"github.com/berth-platform/berth/internal/signing"
	"github.com/berth-platform/berth/internal/websession"
)

// Cookie names: __Host- under HTTPS binds the cookie to this exact origin.
const (
	cookieName       = "berth_session"
	secureCookieName = "__Host-berth_session"
)

// current is the session a request belongs to, with its secret opened.
type current struct {
	sess   *websession.Session
	secret string
	// account is what the manager last confirmed of the session's account.
	account
}

// User is the account a session belongs to, as the browser sees it.
type User struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	AdminRole string `json:"admin_role,omitempty"`
	// PasswordChangeRequired: the account holds a temporary password; the
	// dashboard asks for a new one before anything else.
	PasswordChangeRequired bool `json:"password_change_required,omitempty"`
	// EmailVerificationRequired: the account must confirm its address with
	// a mailed code before anything else.
	EmailVerificationRequired bool `json:"email_verification_required,omitempty"`
}

func userOf(s *websession.Session, a account) *User {
	return &User{ID: s.UserID, Email: s.Email, Name: s.Name, Role: s.Role, AdminRole: s.AdminRole,
		PasswordChangeRequired: a.passwordChange, EmailVerificationRequired: a.verifyEmail}
}

func (s *Server) cookieName(r *http.Request) string {
	if s.scheme(r) == "https" {
		return secureCookieName
	}
	return cookieName
}

// sessionID is the session id the request presents: the cookie, or for
// other services the X-Session-Token header when allowHeader.
func (s *Server) sessionID(r *http.Request, allowHeader bool) string {
	if c, err := r.Cookie(s.cookieName(r)); err == nil {
		return c.Value
	}
	if allowHeader {
		return r.Header.Get("X-Session-Token")
	}
	return ""
}

// current returns the request's session from its cookie, nil when it has
// none (or an expired, forged or revoked one), or an error when the store,
// the manager or the validator cannot answer.
//
// When no manager can confirm the credential, the session is taken as the
// store has it: everything it is used for goes through a manager, which
// checks the credential itself (the dashboard shows the outage, not a
// sign-out).
func (s *Server) current(r *http.Request) (*current, error) { return s.session(r, false, false) }

// session finds the request's session — its cookie, or with allowHeader
// also X-Session-Token — and has the manager confirm that the session's
// keypair and its user still hold (reused for confirmFor) before the
// request counts as a use. A session whose credential has ended is
// deleted, whoever ended it and through whichever replica. With strict,
// a session no manager could confirm is an error (managerDownError), not a
// session.
func (s *Server) session(r *http.Request, allowHeader, strict bool) (*current, error) {
	ctx := r.Context()
	if s.valid != nil {
		cur, err := s.valid.current(r)
		if err != nil || cur == nil {
			return nil, err
		}
		if err := s.confirm(ctx, r, cur); errors.Is(err, errSessionEnded) {
			s.valid.forget(cur.sess.Email) // the next request asks the validator and the manager anew
			return nil, nil
		} else if err != nil && strict {
			return nil, err
		}
		return cur, nil
	}
	id := s.sessionID(r, allowHeader)
	if id == "" {
		if s.o.OpenSession != nil {
			return s.open(ctx)
		}
		return nil, nil
	}
	sess, err := s.o.Sessions.Lookup(ctx, id)
	if errors.Is(err, websession.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sec, err := s.o.Sessions.Secret(sess)
	if err != nil {
		// A session sealed under another master key is no session: the
		// user signs in again; the error is logged, not shown.
		s.log.Error("session secret cannot be opened (master key changed?)", "event", "session_secret")
		return nil, nil //nolint:nilerr // see above
	}
	cur := &current{sess: sess, secret: sec}
	if err := s.confirm(ctx, r, cur); errors.Is(err, errSessionEnded) {
		_ = s.o.Sessions.Delete(ctx, id)
		s.log.InfoContext(ctx, "web session ended: its credential was revoked", "event", "web_session_revoked", "user_id", sess.UserID)
		return nil, nil
	} else if err != nil && strict {
		return nil, err
	}
	if err := s.o.Sessions.Touch(ctx, sess); err != nil {
		return nil, err
	}
	if info := infoOf(r); info != nil {
		info.userID = sess.UserID
	}
	return cur, nil
}

// open is the first admin's session when authentication is disabled.
func (s *Server) open(ctx context.Context) (*current, error) {
	sess, err := s.o.OpenSession(ctx)
	if err != nil {
		return nil, err
	}
	sec, err := s.o.Sessions.Secret(sess)
	if err != nil {
		return nil, err
	}
	return &current{sess: sess, secret: sec}, nil
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	// Secure whenever the browser came over HTTPS (directly or through a
	// trusted proxy); plain HTTP is for loopback, where Secure would drop it.
	http.SetCookie(w, &http.Cookie{ //nolint:gosec // G124: see above
		Name: s.cookieName(r), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.scheme(r) == "https", SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request) { s.setCookie(w, r, "", -1) }

// credentials is a login form or JSON body.
type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Next     string `json:"next,omitempty"`
}

const maxLoginBody = 16 << 10

// readCredentials accepts JSON or a form post; form reports which.
func readCredentials(w http.ResponseWriter, r *http.Request) (c credentials, form bool, err error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginBody)
	switch mt {
	case "application/x-www-form-urlencoded", "multipart/form-data":
		if err := r.ParseForm(); err != nil {
			return c, true, errors.New("the form could not be read")
		}
		return credentials{Email: r.PostForm.Get("email"), Password: r.PostForm.Get("password"), Next: r.PostForm.Get("next")}, true, nil
	case "application/json":
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return c, false, errors.New("the body must be JSON {\"email\": …, \"password\": …}")
		}
		return c, false, nil
	}
	return c, false, errors.New("send JSON (Content-Type: application/json) or a form")
}

// authorizeAnswer is the manager's answer to POST /api/auth/authorize.
type authorizeAnswer struct {
	AccessKey string    `json:"access_key"`
	SecretKey string    `json:"secret_key"`
	ExpiresAt time.Time `json:"expires_at"`
	User      struct {
		ID             string `json:"id"`
		Email          string `json:"email"`
		Name           string `json:"name"`
		Role           string `json:"role"`
		AdminRole      string `json:"admin_role"`
		PasswordChange bool   `json:"password_change_required"`
		VerifyEmail    bool   `json:"email_verification_required"`
	} `json:"user"`
}

// login signs a user in through the manager and starts a new session: a
// fresh id every time, so a planted cookie never survives a login.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, classLogin, "") {
		return
	}
	c, form, err := readCredentials(w, r)
	fail := func(status int, code, detail string, retryAfter int) {
		if form {
			q := url.Values{"error": {code}}
			if safe := safeNext(c.Next); safe != "/" {
				q.Set("next", safe)
			}
			http.Redirect(w, r, "/login?"+q.Encode(), http.StatusSeeOther)
			return
		}
		if retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		}
		writeProblem(w, r, status, code, detail)
	}
	if err != nil {
		fail(http.StatusBadRequest, "validation", err.Error(), 0)
		return
	}
	if s.valid != nil {
		fail(http.StatusConflict, "external-login", "sign in through the service that issues your session", 0)
		return
	}
	email := strings.ToLower(strings.TrimSpace(c.Email))
	addr := s.o.Proxies.Addr(r)
	if wait, err := s.lockedOut(r.Context(), email, addr); err != nil {
		s.storeDown(w, r, err)
		return
	} else if wait > 0 {
		s.metrics.logins.WithLabelValues("locked_out").Inc()
		fail(http.StatusTooManyRequests, "too-many-login-failures",
			fmt.Sprintf("too many failed sign-ins; try again in %d minutes", (wait+59)/60), wait)
		return
	}
	ans, status, problem, err := s.authorize(r, c.Email, c.Password)
	if err != nil {
		s.metrics.proxyErrors.WithLabelValues("login_upstream").Inc()
		fail(http.StatusServiceUnavailable, "unavailable", "the sign-in service cannot be reached; retry shortly", 2)
		return
	}
	if status != http.StatusOK {
		if status == http.StatusUnauthorized {
			if wait, err := s.recordFailure(r.Context(), email, addr); err == nil && wait > 0 {
				s.metrics.logins.WithLabelValues("locked_out").Inc()
				fail(http.StatusTooManyRequests, "too-many-login-failures",
					fmt.Sprintf("too many failed sign-ins; try again in %d minutes", (wait+59)/60), wait)
				return
			}
		}
		s.metrics.logins.WithLabelValues("failure").Inc()
		fail(status, problem.code(), problem.Detail, problem.retryAfter)
		return
	}
	if old := s.sessionID(r, false); old != "" {
		_ = s.o.Sessions.Delete(r.Context(), old) // a planted or stale session never carries over
	}
	sess := &websession.Session{UserID: ans.User.ID, Email: ans.User.Email, Name: ans.User.Name, Role: ans.User.Role,
		AdminRole: ans.User.AdminRole, AccessKey: ans.AccessKey}
	if err := s.o.Sessions.Create(r.Context(), sess, ans.SecretKey); err != nil {
		s.storeDown(w, r, err)
		return
	}
	_ = s.o.KV.Delete(r.Context(), accountKey(email))
	s.metrics.logins.WithLabelValues("success").Inc()
	s.setCookie(w, r, sess.ID, 0)
	s.log.InfoContext(r.Context(), "signed in", "event", "web_login", "user_id", sess.UserID)
	if form {
		http.Redirect(w, r, safeNext(c.Next), http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"authenticated": true, "user": userOf(sess, account{passwordChange: ans.User.PasswordChange, verifyEmail: ans.User.VerifyEmail})})
}

// upstreamProblem is what the manager answered when it refused.
type upstreamProblem struct {
	Type       string `json:"type"`
	Detail     string `json:"detail"`
	retryAfter int
}

func (p upstreamProblem) code() string {
	if c := strings.TrimPrefix(p.Type, "urn:berth:problem:"); c != "" && c != p.Type {
		return c
	}
	return "unauthorized"
}

// authorize asks the manager for a session keypair.
func (s *Server) authorize(r *http.Request, email, password string) (*authorizeAnswer, int, upstreamProblem, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	var ans authorizeAnswer
	status, p, err := s.managerJSON(r, "/api/auth/authorize", body, &ans)
	switch {
	case err != nil:
		return nil, 0, upstreamProblem{}, err
	case status != http.StatusOK:
		if p.Detail == "" {
			p.Detail = "sign-in refused"
		}
		return nil, status, p, nil
	case ans.AccessKey == "" || ans.SecretKey == "":
		return nil, 0, upstreamProblem{}, errors.New("malformed answer from the manager")
	}
	return &ans, http.StatusOK, upstreamProblem{}, nil
}

// asClient makes an internal call carry the browser's address, so that the
// manager's lock-out and audit see the real client.
func (s *Server) asClient(r, req *http.Request) {
	req.RemoteAddr = r.RemoteAddr
	req.Header.Set("X-Forwarded-For", clientaddr.Peer(r))
	req.Header.Set("User-Agent", r.UserAgent())
	s.o.Gateway.Assert(req, s.o.Proxies.Addr(r))
}

// logout revokes the session's keypair at the manager, deletes the
// session and clears the cookie. A form post goes back to /login.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	cur, err := s.current(r)
	if err != nil {
		s.storeDown(w, r, err)
		return
	}
	if cur != nil && s.valid != nil {
		s.valid.forget(cur.sess.Email) // nothing of the external decision is reused
	}
	if cur != nil && s.valid == nil && s.o.OpenSession == nil {
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, "/api/auth/logout", nil)
		s.asClient(r, req)
		if err := s.signInternal(req, cur); err == nil {
			if resp, err := s.o.Upstream.Do(req); err == nil {
				resp.Body.Close()
			}
		}
		_ = s.o.Sessions.Delete(r.Context(), cur.sess.ID)
		s.confirmed.forget(cur.sess.AccessKey)
		s.log.InfoContext(r.Context(), "signed out", "event", "web_logout", "user_id", cur.sess.UserID)
	}
	s.clearCookie(w, r)
	// Signed in through a provider: sign-out goes on to the provider, so
	// that its session ends too (RP-initiated logout).
	next := "/login"
	ans := map[string]any{"authenticated": false}
	if cur != nil && cur.sess.LogoutURL != "" {
		next = cur.sess.LogoutURL
		ans["logout_url"] = next
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, ans)
}

// signInternal signs one of the webserver's own calls with the session.
func (s *Server) signInternal(req *http.Request, cur *current) error {
	if req.Host == "" {
		req.Host = "berth.internal"
	}
	return signing.Sign(req, signing.Credentials{KeyID: cur.sess.AccessKey, Secret: cur.secret}, signing.EmptyBodyHash,
		s.o.Now(), signing.NewNonce())
}

func (s *Server) loginCheck(w http.ResponseWriter, r *http.Request) {
	cur, err := s.current(r)
	if err != nil {
		s.storeDown(w, r, err)
		return
	}
	if cur == nil {
		writeJSON(w, http.StatusOK, map[string]any{"authenticated": false})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"authenticated": true, "user": userOf(cur.sess, cur.account),
		"expires_at": cur.sess.IdleEnd(s.o.Sessions.Options().Idle)})
}

func (s *Server) extendSession(w http.ResponseWriter, r *http.Request) {
	cur, err := s.current(r)
	if err != nil {
		s.storeDown(w, r, err)
		return
	}
	if cur == nil {
		writeProblem(w, r, http.StatusUnauthorized, "unauthorized", "no session: sign in again")
		return
	}
	end, err := s.o.Sessions.Extend(r.Context(), cur.sess)
	if err != nil {
		s.storeDown(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"authenticated": true, "expires_at": end, "absolute_expires_at": cur.sess.ExpiresAt})
}

// storeDown answers 503 when a session cannot be checked, naming what did
// not answer: the session store, the manager or the external validator.
func (s *Server) storeDown(w http.ResponseWriter, r *http.Request, err error) {
	var md managerDownError
	var vd validatorDownError
	switch {
	case errors.As(err, &vd):
		s.metrics.proxyErrors.WithLabelValues("validator").Inc()
		event, detail := "validator_down", "the session validator could not be reached; retry shortly"
		if vd.timeout {
			event, detail = "validator_timeout", "the session validator did not answer in time; retry shortly"
		}
		s.log.WarnContext(r.Context(), "session validator failed", "event", event, "error", err)
		w.Header().Set("Retry-After", "2")
		writeProblem(w, r, http.StatusServiceUnavailable, "validator-unavailable", detail)
		return
	case errors.As(err, &md):
		s.metrics.proxyErrors.WithLabelValues("session_check").Inc()
		s.log.WarnContext(r.Context(), "session not checked: manager unavailable", "event", "session_check_down", "error", err)
		w.Header().Set("Retry-After", "2")
		writeProblem(w, r, http.StatusServiceUnavailable, "unavailable", "the session cannot be checked right now (no manager answered); retry shortly")
		return
	}
	s.metrics.proxyErrors.WithLabelValues("session_store").Inc()
	s.log.WarnContext(r.Context(), "session store unavailable", "event", "session_store_down", "error", err)
	w.Header().Set("Retry-After", "2")
	writeProblem(w, r, http.StatusServiceUnavailable, "unavailable", "sessions cannot be read right now; retry shortly")
}

// Lock-out for web sign-ins, in the webserver's own counters.

func accountKey(email string) string {
	sum := sha256.Sum256([]byte(email))
	return "web:login:acct:" + hex.EncodeToString(sum[:16])
}

func addressKey(addr string) string { return "web:login:addr:" + addr }

// lockedOut returns the seconds to wait when the account or the address
// reached its limit, else 0.
func (s *Server) lockedOut(ctx context.Context, email, addr string) (int, error) {
	for _, c := range []struct {
		key   string
		limit int
	}{{accountKey(email), s.o.Auth.MaxAccountFailures}, {addressKey(addr), s.o.Auth.MaxAddressFailures}} {
		n, ttl, err := s.o.KV.Count(ctx, c.key)
		if err != nil {
			return 0, err
		}
		if c.limit > 0 && n >= int64(c.limit) {
			return max(1, int(ttl.Round(time.Second)/time.Second)), nil
		}
	}
	return 0, nil
}

func (s *Server) recordFailure(ctx context.Context, email, addr string) (int, error) {
	window := s.o.Auth.LoginWindow
	na, ttlA, err := s.o.KV.Incr(ctx, accountKey(email), window)
	if err != nil {
		return 0, err
	}
	nb, ttlB, err := s.o.KV.Incr(ctx, addressKey(addr), window)
	if err != nil {
		return 0, err
	}
	switch {
	case s.o.Auth.MaxAccountFailures > 0 && na >= int64(s.o.Auth.MaxAccountFailures):
		return max(1, int(ttlA/time.Second)), nil
	case s.o.Auth.MaxAddressFailures > 0 && nb >= int64(s.o.Auth.MaxAddressFailures):
		return max(1, int(ttlB/time.Second)), nil
	}
	return 0, nil
}
