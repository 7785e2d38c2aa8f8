package artefact

import (
	"os"
	"path/filepath"
	"testing"
)

const tinyModule = "\x00asm\x01\x00\x00\x00"

func TestModule(t *testing.T) {
	cases := []struct {
		name      string
		data      []byte
		mediaType string
		wantName  string
		contains  string
	}{
		{"Raw", []byte(tinyModule), MediaTypeWasm, "", ""},
		{"OnlyWasm", tarGz(t, ent{name: "README", body: "x"}, ent{name: "out/f.wasm", body: tinyModule}), MediaTypeGzip, "out/f.wasm", ""},
		{"ManifestChooses", zipOf(t,
			ent{name: "a.wasm", body: tinyModule},
			ent{name: "b.wasm", body: tinyModule},
			ent{name: "berth.toml", body: "[wasm]\nmodule = \"./b.wasm\"\n"},
		), MediaTypeZip, "b.wasm", ""},
		{"Ambiguous", zipOf(t, ent{name: "a.wasm", body: tinyModule}, ent{name: "b.wasm", body: tinyModule}), MediaTypeZip, "", "2 .wasm files (a.wasm, b.wasm)"},
		{"NoWasm", tarGz(t, ent{name: "main.go", body: "package main"}), MediaTypeGzip, "", "no .wasm file"},
		{"ManifestMissingModule", tarGz(t, ent{name: "berth.toml", body: "[wasm]\nmodule = \"x.wasm\"\n"}), MediaTypeGzip, "", `names the module "x.wasm"`},
		{"ManifestInvalid", tarGz(t, ent{name: "berth.toml", body: "[wasm]\nmodel = \"x.wasm\"\n"}, ent{name: "x.wasm", body: tinyModule}), MediaTypeGzip, "", `unknown key "wasm.model"`},
		{"NotAModule", tarGz(t, ent{name: "f.wasm", body: "hello"}), MediaTypeGzip, "", "not a WebAssembly module"},
		{"WrongVersion", []byte("\x00asm\x0d\x00\x01\x00"), MediaTypeWasm, "", "unsupported version"},
		{"RawNotModule", []byte("#!/bin/sh\necho hi\n"), "", "", "neither"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "artefact")
			if err := os.WriteFile(path, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := Open(path, c.mediaType, Options{})
			var m *Module
			if err == nil {
				defer f.Close()
				m, err = f.Module()
			}
			if c.contains != "" {
				wantBad(t, err, c.contains)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Name != c.wantName || string(m.Bytes) != tinyModule {
				t.Fatalf("module = %q (%d bytes), want %q", m.Name, len(m.Bytes), c.wantName)
			}
		})
	}
}

func TestManifestAbsent(t *testing.T) {
	a := open(t, tarGz(t, ent{name: "f.wasm", body: tinyModule}), MediaTypeGzip, Options{})
	if m, err := a.Manifest(); m != nil || err != nil {
		t.Fatalf("Manifest = %v, %v", m, err)
	}
}

func TestRawModuleTooLarge(t *testing.T) {
	data := append([]byte(tinyModule), make([]byte, 100)...)
	_, err := open(t, data, MediaTypeWasm, Options{MaxFileBytes: 50}).Module()
	wantBad(t, err, "over the limit")
}
