;; -W max-memory-size: `--invoke grow_all` grows the memory a page at a time until memory.grow
;; fails (-1) or it has 1024 pages, and returns its size in pages.
(module
  (memory 2)
  (func (export "grow_all") (result i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (memory.size) (i32.const 1024)))
        (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $next)))
    (memory.size))
)
