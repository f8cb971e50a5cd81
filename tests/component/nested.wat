;; expect-output: nested component 0:.*instance api \{.*record greeting \{ text: string, times: u8 \}.*hello: func\(g: greeting\)
;; Nested components, component instantiation, outer aliases and type declarators.
(component $outer
  (type $greeting (record (field "text" string) (field "times" u8)))
  (import "logger" (instance $log
    (export "log" (func (param "msg" string)))))
  (component $inner
    (alias outer $outer $greeting (type $g))
    (import "log" (func $log (param "msg" string)))
    (type $api (instance
      (alias outer $inner $g (type $g2))
      (export "greeting" (type $gt (eq $g2)))
      (export "hello" (func (param "g" $gt)))))
    (import "api" (instance $a (type $api)))
    (export "hello" (func $a "hello"))
  )
  (alias export $log "log" (func $log-fn))
  (component $provider
    (type $g (record (field "text" string) (field "times" u8)))
    (export "greeting" (type $g))
    (core module $m
      (memory (export "mem") 1)
      (func (export "realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
      (func (export "hello") (param i32 i32 i32)))
    (core instance $i (instantiate $m))
    (alias core export $i "mem" (core memory $mem))
    (alias core export $i "realloc" (core func $realloc))
    (alias core export $i "hello" (core func $h))
    (type $ht (func (param "g" $g)))
    (func $hello (type $ht) (canon lift (core func $h) (memory $mem) (realloc $realloc)))
    (export "hello" (func $hello))
  )
  (instance $p (instantiate $provider))
  (instance $c (instantiate $inner (with "log" (func $log-fn)) (with "api" (instance $p))))
  (export "greeter" (instance $c))
)
