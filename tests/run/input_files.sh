#!/usr/bin/env bash
# `warren inspect|run|serve` on inputs that are not regular files: each must fail at once with
# exit 1 and a message naming the file and why, never read forever (/dev/zero) or block (a FIFO
# with no writer). Usage: input_files.sh PATH/TO/warren
# `timeout` is a guard against the hang being tested for, not a timing assertion.
set -u
warren=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkfifo "$work/fifo.wasm"
mkdir "$work/dir.wasm"
failures=0
check() { # check COMMAND INPUT EXPECTED-MESSAGE-REGEX
  local err status
  err=$(timeout 60 "$warren" "$1" "$2" 2>&1 >/dev/null)
  status=$?
  if [ "$status" != 1 ] || ! grep -Eq "$3" <<<"$err"; then
    echo "FAIL warren $1 $2: exit $status, stderr: $err"
    failures=$((failures + 1))
  else
    echo "ok   warren $1 $2"
  fi
}
for cmd in inspect run serve; do
  check $cmd /dev/zero "cannot read /dev/zero: it is a character device, and only regular files are read"
  check $cmd "$work/dir.wasm" "cannot read .*dir\.wasm: it is a directory"
  check $cmd "$work/fifo.wasm" "cannot read .*fifo\.wasm: it is a FIFO or pipe"
done
exit $((failures > 0))
