;; expect-error: outer alias count 2 exceeds the enclosing scopes
(component
  (type $t u32)
  (component
    (alias outer 2 0 (type))
  )
)
