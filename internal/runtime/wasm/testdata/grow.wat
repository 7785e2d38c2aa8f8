;; grow: grows linear memory one page at a time until memory.grow fails,
;; then traps, as an allocator that cannot go on would (ErrOutOfMemory).
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $more
      (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1))
        (then unreachable))
      (br $more))))
