package wasm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/berth-platform/berth"
)

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func badf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{berth.ErrBadArtefact}, args...)...)
}

// compile compiles code and checks that it is a WASI command berth can run:
// a _start export, its own exported memory, imports only from
// wasi_snapshot_preview1, and a test instantiation (without running
// anything) that links.
func (r *Runtime) compile(ctx context.Context, code []byte) (wazero.CompiledModule, uint32, error) {
	compiled, err := r.wz.CompileModule(ctx, code)
	if err != nil {
		return nil, 0, badf("the module is not valid WebAssembly (%s): rebuild it, and check the upload is complete", firstLine(err))
	}
	minPages, err := r.check(ctx, compiled)
	if err != nil {
		_ = compiled.Close(ctx)
		return nil, 0, err
	}
	return compiled, minPages, nil
}

func (r *Runtime) check(ctx context.Context, c wazero.CompiledModule) (uint32, error) {
	start := c.ExportedFunctions()["_start"]
	if start == nil {
		return 0, badf("module has no _start export: build it as a WASI command (GOOS=wasip1 / --target=wasm32-wasi)")
	}
	if len(start.ParamTypes()) != 0 || len(start.ResultTypes()) != 0 {
		return 0, badf("the module's _start takes parameters or returns results: build it as a WASI command (GOOS=wasip1 / --target=wasm32-wasi)")
	}
	if err := r.checkImports(c); err != nil {
		return 0, err
	}
	mem := c.ExportedMemories()["memory"]
	if mem == nil {
		return 0, badf("the module does not export its memory as \"memory\": build it as a WASI command (GOOS=wasip1 / --target=wasm32-wasi)")
	}
	if limit := uint32(r.cfg.MaxMemoryMB) * pagesPerMB; mem.Min() > limit {
		return 0, badf("the module needs %d MiB of memory at start, more than the maximum of %d MiB: reduce its initial memory", pagesToMB(mem.Min()), r.cfg.MaxMemoryMB)
	}
	// Instantiate without running _start: catches what only linking finds
	// (data segments out of bounds, missing tables or globals).
	alloc := newAllocator(r.cfg.MaxMemoryMB)
	defer alloc.release()
	mod, err := r.wz.InstantiateModule(experimental.WithMemoryAllocator(ctx, alloc), c, r.base.WithStartFunctions())
	if err != nil {
		return 0, badf("the module cannot be instantiated (%s): build it as a WASI command", firstLine(err))
	}
	_ = mod.Close(ctx)
	return mem.Min(), nil
}

func (r *Runtime) checkImports(c wazero.CompiledModule) error {
	if len(c.ImportedMemories()) > 0 {
		return badf("the module imports its memory; berth provides none: build it as a WASI command that defines its own memory")
	}
	for _, f := range c.ImportedFunctions() {
		mod, name, _ := f.Import()
		if mod != wasi_snapshot_preview1.ModuleName {
			return badf("the module imports %s.%s, but only %s is available (no network, no host files): remove the import", mod, name, wasi_snapshot_preview1.ModuleName)
		}
		host := r.wasi[name]
		if host == nil {
			return badf("the module imports %s.%s, which does not exist: build it for WASI preview 1", mod, name)
		}
		if !sameTypes(f.ParamTypes(), host.ParamTypes()) || !sameTypes(f.ResultTypes(), host.ResultTypes()) {
			return badf("the module imports %s.%s with the wrong signature: build it for WASI preview 1", mod, name)
		}
	}
	return nil
}

func sameTypes(a, b []api.ValueType) bool { return slices.Equal(a, b) }

// firstLine keeps the first line of a wazero error (the rest is a stack
// trace).
func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
