package sessiontoken

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Header is the header that carries the token.
const Header = "X-Berth-Token"

// Lifetime is how long a token made now is valid.
const Lifetime = 15 * time.Minute

// skew is the clock difference between webserver and manager that Check
// allows.
const skew = time.Minute

// Make returns a token for the session keypair accessKey, signed with its
// secret.
func Make(accessKey, role, secret string, now time.Time) (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"access_key": accessKey, "role": role, "iat": now.Unix(), "exp": now.Add(Lifetime).Unix(),
	}).SignedString([]byte(secret))
}

// Check verifies raw: HS256 under secret, naming accessKey, issued and not
// expired at now (within a minute of skew), and living no longer than
// Lifetime. Its error says why a token was refused, without the token.
func Check(raw, accessKey, secret string, now time.Time) error {
	if raw == "" {
		return errors.New("a web session's GraphQL request must carry " + Header)
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return []byte(secret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return now }), jwt.WithLeeway(skew))
	if err != nil {
		return fmt.Errorf("not a valid token for this session (%w)", err)
	}
	if ak, _ := claims["access_key"].(string); ak != accessKey {
		return errors.New("it names another keypair")
	}
	exp, _ := claims.GetExpirationTime()
	iat, _ := claims.GetIssuedAt()
	if iat == nil || exp.Sub(iat.Time) > Lifetime+skew {
		return errors.New("it lives longer than 15 minutes")
	}
	return nil
}
