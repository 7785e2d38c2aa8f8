package reliability

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/testenv"
)

// wasmTestdata is the wasm runtime's own set of test modules (good and
// hostile), reused here rather than copied.
const wasmTestdata = "../internal/runtime/wasm/testdata"

// readWasm reads one of the wasm runtime's test modules.
func readWasm(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(wasmTestdata, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// compileWat turns a module of this package's testdata into wasm with
// wat2wasm (Debian package wabt).
func compileWat(t testing.TB, name string) []byte {
	t.Helper()
	wat2wasm, err := exec.LookPath("wat2wasm")
	if err != nil {
		testenv.Unavailable(t, "wat2wasm is not installed (apt-get install -y wabt): %v", err)
	}
	out := filepath.Join(t.TempDir(), strings.TrimSuffix(name, ".wat")+".wasm")
	if msg, err := exec.Command(wat2wasm, "-o", out, filepath.Join("testdata", name)).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm %s: %v\n%s", name, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withCustomSection returns module with a custom section appended, so that
// the same code has another hash (and misses every compilation cache).
func withCustomSection(module []byte, name string, payload []byte) []byte {
	var sec []byte
	sec = binary.AppendUvarint(sec, uint64(len(name)))
	sec = append(sec, name...)
	sec = append(sec, payload...)
	out := append([]byte{}, module...)
	out = append(out, 0) // custom section id
	out = binary.AppendUvarint(out, uint64(len(sec)))
	return append(out, sec...)
}

// ctxT is a context bounded by the client timeout.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	t.Cleanup(cancel)
	return ctx
}

// newFunction creates a function and deploys an artefact as its first
// version.
func newFunction(t testing.TB, c *client.Client, name, runtime, contentType string, artefact []byte) *client.Function {
	t.Helper()
	f, err := c.InitFunction(ctxT(t), name, runtime, "")
	if err != nil {
		t.Fatalf("init %s: %v", name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute) // a container build
	defer cancel()
	res, err := c.Deploy(ctx, f.ID, contentType, artefact)
	if err != nil {
		t.Fatalf("deploy %s: %v", name, err)
	}
	return &res.Function
}

// newAPIKey creates an API key of a function.
func newAPIKey(t testing.TB, c *client.Client, functionID string) *client.NewAPIKey {
	t.Helper()
	k, err := c.CreateAPIKey(ctxT(t), functionID, "reliability", "")
	if err != nil {
		t.Fatalf("api key: %v", err)
	}
	return k
}

// setSettings patches a function's settings.
func setSettings(t testing.TB, c *client.Client, id string, p client.SettingsPatch) {
	t.Helper()
	if _, err := c.UpdateFunction(ctxT(t), id, p); err != nil {
		t.Fatalf("settings of %s: %v", id, err)
	}
}

// targz packs files into a .tar.gz build context; names ending in "fn"
// are executable.
func targz(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range files {
		mode := int64(0o644)
		if strings.HasSuffix(name, "fn") {
			mode = 0o755
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// containerContext is a build context of the container runtime's test
// function: a scratch image around its static binary, run with args in
// mode ("exec" or "http").
func containerContext(t testing.TB, mode string, args ...string) []byte {
	t.Helper()
	fnPath, err := bin.fnStatic()
	if err != nil {
		t.Fatal(err)
	}
	fn, err := os.ReadFile(fnPath)
	if err != nil {
		t.Fatal(err)
	}
	command := `"/fn"`
	for _, a := range args {
		command += `, "` + a + `"`
	}
	return targz(t, map[string][]byte{
		"Containerfile": []byte("FROM scratch\nCOPY fn /fn\n"),
		"fn":            fn,
		"berth.toml":    []byte("[container]\nmode = \"" + mode + "\"\ncommand = [" + command + "]\n"),
	})
}

// needPodman makes a container test unavailable without Podman.
func needPodman(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("podman"); err != nil {
		testenv.Unavailable(t, "podman is not installed (apt-get install -y podman runc): %v", err)
	}
}

// havePodman reports whether Podman is installed.
func havePodman() bool {
	_, err := exec.LookPath("podman")
	return err == nil
}
