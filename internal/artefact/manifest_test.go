package artefact

import (
	"strings"
	"testing"
)

func TestParseManifest(t *testing.T) {
	const full = `
[function]
memory_mb = 64
timeout_ms = 2500
max_concurrency = 8
env = { GREETING = "hi", LOG_LEVEL = "debug" }

[wasm]
module = "bin/app.wasm"

[container]
mode = "http"
port = 8080
command = ["/app", "--serve"]
`
	m, err := ParseManifest([]byte(full))
	if err != nil {
		t.Fatal(err)
	}
	f := m.Function
	if f.MemoryMB != 64 || f.TimeoutMS != 2500 || f.MaxConcurrency != 8 || f.Env["GREETING"] != "hi" || len(f.Env) != 2 {
		t.Fatalf("function = %+v", f)
	}
	if m.Wasm.Module != "bin/app.wasm" || m.Container.Mode != "http" || m.Container.Port != 8080 || len(m.Container.Command) != 2 {
		t.Fatalf("manifest = %+v", m)
	}
	if m, err := ParseManifest(nil); err != nil || m.Function.MemoryMB != 0 {
		t.Fatalf("empty manifest: %+v, %v", m, err)
	}
}

func TestParseManifestRefused(t *testing.T) {
	cases := []struct {
		name, doc, contains string
	}{
		{"UnknownKey", "[function]\nmemroy_mb = 3\n", `unknown key "function.memroy_mb"`},
		{"UnknownTable", "[functions]\nmemory_mb = 3\n", `unknown key "functions"`},
		{"UnknownTopLevel", "name = \"x\"\n", `unknown key "name"`},
		{"WrongType", "[function]\nmemory_mb = \"64\"\n", "type"},
		{"Syntax", "[function\nmemory_mb = 3\n", "line 1"},
		{"Negative", "[function]\ntimeout_ms = -1\n", "function.timeout_ms is -1"},
		{"TooMuchMemory", "[function]\nmemory_mb = 1000000\n", "function.memory_mb"},
		{"EnvName", "[function.env]\n\"1BAD\" = \"x\"\n", `"1BAD" is not a valid variable name`},
		{"EnvNotString", "[function.env]\nA = 1\n", "type"},
		{"Mode", "[container]\nmode = \"daemon\"\n", `container.mode is "daemon"`},
		{"Port", "[container]\nport = 70000\n", "container.port"},
		{"EmptyCommand", "[container]\ncommand = [\"\"]\n", "empty string"},
		{"ModulePath", "[wasm]\nmodule = \"../x.wasm\"\n", "wasm.module"},
		{"TooLarge", "# " + strings.Repeat("x", MaxManifestBytes), "larger than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseManifest([]byte(c.doc))
			wantBad(t, err, c.contains)
		})
	}
}

func TestEnvValueNeverQuoted(t *testing.T) {
	_, err := ParseManifest([]byte("[function.env]\nSECRET = \"hunter2\\u0000\"\n"))
	wantBad(t, err, "function.env.SECRET")
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error quotes the value: %v", err)
	}
}
