package artefact

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-platform/berth"
)

// fuzzOpts keeps each fuzz iteration small.
var fuzzOpts = Options{MaxEntries: 64, MaxTotalBytes: 1 << 20, MaxFileBytes: 256 << 10, Links: InternalLinks}

func archiveSeeds(f *testing.F, build func(testing.TB, ...ent) []byte) {
	f.Add(build(f, ent{name: "berth.toml", body: "[wasm]\nmodule = \"a.wasm\"\n"}, ent{name: "a.wasm", body: tinyModule}))
	f.Add(build(f, ent{name: "d/", typ: tar.TypeDir}, ent{name: "d/l", typ: tar.TypeSymlink, link: "../x"}, ent{name: "x", body: "x"}))
	f.Add(build(f, ent{name: "../evil", body: "x"}))
	f.Add(build(f, ent{name: "s", typ: tar.TypeSymlink, link: "."}, ent{name: "t", typ: tar.TypeSymlink, link: "s/../x"}))
	f.Add(build(f, ent{name: "z", body: strings.Repeat("\x00", 4096)}))
}

// fuzzArchive checks the invariants every archive reader keeps: errors wrap
// ErrBadArtefact (the input is all in memory, so no error is the platform's),
// accepted names are clean and relative, and extraction stays in its
// directory.
func fuzzArchive(t *testing.T, data []byte, mediaType string) {
	a, err := New(bytes.NewReader(data), int64(len(data)), mediaType, fuzzOpts)
	if err != nil {
		if !errors.Is(err, berth.ErrBadArtefact) {
			t.Fatalf("New: %v does not wrap ErrBadArtefact", err)
		}
		return
	}
	var total int64
	err = a.Walk(func(e Entry, content io.Reader) error {
		if e.Name == "" || e.Name == "." || strings.HasPrefix(e.Name, "/") || filepath.Clean(e.Name) != e.Name ||
			strings.Contains("/"+e.Name+"/", "/../") {
			t.Fatalf("unclean name %q", e.Name)
		}
		if content != nil {
			n, err := io.Copy(io.Discard, content)
			total += n
			if n > e.Size {
				t.Fatalf("%q yielded %d bytes, declared %d", e.Name, n, e.Size)
			}
			return err
		}
		return nil
	})
	if total > fuzzOpts.MaxTotalBytes {
		t.Fatalf("read %d bytes, over the cap", total)
	}
	if err != nil {
		if !errors.Is(err, berth.ErrBadArtefact) && !errors.Is(err, ErrNotArchive) {
			t.Fatalf("Walk: %v does not wrap ErrBadArtefact", err)
		}
		return
	}
	parent := t.TempDir()
	dir := filepath.Join(parent, "x")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Extract(dir); err != nil && !errors.Is(err, berth.ErrBadArtefact) {
		t.Fatalf("Extract: %v", err)
	}
	if es, _ := os.ReadDir(parent); len(es) != 1 {
		t.Fatalf("Extract wrote beside its directory: %v", es)
	}
	_, _ = a.Module()
}

func FuzzTarGz(f *testing.F) {
	archiveSeeds(f, tarGz)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzArchive(t, data, MediaTypeGzip) })
}

func FuzzZip(f *testing.F) {
	archiveSeeds(f, zipOf)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzArchive(t, data, MediaTypeZip) })
}

func FuzzParseManifest(f *testing.F) {
	f.Add("[function]\nmemory_mb = 64\nenv = { A = \"b\" }\n[wasm]\nmodule = \"x.wasm\"\n[container]\nmode = \"exec\"\ncommand = [\"/f\"]\n")
	f.Add("[function]\nmemroy_mb = 1\n")
	f.Add("[[function]]\n")
	f.Add("function.env.\"\" = \"\"\n")
	f.Fuzz(func(t *testing.T, doc string) {
		m, err := ParseManifest([]byte(doc))
		if err != nil {
			if !errors.Is(err, berth.ErrBadArtefact) {
				t.Fatalf("%v does not wrap ErrBadArtefact", err)
			}
			return
		}
		if m.Function.MemoryMB < 0 || m.Function.TimeoutMS < 0 || m.Container.Port < 0 || m.Container.Port > 65535 {
			t.Fatalf("accepted out-of-range values: %+v", m)
		}
		for k, v := range m.Function.Env {
			if !envName.MatchString(k) || strings.ContainsRune(v, 0) {
				t.Fatalf("accepted env %q", k)
			}
		}
		if m.Wasm.Module != "" {
			if _, err := cleanName(m.Wasm.Module); err != nil {
				t.Fatalf("accepted module path %q", m.Wasm.Module)
			}
		}
	})
}
