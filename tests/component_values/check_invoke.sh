#!/bin/bash
# One case of a *.cases file: check_invoke.sh WARREN COMPONENT.wasm FILE.cases LINE
# The line is `INVOKE<TAB>= STDOUT` (exit 0, that stdout, no stderr) or
# `INVOKE<TAB>! STATUS REGEX` (that exit status, stderr matching the extended regex).
set -u
warren=$1 wasm=$2 cases=$3 line=$4
text=$(sed -n "${line}p" "$cases")
invoke=${text%%$'\t'*}
expect=${text#*$'\t'}
stdout=$(mktemp) stderr=$(mktemp)
trap 'rm -f "$stdout" "$stderr"' EXIT
"$warren" run --invoke "$invoke" "$wasm" >"$stdout" 2>"$stderr"
status=$?
fail() {
  echo "FAIL: warren run --invoke '$invoke' $wasm"
  echo "  $1"
  echo "  exit status: $status"
  echo "  stdout: $(cat "$stdout")"
  echo "  stderr: $(cat "$stderr")"
  exit 1
}
case $expect in
"= "*)
  want=${expect#= }
  [ "$status" -eq 0 ] || fail "expected exit 0"
  [ "$(cat "$stdout")" == "$want" ] || fail "expected stdout: $want"
  [ ! -s "$stderr" ] || fail "expected no stderr"
  ;;
"! "*)
  rest=${expect#! }
  want_status=${rest%% *}
  regex=${rest#* }
  [ "$status" -eq "$want_status" ] || fail "expected exit $want_status"
  grep -Eq -- "$regex" "$stderr" || fail "expected stderr matching: $regex"
  ;;
*) echo "bad case line $line of $cases: $text"; exit 1 ;;
esac
