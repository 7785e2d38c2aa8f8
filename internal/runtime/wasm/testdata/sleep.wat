;; sleep: sleeps ten seconds in the host (poll_oneoff with one relative
;; clock subscription, as wasi-libc's nanosleep does), then writes a
;; complete response and returns from _start. Run under a shorter deadline
;; it must always time out (ErrTimeout), however soon after the wake-up it
;; answers.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0: iovec, 8: bytes written, 12: events out, 64: the subscription
  ;; (userdata, tag 0 = clock, clock id 1 = monotonic, timeout in ns,
  ;; precision, flags 0 = relative), 128: its event, 256: the response.
  (data (i32.const 256) "Content-Type: text/plain\n\nawake")
  (func (export "_start")
    (i64.store (i32.const 64) (i64.const 0))
    (i32.store8 (i32.const 72) (i32.const 0))
    (i32.store (i32.const 80) (i32.const 1))
    (i64.store (i32.const 88) (i64.const 10000000000))
    (i64.store (i32.const 96) (i64.const 0))
    (i32.store16 (i32.const 104) (i32.const 0))
    (drop (call $poll_oneoff (i32.const 64) (i32.const 128) (i32.const 1) (i32.const 12)))
    (i32.store (i32.const 0) (i32.const 256))
    (i32.store (i32.const 4) (i32.const 31))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
