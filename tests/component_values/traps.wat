;; Values a guest returns that the Canonical ABI must refuse with a trap (CanonicalABI.md:
;; alignment, bounds, char range, discriminants, realloc results), and a bool that must not
;; trap (any non-zero i32 lifts as true).
(component
  (core module $m
    (memory (export "memory") 1)
    ;; return areas: (ptr, len) pairs and an option<string>
    (data (i32.const 0) "\02\00\00\00\01\00\00\00")   ;; list<u32> at 2: misaligned
    (data (i32.const 8) "\fa\ff\00\00\64\00\00\00")   ;; 65530 + 100 bytes: past the end
    (data (i32.const 16) "\02")                       ;; option discriminant 2 of 2 cases
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
)
