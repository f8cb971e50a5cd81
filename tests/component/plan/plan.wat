;; Instantiation plans (tests/component/plan_test.c): what one instantiation looked up by name
;; is replayed by the next ones against the same host, so
;; - run: func() -> u32 calls the host's `id`, and make-and-drop: func(rep: u32) makes a host
;;   `thing` and drops it (the host's destructor runs): each host's own function, destructor
;;   and resource type must be reached, whichever host the component met first;
;; - one nested component ($Child, whose `dep` import it calls) is instantiated at three sites,
;;   its import each time another kind of instance: the host's, a child component's and an
;;   inline one. What its alias of `dep`'s `id` resolved to differs per site.
(component
  (import "test:plan/host" (instance $host
    (export "thing" (type $thing (sub resource)))
    (export "id" (func (result u32)))
    (export "make" (func (param "rep" u32) (result (own $thing))))))
  (alias export $host "id" (func $id))
  (alias export $host "make" (func $make))
  (alias export $host "thing" (type $thing))
  (core func $id' (canon lower (func $id)))
  (core func $make' (canon lower (func $make)))
  (core func $drop (canon resource.drop $thing))
  (core module $M
    (import "host" "id" (func $id (result i32)))
    (import "host" "make" (func $make (param i32) (result i32)))
    (import "host" "drop" (func $drop (param i32)))
    (func (export "run") (result i32) (call $id))
    (func (export "make-and-drop") (param i32) (call $drop (call $make (local.get 0)))))
  (core instance $host' (export "id" (func $id')) (export "make" (func $make')) (export "drop" (func $drop)))
  (core instance $m (instantiate $M (with "host" (instance $host'))))
  (func (export "run") (result u32) (canon lift (core func $m "run")))
  (func (export "make-and-drop") (param "rep" u32) (canon lift (core func $m "make-and-drop")))

  (component $Child
    (import "dep" (instance $dep (export "id" (func (result u32)))))
    (alias export $dep "id" (func $f))
    (core func $f' (canon lower (func $f)))
    (core module $N (import "" "f" (func $f (result i32))) (func (export "get") (result i32) (call $f)))
    (core instance $f'' (export "f" (func $f')))
    (core instance $n (instantiate $N (with "" (instance $f''))))
    (func (export "get") (result u32) (canon lift (core func $n "get"))))
  (component $Seven
    (core module $S (func (export "seven") (result i32) (i32.const 7)))
    (core instance $s (instantiate $S))
    (func (export "id") (result u32) (canon lift (core func $s "seven"))))
  (instance $seven (instantiate $Seven))
  (instance $via-host (instantiate $Child (with "dep" (instance $host))))
  (instance $via-child (instantiate $Child (with "dep" (instance $seven))))
  (alias export $seven "id" (func $seven-id))
  (instance $inline (export "id" (func $seven-id)))
  (instance $via-inline (instantiate $Child (with "dep" (instance $inline))))
  (alias export $via-host "get" (func $via-host-get))
  (alias export $via-child "get" (func $via-child-get))
  (alias export $via-inline "get" (func $via-inline-get))
  (export "via-host" (func $via-host-get))
  (export "via-child" (func $via-child-get))
  (export "via-inline" (func $via-inline-get))
)
