;; logflood: writes 256 log lines of 4 KiB (1 MiB) to stderr, then a valid
;; response. Logs are cut at Limits.MaxLogBytes; the response stands.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "Content-Type: text/plain\n\nok")
  (func (export "_start")
    (local $i i32)
    (memory.fill (i32.const 8192) (i32.const 108) (i32.const 4095))
    (i32.store8 (i32.const 12287) (i32.const 10))
    (loop $line
      (i32.store (i32.const 0) (i32.const 8192))
      (i32.store (i32.const 4) (i32.const 4096))
      (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $line (i32.lt_u (local.get $i) (i32.const 256))))
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 28))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
