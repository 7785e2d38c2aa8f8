package password

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/berth-platform/berth"
)

func TestCheck(t *testing.T) {
	const email = "Alice.Smith@example.com"
	tests := []struct {
		name     string
		password string
		email    string
		want     string // the reason, or "" for nil
	}{
		{"OK", "correct horse battery staple", email, ""},
		// "é" is two bytes: 11 characters are 22 bytes, and still too short.
		{"TooShort", strings.Repeat("é", 11), email, reasonTooShort},
		{"MinLength", strings.Repeat("é", 12), email, ""},
		{"TooShortASCII", "abcdefghijk", email, reasonTooShort},
		{"Empty", "", email, reasonTooShort},
		{"MaxLength", strings.Repeat("ü", 256), email, ""},
		{"TooLong", strings.Repeat("ü", 257), email, reasonTooLong},
		{"MaxLengthFourByte", strings.Repeat("🐳", 256), email, ""},
		{"ContainsLocalPart", "my-alice.smith-password", email, reasonLocalPart},
		{"ContainsLocalPartOtherCase", "My-ALICE.SMITH-Password", "alice.smith@example.com", reasonLocalPart},
		{"IsLocalPart", "alice.smith.example", email, reasonLocalPart},
		{"ContainsDomainOnly", "example.com is my home", email, ""},
		{"ShortLocalPart", "always a long passphrase", "al@example.com", ""},
		{"ThreeCharLocalPart", "bob's long passphrase", "bob@example.com", reasonLocalPart},
		{"LocalPartWithAt", `my "x@y" long password`, `"x@y"@example.com`, reasonLocalPart},
		{"NoEmail", "correct horse battery staple", "", ""},
		{"Common", "qwerty123456", email, reasonCommon},
		{"CommonOther", "1qaz2wsx3edc", email, reasonCommon},
		{"CommonUpperCase", "LEAVEMEALONE", email, reasonCommon},
		// The source lists this one in mixed case.
		{"CommonMixedCaseInSource", "mailcreated5240", email, reasonCommon},
		{"CommonPrefixOnly", "qwerty123456 and more words", email, ""},
		{"Tab", "correct horse\tbattery staple", email, reasonControl},
		{"Newline", "correct horse battery staple\n", email, reasonControl},
		{"NUL", "correct horse\x00battery staple", email, reasonControl},
		{"DEL", "correct horse\x7fbattery staple", email, reasonControl},
		{"C1Control", "correct horse\u0085battery staple", email, reasonControl},
		{"InvalidUTF8", "correct horse \xff battery staple", email, reasonNotUTF8},
		{"Surrogate", "correct horse \xed\xa0\x80 battery staple", email, reasonNotUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.password, tt.email)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			var invalid *berth.InvalidError
			if !errors.As(err, &invalid) || !errors.Is(err, berth.ErrInvalid) {
				t.Fatalf("Check = %v, want a *berth.InvalidError", err)
			}
			if invalid.Field != "password" || invalid.Reason != tt.want {
				t.Errorf("Check = %q: %q, want %q: %q", invalid.Field, invalid.Reason, "password", tt.want)
			}
			if tt.password != "" && strings.Contains(err.Error(), tt.password) {
				t.Errorf("error %q contains the password", err)
			}
		})
	}
}

// TestReasonsNameLimits keeps the sentences in step with the constants.
func TestReasonsNameLimits(t *testing.T) {
	if !strings.Contains(reasonTooShort, " "+strconv.Itoa(MinLength)+" ") {
		t.Errorf("reasonTooShort %q does not say %d", reasonTooShort, MinLength)
	}
	if !strings.Contains(reasonTooLong, " "+strconv.Itoa(MaxLength)+" ") {
		t.Errorf("reasonTooLong %q does not say %d", reasonTooLong, MaxLength)
	}
}

// TestCommonPasswords checks the embedded list: it loads, holds the
// de-duplicated top 10 000 from first to last, and only in lower case.
func TestCommonPasswords(t *testing.T) {
	set := commonPasswords()
	if len(set) < 9900 || len(set) > 10000 {
		t.Errorf("%d common passwords, want the de-duplicated top 10 000 (9913)", len(set))
	}
	for _, p := range []string{"123456", "password", "qwerty123456", "mailcreated5240", "brady"} {
		if _, ok := set[p]; !ok {
			t.Errorf("%q missing", p)
		}
	}
	for p := range set {
		if p == "" || p != strings.ToLower(p) {
			t.Errorf("entry %q is empty or not lower-case", p)
		}
	}
	if _, err := readCommon([]byte("not gzip")); err == nil {
		t.Error("readCommon accepted data that is not gzip")
	}
}

func BenchmarkCheck(b *testing.B) {
	commonPasswords() // load the list outside the loop
	b.ReportAllocs()
	for b.Loop() {
		if err := Check("correct horse battery staple", "alice.smith@example.com"); err != nil {
			b.Fatal(err)
		}
	}
}
