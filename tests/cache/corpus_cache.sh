#!/bin/bash
# A real component from the cache: `warren serve` of the componentize-js hello answers the same
# from a warm cache file, and from `warren compile` output, with no function translated in that
# process (WARREN_STATS counts them): the file held them all.
# Usage: corpus_cache.sh WARREN JS_HELLO.wasm SCRATCH_DIR
set -u
warren=$1 hello=$2 scratch=$3
rm -rf "$scratch" && mkdir -p "$scratch" || exit 1
cd "$scratch" || exit 1
export XDG_CACHE_HOME=$scratch/xdg
fail() {
  echo "FAIL: $*"
  for f in sout serr body; do [ -f $f ] && { echo "--- $f"; head -c 2000 $f; }; done
  exit 1
}
# serve_once NAME ARGS...: one request, its body in NAME.body, the server's stderr in serr
serve_once() {
  local name=$1
  shift
  WARREN_STATS=1 "$warren" serve --addr 127.0.0.1:0 --workers 1 "$@" >sout 2>serr &
  local pid=$! port="" code
  for _ in $(seq 1200); do
    port=$(sed -n 's|^Serving HTTP on http://127.0.0.1:\([0-9]*\)/$|\1|p' sout)
    [ -n "$port" ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$port" ] || { kill $pid 2>/dev/null; wait $pid; fail "serve $*: did not start"; }
  code=$(curl -s -o $name.body -w '%{http_code}' --max-time 20 "http://127.0.0.1:$port/")
  kill $pid
  wait $pid
  [ "$code" = 200 ] || fail "serve $*: answered $code"
  grep -q "functions translated" serr || fail "serve $*: no WARREN_STATS line"
}
translated_none() {
  grep -q "functions translated: 0 to internal code, 0 to machine code; taken from a cache file: [1-9]" serr ||
    fail "$1: functions were translated (or none came from the file)"
}

serve_once plain --no-cache "$hello"
grep -q "functions translated: [1-9]" serr || fail "--no-cache: nothing translated?"
serve_once miss "$hello" # writes the file, translating every function
cmp -s plain.body miss.body || fail "the first cached run answered differently"
serve_once hit "$hello"
cmp -s plain.body hit.body || fail "the run from the cache file answered differently"
translated_none "from the cache file"
grep -q rejected serr && fail "serve rejected its own cache file"

"$warren" compile -o hello.cwasm "$hello" || fail "compile $hello"
serve_once compiled hello.cwasm
cmp -s plain.body compiled.body || fail "the run from warren compile output answered differently"
translated_none "from warren compile output"
echo "corpus cache tests passed"
