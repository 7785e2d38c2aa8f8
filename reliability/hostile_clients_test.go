package reliability

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/signing"
)

// answer is what the server sent back.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) String() string { return fmt.Sprintf("%d %.300s", a.status, a.body) }

// json decodes the body as an object.
func (a answer) json() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(a.body, &m)
	return m
}

// clientEnv is the running server of the hostile-client suite and the
// credentials the cases use.
type clientEnv struct {
	b         *berthProc
	plain     *http.Client // no credentials, no redirects, no cookies
	accessKey string       // the admin's keypair
	secretKey string
	fn, other *client.Function
	raw       *client.Function // public; its request body is its whole answer
	fnKey     *client.NewAPIKey
	otherKey  *client.NewAPIKey
	session   *http.Cookie // a signed-in browser's session cookie
	tokenAt   time.Time    // when token was issued
	token     *client.Tokens
}

// send sends req as is.
func (e *clientEnv) send(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := e.plain.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return answer{resp.StatusCode, resp.Header, body}
}

// request builds a request to the server; a string body is sent as JSON.
func (e *clientEnv) request(method, path string, body any) *http.Request {
	var r io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(v)
	case []byte:
		r = bytes.NewReader(v)
	}
	req, _ := http.NewRequest(method, e.b.url+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// sign signs req with the admin's keypair as the client does.
func (e *clientEnv) sign(req *http.Request, body []byte, now time.Time) *http.Request {
	_ = signing.Sign(req, signing.Credentials{KeyID: e.accessKey, Secret: e.secretKey}, signing.BodyHash(body), now, signing.NewNonce())
	return req
}

// signAs signs req by hand with any key, signed header list, body hash
// and date, to make the signatures a well-behaved client never would.
func signAs(req *http.Request, keyID, secret string, signed []string, bodyHash string, now time.Time) {
	date := now.UTC().Format(signing.DateFormat)
	req.Header.Set(signing.HeaderDate, date)
	req.Header.Set(signing.HeaderNonce, signing.NewNonce())
	req.Header.Set(signing.HeaderContentSHA256, bodyHash)
	canonical, _ := signing.CanonicalRequest(req, signed, bodyHash)
	m := hmac.New(sha256.New, signing.SigningKey(secret, date[:8]))
	m.Write([]byte(signing.StringToSign(date, []byte(canonical))))
	req.Header.Set("Authorization", signing.Algorithm+" Credential="+keyID+"/"+date[:8]+
		", SignedHeaders="+strings.Join(signed, ";")+", Signature="+hex.EncodeToString(m.Sum(nil)))
}

// withSession adds the signed-in browser's cookie.
func (e *clientEnv) withSession(req *http.Request) *http.Request {
	req.AddCookie(e.session)
	return req
}

// hostileRequest is one bad input and the exact answer it must get.
type hostileRequest struct {
	name string
	// send makes the request (or requests) and returns the answer to check.
	send    func(t *testing.T, e *clientEnv) answer
	status  int
	problem string // the problem type; "" when the answer is not a problem
	detail  string // what the problem's detail must say
	// check, when set, checks more: no side effect, headers, a body.
	check func(t *testing.T, e *clientEnv, a answer)
}

// TestHostileClients sends the bad input of the foundation and webserver
// issues to a running berth serve — malformed, expired, replayed and
// misdirected signatures, bad tokens, malformed and oversized bodies,
// wrong content types, unknown fields, path traversal, open redirects,
// cross-site requests, forged cookies, smuggled identity headers, huge
// and slow headers — and checks each exact answer, that problems are
// complete RFC 9457 documents with a useful detail, that refused requests
// changed nothing, and that the server is healthy after each.
func TestHostileClients(t *testing.T) {
	b := startBerth(t, berthConfig{Env: map[string]string{
		"BERTH_AUTH_ALLOW_REGISTRATION":         "true",
		"BERTH_AUTH_ACCESS_TOKEN_TTL":           "2s",
		"BERTH_FUNCTIONS_MAX_INVOKE_BODY_BYTES": "65536",
		"BERTH_FUNCTIONS_MAX_ARTEFACT_BYTES":    "1048576",
	}})
	e := newClientEnv(t, b)
	// The slow client takes as long as the server's header timeout: it
	// runs beside the other cases.
	type slowResult struct {
		after time.Duration
		err   error
	}
	slow := make(chan slowResult, 1)
	go func() {
		after, err := slowHeaders(b)
		slow <- slowResult{after, err}
	}()
	cases := append(append(append(signatureCases(), tokenCases()...), bodyCases()...), webCases()...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := c.send(t, e)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %s", a.status, c.status, a)
			}
			if c.problem != "" {
				resp := &http.Response{StatusCode: a.status, Header: a.header}
				p, err := decodeProblem(resp, a.body)
				if err != nil {
					t.Fatal(err)
				}
				if p.Type != "urn:berth:problem:"+c.problem {
					t.Errorf("problem type %s, want urn:berth:problem:%s (%s)", p.Type, c.problem, p.Detail)
				}
				if !strings.Contains(p.Detail, c.detail) && !problemErrorsMention(p, c.detail) {
					t.Errorf("detail %q does not say %q", p.Detail, c.detail)
				}
			}
			if c.check != nil {
				c.check(t, e, a)
			}
			e.healthy(t)
		})
	}
	t.Run("OpenRedirects", func(t *testing.T) { openRedirects(t, e) })
	t.Run("ExpiredAccessToken", func(t *testing.T) {
		time.Sleep(time.Until(e.tokenAt.Add(2500 * time.Millisecond)))
		a := e.send(t, withBearer(e.request(http.MethodGet, "/api/users/me", nil), e.token.AccessToken))
		wantProblem(t, a, 401, "unauthorized", "expired")
		e.healthy(t)
	})
	t.Run("NoManagerReachable", func(t *testing.T) { noManager(t) })
	t.Run("RevocationAcrossReplicas", revocationAcrossReplicas)
	t.Run("ProviderTokensAcrossReplicas", providerTokensAcrossReplicas)
	t.Run("SplitModeClientAddress", splitModeClientAddress)
	t.Run("CachedCredentialsAcrossReplicas", cachedCredentialsAcrossReplicas)
	t.Run("SlowHeaders", func(t *testing.T) {
		r := <-slow
		if r.err != nil {
			t.Fatal(r.err)
		}
		t.Logf("the server hung up on the slow client after %s", r.after.Round(time.Millisecond))
		e.healthy(t)
	})
}

