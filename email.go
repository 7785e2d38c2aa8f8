package berth

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.mau.fi/util/confusable"
	"golang.org/x/text/unicode/norm"
)

// NormalizeEmail returns the canonical form of an address — trimmed, NFC,
// lower-case — or an InvalidError for the field "email". Internationalised
// addresses (RFC 6531) are accepted; quoted local parts, comments, IP
// literals and control or space characters are not.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(norm.NFC.String(strings.TrimSpace(s)))
	bad := func(reason string) (string, error) { return "", Invalid("email", reason) }
	if !utf8.ValidString(s) {
		return bad("must be valid UTF-8")
	}
	if len(s) > 254 {
		return bad("must be at most 254 bytes long")
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || strings.Contains(domain, "@") {
		return bad("must look like name@example.com, with exactly one '@'")
	}
	if local == "" || len(local) > 64 {
		return bad("the part before '@' must be 1 to 64 bytes long")
	}
	if !validLocal(local) {
		return bad("the part before '@' may hold letters, digits, dots (not leading, trailing or doubled) and !#$%&'*+/=?^_`{|}~-")
	}
	if !validDomain(domain) {
		return bad("the part after '@' must be a domain name such as example.com")
	}
	return s, nil
}

// EmailSkeleton returns the form in which addresses that look alike are
// equal, so that one account cannot pose as another: NFKC (fullwidth and
// other compatibility letters become plain ones), lower case, then the
// confusable skeleton of Unicode TS #39 (Cyrillic а and Latin a, rn and m,
// 1 and l), lower-cased again because the skeleton maps some characters
// to capital prototypes (0 to O). It is for comparing only: never show or
// send it.
func EmailSkeleton(email string) string {
	s := strings.ToLower(norm.NFKC.String(email))
	return strings.ToLower(confusable.Skeleton(s))
}

func validLocal(s string) bool {
	if s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || strings.ContainsRune("!#$%&'*+/=?^_`{|}~-", r)) {
			return false
		}
	}
	return true
}

func validDomain(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-') {
				return false
			}
		}
	}
	return true
}

// idPattern is an id as the stores write them: a lower-case UUID.
var idPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ValidID reports whether s is an id as berth makes them (a lower-case
// UUID); anything else names nothing and need not be looked up.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// ValidText reports whether s is valid UTF-8 without control characters
// (tabs and newlines included), for names and other one-line fields.
func ValidText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}
