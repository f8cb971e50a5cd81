;; expect-error: canon lower needs the memory option \(parameters hold strings or lists\)
(component
  (import "log" (func $log (param "msg" string)))
  (core func (canon lower (func $log)))
)
