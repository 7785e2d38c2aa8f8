package artefact

import (
	"fmt"
	"io"
	"os"
	"path"
)

// Extract writes the archive's entries under dir, which must exist and
// should be empty, and returns them. Every write goes through an os.Root on
// dir, so nothing can land outside it even if a check were wrong. Files get
// mode 0644 (0755 when any execute bit is set) and directories 0755; owners,
// times and special bits are not restored. Links (with InternalLinks) are
// created after every file, once the whole archive has been checked.
//
// On error, dir may hold part of the archive: the caller removes it.
func (a *Archive) Extract(dir string) ([]Entry, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	defer root.Close()
	var entries, links []Entry
	err = a.Walk(func(e Entry, content io.Reader) error {
		entries = append(entries, e)
		switch e.Type {
		case TypeDir:
			return mkdirAll(root, e.Name)
		case TypeFile:
			return writeFile(root, e, content)
		default:
			links = append(links, e)
			return nil
		}
	})
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		if err := mkdirAll(root, path.Dir(l.Name)); err != nil {
			return nil, err
		}
		if l.Type == TypeSymlink {
			err = root.Symlink(l.Linkname, l.Name)
		} else {
			err = root.Link(l.Linkname, l.Name)
		}
		if err != nil {
			return nil, fmt.Errorf("extract: %w", err)
		}
	}
	return entries, nil
}

func mkdirAll(root *os.Root, name string) error {
	if name == "." {
		return nil
	}
	if err := root.MkdirAll(name, 0o755); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	return nil
}

func writeFile(root *os.Root, e Entry, content io.Reader) error {
	if err := mkdirAll(root, path.Dir(e.Name)); err != nil {
		return err
	}
	perm := os.FileMode(0o644)
	if e.Mode&0o111 != 0 {
		perm = 0o755
	}
	f, err := root.OpenFile(e.Name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	_, err = io.Copy(f, content)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("extract: %w", cerr)
	}
	return err
}
