package artefact

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"io/fs"
	"testing"

	"github.com/berth-platform/berth"
)

// ent describes one entry of a test archive.
type ent struct {
	name   string
	body   string
	typ    byte   // tar type flag; 0 means a regular file
	link   string // link target
	mode   int64
	size   int64 // declared size when non-zero (zip only)
	pax    map[string]string
	zipEnc bool // set the zip "encrypted" flag
}

func tarGz(t testing.TB, ents ...ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range ents {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		hdr := &tar.Header{Name: e.name, Typeflag: typ, Linkname: e.link, Mode: mode, PAXRecords: e.pax, Format: tar.FormatPAX}
		if typ == tar.TypeReg {
			hdr.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zipOf(t testing.TB, ents ...ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range ents {
		fh := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		mode := fs.FileMode(0o644)
		switch e.typ {
		case tar.TypeSymlink:
			mode |= fs.ModeSymlink
		case tar.TypeDir:
			mode |= fs.ModeDir
		case tar.TypeFifo:
			mode |= fs.ModeNamedPipe
		}
		fh.SetMode(mode)
		if e.zipEnc {
			fh.Flags |= 0x1
		}
		body := e.body
		if e.typ == tar.TypeSymlink {
			body = e.link
		}
		if e.size != 0 {
			writeRawZip(t, zw, fh, body, e.size)
			continue
		}
		w, err := zw.CreateHeader(fh)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeRawZip stores body compressed but declares size bytes: a lying
// header.
func writeRawZip(t testing.TB, zw *zip.Writer, fh *zip.FileHeader, body string, size int64) {
	t.Helper()
	var comp bytes.Buffer
	fw, err := flate.NewWriter(&comp, flate.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write([]byte(body))
	_ = fw.Close()
	fh.CompressedSize64 = uint64(comp.Len())
	fh.UncompressedSize64 = uint64(size)
	w, err := zw.CreateRaw(fh)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(comp.Bytes()); err != nil {
		t.Fatal(err)
	}
}

func open(t testing.TB, data []byte, mediaType string, opts Options) *Archive {
	t.Helper()
	a, err := New(bytes.NewReader(data), int64(len(data)), mediaType, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

func wantBad(t testing.TB, err error, contains string) {
	t.Helper()
	if !errors.Is(err, berth.ErrBadArtefact) {
		t.Fatalf("error = %v, want one wrapping ErrBadArtefact", err)
	}
	if contains != "" && !bytes.Contains([]byte(err.Error()), []byte(contains)) {
		t.Fatalf("error %q does not mention %q", err, contains)
	}
}

func names(es []Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Name
	}
	return out
}

func gzipOf(t testing.TB, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(s))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
