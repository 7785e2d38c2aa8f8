package server

import (
	"bytes"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/password"
)

// start opens a server on dir and returns what it logged; the server
// stays open (its database with its -wal and -shm) until stop is called.
func start(t *testing.T, dir string) (string, func()) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir, cfg.Listen, cfg.MetricsListen = dir, "127.0.0.1:0", ""
	var logs bytes.Buffer
	s, err := New(t.Context(), cfg, Options{
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Hasher: password.NewHasher(password.Params{Memory: 64, Time: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, 1, time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	return logs.String(), func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}
}

// modes returns the permission bits of everything under dir, by relative path.
func modes(t *testing.T, dir string) map[string]fs.FileMode {
	t.Helper()
	out := map[string]fs.FileMode{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out[rel] = fi.Mode().Perm()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDataDirPrivate: a fresh data directory holds nothing that group or
// others may read; one whose files an older version (or a restore) left
// 0644 and 0755 ends 0600 and 0700 after a start, which says in one log
// line what it fixed; the container runtime's directory keeps its modes.
func TestDataDirPrivate(t *testing.T) {
	old := syscall.Umask(0o022) // the usual umask, under which defaults are 0644 and 0755
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	_, stop := start(t, dir)
	fresh := modes(t, dir)
	stop()
	for _, name := range []string{".", "berth.db", "berth.db-wal", "berth.db-shm", "master.key", "initial-admin-password", "journal"} {
		if _, ok := fresh[name]; !ok {
			t.Errorf("fresh start made no %s", name)
		}
	}
	for name, m := range fresh {
		if m&0o077 != 0 {
			t.Errorf("fresh: %s has mode %04o, want no access for group and others", name, m)
		}
	}

	// Loosen what an older version could have left, and add an artefact
	// and a journal segment as it would have written them.
	for _, d := range []string{"artefacts/f1", "journal", "cache", "ct/build"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"artefacts/f1/0123abcd", "journal/notes", "berth.db-wal", "berth.db-shm", "ct/build/run.sh"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	loose := map[string]fs.FileMode{".": 0o755, "berth.db": 0o644, "berth.db-wal": 0o644, "berth.db-shm": 0o644, "master.key": 0o644,
		"initial-admin-password": 0o644, "journal": 0o755, "journal/notes": 0o644, "artefacts": 0o755, "artefacts/f1": 0o755,
		"artefacts/f1/0123abcd": 0o644, "cache": 0o755, "ct/build/run.sh": 0o755}
	for name, m := range loose {
		if err := os.Chmod(filepath.Join(dir, name), m); err != nil {
			t.Fatal(err)
		}
	}
	logs, stop := start(t, dir)
	after := modes(t, dir)
	stop()
	for name, m := range loose {
		want := fs.FileMode(0o600)
		switch {
		case strings.HasPrefix(name, "ct/"):
			want = m // not berth's to change
		case m&0o100 != 0: // the directories
			want = 0o700
		}
		if after[name] != want {
			t.Errorf("%s: mode %04o after start, want %04o", name, after[name], want)
		}
	}
	var lines []string
	for l := range strings.Lines(logs) {
		if strings.Contains(l, "event=data_dir_private") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "master.key (0644)") || !strings.Contains(lines[0], "journal (0755)") ||
		!strings.Contains(lines[0], "level=WARN") {
		t.Fatalf("want one warning naming what was fixed, got:\n%s", logs)
	}
	// A start with nothing to fix says nothing.
	logs, stop = start(t, dir)
	stop()
	if strings.Contains(logs, "data_dir_private") {
		t.Fatalf("a start with nothing to fix logged:\n%s", logs)
	}
}
