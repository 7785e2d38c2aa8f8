;; echo: the valid module of the conformance suite (runtimetest's Echo
;; fixture). It writes on stderr "echo: <REQUEST_METHOD> <PATH_INFO>", then
;; on stdout:
;;   Status: <HTTP_X_STATUS>            (only when that header was sent)
;;   Content-Type: text/plain; charset=utf-8
;;   X-Method: <REQUEST_METHOD>
;;   X-Path: <PATH_INFO>
;;   X-Query: <QUERY_STRING>
;;   X-Content-Length: <CONTENT_LENGTH>
;;   X-Test: <HTTP_X_TEST>              (when set)
;;   X-Greeting: <GREETING>             (when set: the function's env)
;; a blank line, and stdin copied as the body.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)

  ;; 0: iovec, 8: bytes read or written, 16: variable count, 20: their size.
  ;; NUL-terminated strings from 256; the I/O buffer at 8192..65535;
  ;; the environment from page 1 on.
  (data (i32.const 256) "Content-Type: text/plain; charset=utf-8\n\00")
  (data (i32.const 320) "REQUEST_METHOD\00")
  (data (i32.const 352) "PATH_INFO\00")
  (data (i32.const 384) "QUERY_STRING\00")
  (data (i32.const 416) "CONTENT_LENGTH\00")
  (data (i32.const 448) "HTTP_X_TEST\00")
  (data (i32.const 480) "GREETING\00")
  (data (i32.const 512) "HTTP_X_STATUS\00")
  (data (i32.const 544) "X-Method: \00")
  (data (i32.const 576) "X-Path: \00")
  (data (i32.const 608) "X-Query: \00")
  (data (i32.const 640) "X-Content-Length: \00")
  (data (i32.const 672) "X-Test: \00")
  (data (i32.const 704) "X-Greeting: \00")
  (data (i32.const 736) "Status: \00")
  (data (i32.const 768) "echo: \00")
  (data (i32.const 800) " \00")
  (data (i32.const 808) "\n\00")

  (global $env_ptrs (mut i32) (i32.const 65536))
  (global $env_count (mut i32) (i32.const 0))
  (global $vlen (mut i32) (i32.const 0))

  (func $strlen (param $p i32) (result i32)
    (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  ;; write sends len bytes at p to fd, retrying short writes, giving up on
  ;; an error.
  (func $write (param $fd i32) (param $p i32) (param $len i32)
    (block $done
      (loop $more
        (br_if $done (i32.le_s (local.get $len) (i32.const 0)))
        (i32.store (i32.const 0) (local.get $p))
        (i32.store (i32.const 4) (local.get $len))
        (br_if $done (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
        (br_if $done (i32.eqz (i32.load (i32.const 8))))
        (local.set $p (i32.add (local.get $p) (i32.load (i32.const 8))))
        (local.set $len (i32.sub (local.get $len) (i32.load (i32.const 8))))
        (br $more))))

  (func $puts (param $fd i32) (param $s i32)
    (call $write (local.get $fd) (local.get $s) (call $strlen (local.get $s))))

  ;; getenv returns the address of the value of the variable named by the
  ;; string at key, or -1; the value's length is left in $vlen.
  (func $getenv (param $key i32) (result i32)
    (local $klen i32) (local $i i32) (local $e i32) (local $j i32)
    (local.set $klen (call $strlen (local.get $key)))
    (block $notfound
      (loop $each
        (br_if $notfound (i32.ge_u (local.get $i) (global.get $env_count)))
        (local.set $e (i32.load (i32.add (global.get $env_ptrs) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $j (i32.const 0))
        (block $mismatch
          (loop $cmp
            (if (i32.eq (local.get $j) (local.get $klen))
              (then
                (br_if $mismatch (i32.ne (i32.load8_u (i32.add (local.get $e) (local.get $j))) (i32.const 61)))
                (local.set $e (i32.add (local.get $e) (i32.add (local.get $j) (i32.const 1))))
                (global.set $vlen (call $strlen (local.get $e)))
                (return (local.get $e))))
            (br_if $mismatch
              (i32.ne (i32.load8_u (i32.add (local.get $e) (local.get $j)))
                      (i32.load8_u (i32.add (local.get $key) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $cmp)))
        (br $each)))
    (i32.const -1))

  ;; putvar writes the value of the variable named at key to fd, if set.
  (func $putvar (param $fd i32) (param $key i32)
    (local $v i32)
    (local.set $v (call $getenv (local.get $key)))
    (if (i32.ne (local.get $v) (i32.const -1))
      (then (call $write (local.get $fd) (local.get $v) (global.get $vlen)))))

  ;; header writes "<name><value>\n" when the variable is set and, if
  ;; nonempty, not empty.
  (func $header (param $name i32) (param $key i32) (param $nonempty i32)
    (local $v i32)
    (local.set $v (call $getenv (local.get $key)))
    (if (i32.eq (local.get $v) (i32.const -1)) (then (return)))
    (if (i32.and (local.get $nonempty) (i32.eqz (global.get $vlen))) (then (return)))
    (call $puts (i32.const 1) (local.get $name))
    (call $write (i32.const 1) (local.get $v) (global.get $vlen))
    (call $puts (i32.const 1) (i32.const 808)))

  (func $load_env
    (local $need i32) (local $pages i32)
    (drop (call $environ_sizes_get (i32.const 16) (i32.const 20)))
    (global.set $env_count (i32.load (i32.const 16)))
    (local.set $need
      (i32.add (i32.add (global.get $env_ptrs) (i32.shl (global.get $env_count) (i32.const 2)))
               (i32.load (i32.const 20))))
    (local.set $pages (i32.shr_u (i32.add (local.get $need) (i32.const 65535)) (i32.const 16)))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then
        (if (i32.eq (memory.grow (i32.sub (local.get $pages) (memory.size))) (i32.const -1))
          (then unreachable))))
    (drop (call $environ_get
      (global.get $env_ptrs)
      (i32.add (global.get $env_ptrs) (i32.shl (global.get $env_count) (i32.const 2))))))

  (func $copy_stdin
    (block $done
      (loop $more
        (i32.store (i32.const 0) (i32.const 8192))
        (i32.store (i32.const 4) (i32.const 57344))
        (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (br_if $done (i32.eqz (i32.load (i32.const 8))))
        (call $write (i32.const 1) (i32.const 8192) (i32.load (i32.const 8)))
        (br $more))))

  (func (export "_start")
    (call $load_env)
    (call $puts (i32.const 2) (i32.const 768))
    (call $putvar (i32.const 2) (i32.const 320))
    (call $puts (i32.const 2) (i32.const 800))
    (call $putvar (i32.const 2) (i32.const 352))
    (call $puts (i32.const 2) (i32.const 808))
    (call $header (i32.const 736) (i32.const 512) (i32.const 1))
    (call $puts (i32.const 1) (i32.const 256))
    (call $header (i32.const 544) (i32.const 320) (i32.const 0))
    (call $header (i32.const 576) (i32.const 352) (i32.const 0))
    (call $header (i32.const 608) (i32.const 384) (i32.const 0))
    (call $header (i32.const 640) (i32.const 416) (i32.const 0))
    (call $header (i32.const 672) (i32.const 448) (i32.const 0))
    (call $header (i32.const 704) (i32.const 480) (i32.const 0))
    (call $puts (i32.const 1) (i32.const 808))
    (call $copy_stdin)))
