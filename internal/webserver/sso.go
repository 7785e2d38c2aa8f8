package webserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/berth-platform/berth/internal/websession"
)

// Sign-in through an OpenID provider, the browser's part. The start
// remembers state, nonce and PKCE verifier in the shared store for ten
// minutes, bound to this browser by a cookie holding a random value whose
// hash the record keeps; the callback takes the record once (a replayed
// state finds it spent), checks the cookie and the provider, and has the
// manager redeem the code. The session then starts as after a password
// sign-in: a new id, the old one deleted.

const (
	ssoCookie       = "berth_sso"
	secureSSOCookie = "__Host-berth_sso"
	ssoTTL          = 10 * time.Minute
)

// ssoState is what the start remembers for the callback.
type ssoState struct {
	Provider string `json:"provider"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	Next     string `json:"next"`
	Binding  []byte `json:"binding"` // SHA-256 of the cookie's value
}

func (s *Server) ssoCookieName(r *http.Request) string {
	if s.scheme(r) == "https" {
		return secureSSOCookie
	}
	return ssoCookie
}

// randomString is n random bytes, base64url.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) callbackURL(r *http.Request, provider string) string {
	return s.scheme(r) + "://" + r.Host + "/server/oidc/" + url.PathEscape(provider) + "/callback"
}

// ssoFail sends the browser back to the sign-in page with a reason.
func ssoFail(w http.ResponseWriter, r *http.Request, code, next string) {
	q := url.Values{"error": {code}}
	if safe := safeNext(next); safe != "/" {
		q.Set("next", safe)
	}
	http.Redirect(w, r, "/login?"+q.Encode(), http.StatusSeeOther)
}

// ssoStart sends the browser to the provider.
func (s *Server) ssoStart(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, classLogin, "") {
		return
	}
	provider, next := r.PathValue("provider"), safeNext(r.URL.Query().Get("next"))
	if s.valid != nil {
		ssoFail(w, r, "external-login", next)
		return
	}
	state, binding := randomString(32), randomString(32)
	st := ssoState{Provider: provider, Nonce: randomString(32), Verifier: randomString(32), Next: next}
	sum := sha256.Sum256([]byte(binding))
	st.Binding = sum[:]
	body, _ := json.Marshal(map[string]string{"redirect_uri": s.callbackURL(r, provider), "state": state,
		"nonce": st.Nonce, "code_verifier": st.Verifier})
	var ans struct {
		URL string `json:"url"`
	}
	status, problem, err := s.managerJSON(r, "/api/auth/oidc/"+url.PathEscape(provider)+"/authorization-url", body, &ans)
	switch {
	case err != nil:
		ssoFail(w, r, "unavailable", next)
		return
	case status != http.StatusOK:
		s.log.InfoContext(r.Context(), "single sign-on could not start", "event", "sso_start", "provider", provider, "status", status)
		ssoFail(w, r, problem.code(), next)
		return
	}
	raw, _ := json.Marshal(st)
	if err := s.o.KV.Set(r.Context(), "sso:"+state, raw, ssoTTL); err != nil {
		s.storeDown(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{ //nolint:gosec // G124: Secure whenever the browser came over HTTPS, as the session cookie
		Name: s.ssoCookieName(r), Value: binding, Path: "/", MaxAge: int(ssoTTL / time.Second),
		HttpOnly: true, Secure: s.scheme(r) == "https", SameSite: http.SameSiteLaxMode,
	})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, ans.URL, http.StatusSeeOther)
}

// ssoCallback finishes the sign-in the provider sent the browser back from.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, classLogin, "") {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	provider, state := r.PathValue("provider"), q.Get("state")
	refuse := func(code, why, next string) {
		s.metrics.logins.WithLabelValues("failure").Inc()
		s.log.InfoContext(ctx, "single sign-on refused", "event", "sso_refused", "provider", provider, "reason", why)
		ssoFail(w, r, code, next)
	}
	if state == "" || len(state) > 256 {
		refuse("sso-refused", "no state", "")
		return
	}
	raw, err := s.o.KV.Get(ctx, "sso:"+state)
	var st ssoState
	if err != nil || json.Unmarshal(raw, &st) != nil {
		refuse("sso-refused", "unknown or expired state", "")
		return
	}
	// Spent at first use, on every replica: a replayed callback finds it so.
	if fresh, err := s.o.KV.ClaimNonce(ctx, "sso-spent:"+state, ssoTTL); err != nil {
		s.storeDown(w, r, err)
		return
	} else if !fresh {
		refuse("sso-refused", "state used before", st.Next)
		return
	}
	_ = s.o.KV.Delete(ctx, "sso:"+state)
	c, err := r.Cookie(s.ssoCookieName(r))
	if err != nil {
		refuse("sso-refused", "no binding cookie (another browser?)", st.Next)
		return
	}
	sum := sha256.Sum256([]byte(c.Value))
	if subtle.ConstantTimeCompare(sum[:], st.Binding) != 1 {
		refuse("sso-refused", "binding cookie does not match the state", st.Next)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: s.ssoCookieName(r), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, //nolint:gosec // G124: as above
		Secure: s.scheme(r) == "https", SameSite: http.SameSiteLaxMode})
	if st.Provider != provider {
		refuse("sso-refused", "callback of another provider than the sign-in started with", st.Next)
		return
	}
	if e := q.Get("error"); e != "" {
		code := "sso-refused"
		if e == "access_denied" {
			code = "sso-cancelled"
		}
		refuse(code, "provider answered "+e, st.Next)
		return
	}
	body, _ := json.Marshal(map[string]string{"code": q.Get("code"), "code_verifier": st.Verifier, "nonce": st.Nonce,
		"redirect_uri": s.callbackURL(r, provider), "post_logout_redirect_uri": s.scheme(r) + "://" + r.Host + "/login"})
	var ans struct {
		authorizeAnswer
		Provider  string `json:"provider"`
		LogoutURL string `json:"logout_url"`
	}
	status, problem, err := s.managerJSON(r, "/api/auth/oidc/"+url.PathEscape(provider)+"/authorize", body, &ans)
	switch {
	case err != nil:
		s.metrics.proxyErrors.WithLabelValues("login_upstream").Inc()
		ssoFail(w, r, "unavailable", st.Next)
		return
	case status != http.StatusOK:
		refuse(problem.code(), problem.Detail, st.Next)
		return
	}
	if old := s.sessionID(r, false); old != "" {
		_ = s.o.Sessions.Delete(ctx, old) // a planted or stale session never carries over
	}
	sess := &websession.Session{UserID: ans.User.ID, Email: ans.User.Email, Name: ans.User.Name, Role: ans.User.Role,
		AdminRole: ans.User.AdminRole, AccessKey: ans.AccessKey, Provider: ans.Provider, LogoutURL: ans.LogoutURL}
	if err := s.o.Sessions.Create(ctx, sess, ans.SecretKey); err != nil {
		s.storeDown(w, r, err)
		return
	}
	s.metrics.logins.WithLabelValues("success").Inc()
	s.setCookie(w, r, sess.ID, 0)
	s.log.InfoContext(ctx, "signed in", "event", "web_login", "user_id", sess.UserID, "provider", provider)
	http.Redirect(w, r, st.Next, http.StatusSeeOther)
}

// managerJSON posts a JSON body to the manager on the browser's behalf
// (password sign-in, single sign-on) and decodes a 200 answer into out.
func (s *Server) managerJSON(r *http.Request, path string, body []byte, out any) (int, upstreamProblem, error) {
	ctx := r.Context()
	// The upstream is the manager; path is one of its fixed routes with the
	// provider id escaped.
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, path, bytes.NewReader(body)) //nolint:gosec // G704: see above
	req.Header.Set("Content-Type", "application/json")
	s.asClient(r, req)
	resp, err := s.o.Upstream.Do(req)
	if err != nil {
		return 0, upstreamProblem{}, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		var p upstreamProblem
		_ = json.Unmarshal(data, &p)
		p.retryAfter, _ = strconv.Atoi(resp.Header.Get("Retry-After"))
		return resp.StatusCode, p, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return 0, upstreamProblem{}, errors.New("malformed answer from the manager")
	}
	return http.StatusOK, upstreamProblem{}, nil
}

// signInOptions are what the sign-in page offers, as the manager says
// (GET /api/auth/options); when it cannot say, the password form alone.
type signInOptions struct {
	Providers []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"providers"`
	LocalPasswords bool `json:"local_passwords"`
}

func (s *Server) signInOptions(r *http.Request) signInOptions {
	opts := signInOptions{LocalPasswords: true}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "/api/auth/options", nil)
	s.asClient(r, req)
	resp, err := s.o.Upstream.Do(req)
	if err != nil {
		return opts
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		var got signInOptions
		if json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&got) == nil {
			opts = got
		}
	}
	return opts
}
