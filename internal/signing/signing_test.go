package signing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

type vector struct {
	Method           string            `json:"method"`
	URL              string            `json:"url"`
	Headers          map[string]string `json:"headers"`
	Body             string            `json:"body"`
	KeyID            string            `json:"key_id"`
	Secret           string            `json:"secret"`
	Date             string            `json:"date"`
	Nonce            string            `json:"nonce"`
	CanonicalRequest string            `json:"canonical_request"`
	StringToSign     string            `json:"string_to_sign"`
	ExpectedHeaders  map[string]string `json:"expected_headers"`
}

func loadVectors(t testing.TB) []vector {
	t.Helper()
	raw, err := os.ReadFile("testdata/signing-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		t.Fatal("no vectors")
	}
	return vs
}

func (v vector) request(t testing.TB) *http.Request {
	t.Helper()
	r, err := http.NewRequest(v.Method, v.URL, strings.NewReader(v.Body))
	if err != nil {
		t.Fatal(err)
	}
	for k, val := range v.Headers {
		r.Header.Set(k, val)
	}
	return r
}

// TestVectors reproduces every worked example byte for byte: the canonical
// request, the string to sign and the headers a client sends.
func TestVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Method+" "+v.URL, func(t *testing.T) {
			r := v.request(t)
			date, err := time.Parse(DateFormat, v.Date)
			if err != nil {
				t.Fatal(err)
			}
			if err := Sign(r, Credentials{v.KeyID, v.Secret}, BodyHash([]byte(v.Body)), date, v.Nonce); err != nil {
				t.Fatal(err)
			}
			canonical, err := CanonicalRequest(r, SignedHeaderNames(r), r.Header.Get(HeaderContentSHA256))
			if err != nil {
				t.Fatal(err)
			}
			if canonical != v.CanonicalRequest {
				t.Errorf("canonical request:\n got %q\nwant %q", canonical, v.CanonicalRequest)
			}
			if got := StringToSign(v.Date, []byte(canonical)); got != v.StringToSign {
				t.Errorf("string to sign:\n got %q\nwant %q", got, v.StringToSign)
			}
			for k, want := range v.ExpectedHeaders {
				if got := r.Header.Get(k); got != want {
					t.Errorf("%s:\n got %q\nwant %q", k, got, want)
				}
			}
		})
	}
}

// TestVectorsVerify checks that the server side accepts each vector as a
// server receives it (after a real HTTP round trip's parsing).
func TestVectorsVerify(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Method+" "+v.URL, func(t *testing.T) {
			date, _ := time.Parse(DateFormat, v.Date)
			r := serverRequest(t, v)
			ver := &Verifier[string]{
				Keys:   staticKeys{v.KeyID: v.Secret},
				Nonces: newMemNonces(),
				Now:    func() time.Time { return date },
			}
			s, err := ver.Check(t.Context(), r)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if err := ver.Complete(t.Context(), s, []byte(v.Body)); err != nil {
				t.Fatalf("Complete: %v", err)
			}
		})
	}
}

// serverRequest builds the request as net/http's server would see it.
func serverRequest(t testing.TB, v vector) *http.Request {
	t.Helper()
	r := httptest.NewRequest(v.Method, v.URL, strings.NewReader(v.Body))
	for k, val := range v.Headers {
		r.Header.Set(k, val)
	}
	for k, val := range v.ExpectedHeaders {
		r.Header.Set(k, val)
	}
	return r
}

type staticKeys map[string]string

func (s staticKeys) LookupKey(_ context.Context, id string) (Key[string], error) {
	sec, ok := s[id]
	if !ok {
		return Key[string]{}, ErrUnknownKey
	}
	return Key[string]{Secret: sec, Owner: id}, nil
}

func TestCanonicalPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"/a b", "/a%20b"},
		{"/caf%c3%a9", "/caf%C3%A9"},
		{"/a%2Fb", "/a/b"},
		{"/~user/x.y_z-1", "/~user/x.y_z-1"},
		{"/%41", "/A"},
		{"/a+b", "/a%2Bb"},
	}
	for _, tt := range tests {
		got, err := CanonicalPath(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("CanonicalPath(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := CanonicalPath("/%zz"); err == nil {
		t.Error("CanonicalPath accepted invalid escape")
	}
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"b=2&a=1", "a=1&b=2"},
		{"a=2&a=1", "a=1&a=2"},
		{"flag", "flag="},
		{"q=a+b", "q=a%20b"},
		{"x=%2f", "x=%2F"},
		{"x=/", "x=%2F"},
		{"a&&b=1", "a=&b=1"},
		{"k%20=v", "k%20=v"},
	}
	for _, tt := range tests {
		got, err := CanonicalQuery(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("CanonicalQuery(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := CanonicalQuery("a=%g1"); err == nil {
		t.Error("CanonicalQuery accepted invalid escape")
	}
}

func TestHeaderValue(t *testing.T) {
	got := string(appendHeaderValue(nil, []string{"  spaced \t  value ", "b"}))
	if want := "spaced value,b"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
}

func TestParseAuthorization(t *testing.T) {
	const good = "BERTH-HMAC-SHA256 Credential=BK1/20261123, SignedHeaders=host;x-berth-content-sha256;x-berth-date;x-berth-nonce, Signature=8bf2e7aa8ea8ac8c1612fed34bc3c47e0fcc8eeddd6bb81b598cb60db75ee9b0"
	a, err := ParseAuthorization(good)
	if err != nil {
		t.Fatal(err)
	}
	if a.KeyID != "BK1" || a.Day != "20261123" || len(a.SignedHeaders) != 4 {
		t.Fatalf("parsed %+v", a)
	}
	bad := map[string]string{
		"Empty":                 "",
		"OnlyAlgorithm":         "BERTH-HMAC-SHA256",
		"OtherAlgorithm":        strings.Replace(good, "SHA256", "SHA512", 1),
		"LowerAlgorithm":        strings.Replace(good, "BERTH-HMAC-SHA256", "berth-hmac-sha256", 1),
		"Bearer":                "Bearer abc",
		"AWS":                   strings.Replace(good, "BERTH-HMAC-SHA256", "AWS4-HMAC-SHA256", 1),
		"NoCredential":          "BERTH-HMAC-SHA256 SignedHeaders=host, Signature=" + strings.Repeat("a", 64),
		"NoSignedHeaders":       "BERTH-HMAC-SHA256 Credential=BK1/20261123, Signature=" + strings.Repeat("a", 64),
		"NoSignature":           "BERTH-HMAC-SHA256 Credential=BK1/20261123, SignedHeaders=host",
		"DuplicateCredential":   good + ", Credential=BK1/20261123",
		"UnknownComponent":      good + ", Region=x",
		"NoEquals":              good + ", junk",
		"CredentialNoDay":       strings.Replace(good, "BK1/20261123", "BK1", 1),
		"CredentialBadDay":      strings.Replace(good, "BK1/20261123", "BK1/20261332", 1),
		"CredentialShortDay":    strings.Replace(good, "BK1/20261123", "BK1/2026112", 1),
		"CredentialEmptyKey":    strings.Replace(good, "BK1/20261123", "/20261123", 1),
		"CredentialBadKeyChars": strings.Replace(good, "BK1/20261123", "BK 1/20261123", 1),
		"UnsortedHeaders":       strings.Replace(good, "host;x-berth-content-sha256", "x-berth-content-sha256;host", 1),
		"RepeatedHeaders":       strings.Replace(good, "host;", "host;host;", 1),
		"UpperHeaders":          strings.Replace(good, "host;", "Host;", 1),
		"EmptyHeaderName":       strings.Replace(good, "host;", ";host;", 1),
		"ShortSignature":        good[:len(good)-2],
		"UpperSignature":        strings.Replace(good, "8bf2e7aa", "8BF2E7AA", 1),
		"NonHexSignature":       strings.Replace(good, "8bf2e7aa", "8bf2e7zz", 1),
		"TooLong":               good + strings.Repeat(" ", MaxAuthorizationLen),
	}
	for name, h := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := ParseAuthorization(h)
			var se *Error
			if !errors.As(err, &se) || se.Status != 400 {
				t.Fatalf("ParseAuthorization(%q) = %v; want a 400 *Error", clip(h), err)
			}
		})
	}
}

