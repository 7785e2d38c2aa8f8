package oidc_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/oidc"
	"github.com/berth-platform/berth/internal/oidc/oidctest"
)

const redirect = "http://127.0.0.1:9/server/oidc/test/callback"

// setup runs a provider with one person and berth's client, and the
// provider as berth configures it.
func setup(t *testing.T, jwt bool, now func() time.Time) (*oidctest.Server, *oidc.Provider) {
	t.Helper()
	op := oidctest.Start(t)
	op.AddClient(oidctest.Client{ID: "berth", Secret: "client-secret", RedirectURIs: []string{redirect}, JWTAccessTokens: jwt})
	op.AddUser(oidctest.User{Subject: "sub-ada", Username: "ada", Password: "pw-ada", Email: "ada@example.test", EmailVerified: true,
		Name: "Ada Lovelace", Groups: []string{"/team-a"}, RealmRoles: []string{"berth-admin"},
		ClientRoles: map[string][]string{"berth": {"developer"}, "other": {"nope"}}})
	p := oidc.New(config.OIDCProvider{ID: "test", Issuer: op.URL, ClientID: "berth", ClientSecret: "client-secret",
		AllowInsecure: true}.WithDefaults(), nil, now)
	return op, p
}

// signIn runs the browser part of a sign-in and returns the code.
func signIn(t *testing.T, op *oidctest.Server, p *oidc.Provider, state, nonce, verifier string) string {
	t.Helper()
	u, err := p.AuthCodeURL(t.Context(), redirect, state, nonce, verifier)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(u, "code_challenge_method=S256") || !strings.Contains(u, "nonce="+nonce) {
		t.Fatalf("authorization URL lacks PKCE or nonce: %s", u)
	}
	back := op.Login(t, u, "ada", "pw-ada")
	if got := back.Query().Get("state"); got != state {
		t.Fatalf("state = %q, want %q", got, state)
	}
	return back.Query().Get("code")
}

func TestCodeFlow(t *testing.T) {
	op, p := setup(t, false, nil)
	verifier := oauth2.GenerateVerifier()
	code := signIn(t, op, p, "state-1", "nonce-1", verifier)
	s, err := p.Exchange(t.Context(), redirect, code, verifier, "nonce-1")
	if err != nil {
		t.Fatal(err)
	}
	c := s.Claims
	if c.Subject != "sub-ada" || c.Email != "ada@example.test" || !c.EmailVerified || c.Name != "Ada Lovelace" ||
		strings.Join(c.Values, ",") != "/team-a,berth-admin,developer" || s.IDToken == "" {
		t.Fatalf("claims = %+v", c)
	}
	if !c.Matches([]string{"x", "developer"}) || c.Matches([]string{"nope"}) {
		t.Fatalf("Matches wrong on %v", c.Values)
	}
	// A code is good once.
	if _, err := p.Exchange(t.Context(), redirect, code, verifier, "nonce-1"); !errors.Is(err, oidc.ErrInvalid) {
		t.Fatalf("code used twice: %v, want ErrInvalid", err)
	}
}

