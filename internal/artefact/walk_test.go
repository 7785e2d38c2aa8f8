package artefact

import (
	"archive/tar"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// formats runs a test against both archive formats.
var formats = []struct {
	name      string
	mediaType string
	build     func(testing.TB, ...ent) []byte
}{
	{"TarGz", MediaTypeGzip, tarGz},
	{"Zip", MediaTypeZip, zipOf},
}

func TestList(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			data := f.build(t,
				ent{name: "./", typ: tar.TypeDir},
				ent{name: "./berth.toml", body: "[wasm]\n"},
				ent{name: "app/", typ: tar.TypeDir},
				ent{name: "app/main.wasm", body: "\x00asm\x01\x00\x00\x00"},
				ent{name: "app/./lib/x.txt", body: "x"},
			)
			es, err := open(t, data, f.mediaType, Options{}).List()
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"berth.toml", "app", "app/main.wasm", "app/lib/x.txt"}
			if got := names(es); !slices.Equal(got, want) {
				t.Fatalf("names = %q, want %q", got, want)
			}
			if es[2].Size != 8 || es[2].Type != TypeFile || es[1].Type != TypeDir {
				t.Fatalf("entries = %+v", es)
			}
		})
	}
}

func TestRefused(t *testing.T) {
	small := Options{MaxEntries: 3, MaxTotalBytes: 100, MaxFileBytes: 10}
	cases := []struct {
		name     string
		opts     Options
		ents     []ent
		contains string
	}{
		{"Traversal", Options{}, []ent{{name: "a/../../etc/passwd", body: "x"}}, `".."`},
		{"TraversalLeading", Options{}, []ent{{name: "../x", body: "x"}}, `".."`},
		{"Absolute", Options{}, []ent{{name: "/etc/passwd", body: "x"}}, "absolute path"},
		{"Backslash", Options{}, []ent{{name: `a\..\b`, body: "x"}}, "backslash"},
		{"DriveLetter", Options{}, []ent{{name: "C:/x", body: "x"}}, "drive letter"},
		{"ControlChar", Options{}, []ent{{name: "a\x1bb", body: "x"}}, "control character"},
		{"Symlink", Options{}, []ent{{name: "l", typ: tar.TypeSymlink, link: "x"}}, "links are not allowed"},
		{"TooManyEntries", small, []ent{{name: "a"}, {name: "b"}, {name: "c"}, {name: "d"}}, "more than 3 entries"},
		{"FileTooLarge", small, []ent{{name: "a", body: strings.Repeat("x", 11)}}, "over the limit of 10 bytes"},
		{"TotalTooLarge", Options{MaxTotalBytes: 15, MaxFileBytes: 10}, []ent{{name: "a", body: "0123456789"}, {name: "b", body: "0123456789"}}, "add up to more than 15 bytes"},
		{"Duplicate", Options{}, []ent{{name: "a", body: "1"}, {name: "./a", body: "2"}}, "more than once"},
		{"FileAndDir", Options{}, []ent{{name: "a/b", body: "1"}, {name: "a", body: "2"}}, "more than once"},
		{"InsideFile", Options{}, []ent{{name: "a", body: "1"}, {name: "a/b", body: "2"}}, "not a directory"},
		{"SymlinkAbsolute", Options{Links: InternalLinks}, []ent{{name: "l", typ: tar.TypeSymlink, link: "/etc"}}, "absolute path"},
		{"SymlinkOutside", Options{Links: InternalLinks}, []ent{{name: "d/l", typ: tar.TypeSymlink, link: "../../etc"}}, "leads outside"},
		{"SymlinkChainOutside", Options{Links: InternalLinks}, []ent{
			{name: "s", typ: tar.TypeSymlink, link: "."},
			{name: "t", typ: tar.TypeSymlink, link: "s/../x"},
		}, "leads outside"},
		{"SymlinkThroughDirLink", Options{Links: InternalLinks}, []ent{
			{name: "a/b/", typ: tar.TypeDir},
			{name: "up", typ: tar.TypeSymlink, link: "a/b"},
			{name: "t", typ: tar.TypeSymlink, link: "up/../../../x"},
		}, "leads outside"},
		{"SymlinkLoop", Options{Links: InternalLinks}, []ent{
			{name: "a", typ: tar.TypeSymlink, link: "b"},
			{name: "b", typ: tar.TypeSymlink, link: "a"},
		}, "loop"},
		{"EntryInsideSymlink", Options{Links: InternalLinks}, []ent{
			{name: "l", typ: tar.TypeSymlink, link: "d"},
			{name: "l/x", body: "x"},
		}, "not a directory"},
	}
	for _, f := range formats {
		for _, c := range cases {
			t.Run(f.name+"/"+c.name, func(t *testing.T) {
				data := f.build(t, c.ents...)
				_, err := open(t, data, f.mediaType, c.opts).List()
				wantBad(t, err, c.contains)
			})
		}
	}
}

