;; residue: reports whether memory it did not initialise holds anything,
;; then scribbles on it. It grows its memory by a page, reads a word in
;; its first page, one in its second and one in the grown third, answers
;; "clean" when all three are zero and "dirty" otherwise, then stores
;; 0xdeadbeef at each. A runtime that passed memory from one call to the
;; next would make the second call answer "dirty".
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 256) "Content-Type: text/plain\n\nclean")
  (data (i32.const 320) "Content-Type: text/plain\n\ndirty")
  (func (export "_start")
    (local $seen i32)
    (drop (memory.grow (i32.const 1)))
    (local.set $seen
      (i32.or (i32.load (i32.const 4096))
        (i32.or (i32.load (i32.const 70000)) (i32.load (i32.const 140000)))))
    ;; iovec at 0: the clean or the dirty answer, 31 bytes.
    (i32.store (i32.const 0) (select (i32.const 320) (i32.const 256) (local.get $seen)))
    (i32.store (i32.const 4) (i32.const 31))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 4096) (i32.const 0xdeadbeef))
    (i32.store (i32.const 70000) (i32.const 0xdeadbeef))
    (i32.store (i32.const 140000) (i32.const 0xdeadbeef))))
