;; hold: grows its linear memory to 500 MiB (8000 pages) one page at a
;; time, writing to every 4 KiB of each new page so that the memory is
;; resident, then holds it for one second (asleep in poll_oneoff) and
;; answers "held". A call of it under a memory limit of 512 MiB uses all of
;; that; several at once measure the memory budget.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The layout of sleep.wat: 0 iovec, 8 bytes written, 12 events out,
  ;; 64 the clock subscription, 128 its event, 256 the response.
  (data (i32.const 256) "Content-Type: text/plain\n\nheld")
  (func (export "_start")
    (local $p i32) (local $end i32)
    (block $full
      (loop $grow
        (br_if $full (i32.ge_u (memory.size) (i32.const 8000)))
        (local.set $p (i32.shl (memory.grow (i32.const 1)) (i32.const 16)))
        (if (i32.lt_s (local.get $p) (i32.const 0)) (then unreachable))
        (local.set $end (i32.add (local.get $p) (i32.const 65536)))
        (loop $touch
          (i32.store8 (local.get $p) (i32.const 1))
          (local.set $p (i32.add (local.get $p) (i32.const 4096)))
          (br_if $touch (i32.lt_u (local.get $p) (local.get $end))))
        (br $grow)))
    (i64.store (i32.const 64) (i64.const 0))
    (i32.store8 (i32.const 72) (i32.const 0))
    (i32.store (i32.const 80) (i32.const 1))
    (i64.store (i32.const 88) (i64.const 1000000000))
    (i64.store (i32.const 96) (i64.const 0))
    (i32.store16 (i32.const 104) (i32.const 0))
    (drop (call $poll_oneoff (i32.const 64) (i32.const 128) (i32.const 1) (i32.const 12)))
    (i32.store (i32.const 0) (i32.const 256))
    (i32.store (i32.const 4) (i32.const 30))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
