;; The bundled example: the smallest wasi:http 0.2 handler, written by hand in component text.
;; Every request is answered `200 OK`, `content-type: text/plain`, body "Hello from Warren!\n".
;;
;; It imports only the wasi:http / wasi:io functions it calls (a component may import a subset of
;; an interface) and exports wasi:http/incoming-handler@0.2.0#handle, lifted from a core module
;; that speaks the canonical ABI directly. The handler's memory lives in a core instance of its
;; own, made first, so that the imports lowered with `(memory ...)` can exist before the handler
;; is instantiated with them. `examples/build-hello-http.sh` assembles this file with `jco parse`
;; into examples/hello-http.wasm (committed, so building Warren needs no npm).
(component
  (import "wasi:io/error@0.2.0" (instance $io-error
    (export "error" (type (sub resource)))))
  (alias export $io-error "error" (type $error))

  (import "wasi:io/streams@0.2.0" (instance $streams
    (export "output-stream" (type $output-stream (sub resource)))
    (alias outer 1 $error (type $error-outer))
    (export "error" (type $error-inner (eq $error-outer)))
    (type $stream-error (variant (case "last-operation-failed" (own $error-inner)) (case "closed")))
    (export "stream-error" (type $stream-error-export (eq $stream-error)))
    (export "[method]output-stream.blocking-write-and-flush"
      (func (param "self" (borrow $output-stream)) (param "contents" (list u8))
            (result (result (error $stream-error-export)))))))
  (alias export $streams "output-stream" (type $output-stream))

  (import "wasi:http/types@0.2.0" (instance $types
    (export "incoming-request" (type $incoming-request (sub resource)))
    (export "fields" (type $fields (sub resource)))
    (type $string string)
    (export "field-key" (type $field-key (eq $string)))
    (export "field-name" (type $field-name (eq $field-key)))
    (type $bytes (list u8))
    (export "field-value" (type $field-value (eq $bytes)))
    (type $header-error (variant (case "invalid-syntax") (case "forbidden") (case "immutable")))
    (export "header-error" (type $header-error-export (eq $header-error)))
    (export "headers" (type $headers (eq $fields)))
    (export "outgoing-response" (type $outgoing-response (sub resource)))
    (export "outgoing-body" (type $outgoing-body (sub resource)))
    (alias outer 1 $output-stream (type $output-stream-outer))
    (export "output-stream" (type $output-stream-inner (eq $output-stream-outer)))
    (export "trailers" (type $trailers (eq $fields)))
    (type $dns-error-payload (record (field "rcode" (option string)) (field "info-code" (option u16))))
    (export "DNS-error-payload" (type $dns-error-payload-export (eq $dns-error-payload)))
    (type $tls-alert-payload (record (field "alert-id" (option u8)) (field "alert-message" (option string))))
    (export "TLS-alert-received-payload" (type $tls-alert-payload-export (eq $tls-alert-payload)))
    (type $field-size-payload (record (field "field-name" (option string)) (field "field-size" (option u32))))
    (export "field-size-payload" (type $field-size-payload-export (eq $field-size-payload)))
    (type $error-code (variant
      (case "DNS-timeout")
      (case "DNS-error" $dns-error-payload-export)
      (case "destination-not-found")
      (case "destination-unavailable")
      (case "destination-IP-prohibited")
      (case "destination-IP-unroutable")
      (case "connection-refused")
      (case "connection-terminated")
      (case "connection-timeout")
      (case "connection-read-timeout")
      (case "connection-write-timeout")
      (case "connection-limit-reached")
      (case "TLS-protocol-error")
      (case "TLS-certificate-error")
      (case "TLS-alert-received" $tls-alert-payload-export)
      (case "HTTP-request-denied")
      (case "HTTP-request-length-required")
      (case "HTTP-request-body-size" (option u64))
      (case "HTTP-request-method-invalid")
      (case "HTTP-request-URI-invalid")
      (case "HTTP-request-URI-too-long")
      (case "HTTP-request-header-section-size" (option u32))
      (case "HTTP-request-header-size" (option $field-size-payload-export))
      (case "HTTP-request-trailer-section-size" (option u32))
      (case "HTTP-request-trailer-size" $field-size-payload-export)
      (case "HTTP-response-incomplete")
      (case "HTTP-response-header-section-size" (option u32))
      (case "HTTP-response-header-size" $field-size-payload-export)
      (case "HTTP-response-body-size" (option u64))
      (case "HTTP-response-trailer-section-size" (option u32))
      (case "HTTP-response-trailer-size" $field-size-payload-export)
      (case "HTTP-response-transfer-coding" (option string))
      (case "HTTP-response-content-coding" (option string))
      (case "HTTP-response-timeout")
      (case "HTTP-upgrade-failed")
      (case "HTTP-protocol-error")
      (case "loop-detected")
      (case "configuration-error")
      (case "internal-error" (option string))))
    (export "error-code" (type $error-code-export (eq $error-code)))
    (export "response-outparam" (type $response-outparam (sub resource)))
    (export "[constructor]fields" (func (result (own $fields))))
    (export "[method]fields.append"
      (func (param "self" (borrow $fields)) (param "name" $field-name) (param "value" $field-value)
            (result (result (error $header-error-export)))))
    (export "[constructor]outgoing-response" (func (param "headers" (own $headers)) (result (own $outgoing-response))))
    (export "[method]outgoing-response.body"
      (func (param "self" (borrow $outgoing-response)) (result (result (own $outgoing-body)))))
    (export "[method]outgoing-body.write"
      (func (param "self" (borrow $outgoing-body)) (result (result (own $output-stream-inner)))))
    (export "[static]outgoing-body.finish"
      (func (param "this" (own $outgoing-body)) (param "trailers" (option (own $trailers)))
            (result (result (error $error-code-export)))))
    (export "[static]response-outparam.set"
      (func (param "param" (own $response-outparam))
            (param "response" (result (own $outgoing-response) (error $error-code-export)))))))
  (alias export $types "incoming-request" (type $incoming-request))
  (alias export $types "response-outparam" (type $response-outparam))

  ;; The memory, and an allocator for what the host returns in it (error-code strings, which
  ;; this handler never reads: a bump allocator is enough).
  (core module $memory-module
    (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 1024))
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

  (core func $drop-request (canon resource.drop $incoming-request))
  (core func $fields-new (canon lower (func $types "[constructor]fields")))
  (core func $fields-append (canon lower (func $types "[method]fields.append") (memory $memory)))
  (core func $response-new (canon lower (func $types "[constructor]outgoing-response")))
  (core func $response-body (canon lower (func $types "[method]outgoing-response.body") (memory $memory)))
  (core func $body-write (canon lower (func $types "[method]outgoing-body.write") (memory $memory)))
  (core func $body-finish
    (canon lower (func $types "[static]outgoing-body.finish") (memory $memory) (realloc $realloc)))
  (core func $outparam-set (canon lower (func $types "[static]response-outparam.set") (memory $memory)))
  (core func $write-flush
    (canon lower (func $streams "[method]output-stream.blocking-write-and-flush") (memory $memory)))
  (core func $drop-stream (canon resource.drop $output-stream))
  (core instance $http-imports
    (export "[resource-drop]incoming-request" (func $drop-request))
    (export "[constructor]fields" (func $fields-new))
    (export "[method]fields.append" (func $fields-append))
    (export "[constructor]outgoing-response" (func $response-new))
    (export "[method]outgoing-response.body" (func $response-body))
    (export "[method]outgoing-body.write" (func $body-write))
    (export "[static]outgoing-body.finish" (func $body-finish))
    (export "[static]response-outparam.set" (func $outparam-set)))
  (core instance $io-imports
    (export "[method]output-stream.blocking-write-and-flush" (func $write-flush))
    (export "[resource-drop]output-stream" (func $drop-stream)))

  ;; The handler. Memory: 16.. the header name and value, 64.. the body text, 256.. return areas.
  (core module $handler
    (import "mem" "memory" (memory 1))
    (import "http" "[resource-drop]incoming-request" (func $drop-request (param i32)))
    (import "http" "[constructor]fields" (func $fields-new (result i32)))
    (import "http" "[method]fields.append" (func $fields-append (param i32 i32 i32 i32 i32 i32)))
    (import "http" "[constructor]outgoing-response" (func $response-new (param i32) (result i32)))
    (import "http" "[method]outgoing-response.body" (func $response-body (param i32 i32)))
    (import "http" "[method]outgoing-body.write" (func $body-write (param i32 i32)))
    (import "http" "[static]outgoing-body.finish" (func $body-finish (param i32 i32 i32 i32)))
    (import "http" "[static]response-outparam.set"
      (func $outparam-set (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
    (import "io" "[method]output-stream.blocking-write-and-flush" (func $write-flush (param i32 i32 i32 i32)))
    (import "io" "[resource-drop]output-stream" (func $drop-stream (param i32)))
    (data (i32.const 16) "content-type")
    (data (i32.const 32) "text/plain")
    (data (i32.const 64) "Hello from Warren!\n")

    ;; A result<...> in a return area: trap unless its case is ok (0).
    (func $expect-ok (param $area i32)
      (if (i32.load8_u (local.get $area)) (then unreachable)))

    (func (export "handle") (param $request i32) (param $outparam i32)
      (local $headers i32) (local $response i32) (local $body i32) (local $stream i32)
      (call $drop-request (local.get $request))
      (local.set $headers (call $fields-new))
      (call $fields-append (local.get $headers) (i32.const 16) (i32.const 12) (i32.const 32) (i32.const 10)
                           (i32.const 256))
      (call $expect-ok (i32.const 256))
      (local.set $response (call $response-new (local.get $headers)))
      (call $response-body (local.get $response) (i32.const 256))
      (call $expect-ok (i32.const 256))
      (local.set $body (i32.load (i32.const 260)))
      ;; set(outparam, ok(response)): the status (200) and headers go out now
      (call $outparam-set (local.get $outparam) (i32.const 0) (local.get $response)
                          (i32.const 0) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
      (call $body-write (local.get $body) (i32.const 256))
      (call $expect-ok (i32.const 256))
      (local.set $stream (i32.load (i32.const 260)))
      (call $write-flush (local.get $stream) (i32.const 64) (i32.const 19) (i32.const 256))
      (call $expect-ok (i32.const 256))
      (call $drop-stream (local.get $stream))
      ;; finish(body, none)
      (call $body-finish (local.get $body) (i32.const 0) (i32.const 0) (i32.const 256))
      (call $expect-ok (i32.const 256))))

  (core instance $main (instantiate $handler
    (with "mem" (instance $memory-instance))
    (with "http" (instance $http-imports))
    (with "io" (instance $io-imports))))

  (type $handle-type (func (param "request" (own $incoming-request)) (param "response-out" (own $response-outparam))))
  (func $handle (type $handle-type) (canon lift (core func $main "handle")))
  (instance $incoming-handler (export "handle" (func $handle)))
  (export "wasi:http/incoming-handler@0.2.0" (instance $incoming-handler))
)
