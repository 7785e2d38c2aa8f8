package manager_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/signing"
	"github.com/berth-platform/berth/internal/store/sqlstore"
	"github.com/berth-platform/berth/internal/storecache"
)

// backends runs fn against the embedded defaults and against PostgreSQL
// with Redis, the production pair.
func backends(t *testing.T, fn func(t *testing.T, opts ...serverOption)) {
	t.Run("SQLiteMemory", func(t *testing.T) { fn(t, withRegistration) })
	t.Run("PostgresRedis", func(t *testing.T) { fn(t, withRegistration, withPostgres(t), withRedis()) })
}

// signedRequest builds a request signed with the keypair at time now.
func signedRequest(t *testing.T, method, url, body, ak, sk string, now time.Time) *http.Request {
	t.Helper()
	var r *http.Request
	if body == "" {
		r, _ = http.NewRequest(method, url, nil)
	} else {
		r, _ = http.NewRequest(method, url, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	if err := signing.Sign(r, signing.Credentials{KeyID: ak, Secret: sk}, signing.BodyHash([]byte(body)), now, signing.NewNonce()); err != nil {
		t.Fatal(err)
	}
	return r
}

// resend copies a signed request with a (possibly different) body, keeping
// every header — the shape of a replay or a tampered body.
func resend(r *http.Request, body string) *http.Request {
	c, _ := http.NewRequest(r.Method, r.URL.String(), strings.NewReader(body))
	c.Header = r.Header.Clone()
	return c
}

func TestSignedRequests(t *testing.T) {
	backends(t, func(t *testing.T, opts ...serverOption) {
		ts := startServer(t, opts...)
		ctx := t.Context()
		_, _, c := ts.newUser()
		kp, err := c.CreateKeypair(ctx, "laptop")
		if err != nil {
			t.Fatal(err)
		}
		signer := ts.signer(kp.AccessKey, kp.SecretKey)
		if _, err := signer.Me(ctx); err != nil {
			t.Fatalf("signed GET /api/users/me: %v", err)
		}
		count := func() int {
			ks, err := signer.Keypairs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return len(ks)
		}

		t.Run("AlteredBodyNoSideEffect", func(t *testing.T) {
			before := count()
			r := signedRequest(t, "POST", ts.url+"/api/keypairs", `{"name":"a"}`, kp.AccessKey, kp.SecretKey, time.Now())
			status, h, body := ts.raw(resend(r, `{"name":"b"}`))
			p := problemOf(t, status, h, body)
			if status != 401 || p["type"] != "urn:berth:problem:body-hash-mismatch" {
				t.Fatalf("%d %s", status, body)
			}
			if count() != before {
				t.Fatal("the altered request created a keypair")
			}
			// The refusal spent no nonce: the genuine request still passes once.
			if status, _, body := ts.raw(resend(r, `{"name":"a"}`)); status != 201 {
				t.Fatalf("genuine request after a tampered copy: %d %s", status, body)
			}
			if count() != before+1 {
				t.Fatal("the genuine request did not create the keypair")
			}
		})

		t.Run("ReplayedNonce", func(t *testing.T) {
			before := count()
			r := signedRequest(t, "POST", ts.url+"/api/keypairs", `{"name":"once"}`, kp.AccessKey, kp.SecretKey, time.Now())
			if status, _, body := ts.raw(resend(r, `{"name":"once"}`)); status != 201 {
				t.Fatalf("first: %d %s", status, body)
			}
			status, h, body := ts.raw(resend(r, `{"name":"once"}`))
			if p := problemOf(t, status, h, body); status != 401 || p["type"] != "urn:berth:problem:replayed-request" {
				t.Fatalf("replay: %d %s", status, body)
			}
			if count() != before+1 {
				t.Fatal("the replay had an effect")
			}
		})

		t.Run("Skew", func(t *testing.T) {
			for _, tt := range []struct {
				name   string
				skew   time.Duration
				status int
			}{
				{"Plus5m", 5*time.Minute - time.Second, 200},
				{"Minus5m", -5*time.Minute + time.Second, 200},
				{"Plus5m1s", 5*time.Minute + time.Second + 500*time.Millisecond, 401},
				{"Minus5m1s", -5*time.Minute - time.Second - 500*time.Millisecond, 401},
			} {
				t.Run(tt.name, func(t *testing.T) {
					r := signedRequest(t, "GET", ts.url+"/api/users/me", "", kp.AccessKey, kp.SecretKey, ts.clock.Now().Add(tt.skew))
					status, h, body := ts.raw(r)
					if status != tt.status {
						t.Fatalf("%d %s", status, body)
					}
					if status == 401 {
						if p := problemOf(t, status, h, body); p["type"] != "urn:berth:problem:request-expired" {
							t.Fatalf("%s", body)
						}
					}
				})
			}
		})

		t.Run("Malformed", func(t *testing.T) {
			good := signedRequest(t, "GET", ts.url+"/api/users/me", "", kp.AccessKey, kp.SecretKey, time.Now())
			auth := good.Header.Get("Authorization")
			tests := map[string]func(r *http.Request){
				"NoCredential": func(r *http.Request) {
					r.Header.Set("Authorization", "BERTH-HMAC-SHA256 SignedHeaders=host, Signature="+strings.Repeat("0", 64))
				},
				"OnlyScheme": func(r *http.Request) { r.Header.Set("Authorization", "BERTH-HMAC-SHA256") },
				"SHA512":     func(r *http.Request) { r.Header.Set("Authorization", strings.Replace(auth, "SHA256", "SHA512", 1)) },
				"LowerCaseScheme": func(r *http.Request) {
					r.Header.Set("Authorization", strings.Replace(auth, "BERTH-HMAC-SHA256", "berth-hmac-sha256", 1))
				},
				"AWS4": func(r *http.Request) {
					r.Header.Set("Authorization", strings.Replace(auth, "BERTH-HMAC-SHA256", "AWS4-HMAC-SHA256", 1))
				},
				"Basic":          func(r *http.Request) { r.Header.Set("Authorization", "Basic YTpi") },
				"DuplicateSig":   func(r *http.Request) { r.Header.Set("Authorization", auth+", Signature="+strings.Repeat("0", 64)) },
				"ShortSignature": func(r *http.Request) { r.Header.Set("Authorization", auth[:len(auth)-1]) },
				"DateISO":        func(r *http.Request) { r.Header.Set("X-Berth-Date", time.Now().UTC().Format(time.RFC3339)) },
				"DateRFC1123":    func(r *http.Request) { r.Header.Set("X-Berth-Date", time.Now().UTC().Format(http.TimeFormat)) },
				"DateMissing":    func(r *http.Request) { r.Header.Del("X-Berth-Date") },
				"DateNotUTC": func(r *http.Request) {
					r.Header.Set("X-Berth-Date", time.Now().UTC().Format("20060102T150405")+"+0100")
				},
				"NonceShort":        func(r *http.Request) { r.Header.Set("X-Berth-Nonce", "abc") },
				"NonceMissing":      func(r *http.Request) { r.Header.Del("X-Berth-Nonce") },
				"BodyHashMissing":   func(r *http.Request) { r.Header.Del("X-Berth-Content-SHA256") },
				"UnsignedIdentity":  func(r *http.Request) { r.Header.Set("X-Berth-User", "admin@example.test") },
				"UnderscoreHeader":  func(r *http.Request) { r.Header["X_berth_user"] = []string{"admin"} },
				"MissingSignedHost": func(r *http.Request) { r.Header.Set("Authorization", strings.Replace(auth, "host;", "", 1)) },
				"MissingSignedNonce": func(r *http.Request) {
					r.Header.Set("Authorization", strings.Replace(auth, ";x-berth-nonce", "", 1))
				},
				"MissingSignedDate": func(r *http.Request) {
					r.Header.Set("Authorization", strings.Replace(auth, ";x-berth-date", "", 1))
				},
				"MissingSignedBodyHash": func(r *http.Request) {
					r.Header.Set("Authorization", strings.Replace(auth, ";x-berth-content-sha256", "", 1))
				},
				"UnsignedContentType": func(r *http.Request) { r.Header.Set("Content-Type", "application/json") },
			}
			for name, mutate := range tests {
				t.Run(name, func(t *testing.T) {
					r := resend(good, "")
					mutate(r)
					status, h, body := ts.raw(r)
					problemOf(t, status, h, body)
					if status != 400 {
						t.Fatalf("%d %s", status, body)
					}
				})
			}
		})

		t.Run("WrongSecretSameAnswerAsUnknownKey", func(t *testing.T) {
			r1 := signedRequest(t, "GET", ts.url+"/api/users/me", "", kp.AccessKey, "not-the-secret", time.Now())
			r2 := signedRequest(t, "GET", ts.url+"/api/users/me", "", "BKUNKNOWN000000000", kp.SecretKey, time.Now())
			s1, _, b1 := ts.raw(r1)
			s2, _, b2 := ts.raw(r2)
			if s1 != 401 || s2 != 401 || !bytes.Equal(b1, b2) {
				t.Fatalf("answers differ:\n%d %s\n%d %s", s1, b1, s2, b2)
			}
		})

		t.Run("OversizedBody", func(t *testing.T) {
			big := `{"name":"` + strings.Repeat("a", 1<<20) + `"}`
			r := signedRequest(t, "POST", ts.url+"/api/keypairs", big, kp.AccessKey, kp.SecretKey, time.Now())
			status, h, body := ts.raw(r)
			problemOf(t, status, h, body)
			if status != 413 {
				t.Fatalf("%d", status)
			}
		})

		t.Run("DeletedKeypairStopsAtOnce", func(t *testing.T) {
			k2, err := c.CreateKeypair(ctx, "temp")
			if err != nil {
				t.Fatal(err)
			}
			s2 := ts.signer(k2.AccessKey, k2.SecretKey)
			if _, err := s2.Me(ctx); err != nil {
				t.Fatal(err)
			}
			if err := c.DeleteKeypair(ctx, k2.AccessKey); err != nil {
				t.Fatal(err)
			}
			_, err = s2.Me(ctx)
			wantStatus(t, err, 401, "invalid-credentials")
			wantStatus(t, c.DeleteKeypair(ctx, k2.AccessKey), 404, "not-found")
		})

		t.Run("ListingNeverShowsSecret", func(t *testing.T) {
			req, _ := http.NewRequest("GET", ts.url+"/api/keypairs", nil)
			resp, err := signer.HTTPClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(resp.Body)
			if resp.StatusCode != 200 || strings.Contains(buf.String(), kp.SecretKey) || strings.Contains(buf.String(), "secret") {
				t.Fatalf("%d %s", resp.StatusCode, buf.String())
			}
		})

		t.Run("SecretEncryptedAtRest", func(t *testing.T) {
			db := ts.Store().(*storecache.Store).Unwrap().(*sqlstore.Store).DB()
			var sealed []byte
			q := "SELECT secret_sealed FROM keypairs WHERE access_key = ?"
			if ts.postgres {
				q = "SELECT secret_sealed FROM keypairs WHERE access_key = $1"
			}
			if err := db.QueryRowContext(ctx, q, kp.AccessKey).Scan(&sealed); err != nil {
				t.Fatal(err)
			}
			if len(sealed) == 0 || bytes.Contains(sealed, []byte(kp.SecretKey)) {
				t.Fatalf("stored secret is empty or in plain text")
			}
		})

		t.Run("OtherUsersKeypair", func(t *testing.T) {
			_, _, other := ts.newUser()
			wantStatus(t, other.DeleteKeypair(ctx, kp.AccessKey), 404, "not-found")
			if _, err := signer.Me(ctx); err != nil {
				t.Fatalf("keypair harmed by another user's delete: %v", err)
			}
		})

	})
}

func TestAuthorizeSessionKeypair(t *testing.T) {
	ts := startServer(t)
	ctx := t.Context()
	kp, err := ts.anon().Authorize(ctx, ts.admin, ts.adminPW)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(kp.AccessKey, "BK") || kp.SecretKey == "" || kp.Role != "admin" || kp.Status != "active" {
		t.Fatalf("%+v", kp)
	}
	if d := time.Until(kp.ExpiresAt); d < 11*time.Hour || d > 13*time.Hour {
		t.Fatalf("expires in %v, want the 12 h session TTL", d)
	}
	s, err := client.New(ts.url, client.WithKeypair(kp.AccessKey, kp.SecretKey), client.WithClock(ts.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Me(ctx); err != nil {
		t.Fatal(err)
	}
	// Session keypairs are not listed with the CLI ones.
	if ks, err := s.Keypairs(ctx); err != nil || len(ks) != 0 {
		t.Fatalf("keypairs %+v %v", ks, err)
	}
	ts.clock.Advance(12*time.Hour + time.Minute)
	_, err = s.Me(ctx)
	wantStatus(t, err, 401, "invalid-credentials")

	t.Run("LogoutRevokesKeypair", func(t *testing.T) {
		kp, err := ts.anon().Authorize(ctx, ts.admin, ts.adminPW)
		if err != nil {
			t.Fatal(err)
		}
		s := ts.signer(kp.AccessKey, kp.SecretKey)
		if err := s.Logout(ctx, false); err != nil {
			t.Fatal(err)
		}
		_, err = s.Me(ctx)
		wantStatus(t, err, 401, "invalid-credentials")
	})
}
