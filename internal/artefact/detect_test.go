package artefact

import (
	"testing"
)

func TestDetect(t *testing.T) {
	wasm := []byte("\x00asm\x01\x00\x00\x00")
	gz := []byte{0x1f, 0x8b, 8, 0}
	zp := []byte("PK\x03\x04")
	cases := []struct {
		name      string
		mediaType string
		head      []byte
		want      Kind
		contains  string // non-empty: an error is expected
	}{
		{"Wasm", MediaTypeWasm, wasm, KindModule, ""},
		{"Gzip", MediaTypeGzip, gz, KindTarGz, ""},
		{"GzipAlias", "application/x-gzip", gz, KindTarGz, ""},
		{"Zip", MediaTypeZip, zp, KindZip, ""},
		{"ZipWithParams", "application/zip; charset=binary", zp, KindZip, ""},
		{"SniffOctetStream", "application/octet-stream", wasm, KindModule, ""},
		{"SniffEmpty", "", zp, KindZip, ""},
		{"NotWasm", MediaTypeWasm, []byte("hello world"), "", "not a WebAssembly module"},
		{"Mismatch", MediaTypeWasm, zp, "", "matching Content-Type"},
		{"Unsupported", "text/plain", wasm, "", "not supported"},
		{"Unparsable", "a/b; ===", wasm, "", "cannot be parsed"},
		{"Unknown", "", []byte("#!/bin/sh"), "", "neither"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Detect(c.mediaType, c.head)
			if c.contains != "" {
				wantBad(t, err, c.contains)
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("Detect = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}
