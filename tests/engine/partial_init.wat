;; Instantiation that writes its first data segment into an imported memory and then traps
;; on an out-of-bounds second one: the first write must stay visible.
(module
  (import "env" "mem" (memory 1))
  (data (i32.const 0) "ok")
  (data (i32.const 65535) "too long"))
