package wasm

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTestdataUpToDate checks that each committed testdata/*.wasm is what
// wat2wasm makes of its .wat. Rebuild with testdata/gen.sh.
func TestTestdataUpToDate(t *testing.T) {
	wat2wasm, err := exec.LookPath("wat2wasm")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("wat2wasm not found: apt-get install -y wabt")
		}
		t.Skip("wat2wasm not found (apt-get install -y wabt)")
	}
	sources, err := filepath.Glob(testdata("*.wat"))
	if err != nil || len(sources) == 0 {
		t.Fatalf("no .wat files: %v", err)
	}
	dir := t.TempDir()
	for _, src := range sources {
		name := strings.TrimSuffix(filepath.Base(src), ".wat") + ".wasm"
		out := filepath.Join(dir, name)
		if msg, err := exec.Command(wat2wasm, "-o", out, src).CombinedOutput(); err != nil {
			t.Fatalf("wat2wasm %s: %v\n%s", src, err, msg)
		}
		fresh, _ := os.ReadFile(out)
		committed, err := os.ReadFile(testdata(name))
		if err != nil || !bytes.Equal(fresh, committed) {
			t.Errorf("testdata/%s is out of date with its .wat (%v): run testdata/gen.sh", name, err)
		}
	}
}
