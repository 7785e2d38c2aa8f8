;; bigheader: 80 header lines of 1 KiB each (80 KiB, over the 64 KiB header
;; limit but under 100 lines), then a blank line and a body (ErrBadResponse).
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "X-Filler: ")
  (data (i32.const 4096) "\nbody")
  (func (export "_start")
    (local $i i32)
    ;; the line: "X-Filler: " + 1013 'a' + "\n" = 1024 bytes at 1024
    (memory.fill (i32.const 1034) (i32.const 97) (i32.const 1013))
    (i32.store8 (i32.const 2047) (i32.const 10))
    (loop $line
      (i32.store (i32.const 0) (i32.const 1024))
      (i32.store (i32.const 4) (i32.const 1024))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $line (i32.lt_u (local.get $i) (i32.const 80))))
    (i32.store (i32.const 0) (i32.const 4096))
    (i32.store (i32.const 4) (i32.const 5))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
