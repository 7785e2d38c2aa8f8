package artefact

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/berth-platform/berth"
)

// ErrNotArchive is returned by the archive methods of a raw module.
var ErrNotArchive = errors.New("artefact: a raw module is not an archive")

// WalkFunc is called for every checked entry, in archive order. content
// yields a file's bytes (never more than its Size) for TypeFile and is nil
// otherwise. An error from WalkFunc stops the walk and is returned as is.
type WalkFunc func(e Entry, content io.Reader) error

// Walk checks every entry of the archive and calls fn for each one. The
// checks that need the whole archive (links leading outside it) run after
// the last entry, so fn may see entries of an archive that is refused in
// the end: act on them only when Walk returns nil.
func (a *Archive) Walk(fn WalkFunc) error {
	switch a.kind {
	case KindTarGz:
		return a.walkTarGz(fn)
	case KindZip:
		return a.walkZip(fn)
	}
	return ErrNotArchive
}

// List returns the checked entries of the archive.
func (a *Archive) List() ([]Entry, error) {
	var out []Entry
	err := a.Walk(func(e Entry, _ io.Reader) error {
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReadFile returns the content of the regular file name (a path relative to
// the archive root). The whole archive is checked on the way.
func (a *Archive) ReadFile(name string) ([]byte, error) {
	want, err := cleanName(name)
	if err != nil {
		return nil, err
	}
	var data []byte
	found := false
	err = a.Walk(func(e Entry, content io.Reader) error {
		if e.Name != want || e.Type != TypeFile {
			return nil
		}
		found = true
		data, err = io.ReadAll(content)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, badf("the archive has no file %q: check the path (it is relative to the archive root)", want)
	}
	return data, nil
}

// walker holds the checks that span entries.
type walker struct {
	opts    Options
	entries int
	total   int64
	types   map[string]EntryType
	links   map[string]string // symbolic link name → target
}

func newWalker(opts Options) *walker {
	return &walker{opts: opts, types: map[string]EntryType{}, links: map[string]string{}}
}

// add checks e against the limits and the entries seen so far. skip reports
// an entry that is fine but not worth reporting (the root directory, a
// repeated directory).
func (w *walker) add(e *Entry) (skip bool, err error) {
	w.entries++
	if w.entries > w.opts.MaxEntries {
		return false, badf("the archive has more than %d entries: remove files the function does not need", w.opts.MaxEntries)
	}
	if e.Name == "." {
		if e.Type != TypeDir {
			return false, badf("an entry of type %s names the archive root: recreate the archive", e.Type)
		}
		return true, nil
	}
	for _, p := range parents(e.Name) {
		t, ok := w.types[p]
		switch {
		case !ok:
			w.types[p] = TypeDir
		case t != TypeDir:
			return false, badf("the entry %q is inside %q, which is a %s, not a directory: recreate the archive", e.Name, p, t)
		}
	}
	if t, ok := w.types[e.Name]; ok {
		if t == TypeDir && e.Type == TypeDir {
			return true, nil
		}
		return false, badf("the archive holds %q more than once (or as both a file and a directory): keep one", e.Name)
	}
	if err := w.check(e); err != nil {
		return false, err
	}
	w.types[e.Name] = e.Type
	return false, nil
}

func (w *walker) check(e *Entry) error {
	switch e.Type {
	case TypeFile:
		if e.Size > w.opts.MaxFileBytes {
			return badf("the file %q is %d bytes, over the limit of %d bytes for one file: make it smaller", e.Name, e.Size, w.opts.MaxFileBytes)
		}
		w.total += e.Size
		if w.total > w.opts.MaxTotalBytes {
			return badf("the archive's files add up to more than %d bytes uncompressed: remove files the function does not need", w.opts.MaxTotalBytes)
		}
	case TypeSymlink, TypeHardlink:
		if w.opts.Links == RefuseLinks {
			return badf("the entry %q is a %s, and links are not allowed in function archives: put the file itself in the archive", e.Name, e.Type)
		}
		if e.Type == TypeSymlink {
			return w.checkSymlink(e)
		}
		target, err := cleanName(e.Linkname)
		if t, ok := w.types[target]; err != nil || !ok || t != TypeFile {
			return badf("the hard link %q refers to %q, which is not a file earlier in the archive: replace the link with the file", e.Name, e.Linkname)
		}
		e.Linkname = target
	}
	return nil
}

func (w *walker) checkSymlink(e *Entry) error {
	t := e.Linkname
	switch {
	case t == "" || len(t) > maxNameBytes || strings.ContainsAny(t, "\x00\\"):
		return badf("the symbolic link %q has an unusable target: replace the link with the file", e.Name)
	case strings.HasPrefix(t, "/"):
		return badf("the symbolic link %q points to the absolute path %q, outside the archive: make it relative or replace it with the file", e.Name, t)
	}
	w.links[e.Name] = t
	return nil
}

// finish runs the checks that need every entry.
func (w *walker) finish() error {
	names := make([]string, 0, len(w.links))
	for name := range w.links {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := resolveInside(w.links, name); err != nil {
			return badf("the symbolic link %q -> %q %s: make links point inside the archive or replace them with the files", name, w.links[name], err)
		}
	}
	return nil
}

// maxLinkHops bounds link resolution, as Linux's MAXSYMLINKS does.
const maxLinkHops = 40

// resolveInside resolves name through the archive's symbolic links, the way
// the kernel would once the archive is extracted, and fails when resolution
// climbs above the root, meets an absolute target or loops.
func resolveInside(links map[string]string, name string) error {
	var stack []string
	rest := strings.Split(name, "/")
	hops := 0
	for len(rest) > 0 {
		elem := rest[0]
		rest = rest[1:]
		switch elem {
		case "", ".":
			continue
		case "..":
			if len(stack) == 0 {
				return errors.New("leads outside the archive")
			}
			stack = stack[:len(stack)-1]
			continue
		}
		stack = append(stack, elem)
		target, ok := links[strings.Join(stack, "/")]
		if !ok {
			continue
		}
		if hops++; hops > maxLinkHops {
			return errors.New("is part of a loop of links")
		}
		if strings.HasPrefix(target, "/") {
			return errors.New("leads to an absolute path")
		}
		stack = stack[:len(stack)-1]
		rest = append(strings.Split(target, "/"), rest...)
	}
	return nil
}

// capReader passes at most max bytes through and then fails with err,
// whatever any header claimed.
type capReader struct {
	r   io.Reader
	max int64
	n   int64
	err error
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.n > c.max {
		return 0, c.err
	}
	if room := c.max - c.n + 1; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		return n - int(c.n-c.max), c.err
	}
	return n, err
}

func (c *capReader) over() bool { return c.n > c.max }

// tarOverhead is how many decompressed bytes besides file content one entry
// may take (header block, PAX records, padding) before the stream counts as
// a bomb.
const tarOverhead = 2048

func (a *Archive) walkTarGz(fn WalkFunc) error {
	zr, err := gzip.NewReader(io.NewSectionReader(a.r, 0, a.size))
	if err != nil {
		return badf("the .tar.gz is not valid gzip (%v): create it with tar -czf", err)
	}
	limit := a.opts.MaxTotalBytes + int64(a.opts.MaxEntries)*tarOverhead + 1<<20
	stream := &capReader{r: zr, max: limit, err: badf("the .tar.gz expands to more than %d bytes: remove files the function does not need", limit)}
	tr := tar.NewReader(stream)
	w := newWalker(a.opts)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if stream.over() {
				return stream.err
			}
			return badf("the .tar.gz is damaged (%v): recreate it with tar -czf", err)
		}
		e, err := tarEntry(hdr)
		if err != nil {
			return err
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			w.entries++
			continue
		}
		skip, err := w.add(&e)
		if err != nil {
			return err
		}
		if skip {
			continue
		}
		var content io.Reader
		if e.Type == TypeFile {
			content = &damageReader{r: tr, name: e.Name}
		}
		if err := fn(e, content); err != nil {
			if stream.over() {
				return stream.err
			}
			return err
		}
	}
	return w.finish()
}

func tarEntry(hdr *tar.Header) (Entry, error) {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return Entry{}, nil
	}
	name, err := cleanName(hdr.Name)
	if err != nil {
		return Entry{}, err
	}
	e := Entry{Name: name, Mode: fs.FileMode(hdr.Mode).Perm()}
	switch hdr.Typeflag {
	case tar.TypeReg, '\x00':
		e.Type, e.Size = TypeFile, hdr.Size
	case tar.TypeDir:
		e.Type = TypeDir
	case tar.TypeSymlink:
		e.Type, e.Linkname = TypeSymlink, hdr.Linkname
	case tar.TypeLink:
		e.Type, e.Linkname = TypeHardlink, hdr.Linkname
	case tar.TypeChar, tar.TypeBlock:
		return Entry{}, badf("the entry %q is a device file, which archives for berth may not hold: remove it", name)
	case tar.TypeFifo:
		return Entry{}, badf("the entry %q is a named pipe, which archives for berth may not hold: remove it", name)
	case tar.TypeGNUSparse:
		return Entry{}, badf("the entry %q is a sparse file: recreate the archive without --sparse", name)
	default:
		return Entry{}, badf("the entry %q has the unsupported tar type %q: archive only files, directories and links", name, string(hdr.Typeflag))
	}
	return e, nil
}

func (a *Archive) walkZip(fn WalkFunc) error {
	zr, err := zip.NewReader(a.r, a.size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return badf("the .zip is damaged (%v): recreate it", err)
	}
	if len(zr.File) > a.opts.MaxEntries {
		return badf("the archive has more than %d entries: remove files the function does not need", a.opts.MaxEntries)
	}
	w := newWalker(a.opts)
	for _, f := range zr.File {
		e, err := a.zipEntry(f)
		if err != nil {
			return err
		}
		skip, err := w.add(&e)
		if err != nil {
			return err
		}
		if skip {
			continue
		}
		if err := zipVisit(f, e, fn); err != nil {
			return err
		}
	}
	return w.finish()
}

func (a *Archive) zipEntry(f *zip.File) (Entry, error) {
	name, err := cleanName(f.Name)
	if err != nil {
		return Entry{}, err
	}
	if f.Flags&0x1 != 0 {
		return Entry{}, badf("the entry %q is encrypted: create the zip without a password", name)
	}
	mode := f.Mode()
	e := Entry{Name: name, Mode: mode.Perm()}
	switch {
	case strings.HasSuffix(f.Name, "/") || mode.IsDir():
		e.Type = TypeDir
	case mode&fs.ModeSymlink != 0:
		e.Type = TypeSymlink
		if a.opts.Links == InternalLinks {
			if e.Linkname, err = zipLinkTarget(f, name); err != nil {
				return Entry{}, err
			}
		}
	case mode&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket|fs.ModeIrregular) != 0:
		return Entry{}, badf("the entry %q is not a regular file (a device, pipe or socket): remove it", name)
	default:
		if f.UncompressedSize64 > uint64(a.opts.MaxFileBytes) {
			return Entry{}, badf("the file %q is %d bytes, over the limit of %d bytes for one file: make it smaller", name, f.UncompressedSize64, a.opts.MaxFileBytes)
		}
		e.Type, e.Size = TypeFile, int64(f.UncompressedSize64)
	}
	return e, nil
}