func TestVerifierRefusals(t *testing.T) {
	v := loadVectors(t)[1] // POST with a body and content-type
	date, _ := time.Parse(DateFormat, v.Date)
	newVerifier := func(now time.Time) *Verifier[string] {
		return &Verifier[string]{Keys: staticKeys{v.KeyID: v.Secret}, Nonces: newMemNonces(), Now: func() time.Time { return now }}
	}
	tests := []struct {
		name   string
		now    time.Time
		mutate func(r *http.Request)
		status int
		code   string
	}{
		{"SkewPlus5m", date.Add(5 * time.Minute), nil, 0, ""},
		{"SkewMinus5m", date.Add(-5 * time.Minute), nil, 0, ""},
		{"SkewPlus5m1s", date.Add(5*time.Minute + time.Second), nil, 401, CodeExpired},
		{"SkewMinus5m1s", date.Add(-5*time.Minute - time.Second), nil, 401, CodeExpired},
		{"UnknownKey", date, func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), v.KeyID, "BKOTHER", 1))
		}, 401, CodeInvalidCredentials},
		{"WrongSignature", date, func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-4]+"0000")
		}, 401, CodeInvalidCredentials},
		{"AlteredPath", date, func(r *http.Request) { r.URL.Path = "/api/functions/other"; r.URL.RawPath = "" }, 401, CodeInvalidCredentials},
		{"AlteredHost", date, func(r *http.Request) { r.Host = "evil.test" }, 401, CodeInvalidCredentials},
		{"AlteredContentType", date, func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }, 401, CodeInvalidCredentials},
		{"DateFormatISO", date, func(r *http.Request) { r.Header.Set(HeaderDate, "2026-11-23T10:15:00Z") }, 400, CodeMalformed},
		{"DateFormatLocal", date, func(r *http.Request) { r.Header.Set(HeaderDate, "20261123T101500") }, 400, CodeMalformed},
		{"DateFormatUnix", date, func(r *http.Request) { r.Header.Set(HeaderDate, "1795428900") }, 400, CodeMalformed},
		{"DateDayMismatch", date, func(r *http.Request) { r.Header.Set(HeaderDate, "20261124T101500Z") }, 400, CodeMalformed},
		{"ShortNonce", date, func(r *http.Request) { r.Header.Set(HeaderNonce, "0011") }, 400, CodeMalformed},
		{"NonHexNonce", date, func(r *http.Request) { r.Header.Set(HeaderNonce, strings.Repeat("z", 32)) }, 400, CodeMalformed},
		{"BadBodyHash", date, func(r *http.Request) { r.Header.Set(HeaderContentSHA256, "abc") }, 400, CodeMalformed},
		{"UnsignedBerthHeader", date, func(r *http.Request) { r.Header.Set("X-Berth-Token", "x") }, 400, CodeMalformed},
		{"UnsignedBerthHeaderUnderscore", date, func(r *http.Request) { r.Header["X-Berth_token"] = []string{"x"} }, 400, CodeMalformed},
		{"MissingSignedContentType", date, func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "content-type;", "", 1))
		}, 400, CodeMalformed},
		{"MissingSignedNonce", date, func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), ";x-berth-nonce", "", 1))
		}, 400, CodeMalformed},
		{"MissingSignedHost", date, func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "host;", "", 1))
		}, 400, CodeMalformed},
		{"SignedHeaderAbsent", date, func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "host;", "host;x-absent;", 1))
		}, 400, CodeMalformed},
		{"BadPathEscape", date, func(r *http.Request) { r.URL.RawPath = "/api/%zz"; r.URL.Path = "/api/\xff" }, 401, CodeInvalidCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := serverRequest(t, v)
			if tt.mutate != nil {
				tt.mutate(r)
			}
			ver := newVerifier(tt.now)
			s, err := ver.Check(t.Context(), r)
			if err == nil {
				err = ver.Complete(t.Context(), s, []byte(v.Body))
			}
			if tt.status == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var se *Error
			if !errors.As(err, &se) || se.Status != tt.status || se.Code != tt.code {
				t.Fatalf("got %v; want %d %s", err, tt.status, tt.code)
			}
		})
	}
}

func TestVerifierBodyAndReplay(t *testing.T) {
	v := loadVectors(t)[1]
	date, _ := time.Parse(DateFormat, v.Date)
	ver := &Verifier[string]{Keys: staticKeys{v.KeyID: v.Secret}, Nonces: newMemNonces(), Now: func() time.Time { return date }}
	s, err := ver.Check(t.Context(), serverRequest(t, v))
	if err != nil {
		t.Fatal(err)
	}
	if err := ver.Complete(t.Context(), s, []byte(v.Body+" ")); !errors.Is(err, ErrBodyMismatch) {
		t.Fatalf("altered body: got %v", err)
	}
	// The altered body must not have spent the nonce.
	if err := ver.Complete(t.Context(), s, []byte(v.Body)); err != nil {
		t.Fatalf("first use: %v", err)
	}
	s, err = ver.Check(t.Context(), serverRequest(t, v))
	if err != nil {
		t.Fatal(err)
	}
	var se *Error
	if err := ver.Complete(t.Context(), s, []byte(v.Body)); !errors.As(err, &se) || se.Code != CodeReplayed {
		t.Fatalf("replay: got %v", err)
	}
}

func TestSignRoundTrip(t *testing.T) {
	body := []byte(`{"a":1}`)
	r := httptest.NewRequest("PUT", "http://h.test/api/x%2Fy/z?b=%20&a=", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Berth-Token", "tok")
	now := time.Now()
	if err := Sign(r, Credentials{"BKROUND", "s3cret"}, BodyHash(body), now, NewNonce()); err != nil {
		t.Fatal(err)
	}
	ver := &Verifier[string]{Keys: staticKeys{"BKROUND": "s3cret"}, Nonces: newMemNonces()}
	s, err := ver.Check(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	if s.Key.Owner != "BKROUND" {
		t.Fatalf("owner %v", s.Key.Owner)
	}
	if err := ver.Complete(t.Context(), s, body); err != nil {
		t.Fatal(err)
	}
}

// TestDocsCanonicalRequest: the canonical request docs/api.md shows is the
// first vector's, byte for byte (each header line ends with \n).
func TestDocsCanonicalRequest(t *testing.T) {
	doc, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "For `GET http://127.0.0.1:8080/api/users/me`")
	if !ok {
		t.Fatal("docs/api.md no longer shows the worked canonical request")
	}
	_, rest, _ = strings.Cut(rest, "```\n")
	block, _, _ := strings.Cut(rest, "   ```")
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(block, "\n"), "\n") {
		lines = append(lines, strings.TrimPrefix(l, "   "))
	}
	if got, want := strings.Join(lines, "\n"), loadVectors(t)[0].CanonicalRequest; got != want {
		t.Fatalf("docs/api.md shows\n%q\nthe vector is\n%q", got, want)
	}
}