func TestCodeFlowRefusals(t *testing.T) {
	op, p := setup(t, false, nil)
	t.Run("WrongNonce", func(t *testing.T) {
		v := oauth2.GenerateVerifier()
		code := signIn(t, op, p, "s", "nonce-a", v)
		if _, err := p.Exchange(t.Context(), redirect, code, v, "nonce-b"); !errors.Is(err, oidc.ErrInvalid) || !strings.Contains(err.Error(), "nonce") {
			t.Fatalf("err = %v, want a nonce refusal", err)
		}
	})
	t.Run("MissingNonce", func(t *testing.T) {
		// A sign-in started without a nonce cannot end as one that had it.
		v := oauth2.GenerateVerifier()
		u, err := p.AuthCodeURL(t.Context(), redirect, "s", "", v)
		if err != nil {
			t.Fatal(err)
		}
		back := op.Login(t, u, "ada", "pw-ada")
		if _, err := p.Exchange(t.Context(), redirect, back.Query().Get("code"), v, "the-nonce-berth-kept"); !errors.Is(err, oidc.ErrInvalid) ||
			!strings.Contains(err.Error(), "nonce") {
			t.Fatalf("err = %v, want a nonce refusal", err)
		}
	})
	t.Run("WrongVerifier", func(t *testing.T) {
		code := signIn(t, op, p, "s", "n", oauth2.GenerateVerifier())
		if _, err := p.Exchange(t.Context(), redirect, code, oauth2.GenerateVerifier(), "n"); !errors.Is(err, oidc.ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid (PKCE)", err)
		}
	})
	t.Run("ProviderDown", func(t *testing.T) {
		v := oauth2.GenerateVerifier()
		code := signIn(t, op, p, "s", "n", v)
		op.SetDown(true)
		defer op.SetDown(false)
		if _, err := p.Exchange(t.Context(), redirect, code, v, "n"); !errors.Is(err, oidc.ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
	})
}

func TestDiscoveryWhileDown(t *testing.T) {
	op, p := setup(t, false, nil)
	op.SetDown(true)
	if err := p.Ready(t.Context()); !errors.Is(err, oidc.ErrUnavailable) {
		t.Fatalf("Ready while down: %v", err)
	}
	op.SetDown(false)
	// Discovery is tried again, but not at once (rediscoverAfter).
	if err := p.Ready(t.Context()); !errors.Is(err, oidc.ErrUnavailable) {
		t.Fatalf("Ready right after: %v, want the remembered failure", err)
	}
	later := oidc.New(p.Config(), nil, nil)
	if err := later.Ready(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// accessToken signs ada in and returns the provider's access token.
func accessToken(t *testing.T, op *oidctest.Server, p *oidc.Provider) string {
	t.Helper()
	v := oauth2.GenerateVerifier()
	code := signIn(t, op, p, "s", "n", v)
	cfg := oauth2.Config{ClientID: "berth", ClientSecret: "client-secret", RedirectURL: redirect,
		Endpoint: oauth2.Endpoint{TokenURL: op.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	tok, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

func TestJWTAccessToken(t *testing.T) {
	op, p := setup(t, true, nil)
	tok := accessToken(t, op, p)
	if !oidc.LooksLikeJWT(tok) || oidc.IssuerOf(tok) != op.URL {
		t.Fatalf("not a JWT from the provider: %q", tok)
	}
	c, err := p.VerifyAccessToken(t.Context(), tok, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "sub-ada" || c.Email != "ada@example.test" || !c.Matches([]string{"berth-admin"}) || c.Expiry.IsZero() {
		t.Fatalf("claims = %+v", c)
	}
	// Tampered: the payload changed, the signature kept.
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	payload = []byte(strings.Replace(string(payload), "sub-ada", "sub-eve", 1))
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
	if _, err := p.VerifyAccessToken(t.Context(), forged, false); !errors.Is(err, oidc.ErrInvalid) {
		t.Fatalf("tampered token: %v", err)
	}
	var claims map[string]any
	_ = json.Unmarshal(payload, &claims)
	// alg none, and HS256 keyed with the provider's public key.
	none := b64(`{"alg":"none","typ":"JWT"}`) + "." + parts[1] + "."
	if _, err := p.VerifyAccessToken(t.Context(), none, false); !errors.Is(err, oidc.ErrInvalid) {
		t.Fatalf("alg none: %v", err)
	}
	der, _ := x509.MarshalPKIXPublicKey(op.PublicKey())
	head := b64(`{"alg":"HS256","typ":"JWT"}`) + "." + parts[1]
	mac := hmac.New(sha256.New, der)
	mac.Write([]byte(head))
	hs := head + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	if _, err := p.VerifyAccessToken(t.Context(), hs, false); !errors.Is(err, oidc.ErrInvalid) {
		t.Fatalf("HS256 with the public key: %v", err)
	}
	// Wrong audience: signed by the provider, for another client.
	claims["aud"] = []string{"someone-else"}
	if _, err := p.VerifyAccessToken(t.Context(), op.Sign(t, claims), false); !errors.Is(err, oidc.ErrInvalid) {
		t.Fatalf("wrong audience: %v", err)
	}
	// Expired, seen from a clock an hour on.
	late := oidc.New(p.Config(), nil, func() time.Time { return time.Now().Add(time.Hour) })
	if _, err := late.VerifyAccessToken(t.Context(), tok, false); !errors.Is(err, oidc.ErrInvalid) {
		t.Fatalf("expired token: %v", err)
	}
}

func TestKeyRotation(t *testing.T) {
	op, p := setup(t, true, nil)
	old := accessToken(t, op, p)
	if _, err := p.VerifyAccessToken(t.Context(), old, false); err != nil {
		t.Fatal(err)
	}
	op.RotateKey(false) // the old key is gone from the key set
	fresh := accessToken(t, op, p)
	if _, err := p.VerifyAccessToken(t.Context(), fresh, false); err != nil {
		t.Fatalf("token under the new key: %v (keys not fetched again?)", err)
	}
	if _, err := p.VerifyAccessToken(t.Context(), old, false); !errors.Is(err, oidc.ErrInvalid) {
		t.Fatalf("token under the removed key: %v", err)
	}
}

func TestIntrospection(t *testing.T) {
	op, p := setup(t, false, nil)
	tok := accessToken(t, op, p)
	if oidc.LooksLikeJWT(tok) {
		t.Fatalf("want an opaque token, got a JWT")
	}
	c, err := p.VerifyAccessToken(t.Context(), tok, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "sub-ada" || c.Email != "ada@example.test" || !c.Matches([]string{"/team-a"}) || op.Introspections() != 1 {
		t.Fatalf("claims = %+v after %d introspections", c, op.Introspections())
	}
	if _, err := p.VerifyAccessToken(t.Context(), "not-a-token-the-provider-made", false); !errors.Is(err, oidc.ErrInvalid) {
		t.Fatalf("unknown opaque token: %v", err)
	}
}

func TestLogoutToken(t *testing.T) {
	op, p := setup(t, false, nil)
	l, err := p.VerifyLogoutToken(t.Context(), op.LogoutToken(t, "berth", "sub-ada", "sid-1"))
	if err != nil || l.Subject != "sub-ada" || l.SessionID != "sid-1" {
		t.Fatalf("logout = %+v, %v", l, err)
	}
	base := map[string]any{"iss": op.URL, "aud": "berth", "iat": time.Now().Unix(), "sub": "sub-ada",
		"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}}}
	for name, change := range map[string]func(map[string]any){
		"NoEvent":    func(c map[string]any) { delete(c, "events") },
		"WithNonce":  func(c map[string]any) { c["nonce"] = "n" },
		"Old":        func(c map[string]any) { c["iat"] = time.Now().Add(-time.Hour).Unix() },
		"NoSubject":  func(c map[string]any) { delete(c, "sub") },
		"OtherAud":   func(c map[string]any) { c["aud"] = "other" },
		"OtherIssue": func(c map[string]any) { c["iss"] = "https://evil.example" },
	} {
		t.Run(name, func(t *testing.T) {
			c := map[string]any{}
			for k, v := range base {
				c[k] = v
			}
			change(c)
			if _, err := p.VerifyLogoutToken(t.Context(), op.Sign(t, c)); !errors.Is(err, oidc.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestDeviceFlow(t *testing.T) {
	op, p := setup(t, false, nil)
	d, err := p.StartDevice(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if d.UserCode == "" || !strings.HasPrefix(d.VerificationURI, op.URL) {
		t.Fatalf("device = %+v", d)
	}
	if _, err := p.PollDevice(t.Context(), d.DeviceCode); !errors.Is(err, oidc.ErrPending) {
		t.Fatalf("before approval: %v, want ErrPending", err)
	}
	code, ok := op.PendingDevice(time.Second)
	if !ok || code != d.UserCode {
		t.Fatalf("pending = %q", code)
	}
	op.ApproveDevice(t, code, "ada", "pw-ada", true)
	s, err := p.PollDevice(t.Context(), d.DeviceCode)
	if err != nil {
		t.Fatal(err)
	}
	if s.Claims.Subject != "sub-ada" || s.Claims.Email != "ada@example.test" {
		t.Fatalf("claims = %+v", s.Claims)
	}
	// Denied.
	d2, _ := p.StartDevice(t.Context())
	op.ApproveDevice(t, d2.UserCode, "ada", "pw-ada", false)
	if _, err := p.PollDevice(t.Context(), d2.DeviceCode); !errors.Is(err, oidc.ErrInvalid) {
		t.Fatalf("denied: %v, want ErrInvalid", err)
	}
}
