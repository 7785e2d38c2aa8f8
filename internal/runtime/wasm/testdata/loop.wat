;; loop: spins forever. The deadline must stop it (ErrTimeout).
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $forever
      (br $forever))))
