#!/usr/bin/env bash
# `warren wast` reports failures: a script with two deliberately wrong assertions must exit 1,
# name each failing line with what was expected and what came back, and count correctly.
# A missing script or a bad option is a usage/IO error: exit 2.
#
# usage: check_failure_report.sh WARREN SOURCE_DIR WORK_DIR
set -u
warren=$1 src=$2 work=$3
fail() { echo "FAIL: $*"; echo "--- output:"; cat "$work/out.txt"; exit 1; }

mkdir -p "$work"
wast2json "$src/deliberate_failure.wast" -o "$work/deliberate_failure.json" || { echo "wast2json failed"; exit 2; }
"$warren" wast "$work/deliberate_failure.json" >"$work/out.txt" 2>&1
status=$?
[ "$status" -eq 1 ] || fail "exit status $status, expected 1"
grep -q 'deliberate_failure.wast:8: assert_return result 0 wrong (expected i32:3 (3), got i32:2 (2))' "$work/out.txt" ||
  fail "no report of the wrong assert_return on line 8"
grep -q 'deliberate_failure.wast:9: expected trap "unreachable"' "$work/out.txt" ||
  fail "no report of the missing trap on line 9"
[ "$(grep -c 'deliberate_failure.wast:' "$work/out.txt")" -eq 2 ] || fail "other lines reported as failing"
[ "$(tail -n 1 "$work/out.txt")" = "4 passed, 2 failed" ] || fail "wrong summary line"

"$warren" wast "$work/no-such-script.json" >"$work/out.txt" 2>&1
status=$?
[ "$status" -eq 2 ] || fail "missing script: exit status $status, expected 2"
"$warren" wast --no-such-option "$work/deliberate_failure.json" >"$work/out.txt" 2>&1
status=$?
[ "$status" -eq 2 ] || fail "bad option: exit status $status, expected 2"
echo "warren wast reports failures correctly"