func problemErrorsMention(p *problemBody, s string) bool {
	for _, d := range p.Errors {
		if strings.Contains(d.Location, s) || strings.Contains(d.Message, s) {
			return true
		}
	}
	return false
}

// wantProblem checks an answer outside the table.
func wantProblem(t *testing.T, a answer, status int, problem, detail string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a)
	}
	p, err := decodeProblem(&http.Response{StatusCode: a.status, Header: a.header}, a.body)
	if err != nil {
		t.Fatal(err)
	}
	if p.Type != "urn:berth:problem:"+problem || !strings.Contains(p.Detail, detail) {
		t.Fatalf("problem %s %q, want %s saying %q", p.Type, p.Detail, problem, detail)
	}
}

func withBearer(req *http.Request, token string) *http.Request {
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

func newClientEnv(t *testing.T, b *berthProc) *clientEnv {
	admin := b.admin()
	e := &clientEnv{b: b, accessKey: b.accessKey, secretKey: b.secretKey,
		plain: &http.Client{Transport: b.transport, Timeout: clientTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	echo := readWasm(t, "echo.wasm")
	e.fn = newFunction(t, admin, "target", "wasm", "application/wasm", echo)
	e.other = newFunction(t, admin, "bystander", "wasm", "application/wasm", echo)
	e.fnKey, e.otherKey = newAPIKey(t, admin, e.fn.ID), newAPIKey(t, admin, e.other.ID)
	e.raw = newFunction(t, admin, "raw", "wasm", "application/wasm", readWasm(t, "raw.wasm"))
	public := "public"
	if _, err := admin.UpdateFunction(ctxT(t), e.raw.ID, client.SettingsPatch{Visibility: &public}); err != nil {
		t.Fatal(err)
	}
	a := e.send(t, e.request(http.MethodPost, "/server/login", `{"email":"`+adminEmail+`","password":"`+adminPassword+`"}`))
	for _, c := range (&http.Response{Header: a.header}).Cookies() {
		if c.Name == "berth_session" {
			e.session = &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	if a.status != http.StatusOK || e.session == nil {
		t.Fatalf("browser sign-in: %s", a)
	}
	tok, err := b.client().Login(ctxT(t), adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	e.token, e.tokenAt = tok, time.Now()
	return e
}

// healthy checks that the server answers /health and a signed request.
func (e *clientEnv) healthy(t *testing.T) {
	t.Helper()
	if h := e.b.health(); h != http.StatusOK {
		t.Fatalf("/health answered %d after the case", h)
	}
	a := e.send(t, e.sign(e.request(http.MethodGet, "/api/users/me", nil), nil, time.Now()))
	if a.status != http.StatusOK {
		t.Fatalf("a signed request after the case: %s", a)
	}
}

// me is GET /api/users/me as the admin.
func (e *clientEnv) me(t *testing.T) map[string]any {
	t.Helper()
	a := e.send(t, e.sign(e.request(http.MethodGet, "/api/users/me", nil), nil, time.Now()))
	if a.status != http.StatusOK {
		t.Fatalf("me: %s", a)
	}
	return a.json()
}

// signatureCases: BERTH-HMAC-SHA256 in every way a client gets it wrong.
func signatureCases() []hostileRequest {
	get := func(e *clientEnv) *http.Request { return e.request(http.MethodGet, "/api/users/me", nil) }
	auth := func(value string) func(t *testing.T, e *clientEnv) answer {
		return func(t *testing.T, e *clientEnv) answer {
			req := e.sign(get(e), nil, time.Now())
			req.Header.Set("Authorization", value)
			return e.send(t, req)
		}
	}
	signed := []string{"host", "x-berth-content-sha256", "x-berth-date", "x-berth-nonce"}
	at := func(skew time.Duration) func(t *testing.T, e *clientEnv) answer {
		return func(t *testing.T, e *clientEnv) answer {
			// X-Berth-Date has whole seconds: sign at the start of a second,
			// so that the skew the server sees is the one meant.
			time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
			return e.send(t, e.sign(get(e), nil, time.Now().Add(skew)))
		}
	}
	sig := "Credential=AKIDEXAMPLE/20261123, SignedHeaders=host;x-berth-content-sha256;x-berth-date;x-berth-nonce, Signature=" + strings.Repeat("ab", 32)
	return []hostileRequest{
		{name: "NoCredentials", send: func(t *testing.T, e *clientEnv) answer { return e.send(t, get(e)) },
			status: 401, problem: "unauthorized", detail: "authentication required"},
		{name: "BasicScheme", send: auth("Basic YWRtaW46YWRtaW4="), status: 400, problem: "unsupported-algorithm", detail: "BERTH-HMAC-SHA256"},
		{name: "OtherAlgorithm", send: auth("AWS4-HMAC-SHA256 " + sig), status: 400, problem: "unsupported-algorithm", detail: "BERTH-HMAC-SHA256"},
		{name: "AlgorithmCase", send: auth("berth-hmac-sha256 " + sig), status: 400, problem: "unsupported-algorithm", detail: "exactly BERTH-HMAC-SHA256"},
		{name: "SHA1Variant", send: auth("BERTH-HMAC-SHA1 " + sig), status: 400, problem: "unsupported-algorithm", detail: "exactly BERTH-HMAC-SHA256"},
		{name: "SchemeOnly", send: auth("BERTH-HMAC-SHA256"), status: 400, problem: "malformed-signature", detail: "no Credential"},
		{name: "NoSignature", send: auth("BERTH-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123, SignedHeaders=host"),
			status: 400, problem: "malformed-signature", detail: "needs Credential, SignedHeaders and Signature"},
		{name: "DuplicateComponent", send: auth("BERTH-HMAC-SHA256 " + sig + ", Signature=" + strings.Repeat("cd", 32)),
			status: 400, problem: "malformed-signature", detail: "Signature"},
		{name: "UnknownComponent", send: auth("BERTH-HMAC-SHA256 " + sig + ", Region=eu"), status: 400, problem: "malformed-signature", detail: "Region"},
		{name: "NotNameValue", send: auth("BERTH-HMAC-SHA256 Credential"), status: 400, problem: "malformed-signature", detail: "name=value"},
		{name: "SignatureNotHex", send: auth("BERTH-HMAC-SHA256 " + strings.Replace(sig, strings.Repeat("ab", 32), strings.Repeat("zz", 32), 1)),
			status: 400, problem: "malformed-signature", detail: "Signature"},
		{name: "SignatureShort", send: auth("BERTH-HMAC-SHA256 " + strings.Replace(sig, strings.Repeat("ab", 32), "abcd", 1)),
			status: 400, problem: "malformed-signature", detail: "Signature"},
		{name: "CredentialWithoutDay", send: auth("BERTH-HMAC-SHA256 " + strings.Replace(sig, "/20261123", "", 1)),
			status: 400, problem: "malformed-signature", detail: "Credential"},
		{name: "HeaderTooLong", send: auth("BERTH-HMAC-SHA256 " + sig + "," + strings.Repeat("a", 5000)),
			status: 400, problem: "malformed-signature", detail: "longer than 4096 bytes"},
		{name: "NonceNotSigned", send: func(t *testing.T, e *clientEnv) answer {
			req := get(e)
			signAs(req, e.accessKey, e.secretKey, []string{"host", "x-berth-content-sha256", "x-berth-date"}, signing.EmptyBodyHash, time.Now())
			return e.send(t, req)
		}, status: 400, problem: "malformed-signature", detail: "x-berth-nonce"},
		{name: "HostNotSigned", send: func(t *testing.T, e *clientEnv) answer {
			req := get(e)
			signAs(req, e.accessKey, e.secretKey, []string{"x-berth-content-sha256", "x-berth-date", "x-berth-nonce"}, signing.EmptyBodyHash, time.Now())
			return e.send(t, req)
		}, status: 400, problem: "malformed-signature", detail: "host"},
		{name: "ExtraBerthHeaderNotSigned", send: func(t *testing.T, e *clientEnv) answer {
			req := get(e)
			signAs(req, e.accessKey, e.secretKey, signed, signing.EmptyBodyHash, time.Now())
			req.Header.Set("X-Berth-Role", "admin")
			return e.send(t, req)
		}, status: 400, problem: "malformed-signature", detail: "X-Berth-Role is not signed"},
		{name: "ContentTypeNotSigned", send: func(t *testing.T, e *clientEnv) answer {
			body := []byte(`{"name":"x"}`)
			req := e.request(http.MethodPatch, "/api/users/me", body)
			signAs(req, e.accessKey, e.secretKey, signed, signing.BodyHash(body), time.Now())
			return e.send(t, req)
		}, status: 400, problem: "malformed-signature", detail: "content-type"},
		{name: "DateNotISOBasic", send: func(t *testing.T, e *clientEnv) answer {
			req := e.sign(get(e), nil, time.Now())
			req.Header.Set(signing.HeaderDate, time.Now().UTC().Format(time.RFC3339))
			return e.send(t, req)
		}, status: 400, problem: "malformed-signature", detail: "X-Berth-Date"},
		{name: "DateHTTPFormat", send: func(t *testing.T, e *clientEnv) answer {
			req := e.sign(get(e), nil, time.Now())
			req.Header.Set(signing.HeaderDate, time.Now().UTC().Format(http.TimeFormat))
			return e.send(t, req)
		}, status: 400, problem: "malformed-signature", detail: "X-Berth-Date"},
		{name: "SkewPast5m1s", send: at(-5*time.Minute - time.Second), status: 401, problem: "request-expired", detail: "away from the server clock; the limit is 5m0s"},
		{name: "SkewFuture5m1s", send: at(5*time.Minute + time.Second), status: 401, problem: "request-expired", detail: "away from the server clock; the limit is 5m0s"},
		{name: "Expired1h", send: at(-time.Hour), status: 401, problem: "request-expired", detail: "the limit is 5m0s"},
		{name: "UnknownKey", send: func(t *testing.T, e *clientEnv) answer {
			req := get(e)
			signAs(req, "AKUNKNOWN0000000000", e.secretKey, signed, signing.EmptyBodyHash, time.Now())
			return e.send(t, req)
		}, status: 401, problem: "invalid-credentials", detail: "not accepted"},
		{name: "WrongSecret", send: func(t *testing.T, e *clientEnv) answer {
			req := get(e)
			signAs(req, e.accessKey, e.secretKey+"x", signed, signing.EmptyBodyHash, time.Now())
			return e.send(t, req)
		}, status: 401, problem: "invalid-credentials", detail: "not accepted"},
		{name: "SignatureOfAnotherPath", send: func(t *testing.T, e *clientEnv) answer {
			req := e.sign(e.request(http.MethodGet, "/api/keypairs", nil), nil, time.Now())
			req.URL.Path = "/api/users/me"
			return e.send(t, req)
		}, status: 401, problem: "invalid-credentials", detail: "not accepted"},
		{name: "AlteredBody", send: func(t *testing.T, e *clientEnv) answer {
			signedBody := []byte(`{"name":"Signed Name"}`)
			req := e.sign(e.request(http.MethodPatch, "/api/users/me", signedBody), signedBody, time.Now())
			altered := []byte(`{"name":"Altered Name"}`)
			req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(altered)), int64(len(altered))
			return e.send(t, req)
		}, status: 401, problem: "body-hash-mismatch", detail: "nothing was changed",
			check: func(t *testing.T, e *clientEnv, _ answer) {
				if name := e.me(t)["name"]; name == "Altered Name" || name == "Signed Name" {
					t.Fatalf("the refused request changed the name to %q", name)
				}
			}},
		{name: "ReplayedNonce", send: func(t *testing.T, e *clientEnv) answer {
			req := e.sign(get(e), nil, time.Now())
			if first := e.send(t, req.Clone(context.Background())); first.status != http.StatusOK {
				t.Fatalf("the original request: %s", first)
			}
			return e.send(t, req)
		}, status: 401, problem: "replayed-request", detail: "nonce"},
		{name: "ReplayedInvocation", send: func(t *testing.T, e *clientEnv) answer {
			body := []byte("once")
			req := e.request(http.MethodPost, "/api/functions/"+e.fn.ID+"/invoke", body)
			req.Header.Set("Content-Type", "text/plain")
			_ = signing.Sign(req, signing.Credentials{KeyID: e.fnKey.KeyID, Secret: e.fnKey.Secret}, signing.BodyHash(body), time.Now(), signing.NewNonce())
			again := req.Clone(context.Background())
			if first := e.send(t, req); first.status != http.StatusOK {
				t.Fatalf("the original invocation: %s", first)
			}
			again.Body = io.NopCloser(bytes.NewReader(body))
			return e.send(t, again)
		}, status: 401, problem: "replayed-request", detail: "nonce"},
		{name: "OtherFunctionsKey", send: func(t *testing.T, e *clientEnv) answer {
			body := []byte("wrong key")
			req := e.request(http.MethodPost, "/api/functions/"+e.fn.ID+"/invoke", body)
			_ = signing.Sign(req, signing.Credentials{KeyID: e.otherKey.KeyID, Secret: e.otherKey.Secret}, signing.BodyHash(body), time.Now(), signing.NewNonce())
			return e.send(t, req)
		}, status: 401, problem: "invalid-credentials", detail: "not accepted"},
		{name: "FunctionKeyOnTheAPI", send: func(t *testing.T, e *clientEnv) answer {
			req := get(e)
			_ = signing.Sign(req, signing.Credentials{KeyID: e.fnKey.KeyID, Secret: e.fnKey.Secret}, signing.EmptyBodyHash, time.Now(), signing.NewNonce())
			return e.send(t, req)
		}, status: 403, problem: "forbidden", detail: "can only invoke its function"},
		{name: "DeletedKeypair", send: func(t *testing.T, e *clientEnv) answer {
			admin := e.b.admin()
			kp, err := admin.CreateKeypair(ctxT(t), "short-lived")
			if err != nil {
				t.Fatal(err)
			}
			if err := admin.DeleteKeypair(ctxT(t), kp.AccessKey); err != nil {
				t.Fatal(err)
			}
			req := get(e)
			_ = signing.Sign(req, signing.Credentials{KeyID: kp.AccessKey, Secret: kp.SecretKey}, signing.EmptyBodyHash, time.Now(), signing.NewNonce())
			return e.send(t, req)
		}, status: 401, problem: "invalid-credentials", detail: "not accepted"},
	}
}

// tokenCases: bearer tokens that are revoked, misused or malformed.
func tokenCases() []hostileRequest {
	return []hostileRequest{
		{name: "RevokedAccessToken", send: func(t *testing.T, e *clientEnv) answer {
			tok, err := e.b.client().Login(ctxT(t), adminEmail, adminPassword)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.b.client(client.WithBearer(tok.AccessToken)).Logout(ctxT(t), false); err != nil {
				t.Fatal(err)
			}
			return e.send(t, withBearer(e.request(http.MethodGet, "/api/users/me", nil), tok.AccessToken))
		}, status: 401, problem: "unauthorized", detail: "revoked"},
		{name: "RefreshTokenAsAccessToken", send: func(t *testing.T, e *clientEnv) answer {
			return e.send(t, withBearer(e.request(http.MethodGet, "/api/users/me", nil), e.token.RefreshToken))
		}, status: 401, problem: "unauthorized", detail: "refresh token cannot authenticate"},
		{name: "ForgedAccessToken", send: func(t *testing.T, e *clientEnv) answer {
			return e.send(t, withBearer(e.request(http.MethodGet, "/api/users/me", nil), "bat_"+strings.Repeat("A", 43)))
		}, status: 401, problem: "unauthorized", detail: "invalid"},
		{name: "HugeBearer", send: func(t *testing.T, e *clientEnv) answer {
			return e.send(t, withBearer(e.request(http.MethodGet, "/api/users/me", nil), strings.Repeat("A", 8000)))
		}, status: 401, problem: "unauthorized", detail: "invalid"},
		{name: "EmptyBearer", send: func(t *testing.T, e *clientEnv) answer {
			return e.send(t, withBearer(e.request(http.MethodGet, "/api/users/me", nil), ""))
		}, status: 401, problem: "unauthorized", detail: "invalid"},
		{name: "WrongPassword", send: func(t *testing.T, e *clientEnv) answer {
			return e.send(t, e.request(http.MethodPost, "/api/auth/login", `{"email":"`+adminEmail+`","password":"not the password at all"}`))
		}, status: 401, problem: "unauthorized", detail: "email or password"},
	}
}

// bodyCases: request bodies that are malformed, too large, of the wrong
// type or carrying what no schema allows.
func bodyCases() []hostileRequest {
	login := func(body string) func(t *testing.T, e *clientEnv) answer {
		return func(t *testing.T, e *clientEnv) answer {
			return e.send(t, e.request(http.MethodPost, "/api/auth/login", body))
		}
	}
	register := func(body string) func(t *testing.T, e *clientEnv) answer {
		return func(t *testing.T, e *clientEnv) answer {
			return e.send(t, e.request(http.MethodPost, "/api/auth/register", body))
		}
	}
	signedInvoke := func(t *testing.T, e *clientEnv, body []byte, contentType string) answer {
		req := e.request(http.MethodPost, "/api/functions/"+e.fn.ID+"/invoke", body)
		req.Header.Set("Content-Type", contentType)
		_ = signing.Sign(req, signing.Credentials{KeyID: e.fnKey.KeyID, Secret: e.fnKey.Secret}, signing.BodyHash(body), time.Now(), signing.NewNonce())
		return e.send(t, req)
	}
	deploy := func(body []byte, contentType string) func(t *testing.T, e *clientEnv) answer {
		return func(t *testing.T, e *clientEnv) answer {
			req := e.request(http.MethodPost, "/api/functions/"+e.fn.ID+"/deploy", body)
			req.Header.Set("Content-Type", contentType)
			return e.send(t, e.sign(req, body, time.Now()))
		}
	}
	unchangedVersion := func(t *testing.T, e *clientEnv, _ answer) {
		f, err := e.b.admin().Function(ctxT(t), e.fn.ID)
		if err != nil || f.ActiveVersion == nil || *f.ActiveVersion != 1 {
			t.Fatalf("the refused deploy changed the active version: %v %v", f, err)
		}
	}
	return []hostileRequest{
		{name: "MalformedJSON", send: login(`{"email": "a@example.test", "password": `),
			status: 400, problem: "validation", detail: "unexpected end of JSON input"},
		{name: "NotAnObject", send: login(`["a@example.test", "password"]`), status: 422, problem: "validation", detail: "expected object"},
		{name: "UnknownField", send: login(`{"email":"a@example.test","password":"long enough password","admin":true}`),
			status: 422, problem: "validation", detail: "admin"},
		{name: "WrongFieldType", send: login(`{"email":5,"password":"long enough password"}`), status: 422, problem: "validation", detail: "email"},
		{name: "OversizedJSON", send: register(`{"email":"big@example.test","password":"` + strings.Repeat("p", 2<<20) + `","name":"x"}`),
			status: 413, problem: "body-too-large", detail: "too large"},
		{name: "WrongContentType", send: func(t *testing.T, e *clientEnv) answer {
			req := e.request(http.MethodPost, "/api/auth/login", `{"email":"a@example.test","password":"long enough password"}`)
			req.Header.Set("Content-Type", "text/plain")
			return e.send(t, req)
		}, status: 415, problem: "unsupported-media-type", detail: "application/json"},
		{name: "SQLLookingEmail", send: login(`{"email":"' OR '1'='1' --@example.test","password":"long enough password"}`),
			status: 401, problem: "unauthorized", detail: "email or password"},
		{name: "SQLLookingName", send: register(`{"email":"bobby@example.test","password":"correct horse battery staple","name":"Robert'); DROP TABLE users;--"}`),
			status: 201, check: func(t *testing.T, _ *clientEnv, a answer) {
				if a.json()["name"] != "Robert'); DROP TABLE users;--" {
					t.Fatalf("the name did not come back verbatim: %s", a)
				}
			}},
		{name: "UnicodeEmail", send: register(`{"email":"zoë@exämple.test","password":"correct horse battery staple","name":"Zoë"}`),
			status: 201, check: func(t *testing.T, e *clientEnv, _ answer) {
				if _, err := e.b.client().Login(ctxT(t), "zoë@exämple.test", "correct horse battery staple"); err != nil {
					t.Fatalf("the unicode account cannot sign in: %v", err)
				}
			}},
		{name: "DuplicateRegistration", send: register(`{"email":"` + strings.ToUpper(adminEmail) + `","password":"correct horse battery staple","name":"Again"}`),
			status: 409, problem: "conflict", detail: "already exists"},
		{name: "CommonPassword", send: register(`{"email":"weak@example.test","password":"qwerty123456","name":"Weak"}`),
			status: 422, problem: "validation", detail: "password"},
		{name: "InvokeBodyOverLimit", send: func(t *testing.T, e *clientEnv) answer {
			return signedInvoke(t, e, bytes.Repeat([]byte("x"), 100<<10), "text/plain")
		}, status: 413, problem: "body-too-large", detail: "request body"},
		{name: "SignedBodyOver1MiB", send: func(t *testing.T, e *clientEnv) answer {
			body := []byte(`{"name":"` + strings.Repeat("n", 2<<20) + `"}`)
			return e.send(t, e.sign(e.request(http.MethodPatch, "/api/users/me", body), body, time.Now()))
		}, status: 413, problem: "body-too-large", detail: "limit of 1024 KiB"},
		{name: "DeployWrongContentType", send: deploy(readWasmFile("echo.wasm"), "text/plain"),
			status: 415, problem: "unsupported-media-type", detail: "application/wasm", check: unchangedVersion},
		{name: "DeployNotWasm", send: deploy([]byte("not a WebAssembly module, just text\n"), "application/wasm"),
			status: 422, problem: "bad-artefact", detail: "active version is unchanged", check: unchangedVersion},
		{name: "DeployOverLimit", send: deploy(bytes.Repeat([]byte{0}, 2<<20), "application/wasm"),
			status: 413, problem: "body-too-large", detail: "artefact", check: unchangedVersion},
		{name: "UnknownRoute", send: func(t *testing.T, e *clientEnv) answer {
			return e.send(t, e.sign(e.request(http.MethodGet, "/api/nothing-here", nil), nil, time.Now()))
		}, status: 404, problem: "not-found", detail: "no API endpoint"},
		{name: "FunctionIDTraversal", send: func(t *testing.T, e *clientEnv) answer {
			return e.send(t, e.sign(e.request(http.MethodGet, "/api/functions/..%2F..%2Fetc%2Fpasswd", nil), nil, time.Now()))
		}, status: 404, problem: "not-found", detail: "no function ../../etc/passwd"},
		{name: "InvokeNotAUUID", send: func(t *testing.T, e *clientEnv) answer {
			return signedInvokePath(t, e, "/api/functions/not-a-uuid/invoke")
		}, status: 404, problem: "not-found", detail: "not-a-uuid"},
	}
}

// signedInvokePath posts to path signed with the admin's keypair.
func signedInvokePath(t *testing.T, e *clientEnv, path string) answer {
	body := []byte("x")
	req := e.request(http.MethodPost, path, body)
	return e.send(t, e.sign(req, body, time.Now()))
}

// readWasmFile reads a wasm test module outside a test (for tables).
func readWasmFile(name string) []byte {
	b, _ := os.ReadFile(wasmTestdata + "/" + name)
	return b
}

// rawAnswer sends a request as raw bytes (paths no client library would
// send) and reads the answer.
func (e *clientEnv) rawAnswer(t *testing.T, raw string) answer {
	t.Helper()
	c, err := net.DialTimeout("tcp", e.b.hostPort(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(clientTimeout))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the answer to %.80q: %v", raw, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return answer{resp.StatusCode, resp.Header, body}
}

// webCases: what browsers and scanners send to the webserver.
func webCases() []hostileRequest {
	traversal := func(target string) func(t *testing.T, e *clientEnv) answer {
		return func(t *testing.T, e *clientEnv) answer {
			return e.rawAnswer(t, "GET "+target+" HTTP/1.1\r\nHost: "+e.b.hostPort()+"\r\nConnection: close\r\n\r\n")
		}
	}
	noFile := func(t *testing.T, _ *clientEnv, a answer) {
		if bytes.Contains(a.body, []byte("root:")) || bytes.Contains(a.body, []byte("[core]")) {
			t.Fatalf("a file outside the site was served: %s", a)
		}
	}
	cookie := func(value string) func(t *testing.T, e *clientEnv) answer {
		return func(t *testing.T, e *clientEnv) answer {
			req := e.request(http.MethodGet, "/api/users/me", nil)
			req.Header.Set("Cookie", value)
			return e.send(t, req)
		}
	}
	sessionStillValid := func(t *testing.T, e *clientEnv, _ answer) {
		a := e.send(t, e.withSession(e.request(http.MethodGet, "/server/login-check", nil)))
		if a.status != http.StatusOK || a.json()["authenticated"] != true {
			t.Fatalf("the refused request ended the session: %s", a)
		}
	}
	cases := []hostileRequest{
		{name: "MetadataHost", send: func(t *testing.T, e *clientEnv) answer {
			return e.rawAnswer(t, "GET /latest/meta-data/ HTTP/1.1\r\nHost: 169.254.169.254\r\nConnection: close\r\n\r\n")
		}, status: 403, problem: "forbidden", detail: "metadata host"},
		{name: "MetadataHostMapped", send: func(t *testing.T, e *clientEnv) answer {
			return e.rawAnswer(t, "GET /latest/meta-data/ HTTP/1.1\r\nHost: [::ffff:a9fe:a9fe]\r\nConnection: close\r\n\r\n")
		}, status: 403, problem: "forbidden", detail: "metadata host"},
		{name: "MetadataHostHex", send: func(t *testing.T, e *clientEnv) answer {
			return e.rawAnswer(t, "GET /latest/meta-data/ HTTP/1.1\r\nHost: 0xa9fea9fe\r\nConnection: close\r\n\r\n")
		}, status: 403, problem: "forbidden", detail: "metadata host"},
		// A page whose DNS name was rebound to this machine sends its own
		// name as Host: it reaches nothing.
		{name: "DNSRebinding", send: func(t *testing.T, e *clientEnv) answer {
			return e.rawAnswer(t, "GET /api/users/me HTTP/1.1\r\nHost: rebind.attacker.example:"+e.b.port()+
				"\r\nCookie: "+e.session.String()+"\r\nConnection: close\r\n\r\n")
		}, status: 421, problem: "unknown-host", detail: "does not serve the host rebind.attacker.example"},
		// A function's answer cannot act on the dashboard's origin.
		{name: "FunctionOriginWideHeaders", send: func(t *testing.T, e *clientEnv) answer {
			own := "/fn/" + e.raw.ID
			body := "Content-Type: text/plain\nClear-Site-Data: \"*\"\nStrict-Transport-Security: max-age=63072000\n" +
				"X-Berth-Execution-Id: forged\nContent-Security-Policy: default-src *\nSet-Cookie: berth_session=stolen; Path=/\n" +
				"Set-Cookie: mine=1; Path=" + own + "/\n\nhi"
			req, _ := http.NewRequest(http.MethodPost, e.b.url+own+"/", strings.NewReader(body))
			return e.send(t, req)
		}, status: 200, check: func(t *testing.T, e *clientEnv, a answer) {
			for _, h := range []string{"Clear-Site-Data", "Strict-Transport-Security"} {
				if a.header.Get(h) != "" {
					t.Errorf("%s passed from a function", h)
				}
			}
			if a.header.Get("X-Berth-Execution-Id") == "forged" || !strings.HasPrefix(a.header.Get("Content-Security-Policy"), "sandbox") {
				t.Errorf("the function's headers won over the platform's: %v", a.header)
			}
			cookies := (&http.Response{Header: a.header}).Cookies()
			if len(cookies) != 1 || cookies[0].Name != "mine" {
				t.Errorf("cookies from the function: %v, want only its own path's", cookies)
			}
		}},
		{name: "ForgedCookie", send: cookie("berth_session=" + strings.Repeat("A", 43)), status: 401, problem: "unauthorized", detail: "authentication required"},
		{name: "TruncatedCookie", send: func(t *testing.T, e *clientEnv) answer {
			return cookie("berth_session="+e.session.Value[:len(e.session.Value)-1])(t, e)
		}, status: 401, problem: "unauthorized", detail: "authentication required"},
		{name: "MalformedCookieHeader", send: func(t *testing.T, e *clientEnv) answer {
			return e.rawAnswer(t, "GET /api/users/me HTTP/1.1\r\nHost: "+e.b.hostPort()+
				"\r\nCookie: berth_session; =; ;;berth_session==x=; berth_session=\"unterminated\r\nConnection: close\r\n\r\n")
		},
			status: 401, problem: "unauthorized", detail: "authentication required"},
		{name: "HugeCookie", send: cookie("berth_session=" + strings.Repeat("B", 32<<10)), status: 401, problem: "unauthorized", detail: "authentication required"},
		{name: "ForgedCookieLoginCheck", send: func(t *testing.T, e *clientEnv) answer {
			req := e.request(http.MethodGet, "/server/login-check", nil)
			req.Header.Set("Cookie", "berth_session=forged")
			return e.send(t, req)
		}, status: 200, check: func(t *testing.T, _ *clientEnv, a answer) {
			if a.json()["authenticated"] != false {
				t.Fatalf("a forged cookie is signed in: %s", a)
			}
		}},
		{name: "PlantedSessionCookie", send: func(t *testing.T, e *clientEnv) answer {
			req := e.request(http.MethodPost, "/server/login", `{"email":"`+adminEmail+`","password":"`+adminPassword+`"}`)
			req.Header.Set("Cookie", "berth_session=planted-by-an-attacker-0000000000000000")
			return e.send(t, req)
		}, status: 200, check: func(t *testing.T, e *clientEnv, a answer) {
			for _, c := range (&http.Response{Header: a.header}).Cookies() {
				if c.Name == "berth_session" && c.Value != "" && !strings.HasPrefix(c.Value, "planted") {
					req := e.request(http.MethodGet, "/server/login-check", nil)
					req.Header.Set("Cookie", "berth_session=planted-by-an-attacker-0000000000000000")
					if p := e.send(t, req); p.json()["authenticated"] != false {
						t.Fatalf("the planted session id is signed in: %s", p)
					}
					return
				}
			}
			t.Fatalf("sign-in did not issue a new session id: %v", a.header.Values("Set-Cookie"))
		}},
		{name: "IdentityHeadersWithoutSession", send: func(t *testing.T, e *clientEnv) answer {
			req := e.request(http.MethodGet, "/api/users/me", nil)
			req.Header.Set("X-Berth-User", adminEmail)
			req.Header.Set("X-Berth-User-Id", "1")
			req.Header["X_Berth_Groups"] = []string{"admins"}
			return e.send(t, req)
		}, status: 401, problem: "unauthorized", detail: "authentication required"},
		{name: "IdentityHeadersAtValidate", send: func(t *testing.T, e *clientEnv) answer {
			req := e.request(http.MethodGet, "/session/validate", nil)
			req.Header.Set("X-Berth-User", adminEmail)
			req.Header.Set("X-Session-Token", "forged")
			return e.send(t, req)
		}, status: 401, check: func(t *testing.T, _ *clientEnv, a answer) {
			if a.json()["valid"] != false || a.header.Get("X-Berth-User") != "" {
				t.Fatalf("validate believed smuggled headers: %s %v", a, a.header)
			}
		}},
		{name: "SmuggledSigningHeadersWithSession", send: func(t *testing.T, e *clientEnv) answer {
			req := e.withSession(e.request(http.MethodGet, "/api/users/me", nil))
			req.Header.Set("X-Berth-Date", "19700101T000000Z")
			req.Header.Set("X-Berth-Nonce", "00")
			req.Header["X_Berth_Token"] = []string{"forged"}
			return e.send(t, req)
		}, status: 200, check: func(t *testing.T, _ *clientEnv, a answer) {
			if a.json()["email"] != adminEmail {
				t.Fatalf("session request: %s", a)
			}
		}},
		{name: "ConnectionHeaderStrip", send: func(t *testing.T, e *clientEnv) answer {
			req := e.withSession(e.request(http.MethodPost, "/api/graphql", `{"query":"{ me { email } }"}`))
			req.Header.Set("Connection", "X-Berth-Token, Authorization, X-Berth-Date, X-Berth-Nonce, X-Berth-Content-SHA256")
			return e.send(t, req)
		}, status: 200, check: func(t *testing.T, _ *clientEnv, a answer) {
			if !bytes.Contains(a.body, []byte(adminEmail)) {
				t.Fatalf("GraphQL through the session: %s", a)
			}
		}},
		{name: "CrossSiteFormPost", send: func(t *testing.T, e *clientEnv) answer {
			req := e.withSession(e.request(http.MethodPost, "/server/logout", nil))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "https://evil.example")
			return e.send(t, req)
		}, status: 403, problem: "cross-origin", detail: "cross-site", check: sessionStillValid},
		{name: "CrossSiteFetch", send: func(t *testing.T, e *clientEnv) answer {
			req := e.withSession(e.request(http.MethodPost, "/api/functions/init", `{"name":"csrf-made"}`))
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			return e.send(t, req)
		}, status: 403, problem: "cross-origin", detail: "cross-site", check: func(t *testing.T, e *clientEnv, _ answer) {
			if l, err := e.b.admin().Functions(ctxT(t), client.ListOptions{Name: "csrf-made"}); err != nil || l.Total != 0 {
				t.Fatalf("the cross-site request made a function: %+v %v", l, err)
			}
		}},
		{name: "ForeignPreflight", send: func(t *testing.T, e *clientEnv) answer {
			req := e.request(http.MethodOptions, "/api/users/me", nil)
			req.Header.Set("Origin", "https://evil.example")
			req.Header.Set("Access-Control-Request-Method", "DELETE")
			return e.send(t, req)
		}, status: 403, check: func(t *testing.T, _ *clientEnv, a answer) {
			if a.header.Get("Access-Control-Allow-Origin") != "" || a.header.Get("Access-Control-Allow-Credentials") != "" {
				t.Fatalf("CORS headers for a foreign origin: %v", a.header)
			}
		}},
		{name: "ForeignWebSocket", send: func(t *testing.T, e *clientEnv) answer {
			req := e.withSession(e.request(http.MethodGet, "/api/functions/"+e.fn.ID+"/logs", nil))
			req.Header.Set("Connection", "Upgrade")
			req.Header.Set("Upgrade", "websocket")
			req.Header.Set("Sec-WebSocket-Version", "13")
			req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
			req.Header.Set("Origin", "https://evil.example")
			return e.send(t, req)
		}, status: 403, problem: "cross-origin", detail: "own origin"},
		// Refused by net/http before berth sees the request: plain text.
		{name: "ControlCharacterInHeader", send: func(t *testing.T, e *clientEnv) answer {
			return e.rawAnswer(t, "GET /api/users/me HTTP/1.1\r\nHost: "+e.b.hostPort()+"\r\nCookie: berth_session=\x01\x7f\r\nConnection: close\r\n\r\n")
		}, status: 400},
		{name: "HeaderOf1MiB", send: func(t *testing.T, e *clientEnv) answer {
			return e.rawAnswer(t, "GET /health HTTP/1.1\r\nHost: "+e.b.hostPort()+"\r\nX-Big: "+strings.Repeat("x", 1<<20)+"\r\nConnection: close\r\n\r\n")
		}, status: 431},
		{name: "LoginFormNotJSON", send: func(t *testing.T, e *clientEnv) answer {
			return e.send(t, e.request(http.MethodPost, "/server/login", `{"email": `))
		}, status: 400, problem: "validation", detail: "JSON"},
	}
	for _, p := range []struct{ name, target string }{
		{"DotDot", "/../../../../etc/passwd"},
		{"EncodedDotDot", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd"},
		{"EncodedSlashes", "/assets/..%2f..%2f..%2fetc%2fpasswd"},
		{"Backslashes", `/assets/..\..\..\etc\passwd`},
		{"EncodedBackslashes", "/assets/..%5c..%5c..%5cetc%5cpasswd"},
		{"DoubleEncoded", "/assets/%252e%252e/%252e%252e/etc/passwd"},
		{"GitConfig", "/.git/config"},
		{"DotEnv", "/.env"},
		{"Backup", "/index.html.bak"},
	} {
		status, detail := 403, ""
		if p.name == "DoubleEncoded" {
			status = 200 // a harmless literal name: the SPA's index.html, never a file outside
		}
		cases = append(cases, hostileRequest{name: "StaticTraversal/" + p.name, send: traversal(p.target),
			status: status, problem: map[bool]string{true: "forbidden"}[status == 403], detail: detail, check: noFile})
	}
	return cases
}

// openRedirects signs in through the login form once per variant of the
// webserver's open-redirect corpus (internal/webserver/testdata): each
// must land on this site.
func openRedirects(t *testing.T, e *clientEnv) {
	data, err := os.ReadFile("../internal/webserver/testdata/open-redirects.txt")
	if err != nil {
		t.Fatal(err)
	}
	unescape := strings.NewReplacer(`\t`, "\t", `\n`, "\n", `\r`, "\r", `\0`, "\x00", `\u3000`, "\u3000")
	base, _ := url.Parse(e.b.url + "/login")
	n := 0
	for line := range strings.SplitSeq(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		next := unescape.Replace(line)
		n++
		form := url.Values{"email": {adminEmail}, "password": {adminPassword}, "next": {next}}
		req := e.request(http.MethodPost, "/server/login", form.Encode())
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		a := e.send(t, req)
		loc := a.header.Get("Location")
		target, err := base.Parse(loc)
		if a.status != http.StatusSeeOther || err != nil || target.Host != base.Host || target.Scheme != base.Scheme ||
			strings.HasPrefix(loc, "//") || strings.ContainsAny(loc, "\\\t\n\r\x00") {
			t.Errorf("next=%q: %d to %q (%v): leaves the site", next, a.status, loc, err)
		}
	}
	if n < 50 {
		t.Fatalf("the corpus holds %d variants; it needs at least 50", n)
	}
	t.Logf("%d open-redirect variants all stayed on the site", n)
	e.healthy(t)
}

// slowHeaders sends a request's headers one byte every half second,
// slower than any browser: the server must hang up once its header
// timeout (10 s) has passed — before the headers are complete — and serve
// others meanwhile.
func slowHeaders(b *berthProc) (time.Duration, error) {
	c, err := net.DialTimeout("tcp", b.hostPort(), 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	start := time.Now()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, _ = io.Copy(io.Discard, c)
	}()
	head := "GET /health HTTP/1.1\r\nHost: " + b.hostPort() + "\r\nX-Slow: " + strings.Repeat("s", 100)
	for i := 0; i < len(head); i++ {
		select {
		case <-closed:
			return time.Since(start), nil
		case <-time.After(500 * time.Millisecond):
		}
		if _, err := c.Write([]byte{head[i]}); err != nil {
			return time.Since(start), nil // hung up
		}
		if i == 4 && b.health() != http.StatusOK {
			return 0, errors.New("/health does not answer while a slow client holds a connection")
		}
	}
	return 0, fmt.Errorf("the server was still reading the slow client's headers after %s", time.Since(start).Round(time.Second))
}

// noManager starts `berth webserver` in front of a manager address where
// nothing listens: API calls must get a clean 503, and the webserver
// itself keeps answering.
func noManager(t *testing.T) {
	dead := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	root := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + root, "BERTH_LOG_FORMAT=json"}
	_, url, _ := launch(t, "webserver", []string{"--data-dir", root + "/data", "--manager-url", dead}, env, root+"/berth.log")
	hc := &http.Client{Timeout: clientTimeout}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := hc.Get(url + "/api/users/me")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			p, err := decodeProblem(resp, body)
			if err != nil {
				t.Fatal(err)
			}
			if p.Type != "urn:berth:problem:unavailable" || resp.Header.Get("Retry-After") == "" {
				t.Fatalf("every manager down: %s %s, Retry-After %q", p.Type, p.Detail, resp.Header.Get("Retry-After"))
			}
			break
		}
		if resp.StatusCode != http.StatusBadGateway || time.Now().After(deadline) {
			t.Fatalf("every manager down: %d %s", resp.StatusCode, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	resp, err := hc.Get(url + "/server/login-check")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the webserver itself with every manager down: %d", resp.StatusCode)
	}
}
