;; nostart: a reactor-style module with no _start export (ErrBadArtefact).
(module
  (memory (export "memory") 1)
  (func (export "_initialize"))
  (func (export "handle") (result i32)
    (i32.const 0)))
