;; hugeout: a valid response whose body is 8 MiB, more than the platform's
;; response limit (6 MiB by default), written in one call; then the
;; module ends normally. (The wasm runtime's flood.wat writes without end.)
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 129)
  (data (i32.const 16) "Content-Type: text/plain\n\n")
  (func (export "_start")
    (memory.fill (i32.const 65536) (i32.const 104) (i32.const 8388608))
    ;; two iovecs at 64: the headers, then the body
    (i32.store (i32.const 64) (i32.const 16))
    (i32.store (i32.const 68) (i32.const 26))
    (i32.store (i32.const 72) (i32.const 65536))
    (i32.store (i32.const 76) (i32.const 8388608))
    (drop (call $fd_write (i32.const 1) (i32.const 64) (i32.const 2) (i32.const 8)))))
