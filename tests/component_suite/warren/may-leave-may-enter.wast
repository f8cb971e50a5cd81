;; Warren's own scripts in the suite's dialect: may_leave (post-return and realloc cannot call
;; out of their instance) and may_enter (a sync call cannot re-enter an instance already on the
;; stack), CanonicalABI.md.

;; $C exports a plain function; $D lowers it and calls it from a post-return, from a realloc
;; and from a normal body.
(component definition $Leave
  (component $C
    (core module $CM (func (export "ping") (result i32) (i32.const 5)))
    (core instance $cm (instantiate $CM))
    (func (export "ping") (result u32) (canon lift (core func $cm "ping"))))
  (component $D
    (import "ping" (func $ping (result u32)))
    (core module $Memory (memory (export "mem") 1))
    (core instance $memory (instantiate $Memory))
    (core func $ping' (canon lower (func $ping)))
    (type $R (resource (rep i32)))
    (core func $resource.new (canon resource.new $R))
    (core func $resource.drop (canon resource.drop $R))
    (core module $DM
      (import "" "mem" (memory 1))
      (import "" "ping" (func $ping (result i32)))
      (import "" "resource.new" (func $resource.new (param i32) (result i32)))
      (import "" "resource.drop" (func $resource.drop (param i32)))
      (global $pinged (mut i32) (i32.const 0))
      (func (export "noop") (result i32) (i32.const 1))
      (func (export "call-ping") (result i32) (call $ping))
      (func (export "pr-ping") (param i32) (global.set $pinged (call $ping)))
      (func (export "pr-resource-new") (param i32) (drop (call $resource.new (i32.const 9))))
      (func (export "pr-resource-drop") (param i32) (call $resource.drop (i32.const 1)))
      (func (export "realloc-ping") (param i32 i32 i32 i32) (result i32)
        (drop (call $ping))
        (i32.const 64))
      (func (export "take-string") (param i32 i32) (result i32) (local.get 1)))
    (core instance $dm (instantiate $DM (with "" (instance
      (export "mem" (memory $memory "mem"))
      (export "ping" (func $ping'))
      (export "resource.new" (func $resource.new))
      (export "resource.drop" (func $resource.drop))))))
    (func (export "call-ping") (result u32) (canon lift (core func $dm "call-ping")))
    (func (export "pr-ping") (result u32)
      (canon lift (core func $dm "noop") (post-return (core func $dm "pr-ping"))))
    (func (export "pr-resource-new") (result u32)
      (canon lift (core func $dm "noop") (post-return (core func $dm "pr-resource-new"))))
    (func (export "pr-resource-drop") (result u32)
      (canon lift (core func $dm "noop") (post-return (core func $dm "pr-resource-drop"))))
    (func (export "take-string") (param "s" string) (result u32)
      (canon lift (core func $dm "take-string") (memory (core memory $memory "mem"))
        (realloc (core func $dm "realloc-ping")))))
  (instance $c (instantiate $C))
  (instance $d (instantiate $D (with "ping" (func $c "ping"))))
  (func (export "call-ping") (alias export $d "call-ping"))
  (func (export "pr-ping") (alias export $d "pr-ping"))
  (func (export "pr-resource-new") (alias export $d "pr-resource-new"))
  (func (export "pr-resource-drop") (alias export $d "pr-resource-drop"))
  (func (export "take-string") (alias export $d "take-string"))
)
(component instance $i $Leave)
(assert_return (invoke "call-ping") (u32.const 5))
(assert_trap (invoke "pr-ping") "cannot leave component instance")
(component instance $i $Leave)
(assert_trap (invoke "pr-resource-new") "cannot leave component instance")
(component instance $i $Leave)
(assert_trap (invoke "pr-resource-drop") "cannot leave component instance")
(component instance $i $Leave)
(assert_trap (invoke "take-string" (str.const "abc")) "cannot leave component instance")

;; Re-entrance: the host calls the root's f, which calls the child's g, which calls the root's
;; h, and h calls g again through a funcref the root put in its table. definitions.py lets a
;; child call into its entered parent ("donut wrapping"), but wasmtime and the component
;; model's own test/async/trap-on-reenter.wast trap on any call between an instance and its
;; entered ancestor or descendant, and so does Warren: f-seven (root -> child -> root) traps.
(component definition $Enter
  (core module $Table (table (export "t") 1 funcref))
  (core instance $table (instantiate $Table))
  (core module $HM
    (import "" "t" (table 1 funcref))
    (type $v (func (result i32)))
    (func (export "h") (result i32) (call_indirect (type $v) (i32.const 0)))
    (func (export "seven") (result i32) (i32.const 7)))
  (core instance $hm (instantiate $HM (with "" (instance $table))))
  (func $h (result u32) (canon lift (core func $hm "h")))
  (func $seven (result u32) (canon lift (core func $hm "seven")))
  (component $B
    (import "h" (func $h (result u32)))
    (import "seven" (func $seven (result u32)))
    (core func $h' (canon lower (func $h)))
    (core func $seven' (canon lower (func $seven)))
    (core module $BM
      (import "" "h" (func $h (result i32)))
      (import "" "seven" (func $seven (result i32)))
      (func (export "g") (result i32) (call $h))
      (func (export "g-seven") (result i32) (call $seven)))
    (core instance $bm (instantiate $BM (with "" (instance
      (export "h" (func $h')) (export "seven" (func $seven'))))))
    (func (export "g") (result u32) (canon lift (core func $bm "g")))
    (func (export "g-seven") (result u32) (canon lift (core func $bm "g-seven"))))
  (instance $b (instantiate $B (with "h" (func $h)) (with "seven" (func $seven))))
  (core func $g' (canon lower (func $b "g")))
  (core func $g-seven' (canon lower (func $b "g-seven")))
  (core module $Fill
    (import "" "t" (table 1 funcref))
    (import "" "g" (func $g (result i32)))
    (elem (table 0) (i32.const 0) func $g))
  (core instance (instantiate $Fill (with "" (instance
    (export "t" (table $table "t"))
    (export "g" (func $g'))))))
  (core module $FM
    (import "" "g" (func $g (result i32)))
    (import "" "g-seven" (func $g-seven (result i32)))
    (func (export "f") (result i32) (call $g))
    (func (export "f-seven") (result i32) (call $g-seven)))
  (core instance $fm (instantiate $FM (with "" (instance
    (export "g" (func $g')) (export "g-seven" (func $g-seven'))))))
  (func (export "f") (result u32) (canon lift (core func $fm "f")))
  (func (export "f-seven") (result u32) (canon lift (core func $fm "f-seven")))
)
(component instance $i $Enter)
(assert_trap (invoke "f-seven") "cannot enter component instance")
(assert_trap (invoke "f") "cannot enter component instance")
