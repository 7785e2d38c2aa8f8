package artefact

import (
	"bytes"
	"errors"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// ManifestName is the manifest's file name at the root of an archive.
const ManifestName = "berth.toml"

// MaxManifestBytes caps the size of berth.toml.
const MaxManifestBytes = 64 << 10

// Manifest is berth.toml. Every field is optional; zero means "use the
// platform's default".
type Manifest struct {
	Function  FunctionSettings  `toml:"function"`
	Wasm      WasmSettings      `toml:"wasm"`
	Container ContainerSettings `toml:"container"`
}

// FunctionSettings is the [function] table.
type FunctionSettings struct {
	MemoryMB       int               `toml:"memory_mb"`
	TimeoutMS      int               `toml:"timeout_ms"`
	MaxConcurrency int               `toml:"max_concurrency"`
	Env            map[string]string `toml:"env"`
}

// WasmSettings is the [wasm] table.
type WasmSettings struct {
	// Module is the path of the module inside the archive. Empty means the
	// archive's only *.wasm file.
	Module string `toml:"module"`
}

// Container modes.
const (
	ContainerHTTP = "http" // the process serves HTTP on Port
	ContainerExec = "exec" // the process is run per request, WAGI-style
)

// ContainerSettings is the [container] table.
type ContainerSettings struct {
	Mode    string   `toml:"mode"` // "http", "exec" or empty
	Port    int      `toml:"port"`
	Command []string `toml:"command"`
}

// Bounds checked by ParseManifest. The platform applies its own, usually
// tighter, limits per plan.
const (
	maxMemoryMB       = 65536
	maxTimeoutMS      = 3_600_000
	maxConcurrency    = 10_000
	maxEnvVars        = 256
	maxEnvValueBytes  = 32 << 10
	maxCommandArgs    = 256
	maxCommandArgSize = 4096
)

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,255}$`)

const knownKeys = "[function] memory_mb, timeout_ms, max_concurrency, env; [wasm] module; [container] mode, port, command"

// ParseManifest parses and checks berth.toml. Unknown keys are refused so
// that a misspelt setting never goes unnoticed.
func ParseManifest(data []byte) (*Manifest, error) {
	if len(data) > MaxManifestBytes {
		return nil, badf("%s is larger than %d bytes: keep it to settings", ManifestName, MaxManifestBytes)
	}
	var m Manifest
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, manifestError(err)
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

func manifestError(err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) && len(strict.Errors) > 0 {
		e := strict.Errors[0]
		row, _ := e.Position()
		return badf("%s line %d: unknown key %q: check its spelling; the known keys are %s", ManifestName, row, strings.Join(e.Key(), "."), knownKeys)
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, col := de.Position()
		return badf("%s line %d, column %d: %s: fix the TOML syntax", ManifestName, row, col, strings.TrimPrefix(de.Error(), "toml: "))
	}
	return badf("%s: %s: check the value's type (numbers without quotes, env values as strings)", ManifestName, strings.TrimPrefix(err.Error(), "toml: "))
}

func (m *Manifest) validate() error {
	f := m.Function
	if err := inRange("function.memory_mb", f.MemoryMB, maxMemoryMB); err != nil {
		return err
	}
	if err := inRange("function.timeout_ms", f.TimeoutMS, maxTimeoutMS); err != nil {
		return err
	}
	if err := inRange("function.max_concurrency", f.MaxConcurrency, maxConcurrency); err != nil {
		return err
	}
	if err := validateEnv(f.Env); err != nil {
		return err
	}
	if m.Wasm.Module != "" {
		if _, err := cleanName(m.Wasm.Module); err != nil {
			return badf("%s: wasm.module %q is not a usable path: give the module's path relative to the archive root, with forward slashes and without \"..\"", ManifestName, m.Wasm.Module)
		}
	}
	return m.Container.validate()
}

func inRange(key string, v, max int) error {
	if v < 0 || v > max {
		return badf("%s: %s is %d; it must be between 0 (the default) and %d", ManifestName, key, v, max)
	}
	return nil
}

func validateEnv(env map[string]string) error {
	if len(env) > maxEnvVars {
		return badf("%s: function.env has more than %d variables: keep it to settings", ManifestName, maxEnvVars)
	}
	for k, v := range env {
		if !envName.MatchString(k) {
			return badf("%s: function.env key %q is not a valid variable name: use letters, digits and _ and do not start with a digit", ManifestName, k)
		}
		// The value itself is never quoted back: it may be a secret.
		if strings.ContainsRune(v, 0) || len(v) > maxEnvValueBytes {
			return badf("%s: the value of function.env.%s contains a NUL byte or is longer than %d bytes", ManifestName, k, maxEnvValueBytes)
		}
	}
	return nil
}

func (c ContainerSettings) validate() error {
	switch c.Mode {
	case "", ContainerHTTP, ContainerExec:
	default:
		return badf("%s: container.mode is %q; it must be %q or %q", ManifestName, c.Mode, ContainerHTTP, ContainerExec)
	}
	if c.Port < 0 || c.Port > 65535 {
		return badf("%s: container.port is %d; it must be between 1 and 65535", ManifestName, c.Port)
	}
	if len(c.Command) > maxCommandArgs {
		return badf("%s: container.command has more than %d elements", ManifestName, maxCommandArgs)
	}
	for i, a := range c.Command {
		if a == "" && i == 0 {
			return badf("%s: container.command starts with an empty string: name the program to run first", ManifestName)
		}
		if strings.ContainsRune(a, 0) || len(a) > maxCommandArgSize {
			return badf("%s: container.command element %d contains a NUL byte or is longer than %d bytes", ManifestName, i, maxCommandArgSize)
		}
	}
	return nil
}
