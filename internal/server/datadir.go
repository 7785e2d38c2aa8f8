package server

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// containerStateDir is the container runtime's directory in the data dir:
// build contexts and engine state keep the modes they were given there.
const containerStateDir = "ct"

// privateDataDir takes group and other permissions off the data directory
// and what berth keeps in it (the database, the master key, the first
// admin's password, the journal, artefacts, caches): a directory that
// others may read, write or enter becomes 0700, such a file 0600. Files
// created by an older version, a copy or a restore may be looser than
// what berth creates now. It returns what it fixed, relative to dir, with
// the old mode, and an error for what it could not fix.
func privateDataDir(dir string) (fixed []string, _ error) {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("data_dir %s: %w", dir, err)
	}
	// Modes are changed through an os.Root: a file swapped for a symlink
	// during the walk cannot make berth change a mode outside the data
	// directory.
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("data_dir %s: %w", dir, err)
	}
	defer func() { _ = r.Close() }()
	var errs []error
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() && rel == containerStateDir {
			return fs.SkipDir
		}
		if !d.IsDir() && !d.Type().IsRegular() {
			return nil // a symlink's mode means nothing; its target is elsewhere
		}
		fi, err := d.Info()
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		perm := fi.Mode().Perm()
		if perm&0o077 == 0 {
			return nil
		}
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if err := r.Chmod(rel, want); err != nil {
			errs = append(errs, err)
			return nil
		}
		fixed = append(fixed, fmt.Sprintf("%s (%04o)", rel, perm))
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	return fixed, errors.Join(errs...)
}

// summarise lists at most n items and says how many more there were, so
// that one log line stays readable after a restore of many artefacts.
func summarise(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}
