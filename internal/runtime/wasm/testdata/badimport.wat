;; badimport: imports a host function berth does not provide
;; (ErrBadArtefact).
(module
  (import "env" "http_fetch" (func $fetch (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $fetch (i32.const 0) (i32.const 0)))))