func TestTarOnly(t *testing.T) {
	cases := []struct {
		name     string
		opts     Options
		ents     []ent
		contains string
	}{
		{"Hardlink", Options{}, []ent{{name: "a", body: "x"}, {name: "b", typ: tar.TypeLink, link: "a"}}, "links are not allowed"},
		{"HardlinkMissing", Options{Links: InternalLinks}, []ent{{name: "b", typ: tar.TypeLink, link: "a"}}, "not a file earlier"},
		{"HardlinkOutside", Options{Links: InternalLinks}, []ent{{name: "b", typ: tar.TypeLink, link: "../a"}}, "not a file earlier"},
		{"CharDevice", Options{}, []ent{{name: "null", typ: tar.TypeChar}}, "device file"},
		{"BlockDevice", Options{}, []ent{{name: "sda", typ: tar.TypeBlock}}, "device file"},
		{"Fifo", Options{}, []ent{{name: "p", typ: tar.TypeFifo}}, "named pipe"},
		// PAX records are decompressed without being file content: the
		// stream cap stops an archive made of huge headers.
		{"HeaderBomb", Options{MaxEntries: 2, MaxTotalBytes: 1}, []ent{
			{name: "a", pax: map[string]string{"comment": strings.Repeat("x", 700<<10)}},
			{name: "b", pax: map[string]string{"comment": strings.Repeat("x", 700<<10)}},
		}, "expands to more than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := tarGz(t, c.ents...)
			_, err := open(t, data, MediaTypeGzip, c.opts).List()
			wantBad(t, err, c.contains)
		})
	}
}

func TestZipOnly(t *testing.T) {
	cases := []struct {
		name     string
		opts     Options
		ents     []ent
		contains string
	}{
		{"Encrypted", Options{}, []ent{{name: "a", body: "x", zipEnc: true}}, "encrypted"},
		{"Fifo", Options{}, []ent{{name: "p", typ: tar.TypeFifo}}, "not a regular file"},
		// The header claims 10 bytes; the data inflates to 1 MiB.
		{"LyingSize", Options{}, []ent{{name: "a", body: strings.Repeat("\x00", 1<<20), size: 10}}, "a"},
		{"DeclaredTooLarge", Options{MaxFileBytes: 100}, []ent{{name: "a", body: "x", size: 1 << 40}}, "over the limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := zipOf(t, c.ents...)
			a := open(t, data, MediaTypeZip, c.opts)
			_, err := a.ReadFile("a")
			wantBad(t, err, c.contains)
		})
	}
}

func TestInternalLinksOK(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			ents := []ent{
				{name: "bin/", typ: tar.TypeDir},
				{name: "bin/app", body: "#!/bin/sh\n", mode: 0o755},
				{name: "current", typ: tar.TypeSymlink, link: "bin/app"},
				{name: "bin/self", typ: tar.TypeSymlink, link: "../bin/./app"},
				{name: "dangling", typ: tar.TypeSymlink, link: "not/yet/there"},
			}
			data := f.build(t, ents...)
			dir := t.TempDir()
			es, err := open(t, data, f.mediaType, Options{Links: InternalLinks}).Extract(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != 5 {
				t.Fatalf("entries = %+v", es)
			}
			got, err := os.ReadFile(filepath.Join(dir, "current"))
			if err != nil || string(got) != "#!/bin/sh\n" {
				t.Fatalf("through link: %q, %v", got, err)
			}
			if target, _ := os.Readlink(filepath.Join(dir, "bin/self")); target != "../bin/./app" {
				t.Fatalf("link target = %q", target)
			}
		})
	}
}

func TestExtract(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			data := f.build(t,
				ent{name: "run.sh", body: "echo", mode: 0o4755},
				ent{name: "a/b/c.txt", body: "c"},
			)
			dir := t.TempDir()
			if _, err := open(t, data, f.mediaType, Options{}).Extract(dir); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(filepath.Join(dir, "run.sh"))
			if err != nil {
				t.Fatal(err)
			}
			if f.name == "TarGz" && fi.Mode() != 0o755 {
				t.Fatalf("mode = %v, want 0755 without setuid", fi.Mode())
			}
			if got, _ := os.ReadFile(filepath.Join(dir, "a/b/c.txt")); string(got) != "c" {
				t.Fatalf("c.txt = %q", got)
			}
		})
	}
}

func TestHardlinkExtract(t *testing.T) {
	data := tarGz(t, ent{name: "a", body: "same"}, ent{name: "d/b", typ: tar.TypeLink, link: "./a"})
	dir := t.TempDir()
	if _, err := open(t, data, MediaTypeGzip, Options{Links: InternalLinks}).Extract(dir); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "d/b")); string(got) != "same" {
		t.Fatalf("d/b = %q", got)
	}
}

func TestDamaged(t *testing.T) {
	good := tarGz(t, ent{name: "a", body: strings.Repeat("hello ", 1000)})
	cases := []struct {
		name, mediaType string
		data            []byte
	}{
		{"TruncatedGzip", MediaTypeGzip, good[:len(good)/2]},
		{"GzipNotTar", MediaTypeGzip, gzipOf(t, "not a tar archive at all, just text")},
		{"TruncatedZip", MediaTypeZip, zipOf(t, ent{name: "a", body: "x"})[:30]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := New(strings.NewReader(string(c.data)), int64(len(c.data)), c.mediaType, Options{})
			if err == nil {
				_, err = a.ReadFile("a")
			}
			wantBad(t, err, "")
		})
	}
}

func TestReadFileMissing(t *testing.T) {
	data := zipOf(t, ent{name: "a", body: "x"})
	_, err := open(t, data, MediaTypeZip, Options{}).ReadFile("b")
	wantBad(t, err, `no file "b"`)
}

func TestWalkRawModule(t *testing.T) {
	a := open(t, []byte("\x00asm\x01\x00\x00\x00"), MediaTypeWasm, Options{})
	if _, err := a.List(); !errors.Is(err, ErrNotArchive) {
		t.Fatalf("List on a module: %v", err)
	}
}
