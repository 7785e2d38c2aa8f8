package sessiontoken

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestMakeAndCheck(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	tok, err := Make("BKSESSION", "user", "secret", now)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(tok, "BKSESSION", "secret", now.Add(14*time.Minute)); err != nil {
		t.Fatalf("OK: %v", err)
	}
	long, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"access_key": "BKSESSION",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}).SignedString([]byte("secret"))
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"access_key": "BKSESSION",
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	for name, tc := range map[string]struct {
		raw, key, secret string
		at               time.Time
		why              string
	}{
		"ErrMissing":     {"", "BKSESSION", "secret", now, "must carry"},
		"ErrOtherKey":    {tok, "BKOTHER", "secret", now, "another keypair"},
		"ErrOtherSecret": {tok, "BKSESSION", "other", now, "not a valid token"},
		"ErrExpired":     {tok, "BKSESSION", "secret", now.Add(17 * time.Minute), "not a valid token"},
		"ErrTooLong":     {long, "BKSESSION", "secret", now, "longer than 15 minutes"},
		"ErrAlgNone":     {none, "BKSESSION", "secret", now, "not a valid token"},
	} {
		t.Run(name, func(t *testing.T) {
			err := Check(tc.raw, tc.key, tc.secret, tc.at)
			if err == nil || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("Check = %v, want an error saying %q", err, tc.why)
			}
		})
	}
}
