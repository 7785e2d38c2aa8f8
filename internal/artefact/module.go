package artefact

import (
	"bytes"
	"io"
	"path"
	"slices"
	"strings"
)

// Module is the WebAssembly module an artefact carries.
type Module struct {
	// Name is the module's path inside the archive, or "" for a raw module.
	Name     string
	Bytes    []byte
	Manifest *Manifest // nil when the artefact has no berth.toml
}

// Manifest returns the archive's berth.toml, or nil when it has none (and
// always for a raw module).
func (a *Archive) Manifest() (*Manifest, error) {
	if a.kind == KindModule {
		return nil, nil
	}
	m, _, err := a.scan()
	return m, err
}

// Module returns the module of a raw-module artefact, or the module an
// archive names in berth.toml ([wasm] module), or else the archive's only
// *.wasm file. The bytes are checked to start like a WebAssembly module;
// they are not validated further (the runtime compiles them).
func (a *Archive) Module() (*Module, error) {
	if a.kind == KindModule {
		data, err := a.readRaw()
		if err != nil {
			return nil, err
		}
		return &Module{Bytes: data}, checkModule(data, "the upload")
	}
	m, files, err := a.scan()
	if err != nil {
		return nil, err
	}
	name, err := chooseModule(m, files)
	if err != nil {
		return nil, err
	}
	data, err := a.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return &Module{Name: name, Bytes: data, Manifest: m}, checkModule(data, name)
}

// scan walks the archive once: it reads berth.toml and lists regular files.
func (a *Archive) scan() (*Manifest, []string, error) {
	var manifest []byte
	var files []string
	hasManifest := false
	err := a.Walk(func(e Entry, content io.Reader) error {
		if e.Name == ManifestName {
			if e.Type != TypeFile {
				return badf("%s is a %s: make it a plain file", ManifestName, e.Type)
			}
			if e.Size > MaxManifestBytes {
				return badf("%s is larger than %d bytes: keep it to settings", ManifestName, MaxManifestBytes)
			}
			hasManifest = true
			var err error
			manifest, err = io.ReadAll(content)
			return err
		}
		if e.Type == TypeFile {
			files = append(files, e.Name)
		}
		return nil
	})
	if err != nil || !hasManifest {
		return nil, files, err
	}
	m, err := ParseManifest(manifest)
	return m, files, err
}

func chooseModule(m *Manifest, files []string) (string, error) {
	if m != nil && m.Wasm.Module != "" {
		name := path.Clean(m.Wasm.Module)
		if !slices.Contains(files, name) {
			return "", badf("%s names the module %q, which is not a file in the archive: fix [wasm] module or add the file", ManifestName, name)
		}
		return name, nil
	}
	var wasmFiles []string
	for _, f := range files {
		if strings.HasSuffix(f, ".wasm") {
			wasmFiles = append(wasmFiles, f)
		}
	}
	switch len(wasmFiles) {
	case 0:
		return "", badf("the archive holds no .wasm file: add your compiled module")
	case 1:
		return wasmFiles[0], nil
	}
	shown := wasmFiles
	if len(shown) > 5 {
		shown = shown[:5]
	}
	return "", badf("the archive holds %d .wasm files (%s): name the one to run in %s under [wasm] module", len(wasmFiles), strings.Join(shown, ", "), ManifestName)
}

func (a *Archive) readRaw() ([]byte, error) {
	if a.size > a.opts.MaxFileBytes {
		return nil, badf("the module is %d bytes, over the limit of %d bytes: build it with optimisations or strip debug sections", a.size, a.opts.MaxFileBytes)
	}
	data := make([]byte, a.size)
	if _, err := a.r.ReadAt(data, 0); err != nil && err != io.EOF {
		return nil, err
	}
	return data, nil
}

var wasmHeader = []byte("\x00asm\x01\x00\x00\x00")

func checkModule(data []byte, what string) error {
	switch {
	case !bytes.HasPrefix(data, wasmMagic):
		return badf("%s is not a WebAssembly module (it does not start with \\0asm): upload the .wasm file your compiler produced", what)
	case !bytes.HasPrefix(data, wasmHeader):
		return badf("%s is a WebAssembly module of an unsupported version or is truncated: build a WebAssembly 1.0 module (for example GOOS=wasip1 GOARCH=wasm)", what)
	}
	return nil
}
