;; A wasi:cli/run command that uses wasi:sockets 0.2 the way a guest does, through lowered
;; imports: a TCP listener on 127.0.0.1 (ephemeral port), a client connecting to it, "ping" one
;; way and "pong" the other through the sockets' streams, waiting on pollables in between, then
;; a name lookup of "localhost" that must yield an address. Run returns err (exit 1) when the
;; host refuses to create the socket (no -S inherit-network); any other unexpected answer traps.
;; Assembled with the corpus' `jco parse` (tests/wasi_p2.cmake).
(component
  (import "wasi:io/poll@0.2.0" (instance $poll
    (export "pollable" (type $pollable (sub resource)))
    (export "[method]pollable.block" (func (param "self" (borrow $pollable))))))
  (alias export $poll "pollable" (type $pollable))

  (import "wasi:io/error@0.2.0" (instance $io-error
    (export "error" (type (sub resource)))))
  (alias export $io-error "error" (type $error))

  (import "wasi:io/streams@0.2.0" (instance $streams
    (export "input-stream" (type $input-stream (sub resource)))
    (export "output-stream" (type $output-stream (sub resource)))
    (alias outer 1 $error (type $error-outer))
    (export "error" (type $error-inner (eq $error-outer)))
    (type $stream-error (variant (case "last-operation-failed" (own $error-inner)) (case "closed")))
    (export "stream-error" (type $stream-error-export (eq $stream-error)))
    (export "[method]input-stream.blocking-read"
      (func (param "self" (borrow $input-stream)) (param "len" u64)
            (result (result (list u8) (error $stream-error-export)))))
    (export "[method]output-stream.blocking-write-and-flush"
      (func (param "self" (borrow $output-stream)) (param "contents" (list u8))
            (result (result (error $stream-error-export)))))))
  (alias export $streams "input-stream" (type $input-stream))
  (alias export $streams "output-stream" (type $output-stream))

  (import "wasi:sockets/network@0.2.0" (instance $network
    (export "network" (type (sub resource)))
    (type $error-code (enum "unknown" "access-denied" "not-supported" "invalid-argument" "out-of-memory" "timeout"
      "concurrency-conflict" "not-in-progress" "would-block" "invalid-state" "new-socket-limit"
      "address-not-bindable" "address-in-use" "remote-unreachable" "connection-refused" "connection-reset"
      "connection-aborted" "datagram-too-large" "name-unresolvable" "temporary-resolver-failure"
      "permanent-resolver-failure"))
    (export "error-code" (type (eq $error-code)))
    (type $family (enum "ipv4" "ipv6"))
    (export "ip-address-family" (type (eq $family)))
    (type $v4 (tuple u8 u8 u8 u8))
    (export "ipv4-address" (type $v4e (eq $v4)))
    (type $v6 (tuple u16 u16 u16 u16 u16 u16 u16 u16))
    (export "ipv6-address" (type $v6e (eq $v6)))
    (type $ip (variant (case "ipv4" $v4e) (case "ipv6" $v6e)))
    (export "ip-address" (type (eq $ip)))
    (type $v4sa (record (field "port" u16) (field "address" $v4e)))
    (export "ipv4-socket-address" (type $v4sae (eq $v4sa)))
    (type $v6sa (record (field "port" u16) (field "flow-info" u32) (field "address" $v6e) (field "scope-id" u32)))
    (export "ipv6-socket-address" (type $v6sae (eq $v6sa)))
    (type $sa (variant (case "ipv4" $v4sae) (case "ipv6" $v6sae)))
    (export "ip-socket-address" (type (eq $sa)))))
  (alias export $network "network" (type $network-type))
  (alias export $network "error-code" (type $error-code))
  (alias export $network "ip-address-family" (type $family))
  (alias export $network "ip-socket-address" (type $socket-address))
  (alias export $network "ip-address" (type $ip-address))

  (import "wasi:sockets/instance-network@0.2.0" (instance $instance-network
    (alias outer 1 $network-type (type $n))
    (export "network" (type $ne (eq $n)))
    (export "instance-network" (func (result (own $ne))))))

  (import "wasi:sockets/tcp@0.2.0" (instance $tcp
    (alias outer 1 $input-stream (type $is)) (export "input-stream" (type $ise (eq $is)))
    (alias outer 1 $output-stream (type $os)) (export "output-stream" (type $ose (eq $os)))
    (alias outer 1 $pollable (type $p)) (export "pollable" (type $pe (eq $p)))
    (alias outer 1 $network-type (type $n)) (export "network" (type $ne (eq $n)))
    (alias outer 1 $error-code (type $ec)) (export "error-code" (type $ece (eq $ec)))
    (alias outer 1 $socket-address (type $sa)) (export "ip-socket-address" (type $sae (eq $sa)))
    (export "tcp-socket" (type $sock (sub resource)))
    (export "[method]tcp-socket.start-bind"
      (func (param "self" (borrow $sock)) (param "network" (borrow $ne)) (param "local-address" $sae)
            (result (result (error $ece)))))
    (export "[method]tcp-socket.finish-bind" (func (param "self" (borrow $sock)) (result (result (error $ece)))))
    (export "[method]tcp-socket.start-connect"
      (func (param "self" (borrow $sock)) (param "network" (borrow $ne)) (param "remote-address" $sae)
            (result (result (error $ece)))))
    (export "[method]tcp-socket.finish-connect"
      (func (param "self" (borrow $sock)) (result (result (tuple (own $ise) (own $ose)) (error $ece)))))
    (export "[method]tcp-socket.start-listen" (func (param "self" (borrow $sock)) (result (result (error $ece)))))
    (export "[method]tcp-socket.finish-listen" (func (param "self" (borrow $sock)) (result (result (error $ece)))))
    (export "[method]tcp-socket.accept"
      (func (param "self" (borrow $sock)) (result (result (tuple (own $sock) (own $ise) (own $ose)) (error $ece)))))
    (export "[method]tcp-socket.local-address" (func (param "self" (borrow $sock)) (result (result $sae (error $ece)))))
    (export "[method]tcp-socket.subscribe" (func (param "self" (borrow $sock)) (result (own $pe))))))
  (alias export $tcp "tcp-socket" (type $tcp-socket))

  (import "wasi:sockets/tcp-create-socket@0.2.0" (instance $tcp-create
    (alias outer 1 $error-code (type $ec)) (export "error-code" (type $ece (eq $ec)))
    (alias outer 1 $family (type $f)) (export "ip-address-family" (type $fe (eq $f)))
    (alias outer 1 $tcp-socket (type $s)) (export "tcp-socket" (type $se (eq $s)))
    (export "create-tcp-socket" (func (param "address-family" $fe) (result (result (own $se) (error $ece)))))))

  (import "wasi:sockets/ip-name-lookup@0.2.0" (instance $lookup
    (alias outer 1 $pollable (type $p)) (export "pollable" (type $pe (eq $p)))
    (alias outer 1 $network-type (type $n)) (export "network" (type $ne (eq $n)))
    (alias outer 1 $error-code (type $ec)) (export "error-code" (type $ece (eq $ec)))
    (alias outer 1 $ip-address (type $ip)) (export "ip-address" (type $ipe (eq $ip)))
    (export "resolve-address-stream" (type $ras (sub resource)))
    (export "resolve-addresses"
      (func (param "network" (borrow $ne)) (param "name" string) (result (result (own $ras) (error $ece)))))
    (export "[method]resolve-address-stream.resolve-next-address"
      (func (param "self" (borrow $ras)) (result (result (option $ipe) (error $ece)))))
    (export "[method]resolve-address-stream.subscribe" (func (param "self" (borrow $ras)) (result (own $pe))))))

  (core module $memory-module
    (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 4096))
    (func (export "realloc") (param i32 i32) (param $align i32) (param $size i32) (result i32)
      (local $at i32)
      (local.set $at (i32.and (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1)))
                              (i32.sub (i32.const 0) (local.get $align))))
      (if (i32.gt_u (i32.add (local.get $at) (local.get $size)) (i32.const 65536)) (then unreachable))
      (global.set $next (i32.add (local.get $at) (local.get $size)))
      (local.get $at)))
  (core instance $memory-instance (instantiate $memory-module))
  (alias core export $memory-instance "memory" (core memory $memory))
  (alias core export $memory-instance "realloc" (core func $realloc))

  (core func $block (canon lower (func $poll "[method]pollable.block")))
  (core func $drop-pollable (canon resource.drop $pollable))
  (core func $read (canon lower (func $streams "[method]input-stream.blocking-read") (memory $memory)
                               (realloc $realloc)))
  (core func $write (canon lower (func $streams "[method]output-stream.blocking-write-and-flush") (memory $memory)))
  (core func $net (canon lower (func $instance-network "instance-network")))
  (core func $create (canon lower (func $tcp-create "create-tcp-socket") (memory $memory)))
  (core func $start-bind (canon lower (func $tcp "[method]tcp-socket.start-bind") (memory $memory)))
  (core func $finish-bind (canon lower (func $tcp "[method]tcp-socket.finish-bind") (memory $memory)))
  (core func $start-connect (canon lower (func $tcp "[method]tcp-socket.start-connect") (memory $memory)))
  (core func $finish-connect (canon lower (func $tcp "[method]tcp-socket.finish-connect") (memory $memory)))
  (core func $start-listen (canon lower (func $tcp "[method]tcp-socket.start-listen") (memory $memory)))
  (core func $finish-listen (canon lower (func $tcp "[method]tcp-socket.finish-listen") (memory $memory)))
  (core func $accept (canon lower (func $tcp "[method]tcp-socket.accept") (memory $memory)))
  (core func $local-address (canon lower (func $tcp "[method]tcp-socket.local-address") (memory $memory)))
  (core func $subscribe (canon lower (func $tcp "[method]tcp-socket.subscribe")))
  (core func $resolve (canon lower (func $lookup "resolve-addresses") (memory $memory) (realloc $realloc)))
  (core func $resolve-next
    (canon lower (func $lookup "[method]resolve-address-stream.resolve-next-address") (memory $memory)))
  (core func $resolve-subscribe (canon lower (func $lookup "[method]resolve-address-stream.subscribe")))
  (core instance $imports
    (export "block" (func $block))
    (export "drop-pollable" (func $drop-pollable))
    (export "read" (func $read))
    (export "write" (func $write))
    (export "net" (func $net))
    (export "create" (func $create))
    (export "start-bind" (func $start-bind))
    (export "finish-bind" (func $finish-bind))
    (export "start-connect" (func $start-connect))
    (export "finish-connect" (func $finish-connect))
    (export "start-listen" (func $start-listen))
    (export "finish-listen" (func $finish-listen))
    (export "accept" (func $accept))
    (export "local-address" (func $local-address))
    (export "subscribe" (func $subscribe))
    (export "resolve" (func $resolve))
    (export "resolve-next" (func $resolve-next))
    (export "resolve-subscribe" (func $resolve-subscribe)))

  ;; Memory: 16.. "ping", 32.. "pong", 48.. "localhost", 256.. return areas.
  (core module $main
    (import "mem" "memory" (memory 1))
    (import "s" "block" (func $block (param i32)))
    (import "s" "drop-pollable" (func $drop-pollable (param i32)))
    (import "s" "read" (func $read (param i32 i64 i32)))
    (import "s" "write" (func $write (param i32 i32 i32 i32)))
    (import "s" "net" (func $net (result i32)))
    (import "s" "create" (func $create (param i32 i32)))
    (import "s" "start-bind" (func $start-bind
      (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
    (import "s" "finish-bind" (func $finish-bind (param i32 i32)))
    (import "s" "start-connect" (func $start-connect
      (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
    (import "s" "finish-connect" (func $finish-connect (param i32 i32)))
    (import "s" "start-listen" (func $start-listen (param i32 i32)))
    (import "s" "finish-listen" (func $finish-listen (param i32 i32)))
    (import "s" "accept" (func $accept (param i32 i32)))
    (import "s" "local-address" (func $local-address (param i32 i32)))
    (import "s" "subscribe" (func $subscribe (param i32) (result i32)))
    (import "s" "resolve" (func $resolve (param i32 i32 i32 i32)))
    (import "s" "resolve-next" (func $resolve-next (param i32 i32)))
    (import "s" "resolve-subscribe" (func $resolve-subscribe (param i32) (result i32)))
    (data (i32.const 16) "ping")
    (data (i32.const 32) "pong")
    (data (i32.const 48) "localhost")

    (func $expect-ok (param $area i32)
      (if (i32.load8_u (local.get $area)) (then unreachable)))

    ;; Waits on a new pollable, then drops it.
    (func $wait (param $pollable i32)
      (call $block (local.get $pollable))
      (call $drop-pollable (local.get $pollable)))

    ;; A blocking read of exactly 4 bytes that must equal the 4 at `expect`.
    (func $read-4 (param $in i32) (param $expect i32)
      (call $read (local.get $in) (i64.const 4) (i32.const 256))
      (call $expect-ok (i32.const 256))
      (if (i32.ne (i32.load (i32.const 264)) (i32.const 4)) (then unreachable))
      (if (i32.ne (i32.load (i32.load (i32.const 260))) (i32.load (local.get $expect))) (then unreachable)))

    (func (export "run") (result i32)
      (local $net i32) (local $listener i32) (local $client i32) (local $port i32)
      (local $c-in i32) (local $c-out i32) (local $s-in i32) (local $s-out i32) (local $names i32)
      (local.set $net (call $net))
      ;; the listener: refused without -S inherit-network (run returns err)
      (call $create (i32.const 0) (i32.const 256))
      (if (i32.load8_u (i32.const 256)) (then (return (i32.const 1))))
      (local.set $listener (i32.load (i32.const 260)))
      ;; bind 127.0.0.1:0: ipv4 case, port, the four bytes, then the unused ipv6 slots
      (call $start-bind (local.get $listener) (local.get $net) (i32.const 0) (i32.const 0)
                        (i32.const 127) (i32.const 0) (i32.const 0) (i32.const 1)
                        (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                        (i32.const 256))
      (call $expect-ok (i32.const 256))
      (call $finish-bind (local.get $listener) (i32.const 256))
      (call $expect-ok (i32.const 256))
      (call $start-listen (local.get $listener) (i32.const 256))
      (call $expect-ok (i32.const 256))
      (call $finish-listen (local.get $listener) (i32.const 256))
      (call $expect-ok (i32.const 256))
      ;; result<ip-socket-address>: the variant at +4, its ipv4 record at +8 (port first)
      (call $local-address (local.get $listener) (i32.const 256))
      (call $expect-ok (i32.const 256))
      (if (i32.load8_u (i32.const 260)) (then unreachable))
      (local.set $port (i32.load16_u (i32.const 264)))
      (if (i32.eqz (local.get $port)) (then unreachable))

      ;; the client connects
      (call $create (i32.const 0) (i32.const 256))
      (call $expect-ok (i32.const 256))
      (local.set $client (i32.load (i32.const 260)))
      (call $start-connect (local.get $client) (local.get $net) (i32.const 0) (local.get $port)
                           (i32.const 127) (i32.const 0) (i32.const 0) (i32.const 1)
                           (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                           (i32.const 256))
      (call $expect-ok (i32.const 256))
      (loop $connecting
        (call $wait (call $subscribe (local.get $client)))
        (call $finish-connect (local.get $client) (i32.const 256))
        (if (i32.load8_u (i32.const 256))
          (then
            ;; would-block (8): wait again; anything else is a failure
            (if (i32.ne (i32.load8_u (i32.const 260)) (i32.const 8)) (then unreachable))
            (br $connecting))))
      (local.set $c-in (i32.load (i32.const 260)))
      (local.set $c-out (i32.load (i32.const 264)))

      ;; the listener accepts
      (call $wait (call $subscribe (local.get $listener)))
      (call $accept (local.get $listener) (i32.const 256))
      (call $expect-ok (i32.const 256))
      (local.set $s-in (i32.load (i32.const 264)))
      (local.set $s-out (i32.load (i32.const 268)))

      (call $write (local.get $c-out) (i32.const 16) (i32.const 4) (i32.const 256))
      (call $expect-ok (i32.const 256))
      (call $read-4 (local.get $s-in) (i32.const 16))
      (call $write (local.get $s-out) (i32.const 32) (i32.const 4) (i32.const 256))
      (call $expect-ok (i32.const 256))
      (call $read-4 (local.get $c-in) (i32.const 32))

      ;; localhost resolves to at least one address
      (call $resolve (local.get $net) (i32.const 48) (i32.const 9) (i32.const 256))
      (call $expect-ok (i32.const 256))
      (local.set $names (i32.load (i32.const 260)))
      (call $wait (call $resolve-subscribe (local.get $names)))
      ;; result<option<ip-address>>: the option's case at +2
      (call $resolve-next (local.get $names) (i32.const 256))
      (call $expect-ok (i32.const 256))
      (if (i32.ne (i32.load8_u (i32.const 258)) (i32.const 1)) (then unreachable))
      (i32.const 0)))

  (core instance $main-instance (instantiate $main
    (with "mem" (instance $memory-instance))
    (with "s" (instance $imports))))

  (func $run (result (result)) (canon lift (core func $main-instance "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $run-instance)))
