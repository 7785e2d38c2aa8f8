package artefact

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"os"

	"github.com/berth-platform/berth"
)

// Media types of the artefacts berth accepts.
const (
	MediaTypeWasm = "application/wasm"
	MediaTypeGzip = "application/gzip"
	MediaTypeZip  = "application/zip"
)

// Kind is the format of an artefact.
type Kind string

// Artefact kinds.
const (
	KindModule Kind = "module" // a raw WebAssembly module
	KindTarGz  Kind = "tar.gz" // a gzip-compressed tar archive
	KindZip    Kind = "zip"    // a zip archive
)

// Default limits, used where Options leaves a field at zero.
const (
	DefaultMaxEntries    = 10_000
	DefaultMaxTotalBytes = 256 << 20
	DefaultMaxFileBytes  = 128 << 20
)

// LinkPolicy says what to do with symbolic and hard links in an archive.
type LinkPolicy int

// Link policies.
const (
	// RefuseLinks refuses any archive that contains a link. It is the zero
	// value and what function artefacts for the wasm runtime use.
	RefuseLinks LinkPolicy = iota
	// InternalLinks accepts links whose target resolves inside the archive,
	// following other links in the archive, and refuses the rest. For
	// container build contexts.
	InternalLinks
)

// Options bound the reading of one artefact. Zero fields take the defaults.
type Options struct {
	MaxEntries    int   // entries of any type, directories included
	MaxTotalBytes int64 // sum of the uncompressed sizes of all files
	MaxFileBytes  int64 // uncompressed size of any one file
	Links         LinkPolicy
}

func (o Options) withDefaults() Options {
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.MaxTotalBytes <= 0 {
		o.MaxTotalBytes = DefaultMaxTotalBytes
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.MaxFileBytes > o.MaxTotalBytes {
		o.MaxFileBytes = o.MaxTotalBytes
	}
	return o
}

// EntryType is the type of an archive entry.
type EntryType int

// Entry types. Anything else (devices, FIFOs, sparse files) is refused.
const (
	TypeFile EntryType = iota
	TypeDir
	TypeSymlink  // only with InternalLinks
	TypeHardlink // only with InternalLinks
)

func (t EntryType) String() string {
	switch t {
	case TypeFile:
		return "file"
	case TypeDir:
		return "directory"
	case TypeSymlink:
		return "symbolic link"
	case TypeHardlink:
		return "hard link"
	}
	return "unknown"
}

// Entry is one checked entry of an archive.
type Entry struct {
	// Name is clean, slash-separated and relative to the archive root:
	// never absolute, never with "." or ".." elements.
	Name string
	Type EntryType
	Size int64       // bytes of content; 0 for directories and links
	Mode fs.FileMode // permission bits only
	// Linkname is a symbolic link's target as stored (relative to the link's
	// directory), or the Name of the file a hard link refers to.
	Linkname string
}

// badf returns an error wrapping berth.ErrBadArtefact.
func badf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{berth.ErrBadArtefact}, args...)...)
}

var (
	wasmMagic = []byte("\x00asm")
	gzipMagic = []byte{0x1f, 0x8b}
	zipMagic  = []byte("PK\x03\x04")
	zipEmpty  = []byte("PK\x05\x06")
)

// Detect decides an artefact's kind from its declared media type and its
// first bytes. An empty or generic media type (application/octet-stream)
// means "look at the bytes". A declared type that disagrees with the bytes
// is refused rather than guessed at.
func Detect(mediaType string, head []byte) (Kind, error) {
	sniffed := sniff(head)
	declared, err := kindOf(mediaType)
	if err != nil {
		return "", err
	}
	switch {
	case declared == "" && sniffed == "":
		return "", badf("the upload is neither a WebAssembly module, a .tar.gz nor a .zip: upload one of those")
	case declared == "":
		return sniffed, nil
	case sniffed == declared:
		return declared, nil
	case sniffed == "" && declared == KindModule:
		return "", badf("the upload is declared as %s but is not a WebAssembly module (it does not start with \\0asm): upload the .wasm file your compiler produced", MediaTypeWasm)
	case sniffed == "":
		return "", badf("the upload is declared as %s but is not a valid %s file: check that the file is not truncated or of another format", mediaType, declared)
	default:
		return "", badf("the upload is declared as %s but its content is a %s: upload it with the matching Content-Type", mediaType, sniffed)
	}
}

func sniff(head []byte) Kind {
	switch {
	case bytes.HasPrefix(head, wasmMagic):
		return KindModule
	case bytes.HasPrefix(head, gzipMagic):
		return KindTarGz
	case bytes.HasPrefix(head, zipMagic), bytes.HasPrefix(head, zipEmpty):
		return KindZip
	}
	return ""
}

func kindOf(mediaType string) (Kind, error) {
	if mediaType == "" {
		return "", nil
	}
	mt, _, err := mime.ParseMediaType(mediaType)
	if err != nil {
		return "", badf("the content type %q cannot be parsed: use %s, %s or %s", mediaType, MediaTypeWasm, MediaTypeGzip, MediaTypeZip)
	}
	switch mt {
	case "application/octet-stream":
		return "", nil
	case MediaTypeWasm:
		return KindModule, nil
	case MediaTypeGzip, "application/x-gzip", "application/x-tar+gzip", "application/x-compressed-tar":
		return KindTarGz, nil
	case MediaTypeZip, "application/x-zip-compressed":
		return KindZip, nil
	}
	return "", badf("the content type %q is not supported: use %s, %s or %s", mediaType, MediaTypeWasm, MediaTypeGzip, MediaTypeZip)
}

// Archive is an artefact opened for checked reading. Its methods re-read the
// underlying bytes on every call and check the whole artefact every time.
type Archive struct {
	r    io.ReaderAt
	size int64
	kind Kind
	opts Options
}

// New opens the artefact held by r (size bytes). mediaType is the type
// declared at upload; see Detect.
func New(r io.ReaderAt, size int64, mediaType string, opts Options) (*Archive, error) {
	if size <= 0 {
		return nil, badf("the upload is empty: upload a module or an archive")
	}
	head := make([]byte, 8)
	n, err := r.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read artefact: %w", err)
	}
	kind, err := Detect(mediaType, head[:n])
	if err != nil {
		return nil, err
	}
	return &Archive{r: r, size: size, kind: kind, opts: opts.withDefaults()}, nil
}

// Kind reports the artefact's format.
func (a *Archive) Kind() Kind { return a.kind }

// File is an artefact opened from local disk. Close it when done.
type File struct {
	*Archive
	f *os.File
}

// Open opens the artefact stored at path. Errors opening the file are the
// platform's (they do not wrap berth.ErrBadArtefact).
func Open(path, mediaType string, opts Options) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open artefact: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("stat artefact: %w", err)
	}
	if !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, fmt.Errorf("open artefact: %s is not a regular file", path)
	}
	a, err := New(f, fi.Size(), mediaType, opts)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return &File{Archive: a, f: f}, nil
}

// Close closes the underlying file.
func (f *File) Close() error { return f.f.Close() }
