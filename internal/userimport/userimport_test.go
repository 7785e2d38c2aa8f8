package userimport_test

import (
	"strings"
	"testing"

	"github.com/berth-platform/berth/internal/userimport"
)

const hash = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"

func TestParseCSV(t *testing.T) {
	in := "\xef\xbb\xbfEmail, Name ,hash,email_verified\n" +
		"ada@example.test,Ada Lovelace," + hash + ",true\n" +
		"\n" +
		"\"bob@example.test\",\"Bob, Jr.\",,false\n" +
		"carol@example.test\n"
	recs, format, err := userimport.Parse(strings.NewReader(in), "")
	if err != nil || format != "csv" {
		t.Fatal(err, format)
	}
	if len(recs) != 3 {
		t.Fatalf("records = %+v", recs)
	}
	if r := recs[0]; r.Line != 2 || r.Email != "ada@example.test" || r.Name != "Ada Lovelace" || r.PasswordHash != hash || !r.EmailVerified {
		t.Fatalf("first = %+v", r)
	}
	if r := recs[1]; r.Line != 4 || r.Name != "Bob, Jr." || r.PasswordHash != "" || r.EmailVerified {
		t.Fatalf("second = %+v", r)
	}
	if r := recs[2]; r.Line != 5 || r.Email != "carol@example.test" || r.Name != "" {
		t.Fatalf("third = %+v", r)
	}
}

func TestParseJSON(t *testing.T) {
	for _, in := range []string{
		`[{"email":"ada@example.test","name":"Ada","password_hash":"` + hash + `"},{"email":"bob@example.test","hash":"x","email_verified":true}]`,
		` {"users":[{"email":"ada@example.test","name":"Ada","password_hash":"` + hash + `"},{"email":"bob@example.test","hash":"x","email_verified":true}]}`,
	} {
		recs, format, err := userimport.Parse(strings.NewReader(in), "")
		if err != nil || format != "json" {
			t.Fatal(err, format)
		}
		if len(recs) != 2 || recs[0].PasswordHash != hash || recs[1].Line != 2 || recs[1].PasswordHash != "x" || !recs[1].EmailVerified {
			t.Fatalf("records = %+v", recs)
		}
	}
}

func TestParseRefusals(t *testing.T) {
	for name, tt := range map[string]struct{ in, format, want string }{
		"Empty":          {"", "", "empty"},
		"NoAccounts":     {"[]", "", "no accounts"},
		"NoEmailColumn":  {"name,hash\nAda,x\n", "", "no email column"},
		"UnknownColumn":  {"email,role\na@example.test,admin\n", "", `unknown column "role"`},
		"TwiceNamed":     {"email,hash,password\na@example.test,x,y\n", "", "named twice"},
		"TooManyFields":  {"email\na@example.test,extra\n", "", "line 2: 2 fields"},
		"BadVerified":    {"email,email_verified\na@example.test,maybe\n", "", "line 2: email_verified"},
		"BadQuote":       {"email\n\"a@example.test\n", "csv", "not CSV"},
		"UnknownField":   {`[{"email":"a@example.test","role":"admin"}]`, "", "account 1"},
		"NotAList":       {`"ada"`, "json", "not a JSON list"},
		"UnknownFormat":  {"email\na@b\n", "xml", "unknown format"},
		"TooManyRecords": {"email\n" + strings.Repeat("a@example.test\n", userimport.MaxRecords+1), "", "at most 10000"},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := userimport.Parse(strings.NewReader(tt.in), tt.format)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to say %q", err, tt.want)
			}
		})
	}
}

// FuzzParse: any input is read or refused with an error, never a panic,
// and what is read holds at least one and at most MaxRecords accounts.
func FuzzParse(f *testing.F) {
	f.Add("email,name,password_hash\nada@example.test,Ada," + hash + "\n")
	f.Add(`[{"email":"ada@example.test","name":"Ada","password_hash":"` + hash + `"}]`)
	f.Add(`{"users":[{"email":"a@b"}]}`)
	f.Add("email\n\"unterminated\n")
	f.Fuzz(func(t *testing.T, in string) {
		recs, _, err := userimport.Parse(strings.NewReader(in), "")
		if err != nil {
			return
		}
		if len(recs) == 0 || len(recs) > userimport.MaxRecords {
			t.Fatalf("%d records read without an error", len(recs))
		}
		for _, r := range recs {
			if r.Line < 1 {
				t.Fatalf("record without a position: %+v", r)
			}
		}
	})
}
