package sqlite_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/store/sqlite"
)

// FuzzUserSearch: whatever an admin types in the account search, the
// trigram search answers exactly the accounts whose email or name holds
// it in any case — wildcards and escapes included, never an SQL error.
func FuzzUserSearch(f *testing.F) {
	s, err := sqlite.Open(f.Context(), filepath.Join(f.TempDir(), "berth.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	type account struct{ email, name string }
	accounts := []account{
		{"ada@example.test", "Ada Lovelace"}, {"bob_x@example.test", "Bob 100% Real"}, {"c.d@exa-mple.test", `Back\slash "Quoted"`},
		{"zoe@example.test", "Zoë Ünïcode"}, {"eve@other.test", "Eve [brackets] *glob?"},
	}
	for _, a := range accounts {
		u := &berth.User{Email: a.email, Name: a.name, Role: berth.RoleUser, Status: berth.UserActive, PasswordHash: "x"}
		if err := s.CreateUser(f.Context(), u); err != nil {
			f.Fatal(err)
		}
	}
	for _, seed := range []string{"ada", "%", "_", `\`, "100%", "b_x", "ë", "ÜNÏ", "a", "", "exa-", `"quoted"`, "[b", "*", "?", "le.t", "%%_\\",
		`"`, `""`, `e "q`, `d" OR "a`, "ada OR bob", "NEAR(ada", "text:ada", "^ada", "-ada", "ada*", "a\x00b", "lovelace ", " real"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, q string) {
		q = strings.TrimSpace(q)
		if q == "" || len(q) > 320 || !berth.ValidText(q) {
			return // the API refuses these before the store
		}
		us, total, err := s.ListUsers(t.Context(), berth.UserFilter{Query: q, Page: berth.Page{Number: 1, Size: 50}})
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		var got, want []string
		for _, u := range us {
			got = append(got, u.Email)
		}
		lq := strings.ToLower(q)
		for _, a := range accounts {
			if strings.Contains(a.email+" "+strings.ToLower(a.name), lq) {
				want = append(want, a.email)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) || total != len(want) {
			t.Fatalf("search %q: %v (total %d), want %v", q, got, total, want)
		}
	})
}
