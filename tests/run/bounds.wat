;; Calls preview1 functions with pointers at and past the end of memory, bad fds and bad
;; clocks, and checks each errno. A wrong errno exits with the check's number; all right
;; prints "bounds ok" and returns.
(module
  (type $i32x2 (func (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (type $i32x2)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (type $i32x2)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (type $i32x2)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (type $i32x2)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (type $i32x2)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory 1)
  (data (i32.const 1024) "bounds ok\n")

  (func $expect (param $got i32) (param $want i32) (param $check i32)
    (if (i32.ne (local.get $got) (local.get $want)) (then (call $proc_exit (local.get $check)))))

  (func (export "_start")
    ;; iovec array that ends past the memory
    (call $expect (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 0)) (i32.const 21) (i32.const 1))
    ;; iovec whose buffer runs past the end: {buf 65530, len 10} at address 0
    (i32.store (i32.const 0) (i32.const 65530))
    (i32.store (i32.const 4) (i32.const 10))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)) (i32.const 21) (i32.const 2))
    ;; nwritten pointer straddling the end
    (i32.store (i32.const 4) (i32.const 0))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 65533)) (i32.const 21) (i32.const 3))
    ;; an iovec count whose byte size overflows 32 bits
    (call $expect (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0x20000001) (i32.const 16)) (i32.const 21) (i32.const 4))
    ;; random_get up to the last byte is fine, one more is not; a wrapping pointer is not
    (call $expect (call $random_get (i32.const 65530) (i32.const 6)) (i32.const 0) (i32.const 5))
    (call $expect (call $random_get (i32.const 65530) (i32.const 7)) (i32.const 21) (i32.const 6))
    (call $expect (call $random_get (i32.const 0xffffffff) (i32.const 2)) (i32.const 21) (i32.const 7))
    (call $expect (call $args_sizes_get (i32.const 65534) (i32.const 0)) (i32.const 21) (i32.const 8))
    (call $expect (call $environ_get (i32.const 65535) (i32.const 0)) (i32.const 0) (i32.const 9)) ;; no env: nothing written
    (call $expect (call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 65532)) (i32.const 21) (i32.const 10))
    (call $expect (call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 65528)) (i32.const 0) (i32.const 11))
    (call $expect (call $clock_time_get (i32.const 9) (i64.const 0) (i32.const 64)) (i32.const 28) (i32.const 12))
    ;; fds: 9 is not open, stdout cannot be read, stdio cannot seek, no preopens
    (call $expect (call $fd_write (i32.const 9) (i32.const 0) (i32.const 0) (i32.const 16)) (i32.const 8) (i32.const 13))
    (call $expect (call $fd_read (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 16)) (i32.const 8) (i32.const 14))
    (call $expect (call $fd_seek (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 16)) (i32.const 70) (i32.const 15))
    (call $expect (call $fd_prestat_get (i32.const 3) (i32.const 16)) (i32.const 8) (i32.const 16))
    (call $expect (call $fd_fdstat_get (i32.const 1) (i32.const 65520)) (i32.const 21) (i32.const 17))
    (call $expect (call $fd_fdstat_get (i32.const 1) (i32.const 64)) (i32.const 0) (i32.const 18))
    (call $expect (i32.load8_u (i32.const 64)) (i32.const 2) (i32.const 19)) ;; character device
    (call $expect (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                                   (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 16)) (i32.const 52) (i32.const 20))
    ;; poll_oneoff: no subscriptions, subscriptions past the end
    (call $expect (call $poll_oneoff (i32.const 0) (i32.const 512) (i32.const 0) (i32.const 16)) (i32.const 28) (i32.const 21))
    (call $expect (call $poll_oneoff (i32.const 65500) (i32.const 512) (i32.const 1) (i32.const 16)) (i32.const 21) (i32.const 22))
    ;; a relative 1 ms clock subscription fires, reporting its userdata
    (i64.store (i32.const 256) (i64.const 0x1234))   ;; userdata
    (i32.store8 (i32.const 264) (i32.const 0))        ;; tag: clock
    (i32.store (i32.const 272) (i32.const 1))         ;; monotonic
    (i64.store (i32.const 280) (i64.const 1000000))   ;; 1 ms
    (i64.store (i32.const 288) (i64.const 0))
    (i32.store16 (i32.const 296) (i32.const 0))       ;; relative
    (call $expect (call $poll_oneoff (i32.const 256) (i32.const 512) (i32.const 1) (i32.const 16)) (i32.const 0) (i32.const 23))
    (call $expect (i32.load (i32.const 16)) (i32.const 1) (i32.const 24))
    (call $expect (i32.wrap_i64 (i64.load (i32.const 512))) (i32.const 0x1234) (i32.const 25))
    (call $expect (i32.load16_u (i32.const 520)) (i32.const 0) (i32.const 26))
    ;; print the verdict: iovec {1024, 10} at 0
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 10))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)) (i32.const 0) (i32.const 27))
    (call $expect (i32.load (i32.const 16)) (i32.const 10) (i32.const 28)))
)