func zipLinkTarget(f *zip.File, name string) (string, error) {
	rc, err := f.Open()
	if err != nil {
		return "", badf("the symbolic link %q cannot be read (%v): recreate the archive", name, err)
	}
	defer rc.Close()
	target, err := io.ReadAll(&capReader{r: rc, max: maxNameBytes, err: errors.New("target too long")})
	if err != nil {
		return "", badf("the symbolic link %q cannot be read (%v): recreate the archive", name, err)
	}
	return string(target), nil
}

func zipVisit(f *zip.File, e Entry, fn WalkFunc) error {
	if e.Type != TypeFile {
		return fn(e, nil)
	}
	rc, err := f.Open()
	if err != nil {
		return badf("the file %q cannot be read (%v): recreate the archive", e.Name, err)
	}
	defer rc.Close()
	content := &capReader{r: rc, max: e.Size,
		err: badf("the file %q holds more data than its header declares: recreate the archive", e.Name)}
	return fn(e, &damageReader{r: content, name: e.Name})
}

// damageReader turns format errors met while reading a file's content (bad
// checksum, truncated data) into errors the user can act on.
type damageReader struct {
	r    io.Reader
	name string
}

func (d *damageReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, berth.ErrBadArtefact) {
		err = badf("the file %q is damaged (%v): recreate the archive", d.name, err)
	}
	return n, err
}
