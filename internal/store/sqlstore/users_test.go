package sqlstore_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/store/postgres"
	"github.com/berth-platform/berth/internal/store/sqlite"
	"github.com/berth-platform/berth/internal/store/sqlstore"
	"github.com/berth-platform/berth/internal/testenv"
)

// TestDeepUserPages: a deep page, read from the nearer end of the list
// and turned round, is the same page as read from the front, in every
// order, for every page size, the last short page and past the end.
func TestDeepUserPages(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) *sqlstore.Store{
		"SQLite": func(t *testing.T) *sqlstore.Store {
			s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "berth.db"))
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		"PostgreSQL": func(t *testing.T) *sqlstore.Store {
			s, err := postgres.Open(t.Context(), testenv.PostgresURL(t))
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	} {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			ctx := t.Context()
			const n = 23
			for i := range n {
				// Names repeat in other cases, so ties fall to the id.
				u := &berth.User{Email: fmt.Sprintf("u%02d@example.test", (i*7)%n), Name: []string{"Ann", "bob", "ANN", "Cy"}[i%4],
					Role: berth.RoleUser, Status: berth.UserActive, PasswordHash: "x"}
				if i%5 == 0 {
					u.Status = berth.UserBlocked
				}
				if err := s.CreateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
			}
			ids := func(f berth.UserFilter) ([]string, int) {
				t.Helper()
				us, total, err := s.ListUsers(ctx, f)
				if err != nil {
					t.Fatalf("ListUsers(%+v): %v", f, err)
				}
				out := make([]string, len(us))
				for i := range us {
					out[i] = us[i].ID
				}
				return out, total
			}
			sorts := []berth.UserSort{berth.SortEmail, berth.SortEmailDesc, berth.SortName, berth.SortNameDesc, berth.SortCreatedAt, berth.SortCreatedAtDesc}
			for _, sort := range sorts {
				for _, status := range []berth.UserStatus{"", berth.UserActive} {
					f := berth.UserFilter{Sort: sort, Status: status, Page: berth.Page{Number: 1, Size: 100}}
					all, total := ids(f)
					restore := sqlstore.SetDeepOffset(2)
					for size := 1; size <= 5; size++ {
						for page := 1; (page-1)*size <= total+size; page++ {
							f.Page = berth.Page{Number: page, Size: size}
							got, gotTotal := ids(f)
							lo, hi := min((page-1)*size, total), min(page*size, total)
							if gotTotal != total || !slices.Equal(got, all[lo:hi]) {
								restore()
								t.Fatalf("sort %s, status %q, page %d of %d: %v (total %d), want %v (total %d)",
									sort, status, page, size, got, gotTotal, all[lo:hi], total)
							}
						}
					}
					restore()
				}
			}
		})
	}
}
