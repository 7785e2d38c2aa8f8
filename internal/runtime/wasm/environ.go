package wasm

import (
	"context"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// A call's environment reaches the module through WASI's environ_get and
// environ_sizes_get, which berth serves itself from the call's context:
// wazero's ModuleConfig.WithEnv copies the whole configuration for every
// variable, which for a CGI environment of twenty variables cost a third
// of the runtime's time on a small module. Every other WASI function is
// wazero's.

// environKey carries the call's environment in the context.
type environKey struct{}

// environ is a call's environment as WASI hands it over: "KEY=value\x00"
// entries and their total size.
type environ struct {
	entries [][]byte
	size    uint32
}

func newEnviron(vars [][2]string) *environ {
	e := &environ{entries: make([][]byte, 0, len(vars))}
	for _, kv := range vars {
		b := make([]byte, 0, len(kv[0])+len(kv[1])+2)
		b = append(append(append(append(b, kv[0]...), '='), kv[1]...), 0)
		e.entries = append(e.entries, b)
		e.size += uint32(len(b)) //nolint:gosec // G115: bounded by the request's header and env limits
	}
	return e
}

func withEnviron(ctx context.Context, e *environ) context.Context {
	return context.WithValue(ctx, environKey{}, e)
}

func environFrom(ctx context.Context) *environ {
	e, _ := ctx.Value(environKey{}).(*environ)
	if e == nil {
		return &environ{}
	}
	return e
}

// WASI errno values (snapshot preview1).
const (
	errnoSuccess = 0
	errnoFault   = 21
)

// environSizesGet writes the number of variables and their total size.
func environSizesGet(ctx context.Context, mod api.Module, stack []uint64) {
	e := environFrom(ctx)
	mem := mod.Memory()
	if !mem.WriteUint32Le(uint32(stack[0]), uint32(len(e.entries))) || !mem.WriteUint32Le(uint32(stack[1]), e.size) { //nolint:gosec // G115: wasm32 offsets
		stack[0] = errnoFault
		return
	}
	stack[0] = errnoSuccess
}

// environGet writes each variable's offset at environ and the variables
// themselves, NUL-terminated, from buf on.
func environGet(ctx context.Context, mod api.Module, stack []uint64) {
	e := environFrom(ctx)
	mem := mod.Memory()
	offsets, buf := uint32(stack[0]), uint32(stack[1]) //nolint:gosec // G115: wasm32 offsets
	for _, kv := range e.entries {
		if !mem.WriteUint32Le(offsets, buf) || !mem.Write(buf, kv) {
			stack[0] = errnoFault
			return
		}
		offsets += 4
		buf += uint32(len(kv)) //nolint:gosec // G115: bounded as above
	}
	stack[0] = errnoSuccess
}

// instantiateWASI adds wazero's WASI with the environment functions above.
func instantiateWASI(ctx context.Context, wz wazero.Runtime) error {
	b := wz.NewHostModuleBuilder(wasi_snapshot_preview1.ModuleName)
	wasi_snapshot_preview1.NewFunctionExporter().ExportFunctions(b)
	i32 := []api.ValueType{api.ValueTypeI32, api.ValueTypeI32}
	errno := []api.ValueType{api.ValueTypeI32}
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(environGet), i32, errno).
		WithParameterNames("environ", "environ_buf").WithResultNames("errno").Export("environ_get")
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(environSizesGet), i32, errno).
		WithParameterNames("result.environc", "result.environv_len").WithResultNames("errno").Export("environ_sizes_get")
	_, err := b.Instantiate(ctx)
	return err
}
