// Package wasm is berth's WebAssembly runtime: it implements berth.Runtime
// on wazero and runs each invocation as a fresh instance of a WASI command
// module under the WAGI contract.
//
// # Contract with the module
//
// The request body is the module's stdin; the request is described by CGI
// environment variables (REQUEST_METHOD, PATH_INFO, QUERY_STRING,
// CONTENT_TYPE, CONTENT_LENGTH, SERVER_PROTOCOL, REMOTE_ADDR, GATEWAY_INTERFACE,
// SERVER_SOFTWARE, BERTH_EXECUTION_ID and HTTP_<NAME> per request header)
// next to the function's own environment; when a name is in both, the CGI
// variable wins. argv[0] is the module's name. The module writes a CGI
// response on stdout (header lines, a blank line, the body) and log lines on
// stderr.
//
// # Compilation and caching
//
// Prepare compiles a module once; deployments whose modules have the same
// bytes (same sha256) share one compiled module. With Config.CacheDir set,
// wazero also keeps compiled code on disk, so that the first call after a
// restart loads machine code instead of compiling. After a restart Invoke
// prepares lazily from DeploymentRef.ArtefactPath (and reports ColdStart).
//
// # Limits
//
// One wazero runtime serves every invocation. Memory is capped per
// invocation through wazero's experimental memory-allocator hook: the
// allocator refuses to grow linear memory past Limits.MemoryMB, which is also
// how an out-of-memory death is told apart from any other crash. On Linux
// linear memory is mapped outside the Go heap and unmapped when the call
// ends, so a peak of calls leaves nothing resident behind it. Across calls,
// Config.MemoryBudgetMB bounds the memory limits of the instances alive at
// once: a call reserves its limit before it starts and is refused with
// berth.ErrBusy when no room frees up within Config.MemoryWait. The
// deadline closes the instance (wazero's CloseOnContextDone); host sleeps
// are cut short by it too. A call whose deadline passed before it ended is
// a timeout, even when the module managed to answer and exit normally in
// between (it is stopped only when it next runs guest code). Output past
// Limits.MaxOutputBytes cancels the instance.
//
// # What it must never do
//
// The runtime never gives a module network access (no sockets are
// configured), host files (no file system is mounted), the host's
// environment, or any host function besides wasi_snapshot_preview1. It never
// logs request bodies, response bodies, environment values or headers: those
// carry secrets. It keeps no package-level state.
package wasm
