;; Values a guest returns that the Canonical ABI must refuse with a trap (CanonicalABI.md:
;; alignment, bounds, char range, discriminants, realloc results), and the edge cases that must
;; not trap: any non-zero i32 lifts as true, narrow integers and flags drop the core value's
;; upper bits, an empty string may point anywhere in bounds, a string may end at the last byte
;; of memory (cases after the component model's test/values suite).
(component
  (core module $m
    (memory (export "memory") 1)
    ;; return areas: (ptr, len) pairs and an option<string>
    (data (i32.const 0) "\02\00\00\00\01\00\00\00")   ;; list<u32> at 2: misaligned
    (data (i32.const 8) "\fa\ff\00\00\64\00\00\00")   ;; 65530 + 100 bytes: past the end
    (data (i32.const 16) "\02")                       ;; option discriminant 2 of 2 cases
    (data (i32.const 24) "\ef\be\ad\de\00\00\00\00")   ;; 0xdeadbeef + 0 bytes
    (data (i32.const 32) "\64\00\00\00\00\00\00\00")   ;; 100 + 0 bytes
    (data (i32.const 40) "\fe\ff\00\00\02\00\00\00")   ;; 65534 + 2: the last two bytes
    (data (i32.const 48) "\ff\ff\00\00\02\00\00\00")   ;; 65535 + 2: one past the end
    (data (i32.const 56) "\40\00\00\00\01\00\00\00")   ;; 64 + 1: a truncated UTF-8 sequence
    (data (i32.const 64) "\c3")
    (data (i32.const 65534) "ok")
    (func (export "misaligned-list") (result i32) (i32.const 0))
    (func (export "oob-list") (result i32) (i32.const 8))
    (func (export "oob-string") (result i32) (i32.const 8))
    (func (export "bad-option") (result i32) (i32.const 16))
    (func (export "misaligned-return") (result i32) (i32.const 2))
    (func (export "oob-return") (result i32) (i32.const 65532))
    (func (export "surrogate-char") (result i32) (i32.const 0xD800))
    (func (export "big-char") (result i32) (i32.const 0x110000))
    (func (export "bad-enum") (result i32) (i32.const 3))
    (func (export "two") (result i32) (i32.const 2))
    (func (export "fail") (result i32) unreachable)
    (func (export "junk") (result i32) (i32.const 0xfffffffa))
    (func (export "wide") (result i32) (i32.const 0xf01))
    (func (export "all-ones") (result i32) (i32.const -1))
    (func (export "string-at") (param $area i32) (result i32) (local.get $area))
    (func (export "misaligned-realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1))
    (func (export "oob-realloc") (param i32 i32 i32 i32) (result i32) (i32.const 65535))
    (func (export "take-string") (param i32 i32) (result i32) (local.get 1))
    (func (export "id") (param i32) (result i32) (local.get 0))
  )
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (type $abc' (enum "a" "b" "c"))
  (export $abc "abc" (type $abc'))
  (func (export "misaligned-list") (result (list u32)) (canon lift (core func $i "misaligned-list") (memory $mem)))
  (func (export "oob-list") (result (list u8)) (canon lift (core func $i "oob-list") (memory $mem)))
  (func (export "oob-string") (result string) (canon lift (core func $i "oob-string") (memory $mem)))
  (func (export "bad-option") (result (option string)) (canon lift (core func $i "bad-option") (memory $mem)))
  (func (export "misaligned-return") (result string) (canon lift (core func $i "misaligned-return") (memory $mem)))
  (func (export "oob-return") (result string) (canon lift (core func $i "oob-return") (memory $mem)))
  (func (export "surrogate-char") (result char) (canon lift (core func $i "surrogate-char")))
  (func (export "big-char") (result char) (canon lift (core func $i "big-char")))
  (func (export "bad-enum") (result $abc) (canon lift (core func $i "bad-enum")))
  (func (export "bool-two") (result bool) (canon lift (core func $i "two")))
  (func (export "unreachable") (result u32) (canon lift (core func $i "fail")))
  (func (export "misaligned-realloc") (param "s" string) (result u32)
    (canon lift (core func $i "take-string") (memory $mem) (realloc (core func $i "misaligned-realloc")) string-encoding=utf16))
  (func (export "oob-realloc") (param "s" string) (result u32)
    (canon lift (core func $i "take-string") (memory $mem) (realloc (core func $i "oob-realloc"))))
  (func (export "echo-abc") (param "x" $abc) (result $abc) (canon lift (core func $i "id")))
  (type $three' (flags "a" "b" "c"))
  (export $three "three" (type $three'))
  (func (export "junk-flags") (result $three) (canon lift (core func $i "junk")))
  (func (export "wide-u8") (result u8) (canon lift (core func $i "wide")))
  (func (export "wide-s8") (result s8) (canon lift (core func $i "all-ones")))
  (func (export "wide-u16") (result u16) (canon lift (core func $i "all-ones")))
  (func (export "wide-s16") (result s16) (canon lift (core func $i "all-ones")))
  ;; string-at(area): the string whose (pointer, length) is stored at `area`
  (func (export "string-at") (param "area" u32) (result string) (canon lift (core func $i "string-at") (memory $mem)))
)
