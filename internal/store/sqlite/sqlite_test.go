package sqlite_test

import (
	"os"
	"path/filepath"
	"syscall"
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

// TestFilesPrivate: the database, its -wal and its -shm are 0600 when
// fresh, whatever the umask, and files an older version left 0644 are
// made 0600 at open.
func TestFilesPrivate(t *testing.T) {
	old := syscall.Umask(0o022) // the usual umask; SQLite alone would create 0644
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "berth.db")
	files := []string{path, path + "-wal", path + "-shm"}
	check := func(when string) {
		t.Helper()
		for _, p := range files {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if m := fi.Mode().Perm(); m != 0o600 {
				t.Errorf("%s: %s has mode %v, want 0600", when, filepath.Base(p), m)
			}
		}
	}
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	check("fresh")
	for _, p := range files {
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s2, err := sqlite.Open(t.Context(), path) // while the first holds the -wal and -shm open
	if err != nil {
		t.Fatal(err)
	}
	check("reopened")
	s2.Close()
	s.Close()
}

func TestEmailSkeletonBackfill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "berth.db")
	storetest.EmailSkeletonBackfill(t, func(t *testing.T) berth.Store {
		s, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, func(q string) string { return q })
}
