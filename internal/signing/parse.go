package signing

import (
	"encoding/hex"
	"strings"
	"time"
)

// MaxAuthorizationLen caps the Authorization header the parser reads.
const MaxAuthorizationLen = 4096

// maxKeyIDLen caps a key id; ours are 20 characters.
const maxKeyIDLen = 128

// Authorization is a parsed BERTH-HMAC-SHA256 Authorization header.
type Authorization struct {
	KeyID         string
	Day           string   // yyyymmdd from the credential scope
	SignedHeaders []string // lower-case, strictly ascending
	Signature     [32]byte
}

// IsSigned reports whether an Authorization header claims this scheme (by
// its first word, case-insensitively), so that callers can tell a malformed
// signature from another scheme such as Bearer.
func IsSigned(header string) bool {
	word, _, _ := strings.Cut(header, " ")
	return strings.EqualFold(word, Algorithm) || strings.HasPrefix(strings.ToUpper(word), "BERTH-")
}

// ParseAuthorization parses the header value. Every failure is an *Error
// with status 400.
func ParseAuthorization(header string) (Authorization, error) {
	var a Authorization
	if len(header) > MaxAuthorizationLen {
		return a, malformed("the Authorization header is longer than %d bytes", MaxAuthorizationLen)
	}
	alg, rest, ok := strings.Cut(header, " ")
	if alg != Algorithm {
		return a, &Error{Status: 400, Code: CodeUnsupportedAlgorithm,
			Detail: "the Authorization scheme must be exactly " + Algorithm}
	}
	if !ok || strings.TrimSpace(rest) == "" {
		return a, malformed("the Authorization header has no Credential, SignedHeaders and Signature")
	}
	var seen [3]bool
	for part := range strings.SplitSeq(rest, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, malformed("Authorization component %q is not name=value", clip(part))
		}
		var err error
		switch name {
		case "Credential":
			err = a.parseCredential(value, &seen[0])
		case "SignedHeaders":
			err = a.parseSignedHeaders(value, &seen[1])
		case "Signature":
			err = a.parseSignature(value, &seen[2])
		default:
			err = malformed("unknown Authorization component %q; expected Credential, SignedHeaders and Signature", clip(name))
		}
		if err != nil {
			return a, err
		}
	}
	if !seen[0] || !seen[1] || !seen[2] {
		return a, malformed("the Authorization header needs Credential, SignedHeaders and Signature")
	}
	return a, nil
}

func once(seen *bool, name string) error {
	if *seen {
		return malformed("Authorization component %s appears twice", name)
	}
	*seen = true
	return nil
}

func (a *Authorization) parseCredential(v string, seen *bool) error {
	if err := once(seen, "Credential"); err != nil {
		return err
	}
	id, day, ok := strings.Cut(v, "/")
	if !ok || id == "" || len(id) > maxKeyIDLen || !isKeyID(id) {
		return malformed("Credential must be <key id>/<yyyymmdd> with a key id of letters, digits, '-' or '_'")
	}
	if len(day) != 8 {
		return malformed("the Credential date must be yyyymmdd")
	}
	if _, err := time.Parse(DayFormat, day); err != nil {
		return malformed("the Credential date must be yyyymmdd")
	}
	a.KeyID, a.Day = id, day
	return nil
}

func isKeyID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func (a *Authorization) parseSignedHeaders(v string, seen *bool) error {
	if err := once(seen, "SignedHeaders"); err != nil {
		return err
	}
	if v == "" {
		return malformed("SignedHeaders is empty")
	}
	names := strings.Split(v, ";")
	for i, n := range names {
		if !isHeaderName(n) {
			return malformed("SignedHeaders holds %q, which is not a lower-case header name", clip(n))
		}
		if i > 0 && names[i-1] >= n {
			return malformed("SignedHeaders must be sorted and without repeats")
		}
	}
	a.SignedHeaders = names
	return nil
}

func isHeaderName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func (a *Authorization) parseSignature(v string, seen *bool) error {
	if err := once(seen, "Signature"); err != nil {
		return err
	}
	if len(v) != 64 || strings.ToLower(v) != v {
		return malformed("Signature must be 64 lower-case hex characters")
	}
	if _, err := hex.Decode(a.Signature[:], []byte(v)); err != nil {
		return malformed("Signature must be 64 lower-case hex characters")
	}
	return nil
}

// clip shortens attacker-controlled text before it is echoed in an error.
func clip(s string) string {
	const limit = 40
	if len(s) > limit {
		return s[:limit] + "…"
	}
	return s
}
