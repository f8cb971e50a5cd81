#!/bin/bash
# The compiled-module cache from the command line: `warren run` writes one file per input under
# $XDG_CACHE_HOME/warren and reuses it (the file is not rewritten), a corrupt file is reported,
# not trusted, and rewritten, --no-cache writes nothing, `warren compile` output runs alone and
# is rejected (exit 1, a message) when corrupt.
# `warren serve` goes through the same cache (HELLO_HTTP.wasm, served on a loopback port).
# Usage: cli_cache.sh WARREN HELLO.wasm HELLO_HTTP.wasm SCRATCH_DIR
set -u
warren=$1 hello=$2 hello_http=$3 scratch=$4
rm -rf "$scratch" && mkdir -p "$scratch" || exit 1
cd "$scratch" || exit 1
export XDG_CACHE_HOME=$scratch/xdg
cache=$XDG_CACHE_HOME/warren
fail() {
  echo "FAIL: $*"
  for f in out err; do [ -f $f ] && { echo "--- $f"; cat $f; }; done
  exit 1
}
greets() { grep -q '^Hello, Ada! This is WebAssembly' out || fail "$1: no greeting"; }
the_file() { ls "$cache"/*.cwasm 2>/dev/null; }

"$warren" run --no-cache "$hello" Ada >out 2>err || fail "--no-cache run"
greets "--no-cache"
[ -e "$cache" ] && fail "--no-cache wrote $cache"

"$warren" run "$hello" Ada >out 2>err || fail "first run"
greets "first run"
[ -s err ] && fail "first run: stderr not empty"
[ "$(the_file | wc -l)" = 1 ] || fail "first run: not one cache file"
file=$(the_file)
inode=$(stat -c %i "$file")

"$warren" run "$hello" Ada >out 2>err || fail "second run"
greets "second run"
[ -s err ] && fail "second run: stderr not empty"
[ "$(stat -c %i "$file")" = "$inode" ] || fail "second run rewrote the file instead of using it"

# the file held every function translated: a run from it translates none
WARREN_STATS=1 "$warren" run "$hello" Ada >out 2>err || fail "run with WARREN_STATS"
greets "WARREN_STATS run"
grep -q "functions translated: 0 to internal code, 0 to machine code; taken from a cache file: [1-9]" err ||
  fail "a run from the cache file translated functions"

# corrupt a byte of the module table (under the payload's checksum): reported, not used, rewritten
printf '\x5a' | dd of="$file" bs=1 seek=164 conv=notrunc status=none
"$warren" run "$hello" Ada >out 2>err || fail "run with a corrupt cache file"
greets "corrupt cache file"
grep -q "cache file .* rejected: corrupt" err || fail "no note about the corrupt cache file"
[ "$(stat -c %i "$file")" = "$inode" ] && fail "the corrupt file was not rewritten"
"$warren" run "$hello" Ada >out 2>err || fail "run after the rewrite"
[ -s err ] && fail "after the rewrite: stderr not empty"

# a truncated file: the same
: >"$file"
"$warren" run "$hello" Ada >out 2>err || fail "run with an empty cache file"
greets "empty cache file"
grep -q "rejected" err || fail "no note about the empty cache file"

# warren compile
cp "$hello" app.wasm
"$warren" compile app.wasm >out 2>err || fail "compile"
[ -f app.cwasm ] || fail "compile did not write app.cwasm"
"$warren" compile -o other.cwasm app.wasm >out 2>err || fail "compile -o"
cmp -s app.cwasm other.cwasm || fail "compile is not deterministic"
rm -rf "$cache"
"$warren" run --no-cache app.cwasm Ada >out 2>err || fail "run app.cwasm"
greets "app.cwasm"
[ -s err ] && fail "run app.cwasm: stderr not empty"
size=$(stat -c %s app.cwasm)
printf '\x00' | dd of=app.cwasm bs=1 seek=$((size / 2)) conv=notrunc status=none
printf '\xff' | dd of=app.cwasm bs=1 seek=$((size / 2 + 1)) conv=notrunc status=none
"$warren" run app.cwasm Ada >out 2>err
[ $? = 1 ] || fail "a corrupt app.cwasm did not exit 1"
grep -q "precompiled file rejected: corrupt" err || fail "no message about the corrupt app.cwasm"
"$warren" compile other.cwasm >out 2>err
[ $? = 1 ] || fail "compiling a .cwasm did not exit 1"
printf 'not wasm' >bad.wasm
"$warren" compile bad.wasm >out 2>err
[ $? = 1 ] || fail "compiling garbage did not exit 1"
[ -e bad.cwasm ] && fail "compiling garbage left a file"
"$warren" compile >out 2>err
[ $? = 2 ] || fail "compile without input did not exit 2"

# warren serve: writes the cache file at startup, uses it the next time
serve_once() {
  "$warren" serve --addr 127.0.0.1:0 --workers 1 "$@" >sout 2>serr &
  local pid=$! port="" code
  for _ in $(seq 200); do
    port=$(sed -n 's|^Serving HTTP on http://127.0.0.1:\([0-9]*\)/$|\1|p' sout)
    [ -n "$port" ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$port" ] || { kill $pid 2>/dev/null; wait $pid; cat serr; fail "serve $*: did not start"; }
  code=$(curl -s -o body -w '%{http_code}' --max-time 10 "http://127.0.0.1:$port/")
  kill $pid
  wait $pid
  [ "$code" = 200 ] || fail "serve $*: answered $code"
}
rm -rf "$cache"
serve_once --no-cache "$hello_http"
[ -e "$cache" ] && fail "serve --no-cache wrote $cache"
serve_once "$hello_http"
[ "$(the_file | wc -l)" = 1 ] || fail "serve: not one cache file"
file=$(the_file)
inode=$(stat -c %i "$file")
serve_once "$hello_http"
[ "$(stat -c %i "$file")" = "$inode" ] || fail "serve rewrote the file instead of using it"
grep -q rejected serr && fail "serve rejected its own cache file"
"$warren" compile -o http.cwasm "$hello_http" || fail "compile $hello_http"
serve_once http.cwasm

"$warren" run --help | grep -q -- "--no-cache" || fail "run --help does not show --no-cache"
"$warren" serve --help | grep -q -- "--no-cache" || fail "serve --help does not show --no-cache"
"$warren" --help | grep -q "compile" || fail "warren --help does not list compile"
echo "cli cache tests passed"
