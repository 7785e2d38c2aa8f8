package password

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed" // for commonGz
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/berth-platform/berth"
)

// Length limits of a new password, in characters (Unicode code points).
const (
	MinLength = 12
	MaxLength = 256
)

// maxBytes is the most bytes MaxLength characters can take; Hash and Verify
// refuse anything longer without reading it.
const maxBytes = MaxLength * utf8.UTFMax

// minLocalPart is the shortest email local part Check looks for in a
// password; shorter ones ("al", "jo") occur in too many good passwords.
const minLocalPart = 3

// Reasons given to the person choosing a password. None of them quotes the
// password or any part of it.
const (
	reasonNotUTF8   = "Use only valid UTF-8 text: the password contains bytes that are not characters."
	reasonControl   = "Remove control characters, such as tabs and line breaks, from the password."
	reasonTooShort  = "Use at least 12 characters: a few unrelated words make a long password that is easy to remember."
	reasonTooLong   = "Use at most 256 characters."
	reasonLocalPart = "Do not use the part of your email address before the @ in the password: choose something unrelated to your account."
	reasonCommon    = "Choose another password: this one is among the 10 000 most common, which attackers try first."
)

// errTooLong is the error for a password longer than MaxLength.
func errTooLong() error { return berth.Invalid("password", reasonTooLong) }

// Check reports whether password may be chosen by the account with email.
// It returns nil, or an error that is berth.ErrInvalid (a
// *berth.InvalidError for field "password") whose reason says what is wrong
// and what to do, if the password
//   - is not valid UTF-8 or contains a control character;
//   - has fewer than MinLength or more than MaxLength characters;
//   - contains the email's local part, ignoring case, when that part has at
//     least 3 characters;
//   - is one of the 10 000 most common passwords, ignoring case.
//
// The error never contains the password.
func Check(password, email string) error {
	if !utf8.ValidString(password) {
		return berth.Invalid("password", reasonNotUTF8)
	}
	if strings.ContainsFunc(password, unicode.IsControl) {
		return berth.Invalid("password", reasonControl)
	}
	switch n := utf8.RuneCountInString(password); {
	case n < MinLength:
		return berth.Invalid("password", reasonTooShort)
	case n > MaxLength:
		return errTooLong()
	}
	lower := strings.ToLower(password)
	// The domain cannot contain an @, a quoted local part can.
	if at := strings.LastIndexByte(email, '@'); at >= 0 &&
		utf8.RuneCountInString(email[:at]) >= minLocalPart &&
		strings.Contains(lower, strings.ToLower(email[:at])) {
		return berth.Invalid("password", reasonLocalPart)
	}
	if _, common := commonPasswords()[lower]; common {
		return berth.Invalid("password", reasonCommon)
	}
	return nil
}

// commonGz is the list of the 10 000 most common passwords, lower-cased,
// one a line; see common-passwords.NOTICE and update-common-passwords.sh.
//
//go:embed common-passwords.txt.gz
var commonGz []byte

// commonPasswords returns the set of common passwords, reading the embedded
// list on first use only: a process that never checks a new password never
// pays for it.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set, err := readCommon(commonGz)
	if err != nil {
		// The list is compiled in and a test reads it: this cannot happen
		// in a binary that passed its tests.
		panic("password: embedded common-passwords.txt.gz: " + err.Error())
	}
	return set
})

func readCommon(gz []byte) (map[string]struct{}, error) {
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	set := make(map[string]struct{}, 10000)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if line := strings.ToLower(strings.TrimRight(sc.Text(), "\r")); line != "" {
			set[line] = struct{}{}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return set, r.Close()
}
