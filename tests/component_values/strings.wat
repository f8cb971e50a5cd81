;; Strings in each encoding a guest can choose (canon lift string-encoding=): one core module,
;; lifted with utf8, utf16 and latin1+utf16. Echoes check the round trip; `units-*` return the
;; length the guest was given (code units; latin1+utf16 tags UTF-16 with bit 31) and `first-*`
;; its first code unit, so the encoding the host chose is visible; `hello-*` return strings
;; stored in the guest's data in each encoding; `bad-*` return malformed ones (a trap).
(component
  (core module $m
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 1024))
    (func (export "realloc") (param $old i32) (param $old-size i32) (param $align i32) (param $size i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get $align))))
      (global.set $heap (i32.add (local.get $p) (local.get $size)))
      (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
        (then (if (i32.eq (memory.grow (i32.add (i32.const 1) (i32.shr_u (global.get $heap) (i32.const 16))))
                          (i32.const -1)) (then unreachable))))
      ;; a realloc keeps the old contents (the host shrinks strings it transcoded)
      (if (local.get $old)
        (then (memory.copy (local.get $p) (local.get $old)
                (select (local.get $old-size) (local.get $size) (i32.lt_u (local.get $old-size) (local.get $size))))))
      (local.get $p))
    (func (export "reset") (param i32) (global.set $heap (i32.const 1024)))
    (func (export "id32") (param i32) (result i32) local.get 0)
    (func (export "units") (param $ptr i32) (param $len i32) (result i32) local.get $len)
    (func (export "first-u16") (param $ptr i32) (param $len i32) (result i32) (i32.load16_u (local.get $ptr)))
    (func (export "first-u8") (param $ptr i32) (param $len i32) (result i32) (i32.load8_u (local.get $ptr)))
    ;; return areas (ptr, len) at 0.., the strings at 256..
    (data (i32.const 0) "\00\01\00\00\08\00\00\00")              ;; 256, 8 units
    (data (i32.const 8) "\20\01\00\00\04\00\00\00")              ;; 288, 4 bytes
    (data (i32.const 16) "\40\01\00\00\02\00\00\80")             ;; 320, 2 units | UTF-16 tag
    (data (i32.const 24) "\60\01\00\00\02\00\00\00")             ;; 352, 2 units
    (data (i32.const 32) "\80\01\00\00\02\00\00\00")             ;; 384, 2 bytes
    (data (i32.const 256) "h\00\e9\00l\00l\00o\00 \00\3d\d8\4b\dc") ;; héllo 👋 in UTF-16LE
    (data (i32.const 288) "caf\e9")                                   ;; café in Latin-1
    (data (i32.const 320) "\e5\65\2c\67")                          ;; 日本 in UTF-16LE
    (data (i32.const 352) "\00\d8A\00")                             ;; an unpaired surrogate
    (data (i32.const 384) "\ffA")                                     ;; not UTF-8
    (func (export "hello-utf16") (result i32) (i32.const 0))
    (func (export "hello-latin1") (result i32) (i32.const 8))
    (func (export "hello-tagged") (result i32) (i32.const 16))
    (func (export "bad-utf16") (result i32) (i32.const 24))
    (func (export "bad-utf8") (result i32) (i32.const 32))
  )
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (alias core export $i "reset" (core func $reset))
  (type $pad (option (tuple u64 u64 u64 u64 u64 u64 u64 u64 u64 u64 u64 u64 u64 u64 u64 u64)))
  (type $echo (func (param "s" string) (param "pad" $pad) (result string)))
  (type $measure (func (param "s" string) (result u32)))
  (type $make (func (result string)))
  (func (export "echo-utf8") (type $echo)
    (canon lift (core func $i "id32") (memory $mem) (realloc $realloc) (post-return $reset) string-encoding=utf8))
  (func (export "units-utf8") (type $measure) (canon lift (core func $i "units") (memory $mem) (realloc $realloc) string-encoding=utf8))
  (func (export "echo-utf16") (type $echo)
    (canon lift (core func $i "id32") (memory $mem) (realloc $realloc) (post-return $reset) string-encoding=utf16))
  (func (export "units-utf16") (type $measure) (canon lift (core func $i "units") (memory $mem) (realloc $realloc) string-encoding=utf16))
  (func (export "echo-latin1") (type $echo)
    (canon lift (core func $i "id32") (memory $mem) (realloc $realloc) (post-return $reset) string-encoding=latin1+utf16))
  (func (export "units-latin1") (type $measure) (canon lift (core func $i "units") (memory $mem) (realloc $realloc) string-encoding=latin1+utf16))
  (func (export "first-utf16") (type $measure)
    (canon lift (core func $i "first-u16") (memory $mem) (realloc $realloc) string-encoding=utf16))
  (func (export "first-latin1") (type $measure)
    (canon lift (core func $i "first-u8") (memory $mem) (realloc $realloc) string-encoding=latin1+utf16))
  (func (export "hello-utf16") (type $make) (canon lift (core func $i "hello-utf16") (memory $mem) string-encoding=utf16))
  (func (export "hello-latin1") (type $make)
    (canon lift (core func $i "hello-latin1") (memory $mem) string-encoding=latin1+utf16))
  (func (export "hello-tagged") (type $make)
    (canon lift (core func $i "hello-tagged") (memory $mem) string-encoding=latin1+utf16))
  (func (export "bad-utf16") (type $make) (canon lift (core func $i "bad-utf16") (memory $mem) string-encoding=utf16))
  (func (export "bad-utf8") (type $make) (canon lift (core func $i "bad-utf8") (memory $mem)))
)
