package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/store/sqlite"
	"github.com/berth-platform/berth/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) berth.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "berth.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "berth.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	u := &berth.User{Email: "keep@example.test", Name: "K", Role: berth.RoleUser, Status: berth.UserActive, PasswordHash: "h"}
	if err := s.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(t.Context(), path) // migrations run again: must be a no-op
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.UserByEmail(t.Context(), "keep@example.test"); err != nil {
		t.Fatal(err)
	}
}
